// The fence actions through libvirt's C API: look a domain up by name, read its
// state, destroy it, start it, list them all. Handles live in unique_ptrs.
#include "hypervisor.h"

#include <libvirt/virterror.h>

#include <algorithm>
#include <cstdlib>
#include <thread>
#include <utility>

namespace twinbeat::fence_libvirt {

namespace {

struct FreeDomain {
  void operator()(virDomainPtr d) const { virDomainFree(d); }
};
using Domain = std::unique_ptr<virDomain, FreeDomain>;

// libvirt's own polling is every 200 ms while it destroys; half that here.
constexpr auto kPoll = std::chrono::milliseconds(100);

// The last error libvirt reported (the agent is single-threaded).
struct LibvirtError {
  int code = VIR_ERR_OK;
  std::string message;
};
LibvirtError g_last;

void on_libvirt_error(void*, virErrorPtr e) {
  if (!e) return;
  g_last.code = e->code;
  g_last.message = e->message ? e->message : "unknown libvirt error";
}

void clear_error() { g_last = LibvirtError{}; }

// "CONTEXT: libvirt's message".
Error failure(const std::string& context) {
  return Error{0, context + ": " + (g_last.message.empty() ? "failed" : g_last.message), {}};
}

const char* state_name(int state) {
  switch (state) {
    case VIR_DOMAIN_NOSTATE:
      return "in no state";
    case VIR_DOMAIN_RUNNING:
      return "running";
    case VIR_DOMAIN_BLOCKED:
      return "blocked";
    case VIR_DOMAIN_PAUSED:
      return "paused";
    case VIR_DOMAIN_SHUTDOWN:
      return "being shut down";
    case VIR_DOMAIN_SHUTOFF:
      return "shut off";
    case VIR_DOMAIN_CRASHED:
      return "crashed";
    case VIR_DOMAIN_PMSUSPENDED:
      return "suspended";
  }
  return "in an unknown state";
}

std::string quoted(const std::string& name) { return "domain '" + name + "'"; }

Result<Domain> lookup(virConnectPtr conn, const std::string& name, const std::string& uri) {
  clear_error();
  Domain d(virDomainLookupByName(conn, name.c_str()));
  if (d) return d;
  if (g_last.code == VIR_ERR_NO_DOMAIN)
    return Error{0, quoted(name) + " does not exist on " + uri, {}};
  return failure("look up " + quoted(name) + " on " + uri);
}

// The domain's state (VIR_DOMAIN_*). Gone is VIR_ERR_NO_DOMAIN in g_last.
Result<int> state_of(virDomainPtr d, const std::string& name) {
  clear_error();
  int state = 0, reason = 0;
  if (virDomainGetState(d, &state, &reason, 0) < 0) return failure("state of " + quoted(name));
  return state;
}

// "domain 'x' still running 20.0 s after destroy".
Error still(const std::string& name, int state, std::chrono::steady_clock::time_point since,
            const char* after) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - since)
                      .count();
  return Error{0,
               quoted(name) + " still " + state_name(state) + " " + std::to_string(ms / 1000) +
                   "." + std::to_string(ms % 1000 / 100) + " s after " + after,
               {}};
}

// Polls until the domain shows shut off (or, for a transient domain, is gone:
// libvirt forgets it once destroyed). Bounded by `deadline`.
Result<void> wait_off(virDomainPtr d, const std::string& name, Deadline deadline) {
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    auto s = state_of(d, name);
    if (!s && g_last.code == VIR_ERR_NO_DOMAIN) return {};
    if (s && *s == VIR_DOMAIN_SHUTOFF) return {};
    if (std::chrono::steady_clock::now() >= deadline) {
      if (!s) return s.error();
      return still(name, *s, start, "destroy");
    }
    std::this_thread::sleep_for(kPoll);
  }
}

Result<void> wait_running(virDomainPtr d, const std::string& name, Deadline deadline) {
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    auto s = state_of(d, name);
    if (!s) return s.error();
    if (*s == VIR_DOMAIN_RUNNING) return {};
    if (std::chrono::steady_clock::now() >= deadline) return still(name, *s, start, "start");
    std::this_thread::sleep_for(kPoll);
  }
}

}  // namespace

void collect_libvirt_errors() { virSetErrorFunc(nullptr, on_libvirt_error); }

Result<Hypervisor> Hypervisor::open(const std::string& uri) {
  clear_error();
  Connect conn(virConnectOpen(uri.c_str()));
  if (!conn) return failure("cannot connect to " + uri);
  return Hypervisor(std::move(conn), uri);
}

Result<Power> Hypervisor::power(const std::string& name) {
  auto d = lookup(conn_.get(), name, uri_);
  if (!d) return d.error();
  auto s = state_of(d->get(), name);
  if (!s) return s.error();
  return *s == VIR_DOMAIN_SHUTOFF ? Power::off : Power::on;
}

Result<void> Hypervisor::off(const std::string& name, Deadline deadline) {
  auto d = lookup(conn_.get(), name, uri_);
  if (!d) return d.error();
  auto s = state_of(d->get(), name);
  if (!s) return s.error();
  if (*s == VIR_DOMAIN_SHUTOFF) return {};
  // libvirt sends SIGTERM to the domain's tasks, then SIGKILL; should a task
  // outlive that (busy), destroy fails and is tried again until the deadline.
  for (;;) {
    clear_error();
    if (virDomainDestroy(d->get()) == 0) return wait_off(d->get(), name, deadline);
    const Error destroy_error = failure("destroy " + quoted(name));
    // Stopped on its own between the calls: off is what was asked for.
    if (wait_off(d->get(), name, std::chrono::steady_clock::now())) return {};
    if (std::chrono::steady_clock::now() >= deadline) return destroy_error;
    std::this_thread::sleep_for(kPoll);
  }
}

Result<void> Hypervisor::on(const std::string& name, Deadline deadline) {
  auto d = lookup(conn_.get(), name, uri_);
  if (!d) return d.error();
  auto s = state_of(d->get(), name);
  if (!s) return s.error();
  if (*s != VIR_DOMAIN_SHUTOFF) return {};
  clear_error();
  if (virDomainCreate(d->get()) < 0) return failure("start " + quoted(name));
  return wait_running(d->get(), name, deadline);
}

Result<std::vector<DomainInfo>> Hypervisor::list() {
  clear_error();
  virDomainPtr* raw = nullptr;
  const int n = virConnectListAllDomains(conn_.get(), &raw, 0);
  if (n < 0) return failure("list domains on " + uri_);
  std::vector<Domain> domains;
  for (int i = 0; i < n; ++i) domains.emplace_back(raw[i]);
  std::free(raw);

  std::vector<DomainInfo> out;
  for (const Domain& d : domains) {
    DomainInfo info;
    const char* name = virDomainGetName(d.get());
    info.name = name ? name : "?";
    char uuid[VIR_UUID_STRING_BUFLEN] = {};
    if (virDomainGetUUIDString(d.get(), uuid) == 0) info.uuid = uuid;
    auto s = state_of(d.get(), info.name);
    if (!s) return s.error();
    info.power = *s == VIR_DOMAIN_SHUTOFF ? Power::off : Power::on;
    out.push_back(std::move(info));
  }
  std::sort(out.begin(), out.end(),
            [](const DomainInfo& a, const DomainInfo& b) { return a.name < b.name; });
  return out;
}

}  // namespace twinbeat::fence_libvirt
