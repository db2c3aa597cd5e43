#include "labctl/domains/rag/evidence_ranking.hpp"

#include "labctl/core/iso_time.hpp"
#include "labctl/core/utf8.hpp"

#include <algorithm>
#include <cmath>
#include <set>

namespace labctl::rag {
namespace {

double authority(const std::string& source_type) {
  if (source_type == "chatwoot_message") return 1.0;
  if (source_type == "rag_chunk") return 0.85;
  if (source_type == "linear_issue") return 0.7;
  if (source_type == "attio_opportunity") return 0.5;
  return 0.3;
}

double recency(const json& item, std::chrono::system_clock::time_point now) {
  std::chrono::system_clock::time_point at;
  const json& created = item.value("created_at", json());
  const json& updated = item.value("updated_at", json());
  const json& when = created.is_string() ? created : updated;
  if (!when.is_string() || !parse_iso_time(when.get<std::string>(), at)) return 0;
  double age_days = std::chrono::duration<double>(now - at).count() / 86400.0;
  if (age_days <= 0) return 1;
  return std::pow(2.0, -age_days / 7.0);
}

}  // namespace

double round4(double x) { return std::round(x * 10000.0) / 10000.0; }

bool parse_iso_time(const std::string& text, std::chrono::system_clock::time_point& out) {
  auto ms = parse_iso_ms(text);
  if (!ms) return false;
  out = std::chrono::system_clock::time_point(std::chrono::milliseconds(*ms));
  return true;
}

json score_evidence(const json& item, std::chrono::system_clock::time_point now) {
  double semantic = 0;
  const json& metadata = item.value("metadata", json::object());
  if (metadata.is_object() && metadata.contains("distance") && metadata["distance"].is_number())
    semantic = std::clamp(1.0 - metadata["distance"].get<double>(), 0.0, 1.0);
  double fresh = recency(item, now);
  double auth = authority(item.value("source_type", ""));
  return {{"score", round4(0.6 * semantic + 0.2 * fresh + 0.2 * auth)},
          {"breakdown", {{"semantic", round4(semantic)}, {"recency", round4(fresh)}, {"authority", round4(auth)}}}};
}

json rank_evidence(json& evidence, std::chrono::system_clock::time_point now) {
  std::vector<json> items;
  for (auto& item : evidence) {
    json s = score_evidence(item, now);
    item["_score"] = s["score"];
    item["_scoreBreakdown"] = s["breakdown"];
    items.push_back(std::move(item));
  }
  std::stable_sort(items.begin(), items.end(), [](const json& a, const json& b) {
    return a["_score"].get<double>() > b["_score"].get<double>();
  });
  evidence = json::array();
  double sum = 0, max = 0, min = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    double s = items[i]["_score"].get<double>();
    sum += s;
    max = i == 0 ? s : std::max(max, s);
    min = i == 0 ? s : std::min(min, s);
    evidence.push_back(std::move(items[i]));
  }
  double avg = items.empty() ? 0 : sum / double(items.size());
  return {{"avgScore", round4(avg)}, {"maxScore", round4(max)}, {"minScore", round4(min)}, {"count", items.size()}};
}

int source_diversity(const json& evidence) {
  std::set<std::string> types;
  for (const auto& item : evidence) types.insert(item.value("source_type", ""));
  return static_cast<int>(types.size());
}

int quality_score(size_t n, int d, size_t c) {
  if (n == 0) return 0;
  double q = std::min(1.0, double(n) / 10) * 40 + std::min(1.0, double(d) / 3) * 35 + std::min(1.0, double(c) / 5) * 25;
  return static_cast<int>(std::lround(std::min(100.0, q)));
}

std::string answer_text(const std::string& query, size_t chunks, size_t messages, size_t issues,
                        size_t opportunities) {
  std::string q = utf8_prefix(query, 500);
  return "Запрос: \"" + q + "\". Найдено chunk-фрагментов: " + std::to_string(chunks) +
         ". Совпадений в сообщениях: " + std::to_string(messages) +
         ". Совпадений в задачах Linear: " + std::to_string(issues) +
         ". Совпадений в сделках/офферах: " + std::to_string(opportunities) + ".";
}

}  // namespace labctl::rag
