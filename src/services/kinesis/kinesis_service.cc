#include "services/kinesis/kinesis_service.h"
#include "services/kinesis/subscription_stream.h"

#include <unordered_map>

#include "common/crypto.h"
#include "services/kinesis/kinesis_internal.h"
#include "services/kinesis/subscriptions.h"

namespace sluice::kinesis {

// ---------------------------------------------------------------- MetaQueue

void MetaQueue::Submit(Task task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_.push_back(std::move(task));
    if (busy_) return;
    busy_ = true;
  }
  Drain();
}

void MetaQueue::Drain() {
  for (;;) {
    Task task;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (tasks_.empty()) {
        busy_ = false;
        return;
      }
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    // 0: running; 1: released before the task returned (loop on); 2: the task
    // returned first, so its later release drains.
    auto state = std::make_shared<std::atomic<int>>(0);
    task([this, state] {
      int running = 0;
      if (state->compare_exchange_strong(running, 1)) return;
      Drain();
    });
    int running = 0;
    if (state->compare_exchange_strong(running, 2)) return;
  }
}

// ---------------------------------------------------------------- state

KinesisService::State::State(storage::StreamStore* s, const Clock* c, Executor* e, KinesisOptions o)
    : store(s), clock(c), executor(e), options(std::move(o)) {
  secret = options.iterator_secret.empty() ? crypto::RandomBytes(32) : options.iterator_secret;
}

namespace {

void ScheduleTrim(std::shared_ptr<Kinesis> k);

// One pass of housekeeping: trims records past retention and completes
// deletions whose DELETING time is over.
void TrimAll(std::shared_ptr<Kinesis> k) {
  {
    std::lock_guard<std::mutex> lock(k->mu);
    if (k->stopped) return;
  }
  int64_t now = k->Now();
  for (const auto& s : k->store->ListAllStreams()) {
    if (s.status == "DELETING") {
      if (IsGone(*k, s, now)) FinishDeletion(k, s.id);
      continue;
    }
    auto trimmed = k->store->Trim(s.id, now);
    (void)trimmed;  // a failed trim is retried on the next pass
    std::lock_guard<std::mutex> lock(k->mu);
    k->last_trim_ms[s.id] = now;
  }
}

void ScheduleTrim(std::shared_ptr<Kinesis> k) {
  std::weak_ptr<Kinesis> weak = k;
  std::lock_guard<std::mutex> lock(k->mu);
  if (k->stopped || k->options.trim_interval_ms <= 0) return;
  k->trim_timer = k->executor->RunAt(k->Now() + k->options.trim_interval_ms, [weak] {
    auto s = weak.lock();
    if (!s) return;
    TrimAll(s);
    ScheduleTrim(s);
  });
}

Error NotSupported(std::string_view op, std::string_view hint) {
  return Error{"UnsupportedOperation",
               "The operation " + std::string(op) + " is not supported by this server yet." +
                   std::string(hint),
               400, true};
}

}  // namespace

// Reached only through a front end that cannot stream (InvokeStream is the
// way in).
void SubscribeToShard(Kinesis&, const CallContext&, const Value&, Done done) {
  done(Error{"InternalFailure", "SubscribeToShard answers with an event stream; this endpoint cannot send one.", 500, false});
}

void FinishDeletion(std::shared_ptr<Kinesis> k, uint64_t stream_id) {
  k->meta.Submit([k, stream_id](MetaQueue::Release release) {
    auto s = k->store->FindStreamById(stream_id);
    if (!s || !IsGone(*k, *s, k->Now())) return release();
    k->store->DeleteStream(stream_id, [k, stream_id, release](Status st) {
      if (st.ok()) {
        k->limiter.Forget(stream_id);
        std::lock_guard<std::mutex> lock(k->mu);
        k->last_trim_ms.erase(stream_id);
      }
      release();
    });
  });
}

// ---------------------------------------------------------------- service

KinesisService::KinesisService(storage::StreamStore* store, const Clock* clock, Executor* executor,
                               KinesisOptions options)
    : state_(std::make_shared<State>(store, clock, executor, std::move(options))),
      subscriptions_(std::make_unique<SubscriptionManager>(state_)) {
  // Nothing else listens to this store's appends; a second listener would
  // need chaining here (the store keeps one).
  store->SetAppendListener(subscriptions_->Listener());
  // Deletions interrupted by a restart complete on the first pass.
  auto k = state_;
  executor->Post([k] { TrimAll(k); });
  ScheduleTrim(state_);
}

KinesisService::~KinesisService() { Shutdown(); }

void KinesisService::Shutdown() {
  subscriptions_->Shutdown();
  std::lock_guard<std::mutex> lock(state_->mu);
  if (state_->stopped) return;
  state_->stopped = true;
  if (state_->trim_timer) state_->executor->Cancel(state_->trim_timer);
}

std::string KinesisService::HealthState() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->stopped ? "stopping" : "running";
}

void KinesisService::Invoke(const CallContext& ctx, std::string_view op, Value input, Done done) {
  using Action = void (*)(Kinesis&, const CallContext&, const Value&, Done);
  static const std::unordered_map<std::string_view, Action> kActions = {
      {"AddTagsToStream", &AddTagsToStream},
      {"CreateStream", &CreateStream},
      {"DecreaseStreamRetentionPeriod", &DecreaseStreamRetentionPeriod},
      {"DeleteResourcePolicy", &DeleteResourcePolicy},
      {"DeleteStream", &DeleteStream},
      {"DeregisterStreamConsumer", &DeregisterStreamConsumer},
      {"DescribeLimits", &DescribeLimits},
      {"DescribeStream", &DescribeStream},
      {"DescribeStreamConsumer", &DescribeStreamConsumer},
      {"DescribeStreamSummary", &DescribeStreamSummary},
      {"DisableEnhancedMonitoring", &DisableEnhancedMonitoring},
      {"EnableEnhancedMonitoring", &EnableEnhancedMonitoring},
      {"GetRecords", &GetRecords},
      {"GetResourcePolicy", &GetResourcePolicy},
      {"GetShardIterator", &GetShardIterator},
      {"IncreaseStreamRetentionPeriod", &IncreaseStreamRetentionPeriod},
      {"ListShards", &ListShards},
      {"ListStreamConsumers", &ListStreamConsumers},
      {"ListStreams", &ListStreams},
      {"ListTagsForResource", &ListTagsForResource},
      {"ListTagsForStream", &ListTagsForStream},
      {"MergeShards", &MergeShards},
      {"PutRecord", &PutRecord},
      {"PutRecords", &PutRecords},
      {"PutResourcePolicy", &PutResourcePolicy},
      {"RegisterStreamConsumer", &RegisterStreamConsumer},
      {"RemoveTagsFromStream", &RemoveTagsFromStream},
      {"SplitShard", &SplitShard},
      {"StartStreamEncryption", &StartStreamEncryption},
      {"StopStreamEncryption", &StopStreamEncryption},
      {"SubscribeToShard", &SubscribeToShard},
      {"TagResource", &TagResource},
      {"UntagResource", &UntagResource},
      {"UpdateMaxRecordSize", &UpdateMaxRecordSize},
      {"UpdateShardCount", &UpdateShardCount},
      {"UpdateStreamMode", &UpdateStreamMode},
  };
  auto it = kActions.find(op);
  if (it == kActions.end()) return done(NotSupported(op, ""));
  // Actions capture the state they need; keep it alive until they answer.
  auto state = state_;
  it->second(*state, ctx, input, [state, done = std::move(done)](Result<Value> r) {
    done(std::move(r));
  });
}

bool KinesisService::StreamsOutput(std::string_view op) const { return op == "SubscribeToShard"; }

void KinesisService::InvokeStream(const CallContext& ctx, std::string_view op, Value input,
                                  EventEncoder encoder, StreamDone done) {
  if (op != "SubscribeToShard") {
    return Service::InvokeStream(ctx, op, std::move(input), std::move(encoder), std::move(done));
  }
  done(SubscribeToShardStream(*subscriptions_, ctx, input, std::move(encoder)));
}

}  // namespace sluice::kinesis
