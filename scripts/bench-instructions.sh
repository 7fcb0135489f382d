#!/usr/bin/env bash
# Instructions per request, tessera-server against Debian's redis-server, under
# `valgrind --tool=callgrind`: a count that does not depend on how busy the machine is (our 2
# shared vCPUs make ops/s swing by 2x between runs; see docs/benchmarks.md). It counts the
# server's own work per request, user space only (the kernel's TCP work is the same for both).
#
# For each server: start it under callgrind (standalone, `--save "" --appendonly no`), then
# for each test zero the counters (`callgrind_control --dump`), run the same redis-benchmark
# line, dump again, and divide that part's instruction total by the request count.
#
# Knobs (environment): INSN_REQUESTS (20000), INSN_TESTS ("set get incr mset").
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REQUESTS="${INSN_REQUESTS:-20000}"
TESTS="${INSN_TESTS:-set get incr mset}"
TESSERA="$ROOT/target/release/tessera-server"

for tool in valgrind callgrind_control callgrind_annotate redis-server redis-cli redis-benchmark; do
    command -v "$tool" >/dev/null || {
        echo "error: $tool not found (valgrind and redis-tools from Debian)" >&2
        exit 1
    }
done
(cd "$ROOT" && cargo build --release -q -p tessera-node)

WORK="$(mktemp -d "${TMPDIR:-/tmp}/tessera-insn.XXXXXX")"
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

# A free port below the ephemeral range.
pick_port() {
    local port
    for _ in $(seq 200); do
        port=$((12000 + RANDOM % 10000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    echo "error: no free port" >&2
    exit 1
}

total_of() { # the instruction total of one callgrind part file
    callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }'
}

declare -A RESULT
for name in redis tessera; do
    dir="$WORK/$name"
    mkdir -p "$dir"
    port="$(pick_port)"
    if [ "$name" = redis ]; then bin=redis-server; else bin="$TESSERA"; fi
    (cd "$dir" && exec valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out" \
        "$bin" --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
        >"$dir/log" 2>&1) &
    pid=$!
    PIDS+=("$pid")
    for _ in $(seq 300); do
        redis-cli -p "$port" PING >/dev/null 2>&1 && break
        sleep 0.1
    done
    for test in $TESTS; do
        before=$(find "$dir" -name 'cg.out.*' | wc -l)
        callgrind_control --dump="before $test" "$pid" >/dev/null
        redis-benchmark -p "$port" -c 10 -r 100000 -d 16 -n "$REQUESTS" -t "$test" -q >/dev/null 2>&1
        callgrind_control --dump="$test" "$pid" >/dev/null
        part=$(find "$dir" -name 'cg.out.*' | sort -V | sed -n "$((before + 2))p")
        RESULT["$name,$test"]=$(( $(total_of "$part") / REQUESTS ))
    done
    redis-cli -p "$port" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
    wait "$pid" 2>/dev/null || true
done

echo "# Instructions per request (callgrind, user space)"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "- \`redis-benchmark -c 10 -r 100000 -d 16 -n $REQUESTS -t <test>\` against each server run under"
echo "  \`valgrind --tool=callgrind\`, standalone, counters zeroed before and dumped after each test"
echo
echo "| test | redis | tessera | ratio |"
echo "|---|---|---|---|"
for test in $TESTS; do
    r=${RESULT["redis,$test"]}
    t=${RESULT["tessera,$test"]}
    ratio=$(awk -v t="$t" -v r="$r" 'BEGIN { printf "%.2f", t / r }')
    echo "| ${test^^} | $r | $t | $ratio |"
done
