// Dead-letter queues: RedrivePolicy and RedriveAllowPolicy rules, and the
// runner of message move tasks (StartMessageMoveTask).
#include "common/json_doc.h"
#include "common/strings.h"
#include "services/sqs/queue_attributes.h"
#include "services/sqs/sqs_internal.h"

namespace sluice::sqs {
namespace {

constexpr std::string_view kTaskPrefix = "sqs-move-task/";

Error BadRedrive(const std::string& value, const std::string& reason) {
  return Error{"InvalidParameterValue",
               "Value " + value + " for parameter RedrivePolicy is invalid. Reason: " + reason};
}

std::optional<int64_t> IntMember(const Value& v, std::string_view name) {
  const Value* m = v.Find(name);
  if (!m) return std::nullopt;
  if (m->kind() == Value::Kind::kInt) return m->as_int();
  if (m->is_string()) return strings::ParseInt(m->as_string());
  return std::nullopt;
}

std::string EncodeTask(const MoveTask& t) {
  Value v = Value::Map();
  v.Set("handle", Value::String(t.handle));
  v.Set("source", Value::String(t.source_arn));
  v.Set("destination", Value::String(t.destination_arn));
  v.Set("rate", Value::Int(t.max_per_second));
  v.Set("status", Value::String(t.status));
  v.Set("moved", Value::Int(t.moved));
  v.Set("toMove", Value::Int(t.to_move));
  v.Set("failure", Value::String(t.failure_reason));
  v.Set("started", Value::Int(t.started_ms));
  return json::Write(v);
}

std::optional<MoveTask> DecodeTask(const std::string& text) {
  auto v = json::Parse(text);
  if (!v.ok() || !v->is_map()) return std::nullopt;
  MoveTask t;
  t.handle = v->GetString("handle").value_or("");
  t.source_arn = v->GetString("source").value_or("");
  t.destination_arn = v->GetString("destination").value_or("");
  t.max_per_second = IntMember(*v, "rate").value_or(0);
  t.status = v->GetString("status").value_or("FAILED");
  t.moved = IntMember(*v, "moved").value_or(0);
  t.to_move = IntMember(*v, "toMove").value_or(0);
  t.failure_reason = v->GetString("failure").value_or("");
  t.started_ms = IntMember(*v, "started").value_or(0);
  if (t.handle.empty()) return std::nullopt;
  return t;
}

void Persist(Sqs& sqs, const MoveTask& t) {
  sqs.store->PutRecord(std::string(kTaskPrefix) + t.handle, EncodeTask(t), [](Status) {});
}

void Tick(std::shared_ptr<Sqs> sqs, std::string handle);

void ScheduleTick(std::shared_ptr<Sqs> sqs, const std::string& handle, int64_t at_ms) {
  std::weak_ptr<Sqs> weak = sqs;
  sqs->executor->RunAt(at_ms, [weak, handle] {
    if (auto s = weak.lock()) Tick(s, handle);
  });
}

void Finish(Sqs& sqs, MoveTask& t, std::string status, std::string reason = "") {
  t.status = std::move(status);
  t.failure_reason = std::move(reason);
  Persist(sqs, t);
}

// One step of a running task: moves up to one second's worth of messages.
void Tick(std::shared_ptr<Sqs> sqs, std::string handle) {
  MoveTask task;
  {
    std::lock_guard<std::mutex> lock(sqs->mu);
    auto it = sqs->move_tasks.find(handle);
    if (it == sqs->move_tasks.end()) return;
    if (it->second.status == "CANCELLING") {
      Finish(*sqs, it->second, "CANCELLED");
      return;
    }
    if (it->second.status != "RUNNING") return;
    task = it->second;
  }
  auto source = QueueByArn(*sqs, task.source_arn);
  if (!source) {
    std::lock_guard<std::mutex> lock(sqs->mu);
    Finish(*sqs, sqs->move_tasks[handle], "FAILED", "AWS.SimpleQueueService.NonExistentQueue");
    return;
  }
  std::optional<uint64_t> fixed;
  if (!task.destination_arn.empty()) {
    auto dest = QueueByArn(*sqs, task.destination_arn);
    if (!dest) {
      std::lock_guard<std::mutex> lock(sqs->mu);
      Finish(*sqs, sqs->move_tasks[handle], "FAILED", "AWS.SimpleQueueService.NonExistentQueue");
      return;
    }
    fixed = dest->id;
  }
  Sqs* raw = sqs.get();
  auto destination = [raw, fixed](const storage::StoredMessage& m) -> std::optional<uint64_t> {
    if (fixed) return fixed;
    auto q = QueueByArn(*raw, m.dead_letter_source_arn);
    if (!q) return std::nullopt;
    return q->id;
  };
  int rate = task.max_per_second > 0 ? static_cast<int>(task.max_per_second) : 500;
  int64_t now = sqs->clock->NowMillis();
  sqs->executor->Post([sqs, handle, source = *source, rate, now, destination] {
    sqs->store->MoveMessages(source.id, rate, now, destination,
                             [sqs, handle, now](Result<int64_t> moved) {
      std::lock_guard<std::mutex> lock(sqs->mu);
      auto it = sqs->move_tasks.find(handle);
      if (it == sqs->move_tasks.end()) return;
      MoveTask& t = it->second;
      if (!moved.ok()) return Finish(*sqs, t, "FAILED", moved.error().code);
      t.moved += *moved;
      if (t.status == "CANCELLING") return Finish(*sqs, t, "CANCELLED");
      if (*moved == 0) return Finish(*sqs, t, "COMPLETED");
      Persist(*sqs, t);
      ScheduleTick(sqs, handle, now + 1000);
    });
  });
}

}  // namespace

std::optional<std::pair<std::string, int64_t>> RedrivePolicyOf(const storage::QueueMeta& q) {
  auto it = q.attributes.find("RedrivePolicy");
  if (it == q.attributes.end() || it->second.empty()) return std::nullopt;
  auto v = json::Parse(it->second);
  if (!v.ok() || !v->is_map()) return std::nullopt;
  auto arn = v->GetString("deadLetterTargetArn");
  auto max = IntMember(*v, "maxReceiveCount");
  if (!arn || !max) return std::nullopt;
  return std::make_pair(*arn, *max);
}

Status ValidateRedrive(const Sqs& sqs, const storage::QueueMeta& q,
                       const std::map<std::string, std::string>& attrs) {
  if (auto it = attrs.find("RedriveAllowPolicy"); it != attrs.end() && !it->second.empty()) {
    auto bad = [&](const std::string& reason) {
      return Error{"InvalidParameterValue", "Value " + it->second +
                                                " for parameter RedriveAllowPolicy is invalid. "
                                                "Reason: " + reason};
    };
    auto v = json::Parse(it->second);
    if (!v.ok() || !v->is_map()) return bad("Invalid JSON.");
    auto permission = v->GetString("redrivePermission");
    if (!permission) return bad("Missing redrivePermission.");
    const Value* arns = v->Find("sourceQueueArns");
    if (*permission == "byQueue") {
      if (!arns || !arns->is_list() || arns->items().empty() || arns->items().size() > 10) {
        return bad("Amazon SQS can't create the redrive allow policy, as it's in an unsupported "
                   "format. When redrivePermission is byQueue, specify 1 to 10 source queue ARNs.");
      }
    } else if (*permission == "allowAll" || *permission == "denyAll") {
      if (arns) {
        return bad("Amazon SQS can't create the redrive allow policy, as it's in an unsupported "
                   "format. sourceQueueArns applies only when redrivePermission is byQueue.");
      }
    } else {
      return bad("Invalid redrivePermission " + *permission + ".");
    }
  }
  auto it = attrs.find("RedrivePolicy");
  if (it == attrs.end() || it->second.empty()) return {};
  const std::string& text = it->second;
  auto v = json::Parse(text);
  if (!v.ok() || !v->is_map()) return BadRedrive(text, "Invalid JSON.");
  auto arn = v->GetString("deadLetterTargetArn");
  if (!arn) return BadRedrive(text, "Missing deadLetterTargetArn.");
  auto max = IntMember(*v, "maxReceiveCount");
  if (!max) return BadRedrive(text, "Missing maxReceiveCount.");
  if (*max < 1 || *max > 1000) {
    return BadRedrive(text, "Invalid value for maxReceiveCount: " + std::to_string(*max) +
                                ", valid values are from 1 to 1000 both inclusive.");
  }
  if (!ParseQueueArn(*arn)) return BadRedrive(text, "Invalid value for deadLetterTargetArn.");
  auto dlq = QueueByArn(sqs, *arn);
  if (!dlq) return BadRedrive(text, "Dead letter target does not exist.");
  if (IsFifoName(dlq->name) != IsFifoName(q.name)) {
    return BadRedrive(text, "Dead-letter target must be same type of queue as the source.");
  }
  // The dead-letter queue's RedriveAllowPolicy decides who may use it.
  auto allow = dlq->attributes.find("RedriveAllowPolicy");
  if (allow != dlq->attributes.end() && !allow->second.empty()) {
    auto p = json::Parse(allow->second);
    if (p.ok() && p->is_map()) {
      std::string permission = p->GetString("redrivePermission").value_or("allowAll");
      std::string source = QueueArn(sqs, q);
      bool allowed = permission == "allowAll";
      if (permission == "byQueue") {
        if (const Value* arns = p->Find("sourceQueueArns"); arns && arns->is_list()) {
          for (const Value& a : arns->items()) allowed = allowed || a.as_string() == source;
        }
      }
      if (!allowed) {
        return BadRedrive(text, "Queue " + source + " is not allowed to use " + *arn +
                                    " as a dead-letter queue by its RedriveAllowPolicy.");
      }
    }
  }
  return {};
}

void ResumeMoveTasks(std::shared_ptr<Sqs> sqs) {
  std::vector<std::string> running;
  {
    std::lock_guard<std::mutex> lock(sqs->mu);
    for (const auto& [key, value] : sqs->store->Records(kTaskPrefix)) {
      auto t = DecodeTask(value);
      if (!t) continue;
      if (t->status == "RUNNING" || t->status == "CANCELLING") running.push_back(t->handle);
      sqs->move_tasks[t->handle] = *t;
    }
  }
  for (const auto& h : running) ScheduleTick(sqs, h, sqs->clock->NowMillis());
}

void StartMoveTaskRunner(std::shared_ptr<Sqs> sqs, const MoveTask& task,
                         std::function<void(Status)> persisted) {
  {
    std::lock_guard<std::mutex> lock(sqs->mu);
    sqs->move_tasks[task.handle] = task;
  }
  // The task is acknowledged only once its record is durable, so it resumes
  // after a crash.
  std::string handle = task.handle;
  sqs->store->PutRecord(std::string(kTaskPrefix) + task.handle, EncodeTask(task),
                        [sqs, handle, persisted = std::move(persisted)](Status st) {
                          if (!st.ok()) {
                            std::lock_guard<std::mutex> lock(sqs->mu);
                            sqs->move_tasks.erase(handle);
                          } else {
                            ScheduleTick(sqs, handle, sqs->clock->NowMillis());
                          }
                          persisted(std::move(st));
                        });
}

}  // namespace sluice::sqs
