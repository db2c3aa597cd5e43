#include "labctl/core/ids.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>

namespace labctl {
namespace {

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

std::string to_hex(const unsigned char* data, size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = digits[data[i] >> 4];
    out[2 * i + 1] = digits[data[i] & 0xF];
  }
  return out;
}

}  // namespace

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !is_hex(s[i])) return false;
  }
  char version = s[14];
  char variant = static_cast<char>(std::tolower(static_cast<unsigned char>(s[19])));
  return version >= '1' && version <= '8' &&
         (variant == '8' || variant == '9' || variant == 'a' || variant == 'b');
}

// OpenSSL's CSPRNG, drawn 4 KiB at a time per thread: every request's id needs 16 bytes, and a
// RAND_bytes call each was a twentieth of serving /health. (labctl never forks without exec, so no
// two processes share a buffer.)
static std::string random_bytes(size_t bytes) {
  thread_local std::array<unsigned char, 4096> pool;
  thread_local size_t used = pool.size();
  std::string buf;
  while (buf.size() < bytes) {
    if (used == pool.size()) {
      if (RAND_bytes(pool.data(), static_cast<int>(pool.size())) != 1) throw std::runtime_error("CSPRNG failure");
      used = 0;
    }
    size_t take = std::min(bytes - buf.size(), pool.size() - used);
    buf.append(reinterpret_cast<const char*>(pool.data() + used), take);
    std::fill_n(pool.data() + used, take, 0);  // handed out once
    used += take;
  }
  return buf;
}

std::string random_hex(size_t bytes) {
  std::string buf = random_bytes(bytes);
  return to_hex(reinterpret_cast<const unsigned char*>(buf.data()), bytes);
}

std::string random_base64url(size_t bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string in = random_bytes(bytes), out;
  unsigned bits = 0;
  int held = 0;
  for (unsigned char c : in) {
    bits = (bits << 8) | c;
    held += 8;
    while (held >= 6) {
      held -= 6;
      out += kAlphabet[(bits >> held) & 63];
    }
  }
  if (held > 0) out += kAlphabet[(bits << (6 - held)) & 63];
  return out;
}

std::string random_uuid_v4() {
  std::string h = random_hex(16);
  h[12] = '4';
  h[16] = "89ab"[std::stoi(std::string(1, h[16]), nullptr, 16) & 3];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20, 12);
}

std::string sanitize_request_id(std::string_view incoming) {
  std::string out;
  for (char c : incoming.substr(0, 64)) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')
      out.push_back(c);
  }
  return out.empty() ? random_uuid_v4() : out;
}

static std::string digest_hex(std::string_view data, const EVP_MD* algorithm) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md.data(), &len, algorithm, nullptr);
  return to_hex(md.data(), len);
}

std::string sha256_hex(std::string_view data) { return digest_hex(data, EVP_sha256()); }
std::string sha1_hex(std::string_view data) { return digest_hex(data, EVP_sha1()); }

}  // namespace labctl
