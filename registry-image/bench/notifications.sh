#!/usr/bin/env bash
# Push throughput with notifications on vs off (issue 22), Portcullis against itself, both against a live receiver.
#
# Each round starts a fresh Portcullis (the image's JVM flags) on empty filesystem storage, with or without a
# notifications endpoint pointing at a local receiver that answers 200 to every delivery, then measures:
#   - skopeo: IMAGES images of LAYERS small layers pushed one after the other (blob and manifest events, real client);
#   - upload: UPLOADS monolithic blob uploads of 16 KiB by curl, one request each (the worst case: one outbox write
#     per tiny request).
# Rounds alternate off/on ROUNDS times; the medians of wall time and of the server's CPU (user+sys from /proc) are
# printed with the on/off ratio (> 1 means notifications cost that much more). Nothing here asserts a timing.
#
# Needs: java 17, skopeo, curl, python3; the jar from `mvn -pl registry-image package -DskipTests`.
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MODULE=$(cd "$HERE/.." && pwd)
JAR="$MODULE/target/portcullis-registry.jar"
MAKE_IMAGE="$MODULE/../test-support/java/dev/portcullis/testimage/RandomImageLayout.java"
JAVA_OPTS=$(sed -e 's/#.*//' -e '/-XX:SharedArchiveFile=/d' "$MODULE/jvm.options" | xargs)  # the archive is the image's
ROUNDS=3
IMAGES=6
LAYERS=6
LAYER_MB=0.5
UPLOADS=300
WARMUP=150
KEEP=0

usage() {
    cat <<USAGE
usage: bash registry-image/bench/notifications.sh [--quick] [--rounds N] [--images N] [--layer-mb X] [--uploads N] [--warmup N] [--keep]
  --quick      1 round, 2 images, 60 uploads, 20 warm-up uploads: proves the harness
  --rounds N   off/on pairs; medians are reported (default $ROUNDS)
  --images N   images pushed with skopeo per round (default $IMAGES, $LAYERS layers of $LAYER_MB MiB each)
  --layer-mb X size of each layer in MiB (default $LAYER_MB)
  --uploads N  16 KiB monolithic uploads per round (default $UPLOADS)
  --warmup N   unmeasured 16 KiB uploads into each fresh registry first, so that both are measured after the JIT
               compiled their paths, not while (default $WARMUP)
  --keep       keep the work directory
USAGE
}

while [[ $# -gt 0 ]]; do
    case "$1" in
        --quick) ROUNDS=1; IMAGES=2; UPLOADS=60; WARMUP=20 ;;
        --rounds) ROUNDS=$2; shift ;;
        --images) IMAGES=$2; shift ;;
        --layer-mb) LAYER_MB=$2; shift ;;
        --uploads) UPLOADS=$2; shift ;;
        --warmup) WARMUP=$2; shift ;;
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
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{printf "%d\n", ($14 + $15) * 1000 / hz}' "/proc/$1/stat"; }
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

echo "making $IMAGES images of $LAYERS x $LAYER_MB MiB and $UPLOADS blobs of 16 KiB" >&2
for i in $(seq 1 "$IMAGES"); do
    java "$MAKE_IMAGE" "$WORK/images/$i" "$LAYERS" "$LAYER_MB" "$i" >/dev/null
done
mkdir -p "$WORK/blobs" "$WORK/warmup"
python3 - "$WORK/blobs" "$UPLOADS" "$WORK/warmup" "$WARMUP" <<'PY'
import hashlib, os, sys
for d, n in ((sys.argv[1], int(sys.argv[2])), (sys.argv[3], int(sys.argv[4]))):
    for i in range(n):
        b = os.urandom(16384)
        open(os.path.join(d, "sha256:" + hashlib.sha256(b).hexdigest()), "wb").write(b)
PY
upload_all() {  # upload_all DIR PORT REPO
    local f
    for f in "$1"/*; do
        [[ -e "$f" ]] || continue
        curl -fsS -o /dev/null -X POST -H 'Content-Type: application/octet-stream' --data-binary "@$f" \
            "http://127.0.0.1:$2/v2/$3/blobs/uploads/?digest=$(basename "$f")"
    done
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

# run MODE ROUND: prints "skopeo_wall skopeo_cpu upload_wall upload_cpu"
run() {
    local mode=$1 round=$2 port dir
    port=$(free_port)
    dir="$WORK/$mode-$round"
    mkdir -p "$dir"
    {
        printf 'version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n'
        printf 'storage:\n  filesystem:\n    rootdirectory: %s\n' "$dir/storage"
        printf 'http:\n  addr: 127.0.0.1:%s\n' "$port"
        if [[ $mode == on ]]; then
            printf 'notifications:\n  endpoints:\n    - name: bench\n      url: http://127.0.0.1:%s/\n      timeout: 2s\n' "$RECV_PORT"
        fi
    } > "$dir/config.yml"
    # shellcheck disable=SC2086
    java $JAVA_OPTS -jar "$JAR" serve "$dir/config.yml" > "$dir/registry.log" 2>&1 & REG_PID=$!
    for _ in $(seq 1 600); do
        curl -fsS -o /dev/null "http://127.0.0.1:$port/v2/" 2>/dev/null && break
        sleep 0.05
    done
    local c0 t0 c1 t1 c2 t2
    upload_all "$WORK/warmup" "$port" warm
    delivered "$mode" "$WARMUP"
    c0=$(cpu_ms "$REG_PID"); t0=$(now_ms)
    for i in $(seq 1 "$IMAGES"); do
        skopeo copy -q --dest-tls-verify=false "oci:$WORK/images/$i:latest" "docker://127.0.0.1:$port/bench/img$i:v1"
    done
    delivered "$mode" $(( IMAGES * (LAYERS + 2) ))
    c1=$(cpu_ms "$REG_PID"); t1=$(now_ms)
    upload_all "$WORK/blobs" "$port" bench
    delivered "$mode" "$UPLOADS"
    c2=$(cpu_ms "$REG_PID"); t2=$(now_ms)
    kill "$REG_PID"; wait "$REG_PID" 2>/dev/null || true; REG_PID=""
    echo "$((t1 - t0)) $((c1 - c0)) $((t2 - t1)) $((c2 - c1))"
}

DELIVERED=0
: > "$WORK/off.txt"; : > "$WORK/on.txt"
for r in $(seq 1 "$ROUNDS"); do
    echo "round $r: off" >&2; run off "$r" >> "$WORK/off.txt"
    echo "round $r: on" >&2;  run on "$r" >> "$WORK/on.txt"
done

col() { awk -v c="$2" '{print $c}' "$WORK/$1.txt" | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", (b > 0) ? a / b : 0}'; }
printf '\n%-34s %10s %10s %8s\n' "median of $ROUNDS rounds" off on on/off
for spec in "1 skopeo push wall ms" "2 skopeo push server CPU ms" "3 16KiB uploads wall ms" "4 16KiB uploads server CPU ms"; do
    c=${spec%% *}; name=${spec#* }
    off=$(col off "$c"); on=$(col on "$c")
    printf '%-34s %10s %10s %8s\n' "$name" "$off" "$on" "$(ratio "$on" "$off")"
done
echo "events received by the receiver: $DELIVERED (expected $(( ROUNDS * (IMAGES * (LAYERS + 2) + UPLOADS + WARMUP) )) at least)"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
