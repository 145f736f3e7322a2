// Time for every decision: Instant is a point on CLOCK_MONOTONIC, Millis a
// span. No decision reads wall time; core reads no clock at all (its callers
// pass `now`), and the shell reads one through the Clock interface.
#pragma once

#include <chrono>
#include <cstdint>

namespace twinbeat {

using Millis = std::chrono::milliseconds;
using Instant = std::chrono::time_point<std::chrono::steady_clock, Millis>;

inline int64_t to_ms(Millis d) { return d.count(); }

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant now() const = 0;
};

// steady_clock is CLOCK_MONOTONIC on Linux.
class MonotonicClock final : public Clock {
 public:
  Instant now() const override {
    return std::chrono::time_point_cast<Millis>(std::chrono::steady_clock::now());
  }
};

// For tests: time moves only when told.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Instant start = Instant{Millis{1'000'000}}) : now_(start) {}
  Instant now() const override { return now_; }
  void advance(Millis d) { now_ += d; }

 private:
  Instant now_;
};

}  // namespace twinbeat
