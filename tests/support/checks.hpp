#pragma once
// Small checks the operation tests share.
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

namespace labctl::test {

// The one value of a one-row, one-column query.
long long query_value(const std::string& url, const std::string& sql);
// Newlines in text (stderr is "one line" when this is 1).
size_t lines(const std::string& s);
// The response's body as JSON (REQUIRE'd to be there).
nlohmann::json body_of(const httplib::Result& r);
// api.md §1.3: the CORS and security headers every response carries, errors included.
void check_security_headers(const httplib::Response& r);

}  // namespace labctl::test
