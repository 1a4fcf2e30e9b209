#include "server/asio_executor.h"

#include <boost/asio/post.hpp>

#include <chrono>

namespace sluice::server {

AsioExecutor::AsioExecutor(const Clock* clock, int threads)
    : clock_(clock), work_(boost::asio::make_work_guard(ioc_)) {
  for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this] { ioc_.run(); });
}

AsioExecutor::~AsioExecutor() { Stop(); }

void AsioExecutor::Post(Task task) { boost::asio::post(ioc_, std::move(task)); }

uint64_t AsioExecutor::RunAt(int64_t at_ms, Task task) {
  auto timer = std::make_shared<boost::asio::steady_timer>(ioc_);
  int64_t delay = std::max<int64_t>(0, at_ms - clock_->NowMillis());
  timer->expires_after(std::chrono::milliseconds(delay));
  uint64_t id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return 0;
    id = next_id_++;
    timers_[id] = timer;
  }
  timer->async_wait([this, id, task = std::move(task)](const boost::system::error_code& ec) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      timers_.erase(id);
    }
    if (!ec) task();
  });
  return id;
}

void AsioExecutor::Cancel(uint64_t id) {
  std::shared_ptr<boost::asio::steady_timer> t;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = timers_.find(id);
    if (it == timers_.end()) return;
    t = it->second;
    timers_.erase(it);
  }
  boost::asio::post(ioc_, [t] { t->cancel(); });
}

void AsioExecutor::Stop() {
  std::map<uint64_t, std::shared_ptr<boost::asio::steady_timer>> timers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    timers.swap(timers_);
  }
  for (auto& [id, t] : timers) boost::asio::post(ioc_, [t] { t->cancel(); });
  // Queued tasks run; run() returns once nothing is left. Anything still
  // pending after a few seconds (a connection nobody closed) is abandoned.
  work_.reset();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!ioc_.stopped() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ioc_.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

}  // namespace sluice::server
