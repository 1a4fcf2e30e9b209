// SubscribeToShard without a transport: a recording Sink stands for the HTTP
// response, and a readable encoder for the event stream framing, so each test
// sees exactly which events a subscription sent and when (ManualClock).
#include "services/kinesis/subscriptions.h"

#include <deque>
#include <mutex>
#include <thread>

#include "services/kinesis/kinesis_test_util.h"

namespace sluice::kinesis::testing {
namespace {

// Records what the manager sends. Frames are indexes into `events`, so tests
// look at the Values the encoder was given.
class RecordingSink : public SubscriptionSink {
 public:
  bool Send(std::string frame) override {
    std::lock_guard<std::mutex> lock(mu);
    ++offers;
    if (refuse > 0) {
      --refuse;
      return false;
    }
    if (ended) ADD_FAILURE() << "Send after End";
    frames.push_back(std::move(frame));
    return true;
  }
  void End(std::optional<Error> error) override {
    std::lock_guard<std::mutex> lock(mu);
    if (ended) ADD_FAILURE() << "End called twice";
    ended = true;
    end_error = std::move(error);
  }
  std::mutex mu;
  std::vector<std::string> frames;
  int refuse = 0;  // refuse this many offers
  int offers = 0;
  bool ended = false;
  std::optional<Error> end_error;
};

class SubscriptionsTest : public KinesisTest {
 protected:
  KinesisOptions Options() override {
    KinesisOptions o = KinesisTest::Options();
    o.subscription.lifetime_ms = 300'000;
    return o;
  }

  void SetUp() override {
    KinesisTest::SetUp();
    Create("s", 1);
    consumer_arn_ = Register("c");
  }

  std::string Register(const std::string& name, const std::string& stream = "s") {
    Value out = Ok("RegisterStreamConsumer", Map({{"StreamARN", Str(Arn(stream))},
                                                 {"ConsumerName", Str(name)}}));
    Advance(options_.transition_ms);
    return Field(out, "Consumer", "ConsumerARN");
  }

  EventEncoder Encoder() {
    EventEncoder e;
    e.initial_response = [this] { return Keep(Value::String("initial-response")); };
    e.event = [this](const Value& v) { return Keep(v); };
    return e;
  }
  std::string Keep(Value v) {
    std::lock_guard<std::mutex> lock(events_mu_);
    events_.push_back(std::move(v));
    return std::to_string(events_.size() - 1);
  }
  // The events a sink has taken, in order.
  std::vector<Value> Taken(RecordingSink& sink) {
    std::lock_guard<std::mutex> lock(sink.mu);
    std::lock_guard<std::mutex> lock2(events_mu_);
    std::vector<Value> out;
    for (const auto& f : sink.frames) out.push_back(events_[std::stoul(f)]);
    return out;
  }

  Result<Subscription> Subscribe(std::shared_ptr<RecordingSink> sink, StartingPosition pos,
                                 std::string shard = "shardId-000000000000",
                                 std::string arn = "") {
    SubscribeRequest r;
    r.consumer_arn = arn.empty() ? consumer_arn_ : arn;
    r.shard_id = std::move(shard);
    r.starting_position = std::move(pos);
    auto sub = service_->subscriptions().Subscribe(ctx_, r, std::move(sink), Encoder());
    executor_.RunReady();
    return sub;
  }
  std::shared_ptr<RecordingSink> Start(StartingPosition pos) {
    auto sink = std::make_shared<RecordingSink>();
    auto sub = Subscribe(sink, std::move(pos));
    EXPECT_TRUE(sub.ok()) << sub.error().code << ": " << sub.error().message;
    if (sub.ok()) handles_.push_back(*sub);
    return sink;
  }
  Error Refused(StartingPosition pos, std::string shard = "shardId-000000000000",
                std::string arn = "") {
    auto sink = std::make_shared<RecordingSink>();
    auto sub = Subscribe(sink, std::move(pos), std::move(shard), std::move(arn));
    EXPECT_FALSE(sub.ok());
    return sub.ok() ? Error{} : sub.error();
  }

  // Records reach the store's listener from the committer thread: run the
  // executor until `n` events are taken (or a real-time limit).
  std::vector<Value> WaitEvents(RecordingSink& sink, size_t n) {
    auto end = std::chrono::steady_clock::now() + 5s;
    for (;;) {
      executor_.RunReady();
      auto taken = Taken(sink);
      if (taken.size() >= n || std::chrono::steady_clock::now() > end) return taken;
      std::this_thread::sleep_for(1ms);
    }
  }

  static std::vector<std::string> DataOf(const Value& event) {
    return Datas(event);
  }

  std::string consumer_arn_;
  std::mutex events_mu_;
  std::deque<Value> events_;
  std::vector<Subscription> handles_;
};

StartingPosition Pos(std::string type, std::optional<std::string> seq = std::nullopt,
                     std::optional<int64_t> ts = std::nullopt) {
  return StartingPosition{std::move(type), std::move(seq), ts};
}

TEST_F(SubscriptionsTest, InitialResponseThenAnEventWithTheBacklog) {
  Put("s", "a", "k");
  Put("s", "b", "k");
  auto sink = Start(Pos("TRIM_HORIZON"));
  auto events = WaitEvents(*sink, 2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].as_string(), "initial-response");
  EXPECT_EQ(DataOf(events[1]), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(events[1].Find("MillisBehindLatest")->as_int(), 0);
  EXPECT_EQ(events[1].Find("ChildShards"), nullptr);
  // The continuation resumes after the last record.
  const Value& last = events[1].Find("Records")->items().back();
  EXPECT_EQ(Field(events[1], "ContinuationSequenceNumber"), Field(last, "SequenceNumber"));
  EXPECT_EQ(events[1].Find("Records")->items()[0].Find("ApproximateArrivalTimestamp")->kind(),
            Value::Kind::kTimestamp);
}

TEST_F(SubscriptionsTest, EmptyShardStillSendsAFirstEvent) {
  auto sink = Start(Pos("LATEST"));
  auto events = Taken(*sink);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(events[1].Find("Records")->items().empty());
  EXPECT_NE(Field(events[1], "ContinuationSequenceNumber"), "<absent>");
}

TEST_F(SubscriptionsTest, RecordsPutAfterSubscribingArriveThroughTheListener) {
  auto sink = Start(Pos("LATEST"));
  ASSERT_EQ(Taken(*sink).size(), 2u);
  int64_t before = clock_.NowMillis();
  Put("s", "live", "k");
  auto events = WaitEvents(*sink, 3);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(DataOf(events[2]), (std::vector<std::string>{"live"}));
  // No time passed: the append listener delivered it, not a timer.
  EXPECT_EQ(clock_.NowMillis(), before);
  Put("s", "x", "k");
  Put("s", "y", "k");
  events = WaitEvents(*sink, 5);
  std::vector<std::string> all;
  for (size_t i = 3; i < events.size(); ++i) {
    for (auto& d : DataOf(events[i])) all.push_back(d);
  }
  EXPECT_EQ(all, (std::vector<std::string>{"x", "y"}));
}

TEST_F(SubscriptionsTest, ContinuationResumesExactlyWithAfterSequenceNumber) {
  auto sink = Start(Pos("TRIM_HORIZON"));
  Put("s", "one", "k");
  auto events = WaitEvents(*sink, 3);
  ASSERT_GE(events.size(), 3u);
  std::string cont = Field(events.back(), "ContinuationSequenceNumber");
  Put("s", "two", "k");
  WaitEvents(*sink, 4);
  handles_.back().Cancel();
  Advance(5'000);
  auto second = Start(Pos("AFTER_SEQUENCE_NUMBER", cont));
  events = WaitEvents(*second, 2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(DataOf(events[1]), (std::vector<std::string>{"two"}));
}

TEST_F(SubscriptionsTest, StartingPositions) {
  Value first = Put("s", "a", "k");
  Advance(1000);
  int64_t mid = clock_.NowMillis();
  Put("s", "b", "k");
  std::string seq_a = first.GetString("SequenceNumber").value_or("");

  auto at = Start(Pos("AT_SEQUENCE_NUMBER", seq_a));
  EXPECT_EQ(DataOf(WaitEvents(*at, 2)[1]), (std::vector<std::string>{"a", "b"}));
  Advance(5'000);
  auto after = Start(Pos("AFTER_SEQUENCE_NUMBER", seq_a));
  EXPECT_EQ(DataOf(WaitEvents(*after, 2)[1]), (std::vector<std::string>{"b"}));
  Advance(5'000);
  auto ts = Start(Pos("AT_TIMESTAMP", std::nullopt, mid));
  EXPECT_EQ(DataOf(WaitEvents(*ts, 2)[1]), (std::vector<std::string>{"b"}));
  Advance(5'000);
  auto latest = Start(Pos("LATEST"));
  EXPECT_TRUE(DataOf(WaitEvents(*latest, 2)[1]).empty());
}

TEST_F(SubscriptionsTest, ValidationErrors) {
  Error e = Refused(Pos("LATEST"), "shardId-000000000000",
                    std::string(kArnPrefix) + "s/consumer/nope:1700000000");
  EXPECT_EQ(e.code, "ResourceNotFoundException");
  e = Refused(Pos("LATEST"), "shardId-000000000000",
              std::string(kArnPrefix) + "missing/consumer/c:1700000000");
  EXPECT_EQ(e.code, "ResourceNotFoundException");
  e = Refused(Pos("LATEST"), "shardId-000000000009");
  EXPECT_EQ(e.code, "ResourceNotFoundException");
  EXPECT_EQ(e.message, "Shard shardId-000000000009 in stream s under account 123456789012 does not exist");
  e = Refused(Pos("LATEST"), "bogus");
  EXPECT_EQ(e.code, "ResourceNotFoundException");

  e = Refused(Pos("AT_SEQUENCE_NUMBER"));
  EXPECT_EQ(e.code, "InvalidArgumentException");
  e = Refused(Pos("TRIM_HORIZON", "4"));
  EXPECT_EQ(e.code, "InvalidArgumentException");
  e = Refused(Pos("AT_SEQUENCE_NUMBER", "123"));
  EXPECT_EQ(e.code, "InvalidArgumentException");
  EXPECT_NE(e.message.find("is invalid"), std::string::npos);
  e = Refused(Pos("AT_TIMESTAMP"));
  EXPECT_EQ(e.code, "InvalidArgumentException");
  e = Refused(Pos("AT_TIMESTAMP", std::nullopt, clock_.NowMillis() + 60'000));
  EXPECT_EQ(e.code, "InvalidArgumentException");
  e = Refused(Pos("SOMEWHERE"));
  EXPECT_EQ(e.code, "InvalidArgumentException");

  // A sequence number of another shard.
  Create("two", 2);
  std::string arn2 = Register("c2", "two");
  Value put = Ok("PutRecord", Map({{"StreamName", Str("two")}, {"Data", Blob("x")},
                                   {"PartitionKey", Str("k")},
                                   {"ExplicitHashKey", Str("0")}}));
  e = Refused(Pos("AT_SEQUENCE_NUMBER", put.GetString("SequenceNumber")), "shardId-000000000001",
              arn2);
  EXPECT_EQ(e.code, "InvalidArgumentException");
  EXPECT_NE(e.message.find("It encodes shardId-000000000000"), std::string::npos);
  // ... and of another stream.
  e = Refused(Pos("AT_SEQUENCE_NUMBER", put.GetString("SequenceNumber")));
  EXPECT_EQ(e.code, "InvalidArgumentException");
  EXPECT_NE(e.message.find("did not come from this stream"), std::string::npos);
}

TEST_F(SubscriptionsTest, ConsumerMustBeActive) {
  Value out = Ok("RegisterStreamConsumer",
                 Map({{"StreamARN", Str(Arn("s"))}, {"ConsumerName", Str("fresh")}}));
  std::string arn = Field(out, "Consumer", "ConsumerARN");
  Error e = Refused(Pos("LATEST"), "shardId-000000000000", arn);
  EXPECT_EQ(e.code, "ResourceInUseException");
  EXPECT_EQ(e.message, "Consumer fresh with creation timestamp " +
                           std::to_string(clock_.NowMillis() / 1000) +
                           " under stream: s , account 123456789012 is not in ACTIVE status.");
  Advance(options_.transition_ms);
  auto sink = std::make_shared<RecordingSink>();
  EXPECT_TRUE(Subscribe(sink, Pos("LATEST"), "shardId-000000000000", arn).ok());
}

TEST_F(SubscriptionsTest, HeartbeatEveryFiveSecondsWhenIdle) {
  auto sink = Start(Pos("LATEST"));
  ASSERT_EQ(Taken(*sink).size(), 2u);
  Advance(4'999);
  EXPECT_EQ(Taken(*sink).size(), 2u);
  Advance(1);
  ASSERT_EQ(Taken(*sink).size(), 3u);
  EXPECT_TRUE(DataOf(Taken(*sink)[2]).empty());
  Advance(5'000);
  EXPECT_EQ(Taken(*sink).size(), 4u);
  // A record event restarts the wait.
  Advance(3'000);
  Put("s", "r", "k");
  ASSERT_EQ(WaitEvents(*sink, 5).size(), 5u);
  Advance(4'999);
  EXPECT_EQ(Taken(*sink).size(), 5u);
  Advance(1);
  EXPECT_EQ(Taken(*sink).size(), 6u);
  EXPECT_FALSE(sink->ended);
}

TEST_F(SubscriptionsTest, EndsAfterItsLifetime) {
  auto sink = Start(Pos("LATEST"));
  Advance(299'999);
  EXPECT_FALSE(sink->ended);
  size_t sent = Taken(*sink).size();
  EXPECT_EQ(sent, 2u + 59u);  // a heartbeat every 5 s
  Advance(1);
  EXPECT_TRUE(sink->ended);
  EXPECT_FALSE(sink->end_error.has_value());
  EXPECT_EQ(service_->subscriptions().ActiveCount(), 0u);
  EXPECT_FALSE(handles_.back().active());
  // Nothing is left running for it.
  Advance(60'000);
  EXPECT_EQ(Taken(*sink).size(), sent);
}

TEST_F(SubscriptionsTest, LifetimeIsAnOption) {
  options_.subscription.lifetime_ms = 1'000;
  service_.reset();
  service_ = std::make_unique<KinesisService>(store_.get(), &clock_, &executor_, options_);
  auto sink = Start(Pos("LATEST"));
  Advance(1'000);
  EXPECT_TRUE(sink->ended);
}

TEST_F(SubscriptionsTest, SecondSubscriptionWithinFiveSecondsIsRefused) {
  auto first = Start(Pos("LATEST"));
  Advance(4'999);
  Error e = Refused(Pos("LATEST"));
  EXPECT_EQ(e.code, "ResourceInUseException");
  EXPECT_EQ(e.message,
            "Another active subscription exists for this consumer: 123456789012:s:shardId-000000000000:c");
  EXPECT_FALSE(first->ended);
  // Even when the first one has been closed by the client.
  handles_.back().Cancel();
  executor_.RunReady();
  EXPECT_FALSE(first->ended);  // cancelled: the sink is not called
  EXPECT_EQ(Refused(Pos("LATEST")).code, "ResourceInUseException");
}

TEST_F(SubscriptionsTest, AfterFiveSecondsANewSubscriptionTakesOver) {
  auto first = Start(Pos("LATEST"));
  Advance(5'000);
  size_t first_events = Taken(*first).size();
  auto second = Start(Pos("LATEST"));
  EXPECT_TRUE(first->ended);
  EXPECT_FALSE(first->end_error.has_value());
  EXPECT_FALSE(second->ended);
  EXPECT_EQ(service_->subscriptions().ActiveCount(), 1u);
  Put("s", "new", "k");
  auto events = WaitEvents(*second, 3);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(DataOf(events[2]), (std::vector<std::string>{"new"}));
  EXPECT_EQ(Taken(*first).size(), first_events);
}

TEST_F(SubscriptionsTest, OtherConsumersAndShardsAreIndependent) {
  Create("multi", 2);
  std::string a = Register("a", "multi");
  std::string b = Register("b", "multi");
  auto sa = std::make_shared<RecordingSink>();
  auto sb = std::make_shared<RecordingSink>();
  auto sa1 = std::make_shared<RecordingSink>();
  ASSERT_TRUE(Subscribe(sa, Pos("LATEST"), "shardId-000000000000", a).ok());
  ASSERT_TRUE(Subscribe(sb, Pos("LATEST"), "shardId-000000000000", b).ok());
  ASSERT_TRUE(Subscribe(sa1, Pos("LATEST"), "shardId-000000000001", a).ok());
  EXPECT_EQ(service_->subscriptions().ActiveCount(), 3u);
  Ok("PutRecord", Map({{"StreamName", Str("multi")}, {"Data", Blob("z")},
                       {"PartitionKey", Str("k")}, {"ExplicitHashKey", Str("0")}}));
  EXPECT_EQ(DataOf(WaitEvents(*sa, 3).back()), (std::vector<std::string>{"z"}));
  EXPECT_EQ(DataOf(WaitEvents(*sb, 3).back()), (std::vector<std::string>{"z"}));
  EXPECT_EQ(Taken(*sa1).size(), 2u);
}

TEST_F(SubscriptionsTest, BackpressureLosesNothingAndResumes) {
  auto sink = std::make_shared<RecordingSink>();
  auto sub = Subscribe(sink, Pos("TRIM_HORIZON"));
  ASSERT_TRUE(sub.ok());
  ASSERT_EQ(Taken(*sink).size(), 2u);
  {
    std::lock_guard<std::mutex> lock(sink->mu);
    sink->refuse = 3;
  }
  Put("s", "p1", "k");
  executor_.RunReady();
  std::this_thread::sleep_for(20ms);  // the listener runs on the committer thread
  executor_.RunReady();
  EXPECT_EQ(Taken(*sink).size(), 2u);
  // While the refused event waits, more records arrive; they follow it.
  Put("s", "p2", "k");
  executor_.RunReady();
  // Resume offers it again at once.
  sub->Resume();
  executor_.RunReady();
  // The retry timer offers it too.
  Advance(options_.subscription.retry_ms);
  Advance(options_.subscription.retry_ms);
  auto events = WaitEvents(*sink, 4);
  std::vector<std::string> all;
  for (size_t i = 2; i < events.size(); ++i) {
    for (auto& d : DataOf(events[i])) all.push_back(d);
  }
  EXPECT_EQ(all, (std::vector<std::string>{"p1", "p2"}));
  EXPECT_GE(sink->offers, 2 + 3 + 1);
  EXPECT_FALSE(sink->ended);
}

TEST_F(SubscriptionsTest, RefusedInitialResponseIsOfferedAgain) {
  auto sink = std::make_shared<RecordingSink>();
  sink->refuse = 1;
  auto sub = Subscribe(sink, Pos("LATEST"));
  ASSERT_TRUE(sub.ok());
  EXPECT_TRUE(Taken(*sink).empty());
  Advance(options_.subscription.retry_ms);
  auto events = Taken(*sink);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].as_string(), "initial-response");
}

TEST_F(SubscriptionsTest, ClosedShardEndsWithChildShards) {
  Put("s", "before", "k");
  auto sink = Start(Pos("TRIM_HORIZON"));
  ASSERT_EQ(WaitEvents(*sink, 2).size(), 2u);
  Ok("SplitShard", Map({{"StreamName", Str("s")}, {"ShardToSplit", Str(ShardId(0))},
                        {"NewStartingHashKey", Str("170141183460469231731687303715884105728")}}));
  // The split closes shard 0; the subscription learns it at its next wake-up.
  Advance(5'000);
  ASSERT_TRUE(sink->ended);
  EXPECT_FALSE(sink->end_error.has_value());
  auto events = Taken(*sink);
  const Value& last = events.back();
  EXPECT_EQ(last.Find("ContinuationSequenceNumber"), nullptr);
  const Value* children = last.Find("ChildShards");
  ASSERT_NE(children, nullptr);
  ASSERT_EQ(children->items().size(), 2u);
  EXPECT_EQ(Field(children->items()[0], "ShardId"), ShardId(1));
  EXPECT_EQ(children->items()[0].Find("ParentShards")->items()[0].as_string(), ShardId(0));
  EXPECT_EQ(Field(children->items()[1], "ShardId"), ShardId(2));
}

TEST_F(SubscriptionsTest, SubscribingAtTheEndOfAClosedShardEndsAtOnce) {
  Put("s", "old", "k");
  Ok("SplitShard", Map({{"StreamName", Str("s")}, {"ShardToSplit", Str(ShardId(0))},
                        {"NewStartingHashKey", Str("170141183460469231731687303715884105728")}}));
  Advance(options_.transition_ms);
  auto sink = Start(Pos("TRIM_HORIZON"));
  auto events = WaitEvents(*sink, 2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(DataOf(events[1]), (std::vector<std::string>{"old"}));
  EXPECT_NE(events[1].Find("ChildShards"), nullptr);
  EXPECT_EQ(events[1].Find("ContinuationSequenceNumber"), nullptr);
  EXPECT_TRUE(sink->ended);
}

TEST_F(SubscriptionsTest, DeregisteredConsumerEndsWithResourceNotFound) {
  auto sink = Start(Pos("LATEST"));
  Ok("DeregisterStreamConsumer", Map({{"ConsumerARN", Str(consumer_arn_)}}));
  Advance(5'000);
  ASSERT_TRUE(sink->ended);
  ASSERT_TRUE(sink->end_error.has_value());
  EXPECT_EQ(sink->end_error->code, "ResourceNotFoundException");
}

TEST_F(SubscriptionsTest, EventsRespectThePerEventLimits) {
  options_.subscription.max_event_records = 2;
  service_.reset();
  service_ = std::make_unique<KinesisService>(store_.get(), &clock_, &executor_, options_);
  for (const char* d : {"1", "2", "3", "4", "5"}) Put("s", d, "k");
  auto sink = Start(Pos("TRIM_HORIZON"));
  auto events = WaitEvents(*sink, 4);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(DataOf(events[1]), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(DataOf(events[3]), (std::vector<std::string>{"5"}));
  EXPECT_EQ(events[1].Find("MillisBehindLatest")->as_int(), 0);  // no time has passed
}

TEST_F(SubscriptionsTest, MillisBehindLatestWhenCatchingUp) {
  options_.subscription.max_event_records = 1;
  service_.reset();
  service_ = std::make_unique<KinesisService>(store_.get(), &clock_, &executor_, options_);
  Put("s", "old", "k");
  Advance(7'000);
  Put("s", "new", "k");
  Advance(5'000);
  auto sink = Start(Pos("TRIM_HORIZON"));
  auto events = WaitEvents(*sink, 3);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1].Find("MillisBehindLatest")->as_int(), 12'000);
  EXPECT_EQ(events[2].Find("MillisBehindLatest")->as_int(), 0);
}

class LimitedSubscriptionsTest : public SubscriptionsTest {
 protected:
  KinesisOptions Options() override {
    KinesisOptions o = SubscriptionsTest::Options();
    o.enforce_limits = true;
    o.subscription.max_event_bytes = 1 << 20;
    return o;
  }
};

TEST_F(LimitedSubscriptionsTest, TwoMiBPerSecondPerConsumerAndShard) {
  std::string mib(1 << 20, 'x');
  mib.resize((1 << 20) - 1);  // with the partition key: exactly 1 MiB
  for (int i = 0; i < 3; ++i) {
    Put("s", mib, "k");
    Advance(1'000);  // within the shard's write limit
  }
  // Bucket full (2 MiB): two events go out; the third waits for a refill.
  auto sink = Start(Pos("TRIM_HORIZON"));
  auto events = WaitEvents(*sink, 3);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1].Find("Records")->items().size(), 1u);
  EXPECT_EQ(events[2].Find("Records")->items().size(), 1u);
  executor_.RunReady();
  EXPECT_EQ(Taken(*sink).size(), 3u);
  // 2 MiB taken from a 2 MiB bucket leaves nothing; 1 MiB more needs no
  // wait as long as a token is there: the first millisecond brings one.
  Advance(1);
  EXPECT_EQ(WaitEvents(*sink, 4).size(), 4u);
  // That event put the bucket 1 MiB into debt: nothing for ~0.5 s.
  Put("s", "small", "k");
  executor_.RunReady();
  std::this_thread::sleep_for(20ms);
  executor_.RunReady();
  EXPECT_EQ(Taken(*sink).size(), 4u);
  Advance(600);
  EXPECT_EQ(WaitEvents(*sink, 5).size(), 5u);
}

TEST_F(SubscriptionsTest, ShutdownEndsSubscriptions) {
  auto sink = Start(Pos("LATEST"));
  service_->Shutdown();
  EXPECT_TRUE(sink->ended);
  EXPECT_FALSE(sink->end_error.has_value());
  Error e = Refused(Pos("LATEST"));
  EXPECT_EQ(e.code, "InternalFailureException");
}

TEST_F(SubscriptionsTest, FromInputReadsTheDecodedRequest) {
  Value in = Map({{"ConsumerARN", Str("arn")}, {"ShardId", Str("shardId-000000000001")},
                  {"StartingPosition", Map({{"Type", Str("AT_TIMESTAMP")},
                                            {"Timestamp", Value::Timestamp(1234)}})}});
  SubscribeRequest r = SubscribeRequest::FromInput(in);
  EXPECT_EQ(r.consumer_arn, "arn");
  EXPECT_EQ(r.shard_id, "shardId-000000000001");
  EXPECT_EQ(r.starting_position.type, "AT_TIMESTAMP");
  EXPECT_EQ(r.starting_position.timestamp_ms, 1234);
  EXPECT_FALSE(r.starting_position.sequence_number.has_value());
}

}  // namespace
}  // namespace sluice::kinesis::testing
