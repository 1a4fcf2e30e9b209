// The StreamStore contract on every KvStore backend: catalogue, routing by
// hash key, per-shard seqs, paged reads, the committed high-watermark,
// closing shards, retention trimming, failures and the append listener;
// and, over RocksDB, recovery of all of it after a reopen.
//
// Time is passed explicitly (now_ms); nothing here sleeps. Completions run on
// the store's committer thread, so the helpers wait on futures.
#include "storage/stream_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "storage/storage_test_util.h"

namespace sluice::storage {
namespace {

using namespace std::string_literals;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using testing::Await;
using testing::HeldKvStore;
using testing::kWait;
using testing::MakeTempDir;

constexpr int64_t kT0 = 1'700'000'000'000;
constexpr int64_t kHour = 3'600'000;
constexpr char kAccount[] = "123456789012";
constexpr HashKey kMaxHash = ~HashKey{0};
constexpr HashKey kMidHash = HashKey{1} << 127;



// A started call whose completion the test collects later.
template <typename T>
struct Pending {
  std::shared_ptr<std::promise<Result<T>>> p = std::make_shared<std::promise<Result<T>>>();
  std::future<Result<T>> f = p->get_future();
  StreamStore::Done<T> done() {
    return [p = p](Result<T> r) { p->set_value(std::move(r)); };
  }
  bool ready() { return f.wait_for(0s) == std::future_status::ready; }
  Result<T> get() {
    if (f.wait_for(kWait) != std::future_status::ready) return Error{"Timeout", "no completion"};
    return f.get();
  }
};


// Completions captured instead of run, so a test can run them in any order.
struct CapturedCompletions {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::function<void()>> tasks;

  KvStore::CompletionExecutor Executor() {
    return [this](std::function<void()> f) {
      std::lock_guard<std::mutex> lock(mu);
      tasks.push_back(std::move(f));
      cv.notify_all();
    };
  }
  bool WaitFor(size_t n) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, kWait, [&] { return tasks.size() >= n; });
  }
  void Run(size_t i) {
    std::function<void()> f;
    {
      std::lock_guard<std::mutex> lock(mu);
      f = std::move(tasks.at(i));
    }
    f();
  }
};

// Completions run by a small pool: they finish in no particular order.
class Pool {
 public:
  explicit Pool(int threads) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      cv_.notify_all();
    }
    for (auto& t : threads_) t.join();
  }
  void Post(std::function<void()> f) {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_.push_back(std::move(f));
    cv_.notify_one();
  }

 private:
  void Run() {
    for (;;) {
      std::function<void()> f;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stop_ || !tasks_.empty(); });
        if (tasks_.empty()) return;
        // Take from either end, so that completions overtake each other.
        if (tasks_.size() % 2) {
          f = std::move(tasks_.back());
          tasks_.pop_back();
        } else {
          f = std::move(tasks_.front());
          tasks_.pop_front();
        }
      }
      f();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

AppendEntry Entry(HashKey hash, std::string data, std::string partition_key = "pk") {
  AppendEntry e;
  e.hash_key = hash;
  e.partition_key = std::move(partition_key);
  e.data = std::move(data);
  return e;
}

// n shards splitting the hash key space evenly, created at `now`.
std::vector<ShardMeta> EvenShards(uint32_t n, int64_t now, uint32_t first_index = 0) {
  std::vector<ShardMeta> out;
  HashKey step = kMaxHash / n + 1;
  for (uint32_t i = 0; i < n; ++i) {
    ShardMeta s;
    s.index = first_index + i;
    s.starting_hash_key = step * i;
    s.ending_hash_key = i + 1 == n ? kMaxHash : step * (i + 1) - 1;
    s.starting_seq = SeqAtTime(now);
    s.created_ms = now;
    out.push_back(s);
  }
  return out;
}

std::vector<std::string> Datas(const ReadResult& r) {
  std::vector<std::string> out;
  for (const auto& rec : r.records) out.push_back(rec.data);
  return out;
}

// ---------------------------------------------------------------- fixture

class StreamStoreBase {
 protected:
  void Start(bool rocks, int64_t now = kT0) {
    rocks_ = rocks;
    if (rocks_) dir_ = MakeTempDir("sluice-ss");
    Open(now);
  }

  void Stop() {
    if (store_) store_->SetAppendListener(nullptr);
    // The committer calls back into the store: drain it before the store goes.
    if (kv_) kv_->Close();
    store_.reset();
    kv_.reset();
    if (!dir_.empty()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
  }

  void Open(int64_t now) {
    std::unique_ptr<KvStore> inner;
    if (rocks_) {
      auto r = OpenRocksKvStore(dir_.string(), Durability::kDurable);
      ASSERT_TRUE(r.ok()) << r.error().message;
      inner = std::move(r).value();
    } else {
      inner = OpenMemoryKvStore();
    }
    kv_ = std::make_unique<HeldKvStore>(std::move(inner));
    auto s = OpenEmbeddedStreamStore(kv_.get(), now);
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(s).value();
  }

  // Closes everything and opens the same directory again, as a restart does.
  void Reopen(int64_t now) {
    ASSERT_TRUE(rocks_);
    kv_->Close();
    store_.reset();
    kv_.reset();
    Open(now);
  }

  Result<StreamMeta> TryPut(StreamMeta m) {
    return Await<StreamMeta>([&](auto done) { store_->PutStream(std::move(m), done); });
  }

  StreamMeta CreateStream(const std::string& name, uint32_t shards = 1,
                          const std::string& account = kAccount, int32_t retention_hours = 24) {
    StreamMeta m;
    m.account_id = account;
    m.name = name;
    m.status = "ACTIVE";
    m.created_ms = kT0;
    m.retention_hours = retention_hours;
    m.shards = EvenShards(shards, kT0);
    m.next_shard_index = shards;
    auto r = TryPut(m);
    EXPECT_TRUE(r.ok()) << r.error().code << ": " << r.error().message;
    return r.ok() ? *r : StreamMeta{};
  }

  Result<std::vector<AppendOutcome>> TryAppend(uint64_t stream, std::vector<AppendEntry> entries,
                                               int64_t now) {
    return Await<std::vector<AppendOutcome>>(
        [&](auto done) { store_->Append(stream, std::move(entries), now, done); });
  }
  std::vector<AppendOutcome> Append(uint64_t stream, std::vector<AppendEntry> entries, int64_t now) {
    size_t n = entries.size();
    auto r = TryAppend(stream, std::move(entries), now);
    EXPECT_TRUE(r.ok()) << r.error().code << ": " << r.error().message;
    if (!r.ok()) return {};
    EXPECT_EQ(r->size(), n);
    return *r;
  }
  AppendOutcome Append1(uint64_t stream, HashKey hash, std::string data, int64_t now) {
    auto out = Append(stream, {Entry(hash, std::move(data))}, now);
    return out.empty() ? AppendOutcome{} : out[0];
  }

  ReadResult Read(uint64_t stream, uint32_t shard, uint64_t from, int max_records = 10'000,
                  int64_t max_bytes = 10 << 20) {
    auto r = store_->Read(stream, shard, from, max_records, max_bytes);
    EXPECT_TRUE(r.ok()) << r.error().code << ": " << r.error().message;
    return r.ok() ? *r : ReadResult{};
  }

  uint64_t LastCommitted(uint64_t stream, uint32_t shard) {
    auto r = store_->LastCommitted(stream, shard);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : ~uint64_t{0};
  }
  uint64_t TrimHorizon(uint64_t stream, uint32_t shard) {
    auto r = store_->TrimHorizon(stream, shard);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : ~uint64_t{0};
  }
  // Trims and waits until the deletion is durable.
  int64_t Trim(uint64_t stream, int64_t now) {
    auto r = store_->Trim(stream, now);
    EXPECT_TRUE(r.ok()) << r.error().code;
    kv_->Barrier();
    return r.ok() ? *r : -1;
  }

  // Every key of a stream in the records space.
  size_t StoredRecords(uint64_t stream) {
    std::string prefix;
    bytes::PutU64(prefix, stream);
    size_t n = 0;
    Status st = kv_->Scan(Space::kStreamRecords, prefix, [&](std::string_view, std::string_view) {
      ++n;
      return true;
    });
    EXPECT_TRUE(st.ok());
    return n;
  }

  // Closes `parent` and splits its range into two open children.
  StreamMeta Split(StreamMeta m, uint32_t parent, HashKey at, int64_t now) {
    ShardMeta* p = nullptr;
    for (auto& s : m.shards) {
      if (s.index == parent) p = &s;
    }
    EXPECT_NE(p, nullptr);
    if (!p) return m;
    p->closed_ms = now;
    ShardMeta a, b;
    a.index = m.next_shard_index++;
    a.parent = parent;
    a.starting_hash_key = p->starting_hash_key;
    a.ending_hash_key = at - 1;
    a.starting_seq = SeqAtTime(now);
    a.created_ms = now;
    b = a;
    b.index = m.next_shard_index++;
    b.starting_hash_key = at;
    b.ending_hash_key = p->ending_hash_key;
    m.shards.push_back(a);
    m.shards.push_back(b);
    return m;
  }

  static const ShardMeta* FindShard(const StreamMeta& m, uint32_t index) {
    for (const auto& s : m.shards) {
      if (s.index == index) return &s;
    }
    return nullptr;
  }

  bool rocks_ = false;
  fs::path dir_;
  std::unique_ptr<HeldKvStore> kv_;
  std::unique_ptr<StreamStore> store_;
};

struct Backend {
  const char* name;
  bool rocks;
};
void PrintTo(const Backend& b, std::ostream* os) { *os << b.name; }

class StreamStoreContract : public StreamStoreBase, public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { Start(GetParam().rocks); }
  void TearDown() override { Stop(); }
};

const Error kInjected{"InternalFailure", "injected", 500, false};

// --------------------------------------------------------------- catalogue

TEST_P(StreamStoreContract, CreateAssignsDistinctIdsAndFindsByNameAndId) {
  StreamMeta a = CreateStream("a", 2);
  StreamMeta b = CreateStream("b");
  EXPECT_NE(a.id, 0u);
  EXPECT_NE(b.id, 0u);
  EXPECT_NE(a.id, b.id);
  auto found = store_->FindStream(kAccount, "a");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, a.id);
  EXPECT_EQ(found->shards.size(), 2u);
  auto by_id = store_->FindStreamById(b.id);
  ASSERT_TRUE(by_id.has_value());
  EXPECT_EQ(by_id->name, "b");
  EXPECT_FALSE(store_->FindStream(kAccount, "c").has_value());
  EXPECT_FALSE(store_->FindStream("000000000000", "a").has_value());
  EXPECT_FALSE(store_->FindStreamById(4242).has_value());
}

TEST_P(StreamStoreContract, CreatingAnExistingNameIsResourceInUse) {
  CreateStream("a");
  StreamMeta m;
  m.account_id = kAccount;
  m.name = "a";
  auto r = TryPut(m);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "ResourceInUseException");
}

TEST_P(StreamStoreContract, ListStreamsIsPerAccountAndSortedByName) {
  CreateStream("zeta");
  CreateStream("alpha");
  CreateStream("mid");
  CreateStream("other", 1, "000000000000");
  std::vector<std::string> names;
  for (const auto& m : store_->ListStreams(kAccount)) names.push_back(m.name);
  EXPECT_EQ(names, (std::vector<std::string>{"alpha", "mid", "zeta"}));
  EXPECT_EQ(store_->ListStreams("000000000000").size(), 1u);
  EXPECT_TRUE(store_->ListStreams("999999999999").empty());
  std::vector<std::pair<std::string, std::string>> all;
  for (const auto& m : store_->ListAllStreams()) all.emplace_back(m.account_id, m.name);
  EXPECT_EQ(all, (std::vector<std::pair<std::string, std::string>>{
                     {"000000000000", "other"}, {kAccount, "alpha"}, {kAccount, "mid"}, {kAccount, "zeta"}}));
}

TEST_P(StreamStoreContract, PutStreamWithAnIdReplacesTheMetadata) {
  StreamMeta m = CreateStream("s");
  m.status = "UPDATING";
  m.tags = {{"env", "test"}};
  m.retention_hours = 48;
  m.consumers.push_back(ConsumerMeta{"c", "arn:c", "ACTIVE", kT0});
  m.extra["k"] = "v";
  auto r = TryPut(m);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->id, m.id);
  auto found = store_->FindStream(kAccount, "s");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->status, "UPDATING");
  EXPECT_EQ(found->tags, m.tags);
  EXPECT_EQ(found->retention_hours, 48);
  ASSERT_EQ(found->consumers.size(), 1u);
  EXPECT_EQ(found->consumers[0].arn, "arn:c");
  EXPECT_EQ(found->extra, m.extra);
}

TEST_P(StreamStoreContract, DeleteStreamRemovesItAndItsRecords) {
  StreamMeta a = CreateStream("a", 2);
  StreamMeta b = CreateStream("b");
  Append(a.id, {Entry(0, "x"), Entry(kMaxHash, "y")}, kT0);
  Append1(b.id, 0, "kept", kT0);
  ASSERT_EQ(StoredRecords(a.id), 2u);
  ASSERT_TRUE(Await<void>([&](auto done) { store_->DeleteStream(a.id, done); }).ok());
  EXPECT_FALSE(store_->FindStream(kAccount, "a").has_value());
  EXPECT_FALSE(store_->FindStreamById(a.id).has_value());
  EXPECT_EQ(StoredRecords(a.id), 0u);
  EXPECT_EQ(kv_->Get(Space::kMeta, "stream/"s + kAccount + "/a")->has_value(), false);
  auto read = store_->Read(a.id, 0, 0, 10, 1 << 20);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, "ResourceNotFoundException");
  // Other streams are untouched; a new stream of the same name is new.
  EXPECT_EQ(Datas(Read(b.id, 0, 0)), (std::vector<std::string>{"kept"}));
  StreamMeta again = CreateStream("a");
  EXPECT_GT(again.id, b.id);
  EXPECT_TRUE(Read(again.id, 0, 0).records.empty());
}

TEST_P(StreamStoreContract, UnknownStreamOrShardIsResourceNotFound) {
  StreamMeta s = CreateStream("s");
  auto append = TryAppend(4242, {Entry(0, "x")}, kT0);
  ASSERT_FALSE(append.ok());
  EXPECT_EQ(append.error().code, "ResourceNotFoundException");
  EXPECT_EQ(store_->Read(4242, 0, 0, 1, 1).error().code, "ResourceNotFoundException");
  EXPECT_EQ(store_->Read(s.id, 7, 0, 1, 1).error().code, "ResourceNotFoundException");
  EXPECT_FALSE(store_->LastCommitted(s.id, 7).ok());
  EXPECT_FALSE(store_->TrimHorizon(4242, 0).ok());
  EXPECT_FALSE(store_->Trim(4242, kT0).ok());
  EXPECT_EQ(Await<void>([&](auto done) { store_->DeleteStream(4242, done); }).error().code,
            "ResourceNotFoundException");
  StreamMeta ghost;
  ghost.id = 4242;
  EXPECT_EQ(TryPut(ghost).error().code, "ResourceNotFoundException");
}

// ----------------------------------------------------------------- routing

TEST_P(StreamStoreContract, RoutesByHashKeyIncludingTheEdgesOfEachRange) {
  StreamMeta s = CreateStream("s", 2);
  auto out = Append(s.id,
                    {Entry(0, "zero"), Entry(kMidHash - 1, "low-end"), Entry(kMidHash, "high-start"),
                     Entry(kMaxHash, "max")},
                    kT0);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].shard, 0u);
  EXPECT_EQ(out[1].shard, 0u);
  EXPECT_EQ(out[2].shard, 1u);
  EXPECT_EQ(out[3].shard, 1u);
  EXPECT_EQ(Datas(Read(s.id, 0, 0)), (std::vector<std::string>{"zero", "low-end"}));
  EXPECT_EQ(Datas(Read(s.id, 1, 0)), (std::vector<std::string>{"high-start", "max"}));
}

TEST_P(StreamStoreContract, AHashKeyNoOpenShardCoversFailsTheWholeAppend) {
  StreamMeta m;
  m.account_id = kAccount;
  m.name = "holey";
  m.shards = EvenShards(1, kT0);
  m.shards[0].ending_hash_key = kMidHash - 1;
  auto created = TryPut(m);
  ASSERT_TRUE(created.ok());
  auto r = TryAppend(created->id, {Entry(0, "in"), Entry(kMidHash, "out")}, kT0);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(Read(created->id, 0, 0).records.empty());
  EXPECT_EQ(LastCommitted(created->id, 0), 0u);
}

// The greatest shard index still bounds a range of its own, up to the next
// stream's records.
TEST_P(StreamStoreContract, TheLastShardIndexIsARangeOfItsOwn) {
  StreamMeta m;
  m.account_id = kAccount;
  m.name = "last-index";
  m.shards = EvenShards(1, kT0, 0xFFFFFFFFu);
  auto a = TryPut(m);
  ASSERT_TRUE(a.ok());
  StreamMeta b = CreateStream("next");
  ASSERT_EQ(b.id, a->id + 1);
  uint64_t seq = Append1(a->id, 0, "a", kT0).seq;
  Append1(b.id, 0, "b", kT0 + 1);
  EXPECT_EQ(Append1(a->id, kMaxHash, "a2", kT0 + 2).shard, 0xFFFFFFFFu);
  EXPECT_EQ(Datas(Read(a->id, 0xFFFFFFFFu, 0)), (std::vector<std::string>{"a", "a2"}));
  EXPECT_EQ(Trim(a->id, kT0 + 24 * kHour + 2), 1);
  EXPECT_EQ(Datas(Read(b.id, 0, 0)), (std::vector<std::string>{"b"}));
  EXPECT_GT(TrimHorizon(a->id, 0xFFFFFFFFu), seq);
  if (GetParam().rocks) {
    uint64_t last = LastCommitted(a->id, 0xFFFFFFFFu);
    Reopen(kT0);
    EXPECT_EQ(LastCommitted(a->id, 0xFFFFFFFFu), last);
    EXPECT_EQ(Datas(Read(a->id, 0xFFFFFFFFu, 0)), (std::vector<std::string>{"a2"}));
  }
}

// -------------------------------------------------------------------- seqs

TEST_P(StreamStoreContract, SeqsIncreasePerShardAndCarryTheArrivalTime) {
  StreamMeta s = CreateStream("s", 2);
  auto out = Append(s.id, {Entry(0, "a"), Entry(kMaxHash, "b"), Entry(0, "c"), Entry(1, "d")}, kT0);
  ASSERT_EQ(out.size(), 4u);
  const ShardMeta& shard0 = s.shards[0];
  EXPECT_GT(out[0].seq, shard0.starting_seq);
  EXPECT_LT(out[0].seq, out[2].seq);
  EXPECT_LT(out[2].seq, out[3].seq);
  for (const auto& o : out) {
    EXPECT_EQ(SeqTime(o.seq), kT0);
    EXPECT_GE(o.seq, SeqAtTime(kT0));
  }
  auto later = Append1(s.id, 0, "e", kT0 + 5);
  EXPECT_EQ(later.seq, SeqAtTime(kT0 + 5));
  ReadResult r = Read(s.id, 0, 0);
  ASSERT_EQ(r.records.size(), 4u);
  EXPECT_EQ(r.records[0].arrival_ms, kT0);
  EXPECT_EQ(r.records[3].arrival_ms, kT0 + 5);
  for (size_t i = 1; i < r.records.size(); ++i) EXPECT_LT(r.records[i - 1].seq, r.records[i].seq);
}

TEST_P(StreamStoreContract, SeqsKeepIncreasingWhenTheClockGoesBackwards) {
  StreamMeta s = CreateStream("s");
  uint64_t a = Append1(s.id, 0, "a", kT0 + 10'000).seq;
  uint64_t b = Append1(s.id, 0, "b", kT0 + 5'000).seq;
  uint64_t c = Append1(s.id, 0, "c", kT0).seq;
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_EQ(Datas(Read(s.id, 0, 0)), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_P(StreamStoreContract, SeqsStartAboveTheShardsStartingSeq) {
  StreamMeta m;
  m.account_id = kAccount;
  m.name = "future";
  m.shards = EvenShards(1, kT0 + 60'000);  // starting_seq one minute ahead of the clock
  auto created = TryPut(m);
  ASSERT_TRUE(created.ok());
  uint64_t seq = Append1(created->id, 0, "x", kT0).seq;
  EXPECT_GT(seq, created->shards[0].starting_seq);
}

// -------------------------------------------------------------------- read

TEST_P(StreamStoreContract, ReadReturnsEveryFieldOfARecord) {
  StreamMeta m = CreateStream("s");
  m.encryption_type = "KMS";
  ASSERT_TRUE(TryPut(m).ok());
  std::string binary = "\x00\x01\xff\n"s;
  auto out = Append(m.id, {Entry(0, binary, "key-1")}, kT0 + 3);
  ReadResult r = Read(m.id, 0, 0);
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].seq, out[0].seq);
  EXPECT_EQ(r.records[0].data, binary);
  EXPECT_EQ(r.records[0].partition_key, "key-1");
  EXPECT_EQ(r.records[0].arrival_ms, kT0 + 3);
  EXPECT_EQ(r.records[0].encryption_type, "KMS");
  EXPECT_EQ(r.last_committed, out[0].seq);
  EXPECT_EQ(r.next_seq, out[0].seq + 1);
  EXPECT_FALSE(r.end_of_shard);
}

TEST_P(StreamStoreContract, ReadPagesByMaxRecords) {
  StreamMeta s = CreateStream("s");
  std::vector<AppendEntry> entries;
  for (int i = 0; i < 7; ++i) entries.push_back(Entry(0, std::to_string(i)));
  auto out = Append(s.id, std::move(entries), kT0);
  std::vector<std::string> all;
  uint64_t next = 0;
  int pages = 0;
  for (;; ++pages) {
    ReadResult r = Read(s.id, 0, next, 3);
    EXPECT_LE(r.records.size(), 3u);
    if (r.records.empty()) break;
    for (auto& d : Datas(r)) all.push_back(d);
    EXPECT_EQ(r.next_seq, r.records.back().seq + 1);
    next = r.next_seq;
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(all, (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6"}));
  EXPECT_EQ(next, out.back().seq + 1);
}

TEST_P(StreamStoreContract, ReadPagesByMaxBytesButAlwaysReturnsOneRecord) {
  StreamMeta s = CreateStream("s");
  Append(s.id, {Entry(0, std::string(100, 'a')), Entry(0, std::string(100, 'b')),
                Entry(0, std::string(500, 'c')), Entry(0, std::string(10, 'd'))},
         kT0);
  ReadResult r = Read(s.id, 0, 0, 100, 250);
  ASSERT_EQ(r.records.size(), 2u);  // 100 + 100; the 500 would pass 250
  ReadResult big = Read(s.id, 0, r.next_seq, 100, 250);
  ASSERT_EQ(big.records.size(), 1u);  // larger than max_bytes, yet returned alone
  EXPECT_EQ(big.records[0].data.size(), 500u);
  ReadResult rest = Read(s.id, 0, big.next_seq, 100, 250);
  EXPECT_EQ(Datas(rest), (std::vector<std::string>{std::string(10, 'd')}));
  ReadResult exact = Read(s.id, 0, 0, 100, 200);
  EXPECT_EQ(exact.records.size(), 2u);  // exactly max_bytes fits
}

TEST_P(StreamStoreContract, ReadFromTheTipReturnsNothingAndStaysThere) {
  StreamMeta s = CreateStream("s");
  EXPECT_EQ(LastCommitted(s.id, 0), 0u);
  ReadResult empty = Read(s.id, 0, 0);
  EXPECT_TRUE(empty.records.empty());
  EXPECT_EQ(empty.last_committed, 0u);
  EXPECT_FALSE(empty.end_of_shard);
  uint64_t seq = Append1(s.id, 0, "a", kT0).seq;
  EXPECT_EQ(LastCommitted(s.id, 0), seq);
  ReadResult past = Read(s.id, 0, seq + 100);
  EXPECT_TRUE(past.records.empty());
  EXPECT_EQ(past.next_seq, seq + 100);
  EXPECT_EQ(past.last_committed, seq);
  ReadResult tip = Read(s.id, 0, seq + 1);
  EXPECT_TRUE(tip.records.empty());
  EXPECT_EQ(tip.next_seq, seq + 1);
  ReadResult none = Read(s.id, 0, 0, 0);
  EXPECT_TRUE(none.records.empty());
  EXPECT_EQ(none.next_seq, 0u);
}

TEST_P(StreamStoreContract, AtTimestampIsOneSeekToSeqAtTime) {
  StreamMeta s = CreateStream("s");
  Append1(s.id, 0, "t0", kT0);
  Append1(s.id, 0, "t10", kT0 + 10);
  Append1(s.id, 0, "t10b", kT0 + 10);
  Append1(s.id, 0, "t20", kT0 + 20);
  EXPECT_EQ(Datas(Read(s.id, 0, SeqAtTime(kT0 + 10))), (std::vector<std::string>{"t10", "t10b", "t20"}));
  EXPECT_EQ(Datas(Read(s.id, 0, SeqAtTime(kT0 + 11))), (std::vector<std::string>{"t20"}));
  EXPECT_EQ(Datas(Read(s.id, 0, SeqAtTime(kT0 - 1'000))).size(), 4u);
  EXPECT_TRUE(Read(s.id, 0, SeqAtTime(kT0 + 21)).records.empty());
}

// ---------------------------------------------------------- high-watermark

TEST_P(StreamStoreContract, AnAppendIsReadableAndAcknowledgedOnlyOnceDurable) {
  StreamMeta s = CreateStream("s");
  uint64_t first = Append1(s.id, 0, "committed", kT0).seq;
  kv_->Hold();
  Pending<std::vector<AppendOutcome>> pending;
  store_->Append(s.id, {Entry(0, "pending")}, kT0, pending.done());
  EXPECT_EQ(kv_->held(), 1u);
  EXPECT_FALSE(pending.ready());
  ReadResult r = Read(s.id, 0, 0);
  EXPECT_EQ(Datas(r), (std::vector<std::string>{"committed"}));
  EXPECT_EQ(r.last_committed, first);
  EXPECT_EQ(r.next_seq, first + 1);
  EXPECT_EQ(LastCommitted(s.id, 0), first);
  kv_->Release();
  auto done = pending.get();
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(Datas(Read(s.id, 0, first + 1)), (std::vector<std::string>{"pending"}));
  EXPECT_EQ(LastCommitted(s.id, 0), (*done)[0].seq);
}

// Completions may run out of order (a completion executor runs them on a
// pool). A later write's completion must not expose its records while an
// earlier one is unresolved: a reader would skip the earlier records for good.
TEST_P(StreamStoreContract, ALaterCompletionWaitsForEarlierWrites) {
  StreamMeta s = CreateStream("s");
  CapturedCompletions captured;
  kv_->Hold();
  kv_->SetCompletionExecutor(captured.Executor());
  Pending<std::vector<AppendOutcome>> a, b;
  store_->Append(s.id, {Entry(0, "a")}, kT0, a.done());
  store_->Append(s.id, {Entry(0, "b")}, kT0, b.done());
  kv_->Release();
  ASSERT_TRUE(captured.WaitFor(2));
  captured.Run(1);  // b's write finished first
  EXPECT_FALSE(b.ready());
  EXPECT_TRUE(Read(s.id, 0, 0).records.empty());
  EXPECT_EQ(LastCommitted(s.id, 0), 0u);
  captured.Run(0);
  ASSERT_TRUE(a.get().ok());
  ASSERT_TRUE(b.get().ok());
  EXPECT_EQ(Datas(Read(s.id, 0, 0)), (std::vector<std::string>{"a", "b"}));
  kv_->SetCompletionExecutor(nullptr);
}

TEST_P(StreamStoreContract, AFailedAppendLeavesNothingVisible) {
  StreamMeta s = CreateStream("s");
  kv_->InjectWriteFailure(kInjected);
  auto r = TryAppend(s.id, {Entry(0, "lost"), Entry(1, "lost too")}, kT0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "InternalFailure");
  EXPECT_TRUE(Read(s.id, 0, 0).records.empty());
  EXPECT_EQ(LastCommitted(s.id, 0), 0u);
  EXPECT_EQ(TrimHorizon(s.id, 0), 0u);
  EXPECT_EQ(StoredRecords(s.id), 0u);
  kv_->InjectWriteFailure(std::nullopt);
  uint64_t kept = Append1(s.id, 0, "kept", kT0).seq;
  EXPECT_EQ(Datas(Read(s.id, 0, 0)), (std::vector<std::string>{"kept"}));
  EXPECT_EQ(TrimHorizon(s.id, 0), kept);
}

// A failed write between two good ones leaves a hole in the seqs, never a
// record that shows up below one already read.
TEST_P(StreamStoreContract, AFailedWriteBetweenGoodOnesIsSkipped) {
  StreamMeta s = CreateStream("s");
  CapturedCompletions captured;
  kv_->Hold();
  kv_->SetCompletionExecutor(captured.Executor());
  Pending<std::vector<AppendOutcome>> a, b, c;
  store_->Append(s.id, {Entry(0, "a")}, kT0, a.done());
  kv_->Release();
  ASSERT_TRUE(captured.WaitFor(1));
  kv_->InjectWriteFailure(kInjected);
  store_->Append(s.id, {Entry(0, "b")}, kT0, b.done());
  ASSERT_TRUE(captured.WaitFor(2));
  kv_->InjectWriteFailure(std::nullopt);
  store_->Append(s.id, {Entry(0, "c")}, kT0, c.done());
  ASSERT_TRUE(captured.WaitFor(3));
  captured.Run(2);
  captured.Run(1);
  EXPECT_TRUE(Read(s.id, 0, 0).records.empty());
  captured.Run(0);
  ASSERT_TRUE(a.get().ok());
  ASSERT_FALSE(b.get().ok());
  auto cr = c.get();
  ASSERT_TRUE(cr.ok());
  EXPECT_EQ(Datas(Read(s.id, 0, 0)), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(LastCommitted(s.id, 0), (*cr)[0].seq);
  kv_->SetCompletionExecutor(nullptr);
}

TEST_P(StreamStoreContract, ConcurrentAppendsAreReadInOrderWithoutGaps) {
  StreamMeta s = CreateStream("s", 2);
  auto pool = std::make_unique<Pool>(3);
  kv_->SetCompletionExecutor([p = pool.get()](std::function<void()> f) { p->Post(std::move(f)); });
  constexpr int kWriters = 4, kCalls = 60, kPerCall = 5;
  std::atomic<int> failures{0};
  std::atomic<bool> writing{true};
  std::vector<uint64_t> seen;  // what a tailing reader of shard 0 got, in order
  std::thread reader([&] {
    uint64_t next = 0;
    for (;;) {
      bool last = !writing.load();
      auto r = store_->Read(s.id, 0, next, 7, 1 << 20);
      if (!r.ok()) {
        ++failures;
        return;
      }
      for (const auto& rec : r->records) seen.push_back(rec.seq);
      next = r->next_seq;
      if (last && r->records.empty()) return;
    }
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kCalls; ++i) {
        std::vector<AppendEntry> entries;
        for (int j = 0; j < kPerCall; ++j) {
          HashKey h = (j % 2) ? kMaxHash - HashKey(w) : HashKey(w * 1000 + i);
          entries.push_back(Entry(h, std::to_string(w) + "/" + std::to_string(i)));
        }
        auto r = TryAppend(s.id, std::move(entries), kT0 + i);
        if (!r.ok()) ++failures;
      }
    });
  }
  for (auto& t : writers) t.join();
  writing = false;
  reader.join();
  kv_->SetCompletionExecutor(nullptr);
  pool.reset();
  EXPECT_EQ(failures.load(), 0);
  ReadResult all = Read(s.id, 0, 0);
  std::vector<uint64_t> expected;
  for (const auto& rec : all.records) expected.push_back(rec.seq);
  EXPECT_EQ(expected.size(), size_t{kWriters * kCalls * ((kPerCall + 1) / 2)});
  EXPECT_TRUE(std::is_sorted(expected.begin(), expected.end()));
  EXPECT_EQ(seen, expected) << "the tailing reader missed or reordered records";
}

TEST_P(StreamStoreContract, TheListenerHearsOfRecordsOnceTheyAreReadable) {
  StreamMeta s = CreateStream("s", 2);
  struct Call {
    uint64_t stream;
    uint32_t shard;
    uint64_t last_seq;
    size_t readable;
  };
  struct Log {
    std::mutex mu;
    std::vector<Call> calls;
  };
  auto log = std::make_shared<Log>();
  StreamStore* store = store_.get();
  store_->SetAppendListener([log, store](uint64_t stream, uint32_t shard, uint64_t last_seq) {
    auto r = store->Read(stream, shard, 0, 100, 1 << 20);
    std::lock_guard<std::mutex> lock(log->mu);
    log->calls.push_back(Call{stream, shard, last_seq, r.ok() ? r->records.size() : 0});
  });
  auto out = Append(s.id, {Entry(0, "a"), Entry(1, "b"), Entry(kMaxHash, "c")}, kT0);
  kv_->Barrier();
  std::vector<Call> calls;
  {
    std::lock_guard<std::mutex> lock(log->mu);
    calls = log->calls;
  }
  ASSERT_EQ(calls.size(), 2u);
  std::sort(calls.begin(), calls.end(), [](const Call& a, const Call& b) { return a.shard < b.shard; });
  EXPECT_EQ(calls[0].stream, s.id);
  EXPECT_EQ(calls[0].shard, 0u);
  EXPECT_EQ(calls[0].last_seq, out[1].seq);
  EXPECT_EQ(calls[0].readable, 2u);
  EXPECT_EQ(calls[1].shard, 1u);
  EXPECT_EQ(calls[1].last_seq, out[2].seq);
  EXPECT_EQ(calls[1].readable, 1u);
  // A failed write tells nobody.
  kv_->InjectWriteFailure(kInjected);
  EXPECT_FALSE(TryAppend(s.id, {Entry(0, "x")}, kT0).ok());
  kv_->InjectWriteFailure(std::nullopt);
  kv_->Barrier();
  std::lock_guard<std::mutex> lock(log->mu);
  EXPECT_EQ(log->calls.size(), 2u);
}

// ---------------------------------------------------------- closing shards

TEST_P(StreamStoreContract, ClosingAShardSendsLaterAppendsToItsChildren) {
  StreamMeta s = CreateStream("s");
  Append1(s.id, 0, "before-1", kT0);
  uint64_t last = Append1(s.id, kMaxHash, "before-2", kT0).seq;
  auto put = TryPut(Split(s, 0, kMidHash, kT0 + 1));
  ASSERT_TRUE(put.ok());
  const ShardMeta* parent = FindShard(*put, 0);
  ASSERT_NE(parent, nullptr);
  EXPECT_EQ(parent->ending_seq, last);
  EXPECT_FALSE(parent->open());
  auto found = store_->FindStreamById(s.id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(FindShard(*found, 0)->ending_seq, last);

  auto out = Append(s.id, {Entry(0, "low"), Entry(kMaxHash, "high"), Entry(kMidHash, "mid")}, kT0 + 2);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].shard, 1u);
  EXPECT_EQ(out[1].shard, 2u);
  EXPECT_EQ(out[2].shard, 2u);

  ReadResult p = Read(s.id, 0, 0);
  EXPECT_EQ(Datas(p), (std::vector<std::string>{"before-1", "before-2"}));
  EXPECT_TRUE(p.end_of_shard);
  EXPECT_GT(p.next_seq, parent->ending_seq);
  // Reading on from the end stays at the end.
  ReadResult after = Read(s.id, 0, p.next_seq);
  EXPECT_TRUE(after.records.empty());
  EXPECT_TRUE(after.end_of_shard);
  // Paging through a closed shard reports the end only on the last page.
  ReadResult page = Read(s.id, 0, 0, 1);
  EXPECT_EQ(page.records.size(), 1u);
  EXPECT_FALSE(page.end_of_shard);
  ReadResult child = Read(s.id, 1, 0);
  EXPECT_EQ(Datas(child), (std::vector<std::string>{"low"}));
  EXPECT_FALSE(child.end_of_shard);
}

TEST_P(StreamStoreContract, ClosingAnEmptyShardEndsItAtItsStartingSeq) {
  StreamMeta s = CreateStream("s");
  auto put = TryPut(Split(s, 0, kMidHash, kT0 + 1));
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(FindShard(*put, 0)->ending_seq, s.shards[0].starting_seq);
  ReadResult r = Read(s.id, 0, 0);
  EXPECT_TRUE(r.records.empty());
  EXPECT_TRUE(r.end_of_shard);
}

TEST_P(StreamStoreContract, AnAppendInFlightWhenTheShardClosesIsItsLastRecord) {
  StreamMeta s = CreateStream("s");
  kv_->Hold();
  Pending<std::vector<AppendOutcome>> pending;
  store_->Append(s.id, {Entry(0, "in-flight")}, kT0, pending.done());
  Pending<StreamMeta> put;
  store_->PutStream(Split(s, 0, kMidHash, kT0 + 1), put.done());
  // The close takes no append submitted after it, even before it is durable.
  Pending<std::vector<AppendOutcome>> child;
  store_->Append(s.id, {Entry(0, "child")}, kT0 + 2, child.done());
  EXPECT_EQ(kv_->held(), 3u);
  ReadResult before = Read(s.id, 0, 0);
  EXPECT_TRUE(before.records.empty());
  EXPECT_FALSE(before.end_of_shard) << "a record is still on its way";
  kv_->Release();
  auto appended = pending.get();
  ASSERT_TRUE(appended.ok());
  auto meta = put.get();
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(FindShard(*meta, 0)->ending_seq, (*appended)[0].seq);
  auto c = child.get();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)[0].shard, 1u);
  ReadResult after = Read(s.id, 0, 0);
  EXPECT_EQ(Datas(after), (std::vector<std::string>{"in-flight"}));
  EXPECT_TRUE(after.end_of_shard);
}

TEST_P(StreamStoreContract, AClosedShardWhoseLastWriteFailedStillEnds) {
  StreamMeta s = CreateStream("s");
  Append1(s.id, 0, "ok", kT0);
  kv_->InjectWriteFailure(kInjected);
  EXPECT_FALSE(TryAppend(s.id, {Entry(0, "lost")}, kT0).ok());
  kv_->InjectWriteFailure(std::nullopt);
  auto put = TryPut(Split(s, 0, kMidHash, kT0 + 1));
  ASSERT_TRUE(put.ok());
  ReadResult r = Read(s.id, 0, 0);
  EXPECT_EQ(Datas(r), (std::vector<std::string>{"ok"}));
  EXPECT_TRUE(r.end_of_shard);
  EXPECT_GT(r.next_seq, FindShard(*put, 0)->ending_seq);
}

TEST_P(StreamStoreContract, AClosedShardStaysClosedAtItsEndingSeq) {
  StreamMeta s = CreateStream("s");
  uint64_t last = Append1(s.id, 0, "a", kT0).seq;
  auto put = TryPut(Split(s, 0, kMidHash, kT0 + 1));
  ASSERT_TRUE(put.ok());
  StreamMeta again = *put;
  for (auto& shard : again.shards) {
    if (shard.index == 0) shard.ending_seq = 0;  // a caller that did not carry it over
  }
  auto put2 = TryPut(again);
  ASSERT_TRUE(put2.ok());
  EXPECT_EQ(FindShard(*put2, 0)->ending_seq, last);
  EXPECT_EQ(Append1(s.id, 0, "b", kT0 + 2).shard, 1u);
}

TEST_P(StreamStoreContract, ShardsDroppedFromTheMetadataAreForgotten) {
  StreamMeta s = CreateStream("s");
  auto put = TryPut(Split(s, 0, kMidHash, kT0 + 1));
  ASSERT_TRUE(put.ok());
  StreamMeta m = *put;
  m.shards.erase(m.shards.begin());
  ASSERT_TRUE(TryPut(m).ok());
  EXPECT_EQ(store_->Read(s.id, 0, 0, 1, 1).error().code, "ResourceNotFoundException");
  EXPECT_TRUE(Read(s.id, 1, 0).records.empty());
}

// ---------------------------------------------------------------- trimming

TEST_P(StreamStoreContract, TrimRemovesRecordsPastRetentionAndMovesTheTrimHorizon) {
  StreamMeta s = CreateStream("s", 2);
  uint64_t a = Append1(s.id, 0, "t0", kT0).seq;
  Append1(s.id, 0, "t1h", kT0 + kHour);
  uint64_t c = Append1(s.id, 0, "t2h", kT0 + 2 * kHour).seq;
  uint64_t other = Append1(s.id, kMaxHash, "other", kT0 + 2 * kHour).seq;
  EXPECT_EQ(TrimHorizon(s.id, 0), a);
  EXPECT_EQ(Trim(s.id, kT0 + 24 * kHour), 0);  // nothing is older than 24 h yet
  EXPECT_EQ(TrimHorizon(s.id, 0), a);
  // Records that arrived before now - 24 h go.
  EXPECT_EQ(Trim(s.id, kT0 + 25 * kHour + 1), 2);
  EXPECT_EQ(TrimHorizon(s.id, 0), c);
  EXPECT_EQ(TrimHorizon(s.id, 1), other);
  EXPECT_EQ(StoredRecords(s.id), 2u) << "trimmed records must leave the store";
  EXPECT_EQ(Datas(Read(s.id, 0, 0)), (std::vector<std::string>{"t2h"}));
  EXPECT_EQ(LastCommitted(s.id, 0), c);
  EXPECT_EQ(Trim(s.id, kT0 + 25 * kHour + 1), 0);
}

TEST_P(StreamStoreContract, TrimmingAShardEmptyKeepsItsSeqsIncreasing) {
  StreamMeta s = CreateStream("s", 1, kAccount, 1);
  uint64_t a = Append1(s.id, 0, "a", kT0).seq;
  uint64_t b = Append1(s.id, 0, "b", kT0 + 1).seq;
  EXPECT_EQ(Trim(s.id, kT0 + 10 * kHour), 2);
  EXPECT_EQ(TrimHorizon(s.id, 0), 0u);
  EXPECT_EQ(LastCommitted(s.id, 0), b);
  EXPECT_TRUE(Read(s.id, 0, 0).records.empty());
  uint64_t c = Append1(s.id, 0, "c", kT0).seq;  // with the clock set back
  EXPECT_GT(c, b);
  EXPECT_GT(b, a);
  EXPECT_EQ(TrimHorizon(s.id, 0), c);
  EXPECT_EQ(Datas(Read(s.id, 0, 0)), (std::vector<std::string>{"c"}));
}

TEST_P(StreamStoreContract, TrimNeverRemovesARecordStillBeingWritten) {
  StreamMeta s = CreateStream("s", 1, kAccount, 1);
  kv_->Hold();
  Pending<std::vector<AppendOutcome>> pending;
  store_->Append(s.id, {Entry(0, "pending")}, kT0, pending.done());
  auto r = store_->Trim(s.id, kT0 + 100 * kHour);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 0);
  kv_->Release();
  ASSERT_TRUE(pending.get().ok());
  EXPECT_EQ(Datas(Read(s.id, 0, 0)), (std::vector<std::string>{"pending"}));
}

TEST_P(StreamStoreContract, AFailedTrimKeepsTheRecordsAndTheHorizon) {
  StreamMeta s = CreateStream("s", 1, kAccount, 1);
  uint64_t a = Append1(s.id, 0, "a", kT0).seq;
  kv_->InjectWriteFailure(kInjected);
  Trim(s.id, kT0 + 10 * kHour);
  kv_->InjectWriteFailure(std::nullopt);
  EXPECT_EQ(TrimHorizon(s.id, 0), a);
  EXPECT_EQ(Datas(Read(s.id, 0, 0)), (std::vector<std::string>{"a"}));
  // The next pass does it.
  EXPECT_EQ(Trim(s.id, kT0 + 10 * kHour), 1);
  EXPECT_EQ(TrimHorizon(s.id, 0), 0u);
}

// ------------------------------------------------------------------ failures

TEST_P(StreamStoreContract, AFailedCreationCreatesNothing) {
  kv_->InjectWriteFailure(kInjected);
  StreamMeta m;
  m.account_id = kAccount;
  m.name = "s";
  EXPECT_FALSE(TryPut(m).ok());
  EXPECT_FALSE(store_->FindStream(kAccount, "s").has_value());
  EXPECT_TRUE(store_->ListStreams(kAccount).empty());
  kv_->InjectWriteFailure(std::nullopt);
  EXPECT_NE(CreateStream("s").id, 0u);
}

TEST_P(StreamStoreContract, AFailedDeleteKeepsTheStream) {
  StreamMeta s = CreateStream("s");
  Append1(s.id, 0, "a", kT0);
  kv_->InjectWriteFailure(kInjected);
  EXPECT_FALSE(Await<void>([&](auto done) { store_->DeleteStream(s.id, done); }).ok());
  kv_->InjectWriteFailure(std::nullopt);
  ASSERT_TRUE(store_->FindStream(kAccount, "s").has_value());
  EXPECT_EQ(Datas(Read(s.id, 0, 0)), (std::vector<std::string>{"a"}));
}

// A PutStream whose write fails leaves the new metadata in effect (appends
// may already have been routed by it); the next write carries it.
TEST_P(StreamStoreContract, AFailedPutStreamIsCarriedByTheNextAppend) {
  StreamMeta s = CreateStream("s");
  kv_->InjectWriteFailure(kInjected);
  auto put = TryPut(Split(s, 0, kMidHash, kT0 + 1));
  ASSERT_FALSE(put.ok());
  kv_->InjectWriteFailure(std::nullopt);
  EXPECT_EQ(Append1(s.id, 0, "child", kT0 + 2).shard, 1u);
  auto stored = kv_->Get(Space::kMeta, "stream/"s + kAccount + "/s");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ(store_->FindStreamById(s.id)->shards.size(), 3u);
}

// A closed KvStore completes commits inline, inside the call that submitted
// them; callbacks that call back into the store must not deadlock.
TEST_P(StreamStoreContract, CallsAfterTheKvStoreClosedFailWithoutDeadlock) {
  StreamMeta s = CreateStream("s");
  uint64_t seq = Append1(s.id, 0, "kept", kT0).seq;
  kv_->Close();
  StreamStore* store = store_.get();
  int calls = 0;
  std::string code;
  bool found_in_callback = false;
  store_->Append(s.id, {Entry(0, "late")}, kT0, [&](Result<std::vector<AppendOutcome>> r) {
    ++calls;
    if (!r.ok()) code = r.error().code;
    found_in_callback = store->FindStreamById(s.id).has_value();
    auto again = store->Read(s.id, 0, 0, 10, 1 << 20);
    EXPECT_TRUE(again.ok());
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(code, "ServiceUnavailable");
  EXPECT_TRUE(found_in_callback);
  StreamMeta m = *store_->FindStreamById(s.id);
  m.tags["k"] = "v";
  int put_calls = 0;
  store_->PutStream(m, [&](Result<StreamMeta> r) {
    ++put_calls;
    EXPECT_FALSE(r.ok());
    store->ListStreams(kAccount);
  });
  EXPECT_EQ(put_calls, 1);
  ReadResult r = Read(s.id, 0, 0);
  EXPECT_EQ(Datas(r), (std::vector<std::string>{"kept"}));
  EXPECT_EQ(r.last_committed, seq);
}

INSTANTIATE_TEST_SUITE_P(Backends, StreamStoreContract,
                         ::testing::Values(Backend{"Memory", false}, Backend{"RocksDB", true}),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return std::string(info.param.name);
                         });

// ---------------------------------------------------------------- recovery

class StreamStoreRecovery : public StreamStoreBase, public ::testing::Test {
 protected:
  void SetUp() override { Start(/*rocks=*/true); }
  void TearDown() override { Stop(); }
};

TEST_F(StreamStoreRecovery, EveryMetadataFieldSurvives) {
  StreamMeta m;
  m.account_id = kAccount;
  m.name = "orders";
  m.status = "ACTIVE";
  m.status_changed_ms = kT0 + 1;
  m.mode = "ON_DEMAND";
  m.created_ms = kT0;
  m.retention_hours = 168;
  m.max_record_size_kib = 2048;
  m.encryption_type = "KMS";
  m.key_id = "alias/k";
  m.enhanced_metrics = {"IncomingBytes", "ALL"};
  m.tags = {{"env", "test"}, {"empty", ""}};
  m.resource_policy = "{\"Version\":\"2012-10-17\"}";
  m.shards = EvenShards(2, kT0);
  m.shards[1].parent = 7;
  m.shards[1].adjacent_parent = 8;
  m.next_shard_index = 9;
  m.consumers.push_back(ConsumerMeta{"c1", "arn:aws:kinesis:c1", "ACTIVE", kT0 + 2});
  m.extra = {{"x", "\x00y"s}};
  auto created = TryPut(m);
  ASSERT_TRUE(created.ok());
  CreateStream("other");

  Reopen(kT0 + 1'000);
  auto f = store_->FindStream(kAccount, "orders");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->id, created->id);
  EXPECT_EQ(f->status, "ACTIVE");
  EXPECT_EQ(f->status_changed_ms, kT0 + 1);
  EXPECT_EQ(f->mode, "ON_DEMAND");
  EXPECT_EQ(f->created_ms, kT0);
  EXPECT_EQ(f->retention_hours, 168);
  EXPECT_EQ(f->max_record_size_kib, 2048);
  EXPECT_EQ(f->encryption_type, "KMS");
  EXPECT_EQ(f->key_id, "alias/k");
  EXPECT_EQ(f->enhanced_metrics, m.enhanced_metrics);
  EXPECT_EQ(f->tags, m.tags);
  EXPECT_EQ(f->resource_policy, m.resource_policy);
  ASSERT_EQ(f->shards.size(), 2u);
  EXPECT_EQ(f->shards[0].starting_hash_key, HashKey{0});
  EXPECT_FALSE(f->shards[0].parent.has_value());
  EXPECT_EQ(f->shards[1].ending_hash_key, kMaxHash);
  EXPECT_EQ(f->shards[1].starting_hash_key, m.shards[1].starting_hash_key);
  EXPECT_EQ(f->shards[1].parent, std::optional<uint32_t>(7));
  EXPECT_EQ(f->shards[1].adjacent_parent, std::optional<uint32_t>(8));
  EXPECT_EQ(f->shards[1].starting_seq, SeqAtTime(kT0));
  EXPECT_EQ(f->shards[1].created_ms, kT0);
  EXPECT_EQ(f->next_shard_index, 9u);
  ASSERT_EQ(f->consumers.size(), 1u);
  EXPECT_EQ(f->consumers[0].name, "c1");
  EXPECT_EQ(f->consumers[0].arn, "arn:aws:kinesis:c1");
  EXPECT_EQ(f->consumers[0].status, "ACTIVE");
  EXPECT_EQ(f->consumers[0].created_ms, kT0 + 2);
  EXPECT_EQ(f->extra, m.extra);
  EXPECT_EQ(store_->ListStreams(kAccount).size(), 2u);
}

TEST_F(StreamStoreRecovery, RecordsCountersAndClosedShardsSurvive) {
  StreamMeta s = CreateStream("s", 1, kAccount, 1);
  Append1(s.id, 0, "old", kT0);
  uint64_t kept = Append1(s.id, 0, "kept", kT0 + 2 * kHour).seq;
  uint64_t last = Append1(s.id, kMaxHash, "last", kT0 + 2 * kHour + 1).seq;
  ASSERT_EQ(Trim(s.id, kT0 + 2 * kHour), 1);
  auto put = TryPut(Split(s, 0, kMidHash, kT0 + 3 * kHour));
  ASSERT_TRUE(put.ok());
  uint64_t child = Append1(s.id, kMaxHash, "child", kT0 + 3 * kHour).seq;

  Reopen(kT0 + 3 * kHour);
  auto f = store_->FindStreamById(s.id);
  ASSERT_TRUE(f.has_value());
  ASSERT_EQ(f->shards.size(), 3u);
  EXPECT_EQ(FindShard(*f, 0)->ending_seq, last);
  EXPECT_EQ(TrimHorizon(s.id, 0), kept);
  EXPECT_EQ(LastCommitted(s.id, 0), last);
  ReadResult p = Read(s.id, 0, 0);
  EXPECT_EQ(Datas(p), (std::vector<std::string>{"kept", "last"}));
  EXPECT_TRUE(p.end_of_shard);
  EXPECT_EQ(LastCommitted(s.id, 2), child);
  // Routing still goes to the children; seqs continue above what was there
  // even with the clock set back.
  auto out = Append(s.id, {Entry(0, "low"), Entry(kMaxHash, "high")}, kT0);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].shard, 1u);
  EXPECT_EQ(out[1].shard, 2u);
  EXPECT_GT(out[1].seq, child);
  EXPECT_GT(out[0].seq, FindShard(*f, 1)->starting_seq);
  EXPECT_EQ(Datas(Read(s.id, 2, 0)), (std::vector<std::string>{"child", "high"}));
}

TEST_F(StreamStoreRecovery, SeqsStayIncreasingAfterATrimEmptiedAShard) {
  StreamMeta s = CreateStream("s", 1, kAccount, 1);
  uint64_t b = Append(s.id, {Entry(0, "a"), Entry(0, "b")}, kT0 + kHour)[1].seq;
  ASSERT_EQ(Trim(s.id, kT0 + 10 * kHour), 2);
  Reopen(kT0);  // the clock went back too
  EXPECT_EQ(TrimHorizon(s.id, 0), 0u);
  EXPECT_EQ(LastCommitted(s.id, 0), b);
  uint64_t c = Append1(s.id, 0, "c", kT0).seq;
  EXPECT_GT(c, b);
}

TEST_F(StreamStoreRecovery, StreamIdsAreNeverReused) {
  StreamMeta a = CreateStream("a");
  StreamMeta b = CreateStream("b");
  ASSERT_TRUE(Await<void>([&](auto done) { store_->DeleteStream(b.id, done); }).ok());
  Reopen(kT0);
  EXPECT_FALSE(store_->FindStreamById(b.id).has_value());
  StreamMeta c = CreateStream("b");
  EXPECT_GT(c.id, b.id);
  EXPECT_TRUE(Read(c.id, 0, 0).records.empty());
  EXPECT_TRUE(store_->FindStreamById(a.id).has_value());
}

TEST_F(StreamStoreRecovery, ADeletedStreamStaysDeleted) {
  StreamMeta s = CreateStream("s", 2);
  Append(s.id, {Entry(0, "a"), Entry(kMaxHash, "b")}, kT0);
  ASSERT_TRUE(Await<void>([&](auto done) { store_->DeleteStream(s.id, done); }).ok());
  Reopen(kT0);
  EXPECT_FALSE(store_->FindStream(kAccount, "s").has_value());
  EXPECT_EQ(StoredRecords(s.id), 0u);
}

TEST_F(StreamStoreRecovery, AFailedPutStreamCarriedByAnAppendSurvives) {
  StreamMeta s = CreateStream("s");
  kv_->InjectWriteFailure(kInjected);
  ASSERT_FALSE(TryPut(Split(s, 0, kMidHash, kT0 + 1)).ok());
  kv_->InjectWriteFailure(std::nullopt);
  uint64_t seq = Append1(s.id, kMaxHash, "child", kT0 + 2).seq;
  Reopen(kT0 + 3);
  auto f = store_->FindStreamById(s.id);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->shards.size(), 3u);
  EXPECT_FALSE(FindShard(*f, 0)->open());
  ReadResult r = Read(s.id, 2, 0);
  ASSERT_EQ(r.records.size(), 1u);
  EXPECT_EQ(r.records[0].seq, seq);
}

// --------------------------------------------------------------- throughput

// Not a contract: the append and read rates on RocksDB with durable writes,
// 500 records of 1 KiB per call (a full PutRecords). Run with
// --gtest_also_run_disabled_tests --gtest_filter='*Throughput*'.
TEST_F(StreamStoreRecovery, DISABLED_Throughput) {
  constexpr int kProducers = 4, kCallsEach = 100, kBatch = 500, kSize = 1024;
  StreamMeta s = CreateStream("bench", 4);
  std::string payload(kSize, 'x');
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> producers;
  std::atomic<int> failures{0};
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      uint64_t h = 0x9e3779b97f4a7c15ull * (p + 1);
      for (int c = 0; c < kCallsEach; ++c) {
        std::vector<AppendEntry> entries;
        entries.reserve(kBatch);
        for (int i = 0; i < kBatch; ++i) {
          h = h * 6364136223846793005ull + 1442695040888963407ull;
          entries.push_back(Entry(static_cast<HashKey>(h) << 64, payload, "partition-key"));
        }
        if (!TryAppend(s.id, std::move(entries), kT0 + c).ok()) ++failures;
      }
    });
  }
  for (auto& t : producers) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double mb = double(kProducers) * kCallsEach * kBatch * kSize / 1e6;
  EXPECT_EQ(failures.load(), 0);
  std::printf("append: %.0f MB in %.2f s = %.0f MB/s (%.0f calls/s)\n", mb, secs, mb / secs,
              kProducers * kCallsEach / secs);

  start = std::chrono::steady_clock::now();
  int64_t bytes = 0;
  for (uint32_t shard = 0; shard < 4; ++shard) {
    uint64_t next = 0;
    for (;;) {
      ReadResult r = Read(s.id, shard, next, 10'000, 10 << 20);
      for (const auto& rec : r.records) bytes += static_cast<int64_t>(rec.data.size());
      next = r.next_seq;
      if (r.records.empty()) break;
    }
  }
  secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("read: %.0f MB in %.2f s = %.0f MB/s\n", bytes / 1e6, secs, bytes / 1e6 / secs);
}

}  // namespace
}  // namespace sluice::storage
