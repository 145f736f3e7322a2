#!/usr/bin/env bash
# SIGKILL one node; the other declares it dead within deadtime + keepalive,
# measured from the kill to the log line, to the millisecond. Realtime on,
# as in production.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
tb_init tb04k
TB_REALTIME=on

step "Build two nodes over ucast on eth0, realtime on, and start them"
tb_topology 1
mapfile -t media < <(tb_ucast_lines 0)
tb_write_config "${media[@]}"
tb_start_node a
tb_start_node b
tb_wait_pair_up $(($(tb_ms "$TB_INITDEAD") + 1000))  # initdead + 1 s

step "Both run under a realtime policy with memory locked; their executors do not inherit it"
for n in a b; do
  mapfile -t pids < <(tb_node_pids "$n")
  policy=$(chrt -p "${pids[0]}" | sed -n 's/.*scheduling policy: //p')
  locked=$(sed -n 's/^VmLck:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/${pids[0]}/status")
  note "${TB_NODE_NAME[$n]}: twinbeatd $policy, VmLck $locked kB"
  [[ $policy == SCHED_RR* || $policy == SCHED_FIFO* ]] || fail "${TB_NODE_NAME[$n]}: twinbeatd runs under $policy"
  ((locked > 0)) || fail "${TB_NODE_NAME[$n]}: no memory locked"
  tb_expect_no_log "$n" "realtime:"
  for p in "${pids[@]:1}"; do
    cp=$(chrt -p "$p" | sed -n 's/.*scheduling policy: //p')
    [[ $cp == SCHED_OTHER* ]] || fail "${TB_NODE_NAME[$n]}: child $p ($(cat "/proc/$p/comm")) runs under $cp"
  done
done

deadtime=$(tb_ms "$TB_DEADTIME")
keepalive=$(tb_ms "$TB_KEEPALIVE")
limit=$((deadtime + keepalive))

step "SIGKILL alpha; beta logs 'node alpha: is dead' within deadtime + keepalive ($limit ms)"
mapfile -t alpha_pids < <(tb_node_pids a)
((${#alpha_pids[@]} >= 2)) || fail "alpha has no executor child (pids: ${alpha_pids[*]})"
tb_watch_start "$TB_WORK/b/node.log" "node alpha: is dead" $((limit + 2000))  # limit + 2 s, to measure a miss too
t_dead=""
t_kill=$(now_ms)
kill -KILL "${TB_PID[a]}"
tb_watch_result t_dead || fail "beta did not log 'node alpha: is dead' within $((limit + 2000)) ms of the kill"
took=$((t_dead - t_kill))
note "kill -> 'is dead': $took ms (deadtime $deadtime ms + keepalive $keepalive ms = $limit ms)"
((took <= limit)) || fail "detection took $took ms, beyond deadtime + keepalive = $limit ms"
((took >= deadtime - keepalive)) || fail "detection took $took ms: earlier than deadtime - keepalive, too eager"
tb_kill_node a

step "Beta's status says alpha is dead"
tb_expect_field b peer.state dead

step "Alpha's executor does not outlive it (gone within 1 s, + 2 s for PID 1 to reap)"
for pid in "${alpha_pids[@]:1}"; do
  tb_wait_gone "$pid" 3000 || fail "executor pid $pid still running after twinbeatd was killed"
done

step "Beta stays up and keeps sending alone"
out0=$(tb_field b links.0.packets_out)
sleep 0.5  # 10 keepalives
out1=$(tb_field b links.0.packets_out)
((out1 - out0 >= 5)) || fail "beta sent $((out1 - out0)) packets in 0.5 s after alpha died"

step "Restart alpha; beta reports a restart on node alpha and the peer up within initdead + 1 s"
mark=$(tb_log_lines b)
tb_start_node a
tb_wait_log b "Heartbeat restart on node alpha" $(($(tb_ms "$TB_INITDEAD") + 1000)) "$mark" ||
  fail "beta did not log 'Heartbeat restart on node alpha'"
tb_wait_field b peer.state up 1000 || fail "beta: peer state $(tb_field b peer.state) after alpha restarted"
gen_a=$(tb_field a node.generation)
tb_expect_field b peer.generation "$gen_a"
pass
