#!/usr/bin/env bash
# A local Redis Cluster for the tests, run from the machine's redis-server and redis-cli (Redis 7 or later, for sharded
# pub/sub): 3 masters and a replica each, on 127.0.0.1:17001-17006.
#
#   redis-cluster.sh start         start it, or reuse it when it is already up and healthy; prints the seed nodes
#   redis-cluster.sh stop          stop every node and drop the data: the next start makes a fresh cluster
#   redis-cluster.sh status        each node's role and the cluster's state
#   redis-cluster.sh kill-node N   SIGKILL node N (1..6); its replica takes over once the others agree it is gone
#   redis-cluster.sh start-node N  start node N again on its cluster config: it rejoins, as a replica if replaced
#   redis-cluster.sh pause-node N  SIGSTOP node N: a replica so paused falls behind its master's writes
#   redis-cluster.sh resume-node N SIGCONT node N
#   redis-cluster.sh nodes         the seed nodes, host:port,host:port (what REDIS_CLUSTER_NODES takes)
#
# Nothing is persisted (no RDB, no AOF): a killed master's writes that had not reached its replica are gone, as in a
# real asynchronous failover. REDIS_CLUSTER_START_TIMEOUT (seconds, default 30) bounds each wait.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DATA="$HERE/.data/cluster"
FIRST_PORT=17001
NODES=6
# How long a master may be silent before its replica is promoted: short, so the fault scenario fails over quickly.
NODE_TIMEOUT_MS=2000
START_TIMEOUT="${REDIS_CLUSTER_START_TIMEOUT:-30}"

say() { echo "redis-cluster: $*"; }
die() { echo "redis-cluster: $*" >&2; exit 1; }

port_of() { echo $((FIRST_PORT + $1 - 1)); }
node_dir() { echo "$DATA/node-$1"; }
# From the node's pid file, or from its process title where the file is gone (a cluster started by another checkout).
pid_of() { cat "$(node_dir "$1")/redis.pid" 2>/dev/null || pgrep -f "^redis-server 127\.0\.0\.1:$(port_of "$1") " | head -n 1 || true; }
cli() { redis-cli -h 127.0.0.1 -p "$(port_of "$1")" "${@:2}"; }
is_up() { cli "$1" ping 2>/dev/null | grep -q PONG; }
all_nodes() { seq 1 "$NODES"; }
seeds() { local n out=""; for n in $(all_nodes); do out+="${out:+,}127.0.0.1:$(port_of "$n")"; done; echo "$out"; }
cluster_ok() { cli 1 cluster info 2>/dev/null | grep -q "cluster_state:ok"; }
check_node() { [[ $1 =~ ^[1-6]$ ]] || die "no node '$1': nodes are 1..$NODES"; }

require_tools() {
  command -v redis-server >/dev/null || die "redis-server is not on PATH: install Redis 7 or later (apt-get install redis-server)"
  command -v redis-cli >/dev/null || die "redis-cli is not on PATH: it comes with redis-server"
  local version
  version="$(redis-server --version | sed -n 's/.*v=\([0-9]*\)\..*/\1/p')"
  [[ ${version:-0} -ge 7 ]] || die "redis-server $version is too old: sharded pub/sub needs Redis 7"
}

wait_until() {
  local what="$1" deadline=$((SECONDS + START_TIMEOUT))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || die "$what did not happen within ${START_TIMEOUT} s (REDIS_CLUSTER_START_TIMEOUT); logs: $DATA/node-*/redis.log"
    sleep 0.2
  done
}

start_node() {
  local n="$1" port dir
  port="$(port_of "$n")"
  dir="$(node_dir "$n")"
  if is_up "$n"; then return; fi
  if ss -tln 2>/dev/null | grep -q ":$port "; then die "port $port is taken by something that is not node $n of this cluster"; fi
  mkdir -p "$dir"
  redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --dir "$dir" \
    --cluster-enabled yes --cluster-config-file "$dir/nodes.conf" --cluster-node-timeout "$NODE_TIMEOUT_MS" \
    --save "" --appendonly no --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
  wait_until "node $n answering on $port" is_up "$n"
}

create() {
  say "creating the cluster: 3 masters, a replica each"
  local n hosts=()
  for n in $(all_nodes); do hosts+=("127.0.0.1:$(port_of "$n")"); done
  redis-cli --cluster create "${hosts[@]}" --cluster-replicas 1 --cluster-yes >"$DATA/create.log" 2>&1 ||
    die "redis-cli --cluster create failed: $(tail -n 5 "$DATA/create.log")"
}

# Every node answers and knows the others, and every slot is served.
healthy() {
  local n
  for n in $(all_nodes); do is_up "$n" || return 1; done
  cluster_ok && [[ $(cli 1 cluster info | sed -n 's/^cluster_known_nodes:\([0-9]*\).*/\1/p') -eq $NODES ]]
}

start() {
  require_tools
  if healthy && [[ -f "$DATA/created" ]]; then
    say "reusing the running cluster ($(seeds))"
    return
  fi
  if healthy; then
    # Its files are another checkout's: a scenario that restarts a node here would find none. This checkout's own, then.
    say "a cluster this checkout did not start answers on $(port_of 1)-$(port_of "$NODES"): stopping it to start afresh"
  fi
  if [[ -f "$DATA/created" ]]; then
    say "starting the nodes that are down"
    for n in $(all_nodes); do start_node "$n"; done
    if (wait_until "the cluster to come back" healthy) 2>/dev/null; then
      say "up ($(seeds))"
      return
    fi
    say "the cluster did not come back: starting afresh"
  fi
  stop_nodes
  rm -rf "$DATA"
  mkdir -p "$DATA"
  say "starting $NODES nodes on ports $(port_of 1)-$(port_of "$NODES")"
  for n in $(all_nodes); do start_node "$n"; done
  create
  wait_until "cluster_state:ok" healthy
  touch "$DATA/created"
  say "up ($(seeds))"
}

stop_nodes() {
  local n pid
  for n in $(all_nodes); do
    pid="$(pid_of "$n")"
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    fi
  done
  return 0
}

stop() {
  stop_nodes
  rm -rf "$DATA"
  say "stopped; data dropped"
}

status() {
  local n
  for n in $(all_nodes); do
    if is_up "$n"; then
      echo "node $n  127.0.0.1:$(port_of "$n")  $(cli "$n" role | head -n 1)"
    else
      echo "node $n  127.0.0.1:$(port_of "$n")  down"
    fi
  done
  cli 1 cluster info 2>/dev/null | grep -E "cluster_state|cluster_known_nodes" || true
}

kill_node() {
  check_node "$1"
  local pid
  pid="$(pid_of "$1")"
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || die "node $1 is not running"
  kill -9 "$pid"
  say "killed node $1 (pid $pid, port $(port_of "$1"))"
}

signal_node() {
  check_node "$2"
  local pid
  pid="$(pid_of "$2")"
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || die "node $2 is not running"
  kill "-$1" "$pid"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  kill-node) kill_node "${2:-}" ;;
  start-node) check_node "${2:-}"; start_node "$2"; say "node $2 up" ;;
  pause-node) signal_node STOP "${2:-}"; say "paused node $2" ;;
  resume-node) signal_node CONT "${2:-}"; say "resumed node $2" ;;
  nodes) seeds ;;
  *) die "usage: redis-cluster.sh start | stop | status | kill-node N | start-node N | pause-node N | resume-node N | nodes" ;;
esac
