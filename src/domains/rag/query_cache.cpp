#include "labctl/domains/rag/query_cache.hpp"

#include "labctl/core/ids.hpp"

namespace labctl::rag {

QueryCache::QueryCache(std::chrono::seconds ttl, size_t max_entries) : ttl_(ttl), max_entries_(max_entries) {}

std::string QueryCache::key_of(const std::string& project_id, const nlohmann::json& r) {
  auto text = [&](const char* k) {
    const auto& v = r.value(k, nlohmann::json());
    return v.is_null() ? std::string() : v.is_string() ? v.get<std::string>() : v.dump();
  };
  std::string filter = r.contains("sourceFilter") && r["sourceFilter"].is_array() ? r["sourceFilter"].dump() : "[]";
  std::string material = text("query") + "|" + text("topK") + "|" + text("sourceLimit") + "|" + filter + "|" +
                         text("date_from") + "|" + text("date_to");
  return "lightrag:" + project_id + ":" + sha256_hex(material).substr(0, 12);
}

std::optional<nlohmann::json> QueryCache::get(const std::string& project_id, const std::string& key) {
  std::lock_guard lock(mu_);
  auto p = projects_.find(project_id);
  if (p == projects_.end()) return std::nullopt;
  auto e = p->second.find(key);
  if (e == p->second.end()) return std::nullopt;
  if (e->second.expires <= std::chrono::steady_clock::now()) {
    p->second.erase(e);
    --size_;
    return std::nullopt;
  }
  return e->second.answer;
}

void QueryCache::put(const std::string& project_id, const std::string& key, nlohmann::json answer) {
  if (ttl_.count() <= 0) return;
  std::lock_guard lock(mu_);
  if (size_ >= max_entries_) {  // crude but bounded: start over rather than grow without limit
    projects_.clear();
    size_ = 0;
  }
  auto& entries = projects_[project_id];
  size_ += entries.count(key) ? 0 : 1;
  entries[key] = {std::chrono::steady_clock::now() + ttl_, std::move(answer)};
}

void QueryCache::drop_project(const std::string& project_id) {
  std::lock_guard lock(mu_);
  auto p = projects_.find(project_id);
  if (p == projects_.end()) return;
  size_ -= p->second.size();
  projects_.erase(p);
}

}  // namespace labctl::rag
