#include <doctest/doctest.h>

#include "labctl/core/utf8.hpp"

using namespace labctl;

TEST_CASE("utf8 helpers never split a sequence") {
  CHECK(utf8_length("Привет") == 6);
  CHECK(utf8_length("😀😀") == 2);
  CHECK(utf8_prefix("Привет", 3) == "При");
  CHECK(utf8_prefix("😀x", 1) == "😀");
  CHECK(utf8_length("\xD0") == 1);  // a truncated sequence counts as one
  CHECK(trim_text("\n\t x y \xEF\xBB\xBF") == "x y");
}

TEST_CASE("valid_utf8 accepts Cyrillic and emoji and rejects broken sequences") {
  CHECK(valid_utf8("привет 👋 hello"));
  CHECK(valid_utf8(""));
  CHECK_FALSE(valid_utf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(valid_utf8("\xED\xA0\x80"));      // UTF-16 surrogate
  CHECK_FALSE(valid_utf8("\xF0\x9F\x91"));      // truncated emoji
  CHECK_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(valid_utf8("\x80"));
}

TEST_CASE("to_lower lower-cases every script, ascii_lower and ascii_upper only ASCII") {
  CHECK(to_lower("ПРИВЕТ Ёлка ÄÖÜ ΣΑΣ Hello") == "привет ёлка äöü σασ hello");
  CHECK(to_lower("ACME\xFF") == "acme\xFF");  // a malformed byte is kept
  CHECK(ascii_lower("ÄBC") == "Äbc");
  CHECK(ascii_upper("top_k-ä") == "TOP_K-ä");
}

TEST_CASE("storable_text drops NUL and replaces malformed bytes, so PostgreSQL takes any text") {
  CHECK(storable_text(std::string("before\0after", 12)) == "beforeafter");
  CHECK(storable_text("ok \xC0\xAF \xED\xA0\x80 \xF0\x9F\x91") == "ok \xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(valid_utf8(storable_text("\x80\xFF\xFE")));
  CHECK(storable_text("привет 👋") == "привет 👋");
}

TEST_CASE("printable escapes what could drive a terminal and keeps the text") {
  CHECK(printable("plain Привет 👋") == "plain Привет 👋");
  CHECK(printable("a\tb\nc\r\nd") == "a b c  d");
  CHECK(printable("\x1b[31mred\x1b[0m") == "\\x1b[31mred\\x1b[0m");
  CHECK(printable("bell\x07") == "bell\\x07");
  CHECK(printable("\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\") ==
        "\\x1b]8;;http://evil\\x1b\\link\\x1b]8;;\\x1b\\");
  CHECK(printable("\xC2\x9B" "2J") == "\\x9b2J");        // C1 CSI
  CHECK(printable("abc\xE2\x80\xAE" "txt") == "abc\\u202etxt");  // right-to-left override
  CHECK(printable("del\x7F") == "del\\x7f");
  CHECK(printable("bad\xFF") == "bad\\xff");
}

TEST_CASE("comma_items splits as written: empty items kept, nothing trimmed") {
  CHECK(comma_items("") == std::vector<std::string>{""});
  CHECK(comma_items("a") == std::vector<std::string>{"a"});
  CHECK(comma_items("a,,b ") == std::vector<std::string>{"a", "", "b "});
  CHECK(comma_items(",") == std::vector<std::string>{"", ""});
}
