// Shared by the SQS action files; not part of the module's interface.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/executor.h"
#include "common/service.h"
#include "services/sqs/sqs_service.h"
#include "storage/queue_store.h"

namespace sluice::sqs {

using Done = Service::Done;

// AWS's cap on how long a message may stay invisible after a receive.
inline constexpr int64_t kMaxVisibilityMs = 43'200'000;

// Long polls waiting for messages, keyed by queue.
class LongPolls {
 public:
  using Wake = std::function<void()>;
  // Current wake-up generation of a queue; read before a receive attempt.
  uint64_t Generation(uint64_t queue_id);
  // Registers `wake` to run once: when the queue's generation moves past
  // `seen`, or at `at_ms`, whichever comes first. Runs it at once if the
  // generation has already moved or the service is shutting down.
  void Wait(uint64_t queue_id, uint64_t seen, int64_t at_ms, Wake wake);
  // Called when messages became available in a queue.
  void Notify(uint64_t queue_id);
  void Shutdown();
  bool shutting_down() const { return shutting_down_.load(); }

  explicit LongPolls(Executor* executor) : executor_(executor) {}

 private:
  struct Waiter {
    uint64_t id;
    uint64_t timer;
    Wake wake;
  };
  Executor* executor_;
  std::mutex mu_;
  std::map<uint64_t, uint64_t> generation_;                  // GUARDED_BY(mu_)
  std::map<uint64_t, std::map<uint64_t, Waiter>> waiters_;   // GUARDED_BY(mu_)
  uint64_t next_id_ = 1;                                     // GUARDED_BY(mu_)
  std::atomic<bool> shutting_down_{false};
};

// A message move task (StartMessageMoveTask), persisted as a store record.
struct MoveTask {
  std::string handle;
  std::string source_arn;
  std::string destination_arn;  // empty: each message back to its source
  int64_t max_per_second = 0;   // 0: as fast as the server allows (AWS: 500)
  std::string status;           // RUNNING, COMPLETED, CANCELLING, CANCELLED, FAILED
  int64_t moved = 0;
  int64_t to_move = 0;
  std::string failure_reason;
  int64_t started_ms = 0;
};

struct SqsService::State : std::enable_shared_from_this<SqsService::State> {
  storage::QueueStore* store;
  const Clock* clock;
  Executor* executor;
  SqsOptions options;
  LongPolls polls;
  std::mutex mu;
  std::map<uint64_t, int64_t> last_purge_ms;                       // GUARDED_BY(mu)
  std::map<std::string, int64_t> deleted_ms;                       // GUARDED_BY(mu): "account/name"
  // FIFO ReceiveRequestAttemptId: (queue id, attempt id) -> (expiry, answer).
  std::map<std::pair<uint64_t, std::string>, std::pair<int64_t, Value>> attempts;  // GUARDED_BY(mu)
  std::map<std::string, MoveTask> move_tasks;                      // GUARDED_BY(mu): by handle

  State(storage::QueueStore* s, const Clock* c, Executor* e, SqsOptions o)
      : store(s), clock(c), executor(e), options(std::move(o)), polls(e) {}
};
using Sqs = SqsService::State;

// --- helpers shared by actions ---
Error MissingParameter(std::string_view name);
Error QueueDoesNotExist();
std::string QueueUrl(const Sqs& sqs, const CallContext& ctx, const storage::QueueMeta& q);
std::string QueueArn(const Sqs& sqs, const storage::QueueMeta& q);
bool IsFifoName(std::string_view name);
// Looks up the queue named by the input's QueueUrl member.
Result<storage::QueueMeta> ResolveQueue(const Sqs& sqs, const CallContext& ctx, const Value& input);
// One page of queue URLs (ListQueues, ListDeadLetterSourceQueues): MaxResults 1-1000 and an
// opaque NextToken (the last name given). `queues` is sorted by name. The output holds the
// URLs under `list_member` (omitted when empty unless `always_list`) and NextToken when more.
struct QueuePageRules {
  std::string_view list_member;
  bool always_list = false;
  bool token_needs_max = false;  // NextToken without MaxResults is an error
};
Result<Value> QueueUrlPage(const Sqs& sqs, const CallContext& ctx, const Value& in,
                           const std::vector<storage::QueueMeta>& queues, const QueuePageRules& rules);

// A validated message ready to store, with the digests to answer with.
struct PreparedMessage {
  storage::StoredMessage message;
  std::string md5_body;
  std::string md5_attributes;  // empty when there are no attributes
  std::string md5_system;      // empty when there are no system attributes
};
// Validates one SendMessage input (or batch entry) for queue q.
Result<PreparedMessage> PrepareMessage(const Sqs& sqs, const storage::QueueMeta& q, const Value& in);
// The SendMessage result (or batch result entry, without Id).
Value SentEntry(const PreparedMessage& p, const storage::SendOutcome& outcome, bool fifo);
storage::SendOptions SendOptionsFor(const Sqs& sqs, const storage::QueueMeta& q);
// AWS-style sequence number: a decimal string that grows with seq.
std::string SequenceNumber(uint64_t seq);
Error InvalidReceiptHandle(const std::string& handle);
// The VisibilityTimeout range check of ChangeMessageVisibility(Batch); nullopt when valid.
std::optional<Error> CheckVisibilityTimeout(int64_t timeout);
// AWS's answer for a store error of ChangeVisibility (stale handle, 12-hour cap, not in flight).
Error VisibilityChangeError(const Error& store_error, const std::string& handle, int64_t timeout);
// Batch request checks shared by the three batch actions; returns the entries.
Result<const Value::Items*> CheckBatch(const Value& in, std::string_view entries_member,
                                       std::string_view entry_name);
Value BatchError(const std::string& id, const Error& e);
// Parses "arn:aws:sqs:region:account:name"; nullopt when malformed.
std::optional<std::pair<std::string, std::string>> ParseQueueArn(std::string_view arn);
std::optional<storage::QueueMeta> QueueByArn(const Sqs& sqs, std::string_view arn);
// The queue's RedrivePolicy, when it has one: (dead-letter queue ARN, maxReceiveCount).
std::optional<std::pair<std::string, int64_t>> RedrivePolicyOf(const storage::QueueMeta& q);
// Validates RedrivePolicy / RedriveAllowPolicy values being set on queue `q`.
Status ValidateRedrive(const Sqs& sqs, const storage::QueueMeta& q,
                       const std::map<std::string, std::string>& attrs);
// Starts the runners of RUNNING move tasks found in the store (after a restart).
void ResumeMoveTasks(std::shared_ptr<Sqs> sqs);
void StartMoveTaskRunner(std::shared_ptr<Sqs> sqs, const MoveTask& task,
                         std::function<void(Status)> persisted);

// --- actions, one file each under actions/ ---
void CreateQueue(Sqs& sqs, const CallContext& ctx, const Value& in, Done done);
void GetQueueUrl(Sqs& sqs, const CallContext& ctx, const Value& in, Done done);
void ListQueues(Sqs& sqs, const CallContext& ctx, const Value& in, Done done);
void DeleteQueue(Sqs& sqs, const CallContext& ctx, const Value& in, Done done);
void GetQueueAttributes(Sqs& sqs, const CallContext& ctx, const Value& in, Done done);
void SetQueueAttributes(Sqs& sqs, const CallContext& ctx, const Value& in, Done done);
void SendMessage(Sqs& sqs, const CallContext& ctx, const Value& in, Done done);
void ReceiveMessage(Sqs& sqs, const CallContext& ctx, const Value& in, Done done);
void DeleteMessage(Sqs& sqs, const CallContext& ctx, const Value& in, Done done);
void ChangeMessageVisibility(Sqs& sqs, const CallContext& ctx, const Value& in, Done done);
void SendMessageBatch(Sqs& sqs, const CallContext& ctx, const Value& in, Done done);
void DeleteMessageBatch(Sqs& sqs, const CallContext& ctx, const Value& in, Done done);
void ChangeMessageVisibilityBatch(Sqs& sqs, const CallContext& ctx, const Value& in, Done done);
void PurgeQueue(Sqs& sqs, const CallContext& ctx, const Value& in, Done done);
void TagQueue(Sqs& sqs, const CallContext& ctx, const Value& in, Done done);
void UntagQueue(Sqs& sqs, const CallContext& ctx, const Value& in, Done done);
void ListQueueTags(Sqs& sqs, const CallContext& ctx, const Value& in, Done done);
void AddPermission(Sqs& sqs, const CallContext& ctx, const Value& in, Done done);
void RemovePermission(Sqs& sqs, const CallContext& ctx, const Value& in, Done done);
void ListDeadLetterSourceQueues(Sqs& sqs, const CallContext& ctx, const Value& in, Done done);
void StartMessageMoveTask(Sqs& sqs, const CallContext& ctx, const Value& in, Done done);
void ListMessageMoveTasks(Sqs& sqs, const CallContext& ctx, const Value& in, Done done);
void CancelMessageMoveTask(Sqs& sqs, const CallContext& ctx, const Value& in, Done done);

}  // namespace sluice::sqs
