// fence_twinbeat_libvirt: the fence-agent protocol (a request on stdin or the
// command line; exit 0 success or ON, 1 failure, 2 OFF) around Hypervisor.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "hypervisor.h"
#include "request.h"

#ifndef TWINBEAT_VERSION
#define TWINBEAT_VERSION "unknown"
#endif

using namespace twinbeat;
using namespace twinbeat::fence_libvirt;

namespace {

// The fence-agent exit codes. A bad request is 1 too, never LSB's 2: to a
// fencing caller, 2 means "the node is off".
constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitOff = 2;

// A request longer than this is not a fence request.
constexpr size_t kMaxStdin = 64 * 1024;

int fail(const std::string& message) {
  std::fprintf(stderr, "%s: %s\n", kProgram.data(), message.c_str());
  return kExitFailed;
}

// Backstop for a libvirt call that blocks past the deadline (libvirtd hung):
// the poll loops end at the deadline themselves. The message is written
// before the alarm is armed, so that the handler stays async-signal-safe.
char g_alarm_message[128];
int g_alarm_message_size = 0;

void on_alarm(int) {
  ssize_t ignored = write(STDERR_FILENO, g_alarm_message, g_alarm_message_size);
  (void)ignored;
  _exit(kExitFailed);
}

void arm_alarm(std::chrono::seconds timeout) {
  const unsigned seconds = static_cast<unsigned>(timeout.count()) + 2;
  const int n = std::snprintf(g_alarm_message, sizeof g_alarm_message,
                              "%s: libvirt did not answer within %u s (timeout %lld s + 2 s)\n",
                              kProgram.data(), seconds, static_cast<long long>(timeout.count()));
  g_alarm_message_size = std::min<int>(n, sizeof g_alarm_message - 1);
  signal(SIGALRM, on_alarm);
  alarm(seconds);
}

bool read_stdin(std::string* out) {
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, stdin)) > 0) {
    out->append(buf, n);
    if (out->size() > kMaxStdin) return false;
  }
  return !std::ferror(stdin);
}

// Prints every diagnostic; true when none is an error.
template <class T>
bool report(const Parsed<T>& parsed) {
  for (const Diagnostic& d : parsed.diagnostics)
    std::fprintf(stderr, "%s: %s\n", kProgram.data(), d.to_string().c_str());
  return parsed.ok();
}

int list(Hypervisor& hv, bool with_status) {
  auto domains = hv.list();
  if (!domains) return fail(domains.error().message);
  // fencing.py's format: "port,alias[,STATUS]"; the alias is the UUID.
  for (const DomainInfo& d : *domains) {
    if (with_status)
      std::printf("%s,%s,%s\n", d.name.c_str(), d.uuid.c_str(),
                  d.power == Power::on ? "ON" : "OFF");
    else
      std::printf("%s,%s\n", d.name.c_str(), d.uuid.c_str());
  }
  return kExitOk;
}

int act(Hypervisor& hv, const Request& r, Deadline deadline) {
  switch (r.action) {
    case Action::status: {
      auto power = hv.power(r.port);
      if (!power) return fail(power.error().message);
      std::printf("Status: %s\n", *power == Power::on ? "ON" : "OFF");
      return *power == Power::on ? kExitOk : kExitOff;
    }
    case Action::off:
      if (auto done = hv.off(r.port, deadline); !done) return fail(done.error().message);
      std::printf("Success: Powered OFF\n");
      return kExitOk;
    case Action::on:
      if (auto done = hv.on(r.port, deadline); !done) return fail(done.error().message);
      std::printf("Success: Powered ON\n");
      return kExitOk;
    case Action::reboot:
      if (auto done = hv.off(r.port, deadline); !done) return fail(done.error().message);
      if (auto done = hv.on(r.port, deadline); !done)
        return fail("powered off, but not on again: " + done.error().message);
      std::printf("Success: Rebooted\n");
      return kExitOk;
    case Action::list:
    case Action::list_status:
      return list(hv, r.action == Action::list_status);
    case Action::monitor:  // connected: the device answers
    case Action::metadata:
    case Action::validate_all:
      return kExitOk;
  }
  return kExitFailed;
}

int run(const Request& r) {
  if (r.action == Action::metadata) {
    std::fputs(metadata_xml().c_str(), stdout);
    return kExitOk;
  }
  if (r.action == Action::validate_all) return kExitOk;  // the request parsed
  if (r.action == Action::off || r.action == Action::reboot) std::this_thread::sleep_for(r.delay);
  // The timeout bounds everything from here, connecting included. The alarm
  // fires 2 s after the deadline so that the polls' own message wins.
  const Deadline deadline = std::chrono::steady_clock::now() + r.timeout;
  arm_alarm(r.timeout);
  collect_libvirt_errors();
  auto hv = Hypervisor::open(r.uri);
  if (!hv) return fail(hv.error().message);
  return act(*hv, r, deadline);
}

int agent_main(int argc, char** argv) {
  Request request;
  if (argc > 1) {
    const std::vector<std::string_view> words(argv + 1, argv + argc);
    auto parsed = parse_args(words);
    if (parsed.value.mode == Mode::help) {
      std::fputs(usage().c_str(), stdout);
      return kExitOk;
    }
    if (parsed.value.mode == Mode::version) {
      std::printf("%s %s\n", kProgram.data(), TWINBEAT_VERSION);
      return kExitOk;
    }
    if (!report(parsed)) return kExitFailed;
    request = parsed.value.request;
  } else {
    std::string text;
    if (!read_stdin(&text)) return fail("cannot read the request on stdin (or it exceeds 64 KiB)");
    auto parsed = parse_stdin(text);
    if (!report(parsed)) return kExitFailed;
    request = parsed.value;
  }
  return run(request);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return agent_main(argc, argv);
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}
