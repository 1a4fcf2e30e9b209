// DescribeStream: the stream and a page of its shards (Limit, default and cap 100,
// after ExclusiveStartShardId). A CREATING stream has no shards yet.
#include <algorithm>

#include "services/kinesis/kinesis_internal.h"

namespace sluice::kinesis {

void DescribeStream(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  auto s = FindStream(k, ctx, in, Need::kAny);
  if (!s.ok()) return done(std::move(s).error());
  int64_t now = k.Now();
  std::string status = StatusOf(k, *s, now);
  // AWS: default 100, and never more than 100 however many are asked for.
  int64_t limit = std::min<int64_t>(OptionalInt(in, "Limit").value_or(100), 100);
  std::optional<uint32_t> after;
  if (auto start = in.GetString("ExclusiveStartShardId")) {
    after = ParseShardId(*start);
    if (!after) return done(ShardNotFound(*start, *s));
  }
  Value shards = Value::List();
  bool more = false;
  if (status != "CREATING") {
    for (const ShardMeta* shard : ListedShards(*s, now)) {
      if (after && shard->index <= *after) continue;
      if (static_cast<int64_t>(shards.items().size()) == limit) {
        more = true;
        break;
      }
      shards.Append(ShardValue(k, *s, *shard));
    }
  }
  Value d = Value::Map();
  d.Set("StreamName", Value::String(s->name));
  d.Set("StreamARN", Value::String(StreamArn(k, *s)));
  d.Set("StreamStatus", Value::String(status));
  d.Set("StreamModeDetails", StreamModeValue(*s));
  d.Set("Shards", std::move(shards));
  d.Set("HasMoreShards", Value::Bool(more));
  d.Set("RetentionPeriodHours", Value::Int(s->retention_hours));
  d.Set("StreamCreationTimestamp", Value::Timestamp(s->created_ms));
  d.Set("EnhancedMonitoring", EnhancedMonitoringValue(*s));
  d.Set("EncryptionType", Value::String(s->encryption_type));
  if (s->encryption_type == "KMS") d.Set("KeyId", Value::String(s->key_id));
  Value out = Value::Map();
  out.Set("StreamDescription", std::move(d));
  done(std::move(out));
}

}  // namespace sluice::kinesis
