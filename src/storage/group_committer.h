// GroupCommitter: one thread that gathers every batch pending when it wakes
// and hands them to a writer as a single write, then completes them all.
// Shared by the embedded backends.
//
// A round writes, completes the batches that only need to be written, then
// syncs (when any batch of the round needs it) and completes the rest.
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
  // Writes all batches as one atomic write (to the operating system).
  using Writer = std::function<Status(const std::vector<const Batch*>&)>;
  // Makes everything written so far durable; empty: writes are durable as written.
  using Syncer = std::function<Status()>;

  explicit GroupCommitter(Writer writer, Syncer syncer = {})
      : writer_(std::move(writer)), syncer_(std::move(syncer)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~GroupCommitter() { Stop(); }

  // `synced`: complete only once synced; else once written.
  void Submit(Batch batch, KvStore::Done done, bool synced = true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!stopping_) {
        pending_.push_back(Pending{std::move(batch), std::move(done), synced});
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
  struct Pending {
    Batch batch;
    KvStore::Done done;
    bool synced = true;
  };

  void Run() {
    std::vector<Pending> work;
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
      bool any_synced = false;
      if (injected) {
        status = *injected;
      } else {
        std::vector<const Batch*> batches;
        batches.reserve(work.size());
        for (auto& w : work) {
          batches.push_back(&w.batch);
          any_synced = any_synced || w.synced;
        }
        status = writer_(batches);
      }
      auto complete = [&](Pending& w, const Status& st) {
        if (executor) {
          executor([done = std::move(w.done), st] { done(st); });
        } else {
          w.done(st);
        }
      };
      if (status.ok() && syncer_) {
        for (auto& w : work) {
          if (!w.synced) complete(w, status);
        }
        if (any_synced) status = syncer_();
        for (auto& w : work) {
          if (w.synced) complete(w, status);
        }
      } else {
        for (auto& w : work) complete(w, status);
      }
      work.clear();
    }
  }

  Writer writer_;
  Syncer syncer_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> pending_;                          // GUARDED_BY(mu_)
  std::optional<Error> injected_;                        // GUARDED_BY(mu_)
  KvStore::CompletionExecutor completion_executor_;     // GUARDED_BY(mu_)
  bool stopping_ = false;                                // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace sluice::storage
