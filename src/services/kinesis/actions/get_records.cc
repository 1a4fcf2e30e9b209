// GetRecords: up to Limit (10,000) records and 10 MiB from a shard iterator's
// position, a fresh iterator to continue from, and how far behind the tip the
// reader is. At the end of a closed shard there is no next iterator and the
// answer names the shard's children.
#include <ctime>

#include "services/kinesis/kinesis_internal.h"
#include "services/kinesis/shard_iterator.h"

namespace sluice::kinesis {
namespace {

// Java's Date.toString() in UTC, as AWS's texts print times: "Thu Jan 22 01:22:02 UTC 2015".
std::string AmzUtc(int64_t ms) {
  time_t secs = static_cast<time_t>(ms / 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a %b %d %H:%M:%S UTC %Y", &tm);
  return buf;
}

// Trims a stream at most once a second ahead of reads, so that TRIM_HORIZON
// follows retention even between periodic passes.
void MaybeTrim(Kinesis& k, uint64_t stream_id, int64_t now) {
  {
    std::lock_guard<std::mutex> lock(k.mu);
    int64_t& last = k.last_trim_ms[stream_id];
    if (now - last < 1000) return;
    last = now;
  }
  auto trimmed = k.store->Trim(stream_id, now);
  (void)trimmed;  // reads skip expired records anyway; the next pass retries
}

}  // namespace

void GetRecords(Kinesis& k, const CallContext&, const Value& in, Done done) {
  std::string text = in.GetString("ShardIterator").value_or("");
  auto it = DecodeShardIterator(text, k.secret);
  int64_t now = k.Now();
  if (!it || it->created_ms > now) return done(InvalidArgument("Invalid ShardIterator."));
  if (now - it->created_ms > kIteratorLifetimeMs) {
    return done(Error{"ExpiredIteratorException",
                      "Iterator expired. The iterator was created at time " + AmzUtc(it->created_ms) +
                          " while right now it is " + AmzUtc(now) +
                          " which is further in the future than the tolerated delay of " +
                          std::to_string(kIteratorLifetimeMs) + " milliseconds."});
  }
  std::string shard_id = ShardIdString(it->shard);
  auto found = k.store->FindStreamById(it->stream_id);
  if (!found || IsGone(k, *found, now)) {
    return done(ShardDoesNotExist(shard_id, it->stream_name, it->account_id));
  }
  if (auto arn = in.GetString("StreamARN"); arn && *arn != StreamArn(k, *found)) {
    return done(InvalidArgument("StreamARN " + *arn + " does not match the stream of the ShardIterator."));
  }
  const ShardMeta* shard = FindShard(*found, it->shard);
  if (!shard) return done(ShardDoesNotExist(shard_id, found->name, found->account_id));
  if (k.options.enforce_limits && !k.limiter.AdmitRead(found->id, it->shard, now)) {
    return done(RateExceeded(*found, it->shard));
  }
  int limit = static_cast<int>(OptionalInt(in, "Limit").value_or(kMaxGetRecordsLimit));

  // The read may touch disk: off the caller's thread.
  auto self = k.shared_from_this();
  StreamMeta stream = std::move(*found);
  ShardIterator pos = *it;
  k.executor->Post([self, stream = std::move(stream), pos, limit, done] {
    int64_t now = self->Now();
    MaybeTrim(*self, stream.id, now);
    // Records older than the retention period are never served, trimmed or not.
    uint64_t from = std::max(pos.from_seq, storage::SeqAtTime(now - RetentionMs(stream)));
    auto read = self->store->Read(stream.id, pos.shard, from, limit, kMaxGetRecordsBytes);
    if (!read.ok()) return done(std::move(read).error());
    Value records = Value::List();
    int64_t bytes = 0;
    for (const auto& r : read->records) {
      bytes += static_cast<int64_t>(r.data.size() + r.partition_key.size());
      records.Append(RecordValue(stream, pos.shard, r));
    }
    if (self->options.enforce_limits) self->limiter.ChargeRead(stream.id, pos.shard, bytes, now);

    Value out = Value::Map();
    out.Set("Records", std::move(records));
    int64_t behind = 0;
    if (!read->records.empty() && read->next_seq <= read->last_committed) {
      behind = std::max<int64_t>(0, now - read->records.back().arrival_ms);
    }
    if (read->end_of_shard) {
      out.Set("MillisBehindLatest", Value::Int(0));
      out.Set("ChildShards", ChildShardsValue(stream, pos.shard));
    } else {
      ShardIterator next = pos;
      next.from_seq = std::max(read->next_seq, from);
      next.created_ms = now;
      out.Set("NextShardIterator", Value::String(EncodeShardIterator(next, self->secret)));
      out.Set("MillisBehindLatest", Value::Int(behind));
    }
    done(std::move(out));
  });
}

}  // namespace sluice::kinesis
