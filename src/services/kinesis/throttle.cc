#include "services/kinesis/throttle.h"

#include <algorithm>

namespace sluice::kinesis {

void TokenBucket::Refill(int64_t now_ms) {
  if (now_ms > last_ms_) {
    tokens_ = std::min(capacity_, tokens_ + rate_ * static_cast<double>(now_ms - last_ms_) / 1000.0);
    last_ms_ = now_ms;
  }
}

bool TokenBucket::TryTake(double n, int64_t now_ms) {
  Refill(now_ms);
  if (tokens_ < n) return false;
  tokens_ -= n;
  return true;
}

void TokenBucket::Take(double n, int64_t now_ms) {
  Refill(now_ms);
  tokens_ -= n;
}

double TokenBucket::Available(int64_t now_ms) {
  Refill(now_ms);
  return tokens_;
}

ShardLimiter::Shard::Shard(int64_t now_ms, double write_burst)
    : write_bytes(kShardWriteBytesPerSecond, write_burst, now_ms),
      write_records(kShardWriteRecordsPerSecond, kShardWriteRecordsPerSecond, now_ms),
      read_calls(kShardReadCallsPerSecond, kShardReadCallsPerSecond, now_ms),
      read_bytes(kShardReadBytesPerSecond, kShardReadBytesPerSecond, now_ms) {}

ShardLimiter::Shard& ShardLimiter::At(uint64_t stream_id, uint32_t shard, int64_t now_ms,
                                      double write_burst) {
  auto it = shards_.find({stream_id, shard});
  if (it == shards_.end()) {
    it = shards_.emplace(std::make_pair(stream_id, shard), Shard(now_ms, write_burst)).first;
  }
  return it->second;
}

bool ShardLimiter::AdmitWrite(uint64_t stream_id, uint32_t shard, int64_t bytes,
                              int64_t max_record_bytes, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  double burst = static_cast<double>(std::max(kShardWriteBytesPerSecond, max_record_bytes));
  Shard& s = At(stream_id, shard, now_ms, burst);
  s.write_bytes.set_capacity(burst);
  if (s.write_records.Available(now_ms) < 1 ||
      s.write_bytes.Available(now_ms) < static_cast<double>(bytes)) {
    return false;
  }
  s.write_records.Take(1, now_ms);
  s.write_bytes.Take(static_cast<double>(bytes), now_ms);
  return true;
}

bool ShardLimiter::AdmitRead(uint64_t stream_id, uint32_t shard, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  Shard& s = At(stream_id, shard, now_ms, kShardWriteBytesPerSecond);
  if (s.read_bytes.Available(now_ms) <= 0) return false;
  return s.read_calls.TryTake(1, now_ms);
}

void ShardLimiter::ChargeRead(uint64_t stream_id, uint32_t shard, int64_t bytes, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  At(stream_id, shard, now_ms, kShardWriteBytesPerSecond).read_bytes.Take(static_cast<double>(bytes), now_ms);
}

void ShardLimiter::Forget(uint64_t stream_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = shards_.lower_bound({stream_id, 0});
  while (it != shards_.end() && it->first.first == stream_id) it = shards_.erase(it);
}

}  // namespace sluice::kinesis
