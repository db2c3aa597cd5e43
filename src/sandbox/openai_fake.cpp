#include "openai_fake.hpp"

#include <cmath>

#include "rng.hpp"

namespace labctl::sandbox {
namespace {

constexpr uint64_t kFnvOffset = 1469598103934665603ULL;
constexpr uint64_t kFnvPrime = 1099511628211ULL;
constexpr int kSlotsPerToken = 3;    // signed hash positions each word token adds to
constexpr double kTextShare = 0.3;   // norm of the text-seeded component relative to the token part

uint64_t fnv(std::string_view s, uint64_t h = kFnvOffset) {
  for (unsigned char c : s) h = (h ^ c) * kFnvPrime;
  return h;
}

// Word characters: ASCII letters and digits (folded to lower case) and every non-ASCII byte,
// so UTF-8 words stay whole.
bool word_byte(unsigned char c) { return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
unsigned char fold(unsigned char c) { return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c - 'A' + 'a') : c; }

// A value in [-1, 1] with 8 decimals, no exponent: "-0.01234567", "0.5", "1.0".
void append_fixed(std::string& out, double v) {
  long long n = std::llround(v * 1e8);
  if (n < 0) {
    out += '-';
    n = -n;
  }
  out += static_cast<char>('0' + n / 100000000);
  out += '.';
  long long frac = n % 100000000;
  char digits[8];
  for (int k = 7; k >= 0; --k, frac /= 10) digits[k] = static_cast<char>('0' + frac % 10);
  int len = 8;
  while (len > 1 && digits[len - 1] == '0') --len;
  out.append(digits, len);
}

Reply bad_request(const std::string& message, const json& param = nullptr) {
  return Reply::json(400, openai_error(message, "invalid_request_error", param));
}

}  // namespace

json openai_error(const std::string& message, const std::string& type, const json& param, const json& code) {
  return {{"error", {{"message", message}, {"type", type}, {"param", param}, {"code", code}}}};
}

int openai_default_dimension(const std::string& model) {
  if (model == "text-embedding-3-small") return 1536;
  if (model == "text-embedding-3-large") return 3072;
  return 256;
}

int openai_tokens(std::string_view text) {
  size_t chars = 0;
  for (unsigned char c : text) chars += (c & 0xC0) != 0x80;  // UTF-8 code points
  return static_cast<int>(std::max<size_t>(1, (chars + 3) / 4));
}

std::vector<float> openai_embedding(std::string_view model, std::string_view text, int dimension) {
  const auto dim = static_cast<uint64_t>(dimension);
  const uint64_t seed = mix64(fnv(model));
  std::vector<double> v(dim, 0.0);
  // Signed feature hashing of the lower-cased word tokens: shared words, shared directions.
  for (size_t i = 0; i < text.size();) {
    if (!word_byte(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    uint64_t h = seed;
    for (; i < text.size() && word_byte(static_cast<unsigned char>(text[i])); ++i)
      h = (h ^ fold(static_cast<unsigned char>(text[i]))) * kFnvPrime;
    for (uint64_t k = 0; k < kSlotsPerToken; ++k) {
      uint64_t x = mix64(h + k * 0x9e3779b97f4a7c15ULL);
      v[x % dim] += (x >> 63) ? -1.0 : 1.0;
    }
  }
  double token_norm2 = 0;
  for (double x : v) token_norm2 += x * x;
  // A text-seeded component, so texts with the same words still differ a little (and a text
  // without words still gets a vector).
  double scale = token_norm2 > 0 ? kTextShare * std::sqrt(token_norm2) / std::sqrt(static_cast<double>(dim) / 3.0) : 1.0;
  Rng rng(fnv(text, mix64(seed ^ 0x7465787473656564ULL)));
  for (uint64_t j = 0; j < dim; j += 2) {
    uint64_t r = rng.next();
    v[j] += scale * (static_cast<double>(r >> 32) / 2147483648.0 - 1.0);
    if (j + 1 < dim) v[j + 1] += scale * (static_cast<double>(r & 0xffffffffULL) / 2147483648.0 - 1.0);
  }
  double norm2 = 0;
  for (double x : v) norm2 += x * x;
  double inv = norm2 > 0 ? 1.0 / std::sqrt(norm2) : 0.0;
  std::vector<float> out(dim);
  for (uint64_t j = 0; j < dim; ++j) out[j] = static_cast<float>(v[j] * inv);
  return out;
}

Reply openai_embeddings(const json& body, const PageFault& fault) {
  if (body.is_discarded() || !body.is_object())
    return bad_request(
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library "
        "correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)");
  for (const auto& [key, value] : body.items()) {
    if (key != "model" && key != "input" && key != "dimensions" && key != "encoding_format" && key != "user")
      return bad_request("Unrecognized request argument supplied: " + key);
  }
  if (!body.contains("model") || !body["model"].is_string() || body["model"].get<std::string>().empty())
    return bad_request("you must provide a model parameter", "model");
  const std::string model = body["model"];
  if (!body.contains("input") || body["input"].is_null()) return bad_request("'input' is a required property", "input");
  std::vector<std::string_view> inputs;
  const json& input = body["input"];
  if (input.is_string()) {
    inputs.push_back(input.get_ref<const std::string&>());
  } else if (input.is_array()) {
    if (input.empty()) return bad_request("'$.input' is invalid: it must not be an empty array", "input");
    if (input.size() > static_cast<size_t>(kOpenAIMaxInputs))
      return bad_request("Too many inputs. The max number of inputs is " + std::to_string(kOpenAIMaxInputs) +
                             ". We recommend sending your inputs in batches.",
                         "input");
    for (const auto& item : input) {
      if (!item.is_string())
        return bad_request("'$.input' is invalid: this sandbox takes a string or an array of strings", "input");
      inputs.push_back(item.get_ref<const std::string&>());
    }
  } else {
    return bad_request("'$.input' is invalid: expected a string or an array of strings", "input");
  }
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].empty())
      return bad_request("'$.input[" + std::to_string(i) + "]' is invalid: an input must not be empty", "input");
  int dimension = openai_default_dimension(model);
  if (body.contains("dimensions")) {
    const json& d = body["dimensions"];
    if (!d.is_number_integer() || d.get<int64_t>() < 1 || d.get<int64_t>() > kOpenAIMaxDimensions)
      return bad_request("'dimensions' must be an integer in [1.." + std::to_string(kOpenAIMaxDimensions) + "]",
                         "dimensions");
    dimension = d.get<int>();
  }
  if (body.contains("encoding_format") &&
      !(body["encoding_format"].is_string() && body["encoding_format"] == "float"))
    return bad_request("this sandbox serves encoding_format \"float\" only", "encoding_format");

  // Written by hand: a 100-input batch of 1536 floats is too big to go through json objects cheaply.
  size_t count = inputs.size();
  if (fault.wrong_count) --count;  // the last vector goes missing
  std::string out;
  out.reserve(64 + count * (64 + static_cast<size_t>(dimension) * 12));
  out += R"({"object":"list","data":[)";
  int64_t tokens = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    tokens += openai_tokens(inputs[i]);
    if (i >= count) continue;
    auto vec = openai_embedding(model, inputs[i], dimension);
    if (fault.wrong_dimension && i + 1 == count) vec.pop_back();  // the last vector is one short
    if (i > 0) out += ',';
    out += R"({"object":"embedding","index":)";
    out += std::to_string(i);
    out += R"(,"embedding":[)";
    for (size_t j = 0; j < vec.size(); ++j) {
      if (j > 0) out += ',';
      append_fixed(out, vec[j]);
    }
    out += "]}";
  }
  out += R"(],"model":)";
  out += json(model).dump(-1, ' ', false, json::error_handler_t::replace);
  out += R"(,"usage":{"prompt_tokens":)" + std::to_string(tokens) + R"(,"total_tokens":)" + std::to_string(tokens) + "}}";
  return {200, std::move(out), {}};
}

}  // namespace labctl::sandbox
