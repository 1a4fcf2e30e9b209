// Shard iterators: round trip, tamper evidence, size.
#include "services/kinesis/shard_iterator.h"

#include <gtest/gtest.h>

#include "common/crypto.h"

namespace sluice::kinesis {
namespace {

ShardIterator Sample() {
  ShardIterator it;
  it.stream_id = 42;
  it.shard = 7;
  it.from_seq = 123456789;
  it.created_ms = 1'700'000'000'000;
  it.account_id = "123456789012";
  it.stream_name = "orders";
  return it;
}

TEST(ShardIterator, RoundTrips) {
  std::string text = EncodeShardIterator(Sample(), "secret");
  auto it = DecodeShardIterator(text, "secret");
  ASSERT_TRUE(it);
  EXPECT_EQ(it->stream_id, 42u);
  EXPECT_EQ(it->shard, 7u);
  EXPECT_EQ(it->from_seq, 123456789u);
  EXPECT_EQ(it->created_ms, 1'700'000'000'000);
  EXPECT_EQ(it->account_id, "123456789012");
  EXPECT_EQ(it->stream_name, "orders");
}

TEST(ShardIterator, AnyEditBreaksTheSeal) {
  std::string text = EncodeShardIterator(Sample(), "secret");
  EXPECT_FALSE(DecodeShardIterator(text, "other secret"));
  auto raw = *crypto::Base64Decode(text);
  for (size_t i = 0; i < raw.size(); ++i) {
    std::string edited = raw;
    edited[i] = static_cast<char>(edited[i] ^ 0x01);
    EXPECT_FALSE(DecodeShardIterator(crypto::Base64Encode(edited), "secret")) << i;
  }
  EXPECT_FALSE(DecodeShardIterator("", "secret"));
  EXPECT_FALSE(DecodeShardIterator("not base64 !", "secret"));
  EXPECT_FALSE(DecodeShardIterator(crypto::Base64Encode(raw.substr(0, 20)), "secret"));
  EXPECT_FALSE(DecodeShardIterator(std::string(600, 'A'), "secret"));
}

TEST(ShardIterator, FitsAwsLimitWithTheLongestName) {
  ShardIterator it = Sample();
  it.stream_name = std::string(128, 'n');
  it.from_seq = UINT64_MAX;
  std::string text = EncodeShardIterator(it, "secret");
  EXPECT_LE(text.size(), 512u);
  EXPECT_TRUE(DecodeShardIterator(text, "secret"));
}

}  // namespace
}  // namespace sluice::kinesis
