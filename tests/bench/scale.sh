#!/usr/bin/env bash
# Takeover of many VIPs: one group of 1, 16 and 128 VIPs (IPv4 and IPv6,
# half each; one IPaddr2 resource per VIP), alpha holding it, alpha's daemon
# SIGKILLed. Measured: from beta's decision to every VIP answering the client
# from beta. Beta's decision is the line "node alpha: is dead" in its log
# (twinbeat), or "Entering MASTER STATE" (keepalived, the same addresses in
# one VRRP instance: IPv4 in virtual_ipaddress, IPv6 in
# virtual_ipaddress_excluded), seen by a reader of the log that polls it
# every millisecond. Then tb-vipwatch reach, in the client, listens for
# beta's announcement of each VIP (gratuitous ARP, unsolicited NA: what moves
# the client's neighbour entries; listening loads nothing) and, once all are
# announced, pings each until it answers from beta's MAC (alpha, killed
# without fencing, still has the VIPs and would answer too). Reported: kill
# -> decision, decision -> all announced, decision -> all answering. The
# client's neighbour entries are primed first (flushed, then every VIP
# answered by alpha), so every VIP moves by beta's announcement, as in
# production.
#
# twinbeat: keepalive 25ms, deadtime 250ms, realtime on, vip_lease off (a
# takeover right after "is dead", as without STONITH in Heartbeat; with the
# VIP lease, beta would wait for alpha's VIPs to expire); keepalived: VRRPv3,
# advert_int 0.1, unicast, started as the brief says (-n -l -D: it logs each
# announcement it sends). Each daemon pinned to a core of its own.
# BENCH_RUNS runs per row (default 5); SCALE_COUNTS and SCALE_DAEMONS narrow
# the set (defaults "1 16 128" and "twinbeat keepalived"). Target (twinbeat):
# 128 VIPs answering within 50 ms of "is dead" (median); exit status 1 if
# missed.
#
# IPv6 VIPs are written out in full (2001:db8:99:0:0:0:1:0): haresources
# splits arguments on "::", so a compressed IPv6 address cannot be written.
set -euo pipefail
# shellcheck disable=SC2034 # the TB_* settings are read by lib.sh
# shellcheck source=tests/e2e/lib_lb.sh
. "$(dirname "$0")/../e2e/lib_lb.sh"
TB_NODES=(a b c)
RUNS=${BENCH_RUNS:-5}
read -ra COUNTS <<<"${SCALE_COUNTS:-1 16 128}"
read -ra DAEMONS <<<"${SCALE_DAEMONS:-twinbeat keepalived}"
lb_init tbbs
command -v keepalived >/dev/null || { echo "keepalived missing: tests/deps.sh bench installs it" >&2; exit 1; }

TB_KEEPALIVE=25ms TB_WARNTIME=125ms TB_DEADTIME=250ms TB_INITDEAD=500ms TB_REALTIME=on
TB_CPU[a]=0
TB_CPU[b]=1
initdead=$(tb_ms "$TB_INITDEAD")
deadtime=$(tb_ms "$TB_DEADTIME")

# vips N: N VIP specs (IPaddr2 form), IPv4 and IPv6 alternating.
vips() {
  local i
  for ((i = 0; i < $1; i++)); do
    if ((i % 2 == 0)); then
      echo "10.99.0.$((100 + i / 2))/24/eth0"
    else
      printf '2001:db8:99:0:0:0:1:%x/64/eth0\n' $((i / 2))
    fi
  done
}

# addresses N: the bare addresses of vips N.
addresses() { vips "$1" | cut -d/ -f1; }

declare -A R_DECIDE R_ANNOUNCED R_ALL R_NOTES

teardown() {
  local n
  for n in b a; do
    if tb_running "$n"; then tb_stop_node "$n" >/dev/null 2>&1 || true; fi
    unset "TB_PID[$n]"
    ip -n "$PFX-$n" addr flush dev eth0 scope global
    ip -n "$PFX-$n" addr add "$(tb_addr "$n")/24" dev eth0
    ip -n "$PFX-$n" addr add "2001:db8:99::${TB_NODE_HOST[$n]}/64" dev eth0 nodad
  done
}

# alpha_has N: all N VIPs on alpha, none on beta.
# shellcheck disable=SC2317 # called through wait_until
alpha_has() {
  local n=$1 on_a on_b
  on_a=$(ip -n "$PFX-a" -o addr show dev eth0 | grep -cE ' (10\.99\.0\.(1[0-9][0-9])/24|2001:db8:99::1:[0-9a-f]+/64) ' || true)
  on_b=$(ip -n "$PFX-b" -o addr show dev eth0 | grep -cE ' (10\.99\.0\.(1[0-9][0-9])/24|2001:db8:99::1:[0-9a-f]+/64) ' || true)
  ((on_a == n && on_b == 0))
}

setup_twinbeat() {
  local n=$1 v
  teardown
  mapfile -t media < <(tb_ucast_lines 0)
  tb_write_config "${media[@]}" "auto_failback on" "vip_lease off"
  for v in a b; do
    {
      echo "alpha \\"
      vips "$n" | sed 's/^/  IPaddr2::/; s/$/ \\/'
      echo
    } >"$TB_WORK/$v/conf/haresources"
  done
  tb_start_node a
  tb_start_node b
  tb_wait_pair_up $((initdead + 2000))  # initdead + 2 s
  wait_until 3000 alpha_has "$n" || fail "alpha does not hold the $n VIPs"  # a keepalive and N netlink calls
}

setup_keepalived() {
  local n=$1
  teardown
  mapfile -t specs < <(vips "$n" | sed 's|/eth0$||')
  lb_keepalived_config a 150 b "${specs[@]}"
  lb_keepalived_config b 100 a "${specs[@]}"
  rm -f "$TB_WORK/a/keepalived.log" "$TB_WORK/b/keepalived.log"
  lb_start_keepalived a
  lb_start_keepalived b
  # Master after 3 adverts + skew (~0.4 s); both start at once, so both may
  # become master first and settle by priority: 15 s covers that with 128
  # VIPs, whose announcements keepalived sends one by one.
  wait_until 15000 alpha_has "$n" || fail "keepalived on alpha does not hold the $n VIPs: $(tail -3 "$TB_WORK/a/keepalived.log")"
}

# reach MODE MAC LOG PATTERN TIMEOUT_MS ADDR...: tb-vipwatch reach in the client.
reach() {
  local mode=$1 mac=$2 log=$3 pattern=$4 timeout=$5 args=() a
  shift 5
  for a in "$@"; do args+=(--addr "$a"); done
  ip netns exec "$PFX-c" "$TB_BIN/tb-vipwatch" reach --dev eth0 --mac "$mac" --mode "$mode" --every-ms 5 \
    --timeout-ms "$timeout" ${log:+--log "$log" --pattern "$pattern" --slow-ms 50} "${args[@]}"
}

# since FILE WHAT FROM: ms (one decimal) from FROM to the first "MS WHAT" line of FILE.
since() { awk -v w="$2" -v t="$3" '$2 == w { printf "%.1f", $1 - t; exit }' "$1"; }

# run_once DAEMON N RUN
run_once() {
  local d=$1 n=$2 r=$3 key="$1/$2" log pattern t_kill t_decide vrrp decide announced answered
  mapfile -t addrs < <(addresses "$n")
  # Prime the client: fresh neighbour entries, every VIP answered by alpha
  # (3 s: a ping round and the neighbour resolutions).
  # keepalived's restore leaves both nodes master for a moment; up to three
  # tries (3 s each) let that settle.
  local try
  for try in 1 2 3; do
    tb_in c ip neigh flush dev eth0
    reach ping "$(lb_mac a)" "" "" 3000 "${addrs[@]}" >"$TB_WORK/prime.out" && break
  done
  if ((try == 3)) && ! grep -q ' all .* answered$' "$TB_WORK/prime.out"; then
    note "alpha's eth0: $(ip -n "$PFX-a" -o addr show dev eth0 | grep -c . ) addresses, of which" \
      "$(ip -n "$PFX-a" -o addr show dev eth0 | grep -cE 'tentative|dadfailed' || true) tentative or dadfailed"
    note "beta's eth0: $(ip -n "$PFX-b" -o addr show dev eth0 | grep -c . ) addresses"
    note "unanswered: $(grep -c . <<<"$(comm -23 <(printf '%s\n' "${addrs[@]}" | sort) \
      <(awk '$2 == "answered" { print $3 }' "$TB_WORK/prime.out" | sort))") e.g." \
      "$(comm -23 <(printf '%s\n' "${addrs[@]}" | sort) <(awk '$2 == "answered" { print $3 }' "$TB_WORK/prime.out" | sort) | head -3 | tr '\n' ' ')"
    fail "$key: not every VIP answers from alpha: $(tail -1 "$TB_WORK/prime.out")"
  fi
  if [[ $d == twinbeat ]]; then
    log=$TB_WORK/b/node.log pattern="node alpha: is dead"
  else
    log=$TB_WORK/b/keepalived.log pattern="Entering MASTER STATE"
  fi
  # deadtime (or 3 adverts + skew), then the VIPs; 5 s measures a miss too.
  reach announce "$(lb_mac b)" "$log" "$pattern" $((deadtime + 5000)) "${addrs[@]}" >"$TB_WORK/reach.out" &
  local reach_pid=$!
  wait_until 2000 grep -qs ' ready$' "$TB_WORK/reach.out" || fail "reach did not start"
  sleep "0.$((RANDOM % 300 + 100))"  # 0.1..0.4 s: anywhere between two heartbeats
  disown "${TB_PID[a]}" || true  # no "Killed" line from bash; tb_kill_node still collects it
  t_kill=$(now_ms)
  if [[ $d == keepalived ]]; then
    read -r vrrp <"$TB_WORK/a/vrrp.pid"
    kill -STOP "${TB_PID[a]}"  # its parent would respawn it, or let it clean up
    kill -KILL "$vrrp" "${TB_PID[a]}"
  else
    kill -KILL "${TB_PID[a]}"
  fi
  wait "$reach_pid" || true  # bounded by its own timeout
  decide=$(since "$TB_WORK/reach.out" log "$t_kill")
  t_decide=$(awk '$2 == "log" { print $1; exit }' "$TB_WORK/reach.out")
  announced=""
  answered=""
  if [[ -n $t_decide ]]; then
    announced=$(since "$TB_WORK/reach.out" all "$t_decide")  # the first "all": announced
    answered=$(awk -v t="$t_decide" '$2 == "all" && $4 == "answered" { printf "%.1f", $1 - t; exit }' "$TB_WORK/reach.out")
  fi
  if [[ -n $answered ]]; then
    R_DECIDE[$key]+="$decide "
    R_ANNOUNCED[$key]+="$announced "
    R_ALL[$key]+="$answered "
  else
    R_NOTES[$key]+=" run $r: $(tail -1 "$TB_WORK/reach.out");"
    R_ALL[$key]+="none "
  fi
  printf '    %-10s %3d VIPs  kill -> decision %5s ms; decision -> all announced %6s ms, all answering %6s ms\n' \
    "$d" "$n" "${decide:-none}" "${announced:-none}" "${answered:-none}"
  # Back to alpha for the next run: restart it; twinbeat removes the stale
  # copies and fails back, keepalived preempts. initdead + 5 s bounds 128
  # removals and additions.
  tb_kill_node a
  if [[ $d == twinbeat ]]; then tb_start_node a; else lb_start_keepalived a; fi
  wait_until $((initdead + 5000)) alpha_has "$n" || fail "$key: the VIPs do not come back to alpha alone"
}

stats() {
  printf '%s\n' "$@" | awk '$1 ~ /^-?[0-9.]+$/ { v[n++] = $1 }
    END {
      if (n == 0) { print "- - -"; exit }
      for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
      m = (n % 2) ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2
      printf "%.1f %.1f %.1f\n", m, v[0], v[n - 1]
    }'
}

step "Build alpha, beta and a client on one bridge, with IPv4 and IPv6"
tb_topology 1
for n in a b c; do
  ip -n "$PFX-$n" addr add "2001:db8:99::${TB_NODE_HOST[$n]}/64" dev eth0 nodad
done
for d in "${DAEMONS[@]}"; do
  for n in "${COUNTS[@]}"; do
    step "$d, $n VIP(s): $RUNS runs"
    if [[ $d == twinbeat ]]; then setup_twinbeat "$n"; else setup_keepalived "$n"; fi
    for ((r = 1; r <= RUNS; r++)); do run_once "$d" "$n" "$r"; done
  done
done
teardown

echo
echo "Takeover of N VIPs after SIGKILL of alpha, $RUNS runs per row; ms, median (min-max)."
echo "decision: twinbeat logs 'node alpha: is dead', keepalived 'Entering MASTER STATE'."
echo "announced: the client has seen beta announce every VIP (gratuitous ARP / unsolicited NA);"
echo "answering: then every VIP answered the client's ping from beta's MAC (pinged every 5 ms)."
printf '\n%-11s %5s   %-22s %-26s %-26s %s\n' daemon VIPs "kill -> decision" "decision -> all announced" \
  "decision -> all answering" "target"
verdict=0
for n in "${COUNTS[@]}"; do
  for d in "${DAEMONS[@]}"; do
    key="$d/$n"
    # shellcheck disable=SC2086
    read -r m1 lo1 hi1 < <(stats ${R_DECIDE[$key]:-})
    # shellcheck disable=SC2086
    read -r m2 lo2 hi2 < <(stats ${R_ANNOUNCED[$key]:-})
    # shellcheck disable=SC2086
    read -r m3 lo3 hi3 < <(stats ${R_ALL[$key]:-})
    res=""
    if [[ $d == twinbeat && $n == 128 ]]; then
      if [[ $m3 != - && ${R_ALL[$key]} != *none* ]] && awk -v m="$m3" 'BEGIN { exit !(m <= 50) }'; then
        res="answering <= 50 ms: PASS"
      else
        res="answering <= 50 ms: FAIL"
        verdict=1
      fi
    fi
    printf '%-11s %5s   %-22s %-26s %-26s %s\n' "$d" "$n" "$m1 ($lo1-$hi1)" "$m2 ($lo2-$hi2)" \
      "$m3 ($lo3-$hi3)" "$res"
  done
done
echo "(decision -> all answering, every run:)"
for n in "${COUNTS[@]}"; do
  for d in "${DAEMONS[@]}"; do
    key="$d/$n"
    printf '  %-11s %5s  %s%s\n' "$d" "$n" "${R_ALL[$key]}" "${R_NOTES[$key]:+| notes:${R_NOTES[$key]}}"
  done
done
exit "$verdict"
