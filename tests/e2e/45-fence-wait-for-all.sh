#!/usr/bin/env bash
# wait_for_all (on by default when fencing is configured): only beta starts;
# alpha's domain is defined but never started. A working fence device (TCP
# fence_virt) could shoot alpha, yet after initdead beta neither shoots nor
# takes the group: a peer never seen since this node started may be up and
# holding the VIP on the other side of a broken link. Status says "never
# seen". The operator's `takeover force` on the control socket (the request
# line `twinbeat takeover --force` sends) starts the group on beta without a
# shot. Then alpha's domain starts: alpha joins, beta keeps the group
# (auto_failback off), the VIP is on beta only. Beta must greet alpha as a
# first contact: it has never heard it.
set -euo pipefail
# shellcheck source=tests/e2e/lib_lb.sh
. "$(dirname "$0")/lib_lb.sh"
# shellcheck source=tests/e2e/lib_fence.sh
. "$(dirname "$0")/lib_fence.sh"
lb_init tb45w

initdead=$(tb_ms "$TB_INITDEAD")

# control NODE REQUEST: one request line on NODE's control socket; prints the reply.
control() {
  "$TB_PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)  # the daemon answers within its loop turn
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
print(s.makefile().read().strip())
' "$TB_WORK/$1/run/control" "$2"
}

step "Build the topology and the lab: haproxy on alpha and beta, backends, a client, fence_virtd on TCP"
lb_topology
fence_lab_up --power-nics
common="ipaddr=$FL_ADDR ipport=$FL_TCP_PORT key_file=$FL_KEY"
lb_write_twinbeat classic "auto_failback off" \
  "stonith_host alpha fence_virt $common port=$PFX-b" "stonith_host beta fence_virt $common port=$PFX-a"
fence_lab_define_node a  # defined, so that beta's device lists it: a shot would work
fence_lab_define_node b
lb_watch_start
lb_probe_start

step "Start only beta; after initdead it declares alpha dead, and waits for it (initdead + 1 s)"
mark_b=$(tb_log_lines b)
t0=$(now_ms)
fence_lab_node b
tb_wait_log b "was never seen since this node started: waiting for it (wait_for_all)" $((initdead + 1000)) ||
  fail "beta did not log that it waits for alpha"
tb_wait_log b "node alpha: is dead (not heard from within initdead" 0 || fail "beta did not declare alpha dead at initdead"
tb_wait_field b fencing.devices.0.health ok 3000 || fail "beta's device: $(tb_field b fencing.devices)"  # monitor + list
note "beta's device is ok: $(tb_fields b fencing.devices.0.type fencing.devices.0.port | paste -sd' '); alpha's domain is $(fence_lab_state "$PFX-a")"

step "Two seconds later beta has neither shot nor taken over: status 'never seen', no VIP anywhere"
sleep 2  # a takeover or a shot right after initdead would show by now
tb_expect_field b fencing.state "never seen (wait_for_all)"
tb_expect_field b fencing.attempts 0
tb_expect_field b groups.0.here none
tb_expect_no_log b "Resetting node" "$mark_b"
tb_expect_no_log b "Taking over" "$mark_b"
! lb_vip_here b || fail "beta has the VIP"
[[ $(fence_lab_state "$PFX-a") == "shut off" ]] || fail "$PFX-a is '$(fence_lab_state "$PFX-a")'"
note "beta: fencing '$(tb_field b fencing.state)', group $(tb_field b groups.0.here), $(($(now_ms) - t0)) ms after its start"

step "fence_delay (5 s by default) has passed too: still no shot (wait_for_all, not the delay, holds beta back)"
# beta holds nothing: without wait_for_all it would shoot at initdead + fence_delay.
wait_ms=$((t0 + initdead + 5000 + 1000 - $(now_ms)))
if ((wait_ms > 0)); then sleep "$(awk -v m="$wait_ms" 'BEGIN { printf "%.3f", m / 1000 }')"; fi  # to initdead + fence_delay + 1 s
tb_expect_no_log b "Resetting node" "$mark_b"
tb_expect_no_log b "Taking over" "$mark_b"
tb_expect_field b fencing.state "never seen (wait_for_all)"

step "'takeover force' on beta's control socket: beta takes the group without a shot and serves the client (2 s: haproxy's start)"
reply=$(control b "takeover force") || fail "the control socket did not answer"
note "reply: $reply"
[[ $reply == "ok: taking over from alpha without fencing it" ]] || fail "takeover force: '$reply'"
t_force=$(now_ms)
lb_wait_holder b a 2000 || fail "beta does not hold the group after takeover force"
tb_wait_log b "takeover forced by the operator: alpha is not fenced." 0 "$mark_b" || fail "beta did not log the forced takeover"
tb_wait_log b "Taking over resource group $LB_GROUP" 0 "$mark_b" || fail "beta did not take over the group"
lb_wait_served b 1000 || fail "the client is not served by beta"  # 100 requests
note "the client is served by beta $(($(now_ms) - t_force)) ms after the request"
tb_expect_field b fencing.state confirmed
tb_expect_field b fencing.attempts 0
tb_expect_no_log b "Resetting node" "$mark_b"

step "Alpha's domain starts: alpha joins, beta keeps the group (auto_failback off), the VIP is on beta only (initdead + 2 s)"
mark_b=$(tb_log_lines b)
t_a=$(now_ms)
fence_lab_node a
tb_wait_pair_up $((initdead + 2000))
lb_wait_holder b a 2000 || fail "the group is not on beta alone: a $(tb_field a groups.0.here), b $(tb_field b groups.0.here)"
tb_expect_field b fencing.state idle
reply=$(control b "takeover force")
note "takeover force with alpha up: $reply"
[[ $reply == "error: alpha is not silent"* ]] || fail "takeover force with alpha up: '$reply'"
both=$(lb_both "$t0")
note "VIP on both nodes: $both"
[[ $(lb_kv "$both" both_ms) == 0 ]] || fail "the VIP was on both nodes: $both"
lb_probe_stop

step "Beta greeted alpha as a first contact, never heard before (not as a node returning after a partition)"
greet=$(awk -v m="$mark_b" 'NR > m' "$TB_WORK/b/node.log" | grep -E "Status update for node alpha|returning after partition|Heartbeat restart" |
  head -n 1 | sed 's/^.*twinbeatd\[[0-9]*\]: //')
note "beta, $(($(now_ms) - t_a)) ms after alpha's start: $greet"
[[ $greet == "info: Status update for node alpha: status up"* ]] ||
  fail "beta greeted alpha, whom it never heard, with '$greet' (src/core/membership.cc: a peer declared dead at initdead has no last_heard_, yet 'returned' reads it)"
pass
