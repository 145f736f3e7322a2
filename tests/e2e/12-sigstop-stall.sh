#!/usr/bin/env bash
# A hung node (SIGSTOP for 4 deadtimes, then SIGCONT): its peer declares it
# dead, then logs its return after a partition. The stalled node itself must
# not declare its peer dead on waking: the peer's heartbeats are waiting in
# its socket, and it reads them before it judges (a late heartbeat, no death).
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
tb_init tb12s

step "Build two nodes over ucast on eth0 and start them"
tb_topology 1
mapfile -t media < <(tb_ucast_lines 0)
tb_write_config "${media[@]}"
tb_start_node a
tb_start_node b
tb_wait_pair_up $(($(tb_ms "$TB_INITDEAD") + 1000))  # initdead + 1 s
deadtime=$(tb_ms "$TB_DEADTIME")
keepalive=$(tb_ms "$TB_KEEPALIVE")
mark_a=$(tb_log_lines a)
mark_b=$(tb_log_lines b)

step "SIGSTOP alpha; beta declares it dead within deadtime + keepalive + 1 s"
kill -STOP "${TB_PID[a]}"
tb_wait_log b "node alpha: is dead" $((deadtime + keepalive + 1000)) "$mark_b" ||  # deadtime + keepalive + 1 s
  fail "beta did not declare the stopped alpha dead"

step "Keep alpha stopped for 4 deadtimes in all, then SIGCONT it"
sleep $((4 * deadtime / 1000)).$((4 * deadtime % 1000 / 100))  # 4 deadtimes
kill -CONT "${TB_PID[a]}"

step "Beta logs alpha's return after a partition within 1 s"
tb_wait_log b "Cluster node alpha returning after partition" 1000 "$mark_b" ||  # a keepalive or two; 1 s slack
  fail "beta did not log alpha's return"
tb_wait_field b peer.state up 1000 || fail "beta: peer $(tb_field b peer.state)"

step "Alpha reports its own stall and a late heartbeat, and never declares beta dead"
tb_wait_log a "Late heartbeat: Node beta" 1000 "$mark_a" || fail "alpha logged no late heartbeat after its stall"
tb_wait_log a "loop: heartbeat send was" 1000 "$mark_a" || fail "alpha did not report its late send"
sleep $((deadtime / 1000)).$((deadtime % 1000 / 100))  # one more deadtime, for a late verdict to show
tb_expect_no_log a "node beta: is dead"
tb_expect_field a peer.state up
tb_expect_field a links.eth0.state up
pass
