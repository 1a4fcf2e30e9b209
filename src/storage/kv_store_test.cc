// The KvStore contract, run on every backend: point reads and writes, range
// deletes, prefix scans, range reads, atomic batches, group commit with
// exactly-once completion, fault injection, and (for RocksDB) persistence
// across reopen, including data directories older than a Space.
#include "storage/kv_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <rocksdb/db.h>

#include "common/bytes.h"
#include "storage/group_committer.h"

namespace sluice::storage {
namespace {

using namespace std::string_literals;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr auto kWait = 20s;  // generous: only reached when a completion is lost

fs::path MakeTempDir(const char* tag) {
  std::string templ = (fs::temp_directory_path() / (std::string("sluice-") + tag + "-XXXXXX")).string();
  char* made = mkdtemp(templ.data());
  EXPECT_NE(made, nullptr);
  return fs::path(templ);
}

Mutation Put(Space space, std::string key, std::string value) {
  return Mutation{Mutation::Op::kPut, space, std::move(key), std::move(value)};
}
Mutation Del(Space space, std::string key) {
  return Mutation{Mutation::Op::kDelete, space, std::move(key), {}};
}
Mutation DelRange(Space space, std::string from, std::string to) {
  return Mutation{Mutation::Op::kDeleteRange, space, std::move(from), std::move(to)};
}

// Commits and waits for the completion.
Status CommitSync(KvStore& kv, Batch batch) {
  auto p = std::make_shared<std::promise<Status>>();
  auto f = p->get_future();
  kv.Commit(std::move(batch), [p](Status st) { p->set_value(std::move(st)); });
  if (f.wait_for(kWait) != std::future_status::ready) {
    return Error{"Timeout", "the commit did not complete"};
  }
  return f.get();
}

std::optional<std::string> GetOrFail(KvStore& kv, Space space, std::string_view key) {
  auto r = kv.Get(space, key);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  if (!r.ok()) return std::nullopt;
  return *r;
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs ScanAll(KvStore& kv, Space space, std::string_view prefix, size_t limit = SIZE_MAX) {
  Pairs out;
  Status st = kv.Scan(space, prefix, [&](std::string_view k, std::string_view v) {
    out.emplace_back(std::string(k), std::string(v));
    return out.size() < limit;
  });
  EXPECT_TRUE(st.ok());
  return out;
}

// Concatenation by append: `"literal" + std::to_string(n)` trips a false
// -Wrestrict warning in g++ 12.
std::string Cat(std::string_view a, int n, std::string_view b = "") {
  std::string s(a);
  s += std::to_string(n);
  s += b;
  return s;
}

// Counts completions arriving on the committer thread; `all` becomes ready
// with the last one. Shared, so a late completion never outlives it.
struct Tally {
  explicit Tally(int expected) : expected(expected), all(done_promise.get_future()) {}
  void Record(bool match) {
    if (match) ++matched;
    if (++done == expected) done_promise.set_value();
  }
  const int expected;
  std::atomic<int> matched{0};
  std::atomic<int> done{0};
  std::promise<void> done_promise;
  std::future<void> all;
};

std::string Key(uint64_t queue, uint64_t seq) {
  std::string k;
  bytes::PutU64(k, queue);
  bytes::PutU64(k, seq);
  return k;
}

// ---------------------------------------------------------------- fixture

struct Backend {
  const char* name;
  bool rocks;
};
void PrintTo(const Backend& b, std::ostream* os) { *os << b.name; }

class KvStoreContract : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam().rocks) dir_ = MakeTempDir("kv");
    kv_ = Open();
    ASSERT_NE(kv_, nullptr);
  }

  void TearDown() override {
    if (kv_) kv_->Close();
    kv_.reset();
    if (!dir_.empty()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
  }

  std::unique_ptr<KvStore> Open() {
    if (!GetParam().rocks) return OpenMemoryKvStore();
    auto r = OpenRocksKvStore(dir_.string(), Durability::kDurable);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    if (!r.ok()) return nullptr;
    return std::move(r).value();
  }

  void Commit(Batch batch) {
    Status st = CommitSync(*kv_, std::move(batch));
    ASSERT_TRUE(st.ok()) << st.error().code << ": " << st.error().message;
  }

  std::optional<std::string> Get(Space space, std::string_view key) {
    return GetOrFail(*kv_, space, key);
  }

  fs::path dir_;
  std::unique_ptr<KvStore> kv_;
};

TEST_P(KvStoreContract, PutThenGet) {
  Commit({Put(Space::kMeta, "k", "v")});
  EXPECT_EQ(Get(Space::kMeta, "k"), "v");
}

TEST_P(KvStoreContract, MissingKeyIsNullopt) {
  EXPECT_EQ(Get(Space::kMeta, "absent"), std::nullopt);
  Commit({Put(Space::kMeta, "abc", "v")});
  EXPECT_EQ(Get(Space::kMeta, "ab"), std::nullopt);
  EXPECT_EQ(Get(Space::kMeta, "abcd"), std::nullopt);
}

TEST_P(KvStoreContract, EmptyValueIsNotAbsence) {
  Commit({Put(Space::kMeta, "k", "")});
  EXPECT_EQ(Get(Space::kMeta, "k"), "");
}

TEST_P(KvStoreContract, BinaryKeysAndValues) {
  std::string key = "\x00\xff\x00k"s;
  std::string value = "\x00\x01\x02\xff"s;
  Commit({Put(Space::kMessages, key, value)});
  EXPECT_EQ(Get(Space::kMessages, key), value);
  EXPECT_EQ(Get(Space::kMessages, "\x00\xff\x00"s), std::nullopt);
}

TEST_P(KvStoreContract, LargeValue) {
  std::string big(1 << 20, 'x');
  for (size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>(i / 4096);
  Commit({Put(Space::kMessages, "big", big)});
  EXPECT_EQ(Get(Space::kMessages, "big"), big);
}

TEST_P(KvStoreContract, SpacesAreSeparate) {
  Commit({Put(Space::kMeta, "k", "meta"), Put(Space::kMessages, "k", "msg")});
  EXPECT_EQ(Get(Space::kMeta, "k"), "meta");
  EXPECT_EQ(Get(Space::kMessages, "k"), "msg");
  EXPECT_EQ(Get(Space::kMessageState, "k"), std::nullopt);
  Commit({Del(Space::kMeta, "k")});
  EXPECT_EQ(Get(Space::kMeta, "k"), std::nullopt);
  EXPECT_EQ(Get(Space::kMessages, "k"), "msg");
}

TEST_P(KvStoreContract, PutOverwrites) {
  Commit({Put(Space::kMeta, "k", "one")});
  Commit({Put(Space::kMeta, "k", "two")});
  EXPECT_EQ(Get(Space::kMeta, "k"), "two");
}

TEST_P(KvStoreContract, DeleteRemovesAndDeletingAMissingKeySucceeds) {
  Commit({Put(Space::kMeta, "a", "1"), Put(Space::kMeta, "b", "2")});
  Commit({Del(Space::kMeta, "a")});
  EXPECT_EQ(Get(Space::kMeta, "a"), std::nullopt);
  EXPECT_EQ(Get(Space::kMeta, "b"), "2");
  Commit({Del(Space::kMeta, "never-written")});
  Commit({Del(Space::kMeta, "a")});
  EXPECT_EQ(Get(Space::kMeta, "b"), "2");
}

TEST_P(KvStoreContract, DeleteRangeIsHalfOpenAndStaysInItsSpace) {
  Commit({Put(Space::kMessages, "a", "1"), Put(Space::kMessages, "b", "2"),
          Put(Space::kMessages, "b\x00"s, "3"), Put(Space::kMessages, "bz", "4"),
          Put(Space::kMessages, "c", "5"), Put(Space::kMessages, "d", "6"),
          Put(Space::kMessageState, "b", "other space")});
  Commit({DelRange(Space::kMessages, "b", "d")});
  EXPECT_EQ(ScanAll(*kv_, Space::kMessages, ""), (Pairs{{"a", "1"}, {"d", "6"}}));
  EXPECT_EQ(Get(Space::kMessageState, "b"), "other space");
}

TEST_P(KvStoreContract, EmptyDeleteRangeDeletesNothing) {
  Commit({Put(Space::kMessages, "b", "2")});
  Commit({DelRange(Space::kMessages, "b", "b")});
  EXPECT_EQ(Get(Space::kMessages, "b"), "2");
}

TEST_P(KvStoreContract, DeleteRangeOverEncodedQueueKeys) {
  // The shape the queue store uses: [queue prefix, next queue prefix).
  Batch b;
  for (uint64_t q : {1, 2, 3}) {
    for (uint64_t seq : {uint64_t{0}, uint64_t{1}, uint64_t{255}, uint64_t{256}, UINT64_MAX}) {
      b.push_back(Put(Space::kMessages, Key(q, seq), "m"));
    }
  }
  Commit(std::move(b));
  std::string from, to;
  bytes::PutU64(from, 2);
  bytes::PutU64(to, 3);
  Commit({DelRange(Space::kMessages, from, to)});
  EXPECT_EQ(ScanAll(*kv_, Space::kMessages, from).size(), 0u);
  EXPECT_EQ(ScanAll(*kv_, Space::kMessages, "").size(), 10u);
  EXPECT_EQ(Get(Space::kMessages, Key(1, UINT64_MAX)), "m");
  EXPECT_EQ(Get(Space::kMessages, Key(3, 0)), "m");
}

TEST_P(KvStoreContract, ScanVisitsThePrefixInKeyOrder) {
  Commit({Put(Space::kMeta, "q/b", "2"), Put(Space::kMeta, "q/a", "1"), Put(Space::kMeta, "q/c", "3"),
          Put(Space::kMeta, "q", "bare"), Put(Space::kMeta, "qa", "x"), Put(Space::kMeta, "p", "y"),
          Put(Space::kMessages, "q/z", "other space")});
  EXPECT_EQ(ScanAll(*kv_, Space::kMeta, "q/"), (Pairs{{"q/a", "1"}, {"q/b", "2"}, {"q/c", "3"}}));
  EXPECT_EQ(ScanAll(*kv_, Space::kMeta, "q"),
            (Pairs{{"q", "bare"}, {"q/a", "1"}, {"q/b", "2"}, {"q/c", "3"}, {"qa", "x"}}));
  EXPECT_EQ(ScanAll(*kv_, Space::kMeta, "").size(), 6u);
  EXPECT_TRUE(ScanAll(*kv_, Space::kMeta, "zz").empty());
  EXPECT_TRUE(ScanAll(*kv_, Space::kMessageState, "").empty());
}

TEST_P(KvStoreContract, ScanStopsWhenTheVisitorSaysSo) {
  Commit({Put(Space::kMeta, "k1", "1"), Put(Space::kMeta, "k2", "2"), Put(Space::kMeta, "k3", "3")});
  EXPECT_EQ(ScanAll(*kv_, Space::kMeta, "k", 2), (Pairs{{"k1", "1"}, {"k2", "2"}}));
  int visits = 0;
  Status st = kv_->Scan(Space::kMeta, "k", [&](std::string_view, std::string_view) {
    ++visits;
    return false;
  });
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(visits, 1);
}

TEST_P(KvStoreContract, ScanWithBinaryPrefixOrdersBytesUnsigned) {
  Commit({Put(Space::kMessages, Key(1, 2), "b"), Put(Space::kMessages, Key(1, 1), "a"),
          Put(Space::kMessages, Key(1, 256), "c"), Put(Space::kMessages, Key(1, UINT64_MAX), "d"),
          Put(Space::kMessages, Key(2, 0), "other queue"), Put(Space::kMessages, Key(0, 9), "x")});
  std::string prefix;
  bytes::PutU64(prefix, 1);
  Pairs got = ScanAll(*kv_, Space::kMessages, prefix);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].second, "a");
  EXPECT_EQ(got[1].second, "b");
  EXPECT_EQ(got[2].second, "c");
  EXPECT_EQ(got[3].second, "d");
}

TEST_P(KvStoreContract, MutationsOfABatchApplyInOrder) {
  Commit({Put(Space::kMeta, "k", "1"), Del(Space::kMeta, "k"), Put(Space::kMeta, "j", "2"),
          Put(Space::kMeta, "j", "3"), Del(Space::kMeta, "x"), Put(Space::kMeta, "x", "back")});
  EXPECT_EQ(Get(Space::kMeta, "k"), std::nullopt);
  EXPECT_EQ(Get(Space::kMeta, "j"), "3");
  EXPECT_EQ(Get(Space::kMeta, "x"), "back");
}

TEST_P(KvStoreContract, EmptyBatchCompletes) {
  Commit({});
}

TEST_P(KvStoreContract, FailedBatchWritesNothing) {
  Commit({Put(Space::kMeta, "kept", "old")});
  kv_->InjectWriteFailure(Error{"InternalFailure", "disk on fire", 500, false});
  Status st = CommitSync(*kv_, {Put(Space::kMeta, "a", "1"), Put(Space::kMessages, "b", "2"),
                                Del(Space::kMeta, "kept"), Put(Space::kMeta, "kept", "new")});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "InternalFailure");
  EXPECT_EQ(st.error().message, "disk on fire");
  EXPECT_EQ(Get(Space::kMeta, "a"), std::nullopt);
  EXPECT_EQ(Get(Space::kMessages, "b"), std::nullopt);
  EXPECT_EQ(Get(Space::kMeta, "kept"), "old");
}

TEST_P(KvStoreContract, CommitsRecoverOnceTheFailureIsCleared) {
  kv_->InjectWriteFailure(Error{"InternalFailure", "injected", 500, false});
  for (int i = 0; i < 3; ++i) {
    Status st = CommitSync(*kv_, {Put(Space::kMeta, Cat("k", i), "v")});
    EXPECT_FALSE(st.ok());
  }
  kv_->InjectWriteFailure(std::nullopt);
  Commit({Put(Space::kMeta, "after", "v")});
  EXPECT_EQ(Get(Space::kMeta, "after"), "v");
  // The failed batches are not retried behind the caller's back.
  EXPECT_TRUE(ScanAll(*kv_, Space::kMeta, "k").empty());
}

TEST_P(KvStoreContract, InjectedFailureFailsConcurrentCommits) {
  kv_->InjectWriteFailure(Error{"InternalFailure", "injected", 500, false});
  constexpr int kCommits = 50;
  auto tally = std::make_shared<Tally>(kCommits);
  for (int i = 0; i < kCommits; ++i) {
    kv_->Commit({Put(Space::kMeta, Cat("k", i), "v")}, [tally](Status st) {
      tally->Record(!st.ok() && st.error().code == "InternalFailure");
    });
  }
  ASSERT_EQ(tally->all.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(tally->matched.load(), kCommits);
  EXPECT_TRUE(ScanAll(*kv_, Space::kMeta, "k").empty());
}

TEST_P(KvStoreContract, DoneRunsOnTheCommitterThread) {
  auto p = std::make_shared<std::promise<std::thread::id>>();
  auto f = p->get_future();
  kv_->Commit({Put(Space::kMeta, "k", "v")}, [p](Status) { p->set_value(std::this_thread::get_id()); });
  ASSERT_EQ(f.wait_for(kWait), std::future_status::ready);
  EXPECT_NE(f.get(), std::this_thread::get_id());
}

TEST_P(KvStoreContract, DoneIsCalledExactlyOncePerCommit) {
  constexpr int kCommits = 300;
  std::vector<std::atomic<int>> calls(kCommits);
  std::atomic<int> ok{0};
  for (int i = 0; i < kCommits; ++i) {
    kv_->Commit({Put(Space::kMessages, Cat("k", i), "v")}, [&, i](Status st) {
      calls[i].fetch_add(1);
      if (st.ok()) ok.fetch_add(1);
    });
  }
  // Close completes everything pending and joins the committer: no
  // completion can arrive after it returns.
  kv_->Close();
  for (int i = 0; i < kCommits; ++i) EXPECT_EQ(calls[i].load(), 1) << "commit " << i;
  EXPECT_EQ(ok.load(), kCommits);
  EXPECT_EQ(ScanAll(*kv_, Space::kMessages, "k").size(), static_cast<size_t>(kCommits));
}

TEST_P(KvStoreContract, GroupCommitCompletesManyConcurrentCommits) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 150;
  auto tally = std::make_shared<Tally>(kThreads * kPerThread);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, tally, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string key = Cat(Cat("t", t, "/"), i);
        kv_->Commit({Put(Space::kMessages, key, key), Put(Space::kMessageState, key, "s")},
                    [tally](Status st) { tally->Record(st.ok()); });
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(tally->all.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(tally->matched.load(), kThreads * kPerThread);
  for (int t = 0; t < kThreads; ++t) {
    std::string prefix = Cat("t", t, "/");
    Pairs got = ScanAll(*kv_, Space::kMessages, prefix);
    ASSERT_EQ(got.size(), static_cast<size_t>(kPerThread));
    for (const auto& [k, v] : got) EXPECT_EQ(k, v);
    EXPECT_EQ(ScanAll(*kv_, Space::kMessageState, prefix).size(), static_cast<size_t>(kPerThread));
  }
}

TEST_P(KvStoreContract, CommitsAfterCloseFailAndCloseIsIdempotent) {
  Commit({Put(Space::kMeta, "k", "v")});
  kv_->Close();
  kv_->Close();
  int calls = 0;
  Status got;
  kv_->Commit({Put(Space::kMeta, "late", "v")}, [&](Status st) {
    ++calls;
    got = std::move(st);
  });
  // A closed store has no committer left to run `done` later: it must have run.
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, "ServiceUnavailable");
  EXPECT_EQ(Get(Space::kMeta, "late"), std::nullopt);
  EXPECT_EQ(Get(Space::kMeta, "k"), "v");
}

// ------------------------------------------------------ ranges (read path)

std::string RecKey(uint64_t stream, uint32_t shard, uint64_t seq) {
  std::string k;
  bytes::PutU64(k, stream);
  bytes::PutU32(k, shard);
  bytes::PutU64(k, seq);
  return k;
}

Pairs RangeAll(KvStore& kv, Space space, std::string_view from, std::string_view to,
               size_t limit = SIZE_MAX) {
  Pairs out;
  Status st = kv.ScanRange(space, from, to, [&](std::string_view k, std::string_view v) {
    out.emplace_back(std::string(k), std::string(v));
    return out.size() < limit;
  });
  EXPECT_TRUE(st.ok());
  return out;
}

TEST_P(KvStoreContract, ScanRangeIsHalfOpenAndStaysInItsSpace) {
  Commit({Put(Space::kStreamRecords, "a", "1"), Put(Space::kStreamRecords, "b", "2"),
          Put(Space::kStreamRecords, "c", "3"), Put(Space::kStreamRecords, "d", "4"),
          Put(Space::kMeta, "b2", "other space")});
  EXPECT_EQ(RangeAll(*kv_, Space::kStreamRecords, "b", "d"), (Pairs{{"b", "2"}, {"c", "3"}}));
  EXPECT_EQ(RangeAll(*kv_, Space::kStreamRecords, "bb", "d"), (Pairs{{"c", "3"}}));
  EXPECT_EQ(RangeAll(*kv_, Space::kStreamRecords, "c", ""), (Pairs{{"c", "3"}, {"d", "4"}}));
  EXPECT_EQ(RangeAll(*kv_, Space::kStreamRecords, "", "b"), (Pairs{{"a", "1"}}));
  EXPECT_TRUE(RangeAll(*kv_, Space::kStreamRecords, "b", "b").empty());
  EXPECT_TRUE(RangeAll(*kv_, Space::kStreamRecords, "e", "").empty());
}

TEST_P(KvStoreContract, ScanRangeStopsWhenTheVisitorSaysSo) {
  Batch b;
  for (int i = 0; i < 300; ++i) b.push_back(Put(Space::kStreamRecords, RecKey(1, 0, i), Cat("v", i)));
  Commit(std::move(b));
  auto got = RangeAll(*kv_, Space::kStreamRecords, RecKey(1, 0, 10), RecKey(1, 1, 0), 3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].second, "v10");
  EXPECT_EQ(got[2].second, "v12");
}

TEST_P(KvStoreContract, ScanRangeWalksLongRangesInOrder) {
  Batch b;
  for (int i = 0; i < 1000; ++i) b.push_back(Put(Space::kStreamRecords, RecKey(7, 3, i * 3), Cat("v", i)));
  b.push_back(Put(Space::kStreamRecords, RecKey(7, 4, 0), "next shard"));
  Commit(std::move(b));
  auto got = RangeAll(*kv_, Space::kStreamRecords, RecKey(7, 3, 1), RecKey(7, 4, 0));
  ASSERT_EQ(got.size(), 999u);
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].second, Cat("v", static_cast<int>(i) + 1));
}

TEST_P(KvStoreContract, ScanRangeSkipsDeletedRanges) {
  Batch b;
  for (int i = 0; i < 100; ++i) b.push_back(Put(Space::kStreamRecords, RecKey(1, 0, i), Cat("v", i)));
  Commit(std::move(b));
  Commit({DelRange(Space::kStreamRecords, RecKey(1, 0, 0), RecKey(1, 0, 95))});
  auto got = RangeAll(*kv_, Space::kStreamRecords, RecKey(1, 0, 0), RecKey(1, 1, 0));
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0].second, "v95");
}

TEST_P(KvStoreContract, LastInRangeFindsTheGreatestKeyBelowTheEnd) {
  Commit({Put(Space::kStreamRecords, RecKey(1, 0, 5), "five"), Put(Space::kStreamRecords, RecKey(1, 0, 9), "nine"),
          Put(Space::kStreamRecords, RecKey(1, 1, 2), "next shard"),
          Put(Space::kMeta, RecKey(1, 0, 10), "other space")});
  auto last = kv_->LastInRange(Space::kStreamRecords, RecKey(1, 0, 0), RecKey(1, 1, 0));
  ASSERT_TRUE(last.ok());
  ASSERT_TRUE(last->has_value());
  EXPECT_EQ((*last)->first, RecKey(1, 0, 9));
  EXPECT_EQ((*last)->second, "nine");
  // The end is exclusive, the start inclusive.
  auto below = kv_->LastInRange(Space::kStreamRecords, RecKey(1, 0, 0), RecKey(1, 0, 9));
  ASSERT_TRUE(below.ok() && below->has_value());
  EXPECT_EQ((*below)->second, "five");
  auto at_start = kv_->LastInRange(Space::kStreamRecords, RecKey(1, 0, 9), RecKey(1, 0, 10));
  ASSERT_TRUE(at_start.ok() && at_start->has_value());
  EXPECT_EQ((*at_start)->second, "nine");
  auto empty = kv_->LastInRange(Space::kStreamRecords, RecKey(1, 0, 6), RecKey(1, 0, 9));
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->has_value());
  auto none = kv_->LastInRange(Space::kStreamRecords, RecKey(2, 0, 0), RecKey(3, 0, 0));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto unbounded = kv_->LastInRange(Space::kStreamRecords, RecKey(1, 0, 0), "");
  ASSERT_TRUE(unbounded.ok() && unbounded->has_value());
  EXPECT_EQ((*unbounded)->second, "next shard");
  // Deleted keys are not found.
  Commit({DelRange(Space::kStreamRecords, RecKey(1, 0, 6), RecKey(1, 1, 0))});
  auto after = kv_->LastInRange(Space::kStreamRecords, RecKey(1, 0, 0), RecKey(1, 1, 0));
  ASSERT_TRUE(after.ok() && after->has_value());
  EXPECT_EQ((*after)->second, "five");
}

// A wrapper that overrides only the required operations gets the default
// ScanRange and LastInRange, which must agree with the backends'.
class MinimalKvStore final : public KvStore {
 public:
  explicit MinimalKvStore(KvStore* inner) : inner_(inner) {}
  void Commit(Batch batch, Done done) override { inner_->Commit(std::move(batch), std::move(done)); }
  Result<std::optional<std::string>> Get(Space space, std::string_view key) override {
    return inner_->Get(space, key);
  }
  Status Scan(Space space, std::string_view prefix,
              const std::function<bool(std::string_view, std::string_view)>& fn) override {
    return inner_->Scan(space, prefix, fn);
  }
  void Close() override {}
  void InjectWriteFailure(std::optional<Error>) override {}
  void SetCompletionExecutor(CompletionExecutor) override {}

 private:
  KvStore* inner_;
};

TEST_P(KvStoreContract, DefaultRangeOperationsAgreeWithTheBackend) {
  Batch b;
  for (int i = 0; i < 50; ++i) b.push_back(Put(Space::kStreamRecords, RecKey(1, i % 3, i), Cat("v", i)));
  Commit(std::move(b));
  MinimalKvStore minimal(kv_.get());
  std::string from = RecKey(1, 1, 10), to = RecKey(1, 2, 0);
  EXPECT_EQ(RangeAll(minimal, Space::kStreamRecords, from, to),
            RangeAll(*kv_, Space::kStreamRecords, from, to));
  EXPECT_EQ(RangeAll(minimal, Space::kStreamRecords, from, "", 5),
            RangeAll(*kv_, Space::kStreamRecords, from, "", 5));
  auto a = minimal.LastInRange(Space::kStreamRecords, from, to);
  auto k = kv_->LastInRange(Space::kStreamRecords, from, to);
  ASSERT_TRUE(a.ok() && k.ok());
  EXPECT_EQ(*a, *k);
}

INSTANTIATE_TEST_SUITE_P(Backends, KvStoreContract,
                         ::testing::Values(Backend{"Memory", false}, Backend{"RocksDB", true}),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return std::string(info.param.name);
                         });

// --------------------------------------------------- RocksDB persistence

class RocksKvStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = MakeTempDir("rocks"); }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::unique_ptr<KvStore> Open(Durability d = Durability::kDurable) {
    auto r = OpenRocksKvStore(dir_.string(), d);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    if (!r.ok()) return nullptr;
    return std::move(r).value();
  }
  fs::path dir_;
};

TEST_F(RocksKvStoreTest, ReopenKeepsCommittedState) {
  {
    auto kv = Open();
    ASSERT_NE(kv, nullptr);
    ASSERT_TRUE(CommitSync(*kv, {Put(Space::kMeta, "meta", "m"), Put(Space::kMessages, Key(1, 1), "one"),
                                 Put(Space::kMessages, Key(1, 2), "two"),
                                 Put(Space::kMessages, Key(2, 1), "other"),
                                 Put(Space::kMessageState, Key(1, 1), "s1"),
                                 Put(Space::kStreamRecords, Key(1, 1), "r1"),
                                 Put(Space::kMeta, "gone", "x")})
                    .ok());
    std::string from, to;
    bytes::PutU64(from, 2);
    bytes::PutU64(to, 3);
    ASSERT_TRUE(CommitSync(*kv, {Del(Space::kMeta, "gone"), DelRange(Space::kMessages, from, to),
                                 Put(Space::kMessages, Key(1, 2), "two-v2")})
                    .ok());
    kv->Close();
  }
  auto kv = Open();
  ASSERT_NE(kv, nullptr);
  EXPECT_EQ(GetOrFail(*kv, Space::kMeta, "meta"), "m");
  EXPECT_EQ(GetOrFail(*kv, Space::kMeta, "gone"), std::nullopt);
  EXPECT_EQ(GetOrFail(*kv, Space::kMessages, Key(1, 1)), "one");
  EXPECT_EQ(GetOrFail(*kv, Space::kMessages, Key(1, 2)), "two-v2");
  EXPECT_EQ(GetOrFail(*kv, Space::kMessages, Key(2, 1)), std::nullopt);
  EXPECT_EQ(GetOrFail(*kv, Space::kMessageState, Key(1, 1)), "s1");
  EXPECT_EQ(GetOrFail(*kv, Space::kStreamRecords, Key(1, 1)), "r1");
  // Each space keeps its own keys.
  EXPECT_EQ(ScanAll(*kv, Space::kMessageState, "").size(), 1u);
  EXPECT_EQ(ScanAll(*kv, Space::kMeta, "").size(), 1u);
  kv->Close();
}

// A data directory written before a Space existed gains its column family on
// open, keeping what was there.
TEST_F(RocksKvStoreTest, OpeningAnOlderDataDirectoryAddsTheNewColumnFamilies) {
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    options.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    families.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions());
    for (const char* name : {"meta", "q_msg", "q_state"}) {
      families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, dir_.string(), families, &handles, &db).ok());
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), handles[1], "old", "meta").ok());
    for (auto* h : handles) ASSERT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
    delete db;
  }
  for (int round = 0; round < 2; ++round) {
    auto kv = Open();
    ASSERT_NE(kv, nullptr);
    EXPECT_EQ(GetOrFail(*kv, Space::kMeta, "old"), "meta");
    if (round == 0) {
      ASSERT_TRUE(CommitSync(*kv, {Put(Space::kStreamRecords, Key(1, 1), "rec")}).ok());
    } else {
      EXPECT_EQ(GetOrFail(*kv, Space::kStreamRecords, Key(1, 1)), "rec");
    }
    kv->Close();
  }
}

TEST_F(RocksKvStoreTest, ReopenWithoutExplicitCloseKeepsAcknowledgedWrites) {
  {
    auto kv = Open();
    ASSERT_NE(kv, nullptr);
    ASSERT_TRUE(CommitSync(*kv, {Put(Space::kMeta, "k", "v")}).ok());
    // Destroyed without Close(): the destructor must close cleanly.
  }
  auto kv = Open();
  ASSERT_NE(kv, nullptr);
  EXPECT_EQ(GetOrFail(*kv, Space::kMeta, "k"), "v");
}

TEST_F(RocksKvStoreTest, RelaxedDurabilityStillCommitsAndPersistsOnClose) {
  {
    auto kv = Open(Durability::kRelaxed);
    ASSERT_NE(kv, nullptr);
    ASSERT_TRUE(CommitSync(*kv, {Put(Space::kMeta, "k", "relaxed")}).ok());
    kv->Close();
  }
  auto kv = Open();
  ASSERT_NE(kv, nullptr);
  EXPECT_EQ(GetOrFail(*kv, Space::kMeta, "k"), "relaxed");
}

TEST_F(RocksKvStoreTest, SecondOpenOfTheSameDirectoryFails) {
  auto kv = Open();
  ASSERT_NE(kv, nullptr);
  auto second = OpenRocksKvStore(dir_.string(), Durability::kDurable);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, "InvalidConfig");
  EXPECT_NE(second.error().message.find(dir_.string()), std::string::npos);
}

TEST_F(RocksKvStoreTest, OpenFailsWhenTheDirectoryIsAFile) {
  fs::path file = dir_ / "not-a-dir";
  std::ofstream(file) << "x";
  auto r = OpenRocksKvStore(file.string(), Durability::kDurable);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "InvalidConfig");
}

TEST_F(RocksKvStoreTest, OpenCreatesMissingParentDirectories) {
  fs::path nested = dir_ / "a" / "b" / "c";
  auto r = OpenRocksKvStore(nested.string(), Durability::kDurable);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(CommitSync(**r, {Put(Space::kMeta, "k", "v")}).ok());
  (*r)->Close();
  EXPECT_TRUE(fs::is_directory(nested));
}

}  // namespace
}  // namespace sluice::storage

// ------------------------------------------------- written vs synced commits

namespace sluice::storage {
namespace {

TEST_P(KvStoreContract, CommitWrittenIsReadableAndSurvivesAReopen) {
  std::promise<Status> p;
  kv_->CommitWritten({Put(Space::kMessageState, "w", "1")}, [&](Status st) { p.set_value(std::move(st)); });
  ASSERT_TRUE(p.get_future().get().ok());
  EXPECT_EQ(Get(Space::kMessageState, "w"), "1");
  if (!GetParam().rocks) return;
  Commit({Put(Space::kMeta, "after", "x")});  // synced: the earlier write with it
  kv_->Close();
  kv_.reset();
  kv_ = Open();
  ASSERT_NE(kv_, nullptr);
  EXPECT_EQ(Get(Space::kMessageState, "w"), "1");
}

// In one round, a written-only batch completes before the sync, a synced
// one after it.
TEST(GroupCommitterTest, WrittenBatchesCompleteBeforeTheSync) {
  std::mutex mu;
  std::vector<std::string> events;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> first{true};
  GroupCommitter committer(
      [&](const std::vector<const Batch*>& batches) {
        std::lock_guard<std::mutex> lock(mu);
        events.push_back("write " + std::to_string(batches.size()));
        return Status{};
      },
      [&]() {
        // The first round only holds the committer so that the next two
        // batches are written together.
        if (first.exchange(false)) released.wait();
        std::lock_guard<std::mutex> lock(mu);
        events.push_back("sync");
        return Status{};
      });
  std::promise<void> held;
  committer.Submit({Put(Space::kMeta, "0", "")}, [&](Status) { held.set_value(); });
  std::promise<Status> written, synced;
  // Let the first round reach its sync before the next batches arrive.
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!events.empty()) break;
    }
    std::this_thread::yield();
  }
  committer.Submit({Put(Space::kMeta, "s", "")}, [&](Status st) {
    std::lock_guard<std::mutex> lock(mu);
    events.push_back(std::string("synced done ") + (st.ok() ? "ok" : st.error().code));
    synced.set_value(st);
  });
  committer.Submit({Put(Space::kMeta, "w", "")}, [&](Status st) {
    std::lock_guard<std::mutex> lock(mu);
    events.push_back(std::string("written done ") + (st.ok() ? "ok" : st.error().code));
    written.set_value(st);
  }, false);
  release.set_value();
  held.get_future().wait();
  EXPECT_TRUE(written.get_future().get().ok());
  synced.get_future().wait();
  committer.Stop();
  std::lock_guard<std::mutex> lock(mu);
  std::vector<std::string> expected = {"write 1", "sync", "write 2", "written done ok", "sync",
                                       "synced done ok"};
  EXPECT_EQ(events, expected);
}

TEST(GroupCommitterTest, AFailedSyncFailsOnlyTheSyncedBatches) {
  GroupCommitter committer([](const std::vector<const Batch*>&) { return Status{}; },
                           []() { return Status(Error{"ServiceUnavailable", "sync failed", 503, false}); });
  std::promise<Status> written, synced;
  committer.Submit({Put(Space::kMeta, "w", "")}, [&](Status st) { written.set_value(st); }, false);
  committer.Submit({Put(Space::kMeta, "s", "")}, [&](Status st) { synced.set_value(st); });
  EXPECT_TRUE(written.get_future().get().ok());
  Status st = synced.get_future().get();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "ServiceUnavailable");
  committer.Stop();
}

}  // namespace
}  // namespace sluice::storage
