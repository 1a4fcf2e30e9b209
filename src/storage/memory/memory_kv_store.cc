// In-memory KvStore for unit tests: same contract as the RocksDB backend,
// nothing survives the process.
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "storage/group_committer.h"
#include "storage/kv_store.h"

namespace sluice::storage {
namespace {

class MemoryKvStore final : public KvStore {
 public:
  MemoryKvStore()
      : committer_([this](const std::vector<const Batch*>& batches) { return Apply(batches); }) {}
  ~MemoryKvStore() override { Close(); }

  void Commit(Batch batch, Done done) override { committer_.Submit(std::move(batch), std::move(done)); }

  Result<std::optional<std::string>> Get(Space space, std::string_view key) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto& m = spaces_[static_cast<int>(space)];
    auto it = m.find(std::string(key));
    if (it == m.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  Status Scan(Space space, std::string_view prefix,
              const std::function<bool(std::string_view, std::string_view)>& fn) override {
    std::map<std::string, std::string> copy;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto& m = spaces_[static_cast<int>(space)];
      for (auto it = m.lower_bound(std::string(prefix));
           it != m.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
        copy.insert(*it);
      }
    }
    for (const auto& [k, v] : copy) {
      if (!fn(k, v)) break;
    }
    return {};
  }

  // Copies a chunk at a time so that fn runs without the lock (it may call
  // back into the store) and an early stop copies little.
  Status ScanRange(Space space, std::string_view from, std::string_view to,
                   const RangeFn& fn) override {
    constexpr size_t kChunk = 64;
    std::vector<std::pair<std::string, std::string>> chunk;
    std::string cursor(from);
    bool first = true;
    for (;;) {
      chunk.clear();
      {
        std::lock_guard<std::mutex> lock(mu_);
        auto& m = spaces_[static_cast<int>(space)];
        auto it = first ? m.lower_bound(cursor) : m.upper_bound(cursor);
        for (; it != m.end() && chunk.size() < kChunk; ++it) {
          if (!to.empty() && std::string_view(it->first) >= to) break;
          chunk.emplace_back(it->first, it->second);
        }
      }
      for (const auto& [k, v] : chunk) {
        if (!fn(k, v)) return {};
      }
      if (chunk.size() < kChunk) return {};
      cursor = std::move(chunk.back().first);
      first = false;
    }
  }

  Result<std::optional<std::pair<std::string, std::string>>> LastInRange(
      Space space, std::string_view from, std::string_view to) override {
    using Found = std::optional<std::pair<std::string, std::string>>;
    std::lock_guard<std::mutex> lock(mu_);
    auto& m = spaces_[static_cast<int>(space)];
    auto it = to.empty() ? m.end() : m.lower_bound(std::string(to));
    if (it == m.begin()) return Found();
    --it;
    if (std::string_view(it->first) < from) return Found();
    return Found(*it);
  }

  void Close() override { committer_.Stop(); }
  void InjectWriteFailure(std::optional<Error> error) override {
    committer_.InjectFailure(std::move(error));
  }
  void SetCompletionExecutor(CompletionExecutor executor) override {
    committer_.SetCompletionExecutor(std::move(executor));
  }

 private:
  Status Apply(const std::vector<const Batch*>& batches) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const Batch* b : batches) {
      for (const Mutation& m : *b) {
        auto& space = spaces_[static_cast<int>(m.space)];
        switch (m.op) {
          case Mutation::Op::kPut:
            space[m.key] = m.value;
            break;
          case Mutation::Op::kDelete:
            space.erase(m.key);
            break;
          case Mutation::Op::kDeleteRange:
            space.erase(space.lower_bound(m.key), space.lower_bound(m.value));
            break;
        }
      }
    }
    return {};
  }

  std::mutex mu_;
  std::map<std::string, std::string> spaces_[kSpaceCount];  // GUARDED_BY(mu_)
  GroupCommitter committer_;  // last: its thread uses the members above
};

}  // namespace

std::unique_ptr<KvStore> OpenMemoryKvStore() { return std::make_unique<MemoryKvStore>(); }

}  // namespace sluice::storage
