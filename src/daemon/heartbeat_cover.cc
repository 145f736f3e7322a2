// HeartbeatCover: the thread that sends the loop's heartbeats while the loop
// waits in the kernel.
#include "heartbeat_cover.h"

#include <pthread.h>
#include <sched.h>

#include <cstring>
#include <system_error>

namespace twinbeat::daemon {

Result<std::unique_ptr<HeartbeatCover>> HeartbeatCover::start(std::function<void()> beat) {
  // SCHED_RESET_ON_FORK (set with realtime) gives a new thread SCHED_OTHER:
  // the thread sets the loop's policy on itself.
  const int policy = ::sched_getscheduler(0);
  sched_param param{};
  if (policy < 0 || ::sched_getparam(0, &param) < 0) return errno_error("sched_getscheduler");
  std::unique_ptr<HeartbeatCover> c(new HeartbeatCover(std::move(beat)));
  HeartbeatCover* self = c.get();
  try {
    c->thread_ = std::thread([self] { self->run(); });
  } catch (const std::system_error& e) {
    return Error{e.code().value(), std::string("heartbeat cover thread: ") + e.what(), {}};
  }
  if ((policy & ~SCHED_RESET_ON_FORK) != SCHED_OTHER) {
    if (int rc = ::pthread_setschedparam(c->thread_.native_handle(), policy, &param); rc != 0)
      return Error{rc, std::string("heartbeat cover thread: pthread_setschedparam: ") + std::strerror(rc), {}};
  }
  return c;
}

HeartbeatCover::~HeartbeatCover() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    quit_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void HeartbeatCover::begin(Instant first, Millis keepalive, Instant until) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    armed_ = true;
    next_ = first;
    keepalive_ = keepalive;
    until_ = until;
    beats_ = 0;
  }
  wake_.notify_one();
}

unsigned HeartbeatCover::end() {
  std::lock_guard<std::mutex> lock(mu_);  // waits for a beat in progress
  armed_ = false;
  return beats_;
}

void HeartbeatCover::run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!quit_) {
    if (!armed_ || next_ >= until_) {
      wake_.wait(lock);
      continue;
    }
    // Woken early by begin()/end()/quit, or at `next_`: look again.
    if (wake_.wait_until(lock, next_) == std::cv_status::no_timeout) continue;
    if (!armed_ || quit_ || next_ >= until_) continue;
    beat_();
    ++beats_;
    next_ = MonotonicClock().now() + keepalive_;  // late: no burst to catch up
  }
}

}  // namespace twinbeat::daemon
