# Shared by the side-by-side benchmark scripts (bench-persistence.sh, bench-replication.sh):
# a work directory removed on exit with every server started, free ports, starting and
# stopping servers, and the file of SET commands for KEYS keys. Sourced, not run; the caller
# sets BENCH_NAME (for messages and the work directory's name) and KEYS first.

WORK="$(mktemp -d -t tessera-bench-$BENCH_NAME.XXXXXX)"
STARTED_PIDS=()
cleanup() {
    local pid
    for pid in "${STARTED_PIDS[@]}"; do
        kill -9 "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

die() {
    echo "bench-$BENCH_NAME: $*" >&2
    exit 1
}

[[ -x "$TESSERA" ]] || die "no $TESSERA (run make build)"

pick_port() {
    local port
    while :; do
        port=$((12000 + RANDOM % 10000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            PICKED_PORT=$port
            return
        fi
    done
}

cli() {
    local port="$1"
    shift
    redis-cli -h 127.0.0.1 -p "$port" "$@"
}

# wait_ping PORT SECONDS: waits until the server answers PING with PONG.
wait_ping() {
    local port="$1" limit="$2" start
    start=$(date +%s%N)
    while [[ "$(cli "$port" ping 2>/dev/null)" != PONG ]]; do
        if (($(date +%s%N) - start > limit * 1000000000)); then
            return 1
        fi
        sleep 0.01
    done
}

# start NAME BINARY DIR ARGS...: starts a server in DIR; PORT and PID are left in
# PORT_<NAME> and PID_<NAME>.
start() {
    local name="$1" binary="$2" dir="$3"
    shift 3
    mkdir -p "$dir"
    pick_port
    local port=$PICKED_PORT
    "$binary" --port "$port" --bind 127.0.0.1 --dir "$dir" --daemonize no "$@" \
        >>"$dir/server.log" 2>&1 &
    local pid=$!
    STARTED_PIDS+=("$pid")
    wait_ping "$port" 600 || die "$name did not answer PING (log: $(tail -n 5 "$dir/server.log"))"
    printf -v "PORT_$name" '%s' "$port"
    printf -v "PID_$name" '%s' "$pid"
}

stop() {
    local name="$1" pid_var="PID_$1"
    kill -9 "${!pid_var}" 2>/dev/null || true
    wait "${!pid_var}" 2>/dev/null || true
}

ms_since() {
    echo $((($(date +%s%N) - $1) / 1000000))
}

# The keys' RESP, once.
KEYFILE="$WORK/keys.resp"
python3 - "$KEYS" "$KEYFILE" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
value = b"v" * 16
with open(path, "wb") as f:
    for i in range(n):
        key = b"key:%d" % i
        f.write(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$16\r\n%s\r\n" % (len(key), key, value))
PY

# pss PID...: the summed PSS (proportional set size) in bytes of the processes.
# family PID: the process and its children (Redis's fork children).
pss() {
    local total=0 pid kb
    for pid in "$@"; do
        kb=$(awk '$1 == "Pss:" { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0)
        total=$((total + ${kb:-0} * 1024))
    done
    echo "$total"
}
family() {
    echo "$1" $(pgrep -P "$1" || true)
}
