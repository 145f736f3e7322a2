// haresources: logical lines into resource groups, each resource into its
// agent and arguments, and the checks that keep groups apart.
#include "twinbeat/config/haresources.h"

#include "twinbeat/fnv.h"

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

// One resource token; reports its own errors and returns false on them.
bool parse_resource(const Token& token, DiagnosticSink& sink, ResourceSpec& out) {
  out.text = token.text;
  out.where = {sink.file(), token.line};
  if (looks_like_ipv4(token.text)) {
    out.agent = "IPaddr";
    out.args = {token.text};
    return true;
  }
  std::vector<std::string> parts = split_colons(token.text);
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
      sink.error(token.line, "'" + token.text + "' has an empty argument");
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
    group.name = tokens[1].text;
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
