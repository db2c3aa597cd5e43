#include "chatwoot_fake.hpp"

#include <algorithm>

#include "rng.hpp"

namespace labctl::sandbox {
namespace {

constexpr size_t kMessagesPerPage = 20;  // what Chatwoot returns per messages call

json or_null(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

json contact_json(const Contact& c) {
  return {{"id", c.id},
          {"name", c.name},
          {"email", or_null(c.email)},
          {"phone_number", or_null(c.phone)},
          {"identifier", nullptr},
          {"thumbnail", ""},
          {"type", "contact"},
          {"additional_attributes", json::object()},
          {"custom_attributes", json::object()}};
}

json agent_json(const Agent& a) {
  return {{"id", a.id},          {"name", a.name},   {"available_name", a.name},
          {"email", a.email},    {"avatar_url", ""}, {"availability_status", "online"},
          {"type", "user"}};
}

json attachment_json(const ChatwootData& cw, const Message& m, const Attachment& a) {
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016llx",
                static_cast<unsigned long long>(hash_of({cw.key, static_cast<uint64_t>(m.id), 99})));
  std::string base = std::string("https://chatwoot.sandbox.test/rails/active_storage/blobs/redirect/") + hash + "/";
  json j = {{"message_id", m.id},
            {"file_type", a.file_type},
            {"account_id", cw.account_id},
            {"extension", nullptr},
            {"data_url", base + a.file_name},
            {"thumb_url", a.file_type == "image" ? base + "thumb_" + a.file_name : ""},
            {"file_size", a.file_size}};
  if (a.id) j["id"] = *a.id;
  return j;
}

const Inbox* inbox_of(const ChatwootData& cw, int64_t id) {
  for (const auto& i : cw.inboxes)
    if (i.id == id) return &i;
  return nullptr;
}

std::string error(const std::string& message) { return json{{"error", message}}.dump(); }

}  // namespace

json chatwoot_message_json(const ChatwootData& cw, const Message& m) {
  const Conversation* c = cw.conversation(m.conversation_id);
  json j = {{"id", m.id},
            {"content", m.content},
            {"account_id", cw.account_id},
            {"inbox_id", c ? c->inbox_id : 0},
            {"conversation_id", m.conversation_id},
            {"message_type", m.from_contact ? 0 : 1},
            {"content_type", "text"},
            {"status", "sent"},
            {"content_attributes", json::object()},
            {"created_at", m.created_ms / 1000},
            {"updated_at", m.updated_ms / 1000},
            {"private", m.is_private},
            {"source_id", nullptr},
            {"sender_type", m.from_contact ? "Contact" : "User"},
            {"sender_id", m.from_contact ? cw.contacts[m.sender].id : agents()[m.sender].id},
            {"sender", m.from_contact ? contact_json(cw.contacts[m.sender]) : agent_json(agents()[m.sender])}};
  if (m.attachment) j["attachments"] = json::array({attachment_json(cw, m, *m.attachment)});
  if (m.overrides.is_object()) j.merge_patch(m.overrides);  // a null override removes the field
  return j;
}

json chatwoot_conversation_json(const ChatwootData& cw, const Conversation& c) {
  const Inbox* inbox = inbox_of(cw, c.inbox_id);
  json j = {{"id", c.id},
            {"account_id", cw.account_id},
            {"inbox_id", c.inbox_id},
            {"status", c.status},
            {"created_at", c.created_ms / 1000},
            {"last_activity_at", c.last_activity_ms / 1000},
            {"timestamp", c.last_activity_ms / 1000},
            {"unread_count", 0},
            {"can_reply", true},
            {"labels", json::array()},
            {"additional_attributes", json::object()},
            {"meta",
             {{"sender", contact_json(cw.contacts[c.contact])},
              {"assignee", c.assignee >= 0 ? agent_json(agents()[static_cast<size_t>(c.assignee)]) : json(nullptr)},
              {"channel", inbox ? inbox->channel_type : ""},
              {"hmac_verified", false}}}};
  if (c.assignee >= 0) j["assignee_id"] = agents()[static_cast<size_t>(c.assignee)].id;
  return j;
}

Reply chatwoot_conversations(Dataset& data, Tenant& t, const httplib::Request& req, const PageFault& fault) {
  auto& cw = t.chatwoot;
  int64_t page = std::max<int64_t>(1, to_int(req.get_param_value("page")).value_or(1));
  int64_t per_page = std::clamp<int64_t>(to_int(req.get_param_value("per_page")).value_or(25), 1, 1000);
  std::string status = req.get_param_value("status");  // absent or "all" = every status
  bool ascending = req.get_param_value("order_by") == "asc";

  std::vector<size_t> order;
  size_t assigned = 0;
  for (size_t i : cw.by_activity) {
    const auto& c = cw.conversations[i];
    if (!status.empty() && status != "all" && c.status != status) continue;
    order.push_back(i);
    if (c.assignee >= 0) ++assigned;
  }
  if (ascending) std::reverse(order.begin(), order.end());

  json payload = json::array();
  auto first = static_cast<size_t>(std::min<int64_t>((page - 1) * per_page, static_cast<int64_t>(order.size())));
  auto last = std::min(order.size(), first + static_cast<size_t>(per_page));
  if (fault.duplicate && first > 0 && first <= order.size())
    payload.push_back(chatwoot_conversation_json(cw, cw.conversations[order[first - 1]]));
  for (size_t k = first; k < last; ++k) payload.push_back(chatwoot_conversation_json(cw, cw.conversations[order[k]]));

  json body = {{"data",
                {{"meta",
                  {{"mine_count", 0},
                   {"assigned_count", assigned},
                   {"unassigned_count", order.size() - assigned},
                   {"all_count", order.size()}}},
                 {"payload", std::move(payload)}}}};
  Reply reply = Reply::json(200, body);
  if (fault.mutate_after && first < last) {
    // The client writes again: that conversation jumps to the top, shifting later pages.
    Conversation& c = cw.conversations[order[first]];
    Message m;
    Rng r({cw.key, static_cast<uint64_t>(cw.next_message_id)});
    m.content = chat_line(r, c.lang, Topic::deadline, true);
    m.sender = c.contact;
    data.add_message(t, c, std::move(m));
  }
  return reply;
}

Reply chatwoot_inboxes(const Tenant& t) {
  json payload = json::array();
  for (const auto& i : t.chatwoot.inboxes)
    payload.push_back({{"id", i.id},
                       {"name", i.name},
                       {"channel_type", i.channel_type},
                       {"account_id", t.chatwoot.account_id},
                       {"greeting_enabled", false},
                       {"enable_auto_assignment", true}});
  return Reply::json(200, {{"payload", std::move(payload)}});
}

Reply chatwoot_messages(Dataset& data, Tenant& t, const std::string& conversation_id, const httplib::Request& req,
                        const PageFault& fault) {
  auto& cw = t.chatwoot;
  auto cid = to_int(conversation_id);
  Conversation* c = cid ? cw.conversation(*cid) : nullptr;
  if (!c) return {404, error("Resource could not be found"), {}};

  // Newest 20 messages, or the 20 just older than `before`; oldest first within the page.
  size_t end = c->message_count();
  std::optional<int64_t> before;
  if (req.has_param("before")) {
    before = to_int(req.get_param_value("before"));
    if (!before) return {400, error("before must be a message id"), {}};
    size_t lo = 0, hi = end;
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      if (c->message_id(mid) < *before) lo = mid + 1; else hi = mid;
    }
    end = lo;
  }
  size_t begin = end > kMessagesPerPage ? end - kMessagesPerPage : 0;
  json payload = json::array();
  for (size_t pos = begin; pos < end; ++pos) payload.push_back(chatwoot_message_json(cw, cw.message(*c, pos)));
  if (fault.duplicate && before && end < c->message_count() && c->message_id(end) == *before)
    payload.push_back(chatwoot_message_json(cw, cw.message(*c, end)));  // the previous page's boundary message

  const Contact& contact = cw.contacts[c->contact];
  json meta = {{"labels", json::array()},
               {"additional_attributes", json::object()},
               {"contact", contact_json(contact)},
               {"assignee", c->assignee >= 0 ? agent_json(agents()[static_cast<size_t>(c->assignee)]) : json(nullptr)},
               {"agent_last_seen_at", c->last_activity_ms / 1000},
               {"assignee_last_seen_at", c->last_activity_ms / 1000}};
  Reply reply = Reply::json(200, {{"meta", std::move(meta)}, {"payload", std::move(payload)}});
  if (fault.mutate_after && end > begin) data.edit_message(t, c->message_id(end - 1), std::nullopt);
  return reply;
}

}  // namespace labctl::sandbox
