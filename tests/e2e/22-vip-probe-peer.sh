#!/usr/bin/env bash
# The probe against our own peer. Two phases, no fence device:
#
# 1. With the VIP lease (the default): the heartbeats between the nodes are
#    cut (nftables, UDP 694 both ways on alpha) while the LAN still joins
#    them. Beta declares alpha dead and, once alpha's lease would have run
#    out (lease + 1.5 s), takes the group over; but alpha's daemon lives and
#    renews its VIP, so beta's ARP probe is answered by alpha's MAC: beta
#    does not add the VIP (CRIT, status), and the VIP is never on both
#    nodes. The client is served by alpha throughout. When the heartbeats
#    come back, alpha holds the group and beta does not.
# 2. With vip_lease off (Heartbeat's behaviour without STONITH: a takeover
#    at deadtime), alpha's daemon is SIGKILLed: its VIP stays in its kernel
#    and answers beta's probe, where alpha held the group when it went
#    silent. That is the silent peer's own copy, and this mode takes over
#    anyway: beta adds the VIP (a warning, status shows it added) and serves
#    the client, as 31-lb-sigkill-restart.sh expects.
set -euo pipefail
# shellcheck source=tests/e2e/lib_lb.sh
. "$(dirname "$0")/lib_lb.sh"
lb_init tb22p

deadtime=$(tb_ms "$TB_DEADTIME")
keepalive=$(tb_ms "$TB_KEEPALIVE")
initdead=$(tb_ms "$TB_INITDEAD")

# cut NODE / heal NODE: drop / let through every heartbeat in and out of NODE.
cut() {
  tb_in "$1" nft -f - <<NFT
table inet $PFX {
  chain input { type filter hook input priority 0; policy accept; udp dport 694 drop; }
  chain output { type filter hook output priority 0; policy accept; udp dport 694 drop; }
}
NFT
}
heal() { tb_in "$1" nft delete table inet "$PFX"; }

lb_start_pair classic "auto_failback on"
mac_a=$(lb_mac a)
lease=$(tb_field b fencing.vip_lease_ms)
[[ $lease =~ ^[0-9]+$ ]] || fail "no VIP lease in force (fencing.vip_lease_ms is '$lease')"

limit=$((lease + 1500 + deadtime + 2000))
step "Cut the heartbeats on alpha, the LAN still up: beta's probe is answered by alpha ($mac_a) within lease + 1.5 s + deadtime + 2 s ($limit ms)"
mark_b=$(tb_log_lines b)
lb_arp_sniff_start "$TB_WORK/arp" $((limit + 500))
t_cut=$(now_ms)
cut a
tb_wait_log b "node alpha: is dead" $((deadtime + keepalive + 1000)) "$mark_b" ||  # deadtime + keepalive + 1 s
  fail "beta did not declare alpha dead"
tb_wait_log b "$LB_VIP is in use on eth0 by $mac_a (it answered our ARP probe): not adding it" "$limit" "$mark_b" ||
  fail "beta did not refuse the VIP alpha still holds"
t_refused=$(now_ms)
note "beta refused the VIP $((t_refused - t_cut)) ms after the cut (lease $lease ms + 1.5 s)"
grep -F "$LB_VIP is in use on eth0 by $mac_a" "$TB_WORK/b/node.log" | grep CRIT >/dev/null || fail "beta's refusal is not CRIT"
tb_expect_no_log b "adding it anyway" "$mark_b"
tb_wait_field b groups.0.here none 2000 || fail "beta: group is $(tb_field b groups.0.here)"  # haproxy's stop
tb_expect_field b groups.0.resources.0.vip_conflict.mac "$mac_a"
tb_expect_field b groups.0.resources.0.vip_conflict.added false
tb_expect_field a groups.0.here held
lb_vip_here a || fail "alpha's VIP is gone"
! lb_vip_here b || fail "the VIP is on beta's eth0"
lb_arp_sniff_wait

step "The VIP was never on both nodes; the client was served by alpha only and got no ARP for the VIP from beta"
t_now=$(now_ms)
both=$(lb_both "$t_cut" "$t_now")
note "VIP on both nodes: $both"
[[ $(lb_kv "$both" both_ms) == 0 ]] || fail "the VIP was up on both nodes: $both"
lb_served_since b "$t_cut" && fail "beta answered the client"
lb_report_outage "$t_cut" a "$t_now"
mac_b=$(lb_mac b)
claims=$(grep -cF "sha=$mac_b spa=$LB_VIP " "$TB_WORK/arp" || true)
((claims == 0)) || fail "beta sent $claims ARP frame(s) claiming the VIP"

step "Let the heartbeats through: alpha holds the group, beta does not"
mark_b=$(tb_log_lines b)
heal a
tb_wait_field b peer_liveness alive $((keepalive + 1000)) || fail "beta does not hear alpha again"  # a keepalive + 1 s
lb_wait_holder a b 2000 || fail "the group is not on alpha alone: a $(tb_field a groups.0.here), b $(tb_field b groups.0.here)"
tb_expect_no_log b "Both machines own resource group" "$mark_b"
note "beta after the heal: group blocked there: $(tb_field b groups.0.blocked || echo unknown) (a failed start blocks it until 'twinbeat cleanup')"
lb_probe_stop

step "Phase 2: restart both daemons with vip_lease off; alpha takes the group"
tb_stop_node b >/dev/null || true
tb_stop_node a >/dev/null || true
for n in a b; do echo "vip_lease off" >>"$TB_WORK/$n/conf/ha.cf"; done
tb_start_node a
tb_start_node b
tb_wait_pair_up $((initdead + 1000))  # initdead + 1 s
lb_wait_holder a b 2000 || fail "alpha does not hold the group"  # a keepalive, the probe, the VIP, haproxy
lb_probe_start
lb_wait_served a 1000 || fail "the client is not served by alpha within 1 s"  # 100 requests

limit=$((deadtime + keepalive + 1000))
step "SIGKILL alpha's daemon: beta's probe hears alpha's stale VIP and takes over anyway, serving within $limit ms"
mark_b=$(tb_log_lines b)
disown "${TB_PID[a]}"  # no "Killed" line from bash; tb_kill_node still collects it
t0=$(now_ms)
kill -KILL "${TB_PID[a]}"
# Detection takes deadtime (+ a keepalive of phase); the second covers the
# probe, the VIP, the ARP announcement and haproxy's check and start.
lb_wait_served b "$limit" || fail "the client is not served by beta within $limit ms"
tb_kill_node a
lb_report_outage "$t0" b "$(now_ms)"
tb_wait_log b "$LB_VIP still answers on eth0 from $mac_a, where the silent peer held it: adding it anyway" 0 "$mark_b" ||
  fail "beta did not say it adds the VIP alpha still answers for"
tb_expect_field b groups.0.here held
tb_expect_field b groups.0.resources.0.vip_conflict.mac "$mac_a"
tb_expect_field b groups.0.resources.0.vip_conflict.added true
lb_probe_stop
pass
