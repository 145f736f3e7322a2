// epoll loop, timerfd and signalfd.
#include "loop.h"

#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

namespace twinbeat::daemon {

namespace {

timespec to_timespec(Millis d) {
  timespec ts{};
  ts.tv_sec = d.count() / 1000;
  ts.tv_nsec = (d.count() % 1000) * 1'000'000;
  return ts;
}

}  // namespace

Result<Loop> Loop::create() {
  Loop l;
  l.epfd_.reset(::epoll_create1(EPOLL_CLOEXEC));
  if (!l.epfd_) return errno_error("epoll_create1");
  return l;
}

Result<void> Loop::add(int fd, uint32_t events, Callback cb) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  if (::epoll_ctl(epfd_.get(), EPOLL_CTL_ADD, fd, &ev) < 0) return errno_error("epoll_ctl add");
  // A number reused after remove() in this batch: its old callback already ran.
  std::erase(removed_, fd);
  callbacks_[fd] = std::move(cb);
  return {};
}

void Loop::modify(int fd, uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  ::epoll_ctl(epfd_.get(), EPOLL_CTL_MOD, fd, &ev);
}

void Loop::remove(int fd) {
  ::epoll_ctl(epfd_.get(), EPOLL_CTL_DEL, fd, nullptr);
  if (dispatching_)
    removed_.push_back(fd);
  else
    callbacks_.erase(fd);
}

Result<void> Loop::run() {
  running_ = true;
  epoll_event events[32];
  while (running_) {
    const int n = ::epoll_wait(epfd_.get(), events, 32, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("epoll_wait");
    }
    dispatching_ = true;
    for (int i = 0; i < n && running_; ++i) {
      const int fd = events[i].data.fd;
      if (std::find(removed_.begin(), removed_.end(), fd) != removed_.end()) continue;
      auto it = callbacks_.find(fd);
      if (it != callbacks_.end()) it->second(events[i].events);
    }
    dispatching_ = false;
    for (int fd : removed_) callbacks_.erase(fd);
    removed_.clear();
  }
  return {};
}

Result<Timer> Timer::create() {
  Timer t;
  t.fd_.reset(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
  if (!t.fd_) return errno_error("timerfd_create");
  return t;
}

void Timer::arm_at(Instant when) {
  itimerspec spec{};
  spec.it_value = to_timespec(when.time_since_epoch());
  if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;
  ::timerfd_settime(fd_.get(), TFD_TIMER_ABSTIME, &spec, nullptr);
}

void Timer::arm_every(Millis period) {
  itimerspec spec{};
  spec.it_value = to_timespec(period);
  spec.it_interval = to_timespec(period);
  ::timerfd_settime(fd_.get(), 0, &spec, nullptr);
}

void Timer::disarm() {
  itimerspec spec{};
  ::timerfd_settime(fd_.get(), 0, &spec, nullptr);
}

uint64_t Timer::expirations() {
  uint64_t n = 0;
  if (::read(fd_.get(), &n, sizeof n) != sizeof n) return 0;
  return n;
}

Result<SignalReader> SignalReader::create(std::initializer_list<int> signals) {
  SignalReader r;
  sigemptyset(&r.mask_);
  for (int s : signals) sigaddset(&r.mask_, s);
  if (::sigprocmask(SIG_BLOCK, &r.mask_, nullptr) < 0) return errno_error("sigprocmask");
  r.fd_.reset(::signalfd(-1, &r.mask_, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!r.fd_) return errno_error("signalfd");
  return r;
}

int SignalReader::next() {
  signalfd_siginfo info{};
  if (::read(fd_.get(), &info, sizeof info) != sizeof info) return 0;
  return static_cast<int>(info.ssi_signo);
}

}  // namespace twinbeat::daemon
