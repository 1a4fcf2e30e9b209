// SubscribeToShard through KinesisService::InvokeStream, with a fake response
// body standing for the front end: what reaches the body, in which order, and
// how the body's state (backed up, closed, never opened) steers the
// subscription.
#include "services/kinesis/subscription_stream.h"

#include <mutex>

#include "services/kinesis/kinesis_test_util.h"

namespace sluice::kinesis::testing {
namespace {

class FakeBody : public ResponseStream {
 public:
  bool Write(std::string bytes) override {
    std::lock_guard<std::mutex> lock(mu);
    if (closed || ended) return false;
    written.push_back(std::move(bytes));
    return true;
  }
  void End() override {
    std::lock_guard<std::mutex> lock(mu);
    ended = true;
  }
  size_t buffered_bytes() const override {
    std::lock_guard<std::mutex> lock(mu);
    return buffered;
  }
  void OnDrained(size_t low, std::function<void()> callback) override {
    std::lock_guard<std::mutex> lock(mu);
    low_watermark = low;
    on_drained = std::move(callback);
  }
  void OnClosed(std::function<void()> callback) override {
    std::lock_guard<std::mutex> lock(mu);
    on_closed = std::move(callback);
  }

  std::vector<std::string> Written() {
    std::lock_guard<std::mutex> lock(mu);
    return written;
  }

  mutable std::mutex mu;
  std::vector<std::string> written;
  bool ended = false;
  bool closed = false;
  size_t buffered = 0;
  size_t low_watermark = 0;
  std::function<void()> on_drained;
  std::function<void()> on_closed;
};

class SubscriptionStreamTest : public KinesisTest {
 protected:
  void SetUp() override {
    KinesisTest::SetUp();
    Create("s", 1);
    Value out = Ok("RegisterStreamConsumer", Map({{"StreamARN", Str(Arn("s"))},
                                                 {"ConsumerName", Str("c")}}));
    Advance(options_.transition_ms);
    consumer_arn_ = Field(out, "Consumer", "ConsumerARN");
  }

  // Frames are readable names: "initial", "event:<n records>", "exception:<code>".
  static EventEncoder Encoder() {
    EventEncoder e;
    e.initial_response = [] { return std::string("initial"); };
    e.event = [](const Value& v) {
      const Value* records = v.Find("Records");
      return "event:" + std::to_string(records ? records->items().size() : 0);
    };
    e.exception = [](const Error& error) { return "exception:" + error.code; };
    return e;
  }

  Value Input(const std::string& type = "LATEST") {
    return Map({{"ConsumerARN", Str(consumer_arn_)},
                {"ShardId", Str("shardId-000000000000")},
                {"StartingPosition", Map({{"Type", Str(type)}})}});
  }

  Result<StreamProducer> Call(Value input) {
    std::optional<Result<StreamProducer>> got;
    service_->InvokeStream(ctx_, "SubscribeToShard", std::move(input), Encoder(),
                           [&](Result<StreamProducer> r) { got.emplace(std::move(r)); });
    EXPECT_TRUE(got.has_value());
    if (!got) return Error{"NoAnswer", ""};
    return std::move(*got);
  }

  size_t Active() { return service_->subscriptions().ActiveCount(); }

  std::string consumer_arn_;
};

TEST_F(SubscriptionStreamTest, OnlySubscribeToShardStreams) {
  EXPECT_TRUE(service_->StreamsOutput("SubscribeToShard"));
  EXPECT_FALSE(service_->StreamsOutput("GetRecords"));
  // Through the plain path it cannot answer.
  EXPECT_EQ(Fails("SubscribeToShard", Input()).code, "InternalFailure");
}

TEST_F(SubscriptionStreamTest, ErrorsComeBackInsteadOfAStream) {
  Value in = Input();
  in.Set("ShardId", Str("shardId-000000000009"));
  auto r = Call(std::move(in));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "ResourceNotFoundException");
  EXPECT_EQ(Active(), 0u);
}

TEST_F(SubscriptionStreamTest, WhatWasSentBeforeTheBodyOpenedComesFirstInOrder) {
  Put("s", "a", "k");
  auto producer = Call(Input("TRIM_HORIZON"));
  ASSERT_TRUE(producer.ok());
  executor_.RunReady();  // initial-response and the backlog event, before the body exists
  auto body = std::make_shared<FakeBody>();
  (*producer)(body);
  EXPECT_EQ(body->Written(), (std::vector<std::string>{"initial", "event:1"}));
  Put("s", "b", "k");
  Put("s", "c", "k");
  for (int i = 0; i < 1000 && body->Written().size() < 3; ++i) {
    executor_.RunReady();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  auto written = body->Written();
  ASSERT_GE(written.size(), 3u);
  EXPECT_TRUE(written[2] == "event:1" || written[2] == "event:2") << written[2];
  EXPECT_EQ(Active(), 1u);
}

TEST_F(SubscriptionStreamTest, AProducerNeverCalledCancelsTheSubscription) {
  {
    auto producer = Call(Input());
    ASSERT_TRUE(producer.ok());
    StreamProducer copy = *producer;  // copies share one fate
    executor_.RunReady();
    EXPECT_EQ(Active(), 1u);
  }
  executor_.RunReady();
  EXPECT_EQ(Active(), 0u);
}

TEST_F(SubscriptionStreamTest, AClosedBodyCancelsTheSubscription) {
  auto producer = Call(Input());
  ASSERT_TRUE(producer.ok());
  auto body = std::make_shared<FakeBody>();
  (*producer)(body);
  executor_.RunReady();
  ASSERT_TRUE(body->on_closed);
  body->closed = true;
  body->on_closed();
  executor_.RunReady();
  EXPECT_EQ(Active(), 0u);
  EXPECT_FALSE(body->ended);  // the client is gone: nothing more is written
}

TEST_F(SubscriptionStreamTest, ABackedUpBodyHoldsEventsUntilDrained) {
  auto producer = Call(Input());
  ASSERT_TRUE(producer.ok());
  auto body = std::make_shared<FakeBody>();
  (*producer)(body);
  executor_.RunReady();
  size_t before = body->Written().size();
  EXPECT_EQ(before, 2u);  // initial-response, first event
  body->buffered = 1 << 20;  // over the high-water mark
  Put("s", "a", "k");
  for (int i = 0; i < 50; ++i) {
    executor_.RunReady();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(body->Written().size(), before);
  body->buffered = 0;
  ASSERT_TRUE(body->on_drained);
  EXPECT_LT(body->low_watermark, size_t{1} << 20);
  body->on_drained();
  executor_.RunReady();
  auto written = body->Written();
  ASSERT_EQ(written.size(), before + 1);
  EXPECT_EQ(written.back(), "event:1");
}

TEST_F(SubscriptionStreamTest, AnErrorEndWritesTheExceptionThenEnds) {
  auto producer = Call(Input());
  ASSERT_TRUE(producer.ok());
  auto body = std::make_shared<FakeBody>();
  (*producer)(body);
  executor_.RunReady();
  Ok("DeregisterStreamConsumer", Map({{"ConsumerARN", Str(consumer_arn_)}}));
  Advance(options_.subscription.heartbeat_ms);
  executor_.RunReady();
  auto written = body->Written();
  ASSERT_FALSE(written.empty());
  EXPECT_EQ(written.back(), "exception:ResourceNotFoundException");
  EXPECT_TRUE(body->ended);
}

TEST_F(SubscriptionStreamTest, ANormalEndBeforeTheBodyOpenedEndsItAtOnce) {
  auto producer = Call(Input());
  ASSERT_TRUE(producer.ok());
  executor_.RunReady();
  Advance(options_.subscription.lifetime_ms);
  executor_.RunReady();
  EXPECT_EQ(Active(), 0u);
  auto body = std::make_shared<FakeBody>();
  (*producer)(body);
  EXPECT_TRUE(body->ended);
  EXPECT_EQ(body->Written().front(), "initial");
}

}  // namespace
}  // namespace sluice::kinesis::testing
