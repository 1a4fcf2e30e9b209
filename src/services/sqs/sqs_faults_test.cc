// Store faults: when the store cannot write, requests fail with AWS's
// InternalFailure / ServiceUnavailable, nothing unacknowledged is reported
// as sent, and service resumes once writing works again.
#include <gtest/gtest.h>

#include <chrono>
#include <future>

#include "common/clock.h"
#include "common/executor.h"
#include "services/sqs/sqs_service.h"
#include "storage/kv_store.h"
#include "storage/queue_store.h"

namespace sluice::sqs {
namespace {

using namespace std::chrono_literals;

class SqsFaultsTest : public ::testing::Test {
 protected:
  SqsFaultsTest() : clock_(1'700'000'000'000), executor_(&clock_) {}

  void SetUp() override {
    kv_ = storage::OpenMemoryKvStore();
    store_ = std::move(storage::OpenEmbeddedQueueStore(kv_.get(), clock_.NowMillis())).value();
    sqs_ = std::make_unique<SqsService>(store_.get(), &clock_, &executor_, SqsOptions{});
    ctx_.account_id = "000000000000";
    ctx_.host = "localhost:4566";
  }

  Result<Value> Call(const std::string& op, Value in) {
    auto p = std::make_shared<std::promise<Result<Value>>>();
    auto f = p->get_future();
    sqs_->Invoke(ctx_, op, std::move(in), [p](Result<Value> r) { p->set_value(std::move(r)); });
    for (int i = 0; i < 2000; ++i) {
      executor_.RunReady();
      if (f.wait_for(1ms) == std::future_status::ready) return f.get();
    }
    ADD_FAILURE() << op << " did not complete";
    return Error{"Timeout", ""};
  }

  std::string CreateQueue(const std::string& name) {
    Value in = Value::Map();
    in.Set("QueueName", Value::String(name));
    auto r = Call("CreateQueue", std::move(in));
    EXPECT_TRUE(r.ok());
    return *r->GetString("QueueUrl");
  }

  Result<Value> Send(const std::string& url, const std::string& body) {
    Value in = Value::Map();
    in.Set("QueueUrl", Value::String(url));
    in.Set("MessageBody", Value::String(body));
    return Call("SendMessage", std::move(in));
  }

  std::vector<std::string> ReceiveAll(const std::string& url) {
    Value in = Value::Map();
    in.Set("QueueUrl", Value::String(url));
    in.Set("MaxNumberOfMessages", Value::Int(10));
    auto r = Call("ReceiveMessage", std::move(in));
    EXPECT_TRUE(r.ok());
    std::vector<std::string> bodies;
    if (r.ok()) {
      if (const Value* msgs = r->Find("Messages")) {
        for (const Value& m : msgs->items()) bodies.push_back(*m.GetString("Body"));
      }
    }
    return bodies;
  }

  ManualClock clock_;
  ManualExecutor executor_;
  std::unique_ptr<storage::KvStore> kv_;
  std::unique_ptr<storage::QueueStore> store_;
  std::unique_ptr<SqsService> sqs_;
  CallContext ctx_;
};

TEST_F(SqsFaultsTest, FailedWritesAreErrorsAndNothingIsReportedSent) {
  std::string url = CreateQueue("faults");
  ASSERT_TRUE(Send(url, "before").ok());

  kv_->InjectWriteFailure(Error{"ServiceUnavailable", "No space left on device", 503, false});
  auto failed = Send(url, "during");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, "ServiceUnavailable");
  EXPECT_EQ(failed.error().http_status, 503);
  // Creating a queue fails too, and leaves nothing behind.
  Value in = Value::Map();
  in.Set("QueueName", Value::String("never"));
  auto created = Call("CreateQueue", std::move(in));
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, "ServiceUnavailable");

  kv_->InjectWriteFailure(std::nullopt);
  // The failed send is not there; the acknowledged one is.
  EXPECT_EQ(ReceiveAll(url), std::vector<std::string>{"before"});
  Value get = Value::Map();
  get.Set("QueueName", Value::String("never"));
  EXPECT_FALSE(Call("GetQueueUrl", std::move(get)).ok());
  // Service resumes.
  ASSERT_TRUE(Send(url, "after").ok());
  EXPECT_EQ(ReceiveAll(url), std::vector<std::string>{"after"});
}

TEST_F(SqsFaultsTest, InternalFailureFromTheStoreReachesTheCaller) {
  std::string url = CreateQueue("internal");
  kv_->InjectWriteFailure(Error{"InternalFailure", "write failed: IO error", 500, false});
  auto r = Send(url, "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "InternalFailure");
  EXPECT_EQ(r.error().http_status, 500);
  kv_->InjectWriteFailure(std::nullopt);
  EXPECT_TRUE(ReceiveAll(url).empty());
}

}  // namespace
}  // namespace sluice::sqs
