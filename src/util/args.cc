// Command-line option parsing for the daemon and the CLI.
#include "twinbeat/args.h"

#include <cstdio>

namespace twinbeat {

Args parse_options(int argc, char** argv, std::span<const Option> options, const char* program,
                   int* first_word) {
  int i = 1;
  for (; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "-h" || a == "--help") return Args::help;
    if (a == "--version") return Args::version;
    if (a.empty() || a[0] != '-') break;
    const Option* match = nullptr;
    for (const Option& o : options)
      if (a == o.long_name || (!o.short_name.empty() && a == o.short_name)) match = &o;
    if (!match) {
      std::fprintf(stderr, "%s: unknown option '%s'\n", program, argv[i]);
      return Args::error;
    }
    if (match->flag) *match->flag = true;
    if (!match->value) continue;
    if (i + 1 >= argc) {
      std::fprintf(stderr, "%s: %s needs a value\n", program, argv[i]);
      return Args::error;
    }
    *match->value = argv[++i];
  }
  *first_word = i;
  return Args::ok;
}

}  // namespace twinbeat
