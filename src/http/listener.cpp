#include "labctl/http/listener.hpp"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

#include "labctl/core/error.hpp"

namespace labctl::http {
namespace {

int accept_backlog() {
  int somaxconn = SOMAXCONN;
  std::ifstream in("/proc/sys/net/core/somaxconn");
  if (int v = 0; in >> v && v > somaxconn) somaxconn = v;
  return somaxconn;
}

}  // namespace

Listener open_listener(const std::string& host, int port) {
  const std::string where = host + ":" + std::to_string(port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  // An address is taken as written; only a name with letters (localhost) is looked up, so a typo
  // such as 256.1.1.1 is refused at once instead of after a DNS timeout.
  hints.ai_flags |= AI_NUMERICHOST;
  const char* node = host.empty() ? nullptr : host.c_str();
  int rc = getaddrinfo(node, std::to_string(port).c_str(), &hints, &found);
  if (rc == EAI_NONAME && std::any_of(host.begin(), host.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); })) {
    hints.ai_flags &= ~AI_NUMERICHOST;
    rc = getaddrinfo(node, std::to_string(port).c_str(), &hints, &found);
  }
  if (rc != 0)
    throw Error(ErrorClass::invalid_params, "invalid_host",
                "cannot listen on " + where + ": " + gai_strerror(rc) + " (--host takes an address or a host name)");
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> addresses(found, freeaddrinfo);
  int last_error = 0;
  for (const addrinfo* a = found; a; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last_error = errno;
      continue;
    }
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);  // restart over TIME_WAIT, never share
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, accept_backlog()) == 0) {
      sockaddr_storage bound{};
      socklen_t len = sizeof bound;
      getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
      int actual = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6&>(bound).sin6_port)
                                               : ntohs(reinterpret_cast<sockaddr_in&>(bound).sin_port);
      return {fd, actual};
    }
    last_error = errno;
    ::close(fd);
  }
  if (last_error == EADDRINUSE)
    throw Error(ErrorClass::invalid_params, "address_in_use", "cannot listen on " + where + ": address already in use");
  throw Error(ErrorClass::invalid_params, "bind_failed", "cannot listen on " + where + ": " + std::strerror(last_error));
}

void raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace labctl::http
