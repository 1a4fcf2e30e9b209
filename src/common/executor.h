// Executor: where services run work that may block (disk reads) and work that
// waits for a time on the injected Clock (long polls, delays). Injected so
// tests can drive time by hand.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <deque>
#include <utility>

#include "common/clock.h"

namespace sluice {

class Executor {
 public:
  using Task = std::function<void()>;
  virtual ~Executor() = default;
  // Runs task soon on a worker thread, where blocking on disk is allowed.
  virtual void Post(Task task) = 0;
  // Runs task on a worker thread once the clock reaches at_ms. Returns an id
  // for Cancel(); cancelling a task that already ran does nothing.
  virtual uint64_t RunAt(int64_t at_ms, Task task) = 0;
  virtual void Cancel(uint64_t id) = 0;
};

// For tests: tasks run only when the test says, in time order.
class ManualExecutor final : public Executor {
 public:
  explicit ManualExecutor(ManualClock* clock) : clock_(clock) {}

  void Post(Task task) override {
    std::lock_guard<std::mutex> lock(mu_);
    ready_.push_back(std::move(task));
  }
  uint64_t RunAt(int64_t at_ms, Task task) override {
    std::lock_guard<std::mutex> lock(mu_);
    uint64_t id = next_id_++;
    timed_.emplace(std::make_pair(at_ms, id), std::move(task));
    return id;
  }
  void Cancel(uint64_t id) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = timed_.begin(); it != timed_.end(); ++it) {
      if (it->first.second == id) {
        timed_.erase(it);
        return;
      }
    }
  }
  // Runs posted tasks and timed tasks that are due, until none is left.
  void RunReady() {
    for (;;) {
      Task t;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (!ready_.empty()) {
          t = std::move(ready_.front());
          ready_.pop_front();
        } else if (!timed_.empty() && timed_.begin()->first.first <= clock_->NowMillis()) {
          t = std::move(timed_.begin()->second);
          timed_.erase(timed_.begin());
        } else {
          return;
        }
      }
      t();
    }
  }
  // Moves the clock forward by ms, running what falls due on the way.
  void Advance(int64_t ms) {
    int64_t end = clock_->NowMillis() + ms;
    for (;;) {
      RunReady();
      int64_t next;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (timed_.empty() || timed_.begin()->first.first > end) break;
        next = timed_.begin()->first.first;
      }
      if (next > clock_->NowMillis()) clock_->Set(next);
    }
    clock_->Set(end);
    RunReady();
  }
  size_t pending_timers() {
    std::lock_guard<std::mutex> lock(mu_);
    return timed_.size();
  }

 private:
  ManualClock* clock_;
  std::mutex mu_;
  std::deque<Task> ready_;
  std::map<std::pair<int64_t, uint64_t>, Task> timed_;
  uint64_t next_id_ = 1;
};

}  // namespace sluice
