#pragma once
// SIGTERM and SIGINT as a request to stop, for long-running commands that stop between units of
// work (the worker stops after its current job): the handler only sets a flag.
#include <atomic>

namespace labctl {

// Installs the handlers (idempotent) and returns the flag they set.
const std::atomic<bool>& install_stop_signal();

}  // namespace labctl
