#include "labctl/core/stop_signal.hpp"

#include <csignal>

namespace labctl {
namespace {

std::atomic<bool> requested{false};

extern "C" void on_stop(int) { requested.store(true); }

}  // namespace

const std::atomic<bool>& install_stop_signal() {
  static const bool installed = [] {
    struct sigaction action {};
    action.sa_handler = on_stop;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    return true;
  }();
  (void)installed;
  return requested;
}

}  // namespace labctl
