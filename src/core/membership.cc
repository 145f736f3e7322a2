// Membership: the peer's liveness from heartbeat arrivals and elapsed time.
#include "twinbeat/core/membership.h"

#include <algorithm>

namespace twinbeat::core {

const char* to_string(PeerState s) {
  switch (s) {
    case PeerState::init: return "init";
    case PeerState::up: return "up";
    case PeerState::dead: return "dead";
  }
  return "?";
}

const char* to_string(LinkState s) {
  switch (s) {
    case LinkState::init: return "init";
    case LinkState::up: return "up";
    case LinkState::dead: return "dead";
  }
  return "?";
}

Membership::Membership(const Timers& ours, size_t links, Instant start)
    : ours_(ours), start_(start), links_(links) {
  for (auto& l : links_) l.since = start;
}

Millis Membership::judged_deadtime() const {
  return advertised_ ? advertised_->deadtime : ours_.deadtime;
}

Millis Membership::judged_warntime() const {
  return advertised_ ? advertised_->warntime : ours_.warntime;
}

bool Membership::newer_than_seen(const Heartbeat& hb) const {
  if (hb.generation != newest_generation_) return hb.generation > newest_generation_;
  return hb.sequence > newest_sequence_;
}

void Membership::note_link(LinkId link, Instant now, Events& out) {
  LinkView& l = links_.at(link);
  if (l.last_heard && now - *l.last_heard > judged_warntime()) ++l.late;
  l.last_heard = now;
  if (l.state != LinkState::up) {
    l.state = LinkState::up;
    out.push_back(LinkUp{link});
  }
}

Events Membership::on_heartbeat(LinkId link, const Heartbeat& hb, Instant now) {
  Events out;
  note_link(link, now, out);
  if (!newer_than_seen(hb)) return out;  // the same packet, via another link

  const bool new_generation = newest_generation_ != 0 && hb.generation > newest_generation_;
  switch (peer_) {
    case PeerState::init:
      out.push_back(PeerUp{PeerUp::Why::first_contact, hb.generation, std::nullopt});
      break;
    case PeerState::dead:
      if (!last_heard_)  // declared dead after initdead, never heard: first contact
        out.push_back(PeerUp{PeerUp::Why::first_contact, hb.generation, std::nullopt});
      else if (new_generation)
        out.push_back(PeerUp{PeerUp::Why::restarted, hb.generation, std::nullopt});
      else
        out.push_back(PeerUp{PeerUp::Why::returned, hb.generation, now - *last_heard_});
      break;
    case PeerState::up: {
      if (new_generation) out.push_back(PeerRestarted{newest_generation_, hb.generation});
      const Millis gap = now - *last_heard_;
      longest_gap_ = std::max(longest_gap_, gap);
      if (gap > judged_warntime()) {
        ++late_;
        // Past deadtime yet not declared dead: our loop was late, not the
        // peer, since its packet was waiting for us. Report, never kill.
        out.push_back(LateHeartbeat{gap, gap >= judged_deadtime()});
      }
      break;
    }
  }
  peer_ = PeerState::up;
  last_heard_ = now;
  newest_generation_ = hb.generation;
  newest_sequence_ = hb.sequence;
  if (hb.deadtime > Millis{0} && hb.warntime > Millis{0})
    advertised_ = Timers{ours_.keepalive, hb.warntime, hb.deadtime, ours_.initdead};
  return out;
}

Instant Membership::peer_deadline() const {
  if (!last_heard_) return start_ + ours_.initdead;
  return *last_heard_ + judged_deadtime();
}

Instant Membership::link_deadline(const LinkView& l) const {
  if (!l.last_heard) return l.since + ours_.initdead;
  return *l.last_heard + judged_deadtime();
}

Events Membership::on_tick(Instant now) {
  Events out;
  if (peer_ != PeerState::dead && now >= peer_deadline()) {
    const Instant since = last_heard_ ? *last_heard_ : start_;
    out.push_back(PeerDead{now - since, !last_heard_});
    peer_ = PeerState::dead;
  }
  for (LinkId id = 0; id < links_.size(); ++id) {
    LinkView& l = links_[id];
    if (l.state == LinkState::dead || now < link_deadline(l)) continue;
    l.state = LinkState::dead;
    out.push_back(LinkDead{id, now - (l.last_heard ? *l.last_heard : l.since)});
  }
  return out;
}

std::optional<Instant> Membership::next_deadline() const {
  std::optional<Instant> next;
  auto consider = [&next](Instant t) { next = next ? std::min(*next, t) : t; };
  if (peer_ != PeerState::dead) consider(peer_deadline());
  for (const LinkView& l : links_)
    if (l.state != LinkState::dead) consider(link_deadline(l));
  return next;
}

void Membership::reconfigure(const Timers& ours,
                             const std::vector<std::optional<LinkId>>& carried, Instant now) {
  std::vector<LinkView> next(carried.size());
  for (size_t i = 0; i < carried.size(); ++i) {
    if (carried[i] && *carried[i] < links_.size()) {
      next[i] = links_[*carried[i]];
    } else {
      next[i].since = now;
    }
  }
  links_ = std::move(next);
  ours_ = ours;
}

}  // namespace twinbeat::core
