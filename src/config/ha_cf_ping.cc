// ha.cf ping nodes: the ping, ping6 and ping_group lines (Heartbeat's ping
// and ping_group plugins), and the checks they need once the file is read.
#include <arpa/inet.h>

#include <string>
#include <utility>
#include <vector>

#include "ha_cf_parse.h"
#include "twinbeat/config/ha_cf.h"
#include "twinbeat/config/tokens.h"

namespace twinbeat::config {

using detail::HaCfParse;

namespace {

enum class Family { any, v6 };

// The canonical text of a unicast IPv4 or IPv6 literal, or why it is not one.
bool canonical_address(const std::string& text, Family family, std::string& out, std::string& why) {
  unsigned char bytes[16];
  char buf[INET6_ADDRSTRLEN];
  if (text.find('\0') != std::string::npos) {  // c_str() would cut it
    why = "is not an address";
    return false;
  }
  if (family == Family::any && inet_pton(AF_INET, text.c_str(), bytes) == 1) {
    const bool unicast = !(bytes[0] == 0 && bytes[1] == 0 && bytes[2] == 0 && bytes[3] == 0) &&
                         bytes[0] < 224;  // not 0.0.0.0, multicast, class E, broadcast
    if (!unicast) {
      why = "is not a unicast address";
      return false;
    }
    out = inet_ntop(AF_INET, bytes, buf, sizeof buf);
    return true;
  }
  if (inet_pton(AF_INET6, text.c_str(), bytes) == 1) {
    bool zero = true;
    for (unsigned char b : bytes) zero = zero && b == 0;
    if (zero || bytes[0] == 0xff) {
      why = "is not a unicast address";
      return false;
    }
    if (bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80) {
      why = "is link-local; use a global or unique-local address";
      return false;
    }
    out = inet_ntop(AF_INET6, bytes, buf, sizeof buf);
    return true;
  }
  why = family == Family::v6 ? "is not an IPv6 address"
                             : "is not an IPv4 or IPv6 address (names are not resolved)";
  return false;
}

bool valid_group_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

size_t address_count(const HaCf& cf) {
  size_t n = 0;
  for (const PingNode& node : cf.ping_nodes) n += node.addresses.size();
  return n;
}

// Adds `node` unless its name is taken or a limit is reached.
void add_node(HaCfParse& p, PingNode node, int line) {
  for (const PingNode& other : p.cf.ping_nodes) {
    if (other.name != node.name) continue;
    p.sink.error(line, "ping node '" + node.name + "' is defined twice (first on line " +
                           std::to_string(other.where.line) + ")");
    return;
  }
  if (p.cf.ping_nodes.size() >= kMaxPingNodes) {
    p.sink.error(line, "too many ping nodes: at most " + std::to_string(kMaxPingNodes));
    return;
  }
  if (address_count(p.cf) + node.addresses.size() > kMaxPingAddresses) {
    p.sink.error(line, "too many ping addresses: at most " + std::to_string(kMaxPingAddresses) +
                           " in all");
    return;
  }
  node.where = {p.cf.file, line};
  p.cf.ping_nodes.push_back(std::move(node));
}

// ping ADDR... / ping6 ADDR...: one ping node per address, named by it.
void parse_ping(HaCfParse& p, std::string_view name, std::string_view rest, int line) {
  const std::vector<std::string> args = split_ha_tokens(rest);
  if (args.empty()) {
    p.sink.error(line, std::string(name) + " needs at least one address (e.g. " +
                           std::string(name) + (name == "ping6" ? " 2001:db8::1)" : " 10.0.0.254)"));
    return;
  }
  for (const std::string& arg : args) {
    std::string address, why;
    if (!canonical_address(arg, name == "ping6" ? Family::v6 : Family::any, address, why)) {
      p.sink.error(line, std::string(name) + ": '" + arg + "' " + why);
      continue;
    }
    add_node(p, PingNode{address, false, {address}, {}}, line);
  }
}

// ping_group NAME ADDR...: one ping node, up while any address answers.
void parse_ping_group(HaCfParse& p, std::string_view rest, int line) {
  const std::vector<std::string> args = split_ha_tokens(rest);
  if (args.size() < 2) {
    p.sink.error(line,
                 "ping_group needs a name and at least one address (e.g. ping_group routers "
                 "10.0.0.253 10.0.0.254)");
    return;
  }
  PingNode node;
  node.group = true;
  node.name = to_lower(args[0]);
  bool ok = valid_group_name(node.name);
  if (!ok)
    p.sink.error(line, "ping_group: name '" + args[0] +
                           "' is not valid (1 to 64 of a-z, 0-9, '.', '_', '-')");
  for (size_t i = 1; i < args.size(); ++i) {
    std::string address, why;
    if (!canonical_address(args[i], Family::any, address, why)) {
      p.sink.error(line, "ping_group " + node.name + ": '" + args[i] + "' " + why);
      ok = false;
      continue;
    }
    bool repeated = false;
    for (const std::string& a : node.addresses) repeated = repeated || a == address;
    if (repeated) {
      p.sink.error(line, "ping_group " + node.name + ": '" + args[i] + "' is listed twice");
      ok = false;
      continue;
    }
    node.addresses.push_back(address);
  }
  if (ok) add_node(p, std::move(node), line);
}

}  // namespace

namespace detail {

bool parse_ping_directive(HaCfParse& p, std::string_view name, std::string_view rest, int line) {
  if (name == "ping" || name == "ping6") {
    parse_ping(p, name, rest, line);
    return true;
  }
  if (name == "ping_group") {
    parse_ping_group(p, rest, line);
    return true;
  }
  return false;
}

void check_ping_nodes(HaCfParse& p) {
  for (const PingNode& node : p.cf.ping_nodes)
    for (const std::string& cluster_node : p.cf.nodes)
      if (node.name == cluster_node)
        p.sink.error(node.where.line,
                     "ping node '" + node.name + "' has the name of a cluster node");
  if (p.cf.ping_nodes.empty() && p.line_of("deadping") != 0)
    p.sink.warning(p.line_of("deadping"),
                   "deadping has no effect without ping, ping6 or ping_group");
}

}  // namespace detail

Millis effective_deadping(const HaCf& cf) { return cf.deadping.value_or(cf.deadtime); }

}  // namespace twinbeat::config
