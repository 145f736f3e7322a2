#!/usr/bin/env bash
# The exported crmsh script loads into a file-backed CIB with Debian's crmsh
# (CIB_file, as a shadow CIB works), crmsh's verify accepts it, and the CIB
# it makes holds the same resources and constraints as the exported CIB XML
# and places the groups the same way (crm_simulate). The systemd class is
# what crmsh cannot check on a host whose PID 1 is not systemd: that is
# shown, not hidden. ocf:twinbeat:haresource is installed for crmsh in a
# private mount namespace, never on the host.
set -euo pipefail
# shellcheck source=tests/e2e/lib_pcmk.sh
. "$(dirname "$0")/lib_pcmk.sh"

pk_init tbpk81 crm cibadmin crm_verify crm_simulate unshare ocf-tester

# ids CIB: the ids of resources and constraints, and the fencing levels, sorted.
ids() {
  "$TB_PY" - "$1" <<'EOF'
import sys, xml.etree.ElementTree as ET
cib = ET.parse(sys.argv[1]).getroot()
tags = ("primitive", "group", "clone", "rsc_location", "rsc_colocation", "rsc_order")
ids = [e.get("id") for t in tags for e in cib.iter(t)]
# crmsh names fencing levels itself: compare what they say.
ids += ["level %s %s %s" % (l.get("target"), l.get("index"), l.get("devices")) for l in cib.iter("fencing-level")]
print("\n".join(sorted(ids)))
EOF
}

# crm_load NAME [CRM-ENV...]: loads NAME's cluster.crm into NAME/crm-cib.xml,
# an empty CIB from cibadmin; crm's output in NAME/load.txt.
crm_load() {
  local d=$TB_WORK/$1
  shift
  cibadmin --empty >"$d/crm-cib.xml"
  env HOME="$d/home" CIB_file="$d/crm-cib.xml" "$@" crm configure load update "$d/out/cluster.crm" \
    >"$d/load.txt" 2>&1 || fail "crm configure load update: $(cat "$d/load.txt")"
}

# same_as_xml NAME: the crmsh-made CIB has the exported CIB XML's ids, and
# crm_simulate places every group on its preferred node in both.
same_as_xml() {
  local d=$TB_WORK/$1 n1=$2 n2=$3 line
  [[ $(ids "$d/crm-cib.xml") == "$(ids "$d/out/cib.xml")" ]] ||
    fail "crmsh and CIB XML exports differ: $(diff <(ids "$d/crm-cib.xml") <(ids "$d/out/cib.xml") | head)"
  pk_simulate "$d/crm-cib.xml" "$d/crm-up.xml" "$d/crm-up.txt" --node-up "$n1" --node-up "$n2" --quorum 1
  crm_verify --xml-file "$d/crm-up.xml" >"$d/crm-verify.txt" 2>&1 ||
    fail "crm_verify refuses the crmsh-made CIB: $(cat "$d/crm-verify.txt")"
  while read -r line; do
    read -r _ pref _ <<<"$line"
    pk_expect_group_on "$d/crm-up.txt" "$line" "$pref"
  done < <(pk_groups "$d/out/cib.xml")
  note "$1: crmsh's CIB has the same $(ids "$d/out/cib.xml" | wc -l) ids as the XML export, validates, and places every group on its preferred node"
}

PK_HA_CF="keepalive 200ms
deadtime 2s
ucast eth1 10.0.0.1
ucast eth1 10.0.0.2
node lb1 lb2
auto_failback off
stonith_host * fence_xvm key_file=/etc/cluster/fence_xvm.key"
PK_HARESOURCES="lb1 IPaddr2::192.168.122.100/24/eth0 haproxy"
ADDR=(--address lb1=10.0.0.1 --address lb2=10.0.0.2)

step "The haproxy pair with lsb:haproxy loads into a file-backed CIB and crmsh verifies it"
pk_conf pair >/dev/null
pk_export pair --format crmsh --haproxy-class lsb "${ADDR[@]}"
pk_export pair --format cib --haproxy-class lsb "${ADDR[@]}"
mkdir -p "$TB_WORK/pair/home"
crm_load pair
! grep -q 'ERROR' "$TB_WORK/pair/load.txt" || fail "crmsh reports an error: $(cat "$TB_WORK/pair/load.txt")"
CIB_file=$TB_WORK/pair/crm-cib.xml HOME=$TB_WORK/pair/home crm configure verify >"$TB_WORK/pair/verify.txt" 2>&1 ||
  fail "crm configure verify: $(cat "$TB_WORK/pair/verify.txt")"
! grep -q 'ERROR' "$TB_WORK/pair/verify.txt" || fail "crm configure verify: $(cat "$TB_WORK/pair/verify.txt")"
grep -q 'primitive p-haproxy lsb:haproxy' <(CIB_file=$TB_WORK/pair/crm-cib.xml HOME=$TB_WORK/pair/home crm configure show) ||
  fail "crm configure show lacks p-haproxy"
same_as_xml pair lb1 lb2

step "With systemd:haproxy, crmsh can check everything but the unit: PID 1 is not systemd here"
pk_conf sd >/dev/null
pk_export sd --format cib "${ADDR[@]}"
pk_export sd --format crmsh "${ADDR[@]}"
mkdir -p "$TB_WORK/sd/home"
pid1=$(cat /proc/1/comm)
if [[ $pid1 == systemd ]]; then
  crm_load sd
  ! grep -q 'ERROR' "$TB_WORK/sd/load.txt" || fail "crmsh reports an error: $(cat "$TB_WORK/sd/load.txt")"
else
  # Pacemaker lists the systemd standard only when systemd answers on D-Bus.
  ! crm_resource --list-standards | grep -qx systemd || fail "systemd standard listed without systemd"
  cibadmin --empty >"$TB_WORK/sd/crm-cib.xml"
  HOME=$TB_WORK/sd/home CIB_file=$TB_WORK/sd/crm-cib.xml crm configure load update "$TB_WORK/sd/out/cluster.crm" \
    >"$TB_WORK/sd/strict.txt" 2>&1 || true
  [[ $(grep 'ERROR' "$TB_WORK/sd/strict.txt" | sort -u) == *"systemd:haproxy: got no meta-data"* ]] ||
    fail "expected only the systemd meta-data error: $(cat "$TB_WORK/sd/strict.txt")"
  ! grep 'ERROR' "$TB_WORK/sd/strict.txt" | grep -qv 'systemd:haproxy' ||
    fail "crmsh reports more than the systemd unit: $(cat "$TB_WORK/sd/strict.txt")"
  note "PID 1 is $pid1: crmsh has no systemd meta-data ('$(grep -m1 ERROR "$TB_WORK/sd/strict.txt" | sed 's/\x1b\[[0-9;]*m//g')')"
  HOME=$TB_WORK/sd/home crm options check-frequency never >/dev/null 2>&1
  crm_load sd
fi
same_as_xml sd lb1 lb2

step "resource.d scripts, Filesystem, warm haproxy, two fence devices each and ping nodes: crmsh loads and verifies with ocf:twinbeat:haresource installed"
PK_SCRIPTS="drbddisk Filesystem"
PK_HA_CF="deadtime 5s
ucast eth0 10.0.0.1
ucast eth0 10.0.0.2
node alpha beta
resource_monitor 10s
ping 10.0.0.254
stonith_host * fence_xvm key_file=/etc/cluster/fence_xvm.key
stonith fence_virt $TB_WORK/nfs/conf/virt.ini"
PK_HARESOURCES="beta drbddisk::r0 Filesystem::/dev/drbd0::/srv/nfs::ext4 IPaddr2::192.168.122.101/24/eth0
alpha IPaddr2::192.168.122.100/24/eth0 haproxy::/etc/haproxy/haproxy.cfg::warm"
mkdir -p "$TB_WORK/nfs/conf" "$TB_WORK/nfs/home"
printf "[alpha]\nport = vm-alpha\n[beta]\nport = vm-beta\n" >"$TB_WORK/nfs/conf/virt.ini"
pk_conf nfs >/dev/null
pk_export nfs --format cib --haproxy-class lsb --address alpha=10.0.0.1 --address beta=10.0.0.2
pk_export nfs --format crmsh --haproxy-class lsb --address alpha=10.0.0.1 --address beta=10.0.0.2
[[ -x $TB_WORK/nfs/out/haresource ]] || fail "the export did not write the haresource agent"
# A copy of the OCF tree with the agent added, mounted over the real one in
# a mount namespace of this step only.
mkdir -p "$TB_WORK/nfs/ocf"
cp -a /usr/lib/ocf/resource.d/. "$TB_WORK/nfs/ocf/"
install -D -m 0755 "$TB_WORK/nfs/out/haresource" "$TB_WORK/nfs/ocf/twinbeat/haresource"
cibadmin --empty >"$TB_WORK/nfs/crm-cib.xml"
rc=0
# shellcheck disable=SC2016 # expanded by the inner shell
unshare --mount --propagation private env D="$TB_WORK/nfs" sh -c '
  mount --bind "$D/ocf" /usr/lib/ocf/resource.d || exit 90
  crm_resource --show-metadata ocf:twinbeat:haresource >"$D/meta.xml" || exit 91
  export HOME="$D/home" CIB_file="$D/crm-cib.xml"
  crm configure load update "$D/out/cluster.crm" >"$D/load.txt" 2>&1 || exit 92
  crm configure verify >"$D/verify.txt" 2>&1 || exit 93
' || rc=$?
((rc == 0)) || fail "in the mount namespace, step $rc: $(cat "$TB_WORK"/nfs/{load,verify}.txt 2>/dev/null)"
grep -q '<parameter name="script"' "$TB_WORK/nfs/meta.xml" || fail "no meta-data from ocf:twinbeat:haresource"
! grep -q 'ERROR' "$TB_WORK/nfs/load.txt" "$TB_WORK/nfs/verify.txt" ||
  fail "crmsh reports an error: $(cat "$TB_WORK"/nfs/{load,verify}.txt)"
grep -qs 'twinbeat' /proc/mounts && fail "the OCF mount leaked into the host's namespace"
same_as_xml nfs alpha beta

step "ocf:twinbeat:haresource passes resource-agents' ocf-tester with a Heartbeat-style script"
cat >"$TB_WORK/svc" <<'EOF'
#!/bin/sh
# A Heartbeat resource.d script: svc STATEFILE start|stop|status, status by its words.
case $2 in
  start) touch "$1" ;;
  stop) rm -f "$1" ;;
  status) if [ -e "$1" ]; then echo "svc is running"; else echo "svc is stopped"; fi ;;
esac
exit 0
EOF
chmod 0755 "$TB_WORK/svc"
ocf-tester -n svc -o script="$TB_WORK/svc" -o args="$TB_WORK/svc.state" "$TB_WORK/nfs/out/haresource" \
  >"$TB_WORK/ocf-tester.txt" 2>&1 || fail "ocf-tester: $(tail -20 "$TB_WORK/ocf-tester.txt")"
grep -q 'passed all tests' "$TB_WORK/ocf-tester.txt" || fail "ocf-tester: $(tail -20 "$TB_WORK/ocf-tester.txt")"
note "$(tail -1 "$TB_WORK/ocf-tester.txt")"

pass
