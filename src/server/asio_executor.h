// Executor on an Asio io_context run by a few threads: Post() runs on them,
// RunAt() arms a steady timer for the distance between the target time and
// the Clock. The HTTP server can run on the same io_context (context()), so
// that a commit completion, the answer it renders and the write of that
// answer stay on one thread.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/executor.h"

namespace sluice::server {

class AsioExecutor final : public Executor {
 public:
  AsioExecutor(const Clock* clock, int threads);
  ~AsioExecutor() override;
  void Post(Task task) override;
  uint64_t RunAt(int64_t at_ms, Task task) override;
  void Cancel(uint64_t id) override;
  // Cancels timers, lets queued tasks run and joins the threads.
  void Stop();
  boost::asio::io_context& context() { return ioc_; }

 private:
  const Clock* clock_;
  boost::asio::io_context ioc_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::map<uint64_t, std::shared_ptr<boost::asio::steady_timer>> timers_;  // GUARDED_BY(mu_)
  uint64_t next_id_ = 1;                                                  // GUARDED_BY(mu_)
  bool stopped_ = false;                                                  // GUARDED_BY(mu_)
};

}  // namespace sluice::server
