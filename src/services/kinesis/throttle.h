// Per-shard throughput limits (--kinesis-limits enforce): token buckets
// refilled from the injected Clock, so tests drive them without sleeping.
//
// AWS's provisioned shard: writes up to 1 MiB/s or 1,000 records/s, with a
// burst that lets a single record up to the stream's maximum record size
// through; reads up to 5 GetRecords calls/s and 2 MiB/s, where a call that
// returned more than the second's share makes the following calls fail until
// the shard has paid it back (a 10 MiB read blocks the shard for ~5 s).
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <utility>

namespace sluice::kinesis {

class TokenBucket {
 public:
  TokenBucket(double rate_per_s, double capacity, int64_t now_ms)
      : rate_(rate_per_s), capacity_(capacity), tokens_(capacity), last_ms_(now_ms) {}
  // Takes n tokens when at least n are there.
  bool TryTake(double n, int64_t now_ms);
  // Takes n tokens even into debt.
  void Take(double n, int64_t now_ms);
  double Available(int64_t now_ms);
  void set_capacity(double c) { capacity_ = c; }

 private:
  void Refill(int64_t now_ms);
  double rate_;
  double capacity_;
  double tokens_;
  int64_t last_ms_;
};

inline constexpr int64_t kShardWriteBytesPerSecond = 1 << 20;
inline constexpr int64_t kShardWriteRecordsPerSecond = 1000;
inline constexpr int64_t kShardReadCallsPerSecond = 5;
inline constexpr int64_t kShardReadBytesPerSecond = 2 << 20;

class ShardLimiter {
 public:
  // Admits one record of `bytes` (data + partition key) to a shard, or not.
  // `max_record_bytes` sizes the write burst.
  bool AdmitWrite(uint64_t stream_id, uint32_t shard, int64_t bytes, int64_t max_record_bytes,
                  int64_t now_ms);
  // Admits one GetRecords call, or not.
  bool AdmitRead(uint64_t stream_id, uint32_t shard, int64_t now_ms);
  // Charges the bytes a GetRecords call returned.
  void ChargeRead(uint64_t stream_id, uint32_t shard, int64_t bytes, int64_t now_ms);
  // Forgets a stream's buckets.
  void Forget(uint64_t stream_id);

 private:
  struct Shard {
    TokenBucket write_bytes;
    TokenBucket write_records;
    TokenBucket read_calls;
    TokenBucket read_bytes;
    Shard(int64_t now_ms, double write_burst);
  };
  // A shard's buckets, made full on first use.
  Shard& At(uint64_t stream_id, uint32_t shard, int64_t now_ms, double write_burst);  // REQUIRES(mu_)

  std::mutex mu_;
  std::map<std::pair<uint64_t, uint32_t>, Shard> shards_;  // GUARDED_BY(mu_)
};

}  // namespace sluice::kinesis
