#!/usr/bin/env bash
# A lease renewal that waits for the kernel does not make a live node look
# dead. Alpha holds a VIP with a lease (2 s, renewed every 667 ms: an
# RTM_NEWADDR each time), at keepalive 25 ms / deadtime 250 ms. Meanwhile,
# in a scratch namespace, a bridge with 1000 veth ports is built and
# deleted, over and over: the deletion holds the kernel's RTNL lock for
# 0.3 to 0.8 s here, and a renewal that falls in it waits that long inside
# sendmsg. (The deletion also keeps a CPU in the kernel, which this kernel
# (PREEMPT_NONE) does not preempt even for a realtime task: both loops may
# wake up to ~0.1 s late, which deadtime absorbs and the cover cannot help.) Before the heartbeat cover (src/daemon/heartbeat_cover.h) alpha's
# loop sent nothing meanwhile and beta declared it dead ("is dead" twice in
# 45 s of `make soak`'s load with a 400-port bridge); now the cover sends
# alpha's heartbeats on time.
#
# Rounds go on until one of alpha's renewal rounds waited a deadtime and a
# keepalive (twinbeat_lease_renewal_wait_max_seconds: without the cover,
# beta would have heard nothing for a deadtime), at most 40 rounds and 150 s.
# Run by hand (bash tests/bench/rtnl-stall.sh), not by make check: on a quiet
# machine the deletion may never hold RTNL long enough, and the scenario
# then fails for want of a stall rather than for a fault.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/../e2e/lib.sh"
# shellcheck disable=SC2034 # the TB_* settings are read by lib.sh
TB_KEEPALIVE=25ms TB_WARNTIME=125ms TB_DEADTIME=250ms TB_INITDEAD=1s TB_REALTIME=on
tb_init tb71r
VIP=10.99.0.100
PORTS=1000
keepalive=$(tb_ms "$TB_KEEPALIVE")
deadtime=$(tb_ms "$TB_DEADTIME")

# metric NAME [SCALE]: alpha's sample of NAME times SCALE, as an integer (0
# if absent).
metric() {
  tb_in a "$TB_BIN/twinbeat" --run-dir "$TB_WORK/a/run" metrics 2>/dev/null |
    awk -v n="$1" -v s="${2:-1}" '$1 == n { v = $2 } END { printf "%.0f\n", v * s }'
}

step "Build two nodes; alpha holds $VIP with the default lease (2 s)"
tb_topology 1
mapfile -t media < <(tb_ucast_lines 0)
tb_write_config "${media[@]}"
for n in a b; do echo "alpha IPaddr2::$VIP/24/eth0" >"$TB_WORK/$n/conf/haresources"; done
tb_start_node a
tb_start_node b
tb_wait_pair_up $(($(tb_ms "$TB_INITDEAD") + 1000))  # initdead + 1 s
tb_wait_field a groups.0.here held 2000 || fail "alpha does not hold the group"  # a keepalive and the VIP; 2 s bounds it
mark_b=$(tb_log_lines b)

step "Build and delete a bridge of $PORTS ports in a scratch namespace until a renewal waited past deadtime"
{
  echo "link add br0 type bridge"
  for ((i = 1; i <= PORTS; i++)); do echo "link add a$i type veth peer name b$i"; echo "link set a$i master br0"; done
} >"$TB_WORK/bridge.batch"
want=$((deadtime + keepalive))
deadline=$(($(now_ms) + 150000))
rounds=0
while ((rounds < 40 && $(now_ms) < deadline)); do  # bounded: 40 rounds, 150 s
  rounds=$((rounds + 1))
  ip netns add "$PFX-r"
  ip -n "$PFX-r" -batch "$TB_WORK/bridge.batch"
  t=$(now_ms)
  ip -n "$PFX-r" link del br0
  held=$(($(now_ms) - t))
  ip netns del "$PFX-r"
  wait_ms=$(metric twinbeat_lease_renewal_wait_max_seconds 1000)
  note "round $rounds: the bridge went in $held ms; alpha's longest renewal so far $wait_ms ms, $(metric twinbeat_heartbeats_covered_total) heartbeat(s) covered"
  ((wait_ms < want)) || break
  sleep "0.$((RANDOM % 600 + 100))"  # 0.1..0.7 s: the next deletion falls elsewhere in the renewal period
done

step "Beta never declared alpha dead, and alpha still holds the group"
tb_expect_no_log b "is dead" "$mark_b"
tb_expect_field a groups.0.here held
tb_expect_field b groups.0.here none
wait_ms=$(metric twinbeat_lease_renewal_wait_max_seconds 1000)
note "alpha: longest renewal $wait_ms ms, $(metric twinbeat_heartbeats_covered_total) heartbeat(s) sent by the cover"
((wait_ms >= want)) ||
  fail "no renewal waited deadtime + keepalive ($want ms) in $rounds rounds (longest $wait_ms ms): RTNL was held too briefly here to test anything"
pass
