#!/usr/bin/env bash
# Forged (wrong key, unknown key id), replayed (a captured real heartbeat
# sent again) and truncated or corrupted packets from a third namespace are
# dropped and counted per reason; the peer stays up throughout.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
tb_init tb07p

step "Build two nodes over ucast on eth0, plus the attacker at 10.99.0.3, and start them"
tb_topology 1
mapfile -t media < <(tb_ucast_lines 0)
tb_write_config "${media[@]}"
tb_start_node a
tb_start_node b
tb_wait_pair_up $(($(tb_ms "$TB_INITDEAD") + 1000))  # initdead + 1 s
beta=$(tb_addr b):694
tb_wait_drops b eth0 0 0 0 0

step "Capture one real heartbeat of alpha as beta receives it"
tb_capture_from b a "$TB_WORK/real.pkt"
gen=$(tb_show "$TB_WORK/real.pkt" generation)
seq=$(tb_show "$TB_WORK/real.pkt" sequence)
size=$(stat -c %s "$TB_WORK/real.pkt")
note "alpha's heartbeat: generation $gen, sequence $seq, $size bytes"
[[ $(tb_show "$TB_WORK/real.pkt" sender) == alpha ]] || fail "captured packet is not alpha's"
tb_expect_field a node.generation "$gen"

step "Forged heartbeats signed with a wrong secret are counted as auth failed"
tb_inject x forge --to "$beta" --sender alpha --generation "$gen" --sequence $((seq + 1000000)) \
  --key-id 1 --method sha256 --secret wrong-secret --count 5
tb_wait_drops b eth0 0 5 0 1000  # local delivery: 1 s is generous

step "Forged heartbeats under a key id beta does not hold are counted as auth failed"
tb_inject x forge --to "$beta" --sender alpha --generation "$gen" --sequence $((seq + 2000000)) \
  --key-id 7 --method sha256 --secret "$TB_SECRET" --count 2
tb_wait_drops b eth0 0 7 0 1000

step "A forged heartbeat with beta's own key but method sha1 is counted as auth failed"
tb_inject x forge --to "$beta" --sender alpha --generation "$gen" --sequence $((seq + 3000000)) \
  --key-id 1 --method sha1 --secret "$TB_SECRET"
tb_wait_drops b eth0 0 8 0 1000

step "Alpha's real heartbeat, sent again 3 times, is counted as replayed"
tb_inject x send --to "$beta" --in "$TB_WORK/real.pkt" --count 3
tb_wait_drops b eth0 0 8 3 1000

step "Truncated and corrupted copies are counted as bad, or as auth failed when the MAC breaks"
tb_inject x send --to "$beta" --in "$TB_WORK/real.pkt" --truncate 20             # too_short
tb_inject x send --to "$beta" --in "$TB_WORK/real.pkt" --truncate $((size - 1))  # bad_length
tb_inject x send --to "$beta" --in "$TB_WORK/real.pkt" --flip 0                  # bad_magic
tb_inject x send --to "$beta" --in "$TB_WORK/real.pkt" --flip 4                  # bad_version
tb_wait_drops b eth0 4 8 3 1000
tb_inject x send --to "$beta" --in "$TB_WORK/real.pkt" --flip 30                 # bad_mac (body)
tb_inject x send --to "$beta" --in "$TB_WORK/real.pkt" --flip $((size - 1))      # bad_mac (MAC)
tb_wait_drops b eth0 4 10 3 1000

step "Beta's status lists every drop by reason"
dropped=$(tb_status b | sed -n 's/^ *dropped: //p')
note "dropped: $dropped"
for r in bad_mac=7 unknown_key=2 method_mismatch=1 replayed=3 too_short=1 bad_length=1 bad_magic=1 bad_version=1; do
  [[ " $dropped " == *" $r "* ]] || fail "status does not list $r: '$dropped'"
done
grep -qE "link eth0 .* bad 4, auth failed 10, replayed 3" <<<"$(tb_status b)" || fail "status text: $(tb_status b)"

step "Beta logged the drops in one rate-limited line per link"
tb_wait_log b "Link alpha:eth0: dropped packet(s): " 1000 || fail "no drop line in beta's log"
n=$(tb_log_count b "dropped packet(s)")
((n <= 2)) || fail "beta logged $n drop lines in a few seconds: not rate-limited"

step "Alpha stayed up throughout and still is, its own counters clean"
tb_expect_field b peer.state up
tb_expect_field b links.eth0.state up
tb_expect_no_log b "is dead"
tb_expect_no_log b "returning after partition"
tb_expect_no_log b "Heartbeat restart on node alpha"
tb_wait_drops a eth0 0 0 0 0
gen_now=$(tb_field b peer.generation)
[[ $gen_now == "$gen" ]] || fail "beta's view of alpha's generation moved from $gen to $gen_now"
pass
