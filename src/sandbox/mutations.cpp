#include "mutations.hpp"

#include "attio_fake.hpp"
#include "chatwoot_fake.hpp"
#include "linear_fake.hpp"
#include "rng.hpp"

namespace labctl::sandbox {
namespace {

struct MutationError {
  int status;
  std::string message;
};

[[noreturn]] void fail(int status, std::string message) { throw MutationError{status, std::move(message)}; }

int64_t int_field(const json& r, const char* name) {
  auto it = r.find(name);
  if (it == r.end()) fail(400, std::string(name) + " is required");
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_string())
    if (auto v = to_int(it->get<std::string>())) return *v;
  fail(400, std::string(name) + " must be an integer");
}

std::string string_field(const json& r, const char* name) {
  auto it = r.find(name);
  if (it == r.end() || !it->is_string() || it->get<std::string>().empty())
    fail(400, std::string(name) + " is required (a string)");
  return it->get<std::string>();
}

std::optional<std::string> optional_string(const json& r, const char* name) {
  auto it = r.find(name);
  if (it == r.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) fail(400, std::string(name) + " must be a string");
  return it->get<std::string>();
}

Tenant& chatwoot_tenant(Dataset& data, const json& r) {
  if (!r.contains("account")) return data.tenants().front();
  Tenant* t = data.by_chatwoot_account(int_field(r, "account"));
  if (!t) fail(404, "unknown Chatwoot account");
  return *t;
}

Tenant& workspace_tenant(Dataset& data, const json& r, bool linear) {
  auto ws = optional_string(r, "workspace");
  if (!ws) return data.tenants().front();
  Tenant* t = linear ? data.by_linear_workspace(*ws) : data.by_attio_workspace(*ws);
  if (!t) fail(404, "unknown workspace " + *ws);
  return *t;
}

json message_edit(Dataset& data, const json& r) {
  Tenant& t = chatwoot_tenant(data, r);
  int64_t id = int_field(r, "message");
  if (!t.chatwoot.conversation_of_message(id)) fail(404, "unknown message " + std::to_string(id));
  return chatwoot_message_json(t.chatwoot, data.edit_message(t, id, optional_string(r, "content")));
}

json message_add(Dataset& data, const json& r) {
  Tenant& t = chatwoot_tenant(data, r);
  auto& cw = t.chatwoot;
  Conversation* c = cw.conversation(int_field(r, "conversation"));
  if (!c) fail(404, "unknown conversation");
  std::string sender = optional_string(r, "sender").value_or("contact");
  if (sender != "contact" && sender != "agent") fail(400, "sender must be \"contact\" or \"agent\"");
  Message m;
  m.from_contact = sender == "contact";
  m.sender = m.from_contact ? c->contact : static_cast<size_t>(std::max(c->assignee, 0));
  m.is_private = !m.from_contact && r.value("private", false);
  Rng rng({cw.key, static_cast<uint64_t>(cw.next_message_id)});
  m.content = optional_string(r, "content").value_or(chat_line(rng, c->lang, c->topic, m.from_contact));
  if (r.contains("created_at")) m.created_ms = int_field(r, "created_at") * 1000;
  if (r.contains("fields")) {
    if (!r["fields"].is_object()) fail(400, "fields must be an object");
    m.overrides = r["fields"];
  }
  return chatwoot_message_json(cw, data.add_message(t, *c, std::move(m)));
}

json issue_update(Dataset& data, const json& r) {
  Tenant& t = workspace_tenant(data, r, true);
  auto& li = t.linear;
  int index = li.issue_index(string_field(r, "issue"));
  if (index < 0) fail(404, "unknown issue");
  std::optional<int> state;
  if (auto name = optional_string(r, "state")) {
    for (size_t i = 0; i < li.states.size(); ++i)
      if (li.states[i].name == *name || li.states[i].type == *name || li.states[i].id == *name) state = static_cast<int>(i);
    if (!state) fail(400, "unknown state " + *name);
  }
  data.touch_issue(t, static_cast<size_t>(index), optional_string(r, "title"), state);
  return linear_issue_json(li, li.issues[static_cast<size_t>(index)]);
}

json attio_update(Dataset& data, const json& r) {
  Tenant& t = workspace_tenant(data, r, false);
  auto object = attio_object_from(string_field(r, "object"));
  if (!object) fail(400, "object must be companies, deals, people or activities");
  int index = t.attio.index_of(*object, string_field(r, "record"));
  if (index < 0) fail(404, "unknown record");
  json values = r.value("values", json::object());
  if (!values.is_object()) fail(400, "values must be an object");
  data.touch_attio(t, *object, static_cast<size_t>(index), values);
  return attio_record_json(t.attio, *object, static_cast<size_t>(index));
}

}  // namespace

Reply apply_mutation(Dataset& data, const json& request) {
  try {
    if (!request.is_object()) fail(400, "body must be a JSON object");
    std::string kind = request.value("kind", "");
    if (kind == "chatwoot_message_edit") return Reply::json(200, {{"ok", true}, {"message", message_edit(data, request)}});
    if (kind == "chatwoot_message_add") return Reply::json(200, {{"ok", true}, {"message", message_add(data, request)}});
    if (kind == "linear_issue_update") return Reply::json(200, {{"ok", true}, {"issue", issue_update(data, request)}});
    if (kind == "attio_record_update") return Reply::json(200, {{"ok", true}, {"record", attio_update(data, request)}});
    fail(400, "kind must be chatwoot_message_edit, chatwoot_message_add, linear_issue_update or attio_record_update");
  } catch (const MutationError& e) {
    return Reply::json(e.status, {{"ok", false}, {"error", e.message}});
  } catch (const json::exception& e) {
    return Reply::json(400, {{"ok", false}, {"error", e.what()}});
  }
}

}  // namespace labctl::sandbox
