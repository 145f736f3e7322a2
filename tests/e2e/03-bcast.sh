#!/usr/bin/env bash
# Two daemons see each other over bcast on eth0.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
tb_init tb03b

step "Build two nodes on one bridge, with bcast on eth0"
tb_topology 1
tb_write_config "bcast eth0"

step "Start alpha and beta"
tb_start_node a
tb_start_node b

step "Both see the peer up and the bcast link up within initdead + 1 s"
tb_wait_pair_up $(($(tb_ms "$TB_INITDEAD") + 1000))  # initdead + 1 s
for n in a b; do tb_expect_field "$n" links.0.kind bcast; done

step "Packet counters grow in both directions, nothing is dropped"
tb_expect_traffic eth0

step "The observer namespace hears the broadcasts too (they really are broadcast)"
tb_in x "$TB_BIN/tb-inject" capture --port 694 --from "$(tb_addr a)" --out "$TB_WORK/seen" \
  --timeout-ms 1000 >/dev/null ||  # 20 keepalives
  fail "no broadcast heartbeat of alpha reached 10.99.0.3 within 1 s"

step "Neither node declared the other dead"
tb_expect_no_log a "is dead"
tb_expect_no_log b "is dead"
pass
