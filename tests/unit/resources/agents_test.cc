// Resource agents: lookup order, built-in VIPs, and the status rule.
#include <set>
#include <string>
#include <vector>

#include "twinbeat/resources/agents.h"
// CppUTest last: its leak detector redefines new.
#include "CppUTest/TestHarness.h"

using namespace twinbeat;
using namespace twinbeat::resources;

namespace {

config::HaResources parse(const char* text) {
  auto parsed = config::parse_haresources(text, "haresources");
  CHECK_TEXT(parsed.ok(), "test haresources does not parse");
  return parsed.value;
}

Lookup lookup_with(std::set<std::string> files) {
  Lookup l;
  l.resource_dir = "/etc/ha.d/resource.d";
  l.init_dir = "/etc/init.d";
  l.executable = [files](const std::string& p) { return files.count(p) > 0; };
  return l;
}

}  // namespace

TEST_GROUP(Agents){};

TEST(Agents, resource_d_is_searched_before_init_d) {
  auto r = resolve_agents(parse("lb1 haproxy\n"),
                          lookup_with({"/etc/ha.d/resource.d/haproxy", "/etc/init.d/haproxy"}));
  CHECK(r.ok());
  CHECK(r.value[0][0].kind == AgentKind::resource_d);
  STRCMP_EQUAL("/etc/ha.d/resource.d/haproxy", r.value[0][0].path.c_str());
}

TEST(Agents, init_d_script_is_used_when_resource_d_has_none) {
  auto r = resolve_agents(parse("lb1 nginx\n"), lookup_with({"/etc/init.d/nginx"}));
  CHECK(r.ok());
  CHECK(r.value[0][0].kind == AgentKind::init_d);
}

TEST(Agents, missing_script_is_an_error_with_its_line) {
  auto r = resolve_agents(parse("# c\nlb1 10.0.0.1 haproy\n"), lookup_with({}));
  CHECK_FALSE(r.ok());
  STRCMP_EQUAL(
      "haresources:2: no resource script 'haproy' in /etc/ha.d/resource.d or /etc/init.d",
      r.diagnostics.at(0).to_string().c_str());
}

TEST(Agents, ipaddr_and_a_bare_ip_are_built_in_even_if_a_script_exists) {
  auto r = resolve_agents(parse("lb1 IPaddr2::10.0.0.100/24/eth0 10.0.0.101\n"),
                          lookup_with({"/etc/ha.d/resource.d/IPaddr2"}));
  CHECK(r.ok());
  CHECK(r.value[0][0].kind == AgentKind::vip);
  CHECK(r.value[0][1].kind == AgentKind::vip);
  STRCMP_EQUAL("eth0", r.value[0][0].vip->interface.c_str());
  LONGS_EQUAL(24, *r.value[0][0].vip->prefix);
}

TEST(Agents, compressed_ipv6_addresses_stay_one_argument) {
  auto r = resolve_agents(parse("lb1 IPaddr2::2001:db8::10/64/eth0\n"), lookup_with({}));
  CHECK(r.ok());
  STRCMP_EQUAL("2001:db8::10", r.value[0][0].vip->text.c_str());
  LONGS_EQUAL(64, *r.value[0][0].vip->prefix);
}

TEST(Agents, ipaddr_with_two_ipv4_arguments_is_an_error) {
  auto r = resolve_agents(parse("lb1 IPaddr2::10.0.0.100::24\n"), lookup_with({}));
  CHECK_FALSE(r.ok());
  CHECK(r.diagnostics.at(0).to_string().rfind("haresources:1: IPaddr2: ", 0) == 0);
}

TEST(Agents, bad_vip_argument_is_an_error_with_its_line) {
  auto r = resolve_agents(parse("lb1 IPaddr2::10.0.0.300/24\n"), lookup_with({}));
  CHECK_FALSE(r.ok());
  CHECK(r.diagnostics.at(0).to_string().rfind("haresources:1: IPaddr2: ", 0) == 0);
}

TEST(Agents, script_argv_puts_the_operation_last) {
  auto r = resolve_agents(parse("lb1 Filesystem::/dev/sdb1::/data::ext4\n"),
                          lookup_with({"/etc/ha.d/resource.d/Filesystem"}));
  const auto argv = script_argv(r.value[0][0], core::Op::stop);
  const std::vector<std::string> want{"/etc/ha.d/resource.d/Filesystem", "/dev/sdb1", "/data",
                                      "ext4", "stop"};
  CHECK(want == argv);
}

TEST_GROUP(StatusRule){};

TEST(StatusRule, init_d_scripts_follow_lsb_exit_codes) {
  struct Row {
    int code;
    Status want;
  } rows[] = {{0, Status::running}, {1, Status::stopped}, {2, Status::stopped},
              {3, Status::stopped}, {4, Status::error},   {127, Status::error}};
  for (const Row& r : rows)
    STRCMP_EQUAL(to_string(r.want), to_string(interpret_status(AgentKind::init_d, r.code, "OK")));
}

TEST(StatusRule, resource_d_scripts_keep_heartbeats_output_rule) {
  struct Row {
    const char* output;
    int code;
    Status want;
  } rows[] = {
      {"INFO: IPaddr2 Running OK", 0, Status::running},
      {"haproxy is running", 0, Status::running},
      {"status: OK", 3, Status::running},
      {"ok", 0, Status::stopped},  // "OK" is case-sensitive, as in Heartbeat
      {"haproxy is NOT   running", 0, Status::stopped},
      {"Not running", 0, Status::stopped},
      {"INFO: Resource is stopped", 0, Status::stopped},
      {"", 0, Status::running},  // silent: LSB exit code
      {"  \n", 3, Status::stopped},
      {"", 4, Status::error},
  };
  for (const Row& r : rows)
    STRCMP_EQUAL_TEXT(to_string(r.want),
                      to_string(interpret_status(AgentKind::resource_d, r.code, r.output)),
                      r.output);
}
