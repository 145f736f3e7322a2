// FenceRunner: fence agents over the standard stdin API, in device order.
#include "fence_runner.h"

#include <cinttypes>
#include <sstream>

#include "twinbeat/log.h"

namespace twinbeat::daemon {

namespace {

// Fence agents' status exit codes.
constexpr int kStatusOn = 0;
constexpr int kStatusOff = 2;

// True if `output` has `word` as a whole whitespace- or comma-separated token.
bool lists(const std::string& output, const std::string& word) {
  std::string token;
  for (size_t i = 0; i <= output.size(); ++i) {
    const char c = i < output.size() ? output[i] : '\n';
    if (c == ' ' || c == '\t' || c == '\n' || c == ',' || c == '\r') {
      if (token == word) return true;
      token.clear();
    } else {
      token += c;
    }
  }
  return false;
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace

std::string agent_stdin(const config::FenceDevice& d, const std::string& action) {
  std::string in = "action=" + action + "\nport=" + d.port + "\n";
  for (const auto& [k, v] : d.params) in += k + "=" + v + "\n";
  if (d.delay > Millis{0}) in += "delay=" + std::to_string(d.delay.count() / 1000) + "\n";
  return in;
}

FenceRunner::FenceRunner(std::vector<config::FenceDevice> devices, ExecutorClient& executor,
                         const Clock& clock)
    : devices_(std::move(devices)), executor_(executor), clock_(clock), health_(devices_.size()) {}

void FenceRunner::run_agent(const config::FenceDevice& d, const std::string& action,
                            ExecutorClient::OnResult on_result) {
  // The agent's own timeout and delay, plus room to report.
  const Millis deadline = d.timeout + d.delay + Millis{5000};
  executor_.run({d.agent}, {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
                deadline.count(), std::move(on_result), agent_stdin(d, action));
}

void FenceRunner::shoot(std::function<void(bool ok)> done) {
  if (devices_.empty()) return done(false);
  shooting_ = true;
  last_ = ShotRecord{false, false, "", "", clock_.now(), Millis{0}};
  try_device(0, [this, done = std::move(done)](bool ok) {
    shooting_ = false;
    last_.done = true;
    last_.ok = ok;
    last_.duration = clock_.now() - last_.started;
    done(ok);
  });
}

void FenceRunner::try_device(size_t i, std::function<void(bool)> done) {
  if (i >= devices_.size()) return done(false);
  const config::FenceDevice& d = devices_[i];
  last_.device = d.type;
  log(Level::info, "Resetting node %s with [%s port=%s action=%s]", d.target.c_str(),
      d.type.c_str(), d.port.c_str(), d.action.c_str());
  run_agent(d, d.action, [this, i, done = std::move(done)](const RunResult& r) mutable {
    const config::FenceDevice& d = devices_[i];
    if (!r.ok()) {
      last_.detail = d.type + ": " + r.describe() + (r.output.empty() ? "" : ": " + first_line(r.output));
      log(Level::error, "Host %s not reset! (%s)", d.target.c_str(), last_.detail.c_str());
      return try_device(i + 1, std::move(done));
    }
    if (d.action != "off") return done(true);  // a reboot cannot be read back as off
    verify_off(i, std::move(done));
  });
}

void FenceRunner::verify_off(size_t i, std::function<void(bool)> done) {
  run_agent(devices_[i], "status", [this, i, done = std::move(done)](const RunResult& r) mutable {
    const config::FenceDevice& d = devices_[i];
    if (r.how == RunResult::How::exited && r.code == kStatusOn) {
      last_.detail = d.type + " reports " + d.port + " still on after off";
      log(Level::error, "Host %s not reset! (%s)", d.target.c_str(), last_.detail.c_str());
      return try_device(i + 1, std::move(done));
    }
    // Off (2), or an agent that cannot tell (its off succeeded): done.
    last_.detail = r.how == RunResult::How::exited && r.code == kStatusOff
                       ? d.type + ": off, status confirms"
                       : d.type + ": off (status not available: " + r.describe() + ")";
    log(Level::info, "node %s now reset. (%s)", d.target.c_str(), last_.detail.c_str());
    done(true);
  });
}

void FenceRunner::check_devices() {
  for (size_t i = 0; i < devices_.size(); ++i) {
    run_agent(devices_[i], "monitor", [this, i](const RunResult& r) {
      const config::FenceDevice& d = devices_[i];
      DeviceHealth& h = health_[i];
      h.checked = true;
      h.when = clock_.now();
      if (!r.ok()) {
        h.ok = false;
        h.detail = "monitor: " + r.describe() + (r.output.empty() ? "" : ": " + first_line(r.output));
        log(Level::error, "STONITH device %s not operational! (%s)", d.type.c_str(), h.detail.c_str());
        return;
      }
      run_agent(d, "list", [this, i](const RunResult& l) {
        const config::FenceDevice& d = devices_[i];
        DeviceHealth& h = health_[i];
        h.ok = l.ok() && lists(l.output, d.port);
        h.detail = !l.ok() ? "list: " + l.describe()
                   : h.ok  ? "ok"
                           : "does not list '" + d.port + "': a shot would not reach " + d.target;
        if (!h.ok)
          log(Level::error, "STONITH device %s for %s: %s", d.type.c_str(), d.target.c_str(),
              h.detail.c_str());
        else
          log(Level::debug, "STONITH device %s for %s: ok", d.type.c_str(), d.target.c_str());
      });
    });
  }
}

}  // namespace twinbeat::daemon
