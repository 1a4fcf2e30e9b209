// What a run measures: per-thread counters (read live by the progress line),
// per-operation latency histograms and error tallies, merged into a Report
// that prints as text or as one JSON object.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "bench/histogram.h"

namespace sluice::bench {

// Which message count a scenario reports as its headline "messages".
enum class Headline {
  kSent,     // messages accepted by the server (sqs-send)
  kDeleted,   // messages received and then deleted (sqs-cycle)
  kReceived,  // messages (records) read (kinesis-get)
};

inline uint64_t HeadlineCount(Headline h, uint64_t sent, uint64_t received, uint64_t deleted) {
  switch (h) {
    case Headline::kSent: return sent;
    case Headline::kDeleted: return deleted;
    case Headline::kReceived: return received;
  }
  return sent;
}

// Owned and written by one engine thread; the counters are atomics only so
// that the progress line can read them from the main thread.
struct ThreadStats {
  struct Counters {
    std::atomic<uint64_t> requests{0};  // answered requests plus transport failures
    std::atomic<uint64_t> errors{0};    // non-2xx answers plus transport failures
    std::atomic<uint64_t> entry_errors{0};
    std::atomic<uint64_t> messages_sent{0};
    std::atomic<uint64_t> messages_received{0};
    std::atomic<uint64_t> messages_deleted{0};
    std::atomic<uint64_t> bytes_sent{0};      // message payload only
    std::atomic<uint64_t> bytes_received{0};  // message payload only
  } counters;
  std::map<std::string, Histogram> latency;  // nanoseconds, by operation
  std::map<std::string, uint64_t> errors_by_code;
  std::map<std::string, uint64_t> errors_by_status;
  std::map<std::string, uint64_t> entry_errors_by_code;
  uint64_t unparsed_answers = 0;  // 2xx answers whose body was not understood
  uint64_t reconnects = 0;

  static void Add(std::atomic<uint64_t>& c, uint64_t n) { c.fetch_add(n, std::memory_order_relaxed); }
};

using ParamValue = std::variant<int64_t, double, std::string>;

struct LatencySummary {
  uint64_t count = 0;
  double mean_ms = 0, p50_ms = 0, p90_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0;
};

struct Report {
  std::string scenario;
  std::string endpoint;
  std::string protocol;
  int threads = 0;
  int connections = 0;
  std::vector<std::pair<std::string, ParamValue>> parameters;  // scenario settings
  double elapsed_s = 0;
  bool interrupted = false;
  // CPU time of this process over the whole run (warm-up included), as a
  // percentage of one core: near 100 × threads means the client was the limit.
  double client_cpu_percent = 0;
  Headline headline = Headline::kSent;

  uint64_t requests = 0;
  uint64_t errors = 0;
  uint64_t entry_errors = 0;
  uint64_t messages_sent = 0, messages_received = 0, messages_deleted = 0;
  uint64_t bytes_sent = 0, bytes_received = 0;
  uint64_t unparsed_answers = 0, reconnects = 0;
  std::map<std::string, uint64_t> errors_by_code, errors_by_status, entry_errors_by_code;
  std::map<std::string, LatencySummary> latency;  // by operation, plus "all"

  uint64_t messages() const { return HeadlineCount(headline, messages_sent, messages_received, messages_deleted); }
  uint64_t payload_bytes() const { return headline == Headline::kSent ? bytes_sent : bytes_received; }
  double PerSecond(double n) const { return elapsed_s > 0 ? n / elapsed_s : 0.0; }
};

LatencySummary Summarize(const Histogram& h);

// Merges the threads' figures into `report` (whose identity fields and
// elapsed_s the caller fills).
void MergeInto(Report& report, const std::vector<const ThreadStats*>& threads);

std::string ReportJson(const Report& report);
std::string ReportText(const Report& report);

}  // namespace sluice::bench
