#!/usr/bin/env bash
# The fencing lab, for real: libvirtd (LXC driver) and fence_virtd on this
# machine, nodes a and b as persistent libvirt LXC domains in their network
# namespaces. From node b, fence_xvm (multicast) and fence_virt (TCP) through
# fence_virtd, then fence_twinbeat_libvirt through libvirt's API, power domain
# a off and on, and a fence kills a's processes. Unlike fence_xvm, our agent
# calls a domain that does not exist an error, never OFF.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/e2e/lib_fence.sh
. "$(dirname "$0")/lib_fence.sh"
tb_init tb40

dom_a=$PFX-a
dom_b=$PFX-b
missing=$PFX-nosuch

# agent KIND WHERE ACTION [DOMAIN]: one call; sets out, rc and ms (its time).
agent() {
  local t0
  t0=$(now_ms)
  rc=0
  out=$(fence_lab_agent "$@" 2>&1) || rc=$?
  ms=$(($(now_ms) - t0))
  local shown=$out
  if [[ $3 == metadata ]]; then shown="$(grep -c '<parameter ' <<<"$out") parameters, $(grep -c '<action ' <<<"$out") actions"; fi
  note "$1 $3${4:+ $4}: exit $rc in $ms ms${shown:+: $(tr '\n' ' ' <<<"$shown")}"
}

# expect_rc WANT WHAT
expect_rc() { ((rc == $1)) || fail "$2: exit $rc, expected $1 (output: $out)"; }

# expect_fenced DOMAIN PIDS...: shut off, and every process that ran in it
# gone or a zombie within 3 s (libvirt's SIGKILL comes at ~1.6 s; it has
# returned by now, and PID 1 reaps orphans within ~2 s, which Z covers).
expect_fenced() {
  local dom=$1 pid
  shift
  fence_lab_wait_state "$dom" "shut off" 1000 || fail "$dom is '$(fence_lab_state "$dom")', not shut off"
  for pid in "$@"; do
    tb_wait_gone "$pid" 3000 || fail "pid $pid ($(cat "/proc/$pid/comm" 2>/dev/null)) of $dom survived the fence"
  done
  note "$dom: shut off; pids $* gone or zombies"
}

# The inode of a namespace, to compare two.
ns_id() { stat -L -c %i "$1"; }

step "Against libvirt's test driver (in-process, no daemon): each action's exit code, options and stdin alike (agent timeout 5 s)"
# test:///default has one running domain, "test"; its state lives and dies
# with each agent process, so every call starts from "running".
agent_bin=$TB_BIN/fence_twinbeat_libvirt
for row in "status test 0" "off test 0" "on test 0" "reboot test 0" "list - 0" "monitor - 0" \
  "status nosuch 1" "off nosuch 1"; do
  read -r action dom want <<<"$row"
  req=$'action='"$action"$'\nuri=test:///default\ntimeout=5\n'
  [[ $dom == - ]] || req+="port=$dom"$'\n'
  rc=0
  out=$("$agent_bin" <<<"$req" 2>&1) || rc=$?
  expect_rc "$want" "stdin $action $dom"
  args=(-o "$action" --uri test:///default --timeout 5)
  [[ $dom == - ]] || args+=(-n "$dom")
  rc=0
  out=$("$agent_bin" "${args[@]}" 2>&1) || rc=$?
  expect_rc "$want" "options ${args[*]}"
done
out=$("$agent_bin" -o list --uri test:///default)
grep -q '^test,' <<<"$out" || fail "test driver list: $out"
note "status/off/on/reboot/list/monitor 0, unknown domain 1, from stdin and from options"

step "Bring up the topology and the lab: libvirtd within 10 s, fence_virtd on TCP and multicast within 2 s each"
t0=$(now_ms)
tb_topology 1
fence_lab_up --multicast
note "lab up in $(($(now_ms) - t0)) ms"

step "Start domains $dom_a and $dom_b, each running a sleep in its node's namespace (up within 5 s each)"
t0=$(now_ms)
for n in a b; do fence_lab_domain "$n" "$PFX-$n" sleep 100000; done
note "two domains up in $(($(now_ms) - t0)) ms"
for n in a b; do
  pid=${FL_PID[$n]}
  [[ $(fence_lab_state "$PFX-$n") == running ]] || fail "$PFX-$n is '$(fence_lab_state "$PFX-$n")'"
  [[ $(cat "/proc/$pid/comm") == sleep ]] || fail "$PFX-$n: pid $pid is $(cat "/proc/$pid/comm"), not sleep"
  [[ $(ns_id "/proc/$pid/ns/net") == $(ns_id "/run/netns/$PFX-$n") ]] || fail "$PFX-$n: not in netns $PFX-$n"
  [[ $(ns_id "/proc/$pid/ns/pid") != $(ns_id /proc/self/ns/pid) ]] || fail "$PFX-$n: shares our pid namespace"
  note "$PFX-$n: sleep is pid $pid, in netns $PFX-$n and a pid namespace of its own"
done

step "fence_xvm from b's namespace (multicast): status of $dom_a is ON, exit 0 (agent timeout 5 s)"
agent xvm "$PFX-b" status "$dom_a"
expect_rc 0 "fence_xvm status"

step "fence_virt from b's namespace (TCP): off $dom_a exits 0 (agent timeout 5 s)"
mapfile -t pids_a < <(fence_lab_pids "$dom_a")
agent virt "$PFX-b" off "$dom_a"
expect_rc 0 "fence_virt off"
t_off_virt=$ms

step "$dom_a is shut off and its processes are gone (1 s for the state, 3 s per pid)"
expect_fenced "$dom_a" "${pids_a[@]}"

step "Both agents through fence_virtd say status OFF, exit 2 (agent timeout 5 s)"
agent virt "$PFX-b" status "$dom_a"
expect_rc 2 "fence_virt status after off"
agent xvm "$PFX-b" status "$dom_a"
expect_rc 2 "fence_xvm status after off"

step "fence_virt on brings $dom_a back: running, with a new sleep, within 5 s"
old=${FL_PID[a]}
agent virt "$PFX-b" on "$dom_a"
expect_rc 0 "fence_virt on"
fence_lab_wait_up "$dom_a"
[[ $(fence_lab_state "$dom_a") == running ]] || fail "$dom_a is '$(fence_lab_state "$dom_a")' after on"
[[ ${FL_PID[a]} != "$old" ]] || fail "$dom_a: same pid $old after off and on"
note "$dom_a: sleep is now pid ${FL_PID[a]}"

step "fence_twinbeat_libvirt from b's namespace (libvirt API): status of $dom_a is ON, exit 0 (agent timeout 10 s)"
agent twinbeat "$PFX-b" status "$dom_a"
expect_rc 0 "our status"
[[ $out == "Status: ON" ]] || fail "our status printed '$out'"

step "fence_twinbeat_libvirt off exits 0 once $dom_a is shut off (agent timeout 10 s)"
mapfile -t pids_a < <(fence_lab_pids "$dom_a")
agent twinbeat "$PFX-b" off "$dom_a"
expect_rc 0 "our off"
t_off_ours=$ms
[[ $(fence_lab_state "$dom_a") == "shut off" ]] ||
  fail "our agent returned before $dom_a was shut off ($(fence_lab_state "$dom_a"))"
expect_fenced "$dom_a" "${pids_a[@]}"

step "fence_twinbeat_libvirt status OFF exits 2; off again (already off) exits 0 (agent timeout 10 s)"
agent twinbeat "$PFX-b" status "$dom_a"
expect_rc 2 "our status after off"
[[ $out == "Status: OFF" ]] || fail "our status printed '$out'"
agent twinbeat "$PFX-b" off "$dom_a"
expect_rc 0 "our off of an off domain"

step "A domain that does not exist: our agent exits 1 and names it, where fence_xvm says OFF, exit 2 (agent timeouts 10 s, 5 s)"
agent twinbeat "$PFX-b" status "$missing"
expect_rc 1 "our status of $missing"
[[ $out == *"domain '$missing' does not exist"* ]] || fail "our agent's message: $out"
agent xvm "$PFX-b" status "$missing"
expect_rc 2 "fence_xvm status of $missing (its known quirk)"
agent twinbeat "$PFX-b" off "$missing"
expect_rc 1 "our off of $missing"

step "list and list-status show both domains, $dom_a OFF and $dom_b ON (agent timeout 10 s)"
agent twinbeat "$PFX-b" list
expect_rc 0 "our list"
for d in "$dom_a" "$dom_b"; do grep -q "^$d," <<<"$out" || fail "list lacks $d: $out"; done
agent twinbeat "$PFX-b" list-status
expect_rc 0 "our list-status"
grep -q "^$dom_a,.*,OFF$" <<<"$out" || fail "list-status: $dom_a not OFF: $out"
grep -q "^$dom_b,.*,ON$" <<<"$out" || fail "list-status: $dom_b not ON: $out"

step "From inside domain $dom_b, as its daemon would call it: on brings $dom_a back (agent timeout 10 s, command up within 5 s)"
agent twinbeat "domain:$dom_b" on "$dom_a"
expect_rc 0 "our on from inside $dom_b"
fence_lab_wait_up "$dom_a"
agent twinbeat "domain:$dom_b" status "$dom_a"
expect_rc 0 "our status from inside $dom_b"

step "reboot replaces $dom_a's processes and it runs again (agent timeout 10 s, old pids gone within 3 s, new command within 5 s)"
mapfile -t pids_a < <(fence_lab_pids "$dom_a")
agent twinbeat "$PFX-b" reboot "$dom_a"
expect_rc 0 "our reboot"
for pid in "${pids_a[@]}"; do
  tb_wait_gone "$pid" 3000 || fail "pid $pid survived the reboot"  # PID 1 reaps within ~2 s
done
fence_lab_wait_up "$dom_a"
[[ $(fence_lab_state "$dom_a") == running ]] || fail "$dom_a is '$(fence_lab_state "$dom_a")' after reboot"

step "monitor, validate-all and metadata exit 0; a bad request exits 1, never 2 (agent timeout 10 s)"
for a in monitor validate-all metadata; do
  agent twinbeat "$PFX-b" "$a"
  expect_rc 0 "our $a"
done
rc=0
out=$(printf 'action=status\ntimeout=zero\n' | ip netns exec "$PFX-b" "$TB_BIN/fence_twinbeat_libvirt" 2>&1) || rc=$?
expect_rc 1 "a request without port and with a bad timeout"
note "bad request: $(tr '\n' ' ' <<<"$out")"
note "off took $t_off_virt ms through fence_virt, $t_off_ours ms through fence_twinbeat_libvirt"

step "Tear the lab down (each daemon: SIGTERM, then SIGKILL after 10 s): no domain, libvirtd, fence_virtd, cgroup, netns or file of ours left"
mapfile -t daemons < <(cat "$FL_RUN"/*.pid)
t0=$(now_ms)
fence_lab_down
note "teardown took $(($(now_ms) - t0)) ms"
for pid in "${daemons[@]}"; do tb_gone "$pid" || fail "daemon pid $pid still runs"; done
! virsh -q -c "$FL_URI" uri >/dev/null 2>&1 || fail "libvirtd still answers"
[[ ! -e /run/netns/$PFX-fv ]] || fail "netns $PFX-fv left"
left=$(find /sys/fs/cgroup -name "*$PFX-*" 2>/dev/null; ls -d /run/libvirt/lxc/"$PFX"-* /etc/libvirt/lxc/"$PFX"-* "$FL_RUN" 2>/dev/null || true)
[[ -z $left ]] || fail "left behind: $left"
pass
