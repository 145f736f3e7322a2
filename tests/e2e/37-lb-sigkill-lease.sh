#!/usr/bin/env bash
# SIGKILL behind a load balancer, with the VIP lease (the default without
# fence devices): alpha holds the VIP with a finite lifetime that its daemon
# renews. Its daemon is SIGKILLed: nobody renews the VIP, the kernel drops it
# when the lease runs out, and beta, which declared alpha dead after
# deadtime, takes over only once the lease and its margin are over. So the
# VIP is never on both nodes, even though nothing fenced alpha; the price is
# a longer outage (reported). Alpha's daemon then restarts, stops the haproxy
# it left behind, and the group fails back.
set -euo pipefail
# shellcheck source=tests/e2e/lib_lb.sh
. "$(dirname "$0")/lib_lb.sh"
lb_init tb37e

keepalive=$(tb_ms "$TB_KEEPALIVE")
initdead=$(tb_ms "$TB_INITDEAD")
margin=1500  # the lease margin of core/fence_gate.h: the kernel expires lifetimes to ~1 s

step "Build the topology: alpha and beta with haproxy, backends W1 and W2, a client; no vip_lease line"
lb_topology
lb_write_twinbeat classic "auto_failback on"

step "Start both daemons; alpha takes the group; its VIP has a finite lifetime"
tb_start_node a
tb_start_node b
tb_wait_pair_up $((initdead + 1000))  # initdead + 1 s
# A keepalive, then the VIP and haproxy's check and start; 2 s bounds it.
lb_wait_holder a b 2000 || fail "alpha does not hold the group: $(tb_status a | tail -4 | tr '\n' ' ')"
lease=$(tb_field b fencing.vip_lease_ms) || fail "beta's status has no fencing.vip_lease_ms"
[[ $lease =~ ^[0-9]+$ ]] || fail "no VIP lease in force (fencing.vip_lease_ms is '$lease')"
line=$(ip -n "$PFX-a" addr show dev eth0 | grep -A1 -F " $LB_VIP/" | tail -1)
note "VIP lease $lease ms; alpha's VIP: ${line//  / }"
[[ $line == *valid_lft* && $line != *"valid_lft forever"* ]] || fail "alpha's VIP has no finite lifetime: $line"

step "The client, requesting the VIP every 10 ms, is served by alpha"
lb_watch_start
lb_probe_start
lb_wait_served a 1000 || fail "the client is not served by alpha within 1 s"  # 100 requests

limit=$((lease + margin + keepalive + 1000))
step "SIGKILL alpha's daemon: its VIP expires, then beta serves, within lease + margin + keepalive + 1 s ($limit ms)"
mark_b=$(tb_log_lines b)
disown "${TB_PID[a]}"  # no "Killed" line from bash; tb_kill_node still collects it
t0=$(now_ms)
kill -KILL "${TB_PID[a]}"
# Beta waits for the lease (counted from alpha's last heartbeat) and its
# margin, then adds the VIP and starts haproxy (the second).
lb_wait_served b "$limit" || fail "the client is not served by beta within $limit ms"
t_served=$(now_ms)
tb_kill_node a
lb_report_outage "$t0" b "$t_served"
((LB_OUTAGE_MS >= lease)) || fail "beta served after $LB_OUTAGE_MS ms, before alpha's lease ($lease ms) ran out"
for l in "node alpha: is dead" "VIP lease has run out; taking over." "Taking over resource group $LB_GROUP"; do
  tb_wait_log b "$l" 0 "$mark_b" || fail "beta did not log '$l'"
done

step "Alpha's VIP went away by itself before beta added it: never on both nodes"
off_a=$(awk -v t="$t0" '$1 >= t && $2 == "off" { printf "%.0f", $1; exit }' "$TB_WORK/a/vip.watch")
on_b=$(awk -v t="$t0" '$1 >= t && $2 == "on" { printf "%.0f", $1; exit }' "$TB_WORK/b/vip.watch")
[[ -n $off_a ]] || fail "alpha's VIP never went away"
[[ -n $on_b ]] || fail "beta never had the VIP"
note "alpha's VIP expired $((off_a - t0)) ms after the kill; beta added it $((on_b - t0)) ms after"
both=$(lb_both "$t0")
note "VIP on both nodes: $both"
[[ $(lb_kv "$both" both_ms) == 0 ]] || fail "the VIP was on both nodes: $both"
((on_b >= off_a)) || fail "beta added the VIP before alpha's expired"

step "Restart alpha's daemon: it stops the haproxy it left, and the group fails back to alpha"
tb_start_node a
# Alpha finds haproxy running without the VIP (a partial group), sees beta
# holding it and stops its copy; beta then releases for failback and alpha
# starts the group: initdead + 3 s bounds the lot.
lb_wait_holder a b $((initdead + 3000)) ||
  fail "the group is not on alpha alone: a $(tb_field a groups.0.here), b $(tb_field b groups.0.here)"
lb_expect_holder a b
[[ -z $(lb_haproxy_pid b) ]] || fail "haproxy still runs on beta"
lb_wait_served a 1000 || fail "the client is not served by alpha within 1 s"  # 100 requests
lb_probe_stop
both=$(lb_both "$t0")
note "VIP on both nodes from the kill on: $both"
[[ $(lb_kv "$both" both_ms) == 0 ]] || fail "the VIP was on both nodes: $both"
pass
