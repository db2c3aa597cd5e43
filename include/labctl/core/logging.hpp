#pragma once
// Logs go to stderr: readable text on a TTY, JSON lines otherwise (cron, CI, serve).
#include <string>

namespace labctl {

// format: auto|text|json; level: trace..off. verbosity: +n for -v, -n for -q.
void setup_logging(const std::string& format, const std::string& level, int verbosity);

}  // namespace labctl
