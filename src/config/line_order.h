// Diagnostics in the order a reader meets them in the file. Internal to the
// config module.
#pragma once

#include <algorithm>
#include <climits>
#include <vector>

#include "twinbeat/diagnostic.h"

namespace twinbeat::config::detail {

// Sorts by line, stably (one line's messages keep their order); whole-file
// messages (line 0) come last, as they are found after the last line.
inline std::vector<Diagnostic> in_line_order(std::vector<Diagnostic> list) {
  std::stable_sort(list.begin(), list.end(), [](const Diagnostic& a, const Diagnostic& b) {
    const auto key = [](const Diagnostic& d) { return d.where.line > 0 ? d.where.line : INT_MAX; };
    return key(a) < key(b);
  });
  return list;
}

}  // namespace twinbeat::config::detail
