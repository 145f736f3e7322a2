#!/usr/bin/env bash
# Ping nodes with auto_failback off: alpha's uplink is cut and the group
# moves to beta; the uplink comes back and the group stays on beta (even
# scores move nothing, and auto_failback is off). Then beta's uplink is cut:
# beta now reaches fewer and hands the group back to alpha. The VIP is never
# on both nodes.
set -euo pipefail
# shellcheck source=tests/e2e/lib_ping.sh
. "$(dirname "$0")/lib_ping.sh"
lb_init tb66p

deadping=1000  # ms, as written below
pn_start_pair classic "auto_failback off" "deadping 1s" "ping $PN_ADDR"
t_start=$(now_ms)

step "Cut alpha's uplink: the group moves to beta"
mark_a=$(tb_log_lines a)
pn_cut a
# deadping + hold, then a stop and a start: deadping x 2 + 4 s bounds it.
lb_wait_holder b a $((2 * deadping + 4000)) ||
  fail "the group did not move to beta: alpha $(pn_uplink a), beta $(pn_uplink b)"
lb_wait_served b 2000 || fail "the client is not served by beta"
tb_wait_log a "Releasing resource group: alpha $LB_GROUP (uplink:" 0 "$mark_a" || fail "alpha did not log the handover"

step "Restore alpha's uplink: the scores are even and, with auto_failback off, the group stays on beta"
mark_a=$(tb_log_lines a)
mark_b=$(tb_log_lines b)
pn_restore a
# A reply within an echo interval, the even scores held for deadping: 3 s bounds it.
for n in a b; do
  pn_wait_uplink "$n" 1 1 3000 || fail "${TB_NODE_NAME[$n]} does not see the ping node back: $(pn_uplink "$n")"
  wait_until $((deadping + 2000)) tb_field_is "$n" uplink.reach same ||
    fail "${TB_NODE_NAME[$n]}'s reach is not even: $(pn_uplink "$n")"
done
sleep $((3 * deadping / 1000))  # three deadpings more
lb_expect_holder b a
tb_expect_no_log b "Releasing resource group" "$mark_b"
tb_expect_no_log a "Acquiring resource group" "$mark_a"

step "Cut beta's uplink: beta now reaches fewer and hands the group to alpha"
mark_b=$(tb_log_lines b)
pn_cut b
lb_wait_holder a b $((2 * deadping + 4000)) ||
  fail "the group did not move to alpha: alpha $(pn_uplink a), beta $(pn_uplink b)"
lb_wait_served a 2000 || fail "the client is not served by alpha"
tb_wait_log b "uplink: this node reaches fewer ping nodes than alpha (0 < 1" 0 "$mark_b" ||
  fail "beta did not log its fewer ping nodes"
tb_wait_log b "Releasing resource group: alpha $LB_GROUP (uplink: beta reaches 0 of 1 ping node(s), alpha 1; handing it to the peer)" 0 "$mark_b" ||
  fail "beta did not log the handover"
tb_expect_field a uplink.ping_nodes.0.peer dead
tb_expect_field b uplink.ping_nodes.0.here dead

step "Restore beta's uplink: the group stays on alpha"
mark_a=$(tb_log_lines a)
pn_restore b
pn_wait_uplink a 1 1 3000 || fail "alpha does not see beta's ping node back: $(pn_uplink a)"
sleep $((3 * deadping / 1000))
lb_expect_holder a b
tb_expect_no_log a "Releasing resource group" "$mark_a"
lb_probe_stop

step "The VIP was never on both nodes"
both=$(lb_both "$t_start")
note "VIP on both nodes: $both"
[[ $(lb_kv "$both" both_ms) == 0 ]] || fail "the VIP was on both nodes: $both"
tb_expect_no_log a "Both machines own"
tb_expect_no_log b "Both machines own"
pass
