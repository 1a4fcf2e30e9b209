// The extension point of sluice-bench. A scenario (sqs-send, sqs-cycle,
// kinesis-put, kinesis-get) binds its own flags, prepares the server once
// (creates its queue or stream), and hands the engine one ConnectionRole per
// keep-alive connection. The engine owns sockets, pacing, timing, stopping and
// accounting of HTTP statuses and transport errors; roles build calls and
// read the answers.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "auth/sigv4.h"
#include "bench/endpoint.h"
#include "bench/http_call.h"
#include "bench/stats.h"
#include "common/result.h"

namespace sluice::bench {

// Flags shared by every scenario.
struct RunOptions {
  Endpoint endpoint;
  Protocol protocol = Protocol::kJson;
  std::string region = "us-east-1";
  auth::SigningCredentials credentials{"test", "test", ""};
  int threads = 1;
  double duration_s = 10;  // 0: no time limit (only with requests)
  uint64_t requests = 0;   // 0: no request limit
  double rate = 0;         // requests/s over all limited connections; 0: as fast as possible
  double warmup_s = 0;     // not measured; only with a duration
  double timeout_s = 30;   // per request
  bool quiet = false;      // no progress line
};

// Shared by every connection of a run.
struct RunState {
  std::atomic<bool> stop{false};           // the duration is over, or the run was interrupted
  std::atomic<int> limited_active{0};      // limited connections that have not finished
  std::atomic<uint64_t> tickets_taken{0};  // calls made by limited connections
  uint64_t ticket_limit = 0;               // --requests; 0: none

  bool TakeTicket() {
    if (ticket_limit == 0) return true;
    return tickets_taken.fetch_add(1, std::memory_order_relaxed) < ticket_limit;
  }
};

// How a role reports what an answer meant. Figures outside the measured
// window (warm-up, after the deadline) are dropped here.
class Recorder {
 public:
  Recorder(ThreadStats* stats, bool counting) : stats_(stats), counting_(counting) {}
  void MessagesSent(uint64_t n, uint64_t payload_bytes);
  void MessagesReceived(uint64_t n, uint64_t payload_bytes);
  void MessagesDeleted(uint64_t n);
  void EntryErrors(const std::vector<std::string>& codes);
  void Unparsed();
  // This answer did useful work: a --requests run ends at the last such answer.
  void Progress() { progress_ = true; }
  bool progressed() const { return progress_; }

 private:
  ThreadStats* stats_;
  bool counting_;
  bool progress_ = false;
};

class ConnectionRole {
 public:
  virtual ~ConnectionRole() = default;
  // Limited roles take one --requests ticket per call and follow --rate
  // (producers); unlimited ones run until the time is up or they say they are
  // done (consumers).
  virtual bool limited() const = 0;
  // The next call, or nullopt once this connection has nothing more to do.
  virtual std::optional<HttpCall> Next(const RunState& run) = 0;
  // A 2xx answer to `call`.
  virtual void OnAnswer(const HttpCall& call, std::string_view body, Recorder& recorder) = 0;
  // `call` got a non-2xx answer or a transport error (already counted).
  virtual void OnFailure(const HttpCall& call) { (void)call; }
};

// A blocking client on one connection for a scenario's set-up calls.
class SetupClient {
 public:
  struct Answer {
    int status = 0;
    std::string body;
  };
  SetupClient(const RunOptions& options, std::string service);
  // Signs and sends `call`; an Error only for transport failures.
  Result<Answer> Call(HttpCall call);

 private:
  const RunOptions& options_;
  Signer signer_;
};

class Scenario {
 public:
  virtual ~Scenario() = default;
  // SigV4 service name ("sqs", "kinesis").
  virtual std::string signing_service() const = 0;
  // Checks the scenario's flags together with the shared ones; the message of
  // the Error is shown to the user. `options` outlives the scenario.
  virtual Status Validate(const RunOptions& options) = 0;
  // Runs once before the load (create the queue...); an Error aborts the run.
  virtual Status Prepare(SetupClient& client) = 0;
  virtual int connections() const = 0;
  virtual std::unique_ptr<ConnectionRole> MakeRole(int index) = 0;
  virtual Headline headline() const = 0;
  // Settings echoed in the report ("batch": 10, "queue": "bench"...).
  virtual std::vector<std::pair<std::string, ParamValue>> Parameters() const = 0;
};

struct ScenarioSpec {
  std::string name;
  std::string summary;
  // Makes the scenario and binds its flags to `command`, its subcommand.
  std::function<std::unique_ptr<Scenario>(CLI::App& command)> make;
};

class ScenarioRegistry {
 public:
  void Add(ScenarioSpec spec) { specs_.push_back(std::move(spec)); }
  const std::vector<ScenarioSpec>& specs() const { return specs_; }
  const ScenarioSpec* Find(std::string_view name) const {
    for (const auto& s : specs_) {
      if (s.name == name) return &s;
    }
    return nullptr;
  }

 private:
  std::vector<ScenarioSpec> specs_;
};

// One Register function per service family.
void RegisterSqsScenarios(ScenarioRegistry& registry);
void RegisterKinesisScenarios(ScenarioRegistry& registry);

// Every scenario of this binary.
inline ScenarioRegistry BuiltinScenarios() {
  ScenarioRegistry registry;
  RegisterSqsScenarios(registry);
  RegisterKinesisScenarios(registry);
  return registry;
}

}  // namespace sluice::bench
