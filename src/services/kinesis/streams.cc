// Helpers shared by the Kinesis actions: names and ARNs, lazily evaluated
// statuses, stream lookup by name or ARN, serialized catalogue changes,
// rendering, tags.
#include <algorithm>
#include <cstdio>

#include "common/crypto.h"
#include "common/json_doc.h"
#include "services/kinesis/kinesis_internal.h"
#include "services/kinesis/sequence_number.h"

namespace sluice::kinesis {

// ---------------------------------------------------------------- names and ARNs

std::string StreamArn(const Kinesis& k, std::string_view account, std::string_view name) {
  return "arn:aws:kinesis:" + k.options.region + ":" + std::string(account) + ":stream/" +
         std::string(name);
}

std::string StreamArn(const Kinesis& k, const StreamMeta& s) {
  return StreamArn(k, s.account_id, s.name);
}

std::string ConsumerArn(const Kinesis& k, const StreamMeta& s, std::string_view consumer,
                        int64_t created_ms) {
  return StreamArn(k, s) + "/consumer/" + std::string(consumer) + ":" +
         std::to_string(created_ms / 1000);
}

std::string ShardIdString(uint32_t index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "shardId-%012u", index);
  return buf;
}

std::optional<uint32_t> ParseShardId(std::string_view text) {
  constexpr std::string_view kPrefix = "shardId-";
  if (text.substr(0, kPrefix.size()) == kPrefix) text.remove_prefix(kPrefix.size());
  if (text.empty() || text.size() > 12) return std::nullopt;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  // AWS takes shard indexes up to 2^31 - 1.
  if (v > 2147483647ULL) return std::nullopt;
  return static_cast<uint32_t>(v);
}

namespace {

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::optional<ArnParts> ParseArn(std::string_view arn) {
  // arn:<partition>:kinesis:<region>:<account>:stream/<name>[/consumer/<name>:<epoch>]
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    size_t c = arn.find(':', start);
    if (c == std::string_view::npos) return std::nullopt;
    parts.push_back(arn.substr(start, c - start));
    start = c + 1;
  }
  std::string_view resource = arn.substr(start);
  if (parts[0] != "arn" || parts[1].substr(0, 3) != "aws" || parts[2] != "kinesis") return std::nullopt;
  if (parts[4].size() != 12 || parts[4].find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  constexpr std::string_view kStream = "stream/";
  if (resource.substr(0, kStream.size()) != kStream) return std::nullopt;
  resource.remove_prefix(kStream.size());
  ArnParts out;
  out.account = std::string(parts[4]);
  size_t slash = resource.find('/');
  out.stream = std::string(resource.substr(0, slash));
  if (!ValidName(out.stream)) return std::nullopt;
  if (slash == std::string_view::npos) return out;
  std::string_view rest = resource.substr(slash);
  constexpr std::string_view kConsumer = "/consumer/";
  if (rest.substr(0, kConsumer.size()) != kConsumer) return std::nullopt;
  rest.remove_prefix(kConsumer.size());
  size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  out.consumer = std::string(rest.substr(0, colon));
  std::string_view epoch = rest.substr(colon + 1);
  if (!ValidName(out.consumer) || epoch.empty() || epoch.size() > 18 ||
      epoch.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  out.consumer_epoch = std::stoll(std::string(epoch));
  return out;
}

// ---------------------------------------------------------------- status

std::string StatusOf(const Kinesis& k, const StreamMeta& s, int64_t now) {
  if ((s.status == "CREATING" || s.status == "UPDATING") &&
      now - s.status_changed_ms >= k.options.transition_ms) {
    return "ACTIVE";
  }
  return s.status;
}

bool IsGone(const Kinesis& k, const StreamMeta& s, int64_t now) {
  return s.status == "DELETING" && now - s.status_changed_ms >= k.options.transition_ms;
}

std::string ConsumerStatusOf(const Kinesis& k, const ConsumerMeta& c, int64_t now) {
  if (c.status == "CREATING" && now - c.created_ms >= k.options.transition_ms) return "ACTIVE";
  return c.status;
}

bool IsOpen(const ShardMeta& shard) { return shard.ending_seq == 0 && shard.closed_ms == 0; }

int64_t RetentionMs(const StreamMeta& s) { return int64_t{s.retention_hours} * 3'600'000; }

bool IsExpired(const StreamMeta& s, const ShardMeta& shard, int64_t now) {
  return !IsOpen(shard) && shard.closed_ms + RetentionMs(s) < now;
}

const ShardMeta* FindShard(const StreamMeta& s, uint32_t index) {
  for (const auto& shard : s.shards) {
    if (shard.index == index) return &shard;
  }
  return nullptr;
}

ShardMeta* FindShard(StreamMeta& s, uint32_t index) {
  for (auto& shard : s.shards) {
    if (shard.index == index) return &shard;
  }
  return nullptr;
}

const ShardMeta* RouteShard(const StreamMeta& s, HashKey key) {
  for (const auto& shard : s.shards) {
    if (IsOpen(shard) && shard.starting_hash_key <= key && key <= shard.ending_hash_key) return &shard;
  }
  return nullptr;
}

int64_t OpenShardCount(const StreamMeta& s) {
  return std::count_if(s.shards.begin(), s.shards.end(), [](const ShardMeta& m) { return IsOpen(m); });
}

ShardMeta& AddShard(StreamMeta& s, HashKey start, HashKey end, int64_t now,
                    std::optional<uint32_t> parent, std::optional<uint32_t> adjacent_parent) {
  ShardMeta shard;
  shard.index = s.next_shard_index++;
  shard.parent = parent;
  shard.adjacent_parent = adjacent_parent;
  shard.starting_hash_key = start;
  shard.ending_hash_key = end;
  shard.starting_seq = storage::SeqAtTime(now);
  shard.created_ms = now;
  s.shards.push_back(shard);
  return s.shards.back();
}

void CloseShard(ShardMeta& shard, int64_t now) { shard.closed_ms = std::max<int64_t>(now, 1); }

int64_t ShardLimit(const Kinesis& k) {
  if (k.options.shard_limit > 0) return k.options.shard_limit;
  const std::string& r = k.options.region;
  return (r == "us-east-1" || r == "us-west-2" || r == "eu-west-1") ? 20'000 : 1'000;
}

int64_t AccountOpenShards(const Kinesis& k, std::string_view account, uint64_t except) {
  int64_t n = 0;
  int64_t now = k.Now();
  for (const auto& s : k.store->ListStreams(account)) {
    if (s.id == except || s.mode != "PROVISIONED" || IsGone(k, s, now)) continue;
    n += OpenShardCount(s);
  }
  return n;
}

// ---------------------------------------------------------------- errors

Error InvalidArgument(std::string message) {
  return Error{"InvalidArgumentException", std::move(message)};
}

Error StreamNotFound(std::string_view name, std::string_view account) {
  return Error{"ResourceNotFoundException",
               "Stream " + std::string(name) + " under account " + std::string(account) + " not found."};
}

Error NotActive(const StreamMeta& s, std::string_view status) {
  return Error{"ResourceInUseException", "Stream " + s.name + " under account " + s.account_id +
                                             " not ACTIVE, instead in state " + std::string(status)};
}

Error ShardNotFound(std::string_view shard_id, const StreamMeta& s) {
  return Error{"ResourceNotFoundException", "Could not find shard " + std::string(shard_id) +
                                                " in stream " + s.name + " under account " +
                                                s.account_id + "."};
}

Error ShardDoesNotExist(std::string_view shard_id, std::string_view stream,
                        std::string_view account) {
  return Error{"ResourceNotFoundException", "Shard " + std::string(shard_id) + " in stream " +
                                                std::string(stream) + " under account " +
                                                std::string(account) + " does not exist"};
}

Error RateExceeded(const StreamMeta& s, uint32_t shard) {
  return Error{"ProvisionedThroughputExceededException",
               "Rate exceeded for shard " + ShardIdString(shard) + " in stream " + s.name +
                   " under account " + s.account_id + "."};
}

Error ShardLimitExceeded(const Kinesis& k, std::string_view account, int64_t current,
                         int64_t additional) {
  return Error{"LimitExceededException",
               "This request would exceed the shard limit for the account " + std::string(account) +
                   " in " + k.options.region + ". Current shard count for the account: " +
                   std::to_string(current) + ". Limit: " + std::to_string(ShardLimit(k)) +
                   ". Number of additional shards that would have resulted from this request: " +
                   std::to_string(additional) +
                   ". Refer to the AWS Service Limits page "
                   "(http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for "
                   "current limits and how to request higher limits."};
}

// ---------------------------------------------------------------- lookup

Result<StreamMeta> CheckStatus(const Kinesis& k, StreamMeta s, Need need) {
  int64_t now = k.Now();
  if (IsGone(k, s, now)) return StreamNotFound(s.name, s.account_id);
  std::string status = StatusOf(k, s, now);
  switch (need) {
    case Need::kAny:
      break;
    case Need::kData:
      if (status == "CREATING") return StreamNotFound(s.name, s.account_id);
      break;
    case Need::kExisting:
      if (status == "CREATING" || status == "DELETING") return StreamNotFound(s.name, s.account_id);
      break;
    case Need::kActive:
      if (status != "ACTIVE") return NotActive(s, status);
      break;
  }
  return s;
}

Result<StreamMeta> FindStreamByArn(const Kinesis& k, const CallContext& ctx, std::string_view arn,
                                   Need need) {
  auto parts = ParseArn(arn);
  if (!parts || !parts->consumer.empty()) {
    return InvalidArgument("StreamARN " + std::string(arn) + " is not a valid stream ARN.");
  }
  // Cross-account access (resource policies) is not modelled: a stream of
  // another account is not found.
  if (parts->account != ctx.account_id) return StreamNotFound(parts->stream, parts->account);
  auto s = k.store->FindStream(parts->account, parts->stream);
  if (!s) return StreamNotFound(parts->stream, parts->account);
  return CheckStatus(k, std::move(*s), need);
}

Result<StreamMeta> FindStream(const Kinesis& k, const CallContext& ctx, const Value& in, Need need) {
  auto name = in.GetString("StreamName");
  auto arn = in.GetString("StreamARN");
  if (arn) {
    auto parts = ParseArn(*arn);
    // AWS accepts both members and uses them together: they must name one stream.
    if (name && parts && parts->consumer.empty() && parts->stream != *name) {
      return InvalidArgument("StreamARN " + *arn + " and StreamName " + *name +
                             " refer to different streams.");
    }
    return FindStreamByArn(k, ctx, *arn, need);
  }
  if (!name) return InvalidArgument("Either StreamName or StreamARN must be provided.");
  auto s = k.store->FindStream(ctx.account_id, *name);
  if (!s) return StreamNotFound(*name, ctx.account_id);
  return CheckStatus(k, std::move(*s), need);
}

Locate ByInput(const Kinesis& k, const CallContext& ctx, const Value& in, Need need) {
  const Kinesis* kp = &k;
  return [kp, ctx, in, need]() { return FindStream(*kp, ctx, in, need); };
}

void MutateStream(Kinesis& k, Locate locate, Change change, Done done) {
  auto self = k.shared_from_this();
  k.meta.Submit([self, locate = std::move(locate), change = std::move(change),
                 done = std::move(done)](MetaQueue::Release release) {
    auto found = locate();
    if (!found.ok()) {
      release();
      return done(std::move(found).error());
    }
    StreamMeta s = std::move(found).value();
    int64_t now = self->Now();
    // A completed CREATING or UPDATING is written as ACTIVE with this change.
    std::string status = StatusOf(*self, s, now);
    if (status != s.status) {
      s.status = status;
      s.status_changed_ms = now;
    }
    auto out = change(s, now);
    if (!out.ok()) {
      release();
      return done(std::move(out).error());
    }
    Value answer = std::move(out).value();
    self->store->PutStream(std::move(s), [release, done, answer = std::move(answer)](
                                             Result<StreamMeta> r) mutable {
      release();
      if (!r.ok()) return done(std::move(r).error());
      done(std::move(answer));
    });
  });
}

// ---------------------------------------------------------------- rendering

std::string SequenceNumberOf(const StreamMeta& s, uint32_t shard, uint64_t seq) {
  return RenderSequenceNumber(s.id, shard, seq);
}

Value HashKeyRangeValue(const ShardMeta& shard) {
  Value r = Value::Map();
  r.Set("StartingHashKey", Value::String(HashKeyString(shard.starting_hash_key)));
  r.Set("EndingHashKey", Value::String(HashKeyString(shard.ending_hash_key)));
  return r;
}

Value ChildShardsValue(const StreamMeta& s, uint32_t shard) {
  Value children = Value::List();
  for (const auto& c : s.shards) {
    if (c.parent != shard && c.adjacent_parent != shard) continue;
    Value child = Value::Map();
    child.Set("ShardId", Value::String(ShardIdString(c.index)));
    Value parents = Value::List();
    if (c.parent) parents.Append(Value::String(ShardIdString(*c.parent)));
    if (c.adjacent_parent) parents.Append(Value::String(ShardIdString(*c.adjacent_parent)));
    child.Set("ParentShards", std::move(parents));
    child.Set("HashKeyRange", HashKeyRangeValue(c));
    children.Append(std::move(child));
  }
  return children;
}

Value ShardValue(const Kinesis&, const StreamMeta& s, const ShardMeta& shard) {
  Value v = Value::Map();
  v.Set("ShardId", Value::String(ShardIdString(shard.index)));
  if (shard.parent) v.Set("ParentShardId", Value::String(ShardIdString(*shard.parent)));
  if (shard.adjacent_parent) {
    v.Set("AdjacentParentShardId", Value::String(ShardIdString(*shard.adjacent_parent)));
  }
  v.Set("HashKeyRange", HashKeyRangeValue(shard));
  Value range = Value::Map();
  range.Set("StartingSequenceNumber", Value::String(SequenceNumberOf(s, shard.index, shard.starting_seq)));
  if (!IsOpen(shard)) {
    uint64_t end = shard.ending_seq ? shard.ending_seq : std::max(shard.starting_seq, storage::SeqAtTime(shard.closed_ms));
    range.Set("EndingSequenceNumber", Value::String(SequenceNumberOf(s, shard.index, end)));
  }
  v.Set("SequenceNumberRange", std::move(range));
  return v;
}

Value EnhancedMonitoringValue(const StreamMeta& s) {
  Value metrics = Value::List();
  for (const auto& m : s.enhanced_metrics) metrics.Append(Value::String(m));
  Value entry = Value::Map();
  entry.Set("ShardLevelMetrics", std::move(metrics));
  Value list = Value::List();
  list.Append(std::move(entry));
  return list;
}

Value StreamModeValue(const StreamMeta& s) {
  Value v = Value::Map();
  v.Set("StreamMode", Value::String(s.mode));
  return v;
}

std::vector<const ShardMeta*> ListedShards(const StreamMeta& s, int64_t now) {
  std::vector<const ShardMeta*> out;
  for (const auto& shard : s.shards) {
    if (!IsExpired(s, shard, now)) out.push_back(&shard);
  }
  std::sort(out.begin(), out.end(), [](const ShardMeta* a, const ShardMeta* b) { return a->index < b->index; });
  return out;
}

// ---------------------------------------------------------------- input helpers

std::optional<bool> OptionalBool(const Value& in, std::string_view name) {
  const Value* v = in.Find(name);
  if (!v || v->is_null()) return std::nullopt;
  return v->as_bool();
}

std::optional<int64_t> OptionalTimestamp(const Value& in, std::string_view name) {
  const Value* v = in.Find(name);
  if (!v || v->is_null()) return std::nullopt;
  if (v->kind() == Value::Kind::kTimestamp) return v->as_timestamp_millis();
  if (v->kind() == Value::Kind::kDouble) return static_cast<int64_t>(v->as_double() * 1000);
  return v->as_int();
}

std::string SealToken(const Kinesis& k, std::string_view payload) {
  std::string raw(payload);
  raw += crypto::HmacSha256(k.secret, payload).substr(0, 12);
  return crypto::Base64UrlEncode(raw);
}

std::optional<std::string> OpenToken(const Kinesis& k, std::string_view token) {
  auto raw = crypto::Base64UrlDecode(token);
  if (!raw || raw->size() < 12) return std::nullopt;
  std::string_view payload(raw->data(), raw->size() - 12);
  std::string_view mac(raw->data() + payload.size(), 12);
  if (!crypto::ConstantTimeEquals(crypto::HmacSha256(k.secret, payload).substr(0, 12), mac)) {
    return std::nullopt;
  }
  return std::string(payload);
}

// ---------------------------------------------------------------- tags and policies

std::string ConsumerTagsKey(std::string_view consumer) {
  return "consumer-tags/" + std::string(consumer);
}

std::string PolicyKey(std::string_view consumer) {
  return consumer.empty() ? "policy" : "consumer-policy/" + std::string(consumer);
}

std::map<std::string, std::string> DecodeTags(const std::string& encoded) {
  std::map<std::string, std::string> out;
  if (encoded.empty()) return out;
  auto v = json::Parse(encoded);
  if (!v.ok() || !v->is_map()) return out;
  for (const auto& [key, val] : v->members()) out[key] = val.as_string();
  return out;
}

std::string EncodeTags(const std::map<std::string, std::string>& tags) {
  Value v = Value::Map();
  Value::MapBuilder b(v);
  for (const auto& [key, val] : tags) b.Put(key, Value::String(val));
  return json::Write(v);
}

namespace {

// Tag characters AWS accepts: Unicode letters, digits, white space and
// _ . / = + - % @ : (kinesalite's recorded rule: U+00C0-U+1FFF and
// U+2C00-U+D7FF for letters outside ASCII).
bool ValidTagText(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                std::string_view("_./=+-@%: ").find(static_cast<char>(c)) != std::string_view::npos;
      if (!ok) return false;
      ++i;
      continue;
    }
    uint32_t cp = 0;
    int n = 0;
    if ((c & 0xE0) == 0xC0) { cp = c & 0x1F; n = 1; }
    else if ((c & 0xF0) == 0xE0) { cp = c & 0x0F; n = 2; }
    else if ((c & 0xF8) == 0xF0) { cp = c & 0x07; n = 3; }
    else return false;
    for (int j = 1; j <= n; ++j) {
      if (i + j >= s.size()) return false;
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + j]) & 0x3F);
    }
    if (!((cp >= 0xC0 && cp <= 0x1FFF) || (cp >= 0x2C00 && cp <= 0xD7FF))) return false;
    i += n + 1;
  }
  return true;
}

}  // namespace

Status ValidateTagsToAdd(const std::map<std::string, std::string>& tags, std::string_view verb,
                         std::string_view what) {
  for (const auto& [key, val] : tags) {
    if (!ValidTagText(key) || !ValidTagText(val)) {
      return InvalidArgument(
          "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white "
          "space, _ . / = + - % @ :.");
    }
  }
  for (const auto& [key, val] : tags) {
    if (key.find('%') != std::string::npos || val.find('%') != std::string::npos) {
      return InvalidArgument("Failed to " + std::string(verb) + " " + std::string(what) +
                             " because some tags contained illegal characters. The allowed "
                             "characters are Unicode letters, white-spaces, '_',',','/','=','+','-',"
                             "'@',':'.");
    }
  }
  return {};
}

Status AddTags(std::map<std::string, std::string>& existing,
               const std::map<std::string, std::string>& tags, std::string_view what) {
  size_t total = existing.size();
  for (const auto& [key, val] : tags) {
    if (!existing.count(key)) ++total;
  }
  if (total > kMaxTagsPerResource) {
    return InvalidArgument("Failed to add tags to " + std::string(what) +
                           " because a given stream cannot have more than " +
                           std::to_string(kMaxTagsPerResource) + " tags associated with it.");
  }
  for (const auto& [key, val] : tags) existing[key] = val;
  return {};
}

const ConsumerMeta* FindConsumer(const StreamMeta& s, std::string_view name) {
  for (const auto& c : s.consumers) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

Result<Resource> FindResource(const Kinesis& k, const CallContext& ctx, std::string_view arn,
                              Need need) {
  auto parts = ParseArn(arn);
  if (!parts) return InvalidArgument("Invalid ResourceARN: " + std::string(arn));
  if (parts->account != ctx.account_id) return StreamNotFound(parts->stream, parts->account);
  auto s = k.store->FindStream(parts->account, parts->stream);
  if (!s) return StreamNotFound(parts->stream, parts->account);
  auto checked = CheckStatus(k, std::move(*s), need);
  if (!checked.ok()) return std::move(checked).error();
  Resource r{std::move(checked).value(), parts->consumer};
  if (!r.consumer.empty()) {
    const ConsumerMeta* c = FindConsumer(r.stream, r.consumer);
    if (!c || c->arn != arn) {
      return Error{"ResourceNotFoundException",
                   "Consumer " + std::string(arn) + " under account " + parts->account + " not found."};
    }
  }
  return r;
}

}  // namespace sluice::kinesis
