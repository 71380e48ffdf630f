#!/usr/bin/env bash
# Push throughput with notifications on vs off (issue 22): Portcullis and CNCF Distribution 2.8.2, each against itself,
# with the same config.yml, both against a live receiver.
#
# Each round starts, for each registry, a fresh process on empty filesystem storage without, then with, a
# notifications endpoint pointing at a local receiver that answers 200 to every delivery. Each process first takes
# WARMUP unmeasured 16 KiB uploads from CONCURRENCY clients (so that Portcullis is measured after the JIT compiled its
# paths, not while), then three measured phases:
#   - skopeo: IMAGES images of LAYERS small layers pushed one after the other (blob and manifest events, real client);
#   - upload: UPLOADS blob uploads of 16 KiB by curl, one after the other (POST for a session, PUT ?digest= with the
#     body): one outbox write per tiny push, with nothing to share it with: the worst case;
#   - concurrent: the same number of uploads from CONCURRENCY curl clients at once (what group commit is for).
# With notifications on, a phase ends when the receiver has every one of its events, so its figures include the
# deliveries. Medians of wall time and of the server's CPU (user+sys from /proc/PID/stat) are printed with the on/off
# ratio (> 1 means notifications cost that much more), and for Portcullis the CPU of its threads by kind
# (/proc/PID/task/*/stat: JIT compiler threads, the notification dispatcher, the rest) and the resident set at the
# end. Nothing here asserts a timing.
#
# Needs: java 17, skopeo, curl, python3, docker-registry (Distribution, optional: --no-distribution); the jar from
# `mvn -pl registry-image package -DskipTests`.
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MODULE=$(cd "$HERE/.." && pwd)
JAR="$MODULE/target/portcullis-registry.jar"
MAKE_IMAGE="$MODULE/../test-support/java/dev/portcullis/testimage/RandomImageLayout.java"
JAVA_OPTS=$(sed -e 's/#.*//' -e '/-XX:SharedArchiveFile=/d' "$MODULE/jvm.options" | xargs)  # the archive is the image's
DISTRIBUTION=/usr/bin/docker-registry
ROUNDS=3
IMAGES=6
LAYERS=6
LAYER_MB=0.5
UPLOADS=300
CONCURRENCY=4
WARMUP=1000
KEEP=0

usage() {
    cat <<USAGE
usage: bash registry-image/bench/notifications.sh [--quick] [--rounds N] [--images N] [--layer-mb X] [--uploads N]
           [--concurrency N] [--warmup N] [--jar PATH] [--distribution PATH | --no-distribution] [--keep]
  --quick          1 round, 2 images, 60 uploads, 200 warm-up uploads: proves the harness
  --rounds N       off/on pairs; medians are reported (default $ROUNDS)
  --images N       images pushed with skopeo per round (default $IMAGES, $LAYERS layers of $LAYER_MB MiB each)
  --layer-mb X     size of each layer in MiB (default $LAYER_MB)
  --uploads N      16 KiB uploads per upload phase (default $UPLOADS)
  --concurrency N  clients of the concurrent phase and of the warm-up (default $CONCURRENCY)
  --warmup N       unmeasured 16 KiB uploads into each fresh registry first (default $WARMUP)
  --jar PATH       the Portcullis jar to measure (default $JAR), e.g. an older build to compare
  --distribution PATH  Distribution's binary (default $DISTRIBUTION)
  --no-distribution    Portcullis only
  --keep           keep the work directory
USAGE
}

while [[ $# -gt 0 ]]; do
    case "$1" in
        --quick) ROUNDS=1; IMAGES=2; UPLOADS=60; WARMUP=200 ;;
        --rounds) ROUNDS=$2; shift ;;
        --images) IMAGES=$2; shift ;;
        --layer-mb) LAYER_MB=$2; shift ;;
        --uploads) UPLOADS=$2; shift ;;
        --concurrency) CONCURRENCY=$2; shift ;;
        --warmup) WARMUP=$2; shift ;;
        --jar) JAR=$2; shift ;;
        --distribution) DISTRIBUTION=$2; shift ;;
        --no-distribution) DISTRIBUTION="" ;;
        --keep) KEEP=1 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "notifications.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

[[ -f "$JAR" ]] || { echo "notifications.sh: $JAR missing; run mvn -pl registry-image package -DskipTests" >&2; exit 1; }
for tool in java skopeo curl python3; do
    command -v "$tool" >/dev/null || { echo "notifications.sh: $tool is not installed" >&2; exit 1; }
done
if [[ -n "$DISTRIBUTION" && ! -x "$DISTRIBUTION" ]]; then
    echo "notifications.sh: Distribution not found at $DISTRIBUTION (apt-get install docker-registry, or --no-distribution)" >&2
    exit 1
fi

WORK=$(mktemp -d "$MODULE/target/bench-notify.XXXXXX")
REG_PID=""
RECV_PID=""
cleanup() {
    [[ -n "$REG_PID" ]] && kill "$REG_PID" 2>/dev/null && wait "$REG_PID" 2>/dev/null || true
    [[ -n "$RECV_PID" ]] && kill "$RECV_PID" 2>/dev/null && wait "$RECV_PID" 2>/dev/null || true
    if [[ $KEEP == 0 ]]; then rm -rf "$WORK"; else echo "kept $WORK" >&2; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
HZ=$(getconf CLK_TCK)
cpu_ms() { awk -v hz="$HZ" '{printf "%d\n", ($14 + $15) * 1000 / hz}' "/proc/$1/stat"; }
# thread_ms PID: CPU ms of the JIT compiler threads and of the notification dispatchers (Portcullis's thread names).
thread_ms() {
    local t jit=0 dispatch=0 ms
    for t in /proc/"$1"/task/*; do
        ms=$(awk -v hz="$HZ" '{s=$0; sub(/^.*\) /, "", s); split(s, a, " "); printf "%d", (a[12] + a[13]) * 1000 / hz}' "$t/stat" 2>/dev/null) || continue
        case "$(cat "$t/comm" 2>/dev/null)" in
            C1\ Compiler*|C2\ Compiler*) jit=$((jit + ms)) ;;
            portcullis-noti*) dispatch=$((dispatch + ms)) ;;
        esac
    done
    echo "$jit $dispatch"
}
rss_mib() { awk '/^VmRSS/ {printf "%d", $2 / 1024}' "/proc/$1/status"; }
now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'; }

# The receiver: answers 200 to every POST and counts the events it got.
RECV_PORT=$(free_port)
cat > "$WORK/receiver.py" <<'PY'
import http.server, json, sys, threading
count = 0
lock = threading.Lock()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        global count
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with lock:
            count += len(json.loads(body).get("events", []))
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def do_GET(self):
        with lock:
            text = str(count).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(text))); self.end_headers()
        self.wfile.write(text)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
python3 "$WORK/receiver.py" "$RECV_PORT" & RECV_PID=$!

echo "making $IMAGES images of $LAYERS x $LAYER_MB MiB and $((2 * UPLOADS + WARMUP)) blobs of 16 KiB" >&2
for i in $(seq 1 "$IMAGES"); do
    java "$MAKE_IMAGE" "$WORK/images/$i" "$LAYERS" "$LAYER_MB" "$i" >/dev/null
done
mkdir -p "$WORK/blobs" "$WORK/concurrent" "$WORK/warmup"
python3 - "$WORK" "$UPLOADS" "$WARMUP" <<'PY'
import hashlib, os, sys
for d, n in (("blobs", int(sys.argv[2])), ("concurrent", int(sys.argv[2])), ("warmup", int(sys.argv[3]))):
    for i in range(n):
        b = os.urandom(16384)
        open(os.path.join(sys.argv[1], d, "sha256:" + hashlib.sha256(b).hexdigest()), "wb").write(b)
PY

# upload_one FILE PORT REPO: POST for a session, then PUT ?digest= with the whole body (what both registries accept).
upload_one() {
    local loc sep
    loc=$(curl -fsS -o /dev/null -D - -X POST "http://127.0.0.1:$2/v2/$3/blobs/uploads/" \
        | tr -d '\r' | awk 'tolower($1) == "location:" {print $2}')
    [[ $loc == http* ]] || loc="http://127.0.0.1:$2$loc"
    sep='?'; [[ $loc == *\?* ]] && sep='&'
    curl -fsS -o /dev/null -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$1" \
        "$loc${sep}digest=$(basename "$1")"
}
export -f upload_one
upload_all() {  # upload_all DIR PORT REPO CLIENTS
    find "$1" -type f -print0 | xargs -0 -P "$4" -I{} bash -c 'upload_one "$1" "$2" "$3"' _ {} "$2" "$3"
}

# delivered MODE N: with notifications on, waits until the receiver has N more events, so that each phase is measured
# with the delivery of its own events (asynchronous, after the pushes) and without the previous phase's.
delivered() {
    [[ $1 == on ]] || return 0
    local want=$(( DELIVERED + $2 )) got=0
    for _ in $(seq 1 1200); do
        got=$(curl -fsS "http://127.0.0.1:$RECV_PORT/")
        (( got >= want )) && break
        sleep 0.05
    done
    (( got >= want )) || { echo "notifications.sh: only $got of $want events arrived" >&2; exit 1; }
    DELIVERED=$got
}

# run IMPL MODE ROUND: prints "skopeo_wall skopeo_cpu upload_wall upload_cpu conc_wall conc_cpu jit_ms dispatch_ms rss_mib"
run() {
    local impl=$1 mode=$2 round=$3 port dir
    port=$(free_port)
    dir="$WORK/$impl-$mode-$round"
    mkdir -p "$dir"
    {
        printf 'version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n'
        printf 'storage:\n  filesystem:\n    rootdirectory: %s\n' "$dir/storage"
        printf 'http:\n  addr: 127.0.0.1:%s\n' "$port"
        if [[ $mode == on ]]; then
            printf 'notifications:\n  endpoints:\n    - name: bench\n      url: http://127.0.0.1:%s/\n' "$RECV_PORT"
            printf '      timeout: 2s\n      threshold: 5\n      backoff: 1s\n'
        fi
    } > "$dir/config.yml"
    if [[ $impl == portcullis ]]; then
        # shellcheck disable=SC2086
        java $JAVA_OPTS -jar "$JAR" serve "$dir/config.yml" > "$dir/registry.log" 2>&1 & REG_PID=$!
    else
        "$DISTRIBUTION" serve "$dir/config.yml" > "$dir/registry.log" 2>&1 & REG_PID=$!
    fi
    for _ in $(seq 1 600); do
        curl -fsS -o /dev/null "http://127.0.0.1:$port/v2/" 2>/dev/null && break
        sleep 0.05
    done
    local c0 t0 c1 t1 c2 t2 c3 t3 th0 th1
    upload_all "$WORK/warmup" "$port" warm "$CONCURRENCY"
    delivered "$mode" "$WARMUP"
    th0=$(thread_ms "$REG_PID")
    c0=$(cpu_ms "$REG_PID"); t0=$(now_ms)
    for i in $(seq 1 "$IMAGES"); do
        skopeo copy -q --dest-tls-verify=false "oci:$WORK/images/$i:latest" "docker://127.0.0.1:$port/bench/img$i:v1"
    done
    delivered "$mode" $(( IMAGES * (LAYERS + 2) ))
    c1=$(cpu_ms "$REG_PID"); t1=$(now_ms)
    upload_all "$WORK/blobs" "$port" bench 1
    delivered "$mode" "$UPLOADS"
    c2=$(cpu_ms "$REG_PID"); t2=$(now_ms)
    upload_all "$WORK/concurrent" "$port" concurrent "$CONCURRENCY"
    delivered "$mode" "$UPLOADS"
    c3=$(cpu_ms "$REG_PID"); t3=$(now_ms)
    th1=$(thread_ms "$REG_PID")
    local rss
    rss=$(rss_mib "$REG_PID")
    kill "$REG_PID"; wait "$REG_PID" 2>/dev/null || true; REG_PID=""
    read -r j0 d0 <<< "$th0"; read -r j1 d1 <<< "$th1"
    echo "$((t1 - t0)) $((c1 - c0)) $((t2 - t1)) $((c2 - c1)) $((t3 - t2)) $((c3 - c2)) $((j1 - j0)) $((d1 - d0)) $rss"
}

IMPLS=(portcullis)
[[ -n "$DISTRIBUTION" ]] && IMPLS+=(distribution)
DELIVERED=0
for impl in "${IMPLS[@]}"; do : > "$WORK/$impl-off.txt"; : > "$WORK/$impl-on.txt"; done
for r in $(seq 1 "$ROUNDS"); do
    for impl in "${IMPLS[@]}"; do
        for mode in off on; do
            echo "round $r: $impl, notifications $mode" >&2
            run "$impl" "$mode" "$r" >> "$WORK/$impl-$mode.txt"
        done
    done
done

col() { awk -v c="$2" '{print $c}' "$WORK/$1.txt" | median; }
# all IMPL MODE COLUMN: the column's values, one per round, in round order
all() { awk -v c="$3" '{printf "%s%s", (NR > 1 ? "," : ""), $c}' "$WORK/$1-$2.txt"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", (b > 0) ? a / b : 0}'; }
echo
echo "Portcullis $(basename "$JAR") with: $JAVA_OPTS"
echo "$ROUNDS rounds; $IMAGES images of $LAYERS x $LAYER_MB MiB; $UPLOADS uploads of 16 KiB one at a time and from $CONCURRENCY clients; $WARMUP warm-up uploads"
for impl in "${IMPLS[@]}"; do
    printf '\n%-44s %8s %8s %7s   %s\n' "$impl: median of $ROUNDS rounds" off on on/off "each round off -> on"
    specs=("1 skopeo push wall ms" "2 skopeo push server CPU ms" "3 16KiB uploads, 1 client, wall ms"
        "4 16KiB uploads, 1 client, server CPU ms" "5 16KiB uploads, $CONCURRENCY clients, wall ms"
        "6 16KiB uploads, $CONCURRENCY clients, server CPU ms")
    [[ $impl == portcullis ]] && specs+=("7 JIT compiler threads CPU ms (all phases)"
        "8 dispatcher thread CPU ms (all phases)" "9 resident set at the end MiB")
    for spec in "${specs[@]}"; do
        c=${spec%% *}; name=${spec#* }
        off=$(col "$impl-off" "$c"); on=$(col "$impl-on" "$c")
        printf '%-44s %8s %8s %7s   %s -> %s\n' "$name" "$off" "$on" "$(ratio "$on" "$off")" \
            "$(all "$impl" off "$c")" "$(all "$impl" on "$c")"
    done
done
per_round=$(( IMAGES * (LAYERS + 2) + 2 * UPLOADS + WARMUP ))
echo
echo "events received by the receiver: $DELIVERED (expected $(( ROUNDS * ${#IMPLS[@]} * per_round )) at least)"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
