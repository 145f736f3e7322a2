#!/usr/bin/env bash
# Warm mode behind a load balancer (haproxy::CONFIG::warm): haproxy runs on
# both nodes all the time, bound to the VIP through net.ipv4.ip_nonlocal_bind;
# a takeover moves only the VIP. A graceful stop of alpha hands the VIP to
# beta, whose haproxy is already listening: the client is served by beta
# almost at once, both haproxy processes keep running (the same pids), and
# the VIP is never on both nodes.
set -euo pipefail
# shellcheck source=tests/e2e/lib_lb.sh
. "$(dirname "$0")/lib_lb.sh"
lb_init tb35w

deadtime=$(tb_ms "$TB_DEADTIME")
initdead=$(tb_ms "$TB_INITDEAD")

step "Build the topology in warm mode: haproxy runs on both nodes before the daemons start"
lb_topology
lb_write_twinbeat warm "auto_failback on"
lb_start_warm_haproxy
haproxy_a=$(lb_haproxy_pid a)
haproxy_b=$(lb_haproxy_pid b)
[[ -n $haproxy_a && -n $haproxy_b ]] || fail "haproxy does not run on both nodes (alpha '$haproxy_a', beta '$haproxy_b')"
note "haproxy: alpha pid $haproxy_a, beta pid $haproxy_b"

step "Start both daemons; alpha takes the group: the VIP, and haproxy marked active"
tb_start_node a
tb_start_node b
tb_wait_pair_up $((initdead + 1000))  # initdead + 1 s
# A keepalive, then the VIP and the agent's check that haproxy runs; 2 s bounds it.
lb_wait_holder a b 2000 || fail "alpha does not hold the group: $(tb_status a | tail -4 | tr '\n' ' ')"
lb_haproxy a warm status >/dev/null || fail "alpha's agent does not report haproxy active"
if lb_haproxy b warm status >/dev/null; then fail "beta's agent reports haproxy active on the standby"; fi

step "The client, requesting the VIP every 10 ms, is served by alpha"
lb_watch_start
lb_probe_start
lb_wait_served a 1000 || fail "the client is not served by alpha within 1 s"  # 100 requests

step "SIGTERM alpha's daemon: beta serves within deadtime ($deadtime ms), moving only the VIP"
mark_b=$(tb_log_lines b)
t0=$(now_ms)
kill -TERM "${TB_PID[a]}"
# Release (the mark, the VIP), goodbye, beta's VIP: no deadtime wait and no
# haproxy start. Waiting deadtime + 1 s shows a miss by how much.
lb_wait_served b $((deadtime + 1000)) || fail "the client is not served by beta within deadtime + 1 s"
sleep 0.3  # 30 more requests, to see that beta keeps serving
lb_probe_stop
lb_report_outage "$t0" b
[[ -n $LB_OUTAGE_MS ]] || fail "beta never answered the client"
((LB_OUTAGE_MS < deadtime)) || fail "beta served after $LB_OUTAGE_MS ms, not before deadtime ($deadtime ms)"
tb_stop_node a || fail "alpha's daemon exited $?"
tb_wait_log b "Received shutdown notice from 'alpha'." 0 "$mark_b" || fail "beta did not log alpha's shutdown notice"
tb_expect_no_log b "is dead" "$mark_b"

step "Beta holds the group; haproxy still runs on both nodes, the same processes as before"
lb_expect_holder b a
[[ $(lb_haproxy_pid a) == "$haproxy_a" ]] || fail "alpha's haproxy is now '$(lb_haproxy_pid a)', was $haproxy_a"
[[ $(lb_haproxy_pid b) == "$haproxy_b" ]] || fail "beta's haproxy is now '$(lb_haproxy_pid b)', was $haproxy_b"
lb_haproxy b warm status >/dev/null || fail "beta's agent does not report haproxy active"
if lb_haproxy a warm status >/dev/null; then fail "alpha's agent still reports haproxy active"; fi

step "The VIP was never on both nodes"
both=$(lb_both "$t0")
note "VIP on both nodes: $both"
[[ $(lb_kv "$both" both_ms) == 0 ]] || fail "the VIP was on both nodes: $both"
pass
