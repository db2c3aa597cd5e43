#pragma once
// UTF-8 text by code points ("characters" in the specs), never cut inside a sequence; malformed
// bytes count as one character each. The one home of labctl's text helpers.
#include <string>
#include <string_view>
#include <vector>

namespace labctl {

// Decodes the code point at `pos` and advances past it; a malformed byte decodes as itself.
char32_t next_code_point(std::string_view s, size_t& pos);
// Appends the UTF-8 form of `cp`.
void append_utf8(std::string& out, char32_t cp);
// Well-formed UTF-8: no stray or truncated bytes, no overlong forms, no surrogates.
bool valid_utf8(std::string_view s);

// JavaScript's \s / trim() white space (ASCII and Unicode spaces).
bool is_js_space(char32_t c);
// Code points, not bytes: limits in the spec are "characters".
size_t utf8_length(std::string_view s);
// The items of a comma-separated list, as written (untrimmed; "a,,b" has an empty middle item).
std::vector<std::string> comma_items(std::string_view s);
// The first `n` code points; never splits a multi-byte sequence.
std::string utf8_prefix(std::string_view s, size_t n);
// Trims ASCII and Unicode white space at both ends (what JavaScript's trim() removes).
std::string trim_text(std::string_view s);

// Unicode simple lower-casing (JavaScript's toLowerCase for everything but the few
// context-dependent letters); malformed bytes are kept as they are.
std::string to_lower(std::string_view s);
char32_t to_lower(char32_t cp);
// ASCII letters only: for identifiers such as header and flag names.
std::string ascii_lower(std::string_view s);
std::string ascii_upper(std::string_view s);

// Text PostgreSQL accepts: NUL dropped (text cannot hold it), malformed bytes replaced by U+FFFD.
std::string storable_text(std::string_view s);

// Text safe to print on a terminal: white-space controls (tab, newline, …) become one space;
// other C0/C1 controls, DEL and the bidirectional overrides become visible escapes (\x1b,
// \u202e), so synced text can neither move the cursor, ring the bell nor open an OSC 8 link.
std::string printable(std::string_view s);

}  // namespace labctl
