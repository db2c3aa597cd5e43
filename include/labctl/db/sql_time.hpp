#pragma once
// Timestamps leave the database as ISO-8601 UTC text with milliseconds: 2026-01-05T08:00:00.000Z.
#include <string>

namespace labctl::db {

// SQL expression rendering `column` (timestamptz) that way; NULL stays NULL.
inline std::string iso_utc(const std::string& column) {
  return "to_char((" + column + ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
}

}  // namespace labctl::db
