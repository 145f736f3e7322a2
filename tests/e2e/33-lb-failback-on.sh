#!/usr/bin/env bash
# auto_failback on behind a load balancer: alpha (preferred) is stopped
# gracefully and beta takes the group; alpha's daemon starts again and the
# group moves back: beta stops haproxy and removes the VIP, then alpha adds
# the VIP and starts haproxy. The client follows to alpha, and the VIP is
# never on both nodes, neither at the stop nor at the failback.
set -euo pipefail
# shellcheck source=tests/e2e/lib_lb.sh
. "$(dirname "$0")/lib_lb.sh"
lb_init tb33f

deadtime=$(tb_ms "$TB_DEADTIME")
initdead=$(tb_ms "$TB_INITDEAD")

lb_start_pair classic "auto_failback on"
t_start=$(now_ms)

step "Stop alpha's daemon gracefully: beta serves"
kill -TERM "${TB_PID[a]}"
# Release, goodbye, beta's VIP and haproxy (32-lb-graceful-stop.sh times
# it); deadtime + 1 s bounds it.
lb_wait_served b $((deadtime + 1000)) || fail "the client is not served by beta within deadtime + 1 s"
tb_stop_node a || fail "alpha's daemon exited $?"
lb_expect_holder b a

step "Start alpha's daemon again: beta hands the group back and the client is served by alpha"
mark_a=$(tb_log_lines a)
mark_b=$(tb_log_lines b)
tb_start_node a
t0=$(now_ms)
# Alpha starts and probes (nothing runs there), beta sees it stable and
# releases (haproxy stop, VIP), alpha starts the VIP and haproxy: a few
# keepalives and two script runs. initdead + 2 s bounds it.
lb_wait_holder a b $((initdead + 2000)) ||
  fail "the group is not back on alpha: a $(tb_field a groups.0.here), b $(tb_field b groups.0.here)"
lb_wait_served a 1000 || fail "the client is not served by alpha within 1 s of the failback"  # 100 requests
lb_probe_stop
tb_wait_log b "Releasing resource group: alpha $LB_GROUP (failback to its preferred node)" 0 "$mark_b" ||
  fail "beta did not log the failback"
tb_wait_log a "Acquiring resource group: alpha $LB_GROUP" 0 "$mark_a" || fail "alpha did not log its acquiring"
tb_expect_no_log a "Both machines own" "$mark_a"
tb_expect_no_log b "Both machines own" "$mark_b"
lb_report_outage "$t0" a
[[ -n $(lb_haproxy_pid a) ]] || fail "no haproxy runs on alpha"
[[ -z $(lb_haproxy_pid b) ]] || fail "haproxy still runs on beta"

step "The VIP was never on both nodes"
both=$(lb_both "$t_start")
note "VIP on both nodes: $both"
[[ $(lb_kv "$both" both_ms) == 0 ]] || fail "the VIP was on both nodes: $both"
pass
