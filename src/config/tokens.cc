// The value syntaxes shared by Heartbeat's files: times, booleans, integers,
// and the two ways a line splits into tokens.
#include "twinbeat/config/tokens.h"

#include <charconv>
#include <cstdint>

namespace twinbeat::config {

namespace {

constexpr std::string_view kWhitespace = " \t\r\n\f\v";
constexpr std::string_view kHaDelimiters = " \t\r\n\f\v,";

bool is_digit(char c) { return c >= '0' && c <= '9'; }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::vector<std::string> split_on(std::string_view line, std::string_view delimiters) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    i = line.find_first_not_of(delimiters, i);
    if (i == std::string_view::npos) break;
    size_t end = line.find_first_of(delimiters, i);
    if (end == std::string_view::npos) end = line.size();
    out.emplace_back(line.substr(i, end - i));
    i = end;
  }
  return out;
}

// Power of ten that turns a value in `unit` into milliseconds, or nullopt for
// an unknown unit. Heartbeat takes any suffix starting "ms" or "us"; we take
// the four it documents, plus s/sec, and nothing else.
std::optional<int> unit_exponent(std::string_view unit) {
  if (unit.empty() || iequals(unit, "s") || iequals(unit, "sec")) return 3;
  if (iequals(unit, "ms") || iequals(unit, "msec")) return 0;
  if (iequals(unit, "us") || iequals(unit, "usec")) return -3;
  return std::nullopt;
}

// The decimal number `digits` (a decimal point after `point` of them), times
// 10^exponent, rounded half up to an integer. Exact: no binary floating point,
// so "0.0005" is 1 ms and "0.0004999" is 0, and no locale is consulted.
std::optional<int64_t> shift_and_round(std::string_view digits, int point, int exponent) {
  const int shifted = point + exponent;  // digits before the new point
  std::string whole;
  for (int i = 0; i < shifted; ++i) whole += i < static_cast<int>(digits.size()) ? digits[i] : '0';
  const size_t first = whole.find_first_not_of('0');
  whole = first == std::string::npos ? "0" : whole.substr(first);
  if (whole.size() > 15) return std::nullopt;  // over 30000 years: a typo
  int64_t value = 0;
  std::from_chars(whole.data(), whole.data() + whole.size(), value);
  const bool round_up =
      shifted >= 0 && shifted < static_cast<int>(digits.size()) && digits[shifted] >= '5';
  return value + (round_up ? 1 : 0);
}

}  // namespace

std::optional<Millis> parse_time(std::string_view text) {
  size_t i = 0;
  std::string digits;
  while (i < text.size() && is_digit(text[i])) digits += text[i++];
  const int point = static_cast<int>(digits.size());
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && is_digit(text[i])) digits += text[i++];
  }
  if (digits.empty()) return std::nullopt;
  const std::optional<int> exponent = unit_exponent(text.substr(i));
  if (!exponent) return std::nullopt;
  const std::optional<int64_t> ms = shift_and_round(digits, point, *exponent);
  if (!ms) return std::nullopt;
  return Millis{*ms};
}

std::optional<bool> parse_bool(std::string_view text) {
  const std::string t = to_lower(text);
  if (t == "true" || t == "on" || t == "yes" || t == "y" || t == "1") return true;
  if (t == "false" || t == "off" || t == "no" || t == "n" || t == "0") return false;
  return std::nullopt;
}

std::optional<long> parse_int(std::string_view text, long min, long max) {
  if (text.empty() || !(is_digit(text[0]) || (text[0] == '-' && text.size() > 1)))
    return std::nullopt;
  long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  if (value < min || value > max) return std::nullopt;
  return value;
}

std::vector<std::string> split_ha_tokens(std::string_view line) {
  return split_on(line, kHaDelimiters);
}

std::vector<std::string> split_words(std::string_view line) { return split_on(line, kWhitespace); }

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = lower(c);
  return out;
}

std::string format_time(Millis d) {
  const int64_t ms = d.count();
  if (ms != 0 && ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

}  // namespace twinbeat::config
