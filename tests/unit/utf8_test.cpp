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
