#pragma once
// The login brute-force limit (api.md §2.3), kept in PostgreSQL so that it holds across every
// `serve` process on the database. Key: "<client ip>:<normalised username>"; only failures count,
// in a fixed window opened by the first failure.
#include <pqxx/pqxx>
#include <string>

namespace labctl::auth {

struct ThrottleLimits {
  int max_attempts = 10;   // LOGIN_RATE_LIMIT_MAX_ATTEMPTS, 3..100
  int window_minutes = 15; // LOGIN_RATE_LIMIT_WINDOW_MINUTES, 1..1440
};

// Seconds until the key may try again; 0 when it may now.
long long login_blocked_for(pqxx::connection& conn, const std::string& key, const ThrottleLimits& limits);
void record_login_failure(pqxx::connection& conn, const std::string& key, const ThrottleLimits& limits);
void clear_login_failures(pqxx::connection& conn, const std::string& key);
// Deletes counters whose window has passed; returns how many.
long long purge_login_failures(pqxx::connection& conn, const ThrottleLimits& limits);

}  // namespace labctl::auth
