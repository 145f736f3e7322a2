// Command-line options: values, flags, the first word, and errors.
#include <string>
#include <vector>

#include "twinbeat/args.h"
// CppUTest last: its leak detector redefines new.
#include "CppUTest/TestHarness.h"

using namespace twinbeat;

namespace {

struct Argv {
  explicit Argv(std::vector<std::string> words) : words_(std::move(words)) {
    for (auto& w : words_) ptrs_.push_back(w.data());
  }
  int argc() const { return static_cast<int>(ptrs_.size()); }
  char** argv() { return ptrs_.data(); }

 private:
  std::vector<std::string> words_;
  std::vector<char*> ptrs_;
};

}  // namespace

TEST_GROUP(Args) {
  std::string dir, node;
  bool fg = false;
  int first = -1;
  Args run(std::vector<std::string> words) {
    const Option options[] = {{"-c", "--confdir", &dir, nullptr},
                              {"", "--node", &node, nullptr},
                              {"-f", "--foreground", nullptr, &fg}};
    Argv a(std::move(words));
    return parse_options(a.argc(), a.argv(), options, "test", &first);
  }
};

TEST(Args, values_flags_and_the_first_word_are_read) {
  CHECK(run({"prog", "-c", "/etc/x", "-f", "--node", "lb1", "status", "--json"}) == Args::ok);
  STRCMP_EQUAL("/etc/x", dir.c_str());
  STRCMP_EQUAL("lb1", node.c_str());
  CHECK(fg);
  LONGS_EQUAL(6, first);
}

TEST(Args, no_words_leaves_first_at_argc) {
  CHECK(run({"prog", "--confdir", "/d"}) == Args::ok);
  LONGS_EQUAL(3, first);
}

TEST(Args, help_and_version_win_wherever_they_are) {
  CHECK(run({"prog", "-c", "/d", "--help"}) == Args::help);
  CHECK(run({"prog", "--version", "--bogus"}) == Args::version);
}

TEST(Args, unknown_options_and_missing_values_are_errors) {
  CHECK(run({"prog", "--bogus"}) == Args::error);
  CHECK(run({"prog", "-c"}) == Args::error);
}
