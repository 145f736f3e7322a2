// The daemon's side of the executor (executor_protocol.h): starts the
// executor binary, queues requests without blocking, reads the replies.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <string>

#include "twinbeat/result.h"
#include "twinbeat/unique_fd.h"

namespace twinbeat::daemon {

class ExecutorClient {
 public:
  using OnReply = std::function<void(bool ok, const std::string& detail)>;

  // Finds the executor binary (beside our own, then the install libexec dir)
  // and starts it with a fresh socketpair on its fd 3 and all other fds
  // closed. Must run before privileges are dropped.
  static Result<ExecutorClient> start(const std::string& state_dir);

  ExecutorClient(ExecutorClient&& other) noexcept;
  ExecutorClient& operator=(ExecutorClient&&) = delete;
  ~ExecutorClient();

  int fd() const { return sock_.get(); }
  pid_t pid() const { return pid_; }

  // Asks the executor to replace state-dir/<name> with `content`, durably.
  void persist(const std::string& name, const std::string& content, OnReply on_reply);

  // Reads pending replies. Returns false when the executor is gone.
  bool on_readable();

 private:
  ExecutorClient() = default;
  void send(const std::string& request, OnReply on_reply);

  UniqueFd sock_;
  pid_t pid_ = -1;
  uint64_t next_id_ = 1;
  struct Pending {
    uint64_t id;
    OnReply on_reply;
  };
  std::deque<Pending> pending_;
};

}  // namespace twinbeat::daemon
