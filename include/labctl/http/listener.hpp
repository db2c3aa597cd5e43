#pragma once
// The listening socket of `labctl serve`: bound exclusively (no SO_REUSEPORT, so a second server
// on a port in use fails instead of sharing it), with the kernel's largest accept backlog.
#include <string>

namespace labctl::http {

struct Listener {
  int fd = -1;
  int port = 0;  // the bound port (the one chosen, for port 0)
};

// Error(invalid_params): "invalid_host" for an address that does not resolve, "address_in_use"
// when the port is taken, "bind_failed" otherwise (e.g. a privileged port).
Listener open_listener(const std::string& host, int port);

// Raises this process's open-file limit to its hard limit: every connection is a descriptor.
void raise_open_file_limit();

}  // namespace labctl::http
