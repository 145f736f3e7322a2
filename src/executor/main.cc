// twinbeat-executor: the root helper of twinbeatd (see executor_protocol.h).
// Serves requests one at a time from fd 3 until the daemon closes it.
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "twinbeat/daemon/executor_protocol.h"
#include "twinbeat/durable_file.h"

using namespace twinbeat;

namespace {

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 100 || name[0] == '.') return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_'))
      return false;
  return true;
}

std::string handle(std::string_view request, const std::string& state_dir) {
  const size_t id_end = request.find(' ');
  const std::string id(request.substr(0, id_end));
  if (id_end == std::string_view::npos) return id + " error malformed request";
  std::string_view rest = request.substr(id_end + 1);
  const size_t verb_end = rest.find(' ');
  const std::string_view verb = rest.substr(0, verb_end);
  rest = verb_end == std::string_view::npos ? std::string_view() : rest.substr(verb_end + 1);
  if (verb == "persist") {
    const size_t name_end = rest.find(' ');
    const std::string_view name = rest.substr(0, name_end);
    if (name_end == std::string_view::npos || !valid_name(name))
      return id + " error persist: bad name";
    auto r = write_file_durably(state_dir, std::string(name), std::string(rest.substr(name_end + 1)));
    return r ? id + " ok" : id + " error " + r.error().message;
  }
  return id + " error unknown request '" + std::string(verb) + "'";
}

}  // namespace

int main(int argc, char** argv) {
  std::string state_dir;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::string_view(argv[i]) == "--state-dir") state_dir = argv[i + 1];
  if (state_dir.empty()) {
    std::fprintf(stderr, "twinbeat-executor: started by twinbeatd only (--state-dir DIR)\n");
    return 2;
  }
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  ::signal(SIGPIPE, SIG_IGN);
  if (::getppid() == 1) return 0;  // the daemon is already gone
  char buf[daemon::kExecutorMaxMessage];
  for (;;) {
    const ssize_t n = ::recv(daemon::kExecutorFd, buf, sizeof buf, 0);
    if (n == 0) return 0;
    if (n < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    const std::string reply = handle(std::string_view(buf, static_cast<size_t>(n)), state_dir);
    if (::send(daemon::kExecutorFd, reply.data(), reply.size(), MSG_NOSIGNAL) < 0) return 1;
  }
}
