#!/usr/bin/env bash
# The VIP lease without any fence device, with timers where it costs
# nothing: vip_lease 2s and deadtime 4s (deadtime >= lease + the 1.5 s
# margin). Alpha's VIP carries a 2 s kernel lifetime that its daemon renews
# every lease/3; a daemon that dies or hangs stops renewing it, the kernel
# deletes it within lease + margin, and beta, which declares alpha dead only
# after deadtime, takes over after that: never an instant with the VIP on
# both nodes, without fencing. Plain network namespaces: no lab needed.
#
#   SIGKILL alpha's daemon: its VIP expires, then beta takes over; alpha's
#     restarted daemon finds beta holding the group and stops the haproxy it
#     left behind (auto_failback off: the group stays on beta)
#   SIGSTOP alpha's daemon (a hang) with alpha holding the group again: the
#     same; then SIGCONT: alpha wakes up with the group it believes it holds,
#     its VIP gone, beta holding the group. It must end with nothing, and the
#     VIP must never come back on it (its renewal must not re-add it).
set -euo pipefail
# shellcheck source=tests/e2e/lib_lb.sh
. "$(dirname "$0")/lib_lb.sh"
# shellcheck disable=SC2034 # the TB_* settings are read by lib.sh
TB_KEEPALIVE=200ms TB_WARNTIME=2s TB_DEADTIME=4s TB_INITDEAD=4s
lb_init tb46l

deadtime=$(tb_ms "$TB_DEADTIME")
keepalive=$(tb_ms "$TB_KEEPALIVE")
margin=1500  # core/fence_gate.h's lease margin: the kernel expires lifetimes to ~1 s

# first_event NODE on|off FROM_MS: the first such change of NODE's VIP watch.
first_event() {
  awk -v t="$3" -v w="$2" '$1 >= t && $2 == w { printf "%.0f", $1; exit }' "$TB_WORK/$1/vip.watch"
}

# fault_and_takeover WHAT SIGNAL: SIGNAL to alpha's daemon; its VIP expires
# within lease + margin; beta takes over after deadtime, never before the
# VIP left alpha. Sets t0.
fault_and_takeover() {
  local what=$1 sig=$2 mark_b off_a on_b both limit
  limit=$((deadtime + keepalive + 2000))
  step "$what alpha's daemon: its VIP expires within lease + margin ($((lease + margin)) ms); beta serves within deadtime + keepalive + 2 s ($limit ms)"
  mark_b=$(tb_log_lines b)
  t0=$(now_ms)
  if [[ $sig == KILL ]]; then disown "${TB_PID[a]}"; fi  # no "Killed" line from bash; tb_kill_node collects it
  kill "-$sig" "${TB_PID[a]}"
  # Beta: deadtime, then the group at once (the lease is over by then), then haproxy's start.
  lb_wait_served b "$limit" || fail "the client is not served by beta within $limit ms"
  lb_report_outage "$t0" b "$(now_ms)"
  off_a=$(first_event a off "$t0")
  on_b=$(first_event b on "$t0")
  [[ -n $off_a && -n $on_b ]] || fail "VIP watch: alpha off at '$off_a', beta on at '$on_b'"
  both=$(lb_both "$t0")
  note "alpha's VIP expired $((off_a - t0)) ms after the $what; beta added it at $((on_b - t0)) ms; on both: $both"
  note "client's longest gap: $(lb_kv "$(lb_outage "$t0" b "$(now_ms)")" longest_gap_ms) ms (alpha's haproxy served until its VIP expired)"
  ((off_a - t0 <= lease + margin)) || fail "alpha's VIP outlived lease + margin: $((off_a - t0)) ms"
  ((on_b >= off_a)) || fail "beta added the VIP $((off_a - on_b)) ms before alpha's expired"
  ((on_b - t0 >= deadtime - keepalive)) || fail "beta took over $((on_b - t0)) ms after the $what, before deadtime"
  [[ $(lb_kv "$both" both_ms) == 0 ]] || fail "the VIP was on both nodes: $both"
  for line in "node alpha: is dead" "No STONITH device configured: alpha's VIP lease has run out; taking over." \
    "Taking over resource group $LB_GROUP"; do
    tb_wait_log b "$line" 0 "$mark_b" || fail "beta did not log '$line'"
  done
  RESULTS+=("$what: alpha's VIP gone after $((off_a - t0)) ms, beta's on after $((on_b - t0)) ms, client outage $LB_OUTAGE_MS ms, VIP on both $(lb_kv "$both" both_ms) ms")
}

RESULTS=()
step "Build the topology: alpha and beta with haproxy, backends, a client; vip_lease 2s, deadtime 4s, no fence device"
lb_topology
lb_write_twinbeat classic "auto_failback off" "vip_lease 2s"

step "Start both daemons; alpha takes the group; its VIP has a 2 s lifetime"
tb_start_node a
tb_start_node b
tb_wait_pair_up 2000  # both start together: a keepalive each way
lb_wait_holder a b 2000 || fail "alpha does not hold the group"  # a keepalive, the VIP, haproxy's start
lease=$(tb_field b fencing.vip_lease_ms)
((lease == 2000)) || fail "fencing.vip_lease_ms is '$lease'"
tb_expect_field b fencing.state idle
line=$(ip -n "$PFX-a" addr show dev eth0 | grep -A1 -F " $LB_VIP/" | tail -n 1)
note "VIP lease $lease ms; alpha's VIP: $(xargs <<<"$line")"
[[ $line == *"valid_lft "[0-2]"sec"* ]] || fail "alpha's VIP has no 2 s lifetime: $line"
((deadtime >= lease + margin)) || fail "deadtime $deadtime ms < lease + margin"

step "The client, requesting the VIP every 10 ms, is served by alpha"
lb_watch_start
lb_probe_start
lb_wait_served a 1000 || fail "the client is not served by alpha within 1 s"  # 100 requests

fault_and_takeover SIGKILL KILL
haproxy_a=$(lb_haproxy_pid a)

step "Restart alpha's daemon: it finds beta holding the group, stops the haproxy it left, and holds nothing (initdead + 2 s)"
tb_kill_node a  # collects the killed daemon
mark_a=$(tb_log_lines a)
tb_start_node a
lb_wait_holder b a $(($(tb_ms "$TB_INITDEAD") + 2000)) ||
  fail "the group is not on beta alone: a $(tb_field a groups.0.here), b $(tb_field b groups.0.here)"
[[ -z $haproxy_a ]] || tb_wait_gone "$haproxy_a" 1000 || fail "alpha's stale haproxy ($haproxy_a) still runs"
note "alpha's stale haproxy ${haproxy_a:-(none)} stopped; alpha: $(awk -v m="$mark_a" 'NR > m' "$TB_WORK/a/node.log" | grep -E 'Releasing|found' | head -n 2 | sed 's/^.*twinbeatd\[[0-9]*\]: //' | paste -sd'|')"

step "Give the group back to alpha: beta stops (goodbye: alpha takes over at once), then beta starts again (initdead + 2 s)"
tb_stop_node b
lb_wait_holder a b 2000 || fail "alpha did not take the group on beta's goodbye"  # haproxy's start
tb_start_node b
tb_wait_pair_up $(($(tb_ms "$TB_INITDEAD") + 2000))
lb_wait_holder a b 1000 || fail "the group is not on alpha alone"
lb_wait_served a 1000 || fail "the client is not served by alpha"  # 100 requests

fault_and_takeover SIGSTOP STOP
t_stop=$t0

step "SIGCONT alpha's daemon: it ends with nothing, beta keeps the group, the VIP is never on both (deadtime + 2 s)"
mark_a=$(tb_log_lines a)
mark_b=$(tb_log_lines b)
t_cont=$(now_ms)
kill -CONT "${TB_PID[a]}"
# Alpha handles the heartbeats queued while it was stopped, sees beta
# holding the group and releases its copy (haproxy; the VIP is gone already).
if ! lb_wait_holder b a $((deadtime + 2000)); then
  where=""
  for n in a b; do if lb_vip_here "$n"; then where+=" ${TB_NODE_NAME[$n]}"; fi; done
  note "alpha said: $(awk -v m="$mark_a" 'NR > m' "$TB_WORK/a/node.log" | sed 's/^.*twinbeatd\[[0-9]*\]: //' | head -n 8 | paste -sd'|')"
  note "beta said: $(awk -v m="$mark_b" 'NR > m' "$TB_WORK/b/node.log" | sed 's/^.*twinbeatd\[[0-9]*\]: //' | head -n 8 | paste -sd'|')"
  note "client since SIGCONT: $(lb_outage "$t_cont" b)"
  fail "the group is not on beta alone $((deadtime + 2000)) ms after SIGCONT: alpha's status says '$(tb_field a groups.0.here)', beta's '$(tb_field b groups.0.here)'; the VIP is on:${where:- neither node}"
fi
sleep 1  # a late re-add of the VIP on alpha, or flapping, shows here
lb_expect_holder b a
[[ -z $(lb_haproxy_pid a) ]] || fail "haproxy still runs on alpha"
lb_wait_served b 1000 || fail "the client is not served by beta"
both=$(lb_both "$t_cont")
on_a=$(awk -v t="$t_cont" '$1 >= t && $2 == "on"' "$TB_WORK/a/vip.watch" | wc -l)
note "after SIGCONT: VIP on alpha again $on_a time(s); on both: $both"
note "alpha said: $(awk -v m="$mark_a" 'NR > m' "$TB_WORK/a/node.log" | sed 's/^.*twinbeatd\[[0-9]*\]: //' | head -n 12 | paste -sd'|')"
note "beta said: $(awk -v m="$mark_b" 'NR > m' "$TB_WORK/b/node.log" | sed 's/^.*twinbeatd\[[0-9]*\]: //' | head -n 6 | paste -sd'|')"
((on_a == 0)) || fail "alpha's VIP came back after SIGCONT"
[[ $(lb_kv "$both" both_ms) == 0 ]] || fail "the VIP was on both nodes after SIGCONT: $both"
tb_expect_no_log a "IPaddr2: added" "$mark_a"
both=$(lb_both "$t_stop")
[[ $(lb_kv "$both" both_ms) == 0 ]] || fail "the VIP was on both nodes: $both"
lb_probe_stop
for r in "${RESULTS[@]}"; do note "$r"; done
pass
