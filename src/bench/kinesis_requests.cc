#include "bench/kinesis_requests.h"

#include <rapidjson/document.h>

#include <array>
#include <cstdlib>
#include <cstring>

#include "bench/sqs_requests.h"
#include "common/strings.h"

namespace sluice::bench {
namespace {

constexpr std::string_view kContentType = "application/x-amz-json-1.1";
constexpr std::string_view kTargetPrefix = "Kinesis_20131202.";
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Two base64 characters for every 12-bit value.
constexpr std::array<char, 8192> kEncodePairs = [] {
  std::array<char, 8192> t{};
  for (int i = 0; i < 4096; ++i) {
    t[static_cast<size_t>(2 * i)] = kAlphabet[i >> 6];
    t[static_cast<size_t>(2 * i + 1)] = kAlphabet[i & 63];
  }
  return t;
}();

// Per character position of a quantum: the 6-bit value already shifted into
// place, or a bit above the 24 data bits for anything outside the alphabet.
constexpr uint32_t kBadChar = 0x01000000;
constexpr std::array<uint32_t, 256> DecodeTable(int shift) {
  std::array<uint32_t, 256> t{};
  for (auto& v : t) v = kBadChar;
  for (uint32_t i = 0; i < 64; ++i) t[static_cast<unsigned char>(kAlphabet[i])] = i << shift;
  return t;
}
constexpr std::array<uint32_t, 256> kDecode0 = DecodeTable(18);
constexpr std::array<uint32_t, 256> kDecode1 = DecodeTable(12);
constexpr std::array<uint32_t, 256> kDecode2 = DecodeTable(6);
constexpr std::array<uint32_t, 256> kDecode3 = DecodeTable(0);

bool NeedsEscape(std::string_view s) {
  for (char c : s) {
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return true;
  }
  return false;
}

void AppendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  if (NeedsEscape(s)) {
    out.append(JsonEscape(s));
  } else {
    out.append(s);
  }
  out.push_back('"');
}

HttpCall Call(std::string operation, std::string body) {
  HttpCall call;
  call.headers.emplace_back("Content-Type", std::string(kContentType));
  std::string target(kTargetPrefix);
  target.append(operation);
  call.headers.emplace_back("X-Amz-Target", std::move(target));
  call.operation = std::move(operation);
  call.body = std::move(body);
  return call;
}

bool ParseJsonObject(std::string_view body, rapidjson::Document& doc) {
  doc.Parse(body.data(), body.size());
  return !doc.HasParseError() && doc.IsObject();
}

std::optional<std::string> StringMember(const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) return std::nullopt;
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

std::optional<uint32_t> Hex4(std::string_view s, size_t at) {
  if (at + 4 > s.size()) return std::nullopt;
  uint32_t v = 0;
  for (size_t i = at; i < at + 4; ++i) {
    const char c = s[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= static_cast<uint32_t>(c - '0');
    else if (c >= 'a' && c <= 'f') v |= static_cast<uint32_t>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= static_cast<uint32_t>(c - 'A' + 10);
    else return std::nullopt;
  }
  return v;
}

// The text of a JSON string literal's contents with its escapes resolved.
std::optional<std::string> JsonUnescape(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\') {
      out.push_back(raw[i]);
      continue;
    }
    if (++i == raw.size()) return std::nullopt;
    switch (raw[i]) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '/': out.push_back('/'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'u': {
        auto cp = Hex4(raw, i + 1);
        if (!cp) return std::nullopt;
        i += 4;
        if (*cp >= 0xD800 && *cp < 0xDC00) {  // a surrogate pair
          if (i + 2 >= raw.size() || raw[i + 1] != '\\' || raw[i + 2] != 'u') return std::nullopt;
          auto low = Hex4(raw, i + 3);
          if (!low || *low < 0xDC00 || *low > 0xDFFF) return std::nullopt;
          *cp = 0x10000 + ((*cp - 0xD800) << 10) + (*low - 0xDC00);
          i += 6;
        } else if (*cp >= 0xDC00 && *cp <= 0xDFFF) {
          return std::nullopt;
        }
        strings::AppendUtf8(out, *cp);
        break;
      }
      default: return std::nullopt;
    }
  }
  return out;
}

// One pass over a GetRecords answer without building a document: the
// top-level object's Records array (each element's Data), NextShardIterator
// and MillisBehindLatest; every other value is checked for well-formedness
// and skipped. Strings are found with memchr, so the cost is mostly the
// base64 decoding of the data. Lenient where leniency is cheap: control
// characters inside strings are not refused, and keys are compared as
// written (a key spelled with escapes is not recognised).
class GetRecordsScanner {
 public:
  GetRecordsScanner(std::string_view body, GetRecordsOutcome& out)
      : p_(body.data()), end_(body.data() + body.size()), out_(out) {}

  bool Run() {
    if (!TopObject()) return false;
    Ws();
    return p_ == end_ && saw_records_;
  }

 private:
  static constexpr int kMaxDepth = 64;

  void Ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  // Skips whitespace; true if the next character is `c` (not consumed).
  bool At(char c) {
    Ws();
    return p_ < end_ && *p_ == c;
  }

  // At an opening quote: `raw` gets the contents as written, `escaped`
  // whether they hold a backslash; leaves p_ past the closing quote.
  bool String(std::string_view& raw, bool& escaped) {
    if (!At('"')) return false;
    const char* start = ++p_;
    for (;;) {
      if (p_ >= end_) return false;
      const void* hit = std::memchr(p_, '"', static_cast<size_t>(end_ - p_));
      if (!hit) return false;
      const char* q = static_cast<const char*>(hit);
      const char* b = q;
      while (b > start && b[-1] == '\\') --b;
      p_ = q + 1;
      if ((q - b) % 2 == 0) {  // not an escaped quote
        raw = std::string_view(start, static_cast<size_t>(q - start));
        escaped = std::memchr(start, '\\', raw.size()) != nullptr;
        return true;
      }
    }
  }

  std::optional<std::string> StringValue() {
    std::string_view raw;
    bool escaped = false;
    if (!String(raw, escaped)) return std::nullopt;
    if (!escaped) return std::string(raw);
    return JsonUnescape(raw);
  }

  // A JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
  bool Number(int64_t* value) {
    const char* start = p_;
    auto digits = [this] {
      const char* from = p_;
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
      return p_ - from;
    };
    if (p_ < end_ && *p_ == '-') ++p_;
    if (p_ < end_ && *p_ == '0') {
      ++p_;
    } else if (digits() == 0) {
      return false;
    }
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      if (digits() == 0) return false;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (digits() == 0) return false;
    }
    if (value) *value = static_cast<int64_t>(std::strtod(std::string(start, p_).c_str(), nullptr));
    return true;
  }

  bool Literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) return false;
    p_ += word.size();
    return true;
  }

  // Any value, checked and skipped.
  bool Skip(int depth) {
    if (depth > kMaxDepth) return false;
    Ws();
    if (p_ == end_) return false;
    switch (*p_) {
      case '{': return Object([this, depth](std::string_view) { return Skip(depth + 1); });
      case '[': return Array([this, depth] { return Skip(depth + 1); });
      case '"': {
        std::string_view raw;
        bool escaped;
        return String(raw, escaped);
      }
      case 't': return Literal("true");
      case 'f': return Literal("false");
      case 'n': return Literal("null");
      default: return Number(nullptr);
    }
  }

  // At '{': calls `member(key)` at each member's value, which it consumes.
  template <typename Member>
  bool Object(Member&& member) {
    ++p_;
    if (At('}')) return ++p_, true;
    for (;;) {
      std::string_view key;
      bool escaped;
      if (!String(key, escaped) || !At(':')) return false;
      ++p_;
      Ws();
      if (!member(key)) return false;
      if (At(',')) {
        ++p_;
        continue;
      }
      if (At('}')) return ++p_, true;
      return false;
    }
  }

  // At '[': calls `element()` at each element, which it consumes.
  template <typename Element>
  bool Array(Element&& element) {
    ++p_;
    if (At(']')) return ++p_, true;
    for (;;) {
      Ws();
      if (!element()) return false;
      if (At(',')) {
        ++p_;
        continue;
      }
      if (At(']')) return ++p_, true;
      return false;
    }
  }

  bool TopObject() {
    if (!At('{')) return false;
    return Object([this](std::string_view key) {
      if (key == "Records" && At('[')) {
        saw_records_ = true;
        return Array([this] {
          if (!At('{')) return Skip(2);
          ++out_.records;
          return Object([this](std::string_view record_key) { return RecordMember(record_key); });
        });
      }
      if (key == "NextShardIterator" && At('"')) {
        out_.next_iterator = StringValue();
        return out_.next_iterator.has_value();
      }
      if (key == "MillisBehindLatest" && p_ < end_ && (*p_ == '-' || (*p_ >= '0' && *p_ <= '9'))) {
        return Number(&out_.millis_behind);
      }
      return Skip(1);
    });
  }

  // One member of a record: its Data is decoded, the rest skipped.
  bool RecordMember(std::string_view key) {
    if (key != "Data" || !At('"')) return Skip(3);
    std::string_view raw;
    bool escaped = false;
    if (!String(raw, escaped)) return false;
    std::optional<std::string> unescaped;
    if (escaped) {
      unescaped = JsonUnescape(raw);
      if (!unescaped) return false;
      raw = *unescaped;
    }
    if (scratch_.size() < raw.size()) scratch_.resize(raw.size());
    if (auto decoded = DecodeBase64(raw, scratch_.data())) {
      out_.data_bytes += *decoded;
    } else {
      ++out_.invalid_data;
    }
    return true;
  }

  const char* p_;
  const char* end_;
  GetRecordsOutcome& out_;
  bool saw_records_ = false;
  std::string scratch_;
};

}  // namespace

// ------------------------------------------------------------------ builders

HttpCall KinesisCreateStream(std::string_view stream, int shards) {
  std::string body = "{\"StreamName\":";
  AppendJsonString(body, stream);
  body += ",\"ShardCount\":" + std::to_string(shards) + "}";
  return Call("CreateStream", std::move(body));
}

HttpCall KinesisDescribeStreamSummary(std::string_view stream) {
  std::string body = "{\"StreamName\":";
  AppendJsonString(body, stream);
  body.push_back('}');
  return Call("DescribeStreamSummary", std::move(body));
}

HttpCall KinesisListShards(std::string_view stream, std::string_view next_token) {
  std::string body = next_token.empty() ? "{\"StreamName\":" : "{\"NextToken\":";
  AppendJsonString(body, next_token.empty() ? stream : next_token);
  body.push_back('}');
  return Call("ListShards", std::move(body));
}

HttpCall KinesisGetShardIteratorTrimHorizon(std::string_view stream, std::string_view shard_id) {
  std::string body = "{\"StreamName\":";
  AppendJsonString(body, stream);
  body += ",\"ShardId\":";
  AppendJsonString(body, shard_id);
  body += ",\"ShardIteratorType\":\"TRIM_HORIZON\"}";
  return Call("GetShardIterator", std::move(body));
}

HttpCall KinesisGetRecords(std::string_view shard_iterator, int limit) {
  std::string body = "{\"ShardIterator\":";
  AppendJsonString(body, shard_iterator);
  body += ",\"Limit\":" + std::to_string(limit) + "}";
  return Call("GetRecords", std::move(body));
}

PutRecordsBuilder::PutRecordsBuilder(std::string_view stream, size_t expected_records, size_t record_size) {
  // {"Data":"<base64>","PartitionKey":"<key>"}, with a 16-character key.
  body_.reserve(64 + stream.size() + expected_records * ((record_size + 2) / 3 * 4 + 50));
  body_ = "{\"StreamName\":";
  AppendJsonString(body_, stream);
  body_ += ",\"Records\":[";
}

void PutRecordsBuilder::Add(std::string_view data, std::string_view partition_key) {
  if (records_++) body_.push_back(',');
  body_ += "{\"Data\":\"";
  AppendBase64(body_, data);
  body_ += "\",\"PartitionKey\":";
  AppendJsonString(body_, partition_key);
  body_.push_back('}');
}

HttpCall PutRecordsBuilder::Finish() {
  body_ += "]}";
  return Call("PutRecords", std::move(body_));
}

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void MakeRecordData(std::string& out, size_t size, uint64_t seq) {
  out.resize(size);
  char* p = out.data();
  unsigned char head[8];
  for (int i = 0; i < 8; ++i) head[i] = static_cast<unsigned char>(seq >> (56 - 8 * i));
  std::memcpy(p, head, std::min<size_t>(8, size));
  uint64_t state = seq;
  for (size_t i = 8; i < size; i += 8) {
    const uint64_t z = SplitMix64(state);
    std::memcpy(p + i, &z, std::min<size_t>(8, size - i));
  }
}

std::array<char, kPartitionKeySize> MakePartitionKey(uint64_t r) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::array<char, kPartitionKeySize> key{};
  for (size_t i = kPartitionKeySize; i-- > 0; r >>= 4) key[i] = kDigits[r & 15];
  return key;
}

// -------------------------------------------------------------------- base64

void AppendBase64(std::string& out, std::string_view bytes) {
  const size_t n = bytes.size();
  const size_t start = out.size();
  out.resize(start + (n + 2) / 3 * 4);
  char* d = out.data() + start;
  const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
  const char* pairs = kEncodePairs.data();
  size_t i = 0;
  for (; i + 3 <= n; i += 3, d += 4) {
    const uint32_t v = (uint32_t{s[i]} << 16) | (uint32_t{s[i + 1]} << 8) | s[i + 2];
    std::memcpy(d, pairs + 2 * (v >> 12), 2);
    std::memcpy(d + 2, pairs + 2 * (v & 0xFFF), 2);
  }
  if (n - i == 1) {
    const uint32_t v = uint32_t{s[i]} << 16;
    d[0] = kAlphabet[v >> 18];
    d[1] = kAlphabet[(v >> 12) & 63];
    d[2] = '=';
    d[3] = '=';
  } else if (n - i == 2) {
    const uint32_t v = (uint32_t{s[i]} << 16) | (uint32_t{s[i + 1]} << 8);
    d[0] = kAlphabet[v >> 18];
    d[1] = kAlphabet[(v >> 12) & 63];
    d[2] = kAlphabet[(v >> 6) & 63];
    d[3] = '=';
  }
}

std::optional<size_t> DecodeBase64(std::string_view in, char* out) {
  const size_t n = in.size();
  if (n % 4 != 0) return std::nullopt;
  if (n == 0) return 0;
  const auto* s = reinterpret_cast<const unsigned char*>(in.data());
  const size_t pads = s[n - 1] != '=' ? 0 : s[n - 2] != '=' ? 1 : 2;
  const size_t full = n / 4 - (pads ? 1 : 0);
  uint32_t bad = 0;
  char* d = out;
  for (size_t q = 0; q < full; ++q, s += 4, d += 3) {
    const uint32_t v = kDecode0[s[0]] | kDecode1[s[1]] | kDecode2[s[2]] | kDecode3[s[3]];
    bad |= v;
    d[0] = static_cast<char>(v >> 16);
    d[1] = static_cast<char>(v >> 8);
    d[2] = static_cast<char>(v);
  }
  if (pads == 1) {
    const uint32_t v = kDecode0[s[0]] | kDecode1[s[1]] | kDecode2[s[2]];
    if (v & 0xFF) return std::nullopt;  // leftover bits must be zero
    bad |= v;
    d[0] = static_cast<char>(v >> 16);
    d[1] = static_cast<char>(v >> 8);
    d += 2;
  } else if (pads == 2) {
    const uint32_t v = kDecode0[s[0]] | kDecode1[s[1]];
    if (v & 0xFFFF) return std::nullopt;
    bad |= v;
    d[0] = static_cast<char>(v >> 16);
    d += 1;
  }
  if (bad & 0xFF000000u) return std::nullopt;
  return static_cast<size_t>(d - out);
}

// ------------------------------------------------------------------- parsers

std::optional<StreamSummary> ParseStreamSummary(std::string_view body) {
  rapidjson::Document doc;
  if (!ParseJsonObject(body, doc)) return std::nullopt;
  auto it = doc.FindMember("StreamDescriptionSummary");
  if (it == doc.MemberEnd() || !it->value.IsObject()) return std::nullopt;
  StreamSummary out;
  auto status = StringMember(it->value, "StreamStatus");
  if (!status) return std::nullopt;
  out.status = std::move(*status);
  auto shards = it->value.FindMember("OpenShardCount");
  if (shards != it->value.MemberEnd() && shards->value.IsInt()) out.open_shards = shards->value.GetInt();
  return out;
}

std::optional<ShardPage> ParseListShards(std::string_view body) {
  rapidjson::Document doc;
  if (!ParseJsonObject(body, doc)) return std::nullopt;
  auto shards = doc.FindMember("Shards");
  if (shards == doc.MemberEnd() || !shards->value.IsArray()) return std::nullopt;
  ShardPage page;
  for (const auto& shard : shards->value.GetArray()) {
    if (!shard.IsObject()) continue;
    if (auto id = StringMember(shard, "ShardId")) page.shard_ids.push_back(std::move(*id));
  }
  page.next_token = StringMember(doc, "NextToken").value_or("");
  return page;
}

std::optional<std::string> ParseShardIterator(std::string_view body) {
  rapidjson::Document doc;
  if (!ParseJsonObject(body, doc)) return std::nullopt;
  return StringMember(doc, "ShardIterator");
}

PutRecordsOutcome ParsePutRecordsResult(std::string_view body) {
  PutRecordsOutcome out;
  rapidjson::Document doc;
  if (!ParseJsonObject(body, doc)) return out;
  auto records = doc.FindMember("Records");
  if (records == doc.MemberEnd() || !records->value.IsArray()) return out;
  out.parsed = true;
  for (const auto& entry : records->value.GetArray()) {
    if (!entry.IsObject()) continue;
    auto code = entry.FindMember("ErrorCode");
    if (code != entry.MemberEnd() && !code->value.IsNull()) {
      out.failed_codes.push_back(code->value.IsString() ? code->value.GetString() : "Unknown");
    } else {
      ++out.successful;
    }
  }
  return out;
}

GetRecordsOutcome ParseGetRecordsResult(std::string_view body) {
  GetRecordsOutcome out;
  if (!GetRecordsScanner(body, out).Run()) return GetRecordsOutcome{};
  out.parsed = true;
  return out;
}

}  // namespace sluice::bench
