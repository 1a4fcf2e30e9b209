// QueueStore behaviour behind FIFO queues, dead-letter queues, move tasks and
// fair queues, on both KvStore backends. Time is passed explicitly (now_ms).
#include <gtest/gtest.h>

#include <filesystem>
#include <future>

#include "storage/kv_store.h"
#include "storage/queue_store.h"

namespace sluice::storage {
namespace {

template <typename T>
Result<T> Wait(std::function<void(QueueStore::Done<T>)> call) {
  std::promise<Result<T>> p;
  auto f = p.get_future();
  call([&p](Result<T> r) { p.set_value(std::move(r)); });
  return f.get();
}

class FifoStoreTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam()) {
      dir_ = std::filesystem::temp_directory_path() /
             ("sluice-fifo-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
      std::filesystem::remove_all(dir_);
    }
    Open();
  }
  void TearDown() override {
    // Close the KvStore first: its committer may still complete into the store.
    if (kv_) kv_->Close();
    store_.reset();
    kv_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  void Open() {
    if (kv_) kv_->Close();
    store_.reset();
    kv_.reset();
    if (GetParam()) {
      kv_ = std::move(OpenRocksKvStore(dir_.string(), Durability::kDurable)).value();
    } else {
      kv_ = OpenMemoryKvStore();
    }
    store_ = std::move(OpenEmbeddedQueueStore(kv_.get(), now_)).value();
  }
  void Reopen() {
    ASSERT_TRUE(GetParam()) << "only the RocksDB backend persists";
    Open();
  }

  uint64_t CreateQueue(const std::string& name) {
    QueueMeta m;
    m.account_id = "000000000000";
    m.name = name;
    auto r = Wait<QueueMeta>([&](auto done) { store_->PutQueue(m, done); });
    EXPECT_TRUE(r.ok());
    return r->id;
  }

  StoredMessage Msg(const std::string& body, const std::string& group, const std::string& dedup = "") {
    StoredMessage m;
    m.message_id = "id-" + body;
    m.body = body;
    m.group_id = group;
    m.dedup_id = dedup.empty() ? body : dedup;
    m.sent_ms = now_;
    m.visible_at_ms = now_;
    return m;
  }

  std::vector<SendOutcome> Send(uint64_t q, std::vector<StoredMessage> msgs, bool fifo = true,
                                bool per_group = false) {
    SendOptions o;
    o.fifo = fifo;
    o.dedup_per_group = per_group;
    o.now_ms = now_;
    auto r = Wait<std::vector<SendOutcome>>([&](auto done) { store_->SendMessages(q, msgs, o, done); });
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : std::vector<SendOutcome>{};
  }

  std::vector<Delivery> Receive(uint64_t q, int max, bool fifo = true, int64_t visibility_ms = 30'000,
                                ReceiveOptions extra = {}) {
    ReceiveOptions o = extra;
    o.max_messages = max;
    o.visibility_ms = visibility_ms;
    o.now_ms = now_;
    o.fifo = fifo;
    auto r = Wait<std::vector<Delivery>>([&](auto done) { store_->Receive(q, o, done); });
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().code);
    return r.ok() ? std::move(r).value() : std::vector<Delivery>{};
  }

  static std::vector<std::string> Bodies(const std::vector<Delivery>& ds) {
    std::vector<std::string> out;
    for (const auto& d : ds) out.push_back(d.message.body);
    return out;
  }

  std::filesystem::path dir_;
  int64_t now_ = 1'700'000'000'000;
  std::unique_ptr<KvStore> kv_;
  std::unique_ptr<QueueStore> store_;
};

TEST_P(FifoStoreTest, GroupOrderAndLocking) {
  uint64_t q = CreateQueue("f.fifo");
  Send(q, {Msg("a1", "a"), Msg("b1", "b"), Msg("a2", "a"), Msg("a3", "a"), Msg("b2", "b")});
  // One receive may take several messages of a group, in order.
  EXPECT_EQ(Bodies(Receive(q, 2)), (std::vector<std::string>{"a1", "b1"}));
  // Both groups are now locked: nothing more until they are released.
  EXPECT_TRUE(Receive(q, 10).empty());
  now_ += 31'000;  // visibility expired: a1 and b1 come back first
  auto again = Receive(q, 10);
  EXPECT_EQ(Bodies(again), (std::vector<std::string>{"a1", "b1", "a2", "a3", "b2"}));
}

TEST_P(FifoStoreTest, DeleteReleasesGroup) {
  uint64_t q = CreateQueue("f.fifo");
  Send(q, {Msg("a1", "a"), Msg("a2", "a")});
  auto first = Receive(q, 1);
  ASSERT_EQ(Bodies(first), (std::vector<std::string>{"a1"}));
  EXPECT_TRUE(Receive(q, 1).empty());
  auto del = Wait<HandleState>([&](auto done) {
    store_->DeleteMessage(q, first[0].seq, first[0].receive_count, done);
  });
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(Bodies(Receive(q, 1)), (std::vector<std::string>{"a2"}));
}

TEST_P(FifoStoreTest, VisibilityZeroReleasesGroupInOrder) {
  uint64_t q = CreateQueue("f.fifo");
  Send(q, {Msg("a1", "a"), Msg("a2", "a")});
  auto first = Receive(q, 1);
  ASSERT_EQ(first.size(), 1u);
  auto st = Wait<void>([&](auto done) {
    store_->ChangeVisibility(q, first[0].seq, first[0].receive_count, now_, now_, done);
  });
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(Bodies(Receive(q, 10)), (std::vector<std::string>{"a1", "a2"}));
}

TEST_P(FifoStoreTest, DeduplicationWithinWindowEvenAfterDelete) {
  uint64_t q = CreateQueue("f.fifo");
  auto first = Send(q, {Msg("x", "g", "d1")});
  ASSERT_FALSE(first[0].duplicate);
  auto got = Receive(q, 1);
  ASSERT_EQ(got.size(), 1u);
  ASSERT_TRUE(Wait<HandleState>([&](auto done) {
    store_->DeleteMessage(q, got[0].seq, got[0].receive_count, done);
  }).ok());
  now_ += 200'000;
  auto dup = Send(q, {Msg("other body", "g", "d1")});
  EXPECT_TRUE(dup[0].duplicate);
  EXPECT_EQ(dup[0].message_id, first[0].message_id);
  EXPECT_EQ(dup[0].seq, first[0].seq);
  EXPECT_TRUE(Receive(q, 10).empty());
  now_ += 101'000;  // past five minutes: accepted again
  auto fresh = Send(q, {Msg("again", "g", "d1")});
  EXPECT_FALSE(fresh[0].duplicate);
  EXPECT_EQ(Bodies(Receive(q, 10)), (std::vector<std::string>{"again"}));
}

TEST_P(FifoStoreTest, DeduplicationScopeMessageGroup) {
  uint64_t q = CreateQueue("f.fifo");
  auto r = Send(q, {Msg("1", "g1", "same"), Msg("2", "g2", "same"), Msg("3", "g1", "same")}, true, true);
  EXPECT_FALSE(r[0].duplicate);
  EXPECT_FALSE(r[1].duplicate);
  EXPECT_TRUE(r[2].duplicate);
}

TEST_P(FifoStoreTest, DeduplicationSurvivesRestart) {
  if (!GetParam()) GTEST_SKIP() << "memory backend does not persist";
  uint64_t q = CreateQueue("f.fifo");
  auto first = Send(q, {Msg("x", "g", "d1")});
  Reopen();
  auto dup = Send(q, {Msg("x", "g", "d1")});
  EXPECT_TRUE(dup[0].duplicate);
  EXPECT_EQ(dup[0].message_id, first[0].message_id);
  EXPECT_EQ(Bodies(Receive(q, 10)), (std::vector<std::string>{"x"}));
}

TEST_P(FifoStoreTest, DeadLetterMoveAfterMaxReceives) {
  uint64_t src = CreateQueue("src");
  uint64_t dlq = CreateQueue("dlq");
  StoredMessage m = Msg("poison", "");
  m.attributes = "attrs";
  Send(src, {m}, false);
  ReceiveOptions opts;
  opts.max_receive_count = 2;
  opts.dead_letter_queue_id = dlq;
  opts.source_arn = "arn:aws:sqs:us-east-1:000000000000:src";
  EXPECT_EQ(Receive(src, 1, false, 0, opts).size(), 1u);
  EXPECT_EQ(Receive(src, 1, false, 0, opts).size(), 1u);
  // A third receive would exceed maxReceiveCount: the message moves instead.
  EXPECT_TRUE(Receive(src, 1, false, 0, opts).empty());
  auto moved = Receive(dlq, 10, false);
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].message.body, "poison");
  EXPECT_EQ(moved[0].message.attributes, "attrs");
  EXPECT_EQ(moved[0].message.message_id, "id-poison");
  EXPECT_EQ(moved[0].message.dead_letter_source_arn, opts.source_arn);
  EXPECT_EQ(moved[0].receive_count, 1u);
  auto counts = store_->Counts(src, now_);
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->visible + counts->in_flight + counts->delayed, 0);
  if (GetParam()) {
    Reopen();
    auto after = store_->Counts(dlq, now_);
    ASSERT_TRUE(after.ok());
    EXPECT_EQ(after->in_flight, 1);
    EXPECT_EQ(store_->Counts(src, now_)->visible, 0);
  }
}

TEST_P(FifoStoreTest, MoveMessagesBackToSources) {
  uint64_t a = CreateQueue("a");
  uint64_t b = CreateQueue("b");
  uint64_t dlq = CreateQueue("dlq");
  StoredMessage m1 = Msg("1", ""), m2 = Msg("2", ""), m3 = Msg("3", "");
  m1.dead_letter_source_arn = "A";
  m2.dead_letter_source_arn = "B";
  m3.dead_letter_source_arn = "unknown";
  Send(dlq, {m1, m2, m3}, false);
  auto dest = [&](const StoredMessage& m) -> std::optional<uint64_t> {
    if (m.dead_letter_source_arn == "A") return a;
    if (m.dead_letter_source_arn == "B") return b;
    return std::nullopt;
  };
  auto moved = Wait<int64_t>([&](auto done) { store_->MoveMessages(dlq, 10, now_, dest, done); });
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(*moved, 2);
  EXPECT_EQ(Bodies(Receive(a, 10, false)), (std::vector<std::string>{"1"}));
  auto in_b = Receive(b, 10, false);
  ASSERT_EQ(in_b.size(), 1u);
  EXPECT_TRUE(in_b[0].message.dead_letter_source_arn.empty());
  EXPECT_EQ(Bodies(Receive(dlq, 10, false)), (std::vector<std::string>{"3"}));
}

TEST_P(FifoStoreTest, MoveMessagesRespectsMax) {
  uint64_t src = CreateQueue("dlq");
  uint64_t dst = CreateQueue("dst");
  std::vector<StoredMessage> many;
  for (int i = 0; i < 25; ++i) many.push_back(Msg(std::to_string(i), ""));
  Send(src, many, false);
  auto dest = [&](const StoredMessage&) -> std::optional<uint64_t> { return dst; };
  auto moved = Wait<int64_t>([&](auto done) { store_->MoveMessages(src, 10, now_, dest, done); });
  EXPECT_EQ(*moved, 10);
  EXPECT_EQ(store_->Counts(dst, now_)->visible, 10);
  EXPECT_EQ(store_->Counts(src, now_)->visible, 15);
}

TEST_P(FifoStoreTest, FairReceiveServesQuietTenantFirst) {
  uint64_t q = CreateQueue("fair");
  std::vector<StoredMessage> noisy;
  for (int i = 0; i < 20; ++i) noisy.push_back(Msg("n" + std::to_string(i), "noisy"));
  Send(q, noisy, false);
  // The noisy tenant takes messages into flight.
  EXPECT_EQ(Receive(q, 10, false).size(), 10u);
  Send(q, {Msg("quiet1", "quiet"), Msg("quiet2", "quiet")}, false);
  // Older noisy messages are waiting, but the quiet tenant is served first.
  auto got = Receive(q, 2, false);
  EXPECT_EQ(Bodies(got), (std::vector<std::string>{"quiet1", "quiet2"}));
  ReceiveOptions unfair;
  unfair.fair = false;
  Send(q, {Msg("quiet3", "quiet")}, false);
  auto plain = Receive(q, 1, false, 30'000, unfair);
  EXPECT_EQ(Bodies(plain), (std::vector<std::string>{"n10"}));
}

TEST_P(FifoStoreTest, RecordsPersist) {
  auto st = Wait<void>([&](auto done) { store_->PutRecord("task/1", "v1", done); });
  ASSERT_TRUE(st.ok());
  ASSERT_TRUE(Wait<void>([&](auto done) { store_->PutRecord("task/2", "v2", done); }).ok());
  ASSERT_TRUE(Wait<void>([&](auto done) { store_->PutRecord("other", "v3", done); }).ok());
  EXPECT_EQ(store_->Records("task/").size(), 2u);
  ASSERT_TRUE(Wait<void>([&](auto done) { store_->PutRecord("task/1", "", done); }).ok());
  EXPECT_EQ(store_->Records("task/").size(), 1u);
  if (GetParam()) {
    Reopen();
    auto recs = store_->Records("task/");
    ASSERT_EQ(recs.size(), 1u);
    EXPECT_EQ(recs[0].second, "v2");
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, FifoStoreTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "RocksDB" : "Memory"; });

}  // namespace
}  // namespace sluice::storage
