// Tests of the generated model tables and the lookups of protocol/model.cc.
//
// The fact checks pin values that AWS clients depend on (Query names, result
// wrappers, error codes); the consistency checks run over every generated
// service and catch a generator that emits dangling indices.
#include "protocol/model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/generated/kinesis_model.h"
#include "protocol/generated/sns_model.h"
#include "protocol/generated/sqs_model.h"
#include "protocol/generated/sts_model.h"

namespace sluice::model {
namespace {

const Shape* FindShape(const Service& svc, std::string_view name) {
  for (int i = 0; i < svc.shape_count; ++i) {
    if (svc.shapes[i].name == name) return &svc.shapes[i];
  }
  return nullptr;
}

// The member `member` of structure `shape`; fails the test when absent.
const Member& MemberOf(const Service& svc, std::string_view shape,
                       std::string_view member) {
  const Shape* s = FindShape(svc, shape);
  EXPECT_NE(s, nullptr) << shape;
  const Member* m = s ? svc.FindMember(*s, member) : nullptr;
  EXPECT_NE(m, nullptr) << shape << "." << member;
  static const Member kMissing{"", -1, "", false, false};
  return m ? *m : kMissing;
}

const Shape& TargetOf(const Service& svc, const Member& m) {
  EXPECT_GE(m.shape, 0);
  EXPECT_LT(m.shape, svc.shape_count);
  return svc.shape(m.shape);
}

std::vector<std::string_view> EnumValues(const Service& svc, const Shape& s) {
  std::vector<std::string_view> out;
  for (int i = 0; i < s.enum_count; ++i) {
    out.push_back(svc.enum_values[s.first_enum + i]);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Consistency of every generated service.
// ---------------------------------------------------------------------------

struct NamedService {
  const char* name;
  const Service& (*get)();
  bool query;  // Query or awsQueryCompatible: outputs have result wrappers
};

class AllServices : public ::testing::TestWithParam<NamedService> {};

TEST_P(AllServices, ServiceMetadata) {
  const Service& svc = GetParam().get();
  EXPECT_EQ(svc.name, GetParam().name);
  EXPECT_FALSE(svc.api_version.empty());
  EXPECT_GT(svc.shape_count, 0);
  EXPECT_GT(svc.operation_count, 0);
  EXPECT_GT(svc.error_count, 0);
  if (GetParam().query) {
    EXPECT_FALSE(svc.xml_namespace.empty());
  }
}

TEST_P(AllServices, ShapeIndicesAreInRange) {
  const Service& svc = GetParam().get();
  // Structures own consecutive, non-overlapping member ranges that together
  // cover the member table; enum ranges likewise.
  int next_member = 0;
  int next_enum = 0;
  std::set<std::string_view> names;
  for (int i = 0; i < svc.shape_count; ++i) {
    const Shape& s = svc.shape(i);
    SCOPED_TRACE(std::string(s.name));
    EXPECT_TRUE(names.insert(s.name).second) << "duplicate shape name";
    if (i > 0) {
      EXPECT_LT(svc.shape(i - 1).name, s.name) << "not sorted";
    }

    if (s.type == ShapeType::kStructure) {
      EXPECT_EQ(s.first_member, next_member);
      EXPECT_GE(s.member_count, 0);
      next_member = s.first_member + s.member_count;
    } else {
      EXPECT_EQ(s.member_count, 0);
    }
    if (s.type == ShapeType::kList) {
      EXPECT_GE(s.list_member, 0);
      EXPECT_LT(s.list_member, svc.shape_count);
      EXPECT_FALSE(s.list_member_name.empty());
    } else {
      EXPECT_EQ(s.list_member, -1);
    }
    if (s.type == ShapeType::kMap) {
      EXPECT_GE(s.map_key, 0);
      EXPECT_LT(s.map_key, svc.shape_count);
      EXPECT_GE(s.map_value, 0);
      EXPECT_LT(s.map_value, svc.shape_count);
      EXPECT_FALSE(s.map_key_name.empty());
      EXPECT_FALSE(s.map_value_name.empty());
      EXPECT_EQ(svc.shape(s.map_key).type, ShapeType::kString);
    } else {
      EXPECT_EQ(s.map_key, -1);
      EXPECT_EQ(s.map_value, -1);
    }
    if (s.enum_count > 0) {
      EXPECT_EQ(s.type, ShapeType::kString);
      EXPECT_NE(svc.enum_values, nullptr);
      EXPECT_EQ(s.first_enum, next_enum);
      next_enum = s.first_enum + s.enum_count;
    }
    if (s.has_min && s.has_max) {
      EXPECT_LE(s.min, s.max);
    }
    if (s.is_exception) {
      EXPECT_EQ(s.type, ShapeType::kStructure);
      EXPECT_NE(svc.FindError(s.name), nullptr) << "exception without error";
    }
  }
  for (int i = 0; i < next_member; ++i) {
    const Member& m = svc.members[i];
    SCOPED_TRACE(std::string(m.name));
    EXPECT_FALSE(m.name.empty());
    EXPECT_FALSE(m.query_name.empty());
    EXPECT_GE(m.shape, 0);
    EXPECT_LT(m.shape, svc.shape_count);
  }
}

TEST_P(AllServices, OperationsAreSortedAndFindable) {
  const Service& svc = GetParam().get();
  for (int i = 0; i < svc.operation_count; ++i) {
    const Operation& op = svc.operations[i];
    SCOPED_TRACE(std::string(op.name));
    if (i > 0) {
      EXPECT_LT(svc.operations[i - 1].name, op.name);
    }
    EXPECT_EQ(svc.FindOperation(op.name), &op);
    for (int index : {op.input, op.output}) {
      EXPECT_GE(index, -1);
      EXPECT_LT(index, svc.shape_count);
      if (index >= 0) {
        EXPECT_EQ(svc.shape(index).type, ShapeType::kStructure);
      }
    }
    if (GetParam().query && op.output >= 0) {
      EXPECT_EQ(op.result_wrapper, std::string(op.name) + "Result");
    } else {
      EXPECT_TRUE(op.result_wrapper.empty());
    }
  }
  EXPECT_EQ(svc.FindOperation("NoSuchOperation"), nullptr);
  EXPECT_EQ(svc.FindOperation(""), nullptr);
  EXPECT_EQ(svc.FindOperation("zzz"), nullptr);
}

TEST_P(AllServices, ErrorsAreFindableByNameAndCode) {
  const Service& svc = GetParam().get();
  for (int i = 0; i < svc.error_count; ++i) {
    const ErrorInfo& e = svc.errors[i];
    SCOPED_TRACE(std::string(e.shape));
    EXPECT_FALSE(e.shape.empty());
    EXPECT_FALSE(e.query_code.empty());
    EXPECT_EQ(svc.FindError(e.shape), &e);
    EXPECT_EQ(svc.FindError(e.query_code), &e);
    EXPECT_GE(e.http_status, 400);
    EXPECT_LT(e.http_status, 600);
    EXPECT_EQ(e.sender_fault, e.http_status < 500);
  }
  EXPECT_EQ(svc.FindError("NoSuchError"), nullptr);
  // Protocol-level errors every service can return.
  for (const char* code :
       {"InvalidAction", "MissingParameter", "InvalidParameterValue",
        "InvalidParameterCombination", "InvalidQueryParameter",
        "MalformedQueryString", "ValidationError", "AccessDenied",
        "InternalFailure", "ServiceUnavailable", "RequestEntityTooLarge",
        "UnknownOperationException", "SerializationException",
        "MissingAuthenticationToken", "IncompleteSignature",
        "InvalidClientTokenId", "SignatureDoesNotMatch",
        "RequestTimeTooSkewed", "OptInRequired", "Throttling",
        "AccessDeniedException"}) {
    EXPECT_NE(svc.FindError(code), nullptr) << code;
  }
  EXPECT_EQ(svc.FindError("MalformedQueryString")->http_status, 404);
  EXPECT_EQ(svc.FindError("InternalFailure")->http_status, 500);
  EXPECT_FALSE(svc.FindError("InternalFailure")->sender_fault);
  EXPECT_EQ(svc.FindError("ServiceUnavailable")->http_status, 503);
  EXPECT_FALSE(svc.FindError("ServiceUnavailable")->sender_fault);
  EXPECT_EQ(svc.FindError("RequestEntityTooLarge")->http_status, 413);
  EXPECT_EQ(svc.FindError("AccessDenied")->http_status, 403);
}

TEST_P(AllServices, FindMemberOnlyMatchesStructureMembers) {
  const Service& svc = GetParam().get();
  for (int i = 0; i < svc.shape_count; ++i) {
    const Shape& s = svc.shape(i);
    if (s.type != ShapeType::kStructure) {
      EXPECT_EQ(svc.FindMember(s, "member"), nullptr);
      continue;
    }
    for (int j = 0; j < s.member_count; ++j) {
      const Member& m = svc.members[s.first_member + j];
      EXPECT_EQ(svc.FindMember(s, m.name), &m);
    }
    EXPECT_EQ(svc.FindMember(s, "NoSuchMember"), nullptr);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Generated, AllServices,
    ::testing::Values(NamedService{"sqs", &SqsModel, true},
                      NamedService{"sns", &SnsModel, true},
                      NamedService{"sts", &StsModel, true},
                      NamedService{"kinesis", &KinesisModel, false}),
    [](const ::testing::TestParamInfo<NamedService>& info) {
      return std::string(info.param.name);
    });

// ---------------------------------------------------------------------------
// SQS
// ---------------------------------------------------------------------------

TEST(SqsModel, Metadata) {
  const Service& sqs = SqsModel();
  EXPECT_EQ(sqs.name, "sqs");
  EXPECT_EQ(sqs.json_prefix, "com.amazonaws.sqs#");
  EXPECT_EQ(sqs.target_prefix, "AmazonSQS");
  EXPECT_EQ(sqs.xml_namespace, "http://queue.amazonaws.com/doc/2012-11-05/");
  EXPECT_EQ(sqs.api_version, "2012-11-05");
}

TEST(SqsModel, HasAllOperations) {
  const Service& sqs = SqsModel();
  const std::vector<std::string_view> ops = {
      "AddPermission",
      "CancelMessageMoveTask",
      "ChangeMessageVisibility",
      "ChangeMessageVisibilityBatch",
      "CreateQueue",
      "DeleteMessage",
      "DeleteMessageBatch",
      "DeleteQueue",
      "GetQueueAttributes",
      "GetQueueUrl",
      "ListDeadLetterSourceQueues",
      "ListMessageMoveTasks",
      "ListQueueTags",
      "ListQueues",
      "PurgeQueue",
      "ReceiveMessage",
      "RemovePermission",
      "SendMessage",
      "SendMessageBatch",
      "SetQueueAttributes",
      "StartMessageMoveTask",
      "TagQueue",
      "UntagQueue",
  };
  EXPECT_EQ(sqs.operation_count, 23);
  for (std::string_view op : ops) {
    EXPECT_NE(sqs.FindOperation(op), nullptr) << op;
  }
}

TEST(SqsModel, OperationShapesAndWrappers) {
  const Service& sqs = SqsModel();
  const Operation* receive = sqs.FindOperation("ReceiveMessage");
  ASSERT_NE(receive, nullptr);
  EXPECT_EQ(receive->result_wrapper, "ReceiveMessageResult");
  EXPECT_EQ(sqs.shape(receive->input).name, "ReceiveMessageRequest");
  EXPECT_EQ(sqs.shape(receive->output).name, "ReceiveMessageResult");

  const Operation* del = sqs.FindOperation("DeleteQueue");
  ASSERT_NE(del, nullptr);
  EXPECT_EQ(del->output, -1);
  EXPECT_EQ(del->result_wrapper, "");

  // Only in the current model: named by the Query convention.
  const Operation* start = sqs.FindOperation("StartMessageMoveTask");
  ASSERT_NE(start, nullptr);
  EXPECT_EQ(start->result_wrapper, "StartMessageMoveTaskResult");
}

TEST(SqsModel, RequiredMembers) {
  const Service& sqs = SqsModel();
  EXPECT_TRUE(MemberOf(sqs, "SendMessageRequest", "QueueUrl").required);
  EXPECT_TRUE(MemberOf(sqs, "SendMessageRequest", "MessageBody").required);
  EXPECT_FALSE(MemberOf(sqs, "SendMessageRequest", "DelaySeconds").required);
  EXPECT_TRUE(MemberOf(sqs, "CreateQueueRequest", "QueueName").required);
  EXPECT_FALSE(MemberOf(sqs, "CreateQueueRequest", "Attributes").required);
  EXPECT_TRUE(
      MemberOf(sqs, "ChangeMessageVisibilityRequest", "VisibilityTimeout")
          .required);
  EXPECT_TRUE(MemberOf(sqs, "MessageAttributeValue", "DataType").required);
}

TEST(SqsModel, QueryMapNames) {
  const Service& sqs = SqsModel();
  // CreateQueue sends Attribute.N.Name / Attribute.N.Value.
  const Member& attrs = MemberOf(sqs, "CreateQueueRequest", "Attributes");
  EXPECT_EQ(attrs.query_name, "Attribute");
  EXPECT_TRUE(attrs.flattened);
  const Shape& map = TargetOf(sqs, attrs);
  EXPECT_EQ(map.type, ShapeType::kMap);
  EXPECT_EQ(map.name, "QueueAttributeMap");
  EXPECT_EQ(map.map_key_name, "Name");
  EXPECT_EQ(map.map_value_name, "Value");
  EXPECT_TRUE(map.flattened);
  const Shape& key = sqs.shape(map.map_key);
  EXPECT_EQ(key.name, "QueueAttributeName");
  std::vector<std::string_view> names = EnumValues(sqs, key);
  EXPECT_NE(std::find(names.begin(), names.end(), "VisibilityTimeout"),
            names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "RedrivePolicy"),
            names.end());

  // Tags: Tag.N.Key / Tag.N.Value (the "Tag" name is on the map shape).
  const Member& tags = MemberOf(sqs, "CreateQueueRequest", "tags");
  EXPECT_EQ(tags.query_name, "Tag");
  EXPECT_TRUE(tags.flattened);
  EXPECT_EQ(TargetOf(sqs, tags).map_key_name, "Key");
  EXPECT_EQ(TargetOf(sqs, tags).map_value_name, "Value");
  EXPECT_EQ(MemberOf(sqs, "TagQueueRequest", "Tags").query_name, "Tag");
  EXPECT_EQ(MemberOf(sqs, "ListQueueTagsResult", "Tags").query_name, "Tag");

  // Message attributes: MessageAttribute.N.Name / .Value.StringValue.
  const Member& ma = MemberOf(sqs, "SendMessageRequest", "MessageAttributes");
  EXPECT_EQ(ma.query_name, "MessageAttribute");
  EXPECT_TRUE(ma.flattened);
  EXPECT_EQ(TargetOf(sqs, ma).map_key_name, "Name");
  EXPECT_EQ(TargetOf(sqs, ma).map_value_name, "Value");
  EXPECT_EQ(
      MemberOf(sqs, "SendMessageRequest", "MessageSystemAttributes").query_name,
      "MessageSystemAttribute");

  // Received messages render <Attribute> and <MessageAttribute>.
  EXPECT_EQ(MemberOf(sqs, "Message", "Attributes").query_name, "Attribute");
  EXPECT_EQ(MemberOf(sqs, "Message", "MessageAttributes").query_name,
            "MessageAttribute");
  EXPECT_EQ(MemberOf(sqs, "GetQueueAttributesResult", "Attributes").query_name,
            "Attribute");
}

TEST(SqsModel, QueryListNames) {
  const Service& sqs = SqsModel();
  // <ListQueuesResult><QueueUrl>...</QueueUrl><QueueUrl>...
  const Member& urls = MemberOf(sqs, "ListQueuesResult", "QueueUrls");
  EXPECT_EQ(urls.query_name, "QueueUrl");
  EXPECT_TRUE(urls.flattened);
  const Shape& list = TargetOf(sqs, urls);
  EXPECT_EQ(list.type, ShapeType::kList);
  EXPECT_EQ(list.list_member_name, "QueueUrl");
  EXPECT_TRUE(list.flattened);
  EXPECT_EQ(sqs.shape(list.list_member).type, ShapeType::kString);
  EXPECT_EQ(
      MemberOf(sqs, "ListDeadLetterSourceQueuesResult", "queueUrls").query_name,
      "QueueUrl");

  // <ReceiveMessageResult><Message>...
  const Member& messages = MemberOf(sqs, "ReceiveMessageResult", "Messages");
  EXPECT_EQ(messages.query_name, "Message");
  EXPECT_TRUE(messages.flattened);

  // Requests: AttributeName.1=All, MessageAttributeName.1=..., Batch entries.
  EXPECT_EQ(
      MemberOf(sqs, "ReceiveMessageRequest", "AttributeNames").query_name,
      "AttributeName");
  EXPECT_EQ(MemberOf(sqs, "ReceiveMessageRequest", "MessageSystemAttributeNames")
                .query_name,
            "AttributeName");
  EXPECT_EQ(
      MemberOf(sqs, "ReceiveMessageRequest", "MessageAttributeNames").query_name,
      "MessageAttributeName");
  EXPECT_EQ(MemberOf(sqs, "SendMessageBatchRequest", "Entries").query_name,
            "SendMessageBatchRequestEntry");
  EXPECT_EQ(MemberOf(sqs, "SendMessageBatchResult", "Successful").query_name,
            "SendMessageBatchResultEntry");
  EXPECT_EQ(MemberOf(sqs, "SendMessageBatchResult", "Failed").query_name,
            "BatchResultErrorEntry");
  EXPECT_EQ(MemberOf(sqs, "UntagQueueRequest", "TagKeys").query_name,
            "TagKey");
  EXPECT_EQ(MemberOf(sqs, "AddPermissionRequest", "AWSAccountIds").query_name,
            "AWSAccountId");
  EXPECT_EQ(MemberOf(sqs, "AddPermissionRequest", "Actions").query_name,
            "ActionName");
  EXPECT_EQ(MemberOf(sqs, "ListMessageMoveTasksResult", "Results").query_name,
            "ListMessageMoveTasksResultEntry");

  // StringListValue.N is flattened at the member; the list itself is not.
  const Member& slv =
      MemberOf(sqs, "MessageAttributeValue", "StringListValues");
  EXPECT_EQ(slv.query_name, "StringListValue");
  EXPECT_TRUE(slv.flattened);
  EXPECT_FALSE(TargetOf(sqs, slv).flattened);
  EXPECT_EQ(TargetOf(sqs, slv).list_member_name, "StringListValue");

  // Members without a locationName keep their own name.
  EXPECT_EQ(MemberOf(sqs, "SendMessageRequest", "QueueUrl").query_name,
            "QueueUrl");
  EXPECT_FALSE(MemberOf(sqs, "SendMessageRequest", "QueueUrl").flattened);
}

TEST(SqsModel, ScalarTypes) {
  const Service& sqs = SqsModel();
  auto type_of = [&](std::string_view shape, std::string_view member) {
    return TargetOf(sqs, MemberOf(sqs, shape, member)).type;
  };
  EXPECT_EQ(type_of("ReceiveMessageRequest", "MaxNumberOfMessages"),
            ShapeType::kInteger);
  EXPECT_EQ(type_of("ListMessageMoveTasksResultEntry", "StartedTimestamp"),
            ShapeType::kInteger);  // long
  EXPECT_EQ(type_of("MessageAttributeValue", "BinaryValue"),
            ShapeType::kBlob);
  EXPECT_EQ(type_of("BatchResultErrorEntry", "SenderFault"),
            ShapeType::kBoolean);
  EXPECT_EQ(type_of("SendMessageRequest", "MessageBody"), ShapeType::kString);
}

TEST(SqsModel, Errors) {
  const Service& sqs = SqsModel();
  const ErrorInfo* missing = sqs.FindError("QueueDoesNotExist");
  ASSERT_NE(missing, nullptr);
  EXPECT_EQ(missing->shape, "QueueDoesNotExist");
  EXPECT_EQ(missing->query_code, "AWS.SimpleQueueService.NonExistentQueue");
  EXPECT_EQ(missing->http_status, 400);
  EXPECT_TRUE(missing->sender_fault);
  EXPECT_EQ(sqs.FindError("AWS.SimpleQueueService.NonExistentQueue"), missing);

  struct Expect {
    const char* shape;
    const char* code;
    int status;
  };
  for (const Expect& e : {
           Expect{"PurgeQueueInProgress",
                  "AWS.SimpleQueueService.PurgeQueueInProgress", 403},
           Expect{"OverLimit", "OverLimit", 403},
           Expect{"QueueNameExists", "QueueAlreadyExists", 400},
           Expect{"QueueDeletedRecently",
                  "AWS.SimpleQueueService.QueueDeletedRecently", 400},
           Expect{"MessageNotInflight",
                  "AWS.SimpleQueueService.MessageNotInflight", 400},
           Expect{"TooManyEntriesInBatchRequest",
                  "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400},
           Expect{"EmptyBatchRequest",
                  "AWS.SimpleQueueService.EmptyBatchRequest", 400},
           Expect{"BatchEntryIdsNotDistinct",
                  "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400},
           Expect{"BatchRequestTooLong",
                  "AWS.SimpleQueueService.BatchRequestTooLong", 400},
           Expect{"InvalidBatchEntryId",
                  "AWS.SimpleQueueService.InvalidBatchEntryId", 400},
           Expect{"UnsupportedOperation",
                  "AWS.SimpleQueueService.UnsupportedOperation", 400},
           Expect{"InvalidAttributeName", "InvalidAttributeName", 400},
           Expect{"InvalidAttributeValue", "InvalidAttributeValue", 400},
           Expect{"InvalidMessageContents", "InvalidMessageContents", 400},
           Expect{"InvalidIdFormat", "InvalidIdFormat", 400},
           Expect{"ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", 404},
           Expect{"ResourceNotFoundException", "ResourceNotFoundException",
                  404},
           Expect{"RequestThrottled", "RequestThrottled", 403},
           Expect{"InvalidAddress", "InvalidAddress", 404},
           Expect{"InvalidSecurity", "InvalidSecurity", 403},
           Expect{"KmsAccessDenied", "KMS.AccessDeniedException", 400},
           Expect{"KmsDisabled", "KMS.DisabledException", 400},
           Expect{"KmsInvalidKeyUsage", "KMS.InvalidKeyUsageException", 400},
           Expect{"KmsInvalidState", "KMS.InvalidStateException", 400},
           Expect{"KmsNotFound", "KMS.NotFoundException", 400},
           Expect{"KmsOptInRequired", "KMS.OptInRequired", 403},
           Expect{"KmsThrottled", "KMS.ThrottlingException", 400},
       }) {
    const ErrorInfo* info = sqs.FindError(e.shape);
    ASSERT_NE(info, nullptr) << e.shape;
    EXPECT_EQ(info->query_code, e.code) << e.shape;
    EXPECT_EQ(info->http_status, e.status) << e.shape;
    EXPECT_TRUE(info->sender_fault) << e.shape;
    EXPECT_EQ(sqs.FindError(e.code), info) << e.code;
  }
}

TEST(SqsModel, ProtocolErrors) {
  const Service& sqs = SqsModel();
  const ErrorInfo* action = sqs.FindError("InvalidAction");
  ASSERT_NE(action, nullptr);
  EXPECT_EQ(action->http_status, 400);
  EXPECT_TRUE(action->sender_fault);
  // The JSON protocol names the same condition UnknownOperationException.
  EXPECT_EQ(sqs.FindError("UnknownOperationException"), action);

  const ErrorInfo* param = sqs.FindError("MissingParameter");
  ASSERT_NE(param, nullptr);
  EXPECT_EQ(param->shape, "MissingRequiredParameterException");
  EXPECT_EQ(param->http_status, 400);

  const ErrorInfo* value = sqs.FindError("InvalidParameterValue");
  ASSERT_NE(value, nullptr);
  EXPECT_EQ(value->shape, "InvalidParameterValueException");

  // Query statuses apply to SQS, also when it answers in JSON.
  EXPECT_EQ(sqs.FindError("InvalidClientTokenId")->http_status, 403);
  EXPECT_EQ(sqs.FindError("SignatureDoesNotMatch")->http_status, 403);
  EXPECT_EQ(sqs.FindError("MissingAuthenticationToken")->http_status, 403);
  EXPECT_EQ(sqs.FindError("ValidationError")->shape, "ValidationException");
}

// ---------------------------------------------------------------------------
// Kinesis
// ---------------------------------------------------------------------------

TEST(KinesisModel, MetadataAndOperations) {
  const Service& k = KinesisModel();
  EXPECT_EQ(k.name, "kinesis");
  EXPECT_EQ(k.target_prefix, "Kinesis_20131202");
  EXPECT_EQ(k.json_prefix, "");
  EXPECT_EQ(k.api_version, "2013-12-02");
  EXPECT_EQ(k.operation_count, 39);
  for (const char* op :
       {"CreateStream", "DeleteStream", "DescribeStream",
        "DescribeStreamSummary", "ListStreams", "ListShards", "PutRecord",
        "PutRecords", "GetShardIterator", "GetRecords", "MergeShards",
        "SplitShard", "AddTagsToStream", "ListTagsForStream",
        "IncreaseStreamRetentionPeriod", "RegisterStreamConsumer",
        "SubscribeToShard", "StartStreamEncryption", "UpdateShardCount"}) {
    const Operation* o = k.FindOperation(op);
    ASSERT_NE(o, nullptr) << op;
    EXPECT_EQ(o->result_wrapper, "") << op;
  }
}

TEST(KinesisModel, ShapesAndConstraints) {
  const Service& k = KinesisModel();
  EXPECT_TRUE(MemberOf(k, "PutRecordInput", "Data").required);
  EXPECT_TRUE(MemberOf(k, "PutRecordInput", "PartitionKey").required);
  EXPECT_FALSE(MemberOf(k, "PutRecordInput", "StreamName").required);
  EXPECT_EQ(TargetOf(k, MemberOf(k, "PutRecordInput", "Data")).type,
            ShapeType::kBlob);

  const Shape* name = FindShape(k, "StreamName");
  ASSERT_NE(name, nullptr);
  EXPECT_TRUE(name->has_min);
  EXPECT_TRUE(name->has_max);
  EXPECT_EQ(name->min, 1);
  EXPECT_EQ(name->max, 128);
  EXPECT_EQ(name->pattern, "[a-zA-Z0-9_.-]+");

  const Shape* key = FindShape(k, "PartitionKey");
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->min, 1);
  EXPECT_EQ(key->max, 256);

  const Shape* iterator_type = FindShape(k, "ShardIteratorType");
  ASSERT_NE(iterator_type, nullptr);
  std::vector<std::string_view> values = EnumValues(k, *iterator_type);
  EXPECT_EQ(values, (std::vector<std::string_view>{
                        "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER",
                        "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"}));

  EXPECT_EQ(
      TargetOf(k, MemberOf(k, "GetShardIteratorInput", "Timestamp")).type,
      ShapeType::kTimestamp);
}

TEST(KinesisModel, Errors) {
  const Service& k = KinesisModel();
  const ErrorInfo* rnf = k.FindError("ResourceNotFoundException");
  ASSERT_NE(rnf, nullptr);
  EXPECT_EQ(rnf->http_status, 400);
  EXPECT_TRUE(rnf->sender_fault);
  const ErrorInfo* throughput =
      k.FindError("ProvisionedThroughputExceededException");
  ASSERT_NE(throughput, nullptr);
  EXPECT_EQ(throughput->http_status, 400);
  const ErrorInfo* internal = k.FindError("InternalFailureException");
  ASSERT_NE(internal, nullptr);
  EXPECT_EQ(internal->http_status, 500);
  EXPECT_FALSE(internal->sender_fault);
  // The model's ValidationException wins over the protocol-level row.
  EXPECT_EQ(k.FindError("ValidationException")->query_code,
            "ValidationException");
  EXPECT_EQ(k.FindError("UnknownOperationException")->http_status, 400);
  // JSON services answer 400 for unknown keys and bad signatures.
  EXPECT_EQ(k.FindError("UnrecognizedClientException")->http_status, 400);
  EXPECT_EQ(k.FindError("InvalidSignatureException")->http_status, 400);
}

// ---------------------------------------------------------------------------
// SNS and STS
// ---------------------------------------------------------------------------

TEST(SnsModel, QueryDetails) {
  const Service& sns = SnsModel();
  EXPECT_EQ(sns.xml_namespace, "http://sns.amazonaws.com/doc/2010-03-31/");
  EXPECT_EQ(sns.api_version, "2010-03-31");
  EXPECT_EQ(sns.operation_count, 42);
  const Operation* publish = sns.FindOperation("Publish");
  ASSERT_NE(publish, nullptr);
  EXPECT_EQ(publish->result_wrapper, "PublishResult");
  EXPECT_TRUE(MemberOf(sns, "PublishInput", "Message").required);

  // MessageAttributes.entry.N.Name / .Value: not flattened.
  const Member& attrs = MemberOf(sns, "PublishInput", "MessageAttributes");
  EXPECT_EQ(attrs.query_name, "MessageAttributes");
  EXPECT_FALSE(attrs.flattened);
  EXPECT_EQ(TargetOf(sns, attrs).map_key_name, "Name");
  EXPECT_EQ(TargetOf(sns, attrs).map_value_name, "Value");
  // Topics.member.N
  const Member& topics = MemberOf(sns, "ListTopicsResponse", "Topics");
  EXPECT_FALSE(topics.flattened);
  EXPECT_EQ(TargetOf(sns, topics).list_member_name, "member");
  // Attributes.entry.N.key / .value
  const Member& topic_attrs =
      MemberOf(sns, "CreateTopicInput", "Attributes");
  EXPECT_EQ(TargetOf(sns, topic_attrs).map_key_name, "key");
  EXPECT_EQ(TargetOf(sns, topic_attrs).map_value_name, "value");
}

TEST(SnsModel, Errors) {
  const Service& sns = SnsModel();
  const ErrorInfo* nf = sns.FindError("NotFoundException");
  ASSERT_NE(nf, nullptr);
  EXPECT_EQ(nf->query_code, "NotFound");
  EXPECT_EQ(nf->http_status, 404);
  EXPECT_EQ(sns.FindError("NotFound"), nf);
  EXPECT_EQ(sns.FindError("AuthorizationError")->http_status, 403);
  EXPECT_EQ(sns.FindError("Throttled")->http_status, 429);
  const ErrorInfo* internal = sns.FindError("InternalError");
  ASSERT_NE(internal, nullptr);
  EXPECT_EQ(internal->http_status, 500);
  EXPECT_FALSE(internal->sender_fault);
  // The model's InvalidParameterValueException has its own code; the
  // protocol-level InvalidParameterValue stays reachable by its code.
  EXPECT_EQ(sns.FindError("InvalidParameterValueException")->query_code,
            "ParameterValueInvalid");
  const ErrorInfo* generic = sns.FindError("InvalidParameterValue");
  ASSERT_NE(generic, nullptr);
  EXPECT_EQ(generic->shape, "InvalidParameterValue");
  EXPECT_EQ(generic->http_status, 400);
}

TEST(StsModel, QueryDetails) {
  const Service& sts = StsModel();
  EXPECT_EQ(sts.xml_namespace, "https://sts.amazonaws.com/doc/2011-06-15/");
  const Operation* who = sts.FindOperation("GetCallerIdentity");
  ASSERT_NE(who, nullptr);
  EXPECT_EQ(who->result_wrapper, "GetCallerIdentityResult");
  EXPECT_EQ(sts.shape(who->output).name, "GetCallerIdentityResponse");
  const ErrorInfo* expired = sts.FindError("ExpiredTokenException");
  ASSERT_NE(expired, nullptr);
  EXPECT_EQ(expired->http_status, 400);
}

}  // namespace
}  // namespace sluice::model
