#!/usr/bin/env bash
# The control socket: `twinbeat status` exits 3 with no daemon; a non-root
# client is refused ("permission denied") both by the socket's mode and by
# the daemon's own credential check; malformed, oversized and stalled
# requests get an "error:" reply or are dropped, and the daemon keeps running.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
tb_init tb11s

step "Build two nodes over ucast on eth0"
tb_topology 1
mapfile -t media < <(tb_ucast_lines 0)
tb_write_config "${media[@]}"
sock=$TB_WORK/a/run/control

step "'twinbeat status' with no daemon ever started exits 3"
rc=0
out=$(tb_status a 2>&1) || rc=$?
((rc == 3)) || fail "status exited $rc with no daemon, expected 3: $out"

step "Start both nodes; 'twinbeat status' exits 0; the socket is root-only (0600)"
tb_start_node a
tb_start_node b
tb_wait_pair_up $(($(tb_ms "$TB_INITDEAD") + 1000))  # initdead + 1 s
tb_status a >/dev/null || fail "status exited non-zero against a running daemon"
mode=$(stat -c '%a %U' "$sock")
[[ $mode == "600 root" ]] || fail "control socket is '$mode', expected '600 root'"
rc=0
tb_status a bogus >/dev/null 2>&1 || rc=$?
((rc == 2)) || fail "'twinbeat status bogus' exited $rc, expected 2"

step "A non-root client (uid 65534) is told 'permission denied'"
rc=0
out=$(tb_in a setpriv --reuid=65534 --regid=65534 --clear-groups \
  "$TB_BIN/twinbeat" --run-dir "$TB_WORK/a/run" status 2>&1) || rc=$?
note "uid 65534: exit $rc: $out"
((rc != 0)) || fail "a non-root client got a status: $out"
grep -qi "permission denied" <<<"$out" || fail "no 'permission denied' for uid 65534: $out"

# request MODE: one raw exchange with alpha's control socket, in Python, as
# uid 0 unless MODE says otherwise; prints the reply (or "<closed>").
request() {
  tb_in a "$TB_PY" - "$sock" "$1" <<'PY'
import ctypes, os, socket, sys, time
path, mode = sys.argv[1], sys.argv[2]
if mode == "nonroot-with-dac-override":
    # uid 65534 that keeps CAP_DAC_OVERRIDE: passes the socket file's mode,
    # so only the daemon's SO_PEERCRED check stands in the way.
    libc = ctypes.CDLL(None, use_errno=True)
    os.setgroups([])
    os.setresgid(65534, 65534, 65534)
    if libc.prctl(8, 1, 0, 0, 0) != 0:  # PR_SET_KEEPCAPS
        sys.exit("prctl failed")
    os.setresuid(65534, 65534, 65534)
    caps = (1 << 1) | (1 << 2)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)
    data = (ctypes.c_uint32 * 6)(caps, caps, 0, 0, 0, 0)
    if libc.capset(header, data) != 0:
        sys.exit("capset failed: errno %d" % ctypes.get_errno())
    payload = b"status\n"
elif mode == "unknown":
    payload = b"frobnicate the cluster\n"
elif mode == "empty":
    payload = b"\n"
elif mode == "binary":
    payload = bytes(range(256)) + b"\n"
elif mode == "oversized":
    payload = b"status " + b"x" * 10000  # no newline: more than 4096 bytes
elif mode == "status-with-junk":
    payload = b"status json please\n"
else:
    sys.exit("unknown mode " + mode)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(3)  # the daemon answers at once; 3 s flags a hang
s.connect(path)
try:
    s.sendall(payload)
except (BrokenPipeError, ConnectionResetError):
    pass
reply = b""
try:
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        reply += chunk
except (socket.timeout, ConnectionResetError):
    pass
print(reply.decode(errors="replace").strip() or "<closed>")
PY
}

step "A non-root client that gets past the socket's mode is refused by the daemon itself"
out=$(request nonroot-with-dac-override 2>&1) || fail "client failed: $out"
note "reply: $out"
[[ $out == "error: permission denied"* ]] || fail "daemon answered a uid 65534 client with: $out"

step "Unknown, empty, binary and over-long requests each get an 'error:' reply"
for mode in unknown empty binary status-with-junk oversized; do
  out=$(request "$mode" 2>&1 | tr -d '\0') || fail "$mode: client failed: $out"
  note "$mode: $(head -c 100 <<<"$out")"
  [[ $out == error:* ]] || fail "$mode request got: $out"
done

step "A client that connects and stalls does not block others, and is dropped within 5 s + 1 s"
tb_in a "$TB_PY" - "$sock" >"$TB_WORK/stalled.out" 2>&1 <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(b"sta")  # no newline, then silence
s.settimeout(10)  # 2 x the daemon's 5 s client timeout
t0 = time.monotonic()
try:
    data = s.recv(4096)
    print("closed after %.1f s, got %r" % (time.monotonic() - t0, data))
except socket.timeout:
    print("still open after 10 s")
PY
stalled=$!
sleep 0.2  # let it connect
tb_status a >/dev/null || fail "status failed while another client stalls"
for i in $(seq 50); do  # 50 quick connections that send nothing and close
  tb_in a "$TB_PY" -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.close()' "$sock" ||
    fail "connection $i refused"
done
wait "$stalled" 2>/dev/null || true  # bounded by its own 10 s timeout
note "stalled client: $(cat "$TB_WORK/stalled.out")"
grep -qE "^closed after [0-6]\.[0-9] s" "$TB_WORK/stalled.out" || fail "stalled client: $(cat "$TB_WORK/stalled.out")"

step "The daemon is still running, answers, and still sees its peer"
tb_running a || fail "alpha's twinbeatd is gone"
tb_expect_field a peer.state up
tb_expect_no_log a "is dead"
tb_expect_no_log b "is dead"

step "After SIGKILL (a stale socket file stays), 'twinbeat status' exits 3"
tb_kill_node a
rc=0
out=$(tb_status a 2>&1) || rc=$?
((rc == 3)) || fail "status exited $rc against a killed daemon, expected 3: $out"

step "After a clean stop the socket is removed and 'twinbeat status' exits 3"
tb_start_node a
# The killed daemon's socket file is still there: wait for an answer, not a file.
wait_until 2000 tb_status a >/dev/null 2>&1 || fail "alpha does not answer after a restart"  # start-up: well under 2 s
tb_stop_node a || fail "alpha did not stop cleanly"
[[ ! -e $sock ]] || fail "control socket left behind after a clean stop"
rc=0
out=$(tb_status a 2>&1) || rc=$?
((rc == 3)) || fail "status exited $rc against a stopped daemon, expected 3: $out"
pass
