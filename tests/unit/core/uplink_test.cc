// Uplink: ping node liveness at both sides of deadping, groups up while any
// member answers, and a reach that changes only once held.
#include <optional>
#include <variant>

#include "twinbeat/core/uplink.h"
// After every std header: its leak detector redefines new.
#include "CppUTest/TestHarness.h"

using namespace twinbeat;
using namespace twinbeat::core;

namespace {

constexpr Millis kDeadping{2000};
constexpr Millis kHold{2000};

// Node 0: "10.0.0.254" (target 0). Node 1: group "routers" (targets 1, 2).
UplinkConfig two_nodes() {
  UplinkConfig c;
  c.nodes = {{"10.0.0.254", {0}}, {"routers", {1, 2}}};
  c.targets = 3;
  c.deadping = kDeadping;
  c.hold = kHold;
  return c;
}

bool node_changed(const UplinkEvents& e, size_t node, PingState to) {
  for (const auto& x : e)
    if (auto* c = std::get_if<PingNodeChanged>(&x); c && c->node == node && c->to == to) return true;
  return false;
}

std::optional<Reach> reach_changed(const UplinkEvents& e) {
  for (const auto& x : e)
    if (auto* c = std::get_if<ReachChanged>(&x)) return c->to;
  return std::nullopt;
}

// Every target answers the request sent just now.
void all_answer(Uplink& u, Instant now) {
  for (size_t t = 0; t < 3; ++t) (void)u.on_reply(t, now, now);
}

}  // namespace

TEST_GROUP(Uplink){};

TEST(Uplink, nodes_start_init_and_the_score_is_unknown) {
  const Instant t0{Millis{1000}};
  Uplink u(two_nodes(), t0);
  CHECK(u.node_state(0) == PingState::init);
  CHECK_FALSE(u.score());
  CHECK(u.reach() == Reach::same);
  CHECK(u.next_deadline() == t0 + kDeadping);
}

TEST(Uplink, a_reply_brings_a_node_up_and_it_dies_after_deadping_of_silence) {
  const Instant t0{Millis{1000}};
  Uplink u(two_nodes(), t0);
  UplinkEvents e = u.on_reply(0, t0 + Millis{100}, t0 + Millis{105});
  CHECK(node_changed(e, 0, PingState::up));
  CHECK(u.rtt(0) == Millis{5});
  CHECK_FALSE(node_changed(u.on_tick(t0 + Millis{100} + kDeadping - Millis{1}), 0, PingState::dead));
  CHECK(u.node_state(0) == PingState::up);
  CHECK(node_changed(u.on_tick(t0 + Millis{100} + kDeadping), 0, PingState::dead));
}

TEST(Uplink, a_target_that_never_answers_is_dead_after_deadping_from_start) {
  const Instant t0{Millis{1000}};
  Uplink u(two_nodes(), t0);
  CHECK(u.on_tick(t0 + kDeadping - Millis{1}).empty());
  UplinkEvents e = u.on_tick(t0 + kDeadping);
  CHECK(node_changed(e, 0, PingState::dead));
  CHECK(node_changed(e, 1, PingState::dead));
  CHECK(u.score() == 0u);
}

TEST(Uplink, a_group_is_up_while_any_member_answers) {
  const Instant t0{Millis{1000}};
  Uplink u(two_nodes(), t0);
  (void)u.on_reply(2, t0, t0);
  CHECK(u.node_state(1) == PingState::up);
  (void)u.on_reply(1, t0 + Millis{1500}, t0 + Millis{1500});
  (void)u.on_tick(t0 + kDeadping);  // member 2 dead, member 1 still up
  CHECK(u.target_state(2) == PingState::dead);
  CHECK(u.node_state(1) == PingState::up);
  CHECK(node_changed(u.on_tick(t0 + Millis{1500} + kDeadping), 1, PingState::dead));
}

TEST(Uplink, a_reply_to_a_request_older_than_deadping_is_ignored) {
  const Instant t0{Millis{1000}};
  Uplink u(two_nodes(), t0);
  CHECK(u.on_reply(0, t0, t0 + kDeadping).empty());
  CHECK(u.replies(0) == 0u);
  CHECK(node_changed(u.on_reply(0, t0 + Millis{1}, t0 + kDeadping), 0, PingState::up));
}

TEST(Uplink, the_score_counts_nodes_up_once_none_is_init) {
  const Instant t0{Millis{1000}};
  Uplink u(two_nodes(), t0);
  (void)u.on_reply(0, t0, t0);
  CHECK_FALSE(u.score());  // routers is still init
  (void)u.on_reply(1, t0, t0);
  CHECK(u.score() == 2u);
  Uplink none(UplinkConfig{}, t0);
  CHECK_FALSE(none.score());
}

TEST(Uplink, fewer_than_the_peer_counts_only_once_it_has_held) {
  const Instant t0{Millis{1000}};
  Uplink u(two_nodes(), t0);
  all_answer(u, t0);
  (void)u.on_peer_score(2, t0);
  // Target 0 keeps answering until t1, then falls silent.
  const Instant t1 = t0 + Millis{500};
  (void)u.on_reply(1, t1, t1);
  (void)u.on_reply(2, t1, t1);
  const Instant dead = t0 + kDeadping;  // node 0 dead: 1 < 2
  CHECK(node_changed(u.on_tick(dead), 0, PingState::dead));
  CHECK(u.pending() == Reach::fewer);
  CHECK(u.next_deadline() == t1 + kDeadping);  // the group's members, before the hold
  (void)u.on_reply(1, dead + Millis{500}, dead + Millis{500});
  CHECK_FALSE(reach_changed(u.on_tick(dead + kHold - Millis{1})));
  CHECK(u.reach() == Reach::same);
  CHECK(reach_changed(u.on_tick(dead + kHold)) == Reach::fewer);
  CHECK(u.reach() == Reach::fewer);
  CHECK_FALSE(u.pending());
}

TEST(Uplink, a_comparison_that_flips_back_within_hold_changes_nothing) {
  const Instant t0{Millis{1000}};
  Uplink u(two_nodes(), t0);
  all_answer(u, t0);
  (void)u.on_peer_score(2, t0);
  (void)u.on_peer_score(3, t0 + Millis{100});  // the peer reaches more for a moment
  CHECK(u.pending() == Reach::fewer);
  (void)u.on_peer_score(2, t0 + Millis{1000});
  CHECK_FALSE(u.pending());
  CHECK_FALSE(reach_changed(u.on_tick(t0 + Millis{100} + kHold)));
  CHECK(u.reach() == Reach::same);
}

TEST(Uplink, both_losing_the_same_node_a_moment_apart_moves_nothing) {
  const Instant t0{Millis{1000}};
  Uplink u(two_nodes(), t0);
  all_answer(u, t0);
  (void)u.on_peer_score(2, t0);
  // Here node 0 dies at deadping; the peer's heartbeat says 1 a keepalive later.
  for (Millis t{0}; t < kDeadping; t += Millis{200}) {
    (void)u.on_reply(1, t0 + t, t0 + t);
    (void)u.on_reply(2, t0 + t, t0 + t);
  }
  (void)u.on_tick(t0 + kDeadping);
  CHECK(u.pending() == Reach::fewer);
  (void)u.on_peer_score(1, t0 + kDeadping + Millis{200});
  CHECK_FALSE(u.pending());
  CHECK_FALSE(reach_changed(u.on_tick(t0 + kDeadping + kHold)));
  CHECK(u.reach() == Reach::same);
}

TEST(Uplink, an_unknown_score_on_either_side_compares_as_same) {
  const Instant t0{Millis{1000}};
  Uplink u(two_nodes(), t0);
  (void)u.on_peer_score(5, t0);  // ours is still unknown
  CHECK_FALSE(u.pending());
  all_answer(u, t0);
  CHECK(u.pending() == Reach::fewer);
  (void)u.on_peer_score(std::nullopt, t0 + Millis{10});
  CHECK_FALSE(u.pending());
}

TEST(Uplink, more_than_the_peer_is_held_too) {
  const Instant t0{Millis{1000}};
  Uplink u(two_nodes(), t0);
  all_answer(u, t0);
  (void)u.on_peer_score(1, t0);
  CHECK(u.next_deadline() == t0 + kHold);
  all_answer(u, t0 + Millis{1000});
  CHECK_FALSE(reach_changed(u.on_tick(t0 + kHold - Millis{1})));
  CHECK(reach_changed(u.on_tick(t0 + kHold)) == Reach::more);
}

TEST(Uplink, reconfigure_keeps_the_replies_of_carried_targets) {
  const Instant t0{Millis{1000}};
  Uplink u(two_nodes(), t0);
  all_answer(u, t0);
  UplinkConfig next;
  next.nodes = {{"routers", {0, 1}}, {"10.0.0.9", {2}}};
  next.targets = 3;
  next.deadping = kDeadping;
  next.hold = kHold;
  (void)u.reconfigure(next, {size_t{1}, size_t{2}, std::nullopt}, t0 + Millis{10});
  CHECK(u.node_state(0) == PingState::up);
  CHECK(u.node_state(1) == PingState::init);
  CHECK(u.target_state(2) == PingState::init);
}
