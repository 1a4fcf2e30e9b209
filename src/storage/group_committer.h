// GroupCommitter: one thread that gathers every batch pending when it wakes
// and hands them to a writer as a single write, then completes them all.
// Shared by the embedded backends.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "storage/kv_store.h"

namespace sluice::storage {

class GroupCommitter {
 public:
  // Writes all batches as one atomic, durable write.
  using Writer = std::function<Status(const std::vector<const Batch*>&)>;

  explicit GroupCommitter(Writer writer) : writer_(std::move(writer)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~GroupCommitter() { Stop(); }

  void Submit(Batch batch, KvStore::Done done) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!stopping_) {
        pending_.emplace_back(std::move(batch), std::move(done));
        cv_.notify_one();
        return;
      }
    }
    done(Error{"ServiceUnavailable", "The service is shutting down.", 503, false});
  }

  void SetCompletionExecutor(KvStore::CompletionExecutor executor) {
    std::lock_guard<std::mutex> lock(mu_);
    completion_executor_ = std::move(executor);
  }

  void InjectFailure(std::optional<Error> error) {
    std::lock_guard<std::mutex> lock(mu_);
    injected_ = std::move(error);
  }

  // Drains what is pending, then joins the thread. Idempotent.
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      stopping_ = true;
      cv_.notify_one();
    }
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Run() {
    std::vector<std::pair<Batch, KvStore::Done>> work;
    for (;;) {
      std::optional<Error> injected;
      KvStore::CompletionExecutor executor;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
        if (pending_.empty() && stopping_) return;
        work.assign(std::make_move_iterator(pending_.begin()),
                    std::make_move_iterator(pending_.end()));
        pending_.clear();
        injected = injected_;
        executor = completion_executor_;
      }
      Status status;
      if (injected) {
        status = *injected;
      } else {
        std::vector<const Batch*> batches;
        batches.reserve(work.size());
        for (auto& w : work) batches.push_back(&w.first);
        status = writer_(batches);
      }
      for (auto& w : work) {
        if (executor) {
          executor([done = std::move(w.second), status] { done(status); });
        } else {
          w.second(status);
        }
      }
      work.clear();
    }
  }

  Writer writer_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<Batch, KvStore::Done>> pending_;  // GUARDED_BY(mu_)
  std::optional<Error> injected_;                        // GUARDED_BY(mu_)
  KvStore::CompletionExecutor completion_executor_;     // GUARDED_BY(mu_)
  bool stopping_ = false;                                // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace sluice::storage
