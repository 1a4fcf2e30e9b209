// A KinesisService over the embedded StreamStore on the in-memory KvStore,
// driven by a ManualClock through a ManualExecutor: status transitions,
// iterator expiry, retention and throughput limits are tested without
// sleeping. The only real waiting is for the store's committer thread.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/executor.h"
#include "services/kinesis/kinesis_service.h"
#include "storage/kv_store.h"
#include "storage/stream_store.h"

namespace sluice::kinesis::testing {

using namespace std::chrono_literals;

inline constexpr int64_t kT0 = 1'700'000'000'000;
inline constexpr int64_t kHour = 3'600'000;
inline constexpr char kAccount[] = "123456789012";
inline constexpr char kArnPrefix[] = "arn:aws:kinesis:us-east-1:123456789012:stream/";

inline Value Str(std::string s) { return Value::String(std::move(s)); }
inline Value Int(int64_t i) { return Value::Int(i); }
inline Value Blob(std::string b) { return Value::Blob(std::move(b)); }
inline Value Bool(bool b) { return Value::Bool(b); }
inline Value Map(std::vector<std::pair<std::string, Value>> members) {
  Value m = Value::Map();
  for (auto& [k, v] : members) m.Set(k, std::move(v));
  return m;
}
inline Value StrList(std::vector<std::string> items) {
  Value l = Value::List();
  for (auto& s : items) l.Append(Value::String(std::move(s)));
  return l;
}
inline Value List(std::vector<Value> items) {
  Value l = Value::List();
  for (auto& v : items) l.Append(std::move(v));
  return l;
}
inline std::string ShardId(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "shardId-%012d", i);
  return buf;
}
inline std::string Arn(const std::string& name) { return std::string(kArnPrefix).append(name); }
// prefix + suffix, without `const char* + std::string&&` (GCC 12 warns
// falsely on it: -Wrestrict, GCC bug 105329).
inline std::string Name(const char* prefix, int i) { return std::string(prefix).append(std::to_string(i)); }
inline std::string Name(const char* prefix, const std::string& s) { return std::string(prefix).append(s); }

class KinesisTest : public ::testing::Test {
 protected:
  KinesisTest() : clock_(kT0), executor_(&clock_) {}

  virtual KinesisOptions Options() {
    KinesisOptions o;
    o.iterator_secret = "test-secret";
    return o;
  }

  void SetUp() override {
    kv_ = storage::OpenMemoryKvStore();
    auto s = storage::OpenEmbeddedStreamStore(kv_.get(), clock_.NowMillis());
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(s).value();
    options_ = Options();
    service_ = std::make_unique<KinesisService>(store_.get(), &clock_, &executor_, options_);
    ctx_.account_id = kAccount;
    ctx_.region = "us-east-1";
    ctx_.request_id = "req";
    executor_.RunReady();
  }

  void TearDown() override {
    service_.reset();
    kv_->Close();  // the committer calls into the store: drain it first
    executor_.RunReady();
    store_.reset();
    kv_.reset();
  }

  // Runs ready executor work until the call completes. The clock does not move.
  Result<Value> Call(std::string_view op, Value input) {
    auto p = std::make_shared<std::promise<Result<Value>>>();
    auto calls = std::make_shared<std::atomic<int>>(0);
    auto f = p->get_future();
    service_->Invoke(ctx_, op, std::move(input), [p, calls](Result<Value> r) {
      if (calls->fetch_add(1) == 0) p->set_value(std::move(r));
    });
    auto end = std::chrono::steady_clock::now() + 10s;
    for (;;) {
      executor_.RunReady();
      if (f.wait_for(1ms) == std::future_status::ready) break;
      if (std::chrono::steady_clock::now() > end) return Error{"Timeout", "the call did not complete"};
    }
    Result<Value> r = f.get();
    EXPECT_EQ(calls->load(), 1) << "done called more than once";
    return r;
  }

  // Starts a call without waiting; Wait() finishes it.
  std::future<Result<Value>> Start(std::string_view op, Value input) {
    auto p = std::make_shared<std::promise<Result<Value>>>();
    auto calls = std::make_shared<std::atomic<int>>(0);
    auto f = p->get_future();
    service_->Invoke(ctx_, op, std::move(input), [p, calls](Result<Value> r) {
      if (calls->fetch_add(1) == 0) p->set_value(std::move(r));
    });
    return f;
  }
  Result<Value> Wait(std::future<Result<Value>>& f) {
    auto end = std::chrono::steady_clock::now() + 10s;
    for (;;) {
      executor_.RunReady();
      if (f.wait_for(1ms) == std::future_status::ready) return f.get();
      if (std::chrono::steady_clock::now() > end) return Error{"Timeout", "the call did not complete"};
    }
  }

  Value Ok(std::string_view op, Value input) {
    auto r = Call(op, std::move(input));
    EXPECT_TRUE(r.ok()) << op << ": " << r.error().code << ": " << r.error().message;
    return r.ok() ? *r : Value();
  }

  Error Fails(std::string_view op, Value input) {
    auto r = Call(op, std::move(input));
    EXPECT_FALSE(r.ok()) << op << " succeeded";
    return r.ok() ? Error{} : r.error();
  }

  // Moves the clock, running timers that fall due.
  void Advance(int64_t ms) { executor_.Advance(ms); }

  // Creates a provisioned stream and waits until it is ACTIVE.
  void Create(const std::string& name, int shards = 1) {
    Ok("CreateStream", Map({{"StreamName", Str(name)}, {"ShardCount", Int(shards)}}));
    Advance(options_.transition_ms);
  }

  Value Summary(const std::string& name) {
    Value out = Ok("DescribeStreamSummary", Map({{"StreamName", Str(name)}}));
    const Value* d = out.Find("StreamDescriptionSummary");
    return d ? *d : Value();
  }
  std::string Status(const std::string& name) {
    return Summary(name).GetString("StreamStatus").value_or("?");
  }
  // Every listed shard (DescribeStream).
  std::vector<Value> Shards(const std::string& name) {
    Value out = Ok("DescribeStream", Map({{"StreamName", Str(name)}, {"Limit", Int(10000)}}));
    const Value* d = out.Find("StreamDescription");
    if (!d || !d->Find("Shards")) return {};
    return d->Find("Shards")->items();
  }
  static std::string Field(const Value& v, std::string_view a, std::string_view b = "") {
    const Value* x = v.Find(a);
    if (!x) return "<absent>";
    if (b.empty()) return x->as_string();
    const Value* y = x->Find(b);
    return y ? y->as_string() : "<absent>";
  }

  Value Put(const std::string& name, const std::string& data, const std::string& key,
            std::vector<std::pair<std::string, Value>> extra = {}) {
    Value in = Map({{"StreamName", Str(name)}, {"Data", Blob(data)}, {"PartitionKey", Str(key)}});
    for (auto& [k, v] : extra) in.Set(k, std::move(v));
    return Ok("PutRecord", std::move(in));
  }

  std::string Iterator(const std::string& name, int shard, const std::string& type,
                       std::vector<std::pair<std::string, Value>> extra = {}) {
    Value in = Map({{"StreamName", Str(name)}, {"ShardId", Str(ShardId(shard))},
                    {"ShardIteratorType", Str(type)}});
    for (auto& [k, v] : extra) in.Set(k, std::move(v));
    return Ok("GetShardIterator", std::move(in)).GetString("ShardIterator").value_or("");
  }

  Value Get(const std::string& iterator, std::optional<int64_t> limit = std::nullopt) {
    Value in = Map({{"ShardIterator", Str(iterator)}});
    if (limit) in.Set("Limit", Int(*limit));
    return Ok("GetRecords", std::move(in));
  }

  static std::vector<std::string> Datas(const Value& out) {
    std::vector<std::string> d;
    if (const Value* r = out.Find("Records")) {
      for (const auto& rec : r->items()) d.push_back(rec.GetString("Data").value_or("?"));
    }
    return d;
  }

  // Every record of a shard from TRIM_HORIZON, following NextShardIterator.
  std::vector<std::string> ReadAll(const std::string& name, int shard) {
    std::vector<std::string> all;
    std::string it = Iterator(name, shard, "TRIM_HORIZON");
    for (int i = 0; i < 100 && !it.empty(); ++i) {
      Value out = Get(it);
      auto d = Datas(out);
      all.insert(all.end(), d.begin(), d.end());
      if (d.empty()) break;
      it = out.GetString("NextShardIterator").value_or("");
    }
    return all;
  }

  ManualClock clock_;
  ManualExecutor executor_;
  KinesisOptions options_;
  std::unique_ptr<storage::KvStore> kv_;
  std::unique_ptr<storage::StreamStore> store_;
  std::unique_ptr<KinesisService> service_;
  CallContext ctx_;
};

}  // namespace sluice::kinesis::testing
