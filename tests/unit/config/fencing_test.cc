// Fence devices from stonith_host lines and stonith INI files.
#include <map>
#include <string>
#include <vector>

#include "twinbeat/config/fencing.h"
#include "twinbeat/config/ha_cf.h"
// CppUTest last: its leak detector redefines new.
#include "CppUTest/TestHarness.h"

using namespace twinbeat;
using namespace twinbeat::config;

namespace {

const char* const kBase = "node lb1 lb2\nucast eth1 10.0.0.2\n";

HaCf ha_cf(const std::string& extra) {
  auto parsed = parse_ha_cf(std::string(kBase) + extra, "ha.cf");
  CHECK_TEXT(parsed.ok(), "test ha.cf does not parse");
  return parsed.value;
}

FenceLookup lookup(std::map<std::string, std::string> files = {}) {
  FenceLookup l;
  l.find_agent = [](const std::string& name) {
    return name.rfind("fence_", 0) == 0 && name != "fence_missing" ? "/usr/sbin/" + name : "";
  };
  l.libvirt_agent = "/usr/sbin/fence_twinbeat_libvirt";
  l.read_file = [files](const std::string& path, std::string& text) {
    auto it = files.find(path);
    if (it == files.end()) return false;
    text = it->second;
    return true;
  };
  return l;
}

std::string errors(const Parsed<std::vector<FenceDevice>>& p) {
  std::string out;
  for (const auto& d : p.diagnostics) out += (out.empty() ? "" : "\n") + d.to_string();
  return out;
}

}  // namespace

TEST_GROUP(Fencing){};

TEST(Fencing, stonith_host_for_this_node_or_star_gives_devices_in_file_order) {
  const HaCf cf = ha_cf(
      "stonith_host lb1 fence_xvm key_file=/etc/k port=vm-lb2 delay=2\n"
      "stonith_host lb2 fence_xvm port=vm-lb1\n"
      "stonith_host * fence_ipmilan ipaddr=10.0.0.9 action=reboot\n");
  auto p = fence_devices(cf, "lb1", "lb2", lookup());
  STRCMP_EQUAL("", errors(p).c_str());
  LONGS_EQUAL(2, p.value.size());
  const FenceDevice& xvm = p.value[0];
  STRCMP_EQUAL("/usr/sbin/fence_xvm", xvm.agent.c_str());
  STRCMP_EQUAL("vm-lb2", xvm.port.c_str());
  STRCMP_EQUAL("lb2", xvm.target.c_str());
  STRCMP_EQUAL("off", xvm.action.c_str());
  LONGS_EQUAL(2000, xvm.delay.count());
  LONGS_EQUAL(1, xvm.params.size());
  STRCMP_EQUAL("key_file", xvm.params[0].first.c_str());
  STRCMP_EQUAL("reboot", p.value[1].action.c_str());
  STRCMP_EQUAL("lb2", p.value[1].port.c_str());  // the peer's name by default
}

TEST(Fencing, external_libvirt_takes_heartbeats_positional_parameters) {
  const HaCf cf = ha_cf("stonith_host * external/libvirt lb1:dom1,lb2:dom2 lxc:///system\n");
  auto p = fence_devices(cf, "lb1", "lb2", lookup());
  STRCMP_EQUAL("", errors(p).c_str());
  STRCMP_EQUAL("/usr/sbin/fence_twinbeat_libvirt", p.value[0].agent.c_str());
  STRCMP_EQUAL("dom2", p.value[0].port.c_str());
  STRCMP_EQUAL("uri", p.value[0].params[0].first.c_str());
  STRCMP_EQUAL("lxc:///system", p.value[0].params[0].second.c_str());
  STRCMP_EQUAL("off", p.value[0].action.c_str());
}

TEST(Fencing, stonith_host_errors_name_the_line) {
  struct Row {
    const char* line;
    const char* message;
  } rows[] = {
      {"stonith_host lb1\n", "ha.cf:3: stonith_host takes FROMHOST|* TYPE PARAMS..."},
      {"stonith_host lb1 fence_missing port=x\n",
       "ha.cf:3: stonith_host: fence agent 'fence_missing' not found in PATH or /usr/sbin"},
      {"stonith_host lb1 fence_xvm vm-lb2\n", "ha.cf:3: stonith_host: 'vm-lb2' is not key=value"},
      {"stonith_host lb1 fence_xvm action=on\n",
       "ha.cf:3: stonith_host: action 'on' must be off or reboot"},
      {"stonith_host lb1 fence_xvm timeout=soon\n",
       "ha.cf:3: stonith_host: timeout 'soon' is not a time"},
      {"stonith_host * external/libvirt lb1 qemu:///system\n",
       "ha.cf:3: stonith_host: external/libvirt hostlist 'lb1' does not list lb2"},
      {"stonith_host * external/libvirt lb2\n",
       "ha.cf:3: stonith_host: external/libvirt takes: hostlist hypervisor_uri [reboot_method]"},
  };
  for (const Row& r : rows) {
    auto p = fence_devices(ha_cf(r.line), "lb1", "lb2", lookup());
    STRCMP_EQUAL_TEXT(r.message, errors(p).c_str(), r.line);
  }
}

TEST(Fencing, stonith_ini_file_gives_the_peers_section) {
  const std::string ini =
      "; fence devices\n"
      "[lb1]\n"
      "port = vm-lb1\n"
      "[lb2]\n"
      "agent = fence_virt\n"
      "port = vm-lb2\n"
      "key_file = /etc/cluster/fence_xvm.key\n"
      "ipaddr = 10.0.0.1\n"
      "timeout = 5\n";
  auto p = fence_devices(ha_cf("stonith fence_xvm /etc/ha.d/fence.ini\n"), "lb1", "lb2",
                         lookup({{"/etc/ha.d/fence.ini", ini}}));
  STRCMP_EQUAL("", errors(p).c_str());
  LONGS_EQUAL(1, p.value.size());
  STRCMP_EQUAL("/usr/sbin/fence_virt", p.value[0].agent.c_str());
  STRCMP_EQUAL("vm-lb2", p.value[0].port.c_str());
  LONGS_EQUAL(5000, p.value[0].timeout.count());
  LONGS_EQUAL(2, p.value[0].params.size());
  STRCMP_EQUAL("/etc/ha.d/fence.ini:4", (p.value[0].where.file + ":" +
                                         std::to_string(p.value[0].where.line)).c_str());
}

TEST(Fencing, stonith_ini_errors_name_the_ini_file_and_line) {
  struct Row {
    const char* ini;
    const char* message;
  } rows[] = {
      {"[lb3]\nport = x\n[lb2]\nport = y\n",
       "/f.ini:2: [lb3] is not a node in ha.cf"},
      {"[lb2]\naction = shoot\n", "/f.ini:2: action 'shoot' must be off or reboot"},
      {"[lb2]\nPort = x\n", "/f.ini:2: 'Port' is not a valid key"},
      {"[lb1]\nport = x\n", "/f.ini: no [lb2] section: nothing would fence lb2"},
      {"[lb2]\nagent = fence_missing\n",
       "/f.ini:2: fence agent 'fence_missing' not found in PATH or /usr/sbin"},
      {"[lb2]\nport = x\nnot an ini line\n",
       "/f.ini:3: not an INI line (key = value, or [node])"},
  };
  for (const Row& r : rows) {
    auto p = fence_devices(ha_cf("stonith fence_xvm /f.ini\n"), "lb1", "lb2",
                           lookup({{"/f.ini", r.ini}}));
    STRCMP_EQUAL_TEXT(r.message, errors(p).c_str(), r.ini);
  }
}

TEST(Fencing, unreadable_stonith_file_is_an_error_on_the_ha_cf_line) {
  auto p = fence_devices(ha_cf("stonith fence_xvm /nope.ini\n"), "lb1", "lb2", lookup());
  STRCMP_EQUAL("ha.cf:3: stonith: cannot read /nope.ini", errors(p).c_str());
}
