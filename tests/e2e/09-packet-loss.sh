#!/usr/bin/env bash
# 20 % random loss of the heartbeats between both nodes (nftables rules in
# the input and output hooks of each node) for 60 s at keepalive 50 ms /
# deadtime 500 ms: nobody is declared dead, and the late heartbeats are
# counted and reported.
#
# Each heartbeat crosses two rules, its sender's output and its receiver's
# input, so each rule drops 11 %: 1 - 0.89^2 = 20.8 % end to end. With 20 %
# per rule (TB_LOSS_PER_HOOK=20) 36 % are lost end to end, and deadtime is
# 10 keepalives: a run of 10 losses (0.36^10 = 3.7e-5, over 2 x 1200
# heartbeats a minute) declares a live peer dead in roughly one run in ten,
# as it would under Heartbeat; that is the timers' arithmetic, not a bug.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
tb_init tb09n
seconds=${TB_LOSS_SECONDS:-60}
per_hook=${TB_LOSS_PER_HOOK:-11}
end_to_end=$((100 - (100 - per_hook) * (100 - per_hook) / 100))

step "Build two nodes over ucast on eth0 and start them"
tb_topology 1
mapfile -t media < <(tb_ucast_lines 0)
tb_write_config "${media[@]}"
tb_start_node a
tb_start_node b
tb_wait_pair_up $(($(tb_ms "$TB_INITDEAD") + 1000))  # initdead + 1 s

step "Drop $per_hook % of heartbeats in the input and output hooks of both nodes ($end_to_end % end to end)"
for n in a b; do
  tb_in "$n" nft -f - <<NFT
table inet $PFX {
  chain input {
    type filter hook input priority 0; policy accept;
    meta l4proto udp udp dport 694 numgen random mod 100 < $per_hook counter drop
  }
  chain output {
    type filter hook output priority 0; policy accept;
    meta l4proto udp udp dport 694 numgen random mod 100 < $per_hook counter drop
  }
}
NFT
done
declare -A in0 tried0
tried() {  # heartbeats NODE tried to send: sent, plus refused by its output rule (EPERM)
  local out err
  read -r out err < <(tb_fields "$1" links.0.packets_out links.0.send_errors | paste -sd' ')
  echo $((out + err))
}
for n in a b; do
  in0[$n]=$(tb_field "$n" links.0.packets_in)
  tried0[$n]=$(tried "$n")
done

step "For $seconds s, every second, both nodes still see the peer up"
deadline=$(($(now_ms) + seconds * 1000))
checks=0
while (($(now_ms) < deadline)); do  # bounded: $seconds s
  for n in a b; do
    state=$(tb_field "$n" peer.state) || fail "${TB_NODE_NAME[$n]} does not answer status"
    [[ $state == up ]] || fail "${TB_NODE_NAME[$n]}: peer is $state after $((checks)) s of loss"
  done
  checks=$((checks + 1))
  sleep 1
done

step "Neither log says 'is dead'"
tb_expect_no_log a "is dead"
tb_expect_no_log b "is dead"

step "The loss really happened, and the late heartbeats are counted and reported"
declare -A peer_of=([a]=b [b]=a)
for n in a b; do
  p=${peer_of[$n]}
  got=$(($(tb_field "$n" links.0.packets_in) - in0[$n]))
  sent=$(($(tried "$p") - tried0[$p]))
  read -r late plate < <(tb_fields "$n" links.0.late peer.late_heartbeats | paste -sd' ')
  drops=$(tb_in "$n" nft list table inet "$PFX" | sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | paste -sd/)
  lines=$(tb_log_count "$n" "Late heartbeat: Node")
  worst=$(sed -n 's/.*Late heartbeat: Node [a-z]*: interval \([0-9]*\) ms.*/\1/p' "$TB_WORK/$n/node.log" | sort -n | tail -1)
  note "${TB_NODE_NAME[$n]}: received $got of the $sent heartbeats ${TB_NODE_NAME[$p]} sent; nft drops in/out $drops"
  note "${TB_NODE_NAME[$n]}: late $late on eth0, peer late_heartbeats $plate, $lines 'Late heartbeat' lines, longest gap ${worst:-0} ms (deadtime $(tb_ms "$TB_DEADTIME") ms)"
  ((sent > 0)) || fail "${TB_NODE_NAME[$p]} sent nothing"
  # Within 8 points of the expected loss: the rules work as written (over
  # 1200 heartbeats, one standard deviation is about 1.2 points).
  lost=$(((sent - got) * 100 / sent))
  ((lost >= end_to_end - 8 && lost <= end_to_end + 8)) ||
    fail "$lost % of $sent heartbeats lost, expected about $end_to_end %"
  # 3 losses in a row (a 200 ms gap, past warntime 150 ms) happen about
  # 0.21^3 = 0.9 % of the time: several per minute.
  ((late > 0)) || fail "${TB_NODE_NAME[$n]}: late counter is 0 after $seconds s of $end_to_end % loss"
  ((plate > 0)) || fail "${TB_NODE_NAME[$n]}: peer.late_heartbeats is 0"
  ((lines > 0)) || fail "${TB_NODE_NAME[$n]} logged no 'Late heartbeat' line"
  grep -qE "late heartbeats [1-9]" <<<"$(tb_status "$n")" || fail "status text has no late heartbeats: $(tb_status "$n")"
done
pass
