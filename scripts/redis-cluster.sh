#!/usr/bin/env bash
# A local 3-master Redis Cluster on loopback for moatkit's cluster tests (issue 20 item 4).
#   scripts/redis-cluster.sh start   # idempotent: starts missing nodes, creates the cluster if needed
#   scripts/redis-cluster.sh stop    # shuts the nodes down
#   scripts/redis-cluster.sh status
# Then: export REDIS_CLUSTER_URL=redis://127.0.0.1:7001 (the seed node).
# Ports: MOATKIT_CLUSTER_PORTS (default "7001 7002 7003"); node state lives in
# MOATKIT_CLUSTER_DIR (default /tmp/moatkit-redis-cluster) and is thrown away on stop.
set -euo pipefail

PORTS=${MOATKIT_CLUSTER_PORTS:-"7001 7002 7003"}
DIR=${MOATKIT_CLUSTER_DIR:-/tmp/moatkit-redis-cluster}
HOST=127.0.0.1

node_up() { [ "$(redis-cli -h "$HOST" -p "$1" ping 2>/dev/null)" = "PONG" ]; }
cluster_ok() { redis-cli -h "$HOST" -p "$1" cluster info 2>/dev/null | grep -q '^cluster_state:ok'; }
# A node that knows only itself has not been joined into a cluster yet.
known_nodes() { redis-cli -h "$HOST" -p "$1" cluster info 2>/dev/null | sed -n 's/^cluster_known_nodes:\([0-9]*\).*/\1/p'; }

start() {
  command -v redis-server >/dev/null || { echo "redis-server is missing" >&2; exit 1; }
  mkdir -p "$DIR"
  local first="" all=() port
  for port in $PORTS; do
    first=${first:-$port}
    all+=("$HOST:$port")
    if ! node_up "$port"; then
      echo "starting redis cluster node on $HOST:$port"
      redis-server --port "$port" --bind "$HOST" --cluster-enabled yes \
        --cluster-config-file "$DIR/nodes-$port.conf" --cluster-node-timeout 5000 \
        --dir "$DIR" --save "" --appendonly no --daemonize yes \
        --logfile "$DIR/redis-$port.log" --pidfile "$DIR/redis-$port.pid"
    fi
  done
  for port in $PORTS; do
    for _ in $(seq 1 50); do node_up "$port" && break; sleep 0.1; done
    node_up "$port" || { echo "node $HOST:$port did not start (see $DIR/redis-$port.log)" >&2; exit 1; }
  done
  if cluster_ok "$first"; then echo "redis cluster is up (seed $HOST:$first)"; return 0; fi
  if [ "$(known_nodes "$first")" = "1" ]; then
    echo "creating the cluster"
    redis-cli --cluster create "${all[@]}" --cluster-replicas 0 --cluster-yes >/dev/null
  fi
  for _ in $(seq 1 100); do
    local ready=1
    for port in $PORTS; do cluster_ok "$port" || ready=0; done
    if [ "$ready" = 1 ]; then echo "redis cluster is up (seed $HOST:$first)"; return 0; fi
    sleep 0.2
  done
  echo "the cluster did not reach cluster_state:ok" >&2
  exit 1
}

stop() {
  local port
  for port in $PORTS; do
    if node_up "$port"; then redis-cli -h "$HOST" -p "$port" shutdown nosave >/dev/null 2>&1 || true; fi
  done
  rm -rf "$DIR"
}

status() {
  local port
  for port in $PORTS; do
    if cluster_ok "$port"; then echo "$HOST:$port ok"; elif node_up "$port"; then echo "$HOST:$port up, not in a cluster"; else echo "$HOST:$port down"; fi
  done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
