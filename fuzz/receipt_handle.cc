// Fuzz target: SQS receipt-handle decoding.
//
// Input: the ReceiptHandle text a client sends back. DecodeReceiptHandle must
// return nullopt or a handle; a handle it accepts re-encodes to the same text
// (the encoding is canonical) and is refused under another secret. The first
// 20 bytes, read as (queue id, seq, receive count), must survive an
// encode/decode round trip.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "services/sqs/receipt_handle.h"

using namespace sluice::sqs;

namespace {
constexpr std::string_view kSecret = "fuzz-receipt-handle-secret-0123456789abcdef";
constexpr std::string_view kOtherSecret = "another-secret";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto h = DecodeReceiptHandle(text, kSecret)) {
    if (EncodeReceiptHandle(*h, kSecret) != text) __builtin_trap();
    if (DecodeReceiptHandle(text, kOtherSecret)) __builtin_trap();
  }
  if (size >= 20) {
    ReceiptHandle h;
    std::memcpy(&h.queue_id, data, 8);
    std::memcpy(&h.seq, data + 8, 8);
    std::memcpy(&h.receive_count, data + 16, 4);
    std::string enc = EncodeReceiptHandle(h, kSecret);
    auto back = DecodeReceiptHandle(enc, kSecret);
    if (!back || back->queue_id != h.queue_id || back->seq != h.seq || back->receive_count != h.receive_count) {
      __builtin_trap();
    }
  }
  return 0;
}
