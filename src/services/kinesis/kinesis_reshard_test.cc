// Resharding: SplitShard, MergeShards and UpdateShardCount keep exact
// lineage, close parents (which keep their records until retention) and
// enforce AWS's rules; ListShards filters and pages over the result.
#include "services/kinesis/kinesis_service.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "services/kinesis/hash_key.h"
#include "services/kinesis/kinesis_test_util.h"

namespace sluice::kinesis {
namespace {

using namespace testing;

class KinesisReshardTest : public KinesisTest {
 protected:
  void Split(const std::string& name, int shard, const std::string& key) {
    Ok("SplitShard", Map({{"StreamName", Str(name)}, {"ShardToSplit", Str(ShardId(shard))},
                          {"NewStartingHashKey", Str(key)}}));
    Advance(options_.transition_ms);
  }
  void Merge(const std::string& name, int a, int b) {
    Ok("MergeShards", Map({{"StreamName", Str(name)}, {"ShardToMerge", Str(ShardId(a))},
                           {"AdjacentShardToMerge", Str(ShardId(b))}}));
    Advance(options_.transition_ms);
  }
  std::map<std::string, Value> ById(const std::string& name) {
    std::map<std::string, Value> out;
    for (auto& s : Shards(name)) out[Field(s, "ShardId")] = s;
    return out;
  }
  static bool IsOpenShard(const Value& s) { return Field(s, "SequenceNumberRange", "EndingSequenceNumber") == "<absent>"; }
  static HashKey Key(const Value& s, const char* which) { return *ParseHashKey(Field(s, "HashKeyRange", which)); }

  // Open shards tile the hash key space; every shard but the first ones has
  // parents that exist and whose ranges cover it.
  void ExpectConsistent(const std::string& name, size_t open_expected) {
    auto shards = ById(name);
    std::vector<std::pair<HashKey, HashKey>> open;
    for (auto& [id, s] : shards) {
      if (IsOpenShard(s)) open.push_back({Key(s, "StartingHashKey"), Key(s, "EndingHashKey")});
      for (const char* p : {"ParentShardId", "AdjacentParentShardId"}) {
        if (!s.Find(p)) continue;
        ASSERT_TRUE(shards.count(Field(s, p))) << id << " " << p;
        const Value& parent = shards[Field(s, p)];
        EXPECT_FALSE(IsOpenShard(parent)) << id;
        EXPECT_LE(Field(parent, "SequenceNumberRange", "StartingSequenceNumber"),
                  Field(parent, "SequenceNumberRange", "EndingSequenceNumber"));
      }
    }
    ASSERT_EQ(open.size(), open_expected);
    std::sort(open.begin(), open.end());
    EXPECT_EQ(open.front().first, HashKey{0});
    EXPECT_EQ(open.back().second, kMaxHashKey);
    for (size_t i = 1; i < open.size(); ++i) EXPECT_EQ(open[i].first, open[i - 1].second + 1);
  }
};

TEST_F(KinesisReshardTest, SplitShardLineageAndData) {
  Create("s");
  Put("s", "before", "k");
  Ok("SplitShard", Map({{"StreamName", Str("s")}, {"ShardToSplit", Str(ShardId(0))}, {"NewStartingHashKey", Str("1000")}}));
  EXPECT_EQ(Status("s"), "UPDATING");
  Advance(500);
  EXPECT_EQ(Status("s"), "ACTIVE");
  auto shards = ById("s");
  ASSERT_EQ(shards.size(), 3u);
  const Value& parent = shards[ShardId(0)];
  EXPECT_NE(Field(parent, "SequenceNumberRange", "EndingSequenceNumber"), "<absent>");
  EXPECT_EQ(Field(shards[ShardId(1)], "ParentShardId"), ShardId(0));
  EXPECT_FALSE(shards[ShardId(1)].Find("AdjacentParentShardId"));
  EXPECT_EQ(Field(shards[ShardId(1)], "HashKeyRange", "StartingHashKey"), "0");
  EXPECT_EQ(Field(shards[ShardId(1)], "HashKeyRange", "EndingHashKey"), "999");
  EXPECT_EQ(Field(shards[ShardId(2)], "HashKeyRange", "StartingHashKey"), "1000");
  EXPECT_EQ(Field(shards[ShardId(2)], "ParentShardId"), ShardId(0));
  EXPECT_EQ(Summary("s").Find("OpenShardCount")->as_int(), 2);
  ExpectConsistent("s", 2);

  // New records go to the children; the parent keeps its records, then ends.
  EXPECT_EQ(Put("s", "low", "k", {{"ExplicitHashKey", Str("5")}}).GetString("ShardId"), ShardId(1));
  EXPECT_EQ(Put("s", "high", "k", {{"ExplicitHashKey", Str("5000")}}).GetString("ShardId"), ShardId(2));
  Value out = Get(Iterator("s", 0, "TRIM_HORIZON"));
  EXPECT_EQ(Datas(out), (std::vector<std::string>{"before"}));
  if (out.Find("NextShardIterator")) out = Get(out.GetString("NextShardIterator").value_or(""));
  EXPECT_FALSE(out.Find("NextShardIterator"));
  ASSERT_TRUE(out.Find("ChildShards"));
  const auto& children = out.Find("ChildShards")->items();
  ASSERT_EQ(children.size(), 2u);
  EXPECT_EQ(children[0].GetString("ShardId"), ShardId(1));
  EXPECT_EQ(children[0].Find("ParentShards")->items()[0].as_string(), ShardId(0));
  EXPECT_EQ(Field(children[1], "HashKeyRange", "StartingHashKey"), "1000");
  EXPECT_EQ(out.Find("MillisBehindLatest")->as_int(), 0);
  EXPECT_EQ(ReadAll("s", 1), (std::vector<std::string>{"low"}));
}

TEST_F(KinesisReshardTest, SplitShardErrors) {
  Create("s", 2);
  auto split = [&](const std::string& shard, const std::string& key) {
    return Call("SplitShard", Map({{"StreamName", Str("s")}, {"ShardToSplit", Str(shard)}, {"NewStartingHashKey", Str(key)}}));
  };
  auto r = split(ShardId(0), "1");
  EXPECT_EQ(r.error().code, "InvalidArgumentException");
  EXPECT_EQ(r.error().message, "NewStartingHashKey 1 used in SplitShard() on shard shardId-000000000000 in stream s under account 123456789012 is not both greater than one plus the shard's StartingHashKey 0 and less than the shard's EndingHashKey 170141183460469231731687303715884105727.");
  EXPECT_EQ(split(ShardId(0), "170141183460469231731687303715884105727").error().code, "InvalidArgumentException");
  EXPECT_EQ(split(ShardId(1), "5").error().code, "InvalidArgumentException");  // below the shard's range
  r = split(ShardId(9), "5");
  EXPECT_EQ(r.error().code, "ResourceNotFoundException");
  EXPECT_EQ(r.error().message, "Could not find shard shardId-000000000009 in stream s under account 123456789012.");
  ASSERT_TRUE(split(ShardId(0), "2").ok());
  r = split(ShardId(1), "170141183460469231731687303715884105729");
  EXPECT_EQ(r.error().code, "ResourceInUseException");  // UPDATING
  Advance(500);
  r = split(ShardId(0), "5");
  EXPECT_EQ(r.error().code, "InvalidArgumentException");
  EXPECT_EQ(r.error().message, "Shard shardId-000000000000 in stream s under account 123456789012 has already been merged or split, and thus is not eligible for splitting.");

  Ok("CreateStream", Map({{"StreamName", Str("od")}}));
  Advance(500);
  EXPECT_EQ(Call("SplitShard", Map({{"StreamName", Str("od")}, {"ShardToSplit", Str(ShardId(0))},
                                    {"NewStartingHashKey", Str("5")}})).error().code,
            "InvalidArgumentException");
}

TEST_F(KinesisReshardTest, MergeShardsLineage) {
  Create("m", 3);
  Put("m", "a", "k", {{"ExplicitHashKey", Str("0")}});
  Merge("m", 1, 0);
  auto shards = ById("m");
  ASSERT_EQ(shards.size(), 4u);
  const Value& child = shards[ShardId(3)];
  EXPECT_EQ(Field(child, "ParentShardId"), ShardId(1));
  EXPECT_EQ(Field(child, "AdjacentParentShardId"), ShardId(0));
  EXPECT_EQ(Field(child, "HashKeyRange", "StartingHashKey"), "0");
  EXPECT_EQ(Field(child, "HashKeyRange", "EndingHashKey"), "226854911280625642308916404954512140969");
  ExpectConsistent("m", 2);
  EXPECT_EQ(ReadAll("m", 0), (std::vector<std::string>{"a"}));
  EXPECT_EQ(Put("m", "b", "k", {{"ExplicitHashKey", Str("0")}}).GetString("ShardId"), ShardId(3));
}

TEST_F(KinesisReshardTest, MergeShardsErrors) {
  Create("m", 3);
  auto merge = [&](int a, int b) {
    return Call("MergeShards", Map({{"StreamName", Str("m")}, {"ShardToMerge", Str(ShardId(a))},
                                    {"AdjacentShardToMerge", Str(ShardId(b))}}));
  };
  auto r = merge(0, 2);
  EXPECT_EQ(r.error().code, "InvalidArgumentException");
  EXPECT_EQ(r.error().message, "Shards shardId-000000000000 and shardId-000000000002 in stream m under account 123456789012 are not an adjacent pair of shards eligible for merging");
  EXPECT_EQ(merge(1, 1).error().code, "InvalidArgumentException");
  EXPECT_EQ(merge(0, 5).error().code, "ResourceNotFoundException");
  ASSERT_TRUE(merge(0, 1).ok());
  EXPECT_EQ(merge(2, 3).error().code, "ResourceInUseException");
  Advance(500);
  r = merge(1, 2);
  EXPECT_EQ(r.error().message, "Shard shardId-000000000001 in stream m under account 123456789012 has already been merged or split, and thus is not eligible for merging.");
  ASSERT_TRUE(merge(3, 2).ok());
  Advance(500);
  ExpectConsistent("m", 1);
}

TEST_F(KinesisReshardTest, UpdateShardCountKeepsExactLineage) {
  Create("u", 2);
  Put("u", "zero", "k", {{"ExplicitHashKey", Str("0")}});
  for (int target : {4, 3, 5, 3, 2, 1, 2}) {
    Value out = Ok("UpdateShardCount", Map({{"StreamName", Str("u")}, {"TargetShardCount", Int(target)},
                                            {"ScalingType", Str("UNIFORM_SCALING")}}));
    EXPECT_EQ(out.Find("TargetShardCount")->as_int(), target);
    EXPECT_EQ(out.GetString("StreamARN"), Arn("u"));
    EXPECT_EQ(Status("u"), "UPDATING");
    Advance(500);
    ExpectConsistent("u", static_cast<size_t>(target));
    // The open shards are the uniform ranges.
    std::vector<HashKey> starts;
    for (auto& [id, s] : ById("u")) {
      if (IsOpenShard(s)) starts.push_back(Key(s, "StartingHashKey"));
    }
    std::sort(starts.begin(), starts.end());
    for (int i = 0; i < target; ++i) EXPECT_EQ(starts[i], UniformRange(i, target).first) << target;
  }
  EXPECT_EQ(ReadAll("u", 0), (std::vector<std::string>{"zero"}));
}

TEST_F(KinesisReshardTest, UpdateShardCountLimits) {
  Create("u", 4);
  auto update = [&](int64_t n) {
    return Call("UpdateShardCount", Map({{"StreamName", Str("u")}, {"TargetShardCount", Int(n)},
                                         {"ScalingType", Str("UNIFORM_SCALING")}}));
  };
  auto r = update(9);
  EXPECT_EQ(r.error().code, "LimitExceededException");
  EXPECT_EQ(r.error().message, "UpdateShardCount cannot scale up over double your current open shard count. Current open shard count: 4, Target shard count: 9");
  r = update(1);
  EXPECT_EQ(r.error().message, "UpdateShardCount cannot scale down below half your current open shard count. Current open shard count: 4, Target shard count: 1");
  r = update(20001);
  EXPECT_EQ(r.error().code, "LimitExceededException");
  ASSERT_TRUE(update(8).ok());
  EXPECT_EQ(update(8).error().code, "ResourceInUseException");
  Ok("CreateStream", Map({{"StreamName", Str("od")}}));
  Advance(500);
  EXPECT_EQ(Call("UpdateShardCount", Map({{"StreamName", Str("od")}, {"TargetShardCount", Int(5)},
                                          {"ScalingType", Str("UNIFORM_SCALING")}})).error().code,
            "InvalidArgumentException");
}

TEST_F(KinesisReshardTest, ClosedShardsAreListedUntilRetentionPasses) {
  Create("x", 2);
  Put("x", "kept", "k", {{"ExplicitHashKey", Str("0")}});
  Merge("x", 0, 1);
  EXPECT_EQ(Shards("x").size(), 3u);
  Advance(24 * kHour + 1000);
  auto shards = Shards("x");
  ASSERT_EQ(shards.size(), 1u);  // the parents expired with their records
  EXPECT_EQ(Field(shards[0], "ShardId"), ShardId(2));
  Value listed = Ok("ListShards", Map({{"StreamName", Str("x")}}));
  EXPECT_EQ(listed.Find("Shards")->items().size(), 1u);
}

// ------------------------------------------------------------ ListShards

TEST_F(KinesisReshardTest, ListShardsFilters) {
  Create("f", 2);
  int64_t t_create = clock_.NowMillis();
  Advance(10'000);
  Split("f", 0, "1000");  // shards 2, 3; 0 closed at t_split
  int64_t t_split = clock_.NowMillis() - 500;
  Advance(10'000);
  Merge("f", 3, 1);  // shard 4; 1 and 3 closed
  auto ids = [&](Value filter) {
    Value in = Map({{"StreamName", Str("f")}});
    if (!filter.is_null()) in.Set("ShardFilter", std::move(filter));
    std::vector<std::string> out;
    Value listed = Ok("ListShards", std::move(in));
    for (const auto& s : listed.Find("Shards")->items()) out.push_back(Field(s, "ShardId"));
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids(Value()), (V{ShardId(0), ShardId(1), ShardId(2), ShardId(3), ShardId(4)}));
  EXPECT_EQ(ids(Map({{"Type", Str("FROM_TRIM_HORIZON")}})), (V{ShardId(0), ShardId(1), ShardId(2), ShardId(3), ShardId(4)}));
  EXPECT_EQ(ids(Map({{"Type", Str("AT_LATEST")}})), (V{ShardId(2), ShardId(4)}));
  EXPECT_EQ(ids(Map({{"Type", Str("AT_TRIM_HORIZON")}})), (V{ShardId(0), ShardId(1)}));
  EXPECT_EQ(ids(Map({{"Type", Str("AFTER_SHARD_ID")}, {"ShardId", Str(ShardId(2))}})), (V{ShardId(3), ShardId(4)}));
  EXPECT_EQ(ids(Map({{"Type", Str("AT_TIMESTAMP")}, {"Timestamp", Value::Timestamp(t_create + 5000)}})), (V{ShardId(0), ShardId(1)}));
  EXPECT_EQ(ids(Map({{"Type", Str("AT_TIMESTAMP")}, {"Timestamp", Value::Timestamp(t_split + 5000)}})),
            (V{ShardId(1), ShardId(2), ShardId(3)}));
  EXPECT_EQ(ids(Map({{"Type", Str("FROM_TIMESTAMP")}, {"Timestamp", Value::Timestamp(t_split + 5000)}})),
            (V{ShardId(1), ShardId(2), ShardId(3), ShardId(4)}));
  EXPECT_EQ(ids(Map({{"Type", Str("FROM_TIMESTAMP")}, {"Timestamp", Value::Timestamp(0)}})).size(), 5u);

  EXPECT_EQ(Fails("ListShards", Map({{"StreamName", Str("f")}, {"ShardFilter", Map({{"Type", Str("AFTER_SHARD_ID")}})}})).code,
            "InvalidArgumentException");
  EXPECT_EQ(Fails("ListShards", Map({{"StreamName", Str("f")}, {"ShardFilter", Map({{"Type", Str("AT_TIMESTAMP")}})}})).code,
            "InvalidArgumentException");
  Value in = Map({{"StreamName", Str("f")}, {"ExclusiveStartShardId", Str(ShardId(1))},
                  {"ShardFilter", Map({{"Type", Str("AT_LATEST")}})}});
  EXPECT_EQ(Ok("ListShards", std::move(in)).Find("Shards")->items().size(), 2u);
}

TEST_F(KinesisReshardTest, ListShardsPagesWithNextToken) {
  Create("p", 5);
  Value out = Ok("ListShards", Map({{"StreamName", Str("p")}, {"MaxResults", Int(2)}}));
  std::vector<std::string> seen;
  for (const auto& s : out.Find("Shards")->items()) seen.push_back(Field(s, "ShardId"));
  std::string token = out.GetString("NextToken").value_or("");
  ASSERT_FALSE(token.empty());
  Error e = Fails("ListShards", Map({{"StreamName", Str("p")}, {"NextToken", Str(token)}}));
  EXPECT_EQ(e.code, "InvalidArgumentException");
  EXPECT_EQ(e.message, "NextToken and StreamName cannot be provided together.");
  e = Fails("ListShards", Value::Map());
  EXPECT_EQ(e.message, "Either NextToken or StreamName should be provided.");
  while (!token.empty()) {
    out = Ok("ListShards", Map({{"NextToken", Str(token)}, {"MaxResults", Int(2)}}));
    for (const auto& s : out.Find("Shards")->items()) seen.push_back(Field(s, "ShardId"));
    token = out.GetString("NextToken").value_or("");
  }
  EXPECT_EQ(seen, (std::vector<std::string>{ShardId(0), ShardId(1), ShardId(2), ShardId(3), ShardId(4)}));
  out = Ok("ListShards", Map({{"StreamName", Str("p")}, {"MaxResults", Int(2)}}));
  token = out.GetString("NextToken").value_or("");
  Advance(300'001);
  EXPECT_EQ(Fails("ListShards", Map({{"NextToken", Str(token)}})).code, "ExpiredNextTokenException");
  EXPECT_EQ(Fails("ListShards", Map({{"NextToken", Str("forged")}})).code, "InvalidArgumentException");
  EXPECT_EQ(Ok("ListShards", Map({{"StreamARN", Str(Arn("p"))}})).Find("Shards")->items().size(), 5u);
  EXPECT_EQ(Ok("ListShards", Map({{"StreamName", Str("p")}, {"StreamCreationTimestamp", Value::Timestamp(kT0)}}))
                .Find("Shards")->items().size(), 5u);
  EXPECT_EQ(Fails("ListShards", Map({{"StreamName", Str("p")}, {"StreamCreationTimestamp", Value::Timestamp(kT0 - 5000)}})).code,
            "ResourceNotFoundException");
}

}  // namespace
}  // namespace sluice::kinesis
