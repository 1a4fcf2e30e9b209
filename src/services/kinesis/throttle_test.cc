// Token buckets and per-shard limits, driven by explicit times.
#include "services/kinesis/throttle.h"

#include <gtest/gtest.h>

namespace sluice::kinesis {
namespace {

constexpr int64_t kT = 1'000'000;
constexpr int64_t kMiB = 1 << 20;

TEST(TokenBucket, RefillsWithTimeUpToCapacity) {
  TokenBucket b(10, 10, kT);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(b.TryTake(1, kT));
  EXPECT_FALSE(b.TryTake(1, kT));
  EXPECT_FALSE(b.TryTake(1, kT + 50));  // half a token
  EXPECT_TRUE(b.TryTake(1, kT + 100));
  EXPECT_DOUBLE_EQ(b.Available(kT + 100'000), 10);
  b.Take(25, kT + 100'000);  // into debt
  EXPECT_DOUBLE_EQ(b.Available(kT + 100'000), -15);
  EXPECT_DOUBLE_EQ(b.Available(kT + 101'000), -5);
}

TEST(ShardLimiter, WritesAllowAThousandRecordsPerSecond) {
  ShardLimiter l;
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(l.AdmitWrite(1, 0, 10, kMiB, kT)) << i;
  EXPECT_FALSE(l.AdmitWrite(1, 0, 10, kMiB, kT));
  EXPECT_TRUE(l.AdmitWrite(1, 1, 10, kMiB, kT));  // another shard
  EXPECT_TRUE(l.AdmitWrite(2, 0, 10, kMiB, kT));  // another stream
  EXPECT_TRUE(l.AdmitWrite(1, 0, 10, kMiB, kT + 1));
  EXPECT_TRUE(l.AdmitWrite(1, 0, 10, kMiB, kT + 1000));
}

TEST(ShardLimiter, WritesAllowOneMebibytePerSecond) {
  ShardLimiter l;
  EXPECT_TRUE(l.AdmitWrite(1, 0, kMiB / 2, kMiB, kT));
  EXPECT_TRUE(l.AdmitWrite(1, 0, kMiB / 2, kMiB, kT));
  EXPECT_FALSE(l.AdmitWrite(1, 0, 1, kMiB, kT));
  EXPECT_FALSE(l.AdmitWrite(1, 0, kMiB / 2, kMiB, kT + 400));
  EXPECT_TRUE(l.AdmitWrite(1, 0, kMiB / 2, kMiB, kT + 500));
}

TEST(ShardLimiter, LargeRecordStreamsBurstToTheirRecordSize) {
  ShardLimiter l;
  EXPECT_TRUE(l.AdmitWrite(1, 0, 10 * kMiB, 10 * kMiB, kT));
  EXPECT_FALSE(l.AdmitWrite(1, 0, kMiB, 10 * kMiB, kT + 999));
  EXPECT_TRUE(l.AdmitWrite(1, 0, kMiB, 10 * kMiB, kT + 1000));
}

TEST(ShardLimiter, ReadsAllowFiveCallsPerSecond) {
  ShardLimiter l;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(l.AdmitRead(1, 0, kT)) << i;
  EXPECT_FALSE(l.AdmitRead(1, 0, kT));
  EXPECT_TRUE(l.AdmitRead(1, 1, kT));
  EXPECT_FALSE(l.AdmitRead(1, 0, kT + 199));
  EXPECT_TRUE(l.AdmitRead(1, 0, kT + 200));
}

TEST(ShardLimiter, ALargeReadBlocksTheShardUntilPaidBack) {
  ShardLimiter l;
  ASSERT_TRUE(l.AdmitRead(1, 0, kT));
  l.ChargeRead(1, 0, 10 * kMiB, kT);  // 2 MiB/s: about five seconds of reading
  EXPECT_FALSE(l.AdmitRead(1, 0, kT + 1000));
  EXPECT_FALSE(l.AdmitRead(1, 0, kT + 3999));
  EXPECT_TRUE(l.AdmitRead(1, 0, kT + 4001));
}

TEST(ShardLimiter, ForgetDropsAStreamsBuckets) {
  ShardLimiter l;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(l.AdmitRead(9, 3, kT));
  EXPECT_FALSE(l.AdmitRead(9, 3, kT));
  l.Forget(9);
  EXPECT_TRUE(l.AdmitRead(9, 3, kT));
}

}  // namespace
}  // namespace sluice::kinesis
