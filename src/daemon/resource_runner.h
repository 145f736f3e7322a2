// ResourceRunner: performs the operations the ownership machine asks for.
// Built-in VIPs run in-process through netlink; scripts run in the executor
// with a deadline. Either way the result is queued, and the daemon feeds it
// back to the machine (take_done), so no operation ever blocks the loop or
// re-enters the machine.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "executor_client.h"
#include "twinbeat/core/ownership.h"
#include "twinbeat/net/vip.h"
#include "twinbeat/resources/agents.h"
#include "twinbeat/time.h"

namespace twinbeat::daemon {

struct RunnerConfig {
  Millis start_timeout{60000};
  Millis stop_timeout{60000};
  Millis status_timeout{10000};
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
  uint64_t ok[3] = {0, 0, 0};      // by core::Op: start, stop, status
  uint64_t failed[3] = {0, 0, 0};
};

class ResourceRunner {
 public:
  ResourceRunner(resources::GroupAgents agents, RunnerConfig config, ExecutorClient& executor,
                 net::VipManager& vips, const Clock& clock);

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

  // Announces again every VIP of `group` that this node has added.
  void reannounce(size_t group);

  const resources::GroupAgents& agents() const { return agents_; }
  const OpRecord& record(size_t group, size_t resource) const { return records_[group][resource]; }
  const OpCounts& counts(size_t group, size_t resource) const { return counts_[group][resource]; }

 private:
  void run_vip(const core::RunOp& op, const resources::Agent& a);
  void run_script(const core::RunOp& op, const resources::Agent& a);
  void finish(const core::RunOp& op, bool ok, bool running, std::string result);

  resources::GroupAgents agents_;
  RunnerConfig config_;
  ExecutorClient& executor_;
  net::VipManager& vips_;
  const Clock& clock_;
  std::vector<std::vector<OpRecord>> records_;
  std::vector<std::vector<OpCounts>> counts_;
  std::vector<std::vector<std::optional<net::Vip>>> added_;  // VIPs added here
  std::deque<core::OpDone> done_;
};

}  // namespace twinbeat::daemon
