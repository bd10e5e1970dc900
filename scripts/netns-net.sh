#!/usr/bin/env bash
# A real network on one Linux machine: N network namespaces, each with its own IP stack and one
# unmodified `gossip-node` process (dist/node/cli.js, regtest), joined by veth pairs to a bridge
# in a namespace of its own, with per-host latency and packet loss from `tc netem` (the Linux
# network emulator, as Mininet and the ns-3/Shadow "real hosts" setups use it). Nodes bootstrap
# from a generated seeds file naming one or two hosts (the node's own --seeds path), find the
# others by addr gossip, then blocks are mined one at a time (RPC generatetoaddress) on one or
# two hosts. Reports, as JSON lines on stdout and a summary on stderr, when every host had each
# block (from the nodes' own "block connected" log lines, one clock) and whether all converged.
#
# Nothing leaves the namespaces: the hosts get 10.77.0.<i>/24 on their veth and no other route,
# the bridge's namespace has no address at all, and the root namespace gets no interface.
# Everything made here (namespaces, veths, processes, the temp dir) is removed on any exit,
# Ctrl-C and failures included.
#
# Exit codes: 0 all hosts converged; 1 failure (no convergence in time, a node died); 2 usage;
# 77 skipped: not root, no `ip netns add`, veth, bridge or netem (the reason on one line, "SKIP: ...").
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/netns-net.sh [options]

Runs N gossip-node processes (regtest) in Linux network namespaces linked by a bridge, with
tc netem delay and loss per host; mines blocks and reports propagation and convergence.
Needs root, iproute2 (ip, tc), the sch_netem kernel module, curl, and a build (npm run build).

Options:
  --hosts N          hosts, one node each (default 6, at most 200)
  --delay MIN-MAX    one-way egress delay per host in ms, drawn uniformly (default 50-150;
                     "0-0" with --loss 0 runs without netem)
  --loss PCT         packet loss per host's egress, percent (default 1)
  --blocks N         blocks to mine, one after the other (default 5)
  --miners 1|2       hosts that mine, taking turns (default 1)
  --seed-hosts 1|2   hosts named in the seeds file (default 2)
  --timeout SEC      limit for peers to connect and for each block to reach every host
                     (default 120)
  --keep             keep the temp dir (node logs) and print where it is
  --check            only check the prerequisites: exit 0, or 77 with the reason
  -h, --help         this text

Output: JSON lines on stdout ({"event":"net"|"peers"|"block"|"summary",...}); progress and a
summary on stderr. Exit: 0 converged, 1 failed, 2 usage, 77 skipped (prerequisite missing).
EOF
}

HOSTS=6
DELAY=50-150
LOSS=1
BLOCKS=5
MINERS=1
SEED_HOSTS=2
TIMEOUT=120
KEEP=0
CHECK_ONLY=0

die_usage() {
  echo "netns-net: $1 (see --help)" >&2
  exit 2
}
int_arg() { [[ "$2" =~ ^[0-9]+$ ]] || die_usage "$1 needs a whole number, got '$2'"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --hosts) int_arg "$1" "${2-}"; HOSTS=$2; shift 2 ;;
    --delay) [[ "${2-}" =~ ^[0-9]+-[0-9]+$ ]] || die_usage "--delay needs MIN-MAX in ms, got '${2-}'"; DELAY=$2; shift 2 ;;
    --loss) [[ "${2-}" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die_usage "--loss needs a percentage, got '${2-}'"; LOSS=$2; shift 2 ;;
    --blocks) int_arg "$1" "${2-}"; BLOCKS=$2; shift 2 ;;
    --miners) int_arg "$1" "${2-}"; MINERS=$2; shift 2 ;;
    --seed-hosts) int_arg "$1" "${2-}"; SEED_HOSTS=$2; shift 2 ;;
    --timeout) int_arg "$1" "${2-}"; TIMEOUT=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --check) CHECK_ONLY=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die_usage "unknown argument '$1'" ;;
  esac
done

DELAY_MIN=${DELAY%-*}
DELAY_MAX=${DELAY#*-}
[ "$HOSTS" -ge 2 ] && [ "$HOSTS" -le 200 ] || die_usage "--hosts must be 2..200"
[ "$DELAY_MIN" -le "$DELAY_MAX" ] || die_usage "--delay MIN must not exceed MAX"
[ "$MINERS" -ge 1 ] && [ "$MINERS" -le 2 ] || die_usage "--miners must be 1 or 2"
[ "$SEED_HOSTS" -ge 1 ] && [ "$SEED_HOSTS" -le 2 ] || die_usage "--seed-hosts must be 1 or 2"
[ "$BLOCKS" -ge 1 ] || die_usage "--blocks must be at least 1"
[ "$TIMEOUT" -ge 1 ] || die_usage "--timeout must be at least 1"
[ "$MINERS" -le "$HOSTS" ] && [ "$SEED_HOSTS" -le "$HOSTS" ] || die_usage "more miners or seeds than hosts"
NEED_NETEM=1
if [ "$DELAY_MAX" -eq 0 ] && awk "BEGIN{exit !($LOSS == 0)}"; then NEED_NETEM=0; fi

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CLI="$ROOT/dist/node/cli.js"
TAG="gln$$"
SUBNET=10.77.0
P2P_PORT=18444
HTTP_PORT=18443
# A regtest P2WPKH address (BIP173's witness program); the coins go nowhere that matters.
MINE_ADDRESS=bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080

NAMESPACES=()
PIDS=()
WORK=""

log() { echo "netns-net: $*" >&2; }
skip() {
  echo "SKIP: $*" >&2
  exit 77
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  # SIGINT first (each node's clean stop), SIGKILL whatever is left after 10 s.
  local pid
  for pid in "${PIDS[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  local end=$((SECONDS + 10))
  for pid in "${PIDS[@]}"; do
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $end ]; do sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  local ns
  for ns in "${NAMESPACES[@]}"; do
    # Anything still running inside a namespace made here was started by this script.
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  if [ -n "$WORK" ]; then
    if [ "$KEEP" = 1 ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

add_ns() {
  ip netns add "$1"
  NAMESPACES+=("$1")
  ip -n "$1" link set lo up
}

# ---------------------------------------------------------------------------------------------
# Prerequisites: each missing one is a skip with its reason, not a failure.

[ "$(uname -s)" = Linux ] || skip "network namespaces need Linux (this is $(uname -s))"
[ "$(id -u)" = 0 ] || skip "needs root for ip netns (running as uid $(id -u))"
command -v ip >/dev/null && command -v tc >/dev/null || skip "ip or tc not found (apt-get install iproute2)"
command -v curl >/dev/null || skip "curl not found"
probe="${TAG}-probe"
err=$(ip netns add "$probe" 2>&1) || skip "ip netns add not permitted: $err"
NAMESPACES+=("$probe")
err=$(ip -n "$probe" link add pa type veth peer name pb 2>&1) || skip "no veth interfaces: $err"
err=$(ip -n "$probe" link add pbr type bridge 2>&1) || skip "no bridge interfaces: $err"
if [ "$NEED_NETEM" = 1 ]; then
  netem_probe() { tc -n "$probe" qdisc replace dev pa root netem delay 1ms loss 0% 2>&1; }
  err=$(netem_probe) || { command -v modprobe >/dev/null && modprobe sch_netem 2>/dev/null && err=$(netem_probe); } ||
    skip "tc netem unavailable (kernel module sch_netem not loaded or not built: $err)"
fi
ip netns del "$probe"
NAMESPACES=()
[ "$CHECK_ONLY" = 1 ] && exit 0
[ -f "$CLI" ] || { log "$CLI missing: run npm run build"; exit 1; }

# ---------------------------------------------------------------------------------------------
# The network: a bridge namespace, and per host a namespace whose eth0 is the far end of a veth
# whose near end is a bridge port.

WORK=$(mktemp -d "${TMPDIR:-/tmp}/netns-net.XXXXXX")
BR="${TAG}-br"
add_ns "$BR"
ip -n "$BR" link add br0 type bridge
ip -n "$BR" link set br0 up

declare -a DELAYS
for i in $(seq 1 "$HOSTS"); do
  ns="${TAG}-h$i"
  add_ns "$ns"
  ip -n "$BR" link add "p$i" type veth peer name eth0 netns "$ns"
  ip -n "$BR" link set "p$i" master br0 up
  ip -n "$ns" addr add "$SUBNET.$i/24" dev eth0
  ip -n "$ns" link set eth0 up
  d=$((DELAY_MIN + RANDOM % (DELAY_MAX - DELAY_MIN + 1)))
  DELAYS[i]=$d
  if [ "$NEED_NETEM" = 1 ]; then
    tc -n "$ns" qdisc add dev eth0 root netem delay "${d}ms" loss "${LOSS}%"
  fi
done

seeds=""
for i in $(seq 1 "$SEED_HOSTS"); do seeds+="${seeds:+,}\"$SUBNET.$i:$P2P_PORT\""; done
echo "{\"main\":[],\"regtest\":[$seeds]}" >"$WORK/seeds.json"
delays_json=$(IFS=,; echo "${DELAYS[*]}")
echo "{\"event\":\"net\",\"hosts\":$HOSTS,\"subnet\":\"$SUBNET.0/24\",\"delay_ms\":[$delays_json],\"loss_pct\":$LOSS,\"netem\":$([ "$NEED_NETEM" = 1 ] && echo true || echo false),\"seeds\":[$seeds],\"miners\":$MINERS,\"blocks\":$BLOCKS}"
log "$HOSTS hosts on $SUBNET.0/24, delay ${DELAY} ms, loss ${LOSS}%, seeds: $seeds"

# ---------------------------------------------------------------------------------------------
# Nodes

for i in $(seq 1 "$HOSTS"); do
  dir="$WORK/h$i"
  mkdir -p "$dir"
  # `ip netns exec` execs the node, so $! is the node's own pid.
  ip netns exec "${TAG}-h$i" node "$CLI" -n regtest -d "$dir" \
    --bind "$SUBNET.$i" --port "$P2P_PORT" --http-host 127.0.0.1 --http-port "$HTTP_PORT" \
    --seeds "$WORK/seeds.json" --log-level info >"$dir/node.log" 2>&1 &
  PIDS[i]=$!
done

rpc() { # host method [params-json]
  local dir="$WORK/h$1"
  ip netns exec "${TAG}-h$1" curl -sf --max-time 5 -u "$(cat "$dir/.cookie")" \
    -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$2\",\"params\":${3:-[]}}" \
    "http://127.0.0.1:$HTTP_PORT/rpc"
}
# The scalar result of a JSON-RPC 2.0 reply ({"jsonrpc":"2.0","id":1,"result":...}).
result() { sed -nE 's/.*"result":"?([^",}]*)"?[,}].*/\1/p'; }
alive() {
  if ! kill -0 "${PIDS[$1]}" 2>/dev/null; then
    log "node $1 exited; last lines of its log:"
    tail -n 20 "$WORK/h$1/node.log" >&2
    exit 1
  fi
}
now_ms() { date +%s%3N; }

start=$(now_ms)
deadline=$((SECONDS + TIMEOUT))
for i in $(seq 1 "$HOSTS"); do
  until [ -f "$WORK/h$i/.cookie" ] && rpc "$i" getconnectioncount >/dev/null 2>&1; do
    alive "$i"
    [ $SECONDS -lt $deadline ] || { log "node $i did not answer RPC within ${TIMEOUT}s"; exit 1; }
    sleep 0.2
  done
done
log "nodes up in $(($(now_ms) - start)) ms"

# Every host with at least two peers (one with two hosts): the graph is then connected in practice,
# and the seeds alone cannot account for it when there are two of them and more hosts.
want=$((HOSTS > 2 ? 2 : 1))
for i in $(seq 1 "$HOSTS"); do
  until n=$(rpc "$i" getconnectioncount | result) && [ "${n:-0}" -ge "$want" ]; do
    alive "$i"
    [ $SECONDS -lt $deadline ] || { log "host $i has ${n:-0} peers after ${TIMEOUT}s (want $want)"; exit 1; }
    sleep 0.2
  done
done
for i in $(seq 1 "$HOSTS"); do
  n=$(rpc "$i" getconnectioncount | result) || n=null
  echo "{\"event\":\"peers\",\"host\":$i,\"peers\":${n:-null}}"
done
log "every host has $want+ peers after $(($(now_ms) - start)) ms"

# ---------------------------------------------------------------------------------------------
# Blocks, one at a time: mined on a miner, then waited for on every host.

connected_ms() { # host hash -> ms of its "block connected" log line, or empty
  local line
  line=$(grep -m1 "block connected.*hash=$2" "$WORK/h$1/node.log" || true)
  if [ -n "$line" ]; then date -d "${line%% *}" +%s%3N; fi
}

all_props=()
converged=true
for b in $(seq 1 "$BLOCKS"); do
  miner=$(((b - 1) % MINERS + 1))
  mined_at=$(now_ms)
  hash=$(rpc "$miner" generatetoaddress "[1,\"$MINE_ADDRESS\"]" | sed -n 's/.*"result":\["\([0-9a-f]*\)"\].*/\1/p') || true
  [ -n "$hash" ] || { log "generatetoaddress failed on host $miner"; exit 1; }
  block_deadline=$((SECONDS + TIMEOUT))
  for i in $(seq 1 "$HOSTS"); do
    until [ "$(rpc "$i" getbestblockhash | result)" = "$hash" ]; do
      alive "$i"
      if [ $SECONDS -ge $block_deadline ]; then
        log "block $b ($hash) did not reach host $i within ${TIMEOUT}s"
        converged=false
        break 3
      fi
      sleep 0.05
    done
  done
  seen_all=$(($(now_ms) - mined_at))
  t0=$(connected_ms "$miner" "$hash")
  props=()
  fields=()
  for i in $(seq 1 "$HOSTS"); do
    [ "$i" = "$miner" ] && continue
    t=$(connected_ms "$i" "$hash")
    if [ -n "$t" ] && [ -n "$t0" ]; then
      props+=($((t - t0)))
      all_props+=($((t - t0)))
      fields+=("\"$i\":$((t - t0))")
    fi
  done
  max=$(printf '%s\n' "${props[@]}" | sort -n | tail -1)
  height=$(rpc "$miner" getblockcount | result) || true
  echo "{\"event\":\"block\",\"n\":$b,\"miner\":$miner,\"height\":$height,\"hash\":\"$hash\",\"propagation_ms\":{$(IFS=,; echo "${fields[*]}")},\"max_ms\":${max:-null},\"all_hosts_seen_ms\":$seen_all}"
  log "block $b (height $height) mined on host $miner: on every host after ${max:-?} ms (polled: $seen_all ms)"
done

# ---------------------------------------------------------------------------------------------
# Convergence: one tip everywhere.

tips=()
for i in $(seq 1 "$HOSTS"); do
  tip=$(rpc "$i" getbestblockhash | result) || tip="(no answer)"
  tips+=("$tip")
done
distinct=$(printf '%s\n' "${tips[@]}" | sort -u | wc -l)
[ "$distinct" -eq 1 ] || converged=false
sorted=$(printf '%s\n' "${all_props[@]}" | sort -n)
count=${#all_props[@]}
pick() { [ "$count" -gt 0 ] && echo "$sorted" | sed -n "$(((count * $1 + 99) / 100))p" || echo null; }
median=$(pick 50)
p90=$(pick 90)
pmax=$(pick 100)
echo "{\"event\":\"summary\",\"converged\":$converged,\"hosts\":$HOSTS,\"blocks\":$BLOCKS,\"tip\":\"${tips[0]}\",\"distinct_tips\":$distinct,\"propagation_ms\":{\"samples\":$count,\"median\":$median,\"p90\":$p90,\"max\":$pmax},\"elapsed_ms\":$(($(now_ms) - start))}"
if [ "$converged" = true ]; then
  log "converged: all $HOSTS hosts on ${tips[0]}; block propagation median ${median} ms, p90 ${p90} ms, max ${pmax} ms over $count host-blocks"
  exit 0
fi
log "NOT converged: $distinct distinct tips across $HOSTS hosts"
exit 1
