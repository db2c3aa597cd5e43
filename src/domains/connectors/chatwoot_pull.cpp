// Chatwoot (connectors.md §2). Conversations come newest activity first, 25 to a page; each
// page commits with its conversations' new messages, attachments, contacts and rag_chunks.
// Messages are read backwards (`before=<oldest id>`) until a page reaches the watermark, so a
// long conversation is read whole and edits to the messages read are seen. The
// watermark (newest message time and id) commits after the last page.
#include <exception>
#include <map>
#include <set>
#include <thread>

#include "labctl/core/config.hpp"
#include "labctl/core/error.hpp"
#include "labctl/core/handoff.hpp"
#include "labctl/db/sql_time.hpp"
#include "labctl/domains/connectors/chatwoot_mapper.hpp"
#include "labctl/domains/connectors/connector_pulls.hpp"
#include "labctl/domains/connectors/message_chunker.hpp"
#include "labctl/domains/connectors/pull_support.hpp"
#include "labctl/domains/connectors/source_bindings.hpp"
#include "labctl/domains/connectors/source_http.hpp"
#include "labctl/domains/connectors/source_values.hpp"

namespace labctl::connectors {
namespace {

using json = nlohmann::json;

// Chatwoot's messages endpoint answers 20 at a time, newest first.
constexpr size_t kMessagesPerPage = 20;

long long numeric_tail(const std::optional<std::string>& id) {
  if (!id) return 0;
  auto tail = id->substr(id->rfind(':') + 1);
  try {
    return std::stoll(tail);
  } catch (const std::exception&) {
    return 0;
  }
}

struct Settings {
  std::string base_url, token, account;
  long long conversations_limit, messages_limit, per_page, pages_limit, chunk_size, min_chars;
  std::string model;
};

Settings settings_of(const SyncContext& ctx) {
  const auto& c = ctx.config;
  std::string base = required_setting(c, "chatwoot.base_url");
  while (!base.empty() && base.back() == '/') base.pop_back();
  bool full = ctx.options.full;
  auto unlimited = std::numeric_limits<long long>::max();
  return {base,
          required_setting(c, "chatwoot.api_token"),
          "",
          full ? unlimited : c.get_int("chatwoot.conversations_limit"),
          full ? unlimited : c.get_int("chatwoot.messages_limit"),
          c.get_int("chatwoot.per_page"),
          full ? unlimited : c.get_int("chatwoot.pages_limit"),
          c.get_int("rag.chunk_size"),
          c.get_int("rag.min_embed_chars"),
          c.get("rag.embedding_model")};
}

// The watermark: messages at or before (ts, id) were processed by an earlier run.
struct Mark {
  std::string ts;
  long long id = 0;
  std::optional<std::string> global_id;
};

class ChatwootPull {
 public:
  explicit ChatwootPull(SyncContext& ctx) : ctx_(ctx), s_(settings_of(ctx)) {}

  ChatwootPullResult run() {
    {
      pqxx::work tx(ctx_.conn);
      s_.account = resolve_binding(tx, ctx_.project_id, "chatwoot",
                                   ctx_.config.has("chatwoot.account_id")
                                       ? std::optional<std::string>(ctx_.config.get("chatwoot.account_id"))
                                       : std::nullopt);
      tx.commit();
    }
    if (!integer(json(s_.account)))
      throw Error(ErrorClass::conflict, "chatwoot_source_binding_conflict",
                  "chatwoot account id '" + s_.account + "' bound to this project is not numeric");
    map_ctx_ = {ctx_.project_id, *integer(json(s_.account))};
    source_ = "chatwoot:" + s_.account;
    read_watermark();
    sync_inboxes();
    sync_conversations();
    ChatwootPullResult r = result();
    write_watermark(ctx_.conn, ctx_.project_id, source_, r.cursor, r);
    return r;
  }

 private:
  json get(const std::string& endpoint) {
    ++requests_;
    return fetch_json(ctx_.http, {"Chatwoot", "GET", s_.base_url, "/api/v1/accounts/" + s_.account + endpoint,
                                  {{"api_access_token", s_.token}, {"content-type", "application/json"}}, ""});
  }

  void read_watermark() {
    pqxx::read_transaction tx(ctx_.conn);
    auto lookback = tx.exec_params1("SELECT " + db::iso_utc("now() - make_interval(days => $1)"),
                                    ctx_.config.get_int("chatwoot.lookback_days"))[0].as<std::string>();
    auto wm = tx.exec_params("SELECT " + db::iso_utc("cursor_ts") + ", cursor_id FROM sync_watermarks "
                             "WHERE project_id = $1 AND source = $2",
                             ctx_.project_id, source_);
    // --full: every message the account has, regardless of lookback_days and the watermark.
    window_start_ = ctx_.options.full ? "1970-01-01T00:00:00.000Z" : lookback;
    since_ = {window_start_, 0, std::nullopt};
    if (!ctx_.options.full && !wm.empty() && !wm[0][0].is_null()) {
      since_.ts = wm[0][0].c_str();
      if (!wm[0][1].is_null()) since_.global_id = wm[0][1].c_str();
      since_.id = numeric_tail(since_.global_id);
    }
    cursor_ = since_;
  }

  void sync_inboxes() {
    std::vector<CwInbox> inboxes;
    for (const auto& item : inboxes_of(get("/inboxes")))
      if (auto inbox = map_inbox(item, map_ctx_)) inboxes.push_back(std::move(*inbox));
    pqxx::work tx(ctx_.conn);
    touched_inboxes_ += write_records(tx, dedupe_by_id(std::move(inboxes)), ctx_).touched();
    tx.commit();
  }

  // One page of conversations with their messages, mapped and chunked, ready to write.
  struct PageRows {
    std::vector<CwConversation> conversations;
    std::vector<CwMessage> messages;
    std::vector<CwAttachment> attachments;
    std::vector<CwContact> contacts;
    std::vector<db::Row> chunks;
    std::vector<std::string> message_ids, chunk_counts;  // every message, and how many chunks it has now
  };

  // Fetching runs in its own thread, at most two pages ahead of the writing, so the HTTP and
  // JSON work overlaps the database's. Pages are still written in order, each in its own
  // transaction, and the watermark after the last.
  void sync_conversations() {
    Handoff<PageRows> pages(2);
    std::exception_ptr fetch_error;
    std::thread fetcher([&] {
      try {
        fetch_conversations(pages);
      } catch (...) {
        fetch_error = std::current_exception();
      }
      pages.close();
    });
    try {
      while (auto page = pages.pop()) write_page(*page);
    } catch (...) {
      pages.stop();
      fetcher.join();
      throw;
    }
    fetcher.join();
    if (fetch_error) std::rethrow_exception(fetch_error);
  }

  // Newest-first pages until one adds nothing new, is short, or the caps are reached.
  void fetch_conversations(Handoff<PageRows>& out) {
    std::set<long long> seen;
    for (long long page = 1; page <= s_.pages_limit; ++page) {
      auto items = conversations_of(get("/conversations?sort_by=last_activity_at&order_by=desc&page=" +
                                        std::to_string(page) + "&per_page=" + std::to_string(s_.per_page)));
      std::vector<MappedConversation> fresh;
      bool reached_old = false;
      for (const auto& item : items) {
        auto mapped = map_conversation(item, map_ctx_);
        if (!mapped || !seen.insert(mapped->conversation.conversation_id).second) continue;
        if (static_cast<long long>(seen.size()) > s_.conversations_limit) break;
        // Sorted by last activity: a conversation quiet since the watermark has nothing new.
        const auto& active = mapped->conversation.updated_at;
        if (active && *active < since_.ts) {
          reached_old = true;
          break;
        }
        fresh.push_back(std::move(*mapped));
      }
      if (!fresh.empty() && !out.push(page_rows(fresh))) return;
      ++pages_;
      if (ctx_.options.progress)
        ctx_.options.progress("chatwoot: page " + std::to_string(page) + ", " + std::to_string(conversations_) +
                              " conversations, " + std::to_string(messages_) + " messages");
      if (fresh.empty() || reached_old || static_cast<long long>(items.size()) < s_.per_page ||
          static_cast<long long>(seen.size()) >= s_.conversations_limit)
        break;
    }
  }

  // A conversation's newest messages, paged back until a page reaches the watermark, oldest
  // first, at most messages_limit. Every message read is written (unchanged ones are no-ops),
  // so edits to messages on those pages are seen.
  json new_messages(const CwConversation& conversation) {
    std::map<long long, json> by_id;
    std::string before;
    for (;;) {
      auto page = messages_of(get("/conversations/" + std::to_string(conversation.conversation_id) + "/messages" +
                                  (before.empty() ? "" : "?before=" + before)));
      long long oldest = std::numeric_limits<long long>::max();
      bool older_than_window = false;
      for (auto& m : page) {
        auto id = integer(m.value("id", json()));
        if (!id) continue;
        oldest = std::min(oldest, *id);
        auto created = message_created_at(m);
        if (created && *created < since_.ts) older_than_window = true;
        by_id.emplace(*id, std::move(m));
      }
      bool progressed = oldest != std::numeric_limits<long long>::max() && (before.empty() || oldest < std::stoll(before));
      // A short page is the conversation's first.
      if (page.size() < kMessagesPerPage || !progressed || older_than_window ||
          static_cast<long long>(by_id.size()) >= s_.messages_limit)
        break;
      before = std::to_string(oldest);
    }
    json selected = json::array();
    long long skip = static_cast<long long>(by_id.size()) - s_.messages_limit;  // keep the newest
    for (auto& [id, m] : by_id) {
      if (skip-- > 0) continue;
      auto created = message_created_at(m);
      if (created && *created < window_start_) continue;
      selected.push_back(std::move(m));
      advance_cursor(created, id);
    }
    return selected;
  }

  void advance_cursor(const std::optional<std::string>& created, long long id) {
    if (!created) return;
    if (*created > cursor_.ts || (*created == cursor_.ts && id > cursor_.id)) {
      cursor_.ts = *created;
      cursor_.id = id;
      cursor_.global_id = "cwmsg:" + ctx_.project_id + ":" + s_.account + ":" + std::to_string(id);
    }
  }

  PageRows page_rows(const std::vector<MappedConversation>& page) {
    PageRows rows;
    for (const auto& mc : page) {
      rows.conversations.push_back(mc.conversation);
      if (mc.contact) rows.contacts.push_back(*mc.contact);
      auto mapped = map_messages(new_messages(mc.conversation), mc.conversation, map_ctx_);
      for (const auto& m : mapped.messages) {
        size_t count = 0;
        if (is_embeddable(m.is_private, m.content, static_cast<size_t>(s_.min_chars)))
          for (const auto& c : chunk_message(m.content, static_cast<size_t>(s_.chunk_size))) {
            rows.chunks.push_back({m.id, std::to_string(c.chunk_index), m.conversation_global_id, c.text,
                                   c.text_hash, std::to_string(c.content_tokens), s_.model, m.created_at});
            ++count;
          }
        rows.message_ids.push_back(m.id);
        rows.chunk_counts.push_back(std::to_string(count));
      }
      std::move(mapped.messages.begin(), mapped.messages.end(), std::back_inserter(rows.messages));
      std::move(mapped.attachments.begin(), mapped.attachments.end(), std::back_inserter(rows.attachments));
      std::move(mapped.contacts.begin(), mapped.contacts.end(), std::back_inserter(rows.contacts));
    }
    conversations_ += static_cast<long long>(page.size());
    messages_ += static_cast<long long>(rows.messages.size());
    return rows;
  }

  void write_page(PageRows& page) {
    pqxx::work tx(ctx_.conn);
    touched_conversations_ += write_records(tx, page.conversations, ctx_).touched();
    touched_messages_ += write_records(tx, page.messages, ctx_).touched();
    touched_attachments_ += write_records(tx, page.attachments, ctx_).touched();
    auto chunk_count = write_rows(tx, ctx_, rag_chunk_spec(), page.chunks);
    // A message that got shorter, or became private or too short to embed, loses the chunks
    // past its new end: search never serves text that is gone.
    deleted_chunks_ += tx.exec_params("DELETE FROM rag_chunks c USING unnest($1::text[], $2::int[]) AS m(id, n) "
                                      "WHERE c.project_id = $3 AND c.message_global_id = m.id AND c.chunk_index >= m.n",
                                      db::pg_text_array(page.message_ids), db::pg_text_array(page.chunk_counts),
                                      ctx_.project_id)
                           .affected_rows();
    touched_contacts_ += write_records(tx, dedupe_by_id(std::move(page.contacts)), ctx_).touched();
    tx.commit();
    inserted_chunks_ += chunk_count.inserted;
    reembedded_chunks_ += chunk_count.updated;
  }

  ChatwootPullResult result() const {
    ChatwootPullResult r{pull_summary(ctx_, source_, since_.ts, pages_, requests_, {cursor_.ts, cursor_.global_id})};
    r.account_id = s_.account;
    r.processed_conversations = conversations_;
    r.processed_messages = messages_;
    r.touched_conversations = touched_conversations_;
    r.touched_messages = touched_messages_;
    r.touched_contacts = touched_contacts_;
    r.touched_inboxes = touched_inboxes_;
    r.touched_attachments = touched_attachments_;
    r.inserted_chunks = inserted_chunks_;
    r.reembedded_chunks = reembedded_chunks_;
    r.deleted_chunks = deleted_chunks_;
    return r;
  }

  SyncContext& ctx_;
  Settings s_;
  ChatwootContext map_ctx_;
  std::string source_;
  std::string window_start_;  // messages older than this are never written (lookback_days)
  Mark since_, cursor_;
  long long pages_ = 0, requests_ = 0, conversations_ = 0, messages_ = 0;
  long long touched_conversations_ = 0, touched_messages_ = 0, touched_attachments_ = 0, touched_contacts_ = 0,
            touched_inboxes_ = 0, inserted_chunks_ = 0, reembedded_chunks_ = 0, deleted_chunks_ = 0;
};

}  // namespace

PullResult pull_chatwoot(SyncContext& ctx) { return ChatwootPull(ctx).run(); }

}  // namespace labctl::connectors
