// The in-memory delivery index of one queue, compact enough to hold millions
// of messages: per message, one fixed-size slot and two bits.
//
// Seqs of a queue are handed out in increasing order and messages mostly
// leave in the same order, so slots live in chunks of consecutive seqs
// (SlotTable) rather than in per-message tree nodes. A chunk is freed when its
// last message leaves; a few survivors among many departed messages cost one
// chunk each, and a run of empty chunks costs one pointer per chunk.
//
// Visible messages are a "ready" bit per slot, found in seq order with a
// bitmap scan. Messages waiting for a deadline (in flight or delayed) are in
// a min-heap of (deadline, seq) with lazy deletion (DeadlineHeap): an entry
// counts only while the slot is still waiting for that very deadline.
//
// Not thread-safe: the queue's mutex guards it.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <utility>
#include <vector>

namespace sluice::storage {

struct MessageState {
  int64_t sent_ms = 0;
  int64_t visible_at_ms = 0;
  int64_t first_receive_ms = 0;
  int64_t last_receive_ms = 0;
  uint32_t receive_count = 0;
  uint32_t group = 0;  // interned group id; 0 when the message has none
  bool ready = false;  // visible (ready bit set), else waiting for visible_at_ms
};

class SlotTable {
 public:
  static constexpr uint64_t kNone = UINT64_MAX;

  SlotTable() = default;
  SlotTable(const SlotTable&) = delete;
  SlotTable& operator=(const SlotTable&) = delete;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t ready_count() const { return ready_count_; }

  MessageState* Find(uint64_t seq) {
    Chunk* c = ChunkOf(seq);
    if (!c || !Test(c->present, Offset(seq))) return nullptr;
    return &c->slots[Offset(seq)];
  }

  // A new slot for seq, reset to `state` with the ready bit clear; nullptr
  // when seq is present already.
  MessageState* Insert(uint64_t seq, const MessageState& state) {
    Chunk* c = EnsureChunk(seq);
    uint32_t off = Offset(seq);
    if (Test(c->present, off)) return nullptr;
    Set(c->present, off);
    c->count++;
    size_++;
    MessageState& s = c->slots[off];
    s = state;
    s.ready = false;
    return &s;
  }

  // Removes a present slot (and its ready bit).
  void Erase(uint64_t seq) {
    uint64_t n = seq >> kChunkBits;
    Chunk* c = ChunkOf(seq);
    uint32_t off = Offset(seq);
    if (!c || !Test(c->present, off)) return;
    if (c->slots[off].ready) SetReady(seq, false);
    Clear(c->present, off);
    size_--;
    if (--c->count == 0) Release(n);
  }

  // Sets or clears the ready bit of a present slot.
  void SetReady(uint64_t seq, bool ready) {
    Chunk* c = ChunkOf(seq);
    uint32_t off = Offset(seq);
    MessageState& s = c->slots[off];
    if (s.ready == ready) return;
    s.ready = ready;
    uint64_t n = seq >> kChunkBits;
    if (ready) {
      Set(c->ready, off);
      ready_count_++;
      if (c->ready_count++ == 0) ready_chunks_.insert(n);
    } else {
      Clear(c->ready, off);
      ready_count_--;
      if (--c->ready_count == 0) ready_chunks_.erase(n);
    }
  }

  // The first ready seq at or after `from`, or kNone.
  uint64_t NextReady(uint64_t from) const {
    for (auto it = ready_chunks_.lower_bound(from >> kChunkBits); it != ready_chunks_.end(); ++it) {
      uint64_t n = *it;
      uint64_t start = n == (from >> kChunkBits) ? from : n << kChunkBits;
      uint64_t found = Scan(chunks_[n - base_]->ready, n, start);
      if (found != kNone) return found;
    }
    return kNone;
  }

  // The first present seq at or after `from`, or kNone.
  uint64_t NextPresent(uint64_t from) const {
    uint64_t n = std::max(from >> kChunkBits, base_);
    for (; n < base_ + chunks_.size(); ++n) {
      const Chunk* c = chunks_[n - base_].get();
      if (!c) continue;
      uint64_t start = n == (from >> kChunkBits) ? from : n << kChunkBits;
      uint64_t found = Scan(c->present, n, start);
      if (found != kNone) return found;
    }
    return kNone;
  }

  // Bytes held, for tests and diagnostics.
  size_t MemoryBytes() const {
    size_t chunks = 0;
    for (const auto& c : chunks_) chunks += c ? 1 : 0;
    if (spare_) chunks++;
    return chunks * sizeof(Chunk) + chunks_.size() * sizeof(void*);
  }

 private:
  static constexpr int kChunkBits = 12;
  static constexpr uint32_t kChunkSize = 1u << kChunkBits;
  static constexpr uint32_t kWords = kChunkSize / 64;

  struct Chunk {
    std::array<uint64_t, kWords> present{};
    std::array<uint64_t, kWords> ready{};
    uint32_t count = 0;
    uint32_t ready_count = 0;
    std::array<MessageState, kChunkSize> slots;
  };

  static uint32_t Offset(uint64_t seq) { return static_cast<uint32_t>(seq & (kChunkSize - 1)); }
  static bool Test(const std::array<uint64_t, kWords>& bits, uint32_t off) {
    return (bits[off >> 6] >> (off & 63)) & 1;
  }
  static void Set(std::array<uint64_t, kWords>& bits, uint32_t off) { bits[off >> 6] |= uint64_t{1} << (off & 63); }
  static void Clear(std::array<uint64_t, kWords>& bits, uint32_t off) {
    bits[off >> 6] &= ~(uint64_t{1} << (off & 63));
  }

  // The first set bit of chunk n at or after seq `start` (within the chunk).
  static uint64_t Scan(const std::array<uint64_t, kWords>& bits, uint64_t n, uint64_t start) {
    uint32_t off = Offset(start);
    uint32_t w = off >> 6;
    uint64_t word = bits[w] & (~uint64_t{0} << (off & 63));
    while (true) {
      if (word) return (n << kChunkBits) + (w << 6) + static_cast<uint32_t>(__builtin_ctzll(word));
      if (++w == kWords) return kNone;
      word = bits[w];
    }
  }

  Chunk* ChunkOf(uint64_t seq) const {
    uint64_t n = seq >> kChunkBits;
    if (n < base_ || n >= base_ + chunks_.size()) return nullptr;
    return chunks_[n - base_].get();
  }

  Chunk* EnsureChunk(uint64_t seq) {
    uint64_t n = seq >> kChunkBits;
    if (chunks_.empty()) {
      base_ = n;
      chunks_.emplace_back();
    } else if (n < base_) {
      for (; base_ > n; --base_) chunks_.emplace_front();
    } else if (n >= base_ + chunks_.size()) {
      chunks_.resize(n - base_ + 1);
    }
    auto& slot = chunks_[n - base_];
    if (!slot) slot = spare_ ? std::move(spare_) : std::make_unique<Chunk>();
    return slot.get();
  }

  // Frees chunk n (now empty), keeping one spare so that a queue drained as
  // fast as it is filled does not allocate a chunk per message.
  void Release(uint64_t n) {
    auto& slot = chunks_[n - base_];
    if (!spare_) spare_ = std::move(slot);
    slot.reset();
    while (!chunks_.empty() && !chunks_.front()) {
      chunks_.pop_front();
      base_++;
    }
    while (!chunks_.empty() && !chunks_.back()) chunks_.pop_back();
  }

  std::deque<std::unique_ptr<Chunk>> chunks_;  // chunks_[i] holds seqs of chunk base_ + i
  uint64_t base_ = 0;
  std::unique_ptr<Chunk> spare_;
  std::set<uint64_t> ready_chunks_;  // chunk numbers with a ready slot
  size_t size_ = 0;
  size_t ready_count_ = 0;
};

// Deadlines of waiting messages: a min-heap of (deadline, seq). Entries are
// never removed early; `valid` tells whether an entry still stands.
class DeadlineHeap {
 public:
  using Entry = std::pair<int64_t, uint64_t>;

  void Push(int64_t at, uint64_t seq) {
    heap_.emplace_back(at, seq);
    std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
  }

  // Drops stale entries from the top; then the top, if any, is valid.
  template <typename Valid>
  const Entry* Top(Valid valid) {
    while (!heap_.empty() && !valid(heap_.front())) Pop();
    return heap_.empty() ? nullptr : &heap_.front();
  }

  void Pop() {
    std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
    heap_.pop_back();
  }

  // Rebuilds without stale entries once they outnumber the live ones.
  template <typename Valid>
  void MaybeCompact(size_t live, Valid valid) {
    if (heap_.size() < 2 * live + 4096) return;
    std::erase_if(heap_, [&](const Entry& e) { return !valid(e); });
    std::make_heap(heap_.begin(), heap_.end(), std::greater<>());
    if (heap_.capacity() > 2 * heap_.size() + 4096) heap_.shrink_to_fit();
  }

  size_t entries() const { return heap_.size(); }
  void clear() { heap_.clear(); }

 private:
  std::vector<Entry> heap_;
};

}  // namespace sluice::storage
