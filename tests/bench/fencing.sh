#!/usr/bin/env bash
# Failover with real fencing, and with the VIP lease alone, behind haproxy:
# the load-balancer topology of tests/e2e/lib_lb.sh (haproxy on both nodes,
# warm: only the VIP moves; two web backends; a client requesting the VIP
# every 10 ms, 100 ms per request; a VIP watcher in each node), with alpha
# and beta running twinbeatd inside libvirt LXC domains of the fencing lab
# (tests/e2e/lib_fence.sh, --power-nics: a stopped domain's links go down
# and its VIPs away, as a machine's power-off does). Two ways for alpha's
# daemon to fail, neither saying goodbye:
#
#   kill    SIGKILL: the daemon dies, its domain (the machine) stays up with
#           its VIP and haproxy, until it is fenced or its lease runs out
#   freeze  SIGSTOP: the daemon hangs; libvirt's SIGTERM cannot stop it, so
#           a fence waits for libvirt's SIGKILL at ~1.6 s
#
# in three rows:
#
#   fence_virt        stonith_host ... fence_virt (TCP to fence_virtd)
#   external/libvirt  stonith_host * external/libvirt ... (our agent,
#                     fence_twinbeat_libvirt, on libvirt's API)
#   lease             no fence device; vip_lease 2s
#
# Fencing rows: keepalive 25ms, warntime 125ms, deadtime 250ms, realtime on,
# vip_lease off (only the fence removes alpha's VIP), fence_delay 0: only
# alpha fails here, and the delay, the split-brain tie-breaker
# (tests/e2e/43-fence-split-brain.sh), would add its full value to every
# takeover from a failed holder. Lease row: keepalive 200ms, warntime 2s,
# deadtime 4s (>= lease + the 1.5 s margin, so that the lease costs nothing
# beyond detection). auto_failback on everywhere: alpha gets the group back
# for the next run (after a fence, its domain is started again; in the lease
# row it is restarted, a frozen daemon included: SIGCONT is
# tests/e2e/46-lease-no-fencing.sh's business).
#
# Per run: outage = from the fault (the time taken just before kill(1)) to
# the end of the first request answered by beta; failed requests; the
# shot's duration as beta's daemon measured it (agent off + status, its
# fencing.last_shot); whether the VIP was up on both nodes from the fault to
# 500 ms after beta served, and again while alpha came back.
# BENCH_RUNS runs per row and fault (default 3).
#
# Targets (exit status 1 if one is missed): no run with the VIP on both
# nodes, in any row; with fencing, every run's outage <= deadtime + that
# run's shot + 50 ms.
set -euo pipefail
# shellcheck disable=SC2034 # the TB_* settings are read by lib.sh
# shellcheck source=tests/e2e/lib_lb.sh
. "$(dirname "$0")/../e2e/lib_lb.sh"
# shellcheck source=tests/bench/lib_bench.sh
. "$(dirname "$0")/lib_bench.sh"
# shellcheck source=tests/e2e/lib_fence.sh
. "$(dirname "$0")/../e2e/lib_fence.sh"
RUNS=${BENCH_RUNS:-3}
SETTLE_MS=500  # after beta first serves: a late VIP on both shows up here
SLACK_MS=50    # the target's allowance beyond deadtime + shot: VIP, ARP, the client's next request
FL_RT_RUNTIME_US=200000  # realtime in the domains: 20% of a CPU each (see lib_fence.sh)
lb_init tbbfx

ROWS=(fence_virt external/libvirt lease)
FAULTS=(kill freeze)
declare -A R_OUT R_FAILED R_SHOT R_BOTH R_RESTORE_BOTH R_BOUND R_NOTES

# --- rows -------------------------------------------------------------------------

# timers ROW: the row's profile.
timers() {
  if [[ $1 == lease ]]; then
    TB_KEEPALIVE=200ms TB_WARNTIME=2s TB_DEADTIME=4s TB_INITDEAD=4s
  else
    TB_KEEPALIVE=25ms TB_WARNTIME=125ms TB_DEADTIME=250ms TB_INITDEAD=2s  # initdead: the domains start one by one
  fi
  TB_REALTIME=on
}

# config ROW: the extra ha.cf lines.
config() {
  local common="ipaddr=$FL_ADDR ipport=$FL_TCP_PORT key_file=$FL_KEY"
  echo "auto_failback on"
  case $1 in
    fence_virt)
      printf '%s\n' "fence_delay 0" "vip_lease off" \
        "stonith_host alpha fence_virt $common port=$PFX-b" "stonith_host beta fence_virt $common port=$PFX-a"
      ;;
    external/libvirt)
      printf '%s\n' "fence_delay 0" "vip_lease off" "stonith_host * external/libvirt alpha:$PFX-a,beta:$PFX-b $FL_URI"
      ;;
    lease) echo "vip_lease 2s" ;;
  esac
}

# power_off NODE: its domain destroyed (a graceful stop for a healthy daemon).
power_off() {
  if [[ $(fence_lab_state "$PFX-$1") == running ]]; then
    virsh -q -c "$FL_URI" destroy "$PFX-$1" >/dev/null
  fi
  fence_lab_wait_state "$PFX-$1" "shut off" 3000 || fail "$PFX-$1 did not shut off"  # libvirt's SIGKILL at 1.6 s
  unset "TB_PID[$1]"
}

# setup ROW: both domains off, the row's configuration, both started, alpha
# holding the group, the devices checked.
setup() {
  local row=$1 lines
  power_off b
  power_off a
  timers "$row"
  mapfile -t lines < <(config "$row")
  lb_write_twinbeat warm "${lines[@]}"
  [[ -n ${LB_PID[warm]:-} ]] || { lb_start_warm_haproxy; LB_PID[warm]=started; }
  fence_lab_node a
  fence_lab_node b
  tb_wait_pair_up $(($(tb_ms "$TB_INITDEAD") + 2000))  # initdead + 2 s
  wait_until 3000 lb_is_holder a b || fail "$row: alpha does not hold the group"  # a keepalive and the VIP
  if [[ $row != lease ]]; then
    local n
    for n in a b; do
      tb_wait_field "$n" fencing.devices.0.health ok 5000 ||  # monitor and list, ~0.1 s each
        fail "$row: ${TB_NODE_NAME[$n]}'s device: $(tb_field "$n" fencing.devices)"
    done
  fi
}

# --- one run --------------------------------------------------------------------------

shot_ms() { tb_field "$1" fencing.last_shot | sed -n 's/^ok in \([0-9]*\) ms.*/\1/p'; }

# restore ROW: alpha back, holding the group, serving the client. Sets RESTORE_NOTE.
restore() {
  local row=$1
  RESTORE_NOTE=""
  power_off a  # fenced already, or (lease row) a reboot of the machine with the dead or frozen daemon
  fence_lab_node a
  # Alpha's domain starts (~0.5 s), it hears beta, beta releases (failback),
  # alpha adds the VIP: initdead + 3 s bounds it.
  wait_until $(($(tb_ms "$TB_INITDEAD") + 3000)) lb_is_holder a b || fail "$row: alpha does not hold the group again"
  if ! lb_wait_served a 2000; then  # 200 requests
    tb_in c ip neigh flush to "$LB_VIP" dev eth0
    RESTORE_NOTE="client's ARP entry flushed by hand"
    lb_wait_served a 2000 || fail "$row: the client is not served by alpha after the restore"
  fi
}

# run_once ROW FAULT RUN
run_once() {
  local row=$1 f=$2 r=$3 key="$1/$2" t0 t_end t_restore sum both rboth shot="-" out bound="-" ok=1 limit
  lb_probe_start
  lb_wait_served a 2000 || fail "$key: the client is not served by alpha before the fault"  # 200 requests
  sleep "0.$((RANDOM % 300 + 100))"  # 0.1..0.4 s: the fault falls anywhere between two heartbeats
  t0=$(now_ms)
  if [[ $f == kill ]]; then kill -KILL "${TB_PID[a]}"; else kill -STOP "${TB_PID[a]}"; fi
  # Fencing: deadtime + a shot (0.3..1.8 s); lease: deadtime 4 s and haproxy's
  # check; 10 s measures a miss too.
  limit=10000
  lb_wait_served b "$limit" || R_NOTES[$key]+=" run $r: beta never served within $limit ms;"
  sleep "0.$SETTLE_MS"
  t_end=$(now_ms)
  sum=$(lb_outage "$t0" b "$t_end")
  both=$(lb_both "$t0" "$t_end")
  out=$(lb_kv "$sum" outage_ms)
  if [[ $row != lease ]]; then
    shot=$(shot_ms b)
    [[ $(fence_lab_state "$PFX-a") == "shut off" ]] || R_NOTES[$key]+=" run $r: alpha not shut off;"
    if [[ $out =~ ^[0-9]+$ && $shot =~ ^[0-9]+$ ]]; then
      bound=$(($(tb_ms "$TB_DEADTIME") + shot + SLACK_MS))
      ((out <= bound)) || ok=0
    else
      ok=0
    fi
    R_BOUND[$key]+="$ok "
  fi
  t_restore=$(now_ms)
  restore "$row"
  sleep 0.2  # 20 requests by alpha: the restore is over
  lb_probe_stop
  rboth=$(lb_both "$t_restore")
  R_OUT[$key]+="$out "
  R_FAILED[$key]+="$(lb_kv "$sum" failed) "
  R_SHOT[$key]+="$shot "
  R_BOTH[$key]+="$(lb_kv "$both" both_ms) "
  R_RESTORE_BOTH[$key]+="$(lb_kv "$rboth" both_ms) "
  [[ -z $RESTORE_NOTE ]] || R_NOTES[$key]+=" run $r: $RESTORE_NOTE;"
  local verdict="-"
  if [[ $row != lease ]]; then if ((ok)); then verdict=ok; else verdict=MISS; fi; fi
  printf '    %-17s %-6s outage %5s ms (bound %5s: %s), shot %5s ms, failed %3s, VIP on both %s ms (blips %s), at restore %s ms%s\n' \
    "$row" "$f" "$out" "$bound" "$verdict" "$shot" \
    "$(lb_kv "$sum" failed)" "$(lb_kv "$both" both_ms)" "$(lb_kv "$both" blips)" "$(lb_kv "$rboth" both_ms)" \
    "${RESTORE_NOTE:+ ($RESTORE_NOTE)}"
}

# --- statistics ---------------------------------------------------------------------


# nonzero VALUES...: "runs-with-nonzero max" (a value that is not a number counts as nonzero).
nonzero() {
  printf '%s\n' "$@" | awk 'NF { if ($1 !~ /^[0-9.]+$/ || $1 > 0) { n++; if ($1 + 0 > m) m = $1 + 0 } }
    END { printf "%d %.0f\n", n, m }'
}

# --- the bench ---------------------------------------------------------------------------

step "Build the topology and the lab: haproxy (warm) on alpha and beta, backends, a client, fence_virtd on TCP, VIP watchers"
lb_topology
fence_lab_up --power-nics
lb_watch_start
timers fence_virt
mapfile -t lines < <(config fence_virt)
lb_write_twinbeat warm "${lines[@]}"
fence_lab_define_node a  # both defined first: each device's list names the other's domain
fence_lab_define_node b
declare -A DEADTIME
for row in "${ROWS[@]}"; do
  step "$row: $RUNS runs of each fault"
  setup "$row"
  DEADTIME[$row]=$(tb_ms "$TB_DEADTIME")
  note "keepalive $TB_KEEPALIVE, deadtime $TB_DEADTIME, VIP lease $(tb_field b fencing.vip_lease_ms) ms, devices: $(tb_fields b fencing.devices | tr -d '\n')"
  for f in "${FAULTS[@]}"; do
    for ((r = 1; r <= RUNS; r++)); do run_once "$row" "$f" "$r"; done
  done
done
lb_probe_stop
power_off b
power_off a

echo
echo "Failover with fencing behind haproxy (warm: only the VIP moves), twinbeatd in libvirt LXC domains."
echo "outage = fault -> first request answered by beta (a request every 10 ms, 100 ms each); shot = beta's"
echo "fence shot as its daemon timed it (agent off + status). Fencing rows: keepalive 25 ms, deadtime 250 ms,"
echo "fence_delay 0, vip_lease off, realtime on; lease row: no device, vip_lease 2 s, keepalive 200 ms,"
echo "deadtime 4 s. $RUNS runs per row, ms. 'VIP on both': runs with the VIP up on both nodes from the"
echo "fault to 500 ms after beta served, and the longest; 'at restore': the same while alpha came back."
printf '\n%-17s %-6s %6s %5s %5s  %6s %5s %5s  %6s  %-11s %-11s %s\n' row fault median min max "shot" min max \
  failed "VIP on both" "at restore" "outage <= deadtime + shot + 50"
for row in "${ROWS[@]}"; do
  for f in "${FAULTS[@]}"; do
    key="$row/$f"
    # shellcheck disable=SC2086
    read -r med min max < <(stats ${R_OUT[$key]})
    # shellcheck disable=SC2086
    read -r smed smin smax < <(stats ${R_SHOT[$key]})
    # shellcheck disable=SC2086
    read -r fmed _ _ < <(stats ${R_FAILED[$key]})
    # shellcheck disable=SC2086
    read -r nb mb < <(nonzero ${R_BOTH[$key]})
    # shellcheck disable=SC2086
    read -r nr mr < <(nonzero ${R_RESTORE_BOTH[$key]})
    within="-"
    if [[ $row != lease ]]; then within="$(tr ' ' '\n' <<<"${R_BOUND[$key]}" | grep -c '^1$' || true)/$RUNS runs"; fi
    printf '%-17s %-6s %6s %5s %5s  %6s %5s %5s  %6s  %-11s %-11s %s\n' "$row" "$f" "$med" "$min" "$max" \
      "$smed" "$smin" "$smax" "$fmed" "$nb/$RUNS, ${mb}" "$nr/$RUNS, ${mr}" "$within"
  done
done
echo "(every run's figures:)"
for row in "${ROWS[@]}"; do
  for f in "${FAULTS[@]}"; do
    key="$row/$f"
    printf '  %-17s %-6s outage: %s| shot: %s| failed: %s| both: %s| at restore: %s%s\n' "$row" "$f" "${R_OUT[$key]}" \
      "${R_SHOT[$key]}" "${R_FAILED[$key]}" "${R_BOTH[$key]}" "${R_RESTORE_BOTH[$key]}" \
      "${R_NOTES[$key]:+| notes:${R_NOTES[$key]}}"
  done
done

echo
echo "Targets:"
verdict=0
# target PASSED TEXT DETAIL
target() {
  local res=PASS
  if (($1 == 0)); then res=FAIL; verdict=1; fi
  printf '  %-4s %s (%s)\n' "$res" "$2" "$3"
}
for row in "${ROWS[@]}"; do
  for f in "${FAULTS[@]}"; do
    key="$row/$f"
    # shellcheck disable=SC2086
    read -r nb mb < <(nonzero ${R_BOTH[$key]})
    # shellcheck disable=SC2086
    read -r nr mr < <(nonzero ${R_RESTORE_BOTH[$key]})
    target $((nb + nr == 0)) "$row, $f: no run with the VIP on both nodes" \
      "$nb run(s) at the fault, longest $mb ms; $nr at the restore, longest $mr ms"
    if [[ $row != lease ]]; then
      misses=$(tr ' ' '\n' <<<"${R_BOUND[$key]}" | grep -c '^0$' || true)
      target $((misses == 0)) "$row, $f: every outage <= deadtime (${DEADTIME[$row]} ms) + that run's shot + $SLACK_MS ms" \
        "outages ${R_OUT[$key]% }; shots ${R_SHOT[$key]% }"
    fi
  done
done
# shellcheck disable=SC2086
read -r lk _ _ < <(stats ${R_OUT[lease/kill]} ${R_OUT[lease/freeze]})
# shellcheck disable=SC2086
read -r fk _ _ < <(stats ${R_OUT[fence_virt/kill]} ${R_OUT[external/libvirt/kill]})
# shellcheck disable=SC2086
read -r ff _ _ < <(stats ${R_OUT[fence_virt/freeze]} ${R_OUT[external/libvirt/freeze]})
cat <<EOF

The trade-off: the lease alone needs no fence device, and keeps the VIP off two nodes by waiting:
a silent peer is taken over from only when its last heartbeat is older than lease + 1.5 s, and
the kernel's lifetimes count whole seconds (lease >= 2 s). With deadtime 4 s >= 2 s + 1.5 s that
wait is hidden in detection, so the outage is detection-bound: median $lk ms here. With fast timers
(deadtime 250 ms) the lease would still hold the takeover back to ~3.5 s (tests/bench/failover.sh's
'lease' row). A fence device lets deadtime be short: the takeover follows the confirmed shot,
median $fk ms after a kill (the machine's processes end on libvirt's SIGTERM), $ff ms after a
freeze (libvirt waits ~1.6 s before its SIGKILL of a process that cannot handle SIGTERM).
EOF
exit "$verdict"
