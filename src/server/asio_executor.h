// Executor on an Asio thread pool: Post() runs on the pool, RunAt() arms a
// steady timer for the distance between the target time and the Clock.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <map>
#include <memory>
#include <mutex>

#include "common/executor.h"

namespace sluice::server {

class AsioExecutor final : public Executor {
 public:
  AsioExecutor(const Clock* clock, int threads);
  ~AsioExecutor() override;
  void Post(Task task) override;
  uint64_t RunAt(int64_t at_ms, Task task) override;
  void Cancel(uint64_t id) override;
  // Cancels timers and joins the threads after queued tasks have run.
  void Stop();

 private:
  const Clock* clock_;
  boost::asio::thread_pool pool_;
  std::mutex mu_;
  std::map<uint64_t, std::shared_ptr<boost::asio::steady_timer>> timers_;  // GUARDED_BY(mu_)
  uint64_t next_id_ = 1;                                                  // GUARDED_BY(mu_)
  bool stopped_ = false;                                                  // GUARDED_BY(mu_)
};

}  // namespace sluice::server
