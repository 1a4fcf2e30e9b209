// Tests for receipt handles: they round-trip, and nothing a client can send
// (a flipped character, another store's handle, truncated or oversized
// garbage) decodes to a handle.
#include "services/sqs/receipt_handle.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/crypto.h"

namespace sluice::sqs {
namespace {

using namespace std::string_literals;

const std::string kSecret = std::string(32, '\x5a');
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

bool Same(const ReceiptHandle& a, const ReceiptHandle& b) {
  return a.queue_id == b.queue_id && a.seq == b.seq && a.receive_count == b.receive_count;
}

TEST(ReceiptHandle, RoundTrips) {
  const std::vector<ReceiptHandle> cases = {
      {1, 1, 1},
      {42, 7, 3},
      {0, 0, 0},
      {UINT64_MAX, UINT64_MAX, UINT32_MAX},
      {0x0102030405060708ULL, 0x1112131415161718ULL, 0x21222324},
  };
  for (const ReceiptHandle& h : cases) {
    std::string text = EncodeReceiptHandle(h, kSecret);
    auto back = DecodeReceiptHandle(text, kSecret);
    ASSERT_TRUE(back.has_value()) << text;
    EXPECT_TRUE(Same(*back, h)) << text;
  }
}

TEST(ReceiptHandle, IsUrlSafeAndCompact) {
  std::string text = EncodeReceiptHandle({UINT64_MAX, UINT64_MAX, UINT32_MAX}, kSecret);
  EXPECT_LE(text.size(), 128u);
  EXPECT_EQ(text.find_first_not_of(kAlphabet), std::string::npos) << text;
  // Deterministic: the same handle under the same secret encodes the same.
  EXPECT_EQ(text, EncodeReceiptHandle({UINT64_MAX, UINT64_MAX, UINT32_MAX}, kSecret));
}

TEST(ReceiptHandle, EachReceiveGetsADistinctHandle) {
  std::string first = EncodeReceiptHandle({5, 9, 1}, kSecret);
  std::string second = EncodeReceiptHandle({5, 9, 2}, kSecret);
  EXPECT_NE(first, second);
  EXPECT_EQ(DecodeReceiptHandle(first, kSecret)->receive_count, 1u);
  EXPECT_EQ(DecodeReceiptHandle(second, kSecret)->receive_count, 2u);
}

TEST(ReceiptHandle, AnyFlippedCharacterIsRejected) {
  std::string text = EncodeReceiptHandle({42, 1000, 7}, kSecret);
  for (size_t i = 0; i < text.size(); ++i) {
    for (const char* c = kAlphabet; *c; ++c) {
      if (*c == text[i]) continue;
      std::string bad = text;
      bad[i] = *c;
      EXPECT_FALSE(DecodeReceiptHandle(bad, kSecret).has_value()) << "position " << i << " -> " << *c;
    }
    for (char c : {'+', '/', '=', ' ', '\0', '\xff'}) {
      std::string bad = text;
      bad[i] = c;
      EXPECT_FALSE(DecodeReceiptHandle(bad, kSecret).has_value()) << "position " << i;
    }
  }
}

TEST(ReceiptHandle, WrongSecretIsRejected) {
  std::string text = EncodeReceiptHandle({42, 1000, 7}, kSecret);
  EXPECT_FALSE(DecodeReceiptHandle(text, std::string(32, '\x5b')).has_value());
  EXPECT_FALSE(DecodeReceiptHandle(text, "").has_value());
  EXPECT_FALSE(DecodeReceiptHandle(text, kSecret.substr(0, 31)).has_value());
  EXPECT_NE(text, EncodeReceiptHandle({42, 1000, 7}, std::string(32, '\x5b')));
}

TEST(ReceiptHandle, TruncatedOrExtendedIsRejected) {
  std::string text = EncodeReceiptHandle({42, 1000, 7}, kSecret);
  for (size_t n = 0; n < text.size(); ++n) {
    EXPECT_FALSE(DecodeReceiptHandle(text.substr(0, n), kSecret).has_value()) << n;
    EXPECT_FALSE(DecodeReceiptHandle(text.substr(n + 1), kSecret).has_value()) << n;
  }
  for (const char* tail : {"A", "AA", "AAA", "AAAA", "=", "=="}) {
    EXPECT_FALSE(DecodeReceiptHandle(text + tail, kSecret).has_value()) << tail;
  }
  EXPECT_FALSE(DecodeReceiptHandle(text + text, kSecret).has_value());
}

TEST(ReceiptHandle, GarbageIsRejectedWithoutCrashing) {
  for (const std::string& junk : {
           ""s, "x"s, "not a handle"s, "AQEBzbVv...fqNzFw=="s, std::string(50, 'A'),
           std::string(49, 'A'), std::string(128, 'A'), std::string(129, 'A'),
           std::string(50, '\0'), "%41%42"s, "\xc3\xa9\xc3\xa9"s,
       }) {
    EXPECT_FALSE(DecodeReceiptHandle(junk, kSecret).has_value()) << crypto::Hex(junk);
  }
  // Huge input is refused up front.
  EXPECT_FALSE(DecodeReceiptHandle(std::string(8 << 20, 'A'), kSecret).has_value());
}

TEST(ReceiptHandle, OtherVersionsAreRejectedEvenWithAValidMac) {
  // Same layout and a correct MAC, but a version byte this server does not write.
  for (char version : {'\0', '\x02', '\xff'}) {
    std::string raw(1, version);
    bytes::PutU64(raw, 42);
    bytes::PutU64(raw, 1000);
    bytes::PutU32(raw, 7);
    raw += crypto::HmacSha256(kSecret, raw).substr(0, 16);
    EXPECT_FALSE(DecodeReceiptHandle(crypto::Base64UrlEncode(raw), kSecret).has_value())
        << static_cast<int>(version);
  }
}

TEST(ReceiptHandle, ShortenedMacIsRejected) {
  std::string raw(1, '\x01');
  bytes::PutU64(raw, 42);
  bytes::PutU64(raw, 1000);
  bytes::PutU32(raw, 7);
  std::string mac = crypto::HmacSha256(kSecret, raw);
  EXPECT_TRUE(DecodeReceiptHandle(crypto::Base64UrlEncode(raw + mac.substr(0, 16)), kSecret).has_value());
  EXPECT_FALSE(DecodeReceiptHandle(crypto::Base64UrlEncode(raw + mac.substr(0, 15)), kSecret).has_value());
  EXPECT_FALSE(DecodeReceiptHandle(crypto::Base64UrlEncode(raw + mac), kSecret).has_value());
  EXPECT_FALSE(DecodeReceiptHandle(crypto::Base64UrlEncode(raw), kSecret).has_value());
}

}  // namespace
}  // namespace sluice::sqs
