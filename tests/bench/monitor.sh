#!/usr/bin/env bash
# haproxy dies on the active node (SIGKILL), side by side with keepalived, in
# one run: the load-balancer topology of tests/e2e/lib_lb.sh, a client
# requesting the VIP every 10 ms with 100 ms per request.
#
#   twinbeat, restart 1s     resource monitoring: haproxy's stats socket
#                            asked every 1 s (check=stats:, no fork), haproxy
#                            restarted in place on alpha
#   twinbeat, restart 200ms  the same, checked every 200 ms
#   twinbeat, move 1s        resource_restarts 0: the first failure hands the
#                            group to beta (then a cleanup on alpha brings it
#                            back for the next run)
#   keepalived               Debian's, VRRPv3, advert_int 0.1, haproxy on
#                            both nodes (nonlocal bind), a vrrp_script
#                            checking alpha's haproxy every 1 s (fall 1,
#                            rise 1): a failure puts alpha in FAULT and beta
#                            takes the VIP. The fastest setting it has.
#
# Per run: outage = the longest time without an answer from either node
# around the SIGKILL (tb-probe's longest_gap_ms: a restart in place is
# answered by the same node before and after); failed requests; the VIP on
# both nodes.
# BENCH_RUNS runs per row (default 5). Target (exit status 1 if missed):
# twinbeat's restart at 1 s has a median outage below keepalived's at 1 s.
set -euo pipefail
# shellcheck disable=SC2034 # the TB_* settings are read by lib.sh
# shellcheck source=tests/e2e/lib_lb.sh
. "$(dirname "$0")/../e2e/lib_lb.sh"
# shellcheck source=tests/bench/lib_bench.sh
. "$(dirname "$0")/lib_bench.sh"
RUNS=${BENCH_RUNS:-5}
lb_init tbbm
command -v keepalived >/dev/null || { echo "keepalived missing: tests/deps.sh bench installs it" >&2; exit 1; }

TB_KEEPALIVE=25ms TB_WARNTIME=125ms TB_DEADTIME=250ms TB_INITDEAD=500ms TB_REALTIME=on
TB_CPU[a]=0
TB_CPU[b]=1
initdead=$(tb_ms "$TB_INITDEAD")
declare -A R_OUT R_FAILED R_BOTH

teardown() {
  local n
  for n in b a; do
    if tb_running "$n"; then tb_stop_node "$n" >/dev/null 2>&1 || true; fi
    unset "TB_PID[$n]"
  done
  for n in a b; do
    lb_haproxy "$n" stop >/dev/null 2>&1 || true
    ip -n "$PFX-$n" addr del "$LB_VIP/24" dev eth0 2>/dev/null || true
  done
}

# setup_twinbeat INTERVAL RESTARTS: classic mode, haproxy checked through
# each node's stats socket.
setup_twinbeat() {
  local n opts
  teardown
  lb_write_twinbeat classic "auto_failback on" "vip_lease off" "resource_restarts $2" \
    "resource_restart_window 3600s"
  grep -q 'stats socket' "$TB_WORK/lb.cfg" ||
    sed -i 's|^global$|global\n    stats socket "${TWINBEAT_RUN_DIR}/admin.sock" mode 600 level user|' "$TB_WORK/lb.cfg"
  for n in a b; do
    opts="monitor=$1,timeout=500ms,check=stats:$TB_WORK/$n/run/admin.sock"
    echo "alpha IPaddr2::$LB_VIP/24/eth0 haproxy::$TB_WORK/lb.cfg[$opts]" >"$TB_WORK/$n/conf/haresources"
  done
  tb_start_node a
  tb_start_node b
  tb_wait_pair_up $((initdead + 2000))
  lb_wait_holder a b 3000 || fail "alpha does not hold the group"
}

setup_keepalived() {
  local n
  teardown
  for n in a b; do
    # Alpha's own haproxy, by its pid file: both nodes share one pid
    # namespace here, so "killall -0 haproxy" would see the other's.
    cat >"$TB_WORK/$n/chk_haproxy" <<EOF
#!/bin/sh
read -r pid < "$TB_WORK/$n/run/haproxy-lb.pid" || exit 1
read -r _ _ state _ < /proc/\$pid/stat 2>/dev/null || exit 1
[ "\$state" != Z ]
EOF
    chmod 0755 "$TB_WORK/$n/chk_haproxy"
  done
  lb_keepalived_config a 150 b "$LB_VIP/24"
  lb_keepalived_config b 100 a "$LB_VIP/24"
  for n in a b; do
    # The check, run as root, tracked by the instance: a failure is FAULT
    # (the VIP goes).
    sed -i 's|^  enable_script_security$|  enable_script_security\n  script_user root|' "$TB_WORK/$n/keepalived.conf"
    sed -i "/^vrrp_instance VI_1 {/i vrrp_script chk_haproxy {\n  script \"$TB_WORK/$n/chk_haproxy\"\n  interval 1\n  fall 1\n  rise 1\n}" \
      "$TB_WORK/$n/keepalived.conf"
    sed -i 's|^  virtual_ipaddress {|  track_script {\n    chk_haproxy\n  }\n  virtual_ipaddress {|' "$TB_WORK/$n/keepalived.conf"
  done
  lb_start_warm_haproxy
  for n in a b; do lb_haproxy "$n" warm start >/dev/null; done
  lb_start_keepalived a
  lb_start_keepalived b
  wait_until 6000 ka_alpha_master || fail "keepalived on alpha did not take the VIP: $(tail -3 "$TB_WORK/a/keepalived.log")"
}

# shellcheck disable=SC2317 # called through wait_until
ka_alpha_master() { lb_vip_here a && ! lb_vip_here b; }

# run_once ROW RUN: kill alpha's haproxy, measure, restore.
run_once() {
  local row=$1 r=$2 pid t0 t_end sum both by=a
  [[ $row == "twinbeat, move 1s" || $row == keepalived ]] && by=b
  lb_probe_start
  lb_wait_served a 2000 || fail "$row: the client is not served by alpha before the fault"
  sleep "0.$((RANDOM % 500 + 100))"  # anywhere between two checks
  pid=$(lb_haproxy_pid a)
  [[ -n $pid ]] || fail "$row: no haproxy on alpha"
  t0=$(now_ms)
  kill -KILL "$pid"
  lb_wait_served "$by" 8000 || R_OUT[$row]+="none "
  sleep 0.5
  t_end=$(now_ms)
  sum=$(lb_outage "$t0" "$by" "$t_end")
  both=$(lb_both "$t0" "$t_end")
  # Restore: alpha serving again.
  case $row in
    "twinbeat, move 1s")
      tb_in a "$TB_BIN/twinbeat" --run-dir "$TB_WORK/a/run" cleanup all >/dev/null
      lb_wait_holder a b 5000 || fail "$row: the group did not come back to alpha after the cleanup"
      ;;
    keepalived)
      lb_haproxy a warm start >/dev/null
      wait_until 5000 ka_alpha_master || fail "$row: keepalived on alpha did not take the VIP back"
      ;;
  esac
  lb_wait_served a 3000 || fail "$row: the client is not served by alpha after the restore"
  sleep 0.2
  lb_probe_stop
  R_OUT[$row]+="$(lb_kv "$sum" longest_gap_ms) "
  R_FAILED[$row]+="$(lb_kv "$sum" failed) "
  R_BOTH[$row]+="$(lb_kv "$both" both_ms) "
  printf '    %-26s run %d: outage %5s ms, failed %3s, VIP on both %s ms\n' "$row" "$r" \
    "$(lb_kv "$sum" longest_gap_ms)" "$(lb_kv "$sum" failed)" "$(lb_kv "$both" both_ms)"
}


step "Build the topology: alpha and beta with haproxy, backends W1 and W2, a client, VIP watchers"
lb_topology
lb_watch_start
ROWS=("twinbeat, restart 1s" "twinbeat, restart 200ms" "twinbeat, move 1s" keepalived)
for row in "${ROWS[@]}"; do
  step "$row: $RUNS runs"
  case $row in
    "twinbeat, restart 1s") setup_twinbeat 1s 1000 ;;
    "twinbeat, restart 200ms") setup_twinbeat 200ms 1000 ;;
    "twinbeat, move 1s") setup_twinbeat 1s 0 ;;
    keepalived) setup_keepalived ;;
  esac
  for ((r = 1; r <= RUNS; r++)); do run_once "$row" "$r"; done
done
teardown

ka_ver=$(keepalived --version 2>&1 | sed -n '1s/^Keepalived \(v[0-9.]*\).*/\1/p')
echo
echo "haproxy SIGKILLed on the active node: outage = longest time with no answer (client: a"
echo "request every 10 ms, 100 ms each). twinbeat: check=stats: (haproxy's stats socket, no fork);"
echo "keepalived $ka_ver: vrrp_script every 1 s (fall 1, rise 1), haproxy on both nodes. $RUNS runs per row, ms."
printf '\n%-26s %6s %5s %5s  %6s  %s\n' row median min max failed "VIP on both (max)"
declare -A MEDIAN
for row in "${ROWS[@]}"; do
  # shellcheck disable=SC2086
  read -r med min max < <(stats ${R_OUT[$row]})
  # shellcheck disable=SC2086
  read -r fmed _ _ < <(stats ${R_FAILED[$row]})
  # shellcheck disable=SC2086
  read -r _ _ bmax < <(stats ${R_BOTH[$row]})
  MEDIAN[$row]=$med
  printf '%-26s %6s %5s %5s  %6s  %s ms\n' "$row" "$med" "$min" "$max" "$fmed" "$bmax"
done
echo
tw=${MEDIAN["twinbeat, restart 1s"]}
ka=${MEDIAN[keepalived]}
if awk -v a="$tw" -v b="$ka" 'BEGIN { exit !(a ~ /^[0-9]+$/ && b ~ /^[0-9]+$/ && a + 0 < b + 0) }'; then
  echo "  PASS twinbeat's in-place restart at 1 s beats keepalived's move at 1 s ($tw ms vs $ka ms)"
else
  echo "  FAIL twinbeat's in-place restart at 1 s does not beat keepalived's move at 1 s ($tw ms vs $ka ms)"
  exit 1
fi
