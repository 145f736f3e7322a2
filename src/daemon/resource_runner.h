// ResourceRunner: performs the operations the ownership machine asks for.
// Built-in VIPs run in-process through netlink; scripts run in the executor
// with a deadline. Either way the result is queued, and the daemon feeds it
// back to the machine (take_done), so no operation ever blocks the loop or
// re-enters the machine.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "executor_client.h"
#include "health_check.h"
#include "twinbeat/core/ownership.h"
#include "twinbeat/net/vip.h"
#include "twinbeat/resources/agents.h"
#include "twinbeat/time.h"

namespace twinbeat::daemon {

// Monitoring interval of a resource with a `check=` and no interval set.
inline constexpr Millis kDefaultMonitorInterval{5000};

struct RunnerConfig {
  Millis start_timeout{60000};
  Millis stop_timeout{60000};
  Millis status_timeout{10000};
  Millis monitor_timeout{10000};  // unless the resource sets its own
  std::vector<std::string> env;  // for scripts: PATH, HA_DIR, HA_CURHOST...
};

// The last operation of one resource, for status.
struct OpRecord {
  core::Op op = core::Op::status;
  bool done = false;
  bool ok = false;
  std::string result;  // "ok", "running", "stopped", "exit 1", "timed out after 60000 ms"...
  Instant started{};
  Millis duration{0};
};

// How many operations of each kind a resource has run, for the metrics.
struct OpCounts {
  uint64_t ok[4] = {0, 0, 0, 0};  // by core::Op: start, stop, status, monitor
  uint64_t failed[4] = {0, 0, 0, 0};
};

class ResourceRunner {
 public:
  ResourceRunner(resources::GroupAgents agents, RunnerConfig config, ExecutorClient& executor,
                 net::VipManager& vips, HealthChecker& checker, const Clock& clock);

  // Starts `op`. Its OpDone appears in take_done() once it has finished.
  void run(const core::RunOp& op);

  // Results finished since the last call, in completion order.
  std::deque<core::OpDone> take_done();

  // Extends the lease of every VIP this node has added and not removed. A VIP
  // whose lease ran out stays gone (the peer may hold it by now); it is
  // logged and forgotten.
  // Returns the groups that lost a VIP that way.
  std::vector<size_t> renew_leases();
  // Reload: new agents and deadlines; carried[i] names the current group
  // that new group i continues (its records and VIPs carry over). Only when
  // no operation is in flight.
  void reconfigure(resources::GroupAgents agents, RunnerConfig config,
                   const std::vector<std::optional<size_t>>& carried);

  // Reload: deadlines and script environment for operations started from now on.
  void set_config(RunnerConfig config) { config_ = std::move(config); }
  // Reload of the same groups: each resource's monitoring options from
  // `agents` (same shape). True if any changed.
  bool set_monitor_options(const resources::GroupAgents& agents);

  // Announces again every VIP of `group` that this node has added.
  void reannounce(size_t group);

  // A VIP start first probes the link for the address (vip_start.cc) and
  // finishes once the probe has ended: call this when vips.next_deadline()
  // is reached (it also sends the announcements due).
  void on_vip_timer(Instant now);
  // Asked when a probe finds a VIP of `group` in use: true lets the start
  // add it all the same (the silent peer's stale copy, where no fence and
  // no lease stand for the peer's death). Unset: a VIP in use is never added.
  void set_vip_in_use_tolerated(std::function<bool(size_t group)> f) {
    vip_in_use_tolerated_ = std::move(f);
  }
  // Asked before a VIP start probes: true skips the probe (the peer has just
  // handed the group over). Unset: every start probes (when vip_probe is on).
  void set_vip_probe_skipped(std::function<bool(size_t group)> f) {
    vip_probe_skipped_ = std::move(f);
  }
  // The last probe of a VIP that found its address in use, until a probe
  // finds it free; by the address as written in haresources.
  struct VipConflict {
    std::string mac;       // of the host that answered
    bool probing = false;  // it was only probing for the address too
    bool added = false;    // added all the same (tolerated)
    Instant at{};
  };
  const VipConflict* vip_conflict(const std::string& address) const;
  uint64_t vip_probes() const { return vip_probes_; }        // probes that ended
  uint64_t vip_conflicts() const { return vip_conflicts_; }  // of which answered

  const resources::GroupAgents& agents() const { return agents_; }
  const OpRecord& record(size_t group, size_t resource) const { return records_[group][resource]; }
  const OpCounts& counts(size_t group, size_t resource) const { return counts_[group][resource]; }

 private:
  void run_vip(const core::RunOp& op, const resources::Agent& a);
  void run_script(const core::RunOp& op, const resources::Agent& a);
  void run_check(const core::RunOp& op, const resources::Agent& a);
  void start_vip(const core::RunOp& op, const net::Vip& vip);
  void add_vip(const core::RunOp& op, const net::Vip& vip);
  void probed(const core::RunOp& op, const net::Vip& vip, const net::ProbeVerdict& v);
  void prefetch_probes(const core::RunOp& op);
  void finish(const core::RunOp& op, bool ok, bool running, std::string result);

  resources::GroupAgents agents_;
  RunnerConfig config_;
  ExecutorClient& executor_;
  net::VipManager& vips_;
  HealthChecker& checker_;
  const Clock& clock_;
  // Bumped by reconfigure: a result of an older epoch (a monitor still in
  // flight then) speaks of groups by their old numbers and is dropped.
  uint64_t epoch_ = 0;
  std::vector<std::vector<OpRecord>> records_;
  std::vector<std::vector<OpCounts>> counts_;
  std::vector<std::vector<std::optional<net::Vip>>> added_;  // VIPs added here
  std::deque<core::OpDone> done_;
  struct PendingStart {  // a VIP start waiting for its probe
    core::RunOp op;
    net::Vip vip;
    uint64_t epoch = 0;
  };
  std::vector<PendingStart> pending_starts_;
  std::function<bool(size_t)> vip_in_use_tolerated_;
  std::function<bool(size_t)> vip_probe_skipped_;
  std::map<std::string, VipConflict> vip_conflicts_by_address_;
  uint64_t vip_probes_ = 0;
  uint64_t vip_conflicts_ = 0;
};

}  // namespace twinbeat::daemon
