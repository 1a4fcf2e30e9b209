// KinesisService control plane: streams, status transitions, names and ARNs,
// pagination, retention settings, tags, policies, monitoring, encryption,
// modes, limits and consumers, with AWS's error codes and texts.
#include "services/kinesis/kinesis_service.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "services/kinesis/kinesis_test_util.h"

namespace sluice::kinesis {
namespace {

using namespace testing;

class KinesisServiceTest : public KinesisTest {};

// ------------------------------------------------------------ streams

TEST_F(KinesisServiceTest, CreateStreamIsCreatingThenActive) {
  Ok("CreateStream", Map({{"StreamName", Str("s")}, {"ShardCount", Int(3)}}));
  Value s = Summary("s");
  EXPECT_EQ(s.GetString("StreamStatus"), "CREATING");
  EXPECT_EQ(s.GetString("StreamARN"), Arn("s"));
  EXPECT_EQ(s.Find("RetentionPeriodHours")->as_int(), 24);
  EXPECT_EQ(s.Find("StreamCreationTimestamp")->as_timestamp_millis(), kT0);
  EXPECT_EQ(Field(s, "StreamModeDetails", "StreamMode"), "PROVISIONED");
  EXPECT_EQ(s.Find("MaxRecordSizeInKiB")->as_int(), 1024);
  EXPECT_EQ(s.GetString("EncryptionType"), "NONE");
  EXPECT_TRUE(Shards("s").empty());  // no shards while CREATING
  Advance(499);
  EXPECT_EQ(Status("s"), "CREATING");
  Advance(1);
  EXPECT_EQ(Status("s"), "ACTIVE");
  EXPECT_EQ(Summary("s").Find("OpenShardCount")->as_int(), 3);
  auto shards = Shards("s");
  ASSERT_EQ(shards.size(), 3u);
  EXPECT_EQ(Field(shards[0], "ShardId"), ShardId(0));
  EXPECT_EQ(Field(shards[0], "HashKeyRange", "StartingHashKey"), "0");
  EXPECT_EQ(Field(shards[0], "HashKeyRange", "EndingHashKey"), "113427455640312821154458202477256070484");
  EXPECT_EQ(Field(shards[2], "HashKeyRange", "EndingHashKey"), "340282366920938463463374607431768211455");
  EXPECT_EQ(Field(shards[1], "SequenceNumberRange", "StartingSequenceNumber").size(), 56u);
  EXPECT_EQ(Field(shards[1], "SequenceNumberRange", "EndingSequenceNumber"), "<absent>");
  EXPECT_FALSE(shards[1].Find("ParentShardId"));
}

TEST_F(KinesisServiceTest, StatusTransitionDelayIsAnOption) {
  service_.reset();
  options_.transition_ms = 0;
  service_ = std::make_unique<KinesisService>(store_.get(), &clock_, &executor_, options_);
  Ok("CreateStream", Map({{"StreamName", Str("now")}, {"ShardCount", Int(1)}}));
  EXPECT_EQ(Status("now"), "ACTIVE");
}

TEST_F(KinesisServiceTest, CreateStreamTwiceIsResourceInUse) {
  Create("dup");
  Error e = Fails("CreateStream", Map({{"StreamName", Str("dup")}, {"ShardCount", Int(1)}}));
  EXPECT_EQ(e.code, "ResourceInUseException");
  EXPECT_EQ(e.message, "Stream dup under account 123456789012 already exists.");
}

TEST_F(KinesisServiceTest, CreateStreamWithoutShardCountIsOnDemandWithFourShards) {
  Ok("CreateStream", Map({{"StreamName", Str("od")}}));
  Advance(500);
  Value s = Summary("od");
  EXPECT_EQ(Field(s, "StreamModeDetails", "StreamMode"), "ON_DEMAND");
  EXPECT_EQ(Shards("od").size(), 4u);
  Ok("CreateStream", Map({{"StreamName", Str("od2")},
                          {"StreamModeDetails", Map({{"StreamMode", Str("ON_DEMAND")}})}}));
  Advance(500);
  EXPECT_EQ(Shards("od2").size(), 4u);
  Error e = Fails("CreateStream", Map({{"StreamName", Str("p")},
                                       {"StreamModeDetails", Map({{"StreamMode", Str("PROVISIONED")}})}}));
  EXPECT_EQ(e.code, "InvalidArgumentException");
}

TEST_F(KinesisServiceTest, CreateStreamTakesTagsAndMaxRecordSize) {
  Ok("CreateStream", Map({{"StreamName", Str("t")}, {"ShardCount", Int(1)},
                          {"Tags", Map({{"team", Str("blue")}})}, {"MaxRecordSizeInKiB", Int(4096)}}));
  Advance(500);
  EXPECT_EQ(Summary("t").Find("MaxRecordSizeInKiB")->as_int(), 4096);
  Value tags = Ok("ListTagsForStream", Map({{"StreamName", Str("t")}}));
  ASSERT_EQ(tags.Find("Tags")->items().size(), 1u);
  EXPECT_EQ(tags.Find("Tags")->items()[0].GetString("Value"), "blue");
}

TEST_F(KinesisServiceTest, AtMostFiveStreamsCreatingAtOnce) {
  for (int i = 0; i < 5; ++i) {
    Ok("CreateStream", Map({{"StreamName", Str(Name("c", i))}, {"ShardCount", Int(1)}}));
  }
  Error e = Fails("CreateStream", Map({{"StreamName", Str("c5")}, {"ShardCount", Int(1)}}));
  EXPECT_EQ(e.code, "LimitExceededException");
  Advance(500);
  Ok("CreateStream", Map({{"StreamName", Str("c5")}, {"ShardCount", Int(1)}}));
}

class SmallLimitsTest : public KinesisTest {
  KinesisOptions Options() override {
    KinesisOptions o = KinesisTest::Options();
    o.shard_limit = 5;
    o.on_demand_stream_limit = 1;
    return o;
  }
};

TEST_F(SmallLimitsTest, ShardLimitCountsOpenShardsOfTheAccount) {
  Create("a", 3);
  Error e = Fails("CreateStream", Map({{"StreamName", Str("b")}, {"ShardCount", Int(3)}}));
  EXPECT_EQ(e.code, "LimitExceededException");
  EXPECT_EQ(e.message,
            "This request would exceed the shard limit for the account 123456789012 in us-east-1. "
            "Current shard count for the account: 3. Limit: 5. Number of additional shards that "
            "would have resulted from this request: 3. Refer to the AWS Service Limits page "
            "(http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current "
            "limits and how to request higher limits.");
  Create("b", 2);
  Value limits = Ok("DescribeLimits", Value::Map());
  EXPECT_EQ(limits.Find("ShardLimit")->as_int(), 5);
  EXPECT_EQ(limits.Find("OpenShardCount")->as_int(), 5);
  e = Fails("SplitShard", Map({{"StreamName", Str("b")}, {"ShardToSplit", Str(ShardId(0))},
                               {"NewStartingHashKey", Str("100")}}));
  EXPECT_EQ(e.code, "LimitExceededException");
}

TEST_F(SmallLimitsTest, OnDemandStreamLimit) {
  Ok("CreateStream", Map({{"StreamName", Str("od1")}}));
  Error e = Fails("CreateStream", Map({{"StreamName", Str("od2")}}));
  EXPECT_EQ(e.code, "LimitExceededException");
  Value limits = Ok("DescribeLimits", Value::Map());
  EXPECT_EQ(limits.Find("OnDemandStreamCount")->as_int(), 1);
  EXPECT_EQ(limits.Find("OnDemandStreamCountLimit")->as_int(), 1);
  EXPECT_EQ(limits.Find("OpenShardCount")->as_int(), 0);  // on-demand shards are not counted
}

TEST_F(KinesisServiceTest, DescribeLimitsDefaultsFollowTheRegion) {
  Value limits = Ok("DescribeLimits", Value::Map());
  EXPECT_EQ(limits.Find("ShardLimit")->as_int(), 20000);
  EXPECT_EQ(limits.Find("OnDemandStreamCountLimit")->as_int(), 50);
  EXPECT_EQ(limits.Find("OpenShardCount")->as_int(), 0);
  EXPECT_EQ(limits.Find("OnDemandStreamCount")->as_int(), 0);
}

TEST_F(KinesisServiceTest, MissingStreamTexts) {
  Error e = Fails("DescribeStream", Map({{"StreamName", Str("nope")}}));
  EXPECT_EQ(e.code, "ResourceNotFoundException");
  EXPECT_EQ(e.message, "Stream nope under account 123456789012 not found.");
  for (const char* op : {"DescribeStreamSummary", "DeleteStream", "ListTagsForStream", "ListShards",
                         "IncreaseStreamRetentionPeriod"}) {
    Value in = Map({{"StreamName", Str("nope")}, {"RetentionPeriodHours", Int(48)}});
    EXPECT_EQ(Fails(op, std::move(in)).code, "ResourceNotFoundException") << op;
  }
  e = Fails("PutRecord", Map({{"StreamName", Str("nope")}, {"Data", Blob("x")}, {"PartitionKey", Str("k")}}));
  EXPECT_EQ(e.message, "Stream nope under account 123456789012 not found.");
}

TEST_F(KinesisServiceTest, DescribeStreamPagesShards) {
  Create("p", 5);
  Value out = Ok("DescribeStream", Map({{"StreamName", Str("p")}, {"Limit", Int(2)}}));
  const Value* d = out.Find("StreamDescription");
  ASSERT_EQ(d->Find("Shards")->items().size(), 2u);
  EXPECT_TRUE(d->Find("HasMoreShards")->as_bool());
  out = Ok("DescribeStream", Map({{"StreamName", Str("p")}, {"Limit", Int(2)},
                                  {"ExclusiveStartShardId", Str(ShardId(3))}}));
  d = out.Find("StreamDescription");
  ASSERT_EQ(d->Find("Shards")->items().size(), 1u);
  EXPECT_EQ(Field(d->Find("Shards")->items()[0], "ShardId"), ShardId(4));
  EXPECT_FALSE(d->Find("HasMoreShards")->as_bool());
  EXPECT_EQ(d->Find("EnhancedMonitoring")->items().size(), 1u);
}

TEST_F(KinesisServiceTest, ListStreamsPagesByName) {
  for (const char* n : {"c", "a", "e", "b", "d"}) Create(n);
  Value out = Ok("ListStreams", Map({{"Limit", Int(2)}}));
  std::vector<std::string> names;
  for (const auto& v : out.Find("StreamNames")->items()) names.push_back(v.as_string());
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(out.Find("HasMoreStreams")->as_bool());
  ASSERT_EQ(out.Find("StreamSummaries")->items().size(), 2u);
  EXPECT_EQ(out.Find("StreamSummaries")->items()[1].GetString("StreamARN"), Arn("b"));
  EXPECT_EQ(out.Find("StreamSummaries")->items()[1].GetString("StreamStatus"), "ACTIVE");
  std::string token = out.GetString("NextToken").value_or("");
  ASSERT_FALSE(token.empty());
  out = Ok("ListStreams", Map({{"NextToken", Str(token)}, {"Limit", Int(10)}}));
  EXPECT_EQ(out.Find("StreamNames")->items().size(), 3u);
  EXPECT_FALSE(out.Find("HasMoreStreams")->as_bool());
  EXPECT_FALSE(out.Find("NextToken"));
  out = Ok("ListStreams", Map({{"ExclusiveStartStreamName", Str("c")}}));
  EXPECT_EQ(out.Find("StreamNames")->items().size(), 2u);
  EXPECT_EQ(Fails("ListStreams", Map({{"NextToken", Str("garbage")}})).code, "InvalidArgumentException");
  Advance(300'001);
  EXPECT_EQ(Fails("ListStreams", Map({{"NextToken", Str(token)}})).code, "ExpiredNextTokenException");
}

TEST_F(KinesisServiceTest, DeleteStreamIsDeletingThenGone) {
  Create("d");
  Put("d", "old", "k");
  Ok("DeleteStream", Map({{"StreamName", Str("d")}}));
  EXPECT_EQ(Status("d"), "DELETING");
  // Still listed while DELETING; records can still be read.
  EXPECT_EQ(Ok("ListStreams", Value::Map()).Find("StreamNames")->items().size(), 1u);
  Error busy = Fails("CreateStream", Map({{"StreamName", Str("d")}, {"ShardCount", Int(1)}}));
  EXPECT_EQ(busy.code, "ResourceInUseException");
  Advance(500);
  EXPECT_EQ(Fails("DescribeStream", Map({{"StreamName", Str("d")}})).code, "ResourceNotFoundException");
  EXPECT_EQ(Ok("ListStreams", Value::Map()).Find("StreamNames")->items().size(), 0u);
  // The name can be used again, for an empty stream.
  Create("d");
  EXPECT_TRUE(ReadAll("d", 0).empty());
}

TEST_F(KinesisServiceTest, DeleteStreamWithConsumersNeedsEnforceConsumerDeletion) {
  Create("dc");
  Ok("RegisterStreamConsumer", Map({{"StreamARN", Str(Arn("dc"))}, {"ConsumerName", Str("c1")}}));
  Error e = Fails("DeleteStream", Map({{"StreamName", Str("dc")}}));
  EXPECT_EQ(e.code, "ResourceInUseException");
  EXPECT_EQ(e.message, "DeleteStream can't delete " + Arn("dc") +
                           " because there are consumers associated with this data stream. To "
                           "delete dc anyway, set the EnforceConsumerDeletion parameter to true to "
                           "force the deletion of all the consumers that are associated with it.");
  Ok("DeleteStream", Map({{"StreamName", Str("dc")}, {"EnforceConsumerDeletion", Bool(true)}}));
  Advance(500);
  EXPECT_EQ(Fails("DescribeStreamSummary", Map({{"StreamName", Str("dc")}})).code,
            "ResourceNotFoundException");
}

TEST_F(KinesisServiceTest, DeleteWhileCreatingIsNotFound) {
  Ok("CreateStream", Map({{"StreamName", Str("young")}, {"ShardCount", Int(1)}}));
  EXPECT_EQ(Fails("DeleteStream", Map({{"StreamName", Str("young")}})).code, "ResourceNotFoundException");
}

// ------------------------------------------------------------ names and ARNs

TEST_F(KinesisServiceTest, StreamArnWorksWhereverAStreamIsNamed) {
  Create("arn");
  Value out = Ok("DescribeStreamSummary", Map({{"StreamARN", Str(Arn("arn"))}}));
  EXPECT_EQ(Field(out, "StreamDescriptionSummary", "StreamName"), "arn");
  Ok("DescribeStreamSummary", Map({{"StreamARN", Str(Arn("arn"))}, {"StreamName", Str("arn")}}));
  Value put = Ok("PutRecord", Map({{"StreamARN", Str(Arn("arn"))}, {"Data", Blob("x")}, {"PartitionKey", Str("k")}}));
  EXPECT_EQ(put.GetString("ShardId"), ShardId(0));
  Ok("AddTagsToStream", Map({{"StreamARN", Str(Arn("arn"))}, {"Tags", Map({{"a", Str("b")}})}}));
  Create("other");
  Error e = Fails("DescribeStreamSummary", Map({{"StreamARN", Str(Arn("arn"))}, {"StreamName", Str("other")}}));
  EXPECT_EQ(e.code, "InvalidArgumentException");
  e = Fails("DescribeStreamSummary", Map({{"StreamARN", Str("arn:aws:kinesis:us-east-1:999999999999:stream/arn")}}));
  EXPECT_EQ(e.code, "ResourceNotFoundException");
  EXPECT_EQ(e.message, "Stream arn under account 999999999999 not found.");
  e = Fails("DescribeStreamSummary", Value::Map());
  EXPECT_EQ(e.code, "InvalidArgumentException");
}

// ------------------------------------------------------------ status rules

TEST_F(KinesisServiceTest, OperationsNeedingActiveAreRefusedWhileNotActive) {
  Ok("CreateStream", Map({{"StreamName", Str("busy")}, {"ShardCount", Int(2)}}));
  Error e = Fails("SplitShard", Map({{"StreamName", Str("busy")}, {"ShardToSplit", Str(ShardId(0))},
                                     {"NewStartingHashKey", Str("1000")}}));
  EXPECT_EQ(e.code, "ResourceInUseException");
  EXPECT_EQ(e.message, "Stream busy under account 123456789012 not ACTIVE, instead in state CREATING");
  // Records are not accepted before the stream is ACTIVE either.
  EXPECT_EQ(Fails("PutRecord", Map({{"StreamName", Str("busy")}, {"Data", Blob("x")}, {"PartitionKey", Str("k")}})).code,
            "ResourceNotFoundException");
  Advance(500);
  Ok("StartStreamEncryption", Map({{"StreamName", Str("busy")}, {"EncryptionType", Str("KMS")}, {"KeyId", Str("alias/aws/kinesis")}}));
  EXPECT_EQ(Status("busy"), "UPDATING");
  e = Fails("IncreaseStreamRetentionPeriod", Map({{"StreamName", Str("busy")}, {"RetentionPeriodHours", Int(48)}}));
  EXPECT_EQ(e.code, "ResourceInUseException");
  EXPECT_EQ(e.message, "Stream busy under account 123456789012 not ACTIVE, instead in state UPDATING");
  // Records flow while UPDATING.
  Put("busy", "during", "k");
  Advance(500);
  EXPECT_EQ(Status("busy"), "ACTIVE");
  Ok("IncreaseStreamRetentionPeriod", Map({{"StreamName", Str("busy")}, {"RetentionPeriodHours", Int(48)}}));
}

// ------------------------------------------------------------ retention settings

TEST_F(KinesisServiceTest, RetentionPeriodChanges) {
  Create("r");
  auto set = [&](const char* op, int64_t h) {
    return Call(op, Map({{"StreamName", Str("r")}, {"RetentionPeriodHours", Int(h)}}));
  };
  auto r = set("IncreaseStreamRetentionPeriod", 23);
  EXPECT_EQ(r.error().message, "Minimum allowed retention period is 24 hours. Requested retention period (23 hours) is too short.");
  r = set("IncreaseStreamRetentionPeriod", 8761);
  EXPECT_EQ(r.error().message, "Maximum allowed retention period is 8760 hours. Requested retention period (8761 hours) is too long.");
  ASSERT_TRUE(set("IncreaseStreamRetentionPeriod", 8760).ok());
  EXPECT_EQ(Summary("r").Find("RetentionPeriodHours")->as_int(), 8760);
  r = set("IncreaseStreamRetentionPeriod", 100);
  EXPECT_EQ(r.error().code, "InvalidArgumentException");
  EXPECT_EQ(r.error().message, "Requested retention period (100 hours) for stream r can not be shorter than existing retention period (8760 hours). Use DecreaseRetentionPeriod API.");
  ASSERT_TRUE(set("DecreaseStreamRetentionPeriod", 100).ok());
  r = set("DecreaseStreamRetentionPeriod", 200);
  EXPECT_EQ(r.error().message, "Requested retention period (200 hours) for stream r can not be longer than existing retention period (100 hours). Use IncreaseRetentionPeriod API.");
  r = set("DecreaseStreamRetentionPeriod", 12);
  EXPECT_EQ(r.error().code, "InvalidArgumentException");
  ASSERT_TRUE(set("DecreaseStreamRetentionPeriod", 24).ok());
  ASSERT_TRUE(set("IncreaseStreamRetentionPeriod", 24).ok());  // equal is allowed
  EXPECT_EQ(Summary("r").Find("RetentionPeriodHours")->as_int(), 24);
}

// ------------------------------------------------------------ tags

TEST_F(KinesisServiceTest, StreamTags) {
  Create("tg");
  Ok("AddTagsToStream", Map({{"StreamName", Str("tg")}, {"Tags", Map({{"b", Str("2")}, {"a", Str("1")}, {"c", Str("")}})}}));
  Ok("AddTagsToStream", Map({{"StreamName", Str("tg")}, {"Tags", Map({{"a", Str("one")}})}}));
  Value out = Ok("ListTagsForStream", Map({{"StreamName", Str("tg")}}));
  ASSERT_EQ(out.Find("Tags")->items().size(), 3u);
  EXPECT_EQ(out.Find("Tags")->items()[0].GetString("Key"), "a");
  EXPECT_EQ(out.Find("Tags")->items()[0].GetString("Value"), "one");
  EXPECT_FALSE(out.Find("HasMoreTags")->as_bool());
  out = Ok("ListTagsForStream", Map({{"StreamName", Str("tg")}, {"Limit", Int(1)}, {"ExclusiveStartTagKey", Str("a")}}));
  ASSERT_EQ(out.Find("Tags")->items().size(), 1u);
  EXPECT_EQ(out.Find("Tags")->items()[0].GetString("Key"), "b");
  EXPECT_TRUE(out.Find("HasMoreTags")->as_bool());
  Ok("RemoveTagsFromStream", Map({{"StreamName", Str("tg")}, {"TagKeys", StrList({"a", "zzz"})}}));
  EXPECT_EQ(Ok("ListTagsForStream", Map({{"StreamName", Str("tg")}})).Find("Tags")->items().size(), 2u);

  Error e = Fails("AddTagsToStream", Map({{"StreamName", Str("tg")}, {"Tags", Map({{"bad!", Str("x")}})}}));
  EXPECT_EQ(e.code, "InvalidArgumentException");
  EXPECT_EQ(e.message, "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @ :.");
  e = Fails("AddTagsToStream", Map({{"StreamName", Str("tg")}, {"Tags", Map({{"pct%", Str("x")}})}}));
  EXPECT_EQ(e.message, "Failed to add tags to stream tg under account 123456789012 because some tags contained illegal characters. The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@',':'.");
  Ok("AddTagsToStream", Map({{"StreamName", Str("tg")}, {"Tags", Map({{"ünïcode käy", Str("välue @ 1:2/3=4+5-6_7.8")}})}}));

  Value many = Value::Map();
  for (int i = 0; i < 48; ++i) many.Set(Name("k", i), Str("v"));
  e = Fails("AddTagsToStream", Map({{"StreamName", Str("tg")}, {"Tags", many}}));
  EXPECT_EQ(e.code, "InvalidArgumentException");
  EXPECT_EQ(e.message, "Failed to add tags to stream tg under account 123456789012 because a given stream cannot have more than 50 tags associated with it.");
  many.members().pop_back();
  Ok("AddTagsToStream", Map({{"StreamName", Str("tg")}, {"Tags", many}}));
  EXPECT_EQ(Ok("ListTagsForStream", Map({{"StreamName", Str("tg")}})).Find("Tags")->items().size(), 50u);
}

TEST_F(KinesisServiceTest, ResourceTagsOnStreamsAndConsumers) {
  Create("rt");
  Ok("TagResource", Map({{"ResourceARN", Str(Arn("rt"))}, {"Tags", Map({{"env", Str("dev")}})}}));
  Value out = Ok("ListTagsForResource", Map({{"ResourceARN", Str(Arn("rt"))}}));
  ASSERT_EQ(out.Find("Tags")->items().size(), 1u);
  EXPECT_EQ(out.Find("Tags")->items()[0].GetString("Key"), "env");
  EXPECT_EQ(Ok("ListTagsForStream", Map({{"StreamName", Str("rt")}})).Find("Tags")->items().size(), 1u);

  Value reg = Ok("RegisterStreamConsumer", Map({{"StreamARN", Str(Arn("rt"))}, {"ConsumerName", Str("c")},
                                                {"Tags", Map({{"owner", Str("me")}})}}));
  std::string consumer = Field(reg, "Consumer", "ConsumerARN");
  out = Ok("ListTagsForResource", Map({{"ResourceARN", Str(consumer)}}));
  ASSERT_EQ(out.Find("Tags")->items().size(), 1u);
  EXPECT_EQ(out.Find("Tags")->items()[0].GetString("Key"), "owner");
  Ok("TagResource", Map({{"ResourceARN", Str(consumer)}, {"Tags", Map({{"x", Str("y")}})}}));
  Ok("UntagResource", Map({{"ResourceARN", Str(consumer)}, {"TagKeys", StrList({"owner"})}}));
  out = Ok("ListTagsForResource", Map({{"ResourceARN", Str(consumer)}}));
  ASSERT_EQ(out.Find("Tags")->items().size(), 1u);
  EXPECT_EQ(out.Find("Tags")->items()[0].GetString("Key"), "x");
  // The stream's own tags are untouched.
  EXPECT_EQ(Ok("ListTagsForResource", Map({{"ResourceARN", Str(Arn("rt"))}})).Find("Tags")->items().size(), 1u);
  Ok("UntagResource", Map({{"ResourceARN", Str(Arn("rt"))}, {"TagKeys", StrList({"env"})}}));
  EXPECT_EQ(Ok("ListTagsForResource", Map({{"ResourceARN", Str(Arn("rt"))}})).Find("Tags")->items().size(), 0u);
  EXPECT_EQ(Fails("ListTagsForResource", Map({{"ResourceARN", Str(Arn("nope"))}})).code, "ResourceNotFoundException");
  EXPECT_EQ(Fails("ListTagsForResource", Map({{"ResourceARN", Str(Arn("rt") + "/consumer/gone:1")}})).code,
            "ResourceNotFoundException");
}

// ------------------------------------------------------------ policies

TEST_F(KinesisServiceTest, ResourcePolicies) {
  Create("pol");
  std::string arn = Arn("pol");
  EXPECT_EQ(Ok("GetResourcePolicy", Map({{"ResourceARN", Str(arn)}})).GetString("Policy"), "{}");
  std::string policy = R"({"Version":"2012-10-17","Statement":[]})";
  Ok("PutResourcePolicy", Map({{"ResourceARN", Str(arn)}, {"Policy", Str(policy)}}));
  EXPECT_EQ(Ok("GetResourcePolicy", Map({{"ResourceARN", Str(arn)}})).GetString("Policy"), policy);
  EXPECT_EQ(Fails("PutResourcePolicy", Map({{"ResourceARN", Str(arn)}, {"Policy", Str("{not json")}})).code,
            "InvalidArgumentException");
  Ok("DeleteResourcePolicy", Map({{"ResourceARN", Str(arn)}}));
  EXPECT_EQ(Ok("GetResourcePolicy", Map({{"ResourceARN", Str(arn)}})).GetString("Policy"), "{}");
  EXPECT_EQ(Fails("DeleteResourcePolicy", Map({{"ResourceARN", Str(arn)}})).code, "ResourceNotFoundException");

  std::string consumer = Field(Ok("RegisterStreamConsumer", Map({{"StreamARN", Str(arn)}, {"ConsumerName", Str("c")}})),
                               "Consumer", "ConsumerARN");
  Ok("PutResourcePolicy", Map({{"ResourceARN", Str(consumer)}, {"Policy", Str(policy)}}));
  EXPECT_EQ(Ok("GetResourcePolicy", Map({{"ResourceARN", Str(consumer)}})).GetString("Policy"), policy);
  EXPECT_EQ(Ok("GetResourcePolicy", Map({{"ResourceARN", Str(arn)}})).GetString("Policy"), "{}");
}

// ------------------------------------------------------------ monitoring, encryption, modes

TEST_F(KinesisServiceTest, EnhancedMonitoring) {
  Create("m");
  Value out = Ok("EnableEnhancedMonitoring", Map({{"StreamName", Str("m")}, {"ShardLevelMetrics", StrList({"IncomingBytes"})}}));
  EXPECT_EQ(out.Find("CurrentShardLevelMetrics")->items().size(), 0u);
  ASSERT_EQ(out.Find("DesiredShardLevelMetrics")->items().size(), 1u);
  EXPECT_EQ(out.GetString("StreamARN"), Arn("m"));
  out = Ok("EnableEnhancedMonitoring", Map({{"StreamName", Str("m")}, {"ShardLevelMetrics", StrList({"ALL"})}}));
  EXPECT_EQ(out.Find("CurrentShardLevelMetrics")->items().size(), 1u);
  EXPECT_EQ(out.Find("DesiredShardLevelMetrics")->items().size(), 7u);
  Value summary = Summary("m");
  const Value* em = summary.Find("EnhancedMonitoring");
  EXPECT_EQ(em->items()[0].Find("ShardLevelMetrics")->items().size(), 7u);
  out = Ok("DisableEnhancedMonitoring", Map({{"StreamName", Str("m")}, {"ShardLevelMetrics", StrList({"IncomingBytes", "OutgoingBytes"})}}));
  EXPECT_EQ(out.Find("DesiredShardLevelMetrics")->items().size(), 5u);
  out = Ok("DisableEnhancedMonitoring", Map({{"StreamName", Str("m")}, {"ShardLevelMetrics", StrList({"ALL"})}}));
  EXPECT_EQ(out.Find("DesiredShardLevelMetrics")->items().size(), 0u);
}

TEST_F(KinesisServiceTest, EncryptionIsReportedOnTheStreamAndLaterRecords) {
  Create("enc");
  Put("enc", "plain", "k");
  Error e = Fails("StartStreamEncryption", Map({{"StreamName", Str("enc")}, {"EncryptionType", Str("NONE")}, {"KeyId", Str("k")}}));
  EXPECT_EQ(e.code, "InvalidArgumentException");
  Ok("StartStreamEncryption", Map({{"StreamName", Str("enc")}, {"EncryptionType", Str("KMS")}, {"KeyId", Str("alias/aws/kinesis")}}));
  Value s = Summary("enc");
  EXPECT_EQ(s.GetString("StreamStatus"), "UPDATING");
  EXPECT_EQ(s.GetString("EncryptionType"), "KMS");
  EXPECT_EQ(s.GetString("KeyId"), "alias/aws/kinesis");
  Value put = Put("enc", "secret", "k");
  EXPECT_EQ(put.GetString("EncryptionType"), "KMS");
  Value out = Get(Iterator("enc", 0, "TRIM_HORIZON"));
  ASSERT_EQ(out.Find("Records")->items().size(), 2u);
  EXPECT_FALSE(out.Find("Records")->items()[0].Find("EncryptionType"));
  EXPECT_EQ(out.Find("Records")->items()[1].GetString("EncryptionType"), "KMS");
  Advance(500);
  Ok("StopStreamEncryption", Map({{"StreamName", Str("enc")}, {"EncryptionType", Str("KMS")}, {"KeyId", Str("alias/aws/kinesis")}}));
  s = Summary("enc");
  EXPECT_EQ(s.GetString("EncryptionType"), "NONE");
  EXPECT_FALSE(s.Find("KeyId"));
  EXPECT_FALSE(Put("enc", "plain again", "k").Find("EncryptionType"));
}

TEST_F(KinesisServiceTest, UpdateStreamModeAndMaxRecordSize) {
  Create("mode", 2);
  Ok("UpdateStreamMode", Map({{"StreamARN", Str(Arn("mode"))}, {"StreamModeDetails", Map({{"StreamMode", Str("ON_DEMAND")}})}}));
  EXPECT_EQ(Status("mode"), "UPDATING");
  EXPECT_EQ(Field(Summary("mode"), "StreamModeDetails", "StreamMode"), "ON_DEMAND");
  Advance(500);
  EXPECT_EQ(Fails("UpdateStreamMode", Map({{"StreamARN", Str(Arn("mode"))}, {"StreamModeDetails", Map({{"StreamMode", Str("ON_DEMAND")}})}})).code,
            "InvalidArgumentException");
  Ok("UpdateStreamMode", Map({{"StreamARN", Str(Arn("mode"))}, {"StreamModeDetails", Map({{"StreamMode", Str("PROVISIONED")}})}}));
  Advance(500);

  std::string big(1024 * 1024, 'x');  // with the partition key: over 1 MiB
  Error e = Fails("PutRecord", Map({{"StreamName", Str("mode")}, {"Data", Blob(big)}, {"PartitionKey", Str("k")}}));
  EXPECT_EQ(e.code, "InvalidArgumentException");
  Ok("UpdateMaxRecordSize", Map({{"StreamARN", Str(Arn("mode"))}, {"MaxRecordSizeInKiB", Int(2048)}}));
  EXPECT_EQ(Status("mode"), "UPDATING");
  EXPECT_EQ(Summary("mode").Find("MaxRecordSizeInKiB")->as_int(), 2048);
  Put("mode", big, "k");
}

// ------------------------------------------------------------ consumers

TEST_F(KinesisServiceTest, ConsumerLifecycle) {
  Create("cs");
  std::string arn = Arn("cs");
  Value reg = Ok("RegisterStreamConsumer", Map({{"StreamARN", Str(arn)}, {"ConsumerName", Str("app")}}));
  const Value* c = reg.Find("Consumer");
  EXPECT_EQ(c->GetString("ConsumerName"), "app");
  EXPECT_EQ(c->GetString("ConsumerARN"), arn + "/consumer/app:" + std::to_string((kT0 + 500) / 1000));
  EXPECT_EQ(c->GetString("ConsumerStatus"), "CREATING");
  std::string consumer_arn = c->GetString("ConsumerARN").value_or("");

  Error e = Fails("RegisterStreamConsumer", Map({{"StreamARN", Str(arn)}, {"ConsumerName", Str("app")}}));
  EXPECT_EQ(e.code, "ResourceInUseException");
  Advance(500);
  Value d = Ok("DescribeStreamConsumer", Map({{"ConsumerARN", Str(consumer_arn)}}));
  EXPECT_EQ(Field(d, "ConsumerDescription", "ConsumerStatus"), "ACTIVE");
  EXPECT_EQ(Field(d, "ConsumerDescription", "StreamARN"), arn);
  d = Ok("DescribeStreamConsumer", Map({{"StreamARN", Str(arn)}, {"ConsumerName", Str("app")}}));
  EXPECT_EQ(Field(d, "ConsumerDescription", "ConsumerARN"), consumer_arn);
  EXPECT_EQ(Summary("cs").Find("ConsumerCount")->as_int(), 1);

  for (int i = 0; i < 4; ++i) {
    Ok("RegisterStreamConsumer", Map({{"StreamARN", Str(arn)}, {"ConsumerName", Str(Name("c", i))}}));
  }
  Value page = Ok("ListStreamConsumers", Map({{"StreamARN", Str(arn)}, {"MaxResults", Int(2)}}));
  ASSERT_EQ(page.Find("Consumers")->items().size(), 2u);
  std::set<std::string> seen;
  for (const auto& x : page.Find("Consumers")->items()) seen.insert(x.GetString("ConsumerName").value_or(""));
  std::string token = page.GetString("NextToken").value_or("");
  while (!token.empty()) {
    page = Ok("ListStreamConsumers", Map({{"StreamARN", Str(arn)}, {"NextToken", Str(token)}, {"MaxResults", Int(2)}}));
    for (const auto& x : page.Find("Consumers")->items()) seen.insert(x.GetString("ConsumerName").value_or(""));
    token = page.GetString("NextToken").value_or("");
  }
  EXPECT_EQ(seen.size(), 5u);

  Ok("DeregisterStreamConsumer", Map({{"ConsumerARN", Str(consumer_arn)}}));
  EXPECT_EQ(Fails("DescribeStreamConsumer", Map({{"ConsumerARN", Str(consumer_arn)}})).code, "ResourceNotFoundException");
  Ok("DeregisterStreamConsumer", Map({{"StreamARN", Str(arn)}, {"ConsumerName", Str("c0")}}));
  EXPECT_EQ(Ok("ListStreamConsumers", Map({{"StreamARN", Str(arn)}})).Find("Consumers")->items().size(), 3u);
  EXPECT_EQ(Fails("DescribeStreamConsumer", Map({{"StreamARN", Str(arn)}})).code, "InvalidArgumentException");
  EXPECT_EQ(Fails("DeregisterStreamConsumer", Map({{"StreamARN", Str(arn)}, {"ConsumerName", Str("nobody")}})).code,
            "ResourceNotFoundException");
}

TEST_F(KinesisServiceTest, AtMostTwentyConsumersPerStream) {
  Create("many");
  for (int i = 0; i < 20; ++i) {
    Ok("RegisterStreamConsumer", Map({{"StreamARN", Str(Arn("many"))}, {"ConsumerName", Str(Name("c", i))}}));
  }
  EXPECT_EQ(Fails("RegisterStreamConsumer", Map({{"StreamARN", Str(Arn("many"))}, {"ConsumerName", Str("c20")}})).code,
            "LimitExceededException");
}

TEST_F(KinesisServiceTest, UnknownOperationsAreNotSupported) {
  EXPECT_EQ(Fails("UpdateStreamWarmThroughput", Value::Map()).code, "UnsupportedOperation");
}

// ------------------------------------------------------------ concurrency

TEST_F(KinesisServiceTest, ConcurrentChangesToOneStreamAreNotLost) {
  Create("cc", 2);
  std::vector<std::future<Result<Value>>> calls;
  for (int i = 0; i < 20; ++i) {
    calls.push_back(Start("AddTagsToStream", Map({{"StreamName", Str("cc")}, {"Tags", Map({{Name("k", i), Str("v")}})}})));
  }
  // Two splits at once: the second finds the stream UPDATING.
  auto split1 = Start("SplitShard", Map({{"StreamName", Str("cc")}, {"ShardToSplit", Str(ShardId(0))},
                                         {"NewStartingHashKey", Str("1000")}}));
  auto split2 = Start("SplitShard", Map({{"StreamName", Str("cc")}, {"ShardToSplit", Str(ShardId(1))},
                                         {"NewStartingHashKey", Str("170141183460469231731687303715884105800")}}));
  for (auto& f : calls) EXPECT_TRUE(Wait(f).ok());
  EXPECT_TRUE(Wait(split1).ok());
  auto second = Wait(split2);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, "ResourceInUseException");
  EXPECT_EQ(Ok("ListTagsForStream", Map({{"StreamName", Str("cc")}})).Find("Tags")->items().size(), 20u);
  Advance(500);
  EXPECT_EQ(Shards("cc").size(), 4u);
}

// ------------------------------------------------------------ restart

TEST_F(KinesisServiceTest, ADeletionInterruptedByARestartCompletes) {
  Create("gone");
  Ok("DeleteStream", Map({{"StreamName", Str("gone")}}));
  // A new service over the same store, past the deletion time: the stream
  // is not found and its records are removed on the first pass.
  service_.reset();
  clock_.Advance(1000);
  service_ = std::make_unique<KinesisService>(store_.get(), &clock_, &executor_, options_);
  executor_.RunReady();
  EXPECT_EQ(Fails("DescribeStream", Map({{"StreamName", Str("gone")}})).code, "ResourceNotFoundException");
  for (int i = 0; i < 100 && store_->FindStream(kAccount, "gone"); ++i) {
    executor_.RunReady();
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_FALSE(store_->FindStream(kAccount, "gone"));
}

TEST_F(KinesisServiceTest, MaintenanceCoversAccountsThatHaveNotCalledSinceStart) {
  // Another account's stream, deleted just before a restart: nobody from
  // that account calls again, and the deletion still completes.
  ctx_.account_id = "111111111111";
  Create("theirs");
  Ok("DeleteStream", Map({{"StreamName", Str("theirs")}}));
  ctx_.account_id = kAccount;
  service_.reset();
  clock_.Advance(1000);
  service_ = std::make_unique<KinesisService>(store_.get(), &clock_, &executor_, options_);
  for (int i = 0; i < 100 && store_->FindStream("111111111111", "theirs"); ++i) {
    executor_.RunReady();
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_FALSE(store_->FindStream("111111111111", "theirs"));
}

}  // namespace
}  // namespace sluice::kinesis
