#!/usr/bin/env bash
# Graceful stop behind a load balancer: alpha serves the VIP through haproxy
# (classic mode: haproxy runs only where the VIP is); SIGTERM to alpha's
# daemon stops haproxy, removes the VIP and says goodbye, and beta takes the
# group at once, without waiting for deadtime. The client, requesting every
# 10 ms, is served by beta well within deadtime, and the VIP is never on
# both nodes.
set -euo pipefail
# shellcheck source=tests/e2e/lib_lb.sh
. "$(dirname "$0")/lib_lb.sh"
lb_init tb32g

deadtime=$(tb_ms "$TB_DEADTIME")
initdead=$(tb_ms "$TB_INITDEAD")

lb_start_pair classic "auto_failback on"
lb_expect_holder a b
[[ -n $(lb_haproxy_pid a) ]] || fail "no haproxy runs on alpha"
[[ -z $(lb_haproxy_pid b) ]] || fail "haproxy runs on beta, which does not hold the group (classic mode)"

step "SIGTERM alpha's daemon: beta has the VIP within deadtime ($deadtime ms), and serves the client"
mark_b=$(tb_log_lines b)
t0=$(now_ms)
kill -TERM "${TB_PID[a]}"
# Release (haproxy stop, VIP remove), goodbye, then beta's VIP and haproxy:
# no deadtime wait. Waiting deadtime + 1 s shows a miss by how much.
lb_wait_served b $((deadtime + 1000)) || fail "the client is not served by beta within deadtime + 1 s"
sleep 0.3  # 30 more requests, to see that beta keeps serving
lb_probe_stop
lb_report_outage "$t0" b
[[ -n $LB_OUTAGE_MS ]] || fail "beta never answered the client"
# The takeover itself is the VIP reaching beta; haproxy's start (~150 to
# 350 ms here) comes on top in classic mode and is no wait for deadtime.
on_b=$(awk -v t="$t0" '$1 >= t && $2 == "on" { printf "%.0f", $1; exit }' "$TB_WORK/b/vip.watch")
[[ -n $on_b ]] || fail "beta never had the VIP"
note "beta had the VIP $((on_b - t0)) ms after the SIGTERM"
((on_b - t0 < deadtime)) ||
  fail "beta added the VIP $((on_b - t0)) ms after the SIGTERM, not before deadtime ($deadtime ms): it waited for alpha to be declared dead"

step "Alpha's daemon exits 0 after releasing; beta got its goodbye and declared nobody dead"
rc=0
tb_stop_node a || rc=$?
((rc == 0)) || fail "alpha exited $rc"
tb_wait_log a "All HA resources relinquished." 0 || fail "alpha did not log 'All HA resources relinquished.'"
tb_wait_log b "Received shutdown notice from 'alpha'." 0 "$mark_b" || fail "beta did not log alpha's shutdown notice"
tb_expect_no_log b "is dead" "$mark_b"
tb_expect_no_log b "No STONITH device configured" "$mark_b"

step "Beta holds the group and runs haproxy; alpha has neither the VIP nor haproxy"
lb_expect_holder b a
tb_expect_field b peer_liveness left
[[ -n $(lb_haproxy_pid b) ]] || fail "no haproxy runs on beta"
[[ -z $(lb_haproxy_pid a) ]] || fail "haproxy still runs on alpha"

step "The VIP was never on both nodes"
both=$(lb_both "$t0")
note "VIP on both nodes: $both"
[[ $(lb_kv "$both" both_ms) == 0 && $(lb_kv "$both" intervals) == 0 ]] || fail "the VIP was on both nodes: $both"
pass
