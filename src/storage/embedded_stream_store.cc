// The embedded StreamStore: the catalogue and per-shard counters live in
// memory and are rebuilt from the KvStore on open; records are written once
// to Space::kStreamRecords under the key (u64 stream id, u32 shard index,
// u64 seq), big-endian, so that a shard is one contiguous key range in seq
// order and AT_TIMESTAMP is one seek to SeqAtTime(T).
//
// Keys in Space::kMeta:
//   "stream/<account>/<name>"          StreamMeta (EncodeMeta)
//   "next-stream-id"                   u64, ids are never reused
//   "stream-seq-floor/" u64 id u32 idx  u64: the last seq a trim removed from
//                                       a shard it left empty, so that seqs
//                                       stay increasing across a restart
//
// Append path: under the stream's mutex, entries are routed to open shards,
// given seqs and submitted to the KvStore as one batch. Submitting under the
// mutex makes commit order equal seq order within every shard. Completions
// may run out of order (a completion executor may run them on a pool), so
// each stream keeps its writes in submission order and applies finished ones
// only from the front: a shard's high-watermark therefore only ever covers
// seqs whose writes have all finished, and readers, bounded by it, never see
// a record appear below one they have already read.
//
// Locking: catalogue_mu_, then Stream::mu, then
// Stream::commit_mu; never the reverse. Completions take only commit_mu, so
// a KvStore that completes a commit inline (a closed one does) cannot
// deadlock against the submitting thread; callbacks into the service run
// after every lock is released.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <deque>
#include <limits>
#include <mutex>
#include <set>

#include "common/bytes.h"
#include "storage/stream_store.h"

namespace sluice::storage {
namespace {

constexpr std::string_view kStreamPrefix = "stream/";
constexpr std::string_view kNextStreamIdKey = "next-stream-id";
constexpr std::string_view kSeqFloorPrefix = "stream-seq-floor/";
// Leading field of an encoded StreamMeta, so the layout can grow.
constexpr uint32_t kMetaFormat = 1;

constexpr uint64_t kMaxSeq = std::numeric_limits<uint64_t>::max();

Error NoStream() { return Error{"ResourceNotFoundException", "Stream not found."}; }
Error NoShard(uint32_t index) {
  char id[32];
  std::snprintf(id, sizeof id, "shardId-%012u", index);
  return Error{"ResourceNotFoundException", std::string("Shard ") + id + " not found."};
}

std::string CatalogueKey(std::string_view account, std::string_view name) {
  std::string k;
  k.reserve(kStreamPrefix.size() + account.size() + 1 + name.size());
  k.append(kStreamPrefix).append(account).append("/").append(name);
  return k;
}

std::string StreamPrefix(uint64_t stream_id) {
  std::string k;
  bytes::PutU64(k, stream_id);
  return k;
}

std::string RecordKey(uint64_t stream_id, uint32_t shard, uint64_t seq) {
  std::string k;
  k.reserve(20);
  bytes::PutU64(k, stream_id);
  bytes::PutU32(k, shard);
  bytes::PutU64(k, seq);
  return k;
}

// The first key after every record of a shard. (Stream ids count up from
// 1, so stream_id + 1 does not wrap.)
std::string ShardEnd(uint64_t stream_id, uint32_t shard) {
  if (shard == std::numeric_limits<uint32_t>::max()) return StreamPrefix(stream_id + 1);
  std::string k;
  bytes::PutU64(k, stream_id);
  bytes::PutU32(k, shard + 1);
  return k;
}

// The key bounding [.., seq] of a shard from above.
std::string RecordKeyAfter(uint64_t stream_id, uint32_t shard, uint64_t seq) {
  return seq == kMaxSeq ? ShardEnd(stream_id, shard) : RecordKey(stream_id, shard, seq + 1);
}

uint64_t KeySeq(std::string_view key) {
  bytes::Reader r(key.substr(12));
  uint64_t seq = 0;
  r.U64(seq);
  return seq;
}

std::string SeqFloorKey(uint64_t stream_id, uint32_t shard) {
  std::string k(kSeqFloorPrefix);
  bytes::PutU64(k, stream_id);
  bytes::PutU32(k, shard);
  return k;
}

std::string SeqFloorPrefix(uint64_t stream_id) {
  std::string k(kSeqFloorPrefix);
  bytes::PutU64(k, stream_id);
  return k;
}

// A record's value: arrival_ms, partition key, data, encryption type. The
// head is all but the encryption type; room is left for a short one.
std::string EncodeRecordHead(int64_t arrival_ms, std::string_view partition_key, std::string_view data) {
  std::string out;
  out.reserve(8 + 4 + partition_key.size() + 4 + data.size() + 4 + 16);
  bytes::PutI64(out, arrival_ms);
  bytes::PutString(out, partition_key);
  bytes::PutString(out, data);
  return out;
}

bool DecodeRecord(std::string_view in, StreamRecord& rec) {
  bytes::Reader r(in);
  r.I64(rec.arrival_ms);
  r.String(rec.partition_key);
  r.String(rec.data);
  r.String(rec.encryption_type);
  return r.done();
}

void PutHashKey(std::string& out, HashKey k) {
  bytes::PutU64(out, static_cast<uint64_t>(k >> 64));
  bytes::PutU64(out, static_cast<uint64_t>(k));
}

bool GetHashKey(bytes::Reader& r, HashKey& k) {
  uint64_t hi = 0, lo = 0;
  if (!r.U64(hi) || !r.U64(lo)) return false;
  k = (static_cast<HashKey>(hi) << 64) | lo;
  return true;
}

void PutStrings(std::string& out, const std::map<std::string, std::string>& m) {
  bytes::PutU32(out, static_cast<uint32_t>(m.size()));
  for (const auto& [k, v] : m) {
    bytes::PutString(out, k);
    bytes::PutString(out, v);
  }
}

bool GetStrings(bytes::Reader& r, std::map<std::string, std::string>& m) {
  uint32_t n = 0;
  if (!r.U32(n)) return false;
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    std::string k, v;
    r.String(k);
    r.String(v);
    m.emplace(std::move(k), std::move(v));
  }
  return r.ok();
}

std::string EncodeMeta(const StreamMeta& m) {
  std::string out;
  bytes::PutU32(out, kMetaFormat);
  bytes::PutU64(out, m.id);
  bytes::PutString(out, m.account_id);
  bytes::PutString(out, m.name);
  bytes::PutString(out, m.status);
  bytes::PutI64(out, m.status_changed_ms);
  bytes::PutString(out, m.mode);
  bytes::PutI64(out, m.created_ms);
  bytes::PutU32(out, static_cast<uint32_t>(m.retention_hours));
  bytes::PutU32(out, static_cast<uint32_t>(m.max_record_size_kib));
  bytes::PutString(out, m.encryption_type);
  bytes::PutString(out, m.key_id);
  bytes::PutU32(out, static_cast<uint32_t>(m.enhanced_metrics.size()));
  for (const auto& s : m.enhanced_metrics) bytes::PutString(out, s);
  PutStrings(out, m.tags);
  bytes::PutString(out, m.resource_policy);
  bytes::PutU32(out, static_cast<uint32_t>(m.shards.size()));
  for (const auto& s : m.shards) {
    bytes::PutU32(out, s.index);
    bytes::PutU32(out, (s.parent ? 1u : 0u) | (s.adjacent_parent ? 2u : 0u));
    bytes::PutU32(out, s.parent.value_or(0));
    bytes::PutU32(out, s.adjacent_parent.value_or(0));
    PutHashKey(out, s.starting_hash_key);
    PutHashKey(out, s.ending_hash_key);
    bytes::PutU64(out, s.starting_seq);
    bytes::PutU64(out, s.ending_seq);
    bytes::PutI64(out, s.created_ms);
    bytes::PutI64(out, s.closed_ms);
  }
  bytes::PutU32(out, m.next_shard_index);
  bytes::PutU32(out, static_cast<uint32_t>(m.consumers.size()));
  for (const auto& c : m.consumers) {
    bytes::PutString(out, c.name);
    bytes::PutString(out, c.arn);
    bytes::PutString(out, c.status);
    bytes::PutI64(out, c.created_ms);
  }
  PutStrings(out, m.extra);
  return out;
}

bool DecodeMeta(std::string_view in, StreamMeta& m) {
  bytes::Reader r(in);
  uint32_t format = 0, n = 0, u = 0;
  if (!r.U32(format) || format != kMetaFormat) return false;
  r.U64(m.id);
  r.String(m.account_id);
  r.String(m.name);
  r.String(m.status);
  r.I64(m.status_changed_ms);
  r.String(m.mode);
  r.I64(m.created_ms);
  r.U32(u);
  m.retention_hours = static_cast<int32_t>(u);
  r.U32(u);
  m.max_record_size_kib = static_cast<int32_t>(u);
  r.String(m.encryption_type);
  r.String(m.key_id);
  if (!r.U32(n)) return false;
  for (uint32_t i = 0; i < n && r.ok(); ++i) r.String(m.enhanced_metrics.emplace_back());
  if (!GetStrings(r, m.tags)) return false;
  r.String(m.resource_policy);
  if (!r.U32(n)) return false;
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    ShardMeta& s = m.shards.emplace_back();
    uint32_t flags = 0, parent = 0, adjacent = 0;
    r.U32(s.index);
    r.U32(flags);
    r.U32(parent);
    r.U32(adjacent);
    if (flags & 1u) s.parent = parent;
    if (flags & 2u) s.adjacent_parent = adjacent;
    GetHashKey(r, s.starting_hash_key);
    GetHashKey(r, s.ending_hash_key);
    r.U64(s.starting_seq);
    r.U64(s.ending_seq);
    r.I64(s.created_ms);
    r.I64(s.closed_ms);
  }
  r.U32(m.next_shard_index);
  if (!r.U32(n)) return false;
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    ConsumerMeta& c = m.consumers.emplace_back();
    r.String(c.name);
    r.String(c.arn);
    r.String(c.status);
    r.I64(c.created_ms);
  }
  if (!GetStrings(r, m.extra)) return false;
  return r.done();
}

bool Closing(const ShardMeta& s) { return s.ending_seq != 0 || s.closed_ms != 0; }

// One shard's counters.
struct Shard {
  explicit Shard(uint32_t i) : index(i) {}
  const uint32_t index;

  // Under Stream::mu.
  bool open = true;
  uint64_t ending_seq = 0;  // once closed
  uint64_t last_seq = 0;    // the last seq handed out, at least starting_seq

  // Written under Stream::commit_mu; atomic so readers take no lock.
  // Invariant: committed <= resolved; every seq <= resolved has been
  // handed out in a write that finished (committed or failed).
  std::atomic<uint64_t> committed{0};  // the high-watermark: last committed seq, 0 when none
  std::atomic<uint64_t> resolved{0};
  std::atomic<uint64_t> first{0};      // oldest kept seq (TRIM_HORIZON), 0 when empty
  // Under Stream::commit_mu: every seq below it is removed, or being
  // removed by a trim under way.
  uint64_t trim_floor = 0;
};

// The seqs one write gives a shard.
struct ShardSpan {
  std::shared_ptr<Shard> shard;
  uint64_t first = 0;
  uint64_t last = 0;
};

// A write submitted to the KvStore and not yet applied to the counters.
struct PendingWrite {
  std::vector<ShardSpan> spans;
  uint64_t meta_version = 0;  // the metadata version the batch carries, 0 if none
  // Runs once the write is applied, outside every lock.
  std::function<void(Status)> finish;
  bool finished = false;  // GUARDED_BY(Stream::commit_mu)
  Status status;          // GUARDED_BY(Stream::commit_mu)
};

// One shard's part of a trim.
struct TrimPlan {
  std::shared_ptr<Shard> shard;
  uint64_t cut = 0;  // seqs below it go
  uint64_t old_first = 0;
  uint64_t old_floor = 0;
  uint64_t kept = 0;  // the first seq kept that the scan saw, 0 if none
};

struct Route {
  HashKey start;
  HashKey end;
  Shard* shard;
};

struct Stream {
  std::atomic<bool> trimming{false};  // a trim's write is under way; one at a time

  std::mutex mu;
  StreamMeta meta;                                      // GUARDED_BY(mu)
  std::string catalogue_key;                            // fixed at creation
  bool deleted = false;                                 // GUARDED_BY(mu)
  uint64_t meta_version = 1;                            // GUARDED_BY(mu)
  std::map<uint32_t, std::shared_ptr<Shard>> shards;    // GUARDED_BY(mu)
  std::vector<Route> routes;                            // GUARDED_BY(mu): open shards by start
  // The highest metadata version known to be on disk.
  std::atomic<uint64_t> durable_version{1};

  std::mutex commit_mu;
  std::deque<std::shared_ptr<PendingWrite>> writes;  // GUARDED_BY(commit_mu)

  void RebuildRoutes() {
    routes.clear();
    for (const auto& s : meta.shards) {
      auto it = shards.find(s.index);
      if (it == shards.end() || !it->second->open) continue;
      routes.push_back(Route{s.starting_hash_key, s.ending_hash_key, it->second.get()});
    }
    std::sort(routes.begin(), routes.end(),
              [](const Route& a, const Route& b) { return a.start < b.start; });
  }

  Shard* RouteOf(HashKey h) const {
    auto it = std::upper_bound(routes.begin(), routes.end(), h,
                               [](HashKey v, const Route& r) { return v < r.start; });
    if (it == routes.begin()) return nullptr;
    --it;
    return h <= it->end ? it->shard : nullptr;
  }
};

// Completions that a KvStore ran inline, inside a submit on this thread,
// wait here until the submitter has released its locks.
thread_local std::vector<std::function<void()>>* tl_deferred = nullptr;

class EmbeddedStreamStore final : public StreamStore {
 public:
  explicit EmbeddedStreamStore(KvStore* kv) : kv_(kv) {}

  Status Open() {
    auto next = kv_->Get(Space::kMeta, kNextStreamIdKey);
    if (!next.ok()) return next.error();
    if (next->has_value()) {
      bytes::Reader r(**next);
      uint64_t v = 1;
      if (r.U64(v)) next_stream_id_ = std::max<uint64_t>(v, 1);
    }
    std::vector<StreamMeta> metas;
    Status st = kv_->Scan(Space::kMeta, kStreamPrefix, [&](std::string_view, std::string_view v) {
      StreamMeta m;
      if (DecodeMeta(v, m)) metas.push_back(std::move(m));
      return true;
    });
    if (!st.ok()) return st;
    for (auto& m : metas) {
      std::map<uint32_t, uint64_t> floors;
      std::string floor_prefix = SeqFloorPrefix(m.id);
      st = kv_->Scan(Space::kMeta, floor_prefix, [&](std::string_view k, std::string_view v) {
        bytes::Reader kr(k.substr(floor_prefix.size()));
        bytes::Reader vr(v);
        uint32_t index = 0;
        uint64_t seq = 0;
        if (kr.U32(index) && vr.U64(seq)) floors[index] = seq;
        return true;
      });
      if (!st.ok()) return st;
      auto s = std::make_shared<Stream>();
      s->catalogue_key = CatalogueKey(m.account_id, m.name);
      for (const auto& sm : m.shards) {
        auto shard = std::make_shared<Shard>(sm.index);
        shard->open = sm.open();
        shard->ending_seq = sm.ending_seq;
        std::string from = RecordKey(m.id, sm.index, 0);
        std::string to = ShardEnd(m.id, sm.index);
        uint64_t first = 0, last = 0;
        st = kv_->ScanRange(Space::kStreamRecords, from, to, [&](std::string_view k, std::string_view) {
          first = KeySeq(k);
          return false;
        });
        if (!st.ok()) return st;
        if (first != 0) {
          auto found = kv_->LastInRange(Space::kStreamRecords, from, to);
          if (!found.ok()) return found.error();
          if (found->has_value()) last = KeySeq((*found)->first);
        }
        auto fl = floors.find(sm.index);
        uint64_t committed = std::max(last, fl == floors.end() ? 0 : fl->second);
        shard->committed = committed;
        shard->first = first;
        shard->trim_floor = first;
        shard->last_seq = std::max({sm.starting_seq, committed, shard->open ? 0 : sm.ending_seq});
        shard->resolved = shard->last_seq;
        s->shards.emplace(sm.index, std::move(shard));
      }
      s->meta = std::move(m);
      s->RebuildRoutes();
      next_stream_id_ = std::max(next_stream_id_, s->meta.id + 1);
      by_id_[s->meta.id] = s;
      by_name_[s->catalogue_key] = s;
    }
    return {};
  }

  std::optional<StreamMeta> FindStream(std::string_view account_id,
                                       std::string_view name) const override {
    std::shared_ptr<Stream> s;
    {
      std::lock_guard<std::mutex> lock(catalogue_mu_);
      auto it = by_name_.find(CatalogueKey(account_id, name));
      if (it == by_name_.end()) return std::nullopt;
      s = it->second;
    }
    return MetaOf(*s);
  }

  std::optional<StreamMeta> FindStreamById(uint64_t stream_id) const override {
    auto s = Get(stream_id);
    if (!s) return std::nullopt;
    return MetaOf(*s);
  }

  std::vector<StreamMeta> ListAllStreams() const override {
    std::vector<std::shared_ptr<Stream>> streams;
    {
      std::lock_guard<std::mutex> lock(catalogue_mu_);
      streams.reserve(by_name_.size());
      for (const auto& [key, s] : by_name_) streams.push_back(s);
    }
    std::vector<StreamMeta> out;
    out.reserve(streams.size());
    for (const auto& s : streams) {
      if (auto m = MetaOf(*s)) out.push_back(std::move(*m));
    }
    return out;
  }

  std::vector<StreamMeta> ListStreams(std::string_view account_id) const override {
    std::vector<std::shared_ptr<Stream>> streams;
    {
      std::string start = CatalogueKey(account_id, "");
      std::lock_guard<std::mutex> lock(catalogue_mu_);
      for (auto it = by_name_.lower_bound(start);
           it != by_name_.end() && it->first.compare(0, start.size(), start) == 0; ++it) {
        streams.push_back(it->second);
      }
    }
    std::vector<StreamMeta> out;
    out.reserve(streams.size());
    for (const auto& s : streams) {
      if (auto m = MetaOf(*s)) out.push_back(std::move(*m));
    }
    return out;
  }

  void PutStream(StreamMeta meta, Done<StreamMeta> done) override {
    if (meta.id == 0) return CreateStream(std::move(meta), std::move(done));
    auto s = Get(meta.id);
    if (!s) return done(NoStream());
    std::unique_lock<std::mutex> lock(s->mu);
    if (s->deleted) {
      lock.unlock();
      return done(NoStream());
    }
    // The catalogue key is fixed at creation.
    meta.account_id = s->meta.account_id;
    meta.name = s->meta.name;
    Batch batch;
    std::map<uint32_t, std::shared_ptr<Shard>> shards;
    for (auto& sm : meta.shards) {
      auto it = s->shards.find(sm.index);
      std::shared_ptr<Shard> shard;
      if (it != s->shards.end()) {
        shard = it->second;
        if (!shard->open) {
          // A closed shard stays closed at its ending seq.
          if (sm.ending_seq == 0) sm.ending_seq = shard->ending_seq;
        } else if (Closing(sm)) {
          // Closed now: its end covers every seq handed out, including
          // those of appends still being written.
          sm.ending_seq = std::max({sm.ending_seq, shard->last_seq, uint64_t{1}});
        }
      } else {
        shard = NewShard(sm);
      }
      shard->open = sm.ending_seq == 0;
      shard->ending_seq = sm.ending_seq;
      shards.emplace(sm.index, std::move(shard));
    }
    // Shards the service forgot are closed and empty; remove any remnant.
    for (const auto& [index, shard] : s->shards) {
      if (shards.count(index)) continue;
      batch.push_back({Mutation::Op::kDeleteRange, Space::kStreamRecords,
                       RecordKey(meta.id, index, 0), ShardEnd(meta.id, index)});
      batch.push_back({Mutation::Op::kDelete, Space::kMeta, SeqFloorKey(meta.id, index), {}});
    }
    s->shards = std::move(shards);
    s->meta = meta;
    s->RebuildRoutes();
    uint64_t version = ++s->meta_version;
    batch.push_back({Mutation::Op::kPut, Space::kMeta, s->catalogue_key, EncodeMeta(meta)});
    auto w = std::make_shared<PendingWrite>();
    w->meta_version = version;
    w->finish = [meta = std::move(meta), done = std::move(done)](Status st) mutable {
      if (!st.ok()) return done(std::move(st).error());
      done(std::move(meta));
    };
    Submit(s, std::move(lock), std::move(batch), std::move(w));
  }

  void DeleteStream(uint64_t stream_id, Done<void> done) override {
    std::shared_ptr<Stream> s;
    {
      std::lock_guard<std::mutex> lock(catalogue_mu_);
      auto it = by_id_.find(stream_id);
      if (it != by_id_.end()) {
        s = it->second;
        by_id_.erase(it);
        auto n = by_name_.find(s->catalogue_key);
        if (n != by_name_.end() && n->second == s) by_name_.erase(n);
      }
    }
    if (!s) return done(NoStream());
    {
      // Appends submitted before this point are ahead of the delete in the
      // committer; none can follow.
      std::lock_guard<std::mutex> lock(s->mu);
      s->deleted = true;
    }
    Batch batch;
    batch.push_back({Mutation::Op::kDeleteRange, Space::kStreamRecords, StreamPrefix(stream_id),
                     StreamPrefix(stream_id + 1)});
    batch.push_back({Mutation::Op::kDelete, Space::kMeta, s->catalogue_key, {}});
    batch.push_back({Mutation::Op::kDeleteRange, Space::kMeta, SeqFloorPrefix(stream_id),
                     SeqFloorPrefix(stream_id + 1)});
    kv_->Commit(std::move(batch), [this, s, stream_id, done = std::move(done)](Status st) {
      if (!st.ok()) {
        // Nothing was deleted: the stream comes back, unless its name was
        // taken meanwhile.
        {
          std::lock_guard<std::mutex> lock(catalogue_mu_);
          if (!by_name_.count(s->catalogue_key)) {
            std::lock_guard<std::mutex> slock(s->mu);
            s->deleted = false;
            by_id_[stream_id] = s;
            by_name_[s->catalogue_key] = s;
          }
        }
        return done(std::move(st));
      }
      done(std::move(st));
    });
  }

  void Append(uint64_t stream_id, std::vector<AppendEntry> entries, int64_t now_ms,
              Done<std::vector<AppendOutcome>> done) override {
    auto s = Get(stream_id);
    if (!s) return done(NoStream());
    if (entries.empty()) return done(std::vector<AppendOutcome>{});
    const size_t n = entries.size();
    // Values are built before the stream's mutex is taken (the copy of the
    // data is most of the work); only the encryption type, the stream's at
    // the time of the put, is appended under it.
    std::vector<std::string> values(n);
    for (size_t i = 0; i < n; ++i) {
      values[i] = EncodeRecordHead(now_ms, entries[i].partition_key, entries[i].data);
      std::string().swap(entries[i].data);  // copied: free it early
    }
    const uint64_t time_seq = SeqAtTime(now_ms);
    std::vector<Shard*> targets(n);
    std::vector<AppendOutcome> outcomes(n);
    std::vector<uint32_t> order(n);
    Batch batch;
    batch.reserve(n + 1);
    auto w = std::make_shared<PendingWrite>();
    std::unique_lock<std::mutex> lock(s->mu);
    if (s->deleted) {
      lock.unlock();
      return done(NoStream());
    }
    // Route everything first, so that a hole in the hash key space fails the
    // call before any seq is handed out.
    bool one_shard = true;
    for (size_t i = 0; i < n; ++i) {
      targets[i] = s->RouteOf(entries[i].hash_key);
      if (!targets[i]) {
        lock.unlock();
        return done(Error{"InternalFailure", "No open shard covers the record's hash key.", 500, false});
      }
      one_shard = one_shard && targets[i] == targets[0];
    }
    for (size_t i = 0; i < n; ++i) {
      Shard* shard = targets[i];
      // Time in the high bits, so AT_TIMESTAMP is one seek; strictly
      // increasing even when the clock steps back.
      uint64_t seq = std::max(shard->last_seq + 1, time_seq);
      shard->last_seq = seq;
      outcomes[i] = AppendOutcome{shard->index, seq};
      order[i] = static_cast<uint32_t>(i);
    }
    // The batch goes out in key order (by shard, then seq): the engine
    // inserts sorted keys much faster than interleaved ones.
    if (!one_shard) {
      std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
        return outcomes[a].shard < outcomes[b].shard;
      });
    }
    const std::string& encryption = s->meta.encryption_type;
    for (uint32_t i : order) {
      const AppendOutcome& o = outcomes[i];
      bytes::PutString(values[i], encryption);
      batch.push_back({Mutation::Op::kPut, Space::kStreamRecords, RecordKey(stream_id, o.shard, o.seq),
                       std::move(values[i])});
      if (w->spans.empty() || w->spans.back().shard.get() != targets[i]) {
        w->spans.push_back(ShardSpan{s->shards.at(o.shard), o.seq, o.seq});
      }
      w->spans.back().last = o.seq;
    }
    // Records routed by metadata that is not yet known to be on disk (a
    // PutStream in flight, or one whose write failed) carry it along, so
    // that an acknowledged record never outlives the shard it went to.
    if (s->durable_version.load(std::memory_order_acquire) < s->meta_version) {
      batch.push_back({Mutation::Op::kPut, Space::kMeta, s->catalogue_key, EncodeMeta(s->meta)});
      w->meta_version = s->meta_version;
    }
    w->finish = [this, stream_id, spans = w->spans, outcomes = std::move(outcomes),
                 done = std::move(done)](Status st) mutable {
      if (!st.ok()) return done(std::move(st).error());
      done(std::move(outcomes));
      std::shared_ptr<const AppendListener> listener;
      {
        std::lock_guard<std::mutex> l(listener_mu_);
        listener = listener_;
      }
      if (listener && *listener) {
        for (const auto& span : spans) (*listener)(stream_id, span.shard->index, span.last);
      }
    };
    Submit(s, std::move(lock), std::move(batch), std::move(w));
  }

  Result<ReadResult> Read(uint64_t stream_id, uint32_t shard_index, uint64_t from_seq,
                          int max_records, int64_t max_bytes) override {
    auto s = Get(stream_id);
    if (!s) return NoStream();
    std::shared_ptr<Shard> shard;
    bool open;
    uint64_t ending_seq, last_seq;
    {
      std::lock_guard<std::mutex> lock(s->mu);
      if (s->deleted) return NoStream();
      auto it = s->shards.find(shard_index);
      if (it == s->shards.end()) return NoShard(shard_index);
      shard = it->second;
      open = shard->open;
      ending_seq = shard->ending_seq;
      last_seq = shard->last_seq;
    }
    // resolved before committed: once every write is resolved, the
    // committed value read after it includes them all.
    const uint64_t resolved = shard->resolved.load(std::memory_order_acquire);
    const uint64_t hw = shard->committed.load(std::memory_order_acquire);

    ReadResult out;
    out.last_committed = hw;
    out.next_seq = from_seq;
    if (max_records <= 0) return out;
    bool exhausted = true;
    if (from_seq <= hw) {
      out.records.reserve(static_cast<size_t>(std::min(max_records, 256)));
      int64_t bytes = 0;
      Status st = kv_->ScanRange(
          Space::kStreamRecords, RecordKey(stream_id, shard_index, from_seq),
          RecordKeyAfter(stream_id, shard_index, hw), [&](std::string_view k, std::string_view v) {
            if (static_cast<int>(out.records.size()) >= max_records) {
              exhausted = false;
              return false;
            }
            StreamRecord rec;
            // A record that does not decode is skipped rather than blocking
            // the shard for every reader.
            if (!DecodeRecord(v, rec)) return true;
            int64_t size = static_cast<int64_t>(rec.data.size());
            if (!out.records.empty() && bytes + size > max_bytes) {
              exhausted = false;
              return false;
            }
            bytes += size;
            rec.seq = KeySeq(k);
            out.records.push_back(std::move(rec));
            return true;
          });
      if (!st.ok()) return std::move(st).error();
    }
    if (!exhausted) {
      out.next_seq = out.records.back().seq + 1;
      return out;
    }
    // Every committed record from from_seq on was returned.
    if (hw != kMaxSeq) out.next_seq = std::max(from_seq, hw + 1);
    if (!out.records.empty()) out.next_seq = std::max(out.next_seq, out.records.back().seq + 1);
    if (!open && resolved >= last_seq) {
      // Every write the shard will ever take has finished: nothing lies
      // between what was read and its end.
      if (ending_seq != kMaxSeq) out.next_seq = std::max(out.next_seq, ending_seq + 1);
      out.end_of_shard = true;
    }
    return out;
  }

  Result<uint64_t> LastCommitted(uint64_t stream_id, uint32_t shard_index) const override {
    auto shard = FindShard(stream_id, shard_index);
    if (!shard.ok()) return std::move(shard).error();
    return (*shard)->committed.load(std::memory_order_acquire);
  }

  Result<uint64_t> TrimHorizon(uint64_t stream_id, uint32_t shard_index) const override {
    auto shard = FindShard(stream_id, shard_index);
    if (!shard.ok()) return std::move(shard).error();
    return (*shard)->first.load(std::memory_order_acquire);
  }

  // Scans the doomed ranges (a disk read, so off I/O threads) to count them
  // and submits their deletion as one write without waiting for it: Trim
  // runs on worker threads that may also run commit completions. Until the
  // write is durable the records stay readable; then TrimHorizon moves. A
  // trim of a stream whose previous trim is still being written does
  // nothing.
  Result<int64_t> Trim(uint64_t stream_id, int64_t now_ms) override {
    auto s = Get(stream_id);
    if (!s) return NoStream();
    bool idle = false;
    if (!s->trimming.compare_exchange_strong(idle, true)) return int64_t{0};
    std::vector<std::shared_ptr<Shard>> shards;
    int64_t retention_ms;
    {
      std::lock_guard<std::mutex> lock(s->mu);
      if (s->deleted) {
        s->trimming = false;
        return NoStream();
      }
      retention_ms = int64_t{s->meta.retention_hours} * 3'600'000;
      for (const auto& [index, shard] : s->shards) shards.push_back(shard);
    }
    const uint64_t cut_at = SeqAtTime(now_ms - retention_ms);
    auto plans = std::make_shared<std::vector<TrimPlan>>();
    Batch batch;
    int64_t removed = 0;
    for (auto& shard : shards) {
      if (cut_at == 0) break;
      TrimPlan p;
      p.shard = shard;
      uint64_t hi;
      {
        std::lock_guard<std::mutex> lock(s->commit_mu);
        hi = shard->resolved.load(std::memory_order_relaxed);
        // Never at or above a seq whose write is still pending.
        p.cut = hi == kMaxSeq ? cut_at : std::min(cut_at, hi + 1);
        uint64_t first = shard->first.load(std::memory_order_relaxed);
        if (first == 0 || first >= p.cut) continue;
        p.old_first = first;
        p.old_floor = shard->trim_floor;
        // From here, a write applied before this trim ends may become the
        // oldest kept record (see Apply).
        shard->trim_floor = p.cut;
      }
      uint64_t last_removed = 0;
      int64_t n = 0;
      Status st = kv_->ScanRange(Space::kStreamRecords, RecordKey(stream_id, shard->index, p.old_floor),
                                 RecordKeyAfter(stream_id, shard->index, hi),
                                 [&](std::string_view k, std::string_view) {
                                   uint64_t seq = KeySeq(k);
                                   if (seq >= p.cut) {
                                     p.kept = seq;
                                     return false;
                                   }
                                   last_removed = seq;
                                   ++n;
                                   return true;
                                 });
      plans->push_back(p);
      if (!st.ok()) {
        FinishTrim(*s, *plans, false);
        return std::move(st).error();
      }
      removed += n;
      batch.push_back({Mutation::Op::kDeleteRange, Space::kStreamRecords, RecordKey(stream_id, shard->index, 0),
                       RecordKey(stream_id, shard->index, p.cut)});
      if (p.kept == 0 && last_removed != 0) {
        // Left empty: remember how far its seqs went, for the next start.
        std::string v;
        bytes::PutU64(v, last_removed);
        batch.push_back({Mutation::Op::kPut, Space::kMeta, SeqFloorKey(stream_id, shard->index), v});
      }
    }
    if (batch.empty()) {
      s->trimming = false;
      return int64_t{0};
    }
    kv_->Commit(std::move(batch), [s, plans](Status st) { FinishTrim(*s, *plans, st.ok()); });
    return removed;
  }

  void SetAppendListener(AppendListener listener) override {
    auto l = std::make_shared<const AppendListener>(std::move(listener));
    std::lock_guard<std::mutex> lock(listener_mu_);
    listener_ = std::move(l);
  }

 private:
  std::shared_ptr<Stream> Get(uint64_t id) const {
    std::lock_guard<std::mutex> lock(catalogue_mu_);
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : it->second;
  }

  static std::optional<StreamMeta> MetaOf(Stream& s) {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.deleted) return std::nullopt;
    return s.meta;
  }

  Result<std::shared_ptr<Shard>> FindShard(uint64_t stream_id, uint32_t shard_index) const {
    auto s = Get(stream_id);
    if (!s) return NoStream();
    std::lock_guard<std::mutex> lock(s->mu);
    if (s->deleted) return NoStream();
    auto it = s->shards.find(shard_index);
    if (it == s->shards.end()) return NoShard(shard_index);
    return it->second;
  }

  static std::shared_ptr<Shard> NewShard(ShardMeta& sm) {
    auto shard = std::make_shared<Shard>(sm.index);
    if (Closing(sm)) sm.ending_seq = std::max({sm.ending_seq, sm.starting_seq, uint64_t{1}});
    shard->last_seq = sm.starting_seq;
    shard->resolved = sm.starting_seq;
    return shard;
  }

  void CreateStream(StreamMeta meta, Done<StreamMeta> done) {
    std::string key = CatalogueKey(meta.account_id, meta.name);
    Batch batch;
    bool taken = false;
    {
      std::lock_guard<std::mutex> lock(catalogue_mu_);
      taken = by_name_.count(key) || creating_.count(key);
      if (!taken) {
        creating_.insert(key);
        meta.id = next_stream_id_++;
        std::string counter;
        bytes::PutU64(counter, next_stream_id_);
        batch.push_back({Mutation::Op::kPut, Space::kMeta, std::string(kNextStreamIdKey), counter});
      }
    }
    if (taken) return done(Error{"ResourceInUseException", "Stream " + meta.name + " already exists."});
    auto s = std::make_shared<Stream>();
    s->catalogue_key = key;
    for (auto& sm : meta.shards) {
      auto shard = NewShard(sm);
      shard->open = sm.ending_seq == 0;
      shard->ending_seq = sm.ending_seq;
      s->shards.emplace(sm.index, std::move(shard));
    }
    s->meta = meta;
    s->RebuildRoutes();
    batch.push_back({Mutation::Op::kPut, Space::kMeta, key, EncodeMeta(meta)});
    kv_->Commit(std::move(batch), [this, s, meta = std::move(meta), done = std::move(done)](Status st) mutable {
      {
        std::lock_guard<std::mutex> lock(catalogue_mu_);
        creating_.erase(s->catalogue_key);
        if (st.ok()) {
          by_id_[meta.id] = s;
          by_name_[s->catalogue_key] = s;
        }
      }
      if (!st.ok()) return done(std::move(st).error());
      done(std::move(meta));
    });
  }

  // Queues `w` and submits its batch while the stream's mutex (held by
  // `lock`) keeps the submission in order; releases the mutex, then runs
  // whatever the KvStore completed inline.
  void Submit(const std::shared_ptr<Stream>& s, std::unique_lock<std::mutex> lock, Batch batch,
              std::shared_ptr<PendingWrite> w) {
    {
      std::lock_guard<std::mutex> c(s->commit_mu);
      s->writes.push_back(w);
    }
    std::vector<std::function<void()>> deferred;
    auto* outer = tl_deferred;
    tl_deferred = &deferred;
    kv_->Commit(std::move(batch), [s, w = std::move(w)](Status st) mutable {
      Complete(s, std::move(w), std::move(st));
    });
    tl_deferred = outer;
    lock.unlock();
    for (auto& f : deferred) f();
  }

  // Marks `w` finished and applies every finished write at the front of the
  // stream's queue, in submission order; then runs their callbacks.
  static void Complete(const std::shared_ptr<Stream>& s, std::shared_ptr<PendingWrite> w, Status st) {
    if (tl_deferred) {
      tl_deferred->push_back([s, w = std::move(w), st = std::move(st)]() mutable {
        Complete(s, std::move(w), std::move(st));
      });
      return;
    }
    std::vector<std::shared_ptr<PendingWrite>> ready;
    {
      std::lock_guard<std::mutex> lock(s->commit_mu);
      w->status = std::move(st);
      w->finished = true;
      while (!s->writes.empty() && s->writes.front()->finished) {
        Apply(*s, *s->writes.front());
        ready.push_back(std::move(s->writes.front()));
        s->writes.pop_front();
      }
    }
    for (auto& r : ready) r->finish(std::move(r->status));
  }

  // Under commit_mu.
  static void Apply(Stream& s, const PendingWrite& w) {
    bool ok = w.status.ok();
    if (ok && w.meta_version != 0) {
      uint64_t v = s.durable_version.load(std::memory_order_relaxed);
      if (w.meta_version > v) s.durable_version.store(w.meta_version, std::memory_order_release);
    }
    for (const auto& span : w.spans) {
      Shard& shard = *span.shard;
      if (ok) {
        uint64_t first = shard.first.load(std::memory_order_relaxed);
        // The oldest kept record: the first ever, or the first after a trim
        // that is removing the previous oldest.
        if (first == 0 || first < shard.trim_floor) shard.first.store(span.first, std::memory_order_release);
        if (span.last > shard.committed.load(std::memory_order_relaxed)) {
          shard.committed.store(span.last, std::memory_order_release);
        }
      }
      if (span.last > shard.resolved.load(std::memory_order_relaxed)) {
        shard.resolved.store(span.last, std::memory_order_release);
      }
    }
  }

  // Moves the trim horizons once a trim's write is durable; after a trim
  // that did not happen, puts them back (the old oldest records are still
  // there, older than anything appended since).
  static void FinishTrim(Stream& s, const std::vector<TrimPlan>& plans, bool ok) {
    {
      std::lock_guard<std::mutex> lock(s.commit_mu);
      for (const auto& p : plans) {
        Shard& shard = *p.shard;
        if (!ok) {
          shard.trim_floor = p.old_floor;
          shard.first.store(p.old_first, std::memory_order_release);
        } else if (p.kept != 0) {
          shard.first.store(p.kept, std::memory_order_release);
        } else if (shard.first.load(std::memory_order_relaxed) < p.cut) {
          // Nothing kept, and no write applied since the trim began.
          shard.first.store(0, std::memory_order_release);
        }
      }
    }
    s.trimming = false;
  }

  KvStore* kv_;
  mutable std::mutex catalogue_mu_;
  uint64_t next_stream_id_ = 1;                             // GUARDED_BY(catalogue_mu_)
  std::map<uint64_t, std::shared_ptr<Stream>> by_id_;       // GUARDED_BY(catalogue_mu_)
  std::map<std::string, std::shared_ptr<Stream>> by_name_;  // GUARDED_BY(catalogue_mu_)
  std::set<std::string> creating_;                          // GUARDED_BY(catalogue_mu_)
  std::mutex listener_mu_;
  std::shared_ptr<const AppendListener> listener_;  // GUARDED_BY(listener_mu_)
};

}  // namespace

// Nothing in recovery depends on the time: seqs continue from what is stored.
Result<std::unique_ptr<StreamStore>> OpenEmbeddedStreamStore(KvStore* kv, int64_t /*now_ms*/) {
  auto store = std::make_unique<EmbeddedStreamStore>(kv);
  Status st = store->Open();
  if (!st.ok()) return std::move(st).error();
  return std::unique_ptr<StreamStore>(std::move(store));
}

}  // namespace sluice::storage
