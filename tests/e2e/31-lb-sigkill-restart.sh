#!/usr/bin/env bash
# SIGKILL behind a load balancer: alpha serves the VIP through haproxy
# (classic mode). Its daemon is SIGKILLed: haproxy and the VIP stay on alpha
# (nothing fences it yet), and beta, after deadtime, takes the group and
# serves the client. The VIP is then on both nodes, which is expected until
# fencing exists (TODO(issue 6)): the time is reported, not judged. Alpha's
# daemon is restarted: it finds its stale VIP and haproxy, sees that beta
# holds the group and removes its copy; then, auto_failback being on, beta
# hands the group back and alpha serves again. The VIP ends on alpha only.
# vip_lease off: Heartbeat's behaviour without STONITH (37-lb-sigkill-lease.sh
# is the same fault with the default VIP lease).
set -euo pipefail
# shellcheck source=tests/e2e/lib_lb.sh
. "$(dirname "$0")/lib_lb.sh"
lb_init tb31k

deadtime=$(tb_ms "$TB_DEADTIME")
keepalive=$(tb_ms "$TB_KEEPALIVE")
initdead=$(tb_ms "$TB_INITDEAD")

lb_start_pair classic "auto_failback on" "vip_lease off"

limit=$((deadtime + keepalive + 1000))
step "SIGKILL alpha's daemon: the client is served by beta within deadtime + keepalive + 1 s ($limit ms)"
haproxy_a=$(lb_haproxy_pid a)
mark_b=$(tb_log_lines b)
disown "${TB_PID[a]}"  # no "Killed" line from bash; tb_kill_node still collects it
t0=$(now_ms)
kill -KILL "${TB_PID[a]}"
# Detection takes deadtime (+ a keepalive of phase); the second covers
# the VIP, the ARP announcement and haproxy's check and start.
lb_wait_served b "$limit" || fail "the client is not served by beta within $limit ms"
t_served=$(now_ms)
tb_kill_node a  # collects the killed daemon
lb_report_outage "$t0" b "$t_served"
((LB_OUTAGE_MS >= deadtime - keepalive)) ||
  fail "beta served after $LB_OUTAGE_MS ms, before deadtime - keepalive: it took over too early"

step "Beta declared alpha dead, warned that nothing fences it, and took the group"
for line in "node alpha: is dead" "No STONITH device configured" "Taking over resource group $LB_GROUP" \
  "Resource group $LB_GROUP acquired."; do
  tb_wait_log b "$line" 1000 "$mark_b" || fail "beta did not log '$line'"  # acquired: haproxy's start
done
tb_expect_field b groups.0.here held
tb_expect_field b peer_liveness dead
[[ -n $(lb_haproxy_pid b) ]] || fail "no haproxy runs on beta"

step "Alpha's stale VIP and haproxy are still there: the VIP is on both nodes (needs fencing: reported)"
lb_vip_here a || fail "alpha's VIP went away although nothing removed it"
[[ $(lb_haproxy_pid a) == "$haproxy_a" ]] || fail "alpha's haproxy ($haproxy_a) is gone"
t_restart=$(now_ms)
note "VIP on both nodes so far: $(lb_both "$t0")"

step "Restart alpha's daemon: it removes its stale copy, then the group fails back to alpha"
mark_a=$(tb_log_lines a)
mark_b=$(tb_log_lines b)
tb_start_node a
# Alpha hears beta within a keepalive of starting, stops its stale haproxy
# and VIP; beta then releases (failback) and alpha starts the group:
# initdead + 2 s bounds the lot.
lb_wait_holder a b $((initdead + 2000)) ||
  fail "the group is not on alpha alone: a $(tb_field a groups.0.here), b $(tb_field b groups.0.here)"
lb_expect_holder a b
tb_wait_log a "Releasing resource group: alpha $LB_GROUP (held by beta)" 0 "$mark_a" ||
  fail "alpha did not release the copy it found at start-up"
tb_wait_log b "Releasing resource group: alpha $LB_GROUP (failback to its preferred node)" 0 "$mark_b" ||
  fail "beta did not release the group for failback"
tb_expect_no_log b "Both machines own resource group" "$mark_b"
[[ -z $(lb_haproxy_pid b) ]] || fail "haproxy still runs on beta"
tb_gone "$haproxy_a" || fail "alpha's stale haproxy ($haproxy_a) still runs"
[[ -n $(lb_haproxy_pid a) ]] || fail "no haproxy runs on alpha"

step "The client is served by alpha again"
lb_wait_served a 1000 || fail "the client is not served by alpha within 1 s"  # 100 requests
lb_probe_stop
both=$(lb_both "$t0")
after=$(lb_both "$t_restart")
note "VIP on both nodes from the kill on: $both; of which after the restart: $after"
[[ $(lb_kv "$both" still_both) == no ]] || fail "the VIP is still on both nodes"
pass
