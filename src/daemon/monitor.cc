// Monitoring of held resources: when each check is due, running it, and
// handing its result to the ownership machine, which restarts or gives up.
// A resource is checked every interval while its group is held, complete
// and idle here; the next check is counted from the end of the last one, so
// a slow check never piles up behind itself.
#include <cinttypes>

#include "daemon.h"
#include "twinbeat/log.h"

namespace twinbeat::daemon {

RunnerConfig Daemon::runner_config(const config::HaCf& cf) const {
  RunnerConfig rc;
  rc.start_timeout = cf.resource_start_timeout;
  rc.stop_timeout = cf.resource_stop_timeout;
  rc.status_timeout = cf.resource_status_timeout;
  rc.monitor_timeout = cf.resource_monitor_timeout.value_or(cf.resource_status_timeout);
  rc.env = script_env();
  return rc;
}

core::OwnershipConfig Daemon::ownership_config(const config::HaCf& cf,
                                               const config::HaResources& res) const {
  core::OwnershipConfig oc;
  oc.auto_failback = cf.auto_failback != config::AutoFailback::off;
  oc.restarts = cf.resource_restarts;
  oc.restart_window = cf.resource_restart_window;
  for (const auto& spec : res.groups)
    oc.groups.push_back({spec.name, spec.preferred_node == config_.node, spec.resources.size()});
  return oc;
}

// The resource's own `monitor=` first, then ha.cf's resource_monitor; a
// `check=` alone turns monitoring on at the default interval.
std::optional<Millis> Daemon::monitor_interval(size_t g, size_t r) const {
  const config::MonitorOptions& m = runner_->agents()[g][r].monitor;
  std::optional<Millis> every = m.interval ? m.interval : config_.ha_cf.resource_monitor;
  if (!every && m.check) every = kDefaultMonitorInterval;
  if (every && every->count() == 0) return std::nullopt;
  return every;
}

void Daemon::schedule_monitors() {
  const auto& agents = runner_->agents();
  if (monitors_.size() != agents.size()) {
    monitors_.assign(agents.size(), {});
    for (size_t g = 0; g < agents.size(); ++g) monitors_[g].resize(agents[g].size());
  }
  const Instant now = clock_.now();
  std::optional<Instant> next;
  for (size_t g = 0; g < monitors_.size(); ++g) {
    const bool on = ownership_->monitorable(g);
    for (size_t r = 0; r < monitors_[g].size(); ++r) {
      MonitorSlot& slot = monitors_[g][r];
      const std::optional<Millis> every = on ? monitor_interval(g, r) : std::nullopt;
      if (!every) {
        slot.due.reset();
        continue;
      }
      if (!slot.due && !slot.in_flight) slot.due = now + *every;
      if (slot.due && (!next || *slot.due < *next)) next = slot.due;
    }
  }
  if (next)
    monitor_timer_->arm_at(*next);
  else
    monitor_timer_->disarm();
}

void Daemon::on_monitor_timer() {
  const Instant now = clock_.now();
  for (size_t g = 0; g < monitors_.size(); ++g)
    for (size_t r = 0; r < monitors_[g].size(); ++r) {
      MonitorSlot& slot = monitors_[g][r];
      if (!slot.due || *slot.due > now || slot.in_flight || !ownership_->monitorable(g)) continue;
      slot.due.reset();
      slot.in_flight = true;
      runner_->run(core::RunOp{g, r, core::Op::monitor});
    }
  settle();  // built-in VIP checks have finished already
}

void Daemon::on_monitor_done(const core::OpDone& d) {
  if (d.group < monitors_.size() && d.resource < monitors_[d.group].size())
    monitors_[d.group][d.resource].in_flight = false;
  if (d.ok && d.running) return;
  dispatch(ownership_->on_monitor(d, clock_.now()));
}

}  // namespace twinbeat::daemon
