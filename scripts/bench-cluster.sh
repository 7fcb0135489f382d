#!/usr/bin/env bash
# Cluster formation and idle bus traffic, for docs/benchmarks.md ("Cluster bus"):
#   1. self-assembly: N tessera-server started at once with `cluster-bootstrap-peers`, time
#      from the first launch until every node reports cluster_state:ok (N = 3 and 6);
#   2. `redis-cli --cluster create` over 6 fresh nodes (no replicas), tessera-server and
#      Debian's redis-server alternately: the command's own time, and until every node
#      reports cluster_state:ok;
#   3. idle bus traffic of a formed 6-node cluster (default cluster-node-timeout 15000):
#      messages per second per node for both servers (CLUSTER INFO
#      cluster_stats_messages_sent), and bytes per second per node for tessera (its
#      tessera_cluster_bus_bytes_sent counter; Redis has no such counter).
#
# Usage: scripts/bench-cluster.sh   (RUNS=3 IDLE_SECONDS=60 by default)
# Owns: nothing but the processes it starts (ports 17100-17199, bus ports 27100-27199, files
# under a temporary directory), all stopped on exit. Needs a release build of tessera-server
# (`cargo build --release -p tessera-node`) and redis-server/redis-cli on PATH.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVER="${TESSERA_SERVER:-${CARGO_TARGET_DIR:-$ROOT/target}/release/tessera-server}"
RUNS="${RUNS:-3}"
IDLE_SECONDS="${IDLE_SECONDS:-60}"
BASE_PORT=17100
WORK="$(mktemp -d)"
PIDS=()

[[ -x "$SERVER" ]] || { echo "error: $SERVER not built" >&2; exit 1; }

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
median() { tr ' ' '\n' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# start <kind> <count> [extra args...]: starts nodes on BASE_PORT.. in fresh directories.
start() {
    local kind="$1" count="$2"
    shift 2
    local i port dir program
    program="$SERVER"
    [[ "$kind" == redis ]] && program=redis-server
    for ((i = 0; i < count; i++)); do
        port=$((BASE_PORT + i))
        dir="$WORK/$kind-$port"
        rm -rf "$dir" && mkdir -p "$dir"
        "$program" --port "$port" --bind 127.0.0.1 --dir "$dir" --cluster-enabled yes \
            --save "" --appendonly no --logfile "$dir/log" "$@" &
        PIDS+=($!)
    done
}

stop_all() {
    local pid
    for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    PIDS=()
}

all_answer() {
    local i
    for ((i = 0; i < $1; i++)); do
        [[ "$(redis-cli -p $((BASE_PORT + i)) ping 2>/dev/null)" == PONG ]] || return 1
    done
}

all_ok() {
    local i
    for ((i = 0; i < $1; i++)); do
        redis-cli -p $((BASE_PORT + i)) cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
    done
}

wait_until() {
    local tries=3000
    while ! "$@"; do
        ((tries-- > 0)) || { echo "timed out: $*" >&2; exit 1; }
        sleep 0.05
    done
}

peers() {
    local i list=""
    for ((i = 0; i < $1; i++)); do list+="${list:+,}127.0.0.1:$((BASE_PORT + i))"; done
    echo "$list"
}

self_assembly() {
    local n="$1" began
    began="$(now)"
    start tessera "$n" --cluster-bootstrap-peers "$(peers "$n")"
    wait_until all_ok "$n"
    elapsed "$began"
    stop_all
}

# create <kind>: sets CREATE_S (the command's time) and OK_S (until all report ok). Not run
# in a subshell: the nodes it starts must be in this shell's PIDS.
create() {
    local kind="$1" began args=() i
    start "$kind" 6
    wait_until all_answer 6
    for ((i = 0; i < 6; i++)); do args+=("127.0.0.1:$((BASE_PORT + i))"); done
    began="$(now)"
    redis-cli --cluster create "${args[@]}" --cluster-replicas 0 --cluster-yes >"$WORK/create.out"
    CREATE_S="$(elapsed "$began")"
    wait_until all_ok 6
    OK_S="$(elapsed "$began")"
}

field_sum() {
    local name="$1" i total=0 v
    for ((i = 0; i < 6; i++)); do
        v="$(redis-cli -p $((BASE_PORT + i)) cluster info | tr -d '\r' | awk -F: -v n="$name" '$1 == n { print $2 }')"
        total=$((total + ${v:-0}))
    done
    echo "$total"
}

idle() {
    local kind="$1" m0 b0 m1 b1
    create "$kind"
    sleep 30 # let the ping schedule reach its steady state
    m0="$(field_sum cluster_stats_messages_sent)"
    b0="$(field_sum tessera_cluster_bus_bytes_sent)"
    sleep "$IDLE_SECONDS"
    m1="$(field_sum cluster_stats_messages_sent)"
    b1="$(field_sum tessera_cluster_bus_bytes_sent)"
    awk -v m=$((m1 - m0)) -v b=$((b1 - b0)) -v s="$IDLE_SECONDS" -v k="$kind" 'BEGIN {
        printf "%s: %.1f messages/s per node", k, m / 6 / s
        if (b > 0) printf ", %.0f bytes/s per node (%.0f bytes per message)", b / 6 / s, b / m
        printf "\n" }'
    stop_all
}

echo "commit $(git -C "$ROOT" rev-parse --short HEAD), $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, RUNS=$RUNS"
for n in 3 6; do
    times=""
    for ((r = 0; r < RUNS; r++)); do times+="$(self_assembly "$n") "; done
    echo "self-assembly of $n nodes, start to cluster_state:ok everywhere: median $(median <<<"$times") s (runs: $times)"
done
t_create="" t_ok="" r_create="" r_ok=""
for ((r = 0; r < RUNS; r++)); do
    create redis
    stop_all
    r_create+="$CREATE_S " r_ok+="$OK_S "
    create tessera
    stop_all
    t_create+="$CREATE_S " t_ok+="$OK_S "
done
echo "redis-cli --cluster create, 6 nodes: redis-server $(median <<<"$r_create") s (all ok $(median <<<"$r_ok") s), tessera-server $(median <<<"$t_create") s (all ok $(median <<<"$t_ok") s)"
echo "  runs: redis create $r_create/ ok $r_ok; tessera create $t_create/ ok $t_ok"
idle redis
idle tessera
