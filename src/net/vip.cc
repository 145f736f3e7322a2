// VipManager: what add, remove, status and resolve mean for a VIP (which
// interface, which prefix, what counts as success), over RouteSocket, the
// probe that may come before an add, and the announcements that follow it.
#include "twinbeat/net/vip.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "announce.h"
#include "announce_schedule.h"
#include "probe.h"
#include "vip_netlink.h"
#include "vip_route.h"

namespace twinbeat::net {

struct VipManager::State {
  State(RouteSocket n, Announcer a, AnnounceConfig c)
      : nl(std::move(n)), announcer(std::move(a)), schedule(c) {}
  RouteSocket nl;
  Announcer announcer;
  AnnounceSchedule schedule;
  Prober prober;
  ProbeConfig probe;
  uint64_t sent = 0;
  uint64_t failed = 0;
  std::optional<uint32_t> lease_s;

  void send(const Announcement& a) {
    if (announcer.send(a))
      ++sent;
    else
      ++failed;
  }
};

namespace {

// The kernel's lifetime for "never expires" (INFINITY_LIFE_TIME).
constexpr uint32_t kForever = 0xffffffffu;

// The kernel's answers for "no such address" (IPv4 and IPv6) and "no such interface".
bool absent(int err) { return err == EADDRNOTAVAIL || err == ENOENT || err == ENODEV; }

int max_prefix(int family) { return family == AF_INET ? 32 : 128; }

std::string describe(const Vip& vip) {
  return vip.spec.text + "/" + std::to_string(vip.prefix) + " on " + vip.interface;
}

AddressRequest request_for(const Vip& vip, int ifindex) {
  AddressRequest req;
  req.family = vip.spec.family;
  req.addr = vip.spec.addr;
  req.prefix = vip.prefix;
  req.ifindex = ifindex;
  if (req.family == AF_INET6) {
    req.nodad = true;
    return req;
  }
  if (!vip.spec.label.empty()) req.label = vip.interface + ":" + vip.spec.label;
  in_addr v4;
  std::memcpy(&v4, &vip.spec.addr, sizeof v4);
  req.broadcast = vip.spec.broadcast ? vip.spec.broadcast : ipv4_broadcast(v4, vip.prefix);
  return req;
}

Error no_route(const VipSpec& spec) {
  const int prefix = spec.prefix.value_or(spec.family == AF_INET ? 24 : 64);
  return Error{ENETUNREACH,
               "no interface has a route to " + spec.text + "; write IPaddr2::" + spec.text + "/" +
                   std::to_string(prefix) + "/eth0",
               {}};
}

}  // namespace

Result<VipManager> VipManager::open(AnnounceConfig announce) {
  auto nl = RouteSocket::open();
  if (!nl) return nl.error();
  auto announcer = Announcer::open();
  if (!announcer) return announcer.error();
  return VipManager(std::make_unique<State>(std::move(*nl), std::move(*announcer), announce));
}

VipManager::VipManager(std::unique_ptr<State> s) : s_(std::move(s)) {}
VipManager::VipManager(VipManager&&) noexcept = default;
VipManager& VipManager::operator=(VipManager&&) noexcept = default;
VipManager::~VipManager() = default;

Result<Vip> VipManager::resolve(const VipSpec& spec) {
  const std::string context = "resolve " + spec.text;
  Vip vip;
  vip.spec = spec;
  if (!spec.interface.empty()) {
    auto link = s_->nl.link(0, spec.interface, context);
    if (!link && link.error().code == ENODEV)
      return Error{ENODEV, "interface " + spec.interface + " does not exist", {}};
    if (!link) return link.error();
    vip.ifindex = link->ifindex;
    vip.interface = link->name;
  }
  std::optional<ConnectedRoute> route;
  if (vip.ifindex == 0 || !spec.prefix) {
    auto routes = s_->nl.routes(spec.family, context);
    if (!routes) return routes.error();
    route = find_connected_route(*routes, spec.family, spec.addr, vip.ifindex);
  }
  if (vip.ifindex == 0) {
    if (!route) return no_route(spec);
    auto link = s_->nl.link(route->ifindex, "", context);
    if (!link) return link.error();
    vip.ifindex = link->ifindex;
    vip.interface = link->name;
  }
  // Heartbeat's findif: the given prefix, else the subnet's, else a host address.
  vip.prefix = spec.prefix ? *spec.prefix : route ? route->prefix : max_prefix(spec.family);
  return vip;
}

void VipManager::set_announce(AnnounceConfig announce, Instant now) {
  s_->schedule.set_config(announce, now);
}

void VipManager::set_probe(ProbeConfig probe) { s_->probe = probe; }

Result<bool> VipManager::probe(const Vip& vip, Instant now) {
  if (!s_->probe.enabled) return false;
  auto link = s_->nl.link(0, vip.interface, "probe for " + describe(vip));
  if (!link) return link.error();
  if (!link->mac) return false;  // no ARP/ND there: nobody could answer
  const ProbeRequest r{vip.spec.family, vip.spec.addr, link->ifindex, *link->mac};
  if (auto p = s_->prober.start(r, s_->probe.wait, now); !p) return p.error();
  return true;
}

std::optional<ProbeVerdict> VipManager::take_probe(const Vip& vip, Instant now) {
  auto outcome = s_->prober.take(vip.spec.family, vip.spec.addr, now - s_->probe.wait);
  if (!outcome) return std::nullopt;
  ProbeVerdict v;
  if (outcome->answer) {
    v.answered = true;
    v.mac = mac_text(outcome->answer->mac);
    v.probing = outcome->answer->probing;
  }
  return v;
}

void VipManager::set_lease(std::optional<Millis> lease) {
  if (!lease) return s_->lease_s.reset();
  s_->lease_s = static_cast<uint32_t>(std::max<int64_t>(1, lease->count() / 1000));
}

Result<void> VipManager::add(const Vip& vip, Instant now) {
  const std::string context = "add " + describe(vip);
  auto link = s_->nl.link(vip.ifindex, vip.interface, context);
  if (!link) return link.error();
  AddressRequest req = request_for(vip, link->ifindex);
  req.lifetime_s = s_->lease_s;
  auto r = s_->nl.add_address(req, context);
  if (!r && r.error().code != EEXIST) return r;
  // Already there (a restart after a crash): give it this lease, or none.
  if (!r) {
    if (!req.lifetime_s) req.lifetime_s = kForever;
    if (auto rr = s_->nl.replace_address(req, context); !rr) return rr;
  }
  // Announced even when it was there already: after a crash, neighbours may
  // still point at the peer.
  if (link->mac) {
    s_->schedule.start(Announcement{vip.spec.family, vip.spec.addr, link->ifindex, *link->mac},
                       now);
    on_timer(now);
  }
  return {};
}

Result<void> VipManager::announce(const Vip& vip, Instant now) {
  auto link = s_->nl.link(0, vip.interface, "announce " + describe(vip));
  if (!link) return link.error();
  if (link->mac) {
    s_->schedule.start(Announcement{vip.spec.family, vip.spec.addr, link->ifindex, *link->mac},
                       now);
    on_timer(now);
  }
  return {};
}

Result<void> VipManager::renew(const Vip& vip) {
  const std::string context = "renew the lease of " + describe(vip);
  auto link = s_->nl.link(0, vip.interface, context);  // by name: it may have been re-created
  if (!link) return link.error();
  AddressRequest req = request_for(vip, link->ifindex);
  // IPv4 creates the address on a replace even without NLM_F_CREATE: an
  // expired lease must stay expired (the peer may hold the VIP by now).
  auto prefixes = s_->nl.prefixes_of(link->ifindex, req.family, req.addr, context);
  if (!prefixes) return prefixes.error();
  if (std::find(prefixes->begin(), prefixes->end(), req.prefix) == prefixes->end()) {
    s_->schedule.cancel(vip.spec.family, vip.spec.addr);  // never announced again
    return Error{EADDRNOTAVAIL, context + ": the address is gone (its lease expired?)", {}};
  }
  // No lease (any more: a reload set vip_lease off): permanent, or the
  // lifetime it was added with would still run out.
  req.lifetime_s = s_->lease_s ? *s_->lease_s : kForever;
  return s_->nl.replace_address(req, context);
}

Result<void> VipManager::remove(const Vip& vip) {
  s_->schedule.cancel(vip.spec.family, vip.spec.addr);
  const std::string context = "remove " + describe(vip);
  auto link = s_->nl.link(vip.ifindex, vip.interface, context);
  if (!link) return absent(link.error().code) ? Result<void>() : Result<void>(link.error());
  AddressRequest req = request_for(vip, link->ifindex);
  auto r = s_->nl.delete_address(req, context);
  if (r || !absent(r.error().code)) return r;
  // Not under this prefix, but maybe under another (by hand, or an older
  // config): the address must be gone from the interface either way.
  auto prefixes = s_->nl.prefixes_of(link->ifindex, req.family, req.addr, context);
  if (!prefixes) return prefixes.error();
  for (int p : *prefixes) {
    req.prefix = p;
    auto d = s_->nl.delete_address(req, context);
    if (!d && !absent(d.error().code)) return d;
  }
  return {};
}

Result<bool> VipManager::present(const Vip& vip) {
  const std::string context = "status of " + describe(vip);
  auto link = s_->nl.link(vip.ifindex, vip.interface, context);
  if (!link) return absent(link.error().code) ? Result<bool>(false) : Result<bool>(link.error());
  auto prefixes = s_->nl.prefixes_of(link->ifindex, vip.spec.family, vip.spec.addr, context);
  if (!prefixes) return prefixes.error();
  return !prefixes->empty();
}

std::optional<Instant> VipManager::next_deadline() const {
  const auto a = s_->schedule.next_deadline();
  const auto p = s_->prober.next_deadline();
  if (!a || !p) return a ? a : p;
  return std::min(*a, *p);
}

void VipManager::on_timer(Instant now) {
  s_->prober.on_timer(now);
  for (const Announcement& a : s_->schedule.take_due(now)) s_->send(a);
  const std::vector<Announcement> refresh = s_->schedule.take_refresh_due(now);
  if (refresh.empty()) return;
  // Only addresses still here: one whose lease ran out (or that was removed
  // by hand) may be the peer's by now, and a refresh would pull it back.
  auto here = s_->nl.addresses("refresh announcements");
  if (!here) {
    s_->failed += refresh.size();
    return;
  }
  for (const Announcement& a : refresh) {
    const bool present = std::any_of(here->begin(), here->end(), [&](const LocalAddress& l) {
      return l.ifindex == a.ifindex && l.family == a.family &&
             std::memcmp(&l.addr, &a.addr, address_size(a.family)) == 0;
    });
    if (present)
      s_->send(a);
    else
      s_->schedule.cancel(a.family, a.addr);
  }
}

uint64_t VipManager::announcements_sent() const { return s_->sent; }
uint64_t VipManager::announcement_errors() const { return s_->failed; }

}  // namespace twinbeat::net
