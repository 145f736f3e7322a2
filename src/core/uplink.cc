// Uplink: ping node liveness from echo replies, and the held comparison of
// this node's reach with its peer's.
#include "twinbeat/core/uplink.h"

#include <algorithm>
#include <utility>

namespace twinbeat::core {

Uplink::Uplink(UplinkConfig config, Instant now)
    : config_(std::move(config)),
      started_(now),
      targets_(config_.targets),
      nodes_(config_.nodes.size(), PingState::init) {}

UplinkEvents Uplink::on_reply(size_t target, Instant sent, Instant now) {
  UplinkEvents out;
  if (target >= targets_.size() || sent > now || now - sent >= config_.deadping) return out;
  Target& t = targets_[target];
  // Replies may come back out of order: the newest request answered counts.
  if (!t.last_reply || sent > *t.last_reply) t.last_reply = sent;
  t.rtt = now - sent;
  ++t.replies;
  judge(now, out);
  return out;
}

UplinkEvents Uplink::on_peer_score(std::optional<uint32_t> score, Instant now) {
  UplinkEvents out;
  peer_score_ = score;
  settle(now, out);
  return out;
}

UplinkEvents Uplink::on_tick(Instant now) {
  UplinkEvents out;
  judge(now, out);
  return out;
}

std::optional<Instant> Uplink::next_deadline() const {
  std::optional<Instant> next;
  auto consider = [&next](Instant t) { next = next ? std::min(*next, t) : t; };
  for (const Target& t : targets_) {
    if (t.state == PingState::up) consider(*t.last_reply + config_.deadping);
    if (t.state == PingState::init) consider(started_ + config_.deadping);
  }
  if (pending_) consider(pending_since_ + config_.hold);
  return next;
}

UplinkEvents Uplink::reconfigure(UplinkConfig config,
                                 const std::vector<std::optional<size_t>>& carried, Instant now) {
  std::vector<Target> targets(config.targets);
  for (size_t i = 0; i < targets.size() && i < carried.size(); ++i)
    if (carried[i] && *carried[i] < targets_.size()) targets[i] = targets_[*carried[i]];
  config_ = std::move(config);
  targets_ = std::move(targets);
  nodes_.assign(config_.nodes.size(), PingState::init);
  started_ = now;  // a new target gets a whole deadping to answer
  UplinkEvents out;
  judge(now, out);
  return out;
}

std::optional<uint32_t> Uplink::score() const {
  if (nodes_.empty()) return std::nullopt;
  uint32_t up = 0;
  for (PingState s : nodes_) {
    if (s == PingState::init) return std::nullopt;
    if (s == PingState::up) ++up;
  }
  return up;
}

PingState Uplink::judge_target(const Target& t, Instant now) const {
  if (t.last_reply) return now - *t.last_reply < config_.deadping ? PingState::up : PingState::dead;
  return now - started_ < config_.deadping ? PingState::init : PingState::dead;
}

// Targets, then nodes, then the reach: each from the one before.
void Uplink::judge(Instant now, UplinkEvents& out) {
  for (Target& t : targets_) t.state = judge_target(t, now);
  for (size_t n = 0; n < nodes_.size(); ++n) {
    bool up = false, init = false;
    for (size_t t : config_.nodes[n].targets) {
      if (t >= targets_.size()) continue;
      up = up || targets_[t].state == PingState::up;
      init = init || targets_[t].state == PingState::init;
    }
    const PingState s = up ? PingState::up : init ? PingState::init : PingState::dead;
    if (s != nodes_[n]) out.push_back(PingNodeChanged{n, nodes_[n], s});
    nodes_[n] = s;
  }
  settle(now, out);
}

Reach Uplink::compare() const {
  const std::optional<uint32_t> mine = score();
  if (!mine || !peer_score_ || *mine == *peer_score_) return Reach::same;
  return *mine < *peer_score_ ? Reach::fewer : Reach::more;
}

// A new comparison starts a wait of `hold`; any change meanwhile restarts it,
// and a return to the current reach cancels it.
void Uplink::settle(Instant now, UplinkEvents& out) {
  const Reach now_is = compare();
  if (now_is == reach_) {
    pending_.reset();
    return;
  }
  if (pending_ != now_is) {
    pending_ = now_is;
    pending_since_ = now;
  }
  if (now - pending_since_ < config_.hold) return;
  out.push_back(ReachChanged{reach_, now_is, score(), peer_score_});
  reach_ = now_is;
  pending_.reset();
}

}  // namespace twinbeat::core
