#include "request_log.hpp"

#include <algorithm>
#include <cctype>

#include "time_format.hpp"

namespace labctl::sandbox {
namespace {

constexpr size_t kMaxLoggedBody = 65536;
constexpr size_t kMaxEntries = 100'000;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool secret_or_internal(const std::string& name) {
  static const char* dropped[] = {"authorization", "api_access_token", "proxy-authorization", "cookie", "x-api-key",
                                  "remote_addr",   "remote_port",      "local_addr",          "local_port"};
  for (const char* d : dropped)
    if (name == d) return true;
  return false;
}

}  // namespace

uint64_t RequestLog::begin(const httplib::Request& req, const std::string& target, int64_t time_ms) {
  nlohmann::json headers = nlohmann::json::object();
  for (const auto& [name, value] : req.headers) {
    std::string key = lower(name);
    if (!secret_or_internal(key)) headers[key] = value;
  }
  nlohmann::json query = nlohmann::json::object();
  for (const auto& [k, v] : req.params) query[k] = v;
  auto q = req.target.find('?');
  nlohmann::json body = req.body.empty() ? nlohmann::json(nullptr)
                                         : nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded()) body = req.body.substr(0, kMaxLoggedBody);

  std::lock_guard lock(mutex_);
  uint64_t seq = next_seq_++;
  if (entries_.size() >= kMaxEntries) entries_.erase(entries_.begin(), entries_.begin() + kMaxEntries / 10);
  entries_.push_back({seq,
                      {{"seq", seq},
                       {"time", iso_ms(time_ms)},
                       {"method", req.method},
                       {"path", req.path},
                       {"query_string", q == std::string::npos ? "" : req.target.substr(q + 1)},
                       {"query", std::move(query)},
                       {"target", target},
                       {"headers", std::move(headers)},
                       {"body", std::move(body)},
                       {"auth", nullptr},
                       {"status", nullptr},
                       {"fault", nullptr}}});
  return seq;
}

void RequestLog::finish(uint64_t seq, const std::string& auth, int status, const std::string& fault) {
  std::lock_guard lock(mutex_);
  auto it = std::lower_bound(entries_.begin(), entries_.end(), seq,
                             [](const Entry& e, uint64_t s) { return e.seq < s; });
  if (it == entries_.end() || it->seq != seq) return;  // cleared meanwhile
  if (!auth.empty()) it->record["auth"] = auth;
  if (status > 0) it->record["status"] = status;
  if (!fault.empty()) it->record["fault"] = fault;
}

void RequestLog::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

nlohmann::json RequestLog::to_json(const std::string& target) const {
  std::lock_guard lock(mutex_);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : entries_)
    if (target.empty() || e.record["target"] == target) out.push_back(e.record);
  return out;
}

}  // namespace labctl::sandbox
