#pragma once
// UTF-8 text by code points ("characters" in the specs), never cut inside a sequence; malformed
// bytes count as one character each.
#include <string>
#include <string_view>

namespace labctl {

// Decodes the code point at `pos` and advances past it; a malformed byte decodes as itself.
char32_t next_code_point(std::string_view s, size_t& pos);
// JavaScript's \s / trim() white space (ASCII and Unicode spaces).
bool is_js_space(char32_t c);
// Code points, not bytes: limits in the spec are "characters".
size_t utf8_length(std::string_view s);
// The first `n` code points; never splits a multi-byte sequence.
std::string utf8_prefix(std::string_view s, size_t n);
// Trims ASCII and Unicode white space at both ends (what JavaScript's trim() removes).
std::string trim_text(std::string_view s);

}  // namespace labctl
