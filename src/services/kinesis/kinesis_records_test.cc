// KinesisService data plane: PutRecord(s) routing and limits, sequence
// numbers, shard iterators of every type, their seal and expiry, GetRecords
// paging and lag, retention, and the throughput limiter.
#include "services/kinesis/kinesis_service.h"

#include <gtest/gtest.h>

#include <future>


#include "services/kinesis/hash_key.h"
#include "services/kinesis/kinesis_test_util.h"
#include "services/kinesis/sequence_number.h"

namespace sluice::kinesis {
namespace {

using namespace testing;

class KinesisRecordsTest : public KinesisTest {};

constexpr char kMid[] = "170141183460469231731687303715884105728";  // 2^127: shard 1 of 2

TEST_F(KinesisRecordsTest, PutRecordRoutesByPartitionKeyHash) {
  Create("r", 2);
  for (const std::string key : {"a", "b", "c", "d", "e", "f"}) {
    int expected = PartitionKeyHash(key) < (HashKey{1} << 127) ? 0 : 1;
    Value out = Put("r", Name("data-", key), key);
    EXPECT_EQ(out.GetString("ShardId"), ShardId(expected)) << key;
    EXPECT_EQ(out.GetString("SequenceNumber").value_or("").size(), 56u);
    EXPECT_FALSE(out.Find("EncryptionType"));
  }
}

TEST_F(KinesisRecordsTest, ExplicitHashKeyChoosesTheShard) {
  Create("r", 2);
  EXPECT_EQ(Put("r", "x", "k", {{"ExplicitHashKey", Str("0")}}).GetString("ShardId"), ShardId(0));
  EXPECT_EQ(Put("r", "x", "k", {{"ExplicitHashKey", Str("170141183460469231731687303715884105727")}}).GetString("ShardId"), ShardId(0));
  EXPECT_EQ(Put("r", "x", "k", {{"ExplicitHashKey", Str(kMid)}}).GetString("ShardId"), ShardId(1));
  EXPECT_EQ(Put("r", "x", "k", {{"ExplicitHashKey", Str("340282366920938463463374607431768211455")}}).GetString("ShardId"), ShardId(1));
  Error e = Fails("PutRecord", Map({{"StreamName", Str("r")}, {"Data", Blob("x")}, {"PartitionKey", Str("k")},
                                    {"ExplicitHashKey", Str("340282366920938463463374607431768211456")}}));
  EXPECT_EQ(e.code, "InvalidArgumentException");
  EXPECT_EQ(e.message, "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. "
                       "Specified value was 340282366920938463463374607431768211456");
}

TEST_F(KinesisRecordsTest, SequenceNumbersGrowPerShardAsNumbers) {
  Create("r");
  std::string prev;
  for (int i = 0; i < 20; ++i) {
    if (i % 5 == 0) clock_.Advance(3);
    std::string seq = Put("r", std::to_string(i), "k").GetString("SequenceNumber").value_or("");
    ASSERT_EQ(seq.size(), 56u);
    EXPECT_GT(seq, prev);  // equal width: text order is numeric order
    prev = seq;
  }
}

TEST_F(KinesisRecordsTest, SequenceNumberForOrderingIsChecked) {
  Create("r");
  std::string first = Put("r", "1", "k").GetString("SequenceNumber").value_or("");
  Value second = Put("r", "2", "k", {{"SequenceNumberForOrdering", Str(first)}});
  EXPECT_GT(second.GetString("SequenceNumber").value_or(""), first);
  Error e = Fails("PutRecord", Map({{"StreamName", Str("r")}, {"Data", Blob("x")}, {"PartitionKey", Str("k")},
                                    {"SequenceNumberForOrdering", Str("12345")}}));
  EXPECT_EQ(e.code, "InvalidArgumentException");
  EXPECT_EQ(e.message, "ExclusiveMinimumSequenceNumber 12345 used in PutRecord on stream r under account 123456789012 is invalid.");
}

TEST_F(KinesisRecordsTest, RecordSizeCountsDataAndPartitionKey) {
  Create("r");
  std::string key(256, 'k');
  Put("r", std::string(1024 * 1024 - 256, 'x'), key);  // exactly 1 MiB
  Error e = Fails("PutRecord", Map({{"StreamName", Str("r")}, {"Data", Blob(std::string(1024 * 1024 - 255, 'x'))},
                                    {"PartitionKey", Str(key)}}));
  EXPECT_EQ(e.code, "InvalidArgumentException");
  EXPECT_NE(e.message.find("1048577"), std::string::npos) << e.message;
}

TEST_F(KinesisRecordsTest, PutRecordsAnswersPerRecordInOrder) {
  Create("r", 2);
  Value recs = Value::List();
  for (int i = 0; i < 10; ++i) {
    recs.Append(Map({{"Data", Blob(Name("d", i))}, {"PartitionKey", Str(Name("p", i))}}));
  }
  recs.Append(Map({{"Data", Blob("explicit")}, {"PartitionKey", Str("z")}, {"ExplicitHashKey", Str(kMid)}}));
  Value out = Ok("PutRecords", Map({{"StreamName", Str("r")}, {"Records", recs}}));
  EXPECT_EQ(out.Find("FailedRecordCount")->as_int(), 0);
  ASSERT_EQ(out.Find("Records")->items().size(), 11u);
  for (size_t i = 0; i < 10; ++i) {
    const Value& r = out.Find("Records")->items()[i];
    std::string key = Name("p", i);
    EXPECT_EQ(r.GetString("ShardId"), ShardId(PartitionKeyHash(key) < (HashKey{1} << 127) ? 0 : 1));
    EXPECT_EQ(r.GetString("SequenceNumber").value_or("").size(), 56u);
    EXPECT_FALSE(r.Find("ErrorCode"));
  }
  EXPECT_EQ(out.Find("Records")->items()[10].GetString("ShardId"), ShardId(1));
  auto all0 = ReadAll("r", 0), all1 = ReadAll("r", 1);
  EXPECT_EQ(all0.size() + all1.size(), 11u);
  EXPECT_EQ(all1.back(), "explicit");
}

TEST_F(KinesisRecordsTest, PutRecordsRequestLimits) {
  Create("r");
  Value recs = Value::List();
  for (int i = 0; i < 11; ++i) recs.Append(Map({{"Data", Blob(std::string(1000 * 1000, 'x'))}, {"PartitionKey", Str("k")}}));
  Error e = Fails("PutRecords", Map({{"StreamName", Str("r")}, {"Records", recs}}));
  EXPECT_EQ(e.code, "InvalidArgumentException");
  EXPECT_TRUE(ReadAll("r", 0).empty());  // nothing of a refused request is written
  Value bad = List({Map({{"Data", Blob("ok")}, {"PartitionKey", Str("k")}}),
                    Map({{"Data", Blob("x")}, {"PartitionKey", Str("k")}, {"ExplicitHashKey", Str("99999999999999999999999999999999999999999")}})});
  EXPECT_EQ(Fails("PutRecords", Map({{"StreamName", Str("r")}, {"Records", bad}})).code, "InvalidArgumentException");
  EXPECT_EQ(Fails("PutRecords", Map({{"StreamName", Str("nope")}, {"Records", List({Map({{"Data", Blob("x")}, {"PartitionKey", Str("k")}})})}})).code,
            "ResourceNotFoundException");
}

// ------------------------------------------------------------ iterators

TEST_F(KinesisRecordsTest, IteratorTypes) {
  Create("r");
  std::vector<std::string> seqs;
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(10);
    seqs.push_back(Put("r", Name("r", i), "k").GetString("SequenceNumber").value_or(""));
  }
  EXPECT_EQ(Datas(Get(Iterator("r", 0, "TRIM_HORIZON"))), (std::vector<std::string>{"r0", "r1", "r2", "r3", "r4"}));
  EXPECT_EQ(Datas(Get(Iterator("r", 0, "AT_SEQUENCE_NUMBER", {{"StartingSequenceNumber", Str(seqs[2])}}))),
            (std::vector<std::string>{"r2", "r3", "r4"}));
  EXPECT_EQ(Datas(Get(Iterator("r", 0, "AFTER_SEQUENCE_NUMBER", {{"StartingSequenceNumber", Str(seqs[2])}}))),
            (std::vector<std::string>{"r3", "r4"}));
  // The shard's StartingSequenceNumber reads from its first record.
  std::string start = Field(Shards("r")[0], "SequenceNumberRange", "StartingSequenceNumber");
  EXPECT_EQ(Datas(Get(Iterator("r", 0, "AT_SEQUENCE_NUMBER", {{"StartingSequenceNumber", Str(start)}}))).size(), 5u);
  // AT_TIMESTAMP: records that arrived at or after the time (r2 arrived at kT0 + 500 + 30).
  EXPECT_EQ(Datas(Get(Iterator("r", 0, "AT_TIMESTAMP", {{"Timestamp", Value::Timestamp(kT0 + 530)}}))),
            (std::vector<std::string>{"r2", "r3", "r4"}));
  EXPECT_EQ(Datas(Get(Iterator("r", 0, "AT_TIMESTAMP", {{"Timestamp", Value::Timestamp(0)}}))).size(), 5u);
  // LATEST: only what comes next.
  std::string latest = Iterator("r", 0, "LATEST");
  Value empty = Get(latest);
  EXPECT_TRUE(Datas(empty).empty());
  EXPECT_EQ(empty.Find("MillisBehindLatest")->as_int(), 0);
  Put("r", "after", "k");
  EXPECT_EQ(Datas(Get(empty.GetString("NextShardIterator").value_or(""))), (std::vector<std::string>{"after"}));
  EXPECT_EQ(Datas(Get(latest)), (std::vector<std::string>{"after"}));
}

TEST_F(KinesisRecordsTest, IteratorArgumentErrors) {
  Create("r", 2);
  std::string s0 = Put("r", "x", "k", {{"ExplicitHashKey", Str("0")}}).GetString("SequenceNumber").value_or("");
  auto fail = [&](std::vector<std::pair<std::string, Value>> in) {
    Value v = Map({{"StreamName", Str("r")}});
    for (auto& [k, x] : in) v.Set(k, std::move(x));
    return Fails("GetShardIterator", std::move(v));
  };
  Error e = fail({{"ShardId", Str(ShardId(0))}, {"ShardIteratorType", Str("AT_SEQUENCE_NUMBER")}});
  EXPECT_EQ(e.message, "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified AT_SEQUENCE_NUMBER and no StartingSequenceNumber.");
  e = fail({{"ShardId", Str(ShardId(0))}, {"ShardIteratorType", Str("LATEST")}, {"StartingSequenceNumber", Str(s0)}});
  EXPECT_EQ(e.message, "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified LATEST and also a StartingSequenceNumber.");
  e = fail({{"ShardId", Str(ShardId(1))}, {"ShardIteratorType", Str("AT_SEQUENCE_NUMBER")}, {"StartingSequenceNumber", Str(s0)}});
  EXPECT_EQ(e.code, "InvalidArgumentException");
  EXPECT_EQ(e.message, "Invalid StartingSequenceNumber. It encodes shardId-000000000000, while it was used in a call to a shard with shardId-000000000001");
  e = fail({{"ShardId", Str(ShardId(0))}, {"ShardIteratorType", Str("AT_SEQUENCE_NUMBER")}, {"StartingSequenceNumber", Str("123")}});
  EXPECT_EQ(e.message, "StartingSequenceNumber 123 used in GetShardIterator on shard shardId-000000000000 in stream r under account 123456789012 is invalid.");
  Create("other");
  std::string foreign = Put("other", "x", "k").GetString("SequenceNumber").value_or("");
  e = fail({{"ShardId", Str(ShardId(0))}, {"ShardIteratorType", Str("AT_SEQUENCE_NUMBER")}, {"StartingSequenceNumber", Str(foreign)}});
  EXPECT_EQ(e.message, "StartingSequenceNumber " + foreign + " used in GetShardIterator on shard shardId-000000000000 in stream r under account 123456789012 is invalid because it did not come from this stream.");
  e = fail({{"ShardId", Str(ShardId(0))}, {"ShardIteratorType", Str("AT_TIMESTAMP")}});
  EXPECT_EQ(e.message, "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.");
  int64_t now = clock_.NowMillis();
  e = fail({{"ShardId", Str(ShardId(0))}, {"ShardIteratorType", Str("AT_TIMESTAMP")}, {"Timestamp", Value::Timestamp(now + 5000)}});
  EXPECT_EQ(e.message, "The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. timestampInMillis: " +
                           std::to_string(now + 5000) + ", currentTimestampInMillis: " + std::to_string(now));
  e = fail({{"ShardId", Str(ShardId(7))}, {"ShardIteratorType", Str("LATEST")}});
  EXPECT_EQ(e.code, "ResourceNotFoundException");
  EXPECT_EQ(e.message, "Shard shardId-000000000007 in stream r under account 123456789012 does not exist");
  e = fail({{"ShardId", Str("bogus")}, {"ShardIteratorType", Str("LATEST")}});
  EXPECT_EQ(e.message, "Could not find shard bogus in stream r under account 123456789012.");
  // Short shard ids name the same shard.
  Ok("GetShardIterator", Map({{"StreamName", Str("r")}, {"ShardId", Str("1")}, {"ShardIteratorType", Str("LATEST")}}));
  e = Fails("GetShardIterator", Map({{"StreamName", Str("nope")}, {"ShardId", Str(ShardId(0))}, {"ShardIteratorType", Str("LATEST")}}));
  EXPECT_EQ(e.message, "Shard shardId-000000000000 in stream nope under account 123456789012 does not exist");
}

TEST_F(KinesisRecordsTest, IteratorsAreSealedAndExpireAfterFiveMinutes) {
  Create("r");
  Put("r", "x", "k");
  std::string it = Iterator("r", 0, "TRIM_HORIZON");
  std::string forged = it;
  forged[10] = forged[10] == 'A' ? 'B' : 'A';
  Error e = Fails("GetRecords", Map({{"ShardIterator", Str(forged)}}));
  EXPECT_EQ(e.code, "InvalidArgumentException");
  EXPECT_EQ(e.message, "Invalid ShardIterator.");
  EXPECT_EQ(Fails("GetRecords", Map({{"ShardIterator", Str("AAAA")}})).message, "Invalid ShardIterator.");

  Value first = Get(it);
  Advance(300'000);
  EXPECT_EQ(Datas(Get(it)).size(), 1u);  // exactly five minutes is still fine
  Advance(1);
  e = Fails("GetRecords", Map({{"ShardIterator", Str(it)}}));
  EXPECT_EQ(e.code, "ExpiredIteratorException");
  // kT0 + 500 is 2023-11-14T22:13:20.500Z.
  EXPECT_EQ(e.message, "Iterator expired. The iterator was created at time Tue Nov 14 22:13:20 UTC 2023 while right now it is Tue Nov 14 22:18:20 UTC 2023 which is further in the future than the tolerated delay of 300000 milliseconds.");
  // The NextShardIterator of a GetRecords is new, so reading on keeps working.
  std::string next = first.GetString("NextShardIterator").value_or("");
  EXPECT_NE(next, it);
  EXPECT_EQ(Fails("GetRecords", Map({{"ShardIterator", Str(next)}})).code, "ExpiredIteratorException");
  Value fresh = Get(Iterator("r", 0, "TRIM_HORIZON"));
  Advance(200'000);
  Value on = Get(fresh.GetString("NextShardIterator").value_or(""));
  Advance(200'000);
  Get(on.GetString("NextShardIterator").value_or(""));
}

TEST_F(KinesisRecordsTest, IteratorOfADeletedStreamIsNotFound) {
  Create("r");
  std::string it = Iterator("r", 0, "LATEST");
  Ok("DeleteStream", Map({{"StreamName", Str("r")}}));
  Advance(500);
  Error e = Fails("GetRecords", Map({{"ShardIterator", Str(it)}}));
  EXPECT_EQ(e.code, "ResourceNotFoundException");
  EXPECT_EQ(e.message, "Shard shardId-000000000000 in stream r under account 123456789012 does not exist");
}

// ------------------------------------------------------------ GetRecords

TEST_F(KinesisRecordsTest, GetRecordsPagesWithLimitAndReportsLag) {
  Create("r");
  for (int i = 0; i < 7; ++i) {
    Put("r", Name("r", i), "k");
    clock_.Advance(1000);
  }
  Value out = Get(Iterator("r", 0, "TRIM_HORIZON"), 3);
  EXPECT_EQ(Datas(out), (std::vector<std::string>{"r0", "r1", "r2"}));
  const Value& rec = out.Find("Records")->items()[0];
  EXPECT_EQ(rec.Find("ApproximateArrivalTimestamp")->as_timestamp_millis(), kT0 + 500);
  EXPECT_EQ(rec.GetString("PartitionKey"), "k");
  EXPECT_EQ(rec.GetString("SequenceNumber").value_or("").size(), 56u);
  // Behind by the age of the last record returned (r2 arrived 5 s ago).
  EXPECT_EQ(out.Find("MillisBehindLatest")->as_int(), 5000);
  out = Get(out.GetString("NextShardIterator").value_or(""), 10);
  EXPECT_EQ(Datas(out), (std::vector<std::string>{"r3", "r4", "r5", "r6"}));
  EXPECT_EQ(out.Find("MillisBehindLatest")->as_int(), 0);
  out = Get(out.GetString("NextShardIterator").value_or(""));
  EXPECT_TRUE(Datas(out).empty());
  EXPECT_TRUE(out.Find("NextShardIterator"));
  EXPECT_FALSE(out.Find("ChildShards"));
}

TEST_F(KinesisRecordsTest, BinaryDataRoundTrips) {
  Create("r");
  std::string bin("\0\x01\xff\xfe binary \x80", 13);
  Put("r", bin, "ünïcode key");
  Value out = Get(Iterator("r", 0, "TRIM_HORIZON"));
  ASSERT_EQ(out.Find("Records")->items().size(), 1u);
  EXPECT_EQ(out.Find("Records")->items()[0].GetString("Data"), bin);
  EXPECT_EQ(out.Find("Records")->items()[0].GetString("PartitionKey"), "ünïcode key");
  Put("r", "", "empty");
  EXPECT_EQ(ReadAll("r", 0).size(), 2u);
}

// ------------------------------------------------------------ retention

TEST_F(KinesisRecordsTest, RecordsPastRetentionAreGoneAndTrimHorizonMoves) {
  Create("r");
  Put("r", "old", "k");
  Advance(12 * kHour);
  Put("r", "newer", "k");
  EXPECT_EQ(ReadAll("r", 0), (std::vector<std::string>{"old", "newer"}));
  Advance(12 * kHour + 1000);  // "old" is now 24 h + 1 s old
  EXPECT_EQ(ReadAll("r", 0), (std::vector<std::string>{"newer"}));
  Advance(13 * kHour);
  EXPECT_TRUE(ReadAll("r", 0).empty());
  // The periodic pass really removes them from the store. Its delete is
  // committed asynchronously, and a pass skips a stream whose previous
  // delete is still being written; commits complete in order, so after an
  // empty commit completes nothing is in flight, the next pass deletes
  // whatever is left, and a second empty commit sees it on disk.
  auto flush = [&] {
    std::promise<void> flushed;
    kv_->Commit({}, [&](sluice::Status) { flushed.set_value(); });
    ASSERT_EQ(flushed.get_future().wait_for(20s), std::future_status::ready);
  };
  flush();
  Advance(options_.trim_interval_ms);
  flush();
  uint64_t id = store_->FindStream(kAccount, "r")->id;
  auto all = store_->Read(id, 0, 0, 100, 1 << 20);
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->records.empty());
}

TEST_F(KinesisRecordsTest, LongerRetentionKeepsRecordsAndShorterDropsThemAtOnce) {
  Create("r");
  Ok("IncreaseStreamRetentionPeriod", Map({{"StreamName", Str("r")}, {"RetentionPeriodHours", Int(72)}}));
  Put("r", "kept", "k");
  Advance(48 * kHour);
  EXPECT_EQ(ReadAll("r", 0), (std::vector<std::string>{"kept"}));
  Ok("DecreaseStreamRetentionPeriod", Map({{"StreamName", Str("r")}, {"RetentionPeriodHours", Int(24)}}));
  EXPECT_TRUE(ReadAll("r", 0).empty());
}

// ------------------------------------------------------------ throughput limits

class EnforcedLimitsTest : public KinesisTest {
  KinesisOptions Options() override {
    KinesisOptions o = KinesisTest::Options();
    o.enforce_limits = true;
    return o;
  }
};

TEST_F(EnforcedLimitsTest, PutRecordBeyondAThousandRecordsPerSecondIsThrottled) {
  Create("t", 2);
  Value recs = Value::List();
  for (int i = 0; i < 500; ++i) recs.Append(Map({{"Data", Blob("x")}, {"PartitionKey", Str("k")}, {"ExplicitHashKey", Str("0")}}));
  EXPECT_EQ(Ok("PutRecords", Map({{"StreamName", Str("t")}, {"Records", recs}})).Find("FailedRecordCount")->as_int(), 0);
  EXPECT_EQ(Ok("PutRecords", Map({{"StreamName", Str("t")}, {"Records", recs}})).Find("FailedRecordCount")->as_int(), 0);
  Error e = Fails("PutRecord", Map({{"StreamName", Str("t")}, {"Data", Blob("x")}, {"PartitionKey", Str("k")},
                                    {"ExplicitHashKey", Str("0")}}));
  EXPECT_EQ(e.code, "ProvisionedThroughputExceededException");
  EXPECT_EQ(e.message, "Rate exceeded for shard shardId-000000000000 in stream t under account 123456789012.");
  // The other shard is not affected.
  Put("t", "x", "k", {{"ExplicitHashKey", Str(kMid)}});
  clock_.Advance(100);  // a tenth of a second: 100 more records
  Value mixed = Value::List();
  for (int i = 0; i < 150; ++i) mixed.Append(Map({{"Data", Blob("x")}, {"PartitionKey", Str("k")}, {"ExplicitHashKey", Str("0")}}));
  mixed.Append(Map({{"Data", Blob("other")}, {"PartitionKey", Str("k")}, {"ExplicitHashKey", Str(kMid)}}));
  Value out = Ok("PutRecords", Map({{"StreamName", Str("t")}, {"Records", mixed}}));
  EXPECT_EQ(out.Find("FailedRecordCount")->as_int(), 50);
  const auto& items = out.Find("Records")->items();
  EXPECT_TRUE(items[99].Find("SequenceNumber"));
  EXPECT_EQ(items[100].GetString("ErrorCode"), "ProvisionedThroughputExceededException");
  EXPECT_EQ(items[100].GetString("ErrorMessage"), "Rate exceeded for shard shardId-000000000000 in stream t under account 123456789012.");
  EXPECT_FALSE(items[100].Find("SequenceNumber"));
  EXPECT_EQ(items[150].GetString("ShardId"), ShardId(1));
  clock_.Advance(1000);
  Put("t", "x", "k", {{"ExplicitHashKey", Str("0")}});
}

TEST_F(EnforcedLimitsTest, WritesBeyondOneMebibytePerSecondAreThrottled) {
  Create("t");
  std::string half(512 * 1024, 'x');
  Put("t", half, "k");
  Put("t", half.substr(10), "k");
  EXPECT_EQ(Fails("PutRecord", Map({{"StreamName", Str("t")}, {"Data", Blob(std::string(100, 'x'))}, {"PartitionKey", Str("k")}})).code,
            "ProvisionedThroughputExceededException");
  clock_.Advance(1000);
  Put("t", half, "k");
}

TEST_F(EnforcedLimitsTest, MoreThanFiveGetRecordsPerSecondIsThrottled) {
  Create("t");
  Put("t", "x", "k");
  std::string it = Iterator("t", 0, "TRIM_HORIZON");
  for (int i = 0; i < 5; ++i) Get(it);
  Error e = Fails("GetRecords", Map({{"ShardIterator", Str(it)}}));
  EXPECT_EQ(e.code, "ProvisionedThroughputExceededException");
  EXPECT_EQ(e.message, "Rate exceeded for shard shardId-000000000000 in stream t under account 123456789012.");
  clock_.Advance(200);
  Get(it);
}

TEST_F(KinesisRecordsTest, LimitsAreOffByDefault) {
  Create("t");
  std::string it = Iterator("t", 0, "TRIM_HORIZON");
  for (int i = 0; i < 20; ++i) Get(it);
  Value recs = Value::List();
  for (int i = 0; i < 500; ++i) recs.Append(Map({{"Data", Blob("x")}, {"PartitionKey", Str("k")}}));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Ok("PutRecords", Map({{"StreamName", Str("t")}, {"Records", recs}})).Find("FailedRecordCount")->as_int(), 0);
  }
}

}  // namespace
}  // namespace sluice::kinesis
