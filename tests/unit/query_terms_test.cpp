#include <doctest/doctest.h>

#include "labctl/domains/rag/query_terms.hpp"

using labctl::rag::escape_like;
using labctl::rag::like_patterns;
using labctl::rag::query_tokens;
using V = std::vector<std::string>;

TEST_CASE("query tokens: the chapter's examples (rag.md §5.2)") {
  CHECK(query_tokens("Hello WORLD") == V{"hello", "world"});
  CHECK(query_tokens("hello-world.test@email") == V{"hello", "world", "test", "email"});
  CHECK(query_tokens("hi an ok hello") == V{"hello"});
  CHECK(query_tokens("ab").empty());
}

TEST_CASE("query tokens: Cyrillic is lower-cased, ё is a letter, duplicates and the seventh token dropped") {
  CHECK(query_tokens("ДОГОВОР подписание") == V{"договор", "подписание"});
  CHECK(query_tokens("ЁЖИК ёжик") == V{"ёжик"});
  CHECK(query_tokens("ёж договор") == V{"договор"});  // ёж has 2 letters
  CHECK(query_tokens("one two three four five six seven eight") == V{"one", "two", "three", "four", "five", "six"});
  CHECK(query_tokens("abc abc ABC") == V{"abc"});
  CHECK(query_tokens("hello_world") == V{"hello_world"});
}

TEST_CASE("query tokens: emoji and invalid UTF-8 separate words") {
  CHECK(query_tokens("счёт🙂invoice") == V{"счёт", "invoice"});
  CHECK(query_tokens(std::string("abc\xff\xfe" "def")) == V{"abc", "def"});
}

TEST_CASE("LIKE patterns escape metacharacters instead of deleting them (scenario 16)") {
  CHECK(escape_like(R"(100%_\x)") == R"(100\%\_\\x)");
  CHECK(like_patterns("100%_match") == V{"%100%", "%\\_match%"});
  CHECK(like_patterns("hello_world") == V{"%hello\\_world%"});
  CHECK(like_patterns("ab") == V{"%ab%"});
  CHECK(like_patterns("a%") == V{"%a\\%%"});
}

TEST_CASE("LIKE patterns: nothing but metacharacters means no keyword search") {
  CHECK(like_patterns("%").empty());
  CHECK(like_patterns("_").empty());
  CHECK(like_patterns("%_").empty());
  CHECK(like_patterns("\\").empty());
  CHECK(like_patterns("% _ \\").empty());
}

TEST_CASE("LIKE patterns: without tokens, the first 300 characters are the pattern") {
  std::string longish(400, 'x');
  for (size_t i = 0; i < longish.size(); i += 2) longish[i] = ' ';  // only 1-letter words
  auto p = like_patterns(longish);
  REQUIRE(p.size() == 1);
  CHECK(p[0].size() == 302);
}
