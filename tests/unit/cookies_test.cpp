// The session cookies and the client address of http/cookies (api.md §1.1, §1.3).
#include <doctest/doctest.h>

#include "labctl/http/cookies.hpp"

using namespace labctl::http;

TEST_CASE("cookie_value finds a cookie by exact name, quoted or not") {
  CHECK(cookie_value("sid=abc; csrf_token=def", "sid") == "abc");
  CHECK(cookie_value("a=1;  sid = \"abc\" ;b=2", "sid") == "abc");
  CHECK(cookie_value("xsid=abc; sidx=def", "sid") == std::nullopt);
  CHECK(cookie_value("", "sid") == std::nullopt);
  CHECK(cookie_value("sid=", "sid") == "");
}

TEST_CASE("session cookies: set with their flags, cleared with the same attributes") {
  CookieNames names{"sid", "csrf_token", false};
  auto set = set_session_cookies(names, "s1", "c1");
  REQUIRE(set.size() == 2);
  CHECK(set[0] == "sid=s1; Path=/; SameSite=Lax; Max-Age=1209600; HttpOnly");
  CHECK(set[1] == "csrf_token=c1; Path=/; SameSite=Lax; Max-Age=1209600");
  names.secure = true;
  auto cleared = clear_session_cookies(names);
  CHECK(cleared[0] == "sid=; Path=/; SameSite=Lax; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure");
  CHECK(cleared[1] == "csrf_token=; Path=/; SameSite=Lax; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure");
}

TEST_CASE("client_address follows TRUST_PROXY") {
  const std::string xff = "203.0.113.7, 10.0.0.2";
  CHECK(client_address("10.0.0.1", xff, "") == "10.0.0.1");  // not trusted: the peer
  CHECK(client_address("10.0.0.1", xff, "false") == "10.0.0.1");
  CHECK(client_address("10.0.0.1", xff, "true") == "203.0.113.7");
  CHECK(client_address("10.0.0.1", xff, "1") == "10.0.0.2");  // one proxy in front: what it saw
  CHECK(client_address("10.0.0.1", xff, "2") == "203.0.113.7");
  CHECK(client_address("10.0.0.1", xff, "9") == "203.0.113.7");
  CHECK(client_address("10.0.0.1", xff, "0") == "10.0.0.1");
  CHECK(client_address("10.0.0.1", xff, "10.0.0.1, 10.0.0.2") == "203.0.113.7");  // a list of proxies
  CHECK(client_address("10.0.0.1", "", "true") == "10.0.0.1");
  CHECK(client_address("10.0.0.1", std::string(30000, 'a'), "true").size() == 64);
}
