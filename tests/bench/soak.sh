#!/usr/bin/env bash
# Soak: no false failovers under stress (`make soak`). For SOAK_SECONDS
# (default 600), the load-balancer pair of tests/e2e/lib_lb.sh (alpha and
# beta running haproxy in front of two web backends, a client) runs under:
#
#   load  both cores saturated: stress-ng $SOAK_STRESS (default --cpu 2) in
#         each node's namespace, 4 CPU hogs on the 2 cores;
#   loss  SOAK_LOSS % (default 20) of the cluster packets dropped at random on
#         both nodes: nftables `numgen random mod 100 < 20 drop` in each
#         node's input hook, on udp port 694 (twinbeat) and IP protocol 112
#         (VRRP); each packet crosses one such rule, 20 % end to end.
#
# and two clusters live through it at the same time, in the same namespaces:
#
#   twinbeat    keepalive 25ms, warntime 125ms, deadtime 250ms, realtime on
#               (its default), the VIP lease on (its default, 2 s), VIP
#               10.99.0.100, haproxy::CONFIG::warm
#   keepalived  Debian's, VRRPv3, advert_int 0.1, unicast (lib_lb.sh's
#               lb_keepalived_config), alpha 150 / beta 100, preempting, VIP
#               10.99.0.101, as its users run it (SOAK_KEEPALIVED=0 leaves it
#               out; it is left out when it is not installed)
#
# One haproxy per node (nonlocal bind) serves both VIPs; the client requests
# each VIP every 10 ms (100 ms each). Each node's daemons are pinned to a
# core of their own, as two machines would have them (TB_CPU, as in the
# other benches); the load is not pinned.
#
# Prints, every minute (10 s in runs under 5 minutes) and at the end, per
# cluster: "is dead" lines (twinbeat) or times beta took the VIP (keepalived
# flaps: alpha never stops, it has the higher priority), VIP moves (each time the VIP came up on a node, from
# tb-vipwatch in each namespace) and how long it was up on both nodes, late
# heartbeats and the worst gap between two heartbeats (twinbeat metrics),
# how late this node's own sends went out, the longest VIP lease renewal and
# the heartbeats the cover sent meanwhile (src/daemon/heartbeat_cover.h), the
# measured loss, the daemons' CPU and scheduling class, how busy the machine
# was, and the client's failed requests.
#
# Environment: SOAK_SECONDS (600), SOAK_LOSS (20), SOAK_STRESS ("--cpu 2"),
# SOAK_REALTIME (on; off shows what realtime buys), SOAK_KEEPALIVED (1),
# TB_BIN (the binaries; `make soak` passes its BUILD's).
#
# Target (twinbeat; exit 1 if missed): no "is dead", no VIP move.
# SOAK_ASSERT=1 (tests/e2e/70-soak.sh) ends as an e2e scenario instead:
# fail() on a miss, pass() otherwise. keepalived's figures are printed only.
set -euo pipefail
# shellcheck disable=SC2034 # the TB_* settings are read by lib.sh
# shellcheck source=tests/e2e/lib_lb.sh
. "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib_lb.sh"
# shellcheck source=tests/bench/lib_bench.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib_bench.sh"

SOAK_SECONDS=${SOAK_SECONDS:-600}
SOAK_LOSS=${SOAK_LOSS:-20}
SOAK_STRESS=${SOAK_STRESS:---cpu 2}
SOAK_ASSERT=${SOAK_ASSERT:-0}
REPORT_EVERY=$((SOAK_SECONDS >= 300 ? 60 : 10))
KA_VIP=10.99.0.101
lb_init "${SOAK_PREFIX:-tbsk}"
command -v stress-ng >/dev/null || fail "stress-ng missing (tests/deps.sh test installs it)"
KA=${SOAK_KEEPALIVED:-1}
if [[ $KA == 1 ]] && ! command -v keepalived >/dev/null; then
  note "keepalived is not installed (tests/deps.sh bench): twinbeat only"
  KA=0
fi

TB_KEEPALIVE=25ms TB_WARNTIME=125ms TB_DEADTIME=250ms TB_INITDEAD=1s
TB_REALTIME=${SOAK_REALTIME:-on}  # off: to see what realtime buys
TB_CPU[a]=0
TB_CPU[b]=1
declare -A KA_PID=()

# --- helpers ----------------------------------------------------------------

# pids_of PID: PID and its children (twinbeatd and its executor; keepalived
# and its VRRP process).
pids_of() {
  local c
  echo "$1"
  for c in /proc/"$1"/task/*/children; do
    if [[ -r $c ]]; then tr ' ' '\n' <"$c" 2>/dev/null | sed '/^$/d'; fi
  done
  return 0
}

# sched_of PID: its scheduling policy and priority, e.g. "SCHED_RR/1".
sched_of() {
  chrt -p "$1" 2>/dev/null | awk -F': *' '/policy/ { p = $2 } /priority/ { r = $2 } END { print p "/" r }'
}

# ka_alpha_master: keepalived's VIP is on alpha and not on beta.
# shellcheck disable=SC2317 # called through wait_until
ka_vip_here() { ip -n "$PFX-$1" -o addr show dev eth0 | grep -F " $KA_VIP/" >/dev/null; }
# shellcheck disable=SC2317 # called through wait_until
ka_alpha_master() { ka_vip_here a && ! ka_vip_here b; }

# metrics NODE: `twinbeat metrics` of NODE into METRICS[NODE].
declare -A METRICS=() METRIC0=()
metrics() {
  METRICS[$1]=$(tb_in "$1" "$TB_BIN/twinbeat" --run-dir "$TB_WORK/$1/run" metrics 2>/dev/null) ||
    fail "${TB_NODE_NAME[$1]} does not answer 'twinbeat metrics'"
}

# metric NODE NAME: the first sample of NAME (with or without labels) in
# METRICS[NODE]; SCALE (default 1) multiplies it, printed as an integer.
metric() {
  awk -v n="$2" -v s="${3:-1}" '$1 == n || index($1, n "{") == 1 { printf "%.0f\n", $2 * s; found = 1; exit }
    END { if (!found) print "-" }' <<<"${METRICS[$1]}"
}

# vip_moves FILE ADDR FROM TO: times ADDR came up in a tb-vipwatch file
# between FROM and TO (epoch ms).
vip_moves() {
  awk -v a="$2" -v from="$3" -v to="$4" '$1 + 0 >= from && $1 + 0 <= to && $2 == "on" && $3 == a { n++ }
    END { print n + 0 }' "$1"
}

# moves ADDR FROM TO: vip_moves over both nodes.
moves() {
  echo $(($(vip_moves "$TB_WORK/a/vip.watch" "$@") + $(vip_moves "$TB_WORK/b/vip.watch" "$@")))
}

# both ADDR FROM TO: tb-vipwatch both, "both_ms=N intervals=N blips=N still_both=..."
both() {
  "$TB_BIN/tb-vipwatch" both --a "$TB_WORK/a/vip.watch" --b "$TB_WORK/b/vip.watch" --addr "$1" \
    --from "$2" --to "$3"
}

# probe_summary LOG FROM TO: tb-probe's summary of one client log.
probe_summary() {
  "$TB_BIN/tb-probe" summary --in "$1" --from "$2" --node alpha --to "$3" || true
}

# nft_packets NODE: the rules' packet counters of NODE's table, in order:
# "udp-seen udp-dropped vrrp-seen vrrp-dropped".
nft_packets() {
  tb_in "$1" nft list table inet "$PFX" | sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | paste -sd' '
}

# pct PART WHOLE: PART in % of WHOLE, one decimal.
pct() { awk -v p="$1" -v w="$2" 'BEGIN { if (w > 0) printf "%.1f", p * 100 / w; else print "-" }'; }

# cpu_pct NS0 NS1 MS: CPU time between two cpu_ns readings, % of one core.
cpu_pct() { awk -v t=$(($2 - $1)) -v ms="$3" 'BEGIN { printf "%.2f", t / 1e6 / ms * 100 }'; }

# --- set-up -------------------------------------------------------------------

step "Build the topology: alpha and beta with haproxy (warm) for both VIPs, backends W1 and W2, a client"
lb_topology
# The same haproxy serves keepalived's VIP too.
sed -i "s|^    bind $LB_VIP:80\$|&\n    bind $KA_VIP:80|" "$TB_WORK/lb.cfg"
TWINBEAT_NODE=alpha "$LB_HAPROXY" -c -q -f "$TB_WORK/lb.cfg" || fail "haproxy refuses $TB_WORK/lb.cfg"
lb_write_twinbeat warm
lb_start_warm_haproxy

if ((KA)); then
  step "Start keepalived on alpha (priority 150) and beta (100) for VIP $KA_VIP"
  lb_keepalived_config a 150 b "$KA_VIP/24"
  lb_keepalived_config b 100 a "$KA_VIP/24"
  for n in a b; do
    lb_start_keepalived "$n"
    KA_PID[$n]=${TB_PID[$n]}
    unset "TB_PID[$n]"
  done
fi

step "Start twinbeat on alpha and beta (keepalive 25 ms, deadtime 250 ms, realtime on) for VIP $LB_VIP"
tb_start_node a
tb_start_node b
tb_wait_pair_up $(($(tb_ms "$TB_INITDEAD") + 2000))  # initdead + 2 s
lb_wait_holder a b 3000 || fail "alpha does not hold the group"  # a keepalive, the VIP, haproxy; 3 s bounds it
if ((KA)); then
  # Master after 3 adverts + skew (~0.4 s); 5 s covers start-up.
  wait_until 5000 ka_alpha_master || fail "keepalived on alpha did not take $KA_VIP: $(tail -3 "$TB_WORK/a/keepalived.log")"
fi

step "Watch both VIPs in both nodes; the client requests each VIP every 10 ms"
for n in a b; do
  rm -f "$TB_WORK/$n/vip.watch"
  ip netns exec "$PFX-$n" chrt -f 50 "$TB_BIN/tb-vipwatch" watch --addr "$LB_VIP" --addr "$KA_VIP" \
    --out "$TB_WORK/$n/vip.watch" 2>>"$TB_WORK/$n/vip.watch.err" </dev/null &
  LB_PID[watch-$n]=$!
done
for n in a b; do
  wait_until 1000 grep -qs ' ready$' "$TB_WORK/$n/vip.watch" || fail "VIP watcher in ${TB_NODE_NAME[$n]} did not start"
done
lb_probe_start
lb_wait_served a 1000 || fail "the client is not served by alpha on $LB_VIP within 1 s"  # 100 requests
if ((KA)); then
  ip netns exec "$PFX-c" "$TB_BIN/tb-probe" run --url "http://$KA_VIP/" --every-ms 10 --timeout-ms 100 \
    --out "$TB_WORK/ka-probe.log" 2>>"$TB_WORK/ka-probe.err" </dev/null &
  LB_PID[ka-probe]=$!
fi

# The things measured, before the soak.
declare -A CPU0 PIDS SCHED
t_pids() { pids_of "${TB_PID[$1]}" | paste -sd' '; }
k_pids() { pids_of "${KA_PID[$1]}" | paste -sd' '; }

step "Drop $SOAK_LOSS % of the cluster packets at both nodes' input (udp 694 and VRRP), and saturate both cores: stress-ng $SOAK_STRESS in each node"
for n in a b; do
  tb_in "$n" nft -f - <<NFT
table inet $PFX {
  chain input {
    type filter hook input priority 0; policy accept;
    udp dport 694 counter
    udp dport 694 numgen random mod 100 < $SOAK_LOSS counter drop
    meta l4proto 112 counter
    meta l4proto 112 numgen random mod 100 < $SOAK_LOSS counter drop
  }
}
NFT
done
for n in a b; do
  # Its own bound: the soak and two minutes.
  # shellcheck disable=SC2086 # SOAK_STRESS is a list of options
  ip netns exec "$PFX-$n" stress-ng $SOAK_STRESS --timeout $((SOAK_SECONDS + 120))s \
    >>"$TB_WORK/$n/stress.log" 2>&1 </dev/null &
  LB_PID[stress-$n]=$!
done
for n in a b; do
  PIDS[tb-$n]=$(t_pids "$n")
  SCHED[tb-$n]=$(sched_of "${TB_PID[$n]}")
  if ((KA)); then
    PIDS[ka-$n]=$(k_pids "$n")
    SCHED[ka-$n]=$(sched_of "$(awk '{ print $NF }' <<<"${PIDS[ka-$n]}")")  # the VRRP process
  fi
done
sleep 1  # stress-ng's workers running
# The start: the cheap readings first, all within a few ms of T0.
T0=$(now_ms)
BUSY0=$(machine_ticks)
for k in "${!PIDS[@]}"; do
  # shellcheck disable=SC2086
  CPU0[$k]=$(cpu_ns ${PIDS[$k]})
done
NFT0_A=$(nft_packets a)
NFT0_B=$(nft_packets b)
for n in a b; do
  metrics "$n"
  METRIC0[$n]=$(metric "$n" twinbeat_late_heartbeats_total)
done

# ka_flaps FROM TO: times keepalived's VIP came up on beta (VRRP went
# master there while alpha was alive), from beta's VIP watch.
ka_flaps() { vip_moves "$TB_WORK/b/vip.watch" "$KA_VIP" "$1" "$2"; }

# progress: one line of figures so far.
progress() {
  local now t_dead t_moves ka=""
  now=$(now_ms)
  t_dead=$(($(tb_log_count a "is dead") + $(tb_log_count b "is dead")))
  t_moves=$(moves "$LB_VIP" "$T0" "$now")
  metrics a
  metrics b
  if ((KA)); then
    ka="| keepalived: flaps $(ka_flaps "$T0" "$now"), VIP moves $(moves "$KA_VIP" "$T0" "$now"),"
    ka+=" on both $(lb_kv "$(both "$KA_VIP" "$T0" "$now")" both_ms) ms"
  fi
  printf '  [%4ds] twinbeat: is dead %d, VIP moves %d, late %s/%s, worst gap %s/%s ms, send late %s/%s ms %s\n' \
    $(((now - T0) / 1000)) "$t_dead" "$t_moves" \
    $(($(metric a twinbeat_late_heartbeats_total) - METRIC0[a])) $(($(metric b twinbeat_late_heartbeats_total) - METRIC0[b])) \
    "$(metric a twinbeat_peer_longest_gap_seconds 1000)" "$(metric b twinbeat_peer_longest_gap_seconds 1000)" \
    "$(metric a twinbeat_heartbeat_send_late_max_seconds 1000)" "$(metric b twinbeat_heartbeat_send_late_max_seconds 1000)" "$ka"
}

step "Soak for $SOAK_SECONDS s; figures every $REPORT_EVERY s (alpha/beta: late heartbeats, the worst gap between two heartbeats received, the most a send was late)"
deadline=$((T0 + SOAK_SECONDS * 1000))
next=$((T0 + REPORT_EVERY * 1000))
while :; do  # bounded: SOAK_SECONDS
  now=$(now_ms)
  ((now < deadline)) || break
  sleep_ms=$((next < deadline ? next - now : deadline - now))
  ((sleep_ms <= 0)) || sleep "$(awk -v m="$sleep_ms" 'BEGIN { printf "%.3f", m / 1000 }')"
  for n in a b; do
    tb_running "$n" || fail "twinbeat on ${TB_NODE_NAME[$n]} died during the soak"
    if ((KA)) && tb_gone "${KA_PID[$n]}"; then fail "keepalived on ${TB_NODE_NAME[$n]} died during the soak"; fi
  done
  # The last figures come after the end, below.
  if (($(now_ms) >= next && next < deadline)); then
    progress
    next=$((next + REPORT_EVERY * 1000))
  fi
done
# The end, as the start.
T1=$(now_ms)
BUSY1=$(machine_ticks)
declare -A CPU1
for k in "${!PIDS[@]}"; do
  # shellcheck disable=SC2086
  CPU1[$k]=$(cpu_ns ${PIDS[$k]})
done
NFT1_A=$(nft_packets a)
NFT1_B=$(nft_packets b)
progress

# --- figures --------------------------------------------------------------------
busy=$(busy_percent "$BUSY0" "$BUSY1")
ms=$((T1 - T0))

step "Stop the load and the probes; collect the figures"
for n in a b; do
  kill -TERM "${LB_PID[stress-$n]}" 2>/dev/null || true
done
for n in a b; do
  tb_wait_gone "${LB_PID[stress-$n]}" 5000 || true  # stress-ng stops its workers at once; 5 s on a loaded machine
done
lb_probe_stop
if ((KA)); then
  kill -TERM "${LB_PID[ka-probe]}" 2>/dev/null || true
  tb_wait_gone "${LB_PID[ka-probe]}" 3000 || true  # it stops at once; 3 s covers PID 1's reaping
fi

# Twinbeat.
t_dead=$(($(tb_log_count a "is dead") + $(tb_log_count b "is dead")))
t_moves=$(moves "$LB_VIP" "$T0" "$T1")
t_both=$(both "$LB_VIP" "$T0" "$T1")
t_probe=$(probe_summary "$TB_WORK/probe.log" "$T0" "$T1")
# A gap past deadtime that did not kill the peer: the receiver itself was
# late (its loop judges only after reading what waits in its sockets).
past=$(($(tb_log_count a "beyond deadtime") + $(tb_log_count b "beyond deadtime")))
declare -A late gap send_late renewal covered
for n in a b; do
  late[$n]=$(($(metric "$n" twinbeat_late_heartbeats_total) - METRIC0[$n]))
  gap[$n]=$(metric "$n" twinbeat_peer_longest_gap_seconds 1000)
  send_late[$n]=$(metric "$n" twinbeat_heartbeat_send_late_max_seconds 1000)
  renewal[$n]=$(metric "$n" twinbeat_lease_renewal_wait_max_seconds 1000)
  covered[$n]=$(metric "$n" twinbeat_heartbeats_covered_total)
done

# nftables: what each node's input saw and dropped (udp 694, VRRP).
read -r ua0 ud0 va0 vd0 <<<"$NFT0_A"
read -r ua1 ud1 va1 vd1 <<<"$NFT1_A"
read -r ub0 bd0 vb0 vbd0 <<<"$NFT0_B"
read -r ub1 bd1 vb1 vbd1 <<<"$NFT1_B"
udp_seen=$((ua1 - ua0 + ub1 - ub0))
udp_loss_a=$(pct $((ud1 - ud0)) $((ua1 - ua0)))
udp_loss_b=$(pct $((bd1 - bd0)) $((ub1 - ub0)))
vrrp_seen=$((va1 - va0 + vb1 - vb0))
vrrp_drop=$((vd1 - vd0 + vbd1 - vbd0))

cpu_row() { echo "$(cpu_pct "${CPU0[$1-a]}" "${CPU1[$1-a]}" "$ms") / $(cpu_pct "${CPU0[$1-b]}" "${CPU1[$1-b]}" "$ms")"; }
client_row() {
  echo "$(lb_kv "$1" failed) of $(lb_kv "$1" requests), longest gap $(lb_kv "$1" longest_gap_ms) ms, served $(lb_kv "$1" by_node)"
}

echo
echo "Soak: $((ms / 1000)) s with stress-ng $SOAK_STRESS in each node's namespace (the machine $busy % busy"
echo "over its $(nproc) CPUs) and $SOAK_LOSS % of the cluster packets dropped at each node's input."
echo "twinbeat: keepalive 25 ms, warntime 125 ms, deadtime 250 ms, realtime $TB_REALTIME, VIP lease 2 s."
((KA)) && echo "keepalived $(keepalived --version 2>&1 | sed -n '1s/^Keepalived \(v[0-9.]*\).*/\1/p'): VRRPv3, advert_int 0.1 (master down after ~0.35 s), unicast, preempting."
echo "alpha / beta where two figures are given."
echo
printf '%-34s %-38s %s\n' "" twinbeat "$( ((KA)) && echo keepalived)"
row() { printf '%-34s %-38s %s\n' "$1" "$2" "$( ((KA)) && echo "$3")"; }
row "peer declared dead / flaps" "$t_dead 'is dead'" "$( ((KA)) && echo "$(ka_flaps "$T0" "$T1") times beta took the VIP")"
row "VIP moves (came up on a node)" "$t_moves" "$( ((KA)) && moves "$KA_VIP" "$T0" "$T1")"
ka_both=""
((KA)) && ka_both=$(both "$KA_VIP" "$T0" "$T1")
row "VIP on both nodes" "$(lb_kv "$t_both" both_ms) ms ($(lb_kv "$t_both" intervals) times)" \
  "$( ((KA)) && echo "$(lb_kv "$ka_both" both_ms) ms ($(lb_kv "$ka_both" intervals) times)")"
row "late heartbeats (> warntime)" "${late[a]} / ${late[b]}" "-"
row "worst heartbeat gap" "${gap[a]} / ${gap[b]} ms (deadtime 250)" "-"
row "gaps past deadtime, peer kept" "$past (this node's own loop was late)" "-"
row "own heartbeat sent late, worst" "${send_late[a]} / ${send_late[b]} ms" "-"
row "VIP lease renewal, longest" "${renewal[a]} ms on alpha (the holder)" "-"
row "heartbeats sent by the cover" "${covered[a]} / ${covered[b]} (during renewals)" "-"
row "packets dropped (nftables)" "$udp_loss_a / $udp_loss_b % of $udp_seen heartbeats" \
  "$( ((KA)) && echo "$(pct "$vrrp_drop" "$vrrp_seen") % of $vrrp_seen adverts")"
row "CPU, % of one core" "$(cpu_row tb)" "$( ((KA)) && cpu_row ka)"
row "scheduling" "${SCHED[tb-a]}" "${SCHED[ka-a]:-}"
t_client=$(client_row "$t_probe")
ka_client=""
((KA)) && ka_client=$(client_row "$(probe_summary "$TB_WORK/ka-probe.log" "$T0" "$T1")")
echo "client requests failed (100 ms each, a request every 10 ms; haproxy and the client share the loaded cores):"
echo "  twinbeat's VIP:   $t_client"
((KA)) && echo "  keepalived's VIP: $ka_client"

echo
verdict=0
if ((t_dead == 0 && t_moves == 0)); then
  echo "Target (twinbeat): PASS no 'is dead', no VIP move in $((ms / 1000)) s"
else
  echo "Target (twinbeat): FAIL $t_dead 'is dead', $t_moves VIP move(s) in $((ms / 1000)) s"
  verdict=1
fi
cat <<'REF'

Reference figures from the issue, measured elsewhere (NOT in this run), 120 s at 20 % loss, both
cores saturated: keepalived (advert 100 ms) moved the VIP 8 times, the VIP on both nodes each time;
ucarp 14 times; Pacemaker + Corosync (token 500 ms) split once and stayed split (VIP on both 111 s);
Heartbeat held only at keepalive 100 ms / deadtime 1 s.
REF

if [[ $SOAK_ASSERT == 1 ]]; then
  step "Neither twinbeat node declared its peer dead, and the VIP never moved"
  tb_expect_no_log a "is dead"
  tb_expect_no_log b "is dead"
  ((t_moves == 0)) || fail "twinbeat's VIP moved $t_moves time(s) during the soak"
  lb_is_holder a b || fail "alpha does not hold the group at the end of the soak"
  pass
fi
exit "$verdict"
