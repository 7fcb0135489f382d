#!/usr/bin/env bash
# `make bench`: tessera-server against Debian's redis-server 7.0, side by side, in one run
# (the method is /work/shared/BENCHMARKING.md's; the figures go to docs/benchmarks.md).
#
# - Builds tessera-server (release) and starts four servers on free loopback ports, all with
#   `--save "" --appendonly no`: a cluster-enabled pair (each owning all 16384 slots) and a
#   standalone pair.
# - Memory first, on the fresh servers: FLUSHALL, INFO memory used_memory and VmRSS, load
#   BENCH_KEYS keys `key:N` -> a 16-byte value with `redis-cli --pipe`, read both again, and
#   print bytes per key.
# - Throughput: the same redis-benchmark line against redis and tessera in turn, A B A B A B,
#   at -P 1 and -P 16, median of BENCH_RUNS runs of ops/s, p50 and p99 each.
#   SET, GET and INCR run against the cluster-enabled pair (the primary comparison: Tessera is
#   a cluster node). MSET runs against the standalone pair: redis-benchmark's MSET sends ten
#   `key:__rand_int__` keys that hash to different slots, which a cluster-enabled server
#   rejects with CROSSSLOT (its `--cluster` option would put every key of every command in one
#   slot instead, which is not a workload either).
# - Stops every server it started when it exits, however it exits.
#
# - Memory of collections, on the cluster-enabled pair: 1,000,000 hashes of 10 small fields,
#   100,000 sorted sets of 100 members, 100,000 sets of 100 integers (BENCH_COLLECTIONS=0
#   skips it).
# - Collection throughput: LPUSH LPOP SADD HSET ZADD (redis-benchmark's own tests, one key
#   each) and ZRANGE of 10 members with scores from a 100-member sorted set.
#
# Knobs (environment): BENCH_RUNS (3), BENCH_N_P1 / BENCH_N_P16 (requests per SET/GET/INCR
# test), BENCH_N_MSET_P1 / BENCH_N_MSET_P16 (requests per MSET run), BENCH_KEYS (1000000),
# BENCH_N_COLL_P1 / BENCH_N_COLL_P16 (requests per collection test), BENCH_COLL_SCALE (1:
# divides the collection memory workloads' key counts).
# The defaults make each redis-benchmark run take about 5-10 s on 2 shared vCPUs.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${BENCH_RUNS:-3}"
N_P1="${BENCH_N_P1:-400000}"
N_P16="${BENCH_N_P16:-3000000}"
N_MSET_P1="${BENCH_N_MSET_P1:-1000000}"
N_MSET_P16="${BENCH_N_MSET_P16:-2500000}"
KEYS="${BENCH_KEYS:-1000000}"
N_COLL_P1="${BENCH_N_COLL_P1:-400000}"
N_COLL_P16="${BENCH_N_COLL_P16:-2000000}"
COLLECTIONS="${BENCH_COLLECTIONS:-1}"
COLL_SCALE="${BENCH_COLL_SCALE:-1}"
CLIENTS=50
RANDOM_KEYSPACE=100000
VALUE_SIZE=16
TESSERA="$ROOT/target/release/tessera-server"

die() {
    echo "error: $*" >&2
    exit 1
}

for tool in redis-server redis-cli redis-benchmark python3; do
    command -v "$tool" >/dev/null || die "$tool not found (run 'make deps')"
done

echo "Building tessera-server (release)..." >&2
(cd "$ROOT" && cargo build --release -q -p tessera-node)

WORK="$(mktemp -d "${TMPDIR:-/tmp}/tessera-bench.XXXXXX")"
STARTED_PIDS=()
cleanup() {
    local pid
    for pid in "${STARTED_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${STARTED_PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

port_taken() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

USED_PORTS=" "
# A port in 12000-21999 that is free, with its cluster bus port (+10000) free too. Both stay
# below Linux's ephemeral range (32768+), which redis-benchmark's many connections use: a bus
# port in that range can be taken by a client socket between the check and the bind.
pick_port() {
    local tries port
    for tries in $(seq 200); do
        port=$((12000 + RANDOM % 10000))
        if [[ "$USED_PORTS" != *" $port "* ]] && ! port_taken "$port" && ! port_taken $((port + 10000)); then
            USED_PORTS+="$port "
            PICKED_PORT="$port"
            return 0
        fi
    done
    die "no free loopback port found in 12000-21999 after $tries tries"
}

cli() {
    local port="$1"
    shift
    redis-cli -h 127.0.0.1 -p "$port" "$@"
}

wait_for() {
    local seconds="$1"
    shift
    local tries=$((seconds * 10))
    while ((tries-- > 0)); do
        if "$@"; then return 0; fi
        sleep 0.1
    done
    return 1
}

answers_ping() {
    [[ "$(cli "$1" ping 2>/dev/null)" == "PONG" ]]
}

cluster_ok() {
    cli "$1" cluster info 2>/dev/null | tr -d '\r' | grep -x 'cluster_state:ok' >/dev/null
}

info_field() {
    cli "$1" info memory | tr -d '\r' | awk -F: -v f="$2" '$1 == f { print $2 }'
}

rss_bytes() {
    awk '$1 == "VmRSS:" { print $2 * 1024 }' "/proc/$1/status"
}

# start_server NAME BINARY MODE: starts a server, leaves its port in PORT_<NAME>, its pid in
# PID_<NAME> and its command line in CMD_<NAME>.
start_server() {
    local name="$1" binary="$2" mode="$3"
    local dir="$WORK/$name"
    mkdir -p "$dir"
    pick_port
    local port="$PICKED_PORT"
    local args=(--port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" --daemonize no)
    if [[ "$mode" == cluster ]]; then
        args+=(--cluster-enabled yes --cluster-config-file nodes.conf)
    fi
    "$binary" "${args[@]}" >"$dir/server.log" 2>&1 &
    local pid=$!
    STARTED_PIDS+=("$pid")
    if ! wait_for 10 answers_ping "$port"; then
        tail -n 20 "$dir/server.log" >&2
        die "$name did not answer PING on port $port"
    fi
    if [[ "$mode" == cluster ]]; then
        [[ "$(cli "$port" cluster addslotsrange 0 16383)" == OK ]] || die "$name: CLUSTER ADDSLOTSRANGE failed"
        wait_for 10 cluster_ok "$port" || die "$name did not reach cluster_state:ok"
    fi
    printf -v "PORT_$name" '%s' "$port"
    printf -v "PID_$name" '%s' "$pid"
    local quoted
    quoted="$(printf ' %q' "${args[@]}")"
    printf -v "CMD_$name" '%s' "$(basename "$binary")${quoted//"$WORK"/\$WORK}"
}

start_server redis_cluster "$(command -v redis-server)" cluster
start_server tessera_cluster "$TESSERA" cluster
start_server redis_standalone "$(command -v redis-server)" standalone
start_server tessera_standalone "$TESSERA" standalone

commit="$(git -C "$ROOT" rev-parse --short HEAD)"
changed="$(git -C "$ROOT" status --porcelain -- crates Cargo.toml Cargo.lock | wc -l)"
if ((changed > 0)); then
    commit+=" plus uncommitted changes to $changed paths under crates/ and Cargo.*"
fi

echo "# make bench"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- commit: $commit"
echo "- redis: $(redis-server --version)"
echo "- machine: $(nproc) vCPUs, shared with the load generator; uptime before: $(uptime)"
echo "- servers (\$WORK is a fresh temporary directory):"
for name in redis_cluster tessera_cluster redis_standalone tessera_standalone; do
    cmd_var="CMD_$name"
    echo "  - \`${!cmd_var}\`"
done
echo

# ---- memory per key ----------------------------------------------------------------------

LOAD_FILE="$WORK/load.resp"
awk -v n="$KEYS" 'BEGIN {
    v = "0123456789abcdef"
    for (i = 0; i < n; i++) {
        k = "key:" i
        printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$16\r\n%s\r\n", length(k), k, v
    }
}' >"$LOAD_FILE"

# measure_memory NAME [FILE KEYS]: prints "used_before used_after rss_before rss_after".
measure_memory() {
    local port_var="PORT_$1" pid_var="PID_$1"
    local port="${!port_var}" pid="${!pid_var}"
    local file="${2:-$LOAD_FILE}" keys="${3:-$KEYS}"
    cli "$port" flushall >/dev/null
    sleep 1
    local used0 rss0 used1 rss1 loaded
    used0="$(info_field "$port" used_memory)"
    rss0="$(rss_bytes "$pid")"
    local pipe_out
    pipe_out="$(cli "$port" --pipe <"$file" 2>&1)"
    grep -q "errors: 0, replies: $keys" <<<"$pipe_out" || die "$1: loading failed: $pipe_out"
    loaded="$(cli "$port" dbsize)"
    [[ "$loaded" == "$keys" ]] || die "$1: DBSIZE is $loaded after loading $keys keys"
    sleep 1
    used1="$(info_field "$port" used_memory)"
    rss1="$(rss_bytes "$pid")"
    cli "$port" flushall >/dev/null
    echo "$used0 $used1 $rss0 $rss1"
}

echo "## Memory per key"
echo
echo "$KEYS keys \`key:N\` -> 16-byte value, loaded with \`redis-cli --pipe\` after FLUSHALL;"
echo "(after - before) / keys."
echo
echo "| mode | redis used_memory | tessera used_memory | ratio | redis RSS | tessera RSS | ratio |"
echo "|---|---|---|---|---|---|---|"
for mode in cluster standalone; do
    redis_mem="$(measure_memory "redis_$mode")"
    tessera_mem="$(measure_memory "tessera_$mode")"
    read -r ru0 ru1 rr0 rr1 <<<"$redis_mem"
    read -r tu0 tu1 tr0 tr1 <<<"$tessera_mem"
    awk -v m="$mode" -v k="$KEYS" -v ru=$((ru1 - ru0)) -v tu=$((tu1 - tu0)) \
        -v rr=$((rr1 - rr0)) -v tr=$((tr1 - tr0)) 'BEGIN {
        printf "| %s | %.1f B/key | %.1f B/key | %.2f | %.1f B/key | %.1f B/key | %.2f |\n",
            m == "cluster" ? "cluster-enabled" : "standalone",
            ru / k, tu / k, (ru > 0 ? tu / ru : 0), rr / k, tr / k, (rr > 0 ? tr / rr : 0)
    }'
done
echo
rm -f "$LOAD_FILE"

# ---- memory of collections -----------------------------------------------------------------

# collection_file KIND COUNT: a RESP file creating COUNT keys of KIND.
collection_file() {
    awk -v kind="$1" -v n="$2" 'function bulk(s) { return "$" length(s) "\r\n" s "\r\n" }
    BEGIN {
        for (i = 0; i < n; i++) {
            if (kind == "hash") {
                out = "*22\r\n" bulk("HSET") bulk("hash:" i)
                for (f = 0; f < 10; f++) out = out bulk("field" f) bulk("value" f)
            } else if (kind == "zset") {
                out = "*202\r\n" bulk("ZADD") bulk("zset:" i)
                for (m = 0; m < 100; m++) out = out bulk(m * 1.5) bulk("member:" m)
            } else {
                out = "*102\r\n" bulk("SADD") bulk("set:" i)
                for (m = 0; m < 100; m++) out = out bulk(1000 + m)
            }
            printf "%s", out
        }
    }'
}

if [[ "$COLLECTIONS" == 1 ]]; then
    echo "## Memory of collections"
    echo
    echo "Loaded with \`redis-cli --pipe\` into the cluster-enabled pair after FLUSHALL; (after -"
    echo "before) / keys. Default \`*-max-listpack-*\`/\`set-max-intset-entries\` on both."
    echo
    echo "| workload | redis used_memory | tessera used_memory | ratio | redis RSS | tessera RSS | ratio |"
    echo "|---|---|---|---|---|---|---|"
    for spec in "hash 1000000 hashes of 10 fields (field0..9 -> value0..9)" \
        "zset 100000 sorted sets of 100 members (scores 0..148.5)" \
        "set 100000 sets of 100 integers (1000..1099)"; do
        read -r kind count label <<<"$spec"
        count=$((count / COLL_SCALE))
        file="$WORK/$kind.resp"
        collection_file "$kind" "$count" >"$file"
        redis_mem="$(measure_memory redis_cluster "$file" "$count")"
        tessera_mem="$(measure_memory tessera_cluster "$file" "$count")"
        read -r ru0 ru1 rr0 rr1 <<<"$redis_mem"
        read -r tu0 tu1 tr0 tr1 <<<"$tessera_mem"
        awk -v l="$count $label" -v k="$count" -v ru=$((ru1 - ru0)) -v tu=$((tu1 - tu0)) \
            -v rr=$((rr1 - rr0)) -v tr=$((tr1 - tr0)) 'BEGIN {
            printf "| %s | %.1f B/key | %.1f B/key | %.2f | %.1f B/key | %.1f B/key | %.2f |\n",
                l, ru / k, tu / k, (ru > 0 ? tu / ru : 0), rr / k, tr / k, (rr > 0 ? tr / rr : 0)
        }'
        rm -f "$file"
    done
    echo
fi

# ---- throughput and latency ----------------------------------------------------------------

RESULTS="$WORK/results.tsv"
: >"$RESULTS"
BENCH_LINES=()

# bench MODE PIPELINE REQUESTS TESTS: A B A B A B runs, rows appended to $RESULTS.
bench() {
    local mode="$1" pipeline="$2" requests="$3" tests="$4"
    local line=(-c "$CLIENTS" -r "$RANDOM_KEYSPACE" -d "$VALUE_SIZE" -n "$requests" -P "$pipeline" -t "$tests" --csv)
    BENCH_LINES+=("redis-benchmark -h 127.0.0.1 -p <port> ${line[*]}   ($mode pair)")
    local run server port_var
    for run in $(seq "$RUNS"); do
        for server in redis tessera; do
            port_var="PORT_${server}_$mode"
            echo "  $mode -P $pipeline -t $tests: $server, run $run/$RUNS" >&2
            redis-benchmark -h 127.0.0.1 -p "${!port_var}" "${line[@]}" |
                tr -d '"\r' |
                awk -F, -v m="$mode" -v p="$pipeline" -v s="$server" -v r="$run" \
                    'NR > 1 && NF >= 7 { print m "\t" p "\t" s "\t" r "\t" $1 "\t" $2 "\t" $5 "\t" $7 }' \
                    >>"$RESULTS"
        done
    done
}

bench cluster 1 "$N_P1" set,get,incr
bench cluster 16 "$N_P16" set,get,incr
bench standalone 1 "$N_MSET_P1" mset
bench standalone 16 "$N_MSET_P16" mset
bench cluster 1 "$N_COLL_P1" lpush,lpop,sadd,hset,zadd
bench cluster 16 "$N_COLL_P16" lpush,lpop,sadd,hset,zadd

# bench_command MODE PIPELINE REQUESTS COMMAND...: like bench, for one custom command.
bench_command() {
    local mode="$1" pipeline="$2" requests="$3"
    shift 3
    local line=(-c "$CLIENTS" -n "$requests" -P "$pipeline" --csv "$@")
    BENCH_LINES+=("redis-benchmark -h 127.0.0.1 -p <port> ${line[*]}   ($mode pair)")
    local run server port_var
    for run in $(seq "$RUNS"); do
        for server in redis tessera; do
            port_var="PORT_${server}_$mode"
            echo "  $mode -P $pipeline $*: $server, run $run/$RUNS" >&2
            redis-benchmark -h 127.0.0.1 -p "${!port_var}" "${line[@]}" |
                tr -d '"\r' |
                awk -F, -v m="$mode" -v p="$pipeline" -v s="$server" -v r="$run" -v t="$1" \
                    'NR > 1 && NF >= 7 { print m "\t" p "\t" s "\t" r "\t" t "\t" $2 "\t" $5 "\t" $7 }' \
                    >>"$RESULTS"
        done
    done
}

for server in redis tessera; do
    port_var="PORT_${server}_cluster"
    cli "${!port_var}" del zrange:bench >/dev/null
    for m in $(seq 0 99); do echo "ZADD zrange:bench $m member:$m"; done |
        cli "${!port_var}" >/dev/null
done
bench_command cluster 1 "$N_COLL_P1" ZRANGE zrange:bench 0 9 WITHSCORES
bench_command cluster 16 "$N_COLL_P16" ZRANGE zrange:bench 0 9 WITHSCORES

echo "## Throughput and latency"
echo
echo "Median of $RUNS runs each, alternating redis and tessera with the same line:"
echo
for l in "${BENCH_LINES[@]}"; do
    echo "- \`${l%%   (*}\` (${l##*   (}"
done
echo
python3 - "$RESULTS" "$RUNS" <<'EOF'
import statistics
import sys

path, runs = sys.argv[1], int(sys.argv[2])
rows = {}
order = []
for raw in open(path):
    mode, pipeline, server, _run, test, rps, p50, p99 = raw.rstrip("\n").split("\t")
    key = (mode, int(pipeline), test)
    if key not in rows:
        rows[key] = {"redis": [], "tessera": []}
        order.append(key)
    rows[key][server].append((float(rps), float(p50), float(p99)))

def median(samples, i):
    return statistics.median(s[i] for s in samples)

print("| line | redis ops/s | tessera ops/s | ratio | redis p50 / p99 ms | tessera p50 / p99 ms | p99 ratio |")
print("|---|---|---|---|---|---|---|")
for key in order:
    mode, pipeline, test = key
    r, t = rows[key]["redis"], rows[key]["tessera"]
    if len(r) != runs or len(t) != runs:
        sys.exit(f"{key}: expected {runs} runs per server, got {len(r)} and {len(t)}")
    r_rps, t_rps = median(r, 0), median(t, 0)
    r_p50, r_p99 = median(r, 1), median(r, 2)
    t_p50, t_p99 = median(t, 1), median(t, 2)
    label = f"{test} -P {pipeline} ({'cluster-enabled' if mode == 'cluster' else 'standalone'})"
    print(
        f"| {label} | {r_rps:,.0f} | {t_rps:,.0f} | {t_rps / r_rps:.2f} "
        f"| {r_p50:.3f} / {r_p99:.3f} | {t_p50:.3f} / {t_p99:.3f} | {t_p99 / r_p99:.2f} |"
    )

print()
print("Every run's ops/s (redis | tessera), for the spread:")
print()
for key in order:
    mode, pipeline, test = key
    fmt = lambda samples: " ".join(f"{s[0]:,.0f}" for s in samples)
    print(f"- {test} -P {pipeline}: {fmt(rows[key]['redis'])} | {fmt(rows[key]['tessera'])}")
EOF
echo
echo "Ratios are tessera / redis: above 1 is more ops/s for Tessera; for p99 and memory, below 1"
echo "is better for Tessera."
echo
echo "- uptime after: $(uptime)"
