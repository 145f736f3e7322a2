#!/usr/bin/env bash
# Fence agents that fail or hang, and a peer that comes back while it is
# being shot at. alpha holds the group (VIP + haproxy); only beta has a fence
# device (`stonith_host beta AGENT ...`), a script in the test's directory
# named by absolute path, so that only beta shoots. No libvirt here: no shot
# can succeed, so plain namespaces do. vip_lease off, so that alpha's VIP
# stays while its daemon is frozen: nothing but a takeover could move it.
#
#   failing agent, fence_attempts 2: alpha's daemon frozen (SIGSTOP); beta
#     shoots twice (1 s backoff), gives up (CRIT, status "gave up"), takes
#     nothing over; SIGCONT: alpha is back, beta's gate idle again
#   hanging agent, timeout=2, fence_attempts 1: the daemon kills it at its
#     deadline, timeout + delay + 5 s = 7 s, agent and child alike, and the
#     shot counts as failed: beta gives up, takes nothing over
#   failing agent, fence_attempts 5: alpha's heartbeats cut (nftables, alpha
#     runs on); after the second failed shot, during the backoff, the cut is
#     removed: beta stops shooting ("fencing cancelled") and never takes over
set -euo pipefail
# shellcheck source=tests/e2e/lib_lb.sh
. "$(dirname "$0")/lib_lb.sh"
# shellcheck source=tests/e2e/lib_fence.sh
. "$(dirname "$0")/lib_fence.sh"
lb_init tb44a

deadtime=$(tb_ms "$TB_DEADTIME")
keepalive=$(tb_ms "$TB_KEEPALIVE")
initdead=$(tb_ms "$TB_INITDEAD")
fence_delay=1000  # beta holds nothing: it waits this long before its first shot
AG=$TB_WORK/agents
CALLS=$AG/calls  # one line per agent call: "MS PID AGENT ACTION"

step "Write the agents: fence_fail always exits 1; fence_hang answers monitor and list, and hangs on off"
mkdir -p "$AG"
cat >"$AG/fence_fail" <<EOF
#!/bin/bash
# Always fails, like an agent whose power switch is unreachable.
req=\$(cat)
action=\$(sed -n 's/^action=//p' <<<"\$req")
echo "\$(date +%s%3N) \$\$ fence_fail \$action" >>"$CALLS"
printf '%s\n' "\$req" >"$AG/fence_fail.\$action"
echo "fence_fail: power switch unreachable (action \$action)"
exit 1
EOF
cat >"$AG/fence_hang" <<EOF
#!/bin/bash
# Hangs on off (waiting on a child that sleeps), like an agent whose
# switch accepts the connection and never answers.
action=\$(sed -n 's/^action=//p')
echo "\$(date +%s%3N) \$\$ fence_hang \$action" >>"$CALLS"
case \$action in
  monitor) exit 0 ;;
  list) echo "alpha"; exit 0 ;;
esac
sleep 100000 &
echo "\$!" >"$AG/hang.child"
wait
EOF
chmod 0755 "$AG/fence_fail" "$AG/fence_hang"

step "Build the topology: alpha and beta with haproxy, backends, a client; VIP watchers"
lb_topology
lb_watch_start

# start_pair DEVICE-LINE ATTEMPTS: (re)writes ha.cf and starts both daemons;
# alpha takes the group; beta's device is checked.
start_pair() {
  local n
  for n in b a; do if tb_running "$n"; then tb_stop_node "$n" >/dev/null || true; fi; done  # beta first: alpha would hand over
  lb_write_twinbeat classic "fence_delay 1s" "fence_attempts $2" "vip_lease off" "$1"
  : >"$CALLS"
  tb_start_node a
  tb_start_node b
  tb_wait_pair_up $((initdead + 1000))  # initdead + 1 s
  lb_wait_holder a b 2000 || fail "alpha does not hold the group"  # a keepalive, the VIP, haproxy's start
  # monitor (and list) at start: the agents answer at once; 2 s bounds them.
  wait_until 2000 device_checked || fail "beta's device was not checked: $(tb_field b fencing.devices)"
  note "beta's device: $(tb_fields b fencing.devices.0.type fencing.devices.0.health | paste -sd' ')"
}

# shellcheck disable=SC2317 # called through wait_until
two_failures() { (($(tb_log_count b "Host alpha not reset!" "$mark_b") >= 2)); }

# shellcheck disable=SC2317 # called through wait_until
device_checked() { [[ $(tb_field b fencing.devices.0.health) != unchecked ]]; }

# calls AGENT ACTION [FROM_MS]: how many times it was called.
calls() { awk -v a="$1" -v x="$2" -v t="${3:-0}" '$1 >= t && $3 == a && $4 == x' "$CALLS" | wc -l; }

# expect_alpha_kept FROM_MS: alpha holds the group and the VIP, beta neither,
# and from FROM on the VIP never left alpha nor came to beta.
expect_alpha_kept() {
  lb_vip_here a || fail "alpha's VIP is gone: $(ip -n "$PFX-a" -o addr show dev eth0 | awk '{ print $4 }' | paste -sd' ')"
  ! lb_vip_here b || fail "beta has the VIP"
  tb_expect_field b groups.0.here none
  local off on
  off=$(awk -v t="$1" '$1 >= t && $2 == "off"' "$TB_WORK/a/vip.watch" | wc -l)
  on=$(awk -v t="$1" '$1 >= t && $2 == "on"' "$TB_WORK/b/vip.watch" | wc -l)
  ((off == 0 && on == 0)) || fail "the VIP moved: off on alpha $off time(s), on on beta $on time(s)"
}

# --- a failing agent: bounded retries, then passive ---------------------------------

start_pair "stonith_host beta $AG/fence_fail timeout=5 site=lab44" 2
step "A failing device is reported at start: health names the monitor's failure, beta logged it"
health=$(tb_field b fencing.devices.0.health)
[[ $health == "monitor: "*"exit"*"1"* ]] || fail "health of the failing device: '$health'"
tb_wait_log b "STONITH device $AG/fence_fail not operational!" 0 || fail "beta did not log the device's failure"

limit=$((deadtime + keepalive + fence_delay + 1000 + 2000))
step "Freeze alpha's daemon: beta shoots twice, 1 s apart, then gives up (CRIT) within deadtime + keepalive + fence_delay + 1 s backoff + 2 s ($limit ms)"
mark_b=$(tb_log_lines b)
t0=$(now_ms)
kill -STOP "${TB_PID[a]}"
# The agent fails at once; the 2 s cover two agent runs and the executor.
tb_wait_log b "STONITH of alpha failed 2 times" "$limit" "$mark_b" || fail "beta did not give up within $limit ms"
t_gave=$(now_ms)
note "beta gave up $((t_gave - t0)) ms after the freeze"
grep -F "STONITH of alpha failed 2 times" "$TB_WORK/b/node.log" | grep -q "CRIT" || fail "the give-up line is not CRIT"
(($(tb_log_count b "Resetting node alpha with [$AG/fence_fail port=alpha action=off]" "$mark_b") == 2)) ||
  fail "beta shot $(tb_log_count b "Resetting node alpha" "$mark_b") time(s), expected 2"
(($(tb_log_count b "Host alpha not reset! ($AG/fence_fail: exit 1" "$mark_b") == 2)) || fail "beta did not report two failed shots"
tb_wait_log b "STONITH of alpha: attempt 2" 0 "$mark_b" || fail "beta did not log its second attempt"
mapfile -t offs < <(awk -v t="$t0" '$1 >= t && $3 == "fence_fail" && $4 == "off" { print $1 }' "$CALLS")
((${#offs[@]} == 2)) || fail "the agent ran off ${#offs[@]} time(s)"
gap=$((offs[1] - offs[0]))
note "agent calls with off: ${#offs[@]}, $gap ms apart (backoff 1 s); first $((offs[0] - t0)) ms after the freeze"
((gap >= 900 && gap <= 1500)) || fail "the two shots were $gap ms apart, not the 1 s backoff"
req=$(paste -sd' ' "$AG/fence_fail.off")
note "the agent's stdin: $req"
[[ $req == "action=off port=alpha site=lab44" ]] ||
  fail "the agent's request: '$req' (expected the port, and site passed through; timeout is the daemon's)"

step "Beta stays passive: status 'gave up', 2 attempts, last shot FAILED; nothing taken over 2 s later"
sleep 2  # a third shot or a takeover would show by now (the next backoff would be 2 s)
tb_expect_field b fencing.state "gave up"
tb_expect_field b fencing.attempts 2
[[ $(tb_field b fencing.last_shot) == FAILED* ]] || fail "last_shot: $(tb_field b fencing.last_shot)"
(($(calls fence_fail off "$t0") == 2)) || fail "the agent ran off again after beta gave up"
tb_expect_no_log b "Taking over" "$mark_b"
expect_alpha_kept "$t0"
note "beta: $(tb_field b fencing.last_shot)"

step "SIGCONT: alpha is back, beta's gate idle again, alpha still holds the group (deadtime + 1 s)"
kill -CONT "${TB_PID[a]}"
tb_wait_field b fencing.state idle $((deadtime + 1000)) || fail "beta's fencing is '$(tb_field b fencing.state)'"
tb_wait_pair_up $((deadtime + 1000))
lb_wait_holder a b 2000 || fail "alpha does not hold the group alone after SIGCONT"
expect_alpha_kept "$t0"

# --- a hanging agent: killed at its deadline ----------------------------------------

start_pair "stonith_host beta $AG/fence_hang timeout=2" 1
tb_expect_field b fencing.devices.0.health ok
deadline=$((2000 + 0 + 5000))  # the daemon's: timeout + delay + 5 s
limit=$((deadtime + keepalive + fence_delay + deadline + 1500))
step "Freeze alpha's daemon: beta's shot hangs and is killed at its deadline, $deadline ms; beta gives up within $limit ms"
mark_b=$(tb_log_lines b)
t_fail=""
tb_watch_start "$TB_WORK/b/node.log" "Host alpha not reset!" "$limit"
t0=$(now_ms)
kill -STOP "${TB_PID[a]}"
tb_watch_result t_fail || fail "beta did not report the hanging shot as failed within $limit ms"
t_off=$(awk -v t="$t0" '$1 >= t && $3 == "fence_hang" && $4 == "off" { printf "%.0f", $1; exit }' "$CALLS")
[[ -n $t_off ]] || fail "the hanging agent was never called with off"
agent_pid=$(awk -v t="$t0" '$1 >= t && $3 == "fence_hang" && $4 == "off" { print $2; exit }' "$CALLS")
took=$((t_fail - t_off))
line=$(grep -F "Host alpha not reset!" "$TB_WORK/b/node.log" | tail -n 1)
note "the shot ran $took ms (deadline $deadline ms): ${line#*: }"
((took >= deadline - 200 && took <= deadline + 1500)) || fail "the hanging agent was stopped after $took ms, not at its $deadline ms deadline"
tb_wait_log b "STONITH of alpha failed 1 times" 1000 "$mark_b" || fail "beta did not give up after the hanging shot"

step "The hanging agent and its child are gone (1 s: the kill is immediate; PID 1 reaps within 2 s, which Z covers)"
child=$(cat "$AG/hang.child")
for pid in "$agent_pid" "$child"; do
  tb_wait_gone "$pid" 1000 || fail "pid $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)) outlived the agent's deadline"
done
note "agent $agent_pid and its sleep $child are gone"
tb_expect_field b fencing.state "gave up"
tb_expect_field b fencing.attempts 1
tb_expect_no_log b "Taking over" "$mark_b"
expect_alpha_kept "$t0"
kill -CONT "${TB_PID[a]}"
tb_wait_field b fencing.state idle $((deadtime + 1000)) || fail "beta's fencing is '$(tb_field b fencing.state)' after SIGCONT"

# --- the peer comes back during the retries ----------------------------------------

start_pair "stonith_host beta $AG/fence_fail" 5
limit=$((deadtime + keepalive + fence_delay + 1000 + 1000))
step "Cut alpha's heartbeats (alpha runs on): beta shoots and fails twice within deadtime + keepalive + fence_delay + 1 s backoff + 1 s ($limit ms)"
mark_b=$(tb_log_lines b)
t0=$(now_ms)
fence_lab_cut a
wait_until "$limit" two_failures || fail "beta did not fail twice within $limit ms: $(tb_field b fencing.state)"
note "two failed shots $(($(now_ms) - t0)) ms after the cut; beta's fencing: $(tb_field b fencing.state), $(tb_field b fencing.attempts) attempt(s)"

step "Remove the cut during the 2 s backoff: beta logs 'fencing cancelled' (deadtime: a heartbeat is enough) and shoots no more"
t_heal=$(now_ms)
fence_lab_heal a
tb_wait_log b "node alpha is back: fencing cancelled" $((deadtime + 1000)) "$mark_b" || fail "beta did not cancel its fencing"
note "cancelled $(($(now_ms) - t_heal)) ms after the heal"
shots=$(tb_log_count b "Resetting node alpha" "$mark_b")
sleep 3  # the third shot was due 2 s after the second; 3 s shows none came
(($(tb_log_count b "Resetting node alpha" "$mark_b") == shots)) || fail "beta shot again after alpha came back"
((shots == 2)) || fail "beta shot $shots time(s) before the heal, expected 2"
tb_expect_field b fencing.state idle
tb_expect_field b fencing.attempts 0
tb_expect_no_log b "Taking over" "$mark_b"
tb_wait_pair_up 1000
lb_wait_holder a b 1000 || fail "alpha does not hold the group alone after the heal"
expect_alpha_kept "$t0"
note "alpha said during the cut: $(awk -v m=0 'NR > m' "$TB_WORK/a/node.log" | grep -E 'STONITH|beta: is dead|returning' | tail -n 3 | sed 's/^.*twinbeatd\[[0-9]*\]: //' | paste -sd'|')"
pass
