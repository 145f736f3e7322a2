// AnnounceSchedule on a fake clock: the first packet at once, count and
// interval (both sides of each edge), many VIPs side by side, cancel, restart.
#include "../../../src/net/announce_schedule.h"

#include <arpa/inet.h>

#include <string>
#include <vector>

// After every std header (ours include some): its leak detector redefines new.
#include "CppUTest/TestHarness.h"

using namespace twinbeat;
using namespace twinbeat::net;

namespace {

Announcement v4(const char* text, int ifindex = 2) {
  Announcement a;
  a.family = AF_INET;
  inet_pton(AF_INET, text, &a.addr);
  a.ifindex = ifindex;
  return a;
}

Announcement v6(const char* text, int ifindex = 2) {
  Announcement a;
  a.family = AF_INET6;
  inet_pton(AF_INET6, text, &a.addr);
  a.ifindex = ifindex;
  return a;
}

in6_addr schedule_addr(const char* text) { return v4(text).addr; }

// The addresses of what is due, space separated: "10.0.0.1 2001:db8::1".
std::string names(const std::vector<Announcement>& due) {
  std::string out;
  for (const Announcement& a : due) {
    char buf[INET6_ADDRSTRLEN] = "?";
    inet_ntop(a.family, &a.addr, buf, sizeof buf);
    out += (out.empty() ? "" : " ") + std::string(buf);
  }
  return out;
}

}  // namespace

TEST_GROUP(AnnounceSchedule) {
  FakeClock clock;
  AnnounceSchedule schedule{AnnounceConfig{5, Millis{200}, std::nullopt}};

  // What is due after moving the clock by `step`.
  std::string after(Millis step) {
    clock.advance(step);
    return names(schedule.take_due(clock.now()));
  }
};

TEST(AnnounceSchedule, nothing_is_due_before_any_vip_is_added) {
  CHECK_FALSE(schedule.next_deadline().has_value());
  STRCMP_EQUAL("", names(schedule.take_due(clock.now())).c_str());
}

TEST(AnnounceSchedule, the_first_packet_is_due_at_once) {
  // Given a VIP added now
  schedule.start(v4("10.0.0.100"), clock.now());
  // Then its first packet is due now, and goes now
  CHECK(schedule.next_deadline() == clock.now());
  STRCMP_EQUAL("10.0.0.100", after(Millis{0}).c_str());
}

TEST(AnnounceSchedule, a_burst_is_count_packets_one_interval_apart_then_nothing) {
  schedule.start(v4("10.0.0.100"), clock.now());
  STRCMP_EQUAL("10.0.0.100", after(Millis{0}).c_str());
  for (int packet = 2; packet <= 5; ++packet) {
    STRCMP_EQUAL("", after(Millis{199}).c_str());  // interval - 1 ms: not yet
    STRCMP_EQUAL("10.0.0.100", after(Millis{1}).c_str());
  }
  CHECK_FALSE(schedule.next_deadline().has_value());
  STRCMP_EQUAL("", after(Millis{10'000}).c_str());
}

TEST(AnnounceSchedule, bursts_of_many_vips_run_side_by_side) {
  // Given A added at 0, B at 50 ms, C at 120 ms
  schedule.start(v4("10.0.0.1"), clock.now());
  STRCMP_EQUAL("10.0.0.1", after(Millis{0}).c_str());
  clock.advance(Millis{50});
  schedule.start(v6("2001:db8::2"), clock.now());
  STRCMP_EQUAL("2001:db8::2", after(Millis{0}).c_str());
  clock.advance(Millis{70});
  schedule.start(v4("10.0.0.3"), clock.now());
  STRCMP_EQUAL("10.0.0.3", after(Millis{0}).c_str());
  // Then their packets interleave, each on its own 200 ms beat
  CHECK(schedule.next_deadline() == clock.now() + Millis{80});
  STRCMP_EQUAL("10.0.0.1", after(Millis{80}).c_str());     // 200
  STRCMP_EQUAL("2001:db8::2", after(Millis{50}).c_str());  // 250
  STRCMP_EQUAL("10.0.0.3", after(Millis{70}).c_str());     // 320
  LONGS_EQUAL(3, schedule.bursts());
}

TEST(AnnounceSchedule, vips_due_at_the_same_time_all_go_in_one_call_in_the_order_added) {
  schedule.start(v4("10.0.0.1"), clock.now());
  schedule.start(v4("10.0.0.2"), clock.now());
  schedule.start(v6("2001:db8::3"), clock.now());
  STRCMP_EQUAL("10.0.0.1 10.0.0.2 2001:db8::3", after(Millis{0}).c_str());
  STRCMP_EQUAL("10.0.0.1 10.0.0.2 2001:db8::3", after(Millis{200}).c_str());
}

TEST(AnnounceSchedule, a_late_timer_sends_one_packet_and_the_next_comes_an_interval_later) {
  schedule.start(v4("10.0.0.100"), clock.now());
  STRCMP_EQUAL("10.0.0.100", after(Millis{0}).c_str());
  // When the timer fires 500 ms late (two packets overdue)
  STRCMP_EQUAL("10.0.0.100", after(Millis{700}).c_str());
  // Then the next is one interval after that send, not at once
  STRCMP_EQUAL("", after(Millis{199}).c_str());
  STRCMP_EQUAL("10.0.0.100", after(Millis{1}).c_str());
}

TEST(AnnounceSchedule, cancel_stops_only_that_vips_burst) {
  schedule.start(v4("10.0.0.1"), clock.now());
  schedule.start(v4("10.0.0.2"), clock.now());
  STRCMP_EQUAL("10.0.0.1 10.0.0.2", after(Millis{0}).c_str());
  // When 10.0.0.1 is removed
  in6_addr a{};
  inet_pton(AF_INET, "10.0.0.1", &a);
  schedule.cancel(AF_INET, a);
  // Then only 10.0.0.2 keeps going
  STRCMP_EQUAL("10.0.0.2", after(Millis{200}).c_str());
  LONGS_EQUAL(1, schedule.bursts());
}

TEST(AnnounceSchedule, cancel_matches_the_family_too) {
  // 10.0.0.1 and ::ffff... differ; an IPv6 address with the same first bytes is another VIP
  schedule.start(v6("a00:1::"), clock.now());  // first bytes 0a 00 00 01, as 10.0.0.1
  in6_addr a{};
  inet_pton(AF_INET, "10.0.0.1", &a);
  schedule.cancel(AF_INET, a);
  LONGS_EQUAL(1, schedule.bursts());
}

TEST(AnnounceSchedule, adding_a_vip_again_restarts_its_burst_instead_of_running_two) {
  schedule.start(v4("10.0.0.100"), clock.now());
  STRCMP_EQUAL("10.0.0.100", after(Millis{0}).c_str());
  STRCMP_EQUAL("10.0.0.100", after(Millis{200}).c_str());
  // When it is added again, on another interface, 100 ms later
  clock.advance(Millis{100});
  schedule.start(v4("10.0.0.100", 7), clock.now());
  LONGS_EQUAL(1, schedule.bursts());
  // Then a whole new burst of 5 follows from now, out of the new interface
  auto due = schedule.take_due(clock.now());
  LONGS_EQUAL(1, due.size());
  LONGS_EQUAL(7, due[0].ifindex);
  for (int packet = 2; packet <= 5; ++packet)
    STRCMP_EQUAL("10.0.0.100", after(Millis{200}).c_str());
  CHECK_FALSE(schedule.next_deadline().has_value());
}

TEST(AnnounceSchedule, a_count_of_zero_announces_nothing) {
  AnnounceSchedule silent{AnnounceConfig{0, Millis{200}, std::nullopt}};
  silent.start(v4("10.0.0.100"), clock.now());
  CHECK_FALSE(silent.next_deadline().has_value());
}

TEST(AnnounceSchedule, a_zero_interval_sends_one_packet_per_call_never_a_spin) {
  AnnounceSchedule fast{AnnounceConfig{3, Millis{0}, std::nullopt}};
  fast.start(v4("10.0.0.100"), clock.now());
  LONGS_EQUAL(1, fast.take_due(clock.now()).size());
  LONGS_EQUAL(1, fast.take_due(clock.now()).size());
  LONGS_EQUAL(1, fast.take_due(clock.now()).size());
  CHECK_FALSE(fast.next_deadline().has_value());
}

// Refresh (arp_refresh): one packet per held address every refresh.

TEST_GROUP(AnnounceRefresh) {
  FakeClock clock;
  AnnounceSchedule schedule{AnnounceConfig{5, Millis{200}, Millis{10000}}};

  // The refresh packets due after moving the clock by `step`.
  std::string refreshed_after(Millis step) {
    clock.advance(step);
    (void)schedule.take_due(clock.now());  // the burst, not looked at here
    return names(schedule.take_refresh_due(clock.now()));
  }
};

TEST(AnnounceRefresh, without_a_refresh_an_address_is_never_announced_after_its_burst) {
  AnnounceSchedule plain{AnnounceConfig{1, Millis{200}, std::nullopt}};
  plain.start(v4("10.0.0.100"), clock.now());
  LONGS_EQUAL(1, plain.take_due(clock.now()).size());
  CHECK_FALSE(plain.next_deadline().has_value());
  clock.advance(Millis{3'600'000});
  STRCMP_EQUAL("", names(plain.take_refresh_due(clock.now())).c_str());
}

TEST(AnnounceRefresh, a_held_address_is_announced_again_every_refresh) {
  // Given a VIP added now
  schedule.start(v4("10.0.0.100"), clock.now());
  // Then after its burst, nothing until one refresh has passed
  STRCMP_EQUAL("", refreshed_after(Millis{9999}).c_str());
  STRCMP_EQUAL("10.0.0.100", refreshed_after(Millis{1}).c_str());
  // And again one refresh later, not before
  STRCMP_EQUAL("", refreshed_after(Millis{9999}).c_str());
  STRCMP_EQUAL("10.0.0.100", refreshed_after(Millis{1}).c_str());
}

TEST(AnnounceRefresh, the_next_deadline_is_the_refresh_once_the_burst_is_over) {
  schedule.start(v4("10.0.0.100"), clock.now());
  const Instant added = clock.now();
  for (int i = 0; i < 5; ++i) (void)refreshed_after(i == 0 ? Millis{0} : Millis{200});
  CHECK(schedule.next_deadline() == added + Millis{10000});
}

TEST(AnnounceRefresh, a_late_timer_sends_one_refresh_and_the_next_comes_a_refresh_later) {
  schedule.start(v4("10.0.0.100"), clock.now());
  STRCMP_EQUAL("10.0.0.100", refreshed_after(Millis{35000}).c_str());
  STRCMP_EQUAL("", refreshed_after(Millis{9999}).c_str());
  STRCMP_EQUAL("10.0.0.100", refreshed_after(Millis{1}).c_str());
}

TEST(AnnounceRefresh, a_removed_address_is_refreshed_no_more) {
  schedule.start(v4("10.0.0.100"), clock.now());
  schedule.start(v6("2001:db8::10"), clock.now());
  schedule.cancel(AF_INET, schedule_addr("10.0.0.100"));
  LONGS_EQUAL(1, schedule.held());
  STRCMP_EQUAL("2001:db8::10", refreshed_after(Millis{10000}).c_str());
}

TEST(AnnounceRefresh, switching_refresh_on_covers_the_addresses_already_held) {
  // Given a VIP added while refresh was off, its burst over
  AnnounceSchedule later{AnnounceConfig{1, Millis{200}, std::nullopt}};
  later.start(v4("10.0.0.100"), clock.now());
  (void)later.take_due(clock.now());
  // When a reload switches refresh on
  clock.advance(Millis{60000});
  later.set_config(AnnounceConfig{1, Millis{200}, Millis{5000}}, clock.now());
  // Then the VIP is refreshed one refresh from then
  CHECK(later.next_deadline() == clock.now() + Millis{5000});
  clock.advance(Millis{4999});
  STRCMP_EQUAL("", names(later.take_refresh_due(clock.now())).c_str());
  clock.advance(Millis{1});
  STRCMP_EQUAL("10.0.0.100", names(later.take_refresh_due(clock.now())).c_str());
}

TEST(AnnounceRefresh, switching_refresh_off_stops_it) {
  AnnounceSchedule one{AnnounceConfig{1, Millis{200}, Millis{10000}}};
  one.start(v4("10.0.0.100"), clock.now());
  LONGS_EQUAL(1, one.take_due(clock.now()).size());
  one.set_config(AnnounceConfig{1, Millis{200}, std::nullopt}, clock.now());
  CHECK_FALSE(one.next_deadline().has_value());
  clock.advance(Millis{60000});
  STRCMP_EQUAL("", names(one.take_refresh_due(clock.now())).c_str());
}
