#!/usr/bin/env bash
# Real fencing before a takeover, behind a load balancer: alpha and beta run
# twinbeatd inside persistent libvirt LXC domains of the fencing lab, with
# haproxy, two web backends and a client as in tests/e2e/lib_lb.sh. Alpha
# holds the group. Its daemon fails without a goodbye, and beta must fence
# alpha before it takes the group over. Two runs, one per fence device:
#
#   fence_virt        fence_virt over TCP to fence_virtd (libvirt backend);
#                     alpha's daemon is frozen (SIGSTOP: a hang)
#   external/libvirt  Heartbeat's syntax, our fence_twinbeat_libvirt through
#                     libvirt's API; alpha's daemon is SIGKILLed (a crash:
#                     the domain, its haproxy and its VIP stay up)
#
# Each run: beta declares alpha dead after deadtime, waits fence_delay (it
# holds nothing: the holder would win a race), shoots; the agent reports
# success ("node alpha now reset."); alpha's domain is shut off and its
# daemon gone; beta holds the group and serves the client. The VIP is never
# on both nodes: the lab (--power-nics) takes a domain's links down and its
# VIPs away when libvirt stops it, as a machine's power-off does, and beta
# adds the VIP only once the shot is confirmed. vip_lease off, so that
# nothing but the fence removes alpha's VIP. Reported: the shot's duration
# (the daemon's last_shot) and the client's outage.
set -euo pipefail
# shellcheck source=tests/e2e/lib_lb.sh
. "$(dirname "$0")/lib_lb.sh"
# shellcheck source=tests/e2e/lib_fence.sh
. "$(dirname "$0")/lib_fence.sh"
lb_init tb41f

deadtime=$(tb_ms "$TB_DEADTIME")
keepalive=$(tb_ms "$TB_KEEPALIVE")
initdead=$(tb_ms "$TB_INITDEAD")
fence_delay=1000  # short for the test; beta holds nothing, so it waits this long
shot_bound=5000   # an agent's off: 0.3 s, 1.8 s when the domain's daemon ignores SIGTERM (frozen), + status

# devices KIND: the stonith_host lines of each run.
devices() {
  case $1 in
    fence_virt)
      local common="ipaddr=$FL_ADDR ipport=$FL_TCP_PORT key_file=$FL_KEY"
      echo "stonith_host alpha fence_virt $common port=$PFX-b"
      echo "stonith_host beta fence_virt $common port=$PFX-a"
      ;;
    external/libvirt) echo "stonith_host * external/libvirt alpha:$PFX-a,beta:$PFX-b $FL_URI" ;;
  esac
}

# shot_ms NODE: the duration of NODE's last shot, from fencing.last_shot
# ("ok in 280 ms, 0 s ago: ...").
shot_ms() { tb_field "$1" fencing.last_shot | sed -n 's/^ok in \([0-9]*\) ms.*/\1/p'; }

# first_event NODE WHAT FROM_MS: the time of NODE's VIP watcher's first
# "on" or "off" at or after FROM, or nothing.
first_event() {
  awk -v t="$3" -v w="$2" '$1 >= t && $2 == w { printf "%.0f", $1; exit }' "$TB_WORK/$1/vip.watch"
}

step "Build the topology and the lab: alpha and beta with haproxy, backends, a client, fence_virtd on TCP"
lb_topology
fence_lab_up --power-nics
lb_watch_start

# fence_run KIND FAULT: one run (FAULT: stop or kill).
fence_run() {
  local kind=$1 fault=$2 dev t0 t_reset t_served mark_b line haproxy_a pids_a
  local -a lines
  mapfile -t lines < <(devices "$kind")
  lb_write_twinbeat classic "fence_delay 1s" "vip_lease off" "${lines[@]}"

  step "$kind: start alpha and beta in their domains; alpha takes the group; both fence devices check ok"
  fence_lab_define_node a  # both defined first: each device's check lists the other's domain
  fence_lab_define_node b
  fence_lab_node a
  fence_lab_node b
  tb_wait_pair_up $((initdead + 2000))  # initdead + 2 s: the domains start in ~0.5 s
  # A keepalive, then the VIP and haproxy's check and start; 3 s bounds it.
  lb_wait_holder a b 3000 || fail "alpha does not hold the group: $(tb_status a | tail -4 | tr '\n' ' ')"
  for n in a b; do
    # monitor, then list naming the port, run at start: ~0.1 s each; 5 s bounds them.
    tb_wait_field "$n" fencing.devices.0.health ok 5000 ||
      fail "${TB_NODE_NAME[$n]}'s fence device: $(tb_field "$n" fencing.devices)"
  done
  dev=$(tb_fields b fencing.devices.0.type fencing.devices.0.target fencing.devices.0.port | paste -sd' ')
  note "beta's device: $dev; fencing $(tb_field b fencing.state), VIP lease $(tb_field b fencing.vip_lease_ms)"
  tb_expect_field b fencing.state idle

  step "$kind: the client, requesting the VIP every 10 ms, is served by alpha"
  lb_probe_start
  lb_wait_served a 1000 || fail "the client is not served by alpha within 1 s"  # 100 requests
  haproxy_a=$(fence_lab_pids_of "$PFX-a" haproxy | paste -sd' ')
  mapfile -t pids_a < <(fence_lab_pids "$PFX-a")

  local limit=$((deadtime + keepalive + fence_delay + shot_bound))
  if [[ $fault == stop ]]; then
    step "$kind: freeze alpha's daemon (SIGSTOP): beta reports alpha reset within deadtime + keepalive + fence_delay + $shot_bound ms ($limit ms)"
  else
    step "$kind: SIGKILL alpha's daemon (its domain, haproxy and VIP stay up): beta reports alpha reset within $limit ms"
  fi
  mark_b=$(tb_log_lines b)
  tb_watch_start "$TB_WORK/b/node.log" "node alpha now reset." $((limit + 1000))  # + 1 s of slack
  t0=$(now_ms)
  if [[ $fault == stop ]]; then kill -STOP "${TB_PID[a]}"; else kill -KILL "${TB_PID[a]}"; fi
  tb_watch_result t_reset || fail "beta did not log 'node alpha now reset.' within $((limit + 1000)) ms"
  note "beta: alpha reset $((t_reset - t0)) ms after the fault"

  step "$kind: beta declared alpha dead, waited fence_delay, shot once through its device, then took over"
  # The takeover follows the shot at once; haproxy's start: 2 s bounds it.
  tb_wait_log b "Resource group $LB_GROUP acquired." 2000 "$mark_b" || fail "beta did not acquire the group"
  local want=("node alpha: is dead" "Resetting node alpha with [$kind port=$PFX-a action=off]"
    "node alpha now reset." "node alpha is fenced: taking over." "Taking over resource group $LB_GROUP")
  local prev=0 at
  for line in "${want[@]}"; do
    at=$(awk -v from="$mark_b" -v p="$line" 'NR > from && index($0, p) { print NR; exit }' "$TB_WORK/b/node.log")
    [[ -n $at ]] || fail "beta did not log '$line'"
    ((at > prev)) || fail "beta logged '$line' out of order"
    prev=$at
  done
  (($(tb_log_count b "Resetting node alpha" "$mark_b") == 1)) || fail "beta shot more than once"
  tb_expect_no_log b "not reset!" "$mark_b"
  tb_expect_field b fencing.state confirmed
  tb_expect_field b fencing.attempts 1
  note "beta's last shot: $(tb_field b fencing.last_shot)"

  step "$kind: alpha's domain is shut off, its daemon and haproxy are gone (state 1 s, pids 3 s: libvirt's SIGKILL and PID 1's reaping)"
  fence_lab_wait_state "$PFX-a" "shut off" 1000 || fail "$PFX-a is '$(fence_lab_state "$PFX-a")', not shut off"
  tb_wait_gone "${TB_PID[a]}" 3000 || fail "alpha's daemon (pid ${TB_PID[a]}) survived the fence"
  [[ -n $haproxy_a ]] || fail "no haproxy ran in $PFX-a before the fault"
  for pid in $haproxy_a; do tb_wait_gone "$pid" 3000 || fail "alpha's haproxy ($pid) survived the fence"; done
  for pid in "${pids_a[@]}"; do tb_wait_gone "$pid" 3000 || fail "pid $pid of $PFX-a survived the fence"; done
  note "$PFX-a: $(fence_lab_state "$PFX-a"); daemon ${TB_PID[a]}, haproxy $haproxy_a and ${#pids_a[@]} process(es) gone"

  step "$kind: beta holds the group and the VIP, and serves the client (1 s: 100 requests)"
  lb_wait_holder b a 2000 || fail "beta does not hold the group alone"  # haproxy's start
  lb_wait_served b 1000 || fail "the client is not served by beta"
  t_served=$(now_ms)
  lb_report_outage "$t0" b "$t_served"
  # Until its power went, alpha's haproxy served (after a SIGKILL) or was
  # stopped by libvirt's SIGTERM (while its daemon was frozen): the longest
  # gap is what the client went without an answer.
  local gap
  gap=$(lb_kv "$(lb_outage "$t0" b "$t_served")" longest_gap_ms)
  [[ -n $(fence_lab_pids_of "$PFX-b" haproxy) ]] || fail "no haproxy runs in $PFX-b"

  step "$kind: the VIP was never on both nodes; alpha's went with its power, before beta added it"
  local off_a on_b both
  off_a=$(first_event a off "$t0")
  on_b=$(first_event b on "$t0")
  [[ -n $off_a && -n $on_b ]] || fail "VIP watch: alpha off at '${off_a}', beta on at '${on_b}'"
  both=$(lb_both "$t0")
  note "alpha's VIP off $((off_a - t0)) ms after the fault, shot confirmed at $((t_reset - t0)) ms, beta's VIP on at $((on_b - t0)) ms; on both: $both"
  [[ $(lb_kv "$both" both_ms) == 0 ]] || fail "the VIP was on both nodes: $both"
  ((off_a <= on_b)) || fail "beta added the VIP before alpha's went away"
  ((on_b >= t_reset - 5)) || fail "beta added the VIP $((t_reset - on_b)) ms before the shot was confirmed"  # 5 ms: the log watcher's polling
  RESULTS+=("$kind ($fault): reset $((t_reset - t0)) ms after the fault, shot $(shot_ms b) ms, outage (to beta's first answer) $LB_OUTAGE_MS ms, longest gap $gap ms, failed $LB_FAILED, VIP on both $(lb_kv "$both" both_ms) ms")
  lb_probe_stop

  step "$kind: power beta off as well (a graceful stop inside its domain), for the next run"
  virsh -q -c "$FL_URI" destroy "$PFX-b" >/dev/null
  fence_lab_wait_state "$PFX-b" "shut off" 3000 || fail "$PFX-b did not shut off"  # libvirt's SIGKILL at 1.6 s
  unset "TB_PID[a]" "TB_PID[b]"
}

RESULTS=()
fence_run fence_virt stop
fence_run external/libvirt kill
for r in "${RESULTS[@]}"; do note "$r"; done
pass
