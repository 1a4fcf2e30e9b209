#include "services/kinesis/sequence_number.h"

#include <cstdio>

namespace sluice::kinesis {
namespace {

// Digits [pos, pos + n) as an unsigned value; nullopt on overflow of `max`.
std::optional<uint64_t> Field(std::string_view s, size_t pos, size_t n, uint64_t max) {
  unsigned __int128 v = 0;
  for (size_t i = pos; i < pos + n; ++i) v = v * 10 + static_cast<unsigned>(s[i] - '0');
  if (v > max) return std::nullopt;
  return static_cast<uint64_t>(v);
}

}  // namespace

std::string RenderSequenceNumber(uint64_t stream_id, uint32_t shard, uint64_t seq) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "4%020llu%010u%025llu", static_cast<unsigned long long>(seq),
                shard, static_cast<unsigned long long>(stream_id));
  return buf;
}

std::optional<SequenceParts> ParseSequenceNumber(std::string_view text) {
  if (text.size() != kSequenceNumberDigits || text[0] != '4') return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  auto seq = Field(text, 1, 20, UINT64_MAX);
  auto shard = Field(text, 21, 10, UINT32_MAX);
  auto stream = Field(text, 31, 25, UINT64_MAX);
  if (!seq || !shard || !stream) return std::nullopt;
  return SequenceParts{*seq, static_cast<uint32_t>(*shard), *stream};
}

}  // namespace sluice::kinesis
