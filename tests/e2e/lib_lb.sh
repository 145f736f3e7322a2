# shellcheck shell=bash
# The load-balancer topology of tests/e2e/3*.sh and of tests/bench/failover.sh
# and scale.sh: two nodes running haproxy in front of two web backends, a
# client requesting the VIP every 10 ms, and a watcher of the VIP in each
# node. Sources lib.sh (tb_init, tb_topology, nodes, status, waits) and adds:
#
#   PFX-sw:  bridge br0
#   PFX-a:   alpha, eth0 10.99.0.1/24: twinbeatd (or keepalived) and haproxy
#   PFX-b:   beta,  eth0 10.99.0.2/24: the same
#   PFX-c:   client 10.99.0.50/24: tb-probe
#   PFX-w1:  backend W1, 10.99.0.11/24: python3 http.server on :8080
#   PFX-w2:  backend W2, 10.99.0.12/24: the same
#   VIP 10.99.0.100/24 on eth0 of the node that holds the group; haproxy
#   binds VIP:80 and adds "X-Node: <node>" to every answer.
#
# One haproxy configuration serves both nodes ($TB_WORK/lb.cfg): the node's
# name comes from the environment (TWINBEAT_NODE, which twinbeatd passes to
# resource scripts), so both haresources files name the same path, as they
# must (twinbeat compares their digests).
#
# Files: /tmp/PFX.e2e/{a,b}/ as in lib.sh, plus {a,b}/vip.watch (tb-vipwatch
# watch), probe.log (tb-probe run), w1/ and w2/ (document roots and logs).

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TB_NODES=(a b c w1 w2)
TB_NODE_HOST[c]=50
TB_NODE_HOST[w1]=11
TB_NODE_HOST[w2]=12
LB_VIP=10.99.0.100
LB_HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)
# Helpers we started: backends, watchers, the probe. Each is started with
# `ip netns exec` itself (which execs), never through a shell function, so
# that $! is the helper's own pid.
declare -A LB_PID=()

# lb_init PREFIX: lib.sh's tb_init, plus the tools and packages these
# scenarios need.
lb_init() {
  local t
  for t in tb-probe tb-vipwatch; do
    [[ -x $TB_BIN/$t ]] || { echo "FAIL $TB_SCENARIO: $TB_BIN/$t missing (make tools)" >&2; exit 1; }
  done
  [[ -x $LB_HAPROXY ]] || { echo "FAIL $TB_SCENARIO: haproxy missing (tests/deps.sh test)" >&2; exit 1; }
  tb_init "$1"
}

# lb_topology: lib.sh's bridge and veths for every namespace, the backends
# serving, and the shared haproxy configuration.
lb_topology() {
  tb_topology 1
  lb_start_backends
  lb_write_haproxy_config
}

# lb_start_backends: W1 and W2 answer "backend wN" on :8080; waits until the
# client gets an answer from each (python starts well under 2 s; 5 s bounds
# a loaded machine).
lb_start_backends() {
  local w d
  for w in w1 w2; do
    d=$TB_WORK/$w
    mkdir -p "$d/www"
    echo "backend $w" >"$d/www/index.html"
    ip netns exec "$PFX-$w" "$TB_PY" -m http.server 8080 --bind "$(tb_addr "$w")" --directory "$d/www" \
      >"$d/http.log" 2>&1 </dev/null &
    LB_PID[$w]=$!
  done
  for w in w1 w2; do
    wait_until 5000 lb_client_gets "http://$(tb_addr "$w"):8080/" ||
      fail "backend $w does not answer the client within 5 s: $(tail -3 "$TB_WORK/$w/http.log")"
  done
}

# lb_client_gets URL: one request from the client succeeds (tb-probe for
# 50 ms: a handful of requests, each given 100 ms).
lb_client_gets() {
  local out
  out=$(tb_in c "$TB_BIN/tb-probe" run --url "$1" --duration-ms 50 2>/dev/null) || return 1
  [[ $out == *" ok "* ]]
}

lb_write_haproxy_config() {
  cat >"$TB_WORK/lb.cfg" <<EOF
# $TB_SCENARIO: the same file on both nodes; TWINBEAT_NODE names the node.
global
    maxconn 4000

defaults
    mode http
    timeout connect 200ms
    timeout client 2s
    timeout server 2s
    retries 1
    option redispatch

frontend lb
    bind $LB_VIP:80
    default_backend web
    http-response set-header X-Node "\${TWINBEAT_NODE}"

backend web
    balance roundrobin
    server w1 $(tb_addr w1):8080
    server w2 $(tb_addr w2):8080
EOF
  TWINBEAT_NODE=alpha "$LB_HAPROXY" -c -q -f "$TB_WORK/lb.cfg" || fail "haproxy refuses $TB_WORK/lb.cfg"
}

# lb_write_twinbeat MODE [HA.CF LINES...]: ha.cf (lib.sh's, with ucast on
# eth0 and the extra lines), authkeys, resource.d/haproxy and haresources
# for both nodes. MODE classic: haproxy starts after the VIP on the holder
# only; warm: haproxy runs on both nodes (nonlocal bind) and only the VIP
# moves (lb_start_warm_haproxy starts the standby copies).
lb_write_twinbeat() {
  local mode=$1 n d res
  shift
  local media
  mapfile -t media < <(tb_ucast_lines 0)
  tb_write_config "${media[@]}" "$@"
  res="haproxy::$TB_WORK/lb.cfg"
  [[ $mode == warm ]] && res+="::warm"
  for n in a b; do
    d=$TB_WORK/$n/conf
    mkdir -p "$d/resource.d"
    install -m 0755 "$TB_ROOT/ha.d/resource.d/haproxy" "$d/resource.d/haproxy"
    echo "alpha IPaddr2::$LB_VIP/24/eth0 $res" >"$d/haresources"
    tb_in "$n" "$TB_BIN/twinbeat" -c "$d" --node "${TB_NODE_NAME[$n]}" check >"$TB_WORK/$n/check.out" 2>&1 ||
      fail "twinbeat check refuses ${TB_NODE_NAME[$n]}'s configuration: $(cat "$TB_WORK/$n/check.out")"
  done
  # shellcheck disable=SC2034 # the group's name, for the scenarios
  LB_GROUP="IPaddr2::$LB_VIP/24/eth0"
}

# lb_start_pair MODE [HA.CF LINES...]: the usual opening of a scenario, as
# named steps: the topology, both daemons started (alpha, the preferred
# node, takes the group), the VIP watchers and the client probing, served
# by alpha.
lb_start_pair() {
  local initdead
  initdead=$(tb_ms "$TB_INITDEAD")
  step "Build the topology: alpha and beta with haproxy ($1), backends W1 and W2, a client"
  lb_topology
  lb_write_twinbeat "$@"
  [[ $1 == warm ]] && lb_start_warm_haproxy
  step "Start both daemons; alpha, the preferred node, takes the group"
  tb_start_node a
  tb_start_node b
  tb_wait_pair_up $((initdead + 1000))  # initdead + 1 s
  # A keepalive, then the VIP and haproxy's check and start; 2 s bounds it.
  lb_wait_holder a b 2000 || fail "alpha does not hold the group: $(tb_status a | tail -4 | tr '\n' ' ')"
  step "The client, requesting the VIP every 10 ms, is served by alpha"
  lb_watch_start
  lb_probe_start
  lb_wait_served a 1000 || fail "the client is not served by alpha within 1 s"  # 100 requests
}

# lb_haproxy NODE ARGS...: the haproxy resource agent as twinbeatd runs it
# on NODE (same environment, same pid file).
lb_haproxy() {
  local n=$1
  shift
  tb_in "$n" env TWINBEAT_NODE="${TB_NODE_NAME[$n]}" TWINBEAT_RUN_DIR="$TB_WORK/$n/run" \
    "$TB_WORK/$n/conf/resource.d/haproxy" "$TB_WORK/lb.cfg" "$@"
}

# lb_start_warm_haproxy: warm mode's standing haproxy on both nodes, as an
# administrator's haproxy service would run it: nonlocal bind on, haproxy
# started with the pid file the agent uses, and not marked active (the agent's
# warm start marks the group active; its warm stop clears only the mark).
lb_start_warm_haproxy() {
  local n
  for n in a b; do
    tb_in "$n" sysctl -qw net.ipv4.ip_nonlocal_bind=1
    mkdir -p "$TB_WORK/$n/run"
    lb_haproxy "$n" warm start >/dev/null || fail "haproxy does not start on ${TB_NODE_NAME[$n]}"
    lb_haproxy "$n" warm stop >/dev/null
  done
}

# lb_haproxy_pid NODE: the pid of NODE's haproxy, or nothing.
lb_haproxy_pid() {
  local f=$TB_WORK/$1/run/haproxy-lb.pid pid
  [[ -r $f ]] || return 0
  read -r pid <"$f" || return 0
  tb_gone "$pid" || echo "$pid"
}

# --- watching the VIP and the client ------------------------------------------

# lb_watch_start: a tb-vipwatch in each node's namespace, writing the VIP's
# on/off changes to {a,b}/vip.watch; returns once both watch (1 s: a
# netlink dump). They run at SCHED_FIFO 50, above the daemons, so that each
# stamps an event within a fraction of a millisecond of the kernel's
# notification: an overlap shorter than 1 ms is not told apart from that
# (tb-vipwatch both counts it as a blip, shown but not in both_ms).
lb_watch_start() {
  local n
  for n in a b; do
    mkdir -p "$TB_WORK/$n"
    rm -f "$TB_WORK/$n/vip.watch"
    ip netns exec "$PFX-$n" chrt -f 50 "$TB_BIN/tb-vipwatch" watch --addr "$LB_VIP" --out "$TB_WORK/$n/vip.watch" \
      2>>"$TB_WORK/$n/vip.watch.err" </dev/null &
    LB_PID[watch-$n]=$!
  done
  for n in a b; do
    wait_until 1000 grep -qs ' ready$' "$TB_WORK/$n/vip.watch" || fail "VIP watcher in ${TB_NODE_NAME[$n]} did not start"
  done
}

# lb_both [FROM_MS [TO_MS]]: how long the VIP was up on both nodes at once
# (tb-vipwatch both: "both_ms=N intervals=N blips=N still_both=yes|no"); TO
# defaults to now.
lb_both() {
  "$TB_BIN/tb-vipwatch" both --a "$TB_WORK/a/vip.watch" --b "$TB_WORK/b/vip.watch" \
    --addr "$LB_VIP" --from "${1:-0}" --to "${2:-$(now_ms)}"
}

# lb_probe_start: tb-probe in the client, a request every 10 ms, each
# given 100 ms, into probe.log.
lb_probe_start() {
  rm -f "$TB_WORK/probe.log"
  ip netns exec "$PFX-c" "$TB_BIN/tb-probe" run --url "http://$LB_VIP/" --every-ms 10 --timeout-ms 100 \
    --out "$TB_WORK/probe.log" 2>>"$TB_WORK/probe.err" </dev/null &
  LB_PID[probe]=$!
}

lb_probe_stop() {
  local pid=${LB_PID[probe]:-}
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  tb_wait_gone "$pid" 3000 || true  # it stops at once; 3 s covers PID 1's reaping
  wait "$pid" 2>/dev/null || true
  unset "LB_PID[probe]"
}

# lb_served_since NODE FROM_MS: true if a request that started at or after
# FROM was answered by NODE.
lb_served_since() {
  [[ -e $TB_WORK/probe.log ]] || return 1
  awk -v n="${TB_NODE_NAME[$1]}" -v from="$2" '$1 >= from && $3 == "ok" && $4 == n { found = 1; exit }
    END { exit !found }' "$TB_WORK/probe.log"
}

# lb_wait_served NODE TIMEOUT_MS: waits until the client is answered by NODE
# in a request started from now on.
lb_wait_served() {
  local from
  from=$(now_ms)
  wait_until "$2" lb_served_since "$1" "$from"
}

# lb_outage FROM_MS NODE [TO_MS]: tb-probe summary from FROM (the injection)
# to TO: "outage_ms=N failed=N requests=N longest_gap_ms=N by_node=..."
lb_outage() {
  "$TB_BIN/tb-probe" summary --in "$TB_WORK/probe.log" --from "$1" --node "${TB_NODE_NAME[$2]}" \
    ${3:+--to "$3"} || true
}

# lb_kv TEXT KEY: the value of KEY=value in TEXT.
lb_kv() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

# --- who holds the group ---------------------------------------------------------

# lb_vip_here NODE: the VIP is configured on NODE's eth0.
# (grep reads everything: with `grep -q`, ip, which flushes each address it
# prints, is killed by SIGPIPE when an address follows the VIP, and
# pipefail turns that into "no VIP".)
lb_vip_here() { ip -n "$PFX-$1" -o addr show dev eth0 | grep -F " $LB_VIP/" >/dev/null; }

# lb_holds NODE: NODE's status says it holds the group.
lb_holds() { tb_field_is "$1" groups.0.here held; }

# lb_expect_holder NODE OTHER: NODE holds the group and the VIP, OTHER holds
# neither, and each one's status says so of itself and of the other (OTHER's
# daemon may be stopped: then only its VIP is checked).
lb_expect_holder() {
  local n=$1 o=$2
  tb_expect_field "$n" groups.0.here held
  lb_vip_here "$n" || fail "${TB_NODE_NAME[$n]} holds the group but the VIP is not on its eth0"
  ! lb_vip_here "$o" || fail "the VIP is also on ${TB_NODE_NAME[$o]}'s eth0"
  if tb_running "$o"; then
    tb_expect_field "$o" groups.0.here none
    tb_expect_field "$o" groups.0.peer held
    tb_expect_field "$n" groups.0.peer none
  fi
}

# lb_wait_holder NODE OTHER TIMEOUT_MS: waits until lb_expect_holder would pass.
lb_wait_holder() {
  wait_until "$3" lb_is_holder "$1" "$2"
}

lb_is_holder() {
  local n=$1 o=$2
  lb_holds "$n" && lb_vip_here "$n" && ! lb_vip_here "$o" || return 1
  tb_running "$o" || return 0
  tb_field_is "$o" groups.0.here none && tb_field_is "$o" groups.0.peer held &&
    tb_field_is "$n" groups.0.peer none
}

# lb_report_outage FROM_MS NODE [TO_MS]: notes the client's view of the
# failover and sets LB_OUTAGE_MS (empty if NODE never answered), LB_FAILED.
# shellcheck disable=SC2034 # LB_OUTAGE_MS and LB_FAILED are for the scenarios
lb_report_outage() {
  local s
  s=$(lb_outage "$@")
  note "client: $s"
  LB_OUTAGE_MS=$(lb_kv "$s" outage_ms)
  [[ $LB_OUTAGE_MS == none ]] && LB_OUTAGE_MS=""
  LB_FAILED=$(lb_kv "$s" failed)
}

# --- keepalived (the benches) ----------------------------------------------------

# lb_keepalived_config NODE PRIORITY PEER VIP-SPEC...: VRRPv3 at 100 ms over
# unicast, as its users run it in front of haproxy. IPv4 VIPs go in
# virtual_ipaddress, IPv6 ones in virtual_ipaddress_excluded (a VRRPv3
# instance advertises one family; the others still move with it).
lb_keepalived_config() {
  local n=$1 prio=$2 peer=$3 v
  shift 3
  mkdir -p "$TB_WORK/$n"
  {
    cat <<EOF
global_defs {
  router_id tb-$n
  vrrp_version 3
  enable_script_security
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority $prio
  advert_int 0.1
  unicast_src_ip $(tb_addr "$n")
  unicast_peer {
    $(tb_addr "$peer")
  }
  virtual_ipaddress {
EOF
    for v in "$@"; do [[ $v == *:* ]] || echo "    $v dev eth0"; done
    echo "  }"
    if [[ "$*" == *:* ]]; then
      echo "  virtual_ipaddress_excluded {"
      for v in "$@"; do [[ $v == *:* ]] && echo "    $v dev eth0"; done
      echo "  }"
    fi
    echo "}"
  } >"$TB_WORK/$n/keepalived.conf"
}

# lb_start_keepalived NODE: keepalived in the foreground, logging to
# NODE/keepalived.log, its pid files in NODE's directory; TB_PID[NODE].
# A pid file left by a killed keepalived is removed first: its VRRP child is
# a zombie until PID 1 reaps it (every ~2 s here), and keepalived refuses to
# start while a listed pid exists ("daemon is already running").
lb_start_keepalived() {
  local n=$1 d=$TB_WORK/$1 pin=() f pid
  for f in keepalived vrrp checkers bfd; do
    [[ -r $d/$f.pid ]] || continue
    read -r pid <"$d/$f.pid" || pid=""
    if [[ -z $pid ]] || tb_gone "$pid"; then rm -f "$d/$f.pid"; fi
  done
  [[ -n ${TB_CPU[$n]:-} ]] && pin=(taskset -c "${TB_CPU[$n]}")
  ip netns exec "$PFX-$n" "${pin[@]}" keepalived -n -l -D -f "$d/keepalived.conf" -p "$d/keepalived.pid" \
    -r "$d/vrrp.pid" -c "$d/checkers.pid" -b "$d/bfd.pid" >>"$d/keepalived.log" 2>&1 </dev/null &
  TB_PID[$n]=$!
}

# --- ARP seen by the client -----------------------------------------------------

# lb_arp_sniff_start FILE TIMEOUT_MS: records, in the client, every ARP
# frame for TIMEOUT_MS into FILE, one line each: "MS op=N sha=MAC spa=IP
# tpa=IP" (op 1 request, 2 reply; spa == tpa is a gratuitous ARP). Returns
# once it listens; lb_arp_sniff_wait waits for it (bounded by TIMEOUT_MS).
lb_arp_sniff_start() {
  local out=$1
  rm -f "$out" "$out.ready"
  ip netns exec "$PFX-c" "$TB_PY" -c '
import socket, sys, time
timeout_ms, out = int(sys.argv[1]), sys.argv[2]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
s.bind(("eth0", 0))
s.settimeout(0.05)
open(out + ".ready", "w").close()
lines, deadline = [], time.monotonic() + timeout_ms / 1000
while time.monotonic() < deadline:
    try:
        f = s.recv(2048)
    except socket.timeout:
        continue
    if len(f) >= 42:
        lines.append("%.3f op=%d sha=%s spa=%s tpa=%s" % (time.time() * 1000, int.from_bytes(f[20:22], "big"),
                     f[22:28].hex(":"), socket.inet_ntoa(f[28:32]), socket.inet_ntoa(f[38:42])))
open(out, "w").write("".join(l + "\n" for l in lines))
' "$2" "$out" </dev/null &
  LB_PID[sniff]=$!
  wait_until 2000 test -e "$out.ready" || fail "ARP sniffer did not start"  # python starts well under 2 s
}

lb_arp_sniff_wait() {
  wait "${LB_PID[sniff]}" || fail "ARP sniffer failed"
  unset "LB_PID[sniff]"
}

# lb_mac NODE: the MAC of NODE's eth0.
lb_mac() { ip netns exec "$PFX-$1" cat /sys/class/net/eth0/address; }
