// ha.cf heartbeat media: the ucast, bcast (and its old name udp) and mcast
// lines, and the names links go by in logs.
#include <arpa/inet.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ha_cf_parse.h"
#include "twinbeat/config/ha_cf.h"
#include "twinbeat/config/tokens.h"

namespace twinbeat::config {

using detail::HaCfParse;

namespace {

// Linux's IFNAMSIZ is 16 with the terminating NUL; '/' would name a path.
bool check_interface(HaCfParse& p, std::string_view directive, const std::string& name, int line) {
  if (!name.empty() && name.size() <= 15 &&
      name.find_first_of(std::string_view("/\0", 2)) == std::string::npos)
    return true;
  p.sink.error(line, std::string(directive) + ": '" + name +
                         "' is not an interface name (1 to 15 characters, no '/')");
  return false;
}

std::optional<in_addr> ipv4(const std::string& text) {
  in_addr a{};
  if (text.find('\0') != std::string::npos) return std::nullopt;  // c_str() would cut it
  if (inet_pton(AF_INET, text.c_str(), &a) != 1) return std::nullopt;
  return a;
}

LinkSpec new_link(const HaCfParse& p, LinkKind kind, const std::string& interface, int line) {
  LinkSpec link;
  link.kind = kind;
  link.interface = interface;
  link.where = {p.cf.file, line};
  return link;
}

void parse_ucast(HaCfParse& p, const std::vector<std::string>& args, int line) {
  if (args.size() < 2) {
    p.sink.error(line, "ucast needs an interface and a peer address (e.g. ucast eth1 10.0.0.2)");
    p.media_failed = true;
    return;
  }
  bool ok = check_interface(p, "ucast", args[0], line);
  // Heartbeat resolved names once, at start; an address cannot change under us.
  if (!ipv4(args[1])) {
    p.sink.error(line, "ucast: peer '" + args[1] +
                           "' is not an IPv4 address; write the address (names are not "
                           "resolved)");
    ok = false;
  }
  if (args.size() > 2)
    p.sink.warning(line, "ucast: only the first peer is used; write one ucast line per peer");
  if (!ok) {
    p.media_failed = true;
    return;
  }
  LinkSpec link = new_link(p, LinkKind::ucast, args[0], line);
  link.peer = args[1];
  p.cf.links.push_back(std::move(link));
}

void parse_bcast(HaCfParse& p, std::string_view name, const std::vector<std::string>& args,
                 int line) {
  if (args.empty()) {
    p.sink.error(line, std::string(name) + " needs at least one interface (e.g. bcast eth1)");
    p.media_failed = true;
  }
  for (const std::string& interface : args) {
    if (check_interface(p, name, interface, line))
      p.cf.links.push_back(new_link(p, LinkKind::bcast, interface, line));
    else
      p.media_failed = true;
  }
}

bool is_multicast(const std::string& text) {
  const std::optional<in_addr> a = ipv4(text);
  return a && (ntohl(a->s_addr) >> 28) == 0xe;  // 224.0.0.0/4
}

bool check_mcast_values(HaCfParse& p, const std::vector<std::string>& args, int line) {
  bool ok = check_interface(p, "mcast", args[0], line);
  if (!is_multicast(args[1])) {
    p.sink.error(line, "mcast: '" + args[1] + "' is not an IPv4 multicast group (224.0.0.0/4)");
    ok = false;
  }
  if (!parse_int(args[2], 1, 65535)) {
    p.sink.error(line, "mcast: port '" + args[2] + "' is not in 1..65535");
    ok = false;
  }
  if (!parse_int(args[3], 0, 255)) {
    p.sink.error(line, "mcast: ttl '" + args[3] + "' is not in 0..255");
    ok = false;
  }
  if (!parse_int(args[4], 0, 1)) {
    p.sink.error(line, "mcast: loop '" + args[4] + "' is not 0 or 1");
    ok = false;
  }
  return ok;
}

void parse_mcast(HaCfParse& p, const std::vector<std::string>& args, int line) {
  if (args.size() != 5) {
    p.sink.error(line, "mcast takes 5 values, IF GROUP PORT TTL LOOP, got " +
                           std::to_string(args.size()) + " (e.g. mcast eth0 239.192.0.42 694 1 0)");
    p.media_failed = true;
    return;
  }
  if (!check_mcast_values(p, args, line)) {
    p.media_failed = true;
    return;
  }
  LinkSpec link = new_link(p, LinkKind::mcast, args[0], line);
  link.group = args[1];
  link.port = static_cast<uint16_t>(*parse_int(args[2], 1, 65535));
  link.ttl = static_cast<int>(*parse_int(args[3], 0, 255));
  link.loop = *parse_int(args[4], 0, 1) == 1;
  p.cf.links.push_back(std::move(link));
}

}  // namespace

namespace detail {

bool parse_media_directive(HaCfParse& p, std::string_view name, std::string_view rest, int line) {
  const std::vector<std::string> args = split_ha_tokens(rest);
  if (name == "ucast") {
    parse_ucast(p, args, line);
  } else if (name == "mcast") {
    parse_mcast(p, args, line);
  } else if (name == "bcast") {
    parse_bcast(p, name, args, line);
  } else if (name == "udp") {
    p.sink.warning(line, "'udp' is the old name of 'bcast'; write bcast");
    parse_bcast(p, name, args, line);
  } else {
    return false;
  }
  return true;
}

bool has_udpport_links(const HaCf& cf) {
  for (const LinkSpec& link : cf.links)
    if (link.kind != LinkKind::mcast) return true;
  return false;
}

}  // namespace detail

const char* to_string(LinkKind k) {
  switch (k) {
    case LinkKind::ucast:
      return "ucast";
    case LinkKind::mcast:
      return "mcast";
    case LinkKind::bcast:
      return "bcast";
  }
  return "?";
}

std::vector<std::string> link_labels(const std::vector<LinkSpec>& links) {
  // An interface carrying one kind of link is named by the interface alone.
  std::map<std::string, std::set<LinkKind>> kinds;
  for (const LinkSpec& link : links) kinds[link.interface].insert(link.kind);

  std::vector<std::string> labels;
  std::map<std::string, int> seen;
  for (const LinkSpec& link : links) {
    std::string label = link.interface;
    if (kinds[link.interface].size() > 1) label += std::string("/") + to_string(link.kind);
    // Interface names hold no '/' and, in ha.cf, no '#': labels stay unique.
    const int n = ++seen[label];
    if (n > 1) label += "#" + std::to_string(n);
    labels.push_back(std::move(label));
  }
  return labels;
}

}  // namespace twinbeat::config
