#pragma once
// `labctl serve`: every registry operation with a route, behind one dispatcher that
// adds the request id, security and CORS headers, the envelope and metrics.
#include <memory>
#include <string>

namespace labctl {
class Config;
namespace db {
class Database;
}
}  // namespace labctl

namespace labctl::http {

// Binds host:port (0 = any free port), prints "listening on http://HOST:PORT" on
// stdout and serves until SIGINT or SIGTERM.
void serve(const Config& config, db::Database& database, const std::string& host, int port);

// The HTTP library's version, for `labctl version`.
const char* library_version();

}  // namespace labctl::http
