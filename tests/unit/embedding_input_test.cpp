#include <doctest/doctest.h>

#include "labctl/domains/rag/openai_embeddings.hpp"

using labctl::rag::embedding_input;

TEST_CASE("embedding_input collapses whitespace, trims, and sends an empty text as one space") {
  CHECK(embedding_input("  a \t\n b   c  ") == "a b c");
  CHECK(embedding_input("") == " ");
  CHECK(embedding_input(" \n\t ") == " ");
  CHECK(embedding_input("Срок  сдачи\nмакета") == "Срок сдачи макета");
}

TEST_CASE("embedding_input cuts to 8,000 characters, counting code points and never splitting one") {
  std::string latin(9000, 'x');
  CHECK(embedding_input(latin).size() == 8000);
  std::string cyrillic;
  for (int i = 0; i < 9000; ++i) cyrillic += "ж";  // two bytes each
  auto cut = embedding_input(cyrillic);
  CHECK(cut.size() == 16000);
  CHECK(cut.substr(cut.size() - 2) == "ж");
  std::string emoji;
  for (int i = 0; i < 8001; ++i) emoji += "😀";  // four bytes each
  CHECK(embedding_input(emoji).size() == 32000);
  // The cut never leaves a trailing space.
  CHECK(embedding_input(std::string(7998, 'a') + " b c") == std::string(7998, 'a') + " b");
  CHECK(embedding_input(std::string(7999, 'a') + " b c") == std::string(7999, 'a'));
}
