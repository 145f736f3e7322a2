# shellcheck shell=bash disable=SC2034 # FL_PID and TB_NODE_HOST are read by the scenarios and lib.sh
# The fencing lab: a real libvirtd (LXC driver only) and fence_virtd on this
# machine, and each node in a persistent libvirt LXC application container
# that joins the node's network namespace, so that a fence really kills the
# node's processes. Sourced after lib.sh; a scenario calls, in this order:
#
#   tb_init PFX; tb_topology 1        lib.sh: PFX-sw (br0), PFX-a, PFX-b, PFX-x
#   fence_lab_up [--multicast] [--power-nics]   libvirtd, key, PFX-fv, fence_virtd (TCP [+ multicast])
#   fence_lab_domain NODE NETNS CMD...   domain PFX-NODE runs CMD, a descendant of the container
#   fence_lab_define_node / fence_lab_node NODE   lib.sh's node NODE (twinbeatd) in domain PFX-NODE; TB_PID[NODE]
#   fence_lab_cut / fence_lab_heal NODE   drop / let through NODE's heartbeats (nftables)
#   fence_lab_agent KIND WHERE ACTION [DOMAIN]   xvm | virt | twinbeat, from a netns or a domain
#   fence_lab_state / fence_lab_wait_state / fence_lab_start / fence_lab_pids DOMAIN
#   (fence_lab_down runs at exit, before lib.sh's clean-up; it is idempotent.)
#
# Topology added to lib.sh's: namespace PFX-fv ("fence virtd") on br0 at
# 10.99.0.254/24, where fence_virtd listens on TCP 10.99.0.254:1230 and, with
# --multicast, on 225.0.0.12:1229 via its eth0. fence_xvm multicasts out of
# every interface with an IPv4 address: run it only inside lab namespaces,
# never in the host's (fence_lab_agent refuses to).
#
# Files: $TB_WORK/lab/ holds the key (mode 600), the configs, libvirtd's log,
# each domain's XML and init script, and a copy of libvirt's console logs.
# A node's command writes stdout and stderr to $TB_WORK/NODE/stderr (what
# lib.sh's tb_dump_logs shows). /tmp/PFX.fencelab/ holds what a crashed run
# needs to be torn down by the next one: pid files and the list of the
# directories this run created (the only ones teardown removes).
#
# Machine facts behind the recipe (PID 1 is not systemd; hybrid cgroup v1):
# libvirtd runs in a private mount namespace where /sys/fs/cgroup/unified is
# unmounted (else libvirt_lxc fails to start the container) and the memory
# hierarchy is our own memory cgroup bind-mounted (so the containers land
# under it); it loads only the LXC driver (LIBVIRT_DRIVER_DIR), since the QEMU
# driver wants the user libvirt-qemu that only libvirt-daemon-system brings.

FL_URI=lxc:///system
FL_ADDR=10.99.0.254
FL_TCP_PORT=1230
FL_MCAST_ADDR=225.0.0.12
FL_MCAST_PORT=1229
FL_MODULES=/usr/lib/x86_64-linux-gnu/fence-virt
FL_LXC_DRIVER=/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_lxc.so
# Directories libvirtd may create; teardown removes those that were absent.
FL_STATE_DIRS=(/run/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt
  /etc/libvirt/lxc /etc/libvirt/nwfilter /etc/libvirt/secrets /etc/libvirt/storage)
FL_CGROUP_CONTROLLERS=(cpu cpuacct cpuset memory devices freezer blkio pids)
declare -A FL_PID=() FL_NODE=() FL_TB_NODES=()
FL_POWER_NICS=""

# --- set-up ---------------------------------------------------------------

# fence_lab_up [--multicast] [--power-nics]: after tb_init and tb_topology.
# Tears down what a crashed run left, then starts libvirtd and fence_virtd
# (TCP; --multicast adds a second one with the multicast listener), and makes
# the key. --power-nics: a domain's network interfaces follow its power, as a
# machine's NIC does (see _fl_write_hook): when libvirt stops a domain (a
# fence), every link of its netns but lo goes down and every address the lab
# did not configure (the VIPs) is deleted, before libvirt reports the domain
# off; when it starts, the links come up. Without it, a fenced domain's netns
# keeps the VIPs it had, which no powered-off machine does.
fence_lab_up() {
  local multicast="" arg
  FL_POWER_NICS=""
  for arg in "$@"; do
    case $arg in
      --multicast) multicast=--multicast ;;
      --power-nics) FL_POWER_NICS=1 ;;
      *) fail "fence_lab_up: unknown option '$arg'" ;;
    esac
  done
  _fl_vars
  _fl_require
  trap _fl_exit EXIT
  fence_lab_down
  [[ -e /run/netns/$PFX-sw ]] || fail "fence_lab_up needs lib.sh's topology (tb_topology) first"
  if virsh -q -c "$FL_URI" uri >/dev/null 2>&1; then
    fail "a libvirtd the lab did not start answers on $FL_URI; the lab needs the machine's only one"
  fi
  _fl_remove_stale_hook
  mkdir -p "$FL_RUN/drivers" "$FL_DIR"
  _fl_record_absent
  ln -sf "$FL_LXC_DRIVER" "$FL_RUN/drivers/"
  if [[ -n $FL_POWER_NICS ]]; then _fl_write_hook; fi  # libvirtd looks for hooks when it starts
  _fl_start_libvirtd
  (umask 077 && dd if=/dev/urandom of="$FL_KEY" bs=4096 count=1 status=none)
  _fl_write_init
  ip netns add "$FL_NS"
  ip -n "$FL_NS" link set lo up
  TB_NODE_HOST["fv"]=${FL_ADDR##*.}
  tb_plug fv 0  # veth fv0 on br0, eth0 in PFX-fv
  _fl_start_fence_virtd tcp "$(_fl_listener_tcp)"
  _fl_wait_listening -ltn "$FL_ADDR:$FL_TCP_PORT"
  if [[ $multicast == --multicast ]]; then
    _fl_start_fence_virtd mcast "$(_fl_listener_mcast)"
    _fl_wait_listening -lun "$FL_MCAST_ADDR:$FL_MCAST_PORT"
  fi
}

# fence_lab_domain NODE NETNS CMD...: defines and starts the persistent domain
# PFX-NODE, joined to network namespace NETNS, whose init runs CMD as its
# child with stdout and stderr to $TB_WORK/NODE/stderr. Sets FL_PID[NODE] to
# CMD's pid (as the host sees it). CMD runs in the container's own pid, mount,
# uts and ipc namespaces, with the host's / as its root and PATH of the host.
# Realtime (sched_setscheduler) fails in a domain unless FL_RT_RUNTIME_US is
# set: see _fl_rt_budget.
fence_lab_domain() {
  fence_lab_define "$@"
  fence_lab_start "$PFX-$1"
}

# fence_lab_define NODE NETNS CMD...: fence_lab_domain without the start.
fence_lab_define() {
  local node=$1 netns=$2 name=$PFX-$1
  shift 2
  mkdir -p "$TB_WORK/$node"
  if [[ -n ${FL_RT_RUNTIME_US:-} ]]; then _fl_rt_budget; fi
  _fl_domain_xml "$name" "$netns" "$FL_DIR/init" "$name" "$TB_WORK/$node/stderr" \
    "${FL_RT_RUNTIME_US:-0}" "$@" >"$FL_DIR/$node.xml"
  FL_NODE[$name]=$node
  if [[ -n ${FL_POWER_NICS:-} ]]; then _fl_record_nics "$name" "$netns"; fi
  virsh -q -c "$FL_URI" define "$FL_DIR/$node.xml" >/dev/null || fail "virsh define $name failed"
}

# fence_lab_start DOMAIN: starts a defined domain (again, after a fence) and
# waits for its command; updates FL_PID.
fence_lab_start() {
  local name=$1
  virsh -q -c "$FL_URI" start "$name" >/dev/null || fail "virsh start $name failed"
  fence_lab_wait_up "$name"
}

# fence_lab_wait_up DOMAIN: waits until the domain's init has started its
# command (its first child), and sets FL_PID[NODE] to that pid. For a domain
# started by an agent's on or reboot too. The container starts in ~0.5 s;
# 5 s bounds a loaded machine.
fence_lab_wait_up() {
  local name=$1 node=${FL_NODE[$1]:-} pid=""
  local deadline=$(($(now_ms) + 5000))
  while :; do
    pid=$(_fl_command_pid "$name")
    [[ -n $pid ]] && break
    (($(now_ms) < deadline)) || fail "domain $name: no command running 5 s after start ($(fence_lab_state "$name"))"
    sleep 0.02
  done
  if [[ -n $node ]]; then FL_PID[$node]=$pid; fi
}

# --- state ------------------------------------------------------------------

# fence_lab_state DOMAIN: "running", "shut off", ... (virsh domstate).
fence_lab_state() { virsh -q -c "$FL_URI" domstate "$1" 2>/dev/null | sed '/^$/d'; }

# fence_lab_wait_state DOMAIN STATE TIMEOUT_MS
fence_lab_wait_state() { wait_until "$3" _fl_state_is "$1" "$2"; }

# fence_lab_controller DOMAIN: the pid of the domain's libvirt_lxc, or nothing.
fence_lab_controller() {
  local pid
  pid=$(cat "/run/libvirt/lxc/$1.pid" 2>/dev/null) || return 0
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == libvirt_lxc ]] && echo "$pid"
  return 0
}

# fence_lab_pids DOMAIN: the host pids of every process inside the domain
# (its init and all below it, not the libvirt_lxc controller); nothing when
# it is off.
fence_lab_pids() {
  local ctl
  ctl=$(fence_lab_controller "$1")
  [[ -n $ctl ]] || return 0
  _fl_descendants "$ctl"
}

# fence_lab_pids_of DOMAIN COMM: the host pids of DOMAIN's processes called
# COMM (a pid file written inside a domain holds the pid its pid namespace
# sees, not the host's).
fence_lab_pids_of() {
  local pid
  for pid in $(fence_lab_pids "$1"); do
    if [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$2" ]] && ! tb_gone "$pid"; then echo "$pid"; fi
  done
  return 0
}

# fence_lab_in DOMAIN CMD...: runs CMD inside the running domain (its
# namespaces and cgroup, so a fence kills it too), stdin passed on.
fence_lab_in() {
  local name=$1
  shift
  virsh -q -c "$FL_URI" lxc-enter-namespace "$name" --noseclabel "$@"
}

# --- agents -------------------------------------------------------------------

# fence_lab_agent KIND WHERE ACTION [DOMAIN]: one fence-agent call through the
# stdin API; prints the agent's output and returns its exit status.
#   KIND   xvm: fence_xvm, multicast to fence_virtd (needs --multicast)
#          virt: fence_virt, TCP to fence_virtd
#          twinbeat: build/bin/fence_twinbeat_libvirt, libvirt's API
#   WHERE  a lab network namespace (PFX-b), or domain:NAME to run inside a
#          domain, as the node's daemon would
fence_lab_agent() {
  local kind=$1 where=$2 action=$3 domain=${4:-} agent run=()
  local req="action=$action"$'\n'
  [[ -n $domain ]] && req+="port=$domain"$'\n'
  case $kind in
    xvm)
      agent=/usr/sbin/fence_xvm
      req+="key_file=$FL_KEY"$'\n'"multicast_address=$FL_MCAST_ADDR"$'\n'"ipport=$FL_MCAST_PORT"$'\n'
      req+="timeout=5"$'\n'  # fence_virtd answers in ~20 ms; a fence takes < 2 s
      ;;
    virt)
      agent=/usr/sbin/fence_virt
      req+="key_file=$FL_KEY"$'\n'"ipaddr=$FL_ADDR"$'\n'"ipport=$FL_TCP_PORT"$'\n'"timeout=5"$'\n'
      ;;
    twinbeat)
      agent=$TB_BIN/fence_twinbeat_libvirt
      req+="uri=$FL_URI"$'\n'"timeout=10"$'\n'  # libvirt's destroy: SIGKILL at ~1.6 s
      ;;
    *) fail "fence_lab_agent: unknown kind '$kind'" ;;
  esac
  case $where in
    domain:*) run=(fence_lab_in "${where#domain:}") ;;
    "$PFX"-*) run=(ip netns exec "$where") ;;
    *) fail "fence_lab_agent: '$where' is not a lab namespace or domain:NAME (fence_xvm multicasts)" ;;
  esac
  "${run[@]}" "$agent" <<<"$req"
}

# --- twinbeat nodes in domains ---------------------------------------------------

# fence_lab_node NODE: lib.sh's node NODE (a or b) in the persistent domain
# PFX-NODE, joined to netns PFX-NODE: twinbeatd with tb_start_node's
# arguments (its output to NODE/stderr), under a keeper that keeps the domain
# running when twinbeatd ends, as a machine whose daemon crashed keeps its
# VIPs and haproxy until it is fenced. Defines the domain the first time and
# starts it again later (after a fence). Sets TB_PID[NODE] to twinbeatd's
# pid, so that lib.sh's and lib_lb.sh's helpers (tb_gone, tb_running,
# tb_status, lb_wait_holder, ...) work as for tb_start_node; it is not this
# shell's child, so do not `wait` for it (tb_stop_node would return 127).
fence_lab_node() {
  local n=$1 pid=""
  fence_lab_define_node "$n"
  fence_lab_start "$PFX-$n"
  # The keeper starts twinbeatd at once; 2 s bounds a loaded machine.
  local deadline=$(($(now_ms) + 2000))
  while :; do
    pid=$(_fl_children "${FL_PID[$n]}" | head -n 1)
    [[ -n $pid && $(cat "/proc/$pid/comm" 2>/dev/null) == twinbeatd ]] && break
    (($(now_ms) < deadline)) || fail "domain $PFX-$n: twinbeatd not running 2 s after the keeper"
    sleep 0.01
  done
  TB_PID["$n"]=$pid
}

# fence_lab_define_node NODE: defines fence_lab_node's domain, once, without
# starting it. Define both nodes' domains before starting either: a daemon
# checks its fence device when it starts (and then hourly), and the device's
# list names only defined domains.
fence_lab_define_node() {
  local n=$1 d=$TB_WORK/$1
  FL_TB_NODES[$n]=1
  virsh -q -c "$FL_URI" dominfo "$PFX-$n" >/dev/null 2>&1 && return 0
  [[ -x $FL_DIR/keeper ]] || _fl_write_keeper
  mkdir -p "$d/run" "$d/state"
  fence_lab_define "$n" "$PFX-$n" "$FL_DIR/keeper" "$TB_BIN/twinbeatd" -f -c "$d/conf" \
    --node "${TB_NODE_NAME[$n]}" --state-dir "$d/state" --run-dir "$d/run"
}

# fence_lab_cut NODE: nftables in NODE's namespace drops every heartbeat (UDP
# port 694, in and out): the node runs on, hearing no one and heard by no
# one. fence_lab_heal NODE lets them through again. The table goes with the
# namespace.
fence_lab_cut() {
  ip netns exec "$PFX-$1" nft -f - <<'EOF' || fail "nft: cannot cut the heartbeats of $1"
table inet tb_cut {
  chain in {
    type filter hook input priority 0; policy accept;
    udp dport 694 counter drop
    udp sport 694 counter drop
  }
  chain out {
    type filter hook output priority 0; policy accept;
    udp dport 694 counter drop
    udp sport 694 counter drop
  }
}
EOF
}

fence_lab_heal() {
  ip netns exec "$PFX-$1" nft delete table inet tb_cut || fail "nft: cannot let the heartbeats of $1 through"
}

# fence_lab_cut_drops NODE: packets NODE's cut has dropped so far (in + out;
# a packet dropped on the way in is not seen on the way out).
fence_lab_cut_drops() {
  ip netns exec "$PFX-$1" nft list table inet tb_cut 2>/dev/null |
    awk '{ for (i = 1; i < NF; i++) if ($i == "packets") n += $(i + 1) } END { print n + 0 }'
}

# --- teardown -------------------------------------------------------------------

# fence_lab_down: the recipe's teardown, in its order. Idempotent; acts only on
# what carries the prefix or what the lab's files say it started or created.
fence_lab_down() {
  _fl_vars
  local name
  if _fl_alive "$FL_RUN/libvirtd.pid" libvirtd; then
    for name in $(virsh -q -c "$FL_URI" list --all --name 2>/dev/null | grep "^$PFX-"); do
      virsh -q -c "$FL_URI" destroy "$name" >/dev/null 2>&1 || true
      virsh -q -c "$FL_URI" undefine "$name" >/dev/null 2>&1 || true
    done
  fi
  # Their daemons died with the domains: lib.sh's clean-up must not kill
  # those pids again (they may be reused by now).
  for name in "${!FL_TB_NODES[@]}"; do unset "TB_PID[$name]"; done
  _fl_stop "$FL_RUN/fence_virtd-tcp.pid" fence_virtd
  _fl_stop "$FL_RUN/fence_virtd-mcast.pid" fence_virtd
  _fl_stop "$FL_RUN/libvirtd.pid" libvirtd
  _fl_kill_orphans
  _fl_remove_cgroups
  if [[ -d $FL_DIR ]]; then cp /var/log/libvirt/lxc/"$PFX"-*.log "$FL_DIR/" 2>/dev/null || true; fi
  rm -rf /run/libvirt/lxc/"$PFX"-*.* /var/log/libvirt/lxc/"$PFX"-*.log \
    /etc/libvirt/lxc/"$PFX"-*.xml /etc/libvirt/lxc/autostart/"$PFX"-*.xml
  ip netns del "$FL_NS" 2>/dev/null || true
  _fl_remove_created
  rm -rf "$FL_RUN"
}

# --- helpers ------------------------------------------------------------------

_fl_vars() {
  FL_RUN=/tmp/$PFX.fencelab
  FL_DIR=$TB_WORK/lab
  FL_KEY=$FL_DIR/fence_xvm.key
  FL_NS=$PFX-fv
}

_fl_require() {
  local b
  for b in /usr/sbin/libvirtd /usr/bin/virsh /usr/sbin/fence_virtd /usr/sbin/fence_xvm \
    /usr/sbin/fence_virt /usr/lib/libvirt/libvirt_lxc "$FL_LXC_DRIVER" "$FL_MODULES/tcp.so"; do
    [[ -e $b ]] || fail "$b missing: run tests/deps.sh fence"
  done
  [[ -x $TB_BIN/fence_twinbeat_libvirt ]] || fail "$TB_BIN/fence_twinbeat_libvirt missing (make)"
}

# The EXIT trap: the lab first (lib.sh's clean-up kills what runs in our
# namespaces, which would leave libvirt with dead domains), then lib.sh's.
_fl_exit() {
  local rc=$?
  trap - EXIT
  set +e  # errexit would end the handler at `(exit "$rc")` below when rc is not 0
  fence_lab_down >/dev/null 2>&1 || true
  (exit "$rc")
  tb_cleanup
}

# The memory cgroup this shell is in ("/" when none is nested).
_fl_memcg() { awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup; }

# Writes down, before libvirtd runs, which state directories and "machine"
# cgroups do not exist yet: teardown removes only those.
_fl_record_absent() {
  local d c mem
  mem=$(_fl_memcg)
  {
    for d in "${FL_STATE_DIRS[@]}"; do [[ -e $d ]] || echo "$d"; done
    for c in "${FL_CGROUP_CONTROLLERS[@]}"; do
      d=/sys/fs/cgroup/$c/machine
      if [[ $c == memory ]]; then d=/sys/fs/cgroup/memory${mem%/}/machine; fi
      if [[ -d /sys/fs/cgroup/$c && ! -e $d ]]; then echo "$d"; fi
    done
  } >"$FL_RUN/created"
}

_fl_start_libvirtd() {
  local log=$FL_DIR/libvirtd.log
  # --propagation slave: /run/netns entries made later are still seen.
  # shellcheck disable=SC2016 # expanded by the inner sh
  unshare --mount --propagation slave -- sh -c '
    umount /sys/fs/cgroup/unified 2>/dev/null
    mem=$(awk -F: "\$2 == \"memory\" { print \$3 }" /proc/self/cgroup)
    [ -n "$mem" ] && [ "$mem" != / ] && mount --bind "/sys/fs/cgroup/memory$mem" /sys/fs/cgroup/memory
    exec env LIBVIRT_DRIVER_DIR="$1/drivers" LIBVIRT_LOG_OUTPUTS="3:file:$2" \
      libvirtd --daemon --pid-file "$1/libvirtd.pid"' sh "$FL_RUN" "$log" ||
    fail "libvirtd did not start: $(tail -n 5 "$log" 2>/dev/null)"
  # Up in ~0.3 s here; 10 s bounds a loaded machine (the recipe's 40 x 0.25 s).
  wait_until 10000 _fl_libvirt_answers ||
    fail "libvirtd does not answer on $FL_URI within 10 s: $(tail -n 5 "$log" 2>/dev/null)"
}

_fl_libvirt_answers() {
  [[ -s $FL_RUN/libvirtd.pid ]] && virsh -q -c "$FL_URI" uri >/dev/null 2>&1
}

# _fl_start_fence_virtd NAME LISTENER-BLOCK: one fence_virtd in PFX-fv with
# the libvirt backend on lxc:///system.
_fl_start_fence_virtd() {
  local name=$1 listener=$2 conf=$FL_DIR/fence_virtd-$1.conf
  local kind=${listener%% *}
  cat >"$conf" <<EOF
fence_virtd {
	listener = "$kind";
	backend = "libvirt";
	module_path = "$FL_MODULES";
}
listeners {
$listener
}
backends {
	libvirt {
		uri = "$FL_URI";
	}
}
EOF
  # It daemonizes and writes its pid file within ~40 ms.
  ip netns exec "$FL_NS" fence_virtd -w -f "$conf" -p "$FL_RUN/fence_virtd-$name.pid" </dev/null ||
    fail "fence_virtd ($name) did not start"
  wait_until 2000 test -s "$FL_RUN/fence_virtd-$name.pid" || fail "fence_virtd ($name) wrote no pid file in 2 s"
}

_fl_listener_tcp() {
  cat <<EOF
tcp {
		key_file = "$FL_KEY";
		address = "$FL_ADDR";
		port = "$FL_TCP_PORT";
		family = "ipv4";
	}
EOF
}

_fl_listener_mcast() {
  cat <<EOF
multicast {
		key_file = "$FL_KEY";
		address = "$FL_MCAST_ADDR";
		port = "$FL_MCAST_PORT";
		family = "ipv4";
		interface = "eth0";
	}
EOF
}

# _fl_wait_listening SS-FLAGS ADDR:PORT: fence_virtd binds right after it
# daemonizes; 2 s bounds a loaded machine.
_fl_wait_listening() {
  wait_until 2000 _fl_listening "$1" "$2" || fail "fence_virtd does not listen on $2 within 2 s"
}

# _fl_listening SS-FLAGS ADDR:PORT. A multicast listener binds the group or
# the any-address, so for UDP only the port counts.
_fl_listening() {
  local socks
  socks=$(ip netns exec "$FL_NS" ss -H "$1" | awk '{ print $4 }')
  if [[ $1 == -lun ]]; then
    grep -q ":${2##*:}\$" <<<"$socks"
  else
    grep -qxF "$2" <<<"$socks"
  fi
}

_fl_state_is() { [[ $(fence_lab_state "$1") == "$2" ]]; }

# _fl_write_init: the init of every domain, PID 1 of its pid namespace:
#   init DOMAIN LOG RT_RUNTIME_US CMD...
# It runs CMD as a child rather than exec'ing it: PID 1 ignores every signal
# it has no handler for, and inherits every orphan. It passes SIGTERM
# (libvirt's first step of a destroy) on to CMD, and ends when CMD ends, which
# shuts the domain off.
_fl_write_init() {
  cat >"$FL_DIR/init" <<'EOF'
#!/bin/bash
# The init of a fencing-lab domain (tests/e2e/lib_fence.sh).
domain=$1 log=$2 rt=$3
shift 3
exec >>"$log" 2>&1 </dev/null
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
if [[ $rt != 0 ]]; then
  # The container sees the host's cpu hierarchy, writable: write only into
  # this domain's own cgroup, which libvirt names after it.
  g=/sys/fs/cgroup/cpu$(awk -F: '$2 == "cpu" { print $3 }' /proc/self/cgroup)
  case $g in
    /sys/fs/cgroup/cpu/machine/lxc-*-"$domain".libvirt-lxc) echo "$rt" >"$g/cpu.rt_runtime_us" ;;
    *) echo "init: $g is not the cgroup of $domain: no realtime budget" ;;
  esac
fi
"$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM
while kill -0 "$child" 2>/dev/null; do wait "$child"; done
EOF
  chmod 0755 "$FL_DIR/init"
}

# _fl_write_keeper: the command of fence_lab_node's domains, run by init:
#   keeper CMD...
# Runs CMD; when CMD ends (a crash), the domain stays up until libvirt stops
# it. It waits for CMD even after SIGTERM (libvirt's first step of a
# destroy), so that a daemon that shuts down gracefully is not cut short by
# the end of the container's PID 1.
_fl_write_keeper() {
  cat >"$FL_DIR/keeper" <<'EOF'
#!/bin/bash
# The keeper of a twinbeat node in a fencing-lab domain (tests/e2e/lib_fence.sh).
"$@" &
child=$!
term=""
trap 'term=1' TERM
while kill -0 "$child" 2>/dev/null; do wait "$child"; done
while [[ -z $term ]]; do
  sleep 1 &
  wait $!
done
EOF
  chmod 0755 "$FL_DIR/keeper"
}

FL_HOOKS=/etc/libvirt/hooks

# _fl_write_hook: --power-nics. libvirtd runs /etc/libvirt/hooks/lxc
# (read when it starts) as "lxc DOMAIN OPERATION SUB-OPERATION EXTRA" with
# the domain's XML on stdin; "stopped" runs inside the destroy, before
# libvirt reports the domain off (so before any fence agent returns), and
# "prepare" before a start. It acts only on domains with a file in
# $FL_RUN/nics (ours), and logs each action to $FL_DIR/hook.log with its
# time in ms. The directory is recorded as created: teardown removes it.
_fl_write_hook() {
  local ip
  ip=$(command -v ip)
  [[ ! -e $FL_HOOKS ]] || fail "$FL_HOOKS exists: --power-nics does not replace libvirt hooks the lab did not write"
  echo "$FL_HOOKS" >>"$FL_RUN/created"
  mkdir -p "$FL_HOOKS" "$FL_RUN/nics"
  sed -e "s|@RUN@|$FL_RUN|g" -e "s|@DIR@|$FL_DIR|g" -e "s|@IP@|$ip|g" >"$FL_HOOKS/lxc" <<'EOF'
#!/bin/bash
# fencing-lab hook (tests/e2e/lib_fence.sh --power-nics): a domain's
# network interfaces follow its power.
cat >/dev/null  # the domain's XML
dom=$1 op=$2
nics=@RUN@/nics/$dom
[[ -r $nics ]] || exit 0
exec >>@DIR@/hook.log 2>&1 </dev/null
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
IP=@IP@
{
  read -r ns
  mapfile -t keep
} <"$nics"
links=$($IP -n "$ns" -o link show | awk -F': ' '{ sub(/@.*/, "", $2); if ($2 != "lo") print $2 }')
case $op in
  stopped)
    # The power is off: the links first (nothing reaches the VIPs from
    # then on), then every address the lab did not configure.
    for l in $links; do $IP -n "$ns" link set "$l" down; done
    gone=""
    while read -r dev addr; do
      printf '%s\n' "${keep[@]}" | grep -qxF "$dev $addr" && continue
      if $IP -n "$ns" addr del "$addr" dev "$dev"; then gone+=" $addr"; fi
    done < <($IP -n "$ns" -o addr show scope global | awk '{ print $2, $4 }')
    echo "$(date +%s%3N) $dom stopped: links of $ns down ($(echo $links)); deleted:${gone:- nothing}"
    ;;
  prepare)
    for l in $links; do $IP -n "$ns" link set "$l" up; done
    echo "$(date +%s%3N) $dom prepare: links of $ns up ($(echo $links))"
    ;;
esac
exit 0
EOF
  chmod 0755 "$FL_HOOKS/lxc"
}

# _fl_remove_stale_hook: a hook a crashed lab run of another scenario left
# (the only libvirtd is not running now, or fence_lab_up would have
# refused): only our own file, alone in the directory.
_fl_remove_stale_hook() {
  [[ -e $FL_HOOKS/lxc ]] || return 0
  grep -q '^# fencing-lab hook' "$FL_HOOKS/lxc" 2>/dev/null || return 0
  [[ $(ls -A "$FL_HOOKS") == lxc ]] || return 0
  rm -rf "$FL_HOOKS"
}

# _fl_record_nics DOMAIN NETNS: what the hook keeps: the netns, then each
# address configured now ("DEV ADDR/PREFIX"), before any daemon added a VIP.
_fl_record_nics() {
  mkdir -p "$FL_RUN/nics"
  { echo "$2"; ip -n "$2" -o addr show scope global | awk '{ print $2, $4 }'; } >"$FL_RUN/nics/$1"
}

# Realtime in a domain: with RT group scheduling, a new cpu cgroup gets no RT
# bandwidth (cpu.rt_runtime_us 0), so sched_setscheduler fails with EPERM.
# The parent "machine" gets room for four domains here, and each domain's
# init gives its own cgroup FL_RT_RUNTIME_US (also after an agent's on or
# reboot, which the lab does not see). Only a "machine" this run created is
# changed.
_fl_rt_budget() {
  local m=/sys/fs/cgroup/cpu/machine want=$((4 * FL_RT_RUNTIME_US))
  [[ -e /sys/fs/cgroup/cpu/cpu.rt_runtime_us ]] || return 0  # no RT group scheduling
  grep -qxF "$m" "$FL_RUN/created" || fail "FL_RT_RUNTIME_US: $m existed before the lab; the lab leaves it alone"
  mkdir -p "$m"
  if (($(cat "$m/cpu.rt_runtime_us") < want)); then
    echo "$want" >"$m/cpu.rt_runtime_us" || fail "cannot give $m an RT budget of $want us"
  fi
}

_fl_xml_escape() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e "s/'/\&apos;/g" <<<"$1"; }

# _fl_domain_xml NAME NETNS INIT ARG...: an application container (the host's
# / is its root) sharing NETNS; persistent, so that on and reboot work after
# off.
_fl_domain_xml() {
  local name netns init arg initargs=""
  name=$(_fl_xml_escape "$1")
  netns=$(_fl_xml_escape "$2")
  init=$(_fl_xml_escape "$3")
  shift 3
  for arg in "$@"; do initargs+="    <initarg>$(_fl_xml_escape "$arg")</initarg>"$'\n'; done
  cat <<EOF
<domain type='lxc' xmlns:lxc='http://libvirt.org/schemas/domain/lxc/1.0'>
  <name>$name</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type>exe</type>
    <init>$init</init>
$initargs  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/lib/libvirt/libvirt_lxc</emulator>
    <console type='pty'/>
  </devices>
  <lxc:namespace>
    <lxc:sharenet type='netns' value='$netns'/>
  </lxc:namespace>
</domain>
EOF
}

# The command's pid: the first child of the domain's init.
_fl_command_pid() {
  local ctl init
  ctl=$(fence_lab_controller "$1")
  [[ -n $ctl ]] || return 0
  init=$(_fl_children "$ctl" | head -n 1)
  [[ -n $init ]] || return 0
  _fl_children "$init" | head -n 1
}

_fl_children() { cat /proc/"$1"/task/*/children 2>/dev/null | tr ' ' '\n' | sed '/^$/d'; }

# Every descendant of PID (not PID itself). Bounded by the process count.
_fl_descendants() {
  local queue=("$1") p c n=0
  while ((${#queue[@]} > 0 && n < 10000)); do
    p=${queue[0]}
    queue=("${queue[@]:1}")
    for c in $(_fl_children "$p"); do
      echo "$c"
      queue+=("$c")
      n=$((n + 1))
    done
  done
}

# _fl_alive PIDFILE COMM: true when PIDFILE names a live process called COMM
# (a pid reused by another program is not ours).
_fl_alive() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [[ -n $pid && $(cat "/proc/$pid/comm" 2>/dev/null) == "$2" ]] && ! tb_gone "$pid"
}

# _fl_stop PIDFILE COMM: SIGTERM, then SIGKILL after 10 s (libvirtd takes
# ~1.5 s to stop here; fence_virtd ~10 ms).
_fl_stop() {
  local pid
  _fl_alive "$1" "$2" || return 0
  pid=$(cat "$1")
  kill -TERM "$pid" 2>/dev/null || true
  if ! tb_wait_gone "$pid" 10000; then
    kill -KILL "$pid" 2>/dev/null || true
    tb_wait_gone "$pid" 3000 || true  # SIGKILL is immediate; 3 s covers PID 1's reaping
  fi
  rm -f "$1"
}

# The cgroups libvirt made for our domains: lxc-CONTROLLERPID-NAME.libvirt-lxc
# in every hierarchy, deepest first.
_fl_domain_cgroups() {
  local mem
  mem=$(_fl_memcg)
  find /sys/fs/cgroup/*/machine "/sys/fs/cgroup/memory${mem%/}/machine" -depth -type d \
    -name "lxc-*-$PFX-*.libvirt-lxc*" 2>/dev/null
  return 0
}

# What outlived libvirtd (a crashed run): controllers named in our pid
# files, and every process still in our domains' cgroups.
_fl_kill_orphans() {
  local f g pid pids=()
  for f in /run/libvirt/lxc/"$PFX"-*.pid; do
    if _fl_alive "$f" libvirt_lxc; then pids+=("$(cat "$f")"); fi
  done
  for g in $(_fl_domain_cgroups); do
    if [[ -r $g/cgroup.procs ]]; then mapfile -t -O "${#pids[@]}" pids <"$g/cgroup.procs"; fi
  done
  ((${#pids[@]} > 0)) || return 0
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do tb_wait_gone "$pid" 3000 || true; done  # PID 1's reaping: 2 s + 1 s
}

# rmdir only: a cgroup with tasks or children stays. libvirt removes most of a
# domain's cgroups on destroy, but leaves the nested memory ones.
_fl_remove_cgroups() {
  local g
  for g in $(_fl_domain_cgroups); do rmdir "$g" 2>/dev/null || true; done
}

# The directories and "machine" cgroups the run created (absent before it),
# deepest first; never one that existed before.
_fl_remove_created() {
  local d
  [[ -s $FL_RUN/created ]] || return 0
  while read -r d; do
    case $d in
      /sys/fs/cgroup/*) rmdir "$d" 2>/dev/null || true ;;
      /run/libvirt | /var/*/libvirt | /etc/libvirt/*) rm -rf "$d" ;;
    esac
  done < <(sort -r "$FL_RUN/created")
}
