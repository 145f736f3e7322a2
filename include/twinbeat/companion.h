// Finding the project's other programs: beside the running binary first (a
// build tree, or a test copy), then where `make install` puts them.
#pragma once

#include <string>

namespace twinbeat {

// DIR_OF_THIS_PROGRAM/name if it is executable, else fallback_dir/name.
std::string find_companion(const std::string& name, const std::string& fallback_dir);

}  // namespace twinbeat
