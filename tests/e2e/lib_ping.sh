# shellcheck shell=bash
# Ping node scenarios (tests/e2e/65-*.sh .. 67-*.sh): lib_lb.sh's haproxy
# pair, plus an uplink. Sources lib_lb.sh and adds:
#
#   PFX-sw:  bridge up0, the uplink (apart from br0, which carries heartbeats)
#   PFX-a:   alpha's eth1 10.98.0.1/24, fd98::1/64 on up0
#   PFX-b:   beta's  eth1 10.98.0.2/24, fd98::2/64 on up0
#   PFX-p:   the ping node, eth0 10.98.0.254/24, fd98::254/64 on up0: a router
#            that answers echo requests, in its own namespace
#
# Cutting a node's uplink takes its port on up0 down (its eth1 loses its
# carrier), or drops its echo requests with nftables; the heartbeat link br0
# is untouched.

# shellcheck source=tests/e2e/lib_lb.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_lb.sh"

# shellcheck disable=SC2034 # the ping node's addresses, for the scenarios
PN_ADDR=10.98.0.254 PN_ADDR6=fd98::254

# pn_topology: up0, the nodes' eth1 and the ping node.
pn_topology() {
  local n dev host
  ip netns add "$PFX-p"
  ip -n "$PFX-p" link set lo up
  ip -n "$PFX-sw" link add up0 type bridge
  ip -n "$PFX-sw" link set up0 up
  for n in a b p; do
    dev=eth1 host=${TB_NODE_HOST[$n]:-}
    [[ $n == p ]] && dev=eth0 host=254
    ip -n "$PFX-sw" link add "up-$n" type veth peer name "$dev" netns "$PFX-$n"
    ip -n "$PFX-sw" link set "up-$n" master up0 up
    ip -n "$PFX-$n" addr add "10.98.0.$host/24" dev "$dev"
    ip -n "$PFX-$n" addr add "fd98::$host/64" dev "$dev" nodad
    ip -n "$PFX-$n" link set "$dev" up
  done
}

# pn_cut NODE / pn_restore NODE: NODE's uplink port down / up (NODE p: the
# ping node's own port, which both nodes lose at once).
pn_cut() { ip -n "$PFX-sw" link set "up-$1" down; }
pn_restore() { ip -n "$PFX-sw" link set "up-$1" up; }

# pn_block NODE / pn_unblock NODE: NODE's echo requests to the uplink
# dropped by nftables in NODE's namespace, and let through again. Unlike a
# port brought back up (the kernel takes about a second to see the carrier
# again), the unblock takes effect at once.
pn_block() {
  tb_in "$1" nft -f - <<EOF
table inet tb_ping {
  chain out {
    type filter hook output priority 0;
    ip daddr 10.98.0.0/24 icmp type echo-request drop
  }
}
EOF
}
pn_unblock() { tb_in "$1" nft delete table inet tb_ping; }

# pn_start_pair MODE [HA.CF LINES...]: lb_start_pair's opening with the
# uplink: both daemons up, alpha holding the group, both reaching the ping
# node, the client served by alpha.
pn_start_pair() {
  local initdead n
  initdead=$(tb_ms "$TB_INITDEAD")
  step "Build the topology: alpha and beta with haproxy ($1), backends, a client, a ping node on a second switch"
  lb_topology
  pn_topology
  lb_write_twinbeat "$@"
  step "Start both daemons; alpha, the preferred node, takes the group; both reach the ping node"
  tb_start_node a
  tb_start_node b
  tb_wait_pair_up $((initdead + 1000))  # initdead + 1 s
  lb_wait_holder a b 2000 || fail "alpha does not hold the group: $(tb_status a | tail -4 | tr '\n' ' ')"
  for n in a b; do
    # One echo interval and a heartbeat: 2 s bounds it.
    pn_wait_uplink "$n" 1 1 2000 || fail "${TB_NODE_NAME[$n]} does not see the ping node up on both nodes: $(pn_uplink "$n")"
  done
  step "The client, requesting the VIP every 10 ms, is served by alpha"
  lb_watch_start
  lb_probe_start
  lb_wait_served a 1000 || fail "the client is not served by alpha within 1 s"  # 100 requests
}

# pn_uplink NODE: "score peer_score reach here peer" of NODE's first ping node.
pn_uplink() {
  tb_fields "$1" uplink.score uplink.peer_score uplink.reach uplink.ping_nodes.0.here \
    uplink.ping_nodes.0.peer | paste -sd' '
}

# pn_uplink_is NODE SCORE PEER_SCORE: the scores NODE shows.
pn_uplink_is() {
  local s
  s=$(tb_fields "$1" uplink.score uplink.peer_score | paste -sd' ') || return 1
  [[ $s == "$2 $3" ]]
}

pn_wait_uplink() { wait_until "$4" pn_uplink_is "$1" "$2" "$3"; }

# pn_cl_status NODE ARGS...: Heartbeat's cl_status (the CLI under that
# name, as `make install` links it) in NODE's namespace; prints its output
# and " rc=N".
pn_cl_status() {
  local n=$1 rc=0 out
  shift
  mkdir -p "$TB_WORK/bin"
  ln -sf "$TB_BIN/twinbeat" "$TB_WORK/bin/cl_status"
  out=$(tb_in "$n" env TWINBEAT_RUN_DIR="$TB_WORK/$n/run" "$TB_WORK/bin/cl_status" "$@" 2>&1) || rc=$?
  echo "$out rc=$rc" | tr '\n' ' ' | sed 's/  */ /g; s/ $//'
}
