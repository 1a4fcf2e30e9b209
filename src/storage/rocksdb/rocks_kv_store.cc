// RocksDB KvStore: the embedded default. One column family per Space; all
// pending batches are merged into one WriteBatch (group commit), written,
// then the write-ahead log is synced unless durability is relaxed: batches
// committed with CommitWritten complete between the two.
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/write_batch.h>

#include <sys/statvfs.h>

#include <chrono>
#include <string_view>
#include <filesystem>

#include "storage/group_committer.h"
#include "storage/kv_store.h"

namespace sluice::storage {
namespace {

constexpr const char* kFamilyNames[kSpaceCount] = {"meta", "q_msg", "q_state", "k_rec"};

Error FromRocks(const rocksdb::Status& s, const char* what) {
  return Error{"InternalFailure", std::string(what) + ": " + s.ToString(), 500, false};
}

class RocksKvStore final : public KvStore {
 public:
  RocksKvStore(rocksdb::DB* db, std::string dir, std::vector<rocksdb::ColumnFamilyHandle*> handles,
               Durability durability)
      : db_(db),
        dir_(std::move(dir)),
        handles_(std::move(handles)),
        durability_(durability),
        committer_([this](const std::vector<const Batch*>& b) { return Write(b); },
                   [this]() { return Sync(); }) {}

  ~RocksKvStore() override {
    Close();
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
    delete db_;
  }

  void Commit(Batch batch, Done done) override { committer_.Submit(std::move(batch), std::move(done)); }
  void CommitWritten(Batch batch, Done done) override {
    committer_.Submit(std::move(batch), std::move(done), false);
  }

  Result<std::optional<std::string>> Get(Space space, std::string_view key) override {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), Handle(space),
                                 rocksdb::Slice(key.data(), key.size()), &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return FromRocks(s, "read failed");
    return std::optional<std::string>(std::move(value));
  }

  Result<std::vector<std::optional<std::string>>> MultiGet(
      Space space, const std::vector<std::string>& keys) override {
    std::vector<rocksdb::Slice> slices;
    slices.reserve(keys.size());
    for (const auto& k : keys) slices.emplace_back(k);
    std::vector<rocksdb::PinnableSlice> values(keys.size());
    std::vector<rocksdb::Status> statuses(keys.size());
    db_->MultiGet(rocksdb::ReadOptions(), Handle(space), keys.size(), slices.data(), values.data(),
                  statuses.data());
    std::vector<std::optional<std::string>> out(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) {
      if (statuses[i].IsNotFound()) continue;
      if (!statuses[i].ok()) return FromRocks(statuses[i], "read failed");
      out[i] = values[i].ToString();
    }
    return out;
  }

  Status Scan(Space space, std::string_view prefix,
              const std::function<bool(std::string_view, std::string_view)>& fn) override {
    rocksdb::ReadOptions ro;
    ro.fill_cache = false;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, Handle(space)));
    for (it->Seek(rocksdb::Slice(prefix.data(), prefix.size())); it->Valid(); it->Next()) {
      rocksdb::Slice k = it->key();
      if (!k.starts_with(rocksdb::Slice(prefix.data(), prefix.size()))) break;
      rocksdb::Slice v = it->value();
      if (!fn(std::string_view(k.data(), k.size()), std::string_view(v.data(), v.size()))) break;
    }
    if (!it->status().ok()) return FromRocks(it->status(), "scan failed");
    return {};
  }

  Status ScanRange(Space space, std::string_view from, std::string_view to,
                   const RangeFn& fn) override {
    rocksdb::ReadOptions ro;
    // The bound lets the iterator stop at the range's end without stepping
    // over whatever (deleted ranges included) lies past it.
    rocksdb::Slice upper(to.data(), to.size());
    if (!to.empty()) ro.iterate_upper_bound = &upper;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, Handle(space)));
    for (it->Seek(rocksdb::Slice(from.data(), from.size())); it->Valid(); it->Next()) {
      rocksdb::Slice k = it->key();
      rocksdb::Slice v = it->value();
      if (!fn(std::string_view(k.data(), k.size()), std::string_view(v.data(), v.size()))) break;
    }
    if (!it->status().ok()) return FromRocks(it->status(), "scan failed");
    return {};
  }

  Result<std::optional<std::pair<std::string, std::string>>> LastInRange(
      Space space, std::string_view from, std::string_view to) override {
    using Found = std::optional<std::pair<std::string, std::string>>;
    rocksdb::ReadOptions ro;
    ro.fill_cache = false;
    rocksdb::Slice lower(from.data(), from.size());
    rocksdb::Slice upper(to.data(), to.size());
    ro.iterate_lower_bound = &lower;
    if (!to.empty()) ro.iterate_upper_bound = &upper;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, Handle(space)));
    // With an upper bound set, SeekToLast lands on the last key below it.
    it->SeekToLast();
    if (!it->status().ok()) return FromRocks(it->status(), "seek failed");
    if (!it->Valid() || it->key().compare(lower) < 0) return Found();
    if (!to.empty() && it->key().compare(upper) >= 0) return Found();
    return Found(std::make_pair(it->key().ToString(), it->value().ToString()));
  }

  void Close() override {
    committer_.Stop();
    if (!closed_) {
      closed_ = true;
      db_->FlushWAL(true).PermitUncheckedError();
    }
  }

  void InjectWriteFailure(std::optional<Error> error) override {
    committer_.InjectFailure(std::move(error));
  }
  void SetCompletionExecutor(CompletionExecutor executor) override {
    committer_.SetCompletionExecutor(std::move(executor));
  }

 private:
  rocksdb::ColumnFamilyHandle* Handle(Space s) { return handles_[static_cast<int>(s)]; }

  Status Write(const std::vector<const Batch*>& batches) {
    Status room = CheckSpace(batches);
    if (!room.ok()) return room;
    rocksdb::WriteBatch wb;
    for (const Batch* b : batches) {
      for (const Mutation& m : *b) {
        rocksdb::Status s;
        switch (m.op) {
          case Mutation::Op::kPut:
            s = wb.Put(Handle(m.space), m.key, m.value);
            break;
          case Mutation::Op::kDelete:
            s = wb.Delete(Handle(m.space), m.key);
            break;
          case Mutation::Op::kDeleteRange:
            s = wb.DeleteRange(Handle(m.space), m.key, m.value);
            break;
        }
        if (!s.ok()) return FromRocks(s, "batch failed");
      }
    }
    rocksdb::WriteOptions wo;  // synced by Sync(), after the written-only batches complete
    if (failed_) {
      // After an I/O error (a full disk, say) RocksDB refuses writes until
      // resumed; try on each write so service comes back once space does.
      rocksdb::Status r = db_->Resume();
      if (!r.ok()) return Unavailable(r);
      failed_ = false;
    }
    rocksdb::Status s = db_->Write(wo, &wb);
    if (!s.ok()) {
      failed_ = true;
      return Unavailable(s);
    }
    return {};
  }

  // Makes the write-ahead log durable up to the last write (durable mode).
  Status Sync() {
    if (durability_ != Durability::kDurable) return {};
    rocksdb::Status s = db_->SyncWAL();
    if (!s.ok()) {
      failed_ = true;
      return Unavailable(s);
    }
    return {};
  }

  // RocksDB must never meet a full disk: its reaction (a background error
  // and, in builds with assertions, an abort) would take the server down.
  // So writes stop while free space is below a reserve that covers a
  // memtable flush; batches that only delete still pass down to a quarter
  // of it, so that consumers can drain a full queue.
  Status CheckSpace(const std::vector<const Batch*>& batches) {
    auto now = std::chrono::steady_clock::now();
    if (low_space_ || now - last_space_check_ > std::chrono::milliseconds(50)) {
      struct statvfs st;
      if (::statvfs(dir_.c_str(), &st) == 0) {
        free_bytes_ = static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
        low_space_ = free_bytes_ < kSpaceReserve;
      }
      last_space_check_ = now;
    }
    if (!low_space_) return {};
    bool only_deletes = true;
    for (const Batch* b : batches) {
      for (const Mutation& m : *b) only_deletes = only_deletes && m.op != Mutation::Op::kPut;
    }
    if (only_deletes && free_bytes_ >= kSpaceReserve / 4) return {};
    return Error{"ServiceUnavailable",
                 "The store is out of disk space (" + std::to_string(free_bytes_ >> 20) +
                     " MiB free, " + std::to_string(kSpaceReserve >> 20) + " MiB reserved).",
                 503, false};
  }

  // A store that cannot write is a service that is unavailable for now.
  static Error Unavailable(const rocksdb::Status& s) {
    bool space = s.IsNoSpace() || s.ToString().find("No space") != std::string::npos;
    if (space) return Error{"ServiceUnavailable", "The store is out of space: " + s.ToString(), 503, false};
    return Error{"InternalFailure", "The store failed to write: " + s.ToString(), 500, false};
  }

  static constexpr uint64_t kSpaceReserve = 96ull << 20;

  rocksdb::DB* db_;
  std::string dir_;
  // Used only on the committer thread.
  bool failed_ = false;
  bool low_space_ = false;
  uint64_t free_bytes_ = 0;
  std::chrono::steady_clock::time_point last_space_check_{};
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  Durability durability_;
  bool closed_ = false;
  GroupCommitter committer_;  // last: its thread uses the members above
};

}  // namespace

Result<std::unique_ptr<KvStore>> OpenRocksKvStore(const std::string& dir, Durability durability) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Error{"InvalidConfig", "cannot create data directory " + dir + ": " + ec.message(), 0,
                 true};
  }
  rocksdb::Options options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.IncreaseParallelism(2);
  options.max_open_files = 256;
  options.keep_log_file_num = 3;
  options.recycle_log_file_num = 4;

  rocksdb::ColumnFamilyOptions cf;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf.write_buffer_size = 32 << 20;

  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  families.emplace_back(rocksdb::kDefaultColumnFamilyName, cf);
  // Kinesis records are written once in seq order per shard and leave by
  // whole ranges: universal compaction rewrites each byte far fewer times
  // than levelled compaction, which spent most of the write path's disk
  // bandwidth re-sorting interleaved shards. Readers scan long ranges, so
  // more sorted runs before a merge cost them little.
  rocksdb::ColumnFamilyOptions records_cf = cf;
  records_cf.compaction_style = rocksdb::kCompactionStyleUniversal;
  records_cf.level0_file_num_compaction_trigger = 12;
  for (const char* name : kFamilyNames) {
    families.emplace_back(name, std::string_view(name) == "k_rec" ? records_cf : cf);
  }

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir, families, &handles, &db);
  if (!s.ok()) {
    return Error{"InvalidConfig", "cannot open the store in " + dir + ": " + s.ToString(), 0,
                 true};
  }
  // handles[0] is the default family, unused.
  db->DestroyColumnFamilyHandle(handles[0]);
  handles.erase(handles.begin());
  return std::unique_ptr<KvStore>(new RocksKvStore(db, dir, std::move(handles), durability));
}

}  // namespace sluice::storage
