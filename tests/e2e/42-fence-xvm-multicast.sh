#!/usr/bin/env bash
# Real fencing through fence_xvm, the standard agent of Heartbeat and
# Pacemaker clusters on libvirt: its request goes by multicast
# (225.0.0.12:1229) to fence_virtd, here in the lab's namespace on the same
# bridge (fence_lab_up --multicast; fence_xvm only ever runs inside lab
# namespaces and domains, never in the host's). The set-up of
# 41-fence-takeover.sh, shorter: alpha holds the group behind haproxy, its
# daemon is SIGKILLed (its domain, haproxy and VIP stay up), and beta fences
# alpha through fence_xvm, then takes over. vip_lease off: only the fence
# removes alpha's VIP (the lab takes a stopped domain's links down and its
# VIPs away, as a power-off does).
set -euo pipefail
# shellcheck source=tests/e2e/lib_lb.sh
. "$(dirname "$0")/lib_lb.sh"
# shellcheck source=tests/e2e/lib_fence.sh
. "$(dirname "$0")/lib_fence.sh"
lb_init tb42x

deadtime=$(tb_ms "$TB_DEADTIME")
keepalive=$(tb_ms "$TB_KEEPALIVE")
initdead=$(tb_ms "$TB_INITDEAD")
fence_delay=1000  # beta holds nothing: it waits this long before it shoots
shot_bound=5000   # fence_xvm's off: ~0.3 s here, and its status; 5 s is its timeout

step "Build the topology and the lab: haproxy on alpha and beta, backends, a client; fence_virtd on multicast"
lb_topology
fence_lab_up --multicast --power-nics
xvm="key_file=$FL_KEY multicast_address=$FL_MCAST_ADDR ipport=$FL_MCAST_PORT timeout=5"
lb_write_twinbeat classic "fence_delay 1s" "vip_lease off" \
  "stonith_host alpha fence_xvm $xvm port=$PFX-b" "stonith_host beta fence_xvm $xvm port=$PFX-a"

step "Start alpha and beta in their domains; alpha takes the group; both fence_xvm devices check ok"
fence_lab_define_node a  # both defined first: each device's list names the other's domain
fence_lab_define_node b
fence_lab_node a
fence_lab_node b
tb_wait_pair_up $((initdead + 2000))  # initdead + 2 s: the domains start in ~0.5 s
lb_wait_holder a b 3000 || fail "alpha does not hold the group"  # a keepalive, the VIP, haproxy's start
for n in a b; do
  # monitor, then list naming the port, at start: tens of ms each; 5 s bounds them.
  tb_wait_field "$n" fencing.devices.0.health ok 5000 ||
    fail "${TB_NODE_NAME[$n]}'s fence device: $(tb_field "$n" fencing.devices)"
done
note "beta's device: $(tb_fields b fencing.devices.0.type fencing.devices.0.port fencing.devices.0.health | paste -sd' ')"

step "The client, requesting the VIP every 10 ms, is served by alpha"
lb_watch_start
lb_probe_start
lb_wait_served a 1000 || fail "the client is not served by alpha within 1 s"  # 100 requests

limit=$((deadtime + keepalive + fence_delay + shot_bound))
step "SIGKILL alpha's daemon: beta reports alpha reset through fence_xvm within deadtime + keepalive + fence_delay + $shot_bound ms ($limit ms)"
mark_b=$(tb_log_lines b)
mapfile -t pids_a < <(fence_lab_pids "$PFX-a")
daemon_a=${TB_PID[a]}
t_reset=""
tb_watch_start "$TB_WORK/b/node.log" "node alpha now reset." $((limit + 1000))  # + 1 s of slack
t0=$(now_ms)
kill -KILL "$daemon_a"
tb_watch_result t_reset || fail "beta did not log 'node alpha now reset.' within $((limit + 1000)) ms"
tb_wait_log b "Resetting node alpha with [fence_xvm port=$PFX-a action=off]" 0 "$mark_b" ||
  fail "beta did not shoot through fence_xvm"
tb_wait_log b "node alpha is fenced: taking over." 1000 "$mark_b" || fail "beta did not take over after the shot"
note "alpha reset $((t_reset - t0)) ms after the kill; beta's last shot: $(tb_field b fencing.last_shot)"

step "Alpha's domain is shut off and every process of it gone (state 1 s, pids 3 s: PID 1's reaping)"
fence_lab_wait_state "$PFX-a" "shut off" 1000 || fail "$PFX-a is '$(fence_lab_state "$PFX-a")'"
for pid in "${pids_a[@]}"; do tb_wait_gone "$pid" 3000 || fail "pid $pid of $PFX-a survived the fence"; done

step "Beta holds the group and serves the client; the VIP was never on both nodes"
lb_wait_holder b a 2000 || fail "beta does not hold the group alone"  # haproxy's start
lb_wait_served b 1000 || fail "the client is not served by beta"  # 100 requests
t_served=$(now_ms)
lb_report_outage "$t0" b "$t_served"
tb_expect_field b fencing.state confirmed
tb_expect_field b fencing.attempts 1
both=$(lb_both "$t0")
note "VIP on both nodes: $both"
[[ $(lb_kv "$both" both_ms) == 0 ]] || fail "the VIP was on both nodes: $both"
lb_probe_stop
pass
