#pragma once
// Every API request the sandbox receives, for tests to assert on ("3 requests, then ok").
// Tokens never reach the log: credential headers are dropped and only the outcome of the
// auth check ("ok", "missing", "invalid") is kept.
#include <httplib.h>

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace labctl::sandbox {

class RequestLog {
 public:
  // Records the request as it arrives; returns its sequence number for finish().
  uint64_t begin(const httplib::Request& req, const std::string& target, int64_t time_ms);
  void finish(uint64_t seq, const std::string& auth, int status, const std::string& fault);
  void clear();
  // Entries in arrival order, optionally only those for one target.
  nlohmann::json to_json(const std::string& target = "") const;

 private:
  struct Entry {
    uint64_t seq;
    nlohmann::json record;
  };
  mutable std::mutex mutex_;
  uint64_t next_seq_ = 1;
  std::vector<Entry> entries_;
};

}  // namespace labctl::sandbox
