// Ownership: group placement between two nodes, and the operation sequences
// that move a group.
#include "twinbeat/core/ownership.h"

namespace twinbeat::core {

const char* to_string(PeerLiveness l) {
  switch (l) {
    case PeerLiveness::unknown: return "unknown";
    case PeerLiveness::alive: return "alive";
    case PeerLiveness::dead_unconfirmed: return "dead (unconfirmed)";
    case PeerLiveness::dead_confirmed: return "dead";
    case PeerLiveness::left: return "left";
  }
  return "?";
}

const char* to_string(Op op) {
  switch (op) {
    case Op::start: return "start";
    case Op::stop: return "stop";
    case Op::status: return "status";
    case Op::monitor: return "monitor";
  }
  return "?";
}

Ownership::Ownership(OwnershipConfig config)
    : config_(std::move(config)), groups_(config_.groups.size()) {}

Actions Ownership::start() {
  Actions out;
  if (started_) return out;
  started_ = true;
  for (size_t g = 0; g < groups_.size(); ++g) {
    if (config_.groups[g].resources == 0) {
      groups_[g].state = Local::none;
      continue;
    }
    for (size_t r = 0; r < config_.groups[g].resources; ++r) out.push_back(RunOp{g, r, Op::status});
  }
  Actions more = evaluate();
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

GroupAd Ownership::advertised(size_t g) const {
  const Group& gr = groups_[g];
  GroupAd ad;
  ad.offered = gr.offered;
  ad.found = gr.tentative && gr.state == Local::held;
  ad.wanted = gr.wanted;
  ad.blocked = gr.blocked;
  switch (gr.state) {
    case Local::probing: ad.state = GroupState::probing; break;
    case Local::none: ad.state = GroupState::none; break;
    case Local::starting: ad.state = GroupState::starting; break;
    case Local::held: ad.state = GroupState::held; break;
    case Local::stopping: ad.state = GroupState::stopping; break;
    case Local::failed: ad.state = GroupState::failed; break;
  }
  return ad;
}

std::vector<GroupAd> Ownership::advertised() const {
  std::vector<GroupAd> out;
  for (size_t g = 0; g < groups_.size(); ++g) out.push_back(advertised(g));
  return out;
}

bool Ownership::holds(size_t g) const { return groups_[g].state != Local::none; }

bool Ownership::busy(size_t g) const {
  const Local s = groups_[g].state;
  return s == Local::probing || s == Local::starting || s == Local::stopping;
}

Actions Ownership::on_peer_ad(const PeerAd& ad) {
  peer_ = ad;
  // Back after a silence: whatever it held meanwhile, the addresses may have
  // been announced from there. Which of us heard the other first decides
  // whether its first word is `held`, `stopping` or already `none`.
  if (liveness_ == PeerLiveness::dead_confirmed || liveness_ == PeerLiveness::dead_unconfirmed)
    for (auto& gr : groups_)
      if (gr.state == Local::held) gr.contested = true;
  liveness_ = PeerLiveness::alive;
  for (size_t g = 0; g < groups_.size() && g < peer_.groups.size(); ++g)
    if (peer_.groups[g] && peer_.groups[g]->state == GroupState::held) groups_[g].offered = false;
  return evaluate();
}

bool Ownership::selected(size_t g, Selection which) const {
  const bool preferred = config_.groups[g].preferred_here;
  return which == Selection::all || (which == Selection::local) == preferred;
}

std::optional<Error> Ownership::check_can_move() const {
  if (mode_ != NodeMode::running) return Error{0, "this node is stopping", {}};
  if (liveness_ != PeerLiveness::alive || peer_.mode != NodeMode::running)
    return Error{0, std::string("the peer is ") + to_string(liveness_) +
                        (liveness_ == PeerLiveness::alive ? " but stopping" : "") +
                        ": nothing can be handed over",
                 {}};
  return std::nullopt;
}

Actions Ownership::lost(size_t g) {
  Group& gr = groups_.at(g);
  if (gr.state == Local::held) {
    gr.tentative = true;
    gr.partial = true;
  }
  Actions out{Announce{}};
  Actions more = evaluate();
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

Actions Ownership::retire(size_t g) {
  groups_.at(g).retiring = true;
  return evaluate();
}

Actions Ownership::reconfigure(OwnershipConfig next,
                               const std::vector<std::optional<size_t>>& carried) {
  std::vector<Group> groups(next.groups.size());
  Actions out;
  for (size_t i = 0; i < groups.size(); ++i) {
    if (carried[i] && *carried[i] < groups_.size()) {
      groups[i] = groups_[*carried[i]];
      continue;
    }
    for (size_t r = 0; r < next.groups[i].resources; ++r) out.push_back(RunOp{i, r, Op::status});
    if (next.groups[i].resources == 0) groups[i].state = Local::none;
  }
  config_ = std::move(next);
  groups_ = std::move(groups);
  // The peer's groups were in the old order: until it speaks again, it says
  // nothing about any group, which starts nothing.
  peer_.groups.clear();
  out.push_back(Announce{});
  Actions more = evaluate();
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

Result<std::vector<size_t>> Ownership::standby(Selection which, Actions& out) {
  if (auto e = check_can_move()) return *e;
  std::vector<size_t> moving;
  for (size_t g = 0; g < groups_.size(); ++g) {
    if (!selected(g, which) || groups_[g].state != Local::held) continue;
    moving.push_back(g);
    groups_[g].offer_after_stop = true;
    groups_[g].tentative = false;
    begin_stop(g, GroupChange::Why::standby, out);
  }
  return moving;
}

Result<std::vector<size_t>> Ownership::takeover(Selection which, Actions& out) {
  if (auto e = check_can_move()) return *e;
  std::vector<size_t> moving;
  for (size_t g = 0; g < groups_.size(); ++g) {
    // `which` is said from here: local = ours by preference, wherever it runs.
    const bool peer_holds = g < peer_.groups.size() && peer_.groups[g] &&
                            peer_.groups[g]->state == GroupState::held;
    if (!selected(g, which) || !peer_holds || groups_[g].state != Local::none) continue;
    moving.push_back(g);
    groups_[g].wanted = true;
  }
  if (!moving.empty()) out.push_back(Announce{});
  return moving;
}

Actions Ownership::set_reach(Reach reach) {
  if (reach == reach_) return {};
  reach_ = reach;
  return evaluate();
}

Actions Ownership::on_peer_liveness(PeerLiveness liveness) {
  if (liveness == PeerLiveness::alive) return {};  // only a fresh advertisement says so
  liveness_ = liveness;
  return evaluate();
}

Actions Ownership::shutdown() {
  Actions out;
  if (mode_ != NodeMode::running) return out;
  mode_ = NodeMode::leaving;
  out.push_back(Announce{});
  Actions more = evaluate();
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

bool Ownership::peer_stable() const {
  for (const auto& ad : peer_.groups) {
    if (!ad) continue;
    const GroupState s = ad->state;
    if (s == GroupState::probing || s == GroupState::starting || s == GroupState::stopping)
      return false;
  }
  return true;
}

// Where the group should be, seen from here. `hold`: run it here (start it,
// or complete it if partly running); `release`: stop it here; `keep`: leave
// it as it is, because we cannot know yet.
Ownership::Decision Ownership::decide(size_t g) const {
  using Why = GroupChange::Why;
  using K = Decision::Kind;
  const Group& gr = groups_[g];
  const bool preferred = config_.groups[g].preferred_here;
  const bool held = gr.state == Local::held;
  const Why ours = preferred ? Why::preferred : Why::none;
  if (mode_ != NodeMode::running) return {K::release, Why::shutdown};
  if (gr.retiring) return {K::release, Why::removed};
  if (gr.blocked) return held ? Decision{K::release, Why::failed} : Decision{K::keep, Why::none};
  switch (liveness_) {
    case PeerLiveness::unknown:
    case PeerLiveness::dead_unconfirmed: return {K::keep, Why::none};
    case PeerLiveness::dead_confirmed: return {K::hold, preferred ? Why::preferred : Why::peer_dead};
    case PeerLiveness::left: return {K::hold, preferred ? Why::preferred : Why::peer_left};
    case PeerLiveness::alive: break;
  }
  if (g >= peer_.groups.size() || !peer_.groups[g]) return {K::keep, Why::none};
  const GroupAd& ad = *peer_.groups[g];
  switch (ad.state) {
    case GroupState::probing:
    case GroupState::stopping:  // letting go: wait for none
    case GroupState::failed:    // may run there: only a fence settles it
      return {K::keep, Why::none};
    case GroupState::starting:
    case GroupState::held:
      if (!held) return {K::keep, Why::none};
      // Both hold it. A copy found at start-up yields to one the peer holds
      // for sure; between equals (both found, or a healed partition) the
      // preferred node keeps it. The winner starts nothing more (a partly
      // running group is completed only once the peer has let go).
      if (gr.tentative != ad.found)
        return gr.tentative ? Decision{K::release, Why::peer_holds} : Decision{K::keep, ours};
      if (!preferred) return {K::release, Why::peer_holds};
      return {K::keep, Why::preferred};
    case GroupState::none: break;
  }
  if (held) {
    if (ad.wanted && peer_.mode == NodeMode::running) return {K::release, Why::standby};
    // Reaching fewer ping nodes: hand it over, unless the peer gave it up.
    if (reach_ == Reach::fewer && peer_.mode == NodeMode::running && !ad.offered && !ad.blocked)
      return {K::release, Why::uplink};
    // Never back to a node that reaches fewer (its view or ours will do).
    if (reach_ == Reach::more || peer_.reach == Reach::fewer) return {K::hold, ours};
    const bool failback = config_.auto_failback && !preferred && gr.needs_failback &&
                          peer_.mode == NodeMode::running && peer_stable() && !ad.offered &&
                          !ad.blocked;
    return failback ? Decision{K::release, Why::failback} : Decision{K::hold, ours};
  }
  if (peer_.mode != NodeMode::running) return {K::hold, Why::peer_left};
  if (ad.offered && !ad.blocked && !gr.offered && !gr.wanted && peer_.reach == Reach::fewer)
    return {K::hold, Why::uplink};
  if ((ad.offered || ad.blocked) && !gr.offered)
    return {K::hold, gr.wanted ? Why::standby : Why::peer_offered};
  if (preferred && !gr.offered && reach_ == Reach::fewer) return {K::offer, Why::uplink};
  if (preferred && !gr.offered) return {K::hold, Why::preferred};
  // Both nodes gave it up (a start or a monitor failed on each, then a
  // cleanup here): the preferred node tries again. The peer never starts a
  // group it offered itself while this node lives, so only one node acts.
  if (preferred && gr.offered && ad.offered) return {K::hold, Why::preferred};
  return {K::keep, Why::none};
}

Actions Ownership::evaluate() {
  Actions out;
  for (size_t g = 0; g < groups_.size(); ++g) evaluate_group(g, out);
  maybe_complete_shutdown(out);
  return out;
}

// Held here and there (or maybe there, while the peer was silent): remember
// it; when the peer lets go while it still runs here, announce its
// addresses again, since the network last heard them from the peer.
void Ownership::track_contest(size_t g, Actions& out) {
  Group& gr = groups_[g];
  if (gr.state != Local::held) {
    gr.contested = false;
    return;
  }
  const std::optional<GroupAd>* ad = g < peer_.groups.size() ? &peer_.groups[g] : nullptr;
  const bool alive = liveness_ == PeerLiveness::alive;
  const GroupState peer = alive && ad && *ad ? (**ad).state : GroupState::none;
  if (alive && peer != GroupState::none && peer != GroupState::probing) {
    gr.contested = true;
  } else if (gr.contested && peer == GroupState::none &&
             liveness_ != PeerLiveness::unknown && liveness_ != PeerLiveness::dead_unconfirmed) {
    gr.contested = false;
    out.push_back(Reannounce{g});
  }
}

void Ownership::evaluate_group(size_t g, Actions& out) {
  using K = Decision::Kind;
  Group& gr = groups_[g];
  track_contest(g, out);
  if (busy(g) || gr.state == Local::failed) return;
  const Decision d = decide(g);
  const bool held = gr.state == Local::held;
  // The peer has been heard (or is gone) and does not dispute it: ours now.
  if (held && d.kind == K::hold) gr.tentative = false;
  if (d.kind == K::hold && (!held || gr.partial)) return begin_start(g, d.why, out);
  if (d.kind == K::offer) {  // left to a peer that reaches more ping nodes
    gr.offered = true;
    out.push_back(GroupChange{GroupChange::Kind::offered, g, d.why});
    out.push_back(Announce{});
    return;
  }
  if (d.kind != K::release || !held) return;
  // Yielding a copy found at start-up is the expected end of a crash; two
  // confirmed holders are not.
  if (d.why == GroupChange::Why::peer_holds && !gr.tentative)
    out.push_back(GroupChange{GroupChange::Kind::conflict, g, d.why});
  if (d.why == GroupChange::Why::standby || d.why == GroupChange::Why::failed)
    gr.offer_after_stop = true;  // the peer asked for it, or may run it
  if (d.why == GroupChange::Why::uplink) gr.offer_after_stop = true;  // to a peer that reaches more
  begin_stop(g, d.why, out);
}

void Ownership::begin_start(size_t g, GroupChange::Why why, Actions& out) {
  using Why = GroupChange::Why;
  Group& gr = groups_[g];
  gr.state = Local::starting;
  gr.next = 0;
  gr.why = why;
  gr.start_failed = false;
  gr.recover_from.reset();
  // Taken because its preferred node is gone, reaches less, or gave it up
  // after failing there: it goes back (auto_failback on) once that node can
  // run it again.
  const bool peer_blocked = g < peer_.groups.size() && peer_.groups[g] && peer_.groups[g]->blocked;
  if (!config_.groups[g].preferred_here &&
      (why == Why::peer_dead || why == Why::peer_left || why == Why::uplink ||
       (why == Why::peer_offered && peer_blocked)))
    gr.needs_failback = true;
  out.push_back(GroupChange{GroupChange::Kind::acquiring, g, why});
  out.push_back(Announce{});
  out.push_back(RunOp{g, 0, Op::start});
}

void Ownership::begin_stop(size_t g, GroupChange::Why why, Actions& out) {
  Group& gr = groups_[g];
  gr.state = Local::stopping;
  gr.next = config_.groups[g].resources - 1;
  gr.why = why;
  gr.stop_retried = false;
  out.push_back(GroupChange{GroupChange::Kind::releasing, g, why});
  out.push_back(Announce{});
  out.push_back(RunOp{g, gr.next, Op::stop});
}

void Ownership::probe_done(size_t g, const OpDone& d, Actions& out) {
  Group& gr = groups_[g];
  ++gr.probed;
  // A status check that could not run says nothing: assume it may run here.
  if (d.running || !d.ok) ++gr.probed_running;
  if (gr.probed < config_.groups[g].resources) return;
  if (gr.probed_running == 0) {
    gr.state = Local::none;
  } else {
    gr.state = Local::held;
    gr.partial = gr.probed_running < config_.groups[g].resources;
    gr.needs_failback = !config_.groups[g].preferred_here;
    gr.tentative = true;
    if (!gr.partial) out.push_back(GroupChange{GroupChange::Kind::adopted, g, GroupChange::Why::none});
  }
  out.push_back(Announce{});
}

void Ownership::step_start(size_t g, const OpDone& d, Actions& out) {
  Group& gr = groups_[g];
  const size_t n = config_.groups[g].resources;
  if (d.ok) {
    if (++gr.next < n) return out.push_back(RunOp{g, gr.next, Op::start});
    gr.state = Local::held;
    gr.partial = false;
    gr.wanted = false;
    const bool recovered = gr.recover_from.has_value();
    gr.recover_from.reset();
    out.push_back(GroupChange{recovered ? GroupChange::Kind::recovered : GroupChange::Kind::acquired,
                              g, gr.why});
    out.push_back(Announce{});
    return;
  }
  // Stop the whole group, right to left, as Heartbeat does: the failed
  // resource may be half started, and those after it may run from before
  // (a group found partly running). Stopping a stopped resource succeeds.
  out.push_back(GroupChange{GroupChange::Kind::start_failed, g, gr.why, d.resource});
  // It failed here: the peer may take it, and it will not come back here
  // (auto_failback, or a retry while the peer is gone) until a cleanup.
  gr.blocked = true;
  ++gr.failures_total;
  gr.last_failed = d.resource;
  gr.recover_from.reset();
  gr.wanted = false;
  gr.state = Local::stopping;
  gr.next = n - 1;
  gr.start_failed = true;
  gr.stop_retried = false;
  out.push_back(Announce{});
  out.push_back(RunOp{g, gr.next, Op::stop});
}

void Ownership::step_stop(size_t g, const OpDone& d, Actions& out) {
  Group& gr = groups_[g];
  if (!d.ok) {
    if (!gr.stop_retried) {
      gr.stop_retried = true;
      return out.push_back(RunOp{g, gr.next, Op::stop});
    }
    gr.state = Local::failed;
    gr.recover_from.reset();
    out.push_back(GroupChange{GroupChange::Kind::stop_failed, g, gr.why, d.resource});
    out.push_back(Announce{});
    return;
  }
  gr.stop_retried = false;
  if (gr.next > gr.recover_from.value_or(0)) return out.push_back(RunOp{g, --gr.next, Op::stop});
  if (gr.recover_from) {  // stopped down to the failed resource: start it and those after it
    gr.state = Local::starting;
    out.push_back(Announce{});
    return out.push_back(RunOp{g, gr.next, Op::start});
  }
  gr.state = Local::none;
  gr.partial = false;
  gr.tentative = false;
  gr.needs_failback = false;
  if (gr.start_failed || gr.offer_after_stop) gr.offered = true;
  gr.start_failed = false;
  gr.offer_after_stop = false;
  out.push_back(GroupChange{GroupChange::Kind::released, g, gr.why});
  out.push_back(Announce{});
}

Actions Ownership::on_op_done(const OpDone& d) {
  Actions out;
  if (d.group >= groups_.size()) return out;
  Group& gr = groups_[d.group];
  switch (gr.state) {
    case Local::probing:
      if (d.op == Op::status) probe_done(d.group, d, out);
      break;
    case Local::starting:
      if (d.op == Op::start && d.resource == gr.next) step_start(d.group, d, out);
      break;
    case Local::stopping:
      if (d.op == Op::stop && d.resource == gr.next) step_stop(d.group, d, out);
      break;
    case Local::none:
    case Local::held:
    case Local::failed: break;  // a stale reply: nothing in flight
  }
  Actions more = evaluate();
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

bool Ownership::monitorable(size_t g) const {
  const Group& gr = groups_.at(g);
  return gr.state == Local::held && !gr.partial;
}

Actions Ownership::on_monitor(const OpDone& d, Instant now) {
  Actions out;
  if (d.group >= groups_.size() || !monitorable(d.group) || (d.ok && d.running)) return out;
  Group& gr = groups_[d.group];
  const size_t n = config_.groups[d.group].resources;
  if (d.resource >= n) return out;
  std::erase_if(gr.failures, [&](Instant t) { return now - t >= config_.restart_window; });
  gr.failures.push_back(now);
  ++gr.failures_total;
  gr.last_failed = d.resource;
  out.push_back(GroupChange{GroupChange::Kind::monitor_failed, d.group, GroupChange::Why::none,
                            d.resource});
  if (gr.failures.size() > static_cast<size_t>(config_.restarts)) {
    gr.blocked = true;
    gr.offer_after_stop = true;
    gr.tentative = false;
    begin_stop(d.group, GroupChange::Why::failed, out);
  } else {
    // Stop from the right down to the failed resource, then start from it.
    gr.state = Local::stopping;
    gr.recover_from = d.resource;
    gr.next = n - 1;
    gr.why = GroupChange::Why::recovery;
    gr.stop_retried = false;
    out.push_back(GroupChange{GroupChange::Kind::recovering, d.group, GroupChange::Why::recovery,
                              d.resource});
    out.push_back(Announce{});
    out.push_back(RunOp{d.group, gr.next, Op::stop});
  }
  Actions more = evaluate();
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

Actions Ownership::cleanup(size_t g) {
  Group& gr = groups_.at(g);
  // `offered` stays: it is the hand-over's half that keeps this node from
  // starting the group while the peer may be starting it. (With the peer
  // gone, the group starts here at once: the peer's state decides it.)
  gr.blocked = false;
  gr.failures.clear();
  gr.failures_total = 0;
  gr.last_failed.reset();
  Actions out{Announce{}};
  Actions more = evaluate();
  out.insert(out.end(), more.begin(), more.end());
  return out;
}

Ownership::Failures Ownership::failures(size_t g, Instant now) const {
  const Group& gr = groups_.at(g);
  Failures f;
  f.total = gr.failures_total;
  f.blocked = gr.blocked;
  f.last_resource = gr.last_failed;
  for (Instant t : gr.failures) f.recent += now - t < config_.restart_window ? 1 : 0;
  return f;
}

void Ownership::maybe_complete_shutdown(Actions& out) {
  if (mode_ != NodeMode::leaving) return;
  for (const Group& gr : groups_)
    if (gr.state != Local::none) return;
  mode_ = NodeMode::left;
  out.push_back(Announce{});
  out.push_back(ShutdownComplete{});
}

}  // namespace twinbeat::core
