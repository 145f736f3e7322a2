// AnnounceSchedule: bursts of many VIPs side by side, in a map sorted by due time.
#include "announce_schedule.h"

#include <algorithm>
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
  held_.push_back(Held{a, now + config_.refresh.value_or(Millis{0})});
  if (config_.count <= 0) return;
  due_.emplace(now, Burst{a, config_.count});
}

void AnnounceSchedule::cancel(int family, const in6_addr& addr) {
  for (auto it = due_.begin(); it != due_.end();)
    it = same_address(it->second.what, family, addr) ? due_.erase(it) : std::next(it);
  std::erase_if(held_, [&](const Held& h) { return same_address(h.what, family, addr); });
}

std::optional<Instant> AnnounceSchedule::next_deadline() const {
  std::optional<Instant> next;
  if (!due_.empty()) next = due_.begin()->first;
  if (!config_.refresh) return next;
  for (const Held& h : held_)
    if (!next || h.next_refresh < *next) next = h.next_refresh;
  return next;
}

std::vector<Announcement> AnnounceSchedule::take_refresh_due(Instant now) {
  std::vector<Announcement> out;
  if (!config_.refresh) return out;
  for (Held& h : held_) {
    if (h.next_refresh > now) continue;
    out.push_back(h.what);
    // From `now`, as bursts: a late timer never sends two back to back, and
    // a zero refresh cannot make it spin (the next one waits for a new call).
    h.next_refresh = now + std::max(*config_.refresh, Millis{1});
  }
  return out;
}

void AnnounceSchedule::set_config(AnnounceConfig config, Instant now) {
  const bool retime = config.refresh != config_.refresh;
  config_ = config;
  if (!retime || !config_.refresh) return;
  for (Held& h : held_) h.next_refresh = now + *config_.refresh;
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
