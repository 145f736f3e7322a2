#!/usr/bin/env bash
# Ping nodes with auto_failback on: alpha (preferred, holding the group) and
# beta both ping a router in its own namespace, over an uplink apart from
# the heartbeat link. Alpha's uplink is cut: once its ping node has been dead
# for deadping and the difference has held for another deadping, alpha hands
# the group to beta (stop, then offer) and beta, which reaches more, takes
# it; the heartbeat link never broke. Status, cl_status and metrics show the
# ping node as each node sees it and as its peer does. The uplink comes
# back: the scores are even again and the group returns to alpha. The VIP is
# never on both nodes.
set -euo pipefail
# shellcheck source=tests/e2e/lib_ping.sh
. "$(dirname "$0")/lib_ping.sh"
lb_init tb65p

deadping=1000  # ms, as written below
pn_start_pair classic "auto_failback on" "deadping 1s" "ping $PN_ADDR"
t_start=$(now_ms)

step "Status, cl_status and metrics show the ping node on both nodes"
text=$(tb_status a) || fail "no status from alpha"
grep -q "^uplink: this node reaches 1 of 1 ping node(s), beta 1; reach same" <<<"$text" ||
  fail "alpha's status has no uplink line: $text"
grep -A2 "^uplink:" <<<"$text" | while read -r line; do note "alpha: $line"; done
for n in a b; do
  tb_expect_field "$n" uplink.ping_nodes.0.name "$PN_ADDR"
  tb_expect_field "$n" uplink.ping_nodes.0.type ping
  tb_expect_field "$n" uplink.ping_nodes.0.here up
  tb_expect_field "$n" uplink.ping_nodes.0.peer up
  tb_expect_field "$n" uplink.reach same
  tb_expect_field "$n" uplink.deadping_ms "$deadping"
done
out=$(pn_cl_status a listnodes)
note "cl_status listnodes: $out"
[[ $out == "alpha beta $PN_ADDR rc=0" ]] || fail "cl_status listnodes: '$out'"
out=$(pn_cl_status a listnodes -p)
[[ $out == "$PN_ADDR rc=0" ]] || fail "cl_status listnodes -p: '$out'"
out=$(pn_cl_status a listnodes -n)
[[ $out == "alpha beta rc=0" ]] || fail "cl_status listnodes -n: '$out'"
out=$(pn_cl_status a nodestatus "$PN_ADDR")
[[ $out == "ping rc=0" ]] || fail "cl_status nodestatus $PN_ADDR: '$out'"
out=$(pn_cl_status a nodetype "$PN_ADDR")
[[ $out == "ping rc=0" ]] || fail "cl_status nodetype $PN_ADDR: '$out'"
metrics=$(tb_in a "$TB_BIN/twinbeat" --run-dir "$TB_WORK/a/run" metrics)
for want in "twinbeat_uplink_score 1" "twinbeat_uplink_peer_score 1" "twinbeat_uplink_reach 0" \
  "twinbeat_ping_node_up{ping_node=\"$PN_ADDR\"} 1" "twinbeat_ping_node_peer_up{ping_node=\"$PN_ADDR\"} 1"; do
  grep -qxF "$want" <<<"$metrics" || fail "metrics lack '$want'"
done

step "Cut alpha's uplink: alpha hands the group to beta, which reaches more"
mark_a=$(tb_log_lines a)
mark_b=$(tb_log_lines b)
t0=$(now_ms)
pn_cut a
# deadping for the ping node to die, deadping for the difference to hold,
# then a stop here and a start there (haproxy): deadping x 2 + 4 s bounds it.
lb_wait_holder b a $((2 * deadping + 4000)) ||
  fail "the group did not move to beta: alpha $(pn_uplink a), beta $(pn_uplink b)"
t1=$(now_ms)
note "cut to beta holding: $((t1 - t0)) ms (deadping $deadping ms, held $deadping ms)"
((t1 - t0 >= 2 * deadping - 300)) || fail "the group moved after $((t1 - t0)) ms, before deadping + hold"
lb_wait_served b 2000 || fail "the client is not served by beta"
tb_wait_log a "ping node $PN_ADDR: is dead" 0 "$mark_a" || fail "alpha did not log its ping node dead"
tb_wait_log a "uplink: this node reaches fewer ping nodes than beta (0 < 1" 0 "$mark_a" ||
  fail "alpha did not log its fewer ping nodes"
tb_wait_log a "Releasing resource group: alpha $LB_GROUP (uplink: alpha reaches 0 of 1 ping node(s), beta 1; handing it to the peer)" 0 "$mark_a" ||
  fail "alpha did not log the handover"
tb_wait_log b "Taking over resource group $LB_GROUP (uplink:" 0 "$mark_b" || fail "beta did not log its takeover"
tb_expect_no_log a "is dead (no heartbeat" "$mark_a"  # the heartbeat link is fine
tb_expect_no_log b "is dead (no heartbeat" "$mark_b"

step "Each node shows the ping node dead for alpha, up for beta, and the reach"
tb_expect_field a uplink.ping_nodes.0.here dead
tb_expect_field a uplink.ping_nodes.0.peer up
tb_expect_field b uplink.ping_nodes.0.here up
tb_expect_field b uplink.ping_nodes.0.peer dead
tb_expect_field a uplink.reach fewer
grep -A2 "^uplink:" <<<"$(tb_status a)" | while read -r line; do note "alpha: $line"; done
wait_until 1000 tb_field_is b uplink.reach more || fail "beta's reach: $(pn_uplink b)"
out=$(pn_cl_status a nodestatus "$PN_ADDR")
[[ $out == "dead rc=1" ]] || fail "cl_status nodestatus on alpha: '$out'"
metrics=$(tb_in b "$TB_BIN/twinbeat" --run-dir "$TB_WORK/b/run" metrics)
for want in "twinbeat_ping_node_up{ping_node=\"$PN_ADDR\"} 1" \
  "twinbeat_ping_node_peer_up{ping_node=\"$PN_ADDR\"} 0" "twinbeat_uplink_reach 1"; do
  grep -qxF "$want" <<<"$metrics" || fail "beta's metrics lack '$want'"
done

step "Nothing moves back while alpha's uplink stays down"
sleep $((3 * deadping / 1000))  # three deadpings
lb_expect_holder b a

step "Restore alpha's uplink: the scores are even, auto_failback on returns the group to alpha"
mark_a=$(tb_log_lines a)
mark_b=$(tb_log_lines b)
t0=$(now_ms)
pn_restore a
# An echo interval for a reply, deadping for the even scores to hold, a stop
# there and a start here: deadping + 4 s bounds it.
lb_wait_holder a b $((deadping + 4000)) ||
  fail "the group is not back on alpha: alpha $(pn_uplink a), beta $(pn_uplink b)"
note "restore to alpha holding: $(($(now_ms) - t0)) ms"
lb_wait_served a 2000 || fail "the client is not served by alpha"
tb_wait_log a "Status update for ping node $PN_ADDR: status ping" 0 "$mark_a" || fail "alpha did not log its ping node up"
tb_wait_log b "Releasing resource group: alpha $LB_GROUP (failback to its preferred node)" 0 "$mark_b" ||
  fail "beta did not log the failback"
for n in a b; do tb_expect_field "$n" uplink.reach same; done
lb_probe_stop

step "The VIP was never on both nodes"
both=$(lb_both "$t_start")
note "VIP on both nodes: $both"
[[ $(lb_kv "$both" both_ms) == 0 ]] || fail "the VIP was on both nodes: $both"
tb_expect_no_log a "Both machines own"
tb_expect_no_log b "Both machines own"
pass
