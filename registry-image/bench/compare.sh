#!/usr/bin/env bash
# Portcullis vs CNCF Distribution (the reference registry), in one run on one machine (issue 11).
#
# Both registries get the same Distribution config.yml (only the listen port and the storage directory differ),
# the same self-made TLS certificate, the same htpasswd file (bcrypt cost 10), filesystem storage on the same disk,
# and the same load from the same real tools: wrk (requests), curl (single large transfers), skopeo (whole images).
# It prints one table: each figure for both, and the ratio, oriented so that > 1 means Portcullis leads.
# Benchmarks print numbers; nothing here asserts a timing (the "target" column is information).
#
# Needs (Debian): openjdk-17, docker-registry, skopeo, wrk, curl, apache2-utils (htpasswd), openssl, python3.
# Everything listens on 127.0.0.1 on free ports; every process it starts is stopped on exit, error or Ctrl-C.
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MODULE=$(cd "$HERE/.." && pwd)

DURATION=15
WARMUP=5
BLOB_MB=64
IMAGE_MB=256
IMAGE_LAYERS=4
REPS=3
XFER_WARMUP=5
STARTS=3
CONNECTIONS=8
JAR="$MODULE/target/portcullis-registry.jar"
DISTRIBUTION=/usr/bin/docker-registry
# The image's flags and environment, read from where the image gets them, so that the figures are the image's.
JAVA_OPTS_DEFAULT=$(sed -e 's/#.*//' -e '/-XX:SharedArchiveFile=/d' "$MODULE/jvm.options" | xargs)  # the archive is the image's
JAVA_OPTS="${PORTCULLIS_JAVA_OPTS:-$JAVA_OPTS_DEFAULT}"
PC_ENV=$(sed -n 's/^ENV \(MALLOC_[A-Z_]*=[^ ]*\)$/\1/p' "$MODULE/Dockerfile" | xargs)
# The tests' image maker, run as a single-file Java program (JDK only, no build needed).
MAKE_IMAGE="$MODULE/../test-support/java/dev/portcullis/testimage/RandomImageLayout.java"
WORKDIR=""
KEEP=0
ONLY="start,auth,anon,plain,token,blob,upload,skopeo"
TSV=""
JFR=0
NMT=0
APPCDS=0
PC_EXTRA_OPTS=""

usage() {
    cat <<EOF
usage: bash registry-image/bench/compare.sh [options]
  --quick              small sizes to prove the harness: 3 s loads, 1 s warm-up, 8 MiB blob, 32 MiB image, 2 reps
  --duration S         seconds of measured load per request scenario (default $DURATION)
  --warmup S           seconds of unmeasured load before each request scenario, for both (default $WARMUP)
  --connections N      concurrent keep-alive clients for request scenarios (default $CONNECTIONS)
  --blob-mb N          blob size for the GET and upload transfers (default $BLOB_MB)
  --image-mb N         total layer size of the skopeo image (default $IMAGE_MB, in $IMAGE_LAYERS layers)
  --reps N             repetitions of each transfer; the median is reported (default $REPS)
  --transfer-warmup N  unmeasured transfers per registry before those (default $XFER_WARMUP): the JIT's warm-up
  --starts N           cold starts measured per registry; the median is reported (default $STARTS)
  --only LIST          comma-separated subset of: $ONLY
  --jar PATH           Portcullis jar (default: registry-image/target/portcullis-registry.jar)
  --distribution PATH  Distribution binary (default $DISTRIBUTION)
  --java-opts "OPTS"   JVM flags for Portcullis (default: registry-image/jvm.options, the image's, now
                       "$JAVA_OPTS_DEFAULT"; or \$PORTCULLIS_JAVA_OPTS); Portcullis also gets the Dockerfile's
                       malloc environment ($PC_ENV)
  --appcds             first a training run that dumps an AppCDS archive (-XX:ArchiveClassesAtExit, as an image
                       build would), then every Portcullis start uses it (-XX:SharedArchiveFile)
  --nmt                Native Memory Tracking for Portcullis: after the htpasswd+TLS phase, jcmd's
                       VM.native_memory summary, GC.heap_info, thread names, /proc/PID/status and pmap go to logs/
                       (implies --keep)
  --jfr                record a JFR profile of Portcullis per phase (into the work dir; implies --keep)
  --workdir DIR        where configs, storage and logs go (default: a new directory under registry-image/target)
  --keep               keep the work directory (default: deleted at the end unless something failed)
  --tsv FILE           also write the results as tab-separated values
EOF
}

while [[ $# -gt 0 ]]; do
    case "$1" in
        --quick) DURATION=3; WARMUP=1; BLOB_MB=8; IMAGE_MB=32; REPS=2; STARTS=2; XFER_WARMUP=1 ;;
        --duration) DURATION=$2; shift ;;
        --warmup) WARMUP=$2; shift ;;
        --connections) CONNECTIONS=$2; shift ;;
        --blob-mb) BLOB_MB=$2; shift ;;
        --image-mb) IMAGE_MB=$2; shift ;;
        --reps) REPS=$2; shift ;;
        --transfer-warmup) XFER_WARMUP=$2; shift ;;
        --starts) STARTS=$2; shift ;;
        --only) ONLY=$2; shift ;;
        --jar) JAR=$2; shift ;;
        --distribution) DISTRIBUTION=$2; shift ;;
        --java-opts) JAVA_OPTS=$2; shift ;;
        --jfr) JFR=1; KEEP=1 ;;
        --nmt) NMT=1; KEEP=1 ;;
        --appcds) APPCDS=1 ;;
        --workdir) WORKDIR=$2; shift ;;
        --keep) KEEP=1 ;;
        --tsv) TSV=$2; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

want() { [[ ",$ONLY," == *",$1,"* ]]; }
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

for tool in java python3 openssl htpasswd curl wrk skopeo; do
    command -v "$tool" >/dev/null || die "$tool is not installed (Debian: see the header of this script)"
done
[[ -x "$DISTRIBUTION" ]] || die "Distribution not found at $DISTRIBUTION (apt-get install docker-registry)"
[[ -f "$MAKE_IMAGE" ]] || die "$MAKE_IMAGE is missing: run this script from a full checkout"
if [[ ! -f "$JAR" ]]; then
    log "building $JAR"
    (cd "$MODULE/.." && mvn -q -pl registry-image -DskipTests package) || die "build failed"
fi

if [[ -z "$WORKDIR" ]]; then
    mkdir -p "$MODULE/target"
    WORKDIR=$(mktemp -d "$MODULE/target/bench.XXXXXX")
else
    mkdir -p "$WORKDIR"
fi
WORKDIR=$(cd "$WORKDIR" && pwd)
RESULTS="$WORKDIR/results.tsv"
: > "$RESULTS"
mkdir -p "$WORKDIR/logs"

# ---------------------------------------------------------------- process bookkeeping and cleanup
declare -A PID=()          # name -> pid of a process this script started
mark_failed() { touch "$WORKDIR/FAILED"; }

stop() {  # stop NAME: TERM, then KILL after 10 s
    local name=$1 pid=${PID[$1]:-}
    [[ -n "$pid" ]] || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
    unset "PID[$name]"
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM ERR
    for name in "${!PID[@]}"; do stop "$name"; done
    if [[ -s "$RESULTS" ]]; then print_table; fi
    if [[ -n "$TSV" && -s "$RESULTS" ]]; then cp "$RESULTS" "$TSV"; fi
    if [[ $rc -ne 0 || -e "$WORKDIR/FAILED" ]]; then
        log "something failed: logs kept in $WORKDIR/logs"
        for f in "$WORKDIR"/logs/*.log; do [[ -s "$f" ]] && { echo "--- tail $f" >&2; tail -n 15 "$f" >&2; }; done
    elif [[ $KEEP -eq 0 ]]; then
        rm -rf "$WORKDIR"
    else
        log "work directory kept: $WORKDIR"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# ---------------------------------------------------------------- results and the table
# record ID LABEL UNIT BETTER(high|low) DISTRIBUTION PORTCULLIS TARGET NOTE
record() {
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$RESULTS"
}

print_table() {
    echo
    echo "Portcullis vs CNCF Distribution $("$DISTRIBUTION" --version 2>/dev/null | awk '{print $NF}') — $(nproc) cores, $(date -u +%FT%TZ)"
    echo "load: ${CONNECTIONS} keep-alive connections, ${WARMUP}s warm-up + ${DURATION}s measured (wrk);"
    echo "transfers: ${XFER_WARMUP} unmeasured, then the median of ${REPS}; skopeo push: one, cold"
    echo "Portcullis JVM flags: $JAVA_OPTS${PC_EXTRA_OPTS:+ $PC_EXTRA_OPTS (archive from a training run)}${PC_ENV:+; environment: $PC_ENV}"
    echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "ratio: > 1 means Portcullis leads (rate: P/D; time and memory: D/P)"
    echo
    awk -F'\t' '
        BEGIN { printf "%-44s %-8s %14s %14s %9s  %-14s %s\n", "scenario", "unit", "Distribution", "Portcullis", "ratio", "target", "note"
                printf "%-44s %-8s %14s %14s %9s  %-14s %s\n", "--------", "----", "------------", "----------", "-----", "------", "----" }
        {
            d = $5; p = $6; ratio = "-"
            if (d ~ /^[0-9.]+$/ && p ~ /^[0-9.]+$/ && d > 0 && p > 0) {
                ratio = sprintf("%.2f", ($4 == "high") ? p / d : d / p)
            }
            printf "%-44s %-8s %14s %14s %9s  %-14s %s\n", $2, $3, d, p, ratio, $7, $8
        }' "$RESULTS"
    echo
}

# ---------------------------------------------------------------- fixtures: TLS, htpasswd, token keys, images
USER_NAME=bench
USER_PW=bench-password-$RANDOM$RANDOM
PKI="$WORKDIR/pki"
CERTDIR="$WORKDIR/certs.d"   # skopeo's cert dir: ca.crt
mkdir -p "$PKI" "$CERTDIR"

make_pki() {
    log "TLS: a CA and a server certificate for 127.0.0.1 (ECDSA P-256)"
    openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/ca.key" 2>/dev/null
    openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=bench CA" -days 2 -out "$PKI/ca.crt" 2>/dev/null
    openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/server.ec"
    openssl pkcs8 -topk8 -nocrypt -in "$PKI/server.ec" -out "$PKI/server.key"
    openssl req -new -key "$PKI/server.key" -subj "/CN=127.0.0.1" -out "$PKI/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$PKI/server.ext"
    openssl x509 -req -in "$PKI/server.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
        -days 2 -extfile "$PKI/server.ext" -out "$PKI/server.crt" 2>/dev/null
    # The token signing key: Distribution 2.8 finds it through the x5c chain against rootcertbundle.
    openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/token.ec"
    openssl pkcs8 -topk8 -nocrypt -in "$PKI/token.ec" -out "$PKI/token.key"
    openssl req -x509 -new -key "$PKI/token.key" -subj "/CN=bench token signer" -days 2 -out "$PKI/token.crt" 2>/dev/null
    cp "$PKI/ca.crt" "$CERTDIR/ca.crt"
    log "htpasswd: bcrypt cost 10 (htpasswd -B -C 10)"
    htpasswd -B -C 10 -b -c "$PKI/htpasswd" "$USER_NAME" "$USER_PW" 2>/dev/null
    grep -q '^bench:\$2y\$10\$' "$PKI/htpasswd" || die "htpasswd did not write a cost-10 bcrypt hash"
}

# config NAME AUTH(htpasswd|none|token) TLS(tls|plain): writes $WORKDIR/NAME.yml.tmpl with @PORT@ and @ROOT@
config() {
    local name=$1 auth=$2 tls=$3 f="$WORKDIR/$1.yml.tmpl"
    cat > "$f" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: @ROOT@
  cache:
    blobdescriptor: inmemory
  delete:
    enabled: true
http:
  addr: 127.0.0.1:@PORT@
EOF
    if [[ $tls == tls ]]; then
        cat >> "$f" <<EOF
  tls:
    certificate: $PKI/server.crt
    key: $PKI/server.key
EOF
    fi
    case $auth in
        htpasswd) cat >> "$f" <<EOF
auth:
  htpasswd:
    realm: bench
    path: $PKI/htpasswd
EOF
        ;;
        token) cat >> "$f" <<EOF
auth:
  token:
    realm: https://127.0.0.1:$AUTH_PORT/auth
    service: bench-registry
    issuer: bench-issuer
    rootcertbundle: $WORKDIR/token-bundle.pem
EOF
        ;;
    esac
}

# ---------------------------------------------------------------- starting and stopping registries
declare -A PORT=() SCHEME=()

# launch WHO(dist|pc) CONFIG_TEMPLATE SCHEME: starts with fresh storage; sets PORT[WHO]; prints the wall ms from exec
# to the first answered /v2/ (200 or 401), and the CPU ms the process used until then
launch() {
    local who=$1 tmpl=$2 scheme=$3 port root cfg t0 code
    port=$(free_port)
    root="$WORKDIR/storage-$who"
    rm -rf "$root"; mkdir -p "$root"
    cfg="$WORKDIR/$who-$(basename "$tmpl" .yml.tmpl).yml"
    sed -e "s#@PORT@#$port#" -e "s#@ROOT@#$root#" "$tmpl" > "$cfg"
    PORT[$who]=$port; SCHEME[$who]=$scheme
    local logf="$WORKDIR/logs/$who.log"
    local extra=()
    if [[ $JFR -eq 1 && $who == pc ]]; then
        extra=("-XX:StartFlightRecording=filename=$WORKDIR/pc-$(basename "$tmpl" .yml.tmpl)-$(date +%s%N).jfr,settings=profile")
    fi
    if [[ $NMT -eq 1 && $who == pc ]]; then
        extra+=("-XX:NativeMemoryTracking=summary")
    fi
    t0=$(date +%s%N)
    if [[ $who == dist ]]; then
        "$DISTRIBUTION" serve "$cfg" >> "$logf" 2>&1 &
    else
        # shellcheck disable=SC2086
        env $PC_ENV java $JAVA_OPTS $PC_EXTRA_OPTS "${extra[@]}" -jar "$JAR" serve "$cfg" >> "$logf" 2>&1 &
    fi
    PID[$who]=$!
    while true; do
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 --cacert "$PKI/ca.crt" "$scheme://127.0.0.1:$port/v2/" || true)
        [[ $code == 200 || $code == 401 ]] && break
        kill -0 "${PID[$who]}" 2>/dev/null || { mark_failed; die "$who exited during startup (see $logf)"; }
        (( $(date +%s%N) - t0 > 60000000000 )) && { mark_failed; die "$who did not answer /v2/ within 60 s"; }
        sleep 0.005
    done
    local wall=$(( ($(date +%s%N) - t0) / 1000000 )) ticks
    # CPU time (user + system) the process spent until then: far less sensitive to a busy machine than wall time.
    ticks=$(awk '{print $14 + $15}' "/proc/${PID[$who]}/stat")
    echo "$wall $(( ticks * 1000 / $(getconf CLK_TCK) ))"
}

base() { echo "${SCHEME[$1]}://127.0.0.1:${PORT[$1]}"; }
name() { [[ $1 == dist ]] && echo Distribution || echo Portcullis; }

cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{printf "%d\n", ($14 + $15) * 1000 / hz}' "/proc/${PID[$1]}/stat"; }

# timed WHO FILE CPUFILE CMD...: runs CMD (which prints seconds), appends them to FILE, and the server's CPU ms to CPUFILE
timed() {
    local who=$1 out=$2 cpu=$3 c0; shift 3
    c0=$(cpu_ms "$who")
    "$@" >> "$out"
    echo $(( $(cpu_ms "$who") - c0 )) >> "$cpu"
}

# cpu_per_gib CPUFILE BYTES: the server's median CPU seconds per GiB moved
cpu_per_gib() { median < "$1" | awk -v b="$2" '{ if ($1 == "-") print "-"; else printf "%.2f\n", $1 / 1000 / (b / 1073741824) }'; }

rss_kib() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/${PID[$1]}/status"; }

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) {print "-"; exit} m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; print m}'; }

# ---------------------------------------------------------------- load drivers
CURL_TLS=(--cacert "$PKI/ca.crt")
ACCEPT="application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"

# wrk_rate WHO URL HEADER...: requests/s over $DURATION s after $WARMUP s of warm-up; fails on any non-2xx
wrk_rate() {
    local who=$1 url=$2; shift 2
    local hdrs=(-H "Accept: $ACCEPT")
    for h in "$@"; do hdrs+=(-H "$h"); done
    local threads=$(( CONNECTIONS < 2 ? 1 : 2 ))
    if [[ $WARMUP -gt 0 ]]; then
        wrk -t"$threads" -c"$CONNECTIONS" -d"${WARMUP}s" "${hdrs[@]}" "$url" > /dev/null 2>&1 || true
    fi
    local out
    out=$(wrk -t"$threads" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency "${hdrs[@]}" "$url" 2>&1)
    echo "$out" > "$WORKDIR/logs/wrk-$who-$(date +%s%N).txt"
    if grep -q 'Non-2xx or 3xx responses' <<<"$out"; then
        mark_failed; log "$(name "$who"): non-2xx answers under load:"; echo "$out" >&2; echo "-"; return
    fi
    local errors
    errors=$(grep -o 'Socket errors:.*' <<<"$out" || true)
    [[ -n "$errors" ]] && log "$(name "$who"): $errors"
    local p99
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    log "$(name "$who"): $(awk '/Requests\/sec/ {print $2}' <<<"$out") req/s, p99 $p99"
    awk '/Requests\/sec/ {print $2}' <<<"$out"
}

# check_manifest WHO REPO:TAG CURL_AUTH...: the manifest GET must answer 200 before it is measured
check_manifest() {
    local who=$1 ref=$2; shift 2
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' "${CURL_TLS[@]}" -H "Accept: $ACCEPT" "$@" \
        "$(base "$who")/v2/${ref%%:*}/manifests/${ref##*:}")
    [[ $code == 200 ]] || { mark_failed; die "$(name "$who"): manifest GET of $ref answered $code"; }
}

# skopeo_push WHO SRC_LAYOUT REPO:TAG [creds]: seconds
skopeo_push() {
    local who=$1 src=$2 ref=$3 creds=${4:-} t0 opts=(--insecure-policy copy --retry-times 0 -q)
    if [[ ${SCHEME[$who]} == https ]]; then opts+=(--dest-cert-dir "$CERTDIR"); else opts+=(--dest-tls-verify=false); fi
    [[ -n "$creds" ]] && opts+=(--dest-creds "$creds")
    t0=$(date +%s%N)
    skopeo "${opts[@]}" "oci:$src:latest" "docker://127.0.0.1:${PORT[$who]}/$ref" >> "$WORKDIR/logs/skopeo.log" 2>&1 \
        || { mark_failed; die "$(name "$who"): skopeo push of $ref failed (logs/skopeo.log)"; }
    awk -v t="$(( $(date +%s%N) - t0 ))" 'BEGIN {printf "%.3f\n", t / 1e9}'
}

skopeo_pull() {
    local who=$1 ref=$2 dest=$3 creds=${4:-} t0 opts=(--insecure-policy copy --retry-times 0 -q)
    if [[ ${SCHEME[$who]} == https ]]; then opts+=(--src-cert-dir "$CERTDIR"); else opts+=(--src-tls-verify=false); fi
    [[ -n "$creds" ]] && opts+=(--src-creds "$creds")
    rm -rf "$dest"
    t0=$(date +%s%N)
    skopeo "${opts[@]}" "docker://127.0.0.1:${PORT[$who]}/$ref" "dir:$dest" >> "$WORKDIR/logs/skopeo.log" 2>&1 \
        || { mark_failed; die "$(name "$who"): skopeo pull of $ref failed (logs/skopeo.log)"; }
    awk -v t="$(( $(date +%s%N) - t0 ))" 'BEGIN {printf "%.3f\n", t / 1e9}'
    rm -rf "$dest"
}

# upload_blob WHO REPO FILE DIGEST CURL_AUTH...: monolithic upload (POST for a session, one PUT with the whole
# body and ?digest=), prints seconds for the pair
upload_blob() {
    local who=$1 repo=$2 file=$3 digest=$4; shift 4
    local hdr="$WORKDIR/upload-headers" out loc t1 t2 code
    t1=$(curl -s -o /dev/null -D "$hdr" -w '%{time_total}' "${CURL_TLS[@]}" "$@" -X POST \
        "$(base "$who")/v2/$repo/blobs/uploads/")
    loc=$(awk 'tolower($1) == "location:" {print $2}' "$hdr" | tr -d '\r')
    [[ -n "$loc" ]] || { mark_failed; die "$(name "$who"): upload POST gave no Location"; }
    [[ $loc == http* ]] || loc="$(base "$who")$loc"
    [[ $loc == *\?* ]] && loc="$loc&digest=$digest" || loc="$loc?digest=$digest"
    out=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' "${CURL_TLS[@]}" "$@" -X PUT \
        -H "Content-Type: application/octet-stream" -T "$file" "$loc")
    code=${out% *}; t2=${out#* }
    [[ $code == 201 ]] || { mark_failed; die "$(name "$who"): monolithic PUT answered $code"; }
    awk -v a="$t1" -v b="$t2" 'BEGIN {printf "%.3f\n", a + b}'
}

# get_blob WHO REPO DIGEST SIZE CURL_AUTH...: seconds to download the whole blob (checked: 200 and every byte)
get_blob() {
    local who=$1 repo=$2 digest=$3 size=$4; shift 4
    local out
    out=$(curl -s -o /dev/null -w '%{http_code} %{size_download} %{time_total}' "${CURL_TLS[@]}" "$@" \
        "$(base "$who")/v2/$repo/blobs/$digest")
    read -r code got secs <<<"$out"
    [[ $code == 200 && $got == "$size" ]] || { mark_failed; die "$(name "$who"): blob GET answered $code with $got bytes"; }
    echo "$secs"
}

mib_per_s() { awk -v b="$1" -v s="$2" 'BEGIN { if (s == "-" || s <= 0) print "-"; else printf "%.1f\n", b / 1048576 / s }'; }

# ---------------------------------------------------------------- phases
make_pki
AUTH_PORT=$(free_port)
BASIC=(-u "$USER_NAME:$USER_PW")
AUTHZ="Authorization: Basic $(printf '%s:%s' "$USER_NAME" "$USER_PW" | base64 -w0)"

log "images: a small one for manifest GETs, ${IMAGE_MB} MiB in $IMAGE_LAYERS layers for skopeo; a ${BLOB_MB} MiB blob"
java "$MAKE_IMAGE" "$WORKDIR/small" 2 0.1 7 > /dev/null
BLOB="$WORKDIR/blob.bin"
head -c $(( BLOB_MB * 1048576 )) /dev/urandom > "$BLOB"
BLOB_SIZE=$(stat -c %s "$BLOB")
BLOB_DIGEST="sha256:$(sha256sum "$BLOB" | cut -d' ' -f1)"
if want skopeo; then
    java "$MAKE_IMAGE" "$WORKDIR/big" "$IMAGE_LAYERS" "$(awk -v m="$IMAGE_MB" -v n="$IMAGE_LAYERS" 'BEGIN {print m / n}')" 11 > /dev/null
    BIG_BYTES=$(du -cb "$WORKDIR"/big/blobs/sha256/* | tail -1 | cut -f1)
fi

config main htpasswd tls
config anon none tls
config plain none plain

# 0. AppCDS: a training run like an image build's (start, push, pull, stop); the archive is written at exit
if [[ $APPCDS -eq 1 ]]; then
    log "AppCDS training run"
    PC_EXTRA_OPTS="-XX:ArchiveClassesAtExit=$WORKDIR/portcullis.jsa"
    launch pc "$WORKDIR/main.yml.tmpl" https > /dev/null
    skopeo_push pc "$WORKDIR/small" bench/app:v1 "$USER_NAME:$USER_PW" > /dev/null
    skopeo_pull pc bench/app:v1 "$WORKDIR/pulled" "$USER_NAME:$USER_PW" > /dev/null
    stop pc
    [[ -s "$WORKDIR/portcullis.jsa" ]] || { mark_failed; die "no AppCDS archive was written (logs/pc.log)"; }
    PC_EXTRA_OPTS="-XX:SharedArchiveFile=$WORKDIR/portcullis.jsa -Xlog:cds=off"
fi

# 1. start time: exec to the first 200/401 on /v2/, median of $STARTS cold starts each (htpasswd + TLS config)
if want start; then
    for who in dist pc; do
        : > "$WORKDIR/start-$who"
        for _ in $(seq "$STARTS"); do
            launch "$who" "$WORKDIR/main.yml.tmpl" https >> "$WORKDIR/start-$who"
            stop "$who"
        done
        log "$(name "$who") start (wall ms, CPU ms): $(tr '\n' ' ' < "$WORKDIR/start-$who")"
    done
    record start "start to first answered /v2/ (wall)" ms low "$(cut -d' ' -f1 "$WORKDIR/start-dist" | median)" \
        "$(cut -d' ' -f1 "$WORKDIR/start-pc" | median)" "P < 1500 ms" "median of $STARTS, htpasswd+TLS"
    record startcpu "CPU time until first answered /v2/" ms low "$(cut -d' ' -f2 "$WORKDIR/start-dist" | median)" \
        "$(cut -d' ' -f2 "$WORKDIR/start-pc" | median)" "-" "user+sys; robust to a busy machine"
fi

# 2. htpasswd + TLS: skopeo push/pull, monolithic upload, blob GET over TLS, authenticated manifest GET, memory
if want auth || want blob || want upload || want skopeo; then
    log "phase: htpasswd (bcrypt cost 10) + TLS"
    for who in dist pc; do launch "$who" "$WORKDIR/main.yml.tmpl" https > /dev/null; done
    for who in dist pc; do skopeo_push "$who" "$WORKDIR/small" bench/app:v1 "$USER_NAME:$USER_PW" > /dev/null; done

    if want skopeo; then
        declare -A PUSH=() PULL=()
        for who in dist pc; do
            PUSH[$who]=$(skopeo_push "$who" "$WORKDIR/big" bench/big:v1 "$USER_NAME:$USER_PW")
            log "$(name "$who") skopeo push ${IMAGE_MB} MiB: ${PUSH[$who]} s"
        done
        for who in dist pc; do : > "$WORKDIR/pull-$who"; done
        for _ in $(seq $(( XFER_WARMUP + REPS ))); do
            for who in dist pc; do
                skopeo_pull "$who" bench/big:v1 "$WORKDIR/pulled" "$USER_NAME:$USER_PW" >> "$WORKDIR/pull-$who"
            done
        done
        for who in dist pc; do   # the first XFER_WARMUP pulls were the warm-up
            tail -n "$REPS" "$WORKDIR/pull-$who" > "$WORKDIR/pull-$who.m"; mv "$WORKDIR/pull-$who.m" "$WORKDIR/pull-$who"
        done
        record push "skopeo copy push ${IMAGE_MB} MiB image (TLS)" s low "${PUSH[dist]}" "${PUSH[pc]}" ">= 1.0" \
            "one push into empty storage"
        record pull "skopeo copy pull ${IMAGE_MB} MiB image (TLS)" s low "$(median < "$WORKDIR/pull-dist")" \
            "$(median < "$WORKDIR/pull-pc")" ">= 1.0" "median of $REPS (after ${XFER_WARMUP} more), to dir:"
    fi

    if want upload || want blob; then
        for who in dist pc; do : > "$WORKDIR/up-$who"; : > "$WORKDIR/upcpu-$who"; done
        for _ in $(seq "$XFER_WARMUP"); do
            for who in dist pc; do upload_blob "$who" bench/blob "$BLOB" "$BLOB_DIGEST" "${BASIC[@]}" > /dev/null; done
        done
        for _ in $(seq "$REPS"); do
            for who in dist pc; do
                timed "$who" "$WORKDIR/up-$who" "$WORKDIR/upcpu-$who" \
                    upload_blob "$who" bench/blob "$BLOB" "$BLOB_DIGEST" "${BASIC[@]}"
            done
        done
        if want upload; then
            record upload "monolithic blob upload ${BLOB_MB} MiB (TLS)" MiB/s high \
                "$(mib_per_s "$BLOB_SIZE" "$(median < "$WORKDIR/up-dist")")" \
                "$(mib_per_s "$BLOB_SIZE" "$(median < "$WORKDIR/up-pc")")" ">= 1.0" "POST + PUT ?digest=, median of $REPS"
            record upcpu "  server CPU per GiB uploaded (TLS)" s/GiB low "$(cpu_per_gib "$WORKDIR/upcpu-dist" "$BLOB_SIZE")" \
                "$(cpu_per_gib "$WORKDIR/upcpu-pc" "$BLOB_SIZE")" "-" "user+sys, median; robust to a busy machine"
        fi
    fi

    if want blob; then
        for who in dist pc; do : > "$WORKDIR/get-$who"; : > "$WORKDIR/getcpu-$who"; done
        for _ in $(seq "$XFER_WARMUP"); do
            for who in dist pc; do get_blob "$who" bench/blob "$BLOB_DIGEST" "$BLOB_SIZE" "${BASIC[@]}" > /dev/null; done
        done
        for _ in $(seq "$REPS"); do
            for who in dist pc; do
                timed "$who" "$WORKDIR/get-$who" "$WORKDIR/getcpu-$who" \
                    get_blob "$who" bench/blob "$BLOB_DIGEST" "$BLOB_SIZE" "${BASIC[@]}"
            done
        done
        record blobtls "blob GET ${BLOB_MB} MiB (TLS)" MiB/s high \
            "$(mib_per_s "$BLOB_SIZE" "$(median < "$WORKDIR/get-dist")")" \
            "$(mib_per_s "$BLOB_SIZE" "$(median < "$WORKDIR/get-pc")")" ">= 1.0" "curl, median of $REPS"
        record getcpu "  server CPU per GiB served (TLS)" s/GiB low "$(cpu_per_gib "$WORKDIR/getcpu-dist" "$BLOB_SIZE")" \
            "$(cpu_per_gib "$WORKDIR/getcpu-pc" "$BLOB_SIZE")" "-" "user+sys, median; robust to a busy machine"
    fi

    if want auth; then
        declare -A RATE=()
        for who in dist pc; do
            check_manifest "$who" bench/app:v1 "${BASIC[@]}"
            RATE[$who]=$(wrk_rate "$who" "$(base "$who")/v2/bench/app/manifests/v1" "$AUTHZ")
        done
        record authget "manifest GET, htpasswd bcrypt-10 (TLS)" req/s high "${RATE[dist]}" "${RATE[pc]}" ">= 25" \
            "$CONNECTIONS conns keep-alive"
    fi

    record rss "resident memory after the load (VmRSS)" MiB low \
        "$(( $(rss_kib dist VmRSS) / 1024 ))" "$(( $(rss_kib pc VmRSS) / 1024 ))" "P < 192 MiB" "after this phase"
    record hwm "peak resident memory (VmHWM)" MiB low \
        "$(( $(rss_kib dist VmHWM) / 1024 ))" "$(( $(rss_kib pc VmHWM) / 1024 ))" "-" "whole phase"
    if [[ $NMT -eq 1 ]]; then
        { cat "/proc/${PID[pc]}/status"; jcmd "${PID[pc]}" GC.heap_info; jcmd "${PID[pc]}" VM.native_memory summary
          echo "threads by name:"; jcmd "${PID[pc]}" Thread.print | sed -n 's/^"\([^"]*\)".*/\1/p' \
              | sed 's/[-#]*[0-9]*$//' | sort | uniq -c | sort -rn; } > "$WORKDIR/logs/nmt-main.txt" 2>&1 || true
        pmap -x "${PID[pc]}" > "$WORKDIR/logs/pmap-main.txt" 2>&1 || true
        log "NMT after the htpasswd+TLS phase: $WORKDIR/logs/nmt-main.txt"
    fi
    for who in dist pc; do stop "$who"; done
fi

# 3. anonymous manifest GET, same TLS
if want anon; then
    log "phase: no auth + TLS"
    declare -A RATE=()
    for who in dist pc; do
        launch "$who" "$WORKDIR/anon.yml.tmpl" https > /dev/null
        skopeo_push "$who" "$WORKDIR/small" bench/app:v1 > /dev/null
        check_manifest "$who" bench/app:v1
    done
    for who in dist pc; do RATE[$who]=$(wrk_rate "$who" "$(base "$who")/v2/bench/app/manifests/v1"); done
    record anonget "manifest GET, anonymous (TLS)" req/s high "${RATE[dist]}" "${RATE[pc]}" ">= 1.0" \
        "$CONNECTIONS conns keep-alive"
    for who in dist pc; do stop "$who"; done
fi

# 4. plain HTTP on loopback: the same without TLS (zero-copy file serving is possible here)
if want plain; then
    log "phase: no auth, plain HTTP on loopback"
    declare -A RATE=()
    for who in dist pc; do
        launch "$who" "$WORKDIR/plain.yml.tmpl" http > /dev/null
        skopeo_push "$who" "$WORKDIR/small" bench/app:v1 > /dev/null
        upload_blob "$who" bench/blob "$BLOB" "$BLOB_DIGEST" > /dev/null
        check_manifest "$who" bench/app:v1
    done
    for who in dist pc; do RATE[$who]=$(wrk_rate "$who" "$(base "$who")/v2/bench/app/manifests/v1"); done
    record plainget "manifest GET, anonymous (plain HTTP)" req/s high "${RATE[dist]}" "${RATE[pc]}" ">= 1.0" \
        "$CONNECTIONS conns keep-alive"
    if want blob; then
        for who in dist pc; do : > "$WORKDIR/pget-$who"; : > "$WORKDIR/pgetcpu-$who"; done
        for _ in $(seq "$XFER_WARMUP"); do
            for who in dist pc; do get_blob "$who" bench/blob "$BLOB_DIGEST" "$BLOB_SIZE" > /dev/null; done
        done
        for _ in $(seq "$REPS"); do
            for who in dist pc; do
                timed "$who" "$WORKDIR/pget-$who" "$WORKDIR/pgetcpu-$who" get_blob "$who" bench/blob "$BLOB_DIGEST" "$BLOB_SIZE"
            done
        done
        record blobplain "blob GET ${BLOB_MB} MiB (plain HTTP)" MiB/s high \
            "$(mib_per_s "$BLOB_SIZE" "$(median < "$WORKDIR/pget-dist")")" \
            "$(mib_per_s "$BLOB_SIZE" "$(median < "$WORKDIR/pget-pc")")" ">= 1.0" "curl, median of $REPS"
        record pgetcpu "  server CPU per GiB served (plain)" s/GiB low "$(cpu_per_gib "$WORKDIR/pgetcpu-dist" "$BLOB_SIZE")" \
            "$(cpu_per_gib "$WORKDIR/pgetcpu-pc" "$BLOB_SIZE")" "-" "user+sys, median; robust to a busy machine"
    fi
    for who in dist pc; do stop "$who"; done
fi

# 5. token auth: Portcullis's issuer (docker_auth format); one token per registry, then Bearer manifest GETs
if want token; then
    log "phase: token auth (issuer: portcullis auth-server, ES256 with x5c) + TLS"
    cat > "$WORKDIR/auth-server.yml" <<EOF
server:
  addr: "127.0.0.1:$AUTH_PORT"
  certificate: "$PKI/server.crt"
  key: "$PKI/server.key"
token:
  issuer: "bench-issuer"
  service: "bench-registry"
  expiration: 3600
  certificate: "$PKI/token.crt"
  key: "$PKI/token.key"
  kidformat: libtrust
users_file: "$PKI/htpasswd"
acl:
  - match: {account: "$USER_NAME"}
    actions: ["*"]
throttle:
  max_failures: 0
EOF
    # shellcheck disable=SC2086
    env $PC_ENV java $JAVA_OPTS -jar "$JAR" auth-server "$WORKDIR/auth-server.yml" >> "$WORKDIR/logs/auth-server.log" 2>&1 &
    PID[auth]=$!
    for _ in $(seq 600); do
        curl -sf -o "$WORKDIR/token-bundle.pem" "${CURL_TLS[@]}" "https://127.0.0.1:$AUTH_PORT/certs.pem" && break
        kill -0 "${PID[auth]}" 2>/dev/null || { mark_failed; die "auth-server exited (logs/auth-server.log)"; }
        sleep 0.1
    done
    [[ -s "$WORKDIR/token-bundle.pem" ]] || { mark_failed; die "auth-server did not publish /certs.pem"; }
    config token token tls
    declare -A RATE=()
    for who in dist pc; do
        launch "$who" "$WORKDIR/token.yml.tmpl" https > /dev/null
        skopeo_push "$who" "$WORKDIR/small" bench/app:v1 "$USER_NAME:$USER_PW" > /dev/null
    done
    for who in dist pc; do
        token=$(curl -sf "${CURL_TLS[@]}" "${BASIC[@]}" \
            "https://127.0.0.1:$AUTH_PORT/auth?service=bench-registry&scope=repository:bench/app:pull" \
            | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("token") or d["access_token"])')
        check_manifest "$who" bench/app:v1 -H "Authorization: Bearer $token"
        RATE[$who]=$(wrk_rate "$who" "$(base "$who")/v2/bench/app/manifests/v1" "Authorization: Bearer $token")
    done
    record tokenget "manifest GET, Bearer token ES256 (TLS)" req/s high "${RATE[dist]}" "${RATE[pc]}" ">= 1.0" \
        "$CONNECTIONS conns keep-alive"
    for who in dist pc auth; do stop "$who"; done
fi

log "done"
