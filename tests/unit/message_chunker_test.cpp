#include <doctest/doctest.h>

#include "labctl/core/ids.hpp"
#include "labctl/domains/connectors/message_chunker.hpp"
#include "labctl/domains/connectors/source_values.hpp"

using namespace labctl;
using namespace labctl::connectors;

namespace {

std::string repeat(const std::string& s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST_CASE("chunker: white-space runs collapse to one space, ends trimmed") {
  CHECK(collapse_whitespace("  a \t\n b\r\n\r\nc  ") == "a b c");
  CHECK(collapse_whitespace("x\xC2\xA0\xC2\xA0y") == "x y");  // NBSP is white space too
  CHECK(collapse_whitespace("   ") == "");
  CHECK(collapse_whitespace("") == "");
  CHECK(collapse_whitespace("Привет,\n\n мир") == "Привет, мир");
}

TEST_CASE("chunker: empty and blank text give no chunks") {
  CHECK(chunk_message("", 1000).empty());
  CHECK(chunk_message(" \n\t ", 1000).empty());
}

TEST_CASE("chunker: exactly CHUNK_SIZE is one chunk, one more is two") {
  const size_t size = 200;
  auto one = chunk_message(std::string(size, 'a'), size);
  REQUIRE(one.size() == 1);
  CHECK(one[0].chunk_index == 0);
  CHECK(one[0].text == std::string(size, 'a'));
  CHECK(one[0].content_tokens == 50);
  CHECK(one[0].text_hash == labctl::sha256_hex(std::string(size, 'a')));

  auto two = chunk_message(std::string(size + 1, 'a'), size);
  REQUIRE(two.size() == 2);
  CHECK(two[0].text.size() == size);
  CHECK(two[1].chunk_index == 1);
  CHECK(two[1].text == "a");
  CHECK(two[1].content_tokens == 1);  // max(1, ceil(1/4))
}

TEST_CASE("chunker: sizes count code points, never bytes") {
  // Cyrillic: 2 bytes per letter. 5 letters into 2-letter chunks.
  auto cyr = chunk_message("Жжжжж", 2);
  REQUIRE(cyr.size() == 3);
  CHECK(cyr[0].text == "Жж");
  CHECK(cyr[2].text == "ж");
  CHECK(cyr[2].text_hash == labctl::sha256_hex("ж"));

  // Emoji: 4 bytes each; a chunk boundary falls between them, not inside.
  auto emoji = chunk_message("ab😀😀c", 3);
  REQUIRE(emoji.size() == 2);
  CHECK(emoji[0].text == "ab😀");
  CHECK(emoji[1].text == "😀c");
  CHECK(utf8_length(emoji[1].text) == 2);

  auto tokens = chunk_message(repeat("я", 9), 1000);
  REQUIRE(tokens.size() == 1);
  CHECK(tokens[0].content_tokens == 3);  // ceil(9/4), not ceil(18 bytes/4)
}

TEST_CASE("chunker: collapsing happens before cutting, and hashes are stable") {
  auto a = chunk_message("one   two\n\nthree", 1000);
  auto b = chunk_message(" one two three ", 1000);
  REQUIRE(a.size() == 1);
  REQUIRE(b.size() == 1);
  CHECK(a[0].text == "one two three");
  CHECK(a[0].text_hash == b[0].text_hash);
  CHECK(a[0].text_hash == "6899ee404683a14e8c2a03149860df25d67d34d9cd4dae7350cbe91e4b3976be");  // sha256("one two three")
  CHECK(chunk_message("one two four", 1000)[0].text_hash != a[0].text_hash);

  auto many = chunk_message(repeat("x", 2500), 1000);
  REQUIRE(many.size() == 3);
  CHECK(many[0].chunk_index == 0);
  CHECK(many[1].chunk_index == 1);
  CHECK(many[2].chunk_index == 2);
  CHECK(many[2].text.size() == 500);
  CHECK(many[0].content_tokens == 250);
  CHECK(many[2].content_tokens == 125);
}

TEST_CASE("chunker: eligibility is non-private with enough trimmed characters") {
  const std::string fixture = "Please approve the extra landing page, it is a change request.";
  CHECK(is_embeddable(false, fixture, 30));
  CHECK_FALSE(is_embeddable(true, fixture, 30));
  CHECK_FALSE(is_embeddable(false, "internal note", 30));
  CHECK(is_embeddable(false, "   " + std::string(30, 'a') + "   ", 30));
  CHECK_FALSE(is_embeddable(false, "   " + std::string(29, 'a') + "   ", 30));
  CHECK(is_embeddable(false, repeat("ж", 30), 30));  // 60 bytes, 30 characters
  CHECK_FALSE(is_embeddable(false, repeat("ж", 29), 30));
  CHECK_FALSE(is_embeddable(false, "", 1));
}
