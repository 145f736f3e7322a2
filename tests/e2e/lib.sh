# shellcheck shell=bash
# Shared helpers of the e2e scenarios: a two-node cluster in network
# namespaces, nodes started and stopped by pid, bounded waits, status fields,
# and step / pass / fail lines. Sourced by tests/e2e/NN-*.sh; runs as root.
#
# Topology built by tb_topology (PFX is the scenario's prefix, e.g. tb04k):
#
#   PFX-sw: bridge br0 (link 1), and br1 (link 2) when asked for
#   PFX-a:  node alpha, eth0 10.99.0.1/24 [eth1 10.99.1.1/24]
#   PFX-b:  node beta,  eth0 10.99.0.2/24 [eth1 10.99.1.2/24]
#   PFX-x:  attacker / observer, eth0 10.99.0.3/24 [eth1 10.99.1.3/24]
#
# Every veth is created inside the switch namespace with its other end moved
# straight into its node's namespace: nothing is made in the host's own.
#
# Each node's files live in /tmp/PFX.e2e/{a,b}/ (conf/, state/, run/,
# node.log, stderr). A failing run keeps them; TB_KEEP=1 keeps a passing one's.

TB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TB_BIN=${TB_BIN:-$TB_ROOT/build/bin}
TB_NODES=(a b x)
declare -A TB_NODE_NAME=([a]=alpha [b]=beta)
declare -A TB_NODE_HOST=([a]=1 [b]=2 [x]=3)
declare -A TB_PID=()
TB_STEP=0
TB_SCENARIO=$(basename "$0" .sh)

# Shared defaults; a scenario may change them before tb_write_config.
TB_SECRET=e2e-secret-0123456789abcdef
TB_KEEPALIVE=50ms
TB_WARNTIME=150ms
TB_DEADTIME=500ms
TB_INITDEAD=1s
TB_REALTIME=off

# Debian's python3: a pyenv shim on PATH costs half a second per call.
TB_PY=/usr/bin/python3
[[ -x $TB_PY ]] || TB_PY=python3

now_ms() { date +%s%3N; }

# --- output -------------------------------------------------------------

TB_T0=$(now_ms)

step() {
  TB_STEP=$((TB_STEP + 1))
  printf '  [%6.2fs] step %d: %s\n' "$(tb_elapsed)" "$TB_STEP" "$*"
}

note() { printf '           %s\n' "$*"; }

tb_elapsed() {
  local t
  t=$(now_ms)
  awk -v d=$((t - TB_T0)) 'BEGIN { printf "%.2f", d / 1000 }'
}

# Prints the reason, the tail of every node's log, and exits 1 (the EXIT
# trap cleans up).
fail() {
  printf 'FAIL %s: step %d: %s\n' "$TB_SCENARIO" "$TB_STEP" "$*"
  tb_dump_logs
  exit 1
}

pass() {
  printf 'PASS %s (%ss)\n' "$TB_SCENARIO" "$(tb_elapsed)"
  exit 0
}

# The tail of each node's log, and what its stderr holds besides log lines
# (start-up errors, a crash).
tb_dump_logs() {
  local n f other
  for n in a b; do
    f=$TB_WORK/$n/node.log
    if [[ -s $f ]]; then
      echo "---- tail of $f"
      tail -n 25 "$f"
    fi
    f=$TB_WORK/$n/stderr
    [[ -s $f ]] || continue
    other=$(grep -v ' twinbeatd\[[0-9]*\]: ' "$f" | tail -n 15 || true)
    [[ -z $other ]] || printf -- '---- %s, other than log lines:\n%s\n' "$f" "$other"
  done
}

# --- set-up and clean-up --------------------------------------------------

# tb_init PREFIX: names everything after PREFIX, removes what a crashed run of
# the same scenario left, and arranges the clean-up at exit.
tb_init() {
  PFX=$1
  [[ $(id -u) == 0 ]] || { echo "FAIL $TB_SCENARIO: needs root (network namespaces)" >&2; exit 1; }
  for b in twinbeatd twinbeat twinbeat-executor tb-inject; do
    [[ -x $TB_BIN/$b ]] || { echo "FAIL $TB_SCENARIO: $TB_BIN/$b missing (make && make tools)" >&2; exit 1; }
  done
  tb_remove_namespaces
  rm -rf "/tmp/$PFX.e2e"
  TB_WORK=/tmp/$PFX.e2e
  mkdir -p "$TB_WORK"
  trap tb_cleanup EXIT
  trap 'exit 130' INT TERM
  echo "== $TB_SCENARIO (prefix $PFX, work dir $TB_WORK)"
}

# Kills what runs in our namespaces (only ours: they carry our prefix), then
# deletes the namespaces, whose veths and bridges go with them.
tb_remove_namespaces() {
  local ns pid pids path
  for path in /run/netns/"$PFX"-*; do
    [[ -e $path ]] || continue
    ns=${path##*/}
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done
    for pid in $pids; do tb_wait_gone "$pid" 3000 || true; done  # reaping: PID 1's 2 s + 1 s
    ip netns del "$ns" 2>/dev/null || true
  done
}

tb_cleanup() {
  local rc=$? n
  trap - EXIT
  # Quiet from here: bash would report each node killed below as "Killed".
  exec 2>/dev/null
  for n in "${!TB_PID[@]}"; do tb_kill_node "$n" >/dev/null 2>&1 || true; done
  tb_remove_namespaces
  if [[ $rc == 0 && -z ${TB_KEEP:-} ]]; then rm -rf "$TB_WORK"; fi
  exit "$rc"
}

# tb_topology LINKS: the namespaces, bridge(s) and veths; 1 gives eth0, 2
# adds link 2 (eth1).
tb_topology() {
  local links=$1 n l
  ip netns add "$PFX-sw"
  for n in "${TB_NODES[@]}"; do ip netns add "$PFX-$n"; done
  ip -n "$PFX-sw" link set lo up
  for ((l = 0; l < links; l++)); do
    ip -n "$PFX-sw" link add "br$l" type bridge
    ip -n "$PFX-sw" link set "br$l" up
    for n in "${TB_NODES[@]}"; do tb_plug "$n" "$l"; done
  done
  for n in "${TB_NODES[@]}"; do ip -n "$PFX-$n" link set lo up; done
}

# tb_plug NODE LINK: a veth "ethLINK" in NODE's namespace, into bridge brLINK,
# with address 10.99.LINK.HOST/24. Also used to re-create a deleted one.
tb_plug() {
  local n=$1 l=$2
  ip -n "$PFX-sw" link add "$n$l" type veth peer name "eth$l" netns "$PFX-$n"
  ip -n "$PFX-sw" link set "$n$l" master "br$l" up
  ip -n "$PFX-$n" addr add "10.99.$l.${TB_NODE_HOST[$n]}/24" dev "eth$l"
  ip -n "$PFX-$n" link set "eth$l" up
}

# tb_unplug NODE LINK: deletes the veth pair (both ends go).
tb_unplug() {
  ip -n "$PFX-sw" link del "$1$2"
}

# Address of NODE on LINK (default 0).
tb_addr() { echo "10.99.${2:-0}.${TB_NODE_HOST[$1]}"; }

# tb_in NODE CMD...: runs CMD in NODE's namespace.
tb_in() {
  local n=$1
  shift
  ip netns exec "$PFX-$n" "$@"
}

# tb_write_config MEDIA...: the same ha.cf, authkeys and directories for both
# nodes; each argument is one media line (e.g. "ucast eth0 10.99.0.1").
tb_write_config() {
  local n d m
  for n in a b; do
    d=$TB_WORK/$n
    mkdir -p "$d/conf" "$d/state" "$d/run"
    {
      echo "# $TB_SCENARIO: node ${TB_NODE_NAME[$n]}"
      echo "logfile $d/node.log"
      echo "keepalive $TB_KEEPALIVE"
      echo "warntime $TB_WARNTIME"
      echo "deadtime $TB_DEADTIME"
      echo "initdead $TB_INITDEAD"
      echo "udpport 694"
      for m in "$@"; do echo "$m"; done
      echo "node alpha beta"
      echo "crm no"
      echo "realtime $TB_REALTIME"
    } >"$d/conf/ha.cf"
    tb_write_authkeys "$d/conf/authkeys" "$TB_SECRET"
  done
}

# The two ucast lines both nodes share (each ignores the one naming itself).
tb_ucast_lines() {
  local l=${1:-0}
  echo "ucast eth$l $(tb_addr a "$l")"
  echo "ucast eth$l $(tb_addr b "$l")"
}

tb_write_authkeys() {
  local file=$1 secret=$2
  printf 'auth 1\n1 sha256 %s\n' "$secret" >"$file"
  chown root:root "$file"
  chmod 0600 "$file"
}

# --- nodes ------------------------------------------------------------------

# tb_start_node NODE: starts twinbeatd in the foreground in NODE's namespace;
# its pid is TB_PID[NODE] (ip netns exec execs, so it is twinbeatd's own).
# TB_CPU[NODE], if set, pins it to that CPU (taskset execs too): the bench
# gives each node a core of its own, as two machines would have.
declare -A TB_CPU=()
tb_start_node() {
  local n=$1 d=$TB_WORK/$1 pin=()
  [[ -n ${TB_CPU[$n]:-} ]] && pin=(taskset -c "${TB_CPU[$n]}")
  ip netns exec "$PFX-$n" "${pin[@]}" "$TB_BIN/twinbeatd" -f -c "$d/conf" --node "${TB_NODE_NAME[$n]}" \
    --state-dir "$d/state" --run-dir "$d/run" >>"$d/stderr" 2>&1 </dev/null &
  TB_PID[$n]=$!
}

# True when PID has exited: absent, or a zombie not reaped yet. (kill -0
# succeeds on a zombie, and PID 1 here reaps orphans only every ~2 s.)
tb_gone() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  stat=${stat##*) }
  [[ ${stat%% *} == Z || ${stat%% *} == X ]]
}

# tb_wait_gone PID TIMEOUT_MS
tb_wait_gone() {
  local pid=$1 deadline=$(($(now_ms) + $2))
  while ! tb_gone "$pid"; do
    (($(now_ms) < deadline)) || return 1
    sleep 0.01
  done
}

tb_running() { [[ -n ${TB_PID[$1]:-} ]] && ! tb_gone "${TB_PID[$1]}"; }

# The pids of NODE's daemon: twinbeatd and its children (the executor).
tb_node_pids() {
  local pid=${TB_PID[$1]:-} c
  [[ -n $pid ]] || return 0
  echo "$pid"
  for c in /proc/"$pid"/task/*/children; do
    if [[ -r $c ]]; then tr ' ' '\n' <"$c" 2>/dev/null | sed '/^$/d'; fi
  done
  return 0
}

# tb_stop_node NODE: SIGTERM, then SIGKILL if it has not stopped within 5 s
# (a clean stop closes a few fds and the executor: well under a second).
# Returns twinbeatd's exit status.
tb_stop_node() {
  local n=$1 pid=${TB_PID[$1]} rc=0
  kill -TERM "$pid" 2>/dev/null || true
  if ! tb_wait_gone "$pid" 5000; then
    kill -KILL "$pid" 2>/dev/null || true
    tb_wait_gone "$pid" 3000 || true
  fi
  wait "$pid" 2>/dev/null || rc=$?
  unset "TB_PID[$n]"
  return "$rc"
}

# tb_kill_node NODE: SIGKILL twinbeatd (its executor follows it by itself,
# which is the executor's business; tb_remove_namespaces sweeps what stays).
tb_kill_node() {
  local n=$1 pid=${TB_PID[$1]}
  kill -KILL "$pid" 2>/dev/null || true
  tb_wait_gone "$pid" 3000 || true  # SIGKILL is immediate; 3 s covers PID 1's reaping
  wait "$pid" 2>/dev/null || true
  unset "TB_PID[$n]"
}

# --- status -------------------------------------------------------------------

# tb_status NODE [--json]: `twinbeat status` in NODE's namespace.
tb_status() {
  local n=$1
  shift
  tb_in "$n" "$TB_BIN/twinbeat" --run-dir "$TB_WORK/$n/run" status "$@"
}

# tb_fields NODE PATH...: fields of one `status --json`, one per line. A
# PATH is dot-separated; a list is indexed by number or by label
# ("links.eth1.auth_failed"). Fails, printing nothing, if the daemon does not
# answer or a field is absent.
tb_fields() {
  local json n=$1
  shift
  json=$(tb_status "$n" --json 2>/dev/null) || return 1
  "$TB_PY" -c '
import json, sys
status = json.loads(sys.argv[1])
out = []
for path in sys.argv[2:]:
    v = status
    for part in path.split("."):
        if isinstance(v, list):
            v = v[int(part)] if part.isdigit() else next(x for x in v if x.get("label") == part)
        else:
            v = v[part]
    out.append(json.dumps(v) if v is None or isinstance(v, (dict, list, bool)) else str(v))
print("\n".join(out))
' "$json" "$@" 2>/dev/null
}

# tb_field NODE PATH: one field.
tb_field() { tb_fields "$1" "$2"; }

# --- bounded waits ------------------------------------------------------------

# tb_log_lines NODE: how many lines NODE's log has now (a mark for
# wait_for_log's FROM_LINE).
tb_log_lines() {
  local f=$TB_WORK/$1/node.log
  [[ -e $f ]] || { echo 0; return; }
  wc -l <"$f"
}

# wait_for_log FILE PATTERN TIMEOUT_MS [FROM_LINE]: waits until a line after
# FROM_LINE (default 0) contains PATTERN (fixed string). Polls every 5 ms.
wait_for_log() {
  local file=$1 pattern=$2 deadline=$(($(now_ms) + $3)) from=${4:-0}
  while :; do
    if [[ -e $file ]] && (($(tb_count_in "$file" "$pattern" "$from") > 0)); then
      return 0
    fi
    (($(now_ms) < deadline)) || return 1
    sleep 0.005
  done
}

# tb_count_in FILE PATTERN FROM_LINE: lines after FROM_LINE containing
# PATTERN, a fixed string. (No pipe: `tail | grep -q` fails under pipefail
# when grep quits before tail has written everything.)
tb_count_in() {
  PATTERN=$2 awk -v from="$3" 'NR > from && index($0, ENVIRON["PATTERN"]) { n++ } END { print n + 0 }' "$1"
}

# tb_wait_log NODE PATTERN TIMEOUT_MS [FROM_LINE]: wait_for_log on NODE's log.
tb_wait_log() { wait_for_log "$TB_WORK/$1/node.log" "$2" "$3" "${4:-0}"; }

# tb_log_count NODE PATTERN [FROM_LINE]: lines matching PATTERN (fixed string).
tb_log_count() {
  local f=$TB_WORK/$1/node.log
  [[ -e $f ]] || { echo 0; return; }
  tb_count_in "$f" "$2" "${3:-0}"
}

# wait_until TIMEOUT_MS CMD...: runs CMD every 20 ms until it succeeds.
wait_until() {
  local deadline=$(($(now_ms) + $1))
  shift
  while ! "$@"; do
    (($(now_ms) < deadline)) || return 1
    sleep 0.02
  done
}

# tb_field_is NODE PATH VALUE: for wait_until.
tb_field_is() { [[ $(tb_field "$1" "$2") == "$3" ]]; }

# tb_wait_field NODE PATH VALUE TIMEOUT_MS
tb_wait_field() { wait_until "$4" tb_field_is "$1" "$2" "$3"; }

# tb_expect_field NODE PATH VALUE: fails the scenario unless it holds now.
tb_expect_field() {
  local v
  v=$(tb_field "$1" "$2") || fail "node ${TB_NODE_NAME[$1]}: no status field $2"
  [[ $v == "$3" ]] || fail "node ${TB_NODE_NAME[$1]}: $2 is '$v', expected '$3'"
}

# tb_expect_no_log NODE PATTERN [FROM_LINE]
tb_expect_no_log() {
  local c
  c=$(tb_log_count "$1" "$2" "${3:-0}")
  ((c == 0)) || fail "node ${TB_NODE_NAME[$1]} logged '$2' ($c time(s))"
}

# tb_wait_pair_up TIMEOUT_MS: both nodes see the peer up and every link up.
tb_wait_pair_up() {
  local n
  for n in a b; do
    wait_until "$1" tb_all_up "$n" ||
      fail "node ${TB_NODE_NAME[$n]} does not see its peer and links up: $(tb_status "$n" 2>&1 | tr '\n' ' ')"
  done
}

# tb_all_up NODE: peer up and every link up, in one status read.
tb_all_up() {
  local json
  json=$(tb_status "$1" --json 2>/dev/null) || return 1
  "$TB_PY" -c '
import json, sys
s = json.loads(sys.argv[1])
ok = s["peer"]["state"] == "up" and s["links"] and all(l["state"] == "up" for l in s["links"])
sys.exit(0 if ok else 1)
' "$json"
}

# Milliseconds of the configured timers (TB_KEEPALIVE etc.: "50ms" or "1s").
tb_ms() {
  case $1 in
    *ms) echo "${1%ms}" ;;
    *s) echo $((${1%s} * 1000)) ;;
    *) echo $(($1 * 1000)) ;;
  esac
}

# tb_expect_traffic LINK: on both nodes, LINK's packets_in and packets_out
# grow by at least half of what the keepalive promises over one second, and
# nothing on it was dropped as bad, unauthenticated or replayed.
tb_expect_traffic() {
  local link=$1 n t0 t1 i0 o0 i1 o1 want
  declare -A before=() at=()
  for n in a b; do
    before[$n]=$(tb_fields "$n" "links.$link.packets_in" "links.$link.packets_out" | paste -sd' ') ||
      fail "${TB_NODE_NAME[$n]}: no status"
    at[$n]=$(now_ms)
  done
  sleep 1  # 20 keepalives of 50 ms
  for n in a b; do
    read -r i0 o0 <<<"${before[$n]}"
    read -r i1 o1 < <(tb_fields "$n" "links.$link.packets_in" "links.$link.packets_out" | paste -sd' ')
    t1=$(now_ms)
    t0=${at[$n]}
    want=$(((t1 - t0) / $(tb_ms "$TB_KEEPALIVE") / 2))
    note "${TB_NODE_NAME[$n]} $link over $((t1 - t0)) ms: in +$((i1 - i0)), out +$((o1 - o0)) (at least $want each)"
    ((i1 - i0 >= want)) || fail "${TB_NODE_NAME[$n]}: packets_in grew by $((i1 - i0)), expected >= $want"
    ((o1 - o0 >= want)) || fail "${TB_NODE_NAME[$n]}: packets_out grew by $((o1 - o0)), expected >= $want"
    for c in bad auth_failed replayed; do tb_expect_field "$n" "links.$link.$c" 0; done
  done
}

# --- timing a log line to the millisecond ------------------------------------

# tb_watch_start FILE PATTERN TIMEOUT_MS: starts a watcher that reads FILE
# from its current end every millisecond and notes the wall time (epoch ms)
# at which a line containing PATTERN appears. Returns once it is watching.
# tb_watch_result VAR then sets VAR to that time, or fails if none came in
# TIMEOUT_MS. (Not in $(...): only this shell can wait for the watcher.)
tb_watch_start() {
  local file=$1 pattern=$2 timeout=$3
  TB_WATCH_OUT=$TB_WORK/watch.$$.$RANDOM
  rm -f "$TB_WATCH_OUT" "$TB_WATCH_OUT.ready"
  "$TB_PY" -c '
import sys, time
path, pattern, timeout_ms, out = sys.argv[1], sys.argv[2].encode(), int(sys.argv[3]), sys.argv[4]
f = open(path, "rb")
f.seek(0, 2)
open(out + ".ready", "w").close()
deadline = time.monotonic() + timeout_ms / 1000
partial = b""
while time.monotonic() < deadline:
    chunk = f.read()
    if not chunk:
        time.sleep(0.001)
        continue
    lines = (partial + chunk).split(b"\n")
    partial = lines.pop()
    if any(pattern in line for line in lines):
        with open(out, "w") as o:
            o.write("%d\n" % int(time.time() * 1000))
        sys.exit(0)
sys.exit(1)
' "$file" "$pattern" "$timeout" "$TB_WATCH_OUT" &
  TB_WATCH_PID=$!
  # Python starts in well under a second; 2 s bounds a loaded machine.
  wait_until 2000 test -e "$TB_WATCH_OUT.ready" || fail "log watcher did not start"
}

# shellcheck disable=SC2034 # result is the caller's variable (a nameref)
tb_watch_result() {
  local -n result=$1
  local rc=0
  wait "$TB_WATCH_PID" 2>/dev/null || rc=$?  # bounded by the watcher's own timeout
  result=""
  if ((rc == 0)); then result=$(cat "$TB_WATCH_OUT"); fi
  rm -f "$TB_WATCH_OUT" "$TB_WATCH_OUT.ready"
  return "$rc"
}

# --- packets from the attacker ----------------------------------------------

# tb_inject NODE ARGS...: build/bin/tb-inject in NODE's namespace.
tb_inject() {
  local n=$1
  shift
  tb_in "$n" "$TB_BIN/tb-inject" "$@"
}

# tb_capture_from NODE SENDER FILE: saves one real heartbeat of SENDER as
# NODE receives it. Bounded by 1 s: twenty keepalives.
tb_capture_from() {
  tb_inject "$1" capture --port 694 --from "$(tb_addr "$2")" --out "$3" --timeout-ms 1000 >/dev/null ||
    fail "no heartbeat from ${TB_NODE_NAME[$2]} reached ${TB_NODE_NAME[$1]} within 1 s"
}

# tb_show FILE FIELD: one field of a saved packet, decoded with the cluster key.
tb_show() {
  "$TB_BIN/tb-inject" show --in "$1" --key-id 1 --method sha256 --secret "$TB_SECRET" |
    tr ' ' '\n' | sed -n "s/^$2=//p"
}

# tb_counters NODE LINK: "bad auth_failed replayed packets_in" of LINK.
tb_counters() {
  tb_fields "$1" "links.$2.bad" "links.$2.auth_failed" "links.$2.replayed" "links.$2.packets_in" |
    paste -sd' '
}

# tb_wait_drops NODE LINK BAD AUTH REPLAYED TIMEOUT_MS: waits until LINK's drop
# counters reach at least these values, then fails unless they are exactly them.
tb_wait_drops() {
  local n=$1 link=$2 want="$3 $4 $5" got deadline=$(($(now_ms) + $6)) bad auth rep _
  while :; do
    got=$(tb_counters "$n" "$link") || fail "${TB_NODE_NAME[$n]}: no status"
    read -r bad auth rep _ <<<"$got"
    ((bad >= $3 && auth >= $4 && rep >= $5)) && break
    (($(now_ms) < deadline)) || break
    sleep 0.05
  done
  [[ "$bad $auth $rep" == "$want" ]] ||
    fail "${TB_NODE_NAME[$n]} $link: bad/auth_failed/replayed are $bad/$auth/$rep, expected ${want// //}"
}
