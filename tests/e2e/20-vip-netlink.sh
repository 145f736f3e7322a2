#!/usr/bin/env bash
# VIPs through netlink, driven by hand with tb-vip (no daemon): the routing
# table picks the interface, add shows in `ip addr` (IPv6 without a DAD
# wait), the gratuitous ARP / unsolicited NA burst moves a client's stale
# neighbour entry to the node's MAC, remove is idempotent, and adding 128
# VIPs is timed.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

VIP4=10.99.0.100
VIP6=2001:db8:99::100
WRONG_MAC=02:00:00:00:00:99

# Like tb_init, but this scenario needs only tb-vip, not the daemon.
vip_init() {
  PFX=$1
  [[ $(id -u) == 0 ]] || { echo "SKIP-FAIL $TB_SCENARIO: needs root" >&2; exit 1; }
  [[ -x $TB_BIN/tb-vip ]] || { echo "FAIL $TB_SCENARIO: $TB_BIN/tb-vip missing (make tools)" >&2; exit 1; }
  tb_remove_namespaces
  TB_WORK=/tmp/$PFX.e2e
  rm -rf "$TB_WORK"
  mkdir -p "$TB_WORK"
  trap tb_cleanup EXIT
  trap 'exit 130' INT TERM
  echo "== $TB_SCENARIO (prefix $PFX, work dir $TB_WORK)"
}

vip() { tb_in a "$TB_BIN/tb-vip" "$@"; }

# The MAC the client's neighbour table holds for ADDR, or nothing.
client_mac() { tb_in x ip neigh show "$1" dev eth0 | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }'; }
client_sees() { [[ $(client_mac "$1") == "$2" ]]; }

# Alpha's eth0 address lines for ADDR (as `ip -o addr` prints them).
node_addr() { tb_in a ip -o addr show dev eth0 | grep -F " $1/" | sed 's/ *\\.*//' || true; }

# sniff_start FILE COUNT TIMEOUT_MS: in the client, records up to COUNT ARP
# and neighbour advertisement frames from alpha's MAC into FILE, one line
# each with a monotonic ms timestamp; returns once it listens.
sniff_start() {
  local out=$1
  rm -f "$out" "$out.ready"
  tb_in x "$TB_PY" -c '
import socket, sys, time
mac, want, timeout_ms, out = bytes.fromhex(sys.argv[1].replace(":", "")), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))  # ETH_P_ALL
s.bind(("eth0", 0))
s.settimeout(0.05)
open(out + ".ready", "w").close()
ip = lambda b: socket.inet_ntop(socket.AF_INET if len(b) == 4 else socket.AF_INET6, b)
lines, deadline = [], time.monotonic() + timeout_ms / 1000
while len(lines) < want and time.monotonic() < deadline:
    try:
        f = s.recv(2048)
    except socket.timeout:
        continue
    t = time.monotonic() * 1000
    if f[6:12] != mac:
        continue
    if f[12:14] == b"\x08\x06" and len(f) >= 42:
        lines.append("arp %.1f op=%d sha=%s spa=%s tha=%s tpa=%s" % (t, int.from_bytes(f[20:22], "big"),
                     f[22:28].hex(":"), ip(f[28:32]), f[32:38].hex(":"), ip(f[38:42])))
    elif f[12:14] == b"\x86\xdd" and len(f) >= 86 and f[20] == 58 and f[54] == 136:
        lines.append("na %.1f hop=%d src=%s dst=%s flags=%02x tgt=%s opt=%d/%d/%s" % (t, f[21], ip(f[22:38]),
                     ip(f[38:54]), f[58], ip(f[62:78]), f[78], f[79], f[80:86].hex(":")))
open(out, "w").write("".join(l + "\n" for l in lines))
' "$NODE_MAC" "$2" "$3" "$out" &
  SNIFF_PID=$!
  wait_until 2000 test -e "$out.ready" || fail "sniffer did not start"  # python starts well under 2 s
}

# sniff_wait: waits for the sniffer (bounded by its own timeout).
sniff_wait() { wait "$SNIFF_PID" || fail "sniffer failed"; }

# gaps FILE KIND: the ms between consecutive KIND frames, space separated.
gaps() { awk -v k="$2" '$1 == k { if (n++) printf "%d ", $2 - last; last = $2 }' "$1"; }

vip_init tbvip

step "Build alpha and a client on one bridge, with IPv4 and IPv6 on eth0"
TB_NODES=(a x)
tb_topology 1
tb_in a ip addr add 2001:db8:99::1/64 dev eth0 nodad
tb_in x ip addr add 2001:db8:99::3/64 dev eth0 nodad
NODE_MAC=$(tb_in a cat /sys/class/net/eth0/address)
note "alpha eth0 is $NODE_MAC"

step "tb-vip resolve finds eth0 and the prefix from the connected routes"
out=$(vip resolve "$VIP4" "$VIP6" "$VIP4/28/eth0") || fail "resolve failed: $out"
while read -r l; do note "$l"; done <<<"$out"
grep -qx "$VIP4 interface=eth0 ifindex=[0-9]* prefix=24" <<<"$out" || fail "IPv4: expected eth0 /24"
grep -qx "$VIP6 interface=eth0 ifindex=[0-9]* prefix=64" <<<"$out" || fail "IPv6: expected eth0 /64"
grep -qx "$VIP4/28/eth0 interface=eth0 ifindex=[0-9]* prefix=28" <<<"$out" || fail "given prefix not kept"

step "An address no interface reaches is refused, and the message says what to write"
if err=$(vip resolve 10.9.9.9 2>&1); then fail "resolve 10.9.9.9 succeeded: $err"; fi
[[ $err == *"no interface has a route to 10.9.9.9; write IPaddr2::10.9.9.9/24/eth0"* ]] || fail "message: $err"
note "$err"
if err=$(vip resolve 10.99.0.100/24/eth7 2>&1); then fail "resolve on eth7 succeeded: $err"; fi
[[ $err == *"interface eth7 does not exist"* ]] || fail "message: $err"
note "$err"

step "The client holds stale neighbour entries for both VIPs with a wrong MAC"
tb_in x ip neigh replace "$VIP4" lladdr "$WRONG_MAC" dev eth0 nud stale
tb_in x ip neigh replace "$VIP6" lladdr "$WRONG_MAC" dev eth0 nud stale
client_sees "$VIP4" "$WRONG_MAC" || fail "seeding the IPv4 entry failed"
client_sees "$VIP6" "$WRONG_MAC" || fail "seeding the IPv6 entry failed"

step "tb-vip add: within 1 s the client's entries show alpha's MAC"
sniff_start "$TB_WORK/burst" 10 3000  # 5 ARP + 5 NA; burst 800 ms + 2 s slack
t0=$(now_ms)
vip add "$VIP4" "$VIP6" >"$TB_WORK/add.out" 2>&1 &
add_pid=$!
# The first packet goes inside add(); 1 s covers tb-vip's start-up.
wait_until 1000 client_sees "$VIP4" "$NODE_MAC" || fail "client still has $(client_mac "$VIP4") for $VIP4"
note "IPv4 entry moved after $(($(now_ms) - t0)) ms"
wait_until 1000 client_sees "$VIP6" "$NODE_MAC" || fail "client still has $(client_mac "$VIP6") for $VIP6"
note "IPv6 entry moved after $(($(now_ms) - t0)) ms"
tb_wait_gone "$add_pid" 3000 || fail "tb-vip add still runs after 3 s"  # burst 800 ms + 2 s
wait "$add_pid" || fail "tb-vip add failed: $(cat "$TB_WORK/add.out")"
grep -qx "announcements: 10 sent, 0 failed" "$TB_WORK/add.out" || fail "$(cat "$TB_WORK/add.out")"

step "ip addr shows both VIPs: IPv4 with its broadcast, IPv6 usable at once (nodad, not tentative)"
line4=$(node_addr "$VIP4")
line6=$(node_addr "$VIP6")
note "$line4"
note "$line6"
[[ $line4 == *"inet $VIP4/24 brd 10.99.0.255 "* ]] || fail "IPv4 VIP missing or wrong: '$line4'"
[[ $line6 == *"inet6 $VIP6/64 "*nodad* && $line6 != *tentative* ]] || fail "IPv6 VIP wrong: '$line6'"
vip status "$VIP4" >/dev/null || fail "status $VIP4: exit $?, expected 0"
vip status "$VIP6" >/dev/null || fail "status $VIP6: exit $?, expected 0"

step "The burst was 5 ARP announcements and 5 NAs in RFC form, 200 ms apart"
sniff_wait
sed 's/^/           /' "$TB_WORK/burst"
(($(grep -c "^arp .* op=1 sha=$NODE_MAC spa=$VIP4 tha=00:00:00:00:00:00 tpa=$VIP4$" "$TB_WORK/burst") == 5)) ||
  fail "expected 5 ARP announcements (op 1, spa = tpa = $VIP4, tha zero)"
(($(grep -c "^na .* hop=255 src=$VIP6 dst=ff02::1 flags=20 tgt=$VIP6 opt=2/1/$NODE_MAC$" "$TB_WORK/burst") == 5)) ||
  fail "expected 5 NAs (hop 255, to ff02::1, Override, target option with our MAC)"
for kind in arp na; do
  g=$(gaps "$TB_WORK/burst" "$kind")
  note "$kind gaps (ms): $g"
  # 200 ms apart as sent; 190 allows the receiver's timestamps a little jitter.
  for x in $g; do ((x >= 190)) || fail "$kind packets only $x ms apart"; done
done

step "Adding a VIP already there succeeds and announces again"
out=$(vip add --count 1 "$VIP4") || fail "second add failed: $out"
grep -qx "announcements: 1 sent, 0 failed" <<<"$out" || fail "$out"

step "A label and an explicit broadcast reach the kernel as written"
vip add --count 1 10.99.0.101/24/eth0:vip/10.99.0.127 >/dev/null || fail "add with label failed"
line=$(node_addr 10.99.0.101)
note "$line"
[[ $line == *"inet 10.99.0.101/24 brd 10.99.0.127 scope global secondary eth0:vip"* ]] || fail "got '$line'"
vip remove 10.99.0.101/24/eth0:vip >/dev/null || fail "remove with label failed"

step "remove: the VIPs are gone and status exits 3; a second remove still succeeds"
vip remove "$VIP4" "$VIP6" >/dev/null || fail "remove failed"
[[ -z $(node_addr "$VIP4") && -z $(node_addr "$VIP6") ]] || fail "still there: $(tb_in a ip -o addr show dev eth0)"
rc=0
vip status "$VIP4" >/dev/null || rc=$?
((rc == 3)) || fail "status $VIP4 after remove: exit $rc, expected 3"
rc=0
vip status "$VIP6" >/dev/null || rc=$?
((rc == 3)) || fail "status $VIP6 after remove: exit $rc, expected 3"
vip remove "$VIP4" "$VIP6" >/dev/null || fail "second remove failed"

step "remove also takes the address off when it sits there under another prefix"
tb_in a ip addr add "$VIP4/26" dev eth0
vip remove "$VIP4/24/eth0" >/dev/null || fail "remove failed"
[[ -z $(node_addr "$VIP4") ]] || fail "still there: $(node_addr "$VIP4")"

step "128 VIPs, IPv4 and IPv6 mixed, added in one run (time printed, not judged)"
specs=()
for ((i = 0; i < 64; i++)); do
  specs+=("10.99.0.$((10 + i))/24/eth0" "2001:db8:99::1:$(printf %x "$i")/64/eth0")
done
out=$(vip add "${specs[@]}") || fail "adding 128 VIPs failed: $(tail -n 3 <<<"$out")"
timing=$(grep '^add: ' <<<"$out")
note "$timing"
grep -qx "announcements: 640 sent, 0 failed" <<<"$out" || fail "$(tail -n 1 <<<"$out")"
n=$(tb_in a ip -o addr show dev eth0 | grep -cE " (10\.99\.0\.[0-9]+/24 .*secondary|2001:db8:99::1:[0-9a-f]+/64)" || true)
((n == 128)) || fail "$n of 128 VIPs in ip addr"
out=$(vip remove "${specs[@]}") || fail "removing 128 VIPs failed"
note "$(grep '^remove: ' <<<"$out")"
n=$(tb_in a ip -o addr show dev eth0 | grep -cE " (10\.99\.0\.[0-9]+/24 .*secondary|2001:db8:99::1:[0-9a-f]+/64)" || true)
((n == 0)) || fail "$n VIPs left after remove"
pass
