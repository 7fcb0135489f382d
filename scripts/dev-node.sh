#!/usr/bin/env bash
# The node `make run` starts and `make stop` stops: one tessera-server on 127.0.0.1:7000 in
# cluster mode, owning all 16384 slots, with its files in run/7000/.
#
# Usage: scripts/dev-node.sh start|stop
# Owns: starting, slot assignment and stopping of that one node. Does not build the server
# (`make run` does) and does not install redis-cli (`make deps` does).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT=7000
NODE_DIR="$ROOT/run/$PORT"
PIDFILE="$NODE_DIR/tessera-server.pid"
LOGFILE="$NODE_DIR/tessera-server.log"
SERVER="$ROOT/target/release/tessera-server"
SLOT_COUNT=16384

die() {
    echo "error: $*" >&2
    exit 1
}

cli() {
    redis-cli -h 127.0.0.1 -p "$PORT" "$@"
}

# The pid of our node if it is alive, from the pidfile; nothing otherwise.
running_pid() {
    [[ -f "$PIDFILE" ]] || return 0
    local pid
    pid="$(tr -dc '0-9' <"$PIDFILE")"
    [[ -n "$pid" ]] || return 0
    if [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "tessera-server" ]]; then
        echo "$pid"
    fi
}

port_taken() {
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
}

# Polls `condition` (a command) every 0.1 s for up to `seconds`.
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

process_gone() {
    [[ ! -d "/proc/$1" ]]
}

answers_ping() {
    [[ "$(cli ping 2>/dev/null)" == "PONG" ]]
}

cluster_ok() {
    cli cluster info 2>/dev/null | tr -d '\r' | grep -x 'cluster_state:ok' >/dev/null
}

# Slot ranges this node does not serve yet, as "a b" lines, from its CLUSTER NODES line.
missing_slot_ranges() {
    cli cluster nodes | awk -v n="$SLOT_COUNT" '
        $3 ~ /myself/ {
            for (i = 9; i <= NF; i++) {
                if ($i ~ /^\[/) continue
                split($i, r, "-")
                hi = (2 in r) ? r[2] : r[1]
                for (s = r[1]; s <= hi; s++) owned[s] = 1
                delete r
            }
        }
        END {
            start = -1
            for (s = 0; s < n; s++) {
                if (!(s in owned) && start < 0) start = s
                if ((s in owned) && start >= 0) { print start, s - 1; start = -1 }
            }
            if (start >= 0) print start, n - 1
        }'
}

start() {
    command -v redis-cli >/dev/null || die "redis-cli not found: run 'make deps'"
    [[ -x "$SERVER" ]] || die "$SERVER not built: run 'make build'"
    local pid
    pid="$(running_pid)"
    if [[ -n "$pid" ]]; then
        echo "tessera-server is already running on 127.0.0.1:$PORT (pid $pid)."
    else
        if port_taken; then
            local who=""
            if command -v ss >/dev/null; then
                who="$(ss -Hltnp "sport = :$PORT" 2>/dev/null | grep -o 'users:.*' | head -n1 || true)"
            fi
            die "port $PORT on 127.0.0.1 is already in use by another process${who:+ ($who)}; stop it and run 'make run' again"
        fi
        mkdir -p "$NODE_DIR"
        rm -f "$PIDFILE"
        "$SERVER" \
            --cluster-enabled yes --cluster-config-file nodes.conf --dir "$NODE_DIR" \
            --bind 127.0.0.1 --port "$PORT" --cluster-announce-ip 127.0.0.1 \
            --daemonize yes --pidfile "$PIDFILE" --logfile "$LOGFILE"
        if ! wait_for 10 answers_ping; then
            echo "tessera-server did not answer PING on 127.0.0.1:$PORT; the end of its log:" >&2
            tail -n 20 "$LOGFILE" >&2 || true
            exit 1
        fi
        pid="$(running_pid)"
        [[ -n "$pid" ]] || die "something answers on port $PORT, but not the tessera-server started from $NODE_DIR"
        echo "Started tessera-server on 127.0.0.1:$PORT (pid $pid, files in run/$PORT/)."
    fi

    local assigned
    assigned="$(cli cluster info | tr -d '\r' | awk -F: '$1 == "cluster_slots_assigned" { print $2 }')"
    if [[ "$assigned" != "$SLOT_COUNT" ]]; then
        local ranges
        ranges="$(missing_slot_ranges | tr '\n' ' ')"
        # shellcheck disable=SC2086 # the ranges are pairs of numbers, split on purpose
        [[ "$(cli cluster addslotsrange $ranges)" == "OK" ]] || die "CLUSTER ADDSLOTSRANGE $ranges failed"
        echo "Assigned slots $(awk '{ for (i = 1; i < NF; i += 2) printf "%s-%s ", $i, $(i + 1) }' <<<"$ranges")to this node."
    fi
    wait_for 10 cluster_ok || die "the node did not reach cluster_state:ok; see $LOGFILE"
    cat <<EOF
cluster_state:ok, all $SLOT_COUNT slots on this node.

Connect:  redis-cli -c -p $PORT
Stop:     make stop
Log:      run/$PORT/tessera-server.log
EOF
}

stop() {
    local pid
    pid="$(running_pid)"
    if [[ -z "$pid" ]]; then
        rm -f "$PIDFILE"
        echo "No tessera-server from run/$PORT is running."
        return 0
    fi
    kill -TERM "$pid"
    if wait_for 10 process_gone "$pid"; then
        echo "Stopped tessera-server (pid $pid)."
    else
        kill -KILL "$pid" 2>/dev/null || true
        echo "tessera-server (pid $pid) did not stop within 10 s after SIGTERM; killed it." >&2
    fi
    rm -f "$PIDFILE"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*) die "usage: $0 start|stop" ;;
esac
