#!/usr/bin/env bash
# The second link's veth pair is deleted and re-created with the same name
# and address (a networking restart): the link comes back up by itself.
set -euo pipefail
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
tb_init tb06r

step "Build two nodes with two links: ucast on eth0 and ucast on eth1"
tb_topology 2
mapfile -t media < <(tb_ucast_lines 0; tb_ucast_lines 1)
tb_write_config "${media[@]}"
tb_start_node a
tb_start_node b
tb_wait_pair_up $(($(tb_ms "$TB_INITDEAD") + 1000))  # initdead + 1 s
old_index=$(tb_in a cat /sys/class/net/eth1/ifindex)

deadtime=$(tb_ms "$TB_DEADTIME")
keepalive=$(tb_ms "$TB_KEEPALIVE")
mark_a=$(tb_log_lines a)
mark_b=$(tb_log_lines b)

step "Delete alpha's eth1 veth pair; alpha notices, both log the link dead"
tb_unplug a 1
tb_wait_log a "interface eth1 is gone" 1000 "$mark_a" ||  # a netlink message: immediate; 1 s slack
  fail "alpha did not log that eth1 is gone"
tb_wait_log b "Link alpha:eth1 dead." $((deadtime + keepalive + 1000)) "$mark_b" ||  # deadtime + keepalive + 1 s
  fail "beta did not log 'Link alpha:eth1 dead.'"
tb_wait_log a "Link beta:eth1 dead." $((deadtime + keepalive + 1000)) "$mark_a" ||
  fail "alpha did not log 'Link beta:eth1 dead.'"
tb_expect_field a links.eth1.interface_present false
tb_expect_field a peer.state up

step "Re-create alpha's eth1 with the same name and address"
mark_a=$(tb_log_lines a)
mark_b=$(tb_log_lines b)
tb_plug a 1
new_index=$(tb_in a cat /sys/class/net/eth1/ifindex)
note "eth1 ifindex $old_index -> $new_index"
[[ $new_index != "$old_index" ]] || fail "the re-created eth1 kept ifindex $old_index: the test proves nothing"
tb_wait_log a "interface eth1 is present" 1000 "$mark_a" || fail "alpha did not log that eth1 is back"

step "The eth1 link comes back up on both nodes within 2 s"
# A keepalive after the address is set, heartbeats cross; 2 s leaves room for
# the kernel's duplicate-address-free IPv4 set-up and ARP.
tb_wait_log b "Link alpha:eth1 up." 2000 "$mark_b" || fail "beta did not log 'Link alpha:eth1 up.'"
tb_wait_log a "Link beta:eth1 up." 2000 "$mark_a" || fail "alpha did not log 'Link beta:eth1 up.'"
tb_expect_field a links.eth1.interface_present true

step "Packets flow both ways on the new eth1, and nobody was declared dead"
tb_expect_traffic eth1
tb_expect_no_log a "is dead"
tb_expect_no_log b "is dead"
pass
