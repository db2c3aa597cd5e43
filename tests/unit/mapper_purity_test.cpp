// The pure mappers build rows from source JSON without a database: their headers must not
// bring in libpqxx (design.md §2). This file includes them and nothing else of the database.
#include "labctl/domains/connectors/attio_mapper.hpp"
#include "labctl/domains/connectors/chatwoot_mapper.hpp"
#include "labctl/domains/connectors/linear_mapper.hpp"
#include "labctl/domains/connectors/message_chunker.hpp"
#include "labctl/domains/connectors/source_values.hpp"

#if defined(PQXX_H_CONNECTION) || defined(PQXX_H_TRANSACTION_BASE)
#error "a mapper header includes libpqxx"
#endif

#include <doctest/doctest.h>

TEST_CASE("the mapper headers compile without libpqxx") {
  labctl::connectors::ChatwootContext ctx{"p", 1};
  CHECK(labctl::connectors::map_conversation(nlohmann::json{{"id", 7}}, ctx)->conversation.conversation_id == 7);
}
