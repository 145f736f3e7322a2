#!/usr/bin/env bash
# A bad configuration is refused with every problem listed as FILE:LINE:
# message, by `twinbeat check` and by twinbeatd alike (exit 6, LSB "not
# configured"); an authkeys file others can read is refused; a good one passes.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
tb_init tb10c

step "Build alpha's namespace (its eth0 exists, eth9 does not) and a good configuration"
tb_topology 1
mapfile -t media < <(tb_ucast_lines 0)
tb_write_config "${media[@]}"
conf=$TB_WORK/a/conf
cp "$conf/ha.cf" "$TB_WORK/good.ha.cf"

# check_cmd: `twinbeat check` of alpha's directory, in alpha's namespace;
# sets out and rc.
check_cmd() {
  rc=0
  out=$(tb_in a "$TB_BIN/twinbeat" -c "$conf" --node "${1:-alpha}" check 2>&1) || rc=$?
}
# daemon_cmd: twinbeatd on the same directory, bounded: a refused config
# exits at once, so 10 s only catches a daemon that started by mistake.
daemon_cmd() {
  rc=0
  out=$(timeout 10 ip netns exec "$PFX-a" "$TB_BIN/twinbeatd" -f -c "$conf" --node alpha \
    --state-dir "$TB_WORK/a/state" --run-dir "$TB_WORK/a/run" 2>&1 </dev/null) || rc=$?
}
# expect_lines PATTERN...: each pattern (extended regex) matches a line of $out.
expect_lines() {
  local p
  for p in "$@"; do
    grep -qE -- "$p" <<<"$out" || fail "no line matching '$p' in:"$'\n'"$out"
  done
}

step "The good configuration passes 'twinbeat check' (exit 0)"
check_cmd
((rc == 0)) || fail "check exited $rc on a good config:"$'\n'"$out"
expect_lines "^$conf: ok: node alpha, peer beta, 1 link\(s\)"

step "An ha.cf with five errors: 'twinbeat check' lists all five with their lines, exit 6"
cat >"$conf/ha.cf" <<CF
logfile $TB_WORK/a/node.log
keepalive 2s
deadtime 1s
warntime 5s
initdead 500ms
frobnicate yes
udpport 99999
$(tb_ucast_lines 0)
node alpha beta
crm no
CF
check_cmd
((rc == 6)) || fail "check exited $rc, expected 6:"$'\n'"$out"
expect_lines "^$conf/ha.cf:3: deadtime" "^$conf/ha.cf:4: warntime" "^$conf/ha.cf:5: initdead" \
  "^$conf/ha.cf:6: .*frobnicate" "^$conf/ha.cf:7: .*99999"
n=$(grep -cE "^$conf/ha.cf:[0-9]+: " <<<"$out" || true)
((n == 5)) || fail "expected exactly 5 FILE:LINE errors, got $n:"$'\n'"$out"

step "twinbeatd refuses the same file: exit 6, the same five FILE:LINE errors, no control socket"
daemon_cmd
((rc == 6)) || fail "twinbeatd exited $rc, expected 6:"$'\n'"$out"
expect_lines "^$conf/ha.cf:3: deadtime" "^$conf/ha.cf:4: warntime" "^$conf/ha.cf:5: initdead" \
  "^$conf/ha.cf:6: .*frobnicate" "^$conf/ha.cf:7: .*99999" "not started"
[[ ! -e $TB_WORK/a/run/control ]] || fail "twinbeatd left a control socket behind"

step "Host checks: an interface that does not exist here and a node not in ha.cf, both listed"
sed "s/^ucast eth0 $(tb_addr b)\$/ucast eth9 $(tb_addr b)/" "$TB_WORK/good.ha.cf" >"$conf/ha.cf"
grep -q "^ucast eth9" "$conf/ha.cf" || fail "test bug: could not break the ucast line"
check_cmd gamma
((rc == 6)) || fail "check exited $rc, expected 6:"$'\n'"$out"
expect_lines "^$conf/ha.cf:[0-9]+: .*eth9.*does not exist" "^$conf/ha.cf:[0-9]+: .*gamma"

step "An authkeys file with three errors: all three listed with their lines, exit 6"
cp "$TB_WORK/good.ha.cf" "$conf/ha.cf"
printf 'auth 3\n1 sha256\n2 rot13 secret\n' >"$conf/authkeys"
chmod 0600 "$conf/authkeys"
check_cmd
((rc == 6)) || fail "check exited $rc, expected 6:"$'\n'"$out"
expect_lines "^$conf/authkeys:1: " "^$conf/authkeys:2: " "^$conf/authkeys:3: .*rot13"
daemon_cmd
((rc == 6)) || fail "twinbeatd exited $rc on a bad authkeys, expected 6:"$'\n'"$out"

step "An authkeys of mode 0644 is refused by check and by twinbeatd (exit 6)"
tb_write_authkeys "$conf/authkeys" "$TB_SECRET"
chmod 0644 "$conf/authkeys"
check_cmd
((rc == 6)) || fail "check exited $rc on authkeys 0644, expected 6:"$'\n'"$out"
expect_lines "^$conf/authkeys: .*0644"
daemon_cmd
((rc == 6)) || fail "twinbeatd exited $rc on authkeys 0644, expected 6:"$'\n'"$out"
expect_lines "^$conf/authkeys: .*0644"

step "An authkeys owned by nobody, or missing, is refused (exit 6)"
chmod 0600 "$conf/authkeys"
chown 65534 "$conf/authkeys"
check_cmd
((rc == 6)) || fail "check exited $rc on authkeys owned by uid 65534:"$'\n'"$out"
expect_lines "^$conf/authkeys: .*root"
rm "$conf/authkeys"
check_cmd
((rc == 6)) || fail "check exited $rc with no authkeys:"$'\n'"$out"
expect_lines "^$conf/authkeys: "

step "Warnings alone do not refuse: deadtime 3 x keepalive is warned about, exit 0"
tb_write_authkeys "$conf/authkeys" "$TB_SECRET"
sed 's/^deadtime .*/deadtime 150ms/; s/^warntime .*/warntime 100ms/' "$TB_WORK/good.ha.cf" >"$conf/ha.cf"
check_cmd
((rc == 0)) || fail "check exited $rc on a config with only a warning:"$'\n'"$out"
expect_lines "^$conf/ha.cf:[0-9]+: warning: .*deadtime"

step "twinbeatd with bad arguments exits 2"
rc=0
out=$(timeout 10 "$TB_BIN/twinbeatd" --no-such-flag 2>&1) || rc=$?
((rc == 2)) || fail "twinbeatd --no-such-flag exited $rc, expected 2"
pass
