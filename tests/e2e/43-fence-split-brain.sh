#!/usr/bin/env bash
# Split brain with real fencing: alpha and beta, both alive in their lab
# domains with fence_virt (TCP) devices, alpha holding the group behind
# haproxy. nftables then drops every heartbeat (UDP 694, both ways) on both
# nodes: each declares the other dead, and each would shoot. Exactly one is
# fenced, and it is beta: alpha holds the group and shoots at once; beta
# holds nothing and waits fence_delay first, so alpha's shot lands while beta
# is still waiting. Alpha keeps the VIP all along, and the client is never
# out for longer than the detection.
#
# fence_delay 3s: beta must still be waiting when alpha's shot has powered it
# off. Both detect the silence within a keepalive of each other (deadtime
# after the cut); alpha's shot then takes fence_virt's off (0.3 s when the
# victim's processes end on libvirt's SIGTERM, 1.8 s when one ignores it and
# waits for the SIGKILL at 1.6 s) plus its status (~20 ms). 3 s covers the
# worst case with over a second to spare; the 5 s default would too.
set -euo pipefail
# shellcheck source=tests/e2e/lib_lb.sh
. "$(dirname "$0")/lib_lb.sh"
# shellcheck source=tests/e2e/lib_fence.sh
. "$(dirname "$0")/lib_fence.sh"
lb_init tb43s

deadtime=$(tb_ms "$TB_DEADTIME")
keepalive=$(tb_ms "$TB_KEEPALIVE")
initdead=$(tb_ms "$TB_INITDEAD")
fence_delay=3000

step "Build the topology and the lab: haproxy on alpha and beta, backends, a client, fence_virtd on TCP"
lb_topology
fence_lab_up --power-nics
common="ipaddr=$FL_ADDR ipport=$FL_TCP_PORT key_file=$FL_KEY"
lb_write_twinbeat classic "fence_delay 3s" \
  "stonith_host alpha fence_virt $common port=$PFX-b" "stonith_host beta fence_virt $common port=$PFX-a"

step "Start alpha and beta in their domains; alpha takes the group; both devices check ok"
fence_lab_define_node a  # both defined first: each device's list names the other's domain
fence_lab_define_node b
fence_lab_node a
fence_lab_node b
tb_wait_pair_up $((initdead + 2000))  # initdead + 2 s: the domains start in ~0.5 s
lb_wait_holder a b 3000 || fail "alpha does not hold the group"  # a keepalive, the VIP, haproxy's start
for n in a b; do
  tb_wait_field "$n" fencing.devices.0.health ok 5000 ||  # monitor and list: ~0.1 s each
    fail "${TB_NODE_NAME[$n]}'s fence device: $(tb_field "$n" fencing.devices)"
done
lease=$(tb_field a fencing.vip_lease_ms)
note "fence_delay 3 s, VIP lease $lease ms (the default: alpha renews it while it runs)"

step "The client, requesting the VIP every 10 ms, is served by alpha"
lb_watch_start
lb_probe_start
lb_wait_served a 1000 || fail "the client is not served by alpha within 1 s"  # 100 requests
daemon_a=${TB_PID[a]}
daemon_b=${TB_PID[b]}
mapfile -t pids_b < <(fence_lab_pids "$PFX-b")

limit=$((deadtime + keepalive + 2000))
step "Cut the heartbeats both ways on both nodes: alpha reports beta reset within deadtime + keepalive + 2 s ($limit ms)"
mark_a=$(tb_log_lines a)
mark_b=$(tb_log_lines b)
t_reset=""
tb_watch_start "$TB_WORK/a/node.log" "node beta now reset." $((limit + 1000))  # + 1 s of slack
t0=$(now_ms)
fence_lab_cut a
fence_lab_cut b
# Alpha: deadtime, then at once its shot (off ~0.3 s: beta's daemon stops on SIGTERM).
tb_watch_result t_reset || fail "alpha did not log 'node beta now reset.' within $((limit + 1000)) ms"
note "alpha: beta reset $((t_reset - t0)) ms after the cut; last shot: $(tb_field a fencing.last_shot)"

step "Alpha shot at once, beta only waited: one shot in all, at beta"
for line in "node beta: is dead" "Resetting node beta with [fence_virt port=$PFX-b action=off]" \
  "node beta now reset." "node beta is fenced: taking over."; do
  tb_wait_log a "$line" 0 "$mark_a" || fail "alpha did not log '$line'"
done
(($(tb_log_count a "Resetting node" "$mark_a") == 1)) || fail "alpha shot more than once"
tb_wait_log b "node alpha: is dead" 0 "$mark_b" || fail "beta never declared alpha dead"
tb_expect_no_log b "Resetting node alpha" "$mark_b"
tb_expect_no_log b "Taking over" "$mark_b"
tb_expect_field a fencing.state confirmed
tb_expect_field a fencing.attempts 1

step "Beta's domain is shut off and its processes gone; alpha's runs on, its daemon alive (state 1 s, pids 3 s)"
fence_lab_wait_state "$PFX-b" "shut off" 1000 || fail "$PFX-b is '$(fence_lab_state "$PFX-b")'"
for pid in "$daemon_b" "${pids_b[@]}"; do tb_wait_gone "$pid" 3000 || fail "pid $pid of $PFX-b survived the fence"; done
[[ $(fence_lab_state "$PFX-a") == running ]] || fail "$PFX-a is '$(fence_lab_state "$PFX-a")'"
! tb_gone "$daemon_a" || fail "alpha's daemon is gone"
note "beta said, before it went: $(awk -v m="$mark_b" 'NR > m' "$TB_WORK/b/node.log" | grep -E 'is dead|STONITH|fence|shutdown' | sed 's/^.*twinbeatd\[[0-9]*\]: //' | paste -sd'|')"

step "Alpha holds the group and the VIP still, alone; the client saw no outage longer than the detection"
# Past beta's fence_delay: had beta survived, it would have shot by now.
sleep $(((fence_delay + 500) / 1000))  # fence_delay + 0.5 s from the shot, rounded down
lb_expect_holder a b
tb_expect_no_log a "Releasing" "$mark_a"
t_end=$(now_ms)
s=$(lb_outage "$t0" a "$t_end")
note "client from the cut on: $s"
gap=$(lb_kv "$s" longest_gap_ms)
((gap <= deadtime)) || fail "the client went $gap ms without an answer, longer than the detection ($deadtime ms)"
off_a=$(awk -v t="$t0" '$1 >= t && $2 == "off"' "$TB_WORK/a/vip.watch" | wc -l)
on_b=$(awk -v t="$t0" '$1 >= t && $2 == "on"' "$TB_WORK/b/vip.watch" | wc -l)
((off_a == 0)) || fail "alpha's VIP went away $off_a time(s)"
((on_b == 0)) || fail "beta had the VIP $on_b time(s)"
both=$(lb_both "$t0")
[[ $(lb_kv "$both" both_ms) == 0 ]] || fail "the VIP was on both nodes: $both"
note "VIP: on alpha throughout, never on beta; on both: $both; longest gap for the client $gap ms"
drops=$(fence_lab_cut_drops a)
note "heartbeats the cut dropped in alpha's namespace: $drops"
((drops > 0)) || fail "the cut dropped nothing: the nodes did not lose each other through it"
lb_probe_stop
pass
