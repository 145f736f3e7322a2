#!/usr/bin/env bash
# Detection time: from SIGKILL of alpha to "node alpha: is dead" in beta's
# log, 10 runs at each of two timer settings, realtime on. The kill time is
# taken just before kill(1); the line's time by a watcher that reads beta's
# log every millisecond (the log's own stamps are whole seconds). Target:
# median <= deadtime + keepalive.
set -euo pipefail
# shellcheck disable=SC2034 # the TB_* settings are read by lib.sh
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"
tb_init tbbd
RUNS=${BENCH_RUNS:-10}
TB_REALTIME=on
status=0

tb_topology 1
mapfile -t media < <(tb_ucast_lines 0)

# measure KEEPALIVE DEADTIME WARNTIME: prints one table row, sets status=1 on a miss.
measure() {
  TB_KEEPALIVE=$1 TB_DEADTIME=$2 TB_WARNTIME=$3
  local ka dt initdead limit r t_kill t_dead took pids
  ka=$(tb_ms "$1")
  dt=$(tb_ms "$2")
  initdead=$((2 * dt))
  TB_INITDEAD=${initdead}ms
  limit=$((dt + ka))
  rm -rf "$TB_WORK/a" "$TB_WORK/b"
  tb_write_config "${media[@]}"
  tb_start_node b
  local times=()
  for ((r = 1; r <= RUNS; r++)); do
    tb_start_node a
    tb_wait_pair_up $((initdead + 2000))  # initdead + 2 s
    sleep "0.$((RANDOM % 900 + 100))"  # 0.1..1 s: the kill falls anywhere between two heartbeats
    mapfile -t pids < <(tb_node_pids a)
    tb_watch_start "$TB_WORK/b/node.log" "node alpha: is dead" $((limit + 3000))  # limit + 3 s: measure a miss too
    t_kill=$(now_ms)
    kill -KILL "${TB_PID[a]}"
    if tb_watch_result t_dead; then
      took=$((t_dead - t_kill))
    else
      took=$((limit + 3000))
      echo "  run $r: no 'is dead' within $took ms" >&2
    fi
    times+=("$took")
    tb_kill_node a
    for p in "${pids[@]}"; do tb_wait_gone "$p" 3000 || true; done  # the executor too; + PID 1's 2 s reaping
  done
  tb_stop_node b || true
  local sorted median
  mapfile -t sorted < <(printf '%s\n' "${times[@]}" | sort -n)
  median=$(((sorted[(RUNS - 1) / 2] + sorted[RUNS / 2]) / 2))
  local verdict=PASS
  ((median <= limit)) || { verdict=FAIL; status=1; }
  printf '%-10s %-9s %5s %5s %5s   %-6s  %s   runs: %s\n' "$ka ms" "$dt ms" "$median" "${sorted[0]}" \
    "${sorted[RUNS - 1]}" "$limit" "$verdict" "${times[*]}"
}

echo "Detection: SIGKILL of one node -> 'is dead' logged by the other ($RUNS runs each, realtime on, ms)"
printf '%-10s %-9s %5s %5s %5s   %-6s  %s\n' keepalive deadtime median min max target result
measure 25ms 250ms 100ms
measure 100ms 1s 500ms
echo "(target: median <= deadtime + keepalive)"
exit "$status"
