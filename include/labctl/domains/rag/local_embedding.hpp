#pragma once
// The offline embedding (the `local` provider): signed feature hashing of normalised words,
// word pairs and in-word character 3- and 4-grams, L2-normalised. Needs nothing installed,
// gives the same vector for the same text on every run and machine, and texts that share
// words or word stems land near each other.
#include <cstddef>
#include <string_view>
#include <vector>

namespace labctl::rag {

// Recorded as the embedding_model of chunks the local provider embeds. Bump the version when
// local_embedding's output changes, so old vectors are not compared with new ones.
constexpr const char* kLocalEmbeddingModel = "labctl-local-hash-v1";
constexpr size_t kLocalEmbeddingDimension = 384;
constexpr size_t kLocalEmbeddingMinDimension = 64;
constexpr size_t kLocalEmbeddingMaxDimension = 4096;

// A unit vector of `dimension` floats (64..4096, else std::invalid_argument).
//
// Normalisation: ASCII, Latin-1 and Cyrillic letters are lower-cased (Ё → ё, and ё is then
// read as е); ASCII punctuation, Latin-1 symbols, the Unicode punctuation/symbol blocks,
// emoji and invalid UTF-8 bytes separate words; any other code point is part of a word.
// Features, each hashed (FNV-1a over code points, murmur finaliser) to an index and a sign:
// words (weight 1), adjacent word pairs (0.5), and character 3- and 4-grams of each word
// padded with begin/end marks (0.4 each), counted in code points. A feature seen tf times
// adds weight · (1 + ln tf).
//
// A text without any word (empty, blank, only punctuation or emoji) gets one fixed unit
// vector, so cosine similarity is always defined: 1 between two such texts, about 0 against
// real text.
std::vector<float> local_embedding(std::string_view text,
                                   size_t dimension = kLocalEmbeddingDimension);

}  // namespace labctl::rag
