// AnnounceSchedule: bursts of many VIPs side by side, in a map sorted by due time.
#include "announce_schedule.h"

#include <cstring>

#include "vip_route.h"

namespace twinbeat::net {

namespace {

bool same_address(const Announcement& a, int family, const in6_addr& addr) {
  return a.family == family && std::memcmp(&a.addr, &addr, address_size(family)) == 0;
}

}  // namespace

void AnnounceSchedule::start(const Announcement& a, Instant now) {
  cancel(a.family, a.addr);
  if (config_.count <= 0) return;
  due_.emplace(now, Burst{a, config_.count});
}

void AnnounceSchedule::cancel(int family, const in6_addr& addr) {
  for (auto it = due_.begin(); it != due_.end();)
    it = same_address(it->second.what, family, addr) ? due_.erase(it) : std::next(it);
}

std::optional<Instant> AnnounceSchedule::next_deadline() const {
  if (due_.empty()) return std::nullopt;
  return due_.begin()->first;
}

std::vector<Announcement> AnnounceSchedule::take_due(Instant now) {
  std::vector<Announcement> out;
  std::vector<Burst> again;
  while (!due_.empty() && due_.begin()->first <= now) {
    Burst b = std::move(due_.begin()->second);
    due_.erase(due_.begin());
    out.push_back(b.what);
    if (--b.left > 0) again.push_back(std::move(b));
  }
  // Re-inserted after the loop, so a zero interval cannot make it spin.
  for (Burst& b : again) due_.emplace(now + config_.interval, std::move(b));
  return out;
}

}  // namespace twinbeat::net
