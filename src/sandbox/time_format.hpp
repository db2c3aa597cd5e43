#pragma once
// Timestamps on the wire: ISO-8601 (Linear, Attio), epoch seconds (Chatwoot), HTTP dates.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "labctl/core/iso_time.hpp"  // iso_ms

namespace labctl::sandbox {

// 2026-01-05
std::string iso_date(int64_t epoch_ms);
// Wed, 21 Oct 2015 07:28:00 GMT
std::string http_date(int64_t epoch_s);
// ISO-8601 date or date-time (Z, ±HH:MM or no zone = UTC), or epoch seconds / milliseconds
// (a number below 10^10 is seconds). Returns epoch milliseconds.
std::optional<int64_t> parse_time_ms(std::string_view text);

}  // namespace labctl::sandbox
