// One libvirt connection and the fence actions on a domain by name. The only
// file of the agent that speaks libvirt.
#pragma once

#include <libvirt/libvirt.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "twinbeat/result.h"

namespace twinbeat::fence_libvirt {

enum class Power { on, off };

struct DomainInfo {
  std::string name;
  std::string uuid;
  Power power = Power::off;
};

using Deadline = std::chrono::steady_clock::time_point;

// Every failure is an Error whose message names the domain or URI and ends
// with libvirt's own text; libvirt itself prints nothing (see
// collect_libvirt_errors). A domain that does not exist is an error for every
// action, status included: "domain 'x' does not exist".
class Hypervisor {
 public:
  // Connects to `uri` (read-write). Fails when libvirtd does not answer.
  static Result<Hypervisor> open(const std::string& uri);

  // off is SHUTOFF; every other state (running, paused, crashed, being shut
  // down) is on: its processes may still run.
  Result<Power> power(const std::string& name);

  // Destroys the domain and returns once libvirt reports it shut off, or
  // fails at `deadline`. A domain already off is success.
  Result<void> off(const std::string& name, Deadline deadline);

  // Starts a defined (persistent) domain and returns once it runs, or fails
  // at `deadline`. A domain already on is success.
  Result<void> on(const std::string& name, Deadline deadline);

  // Every domain, running or defined, sorted by name.
  Result<std::vector<DomainInfo>> list();

 private:
  struct CloseConnect {
    void operator()(virConnectPtr c) const { virConnectClose(c); }
  };
  using Connect = std::unique_ptr<virConnect, CloseConnect>;

  explicit Hypervisor(Connect conn, std::string uri)
      : conn_(std::move(conn)), uri_(std::move(uri)) {}

  Connect conn_;
  std::string uri_;
};

// Routes libvirt's errors to a collector instead of stderr, so each failure is
// printed once, by the agent, with context. Call once before any libvirt call.
void collect_libvirt_errors();

}  // namespace twinbeat::fence_libvirt
