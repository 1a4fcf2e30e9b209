#include "services/kinesis/shard_iterator.h"

#include "common/bytes.h"
#include "common/crypto.h"

namespace sluice::kinesis {
namespace {
constexpr size_t kMac = 16;
constexpr char kVersion = 1;
constexpr size_t kMaxText = 512;
}  // namespace

std::string EncodeShardIterator(const ShardIterator& it, std::string_view secret) {
  std::string raw(1, kVersion);
  bytes::PutU64(raw, it.stream_id);
  bytes::PutU32(raw, it.shard);
  bytes::PutU64(raw, it.from_seq);
  bytes::PutI64(raw, it.created_ms);
  bytes::PutString(raw, it.account_id);
  bytes::PutString(raw, it.stream_name);
  raw += crypto::HmacSha256(secret, raw).substr(0, kMac);
  return crypto::Base64Encode(raw);
}

std::optional<ShardIterator> DecodeShardIterator(std::string_view text, std::string_view secret) {
  if (text.size() > kMaxText) return std::nullopt;
  auto raw = crypto::Base64Decode(text);
  if (!raw || raw->size() < 1 + kMac || (*raw)[0] != kVersion) return std::nullopt;
  std::string_view body(raw->data(), raw->size() - kMac);
  std::string_view mac(raw->data() + body.size(), kMac);
  if (!crypto::ConstantTimeEquals(crypto::HmacSha256(secret, body).substr(0, kMac), mac)) {
    return std::nullopt;
  }
  bytes::Reader r(body.substr(1));
  ShardIterator it;
  if (!r.U64(it.stream_id) || !r.U32(it.shard) || !r.U64(it.from_seq) || !r.I64(it.created_ms) ||
      !r.String(it.account_id) || !r.String(it.stream_name) || !r.done()) {
    return std::nullopt;
  }
  return it;
}

}  // namespace sluice::kinesis
