#!/usr/bin/env bash
# The LSB init script: start, status, stop, restart and reload with their
# exit codes (0/1/3/6), a refused start on a bad configuration, a bad reload
# that leaves the daemon running; and systemd's readiness: READY=1 reaches
# $NOTIFY_SOCKET once the daemon runs (Type=notify).
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
tb_init tb50i
INIT=$TB_ROOT/init/twinbeat

step "Build two nodes; beta runs normally, alpha is driven by the init script"
tb_topology 1
mapfile -t media < <(tb_ucast_lines 0)
tb_write_config "${media[@]}"
tb_start_node b
d=$TB_WORK/a
init() {
  tb_in a env DAEMON="$TB_BIN/twinbeatd" CLI="$TB_BIN/twinbeat" CONFDIR="$d/conf" RUNDIR="$d/run" \
    NODE=alpha DAEMON_ARGS="--state-dir $d/state" "$INIT" "$@"
}
expect_rc() {  # expect_rc WANT CMD...: runs CMD, fails unless it exits WANT
  local want=$1 rc=0
  shift
  "$@" >"$TB_WORK/out" 2>&1 || rc=$?
  ((rc == want)) || fail "'$*' exited $rc, not $want: $(cat "$TB_WORK/out")"
}

step "status before start: 3 (not running)"
expect_rc 3 init status

step "start: 0, and alpha sees beta within initdead + 1 s"
expect_rc 0 init start
pid=$(cat "$d/run/twinbeatd.pid")
wait_until $(($(tb_ms "$TB_INITDEAD") + 1000)) tb_all_up a || fail "alpha does not see beta"  # initdead + 1 s

step "start again: 0, already running, same pid"
expect_rc 0 init start
grep -q "already running (pid $pid)" "$TB_WORK/out" || fail "$(cat "$TB_WORK/out")"

step "status: 0 (running)"
expect_rc 0 init status

step "reload with a bad ha.cf: 6, the error named, the daemon still running"
cp "$d/conf/ha.cf" "$TB_WORK/ha.cf.good"
echo "deadtime 2x" >>"$d/conf/ha.cf"
expect_rc 6 init reload
grep -q "ha.cf:[0-9]*: deadtime: '2x' is not a time" "$TB_WORK/out" || fail "no FILE:LINE error: $(cat "$TB_WORK/out")"
tb_gone "$pid" && fail "the daemon died on a refused reload"

step "restart with the bad ha.cf: stops, then the refused start's 6"
expect_rc 6 init restart
tb_wait_gone "$pid" 3000 || fail "the old daemon is still there"  # reaping: PID 1's 2 s + 1 s
expect_rc 3 init status

step "start with the good ha.cf again: 0; stop: 0 and the process is gone"
cp "$TB_WORK/ha.cf.good" "$d/conf/ha.cf"
expect_rc 0 init start
pid=$(cat "$d/run/twinbeatd.pid")
expect_rc 0 init stop
tb_wait_gone "$pid" 3000 || fail "pid $pid survived stop"  # stop waited for it; PID 1 reaps within 2 s
expect_rc 0 init stop  # stopping a stopped service succeeds (LSB)

step "A missing ha.cf: start exits 6"
mv "$d/conf/ha.cf" "$d/conf/ha.cf.away"
expect_rc 6 init start
mv "$d/conf/ha.cf.away" "$d/conf/ha.cf"

step "Unknown action: 2"
expect_rc 2 init frobnicate

step "Type=notify: READY=1 reaches NOTIFY_SOCKET once the daemon is up"
python3 - "$TB_WORK/notify.sock" >"$TB_WORK/notify.out" 2>&1 <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(10)  # the daemon is ready well within initdead
try:
    while True:
        msg = s.recv(4096).decode()
        print(msg, flush=True)
        if "READY=1" in msg:
            break
except socket.timeout:
    print("timeout")
PY
listener=$!
wait_until 2000 test -S "$TB_WORK/notify.sock" || fail "the test's notify socket did not appear"
tb_in a env NOTIFY_SOCKET="$TB_WORK/notify.sock" "$TB_BIN/twinbeatd" -f -c "$d/conf" --node alpha \
  --state-dir "$d/state" --run-dir "$d/run" >>"$d/stderr" 2>&1 </dev/null &
TB_PID[a]=$!
wait "$listener" || true
grep -q "READY=1" "$TB_WORK/notify.out" || fail "no READY=1: $(cat "$TB_WORK/notify.out")"
note "$(tr '\n' ' ' <"$TB_WORK/notify.out")"
pass
