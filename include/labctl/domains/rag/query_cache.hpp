#pragma once
// `serve`'s in-process LightRAG answer cache (rag.md §5.7): 300 s by default, per project, and
// dropped for a project whenever its data changes (an embedding run, a sync). The one-shot CLI
// has none. Thread-safe.
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace labctl::rag {

class QueryCache {
 public:
  explicit QueryCache(std::chrono::seconds ttl, size_t max_entries = 2000);

  std::optional<nlohmann::json> get(const std::string& project_id, const std::string& key);
  void put(const std::string& project_id, const std::string& key, nlohmann::json answer);
  void drop_project(const std::string& project_id);

  // lightrag:<project_id>:<first 12 hex of SHA-256 over query|topK|sourceLimit|filter|from|to>
  static std::string key_of(const std::string& project_id, const nlohmann::json& request);

 private:
  struct Entry {
    std::chrono::steady_clock::time_point expires;
    nlohmann::json answer;
  };
  std::chrono::seconds ttl_;
  size_t max_entries_;
  std::mutex mu_;
  std::map<std::string, std::map<std::string, Entry>> projects_;
  size_t size_ = 0;
};

}  // namespace labctl::rag
