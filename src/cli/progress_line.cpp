#include "labctl/cli/progress_line.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <iostream>

#include "labctl/core/utf8.hpp"

namespace labctl::cli {
namespace {

size_t terminal_columns() {
  winsize ws{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

}  // namespace

void ProgressLine::show(const std::string& line) {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  auto colon = line.find(": ");
  parts_[colon == std::string::npos ? "" : line.substr(0, colon)] = line;
  std::string text;
  for (const auto& [_, part] : parts_) text += (text.empty() ? "" : " | ") + part;
  std::cerr << "\r\033[K" << utf8_prefix(printable(text), terminal_columns() - 1) << std::flush;
  shown_ = true;
}

void ProgressLine::clear() {
  std::lock_guard lock(mutex_);
  if (shown_) std::cerr << "\r\033[K" << std::flush;
  shown_ = false;
  parts_.clear();
}

}  // namespace labctl::cli
