#include "labctl/domains/intelligence/portfolio_messages.hpp"

#include <algorithm>
#include <map>

#include "labctl/core/json_optional.hpp"
#include "labctl/db/field_values.hpp"
#include "labctl/db/rows.hpp"
#include "labctl/db/sql_time.hpp"

namespace labctl::intelligence {
namespace {

using nlohmann::json;

std::vector<Person> read_persons(pqxx::transaction_base& tx, const projects::Project& p) {
  std::vector<Person> out;
  for (const auto& r : tx.exec_params(
           "SELECT id, coalesce(nullif(btrim(name), ''), nullif(btrim(email), ''), nullif(btrim(identifier), ''), "
           "  nullif(btrim(phone_number), ''), 'Контакт'), nullif(btrim(email), ''), nullif(btrim(phone_number), '') "
           "FROM cw_contacts WHERE project_id = $1::uuid AND account_scope_id = $2::uuid "
           "ORDER BY updated_at DESC NULLS LAST, id LIMIT 200",
           p.id, p.account_scope_id))
    out.push_back({r[0].c_str(), r[1].c_str(), db::optional_text(r[2]), db::optional_text(r[3])});
  return out;
}

}  // namespace

void to_json(json& j, const PortfolioMessages& m) {
  json persons = json::array(), messages = json::array();
  for (const auto& p : m.persons)
    persons.push_back({{"contact_global_id", p.contact_global_id}, {"name", p.name}, {"email", p.email},
                       {"phone_number", p.phone_number}});
  for (const auto& msg : m.messages) {
    json attachments = json::array();
    for (const auto& a : msg.attachments)
      attachments.push_back({{"id", a.id}, {"name", a.name}, {"url", a.url}, {"content_type", a.content_type}});
    messages.push_back({{"id", msg.id},
                        {"conversation_global_id", msg.conversation_global_id},
                        {"contact_global_id", msg.contact_global_id},
                        {"sender_type", msg.sender_type},
                        {"author_name", msg.author_name},
                        {"channel", msg.channel},
                        {"content", msg.content},
                        {"created_at", msg.created_at},
                        {"attachments", std::move(attachments)}});
  }
  j = {{"project", m.project}, {"persons", std::move(persons)},
       {"selected_contact_global_id", m.selected_contact_global_id}, {"messages", std::move(messages)}};
}

PortfolioMessages portfolio_messages(pqxx::transaction_base& tx, const projects::Project& project,
                                     const std::optional<std::string>& contact, long long limit) {
  PortfolioMessages out{project, read_persons(tx, project), std::nullopt, {}};
  auto listed = std::find_if(out.persons.begin(), out.persons.end(),
                             [&](const Person& p) { return contact && p.contact_global_id == *contact; });
  if (listed != out.persons.end())
    out.selected_contact_global_id = listed->contact_global_id;
  else if (!out.persons.empty())
    out.selected_contact_global_id = out.persons.front().contact_global_id;
  std::map<std::string, std::string> names;
  for (const auto& p : out.persons) names[p.contact_global_id] = p.name;

  // The newest `limit` messages of the contact (or of the project), then oldest first.
  for (const auto& r : tx.exec_params(
           "SELECT * FROM (SELECT m.id, m.conversation_global_id, m.contact_global_id, "
           "  coalesce(nullif(lower(btrim(m.sender_type)), ''), 'unknown'), nullif(btrim(m.data #>> '{sender,name}'), ''), "
           "  coalesce(nullif(btrim(m.data ->> 'channel'), ''), nullif(btrim(ib.channel_type), ''), 'chatwoot'), "
           "  coalesce(m.content, ''), " + db::iso_utc("m.created_at") + " AS at, m.created_at AS sort_at "
           "FROM cw_messages m "
           "LEFT JOIN cw_conversations c ON c.id = m.conversation_global_id AND c.project_id = m.project_id "
           "LEFT JOIN cw_inboxes_raw ib ON ib.project_id = m.project_id AND ib.account_id = c.account_id "
           "  AND ib.inbox_id = c.inbox_id "
           "WHERE m.project_id = $1::uuid AND m.account_scope_id = $2::uuid "
           "  AND ($3::text IS NULL OR m.contact_global_id = $3) "
           "ORDER BY m.created_at DESC, m.id DESC LIMIT $4) newest ORDER BY sort_at, id",
           project.id, project.account_scope_id, out.selected_contact_global_id, limit)) {
    ThreadMessage m{r[0].c_str(), db::optional_text(r[1]), db::optional_text(r[2]), r[3].c_str(), "", r[5].c_str(),
                    r[6].c_str(), r[7].c_str(), {}};
    const bool client = m.sender_type.find("contact") != std::string::npos;
    if (client) {
      auto name = m.contact_global_id ? names.find(*m.contact_global_id) : names.end();
      m.author_name = name != names.end() ? name->second : "Клиент";
    } else {
      m.author_name = r[4].is_null() ? "Команда" : r[4].c_str();
    }
    out.messages.push_back(std::move(m));
  }

  std::vector<std::string> ids;
  std::map<std::string, size_t> at;
  for (size_t i = 0; i < out.messages.size(); ++i) {
    ids.push_back(out.messages[i].id);
    at[out.messages[i].id] = i;
  }
  for (const auto& r : tx.exec_params(
           "SELECT message_global_id, id, name, url, content_type FROM ("
           "  SELECT message_global_id, id, coalesce(nullif(btrim(payload ->> 'file_name'), ''), "
           "    nullif(btrim(payload ->> 'name'), ''), nullif(regexp_replace(split_part(coalesce(file_url, ''), '?', 1), "
           "    '^.*/', ''), ''), id) AS name, file_url AS url, content_type, "
           "    row_number() OVER (PARTITION BY message_global_id ORDER BY created_at, id) AS n "
           "  FROM cw_attachments_raw WHERE project_id = $1::uuid AND account_scope_id = $2::uuid "
           "    AND message_global_id = ANY($3::text[])) a WHERE n <= 8 ORDER BY message_global_id, n",
           project.id, project.account_scope_id, db::pg_text_array(ids)))
    out.messages[at.at(r[0].c_str())].attachments.push_back(
        {r[1].c_str(), r[2].c_str(), db::optional_text(r[3]), db::optional_text(r[4])});
  return out;
}

}  // namespace labctl::intelligence
