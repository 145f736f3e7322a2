// Reload (SIGHUP, 'twinbeat reload'): re-read ha.cf, authkeys and
// haresources; refuse a bad configuration and keep running on the old one;
// apply what changed without missing a heartbeat. Groups that leave
// haresources are released first; the new set takes effect once nothing is
// moving.
#include <sys/epoll.h>

#include <algorithm>
#include <cinttypes>

#include "configuration.h"
#include "daemon.h"
#include "twinbeat/config/haresources.h"
#include "twinbeat/log.h"
#include "twinbeat/notify.h"

namespace twinbeat::daemon {

namespace {

bool same_link(const net::LinkEndpoint& a, const net::LinkEndpoint& b) {
  return a.kind == b.kind && a.interface == b.interface && a.peer.s_addr == b.peer.s_addr &&
         a.group.s_addr == b.group.s_addr && a.port == b.port && a.ttl == b.ttl && a.loop == b.loop;
}

bool same_group(const config::GroupSpec& a, const config::GroupSpec& b) {
  if (a.name != b.name || a.preferred_node != b.preferred_node ||
      a.resources.size() != b.resources.size())
    return false;
  for (size_t i = 0; i < a.resources.size(); ++i)
    if (a.resources[i].text != b.resources[i].text) return false;
  return true;
}

bool same_timers(const config::HaCf& a, const config::HaCf& b) {
  return a.keepalive == b.keepalive && a.warntime == b.warntime && a.deadtime == b.deadtime &&
         a.initdead == b.initdead;
}

}  // namespace

std::string Daemon::reload() {
  notify_service_manager("RELOADING=1");
  log(Level::info, "Rereading the configuration in %s.", options_.confdir.c_str());
  auto loaded = load_configuration(options_);
  std::string errors;
  for (const auto& d : loaded.diagnostics) {
    log(d.severity == Severity::error ? Level::error : Level::warn, "%s", d.to_string().c_str());
    if (d.severity == Severity::error) errors += d.to_string() + "\n";
  }
  auto keyring = loaded.ok() ? wire::Keyring::create(loaded.value.set.authkeys)
                             : Result<wire::Keyring>(Error{0, "", {}});
  if (loaded.ok() && !keyring) errors += keyring.error().to_string() + "\n";
  std::string summary;
  if (errors.empty()) summary = apply_reload(std::move(loaded.value), std::move(*keyring), errors);
  notify_service_manager("READY=1");
  if (!errors.empty()) {
    log(Level::error, "reload refused: keeping the running configuration");
    return "error: reload refused, the running configuration is kept:\n" + errors;
  }
  log(Level::info, "reload done: %s", summary.c_str());
  return "ok: " + summary;
}

// Applies a loaded, valid configuration. The fallible parts (new sockets)
// come first: on a failure nothing has changed and `errors` says why.
std::string Daemon::apply_reload(Configuration next, wire::Keyring keyring, std::string& errors) {
  config::HaCf& cf = next.set.ha_cf;
  std::vector<std::string> changed;
  bool rejudge_silent_peer = false;
  auto own = net::local_ipv4_addresses();
  if (!own) {
    errors = own.error().message;
    return "";
  }
  // Ping nodes: new sockets first (fallible); swapped in below.
  std::unique_ptr<PingNodes> ping_nodes;
  if (ping_nodes_->differs_from(cf)) {
    auto fresh = prepare_ping_nodes(cf);
    if (!fresh) {
      errors = fresh.error().to_string();
      return "";
    }
    ping_nodes = std::move(*fresh);
  }
  auto endpoints = net::resolve_links(cf.links, *own, nullptr);
  bool links_changed = endpoints.size() != links_->size();
  for (size_t i = 0; !links_changed && i < endpoints.size(); ++i)
    links_changed = !same_link(endpoints[i], links_->endpoint(i));
  if (links_changed) {
    if (endpoints.empty()) {
      errors = cf.file + ": every medium names this host; no link to the peer";
      return "";
    }
    auto fresh = net::LinkSet::open(endpoints, [this](const std::string& n) {
      return interfaces_->ifindex_of(n);
    });
    if (!fresh) {
      errors = fresh.error().to_string();
      return "";
    }
    swap_links(std::move(*fresh));
    changed.push_back(std::to_string(links_->size()) + " link(s)");
  }

  if (!links_changed) {
    link_carried_.resize(links_->size());
    for (size_t i = 0; i < links_->size(); ++i) link_carried_[i] = i;
  }
  keyring_.emplace(std::move(keyring));
  changed.push_back("authkeys (signing with key " + std::to_string(keyring_->active_id()) + ")");
  if (!same_timers(cf, config_.ha_cf) || links_changed) {
    if (cf.keepalive != config_.ha_cf.keepalive) heartbeat_timer_->arm_every(cf.keepalive);
    std::vector<std::optional<core::LinkId>> carried(links_->size());
    for (size_t i = 0; i < links_->size(); ++i) carried[i] = link_carried_[i];
    membership_->reconfigure(core::Timers{cf.keepalive, cf.warntime, cf.deadtime, cf.initdead},
                             carried, clock_.now());
    arm_membership_timer();
    changed.push_back("timers");
  }
  log_open(log_config(cf, options_));
  if (cf.metrics_file.empty()) metrics_timer_->disarm();
  else if (cf.metrics_file != config_.ha_cf.metrics_file || cf.metrics_interval != config_.ha_cf.metrics_interval)
    metrics_timer_->arm_every(cf.metrics_interval);
  const auto lease = config::effective_vip_lease(cf);
  if (lease != lease_) {
    // Renew at once under the new lease: re-arming restarts the period, and
    // reloads in a row must never starve the renewals.
    lease_ = lease;
    vips_->set_lease(lease_);
    renew_leases();
    if (lease_) lease_timer_->arm_every(*lease_ / 3);
    else lease_timer_->disarm();
    changed.push_back("VIP lease");
  }
  vips_->set_announce(net::AnnounceConfig{cf.arp_count, cf.arp_interval, cf.arp_refresh}, clock_.now());
  vips_->set_probe(net::ProbeConfig{cf.vip_probe, cf.vip_probe_wait});
  runner_->set_config(runner_config(cf));
  ownership_->set_auto_failback(cf.auto_failback != config::AutoFailback::off);
  ownership_->set_restart_limits(cf.resource_restarts, cf.resource_restart_window);
  monitors_.clear();  // intervals may have changed: scheduled anew
  // Devices and the fence gate's settings change between shots, never during
  // one. A silent peer is judged again under them: fixing a device that gave
  // up, then reloading, shoots again.
  const core::FenceState fs = gate_->state();
  if (!fence_->shooting() && fs != core::FenceState::shooting && fs != core::FenceState::waiting) {
    fence_devices_ = next.set.fence_devices;
    fence_ = std::make_unique<FenceRunner>(fence_devices_, *executor_, clock_);
    if (!fence_devices_.empty()) fence_->check_devices();
    if (fence_devices_.empty()) check_timer_->disarm();
    else check_timer_->arm_every(std::chrono::hours(1));
    gate_.emplace(fence_config(cf));
    if (fs == core::FenceState::gave_up || fs == core::FenceState::never_seen)
      rejudge_silent_peer = true;
  } else {
    changed.push_back("fencing kept until the shot under way ends (reload again then)");
  }

  const bool groups_changed = config::digest(next.set.haresources) != resources_digest_;
  // Everything but the groups takes effect now; the groups once none moves.
  config::HaResources new_groups = std::move(next.set.haresources);
  next.set.haresources = std::move(config_.haresources);
  config_ = std::move(next.set);
  if (groups_changed) {
    pending_groups_.emplace(PendingGroups{std::move(new_groups), std::move(next.agents)});
    retire_leaving_groups();
    changed.push_back("haresources (applied once no group is moving)");
  } else if (runner_->set_monitor_options(next.agents)) {
    // The same groups, other [brackets]: only how they are watched changes.
    for (size_t g = 0; g < new_groups.groups.size(); ++g)
      for (size_t r = 0; r < new_groups.groups[g].resources.size(); ++r)
        config_.haresources.groups[g].resources[r].monitor = new_groups.groups[g].resources[r].monitor;
    monitors_.clear();
    changed.push_back("resource monitoring");
  }
  if (ping_nodes) {
    commit_ping_nodes(std::move(ping_nodes));
    changed.push_back(std::to_string(config_.ha_cf.ping_nodes.size()) + " ping node(s)");
  }
  if (rejudge_silent_peer && membership_->peer_state() == core::PeerState::dead)
    on_peer_dead(core::PeerDead{Millis{0}, !membership_->last_heard()});
  settle();
  std::string summary;
  for (const auto& c : changed) summary += (summary.empty() ? "" : ", ") + c;
  return summary;
}

void Daemon::swap_links(net::LinkSet fresh) {
  link_carried_.assign(fresh.size(), std::nullopt);
  std::vector<LinkStats> stats(fresh.size());
  for (size_t i = 0; i < fresh.size(); ++i)
    for (size_t j = 0; j < links_->size(); ++j)
      if (same_link(fresh.endpoint(i), links_->endpoint(j))) {
        link_carried_[i] = j;
        stats[i] = link_stats_[j];
      }
  for (int fd : links_->fds()) loop_->remove(fd);
  links_.emplace(std::move(fresh));
  link_stats_ = std::move(stats);
  replay_.emplace(replay_->generation(), links_->size());
  for (int fd : links_->fds()) {
    auto on_input = [this, fd](uint32_t) {
      links_->drain(fd, [this](size_t link, std::span<const uint8_t> d) {
        on_datagram(link, d, clock_.now());
      });
    };
    if (auto r = loop_->add(fd, EPOLLIN, on_input); !r)
      log(Level::error, "reload: %s", r.error().message.c_str());
  }
}

// Groups of the running set that the new haresources does not have (as they
// are) are released first.
void Daemon::retire_leaving_groups() {
  const auto& next = pending_groups_->haresources.groups;
  for (size_t g = 0; g < config_.haresources.groups.size(); ++g) {
    const bool stays = std::any_of(next.begin(), next.end(), [&](const config::GroupSpec& n) {
      return same_group(n, config_.haresources.groups[g]);
    });
    if (!stays) dispatch(ownership_->retire(g));
  }
}

// The new groups take over once every leaving group is released and nothing
// is in flight (operation results must land on the groups they belong to).
void Daemon::apply_pending_groups() {
  if (!pending_groups_) return;
  const auto& next = pending_groups_->haresources.groups;
  std::vector<std::optional<size_t>> carried(next.size());
  std::vector<bool> kept(config_.haresources.groups.size(), false);
  for (size_t i = 0; i < next.size(); ++i)
    for (size_t g = 0; g < config_.haresources.groups.size(); ++g)
      if (same_group(next[i], config_.haresources.groups[g])) {
        carried[i] = g;
        kept[g] = true;
      }
  for (size_t g = 0; g < kept.size(); ++g) {
    if (ownership_->busy(g) || (!kept[g] && ownership_->holds(g))) return;
  }
  PendingGroups p = std::move(*pending_groups_);
  pending_groups_.reset();
  config_.haresources = std::move(p.haresources);
  resources_digest_ = config::digest(config_.haresources);
  const auto& cf = config_.ha_cf;
  runner_->reconfigure(std::move(p.agents), runner_config(cf), carried);
  monitors_.clear();  // numbered by the old groups; results in flight are dropped
  group_ids_.clear();
  for (const auto& spec : config_.haresources.groups) group_ids_.push_back(wire::group_id(spec.name));
  log(Level::info, "haresources applied: %zu group(s)", config_.haresources.groups.size());
  peer_ad_.groups.clear();  // in the old order: the next heartbeat says it anew
  peer_held_.clear();
  dispatch(ownership_->reconfigure(ownership_config(cf, config_.haresources), carried));
}

}  // namespace twinbeat::daemon
