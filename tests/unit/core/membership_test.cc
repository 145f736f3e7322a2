// Membership on a fake clock: initdead, warntime, deadtime, several links,
// the stall case, and seeded random sequences with invariants.
#include <cstdio>
#include <random>
#include <variant>

#include "CppUTest/TestHarness.h"
#include "twinbeat/core/membership.h"

using namespace twinbeat;
using namespace twinbeat::core;
using std::chrono::milliseconds;

namespace {

constexpr Timers kTimers{Millis{100}, Millis{250}, Millis{500}, Millis{2000}};

template <class E>
int count(const Events& events) {
  int n = 0;
  for (const auto& e : events) n += std::holds_alternative<E>(e) ? 1 : 0;
  return n;
}

template <class E>
const E& only(const Events& events) {
  CHECK_EQUAL(1, count<E>(events));
  for (const auto& e : events)
    if (std::holds_alternative<E>(e)) return std::get<E>(e);
  FAIL("unreachable");
  return std::get<E>(events.front());
}

}  // namespace

TEST_GROUP(Membership) {
  FakeClock clock;
  uint64_t seq = 0;

  Heartbeat hb(uint64_t generation = 7) {
    return Heartbeat{generation, ++seq, kTimers.warntime, kTimers.deadtime};
  }
};

TEST(Membership, peer_starts_in_init_and_is_dead_after_initdead_of_silence) {
  Membership m(kTimers, 1, clock.now());
  CHECK(m.peer_state() == PeerState::init);

  clock.advance(kTimers.initdead - milliseconds(1));
  CHECK_EQUAL(0, count<PeerDead>(m.on_tick(clock.now())));
  CHECK(m.peer_state() == PeerState::init);

  clock.advance(milliseconds(1));
  Events e = m.on_tick(clock.now());
  CHECK(only<PeerDead>(e).never_heard);
  CHECK_EQUAL(2000, only<PeerDead>(e).silent_for.count());
  CHECK(m.peer_state() == PeerState::dead);
}

TEST(Membership, first_heartbeat_brings_the_peer_and_the_link_up) {
  Membership m(kTimers, 1, clock.now());
  clock.advance(milliseconds(30));
  Events e = m.on_heartbeat(0, hb(), clock.now());
  CHECK(only<PeerUp>(e).why == PeerUp::Why::first_contact);
  CHECK_EQUAL(0u, only<LinkUp>(e).link);
  CHECK(m.peer_state() == PeerState::up);
  CHECK(m.link(0).state == LinkState::up);
}

TEST(Membership, peer_is_dead_after_deadtime_of_silence) {
  Membership m(kTimers, 1, clock.now());
  (void)m.on_heartbeat(0, hb(), clock.now());

  clock.advance(kTimers.deadtime - milliseconds(1));
  CHECK_EQUAL(0, count<PeerDead>(m.on_tick(clock.now())));
  CHECK(m.peer_state() == PeerState::up);

  clock.advance(milliseconds(1));
  Events e = m.on_tick(clock.now());
  CHECK_FALSE(only<PeerDead>(e).never_heard);
  CHECK_EQUAL(500, only<PeerDead>(e).silent_for.count());
  CHECK_EQUAL(1, count<LinkDead>(e));
  CHECK(m.peer_state() == PeerState::dead);
}

TEST(Membership, next_deadline_is_when_the_peer_would_die) {
  Membership m(kTimers, 1, clock.now());
  CHECK(m.next_deadline() == clock.now() + kTimers.initdead);
  (void)m.on_heartbeat(0, hb(), clock.now());
  CHECK(m.next_deadline() == clock.now() + kTimers.deadtime);
  clock.advance(kTimers.deadtime);
  (void)m.on_tick(clock.now());
  CHECK_FALSE(m.next_deadline().has_value());
}

TEST(Membership, heartbeat_after_death_brings_the_peer_back_as_returned) {
  Membership m(kTimers, 1, clock.now());
  (void)m.on_heartbeat(0, hb(), clock.now());
  clock.advance(milliseconds(800));
  (void)m.on_tick(clock.now());

  clock.advance(milliseconds(200));
  Events e = m.on_heartbeat(0, hb(), clock.now());
  const PeerUp& up = only<PeerUp>(e);
  CHECK(up.why == PeerUp::Why::returned);
  CHECK_EQUAL(1000, up.silent_for->count());
  CHECK_EQUAL(0, count<LateHeartbeat>(e));
  CHECK(m.peer_state() == PeerState::up);
}

TEST(Membership, first_heartbeat_after_initdead_expired_is_a_first_contact) {
  Membership m(kTimers, 1, clock.now());
  clock.advance(kTimers.initdead);
  (void)m.on_tick(clock.now());
  CHECK(m.peer_state() == PeerState::dead);
  clock.advance(Millis{5000});
  Events e = m.on_heartbeat(0, hb(), clock.now());
  CHECK(only<PeerUp>(e).why == PeerUp::Why::first_contact);
  CHECK_FALSE(only<PeerUp>(e).silent_for.has_value());
}

TEST(Membership, new_generation_after_death_is_a_restart) {
  Membership m(kTimers, 1, clock.now());
  (void)m.on_heartbeat(0, hb(7), clock.now());
  clock.advance(kTimers.deadtime);
  (void)m.on_tick(clock.now());

  seq = 0;
  Events e = m.on_heartbeat(0, hb(8), clock.now());
  CHECK(only<PeerUp>(e).why == PeerUp::Why::restarted);
  CHECK_EQUAL(8u, m.peer_generation());
}

TEST(Membership, new_generation_while_up_reports_a_restart_without_death) {
  Membership m(kTimers, 1, clock.now());
  (void)m.on_heartbeat(0, hb(7), clock.now());
  clock.advance(milliseconds(100));
  seq = 0;
  Events e = m.on_heartbeat(0, hb(8), clock.now());
  CHECK_EQUAL(7u, only<PeerRestarted>(e).old_generation);
  CHECK_EQUAL(8u, only<PeerRestarted>(e).new_generation);
  CHECK(m.peer_state() == PeerState::up);
}

TEST(Membership, gap_longer_than_warntime_is_a_late_heartbeat) {
  Membership m(kTimers, 1, clock.now());
  (void)m.on_heartbeat(0, hb(), clock.now());

  clock.advance(kTimers.warntime);
  CHECK_EQUAL(0, count<LateHeartbeat>(m.on_heartbeat(0, hb(), clock.now())));

  clock.advance(kTimers.warntime + milliseconds(1));
  Events e = m.on_heartbeat(0, hb(), clock.now());
  CHECK_EQUAL(251, only<LateHeartbeat>(e).gap.count());
  CHECK_FALSE(only<LateHeartbeat>(e).past_deadtime);
  CHECK_EQUAL(1u, m.late_count());
  CHECK_EQUAL(1u, m.link(0).late);
}

TEST(Membership, longest_gap_is_the_widest_interval_while_the_peer_was_up) {
  Membership m(kTimers, 1, clock.now());
  (void)m.on_heartbeat(0, hb(), clock.now());
  CHECK_EQUAL(0, m.longest_gap().count());

  clock.advance(milliseconds(180));
  (void)m.on_heartbeat(0, hb(), clock.now());
  clock.advance(kTimers.keepalive);
  (void)m.on_heartbeat(0, hb(), clock.now());
  CHECK_EQUAL(180, m.longest_gap().count());

  // A silence that ends in a declared death is not a gap survived.
  clock.advance(kTimers.deadtime * 2);
  (void)m.on_tick(clock.now());
  (void)m.on_heartbeat(0, hb(), clock.now());
  CHECK_EQUAL(180, m.longest_gap().count());
}

TEST(Membership, heartbeat_waiting_through_our_own_stall_is_late_but_not_death) {
  // Our loop slept for 3 x deadtime; the peer's packet was queued meanwhile.
  // The shell feeds pending packets before ticking, so the peer never dies.
  Membership m(kTimers, 1, clock.now());
  (void)m.on_heartbeat(0, hb(), clock.now());

  clock.advance(kTimers.deadtime * 3);
  Events e = m.on_heartbeat(0, hb(), clock.now());
  CHECK(only<LateHeartbeat>(e).past_deadtime);
  CHECK_EQUAL(0, count<PeerDead>(m.on_tick(clock.now())));
  CHECK(m.peer_state() == PeerState::up);
}

TEST(Membership, peer_stays_up_while_any_link_carries_heartbeats) {
  Membership m(kTimers, 2, clock.now());
  (void)m.on_heartbeat(0, hb(), clock.now());
  (void)m.on_heartbeat(1, hb(), clock.now());

  // Link 1 goes quiet; link 0 keeps beating every keepalive.
  Events dead_links;
  for (int i = 0; i < 20; ++i) {
    clock.advance(kTimers.keepalive);
    (void)m.on_heartbeat(0, hb(), clock.now());
    for (const Event& e : m.on_tick(clock.now())) dead_links.push_back(e);
  }
  CHECK_EQUAL(1u, only<LinkDead>(dead_links).link);
  CHECK_EQUAL(0, count<PeerDead>(dead_links));
  CHECK(m.peer_state() == PeerState::up);
  CHECK(m.link(1).state == LinkState::dead);
  CHECK(m.link(0).state == LinkState::up);
}

TEST(Membership, same_packet_on_a_second_link_refreshes_only_that_link) {
  Membership m(kTimers, 2, clock.now());
  Heartbeat one = hb();
  (void)m.on_heartbeat(0, one, clock.now());
  clock.advance(milliseconds(2));
  Events e = m.on_heartbeat(1, one, clock.now());
  CHECK_EQUAL(1u, only<LinkUp>(e).link);
  CHECK_EQUAL(0, count<PeerUp>(e));
  CHECK(m.last_heard() == clock.now() - milliseconds(2));
}

TEST(Membership, link_never_heard_is_declared_dead_after_initdead) {
  Membership m(kTimers, 2, clock.now());
  Events all;
  for (int i = 0; i < 25; ++i) {
    (void)m.on_heartbeat(0, hb(), clock.now());
    for (const Event& e : m.on_tick(clock.now())) all.push_back(e);
    clock.advance(kTimers.keepalive);
  }
  CHECK_EQUAL(1u, only<LinkDead>(all).link);
  CHECK(m.link(1).state == LinkState::dead);
}

TEST(Membership, link_comes_back_up_on_its_next_heartbeat) {
  Membership m(kTimers, 2, clock.now());
  (void)m.on_heartbeat(0, hb(), clock.now());
  clock.advance(kTimers.initdead);
  (void)m.on_heartbeat(0, hb(), clock.now());
  (void)m.on_tick(clock.now());
  CHECK(m.link(1).state == LinkState::dead);

  Events e = m.on_heartbeat(1, hb(), clock.now());
  CHECK_EQUAL(1u, only<LinkUp>(e).link);
}

TEST(Membership, peer_is_judged_by_the_deadtime_it_advertises) {
  Membership m(kTimers, 1, clock.now());
  (void)m.on_heartbeat(0, Heartbeat{7, ++seq, Millis{1000}, Millis{4000}}, clock.now());
  CHECK_EQUAL(4000, m.judged_deadtime().count());

  clock.advance(milliseconds(3999));
  CHECK_EQUAL(0, count<PeerDead>(m.on_tick(clock.now())));
  clock.advance(milliseconds(1));
  CHECK_EQUAL(1, count<PeerDead>(m.on_tick(clock.now())));
}

TEST(Membership, reconfigure_carries_link_state_and_starts_new_links_in_init) {
  Membership m(kTimers, 2, clock.now());
  (void)m.on_heartbeat(1, hb(), clock.now());
  m.reconfigure(kTimers, {LinkId{1}, std::nullopt}, clock.now());
  CHECK_EQUAL(2u, m.link_count());
  CHECK(m.link(0).state == LinkState::up);
  CHECK(m.link(1).state == LinkState::init);
  CHECK(m.peer_state() == PeerState::up);
}

// Seeded random arrivals and ticks. After every step:
//  - the peer is dead iff it has been silent for its deadtime (or initdead
//    before the first packet), measured from the last fresh heartbeat;
//  - a late heartbeat never makes it dead;
//  - next_deadline is never in the past while something can still expire.
TEST(Membership, random_sequences_keep_the_death_rule) {
  const unsigned seed = std::random_device{}();
  std::printf("\nMembership random seed %u\n", seed);
  std::mt19937 rng(seed);
  for (int run = 0; run < 50; ++run) {
    FakeClock c;
    const Instant start = c.now();
    Membership m(kTimers, 3, start);
    std::optional<Instant> last;
    uint64_t s = 0;
    for (int step = 0; step < 400; ++step) {
      c.advance(Millis{std::uniform_int_distribution<int>(0, 700)(rng)});
      if (rng() % 3 != 0) {
        const LinkId link = rng() % 3;
        (void)m.on_heartbeat(link, Heartbeat{9, ++s, kTimers.warntime, kTimers.deadtime}, c.now());
        last = c.now();
        CHECK(m.peer_state() == PeerState::up);
      }
      (void)m.on_tick(c.now());
      const Instant deadline = last ? *last + kTimers.deadtime : start + kTimers.initdead;
      CHECK_EQUAL(c.now() >= deadline, m.peer_state() == PeerState::dead);
      if (auto next = m.next_deadline()) CHECK(*next > c.now());
    }
  }
}
