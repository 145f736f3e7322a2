#!/usr/bin/env bash
# Partition heal behind a load balancer: alpha serves the VIP through
# haproxy; its eth0 goes down and beta takes over (30-lb-link-down.sh). When
# the link comes back both hold the group; alpha, the preferred node, keeps
# it and beta releases it. The client's ARP entry for the VIP still names
# beta (beta announced the VIP at its takeover), so alpha must announce the
# VIP again (a gratuitous ARP) once beta lets it go; else the client stays
# cut off until its neighbour entry is probed out, seconds to tens of
# seconds later. vip_lease off, as in 30-lb-link-down.sh.
set -euo pipefail
# shellcheck source=tests/e2e/lib_lb.sh
. "$(dirname "$0")/lib_lb.sh"
lb_init tb36h

deadtime=$(tb_ms "$TB_DEADTIME")
keepalive=$(tb_ms "$TB_KEEPALIVE")
initdead=$(tb_ms "$TB_INITDEAD")

step "Build the topology: alpha and beta with haproxy, backends W1 and W2, a client"
lb_topology
lb_write_twinbeat classic "auto_failback on" "vip_lease off"

step "Start both daemons; alpha takes the group; the client is served by alpha"
tb_start_node a
tb_start_node b
tb_wait_pair_up $((initdead + 1000))  # initdead + 1 s
# A keepalive, then the VIP and haproxy's check and start; 2 s bounds it.
lb_wait_holder a b 2000 || fail "alpha does not hold the group: $(tb_status a | tail -4 | tr '\n' ' ')"
lb_watch_start
lb_probe_start
lb_wait_served a 1000 || fail "the client is not served by alpha within 1 s"  # 100 requests

limit=$((deadtime + keepalive + 1000))
step "Set alpha's eth0 down: the client is served by beta within deadtime + keepalive + 1 s ($limit ms)"
ip -n "$PFX-a" link set eth0 down
# Detection takes deadtime (+ a keepalive of phase); the second covers
# the VIP, the ARP announcement and haproxy's check and start.
lb_wait_served b "$limit" || fail "the client is not served by beta within $limit ms"
# Alpha declares beta dead too, deadtime after the cut, and keeps the group.
tb_wait_field a peer_liveness dead $((deadtime + 1000)) || fail "alpha: peer_liveness $(tb_field a peer_liveness)"
note "client's neighbour entry for the VIP: $(tb_in c ip neigh show "$LB_VIP")"

step "Set alpha's eth0 up: beta releases the group, alpha keeps it"
mark_b=$(tb_log_lines b)
# Every ARP frame the client sees from now: 3 s covers the link, a
# keepalive, beta's release and an announcement burst's first packets.
lb_arp_sniff_start "$TB_WORK/arp" 3000
t_up=$(now_ms)
ip -n "$PFX-a" link set eth0 up
# A heartbeat each way, then beta's release: haproxy stop and the VIP. 2 s bounds it.
lb_wait_holder a b 2000 || fail "the group is not back to alpha alone: a $(tb_field a groups.0.here), b $(tb_field b groups.0.here)"
tb_wait_log b "Releasing resource group" 0 "$mark_b" || fail "beta did not log its release"
lb_arp_sniff_wait

step "Alpha announced the VIP again (gratuitous ARP) once beta let it go"
mac_a=$(lb_mac a)
mac_b=$(lb_mac b)
note "alpha is $mac_a, beta $mac_b; ARP frames with the VIP as sender, as the client saw them:"
grep -F "spa=$LB_VIP " "$TB_WORK/arp" | awk -v t="$t_up" '{ $1 = sprintf("+%.0f ms", $1 - t); print "             " $0 }' || true
garps=$(grep -c "op=[12] sha=$mac_a spa=$LB_VIP tpa=$LB_VIP\$" "$TB_WORK/arp" || true)
note "client's neighbour entry for the VIP now: $(tb_in c ip neigh show "$LB_VIP")"
if ((garps == 0)); then
  # For the report: how long the client stays cut off. Its entry names beta
  # until it is probed out (DELAY 5 s, then 3 unicast probes 1 s apart, or
  # a reachable time of 15 to 45 s first): 30 s bounds that.
  if lb_wait_served a 30000; then took="$(($(now_ms) - t_up)) ms"; else took="more than 30 s"; fi
  fail "alpha kept the VIP but sent no gratuitous ARP for it after the link came back; the client was served by alpha again $took after the link came up"
fi

step "The client is served by alpha again"
# The announcement moved the client's entry: 1 s is a hundred requests.
lb_wait_served a 1000 || fail "the client is not served by alpha within 1 s of its announcement"
lb_probe_stop
pass
