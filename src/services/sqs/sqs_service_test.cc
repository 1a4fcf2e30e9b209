// SqsService end to end below the wire: Values in, Values or Errors out, over
// the embedded store on the in-memory KvStore. Time is a ManualClock driven
// through a ManualExecutor, so visibility timeouts, delays, retention and long
// polls are tested without sleeping; the only real waiting is for the store's
// committer thread to hand back completions.
#include "services/sqs/sqs_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/executor.h"
#include "storage/kv_store.h"
#include "storage/queue_store.h"

namespace sluice::sqs {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;

constexpr int64_t kT0 = 1'700'000'000'000;
constexpr char kAccount[] = "123456789012";

// ------------------------------------------------------------ Value helpers

Value Str(std::string s) { return Value::String(std::move(s)); }
Value Int(int64_t i) { return Value::Int(i); }

Value Map(std::vector<std::pair<std::string, Value>> members) {
  Value m = Value::Map();
  for (auto& [k, v] : members) m.Set(k, std::move(v));
  return m;
}

Value StrMap(std::vector<std::pair<std::string, std::string>> members) {
  Value m = Value::Map();
  for (auto& [k, v] : members) m.Set(k, Value::String(v));
  return m;
}

Value StrList(std::vector<std::string> items) {
  Value l = Value::List();
  for (auto& s : items) l.Append(Value::String(std::move(s)));
  return l;
}

Value StringAttribute(const std::string& value, const std::string& type = "String") {
  return Map({{"DataType", Str(type)}, {"StringValue", Str(value)}});
}

// A call in progress. `done` may run on the store's committer thread.
struct Pending {
  std::future<Result<Value>> future;
  std::shared_ptr<std::atomic<int>> calls;
  bool ready() const { return future.wait_for(0s) == std::future_status::ready; }
};

class SqsServiceTest : public ::testing::Test {
 protected:
  SqsServiceTest() : clock_(kT0), executor_(&clock_) {}

  void SetUp() override {
    kv_ = storage::OpenMemoryKvStore();
    auto s = storage::OpenEmbeddedQueueStore(kv_.get(), clock_.NowMillis());
    ASSERT_TRUE(s.ok());
    store_ = std::move(s).value();
    sqs_ = std::make_unique<SqsService>(store_.get(), &clock_, &executor_, SqsOptions{});
    ctx_.account_id = kAccount;
    ctx_.region = "us-east-1";
    ctx_.host = "localhost:4566";
    ctx_.request_id = "req";
  }

  void TearDown() override {
    sqs_.reset();
    kv_->Close();  // the committer calls into the store: drain it first
    store_.reset();
    kv_.reset();
  }

  Pending Start(std::string_view op, Value input) {
    auto p = std::make_shared<std::promise<Result<Value>>>();
    auto calls = std::make_shared<std::atomic<int>>(0);
    Pending pending{p->get_future(), calls};
    sqs_->Invoke(ctx_, op, std::move(input), [p, calls](Result<Value> r) {
      if (calls->fetch_add(1) == 0) p->set_value(std::move(r));
    });
    return pending;
  }

  // Runs ready executor work until the call completes (or a generous real
  // time budget runs out, which only a lost completion reaches). The clock
  // does not move.
  bool Settle(Pending& p, std::chrono::milliseconds budget = 10'000ms) {
    auto end = std::chrono::steady_clock::now() + budget;
    for (;;) {
      executor_.RunReady();
      if (p.future.wait_for(1ms) == std::future_status::ready) return true;
      if (std::chrono::steady_clock::now() > end) return false;
    }
  }

  // True when the call has not completed after its ready work ran out.
  bool StillWaiting(Pending& p) { return !Settle(p, 50ms); }

  Result<Value> Finish(Pending& p) {
    if (!Settle(p)) return Error{"Timeout", "the call did not complete"};
    Result<Value> r = p.future.get();
    EXPECT_EQ(p.calls->load(), 1) << "done called more than once";
    return r;
  }

  Result<Value> Call(std::string_view op, Value input) {
    Pending p = Start(op, std::move(input));
    return Finish(p);
  }

  Value Ok(std::string_view op, Value input) {
    auto r = Call(op, std::move(input));
    EXPECT_TRUE(r.ok()) << op << ": " << r.error().code << ": " << r.error().message;
    return r.ok() ? *r : Value();
  }

  // Expects an error; returns it.
  Error Fails(std::string_view op, Value input) {
    auto r = Call(op, std::move(input));
    EXPECT_FALSE(r.ok()) << op << " succeeded";
    return r.ok() ? Error{} : r.error();
  }

  std::string CreateQueue(const std::string& name,
                          std::vector<std::pair<std::string, std::string>> attrs = {}) {
    Value in = Map({{"QueueName", Str(name)}});
    if (!attrs.empty()) in.Set("Attributes", StrMap(attrs));
    Value out = Ok("CreateQueue", std::move(in));
    return out.GetString("QueueUrl").value_or("");
  }

  Value Send(const std::string& url, const std::string& body,
             std::vector<std::pair<std::string, Value>> extra = {}) {
    Value in = Map({{"QueueUrl", Str(url)}, {"MessageBody", Str(body)}});
    for (auto& [k, v] : extra) in.Set(k, std::move(v));
    return Ok("SendMessage", std::move(in));
  }

  Value ReceiveInput(const std::string& url, std::vector<std::pair<std::string, Value>> extra = {}) {
    Value in = Map({{"QueueUrl", Str(url)}});
    for (auto& [k, v] : extra) in.Set(k, std::move(v));
    return in;
  }

  // The Messages of a ReceiveMessage answer (empty when none).
  static std::vector<Value> Messages(const Value& out) {
    const Value* m = out.Find("Messages");
    return m ? m->items() : std::vector<Value>{};
  }
  static std::vector<std::string> Bodies(const Value& out) {
    std::vector<std::string> b;
    for (const auto& m : Messages(out)) b.push_back(m.GetString("Body").value_or("?"));
    return b;
  }

  std::vector<Value> Receive(const std::string& url, std::vector<std::pair<std::string, Value>> extra = {}) {
    return Messages(Ok("ReceiveMessage", ReceiveInput(url, std::move(extra))));
  }

  std::string Attribute(const std::string& url, const std::string& name) {
    Value out = Ok("GetQueueAttributes", Map({{"QueueUrl", Str(url)}, {"AttributeNames", StrList({name})}}));
    const Value* attrs = out.Find("Attributes");
    if (!attrs) return "<absent>";
    return attrs->GetString(name).value_or("<absent>");
  }

  void ExpectCounts(const std::string& url, int visible, int not_visible, int delayed) {
    Value out = Ok("GetQueueAttributes", Map({{"QueueUrl", Str(url)}, {"AttributeNames", StrList({"All"})}}));
    const Value* a = out.Find("Attributes");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->GetString("ApproximateNumberOfMessages"), std::to_string(visible));
    EXPECT_EQ(a->GetString("ApproximateNumberOfMessagesNotVisible"), std::to_string(not_visible));
    EXPECT_EQ(a->GetString("ApproximateNumberOfMessagesDelayed"), std::to_string(delayed));
  }

  ManualClock clock_;
  ManualExecutor executor_;
  std::unique_ptr<storage::KvStore> kv_;
  std::unique_ptr<storage::QueueStore> store_;
  std::unique_ptr<SqsService> sqs_;
  CallContext ctx_;
};

// ------------------------------------------------------------- CreateQueue

TEST_F(SqsServiceTest, CreateQueueReturnsItsUrl) {
  EXPECT_EQ(CreateQueue("orders"), "http://localhost:4566/123456789012/orders");
  ctx_.host = "sluice.internal:9000";
  Value out = Ok("GetQueueUrl", Map({{"QueueName", Str("orders")}}));
  EXPECT_EQ(out.GetString("QueueUrl"), "http://sluice.internal:9000/123456789012/orders");
  ctx_.host.clear();
  out = Ok("GetQueueUrl", Map({{"QueueName", Str("orders")}}));
  EXPECT_EQ(out.GetString("QueueUrl"), "http://localhost:4566/123456789012/orders");
}

TEST_F(SqsServiceTest, CreateQueueIsIdempotentForMatchingAttributes) {
  std::string url = CreateQueue("q", {{"VisibilityTimeout", "60"}});
  EXPECT_EQ(CreateQueue("q", {{"VisibilityTimeout", "60"}}), url);
  EXPECT_EQ(CreateQueue("q"), url);  // no attributes given: nothing to conflict
  // A default given explicitly matches the effective value.
  EXPECT_EQ(CreateQueue("q", {{"DelaySeconds", "0"}}), url);

  Value in = Map({{"QueueName", Str("q")}, {"Attributes", StrMap({{"VisibilityTimeout", "30"}})}});
  Error e = Fails("CreateQueue", std::move(in));
  EXPECT_EQ(e.code, "QueueNameExists");
  EXPECT_NE(e.message.find("VisibilityTimeout"), std::string::npos) << e.message;
  // The existing queue is unchanged.
  EXPECT_EQ(Attribute(url, "VisibilityTimeout"), "60");
  Value list = Ok("ListQueues", Value::Map());
  EXPECT_EQ(list.Find("QueueUrls")->items().size(), 1u);
}

TEST_F(SqsServiceTest, CreateQueueNameRules) {
  EXPECT_EQ(Fails("CreateQueue", Value::Map()).code, "MissingParameter");
  EXPECT_EQ(Fails("CreateQueue", Map({{"QueueName", Str("")}})).message,
            "The request must contain the parameter QueueName.");
  std::string max(80, 'q');
  EXPECT_FALSE(CreateQueue(max).empty());
  EXPECT_FALSE(CreateQueue("Az09_-").empty());
  for (const std::string& bad : {std::string(81, 'q'), "has space"s, "dot.name"s, "slash/x"s,
                                 "\xc3\xa9t\xc3\xa9"s, "star*"s}) {
    EXPECT_EQ(Fails("CreateQueue", Map({{"QueueName", Str(bad)}})).code, "InvalidParameterValue") << bad;
  }
  // A .fifo name needs FifoQueue=true; FifoQueue=true needs a .fifo name.
  EXPECT_EQ(Fails("CreateQueue", Map({{"QueueName", Str("q.fifo")}})).code, "InvalidParameterValue");
  EXPECT_EQ(Fails("CreateQueue", Map({{"QueueName", Str("plain")},
                                      {"Attributes", StrMap({{"FifoQueue", "true"}})}}))
                .code,
            "InvalidParameterValue");
  // FIFO attributes, FifoQueue=false included, do not exist on standard queues.
  EXPECT_EQ(Fails("CreateQueue", Map({{"QueueName", Str("plain")},
                                      {"Attributes", StrMap({{"FifoQueue", "false"}})}}))
                .code,
            "InvalidAttributeName");
  EXPECT_FALSE(store_->FindQueue(kAccount, "plain").has_value());
}

TEST_F(SqsServiceTest, CreateQueueValidatesAttributes) {
  struct Case {
    std::string name, value, code;
  };
  const Case cases[] = {
      {"VisibilityTimeout", "43201", "InvalidAttributeValue"},
      {"VisibilityTimeout", "-1", "InvalidAttributeValue"},
      {"VisibilityTimeout", "ten", "InvalidAttributeValue"},
      {"MessageRetentionPeriod", "59", "InvalidAttributeValue"},
      {"MessageRetentionPeriod", "1209601", "InvalidAttributeValue"},
      {"DelaySeconds", "901", "InvalidAttributeValue"},
      {"MaximumMessageSize", "1023", "InvalidAttributeValue"},
      {"ReceiveMessageWaitTimeSeconds", "21", "InvalidAttributeValue"},
      {"SqsManagedSseEnabled", "yes", "InvalidAttributeValue"},
      {"Bogus", "1", "InvalidAttributeName"},
      {"ApproximateNumberOfMessages", "1", "InvalidAttributeName"},  // computed, not settable
      {"ContentBasedDeduplication", "true", "InvalidAttributeName"},  // FIFO only
  };
  for (const Case& c : cases) {
    Error e = Fails("CreateQueue", Map({{"QueueName", Str("q")}, {"Attributes", StrMap({{c.name, c.value}})}}));
    EXPECT_EQ(e.code, c.code) << c.name << "=" << c.value << ": " << e.message;
  }
  EXPECT_FALSE(store_->FindQueue(kAccount, "q").has_value());
  std::string url = CreateQueue("q", {{"VisibilityTimeout", "43200"}, {"MessageRetentionPeriod", "60"},
                                      {"MaximumMessageSize", "1024"}, {"DelaySeconds", "900"}});
  EXPECT_EQ(Attribute(url, "MaximumMessageSize"), "1024");
}

TEST_F(SqsServiceTest, GetQueueUrlAndDeleteQueue) {
  std::string url = CreateQueue("q");
  EXPECT_EQ(Ok("GetQueueUrl", Map({{"QueueName", Str("q")}})).GetString("QueueUrl"), url);
  EXPECT_EQ(Fails("GetQueueUrl", Map({{"QueueName", Str("nope")}})).code, "QueueDoesNotExist");
  EXPECT_EQ(Fails("GetQueueUrl", Map({{"QueueName", Str("q")}, {"QueueOwnerAWSAccountId", Str("999999999999")}})).code,
            "QueueDoesNotExist");

  Send(url, "m");
  Ok("DeleteQueue", Map({{"QueueUrl", Str(url)}}));
  EXPECT_EQ(Fails("GetQueueUrl", Map({{"QueueName", Str("q")}})).code, "QueueDoesNotExist");
  EXPECT_EQ(Fails("SendMessage", Map({{"QueueUrl", Str(url)}, {"MessageBody", Str("x")}})).code,
            "QueueDoesNotExist");
  EXPECT_EQ(Fails("ReceiveMessage", ReceiveInput(url)).code, "QueueDoesNotExist");
  EXPECT_EQ(Fails("DeleteQueue", Map({{"QueueUrl", Str(url)}})).code, "QueueDoesNotExist");
}

TEST_F(SqsServiceTest, DeletedQueueNameIsReusableAfterSixtySeconds) {
  std::string url = CreateQueue("q");
  Send(url, "old");
  Ok("DeleteQueue", Map({{"QueueUrl", Str(url)}}));
  EXPECT_EQ(Fails("CreateQueue", Map({{"QueueName", Str("q")}})).code, "QueueDeletedRecently");
  EXPECT_FALSE(CreateQueue("other").empty());  // only that name is held back
  executor_.Advance(59'999);
  EXPECT_EQ(Fails("CreateQueue", Map({{"QueueName", Str("q")}})).code, "QueueDeletedRecently");
  executor_.Advance(1);
  EXPECT_EQ(CreateQueue("q"), url);
  // The new queue has none of the old one's messages.
  EXPECT_TRUE(Receive(url).empty());
  ExpectCounts(url, 0, 0, 0);
}

TEST_F(SqsServiceTest, QueueUrlsResolveByPathWhateverTheHost) {
  CreateQueue("q");
  for (const char* url : {"http://localhost:4566/123456789012/q", "https://other.example:1/123456789012/q",
                          "/123456789012/q", "123456789012/q", "http://h/123456789012/q/"}) {
    EXPECT_TRUE(Call("GetQueueAttributes", Map({{"QueueUrl", Str(url)}})).ok()) << url;
  }
  for (const char* url : {"http://localhost:4566/q", "http://localhost:4566/123456789012/q/extra",
                          "http://localhost:4566/000000000000/q", "http://localhost:4566"}) {
    EXPECT_EQ(Fails("GetQueueAttributes", Map({{"QueueUrl", Str(url)}})).code, "QueueDoesNotExist") << url;
  }
  EXPECT_EQ(Fails("GetQueueAttributes", Value::Map()).code, "MissingParameter");
}

TEST_F(SqsServiceTest, UnknownOperationIsUnsupported) {
  EXPECT_EQ(Fails("FlyToTheMoon", Value::Map()).code, "UnsupportedOperation");
}

// ------------------------------------------------------------- SendMessage

TEST_F(SqsServiceTest, SendMessageAnswersWithDigestsAndAnId) {
  std::string url = CreateQueue("q");
  Value out = Send(url, "Body");
  EXPECT_EQ(out.GetString("MD5OfMessageBody"), "ac101b32dda4448cf13a93fe283dddd8");
  EXPECT_EQ(out.Find("MD5OfMessageAttributes"), nullptr);
  std::string id = out.GetString("MessageId").value_or("");
  EXPECT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << id;

  Value attrs = Map({{"Hello", StringAttribute("There")}, {"General", StringAttribute("Kenobi")}});
  Value with = Send(url, "abc", {{"MessageAttributes", attrs}});
  EXPECT_EQ(with.GetString("MD5OfMessageBody"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(with.GetString("MD5OfMessageAttributes"), "fca026605781cb4126a1e9044df24232");
  EXPECT_NE(with.GetString("MessageId"), out.GetString("MessageId"));
}

TEST_F(SqsServiceTest, SendMessageValidation) {
  std::string url = CreateQueue("q", {{"MaximumMessageSize", "1024"}});
  EXPECT_EQ(Fails("SendMessage", Map({{"QueueUrl", Str(url)}})).code, "MissingParameter");
  EXPECT_EQ(Fails("SendMessage", Map({{"QueueUrl", Str(url)}, {"MessageBody", Str("")}})).code,
            "MissingParameter");
  Error chars = Fails("SendMessage", Map({{"QueueUrl", Str(url)}, {"MessageBody", Str("bad\x01")}}));
  EXPECT_EQ(chars.code, "InvalidMessageContents");
  EXPECT_EQ(Fails("SendMessage", Map({{"QueueUrl", Str(url)}, {"MessageBody", Str("x")}, {"DelaySeconds", Int(901)}})).code,
            "InvalidParameterValue");
  EXPECT_EQ(Fails("SendMessage", Map({{"QueueUrl", Str(url)}, {"MessageBody", Str("x")}, {"DelaySeconds", Int(-1)}})).code,
            "InvalidParameterValue");
  Error bad_attr = Fails("SendMessage", Map({{"QueueUrl", Str(url)}, {"MessageBody", Str("x")},
                                             {"MessageAttributes", Map({{"AWS.x", StringAttribute("v")}})}}));
  EXPECT_EQ(bad_attr.code, "InvalidParameterValue");

  // The size limit counts the body and every attribute's name, type and value.
  Send(url, std::string(1024, 'b'));
  EXPECT_EQ(Fails("SendMessage", Map({{"QueueUrl", Str(url)}, {"MessageBody", Str(std::string(1025, 'b'))}})).code,
            "InvalidParameterValue");
  EXPECT_EQ(Fails("SendMessage", Map({{"QueueUrl", Str(url)}, {"MessageBody", Str(std::string(1000, 'b'))},
                                      {"MessageAttributes", Map({{"name", StringAttribute(std::string(15, 'v'))}})}}))
                .code,
            "InvalidParameterValue");
  // Only the valid sends were stored.
  ExpectCounts(url, 1, 0, 0);
}

// ----------------------------------------------------------- ReceiveMessage

TEST_F(SqsServiceTest, ReceiveReturnsTheMessageWithItsAttributes) {
  std::string url = CreateQueue("q");
  Value attrs = Map({{"Hello", StringAttribute("There")},
                     {"Help.Me", StringAttribute("Me")},
                     {"General", StringAttribute("Kenobi")}});
  Value sent = Send(url, "Body", {{"MessageAttributes", attrs}});
  EXPECT_EQ(sent.GetString("MD5OfMessageAttributes"), "4c360f3fdafd970e05fae2f149d997f5");
  clock_.Advance(1234);

  auto msgs = Receive(url, {{"AttributeNames", StrList({"All"})}, {"MessageAttributeNames", StrList({"All"})}});
  ASSERT_EQ(msgs.size(), 1u);
  const Value& m = msgs[0];
  EXPECT_EQ(m.GetString("Body"), "Body");
  EXPECT_EQ(m.GetString("MD5OfBody"), "ac101b32dda4448cf13a93fe283dddd8");
  EXPECT_EQ(m.GetString("MessageId"), sent.GetString("MessageId"));
  EXPECT_FALSE(m.GetString("ReceiptHandle").value_or("").empty());
  EXPECT_EQ(m.GetString("MD5OfMessageAttributes"), "4c360f3fdafd970e05fae2f149d997f5");
  const Value* sys = m.Find("Attributes");
  ASSERT_NE(sys, nullptr);
  EXPECT_EQ(sys->GetString("SentTimestamp"), std::to_string(kT0));
  EXPECT_EQ(sys->GetString("ApproximateFirstReceiveTimestamp"), std::to_string(kT0 + 1234));
  EXPECT_EQ(sys->GetString("ApproximateReceiveCount"), "1");
  EXPECT_EQ(sys->GetString("SenderId"), kAccount);
  const Value* ma = m.Find("MessageAttributes");
  ASSERT_NE(ma, nullptr);
  ASSERT_NE(ma->Find("Help.Me"), nullptr);
  EXPECT_EQ(ma->Find("Help.Me")->GetString("StringValue"), "Me");
  EXPECT_EQ(ma->Find("Help.Me")->GetString("DataType"), "String");
}

TEST_F(SqsServiceTest, ReceiveReturnsOnlyRequestedAttributesAndDigestsThose) {
  std::string url = CreateQueue("q");
  Value attrs = Map({{"Hello", StringAttribute("There")},
                     {"Help.Me", StringAttribute("Me")},
                     {"General", StringAttribute("Kenobi")}});
  Send(url, "m", {{"MessageAttributes", attrs}});

  auto only_hello = Receive(url, {{"MessageAttributeNames", StrList({"Hello"})}, {"VisibilityTimeout", Int(0)}});
  ASSERT_EQ(only_hello.size(), 1u);
  EXPECT_EQ(only_hello[0].GetString("MD5OfMessageAttributes"), "a311262e065454b75da111d535b8dacd");
  EXPECT_EQ(only_hello[0].Find("MessageAttributes")->members().size(), 1u);
  EXPECT_EQ(only_hello[0].Find("Attributes"), nullptr);  // no system attributes asked for

  auto prefixed = Receive(url, {{"MessageAttributeNames", StrList({"Hello", "Help.*"})}, {"VisibilityTimeout", Int(0)}});
  ASSERT_EQ(prefixed.size(), 1u);
  EXPECT_EQ(prefixed[0].GetString("MD5OfMessageAttributes"), "83fee93c1bcd8b9a5a923ffacdc636c7");

  auto none = Receive(url, {{"VisibilityTimeout", Int(0)}});
  ASSERT_EQ(none.size(), 1u);
  EXPECT_EQ(none[0].Find("MessageAttributes"), nullptr);
  EXPECT_EQ(none[0].Find("MD5OfMessageAttributes"), nullptr);

  auto one_sys = Receive(url, {{"AttributeNames", StrList({"ApproximateReceiveCount"})}});
  ASSERT_EQ(one_sys.size(), 1u);
  ASSERT_NE(one_sys[0].Find("Attributes"), nullptr);
  EXPECT_EQ(one_sys[0].Find("Attributes")->members().size(), 1u);
  EXPECT_EQ(one_sys[0].Find("Attributes")->GetString("ApproximateReceiveCount"), "4");
}

TEST_F(SqsServiceTest, ReceiveValidation) {
  std::string url = CreateQueue("q");
  for (auto [name, value] : std::vector<std::pair<std::string, int64_t>>{
           {"MaxNumberOfMessages", 0}, {"MaxNumberOfMessages", 11}, {"WaitTimeSeconds", -1},
           {"WaitTimeSeconds", 21}, {"VisibilityTimeout", -1}, {"VisibilityTimeout", 43201}}) {
    Error e = Fails("ReceiveMessage", ReceiveInput(url, {{name, Int(value)}}));
    EXPECT_EQ(e.code, "InvalidParameterValue") << name << "=" << value;
    EXPECT_NE(e.message.find(name), std::string::npos) << e.message;
  }
  EXPECT_EQ(Fails("ReceiveMessage", ReceiveInput(url, {{"AttributeNames", StrList({"Bogus"})}})).code,
            "InvalidAttributeName");
}

TEST_F(SqsServiceTest, ReceiveHonoursMaxNumberOfMessagesInSendOrder) {
  std::string url = CreateQueue("q");
  for (int i = 0; i < 12; ++i) Send(url, std::string("m") + std::to_string(i));
  auto ten = Bodies(Ok("ReceiveMessage", ReceiveInput(url, {{"MaxNumberOfMessages", Int(10)}})));
  ASSERT_EQ(ten.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(ten[i], std::string("m") + std::to_string(i));
  EXPECT_EQ(Bodies(Ok("ReceiveMessage", ReceiveInput(url, {{"MaxNumberOfMessages", Int(10)}}))),
            (std::vector<std::string>{"m10", "m11"}));
  EXPECT_TRUE(Receive(url).empty());
}

TEST_F(SqsServiceTest, VisibilityTimeoutExpiresOnTheClock) {
  std::string url = CreateQueue("q");
  Send(url, "m");
  ASSERT_EQ(Receive(url, {{"VisibilityTimeout", Int(10)}}).size(), 1u);
  EXPECT_TRUE(Receive(url).empty());
  executor_.Advance(9'999);
  EXPECT_TRUE(Receive(url).empty());
  ExpectCounts(url, 0, 1, 0);
  executor_.Advance(1);
  auto again = Receive(url, {{"AttributeNames", StrList({"All"})}});
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].Find("Attributes")->GetString("ApproximateReceiveCount"), "2");
  EXPECT_EQ(again[0].Find("Attributes")->GetString("ApproximateFirstReceiveTimestamp"), std::to_string(kT0));
}

TEST_F(SqsServiceTest, QueueVisibilityTimeoutIsTheDefault) {
  std::string url = CreateQueue("q", {{"VisibilityTimeout", "5"}});
  Send(url, "m");
  ASSERT_EQ(Receive(url).size(), 1u);
  executor_.Advance(4'999);
  EXPECT_TRUE(Receive(url).empty());
  executor_.Advance(1);
  EXPECT_EQ(Receive(url).size(), 1u);

  // SetQueueAttributes changes it for later receives.
  Ok("SetQueueAttributes", Map({{"QueueUrl", Str(url)}, {"Attributes", StrMap({{"VisibilityTimeout", "20"}})}}));
  executor_.Advance(5'000);
  ASSERT_EQ(Receive(url).size(), 1u);
  executor_.Advance(19'999);
  EXPECT_TRUE(Receive(url).empty());
  executor_.Advance(1);
  EXPECT_EQ(Receive(url).size(), 1u);
}

TEST_F(SqsServiceTest, DelaySecondsHoldsMessagesBack) {
  std::string url = CreateQueue("q");
  Send(url, "later", {{"DelaySeconds", Int(5)}});
  EXPECT_TRUE(Receive(url).empty());
  ExpectCounts(url, 0, 0, 1);
  executor_.Advance(4'999);
  EXPECT_TRUE(Receive(url).empty());
  executor_.Advance(1);
  ExpectCounts(url, 1, 0, 0);
  EXPECT_EQ(Bodies(Ok("ReceiveMessage", ReceiveInput(url))), (std::vector<std::string>{"later"}));
}

TEST_F(SqsServiceTest, QueueDelaySecondsIsTheDefaultDelay) {
  std::string url = CreateQueue("q", {{"DelaySeconds", "3"}});
  Send(url, "queue-delay");
  Send(url, "no-delay", {{"DelaySeconds", Int(0)}});
  EXPECT_EQ(Bodies(Ok("ReceiveMessage", ReceiveInput(url, {{"MaxNumberOfMessages", Int(10)}}))),
            (std::vector<std::string>{"no-delay"}));
  executor_.Advance(3'000);
  EXPECT_EQ(Bodies(Ok("ReceiveMessage", ReceiveInput(url, {{"MaxNumberOfMessages", Int(10)}}))),
            (std::vector<std::string>{"queue-delay"}));
}

TEST_F(SqsServiceTest, MessagesOlderThanTheRetentionPeriodAreNotDelivered) {
  std::string url = CreateQueue("q", {{"MessageRetentionPeriod", "60"}});
  Send(url, "old");
  executor_.Advance(30'000);
  Send(url, "young");
  executor_.Advance(29'999);
  ExpectCounts(url, 2, 0, 0);
  executor_.Advance(1);  // "old" is now 60 s old
  EXPECT_EQ(Bodies(Ok("ReceiveMessage", ReceiveInput(url, {{"MaxNumberOfMessages", Int(10)}}))),
            (std::vector<std::string>{"young"}));
  executor_.Advance(3'600'000);
  EXPECT_TRUE(Receive(url).empty());
}

// --------------------------------------------------------------- long polls

TEST_F(SqsServiceTest, LongPollWaitsForASend) {
  std::string url = CreateQueue("q");
  Pending poll = Start("ReceiveMessage", ReceiveInput(url, {{"WaitTimeSeconds", Int(20)}}));
  EXPECT_TRUE(StillWaiting(poll));
  Send(url, "wake up");
  auto r = Finish(poll);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(Bodies(*r), (std::vector<std::string>{"wake up"}));
  EXPECT_EQ(clock_.NowMillis(), kT0);  // woken by the send, not by time
}

TEST_F(SqsServiceTest, LongPollIsNotWokenByAFailedSend) {
  std::string url = CreateQueue("q");
  Pending poll = Start("ReceiveMessage", ReceiveInput(url, {{"WaitTimeSeconds", Int(20)}}));
  EXPECT_TRUE(StillWaiting(poll));
  kv_->InjectWriteFailure(Error{"InternalFailure", "injected", 500, false});
  Error e = Fails("SendMessage", Map({{"QueueUrl", Str(url)}, {"MessageBody", Str("lost")}}));
  EXPECT_EQ(e.code, "InternalFailure");
  EXPECT_TRUE(StillWaiting(poll));
  kv_->InjectWriteFailure(std::nullopt);
  Send(url, "kept");
  auto r = Finish(poll);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Bodies(*r), (std::vector<std::string>{"kept"}));
}

TEST_F(SqsServiceTest, LongPollWithNothingEndsEmptyExactlyAtTheWaitTime) {
  std::string url = CreateQueue("q");
  Pending poll = Start("ReceiveMessage", ReceiveInput(url, {{"WaitTimeSeconds", Int(20)}}));
  EXPECT_TRUE(StillWaiting(poll));
  executor_.Advance(19'999);
  EXPECT_TRUE(StillWaiting(poll));
  executor_.Advance(1);
  auto r = Finish(poll);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(Messages(*r).empty());
  EXPECT_EQ(clock_.NowMillis(), kT0 + 20'000);
}

TEST_F(SqsServiceTest, LongPollWakesWhenADelayedMessageBecomesVisible) {
  std::string url = CreateQueue("q");
  Send(url, "delayed", {{"DelaySeconds", Int(5)}});
  Pending poll = Start("ReceiveMessage", ReceiveInput(url, {{"WaitTimeSeconds", Int(20)}}));
  EXPECT_TRUE(StillWaiting(poll));
  executor_.Advance(4'999);
  EXPECT_TRUE(StillWaiting(poll));
  executor_.Advance(1);
  auto r = Finish(poll);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Bodies(*r), (std::vector<std::string>{"delayed"}));
  EXPECT_EQ(clock_.NowMillis(), kT0 + 5'000);
}

TEST_F(SqsServiceTest, LongPollWakesWhenAVisibilityTimeoutExpires) {
  std::string url = CreateQueue("q");
  Send(url, "m");
  ASSERT_EQ(Receive(url, {{"VisibilityTimeout", Int(3)}}).size(), 1u);
  Pending poll = Start("ReceiveMessage", ReceiveInput(url, {{"WaitTimeSeconds", Int(20)}}));
  EXPECT_TRUE(StillWaiting(poll));
  executor_.Advance(3'000);
  auto r = Finish(poll);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Bodies(*r), (std::vector<std::string>{"m"}));
}

TEST_F(SqsServiceTest, OneMessageGoesToOneOfTwoWaitingPolls) {
  std::string url = CreateQueue("q");
  Pending a = Start("ReceiveMessage", ReceiveInput(url, {{"WaitTimeSeconds", Int(20)}}));
  Pending b = Start("ReceiveMessage", ReceiveInput(url, {{"WaitTimeSeconds", Int(20)}}));
  EXPECT_TRUE(StillWaiting(a));
  EXPECT_TRUE(StillWaiting(b));
  Send(url, "only one");
  // Exactly one poll gets it; the other keeps waiting until its time is up.
  for (int i = 0; i < 200 && !a.ready() && !b.ready(); ++i) {
    Settle(a, 5ms);
    Settle(b, 5ms);
  }
  ASSERT_NE(a.ready(), b.ready());
  Pending& winner = a.ready() ? a : b;
  Pending& loser = a.ready() ? b : a;
  auto won = Finish(winner);
  ASSERT_TRUE(won.ok());
  EXPECT_EQ(Bodies(*won), (std::vector<std::string>{"only one"}));
  EXPECT_TRUE(StillWaiting(loser));
  executor_.Advance(20'000);
  auto lost = Finish(loser);
  ASSERT_TRUE(lost.ok());
  EXPECT_TRUE(Messages(*lost).empty());
}

TEST_F(SqsServiceTest, QueueWaitTimeMakesReceivesLongPolls) {
  std::string url = CreateQueue("q", {{"ReceiveMessageWaitTimeSeconds", "10"}});
  Pending poll = Start("ReceiveMessage", ReceiveInput(url));
  EXPECT_TRUE(StillWaiting(poll));
  // An explicit WaitTimeSeconds=0 overrides the queue's default.
  auto immediate = Call("ReceiveMessage", ReceiveInput(url, {{"WaitTimeSeconds", Int(0)}}));
  ASSERT_TRUE(immediate.ok());
  EXPECT_TRUE(Messages(*immediate).empty());
  executor_.Advance(10'000);
  auto r = Finish(poll);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(Messages(*r).empty());
}

TEST_F(SqsServiceTest, ShutdownAnswersWaitingLongPolls) {
  std::string url = CreateQueue("q");
  Pending poll = Start("ReceiveMessage", ReceiveInput(url, {{"WaitTimeSeconds", Int(20)}}));
  EXPECT_TRUE(StillWaiting(poll));
  EXPECT_EQ(sqs_->HealthState(), "running");
  sqs_->Shutdown();
  EXPECT_EQ(sqs_->HealthState(), "stopping");
  auto r = Finish(poll);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(Messages(*r).empty());
  EXPECT_EQ(clock_.NowMillis(), kT0);
  // New long polls no longer wait.
  auto after = Call("ReceiveMessage", ReceiveInput(url, {{"WaitTimeSeconds", Int(20)}}));
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(Messages(*after).empty());
  EXPECT_EQ(clock_.NowMillis(), kT0);
}

// -------------------------------------------------- ChangeMessageVisibility

TEST_F(SqsServiceTest, ChangeMessageVisibilityExtendsAndReleases) {
  std::string url = CreateQueue("q");
  Send(url, "m");
  auto got = Receive(url, {{"VisibilityTimeout", Int(10)}});
  ASSERT_EQ(got.size(), 1u);
  std::string handle = *got[0].GetString("ReceiptHandle");

  Ok("ChangeMessageVisibility", Map({{"QueueUrl", Str(url)}, {"ReceiptHandle", Str(handle)}, {"VisibilityTimeout", Int(60)}}));
  executor_.Advance(10'000);
  EXPECT_TRUE(Receive(url).empty());
  executor_.Advance(49'999);
  EXPECT_TRUE(Receive(url).empty());
  executor_.Advance(1);
  auto again = Receive(url, {{"VisibilityTimeout", Int(30)}});
  ASSERT_EQ(again.size(), 1u);

  // Zero makes it visible at once.
  std::string handle2 = *again[0].GetString("ReceiptHandle");
  Ok("ChangeMessageVisibility", Map({{"QueueUrl", Str(url)}, {"ReceiptHandle", Str(handle2)}, {"VisibilityTimeout", Int(0)}}));
  EXPECT_EQ(Receive(url).size(), 1u);
}

TEST_F(SqsServiceTest, ChangeMessageVisibilityErrors) {
  std::string url = CreateQueue("q");
  std::string other = CreateQueue("other");
  Send(url, "m");
  auto got = Receive(url, {{"VisibilityTimeout", Int(1)}});
  ASSERT_EQ(got.size(), 1u);
  std::string h1 = *got[0].GetString("ReceiptHandle");
  auto cmv = [&](const std::string& queue, const std::string& handle, Value timeout) {
    Value in = Map({{"QueueUrl", Str(queue)}, {"ReceiptHandle", Str(handle)}});
    if (!timeout.is_null()) in.Set("VisibilityTimeout", std::move(timeout));
    return Call("ChangeMessageVisibility", std::move(in));
  };

  EXPECT_EQ(cmv(url, h1, Value()).error().code, "MissingParameter");
  EXPECT_EQ(cmv(url, h1, Int(43201)).error().code, "InvalidParameterValue");
  EXPECT_EQ(cmv(url, h1, Int(-1)).error().code, "InvalidParameterValue");
  EXPECT_EQ(cmv(url, "garbage", Int(5)).error().code, "ReceiptHandleIsInvalid");
  EXPECT_EQ(cmv(other, h1, Int(5)).error().code, "ReceiptHandleIsInvalid");  // another queue's handle

  // Visible again but received by nobody since: the handle still works.
  executor_.Advance(1'000);
  ExpectCounts(url, 1, 0, 0);
  ASSERT_TRUE(cmv(url, h1, Int(5)).ok());
  ExpectCounts(url, 0, 1, 0);
  executor_.Advance(5'000);

  // After another receive, the first handle is stale.
  ASSERT_EQ(Receive(url, {{"VisibilityTimeout", Int(30)}}).size(), 1u);
  auto stale = cmv(url, h1, Int(0));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, "InvalidParameterValue");
  // ... and did not change the visibility.
  EXPECT_TRUE(Receive(url).empty());
  ExpectCounts(url, 0, 1, 0);
}

// AWS caps a message's visibility at 12 hours from the ReceiveMessage that
// returned it: "Value 43200 for parameter VisibilityTimeout is invalid.
// Reason: Total VisibilityTimeout for the message is beyond the limit [43200
// seconds]".
TEST_F(SqsServiceTest, ChangeMessageVisibilityCannotExtendBeyondTwelveHours) {
  std::string url = CreateQueue("q");
  Send(url, "m");
  auto got = Receive(url, {{"VisibilityTimeout", Int(60)}});
  ASSERT_EQ(got.size(), 1u);
  executor_.Advance(10'000);
  Error e = Fails("ChangeMessageVisibility", Map({{"QueueUrl", Str(url)},
                                                  {"ReceiptHandle", *got[0].Find("ReceiptHandle")},
                                                  {"VisibilityTimeout", Int(43200)}}));
  EXPECT_EQ(e.code, "InvalidParameterValue");
  EXPECT_NE(e.message.find("Total VisibilityTimeout for the message is beyond the limit [43200 seconds]"),
            std::string::npos)
      << e.message;
  // Up to the limit is fine.
  Ok("ChangeMessageVisibility", Map({{"QueueUrl", Str(url)},
                                     {"ReceiptHandle", *got[0].Find("ReceiptHandle")},
                                     {"VisibilityTimeout", Int(43190)}}));
}

// ------------------------------------------------------------ DeleteMessage

TEST_F(SqsServiceTest, DeleteMessageWithTheCurrentHandleDeletes) {
  std::string url = CreateQueue("q");
  Send(url, "m");
  auto got = Receive(url, {{"VisibilityTimeout", Int(1)}});
  ASSERT_EQ(got.size(), 1u);
  Ok("DeleteMessage", Map({{"QueueUrl", Str(url)}, {"ReceiptHandle", *got[0].Find("ReceiptHandle")}}));
  ExpectCounts(url, 0, 0, 0);
  executor_.Advance(3'600'000);
  EXPECT_TRUE(Receive(url).empty());
  // Deleting again succeeds and changes nothing, as on AWS.
  Ok("DeleteMessage", Map({{"QueueUrl", Str(url)}, {"ReceiptHandle", *got[0].Find("ReceiptHandle")}}));
}

TEST_F(SqsServiceTest, DeleteMessageWithAStaleHandleDoesNotDelete) {
  std::string url = CreateQueue("q");
  Send(url, "m");
  auto first = Receive(url, {{"VisibilityTimeout", Int(1)}});
  ASSERT_EQ(first.size(), 1u);
  executor_.Advance(1'000);
  auto second = Receive(url, {{"VisibilityTimeout", Int(30)}});
  ASSERT_EQ(second.size(), 1u);
  EXPECT_NE(first[0].GetString("ReceiptHandle"), second[0].GetString("ReceiptHandle"));

  Ok("DeleteMessage", Map({{"QueueUrl", Str(url)}, {"ReceiptHandle", *first[0].Find("ReceiptHandle")}}));
  ExpectCounts(url, 0, 1, 0);
  executor_.Advance(30'000);
  EXPECT_EQ(Receive(url, {{"VisibilityTimeout", Int(30)}}).size(), 1u);
}

TEST_F(SqsServiceTest, DeleteMessageRejectsForeignAndForgedHandles) {
  std::string url = CreateQueue("q");
  std::string other = CreateQueue("other");
  Send(url, "m");
  auto got = Receive(url);
  ASSERT_EQ(got.size(), 1u);
  std::string h = *got[0].GetString("ReceiptHandle");
  std::string tampered = h;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  for (const auto& [queue, handle] : std::vector<std::pair<std::string, std::string>>{
           {other, h}, {url, tampered}, {url, "AQEBzbVv"}, {url, std::string(4096, 'A')}}) {
    Error e = Fails("DeleteMessage", Map({{"QueueUrl", Str(queue)}, {"ReceiptHandle", Str(handle)}}));
    EXPECT_EQ(e.code, "ReceiptHandleIsInvalid");
  }
  EXPECT_EQ(Fails("DeleteMessage", Map({{"QueueUrl", Str(url)}})).code, "MissingParameter");
  ExpectCounts(url, 0, 1, 0);
}

// ------------------------------------------------------ GetQueueAttributes

TEST_F(SqsServiceTest, GetQueueAttributesCountsAndDefaults) {
  std::string url = CreateQueue("q");
  Send(url, "visible-1");
  Send(url, "visible-2");
  Send(url, "in-flight");
  Send(url, "delayed", {{"DelaySeconds", Int(60)}});
  ASSERT_EQ(Receive(url).size(), 1u);
  ExpectCounts(url, 2, 1, 1);

  Value out = Ok("GetQueueAttributes", Map({{"QueueUrl", Str(url)}, {"AttributeNames", StrList({"All"})}}));
  const Value* a = out.Find("Attributes");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->GetString("QueueArn"), "arn:aws:sqs:us-east-1:123456789012:q");
  EXPECT_EQ(a->GetString("CreatedTimestamp"), std::to_string(kT0 / 1000));
  EXPECT_EQ(a->GetString("LastModifiedTimestamp"), std::to_string(kT0 / 1000));
  EXPECT_EQ(a->GetString("VisibilityTimeout"), "30");
  EXPECT_EQ(a->GetString("MessageRetentionPeriod"), "345600");
  EXPECT_EQ(a->GetString("DelaySeconds"), "0");
  EXPECT_EQ(a->GetString("ReceiveMessageWaitTimeSeconds"), "0");
  EXPECT_EQ(a->GetString("SqsManagedSseEnabled"), "true");
  EXPECT_EQ(a->Find("Policy"), nullptr);
  EXPECT_EQ(a->Find("FifoQueue"), nullptr);

  // Only what was asked for; nothing when nothing was asked for.
  Value some = Ok("GetQueueAttributes", Map({{"QueueUrl", Str(url)},
                                             {"AttributeNames", StrList({"VisibilityTimeout", "QueueArn"})}}));
  ASSERT_NE(some.Find("Attributes"), nullptr);
  EXPECT_EQ(some.Find("Attributes")->members().size(), 2u);
  Value none = Ok("GetQueueAttributes", Map({{"QueueUrl", Str(url)}}));
  EXPECT_EQ(none.Find("Attributes"), nullptr);

  Error e = Fails("GetQueueAttributes", Map({{"QueueUrl", Str(url)}, {"AttributeNames", StrList({"Nope"})}}));
  EXPECT_EQ(e.code, "InvalidAttributeName");
}

TEST_F(SqsServiceTest, SetQueueAttributesValidatesAndApplies) {
  std::string url = CreateQueue("q");
  clock_.Advance(5'000);
  Ok("SetQueueAttributes", Map({{"QueueUrl", Str(url)},
                                {"Attributes", StrMap({{"DelaySeconds", "7"}, {"Policy", "{}"}})}}));
  EXPECT_EQ(Attribute(url, "DelaySeconds"), "7");
  EXPECT_EQ(Attribute(url, "Policy"), "{}");
  EXPECT_EQ(Attribute(url, "LastModifiedTimestamp"), std::to_string((kT0 + 5'000) / 1000));
  // An empty Policy removes it.
  Ok("SetQueueAttributes", Map({{"QueueUrl", Str(url)}, {"Attributes", StrMap({{"Policy", ""}})}}));
  EXPECT_EQ(Attribute(url, "Policy"), "<absent>");

  EXPECT_EQ(Fails("SetQueueAttributes", Map({{"QueueUrl", Str(url)}})).code, "MissingParameter");
  EXPECT_EQ(Fails("SetQueueAttributes", Map({{"QueueUrl", Str(url)}, {"Attributes", StrMap({{"DelaySeconds", "901"}})}})).code,
            "InvalidAttributeValue");
  EXPECT_EQ(Fails("SetQueueAttributes", Map({{"QueueUrl", Str(url)}, {"Attributes", StrMap({{"FifoQueue", "true"}})}})).code,
            "InvalidAttributeName");
  // A rejected request changes nothing, not even its valid parts.
  EXPECT_EQ(Fails("SetQueueAttributes",
                  Map({{"QueueUrl", Str(url)},
                       {"Attributes", StrMap({{"VisibilityTimeout", "99"}, {"DelaySeconds", "-5"}})}}))
                .code,
            "InvalidAttributeValue");
  EXPECT_EQ(Attribute(url, "VisibilityTimeout"), "30");
  EXPECT_EQ(Attribute(url, "DelaySeconds"), "7");
}

// ---------------------------------------------------------------- ListQueues

TEST_F(SqsServiceTest, ListQueuesFiltersByPrefix) {
  for (const char* n : {"alpha", "beta", "alps", "gamma"}) CreateQueue(n);
  Value all = Ok("ListQueues", Value::Map());
  ASSERT_NE(all.Find("QueueUrls"), nullptr);
  EXPECT_EQ(all.Find("QueueUrls")->items().size(), 4u);
  EXPECT_EQ(all.Find("NextToken"), nullptr);

  Value al = Ok("ListQueues", Map({{"QueueNamePrefix", Str("al")}}));
  std::vector<std::string> urls;
  for (const auto& u : al.Find("QueueUrls")->items()) urls.push_back(u.as_string());
  EXPECT_EQ(urls, (std::vector<std::string>{"http://localhost:4566/123456789012/alpha",
                                            "http://localhost:4566/123456789012/alps"}));
  Value none = Ok("ListQueues", Map({{"QueueNamePrefix", Str("zzz")}}));
  EXPECT_EQ(none.Find("QueueUrls"), nullptr);

  // Other accounts' queues are not listed.
  ctx_.account_id = "000000000000";
  EXPECT_EQ(Ok("ListQueues", Value::Map()).Find("QueueUrls"), nullptr);
}

TEST_F(SqsServiceTest, ListQueuesPagesWithNextToken) {
  std::vector<std::string> created;
  for (const char* n : {"q1", "q2", "q3", "q4", "q5", "other"}) {
    std::string url = CreateQueue(n);
    if (n[0] == 'q') created.push_back(url);
  }
  std::vector<std::string> seen;
  std::optional<std::string> token;
  int pages = 0;
  do {
    Value in = Map({{"QueueNamePrefix", Str("q")}, {"MaxResults", Int(2)}});
    if (token) in.Set("NextToken", Str(*token));
    Value out = Ok("ListQueues", std::move(in));
    ASSERT_NE(out.Find("QueueUrls"), nullptr);
    EXPECT_LE(out.Find("QueueUrls")->items().size(), 2u);
    for (const auto& u : out.Find("QueueUrls")->items()) seen.push_back(u.as_string());
    token = out.GetString("NextToken");
    ASSERT_LT(++pages, 10);
  } while (token);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, created);

  // A page that ends exactly at the last queue carries no token.
  Value exact = Ok("ListQueues", Map({{"QueueNamePrefix", Str("q")}, {"MaxResults", Int(5)}}));
  EXPECT_EQ(exact.Find("QueueUrls")->items().size(), 5u);
  EXPECT_EQ(exact.Find("NextToken"), nullptr);
}

TEST_F(SqsServiceTest, ListQueuesParameterErrors) {
  CreateQueue("q1");
  EXPECT_EQ(Fails("ListQueues", Map({{"MaxResults", Int(0)}})).code, "InvalidParameterValue");
  EXPECT_EQ(Fails("ListQueues", Map({{"MaxResults", Int(1001)}})).code, "InvalidParameterValue");
  EXPECT_EQ(Fails("ListQueues", Map({{"NextToken", Str("abc")}})).code, "InvalidParameterValue");
  EXPECT_EQ(Fails("ListQueues", Map({{"MaxResults", Int(1)}, {"NextToken", Str("!!not-a-token")}})).code,
            "InvalidParameterValue");
  EXPECT_EQ(Fails("ListQueues", Map({{"MaxResults", Int(1)}, {"NextToken", Str(crypto::Base64UrlEncode("v2:q1"))}})).code,
            "InvalidParameterValue");
}

}  // namespace
}  // namespace sluice::sqs
