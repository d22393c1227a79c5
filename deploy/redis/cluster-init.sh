#!/bin/sh
# redis-cluster-init (docker-compose.yml, profile `cluster`): forms one Redis Cluster of the nodes
# in NODES (comma-separated host:port, as REDIS_CLUSTER_NODES) with one replica per master, then
# exits 0 once the cluster is healthy. The services in cluster mode start only after that.
#
# Idempotent, because `docker compose up` runs it again on every start:
# - every node empty (first start): `redis-cli --cluster create`;
# - every node already in the cluster: nothing is created; each node is introduced again to the
#   others at their current addresses (CLUSTER MEET of a known node only updates its address),
#   which heals a restart that gave the containers other IPs;
# - a mix (e.g. one node's volume deleted): an error saying which nodes, no guessing.
# Then it waits until every node reports cluster_state:ok, all agree on the slots and every
# replica is in sync with its master (REDIS_WAIT_REPLICAS=1 needs that), or fails after
# WAIT_SECONDS.
#
# POSIX sh: runs in the redis image (dash) with redis-cli, getent and coreutils.
set -eu

: "${NODES:?NODES: comma-separated host:port of the cluster nodes}"
WAIT_SECONDS=${WAIT_SECONDS:-120}

cli() {
  local addr="$1"
  shift
  redis-cli -h "${addr%:*}" -p "${addr##*:}" "$@"
}

# field ADDR NAME: a field of CLUSTER INFO, empty when the node does not answer.
field() {
  cli "$1" cluster info 2>/dev/null | tr -d '\r' | sed -n "s/^$2://p"
}

deadline=$(($(date +%s) + WAIT_SECONDS))
wait_until() {
  until "$@"; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "redis-cluster-init: gave up after ${WAIT_SECONDS}s waiting for: $*" >&2
      [ -z "${first:-}" ] || redis-cli --cluster check "$first" >&2 || true
      exit 1
    fi
    sleep 1
  done
}

# redis-cli --cluster create and CLUSTER MEET take IP addresses, not names.
addrs=""
count=0
for node in $(echo "$NODES" | tr ',' ' '); do
  ip=$(getent ahostsv4 "${node%:*}" | head -n 1 | cut -d ' ' -f 1)
  if [ -z "$ip" ]; then
    echo "redis-cluster-init: cannot resolve ${node%:*}" >&2
    exit 1
  fi
  addrs="$addrs $ip:${node##*:}"
  count=$((count + 1))
done
addrs=${addrs# }
first=${addrs%% *}

answers_all() {
  for a in $addrs; do
    [ "$(cli "$a" ping 2>/dev/null)" = PONG ] || return 1
  done
}
wait_until answers_all

members=""
empty=""
set -- $addrs # the addresses, in the order of NODES
for node in $(echo "$NODES" | tr ',' ' '); do
  if [ "$(field "$1" cluster_known_nodes)" = 1 ] && [ "$(field "$1" cluster_slots_assigned)" = 0 ]; then
    empty="$empty $node"
  else
    members="$members $node"
  fi
  shift
done

if [ -z "$members" ]; then
  echo "redis-cluster-init: creating the cluster on $addrs"
  # shellcheck disable=SC2086 # one argument per node
  redis-cli --cluster create $addrs --cluster-replicas 1 --cluster-yes
elif [ -z "$empty" ]; then
  echo "redis-cluster-init: the cluster exists; introducing its nodes again at $addrs"
  for a in $addrs; do
    for b in $addrs; do
      [ "$a" = "$b" ] || cli "$a" cluster meet "${b%:*}" "${b##*:}" >/dev/null || true
    done
  done
else
  echo "redis-cluster-init: empty:$empty; already in a cluster:$members." >&2
  echo "Add the empty ones with redis-cli --cluster add-node, or start afresh (docker compose down -v deletes all data)." >&2
  exit 1
fi

healthy() {
  for a in $addrs; do
    [ "$(field "$a" cluster_state)" = ok ] || return 1
    [ "$(field "$a" cluster_known_nodes)" = "$count" ] || return 1
    replication=$(cli "$a" info replication 2>/dev/null | tr -d '\r')
    case "$replication" in
      *role:slave*)
        case "$replication" in *master_link_status:up*) ;; *) return 1 ;; esac
        ;;
    esac
  done
  # Every slot covered and every node agreeing about who serves it.
  redis-cli --cluster check "$first" >/dev/null 2>&1
}
wait_until healthy
echo "redis-cluster-init: cluster healthy"
redis-cli --cluster check "$first"
