#include "server/asio_executor.h"

#include <boost/asio/post.hpp>

namespace sluice::server {

AsioExecutor::AsioExecutor(const Clock* clock, int threads)
    : clock_(clock), pool_(static_cast<size_t>(threads)) {}

AsioExecutor::~AsioExecutor() { Stop(); }

void AsioExecutor::Post(Task task) { boost::asio::post(pool_, std::move(task)); }

uint64_t AsioExecutor::RunAt(int64_t at_ms, Task task) {
  auto timer = std::make_shared<boost::asio::steady_timer>(pool_);
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
  boost::asio::post(pool_, [t] { t->cancel(); });
}

void AsioExecutor::Stop() {
  std::map<uint64_t, std::shared_ptr<boost::asio::steady_timer>> timers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    timers.swap(timers_);
  }
  for (auto& [id, t] : timers) boost::asio::post(pool_, [t] { t->cancel(); });
  pool_.join();
}

}  // namespace sluice::server
