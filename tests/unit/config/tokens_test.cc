// Times, booleans, integers and tokens as Heartbeat's files write them.
#include "twinbeat/config/tokens.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "CppUTest/TestHarness.h"

using twinbeat::Millis;
using namespace twinbeat::config;

namespace {

std::string joined(const std::vector<std::string>& tokens) {
  std::string out;
  for (const std::string& t : tokens) out += "[" + t + "]";
  return out;
}

struct TimeRow {
  const char* text;
  int64_t ms;  // -1: not a time
};

void check_times(const TimeRow* rows, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const std::optional<Millis> got = parse_time(rows[i].text);
    const std::string have = got ? std::to_string(got->count()) : "nullopt";
    const std::string want = rows[i].ms < 0 ? "nullopt" : std::to_string(rows[i].ms);
    STRCMP_EQUAL_TEXT(want.c_str(), have.c_str(), rows[i].text);
  }
}

}  // namespace

TEST_GROUP(Tokens){};

// Reference §1.2: what cl_get_msec() does, where we agree with it.
TEST(Tokens, times_read_as_heartbeat_reads_them) {
  const TimeRow rows[] = {
      {"2", 2000},      {"1.5", 1500},      {".5", 500},       {"1500ms", 1500},
      {"1500MS", 1500}, {"1500msec", 1500}, {"250000us", 250}, {"0.001", 1},
      {"499us", 0},     {"10m", -1},        {"1e3", -1},       {"-1", -1},
  };
  check_times(rows, sizeof rows / sizeof rows[0]);
}

// Where we differ from Heartbeat: "2s" and "2sec" are times here, and
// suffixes it took by prefix ("msfoo") are not.
TEST(Tokens, times_also_take_seconds_suffixes_and_refuse_junk) {
  const TimeRow rows[] = {
      {"2s", 2000},   {"2sec", 2000}, {"2S", 2000}, {"2SEC", 2000}, {"1.5s", 1500},
      {"2Ms", 2},     {"250usec", 0}, {"1.", 1000}, {"007", 7000},  {"0", 0},
      {"1msfoo", -1}, {"2min", -1},   {"", -1},     {".", -1},      {"ms", -1},
      {"1.5.2", -1},  {"+1", -1},     {"1 ms", -1}, {" 1", -1},     {"1 ", -1},
      {"1,5", -1},    {"0x10", -1},   {"inf", -1},  {"nan", -1},    {"1e-3", -1},
  };
  check_times(rows, sizeof rows / sizeof rows[0]);
}

TEST(Tokens, times_round_half_up_to_the_millisecond_without_floating_point) {
  const TimeRow rows[] = {
      {"0.0005", 1},
      {"0.0004999999", 0},
      {"1.2345", 1235},
      {"1.2344999", 1234},
      {"1.5ms", 2},
      {"1.4999ms", 1},
      {"1500us", 2},
      {"1499us", 1},
      {"0.1", 100},
      {"0.3", 300},
      {"2.675", 2675},
      {"0.000000001", 0},
      {"999999999999ms", 999999999999},
      {"999999999999", 999999999999000},
      {"9999999999999", -1},
  };
  check_times(rows, sizeof rows / sizeof rows[0]);
}

TEST(Tokens, times_format_as_whole_seconds_only_when_they_are) {
  STRCMP_EQUAL("500ms", format_time(Millis{500}).c_str());
  STRCMP_EQUAL("2s", format_time(Millis{2000}).c_str());
  STRCMP_EQUAL("1500ms", format_time(Millis{1500}).c_str());
  STRCMP_EQUAL("60s", format_time(Millis{60000}).c_str());
  STRCMP_EQUAL("0ms", format_time(Millis{0}).c_str());
}

TEST(Tokens, formatted_times_parse_back_to_the_same_value) {
  for (int64_t ms : {1, 250, 999, 1000, 1001, 30000, 86400000}) {
    const std::optional<Millis> back = parse_time(format_time(Millis{ms}));
    CHECK(back.has_value());
    LONGS_EQUAL(ms, back->count());
  }
}

TEST(Tokens, booleans_are_heartbeats_five_pairs_in_any_case) {
  for (const char* yes : {"true", "on", "yes", "y", "1", "TRUE", "On", "YES", "Y"}) {
    CHECK_TEXT(parse_bool(yes) == true, yes);
  }
  for (const char* no : {"false", "off", "no", "n", "0", "FALSE", "Off", "NO", "N"}) {
    CHECK_TEXT(parse_bool(no) == false, no);
  }
  for (const char* neither : {"", "2", "yess", "enable", "t", "f", " on", "-1"}) {
    CHECK_TEXT(!parse_bool(neither).has_value(), neither);
  }
}

TEST(Tokens, integers_are_whole_tokens_within_their_range) {
  CHECK(parse_int("5", 1, 10) == 5L);
  CHECK(parse_int("1", 1, 10) == 1L);
  CHECK(parse_int("10", 1, 10) == 10L);
  CHECK(parse_int("-3", -5, 5) == -3L);
  CHECK(parse_int("007", 0, 10) == 7L);
  for (const char* bad :
       {"0", "11", "", "+3", "3x", " 3", "3 ", "-", "0x3", "3.0", "99999999999999999999999"}) {
    CHECK_TEXT(!parse_int(bad, 1, 10).has_value(), bad);
  }
}

TEST(Tokens, ha_tokens_split_on_whitespace_and_commas) {
  STRCMP_EQUAL("[node][a][b][c]", joined(split_ha_tokens("node a,b c")).c_str());
  STRCMP_EQUAL("[a][b]", joined(split_ha_tokens(" \t a\r\n,b\f")).c_str());
  STRCMP_EQUAL("[a][b]", joined(split_ha_tokens("a,,,b")).c_str());
  STRCMP_EQUAL("", joined(split_ha_tokens(" ,\t, ")).c_str());
  STRCMP_EQUAL("", joined(split_ha_tokens("")).c_str());
}

TEST(Tokens, words_split_on_whitespace_only) {
  STRCMP_EQUAL("[a,b][c]", joined(split_words("a,b c")).c_str());
  STRCMP_EQUAL("[x][y]", joined(split_words("\tx \r\n y\f")).c_str());
  STRCMP_EQUAL("", joined(split_words("  \t ")).c_str());
}

TEST(Tokens, lower_case_touches_only_ascii_letters) {
  STRCMP_EQUAL("lb1.example-2_x", to_lower("LB1.Example-2_X").c_str());
  STRCMP_EQUAL("\xc3\x89t\xc3\xa9", to_lower("\xc3\x89T\xc3\xa9").c_str());
}
