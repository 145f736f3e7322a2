// ha.cf lines and directives: every message exactly, and real files read right.
#include "twinbeat/config/ha_cf.h"

#include <syslog.h>

#include <functional>
#include <string>
#include <vector>

#include "CppUTest/TestHarness.h"
#include "config_test_util.h"

using twinbeat::Millis;
using twinbeat::Parsed;
using namespace twinbeat::config;
using namespace twinbeat::config::testing;

namespace {

// Reference §1.6: a typical two-node v1 ha.cf as found in the wild.
constexpr const char* kTypical =
    "logfacility local0\n"
    "keepalive 1\n"
    "deadtime 10\n"
    "warntime 5\n"
    "initdead 60\n"
    "udpport 694\n"
    "ucast eth1 192.168.100.2      # dedicated link (identical file on both: own IP is ignored)\n"
    "ucast eth1 192.168.100.1\n"
    "bcast eth0                     # second path\n"
    "auto_failback off\n"
    "node lb1 lb2\n"
    "ping 10.0.0.254\n"
    "respawn hacluster /usr/libexec/heartbeat/ipfail\n"
    "crm no\n";

}  // namespace

TEST_GROUP(HaCf){};

TEST(HaCf, scalar_directive_errors_name_the_line_and_the_value) {
  const Row rows[] = {
      {"keepalive\n", "ha.cf:1: keepalive needs a value"},
      {"keepalive 1500 ms\n", "ha.cf:1: keepalive takes one value, got '1500 ms' (write 1500ms)"},
      {"deadtime 2 s\n", "ha.cf:1: deadtime takes one value, got '2 s' (write 2s)"},
      {"udpport 694 695\n", "ha.cf:1: udpport takes one value, got '694 695'"},
      {"udpport 694,695\n", "ha.cf:1: udpport takes one value, got '694 695'"},
      {"deadtime 2x\n", "ha.cf:1: deadtime: '2x' is not a time (examples: 2, 1.5, 500ms, 2s)"},
      {"warntime -1\n", "ha.cf:1: warntime: '-1' is not a time (examples: 2, 1.5, 500ms, 2s)"},
      {"initdead 1e3\n", "ha.cf:1: initdead: '1e3' is not a time (examples: 2, 1.5, 500ms, 2s)"},
      {"deadping 10m\n", "ha.cf:1: deadping: '10m' is not a time (examples: 2, 1.5, 500ms, 2s)"},
      {"keepalive 0\n", "ha.cf:1: keepalive: '0' is 0 ms; it must be at least 1ms"},
      {"keepalive 499us\n", "ha.cf:1: keepalive: '499us' is 0 ms; it must be at least 1ms"},
      {"deadtime 3601\n", "ha.cf:1: deadtime: '3601' is more than an hour (3600s)"},
      {"udpport 0\n", "ha.cf:1: udpport: '0' is not a port (1..65535)"},
      {"udpport 65536\n", "ha.cf:1: udpport: '65536' is not a port (1..65535)"},
      {"auto_failback maybe\n", "ha.cf:1: auto_failback: 'maybe' is not on, off or legacy"},
      {"logfacility local8\n",
       "ha.cf:1: logfacility: 'local8' is not a syslog facility (daemon, local0..local7, auth, "
       "authpriv, cron, ftp, kern, lpr, mail, news, syslog, user, uucp, or none)"},
      {"realtime maybe\n",
       "ha.cf:1: realtime: 'maybe' is not a boolean (on/off, yes/no, true/false, y/n, 1/0)"},
      {"rtprio 0\n", "ha.cf:1: rtprio: '0' is not a priority (1..99)"},
      {"rtprio 100\n", "ha.cf:1: rtprio: '100' is not a priority (1..99)"},
      {"watchdog /dev/watchdog\nwatchdog /dev/watchdog1\n",
       "ha.cf:1: warning: 'watchdog' is read but has no effect in this version\n"
       "ha.cf:2: watchdog is multiply specified (first on line 1); give it once"},
      {"keepalive 2\nkeepalive 1\n",
       "ha.cf:2: warning: keepalive is set again; this replaces the value on line 1"},
  };
  check_rows(rows, ha_cf_parser(kTwoNodesAndALink));
}

TEST(HaCf, crm_on_in_any_form_is_refused_with_the_fix) {
  const Row rows[] = {
      {"crm yes\n",
       "ha.cf:1: crm yes: twinbeat manages haresources groups itself and does not run under "
       "Pacemaker; set 'crm no', or move the cluster to Pacemaker with 'twinbeat export "
       "pacemaker'"},
      {"crm respawn\n",
       "ha.cf:1: crm respawn: twinbeat manages haresources groups itself and does not run "
       "under Pacemaker; set 'crm no', or move the cluster to Pacemaker with 'twinbeat export "
       "pacemaker'"},
      {"pacemaker on\n",
       "ha.cf:1: pacemaker on: twinbeat manages haresources groups itself and does not run "
       "under Pacemaker; set 'crm no', or move the cluster to Pacemaker with 'twinbeat export "
       "pacemaker'"},
      {"crm no\n", ""},
      {"pacemaker off\n", ""},
  };
  check_rows(rows, ha_cf_parser(kTwoNodesAndALink));
}

TEST(HaCf, unknown_directives_are_errors) {
  const Row rows[] = {
      {"foo 1\n", "ha.cf:1: unknown directive 'foo'"},
      {"Keepalive 1\n",
       "ha.cf:1: unknown directive 'Keepalive' (directive names are lower case: write "
       "'keepalive')"},
      {"NODE lb3\n",
       "ha.cf:1: unknown directive 'NODE' (directive names are lower case: write 'node')"},
      {"logdaemon yes\n", "ha.cf:1: unknown directive 'logdaemon'"},
  };
  check_rows(rows, ha_cf_parser(kTwoNodesAndALink));
}

TEST(HaCf, node_errors_name_the_node) {
  const Row rows[] = {
      {"node\n", "ha.cf:1: node needs at least one name"},
      {"node lb@1\n",
       "ha.cf:1: node name 'lb@1' is not valid (1 to 64 of a-z, 0-9, '.', '_', '-')"},
      {"node LB1\n", "ha.cf:2: node 'lb1' is listed twice (first on line 1)"},
      {"node "
       "a2345678901234567890123456789012345678901234567890123456789012345\n",
       "ha.cf:1: node name "
       "'a2345678901234567890123456789012345678901234567890123456789012345' is not valid (1 to "
       "64 of a-z, 0-9, '.', '_', '-')"},
  };
  check_rows(rows, ha_cf_parser(kTwoNodesAndALink));
}

TEST(HaCf, kept_directives_need_arguments) {
  const Row rows[] = {
      {"stonith\n", "ha.cf:1: stonith has no arguments"},
      {"stonith_host\n", "ha.cf:1: stonith_host has no arguments"},
      {"respawn\n", "ha.cf:1: respawn has no arguments"},
  };
  check_rows(rows, ha_cf_parser(kTwoNodesAndALink));
}

TEST(HaCf, every_heartbeat_directive_twinbeat_ignores_is_warned_by_name) {
  for (const char* name : {"uuidfrom",
                           "cluster",
                           "quorum_server",
                           "nice_failback",
                           "crm_daemon_dir",
                           "crmd_spawns_pengine",
                           "record_config_changes",
                           "record_pengine_inputs",
                           "enable_config_writes",
                           "apiauth",
                           "env",
                           "use_apphbd",
                           "use_logd",
                           "conn_logd_time",
                           "syslogmsgfmt",
                           "log_badpack",
                           "debug",
                           "memreserve",
                           "coredumps",
                           "coreroot",
                           "hbgenmethod",
                           "msgfmt",
                           "compression",
                           "compression_threshold",
                           "traditional_compression",
                           "max_rexmit_delay",
                           "normalpoll",
                           "hopfudge",
                           "failfast"}) {
    const std::string text = std::string(name) + " x\n" + kTwoNodesAndALink;
    const std::string expected = std::string("ha.cf:1: warning: '") + name +
                                 "' is a Heartbeat directive twinbeat does not implement; ignored";
    STRCMP_EQUAL(expected.c_str(), messages(parse_ha_cf(text, "ha.cf").diagnostics).c_str());
  }
}

TEST(HaCf, autojoin_other_than_none_is_an_error_as_in_heartbeat) {
  const Row rows[] = {
      {"autojoin any\n",
       "ha.cf:1: autojoin any conflicts with haresources resource management (as in Heartbeat); "
       "remove the line or write 'autojoin none'"},
      {"autojoin other\n",
       "ha.cf:1: autojoin other conflicts with haresources resource management (as in "
       "Heartbeat); remove the line or write 'autojoin none'"},
      {"autojoin sometimes\n", "ha.cf:1: autojoin takes one value: none, other or any"},
      {"autojoin none\n",
       "ha.cf:1: warning: 'autojoin' is a Heartbeat directive twinbeat does not implement; "
       "ignored"},
  };
  check_rows(rows, ha_cf_parser(kTwoNodesAndALink));
}

TEST(HaCf, every_error_in_the_file_is_reported_in_one_pass) {
  const Parsed<HaCf> parsed =
      parse_ha_cf("keepalive 2x\nfoo\nnode lb1 lb2\nucast eth1 lb2\nrtprio 0\n", "ha.cf");
  CHECK_FALSE(parsed.ok());
  STRCMP_EQUAL(
      "ha.cf:1: keepalive: '2x' is not a time (examples: 2, 1.5, 500ms, 2s)\n"
      "ha.cf:2: unknown directive 'foo'\n"
      "ha.cf:4: ucast: peer 'lb2' is not an IPv4 address; write the address (names are not "
      "resolved)\n"
      "ha.cf:5: rtprio: '0' is not a priority (1..99)",
      messages(parsed.diagnostics).c_str());
}

TEST(HaCf, diagnostics_carry_the_file_name_given) {
  const Parsed<HaCf> parsed =
      parse_ha_cf(std::string("foo\n") + kTwoNodesAndALink, "/etc/ha.d/ha.cf");
  STRCMP_EQUAL("/etc/ha.d/ha.cf:1: unknown directive 'foo'", messages(parsed.diagnostics).c_str());
  STRCMP_EQUAL("/etc/ha.d/ha.cf", parsed.value.file.c_str());
}

TEST(HaCf, warnings_alone_leave_the_file_usable) {
  const Parsed<HaCf> parsed =
      parse_ha_cf(std::string("use_logd yes\n") + kTwoNodesAndALink, "ha.cf");
  LONGS_EQUAL(1, parsed.diagnostics.size());
  CHECK(parsed.ok());
}

TEST(HaCf, typical_heartbeat_file_reads_with_warnings_only_for_what_does_nothing_yet) {
  const Parsed<HaCf> parsed = parse_ha_cf(kTypical, "ha.cf");
  STRCMP_EQUAL("ha.cf:13: warning: 'respawn' is read but has no effect in this version",
               messages(parsed.diagnostics).c_str());
  const HaCf& cf = parsed.value;
  CHECK(cf.logfacility == LOG_LOCAL0);
  LONGS_EQUAL(1000, cf.keepalive.count());
  LONGS_EQUAL(10000, cf.deadtime.count());
  LONGS_EQUAL(5000, cf.warntime.count());
  LONGS_EQUAL(60000, cf.initdead.count());
  LONGS_EQUAL(694, cf.udpport);
  CHECK(cf.auto_failback == AutoFailback::off);
  LONGS_EQUAL(2, cf.nodes.size());
  STRCMP_EQUAL("lb1", cf.nodes[0].c_str());
  STRCMP_EQUAL("lb2", cf.nodes[1].c_str());
  LONGS_EQUAL(11, cf.node_where.line);
  LONGS_EQUAL(2, cf.keepalive_where.line);
  LONGS_EQUAL(5, cf.initdead_where.line);
}

TEST(HaCf, typical_heartbeat_file_gives_its_links_in_file_order) {
  const Parsed<HaCf> parsed = parse_ha_cf(kTypical, "ha.cf");
  const std::vector<LinkSpec>& links = parsed.value.links;
  LONGS_EQUAL(3, links.size());
  CHECK(links[0].kind == LinkKind::ucast);
  STRCMP_EQUAL("eth1", links[0].interface.c_str());
  STRCMP_EQUAL("192.168.100.2", links[0].peer.c_str());
  LONGS_EQUAL(694, links[0].port);
  LONGS_EQUAL(7, links[0].where.line);
  STRCMP_EQUAL("ha.cf", links[0].where.file.c_str());
  STRCMP_EQUAL("192.168.100.1", links[1].peer.c_str());
  CHECK(links[2].kind == LinkKind::bcast);
  STRCMP_EQUAL("eth0", links[2].interface.c_str());
  LONGS_EQUAL(694, links[2].port);
}

TEST(HaCf, typical_heartbeat_file_has_its_ping_node_and_keeps_respawn_verbatim) {
  const Parsed<HaCf> parsed = parse_ha_cf(kTypical, "ha.cf");
  const HaCf& cf = parsed.value;
  LONGS_EQUAL(1, cf.ping_nodes.size());
  LONGS_EQUAL(1, cf.ping_nodes[0].addresses.size());
  STRCMP_EQUAL("10.0.0.254", cf.ping_nodes[0].name.c_str());
  LONGS_EQUAL(12, cf.ping_nodes[0].where.line);
  LONGS_EQUAL(1, cf.respawn.size());
  LONGS_EQUAL(2, cf.respawn[0].args.size());
  STRCMP_EQUAL("hacluster", cf.respawn[0].args[0].c_str());
  STRCMP_EQUAL("/usr/libexec/heartbeat/ipfail", cf.respawn[0].args[1].c_str());
  LONGS_EQUAL(13, cf.respawn[0].where.line);
}

TEST(HaCf, minimal_file_takes_heartbeats_defaults) {
  const Parsed<HaCf> parsed = parse_ha_cf(kTwoNodesAndALink, "ha.cf");
  CHECK(parsed.ok());
  const HaCf& cf = parsed.value;
  LONGS_EQUAL(1000, cf.keepalive.count());
  LONGS_EQUAL(30000, cf.deadtime.count());
  LONGS_EQUAL(15000, cf.warntime.count());
  LONGS_EQUAL(30000, cf.initdead.count());
  LONGS_EQUAL(694, cf.udpport);
  CHECK(cf.auto_failback == AutoFailback::legacy);
  CHECK_FALSE(cf.logfacility.has_value());
  CHECK(cf.realtime);
  LONGS_EQUAL(1, cf.rtprio);
  CHECK_FALSE(cf.deadping.has_value());
  CHECK_FALSE(cf.watchdog.has_value());
  LONGS_EQUAL(60000, cf.resource_start_timeout.count());
  LONGS_EQUAL(60000, cf.resource_stop_timeout.count());
  LONGS_EQUAL(10000, cf.resource_status_timeout.count());
  LONGS_EQUAL(5, cf.arp_count);
  LONGS_EQUAL(200, cf.arp_interval.count());
  LONGS_EQUAL(0, cf.keepalive_where.line);
  LONGS_EQUAL(0, cf.warntime_where.line);
  LONGS_EQUAL(1, cf.node_where.line);
}

TEST(HaCf, the_last_value_of_a_repeated_scalar_wins) {
  const Parsed<HaCf> parsed =
      parse_ha_cf(std::string("keepalive 2\nkeepalive 500ms\n") + kTwoNodesAndALink, "ha.cf");
  LONGS_EQUAL(500, parsed.value.keepalive.count());
  LONGS_EQUAL(2, parsed.value.keepalive_where.line);
}

TEST(HaCf, scalar_values_are_stored) {
  const Parsed<HaCf> parsed =
      parse_ha_cf(std::string("auto_failback on\nlogfacility daemon\nlogfile /var/log/ha-log\n"
                              "debugfile /var/log/ha-debug\nrealtime off\nrtprio 50\ndeadping 5\n"
                              "watchdog /dev/watchdog\nping 10.0.0.254\n") +
                      kTwoNodesAndALink,
                  "ha.cf");
  STRCMP_EQUAL("ha.cf:8: warning: 'watchdog' is read but has no effect in this version",
               messages(parsed.diagnostics).c_str());
  const HaCf& cf = parsed.value;
  CHECK(cf.auto_failback == AutoFailback::on);
  CHECK(cf.logfacility == LOG_DAEMON);
  STRCMP_EQUAL("/var/log/ha-log", cf.logfile.c_str());
  STRCMP_EQUAL("/var/log/ha-debug", cf.debugfile.c_str());
  CHECK_FALSE(cf.realtime);
  LONGS_EQUAL(50, cf.rtprio);
  CHECK(cf.deadping == Millis{5000});
  STRCMP_EQUAL("/dev/watchdog", cf.watchdog->c_str());
}

TEST(HaCf, resource_timeouts_and_arp_burst_are_read) {
  const Parsed<HaCf> parsed = parse_ha_cf(
      std::string("resource_start_timeout 90s\nresource_stop_timeout 2m\n") + kTwoNodesAndALink,
      "ha.cf");
  STRCMP_EQUAL("ha.cf:2: resource_stop_timeout: '2m' is not a time (examples: 2, 1.5, 500ms, 2s)",
               messages(parsed.diagnostics).c_str());
  const Parsed<HaCf> good = parse_ha_cf(
      std::string("resource_start_timeout 90s\nresource_stop_timeout 120\n"
                  "resource_status_timeout 5s\narp_count 8\narp_interval 100ms\n") +
          kTwoNodesAndALink,
      "ha.cf");
  STRCMP_EQUAL("", messages(good.diagnostics).c_str());
  LONGS_EQUAL(90000, good.value.resource_start_timeout.count());
  LONGS_EQUAL(120000, good.value.resource_stop_timeout.count());
  LONGS_EQUAL(5000, good.value.resource_status_timeout.count());
  LONGS_EQUAL(8, good.value.arp_count);
  LONGS_EQUAL(100, good.value.arp_interval.count());
  const Parsed<HaCf> bad = parse_ha_cf(std::string("arp_count 101\n") + kTwoNodesAndALink, "ha.cf");
  STRCMP_EQUAL("ha.cf:1: arp_count: '101' is not a count (0..100)",
               messages(bad.diagnostics).c_str());
}

TEST(HaCf, vips_are_probed_by_default_and_not_refreshed) {
  const HaCf cf = parse_ha_cf(kTwoNodesAndALink, "ha.cf").value;
  CHECK_TRUE(cf.vip_probe);
  LONGS_EQUAL(20, cf.vip_probe_wait.count());
  CHECK_FALSE(cf.arp_refresh.has_value());
}

TEST(HaCf, vip_probe_and_arp_refresh_are_read) {
  const Parsed<HaCf> good = parse_ha_cf(
      std::string("vip_probe off\nvip_probe_wait 50ms\narp_refresh 30\n") + kTwoNodesAndALink,
      "ha.cf");
  STRCMP_EQUAL("", messages(good.diagnostics).c_str());
  CHECK_FALSE(good.value.vip_probe);
  LONGS_EQUAL(50, good.value.vip_probe_wait.count());
  LONGS_EQUAL(30000, good.value.arp_refresh->count());
  const Parsed<HaCf> off =
      parse_ha_cf(std::string("arp_refresh 5s\narp_refresh off\n") + kTwoNodesAndALink, "ha.cf");
  CHECK_FALSE(off.value.arp_refresh.has_value());
}

TEST(HaCf, bad_vip_probe_and_arp_refresh_values_are_errors) {
  const struct {
    const char* line;
    const char* message;
  } rows[] = {
      {"vip_probe maybe", "ha.cf:1: vip_probe: 'maybe' is not a boolean (on, off)"},
      {"vip_probe_wait 0", "ha.cf:1: vip_probe_wait: '0' is 0 ms; it must be at least 1ms"},
      {"vip_probe_wait 3s", "ha.cf:1: vip_probe_wait: '3s' is more than 2s (every takeover waits it)"},
      {"vip_probe_wait 20 ms", "ha.cf:1: vip_probe_wait takes one value, got '20 ms' (write 20ms)"},
      {"arp_refresh 500ms", "ha.cf:1: arp_refresh: '500ms' is shorter than 1s"},
      {"arp_refresh never", "ha.cf:1: arp_refresh: 'never' is not a time (examples: 2, 1.5, 500ms, 2s)"},
  };
  for (const auto& row : rows) {
    const Parsed<HaCf> p = parse_ha_cf(std::string(row.line) + "\n" + kTwoNodesAndALink, "ha.cf");
    STRCMP_EQUAL(row.message, messages(p.diagnostics).c_str());
  }
}

TEST(HaCf, resource_monitoring_is_off_unless_an_interval_is_set) {
  const Parsed<HaCf> none = parse_ha_cf(kTwoNodesAndALink, "ha.cf");
  CHECK_FALSE(none.value.resource_monitor);
  LONGS_EQUAL(3, none.value.resource_restarts);
  LONGS_EQUAL(300000, none.value.resource_restart_window.count());
  const Parsed<HaCf> good = parse_ha_cf(
      std::string("resource_monitor 2s\nresource_monitor_timeout 1s\nresource_restarts 2\n"
                  "resource_restart_window 60\n") +
          kTwoNodesAndALink,
      "ha.cf");
  STRCMP_EQUAL("", messages(good.diagnostics).c_str());
  LONGS_EQUAL(2000, good.value.resource_monitor->count());
  LONGS_EQUAL(1000, good.value.resource_monitor_timeout->count());
  LONGS_EQUAL(2, good.value.resource_restarts);
  LONGS_EQUAL(60000, good.value.resource_restart_window.count());
  const Parsed<HaCf> off =
      parse_ha_cf(std::string("resource_monitor 2s\nresource_monitor off\n") + kTwoNodesAndALink, "ha.cf");
  CHECK_FALSE(off.value.resource_monitor);
  const Parsed<HaCf> bad = parse_ha_cf(
      std::string("resource_monitor often\nresource_restarts -1\n") + kTwoNodesAndALink, "ha.cf");
  STRCMP_EQUAL(
      "ha.cf:1: resource_monitor: 'often' is not a time (examples: 2, 1.5, 500ms, 2s)\n"
      "ha.cf:2: resource_restarts: '-1' is not a count (0..1000)",
      messages(bad.diagnostics).c_str());
}

TEST(HaCf, logfacility_names_map_to_syslog_values) {
  struct {
    const char* name;
    int value;
  } rows[] = {{"auth", LOG_AUTH},     {"authpriv", LOG_AUTHPRIV}, {"cron", LOG_CRON},
              {"daemon", LOG_DAEMON}, {"ftp", LOG_FTP},           {"kern", LOG_KERN},
              {"lpr", LOG_LPR},       {"mail", LOG_MAIL},         {"news", LOG_NEWS},
              {"syslog", LOG_SYSLOG}, {"user", LOG_USER},         {"uucp", LOG_UUCP},
              {"local0", LOG_LOCAL0}, {"local7", LOG_LOCAL7},     {"LOCAL3", LOG_LOCAL3}};
  for (const auto& row : rows) {
    const std::string text = std::string("logfacility ") + row.name + "\n" + kTwoNodesAndALink;
    const Parsed<HaCf> parsed = parse_ha_cf(text, "ha.cf");
    CHECK_TEXT(parsed.value.logfacility == row.value, row.name);
  }
  const Parsed<HaCf> none = parse_ha_cf(
      std::string("logfacility local0\nlogfacility none\n") + kTwoNodesAndALink, "ha.cf");
  CHECK_FALSE(none.value.logfacility.has_value());
}

TEST(HaCf, fencing_directives_are_read) {
  const Parsed<HaCf> p = parse_ha_cf(std::string("fence_delay 3s\nfence_attempts 2\n"
                                                 "wait_for_all off\nvip_lease 9s\n") +
                                         kTwoNodesAndALink,
                                     "ha.cf");
  STRCMP_EQUAL("", messages(p.diagnostics).c_str());
  LONGS_EQUAL(3000, p.value.fence_delay.count());
  LONGS_EQUAL(2, p.value.fence_attempts);
  CHECK(p.value.wait_for_all == false);
  LONGS_EQUAL(9000, effective_vip_lease(p.value)->count());
  const Parsed<HaCf> bad = parse_ha_cf(
      std::string("vip_lease 500ms\nfence_attempts 0\nwait_for_all maybe\n") + kTwoNodesAndALink,
      "ha.cf");
  STRCMP_EQUAL(
      "ha.cf:1: vip_lease: '500ms' is shorter than 2s (the kernel counts in seconds)\n"
      "ha.cf:2: fence_attempts: '0' is not a count (1..100)\n"
      "ha.cf:3: wait_for_all: 'maybe' is not a boolean (on, off)",
      messages(bad.diagnostics).c_str());
}

TEST(HaCf, metrics_file_needs_an_absolute_path) {
  const Parsed<HaCf> p = parse_ha_cf(
      std::string("metrics_file /var/lib/node_exporter/twinbeat.prom\nmetrics_interval 30s\n") +
          kTwoNodesAndALink,
      "ha.cf");
  STRCMP_EQUAL("", messages(p.diagnostics).c_str());
  STRCMP_EQUAL("/var/lib/node_exporter/twinbeat.prom", p.value.metrics_file.c_str());
  LONGS_EQUAL(30000, p.value.metrics_interval.count());
  const Parsed<HaCf> bad =
      parse_ha_cf(std::string("metrics_file twinbeat.prom\n") + kTwoNodesAndALink, "ha.cf");
  STRCMP_EQUAL("ha.cf:1: metrics_file: 'twinbeat.prom' must be an absolute path",
               messages(bad.diagnostics).c_str());
}

TEST(HaCf, vip_lease_is_derived_from_deadtime_unless_set_or_off) {
  auto lease = [](const std::string& text) {
    return effective_vip_lease(parse_ha_cf(text + kTwoNodesAndALink, "ha.cf").value);
  };
  LONGS_EQUAL(28000, lease("")->count());  // deadtime 30 s
  LONGS_EQUAL(8000, lease("deadtime 10\n")->count());
  LONGS_EQUAL(2000, lease("keepalive 25ms\ndeadtime 250ms\n")->count());
  CHECK_FALSE(lease("vip_lease off\n").has_value());
}

TEST(HaCf, explicit_legacy_auto_failback_is_warned_as_working_like_on) {
  const Parsed<HaCf> parsed =
      parse_ha_cf(std::string("auto_failback legacy\n") + kTwoNodesAndALink, "ha.cf");
  STRCMP_EQUAL("ha.cf:1: warning: auto_failback legacy (Heartbeat's default) works as 'on' here; "
               "write 'auto_failback on' or 'auto_failback off'",
               messages(parsed.diagnostics).c_str());
}

TEST(HaCf, auto_failback_takes_booleans_and_legacy) {
  struct {
    const char* value;
    AutoFailback want;
  } rows[] = {{"on", AutoFailback::on},         {"yes", AutoFailback::on},
              {"off", AutoFailback::off},       {"0", AutoFailback::off},
              {"legacy", AutoFailback::legacy}, {"LEGACY", AutoFailback::legacy}};
  for (const auto& row : rows) {
    const std::string text = std::string("auto_failback ") + row.value + "\n" + kTwoNodesAndALink;
    CHECK_TEXT(parse_ha_cf(text, "ha.cf").value.auto_failback == row.want, row.value);
  }
}

TEST(HaCf, nodes_split_on_commas_and_are_lower_cased) {
  const Parsed<HaCf> parsed = parse_ha_cf("node LB1,Lb2\nucast eth1 10.0.0.2\n", "ha.cf");
  CHECK(parsed.ok());
  STRCMP_EQUAL("lb1", parsed.value.nodes[0].c_str());
  STRCMP_EQUAL("lb2", parsed.value.nodes[1].c_str());
}

TEST(HaCf, nodes_accumulate_over_lines) {
  const Parsed<HaCf> parsed =
      parse_ha_cf("node lb1.example.com\nucast eth1 10.0.0.2\nnode lb_2-b\n", "ha.cf");
  CHECK(parsed.ok());
  LONGS_EQUAL(2, parsed.value.nodes.size());
  STRCMP_EQUAL("lb_2-b", parsed.value.nodes[1].c_str());
  LONGS_EQUAL(1, parsed.value.node_where.line);
}

TEST(HaCf, stonith_host_is_kept_split_on_whitespace_only) {
  const Parsed<HaCf> parsed = parse_ha_cf(
      std::string("stonith_host * external/libvirt lb1,lb2 qemu+ssh://hv/system reboot\n"
                  "stonith external/ssh /etc/ha.d/stonith.cfg\n") +
          kTwoNodesAndALink,
      "ha.cf");
  CHECK(parsed.ok());
  const HaCf& cf = parsed.value;
  LONGS_EQUAL(1, cf.stonith_host.size());
  const std::vector<std::string>& args = cf.stonith_host[0].args;
  LONGS_EQUAL(5, args.size());
  STRCMP_EQUAL("*", args[0].c_str());
  STRCMP_EQUAL("lb1,lb2", args[2].c_str());
  STRCMP_EQUAL("reboot", args[4].c_str());
  LONGS_EQUAL(1, cf.stonith_host[0].where.line);
  LONGS_EQUAL(1, cf.stonith.size());
  LONGS_EQUAL(2, cf.stonith[0].args.size());
}

TEST(HaCf, ping_gives_one_entry_per_address_and_ping_group_one_per_line) {
  const Parsed<HaCf> parsed =
      parse_ha_cf(std::string("ping 10.0.0.1, 10.0.0.2\nping_group routers 10.0.0.3 10.0.0.4\n") +
                      kTwoNodesAndALink,
                  "ha.cf");
  CHECK(parsed.ok());
  const std::vector<PingNode>& nodes = parsed.value.ping_nodes;
  LONGS_EQUAL(3, nodes.size());
  STRCMP_EQUAL("10.0.0.2", nodes[1].name.c_str());
  CHECK_FALSE(nodes[1].group);
  STRCMP_EQUAL("routers", nodes[2].name.c_str());
  CHECK(nodes[2].group);
  LONGS_EQUAL(2, nodes[2].addresses.size());
  STRCMP_EQUAL("10.0.0.4", nodes[2].addresses[1].c_str());
  LONGS_EQUAL(2, nodes[2].where.line);
}

TEST(HaCf, a_hash_starts_a_comment_anywhere_and_blank_lines_are_skipped) {
  const Parsed<HaCf> parsed =
      parse_ha_cf("# comment\n\n   \t\nkeepalive 2 # two seconds\n  deadtime 20#no space\n" +
                      std::string(kTwoNodesAndALink),
                  "ha.cf");
  STRCMP_EQUAL("", messages(parsed.diagnostics).c_str());
  LONGS_EQUAL(2000, parsed.value.keepalive.count());
  LONGS_EQUAL(20000, parsed.value.deadtime.count());
  LONGS_EQUAL(5, parsed.value.deadtime_where.line);
}

TEST(HaCf, crlf_line_ends_and_a_missing_final_newline_are_fine) {
  const Parsed<HaCf> parsed =
      parse_ha_cf("keepalive 2\r\nnode lb1 lb2\r\nucast eth1 10.0.0.2", "ha.cf");
  STRCMP_EQUAL("", messages(parsed.diagnostics).c_str());
  LONGS_EQUAL(2000, parsed.value.keepalive.count());
  STRCMP_EQUAL("10.0.0.2", parsed.value.links[0].peer.c_str());
}

TEST(HaCf, shipped_template_parses_cleanly) {
  const std::string text = read_repo_file("ha.d/ha.cf");
  CHECK_TEXT(!text.empty(), "ha.d/ha.cf not found: run the tests from the repository root");
  const Parsed<HaCf> parsed = parse_ha_cf(text, "ha.d/ha.cf");
  STRCMP_EQUAL("", messages(parsed.diagnostics).c_str());
  LONGS_EQUAL(2, parsed.value.nodes.size());
  CHECK_FALSE(parsed.value.links.empty());
}
