// KinesisService: Amazon Kinesis Data Streams semantics over a StreamStore.
//
// Invoke() never blocks: catalogue changes are serialized through a queue and
// complete when the store has made them durable; record reads run on the
// injected Executor. Status changes (CREATING -> ACTIVE, UPDATING -> ACTIVE,
// DELETING -> gone) are evaluated lazily from the injected Clock, so they need
// no timers; a periodic task trims records past retention and finishes
// deletions.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/executor.h"
#include "common/service.h"
#include "storage/stream_store.h"

namespace sluice::kinesis {

struct KinesisOptions {
  // Region named in ARNs. Default: "us-east-1".
  std::string region = "us-east-1";
  // How long a stream stays CREATING, UPDATING or DELETING (and a consumer
  // CREATING) before the change completes. Default: 500 ms.
  int64_t transition_ms = 500;
  // Open shards an account may have across its provisioned streams
  // (DescribeLimits' ShardLimit). 0: AWS's default for the region (20,000 in
  // us-east-1, us-west-2 and eu-west-1, 1,000 elsewhere).
  int64_t shard_limit = 0;
  // On-demand streams an account may have. Default: 50, as AWS.
  int64_t on_demand_stream_limit = 50;
  // Enforce AWS's per-shard throughput limits (--kinesis-limits enforce).
  // Default: off.
  bool enforce_limits = false;
  // Key for sealing shard iterators. Empty: a random key per process (shard
  // iterators then do not survive a restart, which AWS does not promise).
  std::string iterator_secret;
  // How often records past retention are trimmed. Default: 60 s.
  int64_t trim_interval_ms = 60'000;
  // Accounts whose streams are trimmed from start-up on (the server's
  // account); callers' accounts are added as they call.
  std::vector<std::string> accounts;
};

class KinesisService final : public Service {
 public:
  KinesisService(storage::StreamStore* store, const Clock* clock, Executor* executor,
                 KinesisOptions options);
  ~KinesisService() override;

  void Invoke(const CallContext& ctx, std::string_view op, Value input, Done done) override;
  std::string HealthState() const override;
  // Stops the periodic trim; calls still in flight complete.
  void Shutdown();

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace sluice::kinesis
