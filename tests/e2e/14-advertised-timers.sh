#!/usr/bin/env bash
# Each node is judged by the timers it advertises (as Heartbeat judges by the
# sender's deadtime): beta (keepalive 50 ms, deadtime 500 ms) does not
# declare a slow alpha (keepalive 600 ms, deadtime 3 s) dead between its
# heartbeats, nor call them late, and declares it dead ~3 s after a SIGKILL.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
tb_init tb14t

step "Build two nodes over ucast; alpha at keepalive 600 ms / warntime 1500 ms / deadtime 3 s"
tb_topology 1
mapfile -t media < <(tb_ucast_lines 0)
tb_write_config "${media[@]}"
sed -i 's/^keepalive .*/keepalive 600ms/; s/^warntime .*/warntime 1500ms/; s/^deadtime .*/deadtime 3s/; s/^initdead .*/initdead 6s/' \
  "$TB_WORK/a/conf/ha.cf"

step "Start alpha, then beta; both see the peer up"
tb_start_node a
tb_start_node b
tb_wait_pair_up 7000  # alpha's initdead + 1 s
tb_expect_field b peer.judged_deadtime_ms 3000
tb_expect_field a peer.judged_deadtime_ms "$(tb_ms "$TB_DEADTIME")"

step "For 5 s (8 of alpha's keepalives, each longer than beta's warntime), beta neither kills nor warns"
mark_b=$(tb_log_lines b)
sleep 5  # 8 x 600 ms
tb_expect_no_log b "is dead" "$mark_b"
tb_expect_no_log b "Late heartbeat" "$mark_b"
tb_expect_field b peer.state up
tb_expect_field b links.eth0.late 0

step "SIGKILL alpha: beta declares it dead after alpha's deadtime (3 s), not its own (500 ms)"
t_dead=""
tb_watch_start "$TB_WORK/b/node.log" "node alpha: is dead" 6000  # alpha's deadtime + 3 s
t_kill=$(now_ms)
tb_kill_node a
tb_watch_result t_dead || fail "beta did not declare alpha dead within 6 s"
took=$((t_dead - t_kill))
note "kill -> 'is dead': $took ms (alpha's deadtime 3000 ms, keepalive 600 ms)"
((took >= 3000 - 600 && took <= 3000 + 600)) || fail "detection took $took ms: not judged by alpha's deadtime of 3 s"
pass
