#!/usr/bin/env bash
# Resource monitoring behind a load balancer (classic mode, auto_failback on).
# Alpha monitors haproxy through its stats socket (check=stats:), beta by a
# TCP connection to the VIP's frontend (check=tcp:): the brackets of a
# resource may differ between nodes, the groups may not. One restart is
# allowed per window.
#   1. haproxy SIGKILLed on alpha: alpha restarts it in place (the VIP stays,
#      beta takes nothing) and the client is served by alpha again.
#   2. Killed again within the window: alpha gives the group up, blocked
#      there; beta takes it and serves; alpha's status shows the failures,
#      beta's shows the group blocked on alpha, and auto_failback does not
#      send it back.
#   3. haproxy SIGKILLed on beta: beta's TCP check sees it and restarts it.
#   4. `twinbeat cleanup` on alpha unblocks it: auto_failback returns the
#      group to alpha, which serves.
#   5. A reload that only changes the brackets (monitor=off) applies them
#      without moving anything.
set -euo pipefail
# shellcheck source=tests/e2e/lib_lb.sh
. "$(dirname "$0")/lib_lb.sh"
lb_init tb60m

monitor=300          # ms between checks
check_timeout=200    # ms

step "Build the topology; haproxy with a stats socket in each node's run directory"
lb_topology
lb_write_twinbeat classic "auto_failback on" "vip_lease off" "resource_restarts 1" \
  "resource_restart_window 60s"
# TWINBEAT_RUN_DIR is in the agent's environment, so in haproxy's.
sed -i 's|^global$|global\n    stats socket "${TWINBEAT_RUN_DIR}/admin.sock" mode 600 level user|' "$TB_WORK/lb.cfg"
TWINBEAT_NODE=alpha TWINBEAT_RUN_DIR=/tmp "$LB_HAPROXY" -c -q -f "$TB_WORK/lb.cfg" || fail "haproxy refuses the stats socket line"
opts_a="monitor=${monitor}ms,timeout=${check_timeout}ms,check=stats:$TB_WORK/a/run/admin.sock"
opts_b="monitor=${monitor}ms,timeout=${check_timeout}ms,check=tcp:$LB_VIP:80"
echo "alpha IPaddr2::$LB_VIP/24/eth0 haproxy::$TB_WORK/lb.cfg[$opts_a]" >"$TB_WORK/a/conf/haresources"
echo "alpha IPaddr2::$LB_VIP/24/eth0 haproxy::$TB_WORK/lb.cfg[$opts_b]" >"$TB_WORK/b/conf/haresources"
for n in a b; do
  tb_in "$n" "$TB_BIN/twinbeat" -c "$TB_WORK/$n/conf" --node "${TB_NODE_NAME[$n]}" check >"$TB_WORK/$n/check.out" 2>&1 ||
    fail "twinbeat check refuses ${TB_NODE_NAME[$n]}'s haresources: $(cat "$TB_WORK/$n/check.out")"
done

step "Start both daemons; alpha takes the group and serves the client"
tb_start_node a
tb_start_node b
tb_wait_pair_up $(($(tb_ms "$TB_INITDEAD") + 1000))
lb_wait_holder a b 2000 || fail "alpha does not hold the group"
tb_expect_field b haresources identical  # the brackets are not compared
lb_watch_start
lb_probe_start
lb_wait_served a 1000 || fail "the client is not served by alpha within 1 s"

# A check every $monitor ms, a deadline of $check_timeout, then haproxy's stop
# and start: monitor + timeout + 1 s bounds a restart.
limit=$((monitor + check_timeout + 1000))
step "SIGKILL alpha's haproxy: alpha restarts it in place within $limit ms; beta takes nothing"
mark_a=$(tb_log_lines a)
mark_b=$(tb_log_lines b)
old=$(lb_haproxy_pid a)
[[ -n $old ]] || fail "no haproxy runs on alpha"
t0=$(now_ms)
kill -KILL "$old"
tb_wait_log a "Resource group $LB_GROUP recovered." "$limit" "$mark_a" ||
  fail "alpha did not recover the group within $limit ms"
lb_wait_served a 1000 || fail "the client is not served by alpha again"
lb_report_outage "$t0" a
for line in "Resource haproxy::$TB_WORK/lb.cfg of group $LB_GROUP failed its monitor" \
  "Restarting haproxy::$TB_WORK/lb.cfg of group $LB_GROUP in place"; do
  tb_wait_log a "$line" 0 "$mark_a" || fail "alpha did not log '$line'"
done
new=$(lb_haproxy_pid a)
[[ -n $new && $new != "$old" ]] || fail "alpha's haproxy was not restarted (pid $old, now '${new}')"
lb_vip_here a || fail "the VIP left alpha during a restart of haproxy alone"
tb_expect_no_log b "Taking over resource group" "$mark_b"
tb_expect_field a groups.0.failures 1
tb_expect_field a groups.0.blocked false

step "SIGKILL it again within the window: alpha gives the group up and beta serves"
t0=$(now_ms)
kill -KILL "$new"
limit=$((monitor + check_timeout + $(tb_ms "$TB_KEEPALIVE") + 2000))
lb_wait_holder b a "$limit" || fail "beta does not hold the group within $limit ms of the second failure"
lb_wait_served b 1000 || fail "the client is not served by beta"
lb_report_outage "$t0" b
tb_wait_log a "it failed here too often: handing it to the peer" 0 "$mark_a" ||
  fail "alpha did not log why it released the group"
tb_expect_field a groups.0.failures 2
tb_expect_field a groups.0.blocked true
tb_expect_field b groups.0.peer_blocked true
tb_status a | grep -F "BLOCKED here until 'twinbeat cleanup'" >/dev/null ||
  fail "alpha's status text does not say the group is blocked: $(tb_status a | tail -5)"

step "auto_failback is on, but the group does not go back to a node that blocks it"
sleep 2  # forty keepalives: a failback would have begun
lb_expect_holder b a

step "SIGKILL beta's haproxy: beta's TCP check to the VIP sees it and restarts it"
mark_b=$(tb_log_lines b)
old=$(lb_haproxy_pid b)
[[ -n $old ]] || fail "no haproxy runs on beta"
kill -KILL "$old"
limit=$((monitor + check_timeout + 1000))
tb_wait_log b "Resource group $LB_GROUP recovered." "$limit" "$mark_b" ||
  fail "beta did not recover the group within $limit ms"
tb_wait_log b "tcp:$LB_VIP:80: connect: Connection refused" 0 "$mark_b" ||
  fail "beta did not log what its TCP check saw"
lb_wait_served b 1000 || fail "the client is not served by beta again"

step "twinbeat cleanup on alpha: unblocked, the group fails back to alpha"
out=$(tb_in a "$TB_BIN/twinbeat" --run-dir "$TB_WORK/a/run" cleanup "$LB_GROUP") || fail "cleanup failed: $out"
note "cleanup: $out"
[[ $out == "$LB_GROUP: 2 failure(s) forgotten, unblocked" ]] || fail "cleanup printed '$out'"
lb_wait_holder a b 3000 || fail "the group did not fail back to alpha after the cleanup"
lb_wait_served a 1000 || fail "the client is not served by alpha after the failback"
tb_expect_field a groups.0.failures 0
out=$(tb_in a "$TB_BIN/twinbeat" --run-dir "$TB_WORK/a/run" cleanup nosuch 2>&1) && fail "cleanup of an unknown group succeeded"
[[ $out == *"no resource group 'nosuch'"* ]] || fail "cleanup of an unknown group said '$out'"

step "Reload alpha with monitor=off for haproxy: applied without a move; a dead haproxy is left alone"
echo "alpha IPaddr2::$LB_VIP/24/eth0 haproxy::$TB_WORK/lb.cfg[monitor=off]" >"$TB_WORK/a/conf/haresources"
out=$(tb_in a "$TB_BIN/twinbeat" --run-dir "$TB_WORK/a/run" reload) || fail "reload failed: $out"
[[ $out == *"resource monitoring"* ]] || fail "reload did not say it changed the monitoring: $out"
mark_a=$(tb_log_lines a)
kill -KILL "$(lb_haproxy_pid a)"
sleep $(((monitor * 4 + 999) / 1000))  # four of the old intervals
tb_expect_no_log a "failed its monitor" "$mark_a"
lb_expect_holder a b
lb_probe_stop
pass
