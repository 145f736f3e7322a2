#!/usr/bin/env bash
# auto_failback off behind a load balancer: alpha (preferred) is stopped
# gracefully and beta takes the group; alpha's daemon starts again and the
# group stays on beta: the client keeps being served by beta, without a
# failed request, and the VIP is never on both nodes.
set -euo pipefail
# shellcheck source=tests/e2e/lib_lb.sh
. "$(dirname "$0")/lib_lb.sh"
lb_init tb34o

deadtime=$(tb_ms "$TB_DEADTIME")
initdead=$(tb_ms "$TB_INITDEAD")

lb_start_pair classic "auto_failback off"
t_start=$(now_ms)

step "Stop alpha's daemon gracefully: beta serves"
kill -TERM "${TB_PID[a]}"
# Release, goodbye, beta's VIP and haproxy (32-lb-graceful-stop.sh times
# it); deadtime + 1 s bounds it.
lb_wait_served b $((deadtime + 1000)) || fail "the client is not served by beta within deadtime + 1 s"
tb_stop_node a || fail "alpha's daemon exited $?"
lb_expect_holder b a

step "Start alpha's daemon again: both see each other, and beta keeps the group"
mark_a=$(tb_log_lines a)
mark_b=$(tb_log_lines b)
tb_start_node a
t0=$(now_ms)
tb_wait_pair_up $((initdead + 1000))  # initdead + 1 s
# With auto_failback on, beta would have released within a few keepalives
# of seeing alpha stable (33-lb-failback-on.sh: well under a second); give
# it two deadtimes to do the wrong thing.
sleep $(((2 * deadtime) / 1000)).$(((2 * deadtime) % 1000 / 100))  # two deadtimes
lb_expect_holder b a
tb_expect_field a groups.0.peer held
tb_expect_no_log b "Releasing resource group" "$mark_b"
tb_expect_no_log a "Acquiring resource group" "$mark_a"
[[ -n $(lb_haproxy_pid b) ]] || fail "no haproxy runs on beta"
[[ -z $(lb_haproxy_pid a) ]] || fail "haproxy runs on alpha"

step "The client was served by beta all along since alpha came back"
lb_probe_stop
lb_report_outage "$t0" b
((LB_FAILED == 0)) || fail "$LB_FAILED requests failed after alpha came back"
s=$(lb_outage "$t0" b)
[[ $(lb_kv "$s" by_node) == beta:* && $(lb_kv "$s" by_node) != *,* ]] || fail "the client was not served by beta alone: $s"

step "The VIP was never on both nodes"
both=$(lb_both "$t_start")
note "VIP on both nodes: $both"
[[ $(lb_kv "$both" both_ms) == 0 ]] || fail "the VIP was on both nodes: $both"
pass
