// ListShards: the stream's shards (never the expired ones), filtered by a
// ShardFilter and paged by MaxResults (default and cap 1000) with a NextToken
// that names the stream itself and lives five minutes.
#include <algorithm>

#include "common/json_doc.h"
#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {
namespace {

struct Query {
  uint64_t stream_id = 0;
  int64_t issued_ms = 0;
  int64_t after = -1;  // list shards with a larger index
  std::string filter;  // ShardFilter type, empty for none
  int64_t filter_shard = -1;
  int64_t filter_ms = 0;
};

std::string EncodeQuery(const Query& q) {
  Value v = Value::Map();
  v.Set("s", Value::Int(static_cast<int64_t>(q.stream_id)));
  v.Set("t", Value::Int(q.issued_ms));
  v.Set("a", Value::Int(q.after));
  v.Set("f", Value::String(q.filter));
  v.Set("fs", Value::Int(q.filter_shard));
  v.Set("ft", Value::Int(q.filter_ms));
  return "shards|" + json::Write(v);
}

std::optional<Query> DecodeQuery(const std::string& payload) {
  if (payload.rfind("shards|", 0) != 0) return std::nullopt;
  auto v = json::Parse(std::string_view(payload).substr(7));
  if (!v.ok() || !v->is_map()) return std::nullopt;
  Query q;
  q.stream_id = static_cast<uint64_t>(OptionalInt(*v, "s").value_or(0));
  q.issued_ms = OptionalInt(*v, "t").value_or(0);
  q.after = OptionalInt(*v, "a").value_or(-1);
  q.filter = v->GetString("f").value_or("");
  q.filter_shard = OptionalInt(*v, "fs").value_or(-1);
  q.filter_ms = OptionalInt(*v, "ft").value_or(0);
  return q;
}

// Whether a shard passes the filter. `horizon` is the stream's trim horizon:
// now - retention, but never before the stream was created.
bool Passes(const Query& q, const ShardMeta& shard, int64_t horizon) {
  bool open = IsOpen(shard);
  auto open_at = [&](int64_t t) { return shard.created_ms <= t && (open || shard.closed_ms >= t); };
  if (q.filter == "AFTER_SHARD_ID") return static_cast<int64_t>(shard.index) > q.filter_shard;
  if (q.filter == "AT_TRIM_HORIZON") return open_at(horizon);
  if (q.filter == "AT_LATEST") return open;
  if (q.filter == "AT_TIMESTAMP") return open_at(std::max(q.filter_ms, horizon));
  if (q.filter == "FROM_TIMESTAMP") return open || shard.closed_ms >= std::max(q.filter_ms, horizon);
  // FROM_TRIM_HORIZON, the default: everything within the retention period.
  return open || shard.closed_ms >= horizon;
}

}  // namespace

void ListShards(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  auto token = in.GetString("NextToken");
  bool named = in.Find("StreamName") || in.Find("StreamARN");
  int64_t max = std::min<int64_t>(OptionalInt(in, "MaxResults").value_or(1000), 1000);
  int64_t now = k.Now();
  Query q;
  StreamMeta stream;
  if (token) {
    if (in.Find("StreamName")) {
      return done(InvalidArgument("NextToken and StreamName cannot be provided together."));
    }
    if (in.Find("StreamARN")) {
      return done(InvalidArgument("NextToken and StreamARN cannot be provided together."));
    }
    if (in.Find("ExclusiveStartShardId")) {
      return done(InvalidArgument("NextToken and ExclusiveStartShardId cannot be provided together."));
    }
    if (in.Find("StreamCreationTimestamp")) {
      return done(InvalidArgument("NextToken and StreamCreationTimestamp cannot be provided together."));
    }
    auto payload = OpenToken(k, *token);
    auto decoded = payload ? DecodeQuery(*payload) : std::nullopt;
    if (!decoded) return done(InvalidArgument("Invalid NextToken."));
    q = *decoded;
    if (now - q.issued_ms > kNextTokenLifetimeMs) {
      return done(Error{"ExpiredNextTokenException", "The NextToken has expired."});
    }
    auto s = k.store->FindStreamById(q.stream_id);
    if (!s) return done(InvalidArgument("Invalid NextToken."));
    auto checked = CheckStatus(k, std::move(*s), Need::kData);
    if (!checked.ok()) return done(std::move(checked).error());
    stream = std::move(checked).value();
  } else {
    if (!named) return done(InvalidArgument("Either NextToken or StreamName should be provided."));
    auto s = FindStream(k, ctx, in, Need::kData);
    if (!s.ok()) return done(std::move(s).error());
    stream = std::move(s).value();
    if (auto created = OptionalTimestamp(in, "StreamCreationTimestamp");
        created && *created / 1000 != stream.created_ms / 1000) {
      return done(StreamNotFound(stream.name, stream.account_id));
    }
    q.stream_id = stream.id;
    if (auto start = in.GetString("ExclusiveStartShardId")) {
      auto index = ParseShardId(*start);
      if (!index) return done(ShardNotFound(*start, stream));
      q.after = *index;
    }
    if (const Value* f = in.Find("ShardFilter"); f && f->is_map()) {
      q.filter = f->GetString("Type").value_or("");
      auto shard_id = f->GetString("ShardId");
      auto ts = OptionalTimestamp(*f, "Timestamp");
      if (q.filter == "AFTER_SHARD_ID") {
        if (!shard_id) {
          return done(InvalidArgument("ShardId must be specified when the ShardFilter type is AFTER_SHARD_ID."));
        }
        auto index = ParseShardId(*shard_id);
        if (!index) return done(ShardNotFound(*shard_id, stream));
        q.filter_shard = *index;
      } else if (shard_id) {
        return done(InvalidArgument("ShardId can only be specified when the ShardFilter type is AFTER_SHARD_ID."));
      }
      if (q.filter == "AT_TIMESTAMP" || q.filter == "FROM_TIMESTAMP") {
        if (!ts) {
          return done(InvalidArgument("Timestamp must be specified when the ShardFilter type is " + q.filter + "."));
        }
        q.filter_ms = *ts;
      } else if (ts) {
        return done(InvalidArgument(
            "Timestamp can only be specified when the ShardFilter type is AT_TIMESTAMP or FROM_TIMESTAMP."));
      }
    }
  }

  int64_t horizon = std::max(now - RetentionMs(stream), stream.created_ms);
  Value shards = Value::List();
  bool more = false;
  int64_t last = q.after;
  for (const ShardMeta* shard : ListedShards(stream, now)) {
    if (static_cast<int64_t>(shard->index) <= q.after || !Passes(q, *shard, horizon)) continue;
    if (static_cast<int64_t>(shards.items().size()) == max) {
      more = true;
      break;
    }
    shards.Append(ShardValue(k, stream, *shard));
    last = shard->index;
  }
  Value out = Value::Map();
  out.Set("Shards", std::move(shards));
  if (more) {
    Query next = q;
    next.after = last;
    next.issued_ms = now;
    out.Set("NextToken", Value::String(SealToken(k, EncodeQuery(next))));
  }
  done(std::move(out));
}

}  // namespace sluice::kinesis
