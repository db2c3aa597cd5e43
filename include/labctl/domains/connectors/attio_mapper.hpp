#pragma once
// Attio REST v2 pages → raw rows (connectors.md §4 "Response reading", "Extraction").
// Pure: no I/O. Global ids: `<prefix>:{workspace_id}:{external_id}` (data-model §5.4).
#include <nlohmann/json.hpp>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "labctl/db/rows.hpp"

namespace labctl::connectors {

// --- reading pages and records ---------------------------------------------------------------
namespace attio {

// The page's items: data ‖ results ‖ items; a page with none is Error(upstream_invalid_shape).
nlohmann::json items(const nlohmann::json& page);
// The first non-empty of pagination.next_cursor, pagination.next, meta.next_cursor, meta.next,
// next_cursor, next, cursor.next.
std::optional<std::string> next_cursor(const nlohmann::json& page);
// item.record or item.data when either is an object, else the item itself.
const nlohmann::json& record_of(const nlohmann::json& item);
// The first non-empty of `keys`, looked up on the record, then on the item. D2: an object
// value (`{workspace_id, object_id, record_id}`) is read with the same keys, so its
// record_id is used.
std::optional<std::string> external_id(const nlohmann::json& item, std::initializer_list<std::string_view> keys);
// Key for de-duplicating raw items across pages: the record id, else the record's JSON.
std::string item_key(const nlohmann::json& item);

// Unwrap (depth ≤ 5): a scalar as is; an array's first non-empty element; an object's
// value/title/name/text/… member, else its first non-empty member. null when nothing.
nlohmann::json unwrap(const nlohmann::json& v);
// The first key (in order) whose unwrapped record.values ‖ record.attributes entry is
// non-empty; else the first non-empty flat record or item property of those names.
nlohmann::json pick(const nlohmann::json& item, std::initializer_list<std::string_view> keys);
// A referenced record id: an object tries target_record_id, record_id, external_id, id,
// value, then every member; an array its first non-empty element.
std::optional<std::string> relation_id(const nlohmann::json& v);
// pick() for relations: the same lookup order, read with relation_id().
std::optional<std::string> pick_relation(const nlohmann::json& item, std::initializer_list<std::string_view> keys);
// Keep [0-9.,-], the first ',' becomes '.', unparseable → 0, rounded to 2 dp.
double amount(const nlohmann::json& v);
// (1,100] is a percentage; clamped to [0,1]; not a number → 0.1.
double probability(const nlohmann::json& v);

}  // namespace attio

// --- rows ---------------------------------------------------------------------------------------

// attio_accounts_raw
struct AttioAccount {
  std::string id;  // attioacct:…
  std::string workspace_id;
  std::string external_id;
  std::optional<std::string> name;
  std::optional<std::string> domain;
  std::optional<std::string> stage;
  double annual_revenue = 0;
  nlohmann::json data;
  std::optional<std::string> updated_at;

  static const db::UpsertSpec& spec();
  db::Row cells() const;
};

// attio_opportunities_raw
struct AttioOpportunity {
  std::string id;  // attiodeal:…
  std::string workspace_id;
  std::string external_id;
  std::optional<std::string> account_external_id;
  std::string title;  // default `Opportunity <id>`
  std::string stage;  // default `discovery`
  double amount = 0;
  double probability = 0.1;
  std::optional<std::string> expected_close_date;  // YYYY-MM-DD
  std::optional<std::string> next_step;
  nlohmann::json data;
  std::optional<std::string> updated_at;

  static const db::UpsertSpec& spec();
  db::Row cells() const;
};

// attio_people_raw
struct AttioPerson {
  std::string id;  // attioperson:…
  std::string workspace_id;
  std::string external_id;
  std::optional<std::string> account_external_id;
  std::optional<std::string> full_name;
  std::optional<std::string> email;
  std::optional<std::string> role;
  nlohmann::json data;
  std::optional<std::string> updated_at;

  static const db::UpsertSpec& spec();
  db::Row cells() const;
};

// attio_activities_raw
struct AttioActivity {
  std::string id;  // attioact:…
  std::string workspace_id;
  std::string external_id;
  std::optional<std::string> record_external_id;
  std::optional<std::string> activity_type;
  std::optional<std::string> note;
  std::optional<std::string> actor_name;
  std::optional<std::string> occurred_at;
  nlohmann::json data;
  std::optional<std::string> updated_at;

  static const db::UpsertSpec& spec();
  db::Row cells() const;
};

// One page item each; nullopt when the item has no id. `data` keeps the whole item.
std::optional<AttioAccount> map_attio_account(const nlohmann::json& item, const std::string& workspace_id);
std::optional<AttioOpportunity> map_attio_opportunity(const nlohmann::json& item, const std::string& workspace_id);
std::optional<AttioPerson> map_attio_person(const nlohmann::json& item, const std::string& workspace_id);
std::optional<AttioActivity> map_attio_activity(const nlohmann::json& item, const std::string& workspace_id);

}  // namespace labctl::connectors
