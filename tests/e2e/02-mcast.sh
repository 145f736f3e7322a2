#!/usr/bin/env bash
# Two daemons see each other over mcast (one group, TTL 1, no loopback).
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
tb_init tb02m

step "Build two nodes on one bridge, with mcast 239.192.0.42:694 on eth0"
tb_topology 1
tb_write_config "mcast eth0 239.192.0.42 694 1 0"

step "Start alpha and beta"
tb_start_node a
tb_start_node b

step "Both see the peer up and the mcast link up within initdead + 1 s"
tb_wait_pair_up $(($(tb_ms "$TB_INITDEAD") + 1000))  # initdead + 1 s
for n in a b; do
  tb_expect_field "$n" links.0.kind mcast
  tb_expect_field "$n" links.0.target 239.192.0.42:694
done

step "Each node joined the group on eth0"
for n in a b; do
  grep -q "239.192.0.42" <<<"$(tb_in "$n" ip maddr show dev eth0)" ||
    fail "${TB_NODE_NAME[$n]} has not joined 239.192.0.42 on eth0: $(tb_in "$n" ip maddr show dev eth0)"
done

step "Packet counters grow in both directions, nothing is dropped"
tb_expect_traffic eth0

step "Neither node declared the other dead"
tb_expect_no_log a "is dead"
tb_expect_no_log b "is dead"
pass
