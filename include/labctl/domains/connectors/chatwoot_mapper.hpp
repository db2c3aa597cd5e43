#pragma once
// Chatwoot REST pages → raw rows (connectors.md §2 "Mapping"). Pure: no I/O, no clock.
// Global ids follow data-model §5.4: `<prefix>:{project_id}:{account_id}:{source id}`.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "labctl/db/rows.hpp"

namespace labctl::connectors {

struct ChatwootContext {
  std::string project_id;
  long long account_id = 0;
};

// cw_inboxes_raw
struct CwInbox {
  std::string id;  // cwinbox:…
  long long account_id = 0;
  long long inbox_id = 0;
  std::optional<std::string> name;
  std::optional<std::string> channel_type;
  nlohmann::json data;
  std::optional<std::string> updated_at;

  static const db::UpsertSpec& spec();
  db::Row cells() const;
};

// cw_conversations
struct CwConversation {
  std::string id;  // cw:…
  long long account_id = 0;
  long long conversation_id = 0;
  std::optional<std::string> contact_global_id;  // cwc:… of an accepted sender
  std::optional<long long> inbox_id;
  std::optional<std::string> status;
  std::optional<long long> assignee_id;
  nlohmann::json data;
  std::optional<std::string> updated_at;

  static const db::UpsertSpec& spec();
  db::Row cells() const;
};

// cw_messages. created_at is the source time; an existing non-NULL value is kept.
struct CwMessage {
  std::string id;  // cwmsg:…
  long long account_id = 0;
  long long message_id = 0;
  long long conversation_id = 0;
  std::string conversation_global_id;
  std::optional<std::string> contact_global_id;
  std::optional<std::string> sender_type;
  std::optional<long long> sender_id;
  bool is_private = false;  // column `private`
  std::optional<std::string> message_type;
  std::string content;  // '' when absent, never NULL
  nlohmann::json data;
  std::optional<std::string> created_at;
  std::optional<std::string> updated_at;

  static const db::UpsertSpec& spec();
  db::Row cells() const;
};

// cw_attachments_raw
struct CwAttachment {
  std::string id;  // cwa:…
  long long account_id = 0;
  std::string message_global_id;
  std::string conversation_global_id;
  std::optional<std::string> content_type;
  std::optional<long long> file_size;
  std::optional<std::string> file_url;
  std::optional<std::string> thumb_url;
  nlohmann::json payload;
  std::optional<std::string> updated_at;

  static const db::UpsertSpec& spec();
  db::Row cells() const;
};

// cw_contacts (only from conversation and message senders; there is no contacts call)
struct CwContact {
  std::string id;  // cwc:…
  long long account_id = 0;
  long long contact_id = 0;
  std::optional<std::string> name;
  std::optional<std::string> email;
  std::optional<std::string> phone_number;
  std::optional<std::string> identifier;
  nlohmann::json custom_attributes = nlohmann::json::object();
  nlohmann::json data;
  std::optional<std::string> updated_at;

  static const db::UpsertSpec& spec();
  db::Row cells() const;
};

// The item arrays of C1 (data.payload ‖ payload), C2 (payload ‖ data.payload ‖ data) and
// C3 (payload ‖ data.payload). A page with none of them is Error(upstream_invalid_shape).
nlohmann::json conversations_of(const nlohmann::json& page);
nlohmann::json inboxes_of(const nlohmann::json& page);
nlohmann::json messages_of(const nlohmann::json& page);

// nullopt when the inbox id is not numeric.
std::optional<CwInbox> map_inbox(const nlohmann::json& item, const ChatwootContext& ctx);

struct MappedConversation {
  CwConversation conversation;
  std::optional<CwContact> contact;  // the accepted sender (meta.sender ‖ contact ‖ sender)
};
// nullopt when the conversation id is not numeric.
std::optional<MappedConversation> map_conversation(const nlohmann::json& item, const ChatwootContext& ctx);

struct MappedMessages {
  std::vector<CwMessage> messages;
  std::vector<CwAttachment> attachments;
  std::vector<CwContact> contacts;  // message senders, one per contact id
};
// Maps one conversation's messages (already selected by the caller's watermark filter).
// Messages with a non-numeric id are skipped; each list is de-duplicated by id.
MappedMessages map_messages(const nlohmann::json& messages, const CwConversation& conversation,
                            const ChatwootContext& ctx);

// The time the watermark filter compares: ts(created_at ‖ updated_at). Same as
// CwMessage::created_at.
std::optional<std::string> message_created_at(const nlohmann::json& message);

}  // namespace labctl::connectors
