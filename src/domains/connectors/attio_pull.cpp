// Attio (connectors.md §4). Four record lists, each paged by cursor, each page in its own
// transaction: companies and deals are required (a failure fails the run), people and
// activities are soft (a failure is a process warning and the list counts as empty). Then the
// CRM mirror runs in one transaction, and the watermark commits last. Unlike the reference,
// runs are incremental: with a watermark, only records updated after it (minus an overlap) are
// asked for; `--full` takes the whole snapshot. After a soft failure the watermark stays put,
// so the next run asks for the skipped records again; so it does when a list hits max_pages.
#include <set>

#include "labctl/core/config.hpp"
#include "labctl/core/error.hpp"
#include "labctl/domains/connectors/attio_crm_mirror.hpp"
#include "labctl/domains/connectors/attio_mapper.hpp"
#include "labctl/domains/connectors/connector_pulls.hpp"
#include "labctl/domains/connectors/process_log.hpp"
#include "labctl/domains/connectors/pull_support.hpp"
#include "labctl/domains/connectors/source_http.hpp"

namespace labctl::connectors {
namespace {

using json = nlohmann::json;

class AttioPull {
 public:
  explicit AttioPull(SyncContext& ctx)
      : ctx_(ctx),
        base_url_(required_setting(ctx.config, "attio.base_url")),
        token_(required_setting(ctx.config, "attio.api_token", "attio_api_token_missing_or_enable_mock_mode")),
        limit_(ctx.config.get_int("attio.sync_limit")),
        max_pages_(ctx.options.full ? std::numeric_limits<long long>::max() : ctx.config.get_int("attio.max_pages")) {
    while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
  }

  AttioPullResult run() {
    workspace_ = workspace_binding(ctx_.conn, ctx_.project_id, "attio", ctx_.config.get("attio.workspace_id"));
    source_ = "attio:" + workspace_;
    Watermark before = read_watermark(ctx_.conn, ctx_.project_id, source_);
    since_ = incremental_since(ctx_.conn, before, ctx_.options.full);
    newest_.mark = before;

    touched_accounts_ = pull<AttioAccount>("companies", "/v2/objects/companies/records", map_attio_account, true);
    touched_opportunities_ = pull<AttioOpportunity>("deals", "/v2/objects/deals/records", map_attio_opportunity, true);
    touched_people_ = pull<AttioPerson>("people", "/v2/objects/people/records", map_attio_person, false);
    touched_activities_ = pull<AttioActivity>("activities", "/v2/activities", map_attio_activity, false);
    {
      pqxx::work tx(ctx_.conn);
      mirror_ = mirror_attio_crm(tx, ctx_.project_id, ctx_.account_scope_id);
      tx.commit();
    }
    const auto& coverage = mirror_.coverage;
    if (coverage.opportunities_without_account_ref > 0 || coverage.opportunities_unmapped_to_crm_account > 0)
      ctx_.process.warn("Attio sync completed with incomplete account mappings");
    if (soft_failures_ == 0 && truncated_ == 0) write_watermark(ctx_.conn, ctx_.project_id, source_, newest_.mark, result());
    return result();
  }

 private:
  // One list, page by page. Returns the rows inserted or changed.
  template <typename Record, typename Map>
  long long pull(const std::string& name, const std::string& path, Map map, bool required) {
    long long touched = 0;
    std::set<std::string> seen_keys, seen_cursors;
    std::optional<std::string> cursor;
    try {
      for (long long page = 1; page <= max_pages_; ++page) {
        json body = get(path, cursor);
        std::vector<Record> fresh;
        for (const auto& item : attio::items(body)) {
          if (!seen_keys.insert(attio::item_key(item)).second) continue;  // repeated across pages: first wins
          auto record = map(item, workspace_);
          if (!record) continue;
          newest_.offer(record->updated_at, record->id);
          fresh.push_back(std::move(*record));
        }
        pqxx::work tx(ctx_.conn);
        touched += write_records(tx, fresh, ctx_).touched();
        tx.commit();
        ++pages_;
        if (ctx_.options.progress)
          ctx_.options.progress("attio: " + name + " page " + std::to_string(page) + ", " +
                                std::to_string(seen_keys.size()) + " records");
        auto next = attio::next_cursor(body);
        if (attio::items(body).empty() || !next || !seen_cursors.insert(*next).second) break;
        if (page == max_pages_) {
          ++truncated_;
          ctx_.process.warn("Attio " + name + " stopped at attio.max_pages (" + std::to_string(max_pages_) +
                            ") with more pages left; the cursor was kept, run with --full to take everything");
        }
        cursor = next;
      }
    } catch (const Error& e) {
      if (required || e.error_class() != ErrorClass::upstream_failed) throw;
      ++soft_failures_;
      ctx_.process.warn("Attio " + name + " failed, treated as empty: " + e.what());
    }
    return touched;
  }

  json get(const std::string& path, const std::optional<std::string>& cursor) {
    std::string endpoint = path + "?limit=" + std::to_string(limit_);
    if (cursor) endpoint += "&cursor=" + net::query_escape(*cursor);
    if (since_) endpoint += "&updated_after=" + net::query_escape(*since_);
    ++requests_;
    return fetch_json(ctx_.http, {"Attio", "GET", base_url_, endpoint,
                                  {{"authorization", "Bearer " + token_},
                                   {"accept", "application/json"},
                                   {"x-attio-workspace", workspace_}},
                                  ""});
  }

  AttioPullResult result() const {
    AttioPullResult r{pull_summary(ctx_, source_, since_, pages_, requests_, newest_.mark)};
    r.workspace_id = workspace_;
    r.soft_failures = soft_failures_;
    r.touched_accounts = touched_accounts_;
    r.touched_opportunities = touched_opportunities_;
    r.touched_people = touched_people_;
    r.touched_activities = touched_activities_;
    r.mirrored_crm_accounts = mirror_.accounts;
    r.mirrored_crm_opportunities = mirror_.opportunities;
    r.coverage = mirror_.coverage;
    return r;
  }

  SyncContext& ctx_;
  std::string base_url_, token_;
  long long limit_, max_pages_;
  std::string workspace_, source_;
  std::optional<std::string> since_;
  NewestSeen newest_;
  CrmMirror mirror_;
  long long pages_ = 0, requests_ = 0, soft_failures_ = 0, truncated_ = 0;
  long long touched_accounts_ = 0, touched_opportunities_ = 0, touched_people_ = 0, touched_activities_ = 0;
};

}  // namespace

PullResult pull_attio(SyncContext& ctx) { return AttioPull(ctx).run(); }

}  // namespace labctl::connectors
