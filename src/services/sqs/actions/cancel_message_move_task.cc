// CancelMessageMoveTask: stops a running move task after its current step.
#include "common/crypto.h"
#include "common/json_doc.h"
#include "services/sqs/sqs_internal.h"

namespace sluice::sqs {

void CancelMessageMoveTask(Sqs& sqs, const CallContext&, const Value& in, Done done) {
  auto handle = in.GetString("TaskHandle");
  if (!handle || handle->empty()) return done(MissingParameter("TaskHandle"));
  // A handle is base64 of {"taskId":...,"sourceArn":...}; anything else is malformed.
  auto decoded = crypto::Base64Decode(*handle);
  auto parsed = decoded ? json::Parse(*decoded) : Result<Value>(Error{"InvalidJson", ""});
  if (!parsed.ok() || !parsed->is_map() || !parsed->GetString("taskId") ||
      !parsed->GetString("sourceArn")) {
    return done(Error{"InvalidParameterValue", "Value for parameter TaskHandle is invalid."});
  }
  std::lock_guard<std::mutex> lock(sqs.mu);
  auto it = sqs.move_tasks.find(*handle);
  if (it == sqs.move_tasks.end()) {
    return done(Error{"ResourceNotFoundException", "Task does not exist."});
  }
  if (it->second.status != "RUNNING") {
    return done(Error{"UnsupportedOperation",
                      "Only a task in status RUNNING can be cancelled; this one is " +
                          it->second.status + "."});
  }
  it->second.status = "CANCELLING";
  Value out = Value::Map();
  out.Set("ApproximateNumberOfMessagesMoved", Value::Int(it->second.moved));
  done(std::move(out));
}

}  // namespace sluice::sqs
