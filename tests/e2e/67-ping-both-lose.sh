#!/usr/bin/env bash
# Ping nodes lost by both nodes, and a flicker: the ping node itself goes
# off the uplink, so alpha and beta lose it within moments of each other;
# both show it dead and reach 0, and nothing moves. Then, the ping node back,
# alpha's uplink flickers: its ping node dies and comes back before the
# difference has held for deadping, and nothing moves either. Last, a reload
# adds an IPv6 ping node on both: both reach two, nothing moves.
set -euo pipefail
# shellcheck source=tests/e2e/lib_ping.sh
. "$(dirname "$0")/lib_ping.sh"
lb_init tb67p

deadping=2000  # ms, as written below
pn_start_pair classic "auto_failback on" "deadping 2s" "ping_group router $PN_ADDR 10.98.0.253"
t_start=$(now_ms)
tb_expect_field a uplink.ping_nodes.0.name router
tb_expect_field a uplink.ping_nodes.0.type ping_group
# Nobody has .253: the group is up through .254 alone (.253 dead deadping after start).
wait_until $((deadping + 1000)) tb_field_is a uplink.ping_nodes.0.targets.1.state dead ||
  fail "alpha: 10.98.0.253 is not dead: $(tb_fields a uplink.ping_nodes.0.targets.1.state)"
tb_expect_field a uplink.ping_nodes.0.here up

step "The ping node leaves the uplink: both nodes lose it, nothing moves"
declare -A mark=([a]=$(tb_log_lines a) [b]=$(tb_log_lines b))
pn_cut p
# deadping for it to die on each node, and a heartbeat: deadping + 2 s bounds it.
for n in a b; do
  pn_wait_uplink "$n" 0 0 $((deadping + 2000)) || fail "${TB_NODE_NAME[$n]} does not see both at 0: $(pn_uplink "$n")"
  tb_expect_field "$n" uplink.ping_nodes.0.here dead
  tb_expect_field "$n" uplink.ping_nodes.0.peer dead
done
sleep $((2 * deadping / 1000))  # twice the hold
lb_expect_holder a b
for n in a b; do
  tb_expect_field "$n" uplink.reach same
  tb_expect_no_log "$n" "uplink: this node reaches" "${mark[$n]}"
  tb_expect_no_log "$n" "Releasing resource group" "${mark[$n]}"
  tb_wait_log "$n" "ping node router: is dead" 0 "${mark[$n]}" ||
    fail "${TB_NODE_NAME[$n]} did not log the ping node dead"
done
out=$(pn_cl_status b nodestatus router)
[[ $out == "dead rc=1" ]] || fail "cl_status nodestatus router on beta: '$out'"

step "The ping node is back"
pn_restore p
for n in a b; do
  pn_wait_uplink "$n" 1 1 3000 || fail "${TB_NODE_NAME[$n]} does not see it back: $(pn_uplink "$n")"
done

step "Alpha's uplink flickers: its ping node dies and answers again within the hold, nothing moves"
mark_a=$(tb_log_lines a)
pn_block a
tb_wait_log a "ping node router: is dead" $((deadping + 1000)) "$mark_a" || fail "alpha's ping node did not die"
sleep 0.3
pn_unblock a
# The next echo, a quarter of deadping later, is answered: 1 s bounds it.
tb_wait_log a "Status update for ping node router: status ping" 1000 "$mark_a" || fail "alpha's ping node did not come back"
sleep $((2 * deadping / 1000))  # past any hold that could have started
lb_expect_holder a b
tb_expect_no_log a "uplink: this node reaches fewer" "$mark_a"
tb_expect_no_log a "Releasing resource group" "$mark_a"

step "Reload both nodes with an IPv6 ping node added: what each knew carries over, nothing moves"
mark_a=$(tb_log_lines a)
for n in a b; do
  echo "ping6 $PN_ADDR6" >>"$TB_WORK/$n/conf/ha.cf"
  out=$(tb_in "$n" "$TB_BIN/twinbeat" --run-dir "$TB_WORK/$n/run" reload 2>&1) ||
    fail "reload of ${TB_NODE_NAME[$n]} failed: $out"
  [[ $out == *"2 ping node(s)"* ]] || fail "${TB_NODE_NAME[$n]}'s reload does not name the ping nodes: $out"
done
for n in a b; do
  # One echo interval and a heartbeat: 2 s bounds it.
  pn_wait_uplink "$n" 2 2 2000 || fail "${TB_NODE_NAME[$n]} does not reach both ping nodes: $(pn_uplink "$n")"
  tb_expect_field "$n" uplink.ping_nodes.1.name "$PN_ADDR6"
  tb_expect_field "$n" uplink.ping_nodes.1.peer up
  tb_expect_field "$n" uplink.reach same
done
lb_expect_holder a b
tb_expect_no_log a "Releasing resource group" "$mark_a"
lb_probe_stop

step "The VIP never moved: the client was served by alpha alone"
both=$(lb_both "$t_start")
[[ $(lb_kv "$both" both_ms) == 0 ]] || fail "the VIP was on both nodes: $both"
lb_report_outage "$t_start" a
! lb_served_since b "$t_start" || fail "beta answered the client"
tb_expect_no_log a "Both machines own"
tb_expect_no_log b "Both machines own"
pass
