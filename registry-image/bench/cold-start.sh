#!/usr/bin/env bash
# What a cluster sees first (issue 23), for Portcullis jars against CNCF Distribution, with the image's flags:
# start to first TLS /v2/ (wall, CPU, classes loaded), the first and second 64 MiB TLS GET after readiness (wall and
# server CPU), 8 and 32 concurrent TLS GETs (aggregate MiB/s and the server's CPU per thread, from
# /proc/PID/task/*/stat), the heap after them (jcmd GC.heap_info) and resident memory idle and after that load, and
# each Portcullis figure as a ratio to Distribution's from the same run (> 1: Portcullis leads).
# Config: TLS (ECDSA P-256) + htpasswd (bcrypt cost 10), filesystem.
# Only curl, openssl, java and Distribution are needed (no wrk, no htpasswd: jBCrypt from the jar makes the hash).
# Benchmarks print numbers; nothing here asserts a timing. Figures are noisy on a shared machine: prefer CPU times.
#
# usage: bash registry-image/bench/cold-start.sh [--starts N] [--jar NAME=PATH]... [--no-distribution] [--no-warmup]
#                                               [--java-opts "FLAGS"] [--concurrent "8 32"]
#   default: one jar, registry-image/target/portcullis-registry.jar, named "pc"; 3 starts each
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MODULE=$(cd "$HERE/.." && pwd)
STARTS=3
BLOB_MB=64
CONCURRENT="8 32"
DISTRIBUTION=/usr/bin/docker-registry
WITH_DIST=1
declare -a NAMES=() JARS=()
JAVA_OPTS=$(sed -e 's/#.*//' -e '/-XX:SharedArchiveFile=/d' "$MODULE/jvm.options" | xargs)  # the archive is the image's
PC_ENV=$(sed -n 's/^ENV \(MALLOC_[A-Z_]*=[^ ]*\)$/\1/p' "$MODULE/Dockerfile" | xargs)

while [[ $# -gt 0 ]]; do
    case "$1" in
        --starts) STARTS=$2; shift ;;
        --jar) NAMES+=("${2%%=*}"); JARS+=("${2#*=}"); shift ;;
        --no-distribution) WITH_DIST=0 ;;
        --no-warmup) export REGISTRY_HTTP_WARMUP_DISABLED=true ;;
        --java-opts) JAVA_OPTS=$2; shift ;;
        --concurrent) CONCURRENT=$2; shift ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
if [[ ${#JARS[@]} -eq 0 ]]; then NAMES=(pc); JARS=("$MODULE/target/portcullis-registry.jar"); fi

WORK=$(mktemp -d "$MODULE/target/cold-start.XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; [[ ${KEEP:-0} == 1 ]] || rm -rf "$WORK"; }
trap cleanup EXIT

TICK=$(getconf CLK_TCK)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_ms() { awk -v t="$TICK" '{ sub(/^.*\) /, ""); split($0, f, " "); printf "%d\n", (f[12] + f[13]) * 1000 / t }' "/proc/$1/stat"; }
rss_mib() { awk '/^VmRSS/ {printf "%.0f\n", $2 / 1024}' "/proc/$1/status"; }
# per-thread CPU (ms) as "TID NAME MS" lines
threads_ms() {
    for t in /proc/"$1"/task/*; do
        awk -v t="$TICK" -v id="${t##*/}" '{ name = $0; sub(/^[^(]*\(/, "", name); sub(/\).*$/, "", name);
            sub(/^.*\) /, ""); split($0, f, " "); printf "%s %s %d\n", id, name, (f[12] + f[13]) * 1000 / t }' "$t/stat" 2>/dev/null || true
    done
}
# CPU ms each kind of thread (JIT compilers, event loops, workers, GC, main, ...) spent between two threads_ms files
groups_ms() {
    awk 'NR == FNR {before[$1] = $NF; next}
        {g = $0; sub(/^[0-9]+ /, "", g); sub(/ [0-9]+$/, "", g); sub(/[-#]?[0-9]+$/, "", g); ms[g] += $NF - before[$1]}
        END {for (g in ms) if (ms[g] >= 10) printf "%d\t%s\n", ms[g], g}' "$1" "$2" \
        | sort -rn | awk -F'\t' '{printf "%s%s %d ms", (NR > 1 ? ", " : ""), $2, $1}'
}

# ---- material: CA + server certificate, bcrypt htpasswd, a random blob
PKI="$WORK/pki"; mkdir -p "$PKI"
openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/ca.key" 2>/dev/null
openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=bench CA" -days 2 -out "$PKI/ca.crt" 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/server.ec"
openssl pkcs8 -topk8 -nocrypt -in "$PKI/server.ec" -out "$PKI/server.key"
openssl req -new -key "$PKI/server.key" -subj "/CN=127.0.0.1" -out "$PKI/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' > "$PKI/ext"
openssl x509 -req -in "$PKI/server.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial -days 2 \
    -extfile "$PKI/ext" -out "$PKI/server.crt" 2>/dev/null
cat > "$WORK/Hash.java" <<'EOF'
public class Hash { public static void main(String[] a) {
    System.out.println(a[0] + ":" + org.mindrot.jbcrypt.BCrypt.hashpw(a[1], org.mindrot.jbcrypt.BCrypt.gensalt(10))); } }
EOF
USER_PW=$(head -c 12 /dev/urandom | base64 | tr -dc 'a-zA-Z0-9')
java -cp "${JARS[0]}" "$WORK/Hash.java" bench "$USER_PW" > "$WORK/htpasswd"
head -c $((BLOB_MB * 1048576)) /dev/urandom > "$WORK/blob"
DIGEST="sha256:$(sha256sum "$WORK/blob" | cut -d' ' -f1)"
CURL=(curl -s --cacert "$PKI/ca.crt" -u "bench:$USER_PW")

config() { # PORT ROOT
    cat <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $2
http:
  addr: 127.0.0.1:$1
  tls:
    certificate: $PKI/server.crt
    key: $PKI/server.key
auth:
  htpasswd:
    realm: bench
    path: $WORK/htpasswd
EOF
}

# launch NAME JAR|dist PORT ROOT CLASSLOG: starts, prints the PID
launch() {
    local name=$1 jar=$2 port=$3 root=$4 classlog=$5
    config "$port" "$root" > "$WORK/$name.yml"
    if [[ $jar == dist ]]; then
        "$DISTRIBUTION" serve "$WORK/$name.yml" > "$WORK/$name.log" 2>&1 &
    else
        env $PC_ENV java $JAVA_OPTS -Xlog:class+load:file="$classlog" -jar "$jar" serve "$WORK/$name.yml" \
            > "$WORK/$name.log" 2>&1 &
    fi
    echo $!
}

# wait_for URL CODE PID: polls every 5 ms
wait_for() {
    local deadline=$((SECONDS + 120))
    until [[ $(curl -s -o /dev/null -w '%{http_code}' --cacert "$PKI/ca.crt" "$1" || true) == "$2" ]]; do
        kill -0 "$3" 2>/dev/null || { echo "process $3 died" >&2; return 1; }
        ((SECONDS < deadline)) || { echo "timeout waiting for $1" >&2; return 1; }
        sleep 0.005
    done
}

get_blob() { # PORT: prints seconds, checks size
    local out; out=$("${CURL[@]}" -o /dev/null -w '%{http_code} %{size_download} %{time_total}' \
        "https://127.0.0.1:$1/v2/bench/blob/blobs/$DIGEST")
    read -r code size secs <<<"$out"
    [[ $code == 200 && $size == $((BLOB_MB * 1048576)) ]] || { echo "GET answered $code, $size bytes" >&2; return 1; }
    echo "$secs"
}

median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

run_one() { # NAME JAR
    local name=$1 jar=$2 root="$WORK/storage-$1" port pid t0 t1 i
    local -a wall=() cpu=() classes=() ready_wall=() ready_cpu=() get1=() get1cpu=() get2=() get2cpu=()
    mkdir -p "$root"
    # the blob, pushed once with a throwaway process
    port=$(free_port); pid=$(launch "$name-push" "$jar" "$port" "$root" "$WORK/$name-push-classes.log"); PIDS+=("$pid")
    wait_for "https://127.0.0.1:$port/v2/" 401 "$pid"
    # POST for a session, one PUT with the whole body: the monolithic upload both registries implement
    local loc
    loc=$("${CURL[@]}" -o /dev/null -D - -X POST "https://127.0.0.1:$port/v2/bench/blob/blobs/uploads/" \
        | awk 'tolower($1) == "location:" {print $2}' | tr -d '\r')
    [[ $loc == http* ]] || loc="https://127.0.0.1:$port$loc"
    [[ $loc == *\?* ]] && loc="$loc&digest=$DIGEST" || loc="$loc?digest=$DIGEST"
    [[ $("${CURL[@]}" -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/octet-stream' \
        -T "$WORK/blob" "$loc") == 201 ]] || { echo "$name: push failed" >&2; exit 1; }
    kill "$pid"; wait "$pid" 2>/dev/null || true
    for ((i = 1; i <= STARTS; i++)); do
        port=$(free_port)
        t0=$(date +%s%N)
        pid=$(launch "$name" "$jar" "$port" "$root" "$WORK/$name-classes-$i.log"); PIDS+=("$pid")
        wait_for "https://127.0.0.1:$port/v2/" 401 "$pid"
        t1=$(date +%s%N); cpu+=("$(cpu_ms "$pid")"); wall+=("$(( (t1 - t0) / 1000000 ))")
        [[ $jar == dist ]] || classes+=("$(wc -l < "$WORK/$name-classes-$i.log")")
        if [[ $jar != dist ]]; then wait_for "https://127.0.0.1:$port/readyz" 200 "$pid"; fi
        ready_wall+=("$(( ($(date +%s%N) - t0) / 1000000 ))"); ready_cpu+=("$(cpu_ms "$pid")")
        local c0 c1 s
        threads_ms "$pid" > "$WORK/threads-0"
        c0=$(cpu_ms "$pid"); s=$(get_blob "$port"); c1=$(cpu_ms "$pid"); get1+=("$s"); get1cpu+=("$((c1 - c0))")
        threads_ms "$pid" > "$WORK/threads-1"
        c0=$(cpu_ms "$pid"); s=$(get_blob "$port"); c1=$(cpu_ms "$pid"); get2+=("$s"); get2cpu+=("$((c1 - c0))")
        threads_ms "$pid" > "$WORK/threads-2"
        echo "  $name-$i: first GET by thread: $(groups_ms "$WORK/threads-0" "$WORK/threads-1"); second: $(groups_ms "$WORK/threads-1" "$WORK/threads-2")"
        if ((i == STARTS)); then
            for _ in 1 2 3; do get_blob "$port" > /dev/null; done
            sleep 6   # past the native heap trim interval of jvm.options
            RSS_IDLE[$name]=$(rss_mib "$pid")
            local n k
            for n in $CONCURRENT; do
                threads_ms "$pid" > "$WORK/threads-before"
                t0=$(date +%s%N)
                local -a getters=()
                for ((k = 0; k < n; k++)); do get_blob "$port" > /dev/null & getters+=($!); done
                for g in "${getters[@]}"; do wait "$g"; done
                t1=$(date +%s%N)
                threads_ms "$pid" > "$WORK/threads-after"
                CONC[$name.$n]=$(awk -v b=$((n * BLOB_MB)) -v ns=$((t1 - t0)) 'BEGIN {printf "%.0f", b / (ns / 1e9)}')
                echo "  $name: server CPU per thread during $n concurrent ${BLOB_MB} MiB TLS GETs (ms, > 20):"
                join <(sort "$WORK/threads-before") <(sort "$WORK/threads-after") \
                    | awk '{d = $5 - $3; if (d > 20) printf "    %-7s %-16s %6d\n", $1, $2, d}' | sort -k3 -n -r
                sleep 6   # past the trim interval again
                RSS_LOAD[$name.$n]=$(rss_mib "$pid")
                echo "  $name: RSS 6 s after the $n GETs: ${RSS_LOAD[$name.$n]} MiB"
                [[ $jar == dist ]] || { echo "  $name: heap after the $n GETs:"; jcmd "$pid" GC.heap_info 2>/dev/null \
                    | grep -E "generation|def new|tenured" | sed 's/^/    /'; }
            done
        fi
        kill "$pid"; wait "$pid" 2>/dev/null || true
    done
    START[$name]="wall $(printf '%s\n' "${wall[@]}" | median) ms, CPU $(printf '%s\n' "${cpu[@]}" | median) ms"
    [[ $jar == dist ]] || START[$name]+=", classes $(printf '%s\n' "${classes[@]}" | median)"
    READY[$name]="wall $(printf '%s\n' "${ready_wall[@]}" | median) ms, CPU $(printf '%s\n' "${ready_cpu[@]}" | median) ms"
    FIRST_S[$name]=$(printf '%s\n' "${get1[@]}" | median); FIRST_CPU[$name]=$(printf '%s\n' "${get1cpu[@]}" | median)
    SECOND_S[$name]=$(printf '%s\n' "${get2[@]}" | median); SECOND_CPU[$name]=$(printf '%s\n' "${get2cpu[@]}" | median)
    FIRST[$name]="${FIRST_S[$name]} s, CPU ${FIRST_CPU[$name]} ms"
    SECOND[$name]="${SECOND_S[$name]} s, CPU ${SECOND_CPU[$name]} ms"
    echo "  $name: starts wall ${wall[*]} ms, CPU ${cpu[*]} ms, classes ${classes[*]:-}; ready CPU ${ready_cpu[*]} ms;" \
        "first GET CPU ${get1cpu[*]} ms, second ${get2cpu[*]} ms"
}

declare -A START READY FIRST SECOND CONC RSS_IDLE RSS_LOAD FIRST_S FIRST_CPU SECOND_S SECOND_CPU
echo "cold-start.sh $(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); JVM flags: $JAVA_OPTS"
((WITH_DIST)) && run_one dist dist
for i in "${!JARS[@]}"; do run_one "${NAMES[$i]}" "${JARS[$i]}"; done
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
CONC_HEAD=$(for n in $CONCURRENT; do printf '%sx MiB/s ' "$n"; done)
printf '%-8s | %-42s | %-28s | %-26s | %-26s | %-16s | %s\n' who "start to first TLS /v2/ (median of $STARTS)" \
    "until /readyz 200" "first ${BLOB_MB} MiB GET" "second GET" "$CONC_HEAD" "RSS idle / after each (MiB)"
for who in $( ((WITH_DIST)) && echo dist) "${NAMES[@]}"; do
    printf '%-8s | %-42s | %-28s | %-26s | %-26s | %-16s | %s / %s\n' "$who" "${START[$who]}" "${READY[$who]}" \
        "${FIRST[$who]}" "${SECOND[$who]}" "$(for n in $CONCURRENT; do printf '%s ' "${CONC[$who.$n]}"; done)" \
        "${RSS_IDLE[$who]}" "$(for n in $CONCURRENT; do printf '%s ' "${RSS_LOAD[$who.$n]}"; done)"
done
# Ratios to Distribution: speed as Distribution's time over ours (> 1: we lead), CPU as ours over Distribution's.
if ((WITH_DIST)); then
    ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}'; }
    echo "ratios to Distribution (speed > 1: Portcullis faster; CPU and RSS: Portcullis's over Distribution's):"
    for who in "${NAMES[@]}"; do
        line="  $who: first GET speed $(ratio "${FIRST_S[dist]}" "${FIRST_S[$who]}") CPU $(ratio "${FIRST_CPU[$who]}" "${FIRST_CPU[dist]}")"
        line+=", second GET speed $(ratio "${SECOND_S[dist]}" "${SECOND_S[$who]}") CPU $(ratio "${SECOND_CPU[$who]}" "${SECOND_CPU[dist]}")"
        for n in $CONCURRENT; do line+=", ${n}x aggregate $(ratio "${CONC[$who.$n]}" "${CONC[dist.$n]}")"; done
        for n in $CONCURRENT; do line+=", RSS after ${n}x $(ratio "${RSS_LOAD[$who.$n]}" "${RSS_LOAD[dist.$n]}")"; done
        echo "$line"
    done
fi
