// haresources: logical lines into resource groups, each resource into its
// agent and arguments, and the checks that keep groups apart.
#include "twinbeat/config/haresources.h"

#include "twinbeat/fnv.h"

#include <arpa/inet.h>

#include <iterator>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "line_order.h"
#include "twinbeat/config/tokens.h"

namespace twinbeat::config {

namespace {

struct Token {
  std::string text;
  int line = 0;
};

// Physical lines joined where one ends in '\' (trailing blanks tolerated),
// comments removed first, so a '\' inside a comment continues nothing.
std::vector<std::vector<Token>> logical_lines(std::string_view text) {
  std::vector<std::vector<Token>> out;
  std::vector<Token> current;
  int line = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view physical = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line;
    physical = physical.substr(0, physical.find('#'));
    const size_t last = physical.find_last_not_of(" \t\r\f\v");
    const bool continued = last != std::string_view::npos && physical[last] == '\\';
    if (continued) physical = physical.substr(0, last);
    for (std::string& word : split_words(physical)) current.push_back({std::move(word), line});
    if (!continued && !current.empty()) {
      out.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

// Heartbeat's ResourceManager takes a token matching the shell glob
// [0-9]*.[0-9]*.[0-9]*.[0-9]* for IPaddr::<token>; so do we, looking only
// before any "::".
bool looks_like_ipv4(std::string_view text) {
  const std::string_view head = text.substr(0, text.find("::"));
  size_t dots = 0;
  for (char c : head) dots += c == '.' ? 1 : 0;
  return !head.empty() && head[0] >= '0' && head[0] <= '9' && dots >= 3;
}

bool valid_agent(std::string_view name) {
  if (name.empty() || name == "." || name == "..") return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::vector<std::string> split_colons(std::string_view text) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t at; (at = text.find("::", start)) != std::string_view::npos; start = at + 2)
    parts.emplace_back(text.substr(start, at - start));
  parts.emplace_back(text.substr(start));
  return parts;
}

// "stats:PATH" or "tcp:HOST:PORT" (the port after the last colon, so an
// IPv6 host needs no brackets).
std::optional<HealthCheck> parse_check(std::string_view text, std::string& why) {
  HealthCheck c;
  c.text = std::string(text);
  if (text.starts_with("stats:")) {
    c.kind = HealthCheck::Kind::stats;
    c.path = std::string(text.substr(6));
    if (c.path.empty() || c.path[0] != '/') {
      why = "stats: needs the absolute path of haproxy's stats socket";
      return std::nullopt;
    }
    return c;
  }
  if (text.starts_with("tcp:")) {
    c.kind = HealthCheck::Kind::tcp;
    const std::string_view rest = text.substr(4);
    const size_t colon = rest.rfind(':');
    const std::optional<long> port =
        colon == std::string_view::npos ? std::nullopt : parse_int(rest.substr(colon + 1), 1, 65535);
    if (!port || colon == 0) {
      why = "tcp: takes HOST:PORT";
      return std::nullopt;
    }
    c.host = std::string(rest.substr(0, colon));
    c.port = static_cast<uint16_t>(*port);
    in6_addr a6{};
    in_addr a4{};
    if (inet_pton(AF_INET, c.host.c_str(), &a4) != 1 && inet_pton(AF_INET6, c.host.c_str(), &a6) != 1) {
      why = "tcp: '" + c.host + "' is not an IPv4 or IPv6 address";
      return std::nullopt;
    }
    return c;
  }
  why = "'" + std::string(text) + "' is not a check (stats:PATH or tcp:HOST:PORT)";
  return std::nullopt;
}

// The bracketed options at the end of a resource: "monitor=2s,check=...".
bool parse_monitor_options(std::string_view text, int line, DiagnosticSink& sink,
                           MonitorOptions& out) {
  out.text = std::string(text);
  bool ok = true;
  auto bad = [&](const std::string& msg) {
    sink.error(line, msg);
    ok = false;
  };
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    const std::string_view item = text.substr(start, comma - start);
    start = comma + 1;
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      bad("'[" + std::string(text) + "]': '" + std::string(item) +
          "' is not key=value (monitor, timeout, check)");
      continue;
    }
    const std::string key(item.substr(0, eq));
    const std::string value(item.substr(eq + 1));
    if (key == "monitor") {
      if (to_lower(value) == "off" || value == "0") {
        out.interval = Millis{0};
      } else if (auto t = parse_time(value); t && t->count() > 0) {
        out.interval = *t;
      } else {
        bad("monitor: '" + value + "' is not a time (2s, 500ms) or off");
      }
    } else if (key == "timeout") {
      if (auto t = parse_time(value); t && t->count() > 0)
        out.timeout = *t;
      else
        bad("timeout: '" + value + "' is not a time (2s, 500ms)");
    } else if (key == "check") {
      std::string why;
      if (auto c = parse_check(value, why))
        out.check = *c;
      else
        bad("check: " + why);
    } else {
      bad("'" + key + "' is not a monitoring option (monitor, timeout, check)");
    }
  }
  return ok;
}

// One resource token; reports its own errors and returns false on them.
bool parse_resource(const Token& token, DiagnosticSink& sink, ResourceSpec& out) {
  out.text = token.text;
  out.where = {sink.file(), token.line};
  if (const size_t open = token.text.find('['); open != std::string::npos) {
    if (token.text.back() != ']' || open == 0) {
      sink.error(token.line, "'" + token.text + "': monitoring options go last, as RESOURCE[key=value,...]");
      return false;
    }
    out.text = token.text.substr(0, open);
    if (!parse_monitor_options(std::string_view(token.text).substr(open + 1, token.text.size() - open - 2),
                               token.line, sink, out.monitor))
      return false;
  }
  if (looks_like_ipv4(out.text)) {
    out.agent = "IPaddr";
    out.args = {out.text};
    return true;
  }
  std::vector<std::string> parts = split_colons(out.text);
  if (parts[0].empty()) {
    sink.error(token.line, "'" + token.text + "' has no agent name before '::'");
    return false;
  }
  if (!valid_agent(parts[0])) {
    sink.error(token.line, "agent name '" + parts[0] +
                               "' may hold only letters, digits, '_', '.' and '-' (agents are "
                               "looked up in resource.d, not by path)");
    return false;
  }
  for (size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].empty()) {
      sink.error(token.line, "'" + out.text + "' has an empty argument");
      return false;
    }
  }
  out.agent = std::move(parts[0]);
  out.args.assign(std::make_move_iterator(parts.begin() + 1), std::make_move_iterator(parts.end()));
  return true;
}

struct Seen {
  int line = 0;
  bool names_group = false;
};

// A group is known by its first resource (hb_standby, ResourceManager
// takegroup grep for it), and a resource in two groups would be started by both.
void check_unique(const ResourceSpec& r, bool names_group, DiagnosticSink& sink,
                  std::map<std::string, Seen>& seen) {
  const auto [it, fresh] = seen.emplace(r.text, Seen{r.where.line, names_group});
  if (fresh) return;
  const std::string earlier = std::to_string(it->second.line);
  if (names_group && it->second.names_group)
    sink.error(r.where.line, "group '" + r.text + "' is already defined on line " + earlier);
  else
    sink.error(r.where.line, "resource '" + r.text + "' already appears on line " + earlier);
}

std::string node_list(const std::vector<std::string>& nodes) {
  std::string out;
  for (const std::string& n : nodes) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

Parsed<HaResources> parse_haresources(std::string_view text, const std::string& file_name) {
  DiagnosticSink sink(file_name);
  HaResources res;
  res.file = file_name;
  std::map<std::string, Seen> seen;
  for (const std::vector<Token>& tokens : logical_lines(text)) {
    GroupSpec group;
    group.preferred_node = to_lower(tokens[0].text);
    group.where = {file_name, tokens[0].line};
    if (tokens.size() == 1) {
      sink.error(tokens[0].line, "node '" + group.preferred_node + "' has no resources");
      continue;
    }
    for (size_t i = 1; i < tokens.size(); ++i) {
      ResourceSpec r;
      if (!parse_resource(tokens[i], sink, r)) continue;
      check_unique(r, i == 1, sink, seen);
      group.resources.push_back(std::move(r));
    }
    group.name = tokens[1].text.substr(0, tokens[1].text.find('['));
    if (res.groups.size() == kMaxGroups)
      sink.error(tokens[0].line, "more than " + std::to_string(kMaxGroups) +
                                     " resource groups; a heartbeat reports at most that many");
    res.groups.push_back(std::move(group));
  }
  return {std::move(res), detail::in_line_order(sink.take())};
}

uint64_t digest(const HaResources& res) {
  uint64_t h = fnv1a64("");
  for (const GroupSpec& g : res.groups) {
    h = fnv1a64(g.preferred_node, h);
    for (const ResourceSpec& r : g.resources) h = fnv1a64(" " + r.text, h);
    h = fnv1a64("\n", h);
  }
  return h;
}

void validate_haresources_nodes(const HaResources& res, const std::vector<std::string>& nodes,
                                std::vector<Diagnostic>& out) {
  for (const GroupSpec& g : res.groups) {
    bool found = false;
    for (const std::string& n : nodes) found = found || n == g.preferred_node;
    if (!found)
      out.push_back({Severity::error, g.where,
                     "node '" + g.preferred_node + "' is not in ha.cf (" + node_list(nodes) + ")"});
  }
}

}  // namespace twinbeat::config
