#pragma once
// A project's conversation view for the portfolio (scheduler-and-intelligence.md §5): its
// contacts, one selected contact, and that contact's messages oldest first with the author's
// name and up to 8 attachments. The Russian fallback labels are the web UI's.
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "labctl/domains/projects/projects.hpp"

namespace labctl::intelligence {

struct Person {
  std::string contact_global_id, name;  // name: the first non-blank of name, e-mail, identifier, phone, else "Контакт"
  std::optional<std::string> email, phone_number;
};

struct Attachment {
  std::string id, name;
  std::optional<std::string> url, content_type;
};

struct ThreadMessage {
  std::string id;
  std::optional<std::string> conversation_global_id, contact_global_id;
  std::string sender_type;  // lower-case, "unknown" when absent
  std::string author_name;  // a client's: the person's name or "Клиент"; others: the sender's name or "Команда"
  std::string channel;      // as synced, else "chatwoot"
  std::string content, created_at;
  std::vector<Attachment> attachments;  // ≤ 8
};

struct PortfolioMessages {
  projects::Project project;
  std::vector<Person> persons;  // ≤ 200
  std::optional<std::string> selected_contact_global_id;
  std::vector<ThreadMessage> messages;  // the newest `limit`, oldest first
};

void to_json(nlohmann::json& j, const PortfolioMessages& m);

// The contact is the requested one when listed, else the first person, else none (no filter).
PortfolioMessages portfolio_messages(pqxx::transaction_base& tx, const projects::Project& project,
                                     const std::optional<std::string>& contact_global_id, long long limit);

}  // namespace labctl::intelligence
