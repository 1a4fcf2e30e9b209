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
#include <unordered_set>

#include "common/bytes.h"
#include "common/crypto.h"
#include "storage/message_index.h"
#include "storage/queue_store.h"

namespace sluice::storage {
namespace {

constexpr std::string_view kQueuePrefix = "queue/";
constexpr std::string_view kSecretKey = "server-secret";
constexpr std::string_view kNextQueueIdKey = "next-queue-id";
constexpr std::string_view kDedupPrefix = "dedup/";
constexpr std::string_view kRecordPrefix = "record/";
// Seqs are handed out below a persisted ceiling, raised in steps, so a seq is
// never reused after a restart even when the newest messages were deleted
// (a receipt handle of a deleted message must never match a new one).
constexpr std::string_view kSeqCeilingPrefix = "seq-ceiling/";
constexpr uint64_t kSeqStep = 1 << 16;
// Deletes leave state records to a range sweep every kStateSweepStep seqs;
// a message kStateSweepLag or more past the last sweep deletes its own.
constexpr uint64_t kStateSweepStep = 1024;
constexpr uint64_t kStateSweepLag = 1 << 16;

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
  bytes::PutString(out, m.group_id);
  bytes::PutString(out, m.dedup_id);
  bytes::PutString(out, m.dead_letter_source_arn);
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
  r.String(m.group_id);
  r.String(m.dedup_id);
  r.String(m.dead_letter_source_arn);
  return r.done();
}

// The fields of a message record the index needs, without copying the rest.
bool DecodeIndexFields(std::string_view in, int64_t& sent_ms, int64_t& visible_at_ms,
                       std::string_view& group_id) {
  bytes::Reader r(in);
  std::string_view skip;
  r.View(skip);  // message id
  r.View(skip);  // body
  r.View(skip);  // attributes
  r.View(skip);  // system attributes
  r.I64(sent_ms);
  r.I64(visible_at_ms);
  r.View(group_id);
  r.View(skip);  // dedup id
  r.View(skip);  // dead-letter source
  return r.done();
}

std::string DedupPrefix(uint64_t queue_id) {
  std::string k(kDedupPrefix);
  bytes::PutU64(k, queue_id);
  return k;
}

std::string EncodeDedup(int64_t expires_ms, const std::string& message_id, uint64_t seq) {
  std::string out;
  bytes::PutI64(out, expires_ms);
  bytes::PutString(out, message_id);
  bytes::PutU64(out, seq);
  return out;
}

std::string EncodeState(const MessageState& s) {
  std::string out;
  bytes::PutU32(out, s.receive_count);
  bytes::PutI64(out, s.first_receive_ms);
  bytes::PutI64(out, s.visible_at_ms);
  bytes::PutI64(out, s.last_receive_ms);
  return out;
}

bool DecodeState(std::string_view in, MessageState& s) {
  bytes::Reader r(in);
  r.U32(s.receive_count);
  r.I64(s.first_receive_ms);
  r.I64(s.visible_at_ms);
  r.I64(s.last_receive_ms);
  return r.done();
}

struct GroupCounts {
  int64_t total = 0;     // messages of the group in the queue
  int64_t in_flight = 0;
};

struct DedupEntry {
  int64_t expires_ms = 0;
  std::string message_id;
  uint64_t seq = 0;
};

std::string SeqCeilingKey(uint64_t queue_id) {
  std::string k(kSeqCeilingPrefix);
  bytes::PutU64(k, queue_id);
  return k;
}

struct Queue {
  explicit Queue(QueueMeta m) : meta(std::move(m)) { group_names.emplace_back(); }
  std::mutex mu;
  QueueMeta meta;            // replaced under the catalogue mutex
  bool deleted = false;      // GUARDED_BY(mu)
  uint64_t next_seq = 1;     // GUARDED_BY(mu)
  uint64_t reserved_seq = 1; // GUARDED_BY(mu): seqs handed to pending sends
  uint64_t seq_ceiling = 1;  // GUARDED_BY(mu): persisted bound on seqs handed out
  uint64_t purge_floor = 0;  // GUARDED_BY(mu): sends below it committed into a purge
  uint64_t state_floor = 0;  // GUARDED_BY(mu): state records below it are swept

  // Hands out the next seq; raises the persisted ceiling in the same batch.
  uint64_t NextSeq(Batch& batch) {
    if (reserved_seq >= seq_ceiling) {
      seq_ceiling = reserved_seq + kSeqStep;
      std::string v;
      bytes::PutU64(v, seq_ceiling);
      batch.push_back({Mutation::Op::kPut, Space::kMeta, SeqCeilingKey(meta.id), v});
    }
    return reserved_seq++;
  }
  SlotTable messages;        // GUARDED_BY(mu): by seq; ready bits = visible
  DeadlineHeap waiting;      // GUARDED_BY(mu): deadlines of messages not ready
  int64_t waiting_count = 0; // GUARDED_BY(mu): messages not ready
  int64_t in_flight = 0;     // GUARDED_BY(mu): waiting messages with receive_count > 0
  // Message groups (FIFO groups, fair-queue tenants), interned per queue.
  std::unordered_map<std::string, uint32_t> group_ids;  // GUARDED_BY(mu)
  std::vector<std::string> group_names;                 // GUARDED_BY(mu); [0] = none
  std::vector<uint32_t> free_groups;                    // GUARDED_BY(mu)
  std::unordered_map<uint32_t, GroupCounts> groups;     // GUARDED_BY(mu)
  int64_t grouped_in_flight = 0;                        // GUARDED_BY(mu)
  // FIFO deduplication window.
  std::unordered_map<std::string, DedupEntry> dedup;    // GUARDED_BY(mu)
  std::multimap<int64_t, std::string> dedup_expiry;     // GUARDED_BY(mu)

  uint32_t InternGroup(const std::string& name) {
    if (name.empty()) return 0;
    auto it = group_ids.find(name);
    if (it != group_ids.end()) return it->second;
    uint32_t id;
    if (!free_groups.empty()) {
      id = free_groups.back();
      free_groups.pop_back();
      group_names[id] = name;
    } else {
      id = static_cast<uint32_t>(group_names.size());
      group_names.push_back(name);
    }
    group_ids.emplace(name, id);
    return id;
  }

  void AddMessage(uint64_t seq, const MessageState& state, int64_t now) {
    MessageState* s = messages.Insert(seq, state);
    if (!s) return;
    if (s->group) groups[s->group].total++;
    Place(seq, *s, now);
  }

  // Places every slot inserted by recovery (none placed yet).
  void PlaceLoaded(int64_t now) {
    for (uint64_t seq = messages.NextPresent(0); seq != SlotTable::kNone;
         seq = messages.NextPresent(seq + 1)) {
      MessageState& s = *messages.Find(seq);
      if (s.group) groups[s.group].total++;
      Place(seq, s, now);
    }
  }

  void RemoveMessage(uint64_t seq) {
    MessageState* s = messages.Find(seq);
    if (!s) return;
    Unplace(seq, *s);
    uint32_t g = s->group;
    messages.Erase(seq);
    if (g) {
      auto git = groups.find(g);
      if (git != groups.end() && --git->second.total <= 0) {
        groups.erase(git);
        group_ids.erase(group_names[g]);
        group_names[g].clear();
        free_groups.push_back(g);
      }
    }
  }

  void AdjustInFlight(const MessageState& s, int delta) {
    in_flight += delta;
    if (s.group) {
      groups[s.group].in_flight += delta;
      grouped_in_flight += delta;
    }
  }

  // A heap entry stands while its message still waits for that deadline.
  auto ValidDeadline() {
    return [this](const DeadlineHeap::Entry& e) {
      const MessageState* s = messages.Find(e.second);
      return s && !s->ready && s->visible_at_ms == e.first;
    };
  }

  // Moves messages whose deadline has passed into the ready set.
  void Promote(int64_t now) {
    auto valid = ValidDeadline();
    while (const DeadlineHeap::Entry* top = waiting.Top(valid)) {
      if (top->first > now) break;
      uint64_t seq = top->second;
      waiting.Pop();
      MessageState& s = *messages.Find(seq);
      waiting_count--;
      if (s.receive_count > 0) AdjustInFlight(s, -1);
      messages.SetReady(seq, true);
    }
  }

  // The earliest deadline of a waiting message, if any.
  std::optional<int64_t> NextDeadline() {
    const DeadlineHeap::Entry* top = waiting.Top(ValidDeadline());
    if (!top) return std::nullopt;
    return top->first;
  }

  void Wait(uint64_t seq, MessageState& s) {
    s.ready = false;
    waiting.Push(s.visible_at_ms, seq);
    waiting_count++;
    if (s.receive_count > 0) AdjustInFlight(s, +1);
    waiting.MaybeCompact(static_cast<size_t>(waiting_count), ValidDeadline());
  }

  void Place(uint64_t seq, MessageState& s, int64_t now) {
    if (s.visible_at_ms <= now) {
      messages.SetReady(seq, true);
    } else {
      Wait(seq, s);
    }
  }

  // Takes a message out of the ready set or the waiting set; the caller
  // places it again or removes it before releasing the lock.
  void Unplace(uint64_t seq, MessageState& s) {
    if (s.ready) {
      messages.SetReady(seq, false);
    } else {
      waiting_count--;
      if (s.receive_count > 0) AdjustInFlight(s, -1);
    }
  }

  // Fair queues: a tenant holding more than an even share of the in-flight
  // messages of all tenants is noisy; quieter tenants are served first.
  bool Noisy(uint32_t g) const {
    if (g == 0 || groups.size() < 2) return false;
    auto it = groups.find(g);
    if (it == groups.end()) return false;
    int64_t share = grouped_in_flight / static_cast<int64_t>(groups.size());
    return it->second.in_flight > share;
  }
};

class EmbeddedQueueStore final : public QueueStore {
 public:
  explicit EmbeddedQueueStore(KvStore* kv) : kv_(kv) {}

  Status Open(int64_t now_ms) {
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
    Status st = kv_->Scan(Space::kMeta, kRecordPrefix, [&](std::string_view k, std::string_view v) {
      records_[std::string(k.substr(kRecordPrefix.size()))] = std::string(v);
      return true;
    });
    if (!st.ok()) return st;
    std::vector<QueueMeta> metas;
    st = kv_->Scan(Space::kMeta, kQueuePrefix, [&](std::string_view, std::string_view v) {
      QueueMeta m;
      if (DecodeMeta(v, m)) metas.push_back(std::move(m));
      return true;
    });
    if (!st.ok()) return st;
    Batch cleanup;
    for (auto& m : metas) {
      auto q = std::make_shared<Queue>(m);
      // Records first (slots, unplaced), then delivery states, then placement.
      std::string group_key;
      Status ms = kv_->Scan(Space::kMessages, QueuePrefix(m.id), [&](std::string_view k, std::string_view v) {
        bytes::Reader r(k);
        uint64_t qid = 0, seq = 0;
        MessageState s;
        std::string_view group;
        if (!r.U64(qid) || !r.U64(seq) || !DecodeIndexFields(v, s.sent_ms, s.visible_at_ms, group)) {
          return true;
        }
        if (!group.empty()) {
          group_key.assign(group);
          s.group = q->InternGroup(group_key);
        }
        q->messages.Insert(seq, s);
        q->next_seq = std::max(q->next_seq, seq + 1);
        return true;
      });
      if (!ms.ok()) return ms;
      ms = kv_->Scan(Space::kMessageState, QueuePrefix(m.id), [&](std::string_view k, std::string_view v) {
        bytes::Reader r(k);
        uint64_t qid = 0, seq = 0;
        if (!r.U64(qid) || !r.U64(seq)) return true;
        MessageState* slot = q->messages.Find(seq);
        if (!slot) return true;
        MessageState s = *slot;
        if (DecodeState(v, s)) *slot = s;
        return true;
      });
      if (!ms.ok()) return ms;
      q->PlaceLoaded(now_ms);
      ms = kv_->Scan(Space::kMeta, DedupPrefix(m.id), [&](std::string_view k, std::string_view v) {
        bytes::Reader r(v);
        DedupEntry e;
        if (!r.I64(e.expires_ms) || !r.String(e.message_id) || !r.U64(e.seq)) return true;
        std::string key(k.substr(DedupPrefix(m.id).size()));
        if (e.expires_ms <= now_ms) {
          cleanup.push_back({Mutation::Op::kDelete, Space::kMeta, std::string(k), {}});
          return true;
        }
        q->dedup_expiry.emplace(e.expires_ms, key);
        q->dedup.emplace(std::move(key), std::move(e));
        return true;
      });
      if (!ms.ok()) return ms;
      auto ceiling = kv_->Get(Space::kMeta, SeqCeilingKey(m.id));
      if (!ceiling.ok()) return ceiling.error();
      if (ceiling->has_value()) {
        bytes::Reader r(**ceiling);
        uint64_t v = 0;
        if (r.U64(v)) q->next_seq = std::max(q->next_seq, v);
      }
      q->reserved_seq = q->next_seq;
      q->seq_ceiling = q->next_seq;
      next_queue_id_ = std::max(next_queue_id_, m.id + 1);
      by_id_[m.id] = q;
      by_name_[QueueKey(m.account_id, m.name)] = q;
    }
    if (!cleanup.empty()) {
      st = CommitSync(std::move(cleanup));
      if (!st.ok()) return st;
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
      if (it == by_id_.end()) return done(NoQueue());
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
    std::string from = QueuePrefix(queue_id), to = QueuePrefix(queue_id + 1);
    batch.push_back({Mutation::Op::kDeleteRange, Space::kMessages, from, to});
    batch.push_back({Mutation::Op::kDeleteRange, Space::kMessageState, from, to});
    batch.push_back({Mutation::Op::kDeleteRange, Space::kMeta, DedupPrefix(queue_id), DedupPrefix(queue_id + 1)});
    batch.push_back({Mutation::Op::kDelete, Space::kMeta, SeqCeilingKey(queue_id), {}});
    kv_->Commit(std::move(batch), [done = std::move(done)](Status st) { done(std::move(st)); });
  }

  void SendMessages(uint64_t queue_id, std::vector<StoredMessage> messages,
                    const SendOptions& options, Done<std::vector<SendOutcome>> done) override {
    auto q = Get(queue_id);
    if (!q) return done(NoQueue());
    std::vector<SendOutcome> outcomes(messages.size());
    std::vector<size_t> stored;  // indexes of messages written
    std::vector<std::string> new_dedup_keys;
    Batch batch;
    batch.reserve(messages.size());
    {
      std::lock_guard<std::mutex> lock(q->mu);
      if (options.fifo) ExpireDedupLocked(*q, options.now_ms, batch);
      for (size_t i = 0; i < messages.size(); ++i) {
        auto& m = messages[i];
        if (options.fifo) {
          std::string key = options.dedup_per_group ? m.group_id + '\x1f' + m.dedup_id : m.dedup_id;
          auto d = q->dedup.find(key);
          if (d != q->dedup.end()) {
            outcomes[i] = SendOutcome{d->second.seq, d->second.message_id, true};
            continue;
          }
          uint64_t seq = q->NextSeq(batch);
          DedupEntry e{options.now_ms + options.dedup_window_ms, m.message_id, seq};
          batch.push_back({Mutation::Op::kPut, Space::kMeta, DedupPrefix(queue_id) + key,
                           EncodeDedup(e.expires_ms, e.message_id, e.seq)});
          q->dedup_expiry.emplace(e.expires_ms, key);
          q->dedup.emplace(key, std::move(e));
          new_dedup_keys.push_back(key);
          outcomes[i] = SendOutcome{seq, m.message_id, false};
        } else {
          outcomes[i] = SendOutcome{q->NextSeq(batch), m.message_id, false};
        }
        stored.push_back(i);
        batch.push_back({Mutation::Op::kPut, Space::kMessages, MessageKey(queue_id, outcomes[i].seq),
                         EncodeMessage(m)});
      }
    }
    struct Pending {
      uint64_t seq;
      MessageState state;
      std::string group;
    };
    std::vector<Pending> pending;
    for (size_t i : stored) {
      MessageState s;
      s.sent_ms = messages[i].sent_ms;
      s.visible_at_ms = messages[i].visible_at_ms;
      pending.push_back({outcomes[i].seq, s, std::move(messages[i].group_id)});
    }
    if (batch.empty()) return done(std::move(outcomes));
    kv_->Commit(std::move(batch), [this, q, pending = std::move(pending), outcomes = std::move(outcomes),
                                   new_dedup_keys = std::move(new_dedup_keys),
                                   done = std::move(done)](Status st) mutable {
      bool available = false;
      Batch orphans;
      {
        std::lock_guard<std::mutex> lock(q->mu);
        if (!st.ok()) {
          // The writes did not happen: forget their dedup entries too.
          for (const auto& k : new_dedup_keys) q->dedup.erase(k);
        } else if (!q->deleted) {
          for (auto& p : pending) {
            if (p.seq < q->purge_floor) {
              // Sent while a purge was under way: purged with the rest.
              orphans.push_back({Mutation::Op::kDelete, Space::kMessages, MessageKey(q->meta.id, p.seq), {}});
              continue;
            }
            p.state.group = q->InternGroup(p.group);
            // Sends may commit out of seq order; visibility uses the send time.
            q->AddMessage(p.seq, p.state, p.state.sent_ms);
            q->next_seq = std::max(q->next_seq, p.seq + 1);
            const MessageState* placed = q->messages.Find(p.seq);
            available = available || (placed && placed->ready);
          }
        }
      }
      if (!orphans.empty()) kv_->Commit(std::move(orphans), [](Status) {});
      if (!st.ok()) return done(std::move(st).error());
      done(std::move(outcomes));
      if (available) Notify(q->meta.id);
    });
  }

  void Receive(uint64_t queue_id, const ReceiveOptions& options,
               Done<std::vector<Delivery>> done) override {
    auto q = Get(queue_id);
    if (!q) return done(NoQueue());
    std::shared_ptr<Queue> dlq;
    if (options.max_receive_count > 0 && options.dead_letter_queue_id != 0 &&
        options.dead_letter_queue_id != queue_id) {
      dlq = Get(options.dead_letter_queue_id);
    }
    std::vector<Delivery> out;
    std::vector<uint64_t> to_move;
    Batch batch;
    {
      std::lock_guard<std::mutex> lock(q->mu);
      DropExpiredLocked(*q, options.now_ms, options.retention_ms, batch);
      q->Promote(options.now_ms);
      if (q->in_flight >= options.max_in_flight && q->messages.ready_count() > 0) {
        return done(Error{"OverLimit", "Too many messages in flight."});
      }
      std::unordered_set<uint32_t> taken_groups;
      auto take = [&](uint64_t seq) {
        MessageState& s = *q->messages.Find(seq);
        if (dlq && static_cast<int>(s.receive_count) >= options.max_receive_count) {
          to_move.push_back(seq);
          batch.push_back({Mutation::Op::kDelete, Space::kMessages, MessageKey(queue_id, seq), {}});
          batch.push_back({Mutation::Op::kDelete, Space::kMessageState, MessageKey(queue_id, seq), {}});
          q->RemoveMessage(seq);
          return;
        }
        q->Unplace(seq, s);
        s.receive_count++;
        if (s.first_receive_ms == 0) s.first_receive_ms = options.now_ms;
        s.last_receive_ms = options.now_ms;
        s.visible_at_ms = options.now_ms + options.visibility_ms;
        q->Wait(seq, s);
        if (s.group) taken_groups.insert(s.group);
        batch.push_back({Mutation::Op::kPut, Space::kMessageState, MessageKey(queue_id, seq), EncodeState(s)});
        Delivery d;
        d.seq = seq;
        d.receive_count = s.receive_count;
        d.first_receive_ms = s.first_receive_ms;
        out.push_back(std::move(d));
      };
      auto full = [&] { return static_cast<int>(out.size()) >= options.max_messages; };
      if (options.fifo) {
        // In order; a group with a message in flight is held back, except
        // for messages taken by this very receive.
        for (uint64_t seq = q->messages.NextReady(0); seq != SlotTable::kNone && !full();
             seq = q->messages.NextReady(seq + 1)) {
          const MessageState& s = *q->messages.Find(seq);
          if (s.group && !taken_groups.count(s.group)) {
            auto g = q->groups.find(s.group);
            if (g != q->groups.end() && g->second.in_flight > 0) continue;
          }
          take(seq);
        }
      } else if (options.fair && q->groups.size() > 1) {
        // First quiet tenants (and messages without one), then the rest. The
        // first pass looks at a bounded window so a receive stays cheap.
        constexpr int kScanLimit = 10'000;
        int scanned = 0;
        for (uint64_t seq = q->messages.NextReady(0);
             seq != SlotTable::kNone && !full() && scanned < kScanLimit;
             seq = q->messages.NextReady(seq + 1), ++scanned) {
          if (!q->Noisy(q->messages.Find(seq)->group)) take(seq);
        }
        while (!full() && q->messages.ready_count() > 0) take(q->messages.NextReady(0));
      } else {
        while (!full() && q->messages.ready_count() > 0) take(q->messages.NextReady(0));
      }
    }
    // Bodies come from the store, outside the queue lock, in one read.
    if (!out.empty()) {
      std::vector<std::string> keys;
      keys.reserve(out.size());
      for (const auto& d : out) keys.push_back(MessageKey(queue_id, d.seq));
      auto recs = kv_->MultiGet(Space::kMessages, keys);
      if (!recs.ok()) return done(recs.error());
      std::vector<Delivery> found;
      found.reserve(out.size());
      for (size_t i = 0; i < out.size(); ++i) {
        // A missing record was deleted meanwhile (queue purged or deleted).
        if ((*recs)[i] && DecodeMessage(*(*recs)[i], out[i].message)) found.push_back(std::move(out[i]));
      }
      out = std::move(found);
    }
    std::vector<std::pair<uint64_t, StoredMessage>> moved;
    if (!to_move.empty()) {
      for (uint64_t seq : to_move) {
        auto rec = kv_->Get(Space::kMessages, MessageKey(queue_id, seq));
        StoredMessage m;
        if (!rec.ok() || !rec->has_value() || !DecodeMessage(**rec, m)) continue;
        m.dead_letter_source_arn = options.source_arn;
        m.visible_at_ms = options.now_ms;
        moved.emplace_back(0, std::move(m));
      }
      std::lock_guard<std::mutex> lock(dlq->mu);
      for (auto& [seq, m] : moved) {
        seq = dlq->NextSeq(batch);
        batch.push_back({Mutation::Op::kPut, Space::kMessages, MessageKey(dlq->meta.id, seq), EncodeMessage(m)});
      }
    }
    if (batch.empty()) return done(std::move(out));
    // A receive's state (deadline, receive count) and any moves to the
    // dead-letter queue are answered once written, without waiting for the
    // sync: a process crash keeps them; a machine crash can only take the
    // whole batch back (the messages become visible again where they were),
    // which repeats a delivery but loses nothing.
    kv_->CommitWritten(std::move(batch), [this, dlq, moved = std::move(moved), out = std::move(out),
                                          done = std::move(done)](Status st) mutable {
      if (!st.ok()) return done(std::move(st).error());
      if (!moved.empty()) InsertMoved(dlq, moved);
      done(std::move(out));
    });
  }

  void MoveMessages(uint64_t from_queue_id, int max, int64_t now_ms, DestinationFn destination,
                    Done<int64_t> done) override {
    auto q = Get(from_queue_id);
    if (!q) return done(NoQueue());
    std::vector<std::pair<uint64_t, uint32_t>> candidates;  // (seq, receive count)
    {
      std::lock_guard<std::mutex> lock(q->mu);
      q->Promote(now_ms);
      for (uint64_t seq = q->messages.NextReady(0);
           seq != SlotTable::kNone && static_cast<int>(candidates.size()) < max;
           seq = q->messages.NextReady(seq + 1)) {
        candidates.emplace_back(seq, q->messages.Find(seq)->receive_count);
      }
    }
    // Destinations, from the records.
    std::map<uint64_t, std::vector<std::pair<uint64_t, StoredMessage>>> by_dest;
    std::vector<std::pair<uint64_t, uint32_t>> chosen;
    for (auto [seq, rc] : candidates) {
      auto rec = kv_->Get(Space::kMessages, MessageKey(from_queue_id, seq));
      if (!rec.ok()) return done(rec.error());
      StoredMessage m;
      if (!rec->has_value() || !DecodeMessage(**rec, m)) continue;
      auto dest = destination(m);
      if (!dest || *dest == from_queue_id || !Get(*dest)) continue;
      m.dead_letter_source_arn.clear();
      m.sent_ms = now_ms;
      m.visible_at_ms = now_ms;
      by_dest[*dest].emplace_back(seq, std::move(m));
      chosen.emplace_back(seq, rc);
    }
    Batch batch;
    std::set<uint64_t> removed;
    {
      std::lock_guard<std::mutex> lock(q->mu);
      for (auto [seq, rc] : chosen) {
        const MessageState* s = q->messages.Find(seq);
        // Skip what a consumer claimed or deleted meanwhile.
        if (!s || !s->ready || s->receive_count != rc) continue;
        q->RemoveMessage(seq);
        removed.insert(seq);
        batch.push_back({Mutation::Op::kDelete, Space::kMessages, MessageKey(from_queue_id, seq), {}});
        batch.push_back({Mutation::Op::kDelete, Space::kMessageState, MessageKey(from_queue_id, seq), {}});
      }
    }
    std::vector<std::pair<std::shared_ptr<Queue>, std::vector<std::pair<uint64_t, StoredMessage>>>> inserts;
    for (auto& [dest_id, list] : by_dest) {
      auto dq = Get(dest_id);
      if (!dq) continue;
      std::vector<std::pair<uint64_t, StoredMessage>> entries;
      std::lock_guard<std::mutex> lock(dq->mu);
      for (auto& [src_seq, m] : list) {
        if (!removed.count(src_seq)) continue;
        uint64_t seq = dq->NextSeq(batch);
        batch.push_back({Mutation::Op::kPut, Space::kMessages, MessageKey(dest_id, seq), EncodeMessage(m)});
        entries.emplace_back(seq, std::move(m));
      }
      inserts.emplace_back(dq, std::move(entries));
    }
    int64_t count = static_cast<int64_t>(removed.size());
    if (batch.empty()) return done(int64_t{0});
    kv_->Commit(std::move(batch), [this, inserts = std::move(inserts), count,
                                   done = std::move(done)](Status st) mutable {
      if (!st.ok()) return done(std::move(st).error());
      for (auto& [dq, entries] : inserts) InsertMoved(dq, entries);
      done(count);
    });
  }

  void DeleteMessage(uint64_t queue_id, uint64_t seq, uint32_t receive_count,
                     Done<HandleState> done) override {
    DeleteMessages(queue_id, {{seq, receive_count}},
                   [done = std::move(done)](Result<std::vector<HandleState>> r) {
                     if (!r.ok()) return done(std::move(r).error());
                     done(r->front());
                   });
  }

  void DeleteMessages(uint64_t queue_id, const std::vector<std::pair<uint64_t, uint32_t>>& receipts,
                      Done<std::vector<HandleState>> done) override {
    auto q = Get(queue_id);
    if (!q) return done(NoQueue());
    Batch batch;
    std::vector<HandleState> states;
    states.reserve(receipts.size());
    bool grouped = false;
    auto removed = std::make_shared<std::vector<Removed>>();
    {
      std::lock_guard<std::mutex> lock(q->mu);
      for (auto [seq, receive_count] : receipts) {
        const MessageState* s = q->messages.Find(seq);
        if (!s) {
          states.push_back(HandleState::kGone);
        } else if (s->receive_count != receive_count) {
          states.push_back(HandleState::kStale);
        } else {
          states.push_back(HandleState::kCurrent);
          grouped = grouped || s->group != 0;
          removed->push_back(RemoveLocked(*q, seq));
          batch.push_back({Mutation::Op::kDelete, Space::kMessages, MessageKey(queue_id, seq), {}});
          // The state record goes with the range below once every older
          // message is gone; one far ahead of that point goes now.
          if (seq >= q->state_floor + kStateSweepLag) {
            batch.push_back({Mutation::Op::kDelete, Space::kMessageState, MessageKey(queue_id, seq), {}});
          }
        }
      }
      SweepStatesLocked(*q, batch);
    }
    if (batch.empty()) return done(std::move(states));
    kv_->Commit(std::move(batch), [this, q, queue_id, states = std::move(states), grouped, removed,
                                   done = std::move(done)](Status st) mutable {
      if (!st.ok()) {
        // The deletes did not happen: the messages stay deliverable.
        {
          std::lock_guard<std::mutex> lock(q->mu);
          if (!q->deleted) {
            for (const auto& r : *removed) RestoreLocked(*q, r);
          }
        }
        return done(std::move(st).error());
      }
      done(std::move(states));
      // A message's group may hold back others (FIFO): they may be due now.
      if (grouped) Notify(queue_id);
    });
  }

  void ChangeVisibility(uint64_t queue_id, uint64_t seq, uint32_t receive_count,
                        int64_t visible_at_ms, int64_t now_ms, int64_t max_total_ms,
                        Done<void> done) override {
    auto q = Get(queue_id);
    if (!q) return done(NoQueue());
    Batch batch;
    bool available = false;
    MessageState previous;
    {
      std::lock_guard<std::mutex> lock(q->mu);
      q->Promote(now_ms);
      MessageState* found = q->messages.Find(seq);
      if (!found || found->receive_count != receive_count) {
        return done(Error{"ReceiptHandleStale", ""});
      }
      MessageState& s = *found;
      // A message never received is not in flight. One whose visibility ran
      // out but that nobody received since still answers to its latest
      // handle, as on AWS.
      if (s.receive_count == 0) return done(Error{"MessageNotInflight", ""});
      // AWS caps a message's invisibility at 12 hours after its receive.
      // Whole seconds, as AWS counts them: 43200 right after a receive is allowed.
      if (max_total_ms > 0 && (visible_at_ms - s.last_receive_ms) / 1000 > max_total_ms / 1000) {
        return done(Error{"VisibilityLimit", ""});
      }
      previous = s;
      q->Unplace(seq, s);
      s.visible_at_ms = visible_at_ms;
      q->Place(seq, s, now_ms);
      available = s.ready;
      batch.push_back({Mutation::Op::kPut, Space::kMessageState, MessageKey(queue_id, seq), EncodeState(s)});
    }
    kv_->Commit(std::move(batch), [this, q, seq, previous, queue_id, available,
                                   done = std::move(done)](Status st) {
      bool ok = st.ok();
      if (!ok) {
        // Not written: the old deadline stands.
        std::lock_guard<std::mutex> lock(q->mu);
        if (MessageState* s = q->messages.Find(seq)) {
          q->Unplace(seq, *s);
          s->visible_at_ms = previous.visible_at_ms;
          q->Place(seq, *s, previous.visible_at_ms - 1);
        }
      }
      done(std::move(st));
      if (ok && available) Notify(queue_id);
    });
  }

  void Purge(uint64_t queue_id, Done<void> done) override {
    auto q = Get(queue_id);
    if (!q) return done(NoQueue());
    Batch batch;
    auto removed = std::make_shared<std::vector<Removed>>();
    uint64_t old_floor;
    {
      std::lock_guard<std::mutex> lock(q->mu);
      old_floor = q->purge_floor;
      removed->reserve(q->messages.size());
      for (uint64_t seq = q->messages.NextPresent(0); seq != SlotTable::kNone;
           seq = q->messages.NextPresent(seq + 1)) {
        removed->push_back(RemoveLocked(*q, seq));
      }
      // Every seq handed out so far is purged, including sends whose writes
      // are still under way: their completions see the floor and drop them.
      q->purge_floor = q->reserved_seq;
      std::string from = MessageKey(queue_id, 0);
      std::string to = MessageKey(queue_id, q->reserved_seq);
      batch.push_back({Mutation::Op::kDeleteRange, Space::kMessages, from, to});
      batch.push_back({Mutation::Op::kDeleteRange, Space::kMessageState, from, to});
    }
    kv_->Commit(std::move(batch), [q, removed, old_floor, done = std::move(done)](Status st) {
      if (!st.ok()) {
        // Nothing was deleted on disk: put the messages back.
        {
          std::lock_guard<std::mutex> lock(q->mu);
          q->purge_floor = old_floor;
          for (auto& r : *removed) RestoreLocked(*q, r);
        }
        return done(std::move(st));
      }
      done(std::move(st));
    });
  }

  Result<QueueCounts> Counts(uint64_t queue_id, int64_t now_ms) override {
    auto q = Get(queue_id);
    if (!q) return NoQueue();
    std::lock_guard<std::mutex> lock(q->mu);
    q->Promote(now_ms);
    QueueCounts c;
    c.visible = static_cast<int64_t>(q->messages.ready_count());
    c.in_flight = q->in_flight;
    c.delayed = q->waiting_count - q->in_flight;
    return c;
  }

  std::optional<int64_t> NextVisibleAt(uint64_t queue_id, int64_t now_ms) override {
    auto q = Get(queue_id);
    if (!q) return std::nullopt;
    std::lock_guard<std::mutex> lock(q->mu);
    q->Promote(now_ms);
    return q->NextDeadline();
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

  void PutRecord(std::string key, std::string value, Done<void> done) override {
    Batch batch;
    std::string full = std::string(kRecordPrefix) + key;
    if (value.empty()) {
      batch.push_back({Mutation::Op::kDelete, Space::kMeta, full, {}});
    } else {
      batch.push_back({Mutation::Op::kPut, Space::kMeta, full, value});
    }
    kv_->Commit(std::move(batch), [this, key = std::move(key), value = std::move(value),
                                   done = std::move(done)](Status st) {
      if (st.ok()) {
        std::lock_guard<std::mutex> lock(catalogue_mu_);
        if (value.empty()) {
          records_.erase(key);
        } else {
          records_[key] = value;
        }
      }
      done(std::move(st));
    });
  }

  std::vector<std::pair<std::string, std::string>> Records(std::string_view prefix) const override {
    std::vector<std::pair<std::string, std::string>> out;
    std::lock_guard<std::mutex> lock(catalogue_mu_);
    for (auto it = records_.lower_bound(std::string(prefix));
         it != records_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
      out.emplace_back(it->first, it->second);
    }
    return out;
  }

 private:
  // A message taken out of the index, with what it takes to put it back.
  struct Removed {
    uint64_t seq;
    MessageState state;
    std::string group;
  };

  static Removed RemoveLocked(Queue& q, uint64_t seq) {
    const MessageState& s = *q.messages.Find(seq);
    Removed r{seq, s, q.group_names[s.group]};
    q.RemoveMessage(seq);
    return r;
  }

  // Puts a removed message back where it was: visible, or waiting for its deadline.
  static void RestoreLocked(Queue& q, const Removed& r) {
    MessageState s = r.state;
    s.group = q.InternGroup(r.group);
    int64_t placed_at = s.ready ? s.visible_at_ms : s.visible_at_ms - 1;
    q.AddMessage(r.seq, s, placed_at);
  }

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

  // Adds committed moved messages to their queue's index.
  void InsertMoved(const std::shared_ptr<Queue>& q,
                   std::vector<std::pair<uint64_t, StoredMessage>>& entries) {
    {
      std::lock_guard<std::mutex> lock(q->mu);
      if (q->deleted) return;
      for (auto& [seq, m] : entries) {
        if (seq < q->purge_floor) continue;
        MessageState s;
        s.sent_ms = m.sent_ms;
        s.visible_at_ms = m.visible_at_ms;
        s.group = q->InternGroup(m.group_id);
        q->AddMessage(seq, s, m.visible_at_ms);
        q->next_seq = std::max(q->next_seq, seq + 1);
      }
    }
    Notify(q->meta.id);
  }

  // Messages are in seq order, which is send order: expired ones are a prefix
  // (up to sends that committed out of order, caught on a later pass).
  static void DropExpiredLocked(Queue& q, int64_t now, int64_t retention_ms, Batch& batch) {
    while (!q.messages.empty()) {
      uint64_t seq = q.messages.NextPresent(0);
      if (q.messages.Find(seq)->sent_ms + retention_ms > now) break;
      batch.push_back({Mutation::Op::kDelete, Space::kMessages, MessageKey(q.meta.id, seq), {}});
      batch.push_back({Mutation::Op::kDelete, Space::kMessageState, MessageKey(q.meta.id, seq), {}});
      q.RemoveMessage(seq);
    }
  }

  // Deleted messages leave their state records behind; every state record
  // below the oldest message still queued is swept with one range deletion
  // (records of messages still being sent have none yet, and a later write
  // of a state record wins over an earlier range deletion). Recovery ignores
  // state records without a message, so a sweep that fails costs nothing.
  static void SweepStatesLocked(Queue& q, Batch& batch) {
    uint64_t oldest = q.messages.empty() ? q.reserved_seq : q.messages.NextPresent(0);
    if (oldest < q.state_floor + kStateSweepStep) return;
    batch.push_back({Mutation::Op::kDeleteRange, Space::kMessageState, MessageKey(q.meta.id, q.state_floor),
                     MessageKey(q.meta.id, oldest)});
    q.state_floor = oldest;
  }

  static void ExpireDedupLocked(Queue& q, int64_t now, Batch& batch) {
    while (!q.dedup_expiry.empty() && q.dedup_expiry.begin()->first <= now) {
      const std::string& key = q.dedup_expiry.begin()->second;
      auto it = q.dedup.find(key);
      if (it != q.dedup.end() && it->second.expires_ms <= now) {
        batch.push_back({Mutation::Op::kDelete, Space::kMeta, DedupPrefix(q.meta.id) + key, {}});
        q.dedup.erase(it);
      }
      q.dedup_expiry.erase(q.dedup_expiry.begin());
    }
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
  std::map<std::string, std::string> records_;              // GUARDED_BY(catalogue_mu_)
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
