#!/usr/bin/env bash
# The exported configuration, run for real: a two-node Corosync + Pacemaker
# cluster in network namespaces (each node also in its own mount and UTS
# namespace: its own /etc/corosync, /etc/haproxy, /run, /dev/shm and
# Pacemaker's directories, its own host name), corosync and pacemakerd in
# the foreground. The VIP (ocf:heartbeat:IPaddr2) and haproxy (lsb:haproxy:
# Pacemaker has no systemd class without systemd as PID 1) come up on the
# preferred node and serve a client; the preferred node's corosync is
# killed; the other node fences it through the exported fence_xvm device
# and serves. The time from the kill to the first answer from the other
# node is printed.
#
# fence_xvm needs fence_virtd and a hypervisor: here the nodes' own
# /usr/sbin/fence_xvm is a stand-in (bind-mounted in their mount namespaces
# only) that speaks the agent's stdin protocol with fence_xvm's own
# meta-data, and "powers off" a node by taking its eth0 down and killing
# every process of its network namespace. What it was asked is logged and
# checked: the action and the libvirt domain twinbeat's ha.cf names.
#
# What Pacemaker needs without systemd as PID 1 (found by running it): the
# daemons run as hacluster and create libqb's IPC files in /dev/shm, so a
# private /dev/shm must be mode 1777 (else every IPC connection fails with
# "Invalid IPC credentials"); /var/lib/pacemaker/{cib,pengine,blackbox,cores}
# and /var/log/pacemaker owned by hacluster:haclient; /run/crm. Nothing else:
# pacemakerd supervises its daemons itself. What does not work is the
# systemd resource class (Pacemaker asks systemd over D-Bus), hence
# lsb:haproxy here. At deadtime 250 ms (token 250 ms) Corosync lost the
# token between the two healthy nodes under this machine's load and one
# fenced the other before the test could kill anything: 1 s is the default.
#
# PK_DEADTIME (default 1s) is ha.cf's deadtime, hence corosync's token; PK_KEEPALIVE
# (250ms) its keepalive.
set -euo pipefail
# shellcheck source=tests/e2e/lib_pcmk.sh
. "$(dirname "$0")/lib_pcmk.sh"
# shellcheck source=tests/e2e/lib_lb.sh
. "$(dirname "$0")/lib_lb.sh"

PK_DEADTIME=${PK_DEADTIME:-1s}
PK_KEEPALIVE=${PK_KEEPALIVE:-250ms}
for t in corosync pacemakerd crm_mon cibadmin nsenter unshare fence_xvm; do
  command -v "$t" >/dev/null || { echo "FAIL $TB_SCENARIO: $t missing (tests/deps.sh test)" >&2; exit 1; }
done
[[ -x /etc/init.d/haproxy ]] || { echo "FAIL $TB_SCENARIO: /etc/init.d/haproxy missing" >&2; exit 1; }
lb_init tbpk82
declare -A HOLD=() COROSYNC=() PCMKD=()

# in_node NODE CMD...: CMD in NODE's network, mount and UTS namespaces.
in_node() {
  local n=$1
  shift
  nsenter -t "${HOLD[$n]}" -n -m -u "$@"
}

# fence_standin: the nodes' fence_xvm (see the header).
fence_standin() {
  cat >"$TB_WORK/fence_xvm" <<EOF
#!/bin/sh
# fence_xvm stand-in of $TB_SCENARIO: stdin key=value as fence agents read it.
W=$TB_WORK
action=off; plug=""
while IFS= read -r line; do
  case \$line in
    action=*|option=*) action=\${line#*=} ;;
    plug=*|port=*) plug=\${line#*=} ;;
  esac
done
[ "\${1:-}" = -o ] && action=\$2
echo "\$(date +%s%3N) host=\$(hostname) action=\$action plug=\$plug" >>"\$W/fence.log"
case \$plug in vm-alpha) n=a ;; vm-beta) n=b ;; *) n="" ;; esac
case \$action in
  metadata) cat "\$W/fence_xvm.meta"; exit 0 ;;
  monitor|validate-all) exit 0 ;;
  list|list-status) echo "vm-alpha"; echo "vm-beta"; exit 0 ;;
esac
[ -n "\$n" ] || exit 1
hold=\$(cat "\$W/\$n/holder.pid")
case \$action in
  status) [ -d /proc/\$hold ] && exit 0; exit 2 ;;
  off|reboot)
    [ -d /proc/\$hold ] || exit 0
    target=\$(readlink /proc/\$hold/ns/net)
    nsenter --net=/proc/\$hold/ns/net ip link set eth0 down
    inode=\${target#net:?}
    inode=\${inode%?}  # net:[N]: brackets are glob characters for -lname
    pids=\$(find /proc -mindepth 3 -maxdepth 3 -path '/proc/[0-9]*/ns/net' -lname "net:?\$inode?" 2>/dev/null |
      cut -d/ -f3)
    kill -KILL \$pids 2>/dev/null
    echo "\$(date +%s%3N) host=\$(hostname) done=\$action plug=\$plug" >>"\$W/fence.log"
    exit 0 ;;
esac
exit 1
EOF
  chmod 0755 "$TB_WORK/fence_xvm"
  echo "action=metadata" | fence_xvm >"$TB_WORK/fence_xvm.meta"
}

# shellcheck disable=SC2317 # called through wait_until
holder_ready() { [[ $(cat "/proc/$1/comm" 2>/dev/null) == sleep ]]; }

# node_namespaces NODE: a holder process in NODE's network namespace with
# new mount and UTS namespaces, and the node's private directories.
node_namespaces() {
  local n=$1 d=$TB_WORK/$1 name=${TB_NODE_NAME[$1]}
  mkdir -p "$d/etc-corosync" "$d/etc-haproxy"
  install -m 0644 "$TB_WORK/export/corosync.conf" "$d/etc-corosync/corosync.conf"
  install -m 0400 "$TB_WORK/export/authkey" "$d/etc-corosync/authkey"
  sed "s/\"\${TWINBEAT_NODE}\"/\"$name\"/" "$TB_WORK/lb.cfg" >"$d/etc-haproxy/haproxy.cfg"
  ip netns exec "$PFX-$n" unshare --mount --uts --propagation private sleep 600 </dev/null &
  HOLD[$n]=$!
  echo "${HOLD[$n]}" >"$d/holder.pid"
  # unshare execs sleep once the namespaces exist: 2 s bounds a loaded machine.
  wait_until 2000 holder_ready "${HOLD[$n]}" || fail "no mount namespace for $name"
  # shellcheck disable=SC2016 # expanded by the inner shell
  nsenter -t "${HOLD[$n]}" -m -u env D="$d" N="$name" W="$TB_WORK" sh -ec '
    hostname "$N"
    mount --bind "$D/etc-corosync" /etc/corosync
    mount --bind "$D/etc-haproxy" /etc/haproxy
    mount --bind "$W/fence_xvm" /usr/sbin/fence_xvm
    for dir in /run /var/lib/pacemaker /var/log/pacemaker /var/lib/corosync /var/log/corosync; do
      mount -t tmpfs -o mode=0755 tmpfs "$dir"
    done
    # libqb IPC files: the daemons run as hacluster and need to create them.
    mount -t tmpfs -o mode=1777 tmpfs /dev/shm
    mkdir -p /var/lib/pacemaker/cib /var/lib/pacemaker/pengine /var/lib/pacemaker/blackbox \
      /var/lib/pacemaker/cores /run/crm /run/lock
    chown -R hacluster:haclient /var/lib/pacemaker /var/log/pacemaker
    chmod 0750 /var/lib/pacemaker/cib /var/lib/pacemaker/pengine /var/lib/pacemaker/blackbox /var/lib/pacemaker/cores
    chmod 0770 /var/log/pacemaker
  ' || fail "cannot set up ${name}'s mount namespace"
}

# shellcheck disable=SC2317 # called through wait_until
both_online() { in_node a crm_mon -1 2>/dev/null | grep -q "Online: \[ alpha beta \]"; }

step "Build the topology: alpha and beta, backends W1 and W2, a client"
lb_topology
fence_standin

step "Write twinbeat's haproxy pair with fence_xvm and export it on alpha (deadtime $PK_DEADTIME)"
mkdir -p "$TB_WORK/conf/resource.d"
cat >"$TB_WORK/conf/ha.cf" <<EOF
keepalive $PK_KEEPALIVE
deadtime $PK_DEADTIME
ucast eth0 $(tb_addr a)
ucast eth0 $(tb_addr b)
node alpha beta
auto_failback off
fence_delay 0
stonith_host beta fence_xvm port=vm-alpha key_file=/etc/cluster/fence_xvm.key
stonith_host alpha fence_xvm port=vm-beta key_file=/etc/cluster/fence_xvm.key
EOF
echo "alpha IPaddr2::$LB_VIP/24/eth0 haproxy" >"$TB_WORK/conf/haresources"
tb_write_authkeys "$TB_WORK/conf/authkeys" "$PK_SECRET"
install -m 0755 "$TB_ROOT/ha.d/resource.d/haproxy" "$TB_WORK/conf/resource.d/haproxy"
tb_in a "$TB_BIN/twinbeat" -c "$TB_WORK/conf" --node alpha export pacemaker --format cib \
  --haproxy-class lsb --out "$TB_WORK/export" >"$TB_WORK/export.out" 2>&1 ||
  fail "export: $(cat "$TB_WORK/export.out")"
grep -q "ring0_addr: $(tb_addr b)" "$TB_WORK/export/corosync.conf" || fail "beta's address is not in corosync.conf"
note "$(tail -1 "$TB_WORK/export.out")"

step "Start corosync and pacemakerd in the foreground on both nodes; both come online"
for n in a b; do
  node_namespaces "$n"
  # nsenter itself (it execs), never a shell function: $! is corosync's pid.
  nsenter -t "${HOLD[$n]}" -n -m -u corosync -f >>"$TB_WORK/$n/corosync.log" 2>&1 </dev/null &
  COROSYNC[$n]=$!
done
for n in a b; do
  nsenter -t "${HOLD[$n]}" -n -m -u pacemakerd >>"$TB_WORK/$n/pacemakerd.log" 2>&1 </dev/null &
  PCMKD[$n]=$!
done
t0=$(now_ms)
# Membership, then the DC election (dc-deadtime 20 s at most) and the first
# transition: 60 s bounds it on a loaded machine.
wait_until 60000 both_online || fail "the nodes do not come online: $(in_node a crm_mon -1 2>&1 | head -20)"
note "both online after $(($(now_ms) - t0)) ms"

step "Load the exported CIB (cibadmin); the VIP and haproxy start on alpha and serve the client"
in_node a cibadmin --replace --scope configuration \
  --xml-text "$("$TB_PY" -c 'import sys, xml.etree.ElementTree as E; print(E.tostring(E.parse(sys.argv[1]).getroot().find("configuration"), encoding="unicode"))' "$TB_WORK/export/cib.xml")" \
  >"$TB_WORK/cibadmin.out" 2>&1 || fail "cibadmin: $(cat "$TB_WORK/cibadmin.out")"
# Fence devices start, probes run on both nodes, then the group: 30 s.
wait_until 30000 lb_vip_here a || fail "no VIP on alpha: $(in_node a crm_mon -1 2>&1 | tail -15)"
lb_probe_start
lb_wait_served a 15000 || fail "the client is not served by alpha: $(in_node a crm_mon -1 2>&1 | tail -15)"
! lb_vip_here b || fail "the VIP is on beta too"
in_node a crm_mon -1 >"$TB_WORK/mon-before.txt" 2>&1 || true
grep -q "st-alpha.*Started beta" "$TB_WORK/mon-before.txt" || fail "st-alpha does not run on beta: $(cat "$TB_WORK/mon-before.txt")"

step "Kill alpha's corosync; beta fences alpha through fence_xvm and serves"
sleep 1  # a second of service by alpha in the probe log
kill_at=$(now_ms)
kill -KILL "${COROSYNC[a]}"
# token + consensus (2.2 x deadtime), the fence, the group's start: 60 s bounds it.
wait_until 60000 lb_served_since b "$kill_at" || fail "beta does not serve: $(in_node b crm_mon -1 2>&1 | tail -20)"
served_at=$(awk -v from="$kill_at" '$1 >= from && $3 == "ok" && $4 == "beta" { print $1; exit }' "$TB_WORK/probe.log")
lb_report_outage "$kill_at" b
note "Pacemaker failover (kill -9 corosync on alpha -> first request answered by beta): $((${served_at%.*} - kill_at)) ms"
grep -q "action=off plug=vm-alpha" "$TB_WORK/fence.log" || fail "fence_xvm was not asked to turn vm-alpha off: $(cat "$TB_WORK/fence.log")"
fenced_at=$(awk '/action=off plug=vm-alpha/ { print $1; exit }' "$TB_WORK/fence.log")
note "fence_xvm off vm-alpha asked by $(awk '/action=off plug=vm-alpha/ { print $2; exit }' "$TB_WORK/fence.log") $((fenced_at - kill_at)) ms after the kill"
lb_vip_here b || fail "beta serves but has no VIP"
in_node b crm_mon -1 >"$TB_WORK/mon-after.txt" 2>&1 || true
grep -q "OFFLINE: \[ alpha \]" "$TB_WORK/mon-after.txt" || fail "alpha is not offline for beta: $(cat "$TB_WORK/mon-after.txt")"
grep -q "p-haproxy.*Started beta" "$TB_WORK/mon-after.txt" || fail "haproxy is not started on beta: $(cat "$TB_WORK/mon-after.txt")"
tb_gone "${PCMKD[a]}" || fail "alpha's pacemakerd survived the fence"
lb_probe_stop
# Where the time went, from corosync's and Pacemaker's own logs on beta.
in_node b cat /var/log/pacemaker/pacemaker.log >"$TB_WORK/b/pacemaker.log" 2>/dev/null || true
at() {  # at FILE PATTERN: ms after the kill of the first line with PATTERN
  local line
  line=$(grep -m1 -F "$2" "$1") || { echo "?"; return; }
  echo $(($(date -d "$(awk "{ print \$1, \$2, \$3 }" <<<"$line")" +%s%3N) - kill_at))
}
note "from beta's logs, ms after the kill: token lost $(at "$TB_WORK/b/corosync.log" "A processor failed"), alpha left $(at "$TB_WORK/b/pacemaker.log" "Node alpha state is now lost"), fencing requested $(at "$TB_WORK/b/pacemaker.log" "Requesting fencing"), fenced $(at "$TB_WORK/b/pacemaker.log" "targeting alpha by beta"), VIP started $(at "$TB_WORK/b/pacemaker.log" "Result of start operation for p-IPaddr2"), haproxy started $(at "$TB_WORK/b/pacemaker.log" "Result of start operation for p-haproxy")"
note "the fence stand-in itself took $(($(awk '/done=off plug=vm-alpha/ { print $1; exit }' "$TB_WORK/fence.log") - fenced_at)) ms"
echo "PK_FAILOVER_MS=$((${served_at%.*} - kill_at)) PK_FENCE_MS=$((fenced_at - kill_at)) PK_DEADTIME=$PK_DEADTIME"

pass
