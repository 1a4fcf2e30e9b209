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

struct SqsService::State {
  storage::QueueStore* store;
  const Clock* clock;
  Executor* executor;
  SqsOptions options;
  LongPolls polls;
  std::mutex purge_mu;
  std::map<uint64_t, int64_t> last_purge_ms;  // GUARDED_BY(purge_mu)

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
// Reads an optional integer member; nullopt when absent.
std::optional<int64_t> OptionalInt(const Value& input, std::string_view name);
// Reads a String-to-String map member (Attributes, tags).
std::map<std::string, std::string> StringMap(const Value& input, std::string_view name);
std::vector<std::string> StringList(const Value& input, std::string_view name);

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

}  // namespace sluice::sqs
