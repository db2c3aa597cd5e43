#include <doctest/doctest.h>

#include "labctl/core/error.hpp"
#include "labctl/domains/connectors/attio_mapper.hpp"

using namespace labctl::connectors;
using json = nlohmann::json;

namespace {

// connectors.md §11 fixtures.
const json kCompaniesPage = json::parse(R"({"data":[{"id":"co-1","updated_at":"2026-01-05T09:00:00Z",
 "values":{"name":[{"value":"Acme"}],"stage":[{"value":"Customer"}],"annual_revenue":[{"value":"120 000,50"}]}},
 {"id":{"workspace_id":"w","object_id":"companies","record_id":"co-2"},"name":"Beta LLC","stage":"prospect"}],
 "pagination":{"next_cursor":"p2"}})");

const json kDeal = json::parse(R"({"id":"d-1","values":{"stage":[{"value":"closed-won"}],
 "probability":[{"value":60}],"company":[{"target_record_id":"co-1"}]}})");

}  // namespace

TEST_CASE("attio: page items and next cursor") {
  CHECK(attio::items(kCompaniesPage).size() == 2);
  CHECK(attio::items(json::parse(R"({"results":[1,2,3]})")).size() == 3);
  CHECK(attio::items(json::parse(R"({"data":{"x":1},"items":[1]})")).size() == 1);
  CHECK(attio::items(json::parse(R"({"data":[]})")).empty());
  for (const char* wrong : {R"({})", R"({"data":null})", R"({"data":{"x":1}})"}) {
    CAPTURE(wrong);
    try {
      attio::items(json::parse(wrong));
      FAIL("a page without its list is an error");
    } catch (const labctl::Error& e) {
      CHECK(e.error_class() == labctl::ErrorClass::upstream_failed);
      CHECK(e.code() == "upstream_invalid_shape");
      CHECK(std::string(e.what()) == "Attio's page has no data or results or items array (not the API's answer)");
    }
  }
  CHECK(attio::next_cursor(kCompaniesPage) == "p2");
  CHECK(attio::next_cursor(json::parse(R"({"pagination":{"next_cursor":"","next":"n1"}})")) == "n1");
  CHECK(attio::next_cursor(json::parse(R"({"meta":{"next":"m2"}})")) == "m2");
  CHECK(attio::next_cursor(json::parse(R"({"next_cursor":"t"})")) == "t");
  CHECK(attio::next_cursor(json::parse(R"({"cursor":{"next":"c9"}})")) == "c9");
  CHECK(attio::next_cursor(json::parse(R"({"pagination":{"next_cursor":null}})")) == std::nullopt);
  CHECK(attio::next_cursor(json::parse(R"({"cursor":"not-an-object"})")) == std::nullopt);
}

TEST_CASE("attio: records, ids and D2") {
  json wrapped = {{"record", {{"id", "r-1"}}}, {"id", "outer"}};
  CHECK(attio::record_of(wrapped) == json{{"id", "r-1"}});
  CHECK(attio::record_of(json{{"data", {{"id", "r-2"}}}}) == json{{"id", "r-2"}});
  CHECK(attio::record_of(json{{"data", "scalar"}, {"id", 3}}) == json{{"data", "scalar"}, {"id", 3}});
  CHECK(attio::external_id(wrapped, {"id"}) == "r-1");
  CHECK(attio::external_id(kCompaniesPage["data"][1], {"id", "record_id", "company_id"}) == "co-2");
  CHECK(attio::external_id(json{{"company_id", 42}}, {"id", "record_id", "company_id"}) == "42");
  CHECK(attio::external_id(json{{"id", {{"workspace_id", "w"}, {"activity_id", "a-7"}}}},
                           {"id", "record_id", "activity_id"}) == "a-7");
  CHECK(attio::external_id(json{{"id", ""}, {"name", "x"}}, {"id", "record_id"}) == std::nullopt);
  CHECK(attio::item_key(kCompaniesPage["data"][1]) == "id:co-2");
  CHECK(attio::item_key(json{{"name", "x"}}) == R"(json:{"name":"x"})");
}

TEST_CASE("attio: unwrap") {
  CHECK(attio::unwrap(json("x")) == "x");
  CHECK(attio::unwrap(json(5)) == 5);
  CHECK(attio::unwrap(json::parse(R"([null,"",{"value":""},{"value":"second"}])")) == "second");
  CHECK(attio::unwrap(json::parse(R"({"title":"T","value":"V"})")) == "V");
  CHECK(attio::unwrap(json::parse(R"({"option":{"title":"Won"}})")) == "Won");
  CHECK(attio::unwrap(json::parse(R"({"currency_value":99.5,"currency_code":"USD"})")) == 99.5);
  CHECK(attio::unwrap(json::parse(R"({"domain":"acme.test","root_domain":"x"})")) == "acme.test");
  CHECK(attio::unwrap(json::parse(R"([[[[["deep"]]]]])")) == "deep");     // depth 5
  CHECK(attio::unwrap(json::parse(R"([[[[[["deeper"]]]]]])")).is_null());  // depth 6
  CHECK(attio::unwrap(json::array()).is_null());
}

TEST_CASE("attio: pick reads values, then attributes, then flat properties") {
  json item = json::parse(R"({"values":{"name":[],"company_name":[{"value":"Acme"}]},"legal_name":"Flat"})");
  CHECK(attio::pick(item, {"name", "company_name", "legal_name"}) == "Acme");
  CHECK(attio::pick(item, {"name", "legal_name"}) == "Flat");
  CHECK(attio::pick(json::parse(R"({"attributes":{"stage":"x"}})"), {"stage"}) == "x");
  CHECK(attio::pick(json::parse(R"({"record":{"stage":"rec"},"stage":"item"})"), {"stage"}) == "rec");
  CHECK(attio::pick(item, {"missing"}).is_null());
}

TEST_CASE("attio: relation ids") {
  CHECK(attio::relation_id(json::parse(R"([{"target_record_id":"co-1","id":"x"}])")) == "co-1");
  CHECK(attio::relation_id(json::parse(R"({"record_id":"r","value":"v"})")) == "r");
  CHECK(attio::relation_id(json::parse(R"({"target":{"id":"nested"}})")) == "nested");
  CHECK(attio::relation_id(json("plain")) == "plain");
  CHECK(attio::relation_id(json::array()) == std::nullopt);
  CHECK(attio::pick_relation(kDeal, {"account_id", "account", "company_id", "company"}) == "co-1");
  CHECK(attio::pick_relation(json{{"company_id", "flat"}}, {"company_id"}) == "flat");
}

TEST_CASE("attio: amount and probability normalisation") {
  CHECK(attio::amount(json("120 000,50")) == 120000.50);
  CHECK(attio::amount(json("$1 234.567")) == 1234.57);
  CHECK(attio::amount(json("1,234.56")) == 0);  // "1.234.56" is not a number
  CHECK(attio::amount(json("-12,5")) == -12.5);
  CHECK(attio::amount(json("abc")) == 0);
  CHECK(attio::amount(json(99.999)) == 100);
  CHECK(attio::amount(json(nullptr)) == 0);
  CHECK(attio::probability(json(60)) == doctest::Approx(0.6));
  CHECK(attio::probability(json(150)) == 1);
  CHECK(attio::probability(json(100)) == 1);
  CHECK(attio::probability(json("0.35")) == doctest::Approx(0.35));
  CHECK(attio::probability(json(1)) == 1);
  CHECK(attio::probability(json(-3)) == 0);
  CHECK(attio::probability(json("high")) == doctest::Approx(0.1));
  CHECK(attio::probability(json(nullptr)) == doctest::Approx(0.1));
}

TEST_CASE("attio: the companies fixture maps two accounts") {
  auto items = attio::items(kCompaniesPage);
  auto acme = map_attio_account(items[0], "ws1");
  REQUIRE(acme);
  CHECK(acme->id == "attioacct:ws1:co-1");
  CHECK(acme->external_id == "co-1");
  CHECK(acme->name == "Acme");
  CHECK(acme->stage == "Customer");
  CHECK(acme->annual_revenue == 120000.50);
  CHECK(acme->domain == std::nullopt);
  CHECK(acme->updated_at == "2026-01-05T09:00:00.000Z");
  CHECK(acme->data == items[0]);

  auto beta = map_attio_account(items[1], "ws1");
  REQUIRE(beta);
  CHECK(beta->id == "attioacct:ws1:co-2");  // D2: not a stringified object
  CHECK(beta->name == "Beta LLC");
  CHECK(beta->stage == "prospect");
  CHECK(beta->annual_revenue == 0);
  CHECK(beta->updated_at == std::nullopt);

  CHECK_FALSE(map_attio_account(json::parse(R"({"values":{"name":[{"value":"No id"}]}})"), "ws1"));
}

TEST_CASE("attio: the deal fixture and opportunity defaults") {
  auto d = map_attio_opportunity(kDeal, "ws1");
  REQUIRE(d);
  CHECK(d->id == "attiodeal:ws1:d-1");
  CHECK(d->stage == "closed-won");
  CHECK(d->probability == doctest::Approx(0.6));
  CHECK(d->account_external_id == "co-1");
  CHECK(d->title == "Opportunity d-1");
  CHECK(d->amount == 0);
  CHECK(d->expected_close_date == std::nullopt);

  auto full = map_attio_opportunity(json::parse(R"({"record":{"id":{"record_id":"d-2"},
    "created_at":"2026-01-03T00:00:00Z","values":{"name":[{"value":"Retainer"}],
    "value":[{"currency_value":5000}],"win_probability":[{"value":"150"}],
    "close_date":[{"value":"2026-03-31"}],"next_action":[{"value":"Send proposal"}]}}})"), "ws1");
  REQUIRE(full);
  CHECK(full->external_id == "d-2");
  CHECK(full->title == "Retainer");
  CHECK(full->stage == "discovery");
  CHECK(full->amount == 5000);
  CHECK(full->probability == 1);
  CHECK(full->expected_close_date == "2026-03-31");
  CHECK(full->next_step == "Send proposal");
  CHECK(full->account_external_id == std::nullopt);
  CHECK(full->updated_at == "2026-01-03T00:00:00.000Z");
  CHECK_FALSE(map_attio_opportunity(json::parse(R"({"values":{}})"), "ws1"));
}

TEST_CASE("attio: people and activities") {
  auto p = map_attio_person(json::parse(R"({"id":{"record_id":"pe-1"},"values":{
    "name":[{"value":"Ann Client"}],"email":[{"email":"ann@client.test"}],"job_title":[{"value":"CTO"}],
    "company":[{"target_record_id":"co-1"}]}})"), "ws1");
  REQUIRE(p);
  CHECK(p->id == "attioperson:ws1:pe-1");
  CHECK(p->full_name == "Ann Client");
  CHECK(p->email == "ann@client.test");
  CHECK(p->role == "CTO");
  CHECK(p->account_external_id == "co-1");

  auto a = map_attio_activity(json::parse(R"({"id":"a-1","type":"note","note":"Called, invoice_sent",
    "actor_name":"Max","deal_id":"d-1","created_at":1767261600,"updated_at":"2026-01-02T00:00:00Z"})"), "ws1");
  REQUIRE(a);
  CHECK(a->id == "attioact:ws1:a-1");
  CHECK(a->activity_type == "note");
  CHECK(a->note == "Called, invoice_sent");
  CHECK(a->actor_name == "Max");
  CHECK(a->record_external_id == "d-1");
  CHECK(a->occurred_at == "2026-01-01T10:00:00.000Z");  // ← created_at, epoch
  CHECK(a->updated_at == "2026-01-02T00:00:00.000Z");
  CHECK_FALSE(map_attio_person(json::object(), "ws1"));
  CHECK_FALSE(map_attio_activity(json{{"note", "x"}}, "ws1"));
}

TEST_CASE("attio: rows and specs line up with the tables") {
  auto acc = *map_attio_account(attio::items(kCompaniesPage)[0], "ws1");
  auto deal = *map_attio_opportunity(kDeal, "ws1");
  auto cells = deal.cells();
  const auto& spec = AttioOpportunity::spec();
  CHECK(spec.table == "attio_opportunities_raw");
  REQUIRE(cells.size() == spec.columns.size());
  CHECK(spec.columns[6] == "amount");
  CHECK(cells[6] == "0");
  CHECK(spec.columns[7] == "probability");
  CHECK(cells[7] == "0.6");
  CHECK(AttioAccount::spec().columns[6] == "annual_revenue");
  CHECK(acc.cells()[6] == "120000.5");
  auto person = *map_attio_person(json{{"id", "pe"}}, "ws1");
  auto act = *map_attio_activity(json{{"id", "a"}}, "ws1");
  CHECK(AttioAccount::spec().columns.size() == acc.cells().size());
  CHECK(AttioPerson::spec().columns.size() == person.cells().size());
  CHECK(AttioActivity::spec().columns.size() == act.cells().size());
  for (const auto* s : {&AttioAccount::spec(), &spec, &AttioPerson::spec(), &AttioActivity::spec()})
    CHECK(s->conflict_key == std::vector<std::string>{"id"});
}
