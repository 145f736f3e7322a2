// Daemon: start-up of every fd, and the loop's handlers.
#include "daemon.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cinttypes>
#include <ctime>

#include "twinbeat/config/tokens.h"
#include "twinbeat/durable_file.h"
#include "twinbeat/log.h"
#include "twinbeat/notify.h"

namespace twinbeat::daemon {

namespace {

constexpr Millis kDropLogInterval{10'000};
constexpr Millis kLateLogInterval{10'000};


}  // namespace

Daemon::Daemon(const Options& options, config::ConfigSet config, resources::GroupAgents agents,
               std::vector<config::FenceDevice> fence_devices)
    : options_(options),
      config_(std::move(config)),
      started_(clock_.now()),
      agents_(std::move(agents)),
      fence_devices_(std::move(fence_devices)) {}

Daemon::~Daemon() {
  control_.reset();  // unlinks the socket while the loop still exists
}

Result<std::unique_ptr<Daemon>> Daemon::create(const Options& options, config::ConfigSet config,
                                               resources::GroupAgents agents,
                                               std::vector<config::FenceDevice> fence_devices) {
  std::unique_ptr<Daemon> d(
      new Daemon(options, std::move(config), std::move(agents), std::move(fence_devices)));
  if (auto r = d->open_all(); !r) return r.error();
  return d;
}

Result<void> Daemon::bump_generation() {
  const std::string path = options_.state_dir + "/generation";
  auto stored = read_number_file(path);
  if (!stored) return stored.error();
  // Strictly above the last one, and never below the wall clock's seconds:
  // a node whose state directory was lost still starts above what its peer
  // remembers, instead of being refused as a replay until it catches up.
  const uint64_t now_s = static_cast<uint64_t>(::time(nullptr));
  generation_ = std::max(stored->value_or(0) + 1, now_s);
  if (auto r = write_file_durably(options_.state_dir, "generation",
                                  std::to_string(generation_) + "\n");
      !r)
    return r.error();
  log(Level::info, "Heartbeat generation: %" PRIu64, generation_);
  return {};
}

std::string Daemon::peer_generation_file() const {
  return "peer-" + config_.peer + ".generation";
}

Result<void> Daemon::open_all() {
  if (auto r = make_directory(options_.state_dir, 0700); !r) return r.error();
  if (auto r = make_directory(options_.run_dir, 0750); !r) return r.error();
  if (auto r = bump_generation(); !r) return r.error();
  auto peer_gen = read_number_file(options_.state_dir + "/" + peer_generation_file());
  if (!peer_gen) return peer_gen.error();

  auto keyring = wire::Keyring::create(config_.authkeys);
  if (!keyring) return keyring.error();
  keyring_.emplace(std::move(*keyring));

  auto executor = ExecutorClient::start(options_.state_dir);
  if (!executor) return executor.error();
  executor_.emplace(std::move(*executor));

  auto loop = Loop::create();
  if (!loop) return loop.error();
  loop_.emplace(std::move(*loop));
  auto hb_timer = Timer::create();
  auto m_timer = Timer::create();
  if (!hb_timer) return hb_timer.error();
  if (!m_timer) return m_timer.error();
  heartbeat_timer_.emplace(std::move(*hb_timer));
  membership_timer_.emplace(std::move(*m_timer));
  auto signals = SignalReader::create({SIGTERM, SIGINT, SIGHUP, SIGCHLD});
  if (!signals) return signals.error();
  signals_.emplace(std::move(*signals));

  auto watcher = net::InterfaceWatcher::open([this](const std::string& name, unsigned index) {
    if (!links_) return;
    for (size_t i = 0; i < links_->size(); ++i) {
      if (links_->endpoint(i).interface != name || links_->ifindex(i) == index) continue;
      if (index == 0)
        log(Level::warn, "interface %s is gone; link %s:%s waits for it", name.c_str(),
            config_.peer.c_str(), links_->endpoint(i).label.c_str());
      else
        log(Level::info, "interface %s is present (index %u); link %s:%s uses it", name.c_str(),
            index, config_.peer.c_str(), links_->endpoint(i).label.c_str());
    }
    links_->interface_changed(name, index);
  });
  if (!watcher) return watcher.error();
  interfaces_.emplace(std::move(*watcher));

  auto own = net::local_ipv4_addresses();
  if (!own) return own.error();
  std::vector<std::string> skipped;
  auto endpoints = net::resolve_links(config_.ha_cf.links, *own, &skipped);
  for (const auto& s : skipped) log(Level::info, "%s", s.c_str());
  if (endpoints.empty())
    return Error{0, config_.ha_cf.file + ": every medium names this host; no link to the peer", {}};
  auto links = net::LinkSet::open(std::move(endpoints),
                                  [this](const std::string& n) { return interfaces_->ifindex_of(n); });
  if (!links) return links.error();
  links_.emplace(std::move(*links));
  link_stats_.assign(links_->size(), LinkStats{});
  for (size_t i = 0; i < links_->size(); ++i)
    log(Level::info, "%s link %s started on port %u interface %s to %s",
        config::to_string(links_->endpoint(i).kind), links_->endpoint(i).label.c_str(),
        links_->endpoint(i).port, links_->endpoint(i).interface.c_str(),
        net::target_text(links_->endpoint(i)).c_str());

  replay_.emplace(peer_gen->value_or(0), links_->size());
  const auto& cf = config_.ha_cf;
  membership_.emplace(core::Timers{cf.keepalive, cf.warntime, cf.deadtime, cf.initdead},
                      links_->size(), clock_.now());

  if (auto r = open_resources(); !r) return r.error();
  if (auto r = open_fencing(); !r) return r.error();
  if (auto r = open_ping_nodes(); !r) return r.error();
  auto metrics = add_timer([this] { write_metrics_file(); });
  if (!metrics) return metrics.error();
  metrics_timer_.emplace(std::move(*metrics));
  if (!config_.ha_cf.metrics_file.empty()) metrics_timer_->arm_every(config_.ha_cf.metrics_interval);

  auto control = ControlServer::open(*loop_, options_.run_dir + "/control",
                                     [this](const std::string& r) { return on_control(r); });
  if (!control) return control.error();
  control_ = std::move(*control);

  Loop& l = *loop_;
  for (int fd : links_->fds()) {
    auto on_input = [this, fd](uint32_t) {
      links_->drain(fd, [this](size_t link, std::span<const uint8_t> d) {
        on_datagram(link, d, clock_.now());
      });
    };
    if (auto r = l.add(fd, EPOLLIN, on_input); !r) return r.error();
  }
  if (auto r = l.add(interfaces_->fd(), EPOLLIN, [this](uint32_t) { interfaces_->on_readable(); }); !r)
    return r.error();
  if (auto r = l.add(heartbeat_timer_->fd(), EPOLLIN, [this](uint32_t) { on_heartbeat_timer(); }); !r)
    return r.error();
  if (auto r = l.add(membership_timer_->fd(), EPOLLIN, [this](uint32_t) { on_membership_timer(); }); !r)
    return r.error();
  if (auto r = l.add(signals_->fd(), EPOLLIN, [this](uint32_t) { on_signal(); }); !r)
    return r.error();
  if (auto r = l.add(executor_->fd(), EPOLLIN, [this](uint32_t) { on_executor(); }); !r)
    return r.error();
  return {};
}

Result<Timer> Daemon::add_timer(std::function<void()> on_fire) {
  auto timer = Timer::create();
  if (!timer) return timer.error();
  const int fd = timer->fd();
  if (auto r = loop_->add(fd, EPOLLIN, [fd, on_fire = std::move(on_fire)](uint32_t) {
        uint64_t n;
        if (::read(fd, &n, sizeof n) == sizeof n) on_fire();
      });
      !r)
    return r.error();
  return timer;
}

Result<void> Daemon::open_resources() {
  const auto& cf = config_.ha_cf;
  auto vips = net::VipManager::open(net::AnnounceConfig{cf.arp_count, cf.arp_interval, cf.arp_refresh});
  if (!vips) return vips.error();
  vips_.emplace(std::move(*vips));
  vips_->set_probe(net::ProbeConfig{cf.vip_probe, cf.vip_probe_wait});
  lease_ = config::effective_vip_lease(cf);
  vips_->set_lease(lease_);
  auto timer = add_timer([this] {
    runner_->on_vip_timer(clock_.now());  // announcements, and VIP starts whose probe ended
    settle();
  });
  if (!timer) return timer.error();
  vip_timer_.emplace(std::move(*timer));
  auto renew = add_timer([this] { renew_leases(); });
  if (!renew) return renew.error();
  lease_timer_.emplace(std::move(*renew));
  if (lease_) lease_timer_->arm_every(*lease_ / 3);  // two renewals may fail before it expires

  checker_.emplace(*loop_, [this] { settle(); });
  runner_ = std::make_unique<ResourceRunner>(agents_, runner_config(cf), *executor_, *vips_,
                                             *checker_, clock_);
  // A VIP the peer held and let go of while heard (standby, failback,
  // graceful stop) is the cluster's: adding it creates no duplicate, so the
  // handover spends no time on a probe.
  runner_->set_vip_probe_skipped([this](size_t g) {
    const auto& peer = g < peer_ad_.groups.size() ? peer_ad_.groups[g] : std::nullopt;
    const core::PeerLiveness l = ownership_->peer_liveness();
    return g < peer_held_.size() && peer_held_[g] && peer && peer->state == wire::GroupState::none &&
           (l == core::PeerLiveness::alive || l == core::PeerLiveness::left);
  });
  // A VIP found in use at a takeover is the silent peer's own copy when the
  // peer held its group and neither a fence nor a lease made it go: Heartbeat's
  // behaviour (vip_lease off, no STONITH device) is to take it over anyway.
  runner_->set_vip_in_use_tolerated([this](size_t g) {
    const auto& peer = g < peer_ad_.groups.size() ? peer_ad_.groups[g] : std::nullopt;
    return !lease_ && !gate_->devices() && peer && peer->state != wire::GroupState::none &&
           ownership_->peer_liveness() == core::PeerLiveness::dead_confirmed;
  });
  auto monitor = add_timer([this] { on_monitor_timer(); });
  if (!monitor) return monitor.error();
  monitor_timer_.emplace(std::move(*monitor));
  for (const auto& spec : config_.haresources.groups) group_ids_.push_back(wire::group_id(spec.name));
  ownership_.emplace(ownership_config(cf, config_.haresources));
  resources_digest_ = config::digest(config_.haresources);
  return {};
}

void Daemon::write_metrics_file() {
  const std::string& path = config_.ha_cf.metrics_file;
  if (path.empty()) return;
  // Written whole then renamed: the collector never reads half a file.
  const std::string tmp = path + ".tmp";
  const std::string text = metrics();
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!fd || ::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
      ::rename(tmp.c_str(), path.c_str()) < 0) {
    if (clock_.now() >= next_metrics_complaint_) {  // at most every 10 minutes
      log_errno(Level::warn, "metrics_file %s", path.c_str());
      next_metrics_complaint_ = clock_.now() + Millis{600000};
    }
  }
}

core::FenceConfig Daemon::fence_config(const config::HaCf& cf) const {
  core::FenceConfig fc;
  fc.devices = !fence_devices_.empty();
  fc.fence_delay = cf.fence_delay;
  fc.max_attempts = cf.fence_attempts;
  fc.wait_for_all = cf.wait_for_all.value_or(fc.devices);
  fc.lease = lease_;
  return fc;
}

Result<void> Daemon::open_fencing() {
  const auto& cf = config_.ha_cf;
  fence_ = std::make_unique<FenceRunner>(fence_devices_, *executor_, clock_);
  gate_.emplace(fence_config(cf));
  auto timer = add_timer([this] {
    apply_fence(gate_->on_tick(clock_.now()));
    settle();
  });
  if (!timer) return timer.error();
  fence_timer_.emplace(std::move(*timer));
  auto check = add_timer([this] { fence_->check_devices(); });
  if (!check) return check.error();
  check_timer_.emplace(std::move(*check));
  if (!fence_devices_.empty()) check_timer_->arm_every(std::chrono::hours(1));  // as Heartbeat's STONITH-stat
  return {};
}

std::vector<std::string> Daemon::script_env() const {
  return {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
          "HA_DIR=" + options_.confdir,
          "HA_RESOURCEDIR=" + options_.confdir + "/resource.d",
          "HA_CURHOST=" + config_.node,
          "HA_OTHERNODE=" + config_.peer,
          "TWINBEAT_NODE=" + config_.node,
          "TWINBEAT_PEER=" + config_.peer,
          "TWINBEAT_RUN_DIR=" + options_.run_dir};
}

void Daemon::arm_vip_timer() {
  if (auto next = vips_->next_deadline())
    vip_timer_->arm_at(*next);
  else
    vip_timer_->disarm();
}

int Daemon::run() {
  log(Level::info, "twinbeat %s: node %s, peer %s, %zu link(s), keepalive %" PRId64
      " ms, deadtime %" PRId64 " ms, initdead %" PRId64 " ms",
      TWINBEAT_VERSION, config_.node.c_str(), config_.peer.c_str(), links_->size(),
      to_ms(config_.ha_cf.keepalive), to_ms(config_.ha_cf.deadtime), to_ms(config_.ha_cf.initdead));
  heartbeat_timer_->arm_every(config_.ha_cf.keepalive);
  next_send_ = clock_.now() + config_.ha_cf.keepalive;
  send_heartbeat();
  // Started here, once main() made this thread realtime: the cover's thread
  // takes the loop's policy and priority.
  auto cover = HeartbeatCover::start([this] {
    send_heartbeat();
    next_send_ = clock_.now() + config_.ha_cf.keepalive;
  });
  if (cover)
    cover_ = std::move(*cover);
  else
    log(Level::warn, "%s: a lease renewal that waits for the kernel delays heartbeats",
        cover.error().message.c_str());
  arm_membership_timer();
  dispatch(ownership_->start());
  settle();
  if (gate_->devices()) fence_->check_devices();
  if (auto r = loop_->run(); !r) {
    log(Level::error, "%s", r.error().message.c_str());
    return 1;
  }
  log(Level::info, "twinbeat shutdown complete.");
  return exit_code_;
}

void Daemon::send_heartbeat() {
  wire::Message msg;
  msg.type = wire::MessageType::heartbeat;
  msg.generation = generation_;
  msg.sequence = ++sequence_;
  msg.sender = config_.node;
  msg.timers = {config_.ha_cf.keepalive, config_.ha_cf.warntime, config_.ha_cf.deadtime};
  msg.status = membership_->peer_state() == core::PeerState::init ? wire::NodeStatus::up
                                                                  : wire::NodeStatus::active;
  msg.mode = ownership_->mode();
  msg.resources_digest = resources_digest_;
  msg.group_count = group_ids_.size();
  for (size_t g = 0; g < group_ids_.size(); ++g) {
    const core::GroupAd ad = ownership_->advertised(g);
    msg.groups[g] = wire::GroupReport{group_ids_[g], ad.state, ad.offered, ad.found, ad.wanted,
                                      ad.blocked};
  }
  if (ping_nodes_) ping_nodes_->fill(msg);
  uint8_t buf[wire::kMaxPacketSize];
  const size_t n = wire::encode(msg, *keyring_, buf);
  if (n == 0) {
    log(Level::error, "cannot encode a heartbeat (node name '%s')", config_.node.c_str());
    return;
  }
  links_->send(std::span<const uint8_t>(buf, n));
}

void Daemon::on_heartbeat_timer() {
  const uint64_t fired = heartbeat_timer_->expirations();
  if (fired == 0) return;
  const Instant now = clock_.now();
  // Our own lateness, as Heartbeat's glue reports it: more than half a
  // keepalive (+10 ms) behind schedule means this process was not running.
  const Millis late = now - next_send_;
  send_late_max_ = std::max(send_late_max_, late);
  if ((fired > 1 || late > config_.ha_cf.keepalive / 2 + Millis{10}) && now >= next_late_log_) {
    log(Level::warn, "loop: heartbeat send was %" PRId64 " ms late (%" PRIu64
        " keepalive periods elapsed)", to_ms(late), fired);
    next_late_log_ = now + kLateLogInterval;
  }
  next_send_ = now + config_.ha_cf.keepalive;
  // After a stall longer than a renewal period, a VIP may have expired: find
  // out before saying "held" to a peer that may have taken it over meanwhile.
  if (lease_ && late > *lease_ / 3) renew_leases();
  send_heartbeat();
  control_->expire(now);
}

void Daemon::on_membership_timer() {
  (void)membership_timer_->expirations();
  // Judge silence only after reading everything that is waiting: if this
  // process was stalled, the peer's heartbeats are in our sockets, not lost.
  links_->drain_all([this](size_t link, std::span<const uint8_t> d) {
    on_datagram(link, d, clock_.now());
  });
  handle(membership_->on_tick(clock_.now()));
  arm_membership_timer();
}

void Daemon::arm_membership_timer() {
  if (auto next = membership_->next_deadline())
    membership_timer_->arm_at(*next);
  else
    membership_timer_->disarm();
}

void Daemon::on_datagram(size_t link, std::span<const uint8_t> datagram, Instant now) {
  LinkStats& st = link_stats_[link];
  ++st.packets_in;
  auto decoded = wire::decode(datagram, *keyring_);
  if (auto* reason = std::get_if<wire::DropReason>(&decoded)) return drop(link, *reason);
  const wire::Message& msg = std::get<wire::Message>(decoded);
  if (msg.sender == config_.node) {
    ++st.own;  // our broadcast or multicast, looped back
    return;
  }
  if (msg.sender != config_.peer) return drop(link, wire::DropReason::unknown_sender);

  switch (replay_->admit(link, msg.generation, msg.sequence)) {
    case wire::ReplayGuard::Verdict::replayed: return drop(link, wire::DropReason::replayed);
    case wire::ReplayGuard::Verdict::old_generation:
      return drop(link, wire::DropReason::old_generation);
    case wire::ReplayGuard::Verdict::new_generation: {
      const uint64_t gen = msg.generation;
      executor_->persist(peer_generation_file(), std::to_string(gen) + "\n",
                         [gen](bool ok, const std::string& why) {
                           if (!ok)
                             log(Level::error, "cannot persist peer generation %" PRIu64 ": %s",
                                 gen, why.c_str());
                         });
      break;
    }
    case wire::ReplayGuard::Verdict::admitted: break;
  }
  const core::Heartbeat hb{msg.generation, msg.sequence, msg.timers.warntime, msg.timers.deadtime};
  handle(membership_->on_heartbeat(link, hb, now));
  arm_membership_timer();
  on_peer_message(msg);
}

void Daemon::drop(size_t link, wire::DropReason reason) {
  LinkStats& st = link_stats_[link];
  ++st.drops[static_cast<size_t>(reason)];
  const Instant now = clock_.now();
  if (now < st.next_drop_log) return;  // rate-limited: one line per link per interval
  std::string counts;
  for (size_t r = 0; r < st.drops.size(); ++r) {
    const uint64_t fresh = st.drops[r] - st.drops_logged[r];
    if (fresh == 0) continue;
    counts += (counts.empty() ? "" : ", ") + std::to_string(fresh) + " " +
              wire::to_string(static_cast<wire::DropReason>(r));
    st.drops_logged[r] = st.drops[r];
  }
  log(Level::warn, "Link %s:%s: dropped packet(s): %s", config_.peer.c_str(),
      links_->endpoint(link).label.c_str(), counts.c_str());
  st.next_drop_log = now + kDropLogInterval;
}

void Daemon::handle(const core::Events& events) {
  const char* peer = config_.peer.c_str();
  for (const core::Event& e : events) {
    if (auto* up = std::get_if<core::PeerUp>(&e)) {
      apply_fence(gate_->on_peer_alive());
      switch (up->why) {
        case core::PeerUp::Why::first_contact:
          log(Level::info, "Status update for node %s: status up (generation %" PRIu64 ")", peer,
              up->generation);
          break;
        case core::PeerUp::Why::returned:
          log(Level::warn, "Cluster node %s returning after partition (silent for %" PRId64 " ms).",
              peer, to_ms(*up->silent_for));
          break;
        case core::PeerUp::Why::restarted:
          log(Level::info, "Heartbeat restart on node %s (generation %" PRIu64 ")", peer,
              up->generation);
          break;
      }
    } else if (auto* dead = std::get_if<core::PeerDead>(&e)) {
      if (peer_ad_.mode == wire::NodeMode::left)
        log(Level::info, "node %s: stopped after releasing its resources", peer);
      else if (dead->never_heard)
        log(Level::warn, "node %s: is dead (not heard from within initdead %" PRId64 " ms)", peer,
            to_ms(dead->silent_for));
      else
        log(Level::warn, "node %s: is dead (no heartbeat for %" PRId64 " ms on %zu link(s))",
            peer, to_ms(dead->silent_for), links_->size());
      on_peer_dead(*dead);
    } else if (auto* rs = std::get_if<core::PeerRestarted>(&e)) {
      log(Level::info, "Heartbeat restart on node %s (generation %" PRIu64 " -> %" PRIu64 ")",
          peer, rs->old_generation, rs->new_generation);
    } else if (auto* lu = std::get_if<core::LinkUp>(&e)) {
      log(Level::info, "Link %s:%s up.", peer, links_->endpoint(lu->link).label.c_str());
    } else if (auto* ld = std::get_if<core::LinkDead>(&e)) {
      log(Level::info, "Link %s:%s dead. (silent for %" PRId64 " ms)", peer,
          links_->endpoint(ld->link).label.c_str(), to_ms(ld->silent_for));
    } else if (auto* late = std::get_if<core::LateHeartbeat>(&e)) {
      if (late->past_deadtime)
        log(Level::warn, "Late heartbeat: Node %s: interval %" PRId64 " ms (beyond deadtime %" PRId64
            " ms: this node's loop was late; %s kept alive)",
            peer, to_ms(late->gap), to_ms(membership_->judged_deadtime()), peer);
      else
        log(Level::warn, "Late heartbeat: Node %s: interval %" PRId64 " ms", peer, to_ms(late->gap));
    }
  }
}

void Daemon::on_signal() {
  while (int sig = signals_->next()) {
    switch (sig) {
      case SIGTERM:
      case SIGINT:
        if (stopping_) {
          log(Level::info, "shutdown already in progress: releasing resources first");
          break;
        }
        stopping_ = true;
        log(Level::info, "twinbeat shutdown in progress (signal %d).", sig);
        notify_service_manager("STOPPING=1");
        log(Level::info, "Giving up all HA resources.");
        dispatch(ownership_->shutdown());
        settle();
        break;
      case SIGHUP:
        if (!stopping_) (void)reload();
        break;
      case SIGCHLD: break;  // the executor is watched through its socket
    }
  }
}

void Daemon::on_executor() {
  if (executor_->on_readable()) return settle();
  log(Level::crit, "executor (pid %d) is gone; twinbeatd cannot act safely without it and stops",
      static_cast<int>(executor_->pid()));
  exit_code_ = 1;
  loop_->stop();
}

}  // namespace twinbeat::daemon
