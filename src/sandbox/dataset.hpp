#pragma once
// The sandbox's data: a few tenants (client projects), each with a Chatwoot account, a Linear
// workspace and an Attio workspace. Everything is a pure function of (seed, scale, start time):
// conversations, issues and records are generated up front as compact structs, and message
// bodies and Attio values are rebuilt on demand, so even --scale 1000 starts quickly.
// Mutations (edits, added messages) live in small overlays; reset() drops them.
#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "phrases.hpp"

namespace labctl::sandbox {

using json = nlohmann::json;

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kHourMs = 60 * kMinuteMs;
constexpr int64_t kDayMs = 24 * kHourMs;

struct DatasetOptions {
  uint64_t seed = 1;
  int scale = 1;
  int tenants = 3;
  int64_t start_ms = 0;  // "now" at server start; all timestamps are relative to it
};

// ---- Chatwoot -------------------------------------------------------------------------------

struct Agent {  // agency staff: Chatwoot users shared by every account
  int64_t id;
  std::string name;
  std::string email;
};
const std::vector<Agent>& agents();

struct Contact {
  int64_t id;
  std::string name;
  std::string email;  // empty = none
  std::string phone;  // empty = none
  Lang lang;
};

struct Inbox {
  int64_t id;
  std::string name;
  std::string channel_type;
};

struct Attachment {
  std::optional<int64_t> id;
  std::string file_name;
  std::string file_type;
  int64_t file_size;
};

struct Message {
  int64_t id = 0;
  int64_t conversation_id = 0;
  std::string content;
  bool is_private = false;
  bool from_contact = true;
  size_t sender = 0;  // index into contacts (from_contact) or agents()
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  std::optional<Attachment> attachment;
  json overrides = nullptr;  // raw fields merged into the JSON (messages added by a mutation)
};

struct Conversation {
  int64_t id;
  int64_t inbox_id;
  size_t contact;
  int assignee;  // index into agents(), -1 = unassigned
  std::string status;
  Lang lang;
  Topic topic;
  int64_t first_message_id;  // generated messages have ids first..first+generated-1
  int generated;
  int64_t start_s;
  int64_t span_s;
  std::vector<int64_t> added;  // ids of messages added later, ascending, all above the generated ones
  int64_t created_ms;
  int64_t last_activity_ms;

  size_t message_count() const { return static_cast<size_t>(generated) + added.size(); }
  int64_t message_id(size_t pos) const {
    return pos < static_cast<size_t>(generated) ? first_message_id + static_cast<int64_t>(pos)
                                                : added[pos - static_cast<size_t>(generated)];
  }
};

struct ChatwootData {
  uint64_t key = 0;  // seeds message generation
  int64_t account_id = 0;
  std::vector<Inbox> inboxes;
  std::vector<Contact> contacts;
  std::vector<Conversation> conversations;
  std::vector<size_t> by_activity;  // conversation indexes, last_activity_at desc, id desc
  std::map<int64_t, Message> added_messages;
  std::map<int64_t, std::pair<std::string, int64_t>> edits;  // message id → (content, updated_ms)
  int64_t next_message_id = 0;
  size_t total_generated_messages = 0;

  // The message at `pos` (0 = oldest) of a conversation, with edits applied.
  Message message(const Conversation& c, size_t pos) const;
  const Conversation* conversation(int64_t id) const;
  Conversation* conversation(int64_t id);
  // The conversation holding message `id`, or nullptr.
  Conversation* conversation_of_message(int64_t id);
  size_t message_total() const { return total_generated_messages + added_messages.size(); }
  void sort_by_activity();
};

// ---- Linear ---------------------------------------------------------------------------------

struct LinearState {
  std::string id, name, type;
  double position;
  int64_t updated_ms;
};
struct LinearProject {
  std::string id, name, state;
  int lead;  // index into agents(), -1 = none
  int64_t updated_ms;
};
struct LinearCycle {
  std::string id;
  int number;
  int64_t starts_ms, ends_ms, completed_ms;  // completed_ms 0 = not completed
  double progress;
  int64_t updated_ms;
};
struct LinearIssue {
  std::string id, identifier, title;
  int priority;
  int64_t due_ms;  // 0 = no due date
  int64_t created_ms, updated_ms, completed_ms;
  int project, state, cycle, assignee;  // indexes; -1 = none
  std::vector<uint8_t> labels;          // indexes into issue_labels()
  std::vector<uint32_t> blocked_by;     // issue indexes
};

struct LinearData {
  std::string workspace_id, team_id, team_key;
  std::vector<std::string> label_ids;
  std::vector<LinearState> states;
  std::vector<LinearProject> projects;
  std::vector<LinearCycle> cycles;
  std::vector<LinearIssue> issues;
  std::vector<size_t> by_updated;  // issue indexes, updatedAt desc, id desc
  void sort_by_updated();
  int issue_index(std::string_view id_or_identifier) const;
};

// ---- Attio ----------------------------------------------------------------------------------

enum class AttioObject { companies, deals, people, activities };
constexpr int kAttioObjectCount = 4;
const char* attio_object_name(AttioObject o);
std::optional<AttioObject> attio_object_from(std::string_view name);

struct AttioRecord {
  std::string record_id;
  bool object_id = false;  // serialise the id as {workspace_id, object_id, record_id}
  int64_t created_ms, updated_ms;
};

struct AttioData {
  uint64_t key = 0;
  std::string workspace_id;
  std::array<std::vector<AttioRecord>, kAttioObjectCount> records;
  std::map<std::pair<int, size_t>, json> value_overrides;  // (object, index) → attribute → value

  const std::vector<AttioRecord>& of(AttioObject o) const { return records[static_cast<size_t>(o)]; }
  std::vector<AttioRecord>& of(AttioObject o) { return records[static_cast<size_t>(o)]; }
  // The `values` object of a record, Attio style: {"name":[{"value":"Acme"}], ...}.
  json values(AttioObject o, size_t index) const;
  int index_of(AttioObject o, std::string_view record_id) const;
};

// ---- Tenants --------------------------------------------------------------------------------

struct Tenant {
  int number;  // 1-based
  std::string name, slug, domain;
  ChatwootData chatwoot;
  LinearData linear;
  AttioData attio;
};

class Dataset {
 public:
  explicit Dataset(DatasetOptions options);

  const DatasetOptions& options() const { return options_; }
  // The sandbox clock: the start time plus the real time elapsed since.
  int64_t now_ms() const;
  // Regenerates everything from the options, dropping all mutations.
  void reset();

  std::vector<Tenant>& tenants() { return tenants_; }
  const std::vector<Tenant>& tenants() const { return tenants_; }
  Tenant* by_chatwoot_account(int64_t account_id);
  Tenant* by_linear_workspace(std::string_view id);
  Tenant* by_attio_workspace(std::string_view id);

  // Mutations (callers hold the dataset lock). Each bumps updated_at to now.
  const Message& add_message(Tenant& t, Conversation& c, Message m);
  Message edit_message(Tenant& t, int64_t message_id, std::optional<std::string> content);
  void touch_issue(Tenant& t, size_t index, std::optional<std::string> title, std::optional<int> state);
  void touch_attio(Tenant& t, AttioObject o, size_t index, const json& values);

 private:
  DatasetOptions options_;
  std::chrono::steady_clock::time_point started_;
  std::vector<Tenant> tenants_;
};

}  // namespace labctl::sandbox
