// Crash-safe replacement of small state files.
#include "twinbeat/durable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "twinbeat/unique_fd.h"

namespace twinbeat {

Result<void> write_file_durably(const std::string& dir, const std::string& name,
                                const std::string& content) {
  if (name.empty() || name.find('/') != std::string::npos || name[0] == '.')
    return Error{EINVAL, "bad state file name '" + name + "'", {}};
  UniqueFd dfd(::open(dir.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!dfd) return errno_error("open " + dir);
  const std::string tmp = "." + name + ".tmp";
  UniqueFd fd(::openat(dfd.get(), tmp.c_str(),
                       O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return errno_error("create " + dir + "/" + tmp);
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_error("write " + dir + "/" + tmp);
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) < 0) return errno_error("fsync " + dir + "/" + tmp);
  fd.reset();
  if (::renameat(dfd.get(), tmp.c_str(), dfd.get(), name.c_str()) < 0)
    return errno_error("rename " + dir + "/" + name);
  if (::fsync(dfd.get()) < 0) return errno_error("fsync " + dir);
  return {};
}

Result<std::optional<uint64_t>> read_number_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) {
    if (errno == ENOENT) return std::optional<uint64_t>();
    return errno_error("open " + path);
  }
  char buf[64];
  const ssize_t n = ::read(fd.get(), buf, sizeof buf);
  if (n < 0) return errno_error("read " + path);
  size_t len = static_cast<size_t>(n);
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' ')) --len;
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(buf, buf + len, value);
  if (len == 0 || ec != std::errc() || end != buf + len)
    return Error{EINVAL, path + ": does not hold a number", {}};
  return std::optional<uint64_t>(value);
}

Result<void> make_directory(const std::string& dir, unsigned mode) {
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    const std::string part = dir.substr(0, pos);
    if (::mkdir(part.c_str(), pos == dir.size() ? mode : 0755) < 0 && errno != EEXIST)
      return errno_error("mkdir " + part);
  }
  struct stat st{};
  if (::stat(dir.c_str(), &st) < 0) return errno_error("stat " + dir);
  if (!S_ISDIR(st.st_mode)) return Error{ENOTDIR, dir + ": not a directory", {}};
  return {};
}

}  // namespace twinbeat
