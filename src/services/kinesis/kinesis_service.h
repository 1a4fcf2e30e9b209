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

class SubscriptionManager;

// SubscribeToShard (enhanced fan-out); see subscriptions.h.
struct SubscriptionOptions {
  // How long a subscription lasts before it ends. Default: 5 min, as AWS.
  int64_t lifetime_ms = 300'000;
  // Longest time between two events of an idle subscription. Default: 5 s,
  // as AWS.
  int64_t heartbeat_ms = 5'000;
  // A subscription of the same consumer to the same shard started less than
  // this ago refuses a new one (ResourceInUseException); after it, the new
  // one takes over and the old one ends. Default: 5 s, as AWS.
  int64_t takeover_ms = 5'000;
  // Records and bytes (data, past the first record) per event. Default:
  // 10,000 records and 2 MiB, one second of a consumer's shard throughput.
  int max_event_records = 10'000;
  int64_t max_event_bytes = 2 << 20;
  // When a Sink refused a message and the transport does not call Resume,
  // the message is offered again after this long. Default: 100 ms.
  int64_t retry_ms = 100;
};

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
  SubscriptionOptions subscription;
};

class KinesisService final : public Service {
 public:
  KinesisService(storage::StreamStore* store, const Clock* clock, Executor* executor,
                 KinesisOptions options);
  ~KinesisService() override;

  void Invoke(const CallContext& ctx, std::string_view op, Value input, Done done) override;
  // SubscribeToShard answers with an event stream.
  bool StreamsOutput(std::string_view op) const override;
  void InvokeStream(const CallContext& ctx, std::string_view op, Value input, EventEncoder encoder,
                    StreamDone done) override;
  std::string HealthState() const override;
  // Stops the periodic trim and ends subscriptions; calls still in flight
  // complete.
  void Shutdown();
  // SubscribeToShard, for the HTTP layer's event stream responses. Wired as
  // the store's append listener.
  SubscriptionManager& subscriptions() { return *subscriptions_; }

  struct State;

 private:
  std::shared_ptr<State> state_;
  std::unique_ptr<SubscriptionManager> subscriptions_;
};

}  // namespace sluice::kinesis
