// The executor protocol: run requests and replies survive a round trip, and
// malformed ones are refused rather than misread.
#include <string>
#include <vector>

#include "twinbeat/daemon/executor_protocol.h"
// CppUTest last: its leak detector redefines new.
#include "CppUTest/TestHarness.h"

using namespace twinbeat::daemon;
using namespace std::string_literals;

TEST_GROUP(ExecutorProtocol){};

TEST(ExecutorProtocol, run_request_round_trips_arguments_with_spaces_and_the_environment) {
  RunRequest r;
  r.id = 42;
  r.timeout_ms = 60000;
  r.argv = {"/etc/ha.d/resource.d/Filesystem", "/dev/sdb1", "/mnt/my data", "start"};
  r.env = {"PATH=/usr/bin:/bin", "HA_CURHOST=lb1"};
  auto back = decode_run_request(encode_run_request(r));
  CHECK(back.has_value());
  LONGS_EQUAL(42, back->id);
  LONGS_EQUAL(60000, back->timeout_ms);
  CHECK(r.argv == back->argv);
  CHECK(r.env == back->env);
}

TEST(ExecutorProtocol, stdin_bytes_travel_after_the_environment_as_they_are) {
  RunRequest r;
  r.id = 7;
  r.timeout_ms = 5000;
  r.argv = {"/usr/sbin/fence_xvm"};
  r.env = {"PATH=/usr/bin"};
  r.stdin_data = "action=off\nport=vm-lb2\n\0binary\n"s;
  auto back = decode_run_request(encode_run_request(r));
  CHECK(back.has_value());
  CHECK(r.env == back->env);
  CHECK(r.stdin_data == back->stdin_data);
}

TEST(ExecutorProtocol, malformed_run_requests_are_refused) {
  const std::string bad[] = {
      "x run 100\n/bin/true\0\0"s,        // id not a number
      "1 run 0\n/bin/true\0\0"s,          // no timeout
      "1 run 100\nbin/true\0\0"s,         // relative program
      "1 run 100\n\0"s,                   // no program
      "1 run 100\n/bin/true\0"s,          // no end of argv
      "1 run 100\n/bin/true\0\0NOEQ\0"s,  // env entry without '='
      "1 run 100\n/bin/true\0\0A=1"s,     // unterminated env entry
      "1 run 100/bin/true\0\0"s,          // no newline after the timeout
  };
  for (const std::string& m : bad) CHECK_FALSE_TEXT(decode_run_request(m).has_value(), m.c_str());
}

TEST(ExecutorProtocol, every_kind_of_result_round_trips) {
  const RunResult results[] = {
      {RunResult::How::exited, 3, 12, "haproxy is not running\n"},
      {RunResult::How::signaled, 9, 7, ""},
      {RunResult::How::timed_out, 0, 60001, "partial output"},
      {RunResult::How::not_started, 0, 0, "fork: Resource temporarily unavailable"},
  };
  for (const RunResult& r : results) {
    std::string_view rest;
    const std::string m = encode_run_result(77, r);
    auto id = message_id(m, &rest);
    CHECK(id && *id == 77);
    auto back = decode_run_result(rest);
    CHECK(back.has_value());
    CHECK(back->how == r.how);
    LONGS_EQUAL(r.code, back->code);
    STRCMP_EQUAL(r.output.c_str(), back->output.c_str());
    if (r.how != RunResult::How::not_started) LONGS_EQUAL(r.duration_ms, back->duration_ms);
  }
}

TEST(ExecutorProtocol, only_exit_zero_is_ok_and_describe_says_what_happened) {
  CHECK(RunResult({RunResult::How::exited, 0, 1, ""}).ok());
  CHECK_FALSE(RunResult({RunResult::How::exited, 1, 1, ""}).ok());
  CHECK_FALSE(RunResult({RunResult::How::timed_out, 0, 5, ""}).ok());
  STRCMP_EQUAL("exit 1", RunResult({RunResult::How::exited, 1, 1, ""}).describe().c_str());
  STRCMP_EQUAL("killed by signal 9",
               RunResult({RunResult::How::signaled, 9, 1, ""}).describe().c_str());
  STRCMP_EQUAL("timed out after 5 ms",
               RunResult({RunResult::How::timed_out, 0, 5, ""}).describe().c_str());
}
