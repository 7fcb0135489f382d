#!/usr/bin/env bash
# Replication figures, tessera-server against Debian's redis-server 7.0 side by side (part of
# `make bench`; method: shared/BENCHMARKING.md; figures go to docs/benchmarks.md):
#
# - Full sync of BENCH_REPL_KEYS keys (16-byte values): time from REPLICAOF to
#   `master_link_status:up` on a fresh replica of the same kind, and the master's memory
#   during it (peak PSS of the master and, for Redis, its fork child, against before). Both
#   sync disk-less (Redis: `repl-diskless-sync yes`, `repl-diskless-sync-delay 0`).
# - SET throughput on a master with one replica attached, at -P 1 and -P 16 (A B A B ...
#   runs, median), and the replica's lag meanwhile: master_repl_offset minus the replica's
#   slave_repl_offset, sampled every 100 ms (median and max bytes).
#
# Knobs (environment): BENCH_RUNS (3), BENCH_REPL_KEYS (1000000), BENCH_N_REPL_P1 (100000),
# BENCH_N_REPL_P16 (600000), TESSERA (the binary; default target/release/tessera-server).

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TESSERA="${TESSERA:-$ROOT/target/release/tessera-server}"
RUNS="${BENCH_RUNS:-3}"
KEYS="${BENCH_REPL_KEYS:-1000000}"
N_P1="${BENCH_N_REPL_P1:-100000}"
N_P16="${BENCH_N_REPL_P16:-600000}"
CLIENTS=50

BENCH_NAME=replication
# shellcheck source=scripts/bench-lib.sh
source "$ROOT/scripts/bench-lib.sh"


binary_of() {
    if [[ $1 == tessera ]]; then echo "$TESSERA"; else echo redis-server; fi
}
link_up() {
    cli "$1" info replication 2>/dev/null | tr -d '\r' | grep -qx 'master_link_status:up'
}
offset_of() {
    cli "$1" info replication | tr -d '\r' | awk -F: -v f="$2" '$1 == f { print $2 }'
}
COMMON=(--save "" --appendonly no --repl-diskless-sync yes --repl-diskless-sync-delay 0)

echo "## Replication"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(git -C "$ROOT" rev-parse --short HEAD)"
echo "- machine: $(nproc) vCPUs shared by master, replica and load generator; $(redis-server --version | cut -d' ' -f1-3)"
echo

# ---- full sync ----------------------------------------------------------------------------
echo "### Full sync of $KEYS keys (16-byte values) to a fresh replica"
echo
echo "| server | REPLICAOF to link up, ms | master PSS before | master peak PSS during sync | growth |"
echo "|---|---|---|---|---|"
declare -A SYNC_MS
for server in redis tessera; do
    binary=$(binary_of "$server")
    start master "$binary" "$WORK/sync-$server-master" "${COMMON[@]}"
    cli "$PORT_master" --pipe <"$KEYFILE" >/dev/null
    start replica "$binary" "$WORK/sync-$server-replica" "${COMMON[@]}"
    before=$(pss $(family "$PID_master"))
    peak=$before
    t0=$(date +%s%N)
    cli "$PORT_replica" replicaof 127.0.0.1 "$PORT_master" >/dev/null
    until link_up "$PORT_replica"; do
        now=$(pss $(family "$PID_master"))
        ((now > peak)) && peak=$now
        (($(date +%s%N) - t0 < 600000000000)) || die "$server: the replica did not sync"
        sleep 0.02
    done
    SYNC_MS[$server]=$(ms_since "$t0")
    [[ "$(cli "$PORT_replica" dbsize)" == "$KEYS" ]] || die "$server: wrong DBSIZE on the replica"
    python3 -c "print(f'| $server | ${SYNC_MS[$server]} | {$before/1048576:.1f} MiB | {$peak/1048576:.1f} MiB | {($peak-$before)/1048576:.1f} MiB |')"
    stop replica
    stop master
done
python3 -c "print(f'| ratio tessera/redis | {${SYNC_MS[tessera]}/max(${SYNC_MS[redis]},1):.2f} | | | |')"
echo

# ---- SET with a replica attached ------------------------------------------------------------
RESULTS="$WORK/set.tsv"
LAG="$WORK/lag.tsv"
: >"$RESULTS"
: >"$LAG"
for server in redis tessera; do
    binary=$(binary_of "$server")
    start "m_$server" "$binary" "$WORK/set-$server-master" "${COMMON[@]}"
    start "r_$server" "$binary" "$WORK/set-$server-replica" "${COMMON[@]}"
    mport="PORT_m_$server"
    rport="PORT_r_$server"
    cli "${!rport}" replicaof 127.0.0.1 "${!mport}" >/dev/null
    until link_up "${!rport}"; do sleep 0.05; done
done
for pipeline in 1 16; do
    n=$N_P1
    ((pipeline == 16)) && n=$N_P16
    for run in $(seq "$RUNS"); do
        for server in redis tessera; do
            mport="PORT_m_$server"
            rport="PORT_r_$server"
            echo "  SET with a replica -P $pipeline: $server, run $run/$RUNS" >&2
            (
                while :; do
                    # The replica first: the master's offset read after it is at least
                    # what the replica could have had.
                    r=$(offset_of "${!rport}" slave_repl_offset)
                    m=$(offset_of "${!mport}" master_repl_offset)
                    echo -e "$server\t$pipeline\t$((m - r))"
                    sleep 0.1
                done
            ) >>"$LAG" 2>/dev/null &
            sampler=$!
            redis-benchmark -h 127.0.0.1 -p "${!mport}" -c "$CLIENTS" -r 1000000 -d 16 \
                -n "$n" -P "$pipeline" -t set --csv |
                tr -d '"\r' |
                awk -F, -v p="$pipeline" -v s="$server" \
                    'NR > 1 && NF >= 7 { print p "\t" s "\t" $2 "\t" $7 }' >>"$RESULTS"
            kill "$sampler" 2>/dev/null || true
            wait "$sampler" 2>/dev/null || true
        done
    done
done
for server in redis tessera; do
    mport="PORT_m_$server"
    rport="PORT_r_$server"
    # The replica catches up and holds the same data.
    for _ in $(seq 100); do
        [[ "$(offset_of "${!mport}" master_repl_offset)" == "$(offset_of "${!rport}" slave_repl_offset)" ]] && break
        sleep 0.1
    done
    [[ "$(cli "${!mport}" dbsize)" == "$(cli "${!rport}" dbsize)" ]] || die "$server: the replica's DBSIZE differs"
done
echo "### SET on a master with one replica attached"
echo
echo "\`redis-benchmark -c $CLIENTS -r 1000000 -d 16 -t set -P <1|16> -n <$N_P1|$N_P16>\` against the master, median of $RUNS runs;"
echo "lag = master_repl_offset - replica slave_repl_offset, sampled every 100 ms during the runs:"
echo
python3 - "$RESULTS" "$LAG" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    p, server, rps, p99 = line.split("\t")
    rows.setdefault(int(p), {"redis": [], "tessera": []})[server].append((float(rps), float(p99)))
lag = {}
for line in open(sys.argv[2]):
    parts = line.split("\t")
    if len(parts) != 3:
        continue
    server, p, d = parts
    try:
        lag.setdefault((server, int(p)), []).append(int(d))
    except ValueError:
        pass
print("| pipeline | redis ops/s | tessera ops/s | ratio | redis lag median / max bytes | tessera lag median / max bytes |")
print("|---|---|---|---|---|---|")
for p, v in sorted(rows.items()):
    r = statistics.median(x[0] for x in v["redis"])
    t = statistics.median(x[0] for x in v["tessera"])
    def l(s):
        xs = lag.get((s, p), [0])
        return f"{statistics.median(xs):,.0f} / {max(xs):,}"
    print(f"| {p} | {r:,.0f} | {t:,.0f} | {t / r:.2f} | {l('redis')} | {l('tessera')} |")
PY
echo
