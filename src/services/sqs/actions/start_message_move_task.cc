// StartMessageMoveTask: moves messages out of a dead-letter queue, to a given
// queue or each back to the queue it came from, at a bounded rate.
#include "common/crypto.h"
#include "common/json_doc.h"
#include "services/sqs/sqs_internal.h"

namespace sluice::sqs {

void StartMessageMoveTask(Sqs& sqs, const CallContext&, const Value& in, Done done) {
  auto source_arn = in.GetString("SourceArn");
  if (!source_arn || source_arn->empty()) return done(MissingParameter("SourceArn"));
  auto source = QueueByArn(sqs, *source_arn);
  if (!source) {
    return done(Error{"ResourceNotFoundException",
                      "The resource that you specified for the SourceArn parameter doesn't exist."});
  }
  bool is_dlq = false;
  for (const auto& q : sqs.store->ListQueues(source->account_id, "")) {
    auto policy = RedrivePolicyOf(q);
    is_dlq = is_dlq || (policy && policy->first == *source_arn);
  }
  if (!is_dlq) {
    return done(Error{"InvalidParameterValue", "Source queue must be configured as a Dead Letter Queue."});
  }
  std::string destination = in.GetString("DestinationArn").value_or("");
  if (!destination.empty() && !QueueByArn(sqs, destination)) {
    return done(Error{"ResourceNotFoundException",
                      "The resource that you specified for the DestinationArn parameter doesn't exist."});
  }
  auto rate = OptionalInt(in, "MaxNumberOfMessagesPerSecond");
  if (rate && (*rate < 1 || *rate > 500)) {
    return done(Error{"InvalidParameterValue",
                      "Value " + std::to_string(*rate) +
                          " for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be "
                          "between 1 and 500."});
  }
  MoveTask task;
  {
    std::lock_guard<std::mutex> lock(sqs.mu);
    for (const auto& [h, t] : sqs.move_tasks) {
      if (t.source_arn == *source_arn && (t.status == "RUNNING" || t.status == "CANCELLING")) {
        return done(Error{"InvalidParameterValue",
                          "There is already a task running. Only one active task is allowed for "
                          "a source queue arn at a given time."});
      }
    }
    Value h = Value::Map();
    h.Set("taskId", Value::String(crypto::UuidV4()));
    h.Set("sourceArn", Value::String(*source_arn));
    task.handle = crypto::Base64Encode(json::Write(h));
    task.source_arn = *source_arn;
    task.destination_arn = destination;
    task.max_per_second = rate.value_or(0);
    task.status = "RUNNING";
    task.started_ms = sqs.clock->NowMillis();
    auto counts = sqs.store->Counts(source->id, task.started_ms);
    task.to_move = counts.ok() ? counts->visible : 0;
    // Reserve the source before the runner starts.
    sqs.move_tasks[task.handle] = task;
  }
  std::string handle = task.handle;
  StartMoveTaskRunner(sqs.shared_from_this(), task, [handle, done](Status st) {
    if (!st.ok()) return done(std::move(st).error());
    Value out = Value::Map();
    out.Set("TaskHandle", Value::String(handle));
    done(std::move(out));
  });
}

}  // namespace sluice::sqs
