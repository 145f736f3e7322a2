#!/usr/bin/env bash
# Reload without a flap: a bad ha.cf is refused (FILE:LINE, exit 6) and the
# daemon keeps serving; new timers, a new link and a rotated authkeys key
# apply with nobody declared dead and no packet refused; a group added to
# haresources starts, a group removed is released.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
tb_init tb51r

step "Two nodes on one bridge, one group each (a VIP), auto_failback off"
tb_topology 1
mapfile -t media < <(tb_ucast_lines 0)
tb_write_config "${media[@]}"
for n in a b; do
  echo "auto_failback off" >>"$TB_WORK/$n/conf/ha.cf"
  printf 'alpha IPaddr2::10.99.0.201/24/eth0\nbeta IPaddr2::10.99.0.202/24/eth0\n' >"$TB_WORK/$n/conf/haresources"
done
tb_start_node a
tb_start_node b
tb_wait_pair_up $(($(tb_ms "$TB_INITDEAD") + 1000))  # initdead + 1 s
# grep reads everything: with -q, ip is killed by SIGPIPE when an address
# follows, and pipefail turns that into "no VIP" (see lib_lb.sh).
vip_on() { tb_in "$1" ip -o addr show dev eth0 | grep -F " $2/" >/dev/null; }
wait_until 3000 vip_on a 10.99.0.201 || fail "alpha did not take its group"  # a start is milliseconds
wait_until 3000 vip_on b 10.99.0.202 || fail "beta did not take its group"
reload() { tb_in "$1" "$TB_BIN/twinbeat" --run-dir "$TB_WORK/$1/run" reload; }
conf() { echo "$TB_WORK/$1/conf"; }

step "A bad ha.cf is refused with FILE:LINE and exit 6; alpha keeps running and holding"
cp "$(conf a)/ha.cf" "$TB_WORK/ha.cf.good"
echo "keepalive 1500 ms" >>"$(conf a)/ha.cf"
rc=0
out=$(reload a 2>&1) || rc=$?
((rc == 6)) || fail "reload exited $rc, not 6: $out"
grep -q "ha.cf:[0-9]*: keepalive takes one value" <<<"$out" || fail "no FILE:LINE error: $out"
tb_running a || fail "alpha died on a refused reload"
vip_on a 10.99.0.201 || fail "alpha lost its VIP"
cp "$TB_WORK/ha.cf.good" "$(conf a)/ha.cf"

step "New timers on both (keepalive 100ms, deadtime 1s), reloaded one after the other"
for n in a b; do
  sed -i 's/^keepalive .*/keepalive 100ms/; s/^warntime .*/warntime 300ms/; s/^deadtime .*/deadtime 1s/' "$(conf $n)/ha.cf"
  reload "$n" >/dev/null || fail "reload of $n failed"
  sleep 0.3
done
tb_expect_field a timers.keepalive_ms 100
tb_expect_field b peer.judged_deadtime_ms 1000

step "A second link (bcast on eth0) is added by reload on both"
for n in a b; do
  echo "bcast eth0" >>"$(conf $n)/ha.cf"
  reload "$n" >/dev/null || fail "reload of $n failed"
done
wait_until 3000 bash -c "[[ \$(ip netns exec $PFX-a $TB_BIN/twinbeat --run-dir $TB_WORK/a/run status --json | python3 -c 'import json,sys; print(sum(l[\"state\"]==\"up\" for l in json.load(sys.stdin)[\"links\"]))') == 2 ]]" ||
  fail "alpha does not have two links up"  # 3 s: a few keepalives

step "authkeys rotation: key 2 added on both, then signing switched to it, node by node"
for n in a b; do
  printf 'auth 1\n1 sha256 %s\n2 sha512 second-secret\n' "$TB_SECRET" >"$(conf $n)/authkeys"
  reload "$n" >/dev/null || fail "reload of $n failed"
done
for n in a b; do
  printf 'auth 2\n1 sha256 %s\n2 sha512 second-secret\n' "$TB_SECRET" >"$(conf $n)/authkeys"
  reload "$n" >/dev/null || fail "reload of $n failed"
  sleep 0.5  # a few keepalives signed with the new key
done
for n in a b; do
  tb_expect_field "$n" links.0.auth_failed 0
  tb_expect_field "$n" peer.state up
done

step "haresources: a group added on both starts on its preferred node; one removed is released"
for n in a b; do
  printf 'alpha IPaddr2::10.99.0.201/24/eth0\nalpha IPaddr2::10.99.0.203/24/eth0\n' >"$(conf $n)/haresources"
  reload "$n" >/dev/null || fail "reload of $n failed"
done
wait_until 3000 vip_on a 10.99.0.203 || fail "the new group did not start on alpha"  # a few keepalives
wait_until 3000 bash -c "! ip netns exec $PFX-b ip -o addr show dev eth0 | grep -F ' 10.99.0.202/' >/dev/null" ||
  fail "beta did not release the removed group"
vip_on a 10.99.0.201 || fail "alpha's unchanged group moved"

step "Nobody was declared dead, nothing was refused"
tb_expect_no_log a "is dead"
tb_expect_no_log b "is dead"
for n in a b; do
  tb_expect_field "$n" links.0.bad 0
  tb_expect_field "$n" links.0.replayed 0
done
pass
