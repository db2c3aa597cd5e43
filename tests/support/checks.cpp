#include "support/checks.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <pqxx/pqxx>

namespace labctl::test {

long long query_value(const std::string& url, const std::string& sql) {
  pqxx::connection conn(url);
  return pqxx::nontransaction(conn).exec1(sql)[0].as<long long>();
}

size_t lines(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

nlohmann::json body_of(const httplib::Result& r) {
  REQUIRE(r);
  return nlohmann::json::parse(r->body);
}

void check_security_headers(const httplib::Response& r) {
  CHECK(r.get_header_value("X-Frame-Options") == "DENY");
  CHECK(r.get_header_value("X-Content-Type-Options") == "nosniff");
  CHECK(r.get_header_value("Referrer-Policy") == "strict-origin-when-cross-origin");
  CHECK(r.get_header_value("Access-Control-Allow-Origin") == "http://localhost:3000");
  CHECK(r.get_header_value("Access-Control-Allow-Credentials") == "true");
  CHECK_FALSE(r.get_header_value("Content-Security-Policy").empty());
  CHECK_FALSE(r.has_header("Strict-Transport-Security"));
}

}  // namespace labctl::test
