// RouteSocket: libnl-route-3 requests for links, routes and addresses, with
// the kernel's own errno kept for every failure.
#include "vip_netlink.h"

#include <net/if.h>
#include <net/if_arp.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace twinbeat::net {

namespace {

template <class T, void (*F)(T*)>
struct Free {
  void operator()(T* p) const { F(p); }
};
using NlAddr = std::unique_ptr<nl_addr, Free<nl_addr, nl_addr_put>>;
using NlCache = std::unique_ptr<nl_cache, Free<nl_cache, nl_cache_free>>;
using RtnlAddr = std::unique_ptr<rtnl_addr, Free<rtnl_addr, rtnl_addr_put>>;
using RtnlLink = std::unique_ptr<rtnl_link, Free<rtnl_link, rtnl_link_put>>;

int record_errno(sockaddr_nl*, nlmsgerr* e, void* arg) {
  *static_cast<int*>(arg) = -e->error;
  return NL_STOP;  // libnl then fails the request with its own code
}

// libnl's codes for the errors callers act on, when no NLMSG_ERROR came.
int errno_of_nl(int nl_err) {
  switch (-nl_err) {
    case NLE_PERM:
      return EPERM;
    case NLE_EXIST:
      return EEXIST;
    case NLE_NOADDR:
      return EADDRNOTAVAIL;
    case NLE_OBJ_NOTFOUND:
      return ENOENT;
    case NLE_NODEV:
      return ENODEV;
    case NLE_NOMEM:
      return ENOMEM;
    case NLE_INVAL:
      return EINVAL;
    case NLE_AGAIN:
      return EAGAIN;
    default:
      return 0;
  }
}

Result<NlAddr> nl_address(int family, const void* bytes, int prefix, const std::string& context) {
  NlAddr a(nl_addr_build(family, bytes, address_size(family)));
  if (!a) return errno_error(context, ENOMEM);
  nl_addr_set_prefixlen(a.get(), prefix);
  return a;
}

Result<void> nl_check(int rc, const std::string& context) {
  if (rc >= 0) return {};
  const int err = errno_of_nl(rc);
  if (err) return errno_error(context, err);
  return Error{0, context + ": " + nl_geterror(rc), {}};
}

Result<RtnlAddr> build_address(const AddressRequest& req, bool with_extras,
                               const std::string& context) {
  RtnlAddr a(rtnl_addr_alloc());
  if (!a) return errno_error(context, ENOMEM);
  rtnl_addr_set_ifindex(a.get(), req.ifindex);
  rtnl_addr_set_family(a.get(), req.family);
  auto local = nl_address(req.family, &req.addr, req.prefix, context);
  if (!local) return local.error();
  if (auto r = nl_check(rtnl_addr_set_local(a.get(), local->get()), context); !r) return r.error();
  rtnl_addr_set_prefixlen(a.get(), req.prefix);
  if (!with_extras) return a;
  if (req.broadcast) {
    auto b = nl_address(AF_INET, &*req.broadcast, 32, context);
    if (!b) return b.error();
    if (auto r = nl_check(rtnl_addr_set_broadcast(a.get(), b->get()), context); !r)
      return r.error();
  }
  if (!req.label.empty())
    if (auto r = nl_check(rtnl_addr_set_label(a.get(), req.label.c_str()), context); !r)
      return r.error();
  if (req.nodad) rtnl_addr_set_flags(a.get(), IFA_F_NODAD);
  if (req.lifetime_s) {
    rtnl_addr_set_valid_lifetime(a.get(), *req.lifetime_s);
    rtnl_addr_set_preferred_lifetime(a.get(), *req.lifetime_s);
  }
  return a;
}

RouteInfo route_info(rtnl_route* r) {
  RouteInfo ri;
  ri.family = rtnl_route_get_family(r);
  ri.table = rtnl_route_get_table(r);
  ri.type = rtnl_route_get_type(r);
  ri.metric = rtnl_route_get_priority(r);
  if (nl_addr* dst = rtnl_route_get_dst(r)) {
    ri.prefix = static_cast<int>(nl_addr_get_prefixlen(dst));
    const size_t len = std::min<size_t>(nl_addr_get_len(dst), sizeof ri.dst);
    std::memcpy(&ri.dst, nl_addr_get_binary_addr(dst), len);
  }
  if (rtnl_route_get_nnexthops(r) == 1) {
    rtnl_nexthop* nh = rtnl_route_nexthop_n(r, 0);
    ri.ifindex = rtnl_route_nh_get_ifindex(nh);
    ri.gateway = rtnl_route_nh_get_gateway(nh) != nullptr;
  }
  return ri;
}

bool same_local(rtnl_addr* a, int ifindex, int family, const in6_addr& addr) {
  nl_addr* local = rtnl_addr_get_local(a);
  const size_t size = address_size(family);
  return rtnl_addr_get_ifindex(a) == ifindex && rtnl_addr_get_family(a) == family && local &&
         nl_addr_get_len(local) == size &&
         std::memcmp(nl_addr_get_binary_addr(local), &addr, size) == 0;
}

}  // namespace

void RouteSocket::Deleter::operator()(nl_sock* s) const { nl_socket_free(s); }

RouteSocket::RouteSocket(std::unique_ptr<nl_sock, Deleter> sock) : sock_(std::move(sock)) {}
RouteSocket::RouteSocket(RouteSocket&&) noexcept = default;
RouteSocket& RouteSocket::operator=(RouteSocket&&) noexcept = default;
RouteSocket::~RouteSocket() = default;

Result<RouteSocket> RouteSocket::open() {
  std::unique_ptr<nl_sock, Deleter> sock(nl_socket_alloc());
  if (!sock) return errno_error("netlink socket", ENOMEM);
  // libnl >= 3.2.22 creates it SOCK_CLOEXEC.
  if (auto r = nl_check(nl_connect(sock.get(), NETLINK_ROUTE), "netlink route socket"); !r)
    return r.error();
  return RouteSocket(std::move(sock));
}

// The callback's target is set at each call: a moved RouteSocket lives elsewhere.
template <class F>
Result<void> RouteSocket::request(const std::string& context, F&& call) {
  kernel_errno_ = 0;
  nl_socket_modify_err_cb(sock_.get(), NL_CB_CUSTOM, record_errno, &kernel_errno_);
  const int rc = call();
  if (rc >= 0) return {};
  if (kernel_errno_) return errno_error(context, kernel_errno_);
  return nl_check(rc, context);
}

Result<LinkInfo> RouteSocket::link(int ifindex, const std::string& name,
                                   const std::string& context) {
  rtnl_link* raw = nullptr;
  auto r = request(context, [&] {
    return rtnl_link_get_kernel(sock_.get(), name.empty() ? ifindex : 0,
                                name.empty() ? nullptr : name.c_str(), &raw);
  });
  if (!r) return r.error();
  RtnlLink link(raw);
  LinkInfo info;
  info.ifindex = rtnl_link_get_ifindex(link.get());
  if (const char* n = rtnl_link_get_name(link.get())) info.name = n;
  // Ethernet-like only: no ARP/ND on loopback (LVS-DR VIPs live there) or NOARP links.
  nl_addr* hw = rtnl_link_get_addr(link.get());
  const unsigned flags = rtnl_link_get_flags(link.get());
  if (hw && nl_addr_get_len(hw) == 6 && rtnl_link_get_arptype(link.get()) == ARPHRD_ETHER &&
      !(flags & (IFF_NOARP | IFF_LOOPBACK))) {
    Mac mac;
    std::memcpy(mac.data(), nl_addr_get_binary_addr(hw), mac.size());
    info.mac = mac;
  }
  return info;
}

Result<std::vector<RouteInfo>> RouteSocket::routes(int family, const std::string& context) {
  nl_cache* raw = nullptr;
  auto r = request(context, [&] { return rtnl_route_alloc_cache(sock_.get(), family, 0, &raw); });
  if (!r) return r.error();
  NlCache cache(raw);
  std::vector<RouteInfo> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o))
    out.push_back(route_info(reinterpret_cast<rtnl_route*>(o)));
  return out;
}

Result<std::vector<int>> RouteSocket::prefixes_of(int ifindex, int family, const in6_addr& addr,
                                                  const std::string& context) {
  nl_cache* raw = nullptr;
  auto r = request(context, [&] { return rtnl_addr_alloc_cache(sock_.get(), &raw); });
  if (!r) return r.error();
  NlCache cache(raw);
  std::vector<int> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
    auto* a = reinterpret_cast<rtnl_addr*>(o);
    if (same_local(a, ifindex, family, addr)) out.push_back(rtnl_addr_get_prefixlen(a));
  }
  return out;
}

Result<std::vector<LocalAddress>> RouteSocket::addresses(const std::string& context) {
  nl_cache* raw = nullptr;
  auto r = request(context, [&] { return rtnl_addr_alloc_cache(sock_.get(), &raw); });
  if (!r) return r.error();
  NlCache cache(raw);
  std::vector<LocalAddress> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
    auto* a = reinterpret_cast<rtnl_addr*>(o);
    nl_addr* local = rtnl_addr_get_local(a);
    const int family = rtnl_addr_get_family(a);
    if (!local || (family != AF_INET && family != AF_INET6) ||
        nl_addr_get_len(local) != address_size(family))
      continue;
    LocalAddress la;
    la.ifindex = rtnl_addr_get_ifindex(a);
    la.family = family;
    std::memcpy(&la.addr, nl_addr_get_binary_addr(local), address_size(family));
    out.push_back(la);
  }
  return out;
}

Result<void> RouteSocket::add_address(const AddressRequest& req, const std::string& context) {
  auto a = build_address(req, true, context);
  if (!a) return a.error();
  // No NLM_F_REPLACE: an address already there answers EEXIST, untouched.
  return request(context, [&] { return rtnl_addr_add(sock_.get(), a->get(), NLM_F_CREATE); });
}

Result<void> RouteSocket::replace_address(const AddressRequest& req, const std::string& context) {
  auto a = build_address(req, true, context);
  if (!a) return a.error();
  return request(context, [&] { return rtnl_addr_add(sock_.get(), a->get(), NLM_F_REPLACE); });
}

Result<void> RouteSocket::delete_address(const AddressRequest& req, const std::string& context) {
  auto a = build_address(req, false, context);
  if (!a) return a.error();
  return request(context, [&] { return rtnl_addr_delete(sock_.get(), a->get(), 0); });
}

}  // namespace twinbeat::net
