#pragma once
// Shell completions and man pages, derived from the registry.
#include <map>
#include <string>

namespace labctl::ops {

// shell: bash, zsh or fish.
std::string completion_script(const std::string& shell);
// file name (labctl.1, labctl-db-migrate.1, …) → roff text.
std::map<std::string, std::string> man_pages();

}  // namespace labctl::ops
