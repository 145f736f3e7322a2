#!/usr/bin/env bash
# make demo: a whole two-node haproxy pair on this one machine, in network
# namespaces: nodes alpha and beta (twinbeatd + Debian's haproxy), two web
# backends, a client requesting the VIP every 10 ms. Shows the status, kills
# the active node's daemon, measures the takeover as the client saw it,
# brings alpha back and shows the failback, then removes everything.
# Exits non-zero if anything did not behave.
set -euo pipefail
export TB_SCENARIO=demo
# shellcheck source=tests/e2e/lib_lb.sh
. "$(dirname "$0")/e2e/lib_lb.sh"
# Timers a real pair could use; keepalive 200ms, deadtime 1s.
TB_KEEPALIVE=200ms TB_WARNTIME=600ms TB_DEADTIME=1s TB_INITDEAD=3s
initdead=3000

say() { printf '\n>>> %s\n' "$*"; }
show() { sed 's/^/    /'; }

lb_init tbdemo
say "Building the network: alpha 10.99.0.1, beta 10.99.0.2, backends .11 and .12, client .50; VIP $LB_VIP"
lb_topology
lb_write_twinbeat classic "auto_failback on" "logfacility none"
echo "    haresources on both nodes: $(cat "$TB_WORK/a/conf/haresources")"
echo "    timers: keepalive 200ms, deadtime 1s; auto_failback on; no fence device (VIP lease 2 s)"

say "Starting twinbeatd on alpha and beta"
tb_start_node a
tb_start_node b
disown -a  # no "Killed" job report when alpha is killed below
tb_wait_pair_up $((initdead + 1000))  # initdead + 1 s
lb_wait_holder a b 3000 || fail "alpha did not take the group"  # a keepalive, the VIP, haproxy's start
lb_probe_start
lb_wait_served a 2000 || fail "the client is not served through alpha"
echo "    the client gets its pages through alpha's haproxy"

say "twinbeat status on alpha"
tb_status a | show

say "Killing alpha's daemon with SIGKILL (it cannot release anything)"
t_kill=$(now_ms)
kill -KILL "${TB_PID[a]}"
echo "    alpha's VIP stays on its interface until its lease runs out; beta waits for that"
echo "    before taking over, so the VIP is never answered by both nodes"
# deadtime + lease 2 s + 1.5 s margin + haproxy's start; 8 s bounds it.
lb_wait_served b 8000 || fail "the client is not served through beta within 8 s"
t_served=$(now_ms)
echo "    beta serves the client $((t_served - t_kill)) ms after the kill"
grep -h "is dead\|lease has run out\|Taking over\|acquired" "$TB_WORK/b/node.log" | sed 's/^.*twinbeatd\[[0-9]*\]: /    beta: /'
lb_report_outage "$t_kill" b

say "twinbeat status on beta"
tb_status b | tail -6 | show

say "Starting alpha's daemon again: auto_failback on returns the group to alpha"
tb_wait_gone "${TB_PID[a]}" 3000 || true  # reaping: PID 1's 2 s + 1 s
t_back=$(now_ms)
tb_start_node a
disown -a
lb_wait_served a $((initdead + 5000)) || fail "the group did not come back to alpha"  # initdead + failback
echo "    alpha serves the client again $(( $(now_ms) - t_back )) ms after its daemon started"
lb_report_outage "$t_back" a

say "Both nodes agree on the holder"
for n in a b; do echo "    ${TB_NODE_NAME[$n]}: here $(tb_field "$n" groups.0.here), peer $(tb_field "$n" groups.0.peer)"; done
lb_expect_holder a b

say "Cleaning up (namespaces, daemons, haproxy, backends)"
pass
