// parse_vip: Heartbeat's IPaddr/IPaddr2 argument `ip[/prefix[/iface[:label]][/broadcast]]`
// into a VipSpec, with one exact message per mistake.
#include <arpa/inet.h>
#include <net/if.h>

#include <bit>
#include <charconv>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "twinbeat/net/vip.h"

namespace twinbeat::net {

namespace {

constexpr char kSyntax[] = "ip[/prefix[/interface[:label]][/broadcast]]";

Error parse_error(std::string message) { return Error{0, std::move(message), {}}; }

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

std::vector<std::string_view> split_slashes(std::string_view text) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  for (size_t at; (at = text.find('/', start)) != std::string_view::npos; start = at + 1)
    fields.push_back(text.substr(start, at - start));
  fields.push_back(text.substr(start));
  return fields;
}

bool parse_ipv4(std::string_view text, in_addr& out) {
  return inet_pton(AF_INET, std::string(text).c_str(), &out) == 1;
}

Result<void> parse_address(std::string_view text, VipSpec& spec) {
  const std::string s(text);
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    spec.family = AF_INET;
    static_assert(sizeof v4 <= sizeof spec.addr);
    std::memcpy(&spec.addr, &v4, sizeof v4);
  } else if (inet_pton(AF_INET6, s.c_str(), &spec.addr) == 1) {
    spec.family = AF_INET6;
  } else {
    return parse_error(quoted(text) + " is not an IPv4 or IPv6 address");
  }
  spec.text = s;
  return {};
}

// IPaddr (not IPaddr2) also took a dotted netmask; only contiguous ones mean a prefix.
Result<int> netmask_prefix(std::string_view text) {
  in_addr mask{};
  if (!parse_ipv4(text, mask)) return parse_error("prefix " + quoted(text) + " is not a number");
  const uint32_t bits = ntohl(mask.s_addr);
  const int ones = std::countl_one(bits);
  if (ones < 32 && (bits << ones) != 0)
    return parse_error("netmask " + std::string(text) + " is not contiguous");
  return ones;
}

Result<void> parse_prefix(std::string_view text, VipSpec& spec) {
  const unsigned max = spec.family == AF_INET ? 32 : 128;
  const std::string range = " is out of range (1.." + std::to_string(max) + ")";
  unsigned prefix = 0;  // unsigned: no sign accepted
  if (spec.family == AF_INET && text.find('.') != std::string_view::npos) {
    auto p = netmask_prefix(text);
    if (!p) return p.error();
    prefix = static_cast<unsigned>(*p);
  } else {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), prefix);
    if (end != text.data() + text.size() ||
        (ec != std::errc() && ec != std::errc::result_out_of_range))
      return parse_error("prefix " + quoted(text) + " is not a number");
    if (ec == std::errc::result_out_of_range)
      return parse_error("prefix " + std::string(text) + range);
  }
  if (prefix < 1 || prefix > max) return parse_error("prefix " + std::to_string(prefix) + range);
  spec.prefix = static_cast<int>(prefix);
  return {};
}

Result<void> parse_interface(std::string_view text, std::string_view arg, VipSpec& spec) {
  const size_t colon = text.find(':');
  const std::string_view name = text.substr(0, colon);
  if (name.empty()) return parse_error("empty interface in " + quoted(arg));
  if (name.size() >= IFNAMSIZ)
    return parse_error("interface name " + quoted(name) + " is longer than " +
                       std::to_string(IFNAMSIZ - 1) + " characters");
  if (name == "." || name == ".." || name.find_first_of(" \t\n") != std::string_view::npos)
    return parse_error(quoted(name) + " is not a valid interface name");
  spec.interface = std::string(name);
  if (colon == std::string_view::npos) return {};
  if (spec.family == AF_INET6)
    return parse_error("IPv6 address " + spec.text + " takes no label (" + std::string(text) + ")");
  const std::string_view label = text.substr(colon + 1);
  if (label.empty()) return parse_error("empty label in " + quoted(arg));
  // The kernel keeps the whole "eth0:vip" in an IFNAMSIZ buffer.
  if (text.size() >= IFNAMSIZ)
    return parse_error("label " + quoted(text) + " is longer than " + std::to_string(IFNAMSIZ - 1) +
                       " characters");
  spec.label = std::string(label);
  return {};
}

Result<void> parse_broadcast(std::string_view text, std::string_view arg, VipSpec& spec) {
  if (text.empty()) return parse_error("empty broadcast address in " + quoted(arg));
  if (spec.family == AF_INET6)
    return parse_error("IPv6 address " + spec.text + " takes no broadcast address (" +
                       std::string(text) + ")");
  in_addr b{};
  if (!parse_ipv4(text, b))
    return parse_error("broadcast " + quoted(text) + " is not an IPv4 address");
  spec.broadcast = b;
  return {};
}

bool starts_with_digit(std::string_view s) { return !s.empty() && s[0] >= '0' && s[0] <= '9'; }

}  // namespace

Result<VipSpec> parse_vip(std::string_view arg) {
  const std::vector<std::string_view> f = split_slashes(arg);
  VipSpec spec;
  if (f[0].empty())
    return parse_error(arg.empty() ? "no address given" : "empty address in " + quoted(arg));
  if (auto r = parse_address(f[0], spec); !r) return r.error();
  if (f.size() > 1) {
    if (f[1].empty()) return parse_error("empty prefix in " + quoted(arg));
    if (auto r = parse_prefix(f[1], spec); !r) return r.error();
  }
  // Heartbeat: the field after the prefix is a broadcast address if it starts
  // with a digit, else the interface, optionally followed by a broadcast.
  size_t next = 2;
  if (f.size() > next && !starts_with_digit(f[next])) {
    if (auto r = parse_interface(f[next], arg, spec); !r) return r.error();
    ++next;
  }
  if (f.size() > next) {
    if (auto r = parse_broadcast(f[next], arg, spec); !r) return r.error();
    ++next;
  }
  if (f.size() > next)
    return parse_error("too many fields in " + quoted(arg) + ": expected " + kSyntax);
  return spec;
}

}  // namespace twinbeat::net
