// SlotTable and DeadlineHeap against simple reference containers.
#include "storage/message_index.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

namespace sluice::storage {
namespace {

TEST(SlotTableTest, InsertFindErase) {
  SlotTable t;
  EXPECT_EQ(t.Find(7), nullptr);
  MessageState s;
  s.sent_ms = 11;
  ASSERT_NE(t.Insert(7, s), nullptr);
  EXPECT_EQ(t.Insert(7, s), nullptr) << "a present seq is not inserted twice";
  ASSERT_NE(t.Find(7), nullptr);
  EXPECT_EQ(t.Find(7)->sent_ms, 11);
  EXPECT_FALSE(t.Find(7)->ready);
  EXPECT_EQ(t.size(), 1u);
  t.Erase(7);
  EXPECT_EQ(t.Find(7), nullptr);
  EXPECT_TRUE(t.empty());
  t.Erase(7);  // absent: no effect
  EXPECT_TRUE(t.empty());
}

TEST(SlotTableTest, ReadyInSeqOrderAcrossChunks) {
  SlotTable t;
  for (uint64_t seq : {5u, 4096u, 4097u, 100000u, 3u}) {
    t.Insert(seq, MessageState{});
    t.SetReady(seq, true);
  }
  EXPECT_EQ(t.ready_count(), 5u);
  EXPECT_EQ(t.NextReady(0), 3u);
  EXPECT_EQ(t.NextReady(4), 5u);
  EXPECT_EQ(t.NextReady(6), 4096u);
  EXPECT_EQ(t.NextReady(4097), 4097u);
  EXPECT_EQ(t.NextReady(4098), 100000u);
  EXPECT_EQ(t.NextReady(100001), SlotTable::kNone);
  t.SetReady(4096, false);
  EXPECT_EQ(t.NextReady(6), 4097u);
  t.Erase(4097);
  EXPECT_EQ(t.NextReady(6), 100000u);
  EXPECT_EQ(t.NextPresent(6), 4096u);
  EXPECT_EQ(t.ready_count(), 3u);
}

TEST(SlotTableTest, InsertBelowTheFirstChunk) {
  SlotTable t;
  t.Insert(1'000'000, MessageState{});
  t.Insert(5, MessageState{});
  EXPECT_EQ(t.NextPresent(0), 5u);
  EXPECT_EQ(t.NextPresent(6), 1'000'000u);
  t.Erase(5);
  EXPECT_EQ(t.NextPresent(0), 1'000'000u);
}

TEST(SlotTableTest, EmptiedChunksAreFreed) {
  SlotTable t;
  for (uint64_t seq = 1; seq <= 100'000; ++seq) t.Insert(seq, MessageState{});
  size_t full = t.MemoryBytes();
  // One survivor at the end; everything before it leaves.
  for (uint64_t seq = 1; seq < 100'000; ++seq) t.Erase(seq);
  EXPECT_EQ(t.size(), 1u);
  EXPECT_LT(t.MemoryBytes() * 10, full);
  // One survivor at the start; a long run after it comes and goes.
  t.Insert(200'000, MessageState{});
  for (uint64_t seq = 200'001; seq < 400'000; ++seq) {
    t.Insert(seq, MessageState{});
    t.Erase(seq);
  }
  EXPECT_EQ(t.NextPresent(100'001), 200'000u);
  // Two survivors' chunks and one spare, not the 100,000 seqs run past.
  EXPECT_LT(t.MemoryBytes() * 5, full);
}

// Random operations against std::map/std::set.
TEST(SlotTableTest, MatchesReferenceContainers) {
  SlotTable t;
  std::map<uint64_t, int64_t> present;
  std::set<uint64_t> ready;
  std::mt19937_64 rng(42);
  uint64_t next = 1;
  for (int i = 0; i < 200'000; ++i) {
    int op = static_cast<int>(rng() % 10);
    if (op < 4) {
      uint64_t seq = next;
      next += 1 + rng() % 3;
      MessageState s;
      s.sent_ms = static_cast<int64_t>(seq) * 3;
      ASSERT_NE(t.Insert(seq, s), nullptr);
      present[seq] = s.sent_ms;
    } else if (!present.empty()) {
      auto it = present.lower_bound(rng() % next);
      if (it == present.end()) it = present.begin();
      uint64_t seq = it->first;
      if (op < 7) {
        bool r = rng() % 2;
        t.SetReady(seq, r);
        if (r) ready.insert(seq); else ready.erase(seq);
      } else {
        t.Erase(seq);
        present.erase(seq);
        ready.erase(seq);
      }
    }
    if (i % 997 == 0) {
      uint64_t from = rng() % (next + 1);
      auto r = ready.lower_bound(from);
      ASSERT_EQ(t.NextReady(from), r == ready.end() ? SlotTable::kNone : *r);
      auto p = present.lower_bound(from);
      ASSERT_EQ(t.NextPresent(from), p == present.end() ? SlotTable::kNone : p->first);
      ASSERT_EQ(t.size(), present.size());
      ASSERT_EQ(t.ready_count(), ready.size());
    }
  }
  for (auto [seq, sent] : present) {
    ASSERT_NE(t.Find(seq), nullptr);
    EXPECT_EQ(t.Find(seq)->sent_ms, sent);
    EXPECT_EQ(t.Find(seq)->ready, ready.count(seq) == 1);
  }
}

TEST(DeadlineHeapTest, SkipsStaleEntriesAndCompacts) {
  DeadlineHeap h;
  std::map<uint64_t, int64_t> deadline;  // live deadline per seq
  auto valid = [&](const DeadlineHeap::Entry& e) {
    auto it = deadline.find(e.second);
    return it != deadline.end() && it->second == e.first;
  };
  h.Push(50, 1);
  deadline[1] = 50;
  h.Push(30, 2);
  deadline[2] = 30;
  h.Push(40, 2);  // moved: the entry at 30 is stale
  deadline[2] = 40;
  ASSERT_NE(h.Top(valid), nullptr);
  EXPECT_EQ(h.Top(valid)->first, 40);
  EXPECT_EQ(h.Top(valid)->second, 2u);
  h.Pop();
  deadline.erase(2);
  EXPECT_EQ(h.Top(valid)->first, 50);
  deadline.erase(1);
  EXPECT_EQ(h.Top(valid), nullptr);

  for (int i = 0; i < 20'000; ++i) h.Push(i, 9);  // all stale but the last
  deadline[9] = 19'999;
  h.MaybeCompact(1, valid);
  EXPECT_EQ(h.entries(), 1u);
  EXPECT_EQ(h.Top(valid)->first, 19'999);
}

}  // namespace
}  // namespace sluice::storage
