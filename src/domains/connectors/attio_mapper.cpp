#include "labctl/domains/connectors/attio_mapper.hpp"

#include <algorithm>
#include <cmath>

#include "labctl/domains/connectors/source_values.hpp"

namespace labctl::connectors {
namespace attio {
namespace {

constexpr int kMaxDepth = 5;

const json& null_json() {
  static const json n;
  return n;
}

// record.values ‖ record.attributes
const json& values_of(const json& item) {
  const json* v = first_of(record_of(item), {"values", "attributes"});
  return v && v->is_object() ? *v : null_json();
}

const json& member(const json& obj, std::string_view key) {
  const json* v = obj.is_object() ? at_path(obj, key) : nullptr;
  return v ? *v : null_json();
}

json unwrap_at(const json& v, int depth) {
  if (depth > kMaxDepth) return nullptr;
  if (v.is_array()) {
    for (const json& e : v)
      if (json u = unwrap_at(e, depth + 1); !is_empty_value(u)) return u;
    return nullptr;
  }
  if (!v.is_object()) return v;
  static constexpr std::string_view kPreferred[] = {
      "value",  "title",          "name",          "text",   "display_value", "displayValue",
      "domain", "email",          "amount",        "currency_value", "currencyValue", "number",
      "date",   "id",             "record_id",     "external_id",    "target_record_id"};
  for (auto key : kPreferred)
    if (auto it = v.find(std::string(key)); it != v.end())
      if (json u = unwrap_at(*it, depth + 1); !is_empty_value(u)) return u;
  for (const json& e : v)
    if (json u = unwrap_at(e, depth + 1); !is_empty_value(u)) return u;
  return nullptr;
}

std::optional<std::string> relation_at(const json& v, int depth) {
  if (depth > kMaxDepth) return std::nullopt;
  if (v.is_array()) {
    for (const json& e : v)
      if (auto id = relation_at(e, depth + 1)) return id;
    return std::nullopt;
  }
  if (!v.is_object()) return text(v);
  static constexpr std::string_view kPreferred[] = {"target_record_id", "record_id", "external_id", "id", "value"};
  for (auto key : kPreferred)
    if (auto it = v.find(std::string(key)); it != v.end())
      if (auto id = relation_at(*it, depth + 1)) return id;
  for (const json& e : v)
    if (auto id = relation_at(e, depth + 1)) return id;
  return std::nullopt;
}

std::optional<std::string> id_from(const json& v, std::initializer_list<std::string_view> keys, bool nested) {
  if (v.is_object() && nested) {  // D2
    for (auto k : keys)
      if (auto id = id_from(member(v, k), keys, false)) return id;
    return std::nullopt;
  }
  return text(v);
}

// JavaScript's Math.round(x * 100) / 100.
double round2(double x) { return std::floor(x * 100 + 0.5) / 100; }

}  // namespace

json items(const json& page) { return required_array(page, {"data", "results", "items"}, "Attio's page"); }

std::optional<std::string> next_cursor(const json& page) {
  return text(value_of(page, {"pagination.next_cursor", "pagination.next", "meta.next_cursor", "meta.next",
                              "next_cursor", "next", "cursor.next"}));
}

const json& record_of(const json& item) {
  for (const char* key : {"record", "data"})
    if (const json& r = member(item, key); r.is_object()) return r;
  return item;
}

std::optional<std::string> external_id(const json& item, std::initializer_list<std::string_view> keys) {
  const json& record = record_of(item);
  for (auto k : keys) {
    const json& v = is_empty_value(member(record, k)) ? member(item, k) : member(record, k);
    if (auto id = id_from(v, keys, true)) return id;
  }
  return std::nullopt;
}

std::string item_key(const json& item) {
  if (auto id = external_id(item, {"id", "record_id"})) return "id:" + *id;
  return "json:" + record_of(item).dump(-1, ' ', false, json::error_handler_t::replace);
}

json unwrap(const json& v) { return unwrap_at(v, 0); }

json pick(const json& item, std::initializer_list<std::string_view> keys) {
  const json& values = values_of(item);
  for (auto k : keys)
    if (json u = unwrap(member(values, k)); !is_empty_value(u)) return u;
  for (auto k : keys)
    for (const json* owner : {&record_of(item), &item})
      if (json u = unwrap(member(*owner, k)); !is_empty_value(u)) return u;
  return nullptr;
}

std::optional<std::string> relation_id(const json& v) { return relation_at(v, 0); }

std::optional<std::string> pick_relation(const json& item, std::initializer_list<std::string_view> keys) {
  const json& values = values_of(item);
  for (auto k : keys)
    if (auto id = relation_id(member(values, k))) return id;
  for (auto k : keys)
    for (const json* owner : {&record_of(item), &item})
      if (auto id = relation_id(member(*owner, k))) return id;
  return std::nullopt;
}

double amount(const json& v) {
  if (v.is_number()) return round2(number(v).value_or(0));
  std::string kept;
  if (v.is_string())
    for (char c : v.get_ref<const std::string&>())
      if ((c >= '0' && c <= '9') || c == '.' || c == ',' || c == '-') kept.push_back(c);
  if (auto comma = kept.find(','); comma != std::string::npos) kept[comma] = '.';
  // Number("") is 0 in the reference; anything else unparseable is NaN, mapped to 0.
  return round2(number(json(kept)).value_or(0));
}

double probability(const json& v) {
  auto p = number(v);
  if (!p) return 0.1;
  double x = *p > 1 && *p <= 100 ? *p / 100 : *p;
  return std::clamp(x, 0.0, 1.0);
}

}  // namespace attio

namespace {

std::optional<std::string> updated_at_of(const json& item) {
  const json& record = attio::record_of(item);
  for (const char* key : {"updated_at", "created_at"})
    for (const json* owner : {&record, &item})
      if (const json* v = first_of(*owner, {key})) return ts(*v);
  return std::nullopt;
}

std::optional<std::string> picked_text(const json& item, std::initializer_list<std::string_view> keys) {
  return text(attio::pick(item, keys));
}

}  // namespace

std::optional<AttioAccount> map_attio_account(const json& item, const std::string& workspace_id) {
  auto ext = attio::external_id(item, {"id", "record_id", "company_id"});
  if (!ext) return std::nullopt;
  AttioAccount r;
  r.id = "attioacct:" + workspace_id + ":" + *ext;
  r.workspace_id = workspace_id;
  r.external_id = *ext;
  r.name = picked_text(item, {"name", "company_name", "legal_name"});
  r.domain = picked_text(item, {"domain", "domains", "website", "company_domain"});
  r.stage = picked_text(item, {"stage", "account_stage", "lifecycle_stage"});
  r.annual_revenue = attio::amount(attio::pick(item, {"annual_revenue", "revenue", "arr", "acv"}));
  r.data = item;
  r.updated_at = updated_at_of(item);
  return r;
}

std::optional<AttioOpportunity> map_attio_opportunity(const json& item, const std::string& workspace_id) {
  auto ext = attio::external_id(item, {"id", "record_id", "deal_id"});
  if (!ext) return std::nullopt;
  AttioOpportunity r;
  r.id = "attiodeal:" + workspace_id + ":" + *ext;
  r.workspace_id = workspace_id;
  r.external_id = *ext;
  r.title = picked_text(item, {"name", "title", "deal_name", "opportunity_name"}).value_or("Opportunity " + *ext);
  r.stage = picked_text(item, {"stage", "status", "deal_stage"}).value_or("discovery");
  r.amount = attio::amount(attio::pick(item, {"amount", "amount_estimate", "value", "deal_value", "acv"}));
  r.probability = attio::probability(attio::pick(item, {"probability", "win_probability", "likelihood"}));
  r.expected_close_date = date_only(attio::pick(item, {"expected_close_date", "close_date", "target_close_date"}));
  r.account_external_id = attio::pick_relation(item, {"account_id", "account", "company_id", "company", "organization"});
  r.next_step = picked_text(item, {"next_step", "next_action", "next_task"});
  r.data = item;
  r.updated_at = updated_at_of(item);
  return r;
}

std::optional<AttioPerson> map_attio_person(const json& item, const std::string& workspace_id) {
  auto ext = attio::external_id(item, {"id", "record_id", "person_id"});
  if (!ext) return std::nullopt;
  AttioPerson r;
  r.id = "attioperson:" + workspace_id + ":" + *ext;
  r.workspace_id = workspace_id;
  r.external_id = *ext;
  r.account_external_id = attio::pick_relation(item, {"company_id", "company", "account_id", "account", "organization"});
  r.full_name = picked_text(item, {"name", "full_name"});
  r.email = picked_text(item, {"email", "work_email"});
  r.role = picked_text(item, {"role", "job_title"});
  r.data = item;
  r.updated_at = updated_at_of(item);
  return r;
}

std::optional<AttioActivity> map_attio_activity(const json& item, const std::string& workspace_id) {
  auto ext = attio::external_id(item, {"id", "record_id", "activity_id"});
  if (!ext) return std::nullopt;
  AttioActivity r;
  r.id = "attioact:" + workspace_id + ":" + *ext;
  r.workspace_id = workspace_id;
  r.external_id = *ext;
  r.record_external_id = attio::pick_relation(item, {"record_id", "record", "deal_id", "deal", "company_id", "company"});
  r.activity_type = picked_text(item, {"type", "activity_type"});
  r.note = picked_text(item, {"note", "summary", "description"});
  r.actor_name = picked_text(item, {"actor_name", "actor", "created_by"});
  r.occurred_at = ts(attio::pick(item, {"occurred_at", "created_at", "logged_at"}));
  r.data = item;
  r.updated_at = updated_at_of(item);
  return r;
}

// --- rows -----------------------------------------------------------------------------------

const db::UpsertSpec& AttioAccount::spec() {
  static const db::UpsertSpec s{"attio_accounts_raw",
                                {"id", "workspace_id", "external_id", "name", "domain", "stage", "annual_revenue",
                                 "data", "updated_at"},
                                {"id"},
                                {}};
  return s;
}
db::Row AttioAccount::cells() const {
  return {pg_cell(id),    pg_cell(workspace_id),   pg_cell(external_id), pg_cell(name),      pg_cell(domain),
          pg_cell(stage), pg_cell(annual_revenue), pg_cell(data),        pg_cell(updated_at)};
}

const db::UpsertSpec& AttioOpportunity::spec() {
  static const db::UpsertSpec s{"attio_opportunities_raw",
                                {"id", "workspace_id", "external_id", "account_external_id", "title", "stage",
                                 "amount", "probability", "expected_close_date", "next_step", "data", "updated_at"},
                                {"id"},
                                {}};
  return s;
}
db::Row AttioOpportunity::cells() const {
  return {pg_cell(id),     pg_cell(workspace_id), pg_cell(external_id),          pg_cell(account_external_id),
          pg_cell(title),  pg_cell(stage),        pg_cell(amount),               pg_cell(probability),
          pg_cell(expected_close_date), pg_cell(next_step), pg_cell(data),       pg_cell(updated_at)};
}

const db::UpsertSpec& AttioPerson::spec() {
  static const db::UpsertSpec s{"attio_people_raw",
                                {"id", "workspace_id", "external_id", "account_external_id", "full_name", "email",
                                 "role", "data", "updated_at"},
                                {"id"},
                                {}};
  return s;
}
db::Row AttioPerson::cells() const {
  return {pg_cell(id),    pg_cell(workspace_id), pg_cell(external_id), pg_cell(account_external_id),
          pg_cell(full_name), pg_cell(email),    pg_cell(role),        pg_cell(data),
          pg_cell(updated_at)};
}

const db::UpsertSpec& AttioActivity::spec() {
  static const db::UpsertSpec s{"attio_activities_raw",
                                {"id", "workspace_id", "external_id", "record_external_id", "activity_type", "note",
                                 "actor_name", "occurred_at", "data", "updated_at"},
                                {"id"},
                                {}};
  return s;
}
db::Row AttioActivity::cells() const {
  return {pg_cell(id),         pg_cell(workspace_id), pg_cell(external_id), pg_cell(record_external_id),
          pg_cell(activity_type), pg_cell(note),      pg_cell(actor_name),  pg_cell(occurred_at),
          pg_cell(data),       pg_cell(updated_at)};
}

}  // namespace labctl::connectors
