// GetShardIterator: a sealed read position in one shard, valid for five
// minutes: TRIM_HORIZON, LATEST, AT_/AFTER_SEQUENCE_NUMBER or AT_TIMESTAMP.
#include "services/kinesis/kinesis_internal.h"
#include "services/kinesis/sequence_number.h"
#include "services/kinesis/shard_iterator.h"

namespace sluice::kinesis {
namespace {

Error IteratorTypeMismatch(std::string_view type, bool has_number) {
  return InvalidArgument(
      "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and "
      "StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request "
      "specified " + std::string(type) + (has_number ? " and also a StartingSequenceNumber." : " and no StartingSequenceNumber."));
}

}  // namespace

void GetShardIterator(Kinesis& k, const CallContext& ctx, const Value& in, Done done) {
  std::string shard_text = in.GetString("ShardId").value_or("");
  std::string type = in.GetString("ShardIteratorType").value_or("");
  auto found = FindStream(k, ctx, in, Need::kData);
  if (!found.ok()) {
    Error e = std::move(found).error();
    auto index = ParseShardId(shard_text);
    if (e.code == "ResourceNotFoundException" && index) {
      std::string name = in.GetString("StreamName").value_or("");
      if (auto arn = in.GetString("StreamARN")) {
        if (auto parts = ParseArn(*arn)) name = parts->stream;
      }
      return done(ShardDoesNotExist(ShardIdString(*index), name, ctx.account_id));
    }
    return done(std::move(e));
  }
  const StreamMeta& s = *found;
  auto index = ParseShardId(shard_text);
  if (!index) return done(ShardNotFound(shard_text, s));
  int64_t now = k.Now();
  const ShardMeta* shard = FindShard(s, *index);
  if (!shard || IsExpired(s, *shard, now)) {
    return done(ShardDoesNotExist(ShardIdString(*index), s.name, s.account_id));
  }
  std::string shard_id = ShardIdString(*index);

  auto number = in.GetString("StartingSequenceNumber");
  auto timestamp = OptionalTimestamp(in, "Timestamp");
  uint64_t from = 0;
  if (type == "AT_SEQUENCE_NUMBER" || type == "AFTER_SEQUENCE_NUMBER") {
    if (!number) return done(IteratorTypeMismatch(type, false));
    auto parts = ParseSequenceNumber(*number);
    if (!parts) {
      return done(InvalidArgument("StartingSequenceNumber " + *number +
                                  " used in GetShardIterator on shard " + shard_id + " in stream " +
                                  s.name + " under account " + s.account_id + " is invalid."));
    }
    if (parts->shard != *index) {
      return done(InvalidArgument("Invalid StartingSequenceNumber. It encodes " +
                                  ShardIdString(parts->shard) +
                                  ", while it was used in a call to a shard with " + shard_id));
    }
    if (parts->stream_id != s.id) {
      return done(InvalidArgument("StartingSequenceNumber " + *number +
                                  " used in GetShardIterator on shard " + shard_id + " in stream " +
                                  s.name + " under account " + s.account_id +
                                  " is invalid because it did not come from this stream."));
    }
    from = parts->seq;
    if (type == "AFTER_SEQUENCE_NUMBER" && from != UINT64_MAX) ++from;
  } else if (type == "TRIM_HORIZON" || type == "LATEST") {
    if (number) return done(IteratorTypeMismatch(type, true));
    if (type == "LATEST") {
      auto last = k.store->LastCommitted(s.id, *index);
      if (!last.ok()) return done(std::move(last).error());
      from = std::max(*last + 1, shard->starting_seq);
    }
  } else if (type == "AT_TIMESTAMP") {
    if (!timestamp) {
      return done(InvalidArgument(
          "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current "
          "request has no timestamp parameter."));
    }
    if (*timestamp > now) {
      return done(InvalidArgument(
          "The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. "
          "timestampInMillis: " + std::to_string(*timestamp) +
          ", currentTimestampInMillis: " + std::to_string(now)));
    }
    from = storage::SeqAtTime(*timestamp);
  } else {
    return done(IteratorTypeMismatch(type, number.has_value()));
  }

  ShardIterator it;
  it.stream_id = s.id;
  it.shard = *index;
  it.from_seq = from;
  it.created_ms = now;
  it.account_id = s.account_id;
  it.stream_name = s.name;
  Value out = Value::Map();
  out.Set("ShardIterator", Value::String(EncodeShardIterator(it, k.secret)));
  done(std::move(out));
}

}  // namespace sluice::kinesis
