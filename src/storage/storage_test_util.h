// Helpers shared by the storage contract tests: temporary directories,
// waiting for an asynchronous store call, and a KvStore that holds commits
// back so a test can order them against other calls.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "common/result.h"
#include "storage/kv_store.h"

namespace sluice::storage::testing {

inline constexpr auto kWait = std::chrono::seconds(20);  // generous: only reached when a completion is lost

// A fresh directory under the system's temporary directory.
inline std::filesystem::path MakeTempDir(const std::string& prefix) {
  std::string templ = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  char* made = mkdtemp(templ.data());
  EXPECT_NE(made, nullptr);
  return std::filesystem::path(templ);
}

// Runs an asynchronous store call and waits for its single completion.
template <typename T, typename Start>
Result<T> Await(Start&& start) {
  auto p = std::make_shared<std::promise<Result<T>>>();
  auto calls = std::make_shared<std::atomic<int>>(0);
  auto f = p->get_future();
  start(std::function<void(Result<T>)>([p, calls](Result<T> r) {
    if (calls->fetch_add(1) == 0) p->set_value(std::move(r));
  }));
  if (f.wait_for(kWait) != std::future_status::ready) {
    return Error{"Timeout", "the store call did not complete"};
  }
  Result<T> r = f.get();
  EXPECT_EQ(calls->load(), 1) << "done called more than once";
  return r;
}

// A KvStore that can hold commits back until the test releases them, to
// order a commit against other calls deterministically. Transparent unless
// Hold() was called.
class HeldKvStore final : public KvStore {
 public:
  explicit HeldKvStore(std::unique_ptr<KvStore> inner) : inner_(std::move(inner)) {}

  void Commit(Batch batch, Done done) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (holding_) {
        held_.emplace_back(std::move(batch), std::move(done));
        return;
      }
    }
    inner_->Commit(std::move(batch), std::move(done));
  }
  Result<std::optional<std::string>> Get(Space space, std::string_view key) override {
    return inner_->Get(space, key);
  }
  Status Scan(Space space, std::string_view prefix,
              const std::function<bool(std::string_view, std::string_view)>& fn) override {
    return inner_->Scan(space, prefix, fn);
  }
  Status ScanRange(Space space, std::string_view from, std::string_view to, const RangeFn& fn) override {
    return inner_->ScanRange(space, from, to, fn);
  }
  Result<std::optional<std::pair<std::string, std::string>>> LastInRange(
      Space space, std::string_view from, std::string_view to) override {
    return inner_->LastInRange(space, from, to);
  }
  void Close() override {
    Release();
    inner_->Close();
  }
  void InjectWriteFailure(std::optional<Error> error) override {
    inner_->InjectWriteFailure(std::move(error));
  }
  void SetCompletionExecutor(CompletionExecutor executor) override {
    inner_->SetCompletionExecutor(std::move(executor));
  }

  void Hold() {
    std::lock_guard<std::mutex> lock(mu_);
    holding_ = true;
  }
  size_t held() {
    std::lock_guard<std::mutex> lock(mu_);
    return held_.size();
  }
  // Hands the held commits to the backend in their original order.
  void Release() {
    std::deque<std::pair<Batch, Done>> held;
    {
      std::lock_guard<std::mutex> lock(mu_);
      holding_ = false;
      held.swap(held_);
    }
    for (auto& [b, d] : held) inner_->Commit(std::move(b), std::move(d));
  }
  // Waits until every commit submitted so far has completed: commits
  // complete in submission order.
  void Barrier() {
    auto p = std::make_shared<std::promise<void>>();
    auto f = p->get_future();
    Commit({}, [p](Status) { p->set_value(); });
    f.wait_for(kWait);
  }

 private:
  std::unique_ptr<KvStore> inner_;
  std::mutex mu_;
  bool holding_ = false;
  std::deque<std::pair<Batch, Done>> held_;
};

}  // namespace sluice::storage::testing
