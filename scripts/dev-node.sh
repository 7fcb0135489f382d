#!/usr/bin/env bash
# The local cluster `make run` starts and `make stop` stops: three tessera-server masters and
# three replicas on 127.0.0.1:7000-7005 (bus ports 17000-17005), with their files in
# run/<port>/. They form the cluster by themselves (self-assembly, `cluster-bootstrap-peers`
# with 3 masters and 1 replica each): one node gives each master a third of the slots,
# introduces everyone and makes each replica follow its master; nothing else is needed. Starting
# again reuses run/: the nodes keep their ids and slots (nodes.conf) and do not re-assemble.
#
# Usage: scripts/dev-node.sh start|stop
# Owns: starting and stopping those nodes and waiting for cluster_state:ok. Does not build the
# server (`make run` does) and does not install redis-cli (`make deps` does).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORTS=(7000 7001 7002 7003 7004 7005)
PEERS="127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003,127.0.0.1:7004,127.0.0.1:7005"
SERVER="${TESSERA_SERVER:-${CARGO_TARGET_DIR:-$ROOT/target}/release/tessera-server}"
# How long the nodes may take to agree (they start at once; a new cluster needs a few
# seconds: gossip, then Redis's 2 s writable delay).
FORM_TIMEOUT=60

die() {
    echo "error: $*" >&2
    exit 1
}

cli() {
    local port="$1"
    shift
    redis-cli -h 127.0.0.1 -p "$port" "$@"
}

node_dir() { echo "$ROOT/run/$1"; }
pidfile() { echo "$ROOT/run/$1/tessera-server.pid"; }
logfile() { echo "$ROOT/run/$1/tessera-server.log"; }

# The pid of the node on `port` if it is alive, from its pidfile; nothing otherwise.
running_pid() {
    local file
    file="$(pidfile "$1")"
    [[ -f "$file" ]] || return 0
    local pid
    pid="$(tr -dc '0-9' <"$file")"
    [[ -n "$pid" ]] || return 0
    if [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "tessera-server" ]]; then
        echo "$pid"
    fi
}

port_taken() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
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
    [[ "$(cli "$1" ping 2>/dev/null)" == "PONG" ]]
}

all_ok() {
    local port
    for port in "${PORTS[@]}"; do
        cli "$port" cluster info 2>/dev/null | tr -d '\r' | grep -x 'cluster_state:ok' >/dev/null || return 1
    done
}

# Every replica's link to its master is up (three of them), and 7000 sees them as replicas.
replicas_synced() {
    local port up=0
    (($(cli 7000 cluster nodes 2>/dev/null | grep -c ' slave ') == 3)) || return 1
    for port in "${PORTS[@]}"; do
        if cli "$port" info replication 2>/dev/null | tr -d '\r' | grep -x 'master_link_status:up' >/dev/null; then
            up=$((up + 1))
        fi
    done
    ((up == 3))
}

start_node() {
    local port="$1" pid
    pid="$(running_pid "$port")"
    if [[ -n "$pid" ]]; then
        echo "tessera-server is already running on 127.0.0.1:$port (pid $pid)."
        return 0
    fi
    local taken
    for taken in "$port" $((port + 10000)); do
        if port_taken "$taken"; then
            local who=""
            if command -v ss >/dev/null; then
                who="$(ss -Hltnp "sport = :$taken" 2>/dev/null | grep -o 'users:.*' | head -n1 || true)"
            fi
            die "port $taken on 127.0.0.1 is already in use by another process${who:+ ($who)}; stop it and run 'make run' again"
        fi
    done
    mkdir -p "$(node_dir "$port")"
    rm -f "$(pidfile "$port")"
    "$SERVER" \
        --cluster-enabled yes --cluster-config-file nodes.conf --dir "$(node_dir "$port")" \
        --bind 127.0.0.1 --port "$port" --cluster-announce-ip 127.0.0.1 \
        --cluster-bootstrap-peers "$PEERS" \
        --cluster-bootstrap-masters 3 --cluster-bootstrap-replicas-per-master 1 \
        --daemonize yes --pidfile "$(pidfile "$port")" --logfile "$(logfile "$port")"
}

start() {
    command -v redis-cli >/dev/null || die "redis-cli not found: run 'make deps'"
    [[ -x "$SERVER" ]] || die "$SERVER not built: run 'make build'"
    local began port
    began="$(date +%s.%N)"
    for port in "${PORTS[@]}"; do
        start_node "$port"
    done
    for port in "${PORTS[@]}"; do
        if ! wait_for 10 answers_ping "$port"; then
            echo "tessera-server did not answer PING on 127.0.0.1:$port; the end of its log:" >&2
            tail -n 20 "$(logfile "$port")" >&2 || true
            exit 1
        fi
        [[ -n "$(running_pid "$port")" ]] ||
            die "something answers on port $port, but not the tessera-server started from run/$port"
    done
    if ! wait_for "$FORM_TIMEOUT" all_ok; then
        echo "error: the nodes did not reach cluster_state:ok within ${FORM_TIMEOUT} s." >&2
        echo "       Logs: run/<port>/tessera-server.log. A run/ left by an older 'make run' (one" >&2
        echo "       node owning every slot) cannot assemble: 'make stop && rm -rf run', then 'make run'." >&2
        exit 1
    fi
    if ! wait_for "$FORM_TIMEOUT" replicas_synced; then
        echo "error: the replicas did not all sync with their masters within ${FORM_TIMEOUT} s." >&2
        echo "       Logs: run/<port>/tessera-server.log." >&2
        exit 1
    fi
    local took
    took="$(awk -v a="$began" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
    echo
    cli 7000 cluster nodes | sort -k2 | awk '{ role = ($3 ~ /master/) ? "master " $9 : "replica of " substr($4, 1, 8); printf "  %s  %-22s %s\n", substr($1, 1, 8), $2, role }'
    cat <<EOF

cluster_state:ok on all ${#PORTS[@]} nodes, replicas in sync (${took} s after start).

Connect:  redis-cli -c -p 7000
Check:    redis-cli --cluster check 127.0.0.1:7000
Stop:     make stop
Logs:     run/<port>/tessera-server.log
EOF
}

stop_node() {
    local port="$1" pid
    pid="$(running_pid "$port")"
    if [[ -z "$pid" ]]; then
        rm -f "$(pidfile "$port")"
        echo "No tessera-server from run/$port is running."
        return 0
    fi
    kill -TERM "$pid"
    if wait_for 10 process_gone "$pid"; then
        echo "Stopped tessera-server on port $port (pid $pid)."
    else
        kill -KILL "$pid" 2>/dev/null || true
        echo "tessera-server (pid $pid) did not stop within 10 s after SIGTERM; killed it." >&2
    fi
    rm -f "$(pidfile "$port")"
}

stop() {
    local port
    for port in "${PORTS[@]}"; do
        stop_node "$port"
    done
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*) die "usage: $0 start|stop" ;;
esac
