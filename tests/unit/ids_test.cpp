#include <doctest/doctest.h>

#include "labctl/core/ids.hpp"

using namespace labctl;

TEST_CASE("is_uuid follows spec/api.md §1.6") {
  CHECK(is_uuid("0d4e5c1a-8f5e-4d8e-9a3b-1c2d3e4f5a6b"));
  CHECK(is_uuid("0D4E5C1A-8F5E-4D8E-BA3B-1C2D3E4F5A6B"));
  CHECK_FALSE(is_uuid("0d4e5c1a-8f5e-0d8e-9a3b-1c2d3e4f5a6b"));  // version 0
  CHECK_FALSE(is_uuid("0d4e5c1a-8f5e-4d8e-7a3b-1c2d3e4f5a6b"));  // variant 7
  CHECK_FALSE(is_uuid("0d4e5c1a8f5e4d8e9a3b1c2d3e4f5a6b"));
  CHECK_FALSE(is_uuid("0d4e5c1a-8f5e-4d8e-9a3b-1c2d3e4f5a6g"));
  CHECK_FALSE(is_uuid(""));
}

TEST_CASE("random_uuid_v4 makes valid, distinct v4 ids") {
  auto a = random_uuid_v4(), b = random_uuid_v4();
  CHECK(is_uuid(a));
  CHECK(a[14] == '4');
  CHECK(a != b);
}

TEST_CASE("request ids are sanitised as spec/api.md §1.3 says") {
  CHECK(sanitize_request_id("ab<c>/d 1") == "abcd1");
  CHECK(sanitize_request_id(std::string(100, 'x')) == std::string(64, 'x'));
  CHECK(sanitize_request_id("r-17.a_b") == "r-17.a_b");
  CHECK(is_uuid(sanitize_request_id("")));
  CHECK(is_uuid(sanitize_request_id("<>/ ")));
}

TEST_CASE("sha256_hex matches the known digest") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha1_hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(random_hex(24).size() == 48);
}
