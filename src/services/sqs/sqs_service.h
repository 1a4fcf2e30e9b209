// SqsService: Amazon SQS semantics over a QueueStore.
//
// Invoke() is non-blocking: work that may touch disk runs on the injected
// Executor, and answers come back through `done` once writes are durable.
// Long polls wait without threads: they are woken by the store when messages
// become available, or by a timer on the injected Clock.
#pragma once

#include <memory>
#include <string>

#include "common/clock.h"
#include "common/executor.h"
#include "common/service.h"
#include "storage/queue_store.h"

namespace sluice::sqs {

struct SqsOptions {
  std::string region = "us-east-1";
  std::string fallback_host = "localhost:4566";  // for URLs when a request has no Host
  int64_t max_in_flight = 120'000;
};

class SqsService final : public Service {
 public:
  SqsService(storage::QueueStore* store, const Clock* clock, Executor* executor, SqsOptions options);
  ~SqsService() override;

  void Invoke(const CallContext& ctx, std::string_view op, Value input, Done done) override;
  std::string HealthState() const override;
  // Answers every waiting long poll now (empty) and refuses new waits.
  void Shutdown();

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace sluice::sqs
