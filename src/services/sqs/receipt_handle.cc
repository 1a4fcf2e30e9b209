#include "services/sqs/receipt_handle.h"

#include "common/bytes.h"
#include "common/crypto.h"

namespace sluice::sqs {
namespace {
constexpr size_t kPayload = 8 + 8 + 4;
constexpr size_t kMac = 16;
constexpr char kVersion = 1;
}  // namespace

std::string EncodeReceiptHandle(const ReceiptHandle& h, std::string_view secret) {
  std::string raw(1, kVersion);
  bytes::PutU64(raw, h.queue_id);
  bytes::PutU64(raw, h.seq);
  bytes::PutU32(raw, h.receive_count);
  raw += crypto::HmacSha256(secret, raw).substr(0, kMac);
  return crypto::Base64UrlEncode(raw);
}

std::optional<ReceiptHandle> DecodeReceiptHandle(std::string_view text, std::string_view secret) {
  if (text.size() > 128) return std::nullopt;
  auto raw = crypto::Base64UrlDecode(text);
  if (!raw || raw->size() != 1 + kPayload + kMac || (*raw)[0] != kVersion) return std::nullopt;
  std::string_view body(raw->data(), 1 + kPayload);
  std::string_view mac(raw->data() + 1 + kPayload, kMac);
  if (!crypto::ConstantTimeEquals(crypto::HmacSha256(secret, body).substr(0, kMac), mac)) {
    return std::nullopt;
  }
  bytes::Reader r(body.substr(1));
  ReceiptHandle h;
  if (!r.U64(h.queue_id) || !r.U64(h.seq) || !r.U32(h.receive_count)) return std::nullopt;
  return h;
}

}  // namespace sluice::sqs
