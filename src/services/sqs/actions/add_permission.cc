// AddPermission: adds a statement (Sid = Label) to the queue's Policy
// attribute granting the listed accounts the listed actions.
#include "common/json_doc.h"
#include "services/sqs/sqs_internal.h"

namespace sluice::sqs {
namespace {

constexpr std::string_view kActions[] = {
    "*", "SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility",
    "GetQueueAttributes", "GetQueueUrl", "ListDeadLetterSourceQueues", "PurgeQueue",
    "ListQueueTags", "ListMessageMoveTasks", "StartMessageMoveTask", "CancelMessageMoveTask"};

}  // namespace

Result<Value> PolicyOf(const storage::QueueMeta& q, const std::string& arn) {
  auto it = q.attributes.find("Policy");
  if (it == q.attributes.end() || it->second.empty()) {
    Value p = Value::Map();
    p.Set("Version", Value::String("2008-10-17"));
    p.Set("Id", Value::String(arn + "/SQSDefaultPolicy"));
    p.Set("Statement", Value::List());
    return p;
  }
  auto parsed = json::Parse(it->second);
  if (!parsed.ok() || !parsed->is_map()) {
    return Error{"InvalidParameterValue", "The queue's existing Policy is not valid JSON."};
  }
  Value p = std::move(parsed).value();
  Value* st = p.Find("Statement");
  if (!st) {
    p.Set("Statement", Value::List());
  } else if (st->is_map()) {
    Value list = Value::List();
    list.Append(*st);
    *st = std::move(list);
  }
  return p;
}

void AddPermission(Sqs& sqs, const CallContext& ctx, const Value& in, Done done) {
  auto q = ResolveQueue(sqs, ctx, in);
  if (!q.ok()) return done(std::move(q).error());
  auto label = in.GetString("Label");
  if (!label || label->empty()) return done(MissingParameter("Label"));
  auto accounts = StringList(in, "AWSAccountIds");
  if (accounts.empty()) return done(MissingParameter("AWSAccountId"));
  auto actions = StringList(in, "Actions");
  if (actions.empty()) return done(MissingParameter("ActionName"));
  if (label->size() > 80) {
    return done(Error{"InvalidParameterValue", "Value " + *label + " for parameter Label is invalid. "
                                               "Reason: Must be at most 80 characters."});
  }
  for (char c : *label) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) {
      return done(Error{"InvalidParameterValue",
                        "Value " + *label + " for parameter Label is invalid. Reason: Can only "
                        "include alphanumeric characters, hyphens, or underscores."});
    }
  }
  for (const auto& a : actions) {
    bool known = false;
    for (auto k : kActions) known = known || a == k;
    if (!known) {
      return done(Error{"InvalidParameterValue",
                        "Value SQS:" + a + " for parameter ActionName is invalid. Reason: Only "
                        "the queue owner is allowed to invoke this action."});
    }
  }
  std::string arn = QueueArn(sqs, *q);
  auto policy = PolicyOf(*q, arn);
  if (!policy.ok()) return done(std::move(policy).error());
  Value* statements = policy->Find("Statement");
  for (const Value& s : statements->items()) {
    if (s.GetString("Sid") == *label) {
      return done(Error{"InvalidParameterValue", "Value " + *label +
                                                     " for parameter Label is invalid. Reason: "
                                                     "Already exists."});
    }
  }
  Value statement = Value::Map();
  statement.Set("Sid", Value::String(*label));
  statement.Set("Effect", Value::String("Allow"));
  Value principal = Value::Map();
  Value aws = Value::List();
  for (const auto& a : accounts) aws.Append(Value::String("arn:aws:iam::" + a + ":root"));
  principal.Set("AWS", aws.items().size() == 1 ? aws.items()[0] : aws);
  statement.Set("Principal", std::move(principal));
  Value acts = Value::List();
  for (const auto& a : actions) acts.Append(Value::String("SQS:" + a));
  statement.Set("Action", acts.items().size() == 1 ? acts.items()[0] : acts);
  statement.Set("Resource", Value::String(arn));
  statements->Append(std::move(statement));

  storage::QueueMeta meta = std::move(q).value();
  meta.attributes["Policy"] = json::Write(*policy);
  meta.modified_ms = sqs.clock->NowMillis();
  sqs.store->PutQueue(std::move(meta), [done](Result<storage::QueueMeta> r) {
    if (!r.ok()) return done(std::move(r).error());
    done(Value::Map());
  });
}

}  // namespace sluice::sqs
