// twinbeat export pacemaker: corosync.conf, the resources in both formats,
// fencing, ping nodes, monitoring, the key, and the report's FILE:LINE.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "twinbeat/export/pacemaker.h"
// CppUTest last: its leak detector redefines new.
#include "CppUTest/TestHarness.h"

using namespace twinbeat;
using namespace twinbeat::exporter;

namespace {

// ha.cf lines 1-8; a test's own lines follow from line 9.
const char kBase[] =
    "keepalive 200ms\n"
    "deadtime 2s\n"
    "warntime 600ms\n"
    "initdead 10s\n"
    "ucast eth1 10.0.0.1\n"
    "ucast eth1 10.0.0.2\n"
    "node lb1 lb2\n"
    "auto_failback off\n";

const char kSecret[] = "3f0c5a0d2b7e4c1f9a8b6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a";

struct Input {
  std::string ha_cf_tail;
  std::string haresources = "lb1 IPaddr2::192.168.122.100/24/eth0 haproxy\n";
  std::string authkeys = std::string("auth 1\n1 sha256 ") + kSecret + "\n";
  std::string node = "lb1";
  std::set<std::string> scripts = {"/etc/ha.d/resource.d/haproxy"};
  std::map<std::string, std::string> ini_files;
  Options options;

  Input() {
    options.local = {{"eth1", "10.0.0.1", 24}, {"eth0", "192.168.122.11", 24}};
    options.random_bytes = [](size_t n) { return std::string(n, 'r'); };
  }
};

Parsed<Exported> export_of(const Input& in) {
  const std::string ha_cf = kBase + in.ha_cf_tail;
  auto cf = config::parse_ha_cf(ha_cf, "ha.cf");
  CHECK_TEXT(cf.ok(), "test ha.cf does not parse");
  auto res = config::parse_haresources(in.haresources, "haresources");
  CHECK_TEXT(res.ok(), "test haresources does not parse");
  auto keys = config::parse_authkeys(in.authkeys, "authkeys");
  CHECK_TEXT(keys.ok(), "test authkeys does not parse");
  config::ConfigSet set;
  set.ha_cf = cf.value;
  set.haresources = res.value;
  set.authkeys = keys.value;
  set.node = in.node;
  resources::Lookup lookup;
  lookup.resource_dir = "/etc/ha.d/resource.d";
  lookup.executable = [&in](const std::string& p) { return in.scripts.count(p) > 0; };
  auto agents = resources::resolve_agents(set.haresources, lookup);
  CHECK_TEXT(agents.ok(), "test resources do not resolve");
  config::FenceLookup fl;
  fl.find_agent = [](const std::string& name) { return "/usr/sbin/" + name; };
  fl.libvirt_agent = "/usr/sbin/fence_twinbeat_libvirt";
  fl.read_file = [&in](const std::string& path, std::string& out) {
    auto it = in.ini_files.find(path);
    if (it == in.ini_files.end()) return false;
    out = it->second;
    return true;
  };
  auto devices = devices_for_both_nodes(set.ha_cf, fl);
  CHECK_TEXT(devices.ok(), "test fence devices do not parse");
  Options o = in.options;
  o.ha_cf_lines = scan_directive_lines(ha_cf);
  return export_pacemaker(set, agents.value, devices.value, o);
}

std::string diagnostics(const Parsed<Exported>& e) {
  std::string out;
  for (const auto& d : e.diagnostics) out += d.to_string() + "\n";
  return out;
}

std::string errors(const Parsed<Exported>& e) {
  std::string out;
  for (const auto& d : e.diagnostics)
    if (d.severity == Severity::error) out += d.to_string() + "\n";
  return out;
}

void expect_has(const std::string& text, const std::string& part) {
  if (text.find(part) == std::string::npos)
    FAIL(("expected to find:\n" + part + "\nin:\n" + text).c_str());
}

void expect_lacks(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos)
    FAIL(("expected not to find:\n" + part + "\nin:\n" + text).c_str());
}

}  // namespace

TEST_GROUP(ExportCorosync){};

TEST(ExportCorosync, ucast_pair_gives_each_node_its_own_address_with_two_node_quorum) {
  auto e = export_of(Input{});
  CHECK_TEXT(e.ok(), diagnostics(e).c_str());
  const std::string& c = e.value.corosync_conf;
  expect_has(c, "\ttransport: knet\n");
  expect_has(c, "\t\tname: lb1\n\t\tnodeid: 1\n\t\tring0_addr: 10.0.0.1\n");
  expect_has(c, "\t\tname: lb2\n\t\tnodeid: 2\n\t\tring0_addr: 10.0.0.2\n");
  expect_has(c, "\ttwo_node: 1\n");
  expect_has(c, "\ttoken: 2000\n");
  expect_has(c, "\tcrypto_cipher: aes256\n\tcrypto_hash: sha256\n");
}

TEST(ExportCorosync, on_the_other_node_the_local_address_is_still_its_own) {
  Input in;
  in.node = "lb2";
  in.options.local = {{"eth1", "10.0.0.2", 24}};
  auto e = export_of(in);
  CHECK_TEXT(e.ok(), diagnostics(e).c_str());
  expect_has(e.value.corosync_conf, "name: lb1\n\t\tnodeid: 1\n\t\tring0_addr: 10.0.0.1\n");
  expect_has(e.value.corosync_conf, "name: lb2\n\t\tnodeid: 2\n\t\tring0_addr: 10.0.0.2\n");
}

TEST(ExportCorosync, off_the_nodes_ucast_addresses_need_owners) {
  Input in;
  in.node = "admin-laptop";
  in.options.local = {};
  auto e = export_of(in);
  CHECK_FALSE(e.ok());
  STRCMP_EQUAL(
      "ha.cf:5: ucast eth1 10.0.0.1: cannot tell whether 10.0.0.1 is lb1's or lb2's (it is not "
      "an address of this host); run the export on a node, or give --address NODE=10.0.0.1\n"
      "ha.cf:5: ucast eth1 10.0.0.1: cannot tell whether 10.0.0.2 is lb1's or lb2's (it is not "
      "an address of this host); run the export on a node, or give --address NODE=10.0.0.2\n"
      "ha.cf:5: ucast eth1 10.0.0.1: corosync needs lb1's address on eth1; give --address "
      "lb1=IP (or run the export on a node)\n"
      "ha.cf:5: ucast eth1 10.0.0.1: corosync needs lb2's address on eth1; give --address "
      "lb2=IP (or run the export on a node)\n",
      errors(e).c_str());
  in.options.node_addresses = {{"lb1", {"10.0.0.1"}}, {"lb2", {"10.0.0.2"}}};
  auto given = export_of(in);
  CHECK_TEXT(given.ok(), diagnostics(given).c_str());
  expect_has(given.value.corosync_conf, "name: lb2\n\t\tnodeid: 2\n\t\tring0_addr: 10.0.0.2\n");
}

TEST(ExportCorosync, bcast_link_becomes_a_second_knet_link_with_the_given_peer_address) {
  Input in;
  in.ha_cf_tail = "bcast eth0\n";  // line 9
  auto missing = export_of(in);
  STRCMP_EQUAL("ha.cf:9: bcast eth0: corosync needs lb2's address on eth0; give --address lb2=IP\n",
               errors(missing).c_str());
  in.options.node_addresses = {{"lb2", {"10.0.0.2", "192.168.122.12"}}};
  auto e = export_of(in);
  CHECK_TEXT(e.ok(), diagnostics(e).c_str());
  expect_has(e.value.corosync_conf, "ring0_addr: 10.0.0.1\n\t\tring1_addr: 192.168.122.11\n");
  expect_has(e.value.corosync_conf, "ring0_addr: 10.0.0.2\n\t\tring1_addr: 192.168.122.12\n");
  expect_has(e.value.corosync_conf, "\t\t# ha.cf:9 bcast eth0\n\t\tlinknumber: 1\n");
  expect_has(e.value.report, "ha.cf:9: bcast eth0 -> knet link 1 (lb1 192.168.122.11, lb2 "
                             "192.168.122.12), unicast between the two\n");
}

TEST(ExportCorosync, more_than_eight_links_is_an_error_on_the_ninth) {
  Input in;
  for (int i = 2; i <= 9; ++i) {
    const std::string n = std::to_string(i);
    in.ha_cf_tail += "ucast eth" + n + " 10.0." + n + ".2\n";  // lines 9..16
    in.options.local.push_back({"eth" + n, "10.0." + n + ".1", 24});
  }
  auto e = export_of(in);
  STRCMP_EQUAL("ha.cf:16: corosync's knet carries at most 8 links; this is link 9\n",
               errors(e).c_str());
}

TEST(ExportCorosync, wait_for_all_follows_twinbeats_default_on_with_fencing_off_without) {
  Input in;
  expect_has(export_of(in).value.corosync_conf, "\ttwo_node: 1\n\twait_for_all: 0\n");
  in.ha_cf_tail = "stonith_host * fence_xvm\n";
  expect_lacks(export_of(in).value.corosync_conf, "wait_for_all");  // two_node's own: 1
  in.ha_cf_tail += "wait_for_all off\n";
  expect_has(export_of(in).value.corosync_conf, "\twait_for_all: 0\n");
}

TEST_GROUP(ExportKey){};

TEST(ExportKey, corosync_key_is_derived_from_the_active_secret_the_same_on_both_nodes) {
  Input a, b;
  b.node = "lb2";
  b.options.local = {{"eth1", "10.0.0.2", 24}};
  auto ea = export_of(a), eb = export_of(b);
  CHECK(ea.value.authkey_derived);
  LONGS_EQUAL(256, ea.value.authkey.size());
  CHECK(ea.value.authkey == eb.value.authkey);
  CHECK(ea.value.authkey == derive_corosync_key(kSecret, "twinbeat"));
  CHECK(ea.value.authkey != derive_corosync_key(std::string(kSecret) + "x", "twinbeat"));
  CHECK(ea.value.authkey != derive_corosync_key(kSecret, "other"));
}

TEST(ExportKey, crc_has_no_secret_so_the_key_is_random_and_said_so) {
  Input in;
  in.authkeys = "auth 2\n2 crc\n";
  auto e = export_of(in);
  CHECK(e.ok());
  CHECK_FALSE(e.value.authkey_derived);
  CHECK(e.value.authkey == std::string(256, 'r'));
  expect_has(diagnostics(e), "authkeys:2: warning: authkeys crc (no secret): corosync's authkey "
                             "is random: copy this one file to the other node\n");
}

TEST(ExportKey, a_short_secret_is_a_warning) {
  Input in;
  in.authkeys = "auth 1\n1 sha1 shortpass\n";
  auto e = export_of(in);
  expect_has(diagnostics(e), "authkeys:2: warning: authkeys key 1: corosync's authkey is derived "
                             "from a secret of 9 characters and is no stronger than it");
}

TEST_GROUP(ExportResources){};

TEST(ExportResources, haproxy_pair_is_a_group_with_ipaddr2_and_systemd_haproxy) {
  auto e = export_of(Input{});
  CHECK_TEXT(e.ok(), diagnostics(e).c_str());
  const std::string& crm = e.value.crmsh;
  expect_has(crm, "primitive p-IPaddr2-192.168.122.100 ocf:heartbeat:IPaddr2 \\\n"
                  "\tparams ip=192.168.122.100 cidr_netmask=24 nic=eth0 \\\n"
                  "\top start interval=0s timeout=60s \\\n\top stop interval=0s timeout=60s\n");
  expect_has(crm, "primitive p-haproxy systemd:haproxy \\\n");
  expect_has(crm, "group g-IPaddr2-192.168.122.100-24-eth0 p-IPaddr2-192.168.122.100 p-haproxy \\\n"
                  "\tdescription=\"twinbeat group IPaddr2::192.168.122.100/24/eth0\"\n");
  expect_has(crm, "location l-g-IPaddr2-192.168.122.100-24-eth0 "
                  "g-IPaddr2-192.168.122.100-24-eth0 100: lb1\n");
  const std::string& cib = e.value.cib_xml;
  expect_has(cib, "<group id=\"g-IPaddr2-192.168.122.100-24-eth0\" description=\"twinbeat group "
                  "IPaddr2::192.168.122.100/24/eth0\">\n");
  expect_has(cib, "<primitive id=\"p-haproxy\" class=\"systemd\" type=\"haproxy\">\n");
  expect_has(cib, "<rsc_location id=\"l-g-IPaddr2-192.168.122.100-24-eth0\" "
                  "rsc=\"g-IPaddr2-192.168.122.100-24-eth0\" score=\"100\" node=\"lb1\"/>\n");
  expect_has(cib, "<node id=\"1\" uname=\"lb1\"/>\n      <node id=\"2\" uname=\"lb2\"/>\n");
}

TEST(ExportResources, vip_broadcast_label_and_arp_settings_become_ipaddr2_params) {
  Input in;
  in.ha_cf_tail = "arp_count 3\narp_interval 100ms\n";
  in.haresources = "lb1 IPaddr2::10.0.0.100/24/eth0:web/10.0.0.255\n";
  auto e = export_of(in);
  CHECK_TEXT(e.ok(), diagnostics(e).c_str());
  expect_has(e.value.crmsh, "\tparams ip=10.0.0.100 cidr_netmask=24 nic=eth0 iflabel=web "
                            "broadcast=10.0.0.255 arp_count=3 arp_interval=100 \\\n");
}

TEST(ExportResources, ipaddr_with_an_ipv6_address_becomes_ipaddr2) {
  Input in;
  in.haresources = "lb1 IPaddr::2001:db8::10/64/eth0\n";
  auto e = export_of(in);
  CHECK_TEXT(e.ok(), diagnostics(e).c_str());
  expect_has(e.value.crmsh, "ocf:heartbeat:IPaddr2 \\\n\tparams ip=2001:db8::10 cidr_netmask=64");
  expect_has(e.value.report, "haresources:1: IPaddr::2001:db8::10/64/eth0 -> ocf:heartbeat:IPaddr2 "
                             "(Pacemaker's IPaddr agent manages IPv4 only)\n");
  in.haresources = "lb1 10.0.0.100\n";
  expect_has(export_of(in).value.crmsh, "ocf:heartbeat:IPaddr \\\n\tparams ip=10.0.0.100 \\\n");
}

TEST(ExportResources, haproxy_can_be_lsb_and_a_config_of_its_own_is_a_warning) {
  Input in;
  in.options.haproxy = ServiceClass::lsb;
  in.haresources = "lb1 IPaddr2::192.168.122.100 haproxy::/srv/lb.cfg\n";
  auto e = export_of(in);
  expect_has(e.value.crmsh, "primitive p-haproxy lsb:haproxy \\\n");
  expect_has(diagnostics(e), "haresources:1: warning: haproxy::/srv/lb.cfg: lsb:haproxy runs "
                             "haproxy with its package's configuration (/etc/haproxy/haproxy.cfg, "
                             "or CONFIG in /etc/default/haproxy): point it at /srv/lb.cfg\n");
}

TEST(ExportResources, warm_haproxy_is_a_clone_the_group_follows) {
  Input in;
  in.haresources = "lb1 IPaddr2::192.168.122.100 haproxy::/etc/haproxy/haproxy.cfg::warm\n";
  auto e = export_of(in);
  CHECK_TEXT(e.ok(), diagnostics(e).c_str());
  expect_has(e.value.crmsh, "clone cl-haproxy-warm p-haproxy-warm\n");
  expect_has(e.value.crmsh, "group g-IPaddr2-192.168.122.100 p-IPaddr2-192.168.122.100 \\\n");
  expect_has(e.value.crmsh, "colocation c-g-IPaddr2-192.168.122.100-with-cl-haproxy-warm inf: "
                            "g-IPaddr2-192.168.122.100 cl-haproxy-warm\n");
  expect_has(e.value.crmsh, "order o-cl-haproxy-warm-then-g-IPaddr2-192.168.122.100 Mandatory: "
                            "cl-haproxy-warm g-IPaddr2-192.168.122.100\n");
  expect_has(e.value.cib_xml, "<clone id=\"cl-haproxy-warm\">\n");
}

TEST(ExportResources, resource_d_scripts_run_unchanged_through_the_ocf_wrapper) {
  Input in;
  in.scripts = {"/etc/ha.d/resource.d/drbddisk"};
  in.haresources = "lb1 drbddisk::r0 IPaddr2::10.0.0.100/24\n";
  auto e = export_of(in);
  CHECK_TEXT(e.ok(), diagnostics(e).c_str());
  expect_has(e.value.crmsh, "primitive p-drbddisk-r0 ocf:twinbeat:haresource \\\n"
                            "\tparams script=/etc/ha.d/resource.d/drbddisk args=r0 "
                            "status_rule=heartbeat \\\n");
  expect_has(e.value.ocf_agent, "<resource-agent name=\"haresource\"");
  CHECK(export_of(Input{}).value.ocf_agent.empty());
}

TEST(ExportResources, init_d_scripts_are_lsb_unless_they_take_arguments) {
  Input in;
  in.scripts = {"/etc/init.d/nfs-kernel-server", "/etc/init.d/mydaemon"};
  in.haresources = "lb1 IPaddr2::10.0.0.100/24 nfs-kernel-server mydaemon::fast\n";
  auto e = export_of(in);
  CHECK_TEXT(e.ok(), diagnostics(e).c_str());
  expect_has(e.value.crmsh, "primitive p-nfs-kernel-server lsb:nfs-kernel-server \\\n");
  expect_has(e.value.crmsh, "primitive p-mydaemon-fast ocf:twinbeat:haresource \\\n"
                            "\tparams script=/etc/init.d/mydaemon args=fast status_rule=lsb \\\n");
}

TEST(ExportResources, heartbeat_filesystem_becomes_the_ocf_agent_it_wrapped) {
  Input in;
  in.scripts = {"/etc/ha.d/resource.d/Filesystem"};
  in.haresources = "lb2 Filesystem::/dev/drbd0::/srv/nfs::ext4\n";
  auto e = export_of(in);
  CHECK_TEXT(e.ok(), diagnostics(e).c_str());
  expect_has(e.value.crmsh, "ocf:heartbeat:Filesystem \\\n\tparams device=/dev/drbd0 "
                            "directory=/srv/nfs fstype=ext4 \\\n");
  expect_has(e.value.crmsh, " 100: lb2\n");
}

TEST(ExportResources, auto_failback_sets_stickiness_that_reproduces_it) {
  Input in;
  expect_has(export_of(in).value.crmsh, "rsc_defaults rsc-options: resource-stickiness=200\n");
  expect_has(export_of(in).value.report, "ha.cf:8: auto_failback off -> rsc_defaults "
                                   "resource-stickiness=200");
  in.ha_cf_tail = "auto_failback on\n";
  expect_has(export_of(in).value.crmsh, "rsc_defaults rsc-options: resource-stickiness=0\n");
  in.ha_cf_tail = "auto_failback legacy\n";
  expect_has(export_of(in).value.crmsh, "rsc_defaults rsc-options: resource-stickiness=0\n");
}

TEST(ExportResources, monitoring_gives_monitor_ops_and_restart_limits) {
  Input in;
  in.ha_cf_tail = "resource_monitor 5s\nresource_monitor_timeout 2s\nresource_restarts 2\n";
  in.haresources = "lb1 IPaddr2::10.0.0.100/24 haproxy[monitor=1s]\n";
  auto e = export_of(in);
  CHECK_TEXT(e.ok(), diagnostics(e).c_str());
  expect_has(e.value.crmsh, "primitive p-IPaddr2-10.0.0.100 ocf:heartbeat:IPaddr2 \\\n"
                            "\tparams ip=10.0.0.100 cidr_netmask=24 \\\n"
                            "\top start interval=0s timeout=60s \\\n"
                            "\top stop interval=0s timeout=60s \\\n"
                            "\top monitor interval=5s timeout=2s\n");
  expect_has(e.value.crmsh, "\top monitor interval=1s timeout=2s\n");
  expect_has(e.value.crmsh, "rsc_defaults rsc-options: resource-stickiness=200 "
                            "migration-threshold=3 failure-timeout=300s\n");
  expect_lacks(export_of(Input{}).value.crmsh, "op monitor");
}

TEST_GROUP(ExportFencing){};

TEST(ExportFencing, fence_xvm_fences_each_node_from_the_other_with_the_holder_winning) {
  Input in;
  in.ha_cf_tail = "stonith_host * fence_xvm key_file=/etc/cluster/fence_xvm.key\n";  // line 9
  auto e = export_of(in);
  CHECK_TEXT(e.ok(), diagnostics(e).c_str());
  const std::string& crm = e.value.crmsh;
  expect_has(crm, "# ha.cf:9: fences lb1\nprimitive st-lb1 stonith:fence_xvm \\\n"
                  "\tparams pcmk_host_list=lb1 pcmk_host_map=lb1:lb1 key_file=/etc/cluster/fence_xvm.key "
                  "pcmk_off_timeout=20s pcmk_off_retries=5 \\\n\top monitor interval=3600s timeout=60s\n");
  expect_has(crm, "location l-st-lb1 st-lb1 -inf: lb1\n");
  expect_has(crm, "location l-st-lb2 st-lb2 -inf: lb2\n");
  expect_has(crm, "property cib-bootstrap-options: stonith-enabled=true stonith-action=off "
                  "priority-fencing-delay=5s\n");
  expect_has(crm, "\tmeta priority=1\n");
  expect_has(e.value.cib_xml, "<rsc_location id=\"l-st-lb2\" rsc=\"st-lb2\" score=\"-INFINITY\" "
                              "node=\"lb2\"/>");
}

TEST(ExportFencing, a_device_delay_is_pcmk_delay_base_and_reboot_is_kept_per_device) {
  Input in;
  in.ha_cf_tail = "stonith_host lb2 fence_xvm port=vm-lb1 delay=3s\n"
                  "stonith_host lb1 fence_xvm port=vm-lb2 action=reboot\n";
  auto e = export_of(in);
  CHECK_TEXT(e.ok(), diagnostics(e).c_str());
  expect_has(e.value.crmsh, "params pcmk_host_list=lb1 pcmk_host_map=lb1:vm-lb1 pcmk_delay_base=3s "
                            "pcmk_reboot_action=off pcmk_off_timeout=20s");
  expect_has(e.value.crmsh, "params pcmk_host_list=lb2 pcmk_host_map=lb2:vm-lb2 pcmk_reboot_timeout=20s");
  expect_has(e.value.crmsh, "stonith-action=reboot");
}

TEST(ExportFencing, several_devices_for_a_node_are_a_fencing_topology_in_file_order) {
  Input in;
  in.ha_cf_tail = "stonith_host * fence_xvm key_file=/k\nstonith fence_ipmilan /etc/ha.d/ipmi.ini\n";
  in.ini_files["/etc/ha.d/ipmi.ini"] = "[lb1]\nip = 10.9.0.1\n[lb2]\nip = 10.9.0.2\n";
  auto e = export_of(in);
  CHECK_TEXT(e.ok(), diagnostics(e).c_str());
  expect_has(e.value.crmsh, "primitive st-lb1-2 stonith:fence_ipmilan \\\n");
  expect_has(e.value.crmsh, "fencing_topology \\\n\tlb1: st-lb1 st-lb1-2 \\\n\tlb2: st-lb2 st-lb2-2\n");
  expect_has(e.value.cib_xml, "<fencing-level id=\"fl-lb1-2\" target=\"lb1\" index=\"2\" "
                              "devices=\"st-lb1-2\"/>");
}

TEST(ExportFencing, external_libvirt_runs_twinbeats_own_agent) {
  Input in;
  in.ha_cf_tail = "stonith_host * external/libvirt lb1:vm1,lb2:vm2 qemu:///system\n";
  auto e = export_of(in);
  CHECK_TEXT(e.ok(), diagnostics(e).c_str());
  expect_has(e.value.crmsh, "primitive st-lb1 stonith:fence_twinbeat_libvirt \\\n"
                            "\tparams pcmk_host_list=lb1 pcmk_host_map=lb1:vm1 uri=qemu:///system");
}

TEST(ExportFencing, an_agent_that_is_not_fence_star_cannot_be_exported) {
  Input in;
  in.ha_cf_tail = "stonith_host * /opt/bin/shoot key=1\n";
  auto e = export_of(in);
  CHECK_FALSE(e.ok());
  expect_has(diagnostics(e), "ha.cf:9: fence device /opt/bin/shoot for lb1: Pacemaker runs fence "
                             "agents named fence_* from /usr/sbin only; '/opt/bin/shoot' is neither\n");
}

TEST(ExportFencing, no_fencing_disables_stonith_with_a_warning) {
  auto e = export_of(Input{});
  expect_has(e.value.crmsh, "property cib-bootstrap-options: stonith-enabled=false\n");
  expect_has(diagnostics(e), "ha.cf: warning: no fence device (stonith_host, stonith): "
                             "stonith-enabled=false");
  expect_lacks(e.value.crmsh, "priority=1");
}

TEST_GROUP(ExportPing){};

TEST(ExportPing, ping_nodes_are_a_ping_clone_whose_score_outweighs_stickiness) {
  Input in;
  in.ha_cf_tail = "ping 10.0.0.254\nping_group up 10.0.1.254 10.0.2.254\n";  // lines 9, 10
  auto e = export_of(in);
  CHECK_TEXT(e.ok(), diagnostics(e).c_str());
  // stickiness 200 x 2 resources + preference 100 < 1000.
  expect_has(e.value.crmsh, "primitive p-ping ocf:pacemaker:ping \\\n"
                            "\tparams host_list=\"10.0.0.254 10.0.1.254 10.0.2.254\" "
                            "multiplier=1000 dampen=2s \\\n");
  expect_has(e.value.crmsh, "clone cl-ping p-ping\n");
  expect_has(e.value.crmsh, "location l-g-IPaddr2-192.168.122.100-24-eth0-ping "
                            "g-IPaddr2-192.168.122.100-24-eth0 rule pingd: defined pingd\n");
  expect_has(e.value.cib_xml, "<rule id=\"l-g-IPaddr2-192.168.122.100-24-eth0-ping-rule\" "
                              "score-attribute=\"pingd\">");
  STRCMP_EQUAL("ha.cf: warning: no fence device (stonith_host, stonith): stonith-enabled=false: "
               "Pacemaker then takes over from a node it cannot confirm dead, and has no VIP "
               "lease to make a hung node let go (not supported for production by the "
               "distributions; configure a fence device)\n"
               "ha.cf:10: warning: ping_group up: its members join ocf:pacemaker:ping's "
               "host_list, which counts each one that answers, where a ping group counted as one "
               "node reachable when any member answered\n",
               diagnostics(e).c_str());
}

TEST_GROUP(ExportText){};

TEST(ExportText, values_are_quoted_for_crmsh_and_escaped_for_xml) {
  Input in;
  in.scripts = {"/etc/ha.d/resource.d/run"};
  in.haresources = "lb1 run::a&b::<c>\n";
  auto e = export_of(in);
  CHECK_TEXT(e.ok(), diagnostics(e).c_str());
  expect_has(e.value.crmsh, "args=\"a&b <c>\"");
  expect_has(e.value.cib_xml, "value=\"a&amp;b &lt;c&gt;\"");
}

TEST(ExportText, ids_keep_what_xml_allows) {
  STRCMP_EQUAL("IPaddr2-10.0.0.1-24-eth0", to_id("IPaddr2::10.0.0.1/24/eth0").c_str());
  STRCMP_EQUAL("_10.0.0.5", to_id("10.0.0.5").c_str());
  STRCMP_EQUAL("IPaddr2-2001-db8-10-64", to_id("IPaddr2::2001:db8::10/64").c_str());
}

TEST(ExportText, report_names_the_line_of_each_directive) {
  Input in;
  in.ha_cf_tail = "# a comment\nfence_delay 2s  # the holder wins\n";  // line 10
  in.ha_cf_tail += "stonith_host * fence_xvm\n";
  auto e = export_of(in);
  expect_has(e.value.report, "\n== maps one to one\n");
  expect_has(e.value.report, "ha.cf:10: fence_delay 2s (the holder wins) -> "
                             "priority-fencing-delay=2s");
  expect_has(e.value.report, "ha.cf:2: deadtime 2s -> totem token: 2000 ms");
  expect_has(e.value.report, "ha.cf:1: keepalive 200ms -> none");
  expect_has(e.value.report, "ha.cf (default): udpport 694 -> none on purpose");
  expect_has(e.value.report, "haresources:1: haproxy -> systemd:haproxy");
}

TEST(ExportText, directive_lines_skip_comments_and_keep_the_last) {
  auto lines = scan_directive_lines("# deadtime 1\ndeadtime 2\n\n  deadtime 3 # again\nnode a b\n");
  LONGS_EQUAL(4, lines["deadtime"]);
  LONGS_EQUAL(5, lines["node"]);
  CHECK(lines.find("#") == lines.end());
}
