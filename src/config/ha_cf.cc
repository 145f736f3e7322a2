// ha.cf: splitting lines into directives, and the directives that set one
// value, list nodes, or are kept or ignored. Links are in ha_cf_media.cc, the
// checks that need the whole file in ha_cf_checks.cc.
#include "twinbeat/config/ha_cf.h"

#include <syslog.h>

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ha_cf_parse.h"
#include "line_order.h"
#include "twinbeat/config/tokens.h"

namespace twinbeat::config {

using detail::HaCfParse;

namespace {

constexpr std::string_view kHaDelimiters = " \t\r\n\f\v,";
constexpr Millis kMaxTime{3'600'000};

// --- scalar directives ----------------------------------------------------

// Sets the directive's value from its one token; reports its own error and
// returns false when the token is not acceptable.
using Setter = bool (*)(HaCfParse& p, std::string_view name, const std::string& value, int line);

bool set_time(HaCfParse& p, std::string_view name, const std::string& value, int line,
              Millis& out) {
  const std::optional<Millis> t = parse_time(value);
  if (!t) {
    p.sink.error(
        line, std::string(name) + ": '" + value + "' is not a time (examples: 2, 1.5, 500ms, 2s)");
    return false;
  }
  if (t->count() <= 0) {
    p.sink.error(line, std::string(name) + ": '" + value + "' is 0 ms; it must be at least 1ms");
    return false;
  }
  // Heartbeats carry the timers in 32-bit milliseconds, capped at an hour.
  if (*t > kMaxTime) {
    p.sink.error(line, std::string(name) + ": '" + value + "' is more than an hour (3600s)");
    return false;
  }
  out = *t;
  return true;
}

bool set_keepalive(HaCfParse& p, std::string_view n, const std::string& v, int line) {
  return set_time(p, n, v, line, p.cf.keepalive);
}
bool set_deadtime(HaCfParse& p, std::string_view n, const std::string& v, int line) {
  return set_time(p, n, v, line, p.cf.deadtime);
}
bool set_warntime(HaCfParse& p, std::string_view n, const std::string& v, int line) {
  return set_time(p, n, v, line, p.cf.warntime);
}
bool set_initdead(HaCfParse& p, std::string_view n, const std::string& v, int line) {
  return set_time(p, n, v, line, p.cf.initdead);
}
bool set_deadping(HaCfParse& p, std::string_view n, const std::string& v, int line) {
  Millis t{0};
  if (!set_time(p, n, v, line, t)) return false;
  p.cf.deadping = t;
  return true;
}

bool set_start_timeout(HaCfParse& p, std::string_view n, const std::string& v, int line) {
  return set_time(p, n, v, line, p.cf.resource_start_timeout);
}
bool set_stop_timeout(HaCfParse& p, std::string_view n, const std::string& v, int line) {
  return set_time(p, n, v, line, p.cf.resource_stop_timeout);
}
bool set_status_timeout(HaCfParse& p, std::string_view n, const std::string& v, int line) {
  return set_time(p, n, v, line, p.cf.resource_status_timeout);
}
// Monitoring of held resources: off unless an interval is set ("0" or
// "off" switch it off again).
bool set_resource_monitor(HaCfParse& p, std::string_view n, const std::string& v, int line) {
  if (to_lower(v) == "off" || v == "0") {
    p.cf.resource_monitor.reset();
    return true;
  }
  Millis t{0};
  if (!set_time(p, n, v, line, t)) return false;
  p.cf.resource_monitor = t;
  return true;
}
bool set_monitor_timeout(HaCfParse& p, std::string_view n, const std::string& v, int line) {
  Millis t{0};
  if (!set_time(p, n, v, line, t)) return false;
  p.cf.resource_monitor_timeout = t;
  return true;
}
bool set_resource_restarts(HaCfParse& p, std::string_view, const std::string& v, int line) {
  const std::optional<long> n = parse_int(v, 0, 1000);
  if (!n) {
    p.sink.error(line, "resource_restarts: '" + v + "' is not a count (0..1000)");
    return false;
  }
  p.cf.resource_restarts = static_cast<int>(*n);
  return true;
}
bool set_restart_window(HaCfParse& p, std::string_view n, const std::string& v, int line) {
  return set_time(p, n, v, line, p.cf.resource_restart_window);
}
bool set_arp_interval(HaCfParse& p, std::string_view n, const std::string& v, int line) {
  return set_time(p, n, v, line, p.cf.arp_interval);
}
bool set_arp_count(HaCfParse& p, std::string_view, const std::string& v, int line) {
  const std::optional<long> n = parse_int(v, 0, 100);
  if (!n) {
    p.sink.error(line, "arp_count: '" + v + "' is not a count (0..100)");
    return false;
  }
  p.cf.arp_count = static_cast<int>(*n);
  return true;
}
bool set_arp_refresh(HaCfParse& p, std::string_view n, const std::string& v, int line) {
  if (to_lower(v) == "off" || v == "0") {
    p.cf.arp_refresh.reset();
    return true;
  }
  Millis t{0};
  if (!set_time(p, n, v, line, t)) return false;
  if (t < Millis{1000}) {
    p.sink.error(line, "arp_refresh: '" + v + "' is shorter than 1s");
    return false;
  }
  p.cf.arp_refresh = t;
  return true;
}
bool set_vip_probe(HaCfParse& p, std::string_view, const std::string& v, int line) {
  const std::optional<bool> b = parse_bool(v);
  if (!b) {
    p.sink.error(line, "vip_probe: '" + v + "' is not a boolean (on, off)");
    return false;
  }
  p.cf.vip_probe = *b;
  return true;
}
// Every takeover waits this long before adding its VIPs: capped well below
// any deadtime worth having.
bool set_vip_probe_wait(HaCfParse& p, std::string_view n, const std::string& v, int line) {
  Millis t{0};
  if (!set_time(p, n, v, line, t)) return false;
  if (t > Millis{2000}) {
    p.sink.error(line, "vip_probe_wait: '" + v + "' is more than 2s (every takeover waits it)");
    return false;
  }
  p.cf.vip_probe_wait = t;
  return true;
}

bool set_fence_delay(HaCfParse& p, std::string_view n, const std::string& v, int line) {
  if (v == "0") {  // no delay: both nodes shoot at once (not recommended)
    p.cf.fence_delay = Millis{0};
    return true;
  }
  return set_time(p, n, v, line, p.cf.fence_delay);
}
bool set_fence_attempts(HaCfParse& p, std::string_view, const std::string& v, int line) {
  const std::optional<long> n = parse_int(v, 1, 100);
  if (!n) {
    p.sink.error(line, "fence_attempts: '" + v + "' is not a count (1..100)");
    return false;
  }
  p.cf.fence_attempts = static_cast<int>(*n);
  return true;
}
bool set_wait_for_all(HaCfParse& p, std::string_view, const std::string& v, int line) {
  const std::optional<bool> b = parse_bool(v);
  if (!b) {
    p.sink.error(line, "wait_for_all: '" + v + "' is not a boolean (on, off)");
    return false;
  }
  p.cf.wait_for_all = *b;
  return true;
}
bool set_vip_lease(HaCfParse& p, std::string_view n, const std::string& v, int line) {
  if (to_lower(v) == "off" || v == "0") {
    p.cf.vip_lease_off = true;
    p.cf.vip_lease.reset();
    return true;
  }
  Millis t{0};
  if (!set_time(p, n, v, line, t)) return false;
  if (t < Millis{2000}) {
    p.sink.error(line, "vip_lease: '" + v + "' is shorter than 2s (the kernel counts in seconds)");
    return false;
  }
  p.cf.vip_lease = t;
  p.cf.vip_lease_off = false;
  return true;
}

bool set_metrics_file(HaCfParse& p, std::string_view, const std::string& v, int line) {
  if (v.empty() || v[0] != '/') {
    p.sink.error(line, "metrics_file: '" + v + "' must be an absolute path");
    return false;
  }
  p.cf.metrics_file = v;
  return true;
}
bool set_metrics_interval(HaCfParse& p, std::string_view n, const std::string& v, int line) {
  return set_time(p, n, v, line, p.cf.metrics_interval);
}

bool set_udpport(HaCfParse& p, std::string_view, const std::string& v, int line) {
  const std::optional<long> port = parse_int(v, 1, 65535);
  if (!port) {
    p.sink.error(line, "udpport: '" + v + "' is not a port (1..65535)");
    return false;
  }
  p.cf.udpport = static_cast<uint16_t>(*port);
  if (detail::has_udpport_links(p.cf))
    p.sink.warning(line,
                   "udpport applies to every ucast/bcast link, including those above "
                   "(Heartbeat applied it only to later lines)");
  return true;
}

bool set_auto_failback(HaCfParse& p, std::string_view, const std::string& v, int line) {
  if (to_lower(v) == "legacy") {
    p.cf.auto_failback = AutoFailback::legacy;
    return true;
  }
  const std::optional<bool> b = parse_bool(v);
  if (!b) {
    p.sink.error(line, "auto_failback: '" + v + "' is not on, off or legacy");
    return false;
  }
  p.cf.auto_failback = *b ? AutoFailback::on : AutoFailback::off;
  return true;
}

struct Facility {
  std::string_view name;
  int value;
};

constexpr std::array<Facility, 20> kFacilities{{
    {"auth", LOG_AUTH},     {"authpriv", LOG_AUTHPRIV}, {"cron", LOG_CRON},
    {"daemon", LOG_DAEMON}, {"ftp", LOG_FTP},           {"kern", LOG_KERN},
    {"lpr", LOG_LPR},       {"mail", LOG_MAIL},         {"news", LOG_NEWS},
    {"syslog", LOG_SYSLOG}, {"user", LOG_USER},         {"uucp", LOG_UUCP},
    {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},     {"local2", LOG_LOCAL2},
    {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4},     {"local5", LOG_LOCAL5},
    {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
}};

bool set_logfacility(HaCfParse& p, std::string_view, const std::string& v, int line) {
  const std::string name = to_lower(v);
  if (name == "none") {
    p.cf.logfacility.reset();
    return true;
  }
  for (const Facility& f : kFacilities) {
    if (f.name == name) {
      p.cf.logfacility = f.value;
      return true;
    }
  }
  p.sink.error(line, "logfacility: '" + v +
                         "' is not a syslog facility (daemon, local0..local7, auth, authpriv, "
                         "cron, ftp, kern, lpr, mail, news, syslog, user, uucp, or none)");
  return false;
}

bool set_logfile(HaCfParse& p, std::string_view, const std::string& v, int) {
  p.cf.logfile = v;
  return true;
}
bool set_debugfile(HaCfParse& p, std::string_view, const std::string& v, int) {
  p.cf.debugfile = v;
  return true;
}
void warn_inactive(HaCfParse& p, std::string_view name, int line);

bool set_watchdog(HaCfParse& p, std::string_view n, const std::string& v, int line) {
  p.cf.watchdog = v;
  warn_inactive(p, n, line);
  return true;
}

bool set_realtime(HaCfParse& p, std::string_view, const std::string& v, int line) {
  const std::optional<bool> b = parse_bool(v);
  if (!b) {
    p.sink.error(line,
                 "realtime: '" + v + "' is not a boolean (on/off, yes/no, true/false, y/n, 1/0)");
    return false;
  }
  p.cf.realtime = *b;
  return true;
}

bool set_rtprio(HaCfParse& p, std::string_view, const std::string& v, int line) {
  const std::optional<long> prio = parse_int(v, 1, 99);
  if (!prio) {
    p.sink.error(line, "rtprio: '" + v + "' is not a priority (1..99)");
    return false;
  }
  p.cf.rtprio = static_cast<int>(*prio);
  return true;
}

// crm/pacemaker: only "off" keeps Heartbeat in haresources mode, the one mode
// twinbeat implements. A Pacemaker cluster is a different program, not a flag.
bool set_crm(HaCfParse& p, std::string_view name, const std::string& v, int line) {
  if (parse_bool(v) == false) return true;
  p.sink.error(line, std::string(name) + " " + v +
                         ": twinbeat manages haresources groups itself and does not run under "
                         "Pacemaker; set 'crm no', or move the cluster to Pacemaker with "
                         "'twinbeat export pacemaker'");
  return false;
}

struct Scalar {
  std::string_view name;
  Setter set;
  bool is_time = false;
  bool once = false;  // Heartbeat refuses a repeat ("multiply specified")
};

constexpr Scalar kScalars[] = {
    {"keepalive", set_keepalive, true},
    {"deadtime", set_deadtime, true},
    {"warntime", set_warntime, true},
    {"initdead", set_initdead, true},
    {"deadping", set_deadping, true},
    {"udpport", set_udpport},
    {"auto_failback", set_auto_failback},
    {"logfacility", set_logfacility},
    {"logfile", set_logfile},
    {"debugfile", set_debugfile},
    {"realtime", set_realtime},
    {"rtprio", set_rtprio},
    {"watchdog", set_watchdog, false, true},
    {"crm", set_crm},
    {"pacemaker", set_crm},
    {"resource_start_timeout", set_start_timeout, true},
    {"resource_stop_timeout", set_stop_timeout, true},
    {"resource_status_timeout", set_status_timeout, true},
    {"arp_count", set_arp_count},
    {"arp_interval", set_arp_interval, true},
    {"arp_refresh", set_arp_refresh, true},
    {"vip_probe", set_vip_probe},
    {"vip_probe_wait", set_vip_probe_wait, true},
    {"fence_delay", set_fence_delay, true},
    {"fence_attempts", set_fence_attempts},
    {"wait_for_all", set_wait_for_all},
    {"vip_lease", set_vip_lease},
    {"metrics_file", set_metrics_file},
    {"metrics_interval", set_metrics_interval, true},
    {"resource_monitor", set_resource_monitor, true},
    {"resource_monitor_timeout", set_monitor_timeout, true},
    {"resource_restarts", set_resource_restarts},
    {"resource_restart_window", set_restart_window, true},
};

const Scalar* find_scalar(std::string_view name) {
  for (const Scalar& s : kScalars)
    if (s.name == name) return &s;
  return nullptr;
}

std::string join(const std::vector<std::string>& tokens, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < tokens.size(); ++i) out += (i ? std::string(separator) : "") + tokens[i];
  return out;
}

// Heartbeat applied each token as if the directive were repeated, so
// `keepalive 1500 ms` became 1500 seconds, then an error on "ms". One value.
void parse_scalar(HaCfParse& p, const Scalar& s, std::string_view rest, int line) {
  const std::string name(s.name);
  const std::vector<std::string> args = split_ha_tokens(rest);
  if (args.size() != 1) {
    std::string msg = args.empty() ? name + " needs a value"
                                   : name + " takes one value, got '" + join(args, " ") + "'";
    if (s.is_time && args.size() > 1 && parse_time(join(args, "")))
      msg += " (write " + join(args, "") + ")";
    p.sink.error(line, msg);
    p.failed.insert(name);
    return;
  }
  const int earlier = p.line_of(name);
  if (s.once && earlier != 0) {
    p.sink.error(line, name + " is multiply specified (first on line " + std::to_string(earlier) +
                           "); give it once");
    return;
  }
  if (!s.set(p, name, args[0], line)) {
    p.failed.insert(name);
    return;
  }
  if (earlier != 0)
    p.sink.warning(
        line, name + " is set again; this replaces the value on line " + std::to_string(earlier));
  p.set_on_line[name] = line;
}

// --- node -------------------------------------------------------------------

bool valid_node_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

void parse_node(HaCfParse& p, std::string_view rest, int line) {
  if (p.cf.node_where.line == 0) p.cf.node_where = {p.cf.file, line};
  const std::vector<std::string> names = split_ha_tokens(rest);
  if (names.empty()) {
    p.sink.error(line, "node needs at least one name");
    p.node_failed = true;
  }
  for (const std::string& written : names) {
    const std::string name = to_lower(written);
    if (!valid_node_name(name)) {
      p.sink.error(line,
                   "node name '" + written + "' is not valid (1 to 64 of a-z, 0-9, '.', '_', '-')");
      p.node_failed = true;
    } else if (auto it = p.node_line.find(name); it != p.node_line.end()) {
      p.sink.error(line, "node '" + name + "' is listed twice (first on line " +
                             std::to_string(it->second) + ")");
      p.node_failed = true;
    } else {
      p.node_line.emplace(name, line);
      p.cf.nodes.push_back(name);
    }
  }
}

// --- kept, unsupported and ignored directives -------------------------------

template <size_t N>
bool contains(const std::array<std::string_view, N>& names, std::string_view name) {
  for (std::string_view n : names)
    if (n == name) return true;
  return false;
}

constexpr std::array<std::string_view, 4> kMedia{"ucast", "bcast", "udp", "mcast"};
// Media Heartbeat had as plugins and twinbeat does not.
constexpr std::array<std::string_view, 6> kNoLink{"ucast6",  "mcast6", "serial",
                                                  "hbaping", "rds",    "tipc"};

// Read and kept, but not acted on yet: say so rather than look obeyed.
void warn_inactive(HaCfParse& p, std::string_view name, int line) {
  p.sink.warning(line, "'" + std::string(name) + "' is read but has no effect in this version");
}

// Kept verbatim for later stages: fencing, respawned programs.
bool parse_kept(HaCfParse& p, std::string_view name, std::string_view rest, int line) {
  std::vector<RawDirective>* list = nullptr;
  if (name == "stonith") list = &p.cf.stonith;
  if (name == "stonith_host") list = &p.cf.stonith_host;
  if (name == "respawn") list = &p.cf.respawn;
  if (list == nullptr) return false;
  // Heartbeat reads these whole lines with their own plugins, split on
  // whitespace only.
  std::vector<std::string> args = split_words(rest);
  if (args.empty()) {
    p.sink.error(line, std::string(name) + " has no arguments");
    return true;
  }
  if (name == "respawn") warn_inactive(p, name, line);
  list->push_back({std::move(args), {p.cf.file, line}});
  return true;
}

bool parse_unsupported(HaCfParse& p, std::string_view name, int line) {
  if (contains(kNoLink, name)) {
    p.sink.warning(line, std::string(name) + " is not supported; this line adds no link");
    return true;
  }
  if (name == "baud") {
    p.sink.warning(line, "baud is not supported (there are no serial links); ignored");
    return true;
  }
  return false;
}

// Heartbeat directives (reference §1.5) that change nothing twinbeat does.
// clang-format off
constexpr std::array<std::string_view, 30> kIgnored{
    "uuidfrom", "cluster", "quorum_server", "nice_failback", "crm_daemon_dir",
    "crmd_spawns_pengine", "record_config_changes", "record_pengine_inputs",
    "enable_config_writes", "apiauth", "env", "use_apphbd", "use_logd", "conn_logd_time",
    "syslogmsgfmt", "log_badpack", "debug", "memreserve", "coredumps", "coreroot",
    "hbgenmethod", "msgfmt", "compression", "compression_threshold", "traditional_compression",
    "max_rexmit_delay", "normalpoll", "hopfudge", "failfast", "autojoin",
};
// clang-format on

void warn_ignored(HaCfParse& p, std::string_view name, int line) {
  p.sink.warning(line, "'" + std::string(name) +
                           "' is a Heartbeat directive twinbeat does not implement; ignored");
}

bool parse_ignored(HaCfParse& p, std::string_view name, std::string_view rest, int line) {
  if (!contains(kIgnored, name)) return false;
  if (name == "autojoin") {
    // Heartbeat: "R1 style resource management conflicts with autojoin set".
    const std::vector<std::string> args = split_ha_tokens(rest);
    const std::string value = args.size() == 1 ? to_lower(args[0]) : "";
    if (value == "other" || value == "any") {
      p.sink.error(line, "autojoin " + value +
                             " conflicts with haresources resource management (as in "
                             "Heartbeat); remove the line or write 'autojoin none'");
      return true;
    }
    if (value != "none") {
      p.sink.error(line, "autojoin takes one value: none, other or any");
      return true;
    }
  }
  warn_ignored(p, name, line);
  return true;
}

// --- lines ------------------------------------------------------------------

bool is_known(std::string_view name) {
  constexpr std::array<std::string_view, 8> kOthers{
      "node", "stonith", "stonith_host", "ping", "ping_group", "respawn", "ping6", "baud"};
  return find_scalar(name) != nullptr || contains(kOthers, name) || contains(kMedia, name) ||
         contains(kNoLink, name) || contains(kIgnored, name);
}

void report_unknown(HaCfParse& p, std::string_view name, int line) {
  std::string msg = "unknown directive '" + std::string(name) + "'";
  const std::string lower = to_lower(name);
  if (lower != name && is_known(lower))
    msg += " (directive names are lower case: write '" + lower + "')";
  p.sink.error(line, msg);
}

void parse_line(HaCfParse& p, std::string_view text, int line) {
  // Heartbeat: a '#' anywhere starts a comment, so no value holds a '#'.
  text = text.substr(0, text.find('#'));
  const size_t start = text.find_first_not_of(kHaDelimiters);
  if (start == std::string_view::npos) return;
  text = text.substr(start);
  const size_t end = std::min(text.find_first_of(kHaDelimiters), text.size());
  const std::string_view name = text.substr(0, end);
  const std::string_view rest = text.substr(end);

  if (const Scalar* s = find_scalar(name)) return parse_scalar(p, *s, rest, line);
  if (name == "node") return parse_node(p, rest, line);
  if (detail::parse_media_directive(p, name, rest, line)) return;
  if (detail::parse_ping_directive(p, name, rest, line)) return;
  if (parse_kept(p, name, rest, line)) return;
  if (parse_unsupported(p, name, line)) return;
  if (parse_ignored(p, name, rest, line)) return;
  report_unknown(p, name, line);
}

}  // namespace

const char* to_string(AutoFailback a) {
  switch (a) {
    case AutoFailback::on:
      return "on";
    case AutoFailback::off:
      return "off";
    case AutoFailback::legacy:
      return "legacy";
  }
  return "?";
}

Parsed<HaCf> parse_ha_cf(std::string_view text, const std::string& file_name) {
  HaCfParse p(file_name);
  int line = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    parse_line(p, text.substr(pos, nl - pos), ++line);
    pos = nl + 1;
  }
  detail::finish_ha_cf(p);
  return {std::move(p.cf), detail::in_line_order(p.sink.take())};
}

}  // namespace twinbeat::config
