#include "dataset.hpp"

#include <algorithm>
#include <cctype>

#include "rng.hpp"
#include "time_format.hpp"

namespace labctl::sandbox {
namespace {

// Independent random streams, so adding a field to one kind of record never reshuffles another.
enum Stream : uint64_t {
  kContact = 1,
  kConversation,
  kMessage,
  kMessageTime,
  kLinear,
  kIssue,
  kAttioRecord,
  kAttioValues,
};

struct Profile {
  const char* name;
  const char* slug;
  const char* domain;
  const char* key;
};
constexpr Profile kProfiles[] = {
    {"Northwind Coffee", "northwind", "northwind-coffee.test", "NW"},
    {"Baltika Realty", "baltika", "baltika-realty.test", "BR"},
    {"Pelican Studio", "pelican", "pelican-studio.test", "PS"},
    {"Kvant Logistics", "kvant", "kvant-logistics.test", "KV"},
    {"Orbita Fitness", "orbita", "orbita-fitness.test", "OF"},
    {"Lumen Dental", "lumen", "lumen-dental.test", "LD"},
    {"Taiga Outdoor", "taiga", "taiga-outdoor.test", "TO"},
    {"Sever Bank", "sever", "sever-bank.test", "SB"},
    {"Mosaic Books", "mosaic", "mosaic-books.test", "MB"},
};

// Attio record counts and Chatwoot/Linear volumes at scale 1, per tenant.
constexpr size_t kContacts = 25, kConversations = 40, kIssues = 60;
constexpr std::array<size_t, kAttioObjectCount> kAttioCounts = {15, 20, 30, 40};

std::string capitalised(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

// ---- Chatwoot ---------------------------------------------------------------------------------

void generate_chatwoot(ChatwootData& cw, int ti, uint64_t key, const DatasetOptions& o, const Profile& p) {
  const size_t scale = static_cast<size_t>(o.scale);
  cw.key = key;
  cw.account_id = 101 + ti;
  cw.inboxes = {{7 + 10 * ti, "Website", "Channel::WebWidget"}, {8 + 10 * ti, "Email", "Channel::Email"}};

  const auto& names = person_names();
  size_t offset = hash_of({key, kContact}) % names.size();
  for (size_t j = 0; j < kContacts * scale; ++j) {
    Rng r({key, kContact, j});
    size_t slot = (j * 7 + offset) % names.size(), round = j / names.size();
    const auto& pn = names[slot];
    Contact c{(ti + 1) * 100000 + static_cast<int64_t>(j) + 1, pn.name, "", "", pn.lang};
    std::string local = pn.email_local + (round > 0 ? "." + std::to_string(round) : "");
    std::string domain = r.chance(0.8) ? p.domain : (pn.lang == Lang::ru ? "mail.test" : "gmail.test");
    if (j % 12 == 11) {
      // The same person again (e.g. from the email inbox), with the email in other letter case.
      const Contact& first = cw.contacts[j - 6];
      c.name = first.name;
      c.lang = first.lang;
      auto at = first.email.find('@');
      c.email = capitalised(first.email.substr(0, at)) + "@" + capitalised(first.email.substr(at + 1));
    } else if (j % 10 != 8) {
      c.email = local + "@" + domain;
    }
    if (r.chance(0.6))
      c.phone = c.lang == Lang::ru ? "+7 9" + std::to_string(r.range(10, 99)) + " " + std::to_string(r.range(100, 999)) +
                                         "-" + std::to_string(r.range(10, 99)) + "-" + std::to_string(r.range(10, 99))
                                   : "+1 555 01" + std::to_string(r.range(10, 99));
    cw.contacts.push_back(std::move(c));
  }

  const int64_t now_s = o.start_ms / 1000;
  const int64_t window_lo = now_s - 6 * 86400 + 300;  // inside the last 6 days
  int64_t next_id = (ti + 1) * 10'000'000LL + 1;
  for (size_t k = 0; k < kConversations * scale; ++k) {
    Rng r({key, kConversation, k});
    Conversation c{};
    c.id = (ti + 1) * 100000 + static_cast<int64_t>(k) + 1;
    c.inbox_id = r.chance(0.7) ? cw.inboxes[0].id : cw.inboxes[1].id;
    c.contact = r.next() % cw.contacts.size();
    c.lang = cw.contacts[c.contact].lang;
    c.topic = static_cast<Topic>(r.next() % (kTopicCount - 1));  // "general" is never the main topic
    double u = r.unit();
    c.status = u < 0.5 ? "open" : u < 0.65 ? "pending" : "resolved";
    c.assignee = r.chance(0.8) ? static_cast<int>(r.next() % agents().size()) : -1;
    c.generated = static_cast<int>(k % 8 == 3 ? r.range(40, 60) : r.range(10, 30));
    c.first_message_id = next_id;
    next_id += c.generated;
    int64_t end_s = now_s - 60 - r.range(0, 86400 * 11 / 2);
    c.span_s = std::min(end_s - window_lo, c.generated * r.range(600, 4 * 3600));
    c.start_s = end_s - c.span_s;
    c.created_ms = c.start_s * 1000;
    c.last_activity_ms = end_s * 1000;
    cw.total_generated_messages += static_cast<size_t>(c.generated);
    cw.conversations.push_back(std::move(c));
  }
  cw.next_message_id = next_id;
  cw.sort_by_activity();
}

// ---- Linear -----------------------------------------------------------------------------------

void generate_linear(LinearData& li, int ti, uint64_t key, const DatasetOptions& o, const Profile& p) {
  const int64_t now = o.start_ms;
  Rng r({key, kLinear});
  li.workspace_id = std::string("lin-") + p.slug;
  li.team_id = stable_uuid({key, kLinear, 1});
  li.team_key = p.key;
  for (size_t i = 0; i < issue_labels().size(); ++i) li.label_ids.push_back(stable_uuid({key, kLinear, 2, i}));

  const struct {
    const char* name;
    const char* type;
    double position;
  } states[] = {{"Backlog", "backlog", 0}, {"Todo", "unstarted", 1}, {"In Progress", "started", 2.5}, {"Done", "completed", 3}};
  for (size_t i = 0; i < 4; ++i)
    li.states.push_back({stable_uuid({key, kLinear, 3, i}), states[i].name, states[i].type, states[i].position,
                         now - 20 * kDayMs - r.range(0, 48) * kHourMs});

  size_t projects = static_cast<size_t>(r.range(3, 5));
  const char* project_states[] = {"started", "started", "planned", "completed", "paused"};
  for (size_t i = 0; i < projects; ++i)
    li.projects.push_back({stable_uuid({key, kLinear, 4, i}),
                           project_names()[(i + static_cast<size_t>(ti) * 2) % project_names().size()],
                           project_states[i], r.chance(0.85) ? static_cast<int>(r.next() % agents().size()) : -1,
                           now - r.range(1, 29 * 24) * kHourMs});

  int first_cycle = static_cast<int>(r.range(20, 60));
  li.cycles.push_back({stable_uuid({key, kLinear, 5, 0}), first_cycle, now - 21 * kDayMs, now - 7 * kDayMs,
                       now - 7 * kDayMs, 1.0, now - 7 * kDayMs});
  li.cycles.push_back({stable_uuid({key, kLinear, 5, 1}), first_cycle + 1, now - 7 * kDayMs, now + 7 * kDayMs, 0,
                       static_cast<double>(r.range(20, 70)) / 100.0, now - r.range(1, 48) * kHourMs});

  size_t n = kIssues * static_cast<size_t>(o.scale);
  for (size_t i = 0; i < n; ++i) {
    Rng ri({key, kIssue, i});
    LinearIssue is{};
    is.id = stable_uuid({key, kIssue, i});
    is.identifier = std::string(p.key) + "-" + std::to_string(i + 1);
    is.title = issue_title(ri);
    is.priority = static_cast<int>(ri.range(0, 4));
    is.created_ms = now - 30 * kDayMs - ri.range(0, 60 * 24) * kHourMs;
    is.updated_ms = now - ri.range(10, 30 * 24 * 60 - 60) * kMinuteMs - ri.range(0, 59'999);
    double u = ri.unit();
    is.state = u < 0.15 ? 0 : u < 0.35 ? 1 : u < 0.6 ? 2 : 3;
    is.completed_ms = is.state == 3 ? is.updated_ms - ri.range(0, 3 * 3600) * 1000 : 0;
    is.project = ri.chance(0.9) ? static_cast<int>(ri.next() % li.projects.size()) : -1;
    is.cycle = is.state == 0 ? -1 : is.state == 3 ? static_cast<int>(ri.next() % 2) : ri.chance(0.7) ? 1 : -1;
    is.assignee = ri.chance(0.8) ? static_cast<int>(ri.next() % agents().size()) : -1;
    is.due_ms = ri.chance(0.5) ? now + ri.range(-10, 30) * kDayMs : 0;
    for (int64_t l = ri.range(0, 3); l > 0; --l) {
      auto label = static_cast<uint8_t>(ri.next() % issue_labels().size());
      if (std::find(is.labels.begin(), is.labels.end(), label) == is.labels.end()) is.labels.push_back(label);
    }
    if (i >= 2 && is.state != 3 && ri.chance(0.12))
      for (int64_t b = ri.range(1, 2); b > 0; --b) {
        auto blocker = static_cast<uint32_t>(ri.next() % i);
        if (std::find(is.blocked_by.begin(), is.blocked_by.end(), blocker) == is.blocked_by.end())
          is.blocked_by.push_back(blocker);
      }
    li.issues.push_back(std::move(is));
  }
  li.sort_by_updated();
}

// ---- Attio ------------------------------------------------------------------------------------

void generate_attio(AttioData& at, uint64_t key, const DatasetOptions& o, const Profile& p) {
  const int64_t now = o.start_ms;
  at.key = key;
  at.workspace_id = std::string("attio-") + p.slug;
  for (int obj = 0; obj < kAttioObjectCount; ++obj) {
    size_t n = kAttioCounts[static_cast<size_t>(obj)] * static_cast<size_t>(o.scale);
    auto& list = at.records[static_cast<size_t>(obj)];
    for (size_t i = 0; i < n; ++i) {
      Rng r({key, kAttioRecord, static_cast<uint64_t>(obj), i});
      AttioRecord rec;
      rec.record_id = stable_uuid({key, kAttioRecord, static_cast<uint64_t>(obj), i});
      rec.object_id = obj == 0 && i == 1;
      rec.updated_ms = now - r.range(60, 30 * 24 * 60 - 60) * kMinuteMs - r.range(0, 59'999);
      rec.created_ms = obj == 3 ? rec.updated_ms - r.range(0, 120) * kMinuteMs : now - r.range(31, 400) * kDayMs;
      list.push_back(std::move(rec));
    }
  }
}

json one(json v) { return json::array({{{"value", std::move(v)}}}); }

json relation(const char* object, const std::string& record_id) {
  return json::array({{{"target_object", object}, {"target_record_id", record_id}}});
}

json currency(int64_t amount) {
  return json::array({{{"currency_value", amount}, {"currency_code", "USD"}}});
}

}  // namespace

const std::vector<Agent>& agents() {
  static const std::vector<Agent> list = {{1, "Alina Petrova", "alina@agency.test"},
                                          {2, "Dmitry Sokolov", "dmitry@agency.test"},
                                          {3, "Kate Miller", "kate@agency.test"},
                                          {4, "Ivan Orlov", "ivan@agency.test"}};
  return list;
}

// ---- ChatwootData -------------------------------------------------------------------------------

Message ChatwootData::message(const Conversation& c, size_t pos) const {
  if (pos >= static_cast<size_t>(c.generated)) {
    Message m = added_messages.at(c.added[pos - static_cast<size_t>(c.generated)]);
    return m;
  }
  const auto i = static_cast<int64_t>(pos);
  const int64_t n = c.generated;
  Message m;
  m.id = c.first_message_id + i;
  m.conversation_id = c.id;
  int64_t t = c.start_s + c.span_s * i / (n - 1);
  if (i > 0 && i < n - 1) {
    int64_t step = c.span_s / (n - 1);
    t += static_cast<int64_t>(hash_of({key, kMessageTime, static_cast<uint64_t>(m.id)}) %
                              static_cast<uint64_t>(std::max<int64_t>(1, step / 3)));
  }
  m.created_ms = m.updated_ms = t * 1000;

  Rng r({key, kMessage, static_cast<uint64_t>(m.id)});
  m.from_contact = i == 0 || r.chance(0.45);
  if (m.from_contact) {
    m.sender = c.contact;
  } else {
    m.sender = c.assignee >= 0 ? static_cast<size_t>(c.assignee) : r.next() % agents().size();
    m.is_private = r.chance(0.12);
  }
  if (m.is_private) {
    m.content = private_note(r, c.lang);
  } else {
    Topic topic = i == 0 || r.chance(0.6) ? c.topic : static_cast<Topic>(r.next() % kTopicCount);
    m.content = chat_line(r, c.lang, topic, m.from_contact);
  }
  bool first_conversation = &c == &conversations.front();
  if ((first_conversation && i == 1) || (!m.is_private && r.chance(0.05))) {
    const auto& f = r.pick(attachment_files());
    m.attachment = Attachment{m.id, f.name, f.file_type, r.range(20'000, 5'000'000)};
    if (first_conversation && i == 1) m.attachment->id.reset();  // one attachment without an id
  }
  if (auto e = edits.find(m.id); e != edits.end()) {
    m.content = e->second.first;
    m.updated_ms = e->second.second;
  }
  return m;
}

const Conversation* ChatwootData::conversation(int64_t id) const {
  if (conversations.empty()) return nullptr;
  int64_t i = id - conversations.front().id;
  if (i < 0 || i >= static_cast<int64_t>(conversations.size())) return nullptr;
  return &conversations[static_cast<size_t>(i)];
}

Conversation* ChatwootData::conversation(int64_t id) {
  return const_cast<Conversation*>(std::as_const(*this).conversation(id));
}

Conversation* ChatwootData::conversation_of_message(int64_t id) {
  if (auto a = added_messages.find(id); a != added_messages.end()) return conversation(a->second.conversation_id);
  // Generated ids are allocated in conversation order.
  auto it = std::upper_bound(conversations.begin(), conversations.end(), id,
                             [](int64_t v, const Conversation& c) { return v < c.first_message_id; });
  if (it == conversations.begin()) return nullptr;
  --it;
  return id < it->first_message_id + it->generated ? &*it : nullptr;
}

void ChatwootData::sort_by_activity() {
  by_activity.resize(conversations.size());
  for (size_t i = 0; i < by_activity.size(); ++i) by_activity[i] = i;
  std::sort(by_activity.begin(), by_activity.end(), [this](size_t a, size_t b) {
    const auto &x = conversations[a], &y = conversations[b];
    return x.last_activity_ms != y.last_activity_ms ? x.last_activity_ms > y.last_activity_ms : x.id > y.id;
  });
}

// ---- LinearData ---------------------------------------------------------------------------------

void LinearData::sort_by_updated() {
  by_updated.resize(issues.size());
  for (size_t i = 0; i < by_updated.size(); ++i) by_updated[i] = i;
  std::sort(by_updated.begin(), by_updated.end(), [this](size_t a, size_t b) {
    const auto &x = issues[a], &y = issues[b];
    return x.updated_ms != y.updated_ms ? x.updated_ms > y.updated_ms : x.id > y.id;
  });
}

int LinearData::issue_index(std::string_view id) const {
  for (size_t i = 0; i < issues.size(); ++i)
    if (issues[i].id == id || issues[i].identifier == id) return static_cast<int>(i);
  return -1;
}

// ---- AttioData ----------------------------------------------------------------------------------

const char* attio_object_name(AttioObject o) {
  static const char* names[] = {"companies", "deals", "people", "activities"};
  return names[static_cast<size_t>(o)];
}

std::optional<AttioObject> attio_object_from(std::string_view name) {
  for (int i = 0; i < kAttioObjectCount; ++i)
    if (name == attio_object_name(static_cast<AttioObject>(i))) return static_cast<AttioObject>(i);
  return std::nullopt;
}

int AttioData::index_of(AttioObject o, std::string_view record_id) const {
  const auto& list = of(o);
  for (size_t i = 0; i < list.size(); ++i)
    if (list[i].record_id == record_id) return static_cast<int>(i);
  return -1;
}

json AttioData::values(AttioObject o, size_t i) const {
  Rng r({key, kAttioValues, static_cast<uint64_t>(o), i});
  const int64_t created = of(o)[i].created_ms, updated = of(o)[i].updated_ms;
  const auto& companies = of(AttioObject::companies);
  const auto& names = company_names();
  const size_t name_offset = key % names.size();
  auto company_name = [&](size_t c) {
    size_t slot = (c + name_offset) % names.size(), round = (c + name_offset) / names.size();
    return names[slot].name + (round > 0 ? " " + std::to_string(round + 1) : "");
  };
  auto company_domain = [&](size_t c) {
    size_t slot = (c + name_offset) % names.size(), round = (c + name_offset) / names.size();
    return (round > 0 ? std::to_string(round + 1) + "." : "") + names[slot].domain;
  };
  json v = json::object();
  switch (o) {
    case AttioObject::companies: {
      static const std::vector<std::string> stages = {"Customer", "Customer", "prospect", "prospect", "churned", "lead"};
      v["name"] = one(company_name(i));
      v["domains"] = json::array({{{"domain", company_domain(i)}, {"root_domain", company_domain(i)}}});
      v["stage"] = one(i == 0 ? "Customer" : r.pick(stages));
      if (i == 2)
        v["annual_revenue"] = one("120 000,50");
      else
        v["annual_revenue"] = r.chance(0.8) ? currency(r.range(50, 5000) * 1000) : json::array();
      v["employee_range"] = one(r.pick(std::vector<std::string>{"1-10", "11-50", "51-200", "201-1000"}));
      break;
    }
    case AttioObject::deals: {
      static const std::vector<std::string> stages = {"discovery", "qualified", "proposal_sent",
                                                      "negotiation", "closed-won", "closed-lost"};
      static const std::vector<int64_t> probabilities = {10, 20, 30, 50, 60, 75, 90};
      size_t c = r.next() % companies.size();
      bool no_company = i == 3;
      v["name"] = one((no_company ? std::string("Inbound lead") : company_name(c)) + " — " + r.pick(deal_kinds()));
      v["stage"] = one(i == 0 ? "closed-won" : r.pick(stages));
      v["probability"] = one(i == 0 ? 60 : i == 1 ? 150 : r.pick(probabilities));
      v["amount"] = currency(r.range(5, 200) * 1000);
      v["expected_close_date"] = one(iso_date(created + r.range(30, 200) * kDayMs));
      v["company"] = no_company ? json::array() : relation("companies", companies[c].record_id);
      v["next_step"] = one(r.pick(next_steps()));
      break;
    }
    case AttioObject::people: {
      const auto& people = person_names();
      size_t c = r.next() % companies.size();
      size_t slot = (i + key) % people.size(), round = i / people.size();
      const auto& pn = people[slot];
      v["name"] = one(pn.name);
      v["email"] = one(pn.email_local + (round > 0 ? "." + std::to_string(round) : "") + "@" + company_domain(c));
      v["company"] = relation("companies", companies[c].record_id);
      v["job_title"] = one(r.pick(job_titles()));
      break;
    }
    case AttioObject::activities: {
      static const std::vector<std::string> types = {"note", "note", "invoice_sent", "invoice_paid", "call"};
      std::string type = r.pick(types);
      const auto& deals = of(AttioObject::deals);
      bool on_deal = r.chance(0.7);
      v["type"] = one(type);
      v["note"] = one(activity_note(r, type));
      v["actor_name"] = one(agents()[r.next() % agents().size()].name);
      v["occurred_at"] = one(iso_ms(updated - r.range(0, 3600) * 1000));
      v["record"] = on_deal ? relation("deals", deals[r.next() % deals.size()].record_id)
                            : relation("companies", companies[r.next() % companies.size()].record_id);
      break;
    }
  }
  if (auto ov = value_overrides.find({static_cast<int>(o), i}); ov != value_overrides.end())
    for (const auto& [k, val] : ov->second.items()) v[k] = val;
  return v;
}

// ---- Dataset ------------------------------------------------------------------------------------

Dataset::Dataset(DatasetOptions options) : options_(options), started_(std::chrono::steady_clock::now()) { reset(); }

int64_t Dataset::now_ms() const {
  auto elapsed = std::chrono::steady_clock::now() - started_;
  return options_.start_ms + std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
}

void Dataset::reset() {
  tenants_.clear();
  for (int ti = 0; ti < options_.tenants; ++ti) {
    const Profile& p = kProfiles[ti];
    Tenant t;
    t.number = ti + 1;
    t.name = p.name;
    t.slug = p.slug;
    t.domain = p.domain;
    uint64_t key = hash_of({options_.seed, static_cast<uint64_t>(ti)});
    generate_chatwoot(t.chatwoot, ti, hash_of({key, 1}), options_, p);
    generate_linear(t.linear, ti, hash_of({key, 2}), options_, p);
    generate_attio(t.attio, hash_of({key, 3}), options_, p);
    tenants_.push_back(std::move(t));
  }
}

Tenant* Dataset::by_chatwoot_account(int64_t account_id) {
  for (auto& t : tenants_)
    if (t.chatwoot.account_id == account_id) return &t;
  return nullptr;
}

Tenant* Dataset::by_linear_workspace(std::string_view id) {
  for (auto& t : tenants_)
    if (t.linear.workspace_id == id) return &t;
  return nullptr;
}

Tenant* Dataset::by_attio_workspace(std::string_view id) {
  for (auto& t : tenants_)
    if (t.attio.workspace_id == id) return &t;
  return nullptr;
}

const Message& Dataset::add_message(Tenant& t, Conversation& c, Message m) {
  auto& cw = t.chatwoot;
  m.id = cw.next_message_id++;
  m.conversation_id = c.id;
  if (m.created_ms == 0) m.created_ms = now_ms() / 1000 * 1000;
  m.updated_ms = std::max(m.updated_ms, m.created_ms);
  c.added.push_back(m.id);
  c.last_activity_ms = std::max(c.last_activity_ms, m.created_ms);
  const Message& stored = cw.added_messages[m.id] = std::move(m);
  cw.sort_by_activity();
  return stored;
}

Message Dataset::edit_message(Tenant& t, int64_t id, std::optional<std::string> content) {
  auto& cw = t.chatwoot;
  Conversation* c = cw.conversation_of_message(id);
  if (!c) throw std::invalid_argument("unknown message " + std::to_string(id));
  int64_t now = now_ms() / 1000 * 1000;
  if (auto a = cw.added_messages.find(id); a != cw.added_messages.end()) {
    a->second.content = content ? *content : a->second.content + " (edited)";
    a->second.updated_ms = std::max(now, a->second.created_ms + 1000);
    return a->second;
  }
  Message m = cw.message(*c, static_cast<size_t>(id - c->first_message_id));
  cw.edits[id] = {content ? *content : m.content + " (edited)", std::max(now, m.created_ms + 1000)};
  return cw.message(*c, static_cast<size_t>(id - c->first_message_id));
}

void Dataset::touch_issue(Tenant& t, size_t index, std::optional<std::string> title, std::optional<int> state) {
  auto& is = t.linear.issues.at(index);
  is.title = title ? *title : is.title + " (updated)";
  is.updated_ms = std::max(now_ms(), is.updated_ms + 1);
  if (state) {
    is.state = *state;
    is.completed_ms = t.linear.states[static_cast<size_t>(*state)].type == "completed" ? is.updated_ms : 0;
  }
  t.linear.sort_by_updated();
}

void Dataset::touch_attio(Tenant& t, AttioObject o, size_t index, const json& values) {
  auto& at = t.attio;
  auto& overrides = at.value_overrides[{static_cast<int>(o), index}];
  if (values.empty()) {
    const char* field = o == AttioObject::activities ? "note" : "name";
    json current = at.values(o, index)[field];
    std::string text = current.empty() ? "" : current[0].value("value", "");
    overrides[field] = one(text + " (updated)");
  } else {
    for (const auto& [k, v] : values.items()) overrides[k] = v.is_array() ? v : one(v);
  }
  auto& rec = at.of(o).at(index);
  rec.updated_ms = std::max(now_ms(), rec.updated_ms + 1);
}

}  // namespace labctl::sandbox
