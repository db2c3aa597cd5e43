#include "labctl/domains/connectors/chatwoot_mapper.hpp"

#include <algorithm>
#include <cctype>

#include "labctl/domains/connectors/source_values.hpp"

namespace labctl::connectors {
namespace {

std::string global_id(const char* prefix, const ChatwootContext& ctx, const std::string& ext) {
  return std::string(prefix) + ":" + ctx.project_id + ":" + std::to_string(ctx.account_id) + ":" + ext;
}

bool contains(const std::optional<std::string>& s, const char* needle) {
  return s && to_lower(*s).find(needle) != std::string::npos;
}

// A sender object becomes a contact only with a numeric id (`fallback_id` when it has none).
std::optional<CwContact> contact_from(const json& sender, const json& fallback_id,
                                      const std::optional<std::string>& parent_updated_at,
                                      const ChatwootContext& ctx) {
  const json& raw_id = is_empty_value(value_of(sender, {"id"})) ? fallback_id : value_of(sender, {"id"});
  auto contact_id = integer(raw_id);
  if (!contact_id) return std::nullopt;
  CwContact c;
  c.id = global_id("cwc", ctx, std::to_string(*contact_id));
  c.account_id = ctx.account_id;
  c.contact_id = *contact_id;
  c.name = text(value_of(sender, {"name"}), 500);
  c.email = text(value_of(sender, {"email"}), 500);
  c.identifier = text(value_of(sender, {"identifier"}), 500);
  c.phone_number = text(value_of(sender, {"phone_number", "phoneNumber"}), 100);
  const json* attrs = first_of(sender, {"custom_attributes", "additional_attributes"});
  c.custom_attributes = attrs && attrs->is_object() ? *attrs : json::object();
  c.data = sender.is_object() ? sender : json::object();
  c.updated_at = ts(value_of(sender, {"updated_at", "last_activity_at"}));
  if (!c.updated_at) c.updated_at = parent_updated_at;
  return c;
}

std::optional<CwAttachment> map_attachment(const json& a, size_t index, const CwMessage& msg,
                                           const ChatwootContext& ctx) {
  if (!a.is_object()) return std::nullopt;
  auto ext = text(value_of(a, {"id", "file_id"}), 200);
  if (!ext) ext = utf8_prefix(std::to_string(msg.message_id) + ":" + std::to_string(index), 200);
  CwAttachment r;
  r.id = global_id("cwa", ctx, *ext);
  r.account_id = ctx.account_id;
  r.message_global_id = msg.id;
  r.conversation_global_id = msg.conversation_global_id;
  r.content_type = text(value_of(a, {"file_type", "content_type", "type"}), 120);
  r.file_size = integer(value_of(a, {"file_size", "size"}));
  r.file_url = text(value_of(a, {"data_url", "file_url", "url", "download_url"}), 2000);
  r.thumb_url = text(value_of(a, {"thumb_url", "thumbnail", "thumb"}), 2000);
  r.payload = a;
  r.updated_at = ts(value_of(a, {"updated_at", "created_at"}));
  if (!r.updated_at) r.updated_at = msg.updated_at;
  return r;
}

// Message senders: sender_type says "contact", or says nothing and sender.type is empty or
// says "contact" (agents are "User", bots "AgentBot").
bool is_contact_sender(const json& m) {
  auto sender_type = text(value_of(m, {"sender_type"}));
  if (sender_type) return contains(sender_type, "contact");
  auto nested = text(value_of(m, {"sender.type"}));
  return !nested || contains(nested, "contact");
}

}  // namespace

json conversations_of(const json& page) {
  return required_array(page, {"data.payload", "payload"}, "Chatwoot's conversations page");
}
json inboxes_of(const json& page) { return required_array(page, {"payload", "data.payload", "data"}, "Chatwoot's inboxes"); }
json messages_of(const json& page) { return required_array(page, {"payload", "data.payload"}, "Chatwoot's messages page"); }

std::optional<CwInbox> map_inbox(const json& item, const ChatwootContext& ctx) {
  auto inbox_id = integer(value_of(item, {"id"}));
  if (!inbox_id) return std::nullopt;
  CwInbox r;
  r.id = global_id("cwinbox", ctx, std::to_string(*inbox_id));
  r.account_id = ctx.account_id;
  r.inbox_id = *inbox_id;
  r.name = text(value_of(item, {"name"}), 300);
  r.channel_type = text(value_of(item, {"channel_type", "channel"}), 100);
  r.data = item;
  r.updated_at = ts(value_of(item, {"updated_at", "created_at"}));
  return r;
}

std::optional<MappedConversation> map_conversation(const json& item, const ChatwootContext& ctx) {
  auto conversation_id = integer(value_of(item, {"id"}));
  if (!conversation_id) return std::nullopt;
  MappedConversation out;
  CwConversation& r = out.conversation;
  r.id = global_id("cw", ctx, std::to_string(*conversation_id));
  r.account_id = ctx.account_id;
  r.conversation_id = *conversation_id;
  r.inbox_id = integer(value_of(item, {"inbox_id"}));
  // The list endpoint carries the assignee only under meta; a flat id wins when present.
  r.assignee_id = integer(value_of(item, {"assignee_id", "meta.assignee.id"}));
  r.status = text(value_of(item, {"status"}), 100);
  r.data = item;
  r.updated_at = ts(value_of(item, {"last_activity_at", "updated_at", "created_at"}));

  const json* sender = first_of(item, {"meta.sender", "contact", "sender"});
  if (sender && sender->is_object()) {
    auto kind = text(value_of(*sender, {"type", "role"}));
    bool rejected = kind && !contains(kind, "contact") && !contains(kind, "customer");
    if (!rejected) out.contact = contact_from(*sender, json(), r.updated_at, ctx);
  }
  if (out.contact) r.contact_global_id = out.contact->id;
  return out;
}

std::optional<std::string> message_created_at(const json& message) {
  return ts(value_of(message, {"created_at", "updated_at"}));
}

MappedMessages map_messages(const json& messages, const CwConversation& conversation,
                            const ChatwootContext& ctx) {
  MappedMessages out;
  if (!messages.is_array()) return out;
  for (const json& m : messages) {
    if (!m.is_object()) continue;
    auto message_id = integer(value_of(m, {"id"}));
    if (!message_id) continue;
    CwMessage r;
    r.id = global_id("cwmsg", ctx, std::to_string(*message_id));
    r.account_id = ctx.account_id;
    r.message_id = *message_id;
    // C3 is fetched per conversation, so the conversation row is authoritative.
    r.conversation_id = conversation.conversation_id;
    r.conversation_global_id = conversation.id;
    r.sender_type = text(value_of(m, {"sender_type", "sender.type"}), 100);
    r.sender_id = integer(value_of(m, {"sender_id", "sender.id"}));
    const json& priv = value_of(m, {"private"});
    r.is_private = priv.is_boolean() ? priv.get<bool>()
                                     : (priv.is_number() ? priv.get<double>() != 0
                                                         : to_lower(text(priv).value_or("")) == "true");
    r.message_type = text(value_of(m, {"message_type"}), 100);
    const json& content = value_of(m, {"content"});
    r.content = content.is_string() ? content.get<std::string>() : (content.is_null() ? "" : content.dump());
    r.data = m;
    r.created_at = message_created_at(m);
    r.updated_at = ts(value_of(m, {"updated_at", "created_at"}));

    std::optional<CwContact> contact;
    if (is_contact_sender(m)) {
      const json* sender = at_path(m, "sender");
      contact = contact_from(sender && sender->is_object() ? *sender : json::object(),
                             value_of(m, {"sender_id"}), r.updated_at, ctx);
    }
    r.contact_global_id = contact ? std::optional<std::string>(contact->id) : conversation.contact_global_id;
    if (contact) out.contacts.push_back(std::move(*contact));

    if (const json* atts = at_path(m, "attachments"); atts && atts->is_array())
      for (size_t i = 0; i < atts->size(); ++i)
        if (auto a = map_attachment((*atts)[i], i, r, ctx)) out.attachments.push_back(std::move(*a));
    out.messages.push_back(std::move(r));
  }
  out.messages = dedupe_by_id(std::move(out.messages));
  out.attachments = dedupe_by_id(std::move(out.attachments));
  out.contacts = dedupe_by_id(std::move(out.contacts));
  return out;
}

// --- rows -----------------------------------------------------------------------------------

const db::UpsertSpec& CwInbox::spec() {
  static const db::UpsertSpec s{
      "cw_inboxes_raw", {"id", "account_id", "inbox_id", "name", "channel_type", "data", "updated_at"}, {"id"}, {}};
  return s;
}
db::Row CwInbox::cells() const {
  return {pg_cell(id), pg_cell(account_id), pg_cell(inbox_id), pg_cell(name),
          pg_cell(channel_type), pg_cell(data), pg_cell(updated_at)};
}

const db::UpsertSpec& CwConversation::spec() {
  static const db::UpsertSpec s{"cw_conversations",
                                {"id", "account_id", "conversation_id", "contact_global_id", "inbox_id",
                                 "status", "assignee_id", "data", "updated_at"},
                                {"id"},
                                {}};
  return s;
}
db::Row CwConversation::cells() const {
  return {pg_cell(id),       pg_cell(account_id), pg_cell(conversation_id),
          pg_cell(contact_global_id), pg_cell(inbox_id), pg_cell(status),
          pg_cell(assignee_id), pg_cell(data), pg_cell(updated_at)};
}

const db::UpsertSpec& CwMessage::spec() {
  static const db::UpsertSpec s{"cw_messages",
                                {"id", "account_id", "message_id", "conversation_id", "conversation_global_id",
                                 "contact_global_id", "sender_type", "sender_id", "private", "message_type",
                                 "content", "data", "created_at", "updated_at"},
                                {"id"},
                                {"created_at"}};
  return s;
}
db::Row CwMessage::cells() const {
  return {pg_cell(id),           pg_cell(account_id),  pg_cell(message_id),
          pg_cell(conversation_id), pg_cell(conversation_global_id), pg_cell(contact_global_id),
          pg_cell(sender_type),  pg_cell(sender_id),   pg_cell(is_private),
          pg_cell(message_type), pg_cell(content),     pg_cell(data),
          pg_cell(created_at),   pg_cell(updated_at)};
}

const db::UpsertSpec& CwAttachment::spec() {
  static const db::UpsertSpec s{"cw_attachments_raw",
                                {"id", "account_id", "message_global_id", "conversation_global_id", "content_type",
                                 "file_size", "file_url", "thumb_url", "payload", "updated_at"},
                                {"id"},
                                {}};
  return s;
}
db::Row CwAttachment::cells() const {
  return {pg_cell(id),       pg_cell(account_id), pg_cell(message_global_id), pg_cell(conversation_global_id),
          pg_cell(content_type), pg_cell(file_size), pg_cell(file_url), pg_cell(thumb_url),
          pg_cell(payload),  pg_cell(updated_at)};
}

const db::UpsertSpec& CwContact::spec() {
  static const db::UpsertSpec s{"cw_contacts",
                                {"id", "account_id", "contact_id", "name", "email", "phone_number", "identifier",
                                 "custom_attributes", "data", "updated_at"},
                                {"id"},
                                {},
                                // updated_at falls back to the conversation's or message's, which differ
                                // between sightings of one contact: only a change in the contact counts.
                                {"account_id", "contact_id", "name", "email", "phone_number", "identifier",
                                 "custom_attributes", "data"}};
  return s;
}
db::Row CwContact::cells() const {
  return {pg_cell(id),    pg_cell(account_id),   pg_cell(contact_id), pg_cell(name),
          pg_cell(email), pg_cell(phone_number), pg_cell(identifier), pg_cell(custom_attributes),
          pg_cell(data),  pg_cell(updated_at)};
}

}  // namespace labctl::connectors
