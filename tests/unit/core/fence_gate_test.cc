// FenceGate on a fake clock: the race, retries, the lease wait, wait_for_all.
#include <variant>

#include "twinbeat/core/fence_gate.h"
// CppUTest last: its leak detector redefines new.
#include "CppUTest/TestHarness.h"

using namespace twinbeat;
using namespace twinbeat::core;
using std::chrono::milliseconds;

namespace {

FenceConfig with_devices() {
  FenceConfig c;
  c.devices = true;
  c.fence_delay = Millis{5000};
  c.max_attempts = 3;
  c.first_backoff = Millis{1000};
  return c;
}

template <class A>
const A* find(const FenceActions& a) {
  for (const auto& x : a)
    if (auto* p = std::get_if<A>(&x)) return p;
  return nullptr;
}

}  // namespace

TEST_GROUP(FenceGate) {
  FakeClock clock;
};

TEST(FenceGate, holder_shoots_at_once) {
  FenceGate g(with_devices());
  const FenceActions a = g.on_peer_dead(clock.now(), false, true, false, clock.now());
  CHECK(find<Shoot>(a) != nullptr);
  LONGS_EQUAL(1, find<Shoot>(a)->attempt);
  CHECK(g.state() == FenceState::shooting);
}

TEST(FenceGate, non_holder_waits_fence_delay_before_shooting) {
  FenceGate g(with_devices());
  CHECK(g.on_peer_dead(clock.now(), false, false, false, clock.now()).empty());
  CHECK(g.next_deadline() == clock.now() + Millis{5000});
  clock.advance(Millis{4999});
  CHECK(g.on_tick(clock.now()).empty());
  clock.advance(Millis{1});
  CHECK(find<Shoot>(g.on_tick(clock.now())) != nullptr);
}

TEST(FenceGate, confirmed_shot_confirms_the_death) {
  FenceGate g(with_devices());
  (void)g.on_peer_dead(clock.now(), false, true, false, clock.now());
  const FenceActions a = g.on_shot(true, clock.now());
  CHECK(find<Confirmed>(a)->how == Confirmed::How::fenced);
  CHECK(g.state() == FenceState::confirmed);
}

TEST(FenceGate, failed_shots_retry_with_doubling_backoff_then_give_up) {
  FenceGate g(with_devices());
  (void)g.on_peer_dead(clock.now(), false, true, false, clock.now());
  CHECK(g.on_shot(false, clock.now()).empty());
  CHECK(g.next_deadline() == clock.now() + Millis{1000});
  clock.advance(Millis{1000});
  LONGS_EQUAL(2, find<Shoot>(g.on_tick(clock.now()))->attempt);
  CHECK(g.on_shot(false, clock.now()).empty());
  CHECK(g.next_deadline() == clock.now() + Millis{2000});
  clock.advance(Millis{2000});
  LONGS_EQUAL(3, find<Shoot>(g.on_tick(clock.now()))->attempt);
  const FenceActions a = g.on_shot(false, clock.now());
  LONGS_EQUAL(3, find<GaveUp>(a)->attempts);
  CHECK(g.state() == FenceState::gave_up);
  CHECK_FALSE(g.next_deadline().has_value());
}

TEST(FenceGate, peer_coming_back_stops_the_shooting) {
  FenceGate g(with_devices());
  (void)g.on_peer_dead(clock.now(), false, false, false, clock.now());
  CHECK(find<Cancelled>(g.on_peer_alive()) != nullptr);
  CHECK(g.state() == FenceState::idle);
  clock.advance(Millis{6000});
  CHECK(g.on_tick(clock.now()).empty());
  // A shot in flight that ends after the peer came back changes nothing.
  (void)g.on_peer_dead(clock.now(), false, true, false, clock.now());
  (void)g.on_peer_alive();
  CHECK(g.on_shot(true, clock.now()).empty());
  CHECK(g.state() == FenceState::idle);
}

TEST(FenceGate, goodbye_needs_no_fence) {
  FenceGate g(with_devices());
  const FenceActions a = g.on_peer_dead(clock.now(), true, false, false, clock.now());
  CHECK(find<Confirmed>(a)->how == Confirmed::How::left);
  CHECK(find<Shoot>(a) == nullptr);
}

TEST(FenceGate, peer_never_seen_is_neither_shot_nor_taken_over_from_with_wait_for_all) {
  FenceGate g(with_devices());
  CHECK(g.on_peer_dead(clock.now(), false, false, true, std::nullopt).empty());
  CHECK(g.state() == FenceState::never_seen);
  CHECK(find<Confirmed>(g.force())->how == Confirmed::How::forced);
}

TEST(FenceGate, peer_never_seen_is_shot_without_wait_for_all) {
  FenceConfig c = with_devices();
  c.wait_for_all = false;
  FenceGate g(c);
  (void)g.on_peer_dead(clock.now(), false, true, true, std::nullopt);
  CHECK(g.state() == FenceState::shooting);
}

TEST(FenceGate, without_devices_the_lease_must_expire_first) {
  FenceConfig c;
  c.lease = Millis{2000};
  FenceGate g(c);
  const Instant last = clock.now();
  clock.advance(Millis{500});  // deadtime
  CHECK(g.on_peer_dead(clock.now(), false, true, false, last).empty());
  CHECK(g.next_deadline() == last + Millis{3500});
  clock.advance(Millis{2999});
  CHECK(g.on_tick(clock.now()).empty());
  clock.advance(Millis{1});
  CHECK(find<Confirmed>(g.on_tick(clock.now()))->how == Confirmed::How::lease_expired);
}

TEST(FenceGate, without_devices_or_lease_the_peer_is_dead_at_once) {
  FenceGate g(FenceConfig{});
  const FenceActions a = g.on_peer_dead(clock.now(), false, true, false, clock.now());
  CHECK(find<Confirmed>(a)->how == Confirmed::How::unfenced);
}

TEST(FenceGate, peer_asking_to_be_fenced_is_shot_at_once_with_devices_only) {
  FenceGate g(with_devices());
  CHECK(find<Shoot>(g.on_peer_asks_fence()) != nullptr);
  FenceGate none(FenceConfig{});
  CHECK(none.on_peer_asks_fence().empty());
}

TEST(FenceGate, force_does_nothing_while_the_peer_is_alive) {
  FenceGate g(with_devices());
  CHECK(g.force().empty());
  CHECK(g.state() == FenceState::idle);
}
