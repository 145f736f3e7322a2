#!/usr/bin/env bash
# Link down behind a load balancer: alpha serves the VIP through haproxy
# (classic mode); its eth0 goes down. Beta declares alpha dead after
# deadtime, takes the VIP and starts haproxy, and the client (a request every
# 10 ms) is served by beta; the outage is reported. Alpha, cut off, keeps the
# group on its downed interface, where nothing reaches it, so the VIP is
# never reachable on both nodes while the link is down. When the link comes
# back both hold the group: the preferred node (alpha) keeps it and beta
# releases it (the time both had it is reported). Whether the client follows
# is 36-lb-partition-heal.sh.
# vip_lease off: Heartbeat's behaviour without STONITH, a takeover right
# after deadtime (with a VIP lease, beta waits for alpha's VIPs to expire).
set -euo pipefail
# shellcheck source=tests/e2e/lib_lb.sh
. "$(dirname "$0")/lib_lb.sh"
lb_init tb30l

deadtime=$(tb_ms "$TB_DEADTIME")
keepalive=$(tb_ms "$TB_KEEPALIVE")
initdead=$(tb_ms "$TB_INITDEAD")

lb_start_pair classic "auto_failback on" "vip_lease off"

limit=$((deadtime + keepalive + 1000))
step "Set alpha's eth0 down: the client is served by beta within deadtime + keepalive + 1 s ($limit ms)"
mark_b=$(tb_log_lines b)
t0=$(now_ms)
ip -n "$PFX-a" link set eth0 down
# Detection takes deadtime (+ a keepalive of phase); the second covers
# the VIP, the ARP announcement and haproxy's check and start (~200 ms).
lb_wait_served b "$limit" || fail "the client is not served by beta within $limit ms"
t_served=$(now_ms)
tb_wait_log b "node alpha: is dead" 0 "$mark_b" || fail "beta served without declaring alpha dead"
lb_report_outage "$t0" b "$t_served"
((LB_OUTAGE_MS >= deadtime - keepalive)) ||
  fail "beta served after $LB_OUTAGE_MS ms, before deadtime - keepalive: it took over too early"

step "Beta holds the group and runs haproxy; alpha, cut off, still holds it on its downed eth0"
tb_expect_field b groups.0.here held
tb_expect_field b peer_liveness dead
lb_vip_here b || fail "the VIP is not on beta's eth0"
[[ -n $(lb_haproxy_pid b) ]] || fail "no haproxy runs on beta"
# Alpha hears nothing either: deadtime after the cut it declares beta dead.
tb_wait_field a peer_liveness dead $((deadtime + 1000)) || fail "alpha: peer_liveness $(tb_field a peer_liveness)"
tb_expect_field a groups.0.here held
note "alpha: $(ip -n "$PFX-a" -o addr show dev eth0 | grep -F " $LB_VIP/" | awk '{print $4}') on eth0, which is down"

step "While the link was down, the VIP was never reachable on both nodes"
t_heal=$(now_ms)
both=$(lb_both "$t0" "$t_heal")
note "VIP up on both nodes: $both"
[[ $(lb_kv "$both" both_ms) == 0 ]] || fail "the VIP was up on both nodes: $both"

step "Set alpha's eth0 up: both hold the group, beta releases it, alpha keeps it"
mark_b=$(tb_log_lines b)
ip -n "$PFX-a" link set eth0 up
# A heartbeat each way (a keepalive, and the route back), then beta's
# release: haproxy stop and the VIP. 2 s bounds it.
lb_wait_holder a b 2000 || fail "the group is not back to alpha alone: a $(tb_field a groups.0.here), b $(tb_field b groups.0.here)"
lb_expect_holder a b
tb_wait_log b "Releasing resource group" 0 "$mark_b" || fail "beta did not log its release"
[[ -z $(lb_haproxy_pid b) ]] || fail "haproxy still runs on beta"
heal=$(lb_both "$t_heal")
note "VIP up on both nodes after the link came back, until beta released it: $heal"

lb_probe_stop
pass
