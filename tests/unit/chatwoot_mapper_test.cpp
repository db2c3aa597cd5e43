#include <doctest/doctest.h>

#include "labctl/core/error.hpp"
#include "labctl/domains/connectors/chatwoot_mapper.hpp"

using namespace labctl::connectors;
using json = nlohmann::json;

namespace {

const ChatwootContext kCtx{"0d4e5c1a-8f5e-4d8e-9a3b-1c2d3e4f5a6b", 3};
const std::string kP = "0d4e5c1a-8f5e-4d8e-9a3b-1c2d3e4f5a6b:3:";

// connectors.md §11 fixtures.
const json kConversationsPage = json::parse(R"({"data":{"payload":[{"id":101,"inbox_id":7,"status":"open",
  "last_activity_at":1767261600,
  "meta":{"sender":{"id":55,"type":"contact","name":"Ann Client","email":"ann@client.test"}}}]}})");

const json kMessagesPage = json::parse(R"({"payload":[{"id":9001,"conversation_id":101,
  "content":"Please approve the extra landing page, it is a change request.",
  "private":false,"created_at":1767261000,"sender_type":"Contact","sender_id":55,
  "sender":{"id":55,"type":"contact","email":"ann@client.test"},
  "attachments":[{"id":77,"file_type":"image","data_url":"http://fake/a.png"}]},
  {"id":9002,"conversation_id":101,"content":"internal note","private":true,"created_at":1767261300,
   "sender_type":"User","sender_id":3}]})");

CwConversation fixture_conversation() {
  auto c = map_conversation(conversations_of(kConversationsPage)[0], kCtx);
  REQUIRE(c);
  return c->conversation;
}

}  // namespace

TEST_CASE("chatwoot: item arrays are found where C1, C2 and C3 put them") {
  CHECK(conversations_of(kConversationsPage).size() == 1);
  CHECK(conversations_of(json::parse(R"({"payload":[{"id":1},{"id":2}]})")).size() == 2);  // top-level variant
  CHECK(conversations_of(json::parse(R"({"data":{"payload":[]}})")).empty());
  // A 200 without the list is not an empty page: it names what is missing.
  for (const char* wrong : {R"({})", R"({"data":null})", R"({"data":{}})", "[]", R"({"payload":{"id":1}})"}) {
    CAPTURE(wrong);
    CHECK_THROWS_WITH_AS(conversations_of(json::parse(wrong)),
                         "Chatwoot's conversations page has no data.payload or payload array (not the API's answer)",
                         labctl::Error);
    CHECK_THROWS_AS(messages_of(json::parse(wrong)), labctl::Error);
    CHECK_THROWS_AS(inboxes_of(json::parse(wrong)), labctl::Error);
  }
  CHECK(messages_of(kMessagesPage).size() == 2);
  CHECK(messages_of(json::parse(R"({"data":{"payload":[{"id":1}]}})")).size() == 1);
  CHECK(inboxes_of(json::parse(R"({"payload":[{"id":7}]})")).size() == 1);
  CHECK(inboxes_of(json::parse(R"({"data":[{"id":7},{"id":8}]})")).size() == 2);
}

TEST_CASE("chatwoot: inbox fixture maps to one row") {
  auto page = json::parse(R"({"payload":[{"id":7,"name":"Website","channel_type":"Channel::WebWidget"}]})");
  auto r = map_inbox(inboxes_of(page)[0], kCtx);
  REQUIRE(r);
  CHECK(r->id == "cwinbox:" + kP + "7");
  CHECK(r->account_id == 3);
  CHECK(r->inbox_id == 7);
  CHECK(r->name == "Website");
  CHECK(r->channel_type == "Channel::WebWidget");
  CHECK(r->updated_at == std::nullopt);
  CHECK(r->data == page["payload"][0]);

  auto alt = map_inbox(json{{"id", "8"}, {"channel", "api"}, {"created_at", 1767261600}}, kCtx);
  REQUIRE(alt);
  CHECK(alt->channel_type == "api");
  CHECK(alt->updated_at == "2026-01-01T10:00:00.000Z");
  CHECK_FALSE(map_inbox(json{{"id", "web"}}, kCtx));
}

TEST_CASE("chatwoot: conversation fixture maps with its contact sender") {
  auto c = map_conversation(conversations_of(kConversationsPage)[0], kCtx);
  REQUIRE(c);
  const auto& r = c->conversation;
  CHECK(r.id == "cw:" + kP + "101");
  CHECK(r.conversation_id == 101);
  CHECK(r.inbox_id == 7);
  CHECK(r.status == "open");
  CHECK(r.assignee_id == std::nullopt);
  CHECK(r.updated_at == "2026-01-01T10:00:00.000Z");
  CHECK(r.contact_global_id == "cwc:" + kP + "55");
  REQUIRE(c->contact);
  CHECK(c->contact->id == "cwc:" + kP + "55");
  CHECK(c->contact->contact_id == 55);
  CHECK(c->contact->name == "Ann Client");
  CHECK(c->contact->email == "ann@client.test");
  CHECK(c->contact->custom_attributes == json::object());
  CHECK(c->contact->updated_at == r.updated_at);  // no sender time: the conversation's
}

TEST_CASE("chatwoot: conversation sender rules") {
  // type "user" is an agent, not a contact.
  auto agent = map_conversation(json::parse(R"({"id":5,"meta":{"sender":{"id":9,"type":"user"}}})"), kCtx);
  REQUIRE(agent);
  CHECK_FALSE(agent->contact);
  CHECK(agent->conversation.contact_global_id == std::nullopt);

  // role "customer" is accepted; `contact` is the second place a sender is looked for.
  auto customer = map_conversation(json::parse(R"({"id":5,"contact":{"id":"12","role":"Customer",
    "phoneNumber":"+100","additional_attributes":{"city":"Riga"},"last_activity_at":1767261600}})"), kCtx);
  REQUIRE(customer);
  REQUIRE(customer->contact);
  CHECK(customer->contact->contact_id == 12);
  CHECK(customer->contact->phone_number == "+100");
  CHECK(customer->contact->custom_attributes == json{{"city", "Riga"}});
  CHECK(customer->contact->updated_at == "2026-01-01T10:00:00.000Z");

  // no type at all is accepted; a non-numeric id is dropped.
  auto untyped = map_conversation(json::parse(R"({"id":5,"sender":{"id":13}})"), kCtx);
  REQUIRE(untyped);
  CHECK(untyped->contact);
  auto bad_id = map_conversation(json::parse(R"({"id":5,"meta":{"sender":{"id":"abc","type":"contact"}}})"), kCtx);
  REQUIRE(bad_id);
  CHECK_FALSE(bad_id->contact);
  CHECK(bad_id->conversation.contact_global_id == std::nullopt);
}

TEST_CASE("chatwoot: conversation ids and time fallbacks") {
  CHECK_FALSE(map_conversation(json{{"id", "x-1"}}, kCtx));
  CHECK_FALSE(map_conversation(json{{"status", "open"}}, kCtx));
  auto r = map_conversation(json::parse(R"({"id":"6","updated_at":"2026-01-01T10:00:00Z",
    "meta":{"assignee":{"id":4}}})"), kCtx);
  REQUIRE(r);
  CHECK(r->conversation.conversation_id == 6);
  CHECK(r->conversation.assignee_id == 4);
  CHECK(r->conversation.updated_at == "2026-01-01T10:00:00.000Z");
}

TEST_CASE("chatwoot: message fixture gives 2 messages, 1 attachment, 1 contact") {
  auto conv = fixture_conversation();
  auto out = map_messages(messages_of(kMessagesPage), conv, kCtx);
  REQUIRE(out.messages.size() == 2);
  const auto& m1 = out.messages[0];
  CHECK(m1.id == "cwmsg:" + kP + "9001");
  CHECK(m1.message_id == 9001);
  CHECK(m1.conversation_id == 101);
  CHECK(m1.conversation_global_id == "cw:" + kP + "101");
  CHECK(m1.contact_global_id == "cwc:" + kP + "55");
  CHECK(m1.sender_type == "Contact");
  CHECK(m1.sender_id == 55);
  CHECK_FALSE(m1.is_private);
  CHECK(m1.content == "Please approve the extra landing page, it is a change request.");
  CHECK(m1.created_at == "2026-01-01T09:50:00.000Z");
  CHECK(m1.message_type == std::nullopt);

  const auto& m2 = out.messages[1];
  CHECK(m2.is_private);
  CHECK(m2.sender_type == "User");
  CHECK(m2.sender_id == 3);
  CHECK(m2.created_at == "2026-01-01T09:55:00.000Z");
  CHECK(m2.contact_global_id == "cwc:" + kP + "55");  // an agent's message: the conversation contact

  REQUIRE(out.attachments.size() == 1);
  const auto& a = out.attachments[0];
  CHECK(a.id == "cwa:" + kP + "77");
  CHECK(a.message_global_id == m1.id);
  CHECK(a.conversation_global_id == conv.id);
  CHECK(a.content_type == "image");
  CHECK(a.file_url == "http://fake/a.png");
  CHECK(a.file_size == std::nullopt);
  CHECK(a.updated_at == m1.updated_at);

  REQUIRE(out.contacts.size() == 1);  // agent "User" 3 is not a contact
  CHECK(out.contacts[0].id == "cwc:" + kP + "55");
  CHECK(out.contacts[0].email == "ann@client.test");
}

TEST_CASE("chatwoot: message sender rules") {
  auto conv = fixture_conversation();
  auto msgs = json::parse(R"([
    {"id":1,"sender_type":"contact","sender_id":"70"},
    {"id":2,"sender":{"id":71,"type":"contact","name":"Bo"}},
    {"id":3,"sender":{"id":72}},
    {"id":4,"sender":{"id":73,"type":"user"}},
    {"id":5,"sender_type":"AgentBot","sender":{"id":74,"type":"contact"}},
    {"id":6,"sender_type":"Contact","sender":{"id":"x"}},
    {"id":7,"sender_type":"Contact","sender_id":70}
  ])");
  auto out = map_messages(msgs, conv, kCtx);
  REQUIRE(out.messages.size() == 7);
  REQUIRE(out.contacts.size() == 3);  // 70 (once), 71, 72
  CHECK(out.contacts[0].contact_id == 70);
  CHECK(out.contacts[0].data == json::object());
  CHECK(out.contacts[1].contact_id == 71);
  CHECK(out.contacts[1].name == "Bo");
  CHECK(out.contacts[2].contact_id == 72);
  CHECK(out.messages[0].contact_global_id == "cwc:" + kP + "70");
  CHECK(out.messages[3].contact_global_id == conv.contact_global_id);  // agent
  CHECK(out.messages[4].contact_global_id == conv.contact_global_id);  // bot
  CHECK(out.messages[5].contact_global_id == conv.contact_global_id);  // non-numeric sender
  CHECK(out.messages[1].sender_type == "contact");                     // ← sender.type
  CHECK(out.messages[1].sender_id == 71);                              // ← sender.id
}

TEST_CASE("chatwoot: attachments without an id get {msgId}:{index}") {
  auto conv = fixture_conversation();
  auto msgs = json::parse(R"([{"id":9100,"attachments":[
    {"file_type":"file","file_url":"http://fake/x.pdf","file_size":"2048","thumb_url":"http://fake/t.png"},
    {"file_id":"f-9","content_type":"audio","size":12,"download_url":"http://fake/y"},
    {"type":"video","url":"http://fake/z","thumbnail":"http://fake/zt","updated_at":"2026-01-02T00:00:00Z"}]}])");
  auto out = map_messages(msgs, conv, kCtx);
  REQUIRE(out.attachments.size() == 3);
  CHECK(out.attachments[0].id == "cwa:" + kP + "9100:0");
  CHECK(out.attachments[0].file_size == 2048);
  CHECK(out.attachments[0].thumb_url == "http://fake/t.png");
  CHECK(out.attachments[1].id == "cwa:" + kP + "f-9");
  CHECK(out.attachments[1].content_type == "audio");
  CHECK(out.attachments[1].file_size == 12);
  CHECK(out.attachments[1].file_url == "http://fake/y");
  CHECK(out.attachments[2].id == "cwa:" + kP + "9100:2");
  CHECK(out.attachments[2].content_type == "video");
  CHECK(out.attachments[2].thumb_url == "http://fake/zt");
  CHECK(out.attachments[2].updated_at == "2026-01-02T00:00:00.000Z");
}

TEST_CASE("chatwoot: ISO, epoch and missing created_at; non-numeric ids skipped") {
  auto conv = fixture_conversation();
  auto msgs = json::parse(R"([
    {"id":1,"created_at":1767261000},
    {"id":2,"created_at":"2026-01-01T09:50:00.000Z"},
    {"id":3,"content":"no time"},
    {"id":4,"updated_at":"2026-01-01T12:50:00+03:00"},
    {"id":"m-5","created_at":1767261000},
    {"content":"no id"},
    {"id":1,"content":"duplicate, dropped"}
  ])");
  auto out = map_messages(msgs, conv, kCtx);
  REQUIRE(out.messages.size() == 4);
  CHECK(out.messages[0].created_at == out.messages[1].created_at);
  CHECK(out.messages[0].created_at == "2026-01-01T09:50:00.000Z");
  CHECK(out.messages[0].content == "");  // absent content is '' not NULL
  CHECK(out.messages[2].created_at == std::nullopt);
  CHECK(out.messages[2].updated_at == std::nullopt);
  CHECK(out.messages[3].created_at == "2026-01-01T09:50:00.000Z");  // ← updated_at
  CHECK(message_created_at(msgs[3]) == "2026-01-01T09:50:00.000Z");
  CHECK(out.messages[0].message_id == 1);
  CHECK(map_messages(json::object(), conv, kCtx).messages.empty());
}

TEST_CASE("chatwoot: rows and specs line up with the tables") {
  auto conv = fixture_conversation();
  auto out = map_messages(messages_of(kMessagesPage), conv, kCtx);
  const auto& m = out.messages[0];
  const auto& spec = CwMessage::spec();
  CHECK(spec.table == "cw_messages");
  CHECK(spec.conflict_key == std::vector<std::string>{"id"});
  CHECK(spec.keep_existing == std::set<std::string>{"created_at"});
  auto cells = m.cells();
  REQUIRE(cells.size() == spec.columns.size());
  auto cell = [&](const std::string& col) {
    for (size_t i = 0; i < spec.columns.size(); ++i)
      if (spec.columns[i] == col) return cells[i];
    FAIL("no column " << col);
    return labctl::db::Cell();
  };
  CHECK(cell("id") == m.id);
  CHECK(cell("account_id") == "3");
  CHECK(cell("message_id") == "9001");
  CHECK(cell("private") == "f");
  CHECK(cell("sender_id") == "55");
  CHECK(cell("message_type") == std::nullopt);
  CHECK(cell("created_at") == "2026-01-01T09:50:00.000Z");
  CHECK(json::parse(*cell("data")) == kMessagesPage["payload"][0]);
  CHECK(out.messages[1].cells()[8] == "t");

  for (const auto* s : {&CwInbox::spec(), &CwConversation::spec(), &CwAttachment::spec(), &CwContact::spec()}) {
    CHECK(s->columns.front() == "id");
    CHECK(s->conflict_key == std::vector<std::string>{"id"});
    CHECK(s->keep_existing.empty());
    for (const auto& c : s->columns) {
      CHECK(c != "project_id");
      CHECK(c != "account_scope_id");
      CHECK(c != "created_at");
    }
  }
  CHECK(CwConversation::spec().columns.size() == conv.cells().size());
  CHECK(CwAttachment::spec().columns.size() == out.attachments[0].cells().size());
  CHECK(CwContact::spec().columns.size() == out.contacts[0].cells().size());
  CHECK(CwContact::spec().columns[7] == "custom_attributes");
  CHECK(out.contacts[0].cells()[7] == "{}");
  auto inbox = map_inbox(json{{"id", 7}}, kCtx);
  CHECK(CwInbox::spec().columns.size() == inbox->cells().size());
}
