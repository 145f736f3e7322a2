// haresources: every message exactly, and Heartbeat's grammar read right.
#include "twinbeat/config/haresources.h"

#include <functional>
#include <string>
#include <vector>

#include "CppUTest/TestHarness.h"
#include "config_test_util.h"

using twinbeat::Diagnostic;
using twinbeat::Parsed;
using namespace twinbeat::config;
using namespace twinbeat::config::testing;

namespace {

std::vector<Diagnostic> haresources_diagnostics(const std::string& text) {
  return parse_haresources(text, "haresources").diagnostics;
}

// "Agent[arg1,arg2]" for each resource of a group, space separated.
std::string describe(const GroupSpec& g) {
  std::string out;
  for (const ResourceSpec& r : g.resources) {
    out += (out.empty() ? "" : " ") + r.agent + "[";
    for (size_t i = 0; i < r.args.size(); ++i) out += (i ? "," : "") + r.args[i];
    out += "]";
  }
  return out;
}

}  // namespace

TEST_GROUP(Haresources){};

TEST(Haresources, resource_errors_name_the_line_and_the_token) {
  const Row rows[] = {
      {"node1\n", "haresources:1: node 'node1' has no resources"},
      {"node1 \\\n\nnode2 x\n", "haresources:1: node 'node1' has no resources"},
      {"node1 ::x\n", "haresources:1: '::x' has no agent name before '::'"},
      {"node1 IPaddr2::\n", "haresources:1: 'IPaddr2::' has an empty argument"},
      {"node1 a::::b\n", "haresources:1: 'a::::b' has an empty argument"},
      {"node1 ../bin/sh\n",
       "haresources:1: agent name '../bin/sh' may hold only letters, digits, '_', '.' and '-' "
       "(agents are looked up in resource.d, not by path)"},
      {"node1 /bin/sh::-c::id\n",
       "haresources:1: agent name '/bin/sh' may hold only letters, digits, '_', '.' and '-' "
       "(agents are looked up in resource.d, not by path)"},
      {"node1 ..::x\n",
       "haresources:1: agent name '..' may hold only letters, digits, '_', '.' and '-' (agents "
       "are looked up in resource.d, not by path)"},
  };
  check_rows(rows, haresources_diagnostics);
}

TEST(Haresources, groups_and_resources_must_be_unique) {
  const Row rows[] = {
      {"node1 haproxy\nnode2 haproxy\n",
       "haresources:2: group 'haproxy' is already defined on line 1"},
      {"node1 a b\nnode2 c b\n", "haresources:2: resource 'b' already appears on line 1"},
      {"node1 a b b\n", "haresources:1: resource 'b' already appears on line 1"},
      {"node1 a b\nnode2 b c\n", "haresources:2: resource 'b' already appears on line 1"},
      {"node1 a \\\n  b\nnode2 c b\n", "haresources:3: resource 'b' already appears on line 2"},
      {"node1 10.0.0.1\nnode2 10.0.0.1\n",
       "haresources:2: group '10.0.0.1' is already defined on line 1"},
  };
  check_rows(rows, haresources_diagnostics);
}

TEST(Haresources, every_error_is_reported_in_one_pass) {
  const Parsed<HaResources> parsed =
      parse_haresources("node1\nnode1 ::x haproxy\nnode2 haproxy\n", "haresources");
  CHECK_FALSE(parsed.ok());
  STRCMP_EQUAL(
      "haresources:1: node 'node1' has no resources\n"
      "haresources:2: '::x' has no agent name before '::'\n"
      "haresources:3: resource 'haproxy' already appears on line 2",
      messages(parsed.diagnostics).c_str());
}

TEST(Haresources, haproxy_pair_reads_as_one_group) {
  const Parsed<HaResources> parsed =
      parse_haresources("node1 IPaddr2::192.168.122.100/24/eth0 haproxy\n", "haresources");
  STRCMP_EQUAL("", messages(parsed.diagnostics).c_str());
  LONGS_EQUAL(1, parsed.value.groups.size());
  const GroupSpec& g = parsed.value.groups[0];
  STRCMP_EQUAL("IPaddr2::192.168.122.100/24/eth0", g.name.c_str());
  STRCMP_EQUAL("node1", g.preferred_node.c_str());
  STRCMP_EQUAL("IPaddr2[192.168.122.100/24/eth0] haproxy[]", describe(g).c_str());
  STRCMP_EQUAL("haproxy", g.resources[1].text.c_str());
  LONGS_EQUAL(1, g.where.line);
  STRCMP_EQUAL("haresources", parsed.value.file.c_str());
}

TEST(Haresources, a_bare_ipv4_address_means_ipaddr) {
  const Parsed<HaResources> parsed = parse_haresources(
      "node1 10.0.0.1 10.0.0.2/24 10.0.0.3/24/eth0 IPaddr::10.0.0.4\n", "haresources");
  STRCMP_EQUAL("", messages(parsed.diagnostics).c_str());
  STRCMP_EQUAL("IPaddr[10.0.0.1] IPaddr[10.0.0.2/24] IPaddr[10.0.0.3/24/eth0] IPaddr[10.0.0.4]",
               describe(parsed.value.groups[0]).c_str());
  STRCMP_EQUAL("10.0.0.1", parsed.value.groups[0].resources[0].text.c_str());
}

TEST(Haresources, arguments_split_on_double_colons) {
  const Parsed<HaResources> parsed = parse_haresources(
      "node2 Filesystem::/dev/sdb1::/data::ext4 nfs-kernel-server MailTo::a@b.example\n",
      "haresources");
  STRCMP_EQUAL("", messages(parsed.diagnostics).c_str());
  STRCMP_EQUAL("Filesystem[/dev/sdb1,/data,ext4] nfs-kernel-server[] MailTo[a@b.example]",
               describe(parsed.value.groups[0]).c_str());
}

TEST(Haresources, the_preferred_node_is_lower_cased) {
  const Parsed<HaResources> parsed = parse_haresources("Node1 haproxy\n", "haresources");
  STRCMP_EQUAL("node1", parsed.value.groups[0].preferred_node.c_str());
}

TEST(Haresources, a_trailing_backslash_continues_the_line) {
  const Parsed<HaResources> parsed = parse_haresources(
      "# comment\n"
      "node2 drbddisk::r0 \\\n"
      "      Filesystem::/dev/drbd0::/srv::ext4 \\  \t\n"
      "\tIPaddr2::10.0.0.101/24/eth0\\\n"
      "      nfs-kernel-server\n"
      "node1 haproxy\n",
      "haresources");
  STRCMP_EQUAL("", messages(parsed.diagnostics).c_str());
  LONGS_EQUAL(2, parsed.value.groups.size());
  const GroupSpec& g = parsed.value.groups[0];
  STRCMP_EQUAL(
      "drbddisk[r0] Filesystem[/dev/drbd0,/srv,ext4] IPaddr2[10.0.0.101/24/eth0] "
      "nfs-kernel-server[]",
      describe(g).c_str());
  LONGS_EQUAL(2, g.where.line);
  LONGS_EQUAL(3, g.resources[1].where.line);
  LONGS_EQUAL(5, g.resources[3].where.line);
  LONGS_EQUAL(6, parsed.value.groups[1].where.line);
}

TEST(Haresources, a_hash_starts_a_comment_anywhere_even_after_a_backslash) {
  const Parsed<HaResources> parsed = parse_haresources(
      "node1 a # b c\n"
      "node2 d # not continued \\\n"
      "node1 e\n",
      "haresources");
  STRCMP_EQUAL("", messages(parsed.diagnostics).c_str());
  LONGS_EQUAL(3, parsed.value.groups.size());
  STRCMP_EQUAL("a[]", describe(parsed.value.groups[0]).c_str());
  STRCMP_EQUAL("d[]", describe(parsed.value.groups[1]).c_str());
}

TEST(Haresources, whitespace_runs_tabs_and_crlf_are_squeezed) {
  const Parsed<HaResources> parsed =
      parse_haresources("  node1\t\t a   b \r\nnode2 c\r\n", "haresources");
  STRCMP_EQUAL("", messages(parsed.diagnostics).c_str());
  STRCMP_EQUAL("a[] b[]", describe(parsed.value.groups[0]).c_str());
  STRCMP_EQUAL("c[]", describe(parsed.value.groups[1]).c_str());
}

TEST(Haresources, a_file_of_comments_has_no_groups_and_is_valid) {
  const Parsed<HaResources> parsed = parse_haresources("# nothing\n\n   \n", "haresources");
  CHECK(parsed.ok());
  LONGS_EQUAL(0, parsed.diagnostics.size());
  LONGS_EQUAL(0, parsed.value.groups.size());
}

TEST(Haresources, a_preferred_node_not_in_ha_cf_is_an_error) {
  const Parsed<HaResources> parsed =
      parse_haresources("lb1 a\n\nlb9 b\nLB2 c\n", "/etc/ha.d/haresources");
  std::vector<Diagnostic> out;
  validate_haresources_nodes(parsed.value, {"lb1", "lb2"}, out);
  STRCMP_EQUAL("/etc/ha.d/haresources:3: node 'lb9' is not in ha.cf (lb1, lb2)",
               messages(out).c_str());
}

TEST(Haresources, shipped_template_and_examples_parse_cleanly) {
  for (const char* path : {"ha.d/haresources", "haresources/haproxy-pair",
                           "haresources/two-vips-dual-stack", "haresources/nfs-server",
                           "haresources/haproxy-pair-monitored"}) {
    const std::string text = read_repo_file(path);
    CHECK_TEXT(!text.empty(), path);
    const Parsed<HaResources> parsed = parse_haresources(text, path);
    STRCMP_EQUAL_TEXT("", messages(parsed.diagnostics).c_str(), path);
    CHECK_TEXT(!parsed.value.groups.empty(), path);
    std::vector<Diagnostic> out;
    validate_haresources_nodes(parsed.value, {"node1", "node2"}, out);
    STRCMP_EQUAL_TEXT("", messages(out).c_str(), path);
  }
}

TEST(Haresources, shipped_template_is_the_haproxy_pair) {
  const Parsed<HaResources> parsed =
      parse_haresources(read_repo_file("ha.d/haresources"), "haresources");
  LONGS_EQUAL(1, parsed.value.groups.size());
  STRCMP_EQUAL("IPaddr2[192.168.122.100/24/eth0] haproxy[]",
               describe(parsed.value.groups[0]).c_str());
  STRCMP_EQUAL("node1", parsed.value.groups[0].preferred_node.c_str());
}

TEST(Haresources, digest_ignores_comments_spacing_and_continuations_but_not_content) {
  const auto a = parse_haresources("lb1 IPaddr2::10.0.0.1/24 haproxy\n", "haresources");
  const auto b = parse_haresources("# same\nlb1   IPaddr2::10.0.0.1/24 \\\n  haproxy  # x\n",
                                   "haresources");
  const auto c = parse_haresources("lb2 IPaddr2::10.0.0.1/24 haproxy\n", "haresources");
  const auto d = parse_haresources("lb1 haproxy IPaddr2::10.0.0.1/24\n", "haresources");
  CHECK(digest(a.value) == digest(b.value));
  CHECK(digest(a.value) != digest(c.value));
  CHECK(digest(a.value) != digest(d.value));
}

TEST(Haresources, more_groups_than_a_heartbeat_reports_is_an_error) {
  std::string text;
  for (int i = 0; i <= 64; ++i) text += "lb1 10.0.1." + std::to_string(i) + "\n";
  const auto parsed = parse_haresources(text, "haresources");
  CHECK_FALSE(parsed.ok());
  STRCMP_EQUAL("haresources:65: more than 64 resource groups; a heartbeat reports at most that many",
               parsed.diagnostics.at(0).to_string().c_str());
}

TEST(Haresources, monitoring_options_follow_a_resource_in_brackets) {
  const Parsed<HaResources> parsed = parse_haresources(
      "node1 IPaddr2::10.0.0.100/24/eth0[monitor=off] "
      "haproxy::/etc/haproxy/haproxy.cfg[monitor=2s,timeout=500ms,check=tcp:10.0.0.100:80]\n"
      "node2 web[check=stats:/run/haproxy/admin.sock] v6[check=tcp:2001:db8::1:443]\n",
      "haresources");
  STRCMP_EQUAL("", messages(parsed.diagnostics).c_str());
  const GroupSpec& g = parsed.value.groups[0];
  STRCMP_EQUAL("IPaddr2::10.0.0.100/24/eth0", g.name.c_str());
  STRCMP_EQUAL("IPaddr2[10.0.0.100/24/eth0] haproxy[/etc/haproxy/haproxy.cfg]", describe(g).c_str());
  LONGS_EQUAL(0, g.resources[0].monitor.interval->count());
  const MonitorOptions& m = g.resources[1].monitor;
  STRCMP_EQUAL("haproxy::/etc/haproxy/haproxy.cfg", g.resources[1].text.c_str());
  LONGS_EQUAL(2000, m.interval->count());
  LONGS_EQUAL(500, m.timeout->count());
  CHECK(m.check->kind == HealthCheck::Kind::tcp);
  STRCMP_EQUAL("10.0.0.100", m.check->host.c_str());
  LONGS_EQUAL(80, m.check->port);
  const GroupSpec& g2 = parsed.value.groups[1];
  STRCMP_EQUAL("web", g2.name.c_str());
  CHECK(g2.resources[0].monitor.check->kind == HealthCheck::Kind::stats);
  STRCMP_EQUAL("/run/haproxy/admin.sock", g2.resources[0].monitor.check->path.c_str());
  CHECK_FALSE(g2.resources[0].monitor.interval);
  STRCMP_EQUAL("2001:db8::1", g2.resources[1].monitor.check->host.c_str());
  LONGS_EQUAL(443, g2.resources[1].monitor.check->port);
  // The brackets are not part of what the peer compares.
  CHECK_EQUAL(digest(parse_haresources("node1 a[monitor=1s] b\n", "x").value),
              digest(parse_haresources("node1 a b\n", "x").value));
}

TEST(Haresources, monitoring_option_errors_name_the_line) {
  const Row rows[] = {
      {"node1 a[monitor=soon]\n", "haresources:1: monitor: 'soon' is not a time (2s, 500ms) or off"},
      {"node1 a[timeout=0]\n", "haresources:1: timeout: '0' is not a time (2s, 500ms)"},
      {"node1 a[restarts=2]\n",
       "haresources:1: 'restarts' is not a monitoring option (monitor, timeout, check)"},
      {"node1 a[monitor]\n",
       "haresources:1: '[monitor]': 'monitor' is not key=value (monitor, timeout, check)"},
      {"node1 a[monitor=1s]b\n",
       "haresources:1: 'a[monitor=1s]b': monitoring options go last, as RESOURCE[key=value,...]"},
      {"node1 a[check=http://x]\n",
       "haresources:1: check: 'http://x' is not a check (stats:PATH or tcp:HOST:PORT)"},
      {"node1 a[check=tcp:10.0.0.1]\n", "haresources:1: check: tcp: takes HOST:PORT"},
      {"node1 a[check=tcp:web:80]\n",
       "haresources:1: check: tcp: 'web' is not an IPv4 or IPv6 address"},
      {"node1 a[check=stats:admin.sock]\n",
       "haresources:1: check: stats: needs the absolute path of haproxy's stats socket"},
      {"node1 a[monitor=1s] a\n", "haresources:1: resource 'a' already appears on line 1"},
  };
  check_rows(rows, haresources_diagnostics);
}
