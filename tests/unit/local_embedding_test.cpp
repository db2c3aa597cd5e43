#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "labctl/domains/rag/local_embedding.hpp"

using namespace labctl::rag;

namespace {

double dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

double norm(const std::vector<float>& v) { return std::sqrt(dot(v, v)); }

double cosine(std::string_view a, std::string_view b) {
  return dot(local_embedding(a), local_embedding(b));  // both unit vectors
}

// The non-zero components as (index, value).
std::vector<std::pair<size_t, float>> nonzero(const std::vector<float>& v) {
  std::vector<std::pair<size_t, float>> out;
  for (size_t i = 0; i < v.size(); ++i)
    if (v[i] != 0) out.emplace_back(i, v[i]);
  return out;
}

void check_components(const std::vector<float>& v,
                      const std::vector<std::pair<size_t, float>>& expected) {
  auto got = nonzero(v);
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    CHECK(got[i].first == expected[i].first);
    CHECK(got[i].second == doctest::Approx(expected[i].second).epsilon(1e-5));
  }
}

}  // namespace

TEST_CASE("local embedding: model name and default dimension") {
  CHECK(std::string(kLocalEmbeddingModel) == "labctl-local-hash-v1");
  CHECK(kLocalEmbeddingDimension == 384);
  CHECK(local_embedding("hello").size() == 384);
  CHECK(local_embedding("hello", 64).size() == 64);
  CHECK(local_embedding("hello", 4096).size() == 4096);
}

TEST_CASE("local embedding: the same text gives the identical vector") {
  std::string text = "Когда будет готов макет главной страницы? When is the mockup ready?";
  auto a = local_embedding(text);
  auto b = local_embedding(text);
  CHECK(a == b);
  CHECK(local_embedding(text, 1024) == local_embedding(text, 1024));
  // Other texts in between leave nothing behind.
  local_embedding(std::string(5000, 'x') + " другие слова");
  CHECK(local_embedding(text) == a);
}

TEST_CASE("local embedding: golden vectors (any change here needs a new model version)") {
  // "hello": the word, 5 character 3-grams and 4 4-grams of "<hello>", all in distinct slots.
  check_components(local_embedding("hello"),
                   {{80, -0.256074f}, {128, 0.256074f}, {153, -0.256074f}, {158, 0.256074f},
                    {204, -0.256074f}, {226, -0.256074f}, {278, 0.256074f}, {297, 0.256074f},
                    {302, -0.256074f}, {350, -0.640184f}});
  // "срок": the word, 4 3-grams and 3 4-grams of "<срок>".
  check_components(local_embedding("срок"),
                   {{53, 0.274721f}, {86, -0.686803f}, {97, 0.274721f}, {156, 0.274721f},
                    {192, 0.274721f}, {195, 0.274721f}, {203, -0.274721f}, {306, 0.274721f}});
  // Two words: the "hello" features plus "world"'s plus the pair (0.5 weight, slot 216).
  auto hello_world = local_embedding("hello world");
  CHECK(nonzero(hello_world).size() == 21);
  CHECK(hello_world[216] == doctest::Approx(-0.220755f).epsilon(1e-5));
  CHECK(hello_world[350] == doctest::Approx(-0.441511f).epsilon(1e-5));
}

TEST_CASE("local embedding: unit norm") {
  for (const char* text : {"a", "hello", "Hello, World!", "Срок сдачи макета — пятница.",
                           "один один один один два", "2024-05-01 12:00"}) {
    CAPTURE(text);
    CHECK(norm(local_embedding(text)) == doctest::Approx(1.0).epsilon(1e-6));
    CHECK(norm(local_embedding(text, 64)) == doctest::Approx(1.0).epsilon(1e-6));
  }
}

TEST_CASE("local embedding: case, white space and punctuation do not matter") {
  auto plain = local_embedding("hello world");
  CHECK(local_embedding("Hello, World!") == plain);
  CHECK(local_embedding("  HELLO\t\n\n world...  ") == plain);
  CHECK(local_embedding("«hello» — (world)") == plain);  // Unicode quotes and dash too
  CHECK(local_embedding("hello\xC2\xA0world") == plain);    // NBSP
  CHECK(local_embedding("hello world") != local_embedding("world hello"));  // pairs keep order
}

TEST_CASE("local embedding: Cyrillic is case-folded, Ё included") {
  CHECK(local_embedding("СРОК") == local_embedding("срок"));
  CHECK(local_embedding("Срок Сдачи МАКЕТА") == local_embedding("срок сдачи макета"));
  CHECK(local_embedding("АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ") ==
        local_embedding("абвгдежзийклмнопрстуфхцчшщъыьэюя"));
  CHECK(local_embedding("ЁЛКА") == local_embedding("ёлка"));
  CHECK(local_embedding("ещё") == local_embedding("еще"));  // ё is read as е
  CHECK(local_embedding("Ça VA") == local_embedding("ça va"));  // Latin-1 too
  CHECK(cosine("срок", "сок") < 0.5);
}

TEST_CASE("local embedding: near paraphrases land nearer than unrelated text") {
  struct Case {
    const char* text;
    const char* paraphrase;
    const char* unrelated;
  };
  for (auto c : {Case{"Когда будет готов макет главной страницы?",
                      "Когда будет готов макет главной?",
                      "Оплата по счёту прошла вчера вечером."},
                 Case{"Клиент просит перенести созвон на пятницу",
                      "Перенесите, пожалуйста, созвон с клиентом на пятницу",
                      "Сервер упал из-за нехватки памяти"},
                 Case{"Срок сдачи макета", "сроки сдачи макетов", "Счёт оплачен"},
                 Case{"When will the homepage mockup be ready?",
                      "When is the homepage mockup going to be ready?",
                      "The invoice was paid yesterday evening."},
                 Case{"Please send the invoice for March", "Could you send me the March invoice?",
                      "The deployment failed on staging"}}) {
    CAPTURE(c.text);
    double similar = cosine(c.text, c.paraphrase);
    double unrelated = cosine(c.text, c.unrelated);
    CHECK(similar > 0.45);
    CHECK(unrelated < 0.25);
    CHECK(similar > unrelated + 0.3);
  }
  CHECK(cosine("Когда будет готов макет главной страницы?", "Когда будет готов макет главной?") >
        0.8);
}

TEST_CASE("local embedding: texts without words share one fixed unit vector") {
  auto empty = local_embedding("");
  CHECK(norm(empty) == doctest::Approx(1.0));
  check_components(empty, {{357, 1.0f}});
  CHECK(local_embedding("   \t\n ") == empty);
  CHECK(local_embedding("?!… — ...") == empty);
  CHECK(local_embedding("😀🎉👍🏽") == empty);
  CHECK(local_embedding("\xFF\xFE\x80") == empty);
  CHECK(std::abs(dot(empty, local_embedding("hello world"))) < 0.3);
}

TEST_CASE("local embedding: emoji and invalid UTF-8 separate words and never crash") {
  auto plain = local_embedding("привет мир");
  CHECK(local_embedding("привет😀мир") == plain);
  CHECK(local_embedding("привет 👨‍👩‍👧 мир 🇷🇺") == plain);  // ZWJ sequence, flag
  CHECK(local_embedding("привет\xFFмир") == plain);      // a stray byte
  CHECK(local_embedding("привет\xC0\xAFмир") == plain);  // an overlong '/'
  CHECK(local_embedding("привет\xED\xA0\x80мир") == plain);  // an encoded surrogate
  CHECK(local_embedding("привет мир\xD0") == plain);     // a sequence cut at the end
  // A cut sequence never swallows the next character: "\xD0" then ASCII "x".
  CHECK(local_embedding("привет\xD0x") == local_embedding("привет x"));
  std::string garbage;
  for (int i = 0; i < 4096; ++i) garbage += static_cast<char>((i * 37 + 11) & 0xFF);
  auto v = local_embedding(garbage);
  CHECK(norm(v) == doctest::Approx(1.0).epsilon(1e-6));
  CHECK(local_embedding(garbage) == v);
}

TEST_CASE("local embedding: a 1 MB text works") {
  std::string big;
  while (big.size() < (1 << 20)) big += "Большой текст с разными словами и words, 123! ";
  auto v = local_embedding(big);
  CHECK(v.size() == kLocalEmbeddingDimension);
  CHECK(norm(v) == doctest::Approx(1.0).epsilon(1e-6));
  // Repetition only adds log weight: the big text stays close to one copy of its sentence.
  CHECK(dot(v, local_embedding("Большой текст с разными словами и words, 123!")) > 0.8);
  // One long word of a million letters is fine too.
  auto word = local_embedding(std::string(1 << 20, 'a'));
  CHECK(norm(word) == doctest::Approx(1.0).epsilon(1e-6));
}

TEST_CASE("local embedding: dimension must be 64..4096") {
  CHECK_THROWS_AS(local_embedding("hello", 0), std::invalid_argument);
  CHECK_THROWS_AS(local_embedding("hello", 63), std::invalid_argument);
  CHECK_THROWS_AS(local_embedding("hello", 4097), std::invalid_argument);
  CHECK_THROWS_AS(local_embedding("", 10000), std::invalid_argument);
  CHECK_NOTHROW(local_embedding("hello", 64));
  CHECK_NOTHROW(local_embedding("hello", 4096));
  // Other dimensions spread the same features differently, with the same norm.
  auto v = local_embedding("hello", 1536);
  CHECK(nonzero(v).size() == 10);
  CHECK(norm(v) == doctest::Approx(1.0).epsilon(1e-6));
}

TEST_CASE("local embedding: throughput (reported, not asserted)") {
  const char* base[] = {
      "Когда будет готов макет главной страницы? Нужно согласовать до пятницы, ",
      "Please send the updated invoice for March and the signed contract, thanks ",
      "Клиент просит перенести созвон на следующую неделю из-за отпуска, "};
  std::vector<std::string> texts;
  for (int i = 0; i < 20000; ++i) texts.push_back(std::string(base[i % 3]) + std::to_string(i));
  auto start = std::chrono::steady_clock::now();
  double sum = 0;
  for (const auto& text : texts) sum += local_embedding(text)[0];
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  MESSAGE("local_embedding: " << texts.size() << " texts of ~80 chars in " << seconds << " s = "
                              << static_cast<long>(texts.size() / seconds) << " texts/s");
  CHECK(std::isfinite(sum));
}
