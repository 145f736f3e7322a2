// The small value syntaxes Heartbeat's files share: times, booleans, tokens.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "twinbeat/time.h"

namespace twinbeat::config {

// Heartbeat's time syntax, plus seconds suffixes: "2" and "1.5" are seconds,
// "500ms"/"500msec", "250000us"/"250000usec", "2s"/"2sec" (suffixes
// case-insensitive). Rounded to the nearest millisecond. Negative numbers,
// exponents, empty strings and unknown suffixes give nullopt.
std::optional<Millis> parse_time(std::string_view text);

// Heartbeat's booleans, case-insensitive: true/on/yes/y/1, false/off/no/n/0.
std::optional<bool> parse_bool(std::string_view text);

// A decimal integer in [min, max], nothing else on the token.
std::optional<long> parse_int(std::string_view text, long min, long max);

// Splits on whitespace and commas (Heartbeat's ha.cf DELIMS); empty tokens dropped.
std::vector<std::string> split_ha_tokens(std::string_view line);

// Splits on whitespace only; empty tokens dropped.
std::vector<std::string> split_words(std::string_view line);

// ASCII lower case (node names are compared case-insensitively, as in Heartbeat).
std::string to_lower(std::string_view text);

// Prints a duration the way the files write it back: "500ms", "2s", "1500ms".
std::string format_time(Millis d);

}  // namespace twinbeat::config
