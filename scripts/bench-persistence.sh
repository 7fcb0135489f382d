#!/usr/bin/env bash
# Persistence figures, tessera-server against Debian's redis-server 7.0 side by side (part of
# `make bench`; the method is shared/BENCHMARKING.md's, the figures go to docs/benchmarks.md):
#
# - SET throughput with the AOF on, `appendfsync everysec` and `always`, at -P 1 and -P 16
#   (A B A B ... runs, median ops/s).
# - SAVE time and dump size for BENCH_PERSIST_KEYS keys (16-byte values), then the time a
#   restarted server takes from start to answering PING on that dump (load time).
# - Memory during BGSAVE under a write load: the largest proportional set size (PSS, from
#   /proc/<pid>/smaps_rollup) of the server's processes while the save runs, summed over
#   Redis's parent and fork child, against the PSS before the save.
# - Write latency while BGSAVE and then BGREWRITEAOF run under a write load: a probe
#   client's SET latencies (p50, p99, max) before and during each, under two loads: 4
#   clients at -P 4 (leaves the CPUs some room) and 50 clients at -P 1 (the issue's "50
#   clients write").
#
# Knobs (environment): BENCH_RUNS (3), BENCH_PERSIST_KEYS (1000000), BENCH_N_AOF_P1 (100000),
# BENCH_N_AOF_P16 (600000), TESSERA (the binary; default target/release/tessera-server).

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TESSERA="${TESSERA:-$ROOT/target/release/tessera-server}"
RUNS="${BENCH_RUNS:-3}"
KEYS="${BENCH_PERSIST_KEYS:-1000000}"
N_P1="${BENCH_N_AOF_P1:-100000}"
N_P16="${BENCH_N_AOF_P16:-600000}"
CLIENTS=50

BENCH_NAME=persistence
# shellcheck source=scripts/bench-lib.sh
source "$ROOT/scripts/bench-lib.sh"


echo "## Persistence"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(git -C "$ROOT" rev-parse --short HEAD)"
echo "- machine: $(nproc) vCPUs shared with the load generator; $(redis-server --version | cut -d' ' -f1-3)"
echo

# ---- SET with the AOF on ------------------------------------------------------------------
RESULTS="$WORK/aof.tsv"
: >"$RESULTS"
for policy in everysec always; do
    start redis redis-server "$WORK/aof-redis-$policy" --save "" --appendonly yes --appendfsync "$policy"
    start tessera "$TESSERA" "$WORK/aof-tessera-$policy" --save "" --appendonly yes --appendfsync "$policy"
    for pipeline in 1 16; do
        n=$N_P1
        ((pipeline == 16)) && n=$N_P16
        for run in $(seq "$RUNS"); do
            for server in redis tessera; do
                port_var="PORT_$server"
                echo "  appendfsync $policy -P $pipeline: $server, run $run/$RUNS" >&2
                redis-benchmark -h 127.0.0.1 -p "${!port_var}" -c "$CLIENTS" -r 1000000 -d 16 \
                    -n "$n" -P "$pipeline" -t set --csv |
                    tr -d '"\r' |
                    awk -F, -v pol="$policy" -v p="$pipeline" -v s="$server" \
                        'NR > 1 && NF >= 7 { print pol "\t" p "\t" s "\t" $2 "\t" $7 }' >>"$RESULTS"
            done
        done
    done
    stop redis
    stop tessera
done
echo "### SET with appendonly yes"
echo
echo "\`redis-benchmark -c $CLIENTS -r 1000000 -d 16 -t set -P <1|16> -n <$N_P1|$N_P16>\`, median of $RUNS runs:"
echo
python3 - "$RESULTS" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    pol, p, server, rps, p99 = line.split("\t")
    rows.setdefault((pol, int(p)), {"redis": [], "tessera": []})[server].append((float(rps), float(p99)))
print("| appendfsync | pipeline | redis ops/s | tessera ops/s | ratio | redis p99 ms | tessera p99 ms |")
print("|---|---|---|---|---|---|---|")
for (pol, p), v in rows.items():
    r = statistics.median(x[0] for x in v["redis"])
    t = statistics.median(x[0] for x in v["tessera"])
    rp = statistics.median(x[1] for x in v["redis"])
    tp = statistics.median(x[1] for x in v["tessera"])
    print(f"| {pol} | {p} | {r:,.0f} | {t:,.0f} | {t / r:.2f} | {rp:.3f} | {tp:.3f} |")
EOF
echo

# ---- SAVE and load ------------------------------------------------------------------------
echo "### SAVE and load of $KEYS keys (16-byte values)"
echo
echo "| server | SAVE ms | dump bytes | start to PONG on the dump, ms | ratio (save / load) |"
echo "|---|---|---|---|---|"
declare -A SAVE_MS LOAD_MS
for server in redis tessera; do
    binary=redis-server
    [[ $server == tessera ]] && binary="$TESSERA"
    dir="$WORK/save-$server"
    start "$server" "$binary" "$dir" --save "" --appendonly no
    port_var="PORT_$server"
    cli "${!port_var}" --pipe <"$KEYFILE" >/dev/null
    t0=$(date +%s%N)
    [[ "$(cli "${!port_var}" save)" == OK ]] || die "$server: SAVE failed"
    SAVE_MS[$server]=$(ms_since "$t0")
    size=$(stat -c %s "$dir/dump.rdb")
    stop "$server"
    t0=$(date +%s%N)
    start "$server" "$binary" "$dir" --save "" --appendonly no
    LOAD_MS[$server]=$(ms_since "$t0")
    [[ "$(cli "${!port_var}" dbsize)" == "$KEYS" ]] || die "$server: wrong DBSIZE after load"
    stop "$server"
    echo "| $server | ${SAVE_MS[$server]} | $size | ${LOAD_MS[$server]} | |"
done
python3 -c "print(f'| ratio tessera/redis | {${SAVE_MS[tessera]}/max(${SAVE_MS[redis]},1):.2f} | | {${LOAD_MS[tessera]}/max(${LOAD_MS[redis]},1):.2f} | |')"
echo

# ---- memory during BGSAVE under writes ----------------------------------------------------

echo "### Memory while BGSAVE runs under a write load ($KEYS keys, SET on random existing keys at -P 16)"
echo
echo "| server | PSS before | peak PSS during BGSAVE | growth | BGSAVE ms |"
echo "|---|---|---|---|---|"
for server in redis tessera; do
    binary=redis-server
    [[ $server == tessera ]] && binary="$TESSERA"
    dir="$WORK/bgsave-$server"
    start "$server" "$binary" "$dir" --save "" --appendonly no
    port_var="PORT_$server"
    pid_var="PID_$server"
    cli "${!port_var}" --pipe <"$KEYFILE" >/dev/null
    before=$(pss $(family "${!pid_var}"))
    redis-benchmark -h 127.0.0.1 -p "${!port_var}" -c 20 -r "$KEYS" -d 16 -n 100000000 -P 16 -t set \
        >/dev/null 2>&1 &
    load=$!
    sleep 1
    t0=$(date +%s%N)
    cli "${!port_var}" bgsave >/dev/null
    peak=$before
    while :; do
        now=$(pss $(family "${!pid_var}"))
        ((now > peak)) && peak=$now
        if [[ "$(cli "${!port_var}" info persistence | tr -d '\r' | grep -c '^rdb_bgsave_in_progress:0')" == 1 ]]; then
            break
        fi
        sleep 0.05
    done
    took=$(ms_since "$t0")
    kill "$load" 2>/dev/null || true
    wait "$load" 2>/dev/null || true
    python3 -c "print(f'| $server | {$before/1048576:.1f} MiB | {$peak/1048576:.1f} MiB | {($peak-$before)/1048576:.1f} MiB | $took |')"
    stop "$server"
done
echo

# ---- write latency during BGSAVE and BGREWRITEAOF -------------------------------------------
# A probe client sends one SET at a time (every 2 ms) and records each reply's latency while
# 4 other clients write at -P 4 (a load that leaves the CPUs some room, so that the probe
# sees stalls the save or rewrite cause rather than the load generator's scheduling); BGSAVE
# and then BGREWRITEAOF run one after the other.
PROBE="$WORK/probe.py"
cat >"$PROBE" <<'PY'
import socket, sys, time
port, out = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
f = s.makefile("rb")
cmd = b"*3\r\n$3\r\nSET\r\n$5\r\nprobe\r\n$1\r\nv\r\n"
with open(out, "w") as log:
    while True:
        t0 = time.perf_counter()
        s.sendall(cmd)
        if f.readline() != b"+OK\r\n":
            break
        t1 = time.perf_counter()
        log.write(f"{time.time():.6f} {(t1 - t0) * 1000:.3f}\n")
        log.flush()
        time.sleep(0.002)
PY
# The loop's body is not indented: it holds heredocs.
for probe_load in "4 4" "50 1"; do
read -r load_clients load_pipeline <<<"$probe_load"
echo "### Write latency while BGSAVE and BGREWRITEAOF run ($KEYS keys, appendfsync everysec, $load_clients clients writing at -P $load_pipeline)"
echo
echo "One probe client sends a SET every 2 ms and times each reply (ms):"
echo
echo "| server | phase | probe writes | p50 | p99 | max |"
echo "|---|---|---|---|---|---|"
in_progress() {
    cli "$1" info persistence | tr -d '\r' | grep -c "^$2:1" || true
}
for server in redis tessera; do
    binary=redis-server
    [[ $server == tessera ]] && binary="$TESSERA"
    dir="$WORK/latency-$server-$load_clients"
    start "$server" "$binary" "$dir" --save "" --appendonly yes --appendfsync everysec
    port_var="PORT_$server"
    port=${!port_var}
    cli "$port" --pipe <"$KEYFILE" >/dev/null
    # Let the automatic rewrite the load may have started end first.
    while [[ $(in_progress "$port" aof_rewrite_in_progress) == 1 ]]; do sleep 0.1; done
    redis-benchmark -h 127.0.0.1 -p "$port" -c "$load_clients" -r "$KEYS" -d 16 -n 100000000 -P "$load_pipeline" -t set \
        >/dev/null 2>&1 &
    load=$!
    python3 "$PROBE" "$port" "$WORK/probe-$server.txt" &
    probe=$!
    sleep 2
    marks=("$(date +%s.%N)")
    cli "$port" bgsave >/dev/null
    sleep 0.05
    while [[ $(in_progress "$port" rdb_bgsave_in_progress) == 1 ]]; do sleep 0.02; done
    marks+=("$(date +%s.%N)")
    sleep 1
    marks+=("$(date +%s.%N)")
    cli "$port" bgrewriteaof >/dev/null
    sleep 0.05
    while [[ $(in_progress "$port" aof_rewrite_in_progress) == 1 ]]; do sleep 0.02; done
    marks+=("$(date +%s.%N)")
    kill "$probe" "$load" 2>/dev/null || true
    wait "$probe" "$load" 2>/dev/null || true
    python3 - "$WORK/probe-$server.txt" "$server" "${marks[@]}" <<'PY'
import statistics, sys
path, server, *marks = sys.argv[1:]
m = [float(x) for x in marks]
rows = [tuple(map(float, line.split())) for line in open(path) if len(line.split()) == 2]
def phase(name, lo, hi):
    xs = sorted(lat for t, lat in rows if lo <= t <= hi)
    if not xs:
        print(f"| {server} | {name} | 0 | | | |")
        return
    p99 = xs[min(len(xs) - 1, int(len(xs) * 0.99))]
    print(f"| {server} | {name} | {len(xs)} | {statistics.median(xs):.2f} | {p99:.2f} | {xs[-1]:.2f} |")
phase("before (writes only)", m[0] - 1.5, m[0])
phase("during BGSAVE", m[0], m[1])
phase("during BGREWRITEAOF", m[2], m[3])
PY
    stop "$server"
done
echo
done
