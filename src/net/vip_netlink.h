// RouteSocket: the rtnetlink requests behind VipManager (links, routes,
// addresses) over one libnl-route-3 socket, errors turned into errno + context.
#pragma once

#include <netinet/in.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "announce_schedule.h"
#include "twinbeat/result.h"
#include "vip_route.h"

struct nl_sock;

namespace twinbeat::net {

// An interface as an announcement needs it.
struct LinkInfo {
  int ifindex = 0;
  std::string name;
  std::optional<Mac> mac;  // only for Ethernet-like links that do ARP/ND (not lo)
};

// One address on one interface, as the kernel's RTM_NEWADDR/RTM_DELADDR take it.
struct AddressRequest {
  int family = AF_INET;
  in6_addr addr{};  // IPv4 in the first 4 bytes
  int prefix = 0;
  int ifindex = 0;
  std::string label;                 // IPv4 only, full ("eth0:vip"); empty for none
  std::optional<in_addr> broadcast;  // IPv4 only
  bool nodad = false;                // IPv6: usable at once, no duplicate detection
  std::optional<uint32_t> lifetime_s;  // valid and preferred lifetime; unset: forever
};

// One address configured on this host.
struct LocalAddress {
  int ifindex = 0;
  int family = AF_INET;
  in6_addr addr{};  // IPv4 in the first 4 bytes
};

// Every call is one synchronous request (or dump) that the kernel answers at
// once. A failure's Error::code is the kernel's errno when it gave one, and
// its message reads "<context>: <strerror>".
class RouteSocket {
 public:
  static Result<RouteSocket> open();
  RouteSocket(RouteSocket&&) noexcept;
  RouteSocket& operator=(RouteSocket&&) noexcept;
  ~RouteSocket();

  // The interface named `name`, or with index `ifindex` when `name` is empty.
  // ENODEV when there is none.
  Result<LinkInfo> link(int ifindex, const std::string& name, const std::string& context);
  // Every route of `family`, all tables.
  Result<std::vector<RouteInfo>> routes(int family, const std::string& context);
  // The prefix lengths under which `addr` is configured on `ifindex`: empty
  // when it is not there.
  Result<std::vector<int>> prefixes_of(int ifindex, int family, const in6_addr& addr,
                                       const std::string& context);
  // Every address configured on this host, both families.
  Result<std::vector<LocalAddress>> addresses(const std::string& context);
  // EEXIST when the address is already there; the caller decides.
  Result<void> add_address(const AddressRequest& req, const std::string& context);
  // Sets the lifetime (and flags) of an address that is there (NLM_F_REPLACE
  // without NLM_F_CREATE): ENOENT/EADDRNOTAVAIL when it is not.
  Result<void> replace_address(const AddressRequest& req, const std::string& context);
  // EADDRNOTAVAIL (or ENODEV) when the address (with that prefix) is absent.
  Result<void> delete_address(const AddressRequest& req, const std::string& context);

 private:
  struct Deleter {
    void operator()(nl_sock* s) const;
  };
  explicit RouteSocket(std::unique_ptr<nl_sock, Deleter> sock);
  template <class F>
  Result<void> request(const std::string& context, F&& call);

  std::unique_ptr<nl_sock, Deleter> sock_;
  int kernel_errno_ = 0;  // of the last NLMSG_ERROR; libnl keeps only its own codes
};

}  // namespace twinbeat::net
