#!/usr/bin/env bash
# Two daemons see each other over ucast: both report the peer up, the link
# up, and packet counters that keep growing.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
tb_init tb01u

step "Build two nodes on one bridge, with ucast on eth0"
tb_topology 1
mapfile -t media < <(tb_ucast_lines 0)
tb_write_config "${media[@]}"

step "Start alpha and beta"
tb_start_node a
tb_start_node b

step "Both see the peer up and the link up within initdead + 1 s"
tb_wait_pair_up $(($(tb_ms "$TB_INITDEAD") + 1000))  # initdead + 1 s
for n in a b; do
  tb_expect_field "$n" links.0.label eth0
  tb_expect_field "$n" links.0.kind ucast
done
tb_wait_log a "Status update for node beta: status up" 1000  # already true; log is written at once
tb_wait_log b "Status update for node alpha: status up" 1000

step "Packet counters grow in both directions, nothing is dropped"
tb_expect_traffic eth0

step "Text status names the peer and the link counters"
grep -q "^peer beta: up" <<<"$(tb_status a)" || fail "status text: $(tb_status a)"
grep -qE "link eth0 .*: up, .*in [0-9]+, out [0-9]+, late [0-9]+, bad 0, auth failed 0, replayed 0" <<<"$(tb_status a)" ||
  fail "status text: $(tb_status a)"

step "Neither node declared the other dead"
tb_expect_no_log a "is dead"
tb_expect_no_log b "is dead"

step "SIGTERM stops alpha cleanly (exit 0)"
rc=0
tb_stop_node a || rc=$?
((rc == 0)) || fail "twinbeatd exited $rc on SIGTERM"
tb_wait_log a "twinbeat shutdown complete." 1000  # written before exit
pass
