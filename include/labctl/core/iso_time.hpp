#pragma once
// ISO-8601 timestamps as labctl reads and writes them: UTC with milliseconds on the way out.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace labctl {

// 2026-01-05T08:00:00.000Z
std::string iso_ms(int64_t epoch_ms);
// The current time, so.
std::string iso_now();

// YYYY-MM-DD, optionally followed by [Tt ]HH:MM[:SS[.fraction]] and Z or ±HH[:]MM (no zone = UTC),
// as epoch milliseconds (a fraction beyond milliseconds is cut). nullopt for anything else,
// including impossible dates such as 2026-02-31.
std::optional<int64_t> parse_iso_ms(std::string_view text);

}  // namespace labctl
