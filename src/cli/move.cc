// standby and takeover: ask the daemon, then watch the groups move.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>

#include "commands.h"
#include "control_client.h"
#include "twinbeat/config/tokens.h"
#include "twinbeat/time.h"

namespace twinbeat::cli {

namespace {

struct GroupLine {
  std::string here, peer;
  bool peer_offered = false, wanted = false;
};

// The daemon's "groups" view, by name.
std::map<std::string, GroupLine> read_groups(const std::string& text) {
  std::map<std::string, GroupLine> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::vector<std::string> f;
    size_t a = start;
    while (a <= end) {
      size_t b = text.find('\t', a);
      if (b == std::string::npos || b > end) b = end;
      f.push_back(text.substr(a, b - a));
      a = b + 1;
    }
    if (f.size() == 5) out[f[0]] = GroupLine{f[1], f[2], f[3] == "1", f[4] == "1"};
    start = end + 1;
  }
  return out;
}

enum class Outcome { pending, moved, failed };

Outcome outcome(const std::string& verb, const GroupLine& g, std::string& why) {
  if (verb == "standby") {
    if (g.here == "none" && g.peer == "held") return Outcome::moved;
    if (g.here == "failed") return why = "it failed to stop here", Outcome::failed;
    if (g.here == "none" && g.peer == "none" && g.peer_offered)
      return why = "the peer could not start it", Outcome::failed;
    return Outcome::pending;
  }
  if (g.here == "held") return Outcome::moved;
  if (g.here == "none" && !g.wanted && g.peer == "none")
    return why = "it could not be started here", Outcome::failed;
  if (g.peer == "failed") return why = "it failed to stop on the peer", Outcome::failed;
  return Outcome::pending;
}

}  // namespace

int move_command(const std::string& socket, const std::string& verb,
                 const std::vector<std::string>& args) {
  std::string which = "all";
  long timeout_s = 120;
  bool force = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--timeout" && i + 1 < args.size()) {
      auto t = config::parse_int(args[++i], 1, 86400);
      if (!t) return std::fprintf(stderr, "twinbeat: --timeout takes seconds\n"), kExitBadArgs;
      timeout_s = *t;
    } else if (args[i] == "--force" && verb == "takeover") {
      force = true;
    } else if (args[i] == "all" || args[i] == "local" || args[i] == "foreign" ||
               args[i] == "failback") {
      which = args[i];
    } else {
      std::fprintf(stderr, "twinbeat: usage: twinbeat %s [all|local|foreign|failback] [--timeout S]%s\n",
                   verb.c_str(), verb == "takeover" ? " [--force]" : "");
      return kExitBadArgs;
    }
  }
  const Millis answer{5000};
  auto reply = control_request(socket, force ? "takeover force" : verb + " " + which, answer);
  if (!reply) return unreachable(reply.error().message, reply.error().code);
  if (reply->rfind("error:", 0) == 0 || force) {
    std::fputs(reply->c_str(), reply->rfind("error:", 0) == 0 ? stderr : stdout);
    return reply->rfind("error:", 0) == 0 ? kExitFailed : 0;
  }
  std::vector<std::string> moving;
  for (const auto& line : config::split_words(reply->substr(3))) moving.push_back(line);
  if (moving.empty()) {
    std::printf("%s [%s]: nothing to move\n", verb.c_str(), which.c_str());
    return 0;
  }
  const MonotonicClock clock;
  const Instant start = clock.now(), deadline = start + std::chrono::seconds(timeout_s);
  std::map<std::string, bool> done;
  int failures = 0;
  // Bounded by the timeout: polls every 20 ms.
  while (done.size() < moving.size()) {
    auto view = control_request(socket, "groups", answer);
    if (!view) return std::fprintf(stderr, "twinbeat: %s\n", view.error().message.c_str()), kExitFailed;
    const auto groups = read_groups(*view);
    for (const auto& name : moving) {
      if (done.count(name)) continue;
      auto it = groups.find(name);
      std::string why;
      const Outcome o = it == groups.end() ? Outcome::failed : outcome(verb, it->second, why);
      if (o == Outcome::pending) continue;
      done[name] = o == Outcome::moved;
      const long ms = static_cast<long>((clock.now() - start).count());
      if (o == Outcome::moved)
        std::printf("%s: moved %s in %ld ms\n", name.c_str(), verb == "standby" ? "to the peer" : "here", ms);
      else
        std::printf("%s: NOT moved after %ld ms: %s\n", name.c_str(), ms, why.c_str()), ++failures;
    }
    if (done.size() == moving.size()) break;
    if (clock.now() >= deadline) {
      for (const auto& name : moving)
        if (!done.count(name)) std::printf("%s: NOT moved: timed out after %ld s\n", name.c_str(), timeout_s), ++failures;
      break;
    }
    ::usleep(20'000);
  }
  return failures ? kExitFailed : 0;
}

}  // namespace twinbeat::cli
