// Hash keys: decimal parsing at the edges of 0..2^128-1, MD5 routing keys and
// the even split of the key space.
#include "services/kinesis/hash_key.h"

#include <gtest/gtest.h>

namespace sluice::kinesis {
namespace {

constexpr char kMax[] = "340282366920938463463374607431768211455";  // 2^128 - 1

TEST(HashKey, ParsesTheWholeRangeAndNothingElse) {
  EXPECT_EQ(ParseHashKey("0"), HashKey{0});
  EXPECT_EQ(ParseHashKey("42"), HashKey{42});
  EXPECT_EQ(ParseHashKey(kMax), kMaxHashKey);
  EXPECT_FALSE(ParseHashKey("340282366920938463463374607431768211456"));  // 2^128
  EXPECT_FALSE(ParseHashKey("999999999999999999999999999999999999999"));
  EXPECT_FALSE(ParseHashKey("1000000000000000000000000000000000000000"));
  EXPECT_FALSE(ParseHashKey(""));
  EXPECT_FALSE(ParseHashKey("-1"));
  EXPECT_FALSE(ParseHashKey("12a"));
  EXPECT_FALSE(ParseHashKey(" 1"));
}

TEST(HashKey, FormatsAsDecimal) {
  EXPECT_EQ(HashKeyString(0), "0");
  EXPECT_EQ(HashKeyString(kMaxHashKey), kMax);
  EXPECT_EQ(HashKeyString(HashKey{1} << 127), "170141183460469231731687303715884105728");
  for (const char* s : {"1", "10", "123456789012345678901234567890", kMax}) {
    EXPECT_EQ(HashKeyString(*ParseHashKey(s)), s);
  }
}

TEST(HashKey, PartitionKeyHashIsBigEndianMd5) {
  // md5("a") = 0cc175b9c0f1b6a831c399e269772661
  HashKey expected = (HashKey{0x0cc175b9c0f1b6a8ULL} << 64) | HashKey{0x31c399e269772661ULL};
  EXPECT_EQ(PartitionKeyHash("a"), expected);
  EXPECT_EQ(HashKeyString(PartitionKeyHash("a")), "16955237001963240173058271559858726497");
}

TEST(HashKey, UniformRangesCoverTheSpaceEvenly) {
  EXPECT_EQ(UniformRange(0, 1), std::make_pair(HashKey{0}, kMaxHashKey));
  // AWS's two-shard layout.
  EXPECT_EQ(HashKeyString(UniformRange(0, 2).second), "170141183460469231731687303715884105727");
  EXPECT_EQ(HashKeyString(UniformRange(1, 2).first), "170141183460469231731687303715884105728");
  // AWS's three-shard layout: floor(2^128/3) wide, the last to the end.
  EXPECT_EQ(HashKeyString(UniformRange(0, 3).second), "113427455640312821154458202477256070484");
  EXPECT_EQ(HashKeyString(UniformRange(1, 3).first), "113427455640312821154458202477256070485");
  EXPECT_EQ(HashKeyString(UniformRange(2, 3).first), "226854911280625642308916404954512140970");
  for (uint32_t n : {1u, 2u, 3u, 4u, 7u, 64u, 500u}) {
    HashKey next = 0;
    for (uint32_t i = 0; i < n; ++i) {
      auto [start, end] = UniformRange(i, n);
      EXPECT_EQ(start, next) << n << " " << i;
      EXPECT_LT(start, end);
      if (i + 1 < n) {
        next = end + 1;
      } else {
        EXPECT_EQ(end, kMaxHashKey);
      }
    }
  }
}

}  // namespace
}  // namespace sluice::kinesis
