// Tests for the model-driven codecs: the Query parameter names AWS SDKs send
// (as botocore's Query serializer writes them) decode into the input shape;
// XML responses use the element names SDK parsers look for; AWS JSON decodes
// with type checks and encodes under the model; Validate answers in the two
// AWS styles (Query MissingParameter, Coral "validation error detected").
#include "protocol/codecs.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "protocol/generated/kinesis_model.h"
#include "protocol/generated/sqs_model.h"

namespace sluice::protocol {
namespace {

using namespace std::string_literals;

const model::Service& Sqs() { return model::SqsModel(); }
const model::Service& Kinesis() { return model::KinesisModel(); }

const model::Operation& Op(const model::Service& svc, std::string_view name) {
  const model::Operation* op = svc.FindOperation(name);
  EXPECT_NE(op, nullptr) << name;
  static const model::Operation kNone{"", -1, -1, ""};
  return op ? *op : kNone;
}

Value DecodeQueryOk(std::string_view op, const FormParams& params) {
  auto r = DecodeQuery(Sqs(), Op(Sqs(), op), params);
  EXPECT_TRUE(r.ok()) << r.error().code << ": " << r.error().message;
  return r.ok() ? *r : Value();
}

Value DecodeJsonOk(const model::Service& svc, std::string_view op, std::string_view body) {
  auto r = DecodeJson(svc, Op(svc, op), body);
  EXPECT_TRUE(r.ok()) << r.error().code << ": " << r.error().message;
  return r.ok() ? *r : Value();
}

Error DecodeJsonError(const model::Service& svc, std::string_view op, std::string_view body) {
  auto r = DecodeJson(svc, Op(svc, op), body);
  EXPECT_FALSE(r.ok()) << body;
  return r.ok() ? Error{} : r.error();
}

std::vector<std::string> Strings(const Value* list) {
  std::vector<std::string> out;
  if (!list) return out;
  for (const auto& v : list->items()) out.push_back(v.as_string());
  return out;
}

const Value& At(const Value& v, std::string_view key) {
  const Value* m = v.Find(key);
  EXPECT_NE(m, nullptr) << key;
  static const Value kNull;
  return m ? *m : kNull;
}

Value Map(std::vector<std::pair<std::string, Value>> members) {
  Value m = Value::Map();
  for (auto& [k, v] : members) m.Set(k, std::move(v));
  return m;
}
Value Str(std::string s) { return Value::String(std::move(s)); }

constexpr char kXmlHead[] = "<?xml version=\"1.0\"?>";
constexpr char kNs[] = " xmlns=\"http://queue.amazonaws.com/doc/2012-11-05/\"";

std::string Wrap(const std::string& op, const std::string& result) {
  return std::string(kXmlHead) + "<" + op + "Response" + kNs + ">" + result +
         "<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></" + op + "Response>";
}

// ------------------------------------------------------------ Query decode

TEST(QueryDecode, CreateQueueAttributesAndTags) {
  Value in = DecodeQueryOk("CreateQueue", {
                                              {"Action", "CreateQueue"},
                                              {"Version", "2012-11-05"},
                                              {"QueueName", "orders"},
                                              {"Attribute.1.Name", "VisibilityTimeout"},
                                              {"Attribute.1.Value", "60"},
                                              {"Attribute.2.Name", "DelaySeconds"},
                                              {"Attribute.2.Value", "5"},
                                              {"Tag.1.Key", "env"},
                                              {"Tag.1.Value", "test"},
                                              {"Tag.2.Key", "team"},
                                              {"Tag.2.Value", ""},
                                          });
  EXPECT_EQ(in.GetString("QueueName"), "orders");
  const Value& attrs = At(in, "Attributes");
  ASSERT_TRUE(attrs.is_map());
  ASSERT_EQ(attrs.members().size(), 2u);
  EXPECT_EQ(attrs.GetString("VisibilityTimeout"), "60");
  EXPECT_EQ(attrs.GetString("DelaySeconds"), "5");
  const Value& tags = At(in, "tags");
  ASSERT_EQ(tags.members().size(), 2u);
  EXPECT_EQ(tags.GetString("env"), "test");
  EXPECT_EQ(tags.GetString("team"), "");
  EXPECT_EQ(in.Find("Action"), nullptr);
  EXPECT_EQ(in.Find("Version"), nullptr);
}

TEST(QueryDecode, AbsentOptionalMembersStayAbsent) {
  Value in = DecodeQueryOk("CreateQueue", {{"QueueName", "q"}});
  EXPECT_EQ(in.members().size(), 1u);
  EXPECT_EQ(in.Find("Attributes"), nullptr);
  EXPECT_EQ(in.Find("tags"), nullptr);
}

TEST(QueryDecode, MapEntriesStopAtTheFirstGap) {
  Value in = DecodeQueryOk("CreateQueue", {{"QueueName", "q"},
                                           {"Attribute.1.Name", "DelaySeconds"},
                                           {"Attribute.1.Value", "1"},
                                           {"Attribute.3.Name", "VisibilityTimeout"},
                                           {"Attribute.3.Value", "3"}});
  EXPECT_EQ(At(in, "Attributes").members().size(), 1u);
}

TEST(QueryDecode, MapEntryWithoutKeyOrValueIsMissingParameter) {
  auto no_name = DecodeQuery(Sqs(), Op(Sqs(), "CreateQueue"),
                             {{"QueueName", "q"}, {"Attribute.1.Value", "1"}});
  ASSERT_FALSE(no_name.ok());
  EXPECT_EQ(no_name.error().code, "MissingParameter");
  EXPECT_EQ(no_name.error().message, "The request must contain the parameter Attribute.1.Name.");
  auto no_value = DecodeQuery(Sqs(), Op(Sqs(), "CreateQueue"),
                              {{"QueueName", "q"}, {"Attribute.1.Name", "DelaySeconds"}});
  ASSERT_FALSE(no_value.ok());
  EXPECT_EQ(no_value.error().code, "MissingParameter");
  EXPECT_EQ(no_value.error().message, "The request must contain the parameter Attribute.1.Value.");
}

TEST(QueryDecode, SendMessageWithMessageAttributes) {
  Value in = DecodeQueryOk("SendMessage", {
      {"QueueUrl", "http://localhost:4566/000000000000/q"},
      {"MessageBody", "hello world"},
      {"DelaySeconds", "5"},
      {"MessageAttribute.1.Name", "color"},
      {"MessageAttribute.1.Value.DataType", "String"},
      {"MessageAttribute.1.Value.StringValue", "red"},
      {"MessageAttribute.2.Name", "blob"},
      {"MessageAttribute.2.Value.DataType", "Binary"},
      {"MessageAttribute.2.Value.BinaryValue", "AAH/"},
      {"MessageAttribute.3.Name", "list"},
      {"MessageAttribute.3.Value.DataType", "String"},
      {"MessageAttribute.3.Value.StringListValue.1", "a"},
      {"MessageAttribute.3.Value.StringListValue.2", "b"},
      {"MessageSystemAttribute.1.Name", "AWSTraceHeader"},
      {"MessageSystemAttribute.1.Value.DataType", "String"},
      {"MessageSystemAttribute.1.Value.StringValue", "Root=1-5759e988-bd862e3fe1be46a994272793"},
      {"MessageGroupId", "g1"},
      {"MessageDeduplicationId", "d1"},
  });
  EXPECT_EQ(in.GetString("QueueUrl"), "http://localhost:4566/000000000000/q");
  EXPECT_EQ(in.GetString("MessageBody"), "hello world");
  ASSERT_EQ(At(in, "DelaySeconds").kind(), Value::Kind::kInt);
  EXPECT_EQ(At(in, "DelaySeconds").as_int(), 5);
  EXPECT_EQ(in.GetString("MessageGroupId"), "g1");
  EXPECT_EQ(in.GetString("MessageDeduplicationId"), "d1");

  const Value& attrs = At(in, "MessageAttributes");
  ASSERT_EQ(attrs.members().size(), 3u);
  const Value& color = At(attrs, "color");
  EXPECT_EQ(color.GetString("DataType"), "String");
  EXPECT_EQ(color.GetString("StringValue"), "red");
  const Value& blob = At(attrs, "blob");
  ASSERT_NE(blob.Find("BinaryValue"), nullptr);
  EXPECT_EQ(blob.Find("BinaryValue")->kind(), Value::Kind::kBlob);
  EXPECT_EQ(blob.Find("BinaryValue")->as_string(), "\x00\x01\xff"s);
  EXPECT_EQ(Strings(At(attrs, "list").Find("StringListValues")), (std::vector<std::string>{"a", "b"}));

  const Value& sys = At(in, "MessageSystemAttributes");
  EXPECT_EQ(At(sys, "AWSTraceHeader").GetString("StringValue"), "Root=1-5759e988-bd862e3fe1be46a994272793");
}

TEST(QueryDecode, BadScalarsAreInvalidParameterValue) {
  auto bad_int = DecodeQuery(Sqs(), Op(Sqs(), "SendMessage"),
                             {{"QueueUrl", "u"}, {"MessageBody", "b"}, {"DelaySeconds", "five"}});
  ASSERT_FALSE(bad_int.ok());
  EXPECT_EQ(bad_int.error().code, "InvalidParameterValue");
  EXPECT_EQ(bad_int.error().message,
            "Value five for parameter DelaySeconds is invalid. Reason: Must be an integer.");
  auto bad_blob = DecodeQuery(Sqs(), Op(Sqs(), "SendMessage"),
                              {{"QueueUrl", "u"},
                               {"MessageBody", "b"},
                               {"MessageAttribute.1.Name", "x"},
                               {"MessageAttribute.1.Value.DataType", "Binary"},
                               {"MessageAttribute.1.Value.BinaryValue", "not base64!"}});
  ASSERT_FALSE(bad_blob.ok());
  EXPECT_EQ(bad_blob.error().code, "InvalidParameterValue");
  EXPECT_NE(bad_blob.error().message.find("MessageAttribute.1.Value.BinaryValue"), std::string::npos)
      << bad_blob.error().message;
  for (const char* text : {"", "1.5", "1e3", " 7"}) {
    auto r = DecodeQuery(Sqs(), Op(Sqs(), "ReceiveMessage"), {{"QueueUrl", "u"}, {"MaxNumberOfMessages", text}});
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().code, "InvalidParameterValue");
  }
}

TEST(QueryDecode, ReceiveMessageLists) {
  Value in = DecodeQueryOk("ReceiveMessage", {
                                                 {"QueueUrl", "u"},
                                                 {"AttributeName.1", "All"},
                                                 {"AttributeName.2", "SentTimestamp"},
                                                 {"MessageAttributeName.1", "color"},
                                                 {"MessageAttributeName.2", "size.*"},
                                                 {"MaxNumberOfMessages", "10"},
                                                 {"VisibilityTimeout", "30"},
                                                 {"WaitTimeSeconds", "20"},
                                                 {"ReceiveRequestAttemptId", "attempt-1"},
                                             });
  EXPECT_EQ(Strings(in.Find("AttributeNames")), (std::vector<std::string>{"All", "SentTimestamp"}));
  EXPECT_EQ(Strings(in.Find("MessageAttributeNames")), (std::vector<std::string>{"color", "size.*"}));
  EXPECT_EQ(At(in, "MaxNumberOfMessages").as_int(), 10);
  EXPECT_EQ(At(in, "VisibilityTimeout").as_int(), 30);
  EXPECT_EQ(At(in, "WaitTimeSeconds").as_int(), 20);
  EXPECT_EQ(in.GetString("ReceiveRequestAttemptId"), "attempt-1");
}

// MessageSystemAttributeNames shares the "AttributeName.N" key with the
// deprecated AttributeNames (tools/codegen/gen_models.py, QUERY_ADDITIONS).
TEST(QueryDecode, ReceiveMessageSystemAttributeNamesShareAttributeName) {
  Value in = DecodeQueryOk("ReceiveMessage", {{"QueueUrl", "u"}, {"AttributeName.1", "SenderId"}});
  EXPECT_EQ(Strings(in.Find("AttributeNames")), (std::vector<std::string>{"SenderId"}));
  EXPECT_EQ(Strings(in.Find("MessageSystemAttributeNames")), (std::vector<std::string>{"SenderId"}));
}

TEST(QueryDecode, ListItemsStopAtTheFirstGap) {
  Value in = DecodeQueryOk("ReceiveMessage", {{"QueueUrl", "u"}, {"AttributeName.1", "All"}, {"AttributeName.3", "SenderId"}});
  EXPECT_EQ(Strings(in.Find("AttributeNames")), (std::vector<std::string>{"All"}));
  Value none = DecodeQueryOk("ReceiveMessage", {{"QueueUrl", "u"}, {"AttributeName.2", "All"}});
  EXPECT_TRUE(Strings(none.Find("AttributeNames")).empty());
}

TEST(QueryDecode, SendMessageBatchEntries) {
  Value in = DecodeQueryOk("SendMessageBatch", {
      {"QueueUrl", "u"},
      {"SendMessageBatchRequestEntry.1.Id", "a"},
      {"SendMessageBatchRequestEntry.1.MessageBody", "first"},
      {"SendMessageBatchRequestEntry.1.DelaySeconds", "3"},
      {"SendMessageBatchRequestEntry.1.MessageAttribute.1.Name", "k"},
      {"SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType", "Number"},
      {"SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue", "42"},
      {"SendMessageBatchRequestEntry.2.Id", "b"},
      {"SendMessageBatchRequestEntry.2.MessageBody", "second"},
  });
  const Value& entries = At(in, "Entries");
  ASSERT_TRUE(entries.is_list());
  ASSERT_EQ(entries.items().size(), 2u);
  const Value& a = entries.items()[0];
  EXPECT_EQ(a.GetString("Id"), "a");
  EXPECT_EQ(a.GetString("MessageBody"), "first");
  EXPECT_EQ(At(a, "DelaySeconds").as_int(), 3);
  EXPECT_EQ(At(At(a, "MessageAttributes"), "k").GetString("StringValue"), "42");
  EXPECT_EQ(entries.items()[1].GetString("Id"), "b");
  EXPECT_EQ(entries.items()[1].Find("DelaySeconds"), nullptr);
}

TEST(QueryDecode, OtherBatchAndListNames) {
  Value del = DecodeQueryOk("DeleteMessageBatch", {{"QueueUrl", "u"},
                                                   {"DeleteMessageBatchRequestEntry.1.Id", "x"},
                                                   {"DeleteMessageBatchRequestEntry.1.ReceiptHandle", "rh"}});
  ASSERT_EQ(At(del, "Entries").items().size(), 1u);
  EXPECT_EQ(At(del, "Entries").items()[0].GetString("ReceiptHandle"), "rh");

  Value cmv = DecodeQueryOk("ChangeMessageVisibilityBatch",
                            {{"QueueUrl", "u"},
                             {"ChangeMessageVisibilityBatchRequestEntry.1.Id", "x"},
                             {"ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle", "rh"},
                             {"ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout", "9"}});
  EXPECT_EQ(At(At(cmv, "Entries").items()[0], "VisibilityTimeout").as_int(), 9);

  Value gqa = DecodeQueryOk("GetQueueAttributes", {{"QueueUrl", "u"}, {"AttributeName.1", "All"}});
  EXPECT_EQ(Strings(gqa.Find("AttributeNames")), (std::vector<std::string>{"All"}));

  Value sqa = DecodeQueryOk("SetQueueAttributes", {{"QueueUrl", "u"},
                                                   {"Attribute.1.Name", "Policy"},
                                                   {"Attribute.1.Value", "{\"a\":1}"}});
  EXPECT_EQ(At(sqa, "Attributes").GetString("Policy"), "{\"a\":1}");

  Value tag = DecodeQueryOk("TagQueue", {{"QueueUrl", "u"}, {"Tag.1.Key", "k"}, {"Tag.1.Value", "v"}});
  EXPECT_EQ(At(tag, "Tags").GetString("k"), "v");
  Value untag = DecodeQueryOk("UntagQueue", {{"QueueUrl", "u"}, {"TagKey.1", "k1"}, {"TagKey.2", "k2"}});
  EXPECT_EQ(Strings(untag.Find("TagKeys")), (std::vector<std::string>{"k1", "k2"}));

  Value perm = DecodeQueryOk("AddPermission", {{"QueueUrl", "u"},
                                               {"Label", "l"},
                                               {"AWSAccountId.1", "111122223333"},
                                               {"ActionName.1", "SendMessage"},
                                               {"ActionName.2", "ReceiveMessage"}});
  EXPECT_EQ(Strings(perm.Find("AWSAccountIds")), (std::vector<std::string>{"111122223333"}));
  EXPECT_EQ(Strings(perm.Find("Actions")), (std::vector<std::string>{"SendMessage", "ReceiveMessage"}));

  Value list = DecodeQueryOk("ListQueues", {{"QueueNamePrefix", "pre"}, {"MaxResults", "2"}, {"NextToken", "t"}});
  EXPECT_EQ(list.GetString("QueueNamePrefix"), "pre");
  EXPECT_EQ(At(list, "MaxResults").as_int(), 2);
  EXPECT_EQ(list.GetString("NextToken"), "t");
}

// ------------------------------------------------------------- XML encode

TEST(XmlEncode, ReceiveMessageGolden) {
  Value msg = Map({
      {"MessageId", Str("5fea7756-0ea4-451a-a703-a558b933e274")},
      {"ReceiptHandle", Str("rh+/=")},
      {"MD5OfBody", Str("fafb00f5732ab283681e124bf8747ed1")},
      {"Body", Str("a<b & \"c\" 'd'")},
      {"Attributes", Map({{"SenderId", Str("123456789012")}, {"ApproximateReceiveCount", Str("1")}})},
      {"MD5OfMessageAttributes", Str("3ae8f24a165a8cedc005670c81a27295")},
      {"MessageAttributes",
       Map({{"color", Map({{"StringValue", Str("red")}, {"DataType", Str("String")}})},
            {"blob", Map({{"BinaryValue", Value::Blob("\x00\x01\x02"s)}, {"DataType", Str("Binary")}})}})},
  });
  Value messages = Value::List();
  messages.Append(std::move(msg));
  Value out = Map({{"Messages", std::move(messages)}});
  std::string xml = EncodeXmlResponse(Sqs(), Op(Sqs(), "ReceiveMessage"), out, "req-1");
  EXPECT_EQ(xml, Wrap("ReceiveMessage",
                      "<ReceiveMessageResult><Message>"
                      "<MessageId>5fea7756-0ea4-451a-a703-a558b933e274</MessageId>"
                      "<ReceiptHandle>rh+/=</ReceiptHandle>"
                      "<MD5OfBody>fafb00f5732ab283681e124bf8747ed1</MD5OfBody>"
                      "<Body>a&lt;b &amp; &quot;c&quot; &apos;d&apos;</Body>"
                      "<Attribute><Name>SenderId</Name><Value>123456789012</Value></Attribute>"
                      "<Attribute><Name>ApproximateReceiveCount</Name><Value>1</Value></Attribute>"
                      "<MD5OfMessageAttributes>3ae8f24a165a8cedc005670c81a27295</MD5OfMessageAttributes>"
                      "<MessageAttribute><Name>color</Name><Value><StringValue>red</StringValue>"
                      "<DataType>String</DataType></Value></MessageAttribute>"
                      "<MessageAttribute><Name>blob</Name><Value><BinaryValue>AAEC</BinaryValue>"
                      "<DataType>Binary</DataType></Value></MessageAttribute>"
                      "</Message></ReceiveMessageResult>"));
}

TEST(XmlEncode, EmptyReceiveHasAnEmptyResult) {
  std::string xml = EncodeXmlResponse(Sqs(), Op(Sqs(), "ReceiveMessage"), Value::Map(), "req-1");
  EXPECT_EQ(xml, Wrap("ReceiveMessage", "<ReceiveMessageResult></ReceiveMessageResult>"));
}

TEST(XmlEncode, ListQueuesRepeatsQueueUrl) {
  Value urls = Value::List();
  urls.Append(Str("http://localhost:4566/000000000000/a"));
  urls.Append(Str("http://localhost:4566/000000000000/b&c"));
  Value out = Map({{"QueueUrls", std::move(urls)}, {"NextToken", Str("tok")}});
  EXPECT_EQ(EncodeXmlResponse(Sqs(), Op(Sqs(), "ListQueues"), out, "req-1"),
            Wrap("ListQueues",
                 "<ListQueuesResult>"
                 "<QueueUrl>http://localhost:4566/000000000000/a</QueueUrl>"
                 "<QueueUrl>http://localhost:4566/000000000000/b&amp;c</QueueUrl>"
                 "<NextToken>tok</NextToken>"
                 "</ListQueuesResult>"));
}

TEST(XmlEncode, GetQueueAttributesNameValuePairs) {
  Value out = Map({{"Attributes", Map({{"VisibilityTimeout", Str("30")},
                                       {"Policy", Str("{\"Version\":\"2012-10-17\"}")}})}});
  EXPECT_EQ(EncodeXmlResponse(Sqs(), Op(Sqs(), "GetQueueAttributes"), out, "req-1"),
            Wrap("GetQueueAttributes",
                 "<GetQueueAttributesResult>"
                 "<Attribute><Name>VisibilityTimeout</Name><Value>30</Value></Attribute>"
                 "<Attribute><Name>Policy</Name><Value>{&quot;Version&quot;:&quot;2012-10-17&quot;}</Value></Attribute>"
                 "</GetQueueAttributesResult>"));
}

TEST(XmlEncode, MembersFollowTheModelOrderAndUnknownOnesAreDropped) {
  // Built in a different order, with a member the shape does not have.
  Value out = Map({{"MessageId", Str("id")},
                   {"Bogus", Str("x")},
                   {"MD5OfMessageBody", Str("md5")}});
  EXPECT_EQ(EncodeXmlResponse(Sqs(), Op(Sqs(), "SendMessage"), out, "req-1"),
            Wrap("SendMessage",
                 "<SendMessageResult><MD5OfMessageBody>md5</MD5OfMessageBody>"
                 "<MessageId>id</MessageId></SendMessageResult>"));
}

TEST(XmlEncode, OperationWithoutOutputHasNoResultElement) {
  EXPECT_EQ(EncodeXmlResponse(Sqs(), Op(Sqs(), "DeleteMessage"), Value::Map(), "req-1"),
            Wrap("DeleteMessage", ""));
}

TEST(XmlEncode, BatchResultEntries) {
  Value ok = Value::List();
  ok.Append(Map({{"Id", Str("a")}, {"MessageId", Str("m")}, {"MD5OfMessageBody", Str("d")}}));
  Value failed = Value::List();
  failed.Append(Map({{"Id", Str("b")},
                     {"SenderFault", Value::Bool(true)},
                     {"Code", Str("InvalidMessageContents")},
                     {"Message", Str("bad <char>")}}));
  Value out = Map({{"Successful", std::move(ok)}, {"Failed", std::move(failed)}});
  EXPECT_EQ(EncodeXmlResponse(Sqs(), Op(Sqs(), "SendMessageBatch"), out, "req-1"),
            Wrap("SendMessageBatch",
                 "<SendMessageBatchResult>"
                 "<SendMessageBatchResultEntry><Id>a</Id><MessageId>m</MessageId>"
                 "<MD5OfMessageBody>d</MD5OfMessageBody></SendMessageBatchResultEntry>"
                 "<BatchResultErrorEntry><Id>b</Id><SenderFault>true</SenderFault>"
                 "<Code>InvalidMessageContents</Code><Message>bad &lt;char&gt;</Message>"
                 "</BatchResultErrorEntry>"
                 "</SendMessageBatchResult>"));
}

TEST(XmlEscape, EscapesMarkupQuotesAndCarriageReturn) {
  EXPECT_EQ(XmlEscape("plain text 123"), "plain text 123");
  EXPECT_EQ(XmlEscape("<a href='x'>&\"</a>"), "&lt;a href=&apos;x&apos;&gt;&amp;&quot;&lt;/a&gt;");
  EXPECT_EQ(XmlEscape("line1\r\nline2\ttab"), "line1&#xD;\nline2\ttab");
  EXPECT_EQ(XmlEscape("caf\xc3\xa9 \xf0\x9f\x98\x80"), "caf\xc3\xa9 \xf0\x9f\x98\x80");
  EXPECT_EQ(XmlEscape("&amp;"), "&amp;amp;");
  EXPECT_EQ(XmlEscape(""), "");
}

// ------------------------------------------------------------- JSON decode

TEST(JsonDecode, SendMessageFields) {
  Value in = DecodeJsonOk(Sqs(), "SendMessage", R"({
      "QueueUrl": "http://localhost:4566/000000000000/q",
      "MessageBody": "h\u00e9llo \"quoted\"",
      "DelaySeconds": 5,
      "MessageAttributes": {
        "color": {"DataType": "String", "StringValue": "red"},
        "blob": {"DataType": "Binary", "BinaryValue": "AAH/"}
      },
      "Unknown": {"ignored": true}
  })");
  EXPECT_EQ(in.GetString("MessageBody"), "h\xc3\xa9llo \"quoted\"");
  EXPECT_EQ(At(in, "DelaySeconds").kind(), Value::Kind::kInt);
  EXPECT_EQ(At(in, "DelaySeconds").as_int(), 5);
  EXPECT_EQ(in.Find("Unknown"), nullptr);
  const Value& blob = At(At(in, "MessageAttributes"), "blob");
  ASSERT_NE(blob.Find("BinaryValue"), nullptr);
  EXPECT_EQ(blob.Find("BinaryValue")->kind(), Value::Kind::kBlob);
  EXPECT_EQ(blob.Find("BinaryValue")->as_string(), "\x00\x01\xff"s);
}

TEST(JsonDecode, ListsNullsAndWholeNumbers) {
  Value in = DecodeJsonOk(Sqs(), "ReceiveMessage",
                          R"({"QueueUrl":"u","AttributeNames":["All","SenderId"],)"
                          R"("MaxNumberOfMessages":10.0,"WaitTimeSeconds":null})");
  EXPECT_EQ(Strings(in.Find("AttributeNames")), (std::vector<std::string>{"All", "SenderId"}));
  EXPECT_EQ(At(in, "MaxNumberOfMessages").as_int(), 10);
  EXPECT_EQ(in.Find("WaitTimeSeconds"), nullptr);
}

TEST(JsonDecode, EmptyBodyIsAnEmptyInput) {
  for (const char* body : {"", "  \r\n\t"}) {
    Value in = DecodeJsonOk(Sqs(), "ListQueues", body);
    EXPECT_TRUE(in.is_map());
    EXPECT_TRUE(in.members().empty());
  }
  EXPECT_TRUE(DecodeJsonOk(Sqs(), "ListQueues", "{}").members().empty());
}

TEST(JsonDecode, TypeMismatchesAreSerializationExceptions) {
  struct Case {
    const char* op;
    const char* body;
  };
  const Case cases[] = {
      {"SendMessage", R"({"QueueUrl":"u","MessageBody":"b","DelaySeconds":"5"})"},
      {"SendMessage", R"({"QueueUrl":"u","MessageBody":"b","DelaySeconds":5.5})"},
      {"SendMessage", R"({"QueueUrl":"u","MessageBody":"b","DelaySeconds":true})"},
      {"SendMessage", R"({"QueueUrl":"u","MessageBody":"b","DelaySeconds":1e30})"},
      {"SendMessage", R"({"QueueUrl":"u","MessageBody":5})"},
      {"SendMessage", R"({"QueueUrl":["u"],"MessageBody":"b"})"},
      {"SendMessage", R"({"QueueUrl":"u","MessageBody":"b","MessageAttributes":[]})"},
      {"SendMessage", R"({"QueueUrl":"u","MessageBody":"b","MessageAttributes":{"a":"x"}})"},
      {"SendMessage", R"({"QueueUrl":"u","MessageBody":"b","MessageAttributes":{"a":{"DataType":7}}})"},
      {"ReceiveMessage", R"({"QueueUrl":"u","AttributeNames":"All"})"},
      {"ReceiveMessage", R"({"QueueUrl":"u","AttributeNames":[1]})"},
      {"CreateQueue", R"({"QueueName":"q","Attributes":{"VisibilityTimeout":30}})"},
      {"SendMessageBatch", R"({"QueueUrl":"u","Entries":{"Id":"a"}})"},
  };
  for (const Case& c : cases) {
    Error e = DecodeJsonError(Sqs(), c.op, c.body);
    EXPECT_EQ(e.code, "SerializationException") << c.body << ": " << e.message;
  }
}

TEST(JsonDecode, MalformedJsonAndNonObjects) {
  for (const char* body : {"{", "{\"QueueUrl\":}", "{\"a\":1,}", "nul", "{'a':1}", "{} trailing"}) {
    Error e = DecodeJsonError(Sqs(), "ListQueues", body);
    EXPECT_EQ(e.code, "SerializationException") << body;
    EXPECT_EQ(e.message.rfind("Malformed JSON", 0), 0u) << body << ": " << e.message;
  }
  for (const char* body : {"[]", "\"text\"", "42", "null", "true"}) {
    Error e = DecodeJsonError(Sqs(), "ListQueues", body);
    EXPECT_EQ(e.code, "SerializationException") << body;
  }
  Error utf8 = DecodeJsonError(Sqs(), "ListQueues", "{\"QueueNamePrefix\":\"\xc3\x28\"}");
  EXPECT_EQ(utf8.code, "SerializationException");
}

TEST(JsonDecode, InvalidBase64BlobIsRejected) {
  for (const char* b64 : {"not base64!", "AAH", "AA==AA==", "-_8="}) {
    std::string body = std::string(R"({"QueueUrl":"u","MessageBody":"b","MessageAttributes":{"x":)") +
                       R"({"DataType":"Binary","BinaryValue":")" + b64 + R"("}}})";
    Error e = DecodeJsonError(Sqs(), "SendMessage", body);
    EXPECT_EQ(e.code, "SerializationException") << b64;
  }
}

TEST(JsonDecode, KinesisBlobsAndTimestamps) {
  Value put = DecodeJsonOk(Kinesis(), "PutRecord", R"({"StreamName":"s","Data":"aGk=","PartitionKey":"pk"})");
  ASSERT_NE(put.Find("Data"), nullptr);
  EXPECT_EQ(put.Find("Data")->kind(), Value::Kind::kBlob);
  EXPECT_EQ(put.Find("Data")->as_string(), "hi");
  Value it = DecodeJsonOk(Kinesis(), "GetShardIterator",
                          R"({"StreamName":"s","ShardId":"shardId-000000000000",)"
                          R"("ShardIteratorType":"AT_TIMESTAMP","Timestamp":1700000000.5})");
  ASSERT_NE(it.Find("Timestamp"), nullptr);
  EXPECT_EQ(it.Find("Timestamp")->kind(), Value::Kind::kTimestamp);
  EXPECT_EQ(it.Find("Timestamp")->as_timestamp_millis(), 1700000000500);
  Error e = DecodeJsonError(Kinesis(), "GetShardIterator",
                            R"({"ShardId":"x","ShardIteratorType":"AT_TIMESTAMP","Timestamp":"yesterday"})");
  EXPECT_EQ(e.code, "SerializationException");
}

// ------------------------------------------------------------- JSON encode

TEST(JsonEncode, ReceiveMessageOutput) {
  Value msg = Map({
      {"Body", Str("line\n\"quoted\" \\ caf\xc3\xa9 \x01")},
      {"MessageId", Str("id")},
      {"MessageAttributes",
       Map({{"blob", Map({{"DataType", Str("Binary")}, {"BinaryValue", Value::Blob("\x00\x01\x02"s)}})}})},
      {"Attributes", Map({{"SentTimestamp", Str("1700000000000")}})},
  });
  Value list = Value::List();
  list.Append(std::move(msg));
  std::string json = EncodeJson(Sqs(), Op(Sqs(), "ReceiveMessage"), Map({{"Messages", std::move(list)}}));
  // Members in model order, whatever the order they were set in.
  EXPECT_LT(json.find("\"MessageId\""), json.find("\"Body\""));
  EXPECT_LT(json.find("\"Body\""), json.find("\"Attributes\""));

  rapidjson::Document doc;
  doc.Parse(json.c_str());
  ASSERT_FALSE(doc.HasParseError()) << json;
  const auto& m = doc["Messages"][0];
  EXPECT_EQ(std::string(m["Body"].GetString(), m["Body"].GetStringLength()),
            "line\n\"quoted\" \\ caf\xc3\xa9 \x01");
  EXPECT_STREQ(m["MessageAttributes"]["blob"]["BinaryValue"].GetString(), "AAEC");
  EXPECT_STREQ(m["MessageAttributes"]["blob"]["DataType"].GetString(), "Binary");
  EXPECT_STREQ(m["Attributes"]["SentTimestamp"].GetString(), "1700000000000");
}

TEST(JsonEncode, EmptyAndNoOutput) {
  EXPECT_EQ(EncodeJson(Sqs(), Op(Sqs(), "ReceiveMessage"), Value::Map()), "{}");
  EXPECT_EQ(EncodeJson(Sqs(), Op(Sqs(), "DeleteMessage"), Value::Map()), "{}");
}

TEST(JsonEncode, IntegerInAStringMemberIsRenderedAsAString) {
  std::string json = EncodeJson(Sqs(), Op(Sqs(), "SendMessage"), Map({{"MessageId", Value::Int(42)}}));
  EXPECT_EQ(json, R"({"MessageId":"42"})");
}

TEST(JsonEncode, KinesisTimestampsAreEpochSeconds) {
  Value rec = Map({{"SequenceNumber", Str("49590338271490256608559692538361571095921575989136588898")},
                   {"ApproximateArrivalTimestamp", Value::Timestamp(1700000000123)},
                   {"Data", Value::Blob("hi")},
                   {"PartitionKey", Str("pk")}});
  Value records = Value::List();
  records.Append(std::move(rec));
  std::string json = EncodeJson(Kinesis(), Op(Kinesis(), "GetRecords"),
                                Map({{"Records", std::move(records)}, {"MillisBehindLatest", Value::Int(0)}}));
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  ASSERT_FALSE(doc.HasParseError()) << json;
  const auto& r = doc["Records"][0];
  ASSERT_TRUE(r["ApproximateArrivalTimestamp"].IsNumber());
  EXPECT_DOUBLE_EQ(r["ApproximateArrivalTimestamp"].GetDouble(), 1700000000.123);
  EXPECT_STREQ(r["Data"].GetString(), "aGk=");
  EXPECT_EQ(doc["MillisBehindLatest"].GetInt64(), 0);
}

// ---------------------------------------------------------------- Validate

TEST(ValidateQuery, MissingRequiredMemberIsMissingParameter) {
  Status st = Validate(Sqs(), Op(Sqs(), "CreateQueue"), Value::Map(), ValidationStyle::kQuery);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "MissingParameter");
  EXPECT_EQ(st.error().message, "The request must contain the parameter QueueName.");

  // The first missing member in model order is named.
  Status send = Validate(Sqs(), Op(Sqs(), "SendMessage"), Value::Map(), ValidationStyle::kQuery);
  ASSERT_FALSE(send.ok());
  EXPECT_EQ(send.error().message, "The request must contain the parameter QueueUrl.");
  Status body = Validate(Sqs(), Op(Sqs(), "SendMessage"), Map({{"QueueUrl", Str("u")}}), ValidationStyle::kQuery);
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.error().message, "The request must contain the parameter MessageBody.");
}

TEST(ValidateQuery, NestedRequiredMembersAreChecked) {
  Value attrs = Map({{"a", Map({{"StringValue", Str("v")}})}});  // no DataType
  Status st = Validate(Sqs(), Op(Sqs(), "SendMessage"),
                       Map({{"QueueUrl", Str("u")}, {"MessageBody", Str("b")}, {"MessageAttributes", attrs}}),
                       ValidationStyle::kQuery);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "MissingParameter");
  EXPECT_NE(st.error().message.find("DataType"), std::string::npos) << st.error().message;

  Value entries = Value::List();
  entries.Append(Map({{"MessageBody", Str("b")}}));  // no Id
  Status batch = Validate(Sqs(), Op(Sqs(), "SendMessageBatch"),
                          Map({{"QueueUrl", Str("u")}, {"Entries", entries}}), ValidationStyle::kQuery);
  ASSERT_FALSE(batch.ok());
  EXPECT_EQ(batch.error().code, "MissingParameter");
}

TEST(ValidateQuery, CompleteInputPassesAndConstraintsAreLeftToTheService) {
  EXPECT_TRUE(Validate(Sqs(), Op(Sqs(), "SendMessage"), Map({{"QueueUrl", Str("u")}, {"MessageBody", Str("b")}}),
                       ValidationStyle::kQuery)
                  .ok());
  // An absent batch list is left to the service (EmptyBatchRequest).
  EXPECT_TRUE(Validate(Sqs(), Op(Sqs(), "SendMessageBatch"), Map({{"QueueUrl", Str("u")}}), ValidationStyle::kQuery)
                  .ok());
  // Query style applies no length, pattern or enum constraints.
  EXPECT_TRUE(Validate(Kinesis(), Op(Kinesis(), "CreateStream"), Map({{"StreamName", Str("bad name!")}}),
                       ValidationStyle::kQuery)
                  .ok());
}

TEST(ValidateAwsJson, MissingMemberMessage) {
  Status st = Validate(Kinesis(), Op(Kinesis(), "CreateStream"), Value::Map(), ValidationStyle::kValidation);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "ValidationException");
  EXPECT_EQ(st.error().message,
            "1 validation error detected: Value null at 'streamName' failed to satisfy constraint: "
            "Member must not be null");
}

TEST(ValidateAwsJson, SeveralErrorsAreCountedAndJoined) {
  Status st = Validate(Kinesis(), Op(Kinesis(), "PutRecord"), Map({{"StreamName", Str("s")}}),
                       ValidationStyle::kValidation);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message,
            "2 validation errors detected: "
            "Value null at 'data' failed to satisfy constraint: Member must not be null; "
            "Value null at 'partitionKey' failed to satisfy constraint: Member must not be null");
}

TEST(ValidateAwsJson, PatternEnumAndRange) {
  Status pattern = Validate(Kinesis(), Op(Kinesis(), "CreateStream"), Map({{"StreamName", Str("bad name!")}}),
                            ValidationStyle::kValidation);
  ASSERT_FALSE(pattern.ok());
  EXPECT_EQ(pattern.error().message,
            "1 validation error detected: Value 'bad name!' at 'streamName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");

  Status range = Validate(Kinesis(), Op(Kinesis(), "CreateStream"),
                          Map({{"StreamName", Str("s")}, {"ShardCount", Value::Int(0)}}),
                          ValidationStyle::kValidation);
  ASSERT_FALSE(range.ok());
  EXPECT_EQ(range.error().message,
            "1 validation error detected: Value '0' at 'shardCount' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1");

  Status enum_st = Validate(Kinesis(), Op(Kinesis(), "GetShardIterator"),
                            Map({{"StreamName", Str("s")},
                                 {"ShardId", Str("shardId-000000000000")},
                                 {"ShardIteratorType", Str("SOMETIMES")}}),
                            ValidationStyle::kValidation);
  ASSERT_FALSE(enum_st.ok());
  const std::string& msg = enum_st.error().message;
  EXPECT_EQ(msg.rfind("1 validation error detected: Value 'SOMETIMES' at 'shardIteratorType' failed to "
                      "satisfy constraint: Member must satisfy enum value set: [",
                      0),
            0u)
      << msg;
  for (const char* v : {"AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"}) {
    EXPECT_NE(msg.find(v), std::string::npos) << v;
  }
  EXPECT_EQ(msg.back(), ']');
}

TEST(ValidateAwsJson, ListItemsAreAddressedByIndex) {
  Value records = Value::List();
  records.Append(Map({{"Data", Value::Blob("x")}, {"PartitionKey", Str("pk")}}));
  records.Append(Map({{"PartitionKey", Str("pk")}}));
  Status st = Validate(Kinesis(), Op(Kinesis(), "PutRecords"),
                       Map({{"StreamName", Str("s")}, {"Records", records}}), ValidationStyle::kValidation);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message,
            "1 validation error detected: Value null at 'records.2.member.data' failed to satisfy "
            "constraint: Member must not be null");
}

TEST(ValidateAwsJson, LengthLimitsAreEnforced) {
  Status too_long = Validate(Kinesis(), Op(Kinesis(), "CreateStream"), Map({{"StreamName", Str(std::string(129, 'a'))}}),
                             ValidationStyle::kValidation);
  ASSERT_FALSE(too_long.ok());
  EXPECT_NE(too_long.error().message.find("at 'streamName' failed to satisfy constraint: Member must have "
                                          "length less than or equal to 128"),
            std::string::npos)
      << too_long.error().message;
  EXPECT_TRUE(Validate(Kinesis(), Op(Kinesis(), "CreateStream"), Map({{"StreamName", Str(std::string(128, 'a'))}}),
                       ValidationStyle::kValidation)
                  .ok());

  // Lengths count UTF-16 code units, as AWS's Java services do: one
  // four-byte character is two units.
  std::string key;
  for (int i = 0; i < 128; ++i) key += "\xf0\x9f\x98\x80";  // 256 units
  EXPECT_TRUE(Validate(Kinesis(), Op(Kinesis(), "PutRecord"),
                       Map({{"StreamName", Str("s")}, {"Data", Value::Blob("x")}, {"PartitionKey", Str(key)}}),
                       ValidationStyle::kValidation)
                  .ok());
  key += "a";
  EXPECT_FALSE(Validate(Kinesis(), Op(Kinesis(), "PutRecord"),
                        Map({{"StreamName", Str("s")}, {"Data", Value::Blob("x")}, {"PartitionKey", Str(key)}}),
                        ValidationStyle::kValidation)
                   .ok());

  Value many = Value::List();
  for (int i = 0; i < 501; ++i) many.Append(Map({{"Data", Value::Blob("x")}, {"PartitionKey", Str("pk")}}));
  Status list = Validate(Kinesis(), Op(Kinesis(), "PutRecords"), Map({{"StreamName", Str("s")}, {"Records", many}}),
                         ValidationStyle::kValidation);
  ASSERT_FALSE(list.ok());
  EXPECT_NE(list.error().message.find("at 'records' failed to satisfy constraint: Member must have length "
                                      "less than or equal to 500"),
            std::string::npos)
      << list.error().message;
}

// AWS's length messages quote the offending string value, as its pattern
// and range messages do, e.g. Firehose: "1 validation error detected: Value
// 'bobStack...' at 'deliveryStreamName' failed to satisfy constraint: Member
// must have length less than or equal to 64".
TEST(ValidateAwsJson, StringLengthMessageQuotesTheValue) {
  std::string name(129, 'a');
  Status st = Validate(Kinesis(), Op(Kinesis(), "CreateStream"), Map({{"StreamName", Str(name)}}),
                       ValidationStyle::kValidation);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message,
            "1 validation error detected: Value '" + name +
                "' at 'streamName' failed to satisfy constraint: Member must have length less than "
                "or equal to 128");
}

}  // namespace
}  // namespace sluice::protocol
