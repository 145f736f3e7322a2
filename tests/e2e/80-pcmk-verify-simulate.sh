#!/usr/bin/env bash
# Every exported CIB is accepted by Pacemaker's crm_verify, and Pacemaker's
# scheduler (crm_simulate) places each group as twinbeat would: on its
# preferred node with both nodes up; on the other node after the preferred
# one fails, with the fence action scheduled when fencing is configured;
# and after the node returns, back or not as auto_failback says. Ping nodes:
# the node that reaches fewer of them hands its groups over. Assertions are
# on the tools' own output. No daemon runs: files only.
set -euo pipefail
# shellcheck source=tests/e2e/lib_pcmk.sh
. "$(dirname "$0")/lib_pcmk.sh"

pk_init tbpk80 crm_verify crm_simulate crm_attribute

# check_config NAME NODE1 NODE2 FENCING(yes|no) FAILBACK(on|off) [EXPORT ARGS...]
check_config() {
  local name=$1 n1=$2 n2=$3 fencing=$4 failback=$5 d line pref other
  shift 5
  d=$TB_WORK/$name
  pk_conf "$name" >/dev/null
  pk_export "$name" --format cib "$@"
  pk_verify_clean "$d/out/cib.xml"
  pk_simulate "$d/out/cib.xml" "$d/up.xml" "$d/up.txt" --node-up "$n1" --node-up "$n2" --quorum 1
  # With both nodes seen, nothing is left to warn about.
  crm_verify --xml-file "$d/up.xml" >"$d/verify-up.txt" 2>&1 ||
    fail "crm_verify on $name with both nodes up: $(cat "$d/verify-up.txt")"
  mapfile -t groups < <(pk_groups "$d/out/cib.xml")
  ((${#groups[@]} > 0)) || fail "$name: no group in the exported CIB"
  for line in "${groups[@]}"; do
    read -r _ pref _ <<<"$line"
    pk_expect_group_on "$d/up.txt" "$line" "$pref"
  done
  note "$name: both up: ${#groups[@]} group(s) on their preferred node"
  for line in "${groups[@]}"; do
    read -r g pref _ <<<"$line"
    other=$n1
    [[ $pref == "$n1" ]] && other=$n2
    pk_simulate "$d/up.xml" "$d/fail-$g.xml" "$d/fail-$g.txt" --node-fail "$pref"
    pk_expect_group_on "$d/fail-$g.txt" "$line" "$other"
    if [[ $fencing == yes ]]; then
      grep -q "^  \* Fence (off) $pref " "$d/fail-$g.txt" ||
        fail "$name: no fence of $pref scheduled: $(sed -n '/^Transition Summary/,/^Revised/p' "$d/fail-$g.txt")"
      grep -q "^  \* Fencing $pref (off)" "$d/fail-$g.txt" || fail "$name: the fence of $pref is not executed"
    else
      ! grep -q 'Fenc' "$d/fail-$g.txt" || fail "$name: a fence is scheduled without fencing configured"
    fi
    pk_simulate "$d/fail-$g.xml" "$d/back-$g.xml" "$d/back-$g.txt" --node-up "$pref"
    if [[ $failback == on ]]; then
      pk_expect_group_on "$d/back-$g.txt" "$line" "$pref"
    else
      pk_expect_group_on "$d/back-$g.txt" "$line" "$other"
    fi
    note "$name: $pref fails: $g moves to $other$([[ $fencing == yes ]] && echo " after fencing $pref"); $pref returns: $g on $([[ $failback == on ]] && echo "$pref (auto_failback on)" || echo "$other (auto_failback off)")"
  done
}

step "The seed's haproxy pair: ucast and bcast links, fence_xvm, auto_failback off"
PK_HA_CF="keepalive 200ms
warntime 600ms
deadtime 2s
initdead 10s
ucast eth1 10.0.0.1
ucast eth1 10.0.0.2
bcast eth0
node lb1 lb2
auto_failback off
stonith_host * fence_xvm key_file=/etc/cluster/fence_xvm.key
crm no"
PK_HARESOURCES="lb1 IPaddr2::192.168.122.100/24/eth0 haproxy::/etc/haproxy/haproxy.cfg"
check_config pair lb1 lb2 yes off \
  --address lb1=10.0.0.1 --address lb2=10.0.0.2 --address lb1=192.168.122.11 --address lb2=192.168.122.12
grep -q 'class="stonith" type="fence_xvm"' "$TB_WORK/pair/out/cib.xml" || fail "no fence_xvm device"
[[ $(stat -c %a "$TB_WORK/pair/out/authkey") == 400 && $(stat -c %s "$TB_WORK/pair/out/authkey") == 256 ]] ||
  fail "authkey is not 256 bytes of mode 0400"
grep -q 'ring1_addr: 192.168.122.12' "$TB_WORK/pair/out/corosync.conf" || fail "no second knet link for bcast eth0"
grep -q 'name="priority-fencing-delay" value="5s"' "$TB_WORK/pair/out/cib.xml" || fail "no priority-fencing-delay"

step "Dual-stack VIPs and haproxy, no fencing, auto_failback on"
PK_HA_CF="keepalive 1s
deadtime 10s
ucast eth0 10.0.0.1
ucast eth0 10.0.0.2
node node1 node2
auto_failback on"
PK_HARESOURCES=$(grep -v '^#' "$TB_ROOT/haresources/two-vips-dual-stack")
check_config dualstack node1 node2 no on --address node1=10.0.0.1 --address node2=10.0.0.2
grep -q 'name="stonith-enabled" value="false"' "$TB_WORK/dualstack/out/cib.xml" || fail "stonith not disabled"
grep -q 'warning: no fence device' "$TB_WORK/dualstack/export.err" || fail "no warning for the missing fencing"

step "Two groups, one per node: resource.d scripts, Filesystem, warm haproxy, two fence devices each, monitoring"
PK_SCRIPTS="drbddisk Filesystem"
PK_HA_CF="deadtime 5s
ucast eth0 10.0.0.1
ucast eth0 10.0.0.2
node alpha beta
auto_failback off
resource_monitor 10s
stonith_host * fence_xvm key_file=/etc/cluster/fence_xvm.key
stonith fence_ipmilan $TB_WORK/nfs/conf/ipmi.ini"
PK_HARESOURCES="beta drbddisk::r0 Filesystem::/dev/drbd0::/srv/nfs::ext4 IPaddr2::192.168.122.101/24/eth0
alpha IPaddr2::192.168.122.100/24/eth0 haproxy::/etc/haproxy/haproxy.cfg::warm"
mkdir -p "$TB_WORK/nfs/conf"
printf '[alpha]\nip = 10.9.0.1\n[beta]\nip = 10.9.0.2\n' >"$TB_WORK/nfs/conf/ipmi.ini"
check_config nfs alpha beta yes off --address alpha=10.0.0.1 --address beta=10.0.0.2
grep -q '<fencing-level id="fl-alpha-2" target="alpha" index="2" devices="st-alpha-2"/>' \
  "$TB_WORK/nfs/out/cib.xml" || fail "no second fencing level for alpha"
grep -q 'type="haresource"' "$TB_WORK/nfs/out/cib.xml" || fail "drbddisk is not run through ocf:twinbeat:haresource"
# The warm haproxy clone runs on both nodes, the VIP group where it runs.
sed -n '/^Revised Cluster Status/,$p' "$TB_WORK/nfs/up.txt" | grep -A1 'Clone Set: cl-haproxy-warm' |
  grep -q 'Started: \[ alpha beta \]' ||
  fail "warm haproxy does not run on both nodes: $(sed -n '/^Revised Cluster Status/,$p' "$TB_WORK/nfs/up.txt")"
PK_SCRIPTS=""

step "Ping nodes: the node that reaches fewer of them hands its group over; when both lose them, nothing moves"
PK_HA_CF="deadtime 5s
ucast eth0 10.0.0.1
ucast eth0 10.0.0.2
node lb1 lb2
auto_failback off
ping 10.0.0.254 10.0.0.253
stonith_host * fence_xvm key_file=/etc/cluster/fence_xvm.key"
PK_HARESOURCES="lb1 IPaddr2::192.168.122.100/24/eth0 haproxy"
check_config ping lb1 lb2 yes off --address lb1=10.0.0.1 --address lb2=10.0.0.2
d=$TB_WORK/ping
group=$(pk_groups "$d/out/cib.xml")
cp "$d/up.xml" "$d/ping.xml"
# What ocf:pacemaker:ping would set: reachable targets x multiplier.
mult=$(sed -n 's/.*name="multiplier" value="\([0-9]*\)".*/\1/p' "$d/out/cib.xml")
CIB_file=$d/ping.xml crm_attribute --node lb1 --name pingd --update $((mult * 2)) --lifetime reboot
CIB_file=$d/ping.xml crm_attribute --node lb2 --name pingd --update $((mult * 2)) --lifetime reboot
pk_simulate "$d/ping.xml" "$d/ping-both.xml" "$d/ping-both.txt"
pk_expect_group_on "$d/ping-both.txt" "$group" lb1
CIB_file=$d/ping-both.xml crm_attribute --node lb1 --name pingd --update "$mult" --lifetime reboot
pk_simulate "$d/ping-both.xml" "$d/ping-lost.xml" "$d/ping-lost.txt"
pk_expect_group_on "$d/ping-lost.txt" "$group" lb2
note "lb1 reaches one ping node of two, lb2 both: the group moves to lb2 (stickiness 200 x 2 + 100 < multiplier $mult)"
CIB_file=$d/ping-lost.xml crm_attribute --node lb2 --name pingd --update "$mult" --lifetime reboot
pk_simulate "$d/ping-lost.xml" "$d/ping-even.xml" "$d/ping-even.txt"
pk_expect_group_on "$d/ping-even.txt" "$group" lb2
note "both reach one: the group stays on lb2"

step "A configuration that cannot be exported is refused with FILE:LINE, and nothing is written"
PK_HA_CF="deadtime 5s
ucast eth0 10.0.0.1
ucast eth0 10.0.0.2
node lb1 lb2
stonith_host * /opt/fence/shoot key=1"
PK_HARESOURCES="lb1 IPaddr2::192.168.122.100/24/eth0"
conf=$(pk_conf bad)
rc=0
"$TB_BIN/twinbeat" -c "$conf" --node nobody export pacemaker --out "$TB_WORK/bad/out" >/dev/null 2>"$TB_WORK/bad/err" || rc=$?
((rc == 6)) || fail "export of an unexportable configuration exited $rc, expected 6"
grep -q "^$conf/ha.cf:5: fence device /opt/fence/shoot for lb1: Pacemaker runs fence agents named fence_\* from /usr/sbin only" "$TB_WORK/bad/err" ||
  fail "no FILE:LINE error: $(cat "$TB_WORK/bad/err")"
grep -q "^$conf/ha.cf:2: ucast eth0 10.0.0.1: cannot tell whether 10.0.0.1 is lb1's or lb2's" "$TB_WORK/bad/err" ||
  fail "no FILE:LINE error for the ucast addresses: $(cat "$TB_WORK/bad/err")"
[[ ! -e $TB_WORK/bad/out ]] || fail "a refused export wrote files"

pass
