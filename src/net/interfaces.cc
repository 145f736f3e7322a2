// InterfaceWatcher: a libnl-route link cache kept current by netlink events.
#include "twinbeat/net/interfaces.h"

#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

namespace twinbeat::net {

struct InterfaceWatcher::State {
  struct MngrFree {
    void operator()(nl_cache_mngr* m) const { nl_cache_mngr_free(m); }
  };
  std::unique_ptr<nl_cache_mngr, MngrFree> mngr;
  nl_cache* links = nullptr;  // owned by mngr
  OnChange on_change;
};

namespace {

void changed(nl_cache*, nl_object* obj, int action, void* arg) {
  auto* s = static_cast<InterfaceWatcher::OnChange*>(arg);
  auto* link = reinterpret_cast<rtnl_link*>(obj);
  const char* name = rtnl_link_get_name(link);
  if (!name || !*s) return;
  const unsigned index =
      action == NL_ACT_DEL ? 0u : static_cast<unsigned>(rtnl_link_get_ifindex(link));
  (*s)(name, index);
}

Error nl_error(const char* what, int err) {
  return Error{0, std::string(what) + ": " + nl_geterror(err), {}};
}

}  // namespace

Result<InterfaceWatcher> InterfaceWatcher::open(OnChange on_change) {
  auto s = std::make_unique<State>();
  s->on_change = std::move(on_change);
  nl_cache_mngr* m = nullptr;
  if (int err = nl_cache_mngr_alloc(nullptr, NETLINK_ROUTE, NL_AUTO_PROVIDE, &m); err < 0)
    return nl_error("netlink cache manager", err);
  s->mngr.reset(m);
  if (int err = nl_cache_mngr_add(m, "route/link", changed, &s->on_change, &s->links); err < 0)
    return nl_error("netlink link cache", err);
  return InterfaceWatcher(std::move(s));
}

InterfaceWatcher::InterfaceWatcher(std::unique_ptr<State> s) : s_(std::move(s)) {}
InterfaceWatcher::InterfaceWatcher(InterfaceWatcher&&) noexcept = default;
InterfaceWatcher& InterfaceWatcher::operator=(InterfaceWatcher&&) noexcept = default;
InterfaceWatcher::~InterfaceWatcher() = default;

int InterfaceWatcher::fd() const { return nl_cache_mngr_get_fd(s_->mngr.get()); }

void InterfaceWatcher::on_readable() { nl_cache_mngr_data_ready(s_->mngr.get()); }

unsigned InterfaceWatcher::ifindex_of(const std::string& name) const {
  const int i = rtnl_link_name2i(s_->links, name.c_str());
  return i > 0 ? static_cast<unsigned>(i) : 0u;
}

}  // namespace twinbeat::net
