#!/usr/bin/env bash
# Two links (ucast on eth0, bcast on eth1). One veth goes down: that link is
# declared dead, the peer is not. It comes back: the link is up again.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
tb_init tb05l

step "Build two nodes with two links: ucast on eth0, bcast on eth1"
tb_topology 2
mapfile -t media < <(tb_ucast_lines 0)
tb_write_config "${media[@]}" "bcast eth1"
tb_start_node a
tb_start_node b
tb_wait_pair_up $(($(tb_ms "$TB_INITDEAD") + 1000))  # initdead + 1 s
for n in a b; do tb_expect_field "$n" links.1.label eth1; done

deadtime=$(tb_ms "$TB_DEADTIME")
keepalive=$(tb_ms "$TB_KEEPALIVE")
mark_a=$(tb_log_lines a)
mark_b=$(tb_log_lines b)

step "Set alpha's eth1 down; both log the eth1 link dead within deadtime + keepalive + 1 s"
tb_in a ip link set eth1 down
tb_wait_log b "Link alpha:eth1 dead." $((deadtime + keepalive + 1000)) "$mark_b" ||  # deadtime + keepalive + 1 s
  fail "beta did not log 'Link alpha:eth1 dead.'"
tb_wait_log a "Link beta:eth1 dead." $((deadtime + keepalive + 1000)) "$mark_a" ||
  fail "alpha did not log 'Link beta:eth1 dead.'"
for n in a b; do
  tb_expect_field "$n" links.eth1.state dead
  tb_expect_field "$n" links.eth0.state up
  tb_expect_field "$n" peer.state up
done

step "The peer stays up on eth0 for two more deadtimes"
sleep $(((2 * deadtime) / 1000)).$(((2 * deadtime) % 1000 / 100))  # two deadtimes
tb_expect_no_log a "is dead"
tb_expect_no_log b "is dead"
for n in a b; do tb_expect_field "$n" peer.state up; done

step "Set alpha's eth1 up again; both log the eth1 link up within 2 s"
mark_a=$(tb_log_lines a)
mark_b=$(tb_log_lines b)
tb_in a ip link set eth1 up
# The interface is usable at once and a heartbeat crosses a keepalive later;
# 2 s leaves room for the veth carrier and the subnet route to come back.
tb_wait_log b "Link alpha:eth1 up." 2000 "$mark_b" || fail "beta did not log 'Link alpha:eth1 up.'"
tb_wait_log a "Link beta:eth1 up." 2000 "$mark_a" || fail "alpha did not log 'Link beta:eth1 up.'"
for n in a b; do tb_wait_field "$n" links.eth1.state up 500 || fail "eth1 state $(tb_field "$n" links.eth1.state)"; done

step "Nobody was declared dead, and no heartbeat was ever refused"
tb_expect_no_log a "is dead"
tb_expect_no_log b "is dead"
for n in a b; do
  for c in bad auth_failed replayed; do tb_expect_field "$n" "links.eth1.$c" 0; done
done
pass
