#include "labctl/domains/auth/passwords.hpp"

#include <crypt.h>

#include <cstring>
#include <memory>
#include <regex>

#include "labctl/core/error.hpp"

namespace labctl::auth {

std::string hash_password(std::string_view password, int cost) {
  auto data = std::make_unique<crypt_data>();  // ~32 KiB: not on a worker's stack
  std::memset(data.get(), 0, sizeof(crypt_data));
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (!crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost), nullptr, 0, setting, sizeof setting))
    throw internal_error("cannot make a bcrypt salt");
  std::string plain(password);
  const char* hashed = crypt_r(plain.c_str(), setting, data.get());
  if (!hashed || hashed[0] == '*') throw internal_error("cannot hash a password");
  return hashed;
}

bool verify_password(std::string_view password, const std::string& hash) {
  if (!looks_like_bcrypt(hash)) return false;
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  std::string plain(password);
  const char* hashed = crypt_r(plain.c_str(), hash.c_str(), data.get());
  return hashed && hashed[0] != '*' && constant_time_equal(hashed, hash);
}

bool looks_like_bcrypt(std::string_view s) {
  static const std::regex pattern(R"(^\$2[aby]?\$[0-9]{1,2}\$[./A-Za-z0-9]{53}$)");
  return std::regex_match(s.begin(), s.end(), pattern);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  const size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

}  // namespace labctl::auth
