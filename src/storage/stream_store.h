// StreamStore: durable Kinesis streams (catalogue, shards, records),
// independent of the storage engine and of the wire.
//
// The service layer owns Kinesis rules (validation, limits, status changes,
// how shards are split or merged, how numbers are rendered); the store owns
// what must survive a crash and the append/read path: routing a record to the
// open shard covering its hash key, per-shard sequence numbers, the committed
// high-watermark readers stop at, and retention trimming.
//
// Sequence numbers are per shard and strictly increasing. The store builds
// them as (arrival_ms << kSeqCounterBits) | n, so the first record at or after
// a time T is found by one seek to SeqAtTime(T). A shard's starting_seq is
// below every record it holds; a closed shard's ending_seq is at or above
// every record it holds.
//
// Asynchronous calls complete through `done` once their writes are durable;
// `done` may run on a storage thread, so it must not block.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "storage/kv_store.h"

namespace sluice::storage {

using HashKey = unsigned __int128;  // a point of the 0 .. 2^128-1 hash key space

inline constexpr int kSeqCounterBits = 20;
inline constexpr uint64_t SeqAtTime(int64_t ms) {
  return ms <= 0 ? 0 : static_cast<uint64_t>(ms) << kSeqCounterBits;
}
inline constexpr int64_t SeqTime(uint64_t seq) { return static_cast<int64_t>(seq >> kSeqCounterBits); }

struct ShardMeta {
  uint32_t index = 0;                   // rendered "shardId-%012u"
  std::optional<uint32_t> parent;       // split/merge lineage
  std::optional<uint32_t> adjacent_parent;
  HashKey starting_hash_key = 0;
  HashKey ending_hash_key = 0;          // inclusive
  uint64_t starting_seq = 0;
  uint64_t ending_seq = 0;              // 0 while open
  int64_t created_ms = 0;
  int64_t closed_ms = 0;                // 0 while open
  bool open() const { return ending_seq == 0; }
};

struct ConsumerMeta {
  std::string name;
  std::string arn;
  std::string status;  // CREATING, ACTIVE, DELETING
  int64_t created_ms = 0;
};

struct StreamMeta {
  uint64_t id = 0;  // unique for each creation, never reused; assigned by PutStream
  std::string account_id;
  std::string name;
  std::string status = "CREATING";  // CREATING, ACTIVE, UPDATING, DELETING
  int64_t status_changed_ms = 0;
  std::string mode = "PROVISIONED";  // PROVISIONED | ON_DEMAND
  int64_t created_ms = 0;
  int32_t retention_hours = 24;
  int32_t max_record_size_kib = 1024;
  std::string encryption_type = "NONE";  // NONE | KMS
  std::string key_id;
  std::vector<std::string> enhanced_metrics;
  std::map<std::string, std::string> tags;
  std::string resource_policy;  // empty when none
  std::vector<ShardMeta> shards;  // every shard, open and closed, by index
  uint32_t next_shard_index = 0;
  std::vector<ConsumerMeta> consumers;
  // Service-owned fields this struct does not name yet (persisted as is).
  std::map<std::string, std::string> extra;
};

struct AppendEntry {
  HashKey hash_key = 0;  // MD5 of the partition key, or the ExplicitHashKey
  std::string partition_key;
  std::string data;
};

struct AppendOutcome {
  uint32_t shard = 0;
  uint64_t seq = 0;
};

struct StreamRecord {
  uint64_t seq = 0;
  int64_t arrival_ms = 0;
  std::string partition_key;
  std::string data;
  std::string encryption_type;  // the stream's at the time of the put
};

struct ReadResult {
  std::vector<StreamRecord> records;
  uint64_t next_seq = 0;         // where the next read continues
  uint64_t last_committed = 0;   // the shard's high-watermark (0: nothing written yet)
  bool end_of_shard = false;     // closed and every record read
};

class StreamStore {
 public:
  template <typename T>
  using Done = std::function<void(Result<T>)>;
  // Called after a commit made records readable (for push subscriptions).
  using AppendListener = std::function<void(uint64_t stream_id, uint32_t shard, uint64_t last_seq)>;

  virtual ~StreamStore() = default;

  // Catalogue.
  virtual std::optional<StreamMeta> FindStream(std::string_view account_id,
                                               std::string_view name) const = 0;
  virtual std::optional<StreamMeta> FindStreamById(uint64_t stream_id) const = 0;
  virtual std::vector<StreamMeta> ListStreams(std::string_view account_id) const = 0;  // by name
  // Every account's streams, by account and then name (for maintenance:
  // retention and deletions).
  virtual std::vector<StreamMeta> ListAllStreams() const = 0;
  // Creates the stream (meta.id == 0) or replaces its metadata atomically
  // with respect to appends: a shard closed by the new metadata takes no
  // append submitted after this call, and its ending_seq, when left 0 by the
  // caller for a shard that was open, is set by the store to its last seq.
  //
  // Details of the embedded store:
  // - A shard is closed by the new metadata when its ending_seq or its
  //   closed_ms is set. Its ending_seq becomes the greatest of the caller's,
  //   the last seq handed out in it (appends still being written included)
  //   and 1; with no record, that is its starting_seq (or 1). A closed
  //   shard never reopens: ending_seq 0 for it keeps the stored one.
  // - Shards left out of the new metadata are forgotten with any records.
  // - account_id and name are fixed at creation (the new values are ignored).
  // - `done` gets the stored metadata (ending seqs filled in).
  // - Errors: ResourceInUseException when creating a name that exists (or is
  //   being created); ResourceNotFoundException for an unknown id.
  // - If the write fails, `done` gets the error but the new metadata stays
  //   in effect (appends may already be routed by it) and is written again
  //   with the stream's next append, so a record never outlives its shard.
  virtual void PutStream(StreamMeta meta, Done<StreamMeta> done) = 0;
  // Deletes the stream and all its records. The stream disappears from the
  // catalogue at once; if the write fails it comes back.
  virtual void DeleteStream(uint64_t stream_id, Done<void> done) = 0;

  // Records. Each entry goes to the open shard whose range covers its hash
  // key; all entries of one call are committed in one write, in order.
  // `done` runs once the write is durable and its records are readable;
  // outcomes are in entry order. A hash key no open shard covers fails the
  // whole call (InternalFailure) before anything is written.
  virtual void Append(uint64_t stream_id, std::vector<AppendEntry> entries, int64_t now_ms,
                      Done<std::vector<AppendOutcome>> done) = 0;
  // Committed records of a shard with seq >= from_seq, oldest first, at most
  // max_records and, past the first record, at most max_bytes of data.
  // Synchronous; may read from disk: call it off I/O threads.
  // next_seq is past every committed record from from_seq on when the read
  // was not cut short by a limit; end_of_shard also needs every append the
  // shard took to have finished, and then next_seq > ending_seq.
  // Unknown stream or shard: ResourceNotFoundException.
  virtual Result<ReadResult> Read(uint64_t stream_id, uint32_t shard, uint64_t from_seq,
                                  int max_records, int64_t max_bytes) = 0;
  // The shard's high-watermark: last committed seq, 0 when none.
  virtual Result<uint64_t> LastCommitted(uint64_t stream_id, uint32_t shard) const = 0;
  // Removes records that arrived before now - retention (really from disk)
  // and forgets closed shards with nothing left in them only through
  // PutStream by the service. Returns how many records were removed.
  //
  // Embedded store: "arrived" is the time in the seq (SeqTime). Trim reads
  // the doomed range to count it (disk: call it off I/O threads), submits
  // one write and returns without waiting for it, so it is safe on a pool
  // that also runs commit completions; TrimHorizon moves once the write is
  // durable, and a failed write changes nothing. A Trim while the stream's
  // previous one is still being written returns 0.
  virtual Result<int64_t> Trim(uint64_t stream_id, int64_t now_ms) = 0;
  // The oldest seq still kept in a shard (TRIM_HORIZON), 0 when empty.
  virtual Result<uint64_t> TrimHorizon(uint64_t stream_id, uint32_t shard) const = 0;

  // Called on a storage thread after the appender's `done`, once per shard
  // a commit added records to; must not block.
  virtual void SetAppendListener(AppendListener listener) = 0;
};

// The embedded implementation: catalogue in memory, records in a KvStore
// keyed (stream id, shard index, seq). Recovers all state on open.
Result<std::unique_ptr<StreamStore>> OpenEmbeddedStreamStore(KvStore* kv, int64_t now_ms);

}  // namespace sluice::storage
