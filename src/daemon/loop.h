// The daemon's one event loop: epoll over fds with a callback each, plus
// timerfd and signalfd wrappers. Nothing registered here may block.
#pragma once

#include <signal.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <unordered_map>
#include <vector>

#include "twinbeat/result.h"
#include "twinbeat/time.h"
#include "twinbeat/unique_fd.h"

namespace twinbeat::daemon {

class Loop {
 public:
  using Callback = std::function<void(uint32_t events)>;

  static Result<Loop> create();

  // Watches `fd` for `events` (EPOLLIN...). The callback runs on each wake.
  Result<void> add(int fd, uint32_t events, Callback cb);
  void modify(int fd, uint32_t events);
  // Stops watching `fd`; safe from inside any callback.
  void remove(int fd);

  // Dispatches until stop(). Fails only if epoll_wait fails.
  Result<void> run();
  void stop() { running_ = false; }

 private:
  UniqueFd epfd_;
  std::unordered_map<int, Callback> callbacks_;
  // fds removed while a batch is dispatched: their callbacks (one of which
  // may be running) are destroyed only after the batch.
  std::vector<int> removed_;
  bool dispatching_ = false;
  bool running_ = false;
};

// A CLOCK_MONOTONIC timerfd.
class Timer {
 public:
  static Result<Timer> create();
  int fd() const { return fd_.get(); }
  // Fires once at `when` (immediately if it has passed).
  void arm_at(Instant when);
  // Fires every `period`, the first time one period from now.
  void arm_every(Millis period);
  void disarm();
  // Consumes the expirations; returns how many happened (0 if none).
  uint64_t expirations();

 private:
  UniqueFd fd_;
};

// Receives `signals` through a signalfd; they are blocked for normal delivery.
class SignalReader {
 public:
  static Result<SignalReader> create(std::initializer_list<int> signals);
  int fd() const { return fd_.get(); }
  // Next pending signal number, 0 if none.
  int next();
  // The mask to restore in children before exec.
  const sigset_t& mask() const { return mask_; }

 private:
  UniqueFd fd_;
  sigset_t mask_{};
};

}  // namespace twinbeat::daemon
