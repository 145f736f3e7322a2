#!/usr/bin/env bash
# Duplicate IP: a foreign host (x) on the LAN already holds the VIPs, an
# IPv4 one (group 1, with haproxy) and an IPv6 one (group 2), and answers
# for them. Before adding a VIP, twinbeat probes for it (an ARP probe from
# 0.0.0.0, RFC 5227; a DAD solicitation from ::, RFC 4862): x answers, so
# alpha does not add it, logs CRIT, fails the start and offers the group to
# beta, which probes and refuses too. Status (text and JSON) and metrics
# show the conflict. The client is never pulled away from x: no ARP frame
# for the VIP ever comes from alpha or beta, and x still serves it. Once x
# lets go and the operator clears the failures ('twinbeat cleanup'), alpha
# probes again, finds the addresses free and takes both groups.
set -euo pipefail
# shellcheck source=tests/e2e/lib_lb.sh
. "$(dirname "$0")/lib_lb.sh"
TB_NODES+=(x)  # the foreign host, 10.99.0.3
lb_init tb21f

initdead=$(tb_ms "$TB_INITDEAD")
VIP6=2001:db8:99::100
VIP6_TEXT=2001:db8:99:0:0:0:0:100  # haresources splits on "::": written out in full
VIP6_SPEC=$VIP6_TEXT/64/eth0
GROUP6="IPaddr2::$VIP6_SPEC"

step "Build the topology; the foreign host x holds $LB_VIP and $VIP6 and serves HTTP on the VIP"
lb_topology
tb_in x ip addr add "$LB_VIP/24" dev eth0
tb_in x ip addr add "$VIP6/64" dev eth0 nodad
mkdir -p "$TB_WORK/x/www"
echo "foreign host x" >"$TB_WORK/x/www/index.html"
ip netns exec "$PFX-x" "$TB_PY" -m http.server 80 --bind "$LB_VIP" --directory "$TB_WORK/x/www" \
  >"$TB_WORK/x/http.log" 2>&1 </dev/null &
LB_PID[x]=$!
# shellcheck disable=SC2317 # called through wait_until
client_gets_x() { tb_in c curl -s --max-time 0.5 "http://$LB_VIP/" 2>/dev/null | grep "foreign host x" >/dev/null; }
wait_until 5000 client_gets_x || fail "the client does not reach x's server on the VIP within 5 s"  # python starts well under 2 s
mac_x=$(lb_mac x)
mac_a=$(lb_mac a)
mac_b=$(lb_mac b)
note "x is $mac_x, alpha $mac_a, beta $mac_b"

step "Write the configuration: group 1 the IPv4 VIP and haproxy, group 2 the IPv6 VIP"
lb_write_twinbeat classic "auto_failback on"
for n in a b; do
  echo "alpha $GROUP6" >>"$TB_WORK/$n/conf/haresources"
  tb_in "$n" "$TB_BIN/twinbeat" -c "$TB_WORK/$n/conf" --node "${TB_NODE_NAME[$n]}" check >/dev/null ||
    fail "twinbeat check refuses ${TB_NODE_NAME[$n]}'s configuration"
done

step "Start both daemons while the client records every ARP frame"
# initdead, a keepalive, two probes of 20 ms and the offer to beta: 4 s covers them.
lb_arp_sniff_start "$TB_WORK/arp" 4000
tb_start_node a
tb_start_node b
tb_wait_pair_up $((initdead + 1000))  # initdead + 1 s

step "Alpha and beta each probe, hear x answer, and refuse the VIPs (CRIT)"
for n in a b; do
  # A keepalive for alpha's start, its probe and the offer, then beta's: 2 s bounds both.
  tb_wait_log "$n" "$LB_VIP is in use on eth0 by $mac_x (it answered our ARP probe): not adding it" 2000 ||
    fail "${TB_NODE_NAME[$n]} did not refuse $LB_VIP"
  tb_wait_log "$n" "$VIP6_TEXT is in use on eth0 by $mac_x (it answered our duplicate address detection probe)" 2000 ||
    fail "${TB_NODE_NAME[$n]} did not refuse $VIP6"
  grep -F "$LB_VIP is in use on eth0 by" "$TB_WORK/$n/node.log" | grep CRIT >/dev/null ||
    fail "${TB_NODE_NAME[$n]}'s refusal is not logged CRIT"
done
tb_wait_log a "Giving up resources due to failure of IPaddr2::$LB_VIP/24/eth0" 0 ||
  fail "alpha did not give the group up"
lb_arp_sniff_wait

step "Neither node holds a VIP or runs haproxy; both statuses show the conflict"
for n in a b; do
  tb_wait_field "$n" groups.0.here none 1000 || fail "${TB_NODE_NAME[$n]}: group 1 is $(tb_field "$n" groups.0.here)"
  tb_wait_field "$n" groups.1.here none 1000 || fail "${TB_NODE_NAME[$n]}: group 2 is $(tb_field "$n" groups.1.here)"
  ! lb_vip_here "$n" || fail "the VIP is on ${TB_NODE_NAME[$n]}'s eth0"
  ! tb_in "$n" ip -o addr show dev eth0 | grep -F " $VIP6/" >/dev/null || fail "$VIP6 is on ${TB_NODE_NAME[$n]}'s eth0"
  [[ -z $(lb_haproxy_pid "$n") ]] || fail "haproxy runs on ${TB_NODE_NAME[$n]}"
  tb_expect_field "$n" groups.0.resources.0.vip_conflict.mac "$mac_x"
  tb_expect_field "$n" groups.0.resources.0.vip_conflict.added false
  tb_expect_field "$n" groups.1.resources.0.vip_conflict.mac "$mac_x"
  tb_expect_field "$n" groups.1.resources.0.vip_conflict.address "$VIP6_TEXT"
done
tb_status a | grep -F "VIP IN USE: $LB_VIP answered by $mac_x" >/dev/null ||
  fail "alpha's text status does not show the conflict: $(tb_status a | grep -A2 IPaddr2)"
note "alpha: $(tb_status a | grep -F 'VIP IN USE' | head -1 | sed 's/^ *//')"
metrics=$(tb_in a "$TB_BIN/twinbeat" --run-dir "$TB_WORK/a/run" metrics)
grep -qxF "twinbeat_vip_conflict{group=\"IPaddr2::$LB_VIP/24/eth0\",resource=\"IPaddr2::$LB_VIP/24/eth0\"} 1" <<<"$metrics" ||
  fail "no twinbeat_vip_conflict 1 for the IPv4 VIP: $(grep vip_ <<<"$metrics" | tr '\n' ' ')"
conflicts=$(sed -n 's/^twinbeat_vip_conflicts_total //p' <<<"$metrics")
((conflicts >= 2)) || fail "twinbeat_vip_conflicts_total is '$conflicts', not 2 or more"

step "The client was not hijacked: no ARP for the VIP from alpha or beta, and x still serves it"
garps=$(grep -F " spa=$LB_VIP " "$TB_WORK/arp" | grep -cE "sha=($mac_a|$mac_b)" || true)
probes=$(grep -F " spa=0.0.0.0 tpa=$LB_VIP" "$TB_WORK/arp" | grep -cE "sha=($mac_a|$mac_b)" || true)
note "the client saw $probes ARP probe(s) for the VIP from the nodes (sender IP 0.0.0.0), $garps frame(s) claiming it"
((probes >= 2)) || fail "the client saw no ARP probe from the nodes: was anything probed?"
((garps == 0)) || fail "a node sent $garps ARP frame(s) claiming the VIP: $(grep -F " spa=$LB_VIP " "$TB_WORK/arp")"
entry=$(tb_in c ip neigh show "$LB_VIP" dev eth0)
[[ $entry == *"lladdr $mac_x"* ]] || fail "the client's neighbour entry for the VIP is '$entry', not x's"
client_gets_x || fail "the client no longer reaches x's server on the VIP"

step "x lets go; 'twinbeat cleanup all' on alpha: it probes again, finds both free and takes both groups"
kill -TERM "${LB_PID[x]}"
tb_wait_gone "${LB_PID[x]}" 3000 || true  # it stops at once; 3 s covers PID 1's reaping
unset "LB_PID[x]"
tb_in x ip addr del "$LB_VIP/24" dev eth0
tb_in x ip addr del "$VIP6/64" dev eth0
tb_in a "$TB_BIN/twinbeat" --run-dir "$TB_WORK/a/run" cleanup all >/dev/null || fail "twinbeat cleanup all failed on alpha"
# A probe of 20 ms, the VIP, haproxy's check and start: 2 s bounds it.
lb_wait_holder a b 2000 || fail "alpha does not hold group 1: $(tb_status a | tail -6 | tr '\n' ' ')"
tb_wait_field a groups.1.here held 2000 || fail "alpha does not hold group 2: $(tb_field a groups.1.here)"
tb_in a ip -o addr show dev eth0 | grep -F " $VIP6/64" >/dev/null || fail "$VIP6 is not on alpha's eth0"
tb_expect_field a groups.0.resources.0.vip_conflict null
tb_expect_field a groups.1.resources.0.vip_conflict null
start_ms=$(tb_field a groups.1.resources.0.duration_ms)
note "alpha's IPv6 VIP start, with its probe: $start_ms ms"
lb_probe_start
lb_wait_served a 2000 || fail "the client is not served by alpha within 2 s"  # 200 requests, and a GARP
lb_probe_stop
pass
