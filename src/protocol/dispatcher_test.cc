// Tests for the dispatcher's choice of wire format: a request to a JSON
// binding with Content-Type application/x-amz-cbor-1.1 is decoded as CBOR and
// everything it gets back (results, service errors, validation and
// serialization errors, auth and routing errors) is CBOR under that content
// type, rendered by the one error renderer; JSON requests stay JSON.
#include "protocol/dispatcher.h"

#include <cbor.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <memory>
#include <optional>
#include <string>

#include "auth/sigv4.h"
#include "common/clock.h"
#include "protocol/generated/kinesis_model.h"
#include "protocol/generated/sqs_model.h"

namespace sluice::protocol {
namespace {

using namespace std::string_literals;

std::string HeaderOf(const HttpResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "<absent>";
}

// Records what it is called with and answers with a scripted result.
class FakeService : public Service {
 public:
  void Invoke(const CallContext&, std::string_view op, Value input, Done done) override {
    calls++;
    last_op = std::string(op);
    last_input = std::move(input);
    done(answer ? *answer : Result<Value>(Value::Map()));
  }
  bool StreamsOutput(std::string_view op) const override { return op == "SubscribeToShard"; }
  void InvokeStream(const CallContext&, std::string_view op, Value input, EventEncoder encoder,
                    StreamDone done) override {
    stream_calls++;
    last_op = std::string(op);
    last_input = std::move(input);
    last_encoder = std::move(encoder);
    if (stream_error) return done(*stream_error);
    done(StreamProducer([](std::shared_ptr<ResponseStream> s) { s->End(); }));
  }
  int calls = 0;
  int stream_calls = 0;
  std::string last_op;
  Value last_input;
  std::optional<Result<Value>> answer;
  std::optional<Error> stream_error;
  EventEncoder last_encoder;
};

class DispatcherCbor : public ::testing::Test {
 protected:
  DispatcherCbor()
      : open_(auth::AuthMode::kOpen, nullptr, &clock_),
        strict_(auth::AuthMode::kStrict, nullptr, &clock_) {}

  Dispatcher Make(const auth::SigV4Verifier* verifier) {
    Dispatcher d(verifier, {"000000000000", "us-east-1"});
    ServiceBinding kinesis;
    kinesis.model = &model::KinesisModel();
    kinesis.service = &kinesis_;
    kinesis.scope_name = "kinesis";
    kinesis.json_protocol = WireProtocol::kJson11;
    kinesis.style = ValidationStyle::kValidation;
    kinesis.event_encoder = [](WireProtocol p) {
      EventEncoder e;
      e.initial_response = [p] { return std::string(p == WireProtocol::kCbor11 ? "cbor" : "json"); };
      return e;
    };
    d.Register(kinesis);
    ServiceBinding sqs;
    sqs.model = &model::SqsModel();
    sqs.service = &sqs_;
    sqs.scope_name = "sqs";
    sqs.json_protocol = WireProtocol::kJson10;
    sqs.query = true;
    sqs.query_compatible = true;
    d.Register(sqs);
    return d;
  }

  HttpResponse Send(const std::string& target, const std::string& content_type,
                    const std::string& body, bool strict = false) {
    Dispatcher d = Make(strict ? &strict_ : &open_);
    HttpRequest req;
    req.method = "POST";
    req.target = "/";
    req.headers = {
        {"Host", "localhost:4566"}, {"X-Amz-Target", target}, {"Content-Type", content_type}};
    req.body = body;
    int answers = 0;
    HttpResponse out;
    d.Handle(req, [&](HttpResponse r) {
      ++answers;
      out = std::move(r);
    });
    EXPECT_EQ(answers, 1);
    return out;
  }
  HttpResponse SendCbor(const std::string& op, const std::string& body, bool strict = false) {
    return Send("Kinesis_20131202." + op, "application/x-amz-cbor-1.1", body, strict);
  }

  ManualClock clock_;
  auth::SigV4Verifier open_;
  auth::SigV4Verifier strict_;
  FakeService kinesis_;
  FakeService sqs_;
};

// ---- CBOR helpers: libcbor encoders for requests, its tree decoder for answers.

template <typename F, typename T>
std::string Head(F encode, T v) {
  unsigned char buf[9];
  size_t n = encode(v, buf, sizeof buf);
  return std::string(reinterpret_cast<const char*>(buf), n);
}
std::string T(std::string_view s) {
  return Head(cbor_encode_string_start, s.size()) + std::string(s);
}
std::string By(std::string_view s) {
  return Head(cbor_encode_bytestring_start, s.size()) + std::string(s);
}
std::string M(size_t n) { return Head(cbor_encode_map_start, n); }
std::string U(uint64_t v) { return Head(cbor_encode_uint, v); }

struct ItemDeleter {
  void operator()(cbor_item_t* item) const { cbor_decref(&item); }
};
using Item = std::unique_ptr<cbor_item_t, ItemDeleter>;

Item Load(const std::string& bytes) {
  cbor_load_result result;
  cbor_item_t* item = cbor_load(reinterpret_cast<cbor_data>(bytes.data()), bytes.size(), &result);
  EXPECT_EQ(result.error.code, CBOR_ERR_NONE);
  EXPECT_EQ(result.read, bytes.size());
  return Item(item);
}
cbor_item_t* Get(cbor_item_t* map, std::string_view name) {
  if (!map || !cbor_isa_map(map)) return nullptr;
  cbor_pair* pairs = cbor_map_handle(map);
  for (size_t i = 0; i < cbor_map_size(map); ++i) {
    cbor_item_t* k = pairs[i].key;
    if (cbor_isa_string(k) && cbor_string_is_definite(k) &&
        std::string_view(reinterpret_cast<const char*>(cbor_string_handle(k)),
                         cbor_string_length(k)) == name) {
      return pairs[i].value;
    }
  }
  return nullptr;
}
std::string Text(cbor_item_t* item) {
  if (!item || !cbor_isa_string(item)) return "<not text>";
  return std::string(reinterpret_cast<const char*>(cbor_string_handle(item)),
                     cbor_string_length(item));
}

// An error answer in CBOR: status, content type, x-amzn-ErrorType (`type`
// unless `type_header` says otherwise), and a map of exactly __type and
// message.
void ExpectCborError(const HttpResponse& r, int status, const std::string& type,
                     const std::string& message_prefix = "", const std::string& type_header = "") {
  EXPECT_EQ(r.status, status);
  EXPECT_EQ(HeaderOf(r, "Content-Type"), "application/x-amz-cbor-1.1");
  // The binding's code in x-amzn-ErrorType; none without a binding.
  EXPECT_EQ(HeaderOf(r, "x-amzn-ErrorType"), type_header.empty() ? type : type_header);
  EXPECT_NE(HeaderOf(r, "x-amzn-RequestId"), "<absent>");
  Item body = Load(r.body);
  ASSERT_TRUE(body && cbor_isa_map(body.get())) << r.body;
  EXPECT_EQ(cbor_map_size(body.get()), 2u);
  EXPECT_EQ(Text(Get(body.get(), "__type")), type);
  std::string message = Text(Get(body.get(), "message"));
  EXPECT_EQ(message.rfind(message_prefix, 0), 0u) << message;
}

TEST_F(DispatcherCbor, PutRecordInAndOutInCbor) {
  kinesis_.answer = Result<Value>([] {
    Value v = Value::Map();
    v.Set("ShardId", Value::String("shardId-000000000000"));
    v.Set("SequenceNumber",
          Value::String("49590338271490256608559692538361571095921575989136588898"));
    return v;
  }());
  HttpResponse r = SendCbor("PutRecord",
                            "\xbf"
                            "jStreamNamedtestdDataMhello, world!lPartitionKeylpartitionkey\xff");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(HeaderOf(r, "Content-Type"), "application/x-amz-cbor-1.1");
  ASSERT_EQ(kinesis_.calls, 1);
  EXPECT_EQ(kinesis_.last_op, "PutRecord");
  const Value* data = kinesis_.last_input.Find("Data");
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(data->kind(), Value::Kind::kBlob);
  EXPECT_EQ(data->as_string(), "hello, world!");
  Item body = Load(r.body);
  EXPECT_EQ(Text(Get(body.get(), "ShardId")), "shardId-000000000000");
  EXPECT_EQ(Text(Get(body.get(), "SequenceNumber")),
            "49590338271490256608559692538361571095921575989136588898");
}

TEST_F(DispatcherCbor, GetRecordsAnswerHasByteStringsAndMillisecondTimestamps) {
  kinesis_.answer = Result<Value>([] {
    Value rec = Value::Map();
    rec.Set("SequenceNumber", Value::String("1"));
    rec.Set("ApproximateArrivalTimestamp", Value::Timestamp(1700000000123));
    rec.Set("Data", Value::Blob("\x00\xff"s));
    rec.Set("PartitionKey", Value::String("pk"));
    Value records = Value::List();
    records.Append(std::move(rec));
    Value v = Value::Map();
    v.Set("Records", std::move(records));
    v.Set("MillisBehindLatest", Value::Int(0));
    return v;
  }());
  HttpResponse r = SendCbor("GetRecords", M(1) + T("ShardIterator") + T("AAAA"));
  ASSERT_EQ(r.status, 200) << r.body;
  // The exact bytes of the record (definite lengths, tag 1 + uint64 millis).
  EXPECT_NE(r.body.find("\xa4"
                        "nSequenceNumber"
                        "a1"
                        "\x78\x1b"
                        "ApproximateArrivalTimestamp"
                        "\xc1\x1b\x00\x00\x01\x8b\xcf\xe5\x68\x7b"
                        "dData"
                        "B\x00\xff"
                        "lPartitionKey"
                        "bpk"s),
            std::string::npos);
}

TEST_F(DispatcherCbor, ServiceErrorsAreCbor) {
  kinesis_.answer = Result<Value>(
      Error{"ResourceNotFoundException", "Stream s under account 000000000000 not found."});
  HttpResponse r = SendCbor("DescribeStream", M(1) + T("StreamName") + T("s"));
  ExpectCborError(r, 400, "ResourceNotFoundException",
                  "Stream s under account 000000000000 not found.");
  EXPECT_EQ(HeaderOf(r, "x-amzn-query-error"), "<absent>");

  kinesis_.answer = Result<Value>(Error{"InternalFailure", "boom", 500, false});
  ExpectCborError(SendCbor("DescribeStream", M(1) + T("StreamName") + T("s")), 500,
                  "InternalFailure", "boom");
  // Error texts are kept valid UTF-8.
  kinesis_.answer = Result<Value>(Error{"InvalidArgumentException", "bad \xff byte"});
  ExpectCborError(SendCbor("DescribeStream", M(1) + T("StreamName") + T("s")), 400,
                  "InvalidArgumentException", "bad ");
}

TEST_F(DispatcherCbor, MalformedCborIsASerializationExceptionInCbor) {
  for (const std::string& body :
       {"\xbf"s, "\x1c"s, M(1) + T("StreamName") + By("s"), "{\"StreamName\":\"s\"}"s}) {
    ExpectCborError(SendCbor("DescribeStream", body), 400, "SerializationException");
  }
  EXPECT_EQ(kinesis_.calls, 0);
}

TEST_F(DispatcherCbor, ValidationErrorsMatchJson) {
  // PutRecord without StreamName/ARN is fine for the model; an empty
  // PartitionKey and a missing Data are not.
  HttpResponse json =
      Send("Kinesis_20131202.PutRecord", "application/x-amz-json-1.1", R"({"PartitionKey":""})");
  ASSERT_EQ(json.status, 400);
  rapidjson::Document doc;
  doc.Parse(json.body.c_str());
  ASSERT_TRUE(doc.IsObject());
  std::string json_message = doc["message"].GetString();
  EXPECT_EQ(std::string(doc["__type"].GetString()), "ValidationException");

  HttpResponse cbor = SendCbor("PutRecord", M(1) + T("PartitionKey") + T(""));
  ExpectCborError(cbor, 400, "ValidationException", json_message);
  Item body = Load(cbor.body);
  EXPECT_EQ(Text(Get(body.get(), "message")), json_message);
  EXPECT_EQ(kinesis_.calls, 0);
}

TEST_F(DispatcherCbor, RoutingAndAuthErrorsAreCbor) {
  ExpectCborError(SendCbor("NoSuchOperation", M(0)), 400, "UnknownOperationException");
  ExpectCborError(Send("Nope_20990101.PutRecord", "application/x-amz-cbor-1.1", M(0)), 400,
                  "UnknownOperationException", "", "<absent>");
  HttpResponse unsigned_strict = SendCbor("ListStreams", M(0), /*strict=*/true);
  EXPECT_EQ(unsigned_strict.status, 403);
  EXPECT_EQ(HeaderOf(unsigned_strict, "Content-Type"), "application/x-amz-cbor-1.1");
  Item body = Load(unsigned_strict.body);
  EXPECT_EQ(Text(Get(body.get(), "__type")), HeaderOf(unsigned_strict, "x-amzn-ErrorType"));
}

TEST_F(DispatcherCbor, ContentTypeIsMatchedWithoutCaseOrParameters) {
  HttpResponse r = Send("Kinesis_20131202.ListStreams", "Application/X-Amz-Cbor-1.1; charset=utf-8",
                        M(1) + T("Limit") + U(5));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(HeaderOf(r, "Content-Type"), "application/x-amz-cbor-1.1");
  EXPECT_EQ(r.body, M(0));
  EXPECT_EQ(kinesis_.last_input.Find("Limit")->as_int(), 5);
}

TEST_F(DispatcherCbor, JsonRequestsStayJson) {
  HttpResponse r =
      Send("Kinesis_20131202.ListStreams", "application/x-amz-json-1.1", R"({"Limit":5})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(HeaderOf(r, "Content-Type"), "application/x-amz-json-1.1");
  EXPECT_EQ(r.body, "{}");
  HttpResponse err = Send("Kinesis_20131202.ListStreams", "application/x-amz-json-1.1", "{");
  EXPECT_EQ(err.status, 400);
  EXPECT_EQ(HeaderOf(err, "Content-Type"), "application/x-amz-json-1.1");
  EXPECT_EQ(HeaderOf(err, "x-amzn-ErrorType"), "SerializationException");
  EXPECT_EQ(err.body.rfind("{\"__type\":\"SerializationException\"", 0), 0u) << err.body;
}

TEST_F(DispatcherCbor, CborToAQueryCompatibleJsonServiceKeepsTheQueryErrorHeader) {
  sqs_.answer = Result<Value>(Error{"QueueDoesNotExist", "The specified queue does not exist."});
  HttpResponse r =
      Send("AmazonSQS.GetQueueUrl", "application/x-amz-cbor-1.1", M(1) + T("QueueName") + T("q"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(HeaderOf(r, "Content-Type"), "application/x-amz-cbor-1.1");
  EXPECT_EQ(HeaderOf(r, "x-amzn-query-error"), "AWS.SimpleQueueService.NonExistentQueue;Sender");
  // Query-compatible: the legacy code only, no x-amzn-ErrorType.
  EXPECT_EQ(HeaderOf(r, "x-amzn-ErrorType"), "<absent>");
  Item body = Load(r.body);
  EXPECT_EQ(Text(Get(body.get(), "__type")), "com.amazonaws.sqs#QueueDoesNotExist");
  EXPECT_EQ(Text(Get(body.get(), "message")), "The specified queue does not exist.");
}

// ---- Event-stream outputs: SubscribeToShard answers 200 and a body producer,
// its events framed in the request's format; errors before it are ordinary.

const char* kSubscribeJson =
    R"({"ConsumerARN":"arn:aws:kinesis:us-east-1:000000000000:stream/s/consumer/c:1",)"
    R"("ShardId":"shardId-000000000000","StartingPosition":{"Type":"LATEST"}})";

TEST_F(DispatcherCbor, EventStreamOutputAnswersWithAProducer) {
  HttpResponse r =
      Send("Kinesis_20131202.SubscribeToShard", "application/x-amz-json-1.1", kSubscribeJson);
  EXPECT_EQ(kinesis_.stream_calls, 1);
  EXPECT_EQ(kinesis_.calls, 0);
  EXPECT_EQ(kinesis_.last_op, "SubscribeToShard");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(HeaderOf(r, "Content-Type"), "application/vnd.amazon.eventstream");
  EXPECT_NE(HeaderOf(r, "x-amzn-RequestId"), "<absent>");
  EXPECT_TRUE(r.body.empty());
  ASSERT_TRUE(r.stream);
  ASSERT_TRUE(kinesis_.last_encoder.initial_response);
  EXPECT_EQ(kinesis_.last_encoder.initial_response(), "json");
}

TEST_F(DispatcherCbor, EventStreamOfACborCallIsFramedInCbor) {
  std::string body = M(3) + T("ConsumerARN") +
                     T("arn:aws:kinesis:us-east-1:000000000000:stream/s/consumer/c:1") +
                     T("ShardId") + T("shardId-000000000000") + T("StartingPosition") + M(1) +
                     T("Type") + T("TRIM_HORIZON");
  HttpResponse r = SendCbor("SubscribeToShard", body);
  EXPECT_EQ(r.status, 200);
  ASSERT_TRUE(r.stream);
  EXPECT_EQ(kinesis_.last_encoder.initial_response(), "cbor");
}

TEST_F(DispatcherCbor, EventStreamErrorsAreOrdinaryAnswers) {
  kinesis_.stream_error = Error{"ResourceInUseException", "Another active subscription exists."};
  HttpResponse r =
      Send("Kinesis_20131202.SubscribeToShard", "application/x-amz-json-1.1", kSubscribeJson);
  EXPECT_EQ(r.status, 400);
  EXPECT_FALSE(r.stream);
  EXPECT_EQ(HeaderOf(r, "Content-Type"), "application/x-amz-json-1.1");
  EXPECT_EQ(HeaderOf(r, "x-amzn-ErrorType"), "ResourceInUseException");
  // Input the model refuses never reaches the service.
  HttpResponse bad = Send("Kinesis_20131202.SubscribeToShard", "application/x-amz-json-1.1",
                          R"({"ShardId":"shardId-000000000000"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(HeaderOf(bad, "x-amzn-ErrorType"), "ValidationException");
  EXPECT_EQ(kinesis_.stream_calls, 1);
}

}  // namespace
}  // namespace sluice::protocol
