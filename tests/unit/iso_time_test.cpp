#include <doctest/doctest.h>

#include "labctl/core/iso_time.hpp"

using labctl::iso_ms;
using labctl::parse_iso_ms;

TEST_CASE("iso_ms writes UTC with milliseconds, before 1970 too") {
  CHECK(iso_ms(0) == "1970-01-01T00:00:00.000Z");
  CHECK(iso_ms(1767225600123) == "2026-01-01T00:00:00.123Z");
  CHECK(iso_ms(-1) == "1969-12-31T23:59:59.999Z");
}

TEST_CASE("parse_iso_ms reads dates, times, fractions and offsets; rejects the rest") {
  CHECK(parse_iso_ms("2026-01-01") == 1767225600000);
  CHECK(parse_iso_ms("2026-01-01T03:00:00+03:00") == 1767225600000);
  CHECK(parse_iso_ms("2026-01-01t00:00:00.123456z") == 1767225600123);
  CHECK(parse_iso_ms(iso_ms(1767225600123)) == 1767225600123);
  for (const char* bad : {"", "2026-02-31", "2026-00-10", "2026-01-01T24:00", "2026-01-01T00:00:", "2026-1-01",
                          "1767225600000", "2026-01-01 garbage", "2026-01-01T00:00:00."}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_iso_ms(bad));
  }
}
