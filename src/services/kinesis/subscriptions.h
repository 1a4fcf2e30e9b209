// SubscribeToShard (enhanced fan-out) semantics, independent of the transport.
//
// The HTTP layer decodes the call, asks the manager to Subscribe and, once it
// has the subscription, answers 200 with an event stream body; every framed
// message the manager hands to the Sink is written to that body. Errors found
// before the subscription starts come back from Subscribe and are answered as
// an ordinary error response.
//
// A subscription sends the initial-response event, then SubscribeToShardEvents
// with the shard's records from the starting position: at once when a commit
// makes records readable (the store's append listener wakes it, no polling),
// and at least every `heartbeat_ms` while idle. At the end of a closed shard
// the last event names the child shards and has no ContinuationSequenceNumber,
// and the subscription ends. It also ends after `lifetime_ms`, when another
// subscription of the same consumer and shard takes over, when the stream or
// consumer goes away (ResourceNotFoundException) and on Shutdown.
//
// Threading: Subscribe never blocks (catalogue and high-watermark are in
// memory); records are read on the Executor. Each subscription's Sink calls
// come one at a time from Executor threads, never under a manager lock, so a
// Sink may call back into its Subscription. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "common/service.h"
#include "common/value.h"
#include "services/kinesis/kinesis_service.h"
#include "storage/stream_store.h"

namespace sluice::kinesis {

struct StartingPosition {
  std::string type;  // AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP
  std::optional<std::string> sequence_number;
  std::optional<int64_t> timestamp_ms;
};

struct SubscribeRequest {
  std::string consumer_arn;
  std::string shard_id;
  StartingPosition starting_position;

  // From SubscribeToShard's decoded input (ConsumerARN, ShardId,
  // StartingPosition{Type, SequenceNumber, Timestamp}).
  static SubscribeRequest FromInput(const Value& in);
};

// Where one subscription's messages go: the body of one SubscribeToShard
// response.
class SubscriptionSink {
 public:
  virtual ~SubscriptionSink() = default;
  // Takes one framed message. false: the transport is backed up and did not
  // take it; the same message is offered again after Subscription::Resume(),
  // or after `retry_ms` if Resume is not called. Nothing is lost or reordered.
  virtual bool Send(std::string framed_event) = 0;
  // The subscription is over; no Send follows. nullopt: a normal end
  // (lifetime, shard end, takeover, shutdown); close the stream. An error:
  // write it as an exception message, then close.
  virtual void End(std::optional<Error> error) = 0;
};

// Frames the messages for the wire; the protocol layer provides it
// (protocol/eventstream.h: KinesisInitialResponse,
// KinesisSubscribeToShardEvent, KinesisException).
using EventEncoder = sluice::EventEncoder;

// The transport's handle on a subscription. Copyable; does nothing once the
// subscription has ended.
class Subscription {
 public:
  Subscription() = default;
  // The transport has room again: offer the message Send refused.
  void Resume() const;
  // The client went away: end without calling the Sink.
  void Cancel() const;
  // False once the subscription has ended.
  bool active() const;

  struct State;  // the manager's record of it

 private:
  friend class SubscriptionManager;
  std::weak_ptr<State> state_;
};

class SubscriptionManager {
 public:
  // `k` is the Kinesis service state; options come from
  // k->options.subscription.
  explicit SubscriptionManager(std::shared_ptr<KinesisService::State> k);
  ~SubscriptionManager();
  SubscriptionManager(const SubscriptionManager&) = delete;
  SubscriptionManager& operator=(const SubscriptionManager&) = delete;

  // Validates as AWS does and starts the subscription. Errors:
  // ResourceNotFoundException (stream, consumer or shard unknown),
  // ResourceInUseException (consumer not ACTIVE; another subscription of the
  // consumer to the shard started less than `takeover_ms` ago),
  // InvalidArgumentException (StartingPosition).
  Result<Subscription> Subscribe(const CallContext& ctx, const SubscribeRequest& request,
                                 std::shared_ptr<SubscriptionSink> sink, EventEncoder encoder);

  // For StreamStore::SetAppendListener: wakes the shard's subscriptions.
  // Holds the manager weakly, so the store may outlive it. Never blocks.
  storage::StreamStore::AppendListener Listener() const;

  // Ends every subscription (Sink::End(nullopt), called from this thread);
  // later Subscribe calls fail with InternalFailure.
  void Shutdown();

  // Subscriptions running now.
  size_t ActiveCount() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace sluice::kinesis
