// ListMessageMoveTasks: the most recent move tasks of a source queue, newest first.
#include <algorithm>

#include "services/sqs/sqs_internal.h"

namespace sluice::sqs {

void ListMessageMoveTasks(Sqs& sqs, const CallContext&, const Value& in, Done done) {
  auto source_arn = in.GetString("SourceArn");
  if (!source_arn || source_arn->empty()) return done(MissingParameter("SourceArn"));
  if (!QueueByArn(sqs, *source_arn)) {
    return done(Error{"ResourceNotFoundException",
                      "The resource that you specified for the SourceArn parameter doesn't exist."});
  }
  auto max = OptionalInt(in, "MaxResults");
  if (max && (*max < 1 || *max > 10)) {
    return done(Error{"InvalidParameterValue",
                      "Value " + std::to_string(*max) +
                          " for parameter MaxResults is invalid. Reason: Must be between 1 and 10."});
  }
  std::vector<MoveTask> tasks;
  {
    std::lock_guard<std::mutex> lock(sqs.mu);
    for (const auto& [h, t] : sqs.move_tasks) {
      if (t.source_arn == *source_arn) tasks.push_back(t);
    }
  }
  std::sort(tasks.begin(), tasks.end(),
            [](const MoveTask& a, const MoveTask& b) { return a.started_ms > b.started_ms; });
  if (tasks.size() > static_cast<size_t>(max.value_or(1))) tasks.resize(max.value_or(1));
  Value results = Value::List();
  for (const auto& t : tasks) {
    Value r = Value::Map();
    if (t.status == "RUNNING") r.Set("TaskHandle", Value::String(t.handle));
    r.Set("Status", Value::String(t.status));
    r.Set("SourceArn", Value::String(t.source_arn));
    if (!t.destination_arn.empty()) r.Set("DestinationArn", Value::String(t.destination_arn));
    if (t.max_per_second > 0) r.Set("MaxNumberOfMessagesPerSecond", Value::Int(t.max_per_second));
    r.Set("ApproximateNumberOfMessagesMoved", Value::Int(t.moved));
    r.Set("ApproximateNumberOfMessagesToMove", Value::Int(t.to_move));
    if (!t.failure_reason.empty()) r.Set("FailureReason", Value::String(t.failure_reason));
    r.Set("StartedTimestamp", Value::Int(t.started_ms));
    results.Append(std::move(r));
  }
  Value out = Value::Map();
  out.Set("Results", std::move(results));
  done(std::move(out));
}

}  // namespace sluice::sqs
