#!/usr/bin/env bash
# Periodic refresh (arp_refresh 1s): while alpha holds an IPv4 VIP (group 1,
# with haproxy) and an IPv6 one (group 2), the client sees a gratuitous ARP
# and an unsolicited neighbour advertisement for them about every second,
# long after the add's burst, and twinbeat_vip_announcements_total grows.
# After a standby the refresh comes from beta, and none from alpha any more.
# A VIP removed behind the daemon's back is never announced again (it may be
# the peer's by then). vip_lease off: no lease renewal re-adds that VIP.
set -euo pipefail
# shellcheck source=tests/e2e/lib_lb.sh
. "$(dirname "$0")/lib_lb.sh"
lb_init tb23r

initdead=$(tb_ms "$TB_INITDEAD")
VIP6=2001:db8:99::100
VIP6_SPEC=2001:db8:99:0:0:0:0:100/64/eth0  # haresources splits on "::": written out in full
REFRESH_MS=1000

# na_sniff_start FILE TIMEOUT_MS: records, in the client, every neighbour
# advertisement for $VIP6 for TIMEOUT_MS into FILE: "MS na sha=MAC" (the
# frame's source). Returns once it listens; na_sniff_wait waits for it.
na_sniff_start() {
  local out=$1
  rm -f "$out" "$out.ready"
  ip netns exec "$PFX-c" "$TB_PY" -c '
import socket, sys, time
timeout_ms, out, target = int(sys.argv[1]), sys.argv[2], socket.inet_pton(socket.AF_INET6, sys.argv[3])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x86dd))
s.bind(("eth0", 0))
s.settimeout(0.05)
open(out + ".ready", "w").close()
lines, deadline = [], time.monotonic() + timeout_ms / 1000
while time.monotonic() < deadline:
    try:
        f = s.recv(2048)
    except socket.timeout:
        continue
    if len(f) >= 78 and f[20] == 58 and f[54] == 136 and f[62:78] == target:
        lines.append("%.3f na sha=%s" % (time.time() * 1000, f[6:12].hex(":")))
open(out, "w").write("".join(l + "\n" for l in lines))
' "$2" "$out" "$VIP6" </dev/null &
  LB_PID[nasniff]=$!
  wait_until 2000 test -e "$out.ready" || fail "NA sniffer did not start"  # python starts well under 2 s
}

na_sniff_wait() {
  wait "${LB_PID[nasniff]}" || fail "NA sniffer failed"
  unset "LB_PID[nasniff]"
}

# garps MAC: gratuitous ARPs for the VIP from MAC in the ARP capture.
garps() { grep -cE "op=[12] sha=$1 spa=$LB_VIP tpa=$LB_VIP\$" "$TB_WORK/arp" || true; }
# nas MAC: advertisements for $VIP6 from MAC in the NA capture.
nas() { grep -cF "na sha=$1" "$TB_WORK/na" || true; }
# gaps MAC: the intervals between alpha's GARPs, in ms, space separated.
gaps() {
  grep -E "sha=$1 spa=$LB_VIP tpa=$LB_VIP\$" "$TB_WORK/arp" |
    awk 'NR > 1 { printf "%s%.0f", (NR > 2 ? " " : ""), $1 - prev } { prev = $1 }'
}
announcements() {
  tb_in a "$TB_BIN/twinbeat" --run-dir "$TB_WORK/a/run" metrics |
    sed -n 's/^twinbeat_vip_announcements_total{result="ok"} //p'
}

step "Build the topology; alpha and beta with arp_refresh 1s, a group for each VIP"
lb_topology
lb_write_twinbeat classic "auto_failback off" "vip_lease off" "arp_refresh 1s"
for n in a b; do
  echo "alpha IPaddr2::$VIP6_SPEC" >>"$TB_WORK/$n/conf/haresources"
  tb_in "$n" "$TB_BIN/twinbeat" -c "$TB_WORK/$n/conf" --node "${TB_NODE_NAME[$n]}" check >/dev/null ||
    fail "twinbeat check refuses ${TB_NODE_NAME[$n]}'s configuration"
done
mac_a=$(lb_mac a)
mac_b=$(lb_mac b)
note "alpha is $mac_a, beta $mac_b"

step "Start both daemons; alpha takes both groups"
tb_start_node a
tb_start_node b
tb_wait_pair_up $((initdead + 1000))  # initdead + 1 s
lb_wait_holder a b 2000 || fail "alpha does not hold group 1"  # a keepalive, the probe, the VIP, haproxy
tb_wait_field a groups.1.here held 2000 || fail "alpha does not hold group 2"

window=3500
step "After the add's burst (5 x 200 ms), the client sees alpha refresh both VIPs every second ($window ms)"
sleep 1  # the burst is over
before=$(announcements)
lb_arp_sniff_start "$TB_WORK/arp" "$window"
na_sniff_start "$TB_WORK/na" "$window"
lb_arp_sniff_wait
na_sniff_wait
after=$(announcements)
note "gratuitous ARPs from alpha: $(garps "$mac_a") (intervals $(gaps "$mac_a") ms); NAs: $(nas "$mac_a"); twinbeat_vip_announcements_total +$((after - before))"
g=$(garps "$mac_a")
((g >= 3 && g <= 4)) || fail "the client saw $g gratuitous ARPs from alpha in $window ms, not 3 or 4"
n6=$(nas "$mac_a")
((n6 >= 3 && n6 <= 4)) || fail "the client saw $n6 advertisements for $VIP6 from alpha in $window ms, not 3 or 4"
for gap in $(gaps "$mac_a"); do
  ((gap >= REFRESH_MS - 200 && gap <= REFRESH_MS + 300)) || fail "alpha refreshed after $gap ms, not about $REFRESH_MS"
done
((after - before >= 6)) || fail "twinbeat_vip_announcements_total grew by $((after - before)), not 6 or more"
(($(garps "$mac_b") == 0)) || fail "beta announced the VIP while alpha held it"

step "Standby on alpha: beta takes both groups; the refresh comes from beta only"
tb_in a "$TB_BIN/twinbeat" --run-dir "$TB_WORK/a/run" standby all >/dev/null || fail "standby failed"
lb_wait_holder b a 3000 || fail "beta does not hold group 1"  # stop, the offer, the probe, the VIP, haproxy
tb_wait_field b groups.1.here held 2000 || fail "beta does not hold group 2"
# A handover: alpha held the VIPs and let them go while beta heard it, so
# beta adds them without spending vip_probe_wait (20 ms) on a probe.
for g in 0 1; do
  ms=$(tb_field b groups.$g.resources.0.duration_ms)
  ((ms < 20)) || fail "beta's start of group $((g + 1))'s VIP took $ms ms: was the handover probed?"
done
sleep 1  # beta's burst is over
lb_arp_sniff_start "$TB_WORK/arp" 2500
na_sniff_start "$TB_WORK/na" 2500
lb_arp_sniff_wait
na_sniff_wait
note "in 2.5 s: GARPs from beta $(garps "$mac_b"), from alpha $(garps "$mac_a"); NAs from beta $(nas "$mac_b"), from alpha $(nas "$mac_a")"
(($(garps "$mac_b") >= 2 && $(nas "$mac_b") >= 2)) || fail "beta does not refresh the VIPs"
(($(garps "$mac_a") == 0 && $(nas "$mac_a") == 0)) || fail "alpha still announces the VIPs it released"

step "Remove beta's IPv4 VIP behind its back: beta announces it no more, and still refreshes the other"
tb_in b ip addr del "$LB_VIP/24" dev eth0
lb_arp_sniff_start "$TB_WORK/arp" 2500
na_sniff_start "$TB_WORK/na" 2500
lb_arp_sniff_wait
na_sniff_wait
note "in 2.5 s: GARPs from beta $(garps "$mac_b"); NAs from beta $(nas "$mac_b")"
(($(garps "$mac_b") == 0)) || fail "beta announced a VIP that is no longer on its interface"
(($(nas "$mac_b") >= 2)) || fail "beta stopped refreshing $VIP6"
pass
