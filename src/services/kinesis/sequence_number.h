// AWS-shaped sequence numbers: 56-digit decimal strings that compare as the
// numbers they are. The store's per-shard u64 seq (arrival time in its high
// bits) comes first, so numbers of one shard order like their seqs and those
// of different shards roughly by time; the shard index and the stream's id
// follow, so a number used on the wrong shard or stream is recognised.
//
//   "4" | seq (20 digits) | shard index (10 digits) | stream id (25 digits)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::kinesis {

inline constexpr size_t kSequenceNumberDigits = 56;

struct SequenceParts {
  uint64_t seq = 0;
  uint32_t shard = 0;
  uint64_t stream_id = 0;
};

std::string RenderSequenceNumber(uint64_t stream_id, uint32_t shard, uint64_t seq);
// nullopt when the text is not a number this server renders.
std::optional<SequenceParts> ParseSequenceNumber(std::string_view text);

}  // namespace sluice::kinesis
