#pragma once
// The words of a LightRAG query and the LIKE patterns keyword search uses (rag.md §5.2).
#include <string>
#include <string_view>
#include <vector>

namespace labctl::rag {

// Lower-cased (ASCII and Cyrillic, Ё → ё) runs of ASCII letters, digits, `_` and Cyrillic
// letters (ё/Ё included, the spec's "should"), of at least 3 characters, first occurrence
// kept, at most 6.
std::vector<std::string> query_tokens(std::string_view query);

// `\`, `%` and `_` escaped with a backslash, for `LIKE … ESCAPE '\'`: matched literally.
std::string escape_like(std::string_view text);

// One `%token%` pattern per token. With no token, one pattern from the query's first 300
// characters — unless nothing but LIKE metacharacters and white space is there, in which case
// there is no pattern and keyword search is skipped (scenario 16: `%`, `_`, `\` match nothing).
std::vector<std::string> like_patterns(std::string_view query);

}  // namespace labctl::rag
