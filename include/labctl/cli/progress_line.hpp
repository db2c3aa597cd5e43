#pragma once
// One self-overwriting status line on a terminal's stderr. Lines are keyed by their prefix
// before ": " ("chatwoot: page 3, …"), so concurrent tasks share the line side by side.
// Disabled (a no-op) when stderr is not a terminal: cron stays quiet.
#include <map>
#include <mutex>
#include <string>

namespace labctl::cli {

class ProgressLine {
 public:
  explicit ProgressLine(bool enabled) : enabled_(enabled) {}
  ~ProgressLine() { clear(); }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  bool enabled() const { return enabled_; }
  void show(const std::string& line);  // thread-safe
  void clear();

 private:
  bool enabled_;
  bool shown_ = false;
  std::mutex mutex_;
  std::map<std::string, std::string> parts_;
};

}  // namespace labctl::cli
