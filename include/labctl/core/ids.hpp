#pragma once
// Identifiers: UUIDs, request ids, digests.
#include <string>
#include <string_view>

namespace labctl {

// spec/api.md §1.6: versions 1-8, RFC variant, any case.
bool is_uuid(std::string_view s);
std::string random_uuid_v4();
// spec/api.md §1.3: cut to 64 chars, keep [A-Za-z0-9._-]; empty → a fresh UUID.
std::string sanitize_request_id(std::string_view incoming);
std::string random_hex(size_t bytes);
// Unpadded base64url (RFC 4648 §5) of that many CSPRNG bytes.
std::string random_base64url(size_t bytes);
std::string sha256_hex(std::string_view data);
std::string sha1_hex(std::string_view data);

}  // namespace labctl
