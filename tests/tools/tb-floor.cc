// tb-floor: the least any heartbeat daemon pays here. One epoll loop: a
// periodic timerfd sends a 100-byte datagram to the peer, and each datagram
// from the peer is read. No authentication, no state, no logging: the bench
// runs it beside twinbeat to show the cost of the wakeups themselves.
//   tb-floor --peer IPV4 [--port N] [--every MS]    (runs until SIGTERM)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

int main(int argc, char** argv) {
  const char* peer = nullptr;
  int port = 7694, every_ms = 25;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view a = argv[i];
    if (a == "--peer") peer = argv[i + 1];
    else if (a == "--port") port = std::atoi(argv[i + 1]);
    else if (a == "--every") every_ms = std::atoi(argv[i + 1]);
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  if (!peer || inet_pton(AF_INET, peer, &to.sin_addr) != 1 || every_ms <= 0) {
    std::fprintf(stderr, "usage: tb-floor --peer IPV4 [--port N] [--every MS]\n");
    return 2;
  }
  const int udp = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  sockaddr_in any{};
  any.sin_family = AF_INET;
  any.sin_port = to.sin_port;
  if (bind(udp, reinterpret_cast<sockaddr*>(&any), sizeof any) < 0) {
    std::perror("tb-floor: bind");
    return 1;
  }
  const int timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  const itimerspec period{{every_ms / 1000, (every_ms % 1000) * 1'000'000L},
                          {every_ms / 1000, (every_ms % 1000) * 1'000'000L}};
  timerfd_settime(timer, 0, &period, nullptr);
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigprocmask(SIG_BLOCK, &term, nullptr);
  const int sig = signalfd(-1, &term, SFD_NONBLOCK);
  const int ep = epoll_create1(0);
  for (int fd : {udp, timer, sig}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
  char buf[2048] = {};
  for (;;) {
    epoll_event evs[4];
    const int n = epoll_wait(ep, evs, 4, -1);
    for (int i = 0; i < n; ++i) {
      const int fd = evs[i].data.fd;
      if (fd == sig) return 0;
      if (fd == timer) {
        uint64_t fired;
        if (read(timer, &fired, sizeof fired) > 0)
          sendto(udp, buf, 100, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
      } else {
        while (recv(udp, buf, sizeof buf, 0) > 0) {
        }
      }
    }
  }
}
