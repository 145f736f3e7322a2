// PingNodes: ICMP sockets and timers on the loop, the Uplink machine fed with
// replies and the peer's reports, and the log lines of ping node changes.
#include "ping_nodes.h"

#include <sys/epoll.h>

#include <algorithm>
#include <cinttypes>
#include <cstring>
#include <utility>

#include "twinbeat/log.h"

namespace twinbeat::daemon {

namespace {

// A quarter of deadping: a ping node is declared dead only after about four
// requests went unanswered. No more often than heartbeats, and at least
// every second (which wins when keepalive is longer).
Millis ping_interval(Millis deadping, Millis keepalive) {
  return std::min(std::max(deadping / 4, keepalive), Millis{1000});
}

std::string score_text(std::optional<uint32_t> s) { return s ? std::to_string(*s) : "unknown"; }

}  // namespace

PingNodes::PingNodes(const config::HaCf& cf, std::string peer, Loop& loop, const Clock& clock,
                     OnReach on_reach, OnAnnounce on_announce)
    : loop_(loop),
      clock_(clock),
      peer_(std::move(peer)),
      on_reach_(std::move(on_reach)),
      on_announce_(std::move(on_announce)),
      deadping_(config::effective_deadping(cf)),
      keepalive_(cf.keepalive),
      interval_(ping_interval(deadping_, cf.keepalive)),
      uplink_(core::UplinkConfig{}, clock.now()) {
  core::UplinkConfig uc;
  uc.deadping = deadping_;
  uc.hold = deadping_;  // a comparison must hold as long as a ping node takes to die
  for (const config::PingNode& pn : cf.ping_nodes) {
    core::UplinkConfig::Node node{pn.name, {}};
    for (const std::string& a : pn.addresses) {
      auto it = std::find(addresses_.begin(), addresses_.end(), a);
      node.targets.push_back(static_cast<size_t>(it - addresses_.begin()));
      if (it == addresses_.end()) addresses_.push_back(a);
    }
    uc.nodes.push_back(std::move(node));
    nodes_.push_back(Node{pn.name, pn.group, wire::ping_node_id(pn.name)});
  }
  uc.targets = addresses_.size();
  uplink_ = core::Uplink(std::move(uc), clock.now());
}

Result<std::unique_ptr<PingNodes>> PingNodes::open(const config::HaCf& cf, std::string peer,
                                                   Loop& loop, const Clock& clock,
                                                   OnReach on_reach, OnAnnounce on_announce) {
  std::unique_ptr<PingNodes> p(new PingNodes(cf, std::move(peer), loop, clock,
                                             std::move(on_reach), std::move(on_announce)));
  if (!p->addresses_.empty())
    if (auto r = p->start(p->addresses_); !r) return r.error();
  return p;
}

Result<void> PingNodes::start(const std::vector<std::string>& addresses) {
  auto pinger = net::Pinger::open(addresses);
  if (!pinger) return pinger.error();
  pinger_.emplace(std::move(*pinger));
  auto send = Timer::create();
  if (!send) return send.error();
  auto judge = Timer::create();
  if (!judge) return judge.error();
  send_timer_.emplace(std::move(*send));
  judge_timer_.emplace(std::move(*judge));
  auto add = [this](int fd, Loop::Callback cb) -> Result<void> {
    if (auto r = loop_.add(fd, EPOLLIN, std::move(cb)); !r) return r;
    fds_.push_back(fd);
    return {};
  };
  for (int fd : pinger_->fds()) {
    auto r = add(fd, [this, fd](uint32_t) {
      pinger_->drain(fd, [this](size_t target, Instant sent) { on_reply(target, sent); });
    });
    if (!r) return r;
  }
  if (auto r = add(send_timer_->fd(), [this](uint32_t) {
        if (send_timer_->expirations() > 0) send_all();
      });
      !r)
    return r;
  if (auto r = add(judge_timer_->fd(), [this](uint32_t) {
        if (judge_timer_->expirations() == 0) return;
        handle(uplink_.on_tick(clock_.now()));
        arm_judge();
      });
      !r)
    return r;
  send_timer_->arm_every(interval_);
  send_all();
  arm_judge();
  return {};
}

PingNodes::~PingNodes() {
  for (int fd : fds_) loop_.remove(fd);
}

void PingNodes::carry_from(const PingNodes& old) {
  std::vector<std::optional<size_t>> carried(addresses_.size());
  for (size_t i = 0; i < addresses_.size(); ++i)
    for (size_t j = 0; j < old.addresses_.size(); ++j)
      if (addresses_[i] == old.addresses_[j]) carried[i] = j;
  core::UplinkConfig next = uplink_.config();
  uplink_ = old.uplink_;
  peer_reported_ = old.peer_reported_;
  peer_report_ = old.peer_report_;
  handle(uplink_.reconfigure(std::move(next), carried, clock_.now()));
  arm_judge();
}

bool PingNodes::differs_from(const config::HaCf& cf) const {
  if (config::effective_deadping(cf) != deadping_ || cf.keepalive != keepalive_ ||
      cf.ping_nodes.size() != nodes_.size())
    return true;
  for (size_t n = 0; n < nodes_.size(); ++n) {
    const config::PingNode& pn = cf.ping_nodes[n];
    if (pn.name != nodes_[n].name || pn.group != nodes_[n].group ||
        pn.addresses.size() != uplink_.config().nodes[n].targets.size())
      return true;
    for (size_t a = 0; a < pn.addresses.size(); ++a)
      if (pn.addresses[a] != addresses_[uplink_.config().nodes[n].targets[a]]) return true;
  }
  return false;
}

void PingNodes::send_all() {
  const Instant now = clock_.now();
  for (size_t t = 0; t < pinger_->size(); ++t) {
    const int before = pinger_->counters(t).last_errno;
    if (!pinger_->send(t, now) && before == 0)  // once per run of failures
      log(Level::warn, "ping %s: %s (will keep trying every %" PRId64 " ms)",
          pinger_->address(t).c_str(), std::strerror(pinger_->counters(t).last_errno),
          to_ms(interval_));
  }
}

void PingNodes::on_reply(size_t target, Instant sent) {
  handle(uplink_.on_reply(target, sent, clock_.now()));
  arm_judge();
}

void PingNodes::fill(wire::Message& msg) const {
  if (nodes_.empty()) return;
  msg.has_uplink = true;
  wire::UplinkReport& u = msg.uplink;
  u.reach = uplink_.reach();
  const std::optional<uint32_t> score = uplink_.score();
  u.score_known = score.has_value();
  u.score = static_cast<uint16_t>(score.value_or(0));
  u.node_count = std::min(nodes_.size(), wire::kMaxPingNodes);
  for (size_t n = 0; n < u.node_count; ++n)
    u.nodes[n] = wire::PingReport{nodes_[n].id, uplink_.node_state(n)};
}

void PingNodes::on_peer(const wire::Message& msg) {
  bool differs = msg.has_uplink != !nodes_.empty();
  if (msg.has_uplink && !differs) {
    differs = msg.uplink.node_count != nodes_.size();
    for (size_t n = 0; n < nodes_.size() && !differs; ++n) {
      bool found = false;
      for (size_t i = 0; i < msg.uplink.node_count; ++i)
        found = found || msg.uplink.nodes[i].id == nodes_[n].id;
      differs = !found;
    }
  }
  if (differs != peer_differs_) {
    if (!differs)
      log(Level::info, "ping nodes are the same on this node and %s", peer_.c_str());
    else if (!msg.has_uplink)
      log(Level::warn, "%s reports no ping nodes (none configured there, or an older version): "
          "uplinks are not compared", peer_.c_str());
    else if (nodes_.empty())
      log(Level::warn, "%s has ping nodes and this node none: uplinks are not compared",
          peer_.c_str());
    else
      log(Level::warn, "ping nodes differ between this node and %s: scores are compared as "
          "counts; configure the same ping nodes on both", peer_.c_str());
  }
  peer_differs_ = differs;
  peer_reported_ = msg.has_uplink;
  peer_report_ = msg.uplink;
  if (nodes_.empty()) return;
  const std::optional<uint32_t> score =
      msg.has_uplink && msg.uplink.score_known ? std::optional<uint32_t>(msg.uplink.score)
                                               : std::nullopt;
  handle(uplink_.on_peer_score(score, clock_.now()));
  arm_judge();
}

void PingNodes::on_peer_silent() {
  peer_reported_ = false;
  if (nodes_.empty()) return;
  handle(uplink_.on_peer_score(std::nullopt, clock_.now()));
  arm_judge();
}

void PingNodes::handle(const core::UplinkEvents& events) {
  bool announce = false;
  for (const core::UplinkEvent& e : events) {
    if (auto* n = std::get_if<core::PingNodeChanged>(&e)) {
      announce = true;
      const char* name = nodes_[n->node].name.c_str();
      if (n->to == core::PingState::up)
        log(Level::info, "Status update for ping node %s: status ping", name);
      else if (n->to == core::PingState::dead)
        log(Level::warn, "ping node %s: is dead (no echo reply within deadping %" PRId64 " ms)",
            name, to_ms(deadping_));
    } else if (auto* r = std::get_if<core::ReachChanged>(&e)) {
      announce = true;
      const std::string mine = score_text(r->score), theirs = score_text(r->peer_score);
      switch (r->to) {
        case core::Reach::fewer:
          log(Level::warn, "uplink: this node reaches fewer ping nodes than %s (%s < %s, for %" PRId64
              " ms): handing its resource groups to %s", peer_.c_str(), mine.c_str(), theirs.c_str(),
              to_ms(deadping_), peer_.c_str());
          break;
        case core::Reach::more:
          log(Level::info, "uplink: this node reaches more ping nodes than %s (%s > %s, for %" PRId64
              " ms): %s gets no resource group back while this lasts", peer_.c_str(), mine.c_str(),
              theirs.c_str(), to_ms(deadping_), peer_.c_str());
          break;
        case core::Reach::same:
          log(Level::info, "uplink: ping nodes no longer tell this node and %s apart (%s, %s): "
              "auto_failback decides", peer_.c_str(), mine.c_str(), theirs.c_str());
          break;
      }
      on_reach_(r->to);
    }
  }
  if (announce) on_announce_();
}

void PingNodes::arm_judge() {
  if (!judge_timer_) return;
  if (auto next = uplink_.next_deadline())
    judge_timer_->arm_at(*next);
  else
    judge_timer_->disarm();
}

std::optional<size_t> PingNodes::peer_index(size_t node) const {
  if (!peer_reported_) return std::nullopt;
  for (size_t i = 0; i < peer_report_.node_count; ++i)
    if (peer_report_.nodes[i].id == nodes_[node].id) return i;
  return std::nullopt;
}

std::string PingNodes::summary(const std::string& self) const {
  return self + " reaches " + score_text(uplink_.score()) + " of " +
         std::to_string(nodes_.size()) + " ping node(s), " + peer_ + " " +
         score_text(uplink_.peer_score());
}

UplinkStatus PingNodes::status(Instant now) const {
  UplinkStatus s;
  if (auto score = uplink_.score()) s.score = *score;
  if (auto peer = uplink_.peer_score()) s.peer_score = *peer;
  s.reach = wire::to_string(uplink_.reach());
  if (auto pending = uplink_.pending()) {
    s.pending = wire::to_string(*pending);
    if (auto since = uplink_.pending_since()) s.pending_ms = to_ms(now - *since);
  }
  s.deadping_ms = to_ms(deadping_);
  s.interval_ms = to_ms(interval_);
  s.sockets = pinger_ ? pinger_->mode() : "";
  s.peer_differs = peer_differs_;
  for (size_t n = 0; n < nodes_.size(); ++n) {
    PingNodeStatus ns;
    ns.name = nodes_[n].name;
    ns.type = nodes_[n].group ? "ping_group" : "ping";
    ns.here = wire::to_string(uplink_.node_state(n));
    const auto i = peer_index(n);
    ns.peer = i ? wire::to_string(peer_report_.nodes[*i].state) : "unknown";
    for (size_t t : uplink_.config().nodes[n].targets) {
      PingTargetStatus ts;
      ts.address = addresses_[t];
      ts.state = wire::to_string(uplink_.target_state(t));
      if (auto last = uplink_.last_reply(t)) ts.last_reply_ms_ago = to_ms(now - *last);
      if (auto rtt = uplink_.rtt(t)) ts.rtt_ms = to_ms(*rtt);
      if (pinger_) {
        const net::PingCounters& c = pinger_->counters(t);
        ts.sent = c.sent;
        ts.replies = c.replies;
        ts.send_errors = c.send_errors;
        if (c.last_errno != 0) ts.send_error = std::strerror(c.last_errno);
      }
      ns.targets.push_back(std::move(ts));
    }
    s.nodes.push_back(std::move(ns));
  }
  return s;
}

}  // namespace twinbeat::daemon
