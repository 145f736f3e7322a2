// The daemon's glue between the machines: ownership actions performed,
// operation results fed back, the fence gate's actions, the peer's
// advertisements and death.
#include "daemon.h"

#include <cinttypes>

#include "twinbeat/log.h"

namespace twinbeat::daemon {

void Daemon::apply_fence(const core::FenceActions& actions) {
  const char* peer = config_.peer.c_str();
  for (const core::FenceAction& a : actions) {
    if (auto* shoot = std::get_if<core::Shoot>(&a)) {
      if (shoot->attempt > 1) log(Level::warn, "STONITH of %s: attempt %d", peer, shoot->attempt);
      fence_->shoot([this](bool ok) {
        ++(ok ? fence_shots_ok_ : fence_shots_failed_);
        apply_fence(gate_->on_shot(ok, clock_.now()));
        settle();
      });
    } else if (auto* c = std::get_if<core::Confirmed>(&a)) {
      using How = core::Confirmed::How;
      switch (c->how) {
        case How::fenced: log(Level::info, "node %s is fenced: taking over.", peer); break;
        case How::left: break;
        case How::lease_expired:
          log(Level::warn, "No STONITH device configured: %s's VIP lease has run out; taking over.",
              peer);
          break;
        case How::unfenced:
          log(Level::warn, "No STONITH device configured and no VIP lease: taking over; %s may "
              "still hold its VIPs if it hangs.", peer);
          break;
        case How::forced: log(Level::warn, "takeover forced by the operator: %s is not fenced.", peer); break;
      }
      dispatch(ownership_->on_peer_liveness(c->how == How::left ? core::PeerLiveness::left
                                                                : core::PeerLiveness::dead_confirmed));
    } else if (auto* g = std::get_if<core::GaveUp>(&a)) {
      log(Level::crit, "STONITH of %s failed %d times: not taking over its resources; fix the "
          "fence device, then 'twinbeat takeover --force' if %s is known to be down",
          peer, g->attempts, peer);
    } else if (std::holds_alternative<core::Cancelled>(a)) {
      log(Level::info, "node %s is back: fencing cancelled", peer);
    }
  }
  arm_fence_timer();
}

// A VIP whose lease ran out (this node stalled longer than the lease) is
// gone for good: its group is told, so it yields to a peer that took it
// over, or is completed again.
void Daemon::renew_leases() {
  const Instant at = clock_.now();
  // A renewal may wait long for the kernel's RTNL lock (heartbeat_cover.h):
  // meanwhile the cover sends our heartbeats, while the lifetime the last
  // round gave every VIP still runs (the kernel may end one 20 ms early).
  constexpr Millis kExpiryMargin{100};
  const bool covered = cover_ && lease_round_ > Millis{0};
  if (covered)
    cover_->begin(next_send_, config_.ha_cf.keepalive, lease_round_at_ + lease_round_ - kExpiryMargin);
  const std::vector<size_t> lost = runner_->renew_leases();
  const unsigned beats = covered ? cover_->end() : 0;
  const Instant now = clock_.now();
  renewal_wait_max_ = std::max(renewal_wait_max_, now - at);
  if (beats > 0) {
    (void)heartbeat_timer_->expirations();  // what they were due for went out
    cover_beats_ += beats;
    if (now >= next_late_log_) {
      log(Level::warn, "loop: a VIP lease renewal waited %" PRId64 " ms for the kernel; %u heartbeat(s) sent meanwhile",
          to_ms(now - at), beats);
      next_late_log_ = now + Millis{10'000};
    }
  }
  lease_round_at_ = at;
  // The lifetime given: whole seconds, at least one (net::VipManager::set_lease).
  lease_round_ = lease_ ? std::max<Millis>(Millis{1000}, std::chrono::duration_cast<std::chrono::seconds>(*lease_))
                        : Millis{0};
  if (lost.empty()) return;
  // What the peer said while we were stalled comes first: it may hold them now.
  links_->drain_all([this](size_t link, std::span<const uint8_t> d) {
    on_datagram(link, d, clock_.now());
  });
  for (size_t g : lost) {
    log(Level::crit, "resource group %s lost its VIP while this node was stalled",
        config_.haresources.groups[g].name.c_str());
    dispatch(ownership_->lost(g));
  }
  settle();
}

void Daemon::arm_fence_timer() {
  if (auto next = gate_->next_deadline())
    fence_timer_->arm_at(*next);
  else
    fence_timer_->disarm();
}

void Daemon::dispatch(const core::Actions& actions) {
  for (const core::Action& a : actions) {
    if (auto* op = std::get_if<core::RunOp>(&a)) {
      runner_->run(*op);
    } else if (std::holds_alternative<core::Announce>(a)) {
      announce_ = true;
    } else if (auto* c = std::get_if<core::GroupChange>(&a)) {
      if (c->kind == core::GroupChange::Kind::acquired && c->group < peer_held_.size())
        peer_held_[c->group] = false;  // the handover is over: ours now
      log_change(*c);
    } else if (std::holds_alternative<core::ShutdownComplete>(a)) {
      finish_shutdown();
    } else if (auto* r = std::get_if<core::Reannounce>(&a)) {
      runner_->reannounce(r->group);
    }
  }
}

void Daemon::feed(const core::OpDone& d) {
  if (d.op == core::Op::monitor) return on_monitor_done(d);
  dispatch(ownership_->on_op_done(d));
}

void Daemon::settle() {
  for (int round = 0; round < 10000; ++round) {
    std::deque<core::OpDone> done = runner_->take_done();
    if (done.empty()) break;
    for (const core::OpDone& d : done) feed(d);
  }
  if (pending_groups_) {
    apply_pending_groups();
    for (int round = 0; round < 10000; ++round) {  // builtin probes of new groups finish at once
      std::deque<core::OpDone> done = runner_->take_done();
      if (done.empty()) break;
      for (const core::OpDone& d : done) feed(d);
    }
  }
  arm_vip_timer();
  schedule_monitors();
  if (announce_) {
    announce_ = false;
    send_heartbeat();  // the peer learns of a change now, not a keepalive later
  }
}

void Daemon::log_change(const core::GroupChange& c) {
  using K = core::GroupChange::Kind;
  using W = core::GroupChange::Why;
  const auto& g = config_.haresources.groups[c.group];
  const char* name = g.name.c_str();
  const char* peer = config_.peer.c_str();
  const char* resource =
      c.resource < g.resources.size() ? g.resources[c.resource].text.c_str() : "?";
  switch (c.kind) {
    case K::adopted:
      log(Level::info, "Resource group %s found running here; keeping it unless %s holds it", name,
          peer);
      break;
    case K::acquiring:
      if (c.why == W::uplink) {
        log(Level::info, "Taking over resource group %s (uplink: %s)", name, uplink_text().c_str());
        break;
      }
      if (c.why == W::peer_dead || c.why == W::peer_left || c.why == W::peer_offered)
        log(Level::info, "Taking over resource group %s", name);
      else
        log(Level::info, "Acquiring resource group: %s %s", g.preferred_node.c_str(), name);
      break;
    case K::acquired: log(Level::info, "Resource group %s acquired.", name); break;
    case K::releasing:
      log(Level::info, "Releasing resource group: %s %s (%s)", g.preferred_node.c_str(), name,
          c.why == W::shutdown     ? "shutdown"
          : c.why == W::failback   ? "failback to its preferred node"
          : c.why == W::standby    ? "standby: handing it to the peer"
          : c.why == W::removed    ? "removed from haresources"
          : c.why == W::failed     ? "it failed here too often: handing it to the peer"
          : c.why == W::uplink     ? ("uplink: " + uplink_text() + "; handing it to the peer").c_str()
          : c.why == W::peer_holds ? std::string("held by " + config_.peer).c_str()
                                   : "released");
      break;
    case K::released: log(Level::info, "Resource group %s released.", name); break;
    case K::start_failed:
      log(Level::crit, "Giving up resources due to failure of %s (group %s); offering it to %s",
          resource, name, peer);
      break;
    case K::stop_failed:
      log(Level::crit,
          "Resource STOP failure: %s of group %s may still run here; %s must not take it until "
          "this node is fenced",
          resource, name, peer);
      break;
    case K::conflict: log(Level::error, "Both machines own resource group %s!", name); break;
    case K::monitor_failed: {
      const core::Ownership::Failures f = ownership_->failures(c.group, clock_.now());
      log(Level::error, "Resource %s of group %s failed its monitor (%s): failure %zu within %" PRId64
          " s, %d restart(s) allowed", resource, name, runner_->record(c.group, c.resource).result.c_str(),
          f.recent, to_ms(config_.ha_cf.resource_restart_window) / 1000, config_.ha_cf.resource_restarts);
      break;
    }
    case K::recovering:
      log(Level::info, "Restarting %s of group %s in place, with the resources after it", resource, name);
      break;
    case K::recovered: log(Level::info, "Resource group %s recovered.", name); break;
    case K::offered:
      log(Level::info, "Resource group %s: not starting it here, leaving it to %s (uplink: %s)",
          name, peer, uplink_text().c_str());
      break;
  }
}

void Daemon::finish_shutdown() {
  log(Level::info, "All HA resources relinquished.");
  // Say goodbye more than once: the peer then takes over at once and without
  // fencing, instead of after deadtime.
  for (int i = 0; i < 3; ++i) send_heartbeat();
  loop_->stop();
}

void Daemon::on_peer_message(const wire::Message& msg) {
  // Only the newest packet speaks for the peer (the others are its copies
  // on other links, or reordered).
  if (peer_ad_seen_ && (msg.generation < peer_ad_generation_ ||
                        (msg.generation == peer_ad_generation_ && msg.sequence <= peer_ad_sequence_)))
    return;
  peer_ad_seen_ = true;
  peer_ad_generation_ = msg.generation;
  peer_ad_sequence_ = msg.sequence;
  if (msg.resources_digest != peer_digest_) {
    peer_digest_ = msg.resources_digest;
    if (peer_digest_ != resources_digest_)
      log(Level::crit, "haresources differs between %s and %s: groups the two files do not share "
          "are started by neither node; make the files identical", config_.node.c_str(),
          config_.peer.c_str());
    else
      log(Level::info, "haresources is identical on %s and %s", config_.node.c_str(),
          config_.peer.c_str());
  }
  ping_nodes_->on_peer(msg);
  core::PeerAd ad;
  ad.mode = msg.mode;
  ad.reach = msg.has_uplink ? msg.uplink.reach : core::Reach::same;
  for (size_t g = 0; g < group_ids_.size(); ++g) {
    std::optional<core::GroupAd> found;
    for (size_t i = 0; i < msg.group_count; ++i)
      if (msg.groups[i].id == group_ids_[g])
        found = core::GroupAd{msg.groups[i].state, msg.groups[i].offered, msg.groups[i].found,
                              msg.groups[i].wanted, msg.groups[i].blocked};
    ad.groups.push_back(found);
  }
  if (ad.mode == wire::NodeMode::left && peer_ad_.mode != wire::NodeMode::left)
    log(Level::info, "Received shutdown notice from '%s'.", config_.peer.c_str());
  bool asks_fence = false;
  for (const auto& g : ad.groups) asks_fence = asks_fence || (g && g->state == wire::GroupState::failed);
  peer_ad_ = ad;
  peer_held_.resize(ad.groups.size());
  for (size_t g = 0; g < ad.groups.size(); ++g) {
    const auto s = ad.groups[g] ? ad.groups[g]->state : wire::GroupState::none;
    if (s == wire::GroupState::held)  // not stopping: a failed start stops too
      peer_held_[g] = true;
    else if (s == wire::GroupState::none && ownership_->advertised(g).state == wire::GroupState::held)
      peer_held_[g] = false;  // ours, and the peer has let go: no handover pending
  }
  dispatch(ownership_->on_peer_ad(ad));
  if (asks_fence && gate_->state() == core::FenceState::idle && gate_->devices()) {
    log(Level::crit, "node %s could not stop a resource group and asks to be fenced",
        config_.peer.c_str());
    apply_fence(gate_->on_peer_asks_fence());
  }
  settle();
}

void Daemon::on_peer_dead(const core::PeerDead& dead) {
  const bool left = peer_ad_.mode == wire::NodeMode::left;
  if (!left) peer_held_.assign(peer_held_.size(), false);  // it may still hold them
  bool held = false;
  for (const auto& g : peer_ad_.groups) held = held || (g && g->state != wire::GroupState::none);
  bool we_hold = false;
  for (size_t g = 0; g < ownership_->group_count(); ++g) we_hold = we_hold || ownership_->holds(g);
  ping_nodes_->on_peer_silent();
  if (!left) {
    dispatch(ownership_->on_peer_liveness(core::PeerLiveness::dead_unconfirmed));
    if (held || dead.never_heard)
      log(Level::info, "Resources being acquired from %s.", config_.peer.c_str());
    if (dead.never_heard && gate_->state() == core::FenceState::idle &&
        config_.ha_cf.wait_for_all.value_or(gate_->devices()))
      log(Level::warn, "node %s was never seen since this node started: waiting for it "
          "(wait_for_all); 'twinbeat takeover --force' starts this node alone",
          config_.peer.c_str());
  }
  // Never heard: it may have held VIPs since before we started, renewed
  // until then at the latest.
  const Instant last = membership_->last_heard().value_or(started_);
  apply_fence(gate_->on_peer_dead(clock_.now(), left, we_hold, dead.never_heard, last));
  settle();
}

}  // namespace twinbeat::daemon
