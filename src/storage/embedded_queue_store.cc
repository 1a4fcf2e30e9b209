// The embedded QueueStore: the delivery index lives in memory and is rebuilt
// from the KvStore on open; every change is written through the KvStore's
// group commit before it is acknowledged.
//
// Per message, memory holds only its seq, deadlines and counters; bodies stay
// in the KvStore and are read when delivered.
//
// Locking: catalogue_mu_ guards the queue maps; each queue's own mutex guards
// its index. Never take catalogue_mu_ while holding a queue mutex.
#include <algorithm>
#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include <unordered_map>

#include "common/bytes.h"
#include "common/crypto.h"
#include "storage/queue_store.h"

namespace sluice::storage {
namespace {

constexpr std::string_view kQueuePrefix = "queue/";
constexpr std::string_view kSecretKey = "server-secret";
constexpr std::string_view kNextQueueIdKey = "next-queue-id";

std::string QueueKey(std::string_view account, std::string_view name) {
  std::string k(kQueuePrefix);
  k.append(account).append("/").append(name);
  return k;
}

std::string MessageKey(uint64_t queue_id, uint64_t seq) {
  std::string k;
  bytes::PutU64(k, queue_id);
  bytes::PutU64(k, seq);
  return k;
}

std::string QueuePrefix(uint64_t queue_id) {
  std::string k;
  bytes::PutU64(k, queue_id);
  return k;
}

std::string EncodeMeta(const QueueMeta& m) {
  std::string out;
  bytes::PutU64(out, m.id);
  bytes::PutString(out, m.account_id);
  bytes::PutString(out, m.name);
  bytes::PutI64(out, m.created_ms);
  bytes::PutI64(out, m.modified_ms);
  bytes::PutU32(out, static_cast<uint32_t>(m.attributes.size()));
  for (const auto& [k, v] : m.attributes) {
    bytes::PutString(out, k);
    bytes::PutString(out, v);
  }
  bytes::PutU32(out, static_cast<uint32_t>(m.tags.size()));
  for (const auto& [k, v] : m.tags) {
    bytes::PutString(out, k);
    bytes::PutString(out, v);
  }
  return out;
}

bool DecodeMeta(std::string_view in, QueueMeta& m) {
  bytes::Reader r(in);
  uint32_t n = 0;
  r.U64(m.id);
  r.String(m.account_id);
  r.String(m.name);
  r.I64(m.created_ms);
  r.I64(m.modified_ms);
  if (!r.U32(n)) return false;
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    std::string k, v;
    r.String(k);
    r.String(v);
    m.attributes.emplace(std::move(k), std::move(v));
  }
  if (!r.U32(n)) return false;
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    std::string k, v;
    r.String(k);
    r.String(v);
    m.tags.emplace(std::move(k), std::move(v));
  }
  return r.done();
}

std::string EncodeMessage(const StoredMessage& m) {
  std::string out;
  bytes::PutString(out, m.message_id);
  bytes::PutString(out, m.body);
  bytes::PutString(out, m.attributes);
  bytes::PutString(out, m.system_attributes);
  bytes::PutI64(out, m.sent_ms);
  bytes::PutI64(out, m.visible_at_ms);
  return out;
}

bool DecodeMessage(std::string_view in, StoredMessage& m) {
  bytes::Reader r(in);
  r.String(m.message_id);
  r.String(m.body);
  r.String(m.attributes);
  r.String(m.system_attributes);
  r.I64(m.sent_ms);
  r.I64(m.visible_at_ms);
  return r.done();
}

struct MessageState {
  int64_t sent_ms = 0;
  int64_t visible_at_ms = 0;
  int64_t first_receive_ms = 0;
  uint32_t receive_count = 0;
  bool ready = false;  // in Queue::ready, else in Queue::waiting
};

std::string EncodeState(const MessageState& s) {
  std::string out;
  bytes::PutU32(out, s.receive_count);
  bytes::PutI64(out, s.first_receive_ms);
  bytes::PutI64(out, s.visible_at_ms);
  return out;
}

bool DecodeState(std::string_view in, MessageState& s) {
  bytes::Reader r(in);
  r.U32(s.receive_count);
  r.I64(s.first_receive_ms);
  r.I64(s.visible_at_ms);
  return r.done();
}

struct Queue {
  explicit Queue(QueueMeta m) : meta(std::move(m)) {}
  std::mutex mu;
  QueueMeta meta;            // GUARDED_BY(catalogue_mu_) for attribute changes
  bool deleted = false;      // GUARDED_BY(mu)
  uint64_t next_seq = 1;     // GUARDED_BY(mu)
  std::map<uint64_t, MessageState> messages;       // GUARDED_BY(mu)
  std::set<uint64_t> ready;                        // GUARDED_BY(mu): visible, by seq
  std::set<std::pair<int64_t, uint64_t>> waiting;  // GUARDED_BY(mu): (visible_at, seq)
  int64_t in_flight = 0;     // GUARDED_BY(mu): waiting entries with receive_count > 0
  uint64_t reserved_seq = 1; // GUARDED_BY(mu): seqs handed to pending sends

  // Moves messages whose deadline has passed into the ready set.
  void Promote(int64_t now) {
    while (!waiting.empty() && waiting.begin()->first <= now) {
      uint64_t seq = waiting.begin()->second;
      waiting.erase(waiting.begin());
      auto it = messages.find(seq);
      if (it == messages.end()) continue;
      if (it->second.receive_count > 0) --in_flight;
      it->second.ready = true;
      ready.insert(seq);
    }
  }

  void Place(uint64_t seq, MessageState& s, int64_t now) {
    if (s.visible_at_ms <= now) {
      s.ready = true;
      ready.insert(seq);
    } else {
      s.ready = false;
      waiting.emplace(s.visible_at_ms, seq);
      if (s.receive_count > 0) ++in_flight;
    }
  }

  void Unplace(uint64_t seq, MessageState& s) {
    if (s.ready) {
      ready.erase(seq);
    } else {
      waiting.erase({s.visible_at_ms, seq});
      if (s.receive_count > 0) --in_flight;
    }
  }
};

class EmbeddedQueueStore final : public QueueStore {
 public:
  explicit EmbeddedQueueStore(KvStore* kv) : kv_(kv) {}

  Status Open(int64_t now_ms) {
    // Secret and id counter.
    auto secret = kv_->Get(Space::kMeta, kSecretKey);
    if (!secret.ok()) return secret.error();
    if (secret->has_value()) {
      secret_ = **secret;
    } else {
      secret_ = crypto::RandomBytes(32);
      Status st = CommitSync({Mutation{Mutation::Op::kPut, Space::kMeta, std::string(kSecretKey), secret_}});
      if (!st.ok()) return st;
    }
    auto next = kv_->Get(Space::kMeta, kNextQueueIdKey);
    if (!next.ok()) return next.error();
    if (next->has_value()) {
      bytes::Reader r(**next);
      uint64_t v = 1;
      if (r.U64(v)) next_queue_id_ = v;
    }
    // Queues.
    std::vector<QueueMeta> metas;
    Status st = kv_->Scan(Space::kMeta, kQueuePrefix, [&](std::string_view, std::string_view v) {
      QueueMeta m;
      if (DecodeMeta(v, m)) metas.push_back(std::move(m));
      return true;
    });
    if (!st.ok()) return st;
    for (auto& m : metas) {
      auto q = std::make_shared<Queue>(m);
      // Messages, then their delivery state.
      Status ms = kv_->Scan(Space::kMessages, QueuePrefix(m.id), [&](std::string_view k, std::string_view v) {
        bytes::Reader r(k);
        uint64_t qid = 0, seq = 0;
        StoredMessage msg;
        if (!r.U64(qid) || !r.U64(seq) || !DecodeMessage(v, msg)) return true;
        MessageState s;
        s.sent_ms = msg.sent_ms;
        s.visible_at_ms = msg.visible_at_ms;
        q->messages.emplace(seq, s);
        q->next_seq = std::max(q->next_seq, seq + 1);
        return true;
      });
      if (!ms.ok()) return ms;
      ms = kv_->Scan(Space::kMessageState, QueuePrefix(m.id), [&](std::string_view k, std::string_view v) {
        bytes::Reader r(k);
        uint64_t qid = 0, seq = 0;
        if (!r.U64(qid) || !r.U64(seq)) return true;
        auto it = q->messages.find(seq);
        if (it == q->messages.end()) return true;
        MessageState s = it->second;
        if (DecodeState(v, s)) it->second = s;
        return true;
      });
      if (!ms.ok()) return ms;
      for (auto& [seq, s] : q->messages) q->Place(seq, s, now_ms);
      q->reserved_seq = q->next_seq;
      next_queue_id_ = std::max(next_queue_id_, m.id + 1);
      by_id_[m.id] = q;
      by_name_[QueueKey(m.account_id, m.name)] = q;
    }
    return {};
  }

  std::optional<QueueMeta> FindQueue(std::string_view account_id,
                                     std::string_view name) const override {
    std::lock_guard<std::mutex> lock(catalogue_mu_);
    auto it = by_name_.find(QueueKey(account_id, name));
    if (it == by_name_.end()) return std::nullopt;
    return it->second->meta;
  }

  std::optional<QueueMeta> FindQueueById(uint64_t queue_id) const override {
    std::lock_guard<std::mutex> lock(catalogue_mu_);
    auto it = by_id_.find(queue_id);
    if (it == by_id_.end()) return std::nullopt;
    return it->second->meta;
  }

  std::vector<QueueMeta> ListQueues(std::string_view account_id,
                                    std::string_view prefix) const override {
    std::vector<QueueMeta> out;
    std::string start = QueueKey(account_id, prefix);
    std::lock_guard<std::mutex> lock(catalogue_mu_);
    for (auto it = by_name_.lower_bound(start);
         it != by_name_.end() && it->first.compare(0, start.size(), start) == 0; ++it) {
      out.push_back(it->second->meta);
    }
    return out;
  }

  void PutQueue(QueueMeta meta, Done<QueueMeta> done) override {
    Batch batch;
    {
      std::lock_guard<std::mutex> lock(catalogue_mu_);
      if (meta.id == 0) {
        meta.id = next_queue_id_++;
        std::string counter;
        bytes::PutU64(counter, next_queue_id_);
        batch.push_back({Mutation::Op::kPut, Space::kMeta, std::string(kNextQueueIdKey), counter});
      }
    }
    batch.push_back({Mutation::Op::kPut, Space::kMeta, QueueKey(meta.account_id, meta.name),
                     EncodeMeta(meta)});
    kv_->Commit(std::move(batch), [this, meta, done = std::move(done)](Status st) {
      if (!st.ok()) return done(std::move(st).error());
      {
        std::lock_guard<std::mutex> lock(catalogue_mu_);
        auto it = by_id_.find(meta.id);
        if (it != by_id_.end()) {
          it->second->meta = meta;
        } else {
          auto q = std::make_shared<Queue>(meta);
          by_id_[meta.id] = q;
          by_name_[QueueKey(meta.account_id, meta.name)] = q;
        }
      }
      done(meta);
    });
  }

  void DeleteQueue(uint64_t queue_id, Done<void> done) override {
    std::shared_ptr<Queue> q;
    {
      std::lock_guard<std::mutex> lock(catalogue_mu_);
      auto it = by_id_.find(queue_id);
      if (it == by_id_.end()) return done(Error{"QueueDoesNotExist", "The specified queue does not exist."});
      q = it->second;
      by_id_.erase(it);
      by_name_.erase(QueueKey(q->meta.account_id, q->meta.name));
    }
    {
      std::lock_guard<std::mutex> lock(q->mu);
      q->deleted = true;
    }
    Batch batch;
    batch.push_back({Mutation::Op::kDelete, Space::kMeta, QueueKey(q->meta.account_id, q->meta.name), {}});
    AppendRangeDelete(batch, queue_id);
    kv_->Commit(std::move(batch), [done = std::move(done)](Status st) { done(std::move(st)); });
  }

  void Send(uint64_t queue_id, std::vector<StoredMessage> messages,
            Done<std::vector<uint64_t>> done) override {
    auto q = Get(queue_id);
    if (!q) return done(NoQueue());
    std::vector<uint64_t> seqs;
    Batch batch;
    batch.reserve(messages.size());
    {
      std::lock_guard<std::mutex> lock(q->mu);
      for (auto& m : messages) {
        uint64_t seq = q->reserved_seq++;
        seqs.push_back(seq);
        batch.push_back({Mutation::Op::kPut, Space::kMessages, MessageKey(queue_id, seq), EncodeMessage(m)});
      }
    }
    std::vector<std::pair<int64_t, int64_t>> times;  // (sent, visible_at)
    times.reserve(messages.size());
    for (auto& m : messages) times.emplace_back(m.sent_ms, m.visible_at_ms);
    kv_->Commit(std::move(batch), [this, q, seqs, times = std::move(times),
                                   done = std::move(done)](Status st) mutable {
      if (!st.ok()) return done(std::move(st).error());
      bool available = false;
      {
        std::lock_guard<std::mutex> lock(q->mu);
        if (!q->deleted) {
          for (size_t i = 0; i < seqs.size(); ++i) {
            MessageState s;
            s.sent_ms = times[i].first;
            s.visible_at_ms = times[i].second;
            auto [it, inserted] = q->messages.emplace(seqs[i], s);
            // Sends may commit out of seq order; visibility uses the send time.
            q->Place(seqs[i], it->second, times[i].first);
            q->next_seq = std::max(q->next_seq, seqs[i] + 1);
            available = available || it->second.ready;
          }
        }
      }
      done(std::move(seqs));
      if (available) Notify(q->meta.id);
    });
  }

  void Receive(uint64_t queue_id, const ReceiveOptions& options,
               Done<std::vector<Delivery>> done) override {
    auto q = Get(queue_id);
    if (!q) return done(NoQueue());
    std::vector<Delivery> out;
    Batch batch;
    {
      std::lock_guard<std::mutex> lock(q->mu);
      DropExpiredLocked(*q, options.now_ms, options.retention_ms, batch);
      q->Promote(options.now_ms);
      if (q->in_flight >= options.max_in_flight && !q->ready.empty()) {
        return done(Error{"OverLimit", "Too many messages in flight."});
      }
      while (static_cast<int>(out.size()) < options.max_messages && !q->ready.empty()) {
        uint64_t seq = *q->ready.begin();
        MessageState& s = q->messages[seq];
        q->Unplace(seq, s);
        s.receive_count++;
        if (s.first_receive_ms == 0) s.first_receive_ms = options.now_ms;
        s.visible_at_ms = options.now_ms + options.visibility_ms;
        // Visibility 0 makes the message available again at once.
        s.ready = false;
        q->waiting.emplace(s.visible_at_ms, seq);
        ++q->in_flight;
        batch.push_back({Mutation::Op::kPut, Space::kMessageState, MessageKey(queue_id, seq), EncodeState(s)});
        Delivery d;
        d.seq = seq;
        d.receive_count = s.receive_count;
        d.first_receive_ms = s.first_receive_ms;
        out.push_back(std::move(d));
      }
    }
    // Bodies come from the store, outside the queue lock.
    for (auto it = out.begin(); it != out.end();) {
      auto rec = kv_->Get(Space::kMessages, MessageKey(queue_id, it->seq));
      if (!rec.ok()) return done(rec.error());
      if (!rec->has_value() || !DecodeMessage(**rec, it->message)) {
        it = out.erase(it);  // deleted meanwhile (queue purged or deleted)
        continue;
      }
      ++it;
    }
    if (batch.empty()) return done(std::move(out));
    kv_->Commit(std::move(batch), [out = std::move(out), done = std::move(done)](Status st) mutable {
      if (!st.ok()) return done(std::move(st).error());
      done(std::move(out));
    });
  }

  void DeleteMessage(uint64_t queue_id, uint64_t seq, uint32_t receive_count,
                     Done<HandleState> done) override {
    auto q = Get(queue_id);
    if (!q) return done(NoQueue());
    Batch batch;
    HandleState state;
    {
      std::lock_guard<std::mutex> lock(q->mu);
      auto it = q->messages.find(seq);
      if (it == q->messages.end()) {
        state = HandleState::kGone;
      } else if (it->second.receive_count != receive_count) {
        state = HandleState::kStale;
      } else {
        state = HandleState::kCurrent;
        q->Unplace(seq, it->second);
        q->messages.erase(it);
        batch.push_back({Mutation::Op::kDelete, Space::kMessages, MessageKey(queue_id, seq), {}});
        batch.push_back({Mutation::Op::kDelete, Space::kMessageState, MessageKey(queue_id, seq), {}});
      }
    }
    if (batch.empty()) return done(state);
    kv_->Commit(std::move(batch), [state, done = std::move(done)](Status st) {
      if (!st.ok()) return done(std::move(st).error());
      done(state);
    });
  }

  void ChangeVisibility(uint64_t queue_id, uint64_t seq, uint32_t receive_count,
                        int64_t visible_at_ms, int64_t now_ms, Done<void> done) override {
    auto q = Get(queue_id);
    if (!q) return done(NoQueue());
    Batch batch;
    bool available = false;
    {
      std::lock_guard<std::mutex> lock(q->mu);
      q->Promote(now_ms);
      auto it = q->messages.find(seq);
      if (it == q->messages.end() || it->second.receive_count != receive_count) {
        return done(Error{"ReceiptHandleStale", ""});
      }
      MessageState& s = it->second;
      if (s.ready) return done(Error{"MessageNotInflight", ""});
      q->Unplace(seq, s);
      s.visible_at_ms = visible_at_ms;
      q->Place(seq, s, now_ms);
      available = s.ready;
      batch.push_back({Mutation::Op::kPut, Space::kMessageState, MessageKey(queue_id, seq), EncodeState(s)});
    }
    kv_->Commit(std::move(batch), [this, queue_id, available, done = std::move(done)](Status st) {
      done(std::move(st));
      if (st.ok() && available) Notify(queue_id);
    });
  }

  void Purge(uint64_t queue_id, Done<void> done) override {
    auto q = Get(queue_id);
    if (!q) return done(NoQueue());
    Batch batch;
    {
      std::lock_guard<std::mutex> lock(q->mu);
      q->messages.clear();
      q->ready.clear();
      q->waiting.clear();
      q->in_flight = 0;
      // Sends not yet committed keep their higher seqs and survive the purge,
      // as messages sent after the purge started.
      std::string from = MessageKey(queue_id, 0);
      std::string to = MessageKey(queue_id, q->reserved_seq);
      batch.push_back({Mutation::Op::kDeleteRange, Space::kMessages, from, to});
      batch.push_back({Mutation::Op::kDeleteRange, Space::kMessageState, from, to});
    }
    kv_->Commit(std::move(batch), [done = std::move(done)](Status st) { done(std::move(st)); });
  }

  Result<QueueCounts> Counts(uint64_t queue_id, int64_t now_ms) override {
    auto q = Get(queue_id);
    if (!q) return NoQueue();
    std::lock_guard<std::mutex> lock(q->mu);
    q->Promote(now_ms);
    QueueCounts c;
    c.visible = static_cast<int64_t>(q->ready.size());
    c.in_flight = q->in_flight;
    c.delayed = static_cast<int64_t>(q->waiting.size()) - q->in_flight;
    return c;
  }

  std::optional<int64_t> NextVisibleAt(uint64_t queue_id, int64_t now_ms) override {
    auto q = Get(queue_id);
    if (!q) return std::nullopt;
    std::lock_guard<std::mutex> lock(q->mu);
    q->Promote(now_ms);
    if (q->waiting.empty()) return std::nullopt;
    return q->waiting.begin()->first;
  }

  int64_t ExpireMessages(uint64_t queue_id, int64_t now_ms, int64_t retention_ms) override {
    auto q = Get(queue_id);
    if (!q) return 0;
    Batch batch;
    {
      std::lock_guard<std::mutex> lock(q->mu);
      DropExpiredLocked(*q, now_ms, retention_ms, batch);
    }
    int64_t n = static_cast<int64_t>(batch.size() / 2);
    if (!batch.empty()) kv_->Commit(std::move(batch), [](Status) {});
    return n;
  }

  void SetAvailabilityListener(AvailabilityListener listener) override {
    std::lock_guard<std::mutex> lock(listener_mu_);
    listener_ = std::move(listener);
  }

  const std::string& Secret() const override { return secret_; }

 private:
  static Error NoQueue() { return Error{"QueueDoesNotExist", "The specified queue does not exist."}; }

  std::shared_ptr<Queue> Get(uint64_t id) const {
    std::lock_guard<std::mutex> lock(catalogue_mu_);
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : it->second;
  }

  void Notify(uint64_t queue_id) {
    AvailabilityListener l;
    {
      std::lock_guard<std::mutex> lock(listener_mu_);
      l = listener_;
    }
    if (l) l(queue_id);
  }

  // Messages are in seq order, which is send order: expired ones are a prefix
  // (up to sends that committed out of order, caught on a later pass).
  static void DropExpiredLocked(Queue& q, int64_t now, int64_t retention_ms, Batch& batch) {
    while (!q.messages.empty()) {
      auto it = q.messages.begin();
      if (it->second.sent_ms + retention_ms > now) break;
      q.Unplace(it->first, it->second);
      batch.push_back({Mutation::Op::kDelete, Space::kMessages, MessageKey(q.meta.id, it->first), {}});
      batch.push_back({Mutation::Op::kDelete, Space::kMessageState, MessageKey(q.meta.id, it->first), {}});
      q.messages.erase(it);
    }
  }

  static void AppendRangeDelete(Batch& batch, uint64_t queue_id) {
    std::string from = QueuePrefix(queue_id);
    std::string to = QueuePrefix(queue_id + 1);
    batch.push_back({Mutation::Op::kDeleteRange, Space::kMessages, from, to});
    batch.push_back({Mutation::Op::kDeleteRange, Space::kMessageState, from, to});
  }

  Status CommitSync(Batch batch) {
    std::promise<Status> p;
    auto f = p.get_future();
    kv_->Commit(std::move(batch), [&p](Status st) { p.set_value(std::move(st)); });
    return f.get();
  }

  KvStore* kv_;
  std::string secret_;
  mutable std::mutex catalogue_mu_;
  uint64_t next_queue_id_ = 1;  // GUARDED_BY(catalogue_mu_)
  std::map<uint64_t, std::shared_ptr<Queue>> by_id_;        // GUARDED_BY(catalogue_mu_)
  std::map<std::string, std::shared_ptr<Queue>> by_name_;   // GUARDED_BY(catalogue_mu_)
  std::mutex listener_mu_;
  AvailabilityListener listener_;  // GUARDED_BY(listener_mu_)
};

}  // namespace

Result<std::unique_ptr<QueueStore>> OpenEmbeddedQueueStore(KvStore* kv, int64_t now_ms) {
  auto store = std::make_unique<EmbeddedQueueStore>(kv);
  Status st = store->Open(now_ms);
  if (!st.ok()) return std::move(st).error();
  return std::unique_ptr<QueueStore>(std::move(store));
}

}  // namespace sluice::storage
