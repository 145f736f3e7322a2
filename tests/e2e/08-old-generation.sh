#!/usr/bin/env bash
# A heartbeat captured before its sender restarted is refused afterwards as
# an old generation (counted as replayed), also by a receiver that itself
# restarted in between: the peer's newest generation is persisted.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
tb_init tb08g

step "Build two nodes over ucast on eth0 and start them"
tb_topology 1
mapfile -t media < <(tb_ucast_lines 0)
tb_write_config "${media[@]}"
tb_start_node a
tb_start_node b
tb_wait_pair_up $(($(tb_ms "$TB_INITDEAD") + 1000))  # initdead + 1 s
beta=$(tb_addr b):694

step "Capture one real heartbeat of alpha's first generation"
tb_capture_from b a "$TB_WORK/old.pkt"
gen1=$(tb_show "$TB_WORK/old.pkt" generation)
note "captured generation $gen1, sequence $(tb_show "$TB_WORK/old.pkt" sequence)"
wait_until 1000 test -s "$TB_WORK/b/state/peer-alpha.generation" ||  # the executor writes it at first contact
  fail "beta did not persist alpha's generation"
[[ $(cat "$TB_WORK/b/state/peer-alpha.generation") == "$gen1" ]] ||
  fail "beta persisted $(cat "$TB_WORK/b/state/peer-alpha.generation"), expected $gen1"

step "Restart alpha (SIGTERM, start); beta logs the restart and the new generation"
mark=$(tb_log_lines b)
tb_stop_node a || fail "alpha did not stop cleanly"
tb_start_node a
tb_wait_log b "Heartbeat restart on node alpha" $(($(tb_ms "$TB_INITDEAD") + 1000)) "$mark" ||  # initdead + 1 s
  fail "beta did not log 'Heartbeat restart on node alpha'"
gen2=$(tb_field a node.generation)
note "alpha's generation $gen1 -> $gen2"
((gen2 > gen1)) || fail "alpha's generation did not grow: $gen1 -> $gen2"
tb_wait_field b peer.generation "$gen2" 1000 || fail "beta sees generation $(tb_field b peer.generation)"
wait_until 1000 grep -qx "$gen2" "$TB_WORK/b/state/peer-alpha.generation" ||  # one executor round trip
  fail "beta persisted $(cat "$TB_WORK/b/state/peer-alpha.generation"), expected $gen2"

step "The old-generation packet, sent again, is counted as replayed"
tb_wait_drops b eth0 0 0 0 0
tb_inject x send --to "$beta" --in "$TB_WORK/old.pkt" --count 2
tb_wait_drops b eth0 0 0 2 1000  # local delivery: 1 s is generous
grep -q "dropped: .*old_generation=2" <<<"$(tb_status b)" || fail "status: $(tb_status b)"

step "Restart beta; the fresh process refuses the old generation too (read from its state dir)"
tb_stop_node b || fail "beta did not stop cleanly"
tb_start_node b
tb_wait_pair_up $(($(tb_ms "$TB_INITDEAD") + 1000))  # initdead + 1 s
tb_inject x send --to "$beta" --in "$TB_WORK/old.pkt"
tb_wait_drops b eth0 0 0 1 1000
grep -q "dropped: .*old_generation=1" <<<"$(tb_status b)" || fail "status: $(tb_status b)"

step "Alpha is up on beta, generation $gen2, and nobody was declared dead"
tb_expect_field b peer.state up
tb_expect_field b peer.generation "$gen2"
tb_expect_no_log b "is dead"
tb_expect_no_log a "is dead"
pass
