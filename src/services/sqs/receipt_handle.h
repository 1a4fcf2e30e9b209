// Receipt handles: (queue id, message seq, receive count) sealed with an
// HMAC under the store's secret, so they cannot be forged, and carrying the
// receive count, so a handle from an earlier receive is recognised as stale.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::sqs {

struct ReceiptHandle {
  uint64_t queue_id = 0;
  uint64_t seq = 0;
  uint32_t receive_count = 0;
};

std::string EncodeReceiptHandle(const ReceiptHandle& h, std::string_view secret);
// nullopt when malformed or when the MAC does not match.
std::optional<ReceiptHandle> DecodeReceiptHandle(std::string_view text, std::string_view secret);

}  // namespace sluice::sqs
