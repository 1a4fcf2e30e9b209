// KvStore: the engine-neutral, ordered key-value store under the embedded
// backends, with group commit.
//
// Writes are batches of mutations applied atomically. Commit() returns at
// once; `done` runs once the batch is durable (or has failed), on the store's
// committer thread, so a caller never blocks an I/O thread on fsync. All
// batches pending when the committer wakes are merged into one synced write.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace sluice::storage {

// Key spaces (RocksDB column families in the embedded backend). Adding one
// adds a column family, created on open in existing data directories too.
enum class Space : uint8_t {
  kMeta = 0,           // catalogue: queues, streams, server secrets
  kMessages = 1,       // message records, written once
  kMessageState = 2,   // per-message delivery state, rewritten on receive
  kStreamRecords = 3,  // Kinesis records, keyed (stream id, shard index, seq), written once
};
inline constexpr int kSpaceCount = 4;

struct Mutation {
  enum class Op : uint8_t { kPut, kDelete, kDeleteRange };
  Op op;
  Space space;
  std::string key;
  std::string value;  // kPut: the value; kDeleteRange: the exclusive end key
};
using Batch = std::vector<Mutation>;

enum class Durability {
  kDurable,  // a commit completes after the write is synced to disk (default)
  kRelaxed,  // a commit completes after the write reaches the OS; a machine crash may lose it
};

class KvStore {
 public:
  using Done = std::function<void(Status)>;
  virtual ~KvStore() = default;

  virtual void Commit(Batch batch, Done done) = 0;
  // Like Commit, but `done` may run once the batch is written to the
  // operating system, before it is synced: it survives a crash of the
  // process, and a crash of the machine until the next synced commit. For
  // state whose loss only repeats work (a receive's visibility deadline).
  virtual void CommitWritten(Batch batch, Done done) { Commit(std::move(batch), std::move(done)); }
  // Point read; may touch disk, so never call it on an I/O thread.
  // Returns nullopt when the key is absent.
  virtual Result<std::optional<std::string>> Get(Space space, std::string_view key) = 0;
  // Several point reads at once (one pass through the engine); same rules as Get.
  virtual Result<std::vector<std::optional<std::string>>> MultiGet(Space space,
                                                                   const std::vector<std::string>& keys) {
    std::vector<std::optional<std::string>> out;
    out.reserve(keys.size());
    for (const auto& k : keys) {
      auto r = Get(space, k);
      if (!r.ok()) return std::move(r).error();
      out.push_back(std::move(r).value());
    }
    return out;
  }
  // Visits keys starting with prefix in key order until fn returns false.
  // Meant for start-up recovery; may touch disk.
  virtual Status Scan(Space space, std::string_view prefix,
                      const std::function<bool(std::string_view key, std::string_view value)>& fn) = 0;
  using RangeFn = std::function<bool(std::string_view key, std::string_view value)>;
  // Visits keys in [from, to) in key order until fn returns false; an empty
  // `to` means no upper bound. One seek, then a forward pass that stops as
  // soon as fn says so: meant for the read path (Kinesis GetRecords), so
  // unlike Scan it fills the block cache. The views are valid only during
  // the call. May touch disk.
  // The default is correct but scans from the common prefix of the bounds;
  // backends override it.
  virtual Status ScanRange(Space space, std::string_view from, std::string_view to,
                           const RangeFn& fn) {
    size_t common = 0;
    while (common < from.size() && common < to.size() && from[common] == to[common]) ++common;
    return Scan(space, from.substr(0, common), [&](std::string_view k, std::string_view v) {
      if (k < from) return true;
      if (!to.empty() && k >= to) return false;
      return fn(k, v);
    });
  }
  // The greatest key in [from, to) and its value (an empty `to`: no upper
  // bound); nullopt when the range is empty. For recovery (the last seq of a
  // Kinesis shard). May touch disk. The default walks the whole range;
  // backends override it with one backward seek.
  virtual Result<std::optional<std::pair<std::string, std::string>>> LastInRange(
      Space space, std::string_view from, std::string_view to) {
    std::optional<std::pair<std::string, std::string>> last;
    Status st = ScanRange(space, from, to, [&](std::string_view k, std::string_view v) {
      last.emplace(std::string(k), std::string(v));
      return true;
    });
    if (!st.ok()) return std::move(st).error();
    return last;
  }
  // Completes pending commits and stops the committer. Idempotent.
  virtual void Close() = 0;

  // Fault injection for tests: while set, commits fail with this error.
  virtual void InjectWriteFailure(std::optional<Error> error) = 0;

  // Where completions run. By default on the committer thread; a server hands
  // them to a thread pool so that the work after a commit (indexing, building
  // answers) does not queue behind the next write.
  using CompletionExecutor = std::function<void(std::function<void()>)>;
  virtual void SetCompletionExecutor(CompletionExecutor executor) = 0;
};

std::unique_ptr<KvStore> OpenMemoryKvStore();
Result<std::unique_ptr<KvStore>> OpenRocksKvStore(const std::string& dir, Durability durability);

}  // namespace sluice::storage
