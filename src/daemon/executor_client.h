// The daemon's side of the executor (executor_protocol.h): starts the
// executor binary, queues requests without blocking, reads the replies.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "twinbeat/daemon/executor_protocol.h"

#include "twinbeat/result.h"
#include "twinbeat/unique_fd.h"

namespace twinbeat::daemon {

class ExecutorClient {
 public:
  using OnReply = std::function<void(bool ok, const std::string& detail)>;
  using OnResult = std::function<void(const RunResult& result)>;

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

  // Runs argv (argv[0] an absolute path) with `env`, killed after `timeout`.
  // `on_result` is called once, from on_readable(), when it has ended.
  void run(std::vector<std::string> argv, std::vector<std::string> env, int64_t timeout_ms,
           OnResult on_result, std::string stdin_data = {});

  // Reads pending replies. Returns false when the executor is gone.
  bool on_readable();
  size_t running() const { return pending_.size(); }

 private:
  using Handler = std::function<void(std::string_view rest)>;
  ExecutorClient() = default;
  void send(uint64_t id, const std::string& message, Handler handler);

  UniqueFd sock_;
  pid_t pid_ = -1;
  uint64_t next_id_ = 1;
  std::map<uint64_t, Handler> pending_;
};

}  // namespace twinbeat::daemon
