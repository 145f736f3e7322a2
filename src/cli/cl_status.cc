// cl_status: Heartbeat's status tool, answered from the daemon's clstatus view.
#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include "commands.h"
#include "control_client.h"

namespace twinbeat::cli {

namespace {

constexpr int kClOk = 0;
constexpr int kClFailure = 1;
constexpr int kClBadParams = 11;
constexpr int kClTimeout = 12;

const char kClUsage[] =
    "Usage: cl_status SUBCOMMAND [args]\n"
    "  hbstatus                 is the daemon running here?\n"
    "  listnodes [-n|-p]        every node (-n: cluster nodes only, -p: ping nodes only)\n"
    "  nodestatus NODE          active, dead or init (a ping node: ping, dead or init)\n"
    "  nodetype NODE            normal or ping\n"
    "  rscstatus [-m]           none, local, foreign, all or transition\n"
    "  listhblinks NODE         the heartbeat links to NODE\n"
    "  hblinkstatus NODE LINK   up or dead\n"
    "  hbparameter -p NAME      keepalive, deadtime, warntime, initdead, deadping, auto_failback\n";

using Row = std::vector<std::string>;

std::vector<Row> rows(const std::string& text) {
  std::vector<Row> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    Row r;
    size_t a = start;
    while (a <= end) {
      size_t b = text.find('\t', a);
      if (b == std::string::npos || b > end) b = end;
      r.push_back(text.substr(a, b - a));
      a = b + 1;
    }
    if (!r.empty() && !r[0].empty()) out.push_back(r);
    start = end + 1;
  }
  return out;
}

int answer(const std::vector<Row>& view, const std::vector<std::string>& a) {
  const std::string& cmd = a[0];
  auto find = [&view](const std::string& kind, size_t n, const std::string& key) -> const Row* {
    for (const Row& r : view)
      if (r[0] == kind && r.size() > n && r[1] == key) return &r;
    return nullptr;
  };
  if (cmd == "listnodes") {
    const bool normal = a.size() < 2 || a[1] != "-p", ping = a.size() < 2 || a[1] != "-n";
    for (const Row& r : view)
      if ((r[0] == "node" && normal) || (r[0] == "ping" && ping)) std::printf("%s\n", r[1].c_str());
    return kClOk;
  }
  if (cmd == "nodetype" && a.size() == 2) {
    const bool is_ping = find("ping", 2, a[1]) != nullptr;
    if (!is_ping && !find("node", 2, a[1]))
      return std::fprintf(stderr, "cl_status: %s is not a node\n", a[1].c_str()), kClFailure;
    std::printf("%s\n", is_ping ? "ping" : "normal");
    return kClOk;
  }
  if (cmd == "nodestatus" && a.size() == 2) {
    const Row* r = find("node", 2, a[1]);
    if (!r) r = find("ping", 2, a[1]);
    if (!r) return std::fprintf(stderr, "cl_status: %s is not a node\n", a[1].c_str()), kClFailure;
    std::printf("%s\n", (*r)[2].c_str());
    return (*r)[2] == "active" || (*r)[2] == "up" || (*r)[2] == "ping" ? kClOk : kClFailure;
  }
  if (cmd == "rscstatus") {
    const Row* r = nullptr;
    for (const Row& x : view)
      if (x[0] == "rsc" && x.size() > 1) r = &x;
    if (!r) return kClFailure;
    if (a.size() > 1 && a[1] == "-m")
      std::printf("This node is holding %s resources.\n", (*r)[1].c_str());
    else
      std::printf("%s\n", (*r)[1].c_str());
    return kClOk;
  }
  if (cmd == "listhblinks" && a.size() == 2) {
    for (const Row& r : view)
      if (r[0] == "link" && r.size() > 3 && r[1] == a[1]) std::printf("%s\n", r[2].c_str());
    return kClOk;
  }
  if (cmd == "hblinkstatus" && a.size() == 3) {
    for (const Row& r : view)
      if (r[0] == "link" && r.size() > 3 && r[1] == a[1] && r[2] == a[2]) {
        std::printf("%s\n", r[3].c_str());
        return r[3] == "up" ? kClOk : kClFailure;
      }
    return std::fprintf(stderr, "cl_status: no link %s to %s\n", a[2].c_str(), a[1].c_str()), kClFailure;
  }
  if (cmd == "hbparameter" && a.size() == 3 && a[1] == "-p") {
    const Row* r = find("param", 2, a[2]);
    if (!r) return std::fprintf(stderr, "cl_status: unknown parameter %s\n", a[2].c_str()), kClFailure;
    std::printf("%s\n", (*r)[2].c_str());
    return kClOk;
  }
  std::fputs(kClUsage, stderr);
  return kClBadParams;
}

}  // namespace

int cl_status(const std::string& socket, const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "-h" || args[0] == "--help") {
    std::fputs(kClUsage, args.empty() ? stderr : stdout);
    return args.empty() ? kClBadParams : kClOk;
  }
  auto reply = control_request(socket, "clstatus", Millis{5000});  // cl_status's own 5 s
  if (args[0] == "hbstatus") {
    std::printf(reply ? "Heartbeat is running on this machine.\n"
                      : "Heartbeat is stopped on this machine.\n");
    return reply ? kClOk : kClFailure;
  }
  if (!reply) {
    std::fprintf(stderr, "cl_status: %s\n", reply.error().message.c_str());
    return reply.error().code == ETIMEDOUT ? kClTimeout : kClFailure;
  }
  return answer(rows(*reply), args);
}

}  // namespace twinbeat::cli
