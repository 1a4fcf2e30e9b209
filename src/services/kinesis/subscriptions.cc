#include "services/kinesis/subscriptions.h"

#include <cmath>
#include <map>
#include <mutex>
#include <tuple>
#include <vector>

#include "services/kinesis/kinesis_internal.h"
#include "services/kinesis/sequence_number.h"
#include "services/kinesis/throttle.h"

namespace sluice::kinesis {

// (stream id, shard, consumer ARN): one subscription at a time each.
using SubKey = std::tuple<uint64_t, uint32_t, std::string>;

// One subscription. The pump is the only caller of the Sink: Step runs in
// one executor task at a time (`pumping`), and every other event (appends,
// timers, Resume, takeover) sets a flag and pumps.
struct Subscription::State {
  SubKey key;
  std::string consumer_name;
  std::shared_ptr<SubscriptionSink> sink;
  EventEncoder encoder;
  int64_t started_ms = 0;

  std::mutex mu;
  uint64_t next_seq = 0;          // GUARDED_BY(mu): first seq not yet sent
  bool initial_sent = false;      // GUARDED_BY(mu)
  bool event_sent = false;        // GUARDED_BY(mu): a SubscribeToShardEvent went out
  int64_t last_sent_ms = 0;       // GUARDED_BY(mu)
  bool force_event = false;       // GUARDED_BY(mu): heartbeat due
  // A message the Sink refused, offered again before anything else.
  std::optional<std::string> pending;  // GUARDED_BY(mu)
  uint64_t pending_next_seq = 0;       // GUARDED_BY(mu)
  int64_t pending_bytes = 0;           // GUARDED_BY(mu)
  bool pending_final = false;          // GUARDED_BY(mu): the shard's last event
  bool pending_initial = false;        // GUARDED_BY(mu)
  // An end asked for (by a timer, a takeover, Cancel), carried out by the pump.
  bool end_requested = false;          // GUARDED_BY(mu)
  bool notify_end = true;              // GUARDED_BY(mu): call Sink::End
  std::optional<Error> end_error;      // GUARDED_BY(mu)
  bool ended = false;                  // GUARDED_BY(mu)
  bool pumping = false;                // GUARDED_BY(mu)
  bool again = false;                  // GUARDED_BY(mu): woken while pumping
  uint64_t heartbeat_timer = 0;        // GUARDED_BY(mu)
  uint64_t lifetime_timer = 0;         // GUARDED_BY(mu)
  uint64_t wait_timer = 0;             // GUARDED_BY(mu): retry or throttle
  std::weak_ptr<SubscriptionManager::Impl> manager;
};
using Sub = Subscription::State;

struct SubscriptionManager::Impl : std::enable_shared_from_this<Impl> {
  std::shared_ptr<Kinesis> k;
  SubscriptionOptions options;
  mutable std::mutex mu;
  std::map<SubKey, std::shared_ptr<Sub>> active;  // GUARDED_BY(mu)
  std::map<SubKey, int64_t> last_start_ms;        // GUARDED_BY(mu)
  std::map<SubKey, TokenBucket> read_bytes;       // GUARDED_BY(mu): limits enforced only
  bool stopped = false;                           // GUARDED_BY(mu)

  explicit Impl(std::shared_ptr<Kinesis> kinesis)
      : k(std::move(kinesis)), options(k->options.subscription) {}

  int64_t Now() const { return k->Now(); }
  void Wake(const std::shared_ptr<Sub>& sub);
  void Pump(const std::shared_ptr<Sub>& sub);
  void RequestEnd(const std::shared_ptr<Sub>& sub, std::optional<Error> error, bool notify);
  void ArmHeartbeat(const std::shared_ptr<Sub>& sub, int64_t from_ms);  // REQUIRES(sub->mu)
  void WaitUntil(const std::shared_ptr<Sub>& sub, int64_t at_ms);
  void Forget(const std::shared_ptr<Sub>& sub);

  enum class Step { kMore, kIdle, kBlocked, kEnded };
  Step RunStep(const std::shared_ptr<Sub>& sub);
  // Ends the subscription: cancels its timers, forgets it, calls Sink::End
  // (unless cancelled). Once only.
  Step Finish(const std::shared_ptr<Sub>& sub);
  Step EndNow(const std::shared_ptr<Sub>& sub, std::optional<Error> error);
  // Offers `frame` to the Sink and, when taken, moves the position.
  Step Offer(const std::shared_ptr<Sub>& sub, std::string frame, uint64_t next_seq, int64_t bytes,
             bool final_event, bool initial);
};

namespace {

// Consumer creation times in AWS's texts: epoch seconds.
std::string EpochSeconds(int64_t ms) { return std::to_string(ms / 1000); }

Error PositionMismatch(std::string_view type, bool has_number) {
  return InvalidArgument(
      "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and SequenceNumber or "
      "(2) TRIM_HORIZON, LATEST or AT_TIMESTAMP and no SequenceNumber. Request specified " +
      std::string(type) +
      (has_number ? " and also a SequenceNumber." : " and no SequenceNumber."));
}

// The first seq to send for a starting position (GetShardIterator's rules).
Result<uint64_t> StartSeq(const Kinesis& k, const StreamMeta& s, const ShardMeta& shard,
                          const StartingPosition& p, int64_t now) {
  std::string shard_id = ShardIdString(shard.index);
  const std::string& type = p.type;
  if (type == "AT_SEQUENCE_NUMBER" || type == "AFTER_SEQUENCE_NUMBER") {
    if (!p.sequence_number) return PositionMismatch(type, false);
    const std::string& number = *p.sequence_number;
    auto parts = ParseSequenceNumber(number);
    if (!parts) {
      return InvalidArgument("StartingSequenceNumber " + number +
                             " used in SubscribeToShard on shard " + shard_id + " in stream " +
                             s.name + " under account " + s.account_id + " is invalid.");
    }
    if (parts->shard != shard.index) {
      return InvalidArgument("Invalid StartingSequenceNumber. It encodes " +
                             ShardIdString(parts->shard) +
                             ", while it was used in a call to a shard with " + shard_id);
    }
    if (parts->stream_id != s.id) {
      return InvalidArgument("StartingSequenceNumber " + number +
                             " used in SubscribeToShard on shard " + shard_id + " in stream " +
                             s.name + " under account " + s.account_id +
                             " is invalid because it did not come from this stream.");
    }
    uint64_t from = parts->seq;
    if (type == "AFTER_SEQUENCE_NUMBER" && from != UINT64_MAX) ++from;
    return from;
  }
  if (type == "TRIM_HORIZON" || type == "LATEST" || type == "AT_TIMESTAMP") {
    if (p.sequence_number) return PositionMismatch(type, true);
  }
  if (type == "TRIM_HORIZON") return shard.starting_seq;
  if (type == "LATEST") {
    auto last = k.store->LastCommitted(s.id, shard.index);
    if (!last.ok()) return std::move(last).error();
    return std::max(*last + 1, shard.starting_seq);
  }
  if (type == "AT_TIMESTAMP") {
    if (!p.timestamp_ms) {
      return InvalidArgument(
          "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current "
          "request has no timestamp parameter.");
    }
    if (*p.timestamp_ms > now) {
      return InvalidArgument(
          "The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. "
          "timestampInMillis: " + std::to_string(*p.timestamp_ms) +
          ", currentTimestampInMillis: " + std::to_string(now));
    }
    return std::max(storage::SeqAtTime(*p.timestamp_ms), shard.starting_seq);
  }
  return PositionMismatch(type, p.sequence_number.has_value());
}

}  // namespace

// ---------------------------------------------------------------- request

SubscribeRequest SubscribeRequest::FromInput(const Value& in) {
  SubscribeRequest r;
  r.consumer_arn = in.GetString("ConsumerARN").value_or("");
  r.shard_id = in.GetString("ShardId").value_or("");
  if (const Value* p = in.Find("StartingPosition"); p && p->is_map()) {
    r.starting_position.type = p->GetString("Type").value_or("");
    r.starting_position.sequence_number = p->GetString("SequenceNumber");
    r.starting_position.timestamp_ms = OptionalTimestamp(*p, "Timestamp");
  }
  return r;
}

// ---------------------------------------------------------------- handle

void Subscription::Resume() const {
  auto sub = state_.lock();
  if (!sub) return;
  auto m = sub->manager.lock();
  if (m) m->Wake(sub);
}

void Subscription::Cancel() const {
  auto sub = state_.lock();
  if (!sub) return;
  auto m = sub->manager.lock();
  if (m) m->RequestEnd(sub, std::nullopt, /*notify=*/false);
}

bool Subscription::active() const {
  auto sub = state_.lock();
  if (!sub) return false;
  std::lock_guard<std::mutex> lock(sub->mu);
  return !sub->ended && !sub->end_requested;
}

// ---------------------------------------------------------------- pump

void SubscriptionManager::Impl::Wake(const std::shared_ptr<Sub>& sub) {
  std::weak_ptr<Impl> weak = weak_from_this();
  k->executor->Post([weak, sub] {
    if (auto self = weak.lock()) self->Pump(sub);
  });
}

void SubscriptionManager::Impl::Pump(const std::shared_ptr<Sub>& sub) {
  {
    std::lock_guard<std::mutex> lock(sub->mu);
    if (sub->ended) return;
    if (sub->pumping) {
      sub->again = true;
      return;
    }
    sub->pumping = true;
    sub->again = false;
  }
  for (;;) {
    Step step = RunStep(sub);
    std::lock_guard<std::mutex> lock(sub->mu);
    if (step == Step::kEnded) return;  // `pumping` stays set: nothing runs again
    if (step == Step::kMore) {
      // Yield the worker between events so that one busy shard does not
      // hold it; the next event follows at once.
      sub->pumping = false;
      Wake(sub);
      return;
    }
    // A wake-up that came while the step ran (an append, Resume, an end
    // request) must not be lost.
    if (sub->again) {
      sub->again = false;
      continue;
    }
    sub->again = false;
    sub->pumping = false;
    return;
  }
}

void SubscriptionManager::Impl::RequestEnd(const std::shared_ptr<Sub>& sub,
                                           std::optional<Error> error, bool notify) {
  {
    std::lock_guard<std::mutex> lock(sub->mu);
    if (sub->ended || sub->end_requested) return;
    sub->end_requested = true;
    sub->end_error = std::move(error);
    sub->notify_end = notify;
  }
  Forget(sub);
  Wake(sub);
}

// Removes the subscription from the active set (if it is still the one there).
void SubscriptionManager::Impl::Forget(const std::shared_ptr<Sub>& sub) {
  std::lock_guard<std::mutex> lock(mu);
  auto it = active.find(sub->key);
  if (it != active.end() && it->second == sub) active.erase(it);
}

void SubscriptionManager::Impl::ArmHeartbeat(const std::shared_ptr<Sub>& sub, int64_t from_ms) {
  if (sub->heartbeat_timer) return;
  std::weak_ptr<Impl> weak = weak_from_this();
  std::weak_ptr<Sub> weak_sub = sub;
  sub->heartbeat_timer = k->executor->RunAt(from_ms + options.heartbeat_ms, [weak, weak_sub] {
    auto self = weak.lock();
    auto s = weak_sub.lock();
    if (!self || !s) return;
    {
      std::lock_guard<std::mutex> lock(s->mu);
      s->heartbeat_timer = 0;
      if (s->ended) return;
      if (self->Now() - s->last_sent_ms < self->options.heartbeat_ms) {
        // An event went out since the timer was set: wait from that one.
        self->ArmHeartbeat(s, s->last_sent_ms);
        return;
      }
      s->force_event = true;
    }
    self->Pump(s);
  });
}

void SubscriptionManager::Impl::WaitUntil(const std::shared_ptr<Sub>& sub, int64_t at_ms) {
  std::lock_guard<std::mutex> lock(sub->mu);
  if (sub->wait_timer || sub->ended) return;
  std::weak_ptr<Impl> weak = weak_from_this();
  std::weak_ptr<Sub> weak_sub = sub;
  sub->wait_timer = k->executor->RunAt(at_ms, [weak, weak_sub] {
    auto self = weak.lock();
    auto s = weak_sub.lock();
    if (!self || !s) return;
    {
      std::lock_guard<std::mutex> lock(s->mu);
      s->wait_timer = 0;
    }
    self->Pump(s);
  });
}

SubscriptionManager::Impl::Step SubscriptionManager::Impl::Finish(const std::shared_ptr<Sub>& sub) {
  std::optional<Error> error;
  bool notify;
  std::vector<uint64_t> timers;
  {
    std::lock_guard<std::mutex> lock(sub->mu);
    if (sub->ended) return Step::kEnded;
    sub->ended = true;
    error = std::move(sub->end_error);
    notify = sub->notify_end;
    for (uint64_t* t : {&sub->heartbeat_timer, &sub->lifetime_timer, &sub->wait_timer}) {
      if (*t) timers.push_back(*t);
      *t = 0;
    }
    sub->pending.reset();
  }
  for (uint64_t t : timers) k->executor->Cancel(t);
  Forget(sub);
  if (notify) sub->sink->End(std::move(error));
  return Step::kEnded;
}

SubscriptionManager::Impl::Step SubscriptionManager::Impl::EndNow(const std::shared_ptr<Sub>& sub,
                                                                  std::optional<Error> error) {
  {
    std::lock_guard<std::mutex> lock(sub->mu);
    // An end already asked for (takeover, lifetime) keeps its own outcome.
    if (!sub->end_requested) {
      sub->end_requested = true;
      sub->end_error = std::move(error);
      sub->notify_end = true;
    }
  }
  return Finish(sub);
}

SubscriptionManager::Impl::Step SubscriptionManager::Impl::Offer(const std::shared_ptr<Sub>& sub,
                                                                 std::string frame,
                                                                 uint64_t next_seq, int64_t bytes,
                                                                 bool final_event, bool initial) {
  // Kept until the Sink takes it, so a refusal loses nothing.
  std::string copy = frame;
  if (!sub->sink->Send(std::move(copy))) {
    {
      std::lock_guard<std::mutex> lock(sub->mu);
      sub->pending = std::move(frame);
      sub->pending_next_seq = next_seq;
      sub->pending_bytes = bytes;
      sub->pending_final = final_event;
      sub->pending_initial = initial;
    }
    WaitUntil(sub, Now() + options.retry_ms);
    return Step::kBlocked;
  }
  int64_t now = Now();
  if (bytes > 0 && k->options.enforce_limits) {
    std::lock_guard<std::mutex> lock(mu);
    auto it = read_bytes.find(sub->key);
    if (it != read_bytes.end()) it->second.Take(static_cast<double>(bytes), now);
  }
  {
    std::lock_guard<std::mutex> lock(sub->mu);
    if (initial) {
      sub->initial_sent = true;
    } else {
      sub->next_seq = next_seq;
      sub->event_sent = true;
      sub->force_event = false;
      sub->last_sent_ms = now;
      if (!final_event) ArmHeartbeat(sub, now);
    }
  }
  if (final_event) return EndNow(sub, std::nullopt);
  return Step::kMore;
}

SubscriptionManager::Impl::Step SubscriptionManager::Impl::RunStep(const std::shared_ptr<Sub>& sub) {
  int64_t now = Now();
  enum class Action { kEnd, kPending, kInitial, kRead } action;
  std::string frame;
  uint64_t pending_next = 0;
  int64_t pending_bytes = 0;
  bool pending_final = false, pending_initial = false;
  uint64_t from = 0;
  bool heartbeat_due = false;
  {
    std::lock_guard<std::mutex> lock(sub->mu);
    if (sub->end_requested) {
      action = Action::kEnd;
    } else if (sub->pending) {
      action = Action::kPending;
      frame = std::move(*sub->pending);
      sub->pending.reset();
      pending_next = sub->pending_next_seq;
      pending_bytes = sub->pending_bytes;
      pending_final = sub->pending_final;
      pending_initial = sub->pending_initial;
    } else if (!sub->initial_sent) {
      action = Action::kInitial;
    } else {
      action = Action::kRead;
      from = sub->next_seq;
      heartbeat_due = sub->force_event || !sub->event_sent;
    }
  }
  switch (action) {
    case Action::kEnd:
      return Finish(sub);
    case Action::kPending:
      return Offer(sub, std::move(frame), pending_next, pending_bytes, pending_final,
                   pending_initial);
    case Action::kInitial:
      return Offer(sub, sub->encoder.initial_response(), 0, 0, false, /*initial=*/true);
    case Action::kRead:
      break;
  }

  const auto& [stream_id, shard_index, consumer_arn] = sub->key;
  // Throughput: a consumer reads a shard at 2 MiB/s; a large event is paid
  // back before the next.
  if (k->options.enforce_limits) {
    double available;
    {
      std::lock_guard<std::mutex> lock(mu);
      auto it = read_bytes.find(sub->key);
      if (it == read_bytes.end()) {
        it = read_bytes
                 .emplace(sub->key, TokenBucket(kShardReadBytesPerSecond,
                                                kShardReadBytesPerSecond, now))
                 .first;
      }
      available = it->second.Available(now);
    }
    if (available <= 0) {
      int64_t wait_ms = static_cast<int64_t>(
          std::ceil(-available * 1000.0 / static_cast<double>(kShardReadBytesPerSecond)));
      WaitUntil(sub, now + std::max<int64_t>(wait_ms, 1));
      return Step::kBlocked;
    }
  }

  // The stream, consumer and shard as they are now (the shard may have
  // closed, the consumer been deregistered).
  auto stream = k->store->FindStreamById(stream_id);
  const ConsumerMeta* consumer = nullptr;
  if (stream && !IsGone(*k, *stream, now) && stream->status != "DELETING") {
    consumer = FindConsumer(*stream, sub->consumer_name);
  }
  if (!consumer || consumer->arn != consumer_arn) {
    return EndNow(sub, Error{"ResourceNotFoundException", "Consumer " + consumer_arn + " not found."});
  }
  const ShardMeta* shard = FindShard(*stream, shard_index);
  if (!shard) {
    return EndNow(sub, ShardDoesNotExist(ShardIdString(shard_index), stream->name,
                                         stream->account_id));
  }

  // Records past retention are never served (as GetRecords).
  from = std::max(from, storage::SeqAtTime(now - RetentionMs(*stream)));
  auto read = k->store->Read(stream_id, shard_index, from, options.max_event_records,
                             options.max_event_bytes);
  if (!read.ok()) return EndNow(sub, std::move(read).error());
  if (read->records.empty() && !read->end_of_shard && !heartbeat_due) return Step::kIdle;

  Value records = Value::List();
  int64_t bytes = 0;
  for (const auto& r : read->records) {
    bytes += static_cast<int64_t>(r.data.size() + r.partition_key.size());
    records.Append(RecordValue(*stream, shard_index, r));
  }
  uint64_t next = std::max(read->next_seq, from);
  Value event = Value::Map();
  event.Set("Records", std::move(records));
  if (read->end_of_shard) {
    // KCL reads a missing ContinuationSequenceNumber as the end of the shard.
    event.Set("MillisBehindLatest", Value::Int(0));
    event.Set("ChildShards", ChildShardsValue(*stream, shard_index));
  } else {
    // AFTER_SEQUENCE_NUMBER with this number continues exactly at `next`.
    uint64_t continuation = std::max<uint64_t>(next > 0 ? next - 1 : 0, shard->starting_seq);
    event.Set("ContinuationSequenceNumber",
              Value::String(SequenceNumberOf(*stream, shard_index, continuation)));
    int64_t behind = 0;
    if (!read->records.empty() && read->next_seq <= read->last_committed) {
      behind = std::max<int64_t>(0, now - read->records.back().arrival_ms);
    }
    event.Set("MillisBehindLatest", Value::Int(behind));
  }
  bool had_records = !read->records.empty();
  Step s = Offer(sub, sub->encoder.event(event), next, bytes, read->end_of_shard, false);
  if (s == Step::kMore && !had_records) return Step::kIdle;
  return s;
}

// ---------------------------------------------------------------- manager

SubscriptionManager::SubscriptionManager(std::shared_ptr<KinesisService::State> k)
    : impl_(std::make_shared<Impl>(std::move(k))) {}

SubscriptionManager::~SubscriptionManager() { Shutdown(); }

storage::StreamStore::AppendListener SubscriptionManager::Listener() const {
  std::weak_ptr<Impl> weak = impl_;
  return [weak](uint64_t stream_id, uint32_t shard, uint64_t) {
    auto self = weak.lock();
    if (!self) return;
    std::vector<std::shared_ptr<Sub>> woken;
    {
      std::lock_guard<std::mutex> lock(self->mu);
      for (auto it = self->active.lower_bound(SubKey{stream_id, shard, std::string()});
           it != self->active.end() && std::get<0>(it->first) == stream_id &&
           std::get<1>(it->first) == shard;
           ++it) {
        woken.push_back(it->second);
      }
    }
    for (const auto& sub : woken) self->Wake(sub);
  };
}

size_t SubscriptionManager::ActiveCount() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->active.size();
}

void SubscriptionManager::Shutdown() {
  std::map<SubKey, std::shared_ptr<Sub>> subs;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopped = true;
    subs.swap(impl_->active);
  }
  // Ended here rather than by the pump: the Executor may stop before it
  // would run. A Send already in progress on a worker may overlap this End.
  for (auto& [key, sub] : subs) {
    {
      std::lock_guard<std::mutex> lock(sub->mu);
      if (sub->ended) continue;
      sub->end_requested = true;
      sub->end_error.reset();
    }
    impl_->Finish(sub);
  }
}

Result<Subscription> SubscriptionManager::Subscribe(const CallContext& ctx,
                                                    const SubscribeRequest& request,
                                                    std::shared_ptr<SubscriptionSink> sink,
                                                    EventEncoder encoder) {
  SLUICE_CHECK(sink && encoder.initial_response && encoder.event);
  Kinesis& k = *impl_->k;
  int64_t now = k.Now();
  Value in = Value::Map();
  in.Set("ConsumerARN", Value::String(request.consumer_arn));
  auto found = FindConsumerOf(k, ctx, in);
  if (!found.ok()) return std::move(found).error();
  const auto& [stream, consumer] = *found;
  if (ConsumerStatusOf(k, consumer, now) != "ACTIVE") {
    // AWS's text, spacing included.
    return Error{"ResourceInUseException",
                 "Consumer " + consumer.name + " with creation timestamp " +
                     EpochSeconds(consumer.created_ms) + " under stream: " + stream.name +
                     " , account " + stream.account_id + " is not in ACTIVE status."};
  }
  auto index = ParseShardId(request.shard_id);
  if (!index) return ShardNotFound(request.shard_id, stream);
  const ShardMeta* shard = FindShard(stream, *index);
  if (!shard || IsExpired(stream, *shard, now)) {
    return ShardDoesNotExist(ShardIdString(*index), stream.name, stream.account_id);
  }
  auto from = StartSeq(k, stream, *shard, request.starting_position, now);
  if (!from.ok()) return std::move(from).error();

  auto sub = std::make_shared<Sub>();
  sub->key = SubKey{stream.id, *index, consumer.arn};
  sub->consumer_name = consumer.name;
  sub->sink = std::move(sink);
  sub->encoder = std::move(encoder);
  sub->started_ms = now;
  sub->next_seq = *from;
  sub->manager = impl_;

  std::shared_ptr<Sub> replaced;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->stopped) {
      return Error{"InternalFailureException", "The server is shutting down.", 500, false};
    }
    // Starts of long-gone subscriptions no longer matter.
    for (auto it = impl_->last_start_ms.begin(); it != impl_->last_start_ms.end();) {
      it = now - it->second >= impl_->options.takeover_ms ? impl_->last_start_ms.erase(it)
                                                          : std::next(it);
    }
    // AWS refuses a second call within 5 s of a successful one, even when
    // the first has already been closed.
    if (impl_->last_start_ms.count(sub->key)) {
      return Error{"ResourceInUseException", "Another active subscription exists for this consumer: " +
                                                 stream.account_id + ":" + stream.name + ":" +
                                                 ShardIdString(*index) + ":" + consumer.name};
    }
    if (auto it = impl_->active.find(sub->key); it != impl_->active.end()) {
      replaced = it->second;
    }
    impl_->active[sub->key] = sub;
    impl_->last_start_ms[sub->key] = now;
  }
  if (replaced) impl_->RequestEnd(replaced, std::nullopt, true);

  std::weak_ptr<Impl> weak = impl_;
  std::weak_ptr<Sub> weak_sub = sub;
  {
    std::lock_guard<std::mutex> lock(sub->mu);
    sub->lifetime_timer =
        k.executor->RunAt(now + impl_->options.lifetime_ms, [weak, weak_sub] {
          auto self = weak.lock();
          auto s = weak_sub.lock();
          if (!self || !s) return;
          {
            std::lock_guard<std::mutex> lock(s->mu);
            s->lifetime_timer = 0;
          }
          self->RequestEnd(s, std::nullopt, true);
        });
  }
  impl_->Wake(sub);
  Subscription handle;
  handle.state_ = sub;
  return handle;
}

}  // namespace sluice::kinesis
