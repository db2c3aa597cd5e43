#pragma once
// The CLI front end: a CLI11 tree generated from the registry.
#include "labctl/ops/context.hpp"

namespace labctl::cli {

// Returns the process exit code.
int run(int argc, char** argv, const ops::Services& services);

}  // namespace labctl::cli
