#!/usr/bin/env bash
# Pull-through cache: Portcullis against CNCF Distribution 2.8's proxy mode, same upstream, same run (issue 20).
#
# One upstream (a plain Distribution on loopback, access log on) holds a 256 MiB image (4 random layers). Each cache
# (Distribution `proxy.remoteurl`, Portcullis with the same config.yml) is measured on:
#   cold    wall time of a skopeo pull through the cache that has never seen the image (every blob from the
#           upstream); each cache first pulls a different 32 MiB image twice, so that a JVM's first-run compilation
#           is not what is measured (a cache runs for days; its first minute is not its cold pull)
#   cached  wall time of the second pull (the tag re-validated upstream, the blobs from the cache)
#   4 cold  upstream bytes for 4 concurrent cold pulls through a fresh, empty cache (ideal: the image's size once)
# Upstream bytes are summed from the upstream's access log (GET 200 blob responses). Numbers only: nothing asserted.
#
# Needs: openjdk-17 (java), docker-registry, skopeo, curl, python3; the jar (mvn -pl registry-image package -DskipTests).
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MODULE=$(cd "$HERE/.." && pwd)
IMAGE_MB=256
LAYERS=4
JAR="$MODULE/target/portcullis-registry.jar"
DISTRIBUTION=/usr/bin/docker-registry
MAKE_IMAGE="$MODULE/../test-support/java/dev/portcullis/testimage/RandomImageLayout.java"
JAVA_OPTS=$(sed -e 's/#.*//' -e '/-XX:SharedArchiveFile=/d' "$MODULE/jvm.options" | xargs)  # the archive is the image's
KEEP=0

while [[ $# -gt 0 ]]; do
    case $1 in
        --image-mb) IMAGE_MB=$2; shift 2 ;;
        --jar) JAR=$2; shift 2 ;;
        --keep) KEEP=1; shift ;;
        -h|--help) echo "usage: bash registry-image/bench/proxy.sh [--image-mb N (default 256)] [--jar PATH] [--keep]"; exit 0 ;;
        *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
for tool in java skopeo curl python3 "$DISTRIBUTION"; do
    command -v "$tool" > /dev/null || { echo "missing: $tool" >&2; exit 1; }
done
[[ -f "$JAR" ]] || { echo "missing $JAR: mvn -B -q -pl registry-image package -DskipTests" >&2; exit 1; }

WORKDIR=$(mktemp -d /tmp/portcullis-proxy-bench.XXXXXX)
mkdir -p "$WORKDIR/logs"
declare -A PID PORT
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

stop() {
    local pid=${PID[$1]:-}
    [[ -n "$pid" ]] || return 0
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    unset "PID[$1]"
}
cleanup() {
    local rc=$?
    trap - EXIT
    for name in "${!PID[@]}"; do stop "$name"; done
    if [[ $rc -ne 0 || $KEEP -eq 1 ]]; then log "work directory kept: $WORKDIR"; else rm -rf "$WORKDIR"; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# start NAME KIND(dist|pc) EXTRA_YAML: a registry with empty storage on a free port
start() {
    local name=$1 kind=$2 extra=$3 port cfg
    port=$(free_port)
    rm -rf "$WORKDIR/storage-$name"
    cfg="$WORKDIR/$name.yml"
    cat > "$cfg" <<YAML
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $WORKDIR/storage-$name
http:
  addr: 127.0.0.1:$port
$extra
YAML
    if [[ $kind == dist ]]; then
        "$DISTRIBUTION" serve "$cfg" >> "$WORKDIR/logs/$name.log" 2>&1 &
    else
        # shellcheck disable=SC2086
        java $JAVA_OPTS -jar "$JAR" serve "$cfg" >> "$WORKDIR/logs/$name.log" 2>&1 &
    fi
    PID[$name]=$!
    PORT[$name]=$port
    for _ in $(seq 600); do
        [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v2/" || true) == 200 ]] && return 0
        kill -0 "${PID[$name]}" 2>/dev/null || { log "$name exited: see $WORKDIR/logs/$name.log"; exit 1; }
        sleep 0.1
    done
    log "$name did not start"; exit 1
}

pull() {  # pull NAME DEST [REPO]: seconds of one skopeo copy from the cache
    local t0 repo=${3:-bench/image}
    rm -rf "$2"
    t0=$(date +%s%N)
    skopeo --insecure-policy copy -q --retry-times 0 --src-tls-verify=false \
        "docker://127.0.0.1:${PORT[$1]}/$repo:v1" "dir:$2" >> "$WORKDIR/logs/skopeo.log" 2>&1
    awk -v t="$(( $(date +%s%N) - t0 ))" 'BEGIN {printf "%.2f\n", t / 1e9}'
    rm -rf "$2"
}

# Blob bytes the upstream sent since line $1 of its log (combined log format: "GET ...blobs/..." 200 BYTES).
upstream_bytes_since() {
    tail -n +"$(( $1 + 1 ))" "$WORKDIR/logs/upstream.log" | grep -o '"GET /v2/[^"]*/blobs/sha256:[0-9a-f]* HTTP/[0-9.]*" 200 [0-9]*' \
        | awk '{s += $NF} END {print s + 0}'
}
lines() { wc -l < "$WORKDIR/logs/upstream.log"; }
mib() { awk -v b="$1" 'BEGIN {printf "%.0f", b / 1048576}'; }

log "making a ${IMAGE_MB} MiB image in $LAYERS layers"
java "$MAKE_IMAGE" "$WORKDIR/image" "$LAYERS" "$(awk -v m="$IMAGE_MB" -v n="$LAYERS" 'BEGIN {print m / n}')" 20 > /dev/null
java "$MAKE_IMAGE" "$WORKDIR/warm" 2 16 21 > /dev/null
start upstream dist ""
for img in image warm; do
    skopeo --insecure-policy copy -q --dest-tls-verify=false "oci:$WORKDIR/$img:latest" \
        "docker://127.0.0.1:${PORT[upstream]}/bench/$img:v1" >> "$WORKDIR/logs/skopeo.log" 2>&1
done
PROXY="proxy:
  remoteurl: http://127.0.0.1:${PORT[upstream]}"

declare -A COLD CACHED CONC
for kind in dist pc; do
    log "$kind: cold and cached pull"
    start "$kind" "$kind" "$PROXY"
    pull "$kind" "$WORKDIR/warm-1" bench/warm > /dev/null
    pull "$kind" "$WORKDIR/warm-2" bench/warm > /dev/null
    COLD[$kind]=$(pull "$kind" "$WORKDIR/pulled")
    CACHED[$kind]=$(pull "$kind" "$WORKDIR/pulled")
    stop "$kind"
    log "$kind: 4 concurrent cold pulls through an empty cache"
    start "$kind" "$kind" "$PROXY"
    before=$(lines)
    for i in 1 2 3 4; do pull "$kind" "$WORKDIR/pulled-$i" > /dev/null & done
    wait_ok=0
    for job in $(jobs -p); do [[ $job == "${PID[$kind]}" || $job == "${PID[upstream]}" ]] || wait "$job" || wait_ok=1; done
    [[ $wait_ok -eq 0 ]] || { log "a concurrent pull failed: see $WORKDIR/logs/skopeo.log"; exit 1; }
    sleep 1
    CONC[$kind]=$(upstream_bytes_since "$before")
    stop "$kind"
done

printf '\n%-48s %14s %14s\n' "pull-through cache, ${IMAGE_MB} MiB image" "Distribution" "Portcullis"
printf '%-48s %14s %14s\n' "cold pull (s)" "${COLD[dist]}" "${COLD[pc]}"
printf '%-48s %14s %14s\n' "cached pull (s)" "${CACHED[dist]}" "${CACHED[pc]}"
printf '%-48s %14s %14s\n' "upstream MiB for 4 concurrent cold pulls" "$(mib "${CONC[dist]}")" "$(mib "${CONC[pc]}")"
