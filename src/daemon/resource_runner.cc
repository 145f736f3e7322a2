// ResourceRunner: built-in VIP operations, script operations, their logs.
#include "resource_runner.h"

#include <cinttypes>

#include "twinbeat/log.h"

namespace twinbeat::daemon {

namespace {

std::string joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

// Script output goes to the log, one line each, tagged with the resource.
void log_output(const std::string& tag, const std::string& output, Level level) {
  size_t start = 0;
  while (start < output.size()) {
    size_t end = output.find('\n', start);
    if (end == std::string::npos) end = output.size();
    if (end > start) log(level, "%s: %.*s", tag.c_str(), static_cast<int>(end - start), output.data() + start);
    start = end + 1;
  }
}

}  // namespace

ResourceRunner::ResourceRunner(resources::GroupAgents agents, RunnerConfig config,
                               ExecutorClient& executor, net::VipManager& vips,
                               HealthChecker& checker, const Clock& clock)
    : agents_(std::move(agents)),
      config_(std::move(config)),
      executor_(executor),
      vips_(vips),
      checker_(checker),
      clock_(clock) {
  for (const auto& g : agents_) {
    records_.emplace_back(g.size());
    counts_.emplace_back(g.size());
    added_.emplace_back(g.size());
  }
}

std::vector<size_t> ResourceRunner::renew_leases() {
  std::vector<size_t> lost;
  for (size_t g = 0; g < added_.size(); ++g)
    for (auto& vip : added_[g]) {
      if (!vip) continue;
      if (auto r = vips_.renew(*vip); !r) {
        log(Level::crit, "%s: %s", vip->spec.text.c_str(), r.error().message.c_str());
        vip.reset();
        if (lost.empty() || lost.back() != g) lost.push_back(g);
      }
    }
  return lost;
}

void ResourceRunner::reconfigure(resources::GroupAgents agents, RunnerConfig config,
                                 const std::vector<std::optional<size_t>>& carried) {
  std::vector<std::vector<OpRecord>> records;
  std::vector<std::vector<OpCounts>> counts;
  std::vector<std::vector<std::optional<net::Vip>>> added;
  for (size_t i = 0; i < agents.size(); ++i) {
    if (carried[i] && *carried[i] < records_.size()) {
      records.push_back(records_[*carried[i]]);
      counts.push_back(counts_[*carried[i]]);
      added.push_back(added_[*carried[i]]);
    } else {
      records.emplace_back(agents[i].size());
      counts.emplace_back(agents[i].size());
      added.emplace_back(agents[i].size());
    }
  }
  agents_ = std::move(agents);
  config_ = std::move(config);
  ++epoch_;
  records_ = std::move(records);
  counts_ = std::move(counts);
  added_ = std::move(added);
}

bool ResourceRunner::set_monitor_options(const resources::GroupAgents& agents) {
  bool changed = false;
  for (size_t g = 0; g < agents.size() && g < agents_.size(); ++g)
    for (size_t r = 0; r < agents[g].size() && r < agents_[g].size(); ++r)
      if (agents_[g][r].monitor.text != agents[g][r].monitor.text) {
        agents_[g][r].monitor = agents[g][r].monitor;
        changed = true;
      }
  return changed;
}

void ResourceRunner::reannounce(size_t group) {
  for (const auto& vip : added_.at(group)) {
    if (!vip) continue;
    if (auto r = vips_.announce(*vip, clock_.now()); !r)
      log(Level::warn, "%s: %s", vip->spec.text.c_str(), r.error().message.c_str());
    else
      log(Level::info, "%s: announced again (the peer held it too)", vip->spec.text.c_str());
  }
}

std::deque<core::OpDone> ResourceRunner::take_done() { return std::exchange(done_, {}); }

void ResourceRunner::run(const core::RunOp& op) {
  OpRecord& rec = records_.at(op.group).at(op.resource);
  rec = OpRecord{op.op, false, false, "running", clock_.now(), Millis{0}};
  const resources::Agent& a = agents_[op.group][op.resource];
  if (a.kind == resources::AgentKind::vip) return run_vip(op, a);
  if (op.op == core::Op::monitor && a.monitor.check) return run_check(op, a);
  run_script(op, a);
}

void ResourceRunner::finish(const core::RunOp& op, bool ok, bool running, std::string result) {
  OpRecord& rec = records_[op.group][op.resource];
  // A monitor that found the resource stopped has failed, though it ran.
  const bool good = op.op == core::Op::monitor ? ok && running : ok;
  rec.done = true;
  rec.ok = good;
  rec.result = std::move(result);
  rec.duration = clock_.now() - rec.started;
  const size_t kind = static_cast<size_t>(op.op);
  ++(good ? counts_[op.group][op.resource].ok : counts_[op.group][op.resource].failed)[kind];
  done_.push_back(core::OpDone{op.group, op.resource, op.op, ok, running});
}

void ResourceRunner::run_vip(const core::RunOp& op, const resources::Agent& a) {
  auto vip = vips_.resolve(*a.vip);
  if (!vip) {
    // No interface or route for it: the address cannot be configured, so it
    // is stopped; starting it is what fails.
    if (op.op == core::Op::start) {
      log(Level::error, "%s: %s", a.text.c_str(), vip.error().message.c_str());
      return finish(op, false, false, vip.error().message);
    }
    added_[op.group][op.resource].reset();
    return finish(op, true, false, "stopped");
  }
  switch (op.op) {
    case core::Op::start: return start_vip(op, *vip);  // probe, then add: vip_start.cc
    case core::Op::stop: {
      auto r = vips_.remove(*vip);
      if (r) added_[op.group][op.resource].reset();
      if (!r) log(Level::error, "%s: %s", a.text.c_str(), r.error().message.c_str());
      else log(Level::info, "%s: removed %s/%d from %s", a.name.c_str(), vip->spec.text.c_str(),
               vip->prefix, vip->interface.c_str());
      return finish(op, r.ok(), !r.ok(), r ? "ok" : r.error().message);
    }
    case core::Op::monitor:
    case core::Op::status: {
      auto r = vips_.present(*vip);
      if (!r) return finish(op, false, false, r.error().message);
      // Found here (a restart after a crash): its lease is renewed from now on.
      if (*r) added_[op.group][op.resource] = *vip;
      return finish(op, true, *r, *r ? "running" : "stopped");
    }
  }
}

void ResourceRunner::run_script(const core::RunOp& op, const resources::Agent& a) {
  std::vector<std::string> argv = resources::script_argv(a, op.op);
  const bool check = op.op == core::Op::status || op.op == core::Op::monitor;
  const Millis timeout = op.op == core::Op::start  ? config_.start_timeout
                         : op.op == core::Op::stop ? config_.stop_timeout
                         : op.op == core::Op::status ? config_.status_timeout
                                                     : a.monitor.timeout.value_or(config_.monitor_timeout);
  // Heartbeat's phrase; status probes and monitors are routine and logged at debug.
  log(check ? Level::debug : Level::info, "Running %s", joined(argv).c_str());
  const resources::AgentKind kind = a.kind;
  const std::string path = a.path;
  const std::string tag = a.name;
  executor_.run(std::move(argv), config_.env, timeout.count(),
                [this, op, kind, path, tag, check, epoch = epoch_](const RunResult& r) {
                  if (epoch != epoch_) return;
                  if (check) {
                    log_output(tag, r.output, Level::debug);
                    if (r.how != RunResult::How::exited)
                      return finish(op, false, false, r.describe());
                    const resources::Status s = resources::interpret_status(kind, r.code, r.output);
                    if (s == resources::Status::error)
                      log(Level::warn, "%s status: %s", path.c_str(), r.describe().c_str());
                    return finish(op, s != resources::Status::error,
                                  s == resources::Status::running, resources::to_string(s));
                  }
                  log_output(tag, r.output, r.ok() ? Level::info : Level::warn);
                  if (r.how == RunResult::How::exited && r.code != 0)
                    log(Level::error, "Return code %d from %s %s", r.code, path.c_str(),
                        core::to_string(op.op));
                  else if (!r.ok())
                    log(Level::error, "%s %s: %s", path.c_str(), core::to_string(op.op),
                        r.describe().c_str());
                  finish(op, r.ok(), op.op == core::Op::start && r.ok(), r.describe());
                });
}

// A built-in check (haresources `check=`) in place of the status script.
void ResourceRunner::run_check(const core::RunOp& op, const resources::Agent& a) {
  const Millis timeout = a.monitor.timeout.value_or(config_.monitor_timeout);
  checker_.run(*a.monitor.check, timeout,
               [this, op, epoch = epoch_, what = a.monitor.check->text](bool ok, const std::string& why) {
                 if (epoch != epoch_) return;
                 if (!ok) log(Level::warn, "%s: %s", what.c_str(), why.c_str());
                 finish(op, true, ok, ok ? "running" : why);
               });
}

}  // namespace twinbeat::daemon
