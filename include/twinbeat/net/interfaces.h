// InterfaceWatcher: which network interfaces exist, kept current from the
// kernel's netlink link notifications (libnl-route-3 cache manager).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "twinbeat/result.h"

namespace twinbeat::net {

class InterfaceWatcher {
 public:
  // Called with the interface name and its new ifindex (0 when removed).
  using OnChange = std::function<void(const std::string& name, unsigned ifindex)>;

  static Result<InterfaceWatcher> open(OnChange on_change);

  InterfaceWatcher(InterfaceWatcher&&) noexcept;
  InterfaceWatcher& operator=(InterfaceWatcher&&) noexcept;
  ~InterfaceWatcher();

  // The fd to watch for input; call on_readable() when it is.
  int fd() const;
  // Reads pending notifications and reports changes. Never blocks.
  void on_readable();

  // Current ifindex of `name`, 0 if no such interface.
  unsigned ifindex_of(const std::string& name) const;

 private:
  struct State;
  explicit InterfaceWatcher(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
};

}  // namespace twinbeat::net
