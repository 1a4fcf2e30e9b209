// Shard iterators: a read position (stream id, shard, next seq) and the time
// the iterator was handed out, sealed with an HMAC under a server secret so
// that a client cannot forge or edit one, and carrying the stream's name and
// account so errors can name them. Opaque base64 to clients, < 512 characters.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::kinesis {

// AWS's iterator lifetime: an iterator older than this is expired.
inline constexpr int64_t kIteratorLifetimeMs = 300'000;

struct ShardIterator {
  uint64_t stream_id = 0;
  uint32_t shard = 0;
  uint64_t from_seq = 0;
  int64_t created_ms = 0;
  std::string account_id;
  std::string stream_name;
};

std::string EncodeShardIterator(const ShardIterator& it, std::string_view secret);
// nullopt when malformed or when the MAC does not match.
std::optional<ShardIterator> DecodeShardIterator(std::string_view text, std::string_view secret);

}  // namespace sluice::kinesis
