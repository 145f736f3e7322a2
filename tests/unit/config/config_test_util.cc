// Helpers for the config parser tests (see config_test_util.h).
#include "config_test_util.h"

#include <fstream>
#include <sstream>

#include "CppUTest/TestHarness.h"
#include "twinbeat/config/ha_cf.h"

namespace twinbeat::config::testing {

const char* const kTwoNodesAndALink = "node lb1 lb2\nucast eth1 10.0.0.2\n";

void check_rows(const Row* rows, size_t count, const ParseFn& parse) {
  for (size_t i = 0; i < count; ++i) {
    const std::string got = messages(parse(rows[i].text));
    STRCMP_EQUAL_TEXT(rows[i].expected, got.c_str(), rows[i].text);
  }
}

ParseFn ha_cf_parser(const char* tail) {
  return [tail](const std::string& text) { return parse_ha_cf(text + tail, "ha.cf").diagnostics; };
}

std::string messages(const std::vector<Diagnostic>& list) {
  std::string out;
  for (const Diagnostic& d : list) out += (out.empty() ? "" : "\n") + d.to_string();
  return out;
}

std::string read_repo_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace twinbeat::config::testing
