// tb-vip: drives net::VipManager by hand for the e2e tests: resolve, add
// (staying until the ARP/NA bursts are out), remove and status of VIPs, and
// the probe that comes before an add.
#include <charconv>
#include <chrono>
#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "twinbeat/net/vip.h"
#include "twinbeat/result.h"
#include "twinbeat/time.h"

using namespace twinbeat;
using net::Vip;
using net::VipManager;

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitBadArgs = 2;
constexpr int kExitAbsent = 3;
constexpr int kExitInUse = 4;

const char kUsage[] =
    "Usage: tb-vip COMMAND [--count N] [--interval-ms MS] [--lease-s S] [--wait-ms MS] SPEC...\n"
    "\n"
    "Test tool: VIPs through twinbeat's own net::VipManager. SPEC is the\n"
    "IPaddr2 argument, ip[/prefix[/interface[:label]][/broadcast]].\n"
    "\n"
    "  resolve SPEC...  prints 'SPEC interface=IF ifindex=N prefix=P' for each\n"
    "  add SPEC...      adds each, then stays until the announcement bursts are\n"
    "                   over (COUNT packets INTERVAL apart, default 5 x 200 ms)\n"
    "  remove SPEC...   removes each (an absent one is no error)\n"
    "  status SPEC      exit 0 if configured on its interface, 3 if not\n"
    "  renew SPEC...    extends the lease (--lease-s) of each; fails if absent\n"
    "  probe SPEC...    asks each VIP's link, side by side, whether another host\n"
    "                   uses the address (ARP probe, DAD), listening --wait-ms\n"
    "                   (default 20); prints 'SPEC free' or 'SPEC in use by MAC'\n"
    "                   ('probed for by MAC': another host probes for it too)\n"
    "With --lease-s S, add gives each address a lifetime of S seconds.\n"
    "\n"
    "Exit status: 0 done; 1 failure; 2 bad arguments; 3 absent (status); 4 in use\n"
    "(probe).\n";

struct Args {
  std::string command;
  net::AnnounceConfig announce;
  std::optional<Millis> lease;
  net::ProbeConfig probe;
  std::vector<std::string> specs;
};

Result<int> parse_int(std::string_view flag, std::string_view text) {
  int v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < 0)
    return Error{0, std::string(flag) + ": not a number: '" + std::string(text) + "'", {}};
  return v;
}

Result<Args> parse_args(int argc, char** argv) {
  Args a;
  a.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.substr(0, 2) != "--") {
      a.specs.emplace_back(arg);
      continue;
    }
    if (i + 1 >= argc) return Error{0, std::string(arg) + " needs a value", {}};
    auto n = parse_int(arg, argv[++i]);
    if (!n) return n.error();
    if (arg == "--count")
      a.announce.count = *n;
    else if (arg == "--interval-ms")
      a.announce.interval = Millis{*n};
    else if (arg == "--lease-s")
      a.lease = Millis{*n * 1000};
    else if (arg == "--wait-ms")
      a.probe.wait = Millis{*n};
    else
      return Error{0, "unknown option '" + std::string(arg) + "'", {}};
  }
  if (a.specs.empty()) return Error{0, a.command + " needs at least one SPEC", {}};
  return a;
}

int fail(const Error& e, int code = kExitFailure) {
  std::fprintf(stderr, "tb-vip: %s\n", e.to_string().c_str());
  return code;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// Parses and resolves every spec, in order.
Result<std::vector<Vip>> resolve_all(VipManager& m, const std::vector<std::string>& specs) {
  std::vector<Vip> out;
  for (const std::string& text : specs) {
    auto spec = net::parse_vip(text);
    if (!spec) return Error{0, text + ": " + spec.error().message, {}};
    auto vip = m.resolve(*spec);
    if (!vip) return vip.error();
    out.push_back(std::move(*vip));
  }
  return out;
}

// Runs the bursts to their end, as the daemon's loop would: sleep to the
// next deadline, send what is due. Bounded by the packets a burst holds and
// by its length plus 2 s.
void run_bursts(VipManager& m, const net::AnnounceConfig& c, size_t vips) {
  const MonotonicClock clock;
  const Instant limit = clock.now() + c.interval * c.count + Millis{2000};
  const size_t max_rounds = vips * static_cast<size_t>(c.count) + 16;
  for (size_t round = 0; round < max_rounds; ++round) {
    const auto due = m.next_deadline();
    if (!due || clock.now() > limit) break;
    std::this_thread::sleep_until(*due);
    m.on_timer(clock.now());
  }
}

std::string where(const Vip& v) {
  return v.spec.text + "/" + std::to_string(v.prefix) + " on " + v.interface;
}

int add(VipManager& m, const Args& a) {
  const MonotonicClock clock;
  const auto t0 = std::chrono::steady_clock::now();
  auto vips = resolve_all(m, a.specs);
  if (!vips) return fail(vips.error());
  const double resolve_ms = ms_since(t0);
  const auto t1 = std::chrono::steady_clock::now();
  for (const Vip& v : *vips)
    if (auto r = m.add(v, clock.now()); !r) return fail(r.error());
  const double add_ms = ms_since(t1);
  for (const Vip& v : *vips) std::printf("added %s\n", where(v).c_str());
  std::printf("add: %zu VIPs in %.3f ms (resolve %.3f ms before)\n", vips->size(), add_ms,
              resolve_ms);
  std::fflush(stdout);
  run_bursts(m, a.announce, vips->size());
  std::printf("announcements: %llu sent, %llu failed\n",
              static_cast<unsigned long long>(m.announcements_sent()),
              static_cast<unsigned long long>(m.announcement_errors()));
  return m.announcement_errors() == 0 ? 0 : kExitFailure;
}

int remove(VipManager& m, const Args& a) {
  auto vips = resolve_all(m, a.specs);
  if (!vips) return fail(vips.error());
  const auto t0 = std::chrono::steady_clock::now();
  for (const Vip& v : *vips)
    if (auto r = m.remove(v); !r) return fail(r.error());
  const double ms = ms_since(t0);
  for (const Vip& v : *vips) std::printf("removed %s\n", where(v).c_str());
  std::printf("remove: %zu VIPs in %.3f ms\n", vips->size(), ms);
  return 0;
}

int status(VipManager& m, const Args& a) {
  if (a.specs.size() != 1) return fail(Error{0, "status takes one SPEC", {}}, kExitBadArgs);
  auto vips = resolve_all(m, a.specs);
  if (!vips) return fail(vips.error());
  auto here = m.present(vips->front());
  if (!here) return fail(here.error());
  std::printf("%s %s\n", where(vips->front()).c_str(), *here ? "present" : "absent");
  return *here ? 0 : kExitAbsent;
}

int renew(VipManager& m, const Args& a) {
  auto vips = resolve_all(m, a.specs);
  if (!vips) return fail(vips.error());
  for (const Vip& v : *vips)
    if (auto r = m.renew(v); !r) return fail(r.error());
  for (const Vip& v : *vips) std::printf("renewed %s\n", where(v).c_str());
  return 0;
}

// Probes every VIP at once and waits, as the daemon's loop would, until
// every probe has ended (bounded by the wait plus 2 s).
int probe(VipManager& m, const Args& a) {
  auto vips = resolve_all(m, a.specs);
  if (!vips) return fail(vips.error());
  const MonotonicClock clock;
  m.set_probe(a.probe);
  std::vector<std::optional<net::ProbeVerdict>> verdicts(vips->size());
  for (size_t i = 0; i < vips->size(); ++i) {
    auto p = m.probe((*vips)[i], clock.now());
    if (!p) return fail(p.error());
    if (!*p) verdicts[i] = net::ProbeVerdict{};  // nothing to ask on that link
  }
  const Instant limit = clock.now() + a.probe.wait + Millis{2000};
  for (int round = 0; round < 1000 && clock.now() < limit; ++round) {
    bool waiting = false;
    for (size_t i = 0; i < vips->size(); ++i)
      if (!verdicts[i]) verdicts[i] = m.take_probe((*vips)[i], clock.now());
    for (const auto& v : verdicts) waiting = waiting || !v;
    if (!waiting) break;
    if (const auto due = m.next_deadline()) std::this_thread::sleep_until(*due);
    m.on_timer(clock.now());
  }
  int rc = 0;
  for (size_t i = 0; i < vips->size(); ++i) {
    const auto& v = verdicts[i];
    if (!v) return fail(Error{0, a.specs[i] + ": the probe did not end", {}});
    if (!v->answered) {
      std::printf("%s free\n", a.specs[i].c_str());
      continue;
    }
    std::printf("%s %s %s\n", a.specs[i].c_str(), v->probing ? "probed for by" : "in use by",
                v->mac.c_str());
    rc = kExitInUse;
  }
  return rc;
}

int resolve(VipManager& m, const Args& a) {
  auto vips = resolve_all(m, a.specs);
  if (!vips) return fail(vips.error());
  for (size_t i = 0; i < vips->size(); ++i) {
    const Vip& v = (*vips)[i];
    std::printf("%s interface=%s ifindex=%d prefix=%d\n", a.specs[i].c_str(), v.interface.c_str(),
                v.ifindex, v.prefix);
  }
  return 0;
}

int run(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return kExitBadArgs;
  }
  const std::string_view cmd = argv[1];
  if (cmd == "-h" || cmd == "--help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (cmd != "add" && cmd != "remove" && cmd != "status" && cmd != "resolve" && cmd != "renew" &&
      cmd != "probe") {
    std::fprintf(stderr, "tb-vip: unknown command '%s'\n%s", argv[1], kUsage);
    return kExitBadArgs;
  }
  auto args = parse_args(argc, argv);
  if (!args) return fail(args.error(), kExitBadArgs);
  auto m = VipManager::open(args->announce);
  if (!m) return fail(m.error());
  m->set_lease(args->lease);
  if (cmd == "add") return add(*m, *args);
  if (cmd == "renew") return renew(*m, *args);
  if (cmd == "probe") return probe(*m, *args);
  if (cmd == "remove") return remove(*m, *args);
  if (cmd == "status") return status(*m, *args);
  return resolve(*m, *args);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tb-vip: %s\n", e.what());
    return kExitFailure;
  }
}
