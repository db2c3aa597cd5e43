#include "labctl/domains/rag/provider_usage.hpp"

#include "labctl/core/config.hpp"
#include "labctl/core/error.hpp"
#include "labctl/core/utf8.hpp"

namespace labctl::rag {

std::map<std::string, double> embedding_prices(const Config& config) {
  std::map<std::string, double> prices;
  const std::string& list = config.get("rag.embedding_prices");
  for (const auto& entry : comma_items(list)) {
    if (entry.find_first_not_of(' ') == std::string::npos) continue;
    auto eq = entry.find('=');
    char* rest = nullptr;
    double price = eq == std::string::npos ? -1 : std::strtod(entry.c_str() + eq + 1, &rest);
    if (eq == std::string::npos || eq == 0 || !rest || *rest != '\0' || !(price >= 0))
      throw config_error("rag.embedding_prices: '" + entry + "' is not model=USD-per-million-tokens");
    std::string model = entry.substr(0, eq);
    model.erase(0, model.find_first_not_of(' '));
    model.erase(model.find_last_not_of(' ') + 1);
    prices[model] = price;
  }
  return prices;
}

void record_usage(pqxx::transaction_base& tx, const std::string& project_id, const std::string& account_scope_id,
                  const Usage& usage, const std::map<std::string, double>& prices) {
  auto it = prices.find(usage.model);
  double cost = it == prices.end() ? 0.0 : double(usage.tokens) * it->second / 1e6;
  tx.exec_params(
      "INSERT INTO provider_usage (project_id, account_scope_id, provider, model, operation, inputs, tokens, cost_usd) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      project_id, account_scope_id, usage.provider, usage.model, usage.operation, usage.inputs, usage.tokens, cost);
}

nlohmann::json usage_report(pqxx::transaction_base& tx, const std::optional<std::string>& since,
                            const std::string& group_by, const std::optional<std::string>& project_id) {
  static const std::map<std::string, std::pair<std::string, std::string>> kGroups = {
      {"provider", {"u.provider", "cost_usd DESC, key"}},
      {"model", {"u.model", "cost_usd DESC, key"}},
      {"project", {"p.name || ' (' || u.project_id || ')'", "cost_usd DESC, key"}},
      {"day", {"to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')", "key DESC"}},
  };
  auto group = kGroups.find(group_by);
  if (group == kGroups.end()) throw validation_error("group_by", "group_by must be provider, model, project or day", "invalid_value");
  auto rows = tx.exec_params(
      "SELECT " + group->second.first + " AS key, sum(u.inputs)::bigint, sum(u.tokens)::bigint, "
      "round(sum(u.cost_usd), 6)::float8 AS cost_usd, count(*)::bigint "
      "FROM provider_usage u JOIN projects p ON p.id = u.project_id "
      "WHERE ($1::timestamptz IS NULL OR u.created_at >= $1::timestamptz) "
      "  AND ($2::uuid IS NULL OR u.project_id = $2::uuid) "
      "GROUP BY 1 ORDER BY " + group->second.second,
      since, project_id);
  nlohmann::json out = nlohmann::json::array();
  double total_cost = 0;
  long long total_tokens = 0, total_inputs = 0;
  for (const auto& r : rows) {
    out.push_back({{group_by, r[0].as<std::string>()}, {"inputs", r[1].as<long long>()},
                   {"tokens", r[2].as<long long>()}, {"cost_usd", r[3].as<double>()}, {"calls", r[4].as<long long>()}});
    total_inputs += r[1].as<long long>();
    total_tokens += r[2].as<long long>();
    total_cost += r[3].as<double>();
  }
  return {{"group_by", group_by}, {"since", since ? nlohmann::json(*since) : nlohmann::json()},
          {"rows", out},
          {"total", {{"inputs", total_inputs}, {"tokens", total_tokens}, {"cost_usd", total_cost}}}};
}

}  // namespace labctl::rag
