// Locating the executor and the fence agent next to the daemon.
#include "twinbeat/companion.h"

#include <unistd.h>

#include <climits>

namespace twinbeat {

std::string find_companion(const std::string& name, const std::string& fallback_dir) {
  char self[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    std::string dir(self, static_cast<size_t>(n));
    dir.resize(dir.rfind('/'));
    const std::string beside = dir + "/" + name;
    if (::access(beside.c_str(), X_OK) == 0) return beside;
  }
  return fallback_dir + "/" + name;
}

}  // namespace twinbeat
