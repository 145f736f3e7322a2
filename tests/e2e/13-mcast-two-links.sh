#!/usr/bin/env bash
# Two mcast links on the same group and port, one per interface: a cut on
# eth1 kills only link eth1 (no datagram is credited to the wrong link), and
# after beta's eth1 is deleted and re-created it joins the group again and
# the link comes back up.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
tb_init tb13m

step "Build two nodes with mcast 239.192.0.42:694 on eth0 and on eth1, and start them"
tb_topology 2
tb_write_config "mcast eth0 239.192.0.42 694 1 0" "mcast eth1 239.192.0.42 694 1 0"
tb_start_node a
tb_start_node b
tb_wait_pair_up $(($(tb_ms "$TB_INITDEAD") + 1000))  # initdead + 1 s
deadtime=$(tb_ms "$TB_DEADTIME")
keepalive=$(tb_ms "$TB_KEEPALIVE")
for n in a b; do
  tb_expect_field "$n" links.0.label eth0
  tb_expect_field "$n" links.1.label eth1
done

step "Both links carry traffic, nothing dropped"
tb_expect_traffic eth0
tb_expect_traffic eth1

step "Drop heartbeats arriving on beta's eth1: beta declares link eth1 dead, eth0 stays up"
mark_b=$(tb_log_lines b)
tb_in b nft -f - <<NFT
table inet $PFX {
  chain input {
    type filter hook input priority 0; policy accept;
    iifname "eth1" udp dport 694 drop
  }
}
NFT
tb_wait_log b "Link alpha:eth1 dead." $((deadtime + keepalive + 1000)) "$mark_b" ||  # deadtime + keepalive + 1 s
  fail "beta did not declare link eth1 dead"
in0=$(tb_field b links.eth0.packets_in)
sleep 0.5  # 10 keepalives
in1=$(tb_field b links.eth0.packets_in)
e1=$(tb_field b links.eth1.packets_in)
sleep 0.5
e2=$(tb_field b links.eth1.packets_in)
note "beta: eth0 in +$((in1 - in0)) in 0.5 s; eth1 in +$((e2 - e1)) in 0.5 s"
((in1 - in0 >= 5)) || fail "beta's eth0 link received $((in1 - in0)) in 0.5 s"
((e2 == e1)) || fail "beta's eth1 link still counts packets ($e1 -> $e2) that its interface drops: credited to the wrong link"
tb_expect_field b links.eth0.state up
tb_expect_field b peer.state up

step "Remove the rule: link eth1 comes back up on beta within 1 s"
mark_b=$(tb_log_lines b)
tb_in b nft delete table inet "$PFX"
tb_wait_log b "Link alpha:eth1 up." 1000 "$mark_b" || fail "beta's eth1 link did not come back"  # a keepalive; 1 s slack

step "Delete and re-create beta's eth1: beta joins the group again and the link comes back up"
mark_b=$(tb_log_lines b)
tb_unplug b 1
tb_wait_log b "Link alpha:eth1 dead." $((deadtime + keepalive + 1000)) "$mark_b" ||
  fail "beta did not declare link eth1 dead after its interface went"
mark_b=$(tb_log_lines b)
tb_plug b 1
tb_wait_log b "Link alpha:eth1 up." 2000 "$mark_b" ||  # a keepalive after the join; 2 s for address set-up
  fail "beta's eth1 link did not come back after eth1 was re-created (group not joined again?)"
grep -q 239.192.0.42 <<<"$(tb_in b ip maddr show dev eth1)" || fail "beta's new eth1 has not joined 239.192.0.42"
tb_expect_traffic eth1

step "Nobody was declared dead"
tb_expect_no_log a "is dead"
tb_expect_no_log b "is dead"
pass
