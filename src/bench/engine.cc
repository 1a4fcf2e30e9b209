#include "bench/engine.h"

#include "bench/http_call.h"

#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

namespace sluice::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;

namespace {

constexpr size_t kMaxAnswerBytes = 64u << 20;
// Beast reads at most the buffer's free capacity (at least 512 bytes, at most
// 64 KiB) per call: room for 64 KiB reads keeps large answers (GetRecords) from
// arriving in thousands of small reads.
constexpr size_t kReadBufferBytes = 128u << 10;
constexpr auto kReconnectDelay = std::chrono::milliseconds(200);
constexpr auto kStopGrace = std::chrono::seconds(2);
constexpr std::string_view kUserAgent = "sluice-bench/" SLUICE_VERSION;

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

int64_t WallMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::chrono::nanoseconds Seconds(double s) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(s));
}

std::string TransportCode(const boost::system::error_code& ec) {
  if (ec == beast::error::timeout) return "transport:timeout";
  if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
      ec == asio::error::broken_pipe || ec == http::error::partial_message) {
    return "transport:closed";
  }
  return "transport:" + ec.message();
}

void ToBeast(const HttpCall& call, http::request<http::string_body>& req) {
  req = {};
  req.method_string(call.method);
  req.target(call.target);
  req.version(11);
  for (const auto& [name, value] : call.headers) req.set(name, value);
  req.set(http::field::user_agent, std::string(kUserAgent));
  req.body() = call.body;
  req.keep_alive(true);
  req.prepare_payload();
}

// The measured window: answers before `start` (warm-up) or after `deadline`
// are not counted.
struct Window {
  TimePoint origin;  // connections start here; pacing slots count from here
  TimePoint start;
  TimePoint deadline;  // TimePoint::max() without a duration
  bool Contains(TimePoint t) const { return t >= start && t <= deadline; }
};

struct Worker;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Worker& worker, std::unique_ptr<ConnectionRole> role, std::chrono::nanoseconds interval,
             TimePoint first_slot);
  void Start() { Connect(); }

 private:
  void Connect();
  void Loop();
  void Send();
  void OnRead(const boost::system::error_code& ec);
  void TransportFailure(const boost::system::error_code& ec);
  void Finish();

  Worker& worker_;
  std::unique_ptr<ConnectionRole> role_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  asio::steady_timer timer_;
  http::request<http::string_body> req_;
  std::optional<http::response_parser<http::string_body>> parser_;
  HttpCall call_;
  std::chrono::nanoseconds interval_;  // zero: unpaced
  TimePoint next_slot_;
  TimePoint started_;  // latency origin of the call in flight
  bool finished_ = false;
};

struct Worker {
  const RunOptions& options;
  RunState& run;
  const Window& window;
  const Signer& signer;
  asio::io_context ioc{1};
  ThreadStats stats;
  std::vector<std::shared_ptr<Connection>> connections;
  TimePoint last_progress{};  // last counted answer that did useful work
  TimePoint last_answer{};    // last counted answer of any kind
  std::atomic<bool> done{false};

  Worker(const RunOptions& o, RunState& r, const Window& w, const Signer& s)
      : options(o), run(r), window(w), signer(s) {}

  void CountError(const std::string& code, TimePoint now) {
    if (!window.Contains(now)) return;
    ThreadStats::Add(stats.counters.errors, 1);
    ++stats.errors_by_code[code];
  }
};

Connection::Connection(Worker& worker, std::unique_ptr<ConnectionRole> role, std::chrono::nanoseconds interval,
                       TimePoint first_slot)
    : worker_(worker),
      role_(std::move(role)),
      stream_(worker.ioc),
      timer_(worker.ioc),
      interval_(interval),
      next_slot_(first_slot) {
  buffer_.reserve(kReadBufferBytes);
}

void Connection::Connect() {
  if (worker_.run.stop.load(std::memory_order_relaxed)) return Finish();
  stream_.expires_after(Seconds(worker_.options.timeout_s));
  stream_.async_connect(worker_.options.endpoint.addresses,
                        [self = shared_from_this()](const boost::system::error_code& ec, const tcp::endpoint&) {
                          if (!ec) {
                            boost::system::error_code ignored;
                            self->stream_.socket().set_option(tcp::no_delay(true), ignored);
                            return self->Loop();
                          }
                          self->worker_.CountError("transport:connect", SteadyClock::now());
                          self->stream_.close();
                          self->timer_.expires_after(kReconnectDelay);
                          self->timer_.async_wait([self](const boost::system::error_code&) { self->Connect(); });
                        });
}

void Connection::Loop() {
  RunState& run = worker_.run;
  if (run.stop.load(std::memory_order_relaxed)) return Finish();
  if (role_->limited() && !run.TakeTicket()) return Finish();
  std::optional<HttpCall> next = role_->Next(run);
  if (!next) return Finish();
  call_ = std::move(*next);
  worker_.signer.Sign(call_, worker_.options.endpoint.host_header, WallMillis());
  ToBeast(call_, req_);

  if (interval_.count() > 0 && role_->limited()) {
    const TimePoint slot = next_slot_;
    next_slot_ += interval_;
    started_ = slot;  // latency from the intended start: a late send counts against the server
    if (slot > SteadyClock::now()) {
      timer_.expires_at(slot);
      timer_.async_wait([self = shared_from_this()](const boost::system::error_code&) {
        if (self->worker_.run.stop.load(std::memory_order_relaxed)) return self->Finish();
        self->Send();
      });
      return;
    }
  } else {
    started_ = SteadyClock::now();
  }
  Send();
}

void Connection::Send() {
  stream_.expires_after(Seconds(worker_.options.timeout_s));
  http::async_write(stream_, req_, [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
    if (ec) return self->TransportFailure(ec);
    self->parser_.emplace();
    self->parser_->body_limit(kMaxAnswerBytes);
    http::async_read(self->stream_, self->buffer_, *self->parser_,
                     [self](const boost::system::error_code& ec2, size_t) { self->OnRead(ec2); });
  });
}

void Connection::OnRead(const boost::system::error_code& ec) {
  if (ec) return TransportFailure(ec);
  const TimePoint now = SteadyClock::now();
  const bool counting = worker_.window.Contains(now);
  ThreadStats& stats = worker_.stats;
  auto& res = parser_->get();
  const int status = static_cast<int>(res.result_int());
  if (counting) {
    worker_.last_answer = now;
    ThreadStats::Add(stats.counters.requests, 1);
    stats.latency[call_.operation].Record(static_cast<uint64_t>((now - started_).count()));
  }
  if (status >= 200 && status < 300) {
    Recorder recorder(&stats, counting);
    role_->OnAnswer(call_, res.body(), recorder);
    if (counting && recorder.progressed()) worker_.last_progress = now;
  } else {
    if (counting) {
      ThreadStats::Add(stats.counters.errors, 1);
      ++stats.errors_by_code[ParseErrorCode(res.body(), status)];
      ++stats.errors_by_status[std::to_string(status)];
    }
    role_->OnFailure(call_);
  }
  const bool keep_alive = res.keep_alive();
  parser_.reset();
  if (keep_alive) return Loop();
  ++stats.reconnects;
  boost::system::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();
  buffer_.clear();
  Connect();
}

void Connection::TransportFailure(const boost::system::error_code& ec) {
  const TimePoint now = SteadyClock::now();
  if (worker_.window.Contains(now)) ThreadStats::Add(worker_.stats.counters.requests, 1);
  worker_.CountError(TransportCode(ec), now);
  role_->OnFailure(call_);
  parser_.reset();
  buffer_.clear();
  stream_.close();
  ++worker_.stats.reconnects;
  Connect();
}

void Connection::Finish() {
  if (finished_) return;
  finished_ = true;
  boost::system::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();
  if (role_->limited()) worker_.run.limited_active.fetch_sub(1, std::memory_order_relaxed);
}

struct Totals {
  uint64_t requests = 0, errors = 0, messages = 0;
};

Totals Sum(const std::vector<std::unique_ptr<Worker>>& workers, Headline headline) {
  Totals t;
  for (const auto& w : workers) {
    const auto& c = w->stats.counters;
    t.requests += c.requests.load(std::memory_order_relaxed);
    t.errors += c.errors.load(std::memory_order_relaxed) + c.entry_errors.load(std::memory_order_relaxed);
    t.messages += HeadlineCount(headline, c.messages_sent.load(std::memory_order_relaxed),
                                c.messages_received.load(std::memory_order_relaxed),
                                c.messages_deleted.load(std::memory_order_relaxed));
  }
  return t;
}

}  // namespace

// ------------------------------------------------------------------ Recorder

void Recorder::MessagesSent(uint64_t n, uint64_t payload_bytes) {
  if (!counting_) return;
  ThreadStats::Add(stats_->counters.messages_sent, n);
  ThreadStats::Add(stats_->counters.bytes_sent, payload_bytes);
}

void Recorder::MessagesReceived(uint64_t n, uint64_t payload_bytes) {
  if (!counting_) return;
  ThreadStats::Add(stats_->counters.messages_received, n);
  ThreadStats::Add(stats_->counters.bytes_received, payload_bytes);
}

void Recorder::MessagesDeleted(uint64_t n) {
  if (counting_) ThreadStats::Add(stats_->counters.messages_deleted, n);
}

void Recorder::EntryErrors(const std::vector<std::string>& codes) {
  if (!counting_ || codes.empty()) return;
  ThreadStats::Add(stats_->counters.entry_errors, codes.size());
  for (const auto& c : codes) ++stats_->entry_errors_by_code[c];
}

void Recorder::Unparsed() {
  if (counting_) ++stats_->unparsed_answers;
}

// ------------------------------------------------------------------ RunLoad

Report RunLoad(Scenario& scenario, const std::string& scenario_name, const RunOptions& options,
               const std::atomic<bool>& interrupt) {
  const int connection_count = scenario.connections();
  const int thread_count = std::min(options.threads, connection_count);
  const Signer signer(options.credentials, options.region, scenario.signing_service());

  RunState run;
  run.ticket_limit = options.requests;
  Window window;
  window.origin = SteadyClock::now();
  window.start = window.origin + Seconds(options.warmup_s);
  window.deadline = options.duration_s > 0 ? window.start + Seconds(options.duration_s) : TimePoint::max();

  std::vector<std::unique_ptr<ConnectionRole>> roles;
  int limited = 0;
  for (int i = 0; i < connection_count; ++i) {
    roles.push_back(scenario.MakeRole(i));
    if (roles.back()->limited()) ++limited;
  }
  run.limited_active = limited;

  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < thread_count; ++t) workers.push_back(std::make_unique<Worker>(options, run, window, signer));
  // Paced connections share --rate evenly, their slots staggered by 1/rate.
  const std::chrono::nanoseconds interval =
      options.rate > 0 ? Seconds(static_cast<double>(limited) / options.rate) : std::chrono::nanoseconds(0);
  int paced_index = 0;
  for (int i = 0; i < connection_count; ++i) {
    Worker& w = *workers[static_cast<size_t>(i % thread_count)];
    TimePoint first = window.origin;
    if (options.rate > 0 && roles[static_cast<size_t>(i)]->limited()) {
      first += Seconds(static_cast<double>(paced_index++) / options.rate);
    }
    w.connections.push_back(std::make_shared<Connection>(w, std::move(roles[static_cast<size_t>(i)]), interval, first));
  }

  const double cpu_before = CpuSeconds();
  std::vector<std::thread> threads;
  for (auto& wp : workers) {
    Worker* w = wp.get();
    threads.emplace_back([w] {
      for (auto& c : w->connections) c->Start();
      w->connections.clear();  // the handlers own them from here
      w->ioc.run();
      w->done = true;
    });
  }

  const bool tty = isatty(STDERR_FILENO) == 1;
  Totals last{};
  TimePoint last_print = window.origin;
  TimePoint stopped_at = TimePoint::max();
  bool interrupted = false;
  auto all_done = [&] {
    for (const auto& w : workers) {
      if (!w->done) return false;
    }
    return true;
  };
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const TimePoint now = SteadyClock::now();
    if (all_done()) break;
    if (interrupt.load() && !interrupted) {
      interrupted = true;
      stopped_at = now;
      run.stop = true;
    }
    if (now >= window.deadline && stopped_at == TimePoint::max()) {
      stopped_at = window.deadline;
      run.stop = true;
    }
    if (stopped_at != TimePoint::max() && now - stopped_at > kStopGrace) {
      for (auto& w : workers) w->ioc.stop();  // abandon answers still outstanding (long polls)
      break;
    }
    if (!options.quiet && now - last_print >= std::chrono::seconds(1) && stopped_at == TimePoint::max()) {
      const double dt = std::chrono::duration<double>(now - last_print).count();
      const Totals t = Sum(workers, scenario.headline());
      const double elapsed = std::chrono::duration<double>(now - window.origin).count();
      std::fprintf(stderr, "%s[%6.1fs]%s %9.0f req/s %10.0f msg/s   errors %llu%s", tty ? "\r" : "", elapsed,
                   now < window.start ? " warm-up" : "", static_cast<double>(t.requests - last.requests) / dt,
                   static_cast<double>(t.messages - last.messages) / dt, static_cast<unsigned long long>(t.errors),
                   tty ? "   " : "\n");
      std::fflush(stderr);
      last = t;
      last_print = now;
    }
  }
  for (auto& t : threads) t.join();
  const double cpu_used = CpuSeconds() - cpu_before;
  const double wall_used = std::chrono::duration<double>(SteadyClock::now() - window.origin).count();
  if (!options.quiet && tty) std::fprintf(stderr, "\n");

  Report report;
  report.scenario = scenario_name;
  report.endpoint = options.endpoint.url;
  report.protocol = std::string(ProtocolName(options.protocol));
  report.threads = thread_count;
  report.connections = connection_count;
  report.parameters = scenario.Parameters();
  report.headline = scenario.headline();
  report.interrupted = interrupted;
  report.client_cpu_percent = wall_used > 0 ? 100.0 * cpu_used / wall_used : 0.0;
  TimePoint end;
  if (stopped_at != TimePoint::max()) {
    end = stopped_at;
  } else {
    // Every connection finished by itself (request limit): the run ends at
    // the last answer that did useful work.
    TimePoint last_progress = window.start, last_answer = window.start;
    for (const auto& w : workers) {
      last_progress = std::max(last_progress, w->last_progress);
      last_answer = std::max(last_answer, w->last_answer);
    }
    end = last_progress > window.start ? last_progress : last_answer;
  }
  report.elapsed_s = std::max(0.0, std::chrono::duration<double>(end - window.start).count());
  std::vector<const ThreadStats*> stats;
  for (const auto& w : workers) stats.push_back(&w->stats);
  MergeInto(report, stats);
  return report;
}

// --------------------------------------------------------------- SetupClient

SetupClient::SetupClient(const RunOptions& options, std::string service)
    : options_(options), signer_(options.credentials, options.region, std::move(service)) {}

Result<SetupClient::Answer> SetupClient::Call(HttpCall call) {
  signer_.Sign(call, options_.endpoint.host_header, WallMillis());
  http::request<http::string_body> req;
  ToBeast(call, req);
  req.keep_alive(false);

  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxAnswerBytes);
  boost::system::error_code ec;
  const std::string what = call.operation + " to " + options_.endpoint.url;

  stream.expires_after(Seconds(options_.timeout_s));
  stream.async_connect(options_.endpoint.addresses,
                       [&](const boost::system::error_code& e, const tcp::endpoint&) { ec = e; });
  ioc.run();
  if (ec) return MakeError("Transport", what + ": cannot connect: " + ec.message());
  ioc.restart();
  http::async_write(stream, req, [&](const boost::system::error_code& e, size_t) {
    ec = e;
    if (!e) http::async_read(stream, buffer, parser, [&](const boost::system::error_code& e2, size_t) { ec = e2; });
  });
  ioc.run();
  if (ec) return MakeError("Transport", what + ": " + ec.message());
  Answer answer;
  answer.status = static_cast<int>(parser.get().result_int());
  answer.body = std::move(parser.get().body());
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  return answer;
}

}  // namespace sluice::bench
