// The 128-bit hash key space Kinesis routes records by: MD5 of the partition
// key read as a big-endian unsigned integer, or an ExplicitHashKey given in
// decimal.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "storage/stream_store.h"

namespace sluice::kinesis {

using storage::HashKey;
inline constexpr HashKey kMaxHashKey = ~HashKey(0);  // 2^128 - 1

// A decimal string of 0 .. 2^128-1; nullopt for anything else (sign, other
// characters, empty, or too large).
std::optional<HashKey> ParseHashKey(std::string_view decimal);
std::string HashKeyString(HashKey key);
// MD5 of the UTF-8 partition key as a big-endian 128-bit integer.
HashKey PartitionKeyHash(std::string_view partition_key);
// Range i of the space split evenly into n ranges (inclusive ends), as
// CreateStream and UpdateShardCount lay shards out: each range is
// floor(2^128 / n) keys wide and the last one ends at 2^128 - 1.
std::pair<HashKey, HashKey> UniformRange(uint32_t i, uint32_t n);

}  // namespace sluice::kinesis
