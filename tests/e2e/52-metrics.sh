#!/usr/bin/env bash
# Metrics: 'twinbeat metrics' is valid Prometheus text exposition (every
# sample's family has HELP and TYPE, names and labels well formed, no state
# in a label) with the peer, links, groups, resources and fencing; the
# metrics_file directive writes the same text periodically.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
tb_init tb52m

step "Two nodes with a group each and metrics_file every 200 ms on alpha"
tb_topology 1
mapfile -t media < <(tb_ucast_lines 0)
tb_write_config "${media[@]}"
echo "metrics_file $TB_WORK/a/twinbeat.prom" >>"$TB_WORK/a/conf/ha.cf"
echo "metrics_interval 200ms" >>"$TB_WORK/a/conf/ha.cf"
for n in a b; do
  printf 'alpha IPaddr2::10.99.0.201/24/eth0\nbeta IPaddr2::10.99.0.202/24/eth0\n' >"$TB_WORK/$n/conf/haresources"
done
tb_start_node a
tb_start_node b
tb_wait_pair_up $(($(tb_ms "$TB_INITDEAD") + 1000))  # initdead + 1 s
sleep 0.5  # a few keepalives: the groups start, counters move

step "twinbeat metrics is well-formed exposition"
tb_in a "$TB_BIN/twinbeat" --run-dir "$TB_WORK/a/run" metrics >"$TB_WORK/metrics.txt" || fail "twinbeat metrics failed"
"$TB_PY" - "$TB_WORK/metrics.txt" <<'PY' || fail "malformed exposition (above)"
import re, sys
text = open(sys.argv[1]).read()
helped, typed, bad = set(), set(), []
sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN)$')
for line in text.splitlines():
    if line.startswith("# HELP "): helped.add(line.split()[2]); continue
    if line.startswith("# TYPE "): typed.add(line.split()[2]); continue
    m = sample.match(line)
    if not m: bad.append("not a sample: " + line); continue
    if m.group(1) not in helped or m.group(1) not in typed: bad.append("no HELP/TYPE: " + line)
    if re.search(r'state="', line): bad.append("a state in a label: " + line)
for b in bad: print(b)
sys.exit(1 if bad else 0)
PY

step "It says what the node sees"
expect_sample() { grep -qE "^$1 $2\$" "$TB_WORK/metrics.txt" || fail "no '$1 $2' in: $(grep "${1%%\{*}" "$TB_WORK/metrics.txt")"; }
expect_sample 'twinbeat_peer_up' 1
expect_sample 'twinbeat_link_up\{link="eth0"\}' 1
expect_sample 'twinbeat_group_held\{group="IPaddr2::10.99.0.201/24/eth0"\}' 1
expect_sample 'twinbeat_group_held\{group="IPaddr2::10.99.0.202/24/eth0"\}' 0
expect_sample 'twinbeat_group_peer_state\{group="IPaddr2::10.99.0.202/24/eth0"\}' 3
expect_sample 'twinbeat_resource_operations_total\{group="IPaddr2::10.99.0.201/24/eth0",resource="IPaddr2::10.99.0.201/24/eth0",op="start",result="ok"\}' 1
grep -qE '^twinbeat_link_packets_received_total\{link="eth0"\} [1-9]' "$TB_WORK/metrics.txt" || fail "no packets counted"

step "metrics_file is written and refreshed every metrics_interval"
wait_until 2000 test -s "$TB_WORK/a/twinbeat.prom" || fail "metrics_file not written"  # 10 intervals
first=$(grep '^twinbeat_link_packets_received_total' "$TB_WORK/a/twinbeat.prom")
sleep 0.5  # two intervals
second=$(grep '^twinbeat_link_packets_received_total' "$TB_WORK/a/twinbeat.prom")
[[ $first != "$second" ]] || fail "metrics_file did not change: $first"
pass
