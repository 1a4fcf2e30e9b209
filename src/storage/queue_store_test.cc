// The QueueStore contract on every KvStore backend: catalogue, send, receive,
// visibility, receipts, delays, retention, purge, limits and availability
// notifications; and, over RocksDB, recovery of all of it after a reopen.
//
// Time is passed explicitly (now_ms); nothing here sleeps. Completions run on
// the store's committer thread, so the helpers wait on futures.
#include "storage/queue_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "storage/storage_test_util.h"

namespace sluice::storage {

// Readable failure messages (found by argument-dependent lookup).
void PrintTo(HandleState s, std::ostream* os) {
  switch (s) {
    case HandleState::kCurrent: *os << "kCurrent"; return;
    case HandleState::kStale: *os << "kStale"; return;
    case HandleState::kGone: *os << "kGone"; return;
  }
  *os << "HandleState(" << static_cast<int>(s) << ")";
}

namespace {

using namespace std::string_literals;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using testing::Await;
using testing::HeldKvStore;
using testing::kWait;
using testing::MakeTempDir;

constexpr int64_t kT0 = 1'700'000'000'000;
constexpr char kAccount[] = "123456789012";




StoredMessage Msg(std::string body, int64_t sent_ms, int64_t delay_ms = 0) {
  StoredMessage m;
  m.message_id = "id-" + body;
  m.body = std::move(body);
  m.sent_ms = sent_ms;
  m.visible_at_ms = sent_ms + delay_ms;
  return m;
}

// ---------------------------------------------------------------- fixture

class QueueStoreBase {
 protected:
  void Start(bool rocks, int64_t now = kT0) {
    rocks_ = rocks;
    if (rocks_) dir_ = MakeTempDir("sluice-qs");
    Open(now);
  }

  void Stop() {
    if (store_) store_->SetAvailabilityListener(nullptr);
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
    auto s = OpenEmbeddedQueueStore(kv_.get(), now);
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

  QueueMeta CreateQueue(const std::string& name, std::map<std::string, std::string> attrs = {},
                        const std::string& account = kAccount) {
    QueueMeta m;
    m.account_id = account;
    m.name = name;
    m.attributes = std::move(attrs);
    m.created_ms = m.modified_ms = kT0;
    auto r = Await<QueueMeta>([&](auto done) { store_->PutQueue(m, done); });
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : QueueMeta{};
  }

  Result<std::vector<uint64_t>> TrySend(uint64_t q, std::vector<StoredMessage> msgs) {
    return Await<std::vector<uint64_t>>([&](auto done) { store_->Send(q, std::move(msgs), done); });
  }
  std::vector<uint64_t> Send(uint64_t q, std::vector<StoredMessage> msgs) {
    size_t n = msgs.size();
    auto r = TrySend(q, std::move(msgs));
    EXPECT_TRUE(r.ok()) << r.error().code;
    if (!r.ok()) return {};
    EXPECT_EQ(r->size(), n);
    return *r;
  }
  uint64_t Send1(uint64_t q, std::string body, int64_t sent_ms, int64_t delay_ms = 0) {
    auto seqs = Send(q, {Msg(std::move(body), sent_ms, delay_ms)});
    return seqs.empty() ? 0 : seqs[0];
  }

  Result<std::vector<Delivery>> TryReceive(uint64_t q, int64_t now, int max = 1,
                                           int64_t visibility_ms = 30'000,
                                           int64_t retention_ms = 345'600'000,
                                           int64_t max_in_flight = 120'000) {
    ReceiveOptions o;
    o.max_messages = max;
    o.visibility_ms = visibility_ms;
    o.now_ms = now;
    o.retention_ms = retention_ms;
    o.max_in_flight = max_in_flight;
    return Await<std::vector<Delivery>>([&](auto done) { store_->Receive(q, o, done); });
  }
  std::vector<Delivery> Receive(uint64_t q, int64_t now, int max = 1,
                                int64_t visibility_ms = 30'000,
                                int64_t retention_ms = 345'600'000) {
    auto r = TryReceive(q, now, max, visibility_ms, retention_ms);
    EXPECT_TRUE(r.ok()) << r.error().code << ": " << r.error().message;
    return r.ok() ? *r : std::vector<Delivery>{};
  }
  static std::vector<std::string> Bodies(const std::vector<Delivery>& ds) {
    std::vector<std::string> out;
    for (const auto& d : ds) out.push_back(d.message.body);
    return out;
  }

  Result<HandleState> Delete(uint64_t q, uint64_t seq, uint32_t rc) {
    return Await<HandleState>([&](auto done) { store_->DeleteMessage(q, seq, rc, done); });
  }
  Status ChangeVisibility(uint64_t q, uint64_t seq, uint32_t rc, int64_t visible_at, int64_t now) {
    return Await<void>(
        [&](auto done) { store_->ChangeVisibility(q, seq, rc, visible_at, now, done); });
  }
  Status Purge(uint64_t q) {
    return Await<void>([&](auto done) { store_->Purge(q, done); });
  }
  Status DeleteQueue(uint64_t q) {
    return Await<void>([&](auto done) { store_->DeleteQueue(q, done); });
  }
  QueueCounts Counts(uint64_t q, int64_t now) {
    auto r = store_->Counts(q, now);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : QueueCounts{-1, -1, -1};
  }

  bool rocks_ = false;
  fs::path dir_;
  std::unique_ptr<HeldKvStore> kv_;
  std::unique_ptr<QueueStore> store_;
};

struct Backend {
  const char* name;
  bool rocks;
};
void PrintTo(const Backend& b, std::ostream* os) { *os << b.name; }

class QueueStoreContract : public QueueStoreBase, public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { Start(GetParam().rocks); }
  void TearDown() override { Stop(); }
};

void ExpectCounts(const QueueCounts& c, int64_t visible, int64_t in_flight, int64_t delayed) {
  EXPECT_EQ(c.visible, visible);
  EXPECT_EQ(c.in_flight, in_flight);
  EXPECT_EQ(c.delayed, delayed);
}

// --------------------------------------------------------------- catalogue

TEST_P(QueueStoreContract, CreateAssignsDistinctIdsAndFindsByNameAndId) {
  QueueMeta a = CreateQueue("alpha", {{"VisibilityTimeout", "45"}});
  QueueMeta b = CreateQueue("beta");
  EXPECT_NE(a.id, 0u);
  EXPECT_NE(b.id, 0u);
  EXPECT_NE(a.id, b.id);

  auto found = store_->FindQueue(kAccount, "alpha");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, a.id);
  EXPECT_EQ(found->name, "alpha");
  EXPECT_EQ(found->account_id, kAccount);
  EXPECT_EQ(found->attributes.at("VisibilityTimeout"), "45");
  EXPECT_EQ(found->created_ms, kT0);

  auto by_id = store_->FindQueueById(b.id);
  ASSERT_TRUE(by_id.has_value());
  EXPECT_EQ(by_id->name, "beta");

  EXPECT_FALSE(store_->FindQueue(kAccount, "gamma").has_value());
  EXPECT_FALSE(store_->FindQueue("999999999999", "alpha").has_value());
  EXPECT_FALSE(store_->FindQueueById(a.id + b.id + 100).has_value());
}

TEST_P(QueueStoreContract, PutQueueWithAnIdReplacesAttributesAndTags) {
  QueueMeta q = CreateQueue("q", {{"DelaySeconds", "5"}});
  q.attributes = {{"VisibilityTimeout", "60"}};
  q.tags = {{"team", "core"}};
  q.modified_ms = kT0 + 1000;
  auto r = Await<QueueMeta>([&](auto done) { store_->PutQueue(q, done); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->id, q.id);
  auto found = store_->FindQueue(kAccount, "q");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, q.id);
  EXPECT_EQ(found->attributes, (std::map<std::string, std::string>{{"VisibilityTimeout", "60"}}));
  EXPECT_EQ(found->tags, (std::map<std::string, std::string>{{"team", "core"}}));
  EXPECT_EQ(found->modified_ms, kT0 + 1000);
  EXPECT_EQ(store_->ListQueues(kAccount, "").size(), 1u);
}

TEST_P(QueueStoreContract, ListQueuesByAccountAndPrefixSortedByName) {
  for (const char* n : {"b", "ab", "a", "c", "a-b"}) CreateQueue(n);
  CreateQueue("a", {}, "12");   // an account id that prefixes the other
  CreateQueue("a2", {}, "1234567890123");
  auto names = [](const std::vector<QueueMeta>& qs) {
    std::vector<std::string> out;
    for (const auto& q : qs) out.push_back(q.name);
    return out;
  };
  EXPECT_EQ(names(store_->ListQueues(kAccount, "")),
            (std::vector<std::string>{"a", "a-b", "ab", "b", "c"}));
  EXPECT_EQ(names(store_->ListQueues(kAccount, "a")), (std::vector<std::string>{"a", "a-b", "ab"}));
  EXPECT_EQ(names(store_->ListQueues(kAccount, "ab")), (std::vector<std::string>{"ab"}));
  EXPECT_TRUE(store_->ListQueues(kAccount, "z").empty());
  EXPECT_EQ(names(store_->ListQueues("12", "")), (std::vector<std::string>{"a"}));
  EXPECT_TRUE(store_->ListQueues("000000000000", "").empty());
}

TEST_P(QueueStoreContract, DeleteQueueRemovesItAndItsMessages) {
  QueueMeta q = CreateQueue("doomed");
  QueueMeta other = CreateQueue("other");
  Send(q.id, {Msg("a", kT0), Msg("b", kT0)});
  Send1(other.id, "keep", kT0);
  ASSERT_TRUE(DeleteQueue(q.id).ok());

  EXPECT_FALSE(store_->FindQueue(kAccount, "doomed").has_value());
  EXPECT_FALSE(store_->FindQueueById(q.id).has_value());
  EXPECT_EQ(store_->ListQueues(kAccount, "").size(), 1u);
  auto send = TrySend(q.id, {Msg("late", kT0)});
  ASSERT_FALSE(send.ok());
  EXPECT_EQ(send.error().code, "QueueDoesNotExist");
  auto recv = TryReceive(q.id, kT0);
  ASSERT_FALSE(recv.ok());
  EXPECT_EQ(recv.error().code, "QueueDoesNotExist");
  EXPECT_FALSE(store_->Counts(q.id, kT0).ok());
  Status again = DeleteQueue(q.id);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "QueueDoesNotExist");

  // The other queue is untouched; a queue of the same name starts empty.
  EXPECT_EQ(Bodies(Receive(other.id, kT0)), (std::vector<std::string>{"keep"}));
  QueueMeta again_q = CreateQueue("doomed");
  EXPECT_NE(again_q.id, q.id);
  EXPECT_TRUE(Receive(again_q.id, kT0, 10).empty());
  ExpectCounts(Counts(again_q.id, kT0), 0, 0, 0);
}

TEST_P(QueueStoreContract, QueueIdsAreNeverReusedWhileOpen) {
  QueueMeta a = CreateQueue("a");
  ASSERT_TRUE(DeleteQueue(a.id).ok());
  QueueMeta b = CreateQueue("a");
  EXPECT_GT(b.id, a.id);
}

// ---------------------------------------------------------------- messages

TEST_P(QueueStoreContract, SendReceiveDeleteRoundTrip) {
  QueueMeta q = CreateQueue("q");
  StoredMessage m = Msg("hello", kT0);
  m.message_id = "0b7c7a9e-1111-4222-8333-444455556666";
  m.attributes = "\x00\x01opaque\xff"s;
  m.system_attributes = "sys\x00"s;
  uint64_t seq = Send(q.id, {m})[0];

  auto got = Receive(q.id, kT0 + 5);
  ASSERT_EQ(got.size(), 1u);
  const Delivery& d = got[0];
  EXPECT_EQ(d.seq, seq);
  EXPECT_EQ(d.receive_count, 1u);
  EXPECT_EQ(d.first_receive_ms, kT0 + 5);
  EXPECT_EQ(d.message.message_id, m.message_id);
  EXPECT_EQ(d.message.body, "hello");
  EXPECT_EQ(d.message.attributes, m.attributes);
  EXPECT_EQ(d.message.system_attributes, m.system_attributes);
  EXPECT_EQ(d.message.sent_ms, kT0);
  EXPECT_EQ(d.message.visible_at_ms, kT0);

  auto del = Delete(q.id, d.seq, d.receive_count);
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(*del, HandleState::kCurrent);
  ExpectCounts(Counts(q.id, kT0 + 5), 0, 0, 0);
  auto again = Delete(q.id, d.seq, d.receive_count);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, HandleState::kGone);
  // Even after its visibility deadline, a deleted message never returns.
  EXPECT_TRUE(Receive(q.id, kT0 + 3'600'000, 10).empty());
}

TEST_P(QueueStoreContract, SeqsIncreaseInSendOrder) {
  QueueMeta q = CreateQueue("q");
  auto first = Send(q.id, {Msg("a", kT0), Msg("b", kT0), Msg("c", kT0)});
  auto second = Send(q.id, {Msg("d", kT0)});
  ASSERT_EQ(first.size(), 3u);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_LT(first[0], first[1]);
  EXPECT_LT(first[1], first[2]);
  EXPECT_LT(first[2], second[0]);
}

TEST_P(QueueStoreContract, ReceiveRespectsMaxAndReturnsOldestFirst) {
  QueueMeta q = CreateQueue("q");
  Send(q.id, {Msg("1", kT0), Msg("2", kT0), Msg("3", kT0)});
  Send(q.id, {Msg("4", kT0), Msg("5", kT0)});
  EXPECT_EQ(Bodies(Receive(q.id, kT0, 3)), (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(Bodies(Receive(q.id, kT0, 10)), (std::vector<std::string>{"4", "5"}));
  EXPECT_TRUE(Receive(q.id, kT0, 10).empty());
  ExpectCounts(Counts(q.id, kT0), 0, 5, 0);
}

TEST_P(QueueStoreContract, ReceiveOnAnEmptyQueueIsEmpty) {
  QueueMeta q = CreateQueue("q");
  EXPECT_TRUE(Receive(q.id, kT0, 10).empty());
  EXPECT_FALSE(store_->NextVisibleAt(q.id, kT0).has_value());
}

TEST_P(QueueStoreContract, MessageReturnsAtItsVisibilityDeadline) {
  QueueMeta q = CreateQueue("q");
  uint64_t seq = Send1(q.id, "m", kT0);
  auto first = Receive(q.id, kT0 + 100, 1, 30'000);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].receive_count, 1u);

  EXPECT_TRUE(Receive(q.id, kT0 + 100 + 29'999).empty());
  ExpectCounts(Counts(q.id, kT0 + 100 + 29'999), 0, 1, 0);
  ExpectCounts(Counts(q.id, kT0 + 100 + 30'000), 1, 0, 0);

  auto second = Receive(q.id, kT0 + 100 + 30'000, 1, 30'000);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].seq, seq);
  EXPECT_EQ(second[0].receive_count, 2u);
  EXPECT_EQ(second[0].first_receive_ms, kT0 + 100);
  EXPECT_EQ(second[0].message.body, "m");
}

TEST_P(QueueStoreContract, VisibilityZeroMakesTheMessageAvailableAtOnce) {
  QueueMeta q = CreateQueue("q");
  Send1(q.id, "m", kT0);
  ASSERT_EQ(Receive(q.id, kT0, 1, 0).size(), 1u);
  auto again = Receive(q.id, kT0, 1, 0);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].receive_count, 2u);
}

TEST_P(QueueStoreContract, StaleReceiptNeitherDeletesNorChangesVisibility) {
  QueueMeta q = CreateQueue("q");
  uint64_t seq = Send1(q.id, "m", kT0);
  auto first = Receive(q.id, kT0, 1, 1'000);
  ASSERT_EQ(first.size(), 1u);
  auto second = Receive(q.id, kT0 + 1'000, 1, 10'000);  // deadline kT0 + 11'000
  ASSERT_EQ(second.size(), 1u);
  ASSERT_EQ(second[0].receive_count, 2u);

  auto del = Delete(q.id, seq, 1);
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(*del, HandleState::kStale);
  ExpectCounts(Counts(q.id, kT0 + 1'000), 0, 1, 0);

  Status cv = ChangeVisibility(q.id, seq, 1, kT0 + 1'000, kT0 + 1'000);
  ASSERT_FALSE(cv.ok());
  EXPECT_EQ(cv.error().code, "ReceiptHandleStale");
  cv = ChangeVisibility(q.id, seq, 1, kT0 + 500'000, kT0 + 1'000);
  ASSERT_FALSE(cv.ok());

  // The deadline is still the one the current receipt set.
  EXPECT_TRUE(Receive(q.id, kT0 + 10'999).empty());
  EXPECT_EQ(store_->NextVisibleAt(q.id, kT0 + 1'000), kT0 + 11'000);
  auto third = Receive(q.id, kT0 + 11'000);
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(third[0].receive_count, 3u);
  auto current = Delete(q.id, seq, 3);
  ASSERT_TRUE(current.ok());
  EXPECT_EQ(*current, HandleState::kCurrent);
}

TEST_P(QueueStoreContract, LatestReceiptDeletesEvenAfterItsDeadlinePassed) {
  QueueMeta q = CreateQueue("q");
  uint64_t seq = Send1(q.id, "m", kT0);
  ASSERT_EQ(Receive(q.id, kT0, 1, 1'000).size(), 1u);
  // Visible again but not received again: the receipt is still the latest.
  ExpectCounts(Counts(q.id, kT0 + 5'000), 1, 0, 0);
  auto del = Delete(q.id, seq, 1);
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(*del, HandleState::kCurrent);
  ExpectCounts(Counts(q.id, kT0 + 5'000), 0, 0, 0);
}

TEST_P(QueueStoreContract, ChangeVisibilityOfANeverReceivedMessageIsMessageNotInflight) {
  QueueMeta q = CreateQueue("q");
  uint64_t seq = Send1(q.id, "m", kT0);
  Status st = ChangeVisibility(q.id, seq, 0, kT0 + 60'000, kT0);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "MessageNotInflight");
  // Its visibility did not change.
  EXPECT_EQ(Receive(q.id, kT0).size(), 1u);
}

TEST_P(QueueStoreContract, LatestReceiptChangesVisibilityEvenAfterItsDeadlinePassed) {
  QueueMeta q = CreateQueue("q");
  uint64_t seq = Send1(q.id, "m", kT0);
  ASSERT_EQ(Receive(q.id, kT0, 1, 1'000).size(), 1u);
  // Visible again, but nobody received it since: the receipt still answers.
  ExpectCounts(Counts(q.id, kT0 + 5'000), 1, 0, 0);
  ASSERT_TRUE(ChangeVisibility(q.id, seq, 1, kT0 + 65'000, kT0 + 5'000).ok());
  ExpectCounts(Counts(q.id, kT0 + 5'000), 0, 1, 0);
  EXPECT_TRUE(Receive(q.id, kT0 + 64'999).empty());
  auto again = Receive(q.id, kT0 + 65'000);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].receive_count, 2u);
}

TEST_P(QueueStoreContract, ChangeVisibilityOfAnUnknownMessageIsStale) {
  QueueMeta q = CreateQueue("q");
  Status st = ChangeVisibility(q.id, 12345, 1, kT0, kT0);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "ReceiptHandleStale");
  auto del = Delete(q.id, 12345, 1);
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(*del, HandleState::kGone);
}

TEST_P(QueueStoreContract, ChangeVisibilityExtendsAndShortensTheDeadline) {
  QueueMeta q = CreateQueue("q");
  uint64_t seq = Send1(q.id, "m", kT0);
  ASSERT_EQ(Receive(q.id, kT0, 1, 10'000).size(), 1u);

  ASSERT_TRUE(ChangeVisibility(q.id, seq, 1, kT0 + 60'000, kT0 + 5'000).ok());
  EXPECT_TRUE(Receive(q.id, kT0 + 10'000).empty());
  EXPECT_TRUE(Receive(q.id, kT0 + 59'999).empty());
  EXPECT_EQ(store_->NextVisibleAt(q.id, kT0 + 10'000), kT0 + 60'000);
  ExpectCounts(Counts(q.id, kT0 + 10'000), 0, 1, 0);

  // Back to "now": visible at once.
  ASSERT_TRUE(ChangeVisibility(q.id, seq, 1, kT0 + 20'000, kT0 + 20'000).ok());
  ExpectCounts(Counts(q.id, kT0 + 20'000), 1, 0, 0);
  auto again = Receive(q.id, kT0 + 20'000);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].receive_count, 2u);
}

TEST_P(QueueStoreContract, DelayedMessagesBecomeVisibleAtTheirTime) {
  QueueMeta q = CreateQueue("q");
  Send1(q.id, "late", kT0, 10'000);
  Send1(q.id, "now", kT0);
  ExpectCounts(Counts(q.id, kT0), 1, 0, 1);
  EXPECT_EQ(store_->NextVisibleAt(q.id, kT0), kT0 + 10'000);
  EXPECT_EQ(Bodies(Receive(q.id, kT0, 10)), (std::vector<std::string>{"now"}));
  EXPECT_TRUE(Receive(q.id, kT0 + 9'999, 10).empty());
  ExpectCounts(Counts(q.id, kT0 + 9'999), 0, 1, 1);
  auto got = Receive(q.id, kT0 + 10'000, 10);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].message.body, "late");
  EXPECT_EQ(got[0].message.visible_at_ms, kT0 + 10'000);
  EXPECT_EQ(got[0].receive_count, 1u);
}

TEST_P(QueueStoreContract, CountsSeparateVisibleInFlightAndDelayed) {
  QueueMeta q = CreateQueue("q");
  Send(q.id, {Msg("v1", kT0), Msg("v2", kT0), Msg("v3", kT0), Msg("d1", kT0, 60'000),
              Msg("d2", kT0, 90'000)});
  ASSERT_EQ(Receive(q.id, kT0, 1, 30'000).size(), 1u);
  ExpectCounts(Counts(q.id, kT0), 2, 1, 2);
  ExpectCounts(Counts(q.id, kT0 + 30'000), 3, 0, 2);
  ExpectCounts(Counts(q.id, kT0 + 60'000), 4, 0, 1);
  ExpectCounts(Counts(q.id, kT0 + 90'000), 5, 0, 0);
}

TEST_P(QueueStoreContract, NextVisibleAtReportsTheEarliestFutureDeadline) {
  QueueMeta q = CreateQueue("q");
  EXPECT_FALSE(store_->NextVisibleAt(q.id, kT0).has_value());
  Send1(q.id, "visible", kT0);
  EXPECT_FALSE(store_->NextVisibleAt(q.id, kT0).has_value());
  Send1(q.id, "delayed", kT0, 50'000);
  ASSERT_EQ(Receive(q.id, kT0, 1, 20'000).size(), 1u);
  EXPECT_EQ(store_->NextVisibleAt(q.id, kT0), kT0 + 20'000);
  EXPECT_EQ(store_->NextVisibleAt(q.id, kT0 + 20'000), kT0 + 50'000);
  EXPECT_FALSE(store_->NextVisibleAt(q.id, kT0 + 50'000).has_value());
  EXPECT_FALSE(store_->NextVisibleAt(q.id + 1000, kT0).has_value());
}

TEST_P(QueueStoreContract, RetentionDropsOldMessagesInsteadOfDeliveringThem) {
  QueueMeta q = CreateQueue("q");
  Send1(q.id, "old-in-flight", kT0);
  Send1(q.id, "old-visible", kT0);
  Send1(q.id, "young", kT0 + 30'000);
  auto first = Receive(q.id, kT0 + 1, 1, 600'000);
  ASSERT_EQ(Bodies(first), (std::vector<std::string>{"old-in-flight"}));
  // At kT0 + 60 s with a 60 s retention period both old messages are gone,
  // the one in flight included.
  auto got = Receive(q.id, kT0 + 60'000, 10, 30'000, 60'000);
  EXPECT_EQ(Bodies(got), (std::vector<std::string>{"young"}));
  ExpectCounts(Counts(q.id, kT0 + 60'000), 0, 1, 0);
  auto del = Delete(q.id, first[0].seq, 1);
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(*del, HandleState::kGone);
}

TEST_P(QueueStoreContract, RetentionKeepsMessagesYoungerThanThePeriod) {
  QueueMeta q = CreateQueue("q");
  Send1(q.id, "m", kT0);
  EXPECT_EQ(Receive(q.id, kT0 + 59'999, 10, 30'000, 60'000).size(), 1u);
}

TEST_P(QueueStoreContract, ExpireMessagesDropsAndCountsExpiredOnes) {
  QueueMeta q = CreateQueue("q");
  Send(q.id, {Msg("a", kT0), Msg("b", kT0), Msg("c", kT0, 120'000)});
  Send1(q.id, "young", kT0 + 10);
  EXPECT_EQ(store_->ExpireMessages(q.id, kT0 + 59'999, 60'000), 0);
  EXPECT_EQ(store_->ExpireMessages(q.id, kT0 + 60'000, 60'000), 3);
  ExpectCounts(Counts(q.id, kT0 + 60'000), 1, 0, 0);
  EXPECT_EQ(store_->ExpireMessages(q.id, kT0 + 60'000, 60'000), 0);
  EXPECT_EQ(Bodies(Receive(q.id, kT0 + 60'000, 10)), (std::vector<std::string>{"young"}));
  EXPECT_EQ(store_->ExpireMessages(q.id + 1000, kT0, 1), 0);
}

TEST_P(QueueStoreContract, PurgeRemovesEveryMessage) {
  QueueMeta q = CreateQueue("q");
  QueueMeta other = CreateQueue("other");
  auto seqs = Send(q.id, {Msg("v", kT0), Msg("f", kT0), Msg("d", kT0, 60'000)});
  Send1(other.id, "keep", kT0);
  ASSERT_EQ(Receive(q.id, kT0, 1).size(), 1u);
  ASSERT_TRUE(Purge(q.id).ok());
  ExpectCounts(Counts(q.id, kT0), 0, 0, 0);
  EXPECT_TRUE(Receive(q.id, kT0 + 3'600'000, 10).empty());
  EXPECT_FALSE(store_->NextVisibleAt(q.id, kT0).has_value());
  auto del = Delete(q.id, seqs[0], 1);
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(*del, HandleState::kGone);

  // Sends after the purge work and keep increasing seqs; other queues keep theirs.
  uint64_t after = Send1(q.id, "after", kT0 + 1);
  EXPECT_GT(after, seqs.back());
  EXPECT_EQ(Bodies(Receive(q.id, kT0 + 1, 10)), (std::vector<std::string>{"after"}));
  EXPECT_EQ(Bodies(Receive(other.id, kT0, 10)), (std::vector<std::string>{"keep"}));
}

TEST_P(QueueStoreContract, ReceiveFailsWithOverLimitAtMaxInFlight) {
  QueueMeta q = CreateQueue("q");
  auto seqs = Send(q.id, {Msg("1", kT0), Msg("2", kT0), Msg("3", kT0)});
  ASSERT_TRUE(TryReceive(q.id, kT0, 1, 30'000, 345'600'000, 2).ok());
  ASSERT_TRUE(TryReceive(q.id, kT0, 1, 30'000, 345'600'000, 2).ok());
  auto over = TryReceive(q.id, kT0, 1, 30'000, 345'600'000, 2);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, "OverLimit");
  ExpectCounts(Counts(q.id, kT0), 1, 2, 0);
  // Deleting one in-flight message makes room again.
  ASSERT_TRUE(Delete(q.id, seqs[0], 1).ok());
  auto ok = TryReceive(q.id, kT0, 1, 30'000, 345'600'000, 2);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(Bodies(*ok), (std::vector<std::string>{"3"}));
}

TEST_P(QueueStoreContract, AvailabilityListenerFiresWhenMessagesBecomeAvailable) {
  QueueMeta q = CreateQueue("q");
  // Shared with the listener, which runs on the committer thread.
  struct Log {
    std::mutex mu;
    std::vector<uint64_t> calls;
    std::shared_ptr<std::promise<void>> next = std::make_shared<std::promise<void>>();
  };
  auto log = std::make_shared<Log>();
  store_->SetAvailabilityListener([log](uint64_t id) {
    std::lock_guard<std::mutex> lock(log->mu);
    log->calls.push_back(id);
    log->next->set_value();
    log->next = std::make_shared<std::promise<void>>();
  });
  auto next_call = [&] {
    std::lock_guard<std::mutex> lock(log->mu);
    return log->next->get_future();
  };
  auto calls = [&] {
    std::lock_guard<std::mutex> lock(log->mu);
    return log->calls;
  };

  // A delayed send makes nothing available; a plain one does. Completions
  // run in commit order, so the first cannot report after the second.
  auto first = next_call();
  Send1(q.id, "delayed", kT0, 60'000);
  uint64_t plain = Send1(q.id, "plain", kT0);
  ASSERT_EQ(first.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(calls(), (std::vector<uint64_t>{q.id}));

  // A visibility change to "now" makes a message available too.
  auto second = next_call();
  ASSERT_EQ(Receive(q.id, kT0, 1).size(), 1u);
  ASSERT_TRUE(ChangeVisibility(q.id, plain, 1, kT0 + 5, kT0 + 5).ok());
  ASSERT_EQ(second.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(calls(), (std::vector<uint64_t>{q.id, q.id}));
}

TEST_P(QueueStoreContract, UnknownQueueIsQueueDoesNotExist) {
  auto send = TrySend(4242, {Msg("m", kT0)});
  ASSERT_FALSE(send.ok());
  EXPECT_EQ(send.error().code, "QueueDoesNotExist");
  auto recv = TryReceive(4242, kT0);
  ASSERT_FALSE(recv.ok());
  EXPECT_EQ(recv.error().code, "QueueDoesNotExist");
  auto del = Delete(4242, 1, 1);
  ASSERT_FALSE(del.ok());
  EXPECT_EQ(del.error().code, "QueueDoesNotExist");
  EXPECT_EQ(ChangeVisibility(4242, 1, 1, kT0, kT0).error().code, "QueueDoesNotExist");
  EXPECT_EQ(Purge(4242).error().code, "QueueDoesNotExist");
  EXPECT_EQ(DeleteQueue(4242).error().code, "QueueDoesNotExist");
  EXPECT_FALSE(store_->Counts(4242, kT0).ok());
}

TEST_P(QueueStoreContract, MessagesAreReceivableOnlyOnceDurable) {
  QueueMeta q = CreateQueue("q");
  kv_->Hold();
  auto p = std::make_shared<std::promise<Result<std::vector<uint64_t>>>>();
  store_->Send(q.id, {Msg("m", kT0)}, [p](Result<std::vector<uint64_t>> r) { p->set_value(std::move(r)); });
  EXPECT_EQ(kv_->held(), 1u);
  EXPECT_TRUE(Receive(q.id, kT0, 10).empty());
  ExpectCounts(Counts(q.id, kT0), 0, 0, 0);
  kv_->Release();
  auto f = p->get_future();
  ASSERT_EQ(f.wait_for(kWait), std::future_status::ready);
  ASSERT_TRUE(f.get().ok());
  EXPECT_EQ(Bodies(Receive(q.id, kT0, 10)), (std::vector<std::string>{"m"}));
}

TEST_P(QueueStoreContract, FailedSendLeavesNothingBehind) {
  QueueMeta q = CreateQueue("q");
  kv_->InjectWriteFailure(Error{"InternalFailure", "injected", 500, false});
  auto r = TrySend(q.id, {Msg("lost", kT0)});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "InternalFailure");
  ExpectCounts(Counts(q.id, kT0), 0, 0, 0);
  kv_->InjectWriteFailure(std::nullopt);
  Send1(q.id, "kept", kT0);
  EXPECT_EQ(Bodies(Receive(q.id, kT0, 10)), (std::vector<std::string>{"kept"}));
}

TEST_P(QueueStoreContract, FailedQueueCreationCreatesNothing) {
  kv_->InjectWriteFailure(Error{"InternalFailure", "injected", 500, false});
  QueueMeta m;
  m.account_id = kAccount;
  m.name = "q";
  auto r = Await<QueueMeta>([&](auto done) { store_->PutQueue(m, done); });
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(store_->FindQueue(kAccount, "q").has_value());
  kv_->InjectWriteFailure(std::nullopt);
  EXPECT_NE(CreateQueue("q").id, 0u);
}

// A DeleteMessage whose write fails has not deleted the message: it must stay
// deliverable once its visibility deadline passes.
TEST_P(QueueStoreContract, FailedDeleteKeepsTheMessageDeliverable) {
  QueueMeta q = CreateQueue("q");
  uint64_t seq = Send1(q.id, "m", kT0);
  ASSERT_EQ(Receive(q.id, kT0, 1, 1'000).size(), 1u);
  kv_->InjectWriteFailure(Error{"InternalFailure", "injected", 500, false});
  auto del = Delete(q.id, seq, 1);
  ASSERT_FALSE(del.ok());
  kv_->InjectWriteFailure(std::nullopt);
  ExpectCounts(Counts(q.id, kT0), 0, 1, 0);
  EXPECT_EQ(Bodies(Receive(q.id, kT0 + 1'000, 10)), (std::vector<std::string>{"m"}));
}

// A Purge whose write fails has not purged: the messages must stay.
TEST_P(QueueStoreContract, FailedPurgeKeepsTheMessages) {
  QueueMeta q = CreateQueue("q");
  Send(q.id, {Msg("a", kT0), Msg("b", kT0)});
  kv_->InjectWriteFailure(Error{"InternalFailure", "injected", 500, false});
  ASSERT_FALSE(Purge(q.id).ok());
  kv_->InjectWriteFailure(std::nullopt);
  ExpectCounts(Counts(q.id, kT0), 2, 0, 0);
  EXPECT_EQ(Bodies(Receive(q.id, kT0, 10)), (std::vector<std::string>{"a", "b"}));
}

// A send whose write is still under way when Purge is called is purged with
// the rest (AWS: messages sent while a purge runs may be deleted); the
// in-memory index and the stored records must agree about it.
TEST_P(QueueStoreContract, SendPendingDuringPurgeIsPurgedConsistently) {
  QueueMeta q = CreateQueue("q");
  Send1(q.id, "early", kT0);
  kv_->Hold();
  auto sent = std::make_shared<std::promise<Result<std::vector<uint64_t>>>>();
  store_->Send(q.id, {Msg("late", kT0)},
               [sent](Result<std::vector<uint64_t>> r) { sent->set_value(std::move(r)); });
  auto purged = std::make_shared<std::promise<Status>>();
  store_->Purge(q.id, [purged](Status st) { purged->set_value(std::move(st)); });
  ASSERT_EQ(kv_->held(), 2u);
  kv_->Release();
  auto sent_f = sent->get_future();
  auto purged_f = purged->get_future();
  ASSERT_EQ(sent_f.wait_for(kWait), std::future_status::ready);
  ASSERT_EQ(purged_f.wait_for(kWait), std::future_status::ready);
  ASSERT_TRUE(sent_f.get().ok());
  ASSERT_TRUE(purged_f.get().ok());

  QueueCounts before = Counts(q.id, kT0);
  auto got = Receive(q.id, kT0, 10);
  EXPECT_EQ(static_cast<int64_t>(got.size()), before.visible) << "index and records disagree";
  EXPECT_TRUE(got.empty());
  ExpectCounts(Counts(q.id, kT0), 0, 0, 0);
  // Sends after the purge are kept.
  Send1(q.id, "after", kT0);
  EXPECT_EQ(Bodies(Receive(q.id, kT0, 10)), (std::vector<std::string>{"after"}));
}

INSTANTIATE_TEST_SUITE_P(Backends, QueueStoreContract,
                         ::testing::Values(Backend{"Memory", false}, Backend{"RocksDB", true}),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return std::string(info.param.name);
                         });

// ---------------------------------------------------------------- recovery

class QueueStoreRecovery : public QueueStoreBase, public ::testing::Test {
 protected:
  void SetUp() override { Start(/*rocks=*/true); }
  void TearDown() override { Stop(); }
};

TEST_F(QueueStoreRecovery, QueueMetadataAndIdsSurvive) {
  QueueMeta m;
  m.account_id = kAccount;
  m.name = "orders";
  m.attributes = {{"VisibilityTimeout", "45"}, {"Policy", "{\"a\":\"\\u00e9\"}"}};
  m.tags = {{"env", "test"}, {"empty", ""}};
  m.created_ms = kT0;
  m.modified_ms = kT0 + 5;
  auto created = Await<QueueMeta>([&](auto done) { store_->PutQueue(m, done); });
  ASSERT_TRUE(created.ok());
  QueueMeta other = CreateQueue("other", {}, "000000000000");

  Reopen(kT0 + 1'000);
  auto found = store_->FindQueue(kAccount, "orders");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, created->id);
  EXPECT_EQ(found->account_id, kAccount);
  EXPECT_EQ(found->attributes, m.attributes);
  EXPECT_EQ(found->tags, m.tags);
  EXPECT_EQ(found->created_ms, kT0);
  EXPECT_EQ(found->modified_ms, kT0 + 5);
  auto by_id = store_->FindQueueById(other.id);
  ASSERT_TRUE(by_id.has_value());
  EXPECT_EQ(by_id->name, "other");
  EXPECT_EQ(store_->ListQueues(kAccount, "").size(), 1u);
}

TEST_F(QueueStoreRecovery, MessagesDeadlinesCountsAndDelaysSurvive) {
  QueueMeta q = CreateQueue("q");
  StoredMessage a = Msg("A", kT0);
  a.attributes = "attr-bytes\x00"s;
  uint64_t seq_a = Send(q.id, {a})[0];
  uint64_t seq_b = Send1(q.id, "B", kT0, 50'000);  // delayed until kT0 + 50 s
  Send1(q.id, "C", kT0 + 1);
  auto got = Receive(q.id, kT0 + 10, 1, 30'000);   // A in flight until kT0 + 30'010
  ASSERT_EQ(Bodies(got), (std::vector<std::string>{"A"}));

  Reopen(kT0 + 1'000);
  ExpectCounts(Counts(q.id, kT0 + 1'000), 1, 1, 1);
  EXPECT_EQ(store_->NextVisibleAt(q.id, kT0 + 1'000), kT0 + 30'010);

  auto c = Receive(q.id, kT0 + 1'000, 10, 100'000);
  ASSERT_EQ(Bodies(c), (std::vector<std::string>{"C"}));
  EXPECT_EQ(c[0].receive_count, 1u);
  EXPECT_EQ(c[0].message.sent_ms, kT0 + 1);
  EXPECT_EQ(c[0].message.message_id, "id-C");

  EXPECT_TRUE(Receive(q.id, kT0 + 30'009, 10).empty());
  auto a2 = Receive(q.id, kT0 + 30'010, 10, 100'000);
  ASSERT_EQ(a2.size(), 1u);
  EXPECT_EQ(a2[0].seq, seq_a);
  EXPECT_EQ(a2[0].receive_count, 2u);
  EXPECT_EQ(a2[0].first_receive_ms, kT0 + 10);
  EXPECT_EQ(a2[0].message.attributes, a.attributes);
  auto stale = Delete(q.id, seq_a, 1);
  ASSERT_TRUE(stale.ok());
  EXPECT_EQ(*stale, HandleState::kStale);

  EXPECT_TRUE(Receive(q.id, kT0 + 49'999, 10).empty());
  auto b = Receive(q.id, kT0 + 50'000, 10);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].seq, seq_b);
  EXPECT_EQ(b[0].message.body, "B");
  EXPECT_EQ(b[0].receive_count, 1u);
}

TEST_F(QueueStoreRecovery, ReceiveCountsKeepCountingAcrossReopens) {
  QueueMeta q = CreateQueue("q");
  uint64_t seq = Send1(q.id, "m", kT0);
  int64_t now = kT0;
  for (uint32_t expected = 1; expected <= 3; ++expected) {
    auto got = Receive(q.id, now, 1, 1'000);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].seq, seq);
    EXPECT_EQ(got[0].receive_count, expected);
    EXPECT_EQ(got[0].first_receive_ms, kT0);
    now += 1'000;
    Reopen(now);
  }
  auto del = Delete(q.id, seq, 3);
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(*del, HandleState::kCurrent);
}

TEST_F(QueueStoreRecovery, DeletesPurgesAndQueueDeletionsSurvive) {
  QueueMeta q1 = CreateQueue("q1");
  QueueMeta q2 = CreateQueue("q2");
  QueueMeta q3 = CreateQueue("q3");
  Send(q1.id, {Msg("a", kT0), Msg("b", kT0), Msg("c", kT0)});
  auto got = Receive(q1.id, kT0);
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(*Delete(q1.id, got[0].seq, 1), HandleState::kCurrent);
  Send(q2.id, {Msg("x", kT0), Msg("y", kT0)});
  ASSERT_TRUE(Purge(q2.id).ok());
  Send1(q3.id, "z", kT0);
  ASSERT_TRUE(DeleteQueue(q3.id).ok());

  Reopen(kT0 + 1'000);
  EXPECT_EQ(Bodies(Receive(q1.id, kT0 + 1'000, 10)), (std::vector<std::string>{"b", "c"}));
  ExpectCounts(Counts(q2.id, kT0 + 1'000), 0, 0, 0);
  EXPECT_FALSE(store_->FindQueue(kAccount, "q3").has_value());
  EXPECT_FALSE(store_->FindQueueById(q3.id).has_value());
  // A new queue of the deleted one's name has none of its messages.
  QueueMeta q3b = CreateQueue("q3");
  EXPECT_TRUE(Receive(q3b.id, kT0 + 1'000, 10).empty());
}

TEST_F(QueueStoreRecovery, ExpiredMessagesStayExpired) {
  QueueMeta q = CreateQueue("q");
  Send(q.id, {Msg("old", kT0), Msg("young", kT0 + 50'000)});
  EXPECT_EQ(store_->ExpireMessages(q.id, kT0 + 60'000, 60'000), 1);
  Reopen(kT0 + 60'000);
  EXPECT_EQ(Bodies(Receive(q.id, kT0 + 60'000, 10)), (std::vector<std::string>{"young"}));
}

TEST_F(QueueStoreRecovery, NewQueueAfterReopenNeverReusesAnId) {
  QueueMeta a = CreateQueue("a");
  QueueMeta b = CreateQueue("b");
  QueueMeta c = CreateQueue("c");
  ASSERT_TRUE(DeleteQueue(c.id).ok());  // the highest id is gone from the catalogue
  Reopen(kT0);
  QueueMeta d = CreateQueue("d");
  EXPECT_GT(d.id, c.id);
  EXPECT_NE(d.id, a.id);
  EXPECT_NE(d.id, b.id);

  // Every queue deleted: the counter alone must carry the history.
  for (uint64_t id : {a.id, b.id, d.id}) ASSERT_TRUE(DeleteQueue(id).ok());
  Reopen(kT0);
  QueueMeta e = CreateQueue("a");
  EXPECT_GT(e.id, d.id);
}

TEST_F(QueueStoreRecovery, SecretIsStableAcrossReopenAndPerStore) {
  std::string secret = store_->Secret();
  EXPECT_GE(secret.size(), 16u);
  Reopen(kT0);
  EXPECT_EQ(store_->Secret(), secret);
  Reopen(kT0 + 1);
  EXPECT_EQ(store_->Secret(), secret);

  auto other_kv = OpenMemoryKvStore();
  auto other = OpenEmbeddedQueueStore(other_kv.get(), kT0);
  ASSERT_TRUE(other.ok());
  EXPECT_NE((*other)->Secret(), secret);
  other_kv->Close();
}

TEST_F(QueueStoreRecovery, SendsAfterReopenQueueBehindOldMessages) {
  QueueMeta q = CreateQueue("q");
  auto old_seqs = Send(q.id, {Msg("1", kT0), Msg("2", kT0)});
  Reopen(kT0);
  uint64_t seq3 = Send1(q.id, "3", kT0 + 1);
  EXPECT_GT(seq3, old_seqs.back());
  EXPECT_EQ(Bodies(Receive(q.id, kT0 + 1, 10)), (std::vector<std::string>{"1", "2", "3"}));
}

// A receipt names (queue, seq, receive count). If a seq is handed out again
// after a restart, a receipt of a deleted message matches the new message
// and deletes it.
TEST_F(QueueStoreRecovery, SeqsOfDeletedMessagesAreNotReusedAfterReopen) {
  QueueMeta q = CreateQueue("q");
  uint64_t old_seq = Send1(q.id, "old", kT0);
  auto got = Receive(q.id, kT0);
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(*Delete(q.id, old_seq, 1), HandleState::kCurrent);

  Reopen(kT0 + 1'000);
  uint64_t new_seq = Send1(q.id, "new", kT0 + 1'000);
  EXPECT_GT(new_seq, old_seq);
  ASSERT_EQ(Receive(q.id, kT0 + 1'000).size(), 1u);
  // The old receipt must not touch the new message.
  auto del = Delete(q.id, old_seq, 1);
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(*del, HandleState::kGone);
  ExpectCounts(Counts(q.id, kT0 + 1'000), 0, 1, 0);
}


// Deletes leave state records to a range sweep behind the oldest queued
// message: they leave the disk, and messages still in flight keep theirs.
TEST_F(QueueStoreRecovery, DeletedMessagesStateRecordsAreSweptAndLiveOnesKept) {
  QueueMeta q = CreateQueue("sweep");
  std::vector<StoredMessage> batch;
  for (int i = 0; i < 3000; ++i) batch.push_back(Msg(std::to_string(i), kT0));
  auto seqs = Send(q.id, std::move(batch));
  ASSERT_EQ(seqs.size(), 3000u);
  auto got = Receive(q.id, kT0 + 1, 3000, 60'000);
  ASSERT_EQ(got.size(), 3000u);
  std::vector<std::pair<uint64_t, uint32_t>> first;
  for (int i = 0; i < 2500; ++i) first.emplace_back(got[i].seq, got[i].receive_count);
  auto deleted = Await<std::vector<HandleState>>(
      [&](auto done) { store_->DeleteMessages(q.id, first, done); });
  ASSERT_TRUE(deleted.ok());
  size_t states = 0;
  ASSERT_TRUE(kv_->Scan(Space::kMessageState, "", [&](std::string_view, std::string_view) {
                  ++states;
                  return true;
                }).ok());
  EXPECT_EQ(states, 500u) << "the 2,500 deleted messages' states are swept";

  Reopen(kT0 + 2);
  // The 500 left are still in flight with their receive count after a restart.
  ExpectCounts(Counts(q.id, kT0 + 2), 0, 500, 0);
  EXPECT_TRUE(Receive(q.id, kT0 + 2).empty());
  auto again = Receive(q.id, kT0 + 1 + 60'000, 10);
  ASSERT_EQ(again.size(), 10u);
  EXPECT_EQ(again[0].seq, got[2500].seq);
  EXPECT_EQ(again[0].receive_count, 2u);
}

}  // namespace
}  // namespace sluice::storage
