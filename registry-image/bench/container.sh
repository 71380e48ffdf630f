#!/usr/bin/env bash
# The registry image as a cluster runs it (issues 17 and 23): imported into a containerd of its own and run by runc
# with the registry Deployment's settings (uid 65532 from the image, read-only root filesystem, every capability
# dropped, no new privileges, seccomp, a 256Mi memory limit, the cgroup mounted so the JVM sees that limit, its
# config, certificate and htpasswd mounted read-only at the operator's paths, /var/lib/registry and /tmp writable),
# against CNCF Distribution 2.8.2 run the same way: Debian's binary in the same kind of base (Debian 12 packages,
# no shell, uid 65532), built here with buildah. Both use the host's network (ctr --net-host) so the same curl on
# the same loopback measures both; a pod network would add the same veth to both.
#
# Per image: its size (compressed layers, and unpacked), then --starts cold starts, each from `ctr run` to the first
# TLS /v2/ answer (wall, and the container cgroup's CPU, logged per kind of thread for Portcullis: main, event loops,
# JIT compilers); after the last one, the CPU of 20 s idle, resident memory (the JVM's RSS and the cgroup's working
# set, as the kubelet counts it: usage less inactive page cache) idle, and after pushing
# 256 MiB (4 x 64 MiB blobs, monolithic uploads, and a manifest) and pulling it back three times, with the cgroup CPU
# of the first time (what a fresh pod spends) and of the third (a registry that has run a while), and the resident
# memory after it per mapping (anonymous, the class-data archives, libjvm.so, ...). Benchmarks print
# numbers and ratios (> 1: Portcullis leads); nothing here asserts a timing.
#
# --node-agent measures the same image's node agent instead, as the operator's DaemonSet runs it (128Mi limit, the
# node-trust list mounted read-only, certs.d writable): from `ctr run` to its first hosts.toml written (wall, CPU),
# then its memory and CPU over a minute of 10 s passes. Distribution has no such command.
#
# usage: bash registry-image/bench/container.sh [--image TAR] [--starts N] [--java-opts "FLAGS"] [--no-distribution]
#                                               [--node-agent] [--keep]
#   --image      the registry image archive (default registry-image/target/portcullis-registry-image.tar, made by
#                `mvn -B -Pimages -DskipTests package`)
#   --java-opts  JVM flags added after the image's @/app/jvm.options (for A/B runs: -XX:TieredStopAtLevel=1)
#   --no-warmup  Portcullis without its warm-up (REGISTRY_HTTP_WARMUP_DISABLED=true): the start path alone
# needs (as root): containerd, runc, ctr, buildah, apt-get (Distribution's base), docker-registry, curl, openssl,
# java (a bcrypt line from the registry jar), registry-image/target/portcullis-registry.jar
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MODULE=$(cd "$HERE/.." && pwd)
REPO=$(cd "$MODULE/.." && pwd)
IMAGE_TAR=$MODULE/target/portcullis-registry-image.tar
STARTS=3
EXTRA_OPTS=""
WITH_DIST=1
NODE_AGENT=0
PC_ENV=()
KEEP=0
LIMIT=$((256 * 1048576))
LAYERS=4
LAYER_MB=64

while [[ $# -gt 0 ]]; do
    case "$1" in
        --image) IMAGE_TAR=$(readlink -f "$2"); shift ;;
        --starts) STARTS=$2; shift ;;
        --java-opts) EXTRA_OPTS=$2; shift ;;
        --no-distribution) WITH_DIST=0 ;;
        --no-warmup) PC_ENV=(--env REGISTRY_HTTP_WARMUP_DISABLED=true) ;;
        --node-agent) NODE_AGENT=1; WITH_DIST=0 ;;
        --keep) KEEP=1 ;;
        -h | --help) sed -n '2,/^set -E/p' "$0" | sed '$d'; exit 0 ;;
        *) echo "container.sh: unknown option $1 (--help lists them)" >&2; exit 2 ;;
    esac
    shift
done
die() { echo "container.sh: $*" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || die "needs root (containerd and runc)"
for tool in containerd:containerd ctr:containerd runc:runc buildah:buildah curl:curl openssl:openssl java:openjdk-17-jdk-headless \
    docker-registry:docker-registry apt-get:apt; do
    command -v "${tool%%:*}" >/dev/null || die "${tool%%:*} is missing (apt-get install ${tool#*:})"
done
[[ -f $IMAGE_TAR ]] || die "$IMAGE_TAR is missing: mvn -B -Pimages -DskipTests package builds it"
JAR=$MODULE/target/portcullis-registry.jar
[[ -f $JAR ]] || die "$JAR is missing: mvn -B -Pimages -DskipTests package builds it"

# Short: containerd's socket path must fit a Unix socket address.
W=$(mktemp -d /tmp/pcb-XXXXXX)
SOCK=$W/c.sock
NS=bench
CTR=(ctr --address "$SOCK" --namespace "$NS")
CG_PARENT=portcullis-bench-${W##*-}
DAEMON=""
cleanup() {
    set +e
    if [[ -n $DAEMON ]]; then
        for id in $("${CTR[@]}" tasks ls -q 2>/dev/null); do "${CTR[@]}" tasks kill -s SIGKILL "$id" >/dev/null 2>&1; done
        sleep 1
        for id in $("${CTR[@]}" containers ls -q 2>/dev/null); do
            "${CTR[@]}" tasks delete -f "$id" >/dev/null 2>&1; "${CTR[@]}" containers delete "$id" >/dev/null 2>&1
        done
        kill "$DAEMON" 2>/dev/null; wait "$DAEMON" 2>/dev/null
    fi
    buildah --root "$W/buildah" --runroot "$W/buildah-run" --storage-driver overlay rm --all >/dev/null 2>&1
    buildah --root "$W/buildah" --runroot "$W/buildah-run" --storage-driver overlay rmi --all --force >/dev/null 2>&1
    grep -o " $W/[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null
    for d in /sys/fs/cgroup/*/"$CG_PARENT" /sys/fs/cgroup/"$CG_PARENT" /sys/fs/cgroup/unified/"$CG_PARENT"; do
        [[ -d $d ]] && rmdir "$d"/* "$d" 2>/dev/null
    done
    if ((KEEP)); then echo "kept $W" >&2; else rm -rf "$W"; fi
}
trap cleanup EXIT

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
mib() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1048576}'; }

# ---------------------------------------------------------------- containerd of its own
cat >"$W/config.toml" <<EOF
version = 2
root = "$W/root"
state = "$W/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
EOF
env -u CONTAINERD_ADDRESS -u CONTAINERD_NAMESPACE containerd --config "$W/config.toml" --log-level warn \
    >"$W/containerd.log" 2>&1 &
DAEMON=$!
for _ in $(seq 100); do "${CTR[@]}" version >/dev/null 2>&1 && break; sleep 0.2; done
"${CTR[@]}" version >/dev/null 2>&1 || die "containerd did not start: $(tail -3 "$W/containerd.log")"

# ---------------------------------------------------------------- Distribution's image: the same kind of base
DEBS=$REPO/target/image-debs
dist_image() {
    local r=$W/dist-rootfs pkgs="base-files ca-certificates libc6 netbase tzdata" f
    mkdir -p "$DEBS" "$r"
    (cd "$DEBS" && flock "$DEBS/.lock" apt-get download -q $pkgs >"$W/apt.log" 2>&1) \
        || die "cannot download $pkgs: $(tail -1 "$W/apt.log") (apt-get update first)"
    for p in $pkgs; do
        f=$(ls -t "$DEBS/${p}"_*.deb | head -1)
        dpkg-deb -x "$f" "$r"
    done
    # Debian's own binary, and its default config's place; the bench mounts its config there.
    install -D -m 755 "$(command -v docker-registry)" "$r/usr/bin/registry"
    printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' \
        >"$r/etc/passwd"
    printf '%s\n' 'root:x:0:' 'nonroot:x:65532:' >"$r/etc/group"
    mkdir -p "$r/var/lib/registry" "$r/etc/docker/registry" "$r/tmp" && chown 65532:65532 "$r/var/lib/registry"
    chmod 1777 "$r/tmp"
    (cd "$r/usr/share/ca-certificates" && find . -name '*.crt' | LC_ALL=C sort | xargs cat) >"$r/etc/ssl/certs/ca-certificates.crt"
    rm -rf "$r/usr/share/doc" "$r/usr/share/man" "$r/usr/share/info" "$r/usr/share/lintian"
    tar --sort=name --numeric-owner --mtime=@0 -C "$r" -cf "$W/dist.tar" .
    local B=(buildah --root "$W/buildah" --runroot "$W/buildah-run" --storage-driver overlay) c
    c=$(TMPDIR=$W "${B[@]}" from scratch)
    "${B[@]}" add --quiet "$c" "$W/dist.tar" / >/dev/null
    "${B[@]}" config --user 65532:65532 --workingdir /var/lib/registry \
        --entrypoint '["/usr/bin/registry", "serve", "/etc/docker/registry/config.yml"]' "$c"
    "${B[@]}" commit --quiet --timestamp 0 --format oci --rm "$c" localhost/distribution:2.8.2 >/dev/null
    "${B[@]}" push --quiet localhost/distribution:2.8.2 "oci-archive:$W/distribution-image.tar:localhost/distribution:2.8.2"
}

# image_size TAR: "compressed unpacked" bytes of its layers, then each layer's "compressed/unpacked" MiB
image_size() {
    local d=$W/size-$RANDOM m
    mkdir -p "$d" && tar -xf "$1" -C "$d"
    m=$(grep -o '"digest":"sha256:[0-9a-f]*"' "$d/index.json" | head -1 | cut -d: -f3 | tr -d '"')
    local comp=0 unp=0 l size u split=""
    for l in $(grep -o '"digest":"sha256:[0-9a-f]*","size":[0-9]*' "$d/blobs/sha256/$m" | tail -n +2 | cut -d: -f3 | cut -d'"' -f1); do
        size=$(stat -c %s "$d/blobs/sha256/$l"); comp=$((comp + size))
        u=$(gunzip -c "$d/blobs/sha256/$l" | wc -c); unp=$((unp + u))
        split+="${split:+ + }$(mib "$size")/$(mib "$u")"
    done
    rm -rf "$d"
    echo "$comp $unp $split"
}

# ---------------------------------------------------------------- material
PKI=$W/pki; mkdir -p "$PKI"
openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/ca.key" 2>/dev/null
openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=bench CA" -days 2 -out "$PKI/ca.crt" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$PKI/tls.key" 2>/dev/null
openssl req -new -key "$PKI/tls.key" -subj "/CN=127.0.0.1" -out "$PKI/tls.csr" 2>/dev/null
openssl x509 -req -in "$PKI/tls.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial -days 2 \
    -extfile <(echo subjectAltName=IP:127.0.0.1) -out "$PKI/tls.crt" 2>/dev/null
chmod 644 "$PKI/tls.key"   # read by uid 65532 through the read-only mount, as a Secret volume's file
PW=$(head -c 12 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9')
mkdir -p "$W/auth"
java -cp "$JAR" "$REPO/images/Training.java" htpasswd bench <<<"$PW" >"$W/auth/htpasswd"
CURL=(curl -s --cacert "$PKI/ca.crt" -u "bench:$PW")
for i in $(seq "$LAYERS"); do head -c $((LAYER_MB * 1048576)) /dev/urandom >"$W/layer$i"; done
printf '{"architecture":"amd64","os":"linux"}' >"$W/config.json"

free_port() { java "$REPO/images/Training.java" port; }

# config DIR PORT CONFIG-PATH-IN-CONTAINER-DIR: the same config.yml for both, at the operator's paths
write_config() {
    mkdir -p "$1"
    cat >"$1/config.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: /var/lib/registry
http:
  addr: 127.0.0.1:$2
  tls:
    certificate: /etc/portcullis/tls/tls.crt
    key: /etc/portcullis/tls/tls.key
auth:
  htpasswd:
    realm: bench
    path: /etc/portcullis/auth/htpasswd
EOF
}

# cgroup v1 (this machine) or v2 files of the container's cgroup
cg_cpu_ms() {
    local id=$1
    if [[ -f /sys/fs/cgroup/cpuacct/$CG_PARENT/$id/cpuacct.usage ]]; then
        echo $(($(cat "/sys/fs/cgroup/cpuacct/$CG_PARENT/$id/cpuacct.usage") / 1000000))
    else
        awk '/^usage_usec/ {printf "%d\n", $2 / 1000}' "/sys/fs/cgroup/$CG_PARENT/$id/cpu.stat"
    fi
}
# "usage working-set" bytes
cg_mem() {
    local id=$1 d
    if [[ -d /sys/fs/cgroup/memory/$CG_PARENT/$id ]]; then
        d=/sys/fs/cgroup/memory/$CG_PARENT/$id
        awk -v u="$(cat "$d/memory.usage_in_bytes")" '/^total_inactive_file / {print u, u - $2}' "$d/memory.stat"
    else
        d=/sys/fs/cgroup/$CG_PARENT/$id
        awk -v u="$(cat "$d/memory.current")" '/^inactive_file / {print u, u - $2}' "$d/memory.stat"
    fi
}
task_pid() { "${CTR[@]}" tasks ls | awk -v id="$1" '$1 == id {print $2}'; }
rss_bytes() { awk '/^VmRSS/ {print $2 * 1024}' "/proc/$1/status"; }
# Resident MiB per mapping (anonymous: heap, metaspace, stacks, malloc, direct buffers; files: the runtime's
# libraries, the class-data archives, the jar), the largest first
rss_by_mapping() {
    awk '/^[0-9a-f]+-[0-9a-f]+ / {name = NF >= 6 ? $6 : "[anonymous]"; sub(/.*\//, "", name); next}
        /^Rss:/ {kb[name] += $2}
        END {for (n in kb) if (kb[n] >= 1024) printf "%.1f\t%s\n", kb[n] / 1024, n}' "/proc/$1/smaps" \
        | sort -rn | awk -F'\t' '{printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1}'
}
# CPU ms per kind of thread (JIT compilers, event loops, workers, GC, main, ...), the largest first: where a start goes
thread_groups() {
    local t
    for t in /proc/"$1"/task/*; do
        printf '%s\t%s\n' "$(cat "$t/comm" 2>/dev/null)" "$(awk '{sub(/^.*\) /, ""); print $12 + $13}' "$t/stat" 2>/dev/null)"
    done | awk -F'\t' -v hz="$(getconf CLK_TCK)" '
        {g = $1; sub(/[-#]?[0-9]+$/, "", g); sub(/thread$/, "", g); sub(/[-]+$/, "", g); ms[g] += $2 * 1000 / hz}
        END {for (g in ms) if (ms[g] >= 10) printf "%s %d ms\n", g, ms[g]}' | sort -t' ' -k2 -rn -k1 | paste -sd, | sed 's/,/, /g'
}

wait_v2() { # PORT ID: polls every 5 ms until /v2/ answers 401
    local deadline=$((SECONDS + 120))
    until [[ $(curl -s -o /dev/null -w '%{http_code}' --cacert "$PKI/ca.crt" "https://127.0.0.1:$1/v2/" || true) == 401 ]]; do
        ((SECONDS < deadline)) || die "timeout waiting for /v2/ of $2: $(tail -3 "$W/$2.err")"
        [[ $("${CTR[@]}" tasks ls | awk -v id="$2" '$1 == id {print $3}') == RUNNING ]] \
            || die "$2 stopped before answering: $(tail -3 "$W/$2.err")"
        sleep 0.005
    done
}

push_pull() { # PORT: 4 x 64 MiB blobs, a config and a manifest up, then all of it down, checked
    local base=https://127.0.0.1:$1/v2/bench/big layers="" i d loc
    for f in config.json $(seq -f 'layer%g' "$LAYERS"); do
        d=sha256:$(sha256sum "$W/$f" | cut -d' ' -f1)
        loc=$("${CURL[@]}" -o /dev/null -D - -X POST "$base/blobs/uploads/" | awk 'tolower($1) == "location:" {print $2}' | tr -d '\r')
        [[ $loc == http* ]] || loc="https://127.0.0.1:$1$loc"
        [[ $loc == *\?* ]] && loc="$loc&digest=$d" || loc="$loc?digest=$d"
        [[ $("${CURL[@]}" -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/octet-stream' \
            -T "$W/$f" "$loc") == 201 ]] || die "upload of $f answered otherwise than 201"
        [[ $f == config.json ]] && { CONFIG_DIGEST=$d; continue; }
        layers+="${layers:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"$d\",\"size\":$((LAYER_MB * 1048576))}"
    done
    local manifest="{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"$CONFIG_DIGEST\",\"size\":$(stat -c %s "$W/config.json")},\"layers\":[$layers]}"
    [[ $("${CURL[@]}" -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
        --data-binary "$manifest" "$base/manifests/v1") == 201 ]] || die "manifest PUT failed"
    local got
    got=$("${CURL[@]}" -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$base/manifests/v1")
    for d in $(grep -o 'sha256:[0-9a-f]*' <<<"$got" | tail -n +2); do
        [[ $("${CURL[@]}" -o /dev/null -w '%{size_download}' "$base/blobs/$d") == $((LAYER_MB * 1048576)) ]] \
            || die "GET $d answered a short body"
    done
}

# run_one NAME IMAGE-REF ARGS...: starts, measures, stops; fills the result arrays
declare -A IDLE_CPU START_WALL START_CPU MOVE_CPU WARM_CPU RSS_IDLE RSS_LOAD CG_IDLE CG_LOAD CG_PEAK SIZE_COMP SIZE_UNP SPLIT
run_one() {
    local name=$1 ref=$2; shift 2
    local -a wall=() cpu=()
    local i id port cfg data tmp t0 t1 pid
    local -a env=()
    [[ $name == pc && ${#PC_ENV[@]} -gt 0 ]] && env=("${PC_ENV[@]}")
    for ((i = 1; i <= STARTS; i++)); do
        id=$name-$i
        port=$(free_port)
        cfg=$W/$id/config; data=$W/$id/data; tmp=$W/$id/tmp
        write_config "$cfg" "$port"
        mkdir -p "$data" "$tmp" && chown 65532:65532 "$data" && chmod 1777 "$tmp"
        local -a mounts=(
            --mount "type=bind,src=$cfg,dst=/etc/portcullis/config,options=rbind:ro"
            --mount "type=bind,src=$PKI,dst=/etc/portcullis/tls,options=rbind:ro"
            --mount "type=bind,src=$W/auth,dst=/etc/portcullis/auth,options=rbind:ro"
            --mount "type=bind,src=$data,dst=/var/lib/registry,options=rbind:rw"
            --mount "type=bind,src=$tmp,dst=/tmp,options=rbind:rw"
            # What the kubelet's CRI path mounts and plain `ctr run` does not: without it the JVM sees no limit.
            --mount "type=cgroup,src=cgroup,dst=/sys/fs/cgroup,options=ro:nosuid:nodev:noexec"
        )
        local -a caps=()
        for c in CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID SETFCAP SETPCAP NET_BIND_SERVICE \
            SYS_CHROOT KILL AUDIT_WRITE; do caps+=(--cap-drop "CAP_$c"); done
        t0=$(date +%s%N)
        "${CTR[@]}" run -d --net-host --read-only --seccomp --memory-limit "$LIMIT" --cgroup "/$CG_PARENT/$id" \
            "${caps[@]}" "${mounts[@]}" "${env[@]}" "$ref" "$id" "$@" >/dev/null 2>"$W/$id.err" \
            || die "ctr run $id failed: $(tail -2 "$W/$id.err")"
        wait_v2 "$port" "$id"
        t1=$(date +%s%N)
        cpu+=("$(cg_cpu_ms "$id")"); wall+=("$(((t1 - t0) / 1000000))")
        pid=$(task_pid "$id")
        log "$id: CPU by thread at the first /v2/: $(thread_groups "$pid")"
        if ((i == 1)); then
            local eff; eff=$(awk '/^CapEff/ {print $2}' "/proc/$pid/status")
            [[ $eff == 0000000000000000 ]] || die "$id runs with capabilities $eff"
            [[ $(awk '/^Uid/ {print $2}' "/proc/$pid/status") == 65532 ]] || die "$id does not run as uid 65532"
        fi
        if ((i == STARTS)); then
            # Past the warm-up and jvm.options' native heap trim interval, then 20 s of nothing asked: the CPU an
            # idle registry spends (certificate and htpasswd polls, health checks, timers).
            sleep 5
            local c0; c0=$(cg_cpu_ms "$id")
            sleep 20
            IDLE_CPU[$name]=$(($(cg_cpu_ms "$id") - c0))
            RSS_IDLE[$name]=$(rss_bytes "$pid"); read -r _ CG_IDLE[$name] < <(cg_mem "$id")
            c0=$(cg_cpu_ms "$id")
            push_pull "$port"
            MOVE_CPU[$name]=$(($(cg_cpu_ms "$id") - c0))
            # The same again, twice: the third is what a registry that has run a while spends on it.
            push_pull "$port"
            c0=$(cg_cpu_ms "$id")
            push_pull "$port"
            WARM_CPU[$name]=$(($(cg_cpu_ms "$id") - c0))
            sleep 10
            RSS_LOAD[$name]=$(rss_bytes "$pid"); read -r _ CG_LOAD[$name] < <(cg_mem "$id")
            log "$name: resident after the load, by mapping (MiB): $(rss_by_mapping "$pid")"
            local peak=/sys/fs/cgroup/memory/$CG_PARENT/$id/memory.max_usage_in_bytes
            [[ -f $peak ]] || peak=/sys/fs/cgroup/$CG_PARENT/$id/memory.peak
            CG_PEAK[$name]=$(cat "$peak" 2>/dev/null || echo 0)
        fi
        "${CTR[@]}" tasks kill -s SIGTERM "$id" >/dev/null
        for _ in $(seq 100); do [[ -z $(task_pid "$id") || $("${CTR[@]}" tasks ls | awk -v id="$id" '$1 == id {print $3}') == STOPPED ]] && break; sleep 0.1; done
        "${CTR[@]}" tasks delete -f "$id" >/dev/null 2>&1 || true
        "${CTR[@]}" containers delete "$id" >/dev/null 2>&1 || true
        rm -rf "$data"
    done
    START_WALL[$name]=$(printf '%s\n' "${wall[@]}" | median)
    START_CPU[$name]=$(printf '%s\n' "${cpu[@]}" | median)
    log "$name: starts wall ${wall[*]} ms, cgroup CPU ${cpu[*]} ms"
}

# node_agent IMAGE-REF ARGS...: --starts starts of the node agent, then a minute of its passes
node_agent() {
    local ref=$1; shift
    local -a wall=() cpu=()
    local i id src certs t0 t1 pid c0
    src=$W/node-trust; mkdir -p "$src"
    { echo "registries:"; echo "  - id: bench/registry"; echo '    hosts: ["registry.bench.svc:5000"]'; echo "    ca: |"
      sed 's/^/      /' "$PKI/ca.crt"; } >"$src/registries.yaml"
    for ((i = 1; i <= STARTS; i++)); do
        id=node-agent-$i; certs=$W/$id/certs.d; mkdir -p "$certs" "$W/$id/tmp" && chmod 1777 "$W/$id/tmp"
        chown 65532:65532 "$certs"
        local -a caps=()
        for c in CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID SETFCAP SETPCAP NET_BIND_SERVICE \
            SYS_CHROOT KILL AUDIT_WRITE; do caps+=(--cap-drop "CAP_$c"); done
        t0=$(date +%s%N)
        "${CTR[@]}" run -d --net-host --read-only --seccomp --memory-limit $((128 * 1048576)) --cgroup "/$CG_PARENT/$id" \
            "${caps[@]}" --mount "type=bind,src=$src,dst=/etc/portcullis/node-trust,options=rbind:ro" \
            --mount "type=bind,src=$certs,dst=/host/etc/containerd/certs.d,options=rbind:rw" \
            --mount "type=bind,src=$W/$id/tmp,dst=/tmp,options=rbind:rw" \
            --mount "type=cgroup,src=cgroup,dst=/sys/fs/cgroup,options=ro:nosuid:nodev:noexec" \
            "$ref" "$id" "$@" --source /etc/portcullis/node-trust --containerd /host/etc/containerd/certs.d \
            --interval 10s >/dev/null 2>"$W/$id.err" || die "ctr run $id failed: $(tail -2 "$W/$id.err")"
        local deadline=$((SECONDS + 120))
        until [[ -f $certs/registry.bench.svc:5000/hosts.toml ]]; do
            ((SECONDS < deadline)) || die "$id wrote no hosts.toml: $(tail -3 "$W/$id.err")"
            sleep 0.005
        done
        t1=$(date +%s%N)
        cpu+=("$(cg_cpu_ms "$id")"); wall+=("$(((t1 - t0) / 1000000))")
        if ((i == STARTS)); then
            pid=$(task_pid "$id"); c0=$(cg_cpu_ms "$id")
            sleep 60
            MOVE_CPU[pc]=$(($(cg_cpu_ms "$id") - c0))
            RSS_IDLE[pc]=$(rss_bytes "$pid"); read -r _ CG_IDLE[pc] < <(cg_mem "$id")
        fi
        "${CTR[@]}" tasks kill -s SIGTERM "$id" >/dev/null
        for _ in $(seq 100); do [[ $("${CTR[@]}" tasks ls | awk -v id="$id" '$1 == id {print $3}') != RUNNING ]] && break; sleep 0.1; done
        "${CTR[@]}" tasks delete -f "$id" >/dev/null 2>&1 || true
        "${CTR[@]}" containers delete "$id" >/dev/null 2>&1 || true
    done
    echo "node agent, $STARTS starts: ctr run to the first hosts.toml: wall ${wall[*]} ms (median $(printf '%s\n' "${wall[@]}" | median))," \
        "cgroup CPU ${cpu[*]} ms (median $(printf '%s\n' "${cpu[@]}" | median)); then over 60 s (6 passes): CPU ${MOVE_CPU[pc]} ms," \
        "RSS $(mib "${RSS_IDLE[pc]}") MiB, cgroup working set $(mib "${CG_IDLE[pc]}") MiB"
}

import() { # TAR: prints the image's name
    "${CTR[@]}" images import "$1" >"$W/import.log" 2>&1 || die "ctr images import $1: $(tail -1 "$W/import.log")"
    awk '/^unpacking/ {print $2; exit}' "$W/import.log"
}

echo "container.sh $(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $(containerd --version | cut -d' ' -f3), runc $(runc --version | awk 'NR==1 {print $3}')"
read -r SIZE_COMP[pc] SIZE_UNP[pc] SPLIT[pc] < <(image_size "$IMAGE_TAR")
PC_REF=$(import "$IMAGE_TAR")
log "portcullis: $PC_REF"
if ((NODE_AGENT)); then
    # shellcheck disable=SC2086
    node_agent "$PC_REF" java @/app/jvm.options $EXTRA_OPTS -jar /app/portcullis-registry.jar node-agent
    echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg); flags: @/app/jvm.options $EXTRA_OPTS"
    exit 0
fi
if ((WITH_DIST)); then
    log "distribution: building its image on a Debian 12 base"
    dist_image
    read -r SIZE_COMP[dist] SIZE_UNP[dist] SPLIT[dist] < <(image_size "$W/distribution-image.tar")
    DIST_REF=$(import "$W/distribution-image.tar")
    run_one dist "$DIST_REF" /usr/bin/registry serve /etc/portcullis/config/config.yml
fi
# ctr run's arguments replace the entrypoint, as a Pod's `command` would: the image's own, with the extra flags.
# shellcheck disable=SC2086
run_one pc "$PC_REF" java @/app/jvm.options $EXTRA_OPTS -jar /app/portcullis-registry.jar serve /etc/portcullis/config/config.yml
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg); Portcullis flags: @/app/jvm.options $EXTRA_OPTS"

row() { # LABEL DIST PC RATIO
    printf '%-52s | %-22s | %-22s | %s\n' "$1" "$2" "$3" "$4"
}
ratio() { awk -v d="$1" -v p="$2" 'BEGIN {if (p > 0 && d > 0) printf "%.2f", d / p; else print "-"}'; }
row "(medians of $STARTS starts; ratio > 1: Portcullis leads)" "Distribution 2.8.2" "Portcullis" "ratio"
w() { [[ -n ${1:-} ]] && echo "$1" || echo 0; }   # no Distribution run: 0, printed as 0 and ratio "-"
row "image compressed / unpacked (MiB)" "$(mib "$(w "${SIZE_COMP[dist]:-}")") / $(mib "$(w "${SIZE_UNP[dist]:-}")")" \
    "$(mib "${SIZE_COMP[pc]}") / $(mib "${SIZE_UNP[pc]}")" \
    "$(ratio "$(w "${SIZE_COMP[dist]:-}")" "${SIZE_COMP[pc]}") / $(ratio "$(w "${SIZE_UNP[dist]:-}")" "${SIZE_UNP[pc]}")"
row "layers, compressed/unpacked MiB each" "${SPLIT[dist]:-}" "${SPLIT[pc]}" ""
row "ctr run to first TLS /v2/: wall (ms)" "$(w "${START_WALL[dist]:-}")" "${START_WALL[pc]}" "$(ratio "$(w "${START_WALL[dist]:-}")" "${START_WALL[pc]}")"
row "ctr run to first TLS /v2/: cgroup CPU (ms)" "$(w "${START_CPU[dist]:-}")" "${START_CPU[pc]}" "$(ratio "$(w "${START_CPU[dist]:-}")" "${START_CPU[pc]}")"
row "CPU over 20 s idle, after the start (ms)" "$(w "${IDLE_CPU[dist]:-}")" "${IDLE_CPU[pc]}" "$(ratio "$(w "${IDLE_CPU[dist]:-}")" "${IDLE_CPU[pc]}")"
row "CPU of pushing and pulling 256 MiB after start (ms)" "$(w "${MOVE_CPU[dist]:-}")" "${MOVE_CPU[pc]}" "$(ratio "$(w "${MOVE_CPU[dist]:-}")" "${MOVE_CPU[pc]}")"
row "CPU of the same, the third time (ms)" "$(w "${WARM_CPU[dist]:-}")" "${WARM_CPU[pc]}" "$(ratio "$(w "${WARM_CPU[dist]:-}")" "${WARM_CPU[pc]}")"
for k in RSS_IDLE:"RSS idle (MiB)" CG_IDLE:"cgroup working set idle (MiB)" RSS_LOAD:"RSS after 3 x 256 MiB pushed and pulled (MiB)" \
    CG_LOAD:"cgroup working set after (MiB)" CG_PEAK:"cgroup peak usage, page cache included (MiB)"; do
    var=${k%%:*}; label=${k#*:}
    unset -n arr 2>/dev/null || true
    declare -n arr=$var
    row "$label" "$(mib "$(w "${arr[dist]:-}")")" "$(mib "${arr[pc]}")" "$(ratio "$(w "${arr[dist]:-}")" "${arr[pc]}")"
done
