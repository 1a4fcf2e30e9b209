// Tests for AWS CBOR 1.1: requests as the AWS Java SDKs write them decode into
// the Values AWS JSON gives for the same call (so validation and services see
// no difference); responses use byte strings for blobs and tag 1 + epoch
// milliseconds for timestamps (what SDK v1 and v2 parse); hostile bodies
// (truncated, malformed, deeply nested, lying about lengths) are
// SerializationExceptions, quickly and without large allocations.
#include <cbor.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "common/crypto.h"
#include "protocol/codecs.h"
#include "protocol/generated/kinesis_model.h"
#include "protocol/generated/sqs_model.h"

namespace sluice::protocol {
namespace {

using namespace std::string_literals;
using model::ShapeType;

const model::Service& Kinesis() { return model::KinesisModel(); }

const model::Operation& Op(const model::Service& svc, std::string_view name) {
  const model::Operation* op = svc.FindOperation(name);
  EXPECT_NE(op, nullptr) << name;
  static const model::Operation kNone{"", -1, -1, ""};
  return op ? *op : kNone;
}

// An operation whose input is `op`'s output, to read responses back.
model::Operation OutputAsInput(const model::Operation& op) { return {op.name, op.output, -1, ""}; }

// ---- A CBOR writer for test input, on libcbor's encoders. ----------------

template <typename F, typename T>
std::string Head(F encode, T v) {
  unsigned char buf[9];
  size_t n = encode(v, buf, sizeof buf);
  return std::string(reinterpret_cast<const char*>(buf), n);
}
std::string U(uint64_t v) { return Head(cbor_encode_uint, v); }
std::string Neg(uint64_t n) { return Head(cbor_encode_negint, n); }  // -1 - n
std::string T(std::string_view s) {
  return Head(cbor_encode_string_start, s.size()) + std::string(s);
}
std::string By(std::string_view s) {
  return Head(cbor_encode_bytestring_start, s.size()) + std::string(s);
}
std::string A(size_t n) { return Head(cbor_encode_array_start, n); }
std::string M(size_t n) { return Head(cbor_encode_map_start, n); }
std::string Tag(uint64_t t) { return Head(cbor_encode_tag, t); }
std::string F64(double d) { return Head(cbor_encode_double, d); }
std::string F32(float f) { return Head(cbor_encode_single, f); }
std::string F16(float f) { return Head(cbor_encode_half, f); }
const std::string kIndefMap = "\xbf", kIndefArray = "\x9f", kIndefText = "\x7f",
                  kIndefBytes = "\x5f", kBreak = "\xff", kTrue = "\xf5", kFalse = "\xf4",
                  kNull = "\xf6", kUndefined = "\xf7";

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// The same document in CBOR, as a CBOR-speaking client would send it: JSON
// numbers stay integers or doubles, strings stay text (blobs therefore base64).
void JsonToCbor(const rapidjson::Value& v, std::string& out) {
  if (v.IsObject()) {
    out += M(v.MemberCount());
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
      out += T(std::string_view(it->name.GetString(), it->name.GetStringLength()));
      JsonToCbor(it->value, out);
    }
  } else if (v.IsArray()) {
    out += A(v.Size());
    for (const auto& item : v.GetArray()) JsonToCbor(item, out);
  } else if (v.IsString()) {
    out += T(std::string_view(v.GetString(), v.GetStringLength()));
  } else if (v.IsBool()) {
    out += v.GetBool() ? kTrue : kFalse;
  } else if (v.IsNull()) {
    out += kNull;
  } else if (v.IsUint64()) {
    out += U(v.GetUint64());
  } else if (v.IsInt64()) {
    out += Neg(static_cast<uint64_t>(-(v.GetInt64() + 1)));
  } else {
    out += F64(v.GetDouble());
  }
}
std::string JsonToCbor(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  EXPECT_FALSE(doc.HasParseError()) << json;
  std::string out;
  JsonToCbor(doc, out);
  return out;
}

// A canonical text form of a Value, for equality and readable failures.
std::string Dump(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNull:
      return "null";
    case Value::Kind::kBool:
      return v.as_bool() ? "true" : "false";
    case Value::Kind::kInt:
      return "int:" + std::to_string(v.as_int());
    case Value::Kind::kDouble:
      return "double:" + std::to_string(v.as_double());
    case Value::Kind::kString:
      return "str:'" + v.as_string() + "'";
    case Value::Kind::kBlob:
      return "blob:" + std::to_string(v.as_string().size()) + ":'" + v.as_string() + "'";
    case Value::Kind::kTimestamp:
      return "ts:" + std::to_string(v.as_timestamp_millis());
    case Value::Kind::kList: {
      std::string s = "[";
      for (const auto& item : v.items()) s += Dump(item) + ",";
      return s + "]";
    }
    case Value::Kind::kMap: {
      std::string s = "{";
      for (const auto& [k, m] : v.members()) s += k + "=" + Dump(m) + ",";
      return s + "}";
    }
  }
  return "?";
}

Value DecodeOk(const model::Service& svc, const model::Operation& op, const std::string& body) {
  auto r = DecodeCbor(svc, op, body);
  EXPECT_TRUE(r.ok()) << r.error().code << ": " << r.error().message;
  return r.ok() ? *r : Value();
}
Value DecodeOk(std::string_view op, const std::string& body) {
  return DecodeOk(Kinesis(), Op(Kinesis(), op), body);
}

Error DecodeError(const model::Service& svc, const model::Operation& op, const std::string& body) {
  auto r = DecodeCbor(svc, op, body);
  EXPECT_FALSE(r.ok()) << Dump(r.ok() ? *r : Value());
  return r.ok() ? Error{} : r.error();
}
Error DecodeError(std::string_view op, const std::string& body) {
  return DecodeError(Kinesis(), Op(Kinesis(), op), body);
}

const Value& At(const Value& v, std::string_view key) {
  const Value* m = v.Find(key);
  EXPECT_NE(m, nullptr) << key << " in " << Dump(v);
  static const Value kNullValue;
  return m ? *m : kNullValue;
}

Value Map(std::vector<std::pair<std::string, Value>> members) {
  Value m = Value::Map();
  for (auto& [k, v] : members) m.Set(k, std::move(v));
  return m;
}
Value Str(std::string s) { return Value::String(std::move(s)); }

// libcbor's own tree decoder reads encoder output, independently of the codec.
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

// The value of key `name` in a definite map, or null.
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
std::string Bytes(cbor_item_t* item) {
  if (!item || !cbor_isa_bytestring(item)) return "<not bytes>";
  return std::string(reinterpret_cast<const char*>(cbor_bytestring_handle(item)),
                     cbor_bytestring_length(item));
}

// ------------------------------------------------------------------ decode

TEST(CborDecode, PutRecordAsTheJavaSdkSendsIt) {
  // Java SDK v2 PutRecord body (Jackson's CBOR generator: an indefinite-length
  // map, text keys, Data as a byte string).
  std::string body =
      "\xbf"
      "jStreamName"
      "dtest"
      "dData"
      "Mhello, world!"
      "lPartitionKey"
      "lpartitionkey"
      "\xff";
  Value in = DecodeOk("PutRecord", body);
  EXPECT_EQ(in.GetString("StreamName"), "test");
  EXPECT_EQ(in.GetString("PartitionKey"), "partitionkey");
  EXPECT_EQ(At(in, "Data").kind(), Value::Kind::kBlob);
  EXPECT_EQ(At(in, "Data").as_string(), "hello, world!");
  EXPECT_TRUE(
      Validate(Kinesis(), Op(Kinesis(), "PutRecord"), in, ValidationStyle::kValidation).ok());
}

TEST(CborDecode, PutRecordsWithBinaryData) {
  std::string data0 = "\x00\x01\xfe\xff"s;
  std::string data1(300, '\x80');
  std::string body = M(2) + T("StreamName") + T("orders") + T("Records") + A(2) + M(2) + T("Data") +
                     By(data0) + T("PartitionKey") + T("a") + M(3) + T("Data") + By(data1) +
                     T("PartitionKey") + T("b") + T("ExplicitHashKey") +
                     T("340282366920938463463374607431768211455");
  Value in = DecodeOk("PutRecords", body);
  const Value& records = At(in, "Records");
  ASSERT_EQ(records.items().size(), 2u);
  EXPECT_EQ(At(records.items()[0], "Data").as_string(), data0);
  EXPECT_EQ(At(records.items()[1], "Data").as_string(), data1);
  EXPECT_EQ(At(records.items()[1], "ExplicitHashKey").as_string(),
            "340282366920938463463374607431768211455");
  EXPECT_TRUE(
      Validate(Kinesis(), Op(Kinesis(), "PutRecords"), in, ValidationStyle::kValidation).ok());
}

TEST(CborDecode, SameValuesAsAwsJson) {
  // Each JSON body, written as CBOR with the same types, must decode into the
  // same Value, fail with the same error code, and validate with the same text.
  struct Case {
    const char* op;
    const char* json;
  };
  const Case cases[] = {
      {"PutRecord",
       R"({"StreamName":"s","Data":"aGk=","PartitionKey":"pk","SequenceNumberForOrdering":"1"})"},
      {"PutRecord", R"({"Data":"aGk=","PartitionKey":""})"},
      {"PutRecord", R"({"StreamName":"bad name!","Data":"aGk=","PartitionKey":"pk"})"},
      {"PutRecords", R"({"StreamName":"s","Records":[]})"},
      {"PutRecords",
       R"({"StreamName":"s","Records":[{"Data":"","PartitionKey":"p"},{"PartitionKey":"q"}]})"},
      {"GetRecords", R"({"ShardIterator":"it","Limit":0})"},
      {"GetRecords", R"({"ShardIterator":"it","Limit":10001})"},
      {"GetRecords", R"({"ShardIterator":"it","Limit":-5})"},
      {"GetShardIterator",
       R"({"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"AT_TIMESTAMP","Timestamp":1700000000.25})"},
      {"GetShardIterator",
       R"({"StreamName":"s","ShardId":"shardId-000000000000","ShardIteratorType":"AT_TIMESTAMP","Timestamp":1700000000})"},
      {"GetShardIterator", R"({"StreamName":"s","ShardId":"x","ShardIteratorType":"SOMETIMES"})"},
      {"CreateStream",
       R"({"StreamName":"s","ShardCount":2,"StreamModeDetails":{"StreamMode":"PROVISIONED"}})"},
      {"CreateStream", R"({"StreamName":"s","StreamModeDetails":{}})"},
      {"AddTagsToStream", R"({"StreamName":"s","Tags":{"a":"1","b":"2","a":"3"}})"},
      {"AddTagsToStream", R"({"StreamName":"s","Tags":{}})"},
      {"ListShards", R"({"StreamName":"s","MaxResults":null,"Unknown":{"x":[1,2,{"y":null}]}})"},
      {"DeleteStream", R"({"StreamName":"s","EnforceConsumerDeletion":true})"},
      // Type mismatches.
      {"PutRecord", R"({"StreamName":5,"Data":"aGk=","PartitionKey":"pk"})"},
      {"PutRecord", R"({"StreamName":"s","Data":"not base64!","PartitionKey":"pk"})"},
      {"PutRecords", R"({"StreamName":"s","Records":{"Data":"aGk="}})"},
      {"PutRecords", R"({"StreamName":"s","Records":["x"]})"},
      {"GetRecords", R"({"ShardIterator":"it","Limit":"10"})"},
      {"GetRecords", R"({"ShardIterator":"it","Limit":1.5})"},
      {"GetRecords", R"({"ShardIterator":"it","Limit":true})"},
      {"GetRecords", R"({"ShardIterator":["it"]})"},
      {"GetShardIterator",
       R"({"StreamName":"s","ShardId":"x","ShardIteratorType":"AT_TIMESTAMP","Timestamp":"now"})"},
      {"DeleteStream", R"({"StreamName":"s","EnforceConsumerDeletion":"true"})"},
      {"AddTagsToStream", R"({"StreamName":"s","Tags":[]})"},
      {"AddTagsToStream", R"({"StreamName":"s","Tags":{"a":1}})"},
      {"CreateStream", R"({"StreamName":"s","StreamModeDetails":"ON_DEMAND"})"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.op) + " " + c.json);
    const model::Operation& op = Op(Kinesis(), c.op);
    auto json = DecodeJson(Kinesis(), op, c.json);
    auto cbor = DecodeCbor(Kinesis(), op, JsonToCbor(c.json));
    ASSERT_EQ(json.ok(), cbor.ok()) << (cbor.ok() ? json.error().message : cbor.error().message);
    if (!json.ok()) {
      EXPECT_EQ(json.error().code, "SerializationException");
      EXPECT_EQ(cbor.error().code, "SerializationException");
      continue;
    }
    EXPECT_EQ(Dump(*json), Dump(*cbor));
    Status vj = Validate(Kinesis(), op, *json, ValidationStyle::kValidation);
    Status vc = Validate(Kinesis(), op, *cbor, ValidationStyle::kValidation);
    ASSERT_EQ(vj.ok(), vc.ok());
    if (!vj.ok()) {
      EXPECT_EQ(vc.error().code, vj.error().code);
      EXPECT_EQ(vc.error().message, vj.error().message);
    }
  }
}

TEST(CborDecode, TimestampsInMillisecondsOrSeconds) {
  auto decode = [](const std::string& ts) {
    std::string body = M(4) + T("StreamName") + T("s") + T("ShardId") + T("shardId-000000000000") +
                       T("ShardIteratorType") + T("AT_TIMESTAMP") + T("Timestamp") + ts;
    Value in = DecodeOk("GetShardIterator", body);
    const Value& t = At(in, "Timestamp");
    EXPECT_EQ(t.kind(), Value::Kind::kTimestamp) << Dump(in);
    return t.as_timestamp_millis();
  };
  // Java SDK v1 and v2: tag 1 and integer epoch milliseconds.
  EXPECT_EQ(decode(FromHex("c11b0000018bcfe5687b")), 1700000000123);
  EXPECT_EQ(decode(Tag(1) + U(1700000000123)), 1700000000123);
  // RFC 8949 encoders (cbor2 for a datetime): tag 1 and seconds, float or integer.
  EXPECT_EQ(decode(FromHex("c1fb41d954fc40200000")), 1700000000500);
  EXPECT_EQ(decode(FromHex("c11a6553f100")), 1700000000000);
  // Untagged numbers follow the same rule.
  EXPECT_EQ(decode(U(1700000000)), 1700000000000);
  EXPECT_EQ(decode(U(1700000000123)), 1700000000123);
  EXPECT_EQ(decode(F64(1700000000.123)), 1700000000123);
  EXPECT_EQ(decode(F64(1700000000123.0)), 1700000000123);
  EXPECT_EQ(decode(F32(1.5f)), 1500);
  EXPECT_EQ(decode(F16(0.0f)), 0);
  EXPECT_EQ(decode(U(0)), 0);
  // The boundary: 1e11 and above are milliseconds.
  EXPECT_EQ(decode(U(99999999999)), 99999999999000);
  EXPECT_EQ(decode(U(100000000000)), 100000000000);
  // Before the epoch.
  EXPECT_EQ(decode(Tag(1) + Neg(0)), -1000);
  EXPECT_EQ(decode(Neg(199999999999)), -200000000000);
  EXPECT_EQ(decode(F64(-1.5)), -1500);
  // Out of range or not a number.
  for (const std::string& bad :
       {U(UINT64_MAX), Neg(UINT64_MAX), F64(1e300), F64(NAN), F64(INFINITY),
        Tag(1) + T("2023-11-14T22:13:20Z"), Tag(1) + kTrue, By("\x01")}) {
    std::string body = M(1) + T("Timestamp") + bad;
    Error e = DecodeError("GetShardIterator", body);
    EXPECT_EQ(e.code, "SerializationException") << e.message;
  }
}

TEST(CborDecode, IntegersAndLongs) {
  auto limit = [](const std::string& n) {
    return DecodeCbor(Kinesis(), Op(Kinesis(), "GetRecords"),
                      M(2) + T("ShardIterator") + T("i") + T("Limit") + n);
  };
  EXPECT_EQ(At(*limit(U(10000)), "Limit").as_int(), 10000);
  EXPECT_EQ(At(*limit(Neg(4)), "Limit").as_int(), -5);
  EXPECT_EQ(At(*limit(U(INT64_MAX)), "Limit").as_int(), INT64_MAX);
  EXPECT_EQ(At(*limit(Neg(INT64_MAX)), "Limit").as_int(), INT64_MIN);
  EXPECT_EQ(At(*limit(F64(25.0)), "Limit").as_int(), 25);
  EXPECT_EQ(At(*limit(F16(-2.0f)), "Limit").as_int(), -2);
  for (const std::string& bad : {U(uint64_t{INT64_MAX} + 1), Neg(uint64_t{INT64_MAX} + 1), F64(2.5),
                                 F64(1e19), F64(NAN), kTrue, T("5"), By("5"), A(0), M(0)}) {
    auto r = limit(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "SerializationException");
  }
  // A null member is absent, as in JSON.
  EXPECT_EQ(limit(kNull)->Find("Limit"), nullptr);
  EXPECT_EQ(limit(kUndefined)->Find("Limit"), nullptr);
}

TEST(CborDecode, BooleansAndMaps) {
  Value del = DecodeOk("DeleteStream",
                       M(2) + T("StreamName") + T("s") + T("EnforceConsumerDeletion") + kTrue);
  EXPECT_EQ(At(del, "EnforceConsumerDeletion").kind(), Value::Kind::kBool);
  EXPECT_TRUE(At(del, "EnforceConsumerDeletion").as_bool());
  EXPECT_EQ(DecodeError("DeleteStream", M(1) + T("EnforceConsumerDeletion") + U(1)).code,
            "SerializationException");

  // A repeated map key keeps its first position and takes the last value.
  Value tags = DecodeOk("AddTagsToStream", M(2) + T("StreamName") + T("s") + T("Tags") + M(3) +
                                               T("b") + T("1") + T("a") + T("2") + T("b") + T("3"));
  EXPECT_EQ(Dump(At(tags, "Tags")), "{b=str:'3',a=str:'2',}");
  // A repeated member takes the last value too.
  Value twice =
      DecodeOk("DeleteStream", M(2) + T("StreamName") + T("a") + T("StreamName") + T("b"));
  EXPECT_EQ(twice.GetString("StreamName"), "b");
}

TEST(CborDecode, IndefiniteLengthStringsMapsAndArrays) {
  std::string body =
      kIndefMap + T("StreamName") + kIndefText + T("or") + T("") + T("ders") + kBreak + kIndefText +
      T("Rec") + T("ords") + kBreak +  // an indefinite-length key
      kIndefArray + kIndefMap + T("Data") + kIndefBytes + By("\x00\x01"s) + By("") + By("\x02") +
      kBreak + T("PartitionKey") + T("a") + kBreak + kIndefMap + T("Data") + kIndefBytes + kBreak +
      T("PartitionKey") + kIndefText + kBreak + kBreak + kBreak + kBreak;
  Value in = DecodeOk("PutRecords", body);
  EXPECT_EQ(in.GetString("StreamName"), "orders");
  const Value& records = At(in, "Records");
  ASSERT_EQ(records.items().size(), 2u);
  EXPECT_EQ(At(records.items()[0], "Data").as_string(), "\x00\x01\x02"s);
  EXPECT_EQ(At(records.items()[1], "Data").kind(), Value::Kind::kBlob);
  EXPECT_EQ(At(records.items()[1], "Data").as_string(), "");
  EXPECT_EQ(records.items()[1].GetString("PartitionKey"), "");
  // Empty indefinite containers.
  Value empty = DecodeOk("PutRecords", kIndefMap + T("Records") + kIndefArray + kBreak + kBreak);
  EXPECT_TRUE(At(empty, "Records").items().empty());
  EXPECT_TRUE(DecodeOk("ListStreams", kIndefMap + kBreak).members().empty());
}

TEST(CborDecode, BytesAndTextStrings) {
  auto put = [](const std::string& data) {
    return DecodeCbor(
        Kinesis(), Op(Kinesis(), "PutRecord"),
        M(3) + T("StreamName") + T("s") + T("PartitionKey") + T("p") + T("Data") + data);
  };
  // Byte strings are the blob's bytes; a text string is base64, as in JSON.
  EXPECT_EQ(At(*put(By("aGk=")), "Data").as_string(), "aGk=");
  EXPECT_EQ(At(*put(T("aGk=")), "Data").as_string(), "hi");
  EXPECT_EQ(put(T("not base64!")).error().code, "SerializationException");
  EXPECT_EQ(put(kIndefText + T("aG") + T("k=") + kBreak)->Find("Data")->as_string(), "hi");
  // A string member takes text only, and valid UTF-8 only.
  for (const std::string& bad :
       {By("s"), kIndefBytes + By("s") + kBreak, T("\xc3\x28"), T("\xed\xa0\x80")}) {
    Error e = DecodeError("PutRecord", M(1) + T("StreamName") + bad);
    EXPECT_EQ(e.code, "SerializationException") << e.message;
  }
  EXPECT_EQ(
      DecodeOk("PutRecord", M(1) + T("StreamName") + T("caf\xc3\xa9")).GetString("StreamName"),
      "caf\xc3\xa9");
  // Keys are text strings.
  for (const std::string& key : {By("StreamName"), U(1), kNull, A(0), M(0), T("\xff")}) {
    Error e = DecodeError("PutRecord", M(1) + key + T("s"));
    EXPECT_EQ(e.code, "SerializationException") << e.message;
  }
  EXPECT_EQ(DecodeError("PutRecord", M(2) + T("StreamName") + T("s") + U(1) + T("s")).message,
            "Map keys must be text strings in the request");
  Error tag_key = DecodeError("AddTagsToStream", M(1) + T("Tags") + M(1) + By("k") + T("v"));
  EXPECT_EQ(tag_key.code, "SerializationException");
  EXPECT_EQ(tag_key.message, "Map keys must be text strings in Tags");
  EXPECT_EQ(DecodeError("AddTagsToStream", M(1) + T("Tags") + M(1) + T("\xc3") + T("v")).message,
            "Invalid UTF-8 in a key of Tags");
}

TEST(CborDecode, UnknownMembersAndTagsAreSkipped) {
  // Anything may sit under an unknown member, even maps with non-text keys.
  std::string junk = M(3) + U(1) + A(2) + kTrue + F64(1.5) + By("k") + kIndefArray + kNull +
                     kBreak + Tag(2) + By("\x01") + M(1) + T("x") + kIndefBytes + By("y") + kBreak;
  Value in = DecodeOk("PutRecord", Tag(55799) + M(3) + T("Unknown") + junk + T("StreamName") +
                                       Tag(32) + T("s") + T("Other") + kUndefined);
  EXPECT_EQ(Dump(in), "{StreamName=str:'s',}");
}

TEST(CborDecode, EmptyBodyNoInputAndNonMapBodies) {
  EXPECT_TRUE(DecodeOk("ListStreams", "").members().empty());
  EXPECT_TRUE(DecodeOk("ListStreams", M(0)).members().empty());
  // An operation without input ignores its body, as JSON does.
  model::Operation no_input{"X", -1, -1, ""};
  EXPECT_TRUE(DecodeOk(Kinesis(), no_input, "\xff\xff").is_map());
  for (const std::string& body : {A(0), T("{}"), kNull, U(1), kTrue, By(""), Tag(1) + U(5)}) {
    Error e = DecodeError("ListStreams", body);
    EXPECT_EQ(e.code, "SerializationException");
    EXPECT_EQ(e.message, "The request body must be a CBOR map");
  }
}

TEST(CborDecode, MalformedAndTruncatedBodies) {
  const std::string valid = kIndefMap + T("StreamName") + kIndefText + T("s") + kBreak +
                            T("Records") + A(1) + M(2) + T("Data") + By("abc") + T("PartitionKey") +
                            T("p") + T("Limit") + Tag(1) + U(1700000000123) + kBreak;
  ASSERT_TRUE(DecodeCbor(Kinesis(), Op(Kinesis(), "PutRecords"), valid).ok());
  for (size_t n = 1; n < valid.size(); ++n) {
    Error e = DecodeError("PutRecords", valid.substr(0, n));
    EXPECT_EQ(e.code, "SerializationException") << n;
    EXPECT_EQ(e.message.rfind("Malformed CBOR: ", 0), 0u) << e.message;
  }
  struct Case {
    std::string body;
    const char* message;
  };
  const Case cases[] = {
      {"\x1c", "Malformed CBOR: invalid initial byte 0x1c at offset 0"},
      {M(1) + T("StreamName") + "\xfc", "Malformed CBOR: invalid initial byte 0xfc at offset 12"},
      {M(1) + T("StreamName") + "\xf8\x20",
       "Malformed CBOR: invalid initial byte 0xf8 at offset 12"},
      {kBreak, "Malformed CBOR: a break code outside an indefinite-length item at offset 0"},
      {M(1) + kBreak + kBreak,
       "Malformed CBOR: a break code outside an indefinite-length item at offset 1"},
      {kIndefMap + T("StreamName") + kBreak,
       "Malformed CBOR: a map ends between a key and its value at offset 12"},
      {kIndefMap + T("Unknown") + kIndefMap + U(1) + kBreak + kBreak,
       "Malformed CBOR: a map ends between a key and its value at offset 11"},
      {kIndefMap + Tag(1) + kBreak, "Malformed CBOR: a tag without content at offset 2"},
      {M(1) + T("StreamName") + kIndefText + By("s") + kBreak,
       "Malformed CBOR: an indefinite-length string holds something other than a definite string "
       "of its type at offset 13"},
      {M(1) + T("StreamName") + kIndefText + kIndefText + kBreak + kBreak,
       "Malformed CBOR: an indefinite-length string holds something other than a definite string "
       "of its type at offset 13"},
      {M(1) + T("StreamName") + kIndefText + Tag(1) + T("s") + kBreak,
       "Malformed CBOR: an indefinite-length string holds something other than a definite string "
       "of its type at offset 13"},
      {M(0) + M(0), "Malformed CBOR: data after the end of the request at offset 1"},
      {kIndefMap + kBreak + "\x00"s,
       "Malformed CBOR: data after the end of the request at offset 2"},
  };
  for (const Case& c : cases) {
    Error e = DecodeError("PutRecords", c.body);
    EXPECT_EQ(e.code, "SerializationException");
    EXPECT_EQ(e.message, c.message);
  }
}

TEST(CborDecode, NestingIsLimitedTo64Levels) {
  // The top-level map is level 1: an unknown member may hold 63 more levels.
  auto nested = [](int levels, const std::string& open, const std::string& close) {
    std::string body = M(1) + T("Unknown");
    for (int i = 0; i < levels; ++i) body += open;
    body += U(0);
    for (int i = 0; i < levels; ++i) body += close;
    return body;
  };
  EXPECT_TRUE(DecodeCbor(Kinesis(), Op(Kinesis(), "ListStreams"), nested(63, A(1), "")).ok());
  EXPECT_TRUE(
      DecodeCbor(Kinesis(), Op(Kinesis(), "ListStreams"), nested(63, kIndefArray, kBreak)).ok());
  Error e = DecodeError("ListStreams", nested(64, A(1), ""));
  EXPECT_EQ(e.message, "Malformed CBOR: nesting deeper than 64 levels at offset 72");
  EXPECT_EQ(DecodeError("ListStreams", nested(64, M(1) + U(0), "")).code, "SerializationException");

  // A million levels fail at level 65, quickly and without recursion.
  auto start = std::chrono::steady_clock::now();
  for (const std::string& open : {A(1), kIndefArray, M(1) + T("k"), kIndefMap + T("k")}) {
    std::string deep;
    for (int i = 0; i < 1'000'000; ++i) deep += open;
    EXPECT_EQ(DecodeError("ListStreams", deep).code, "SerializationException");
    EXPECT_EQ(DecodeError("PutRecords", M(1) + T("Records") + deep).code, "SerializationException");
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(CborDecode, DeclaredLengthsBeyondTheBodyFailWithoutAllocating) {
  // Each declares up to 2^64-1 items or bytes in a body of a few bytes.
  const std::string heads[] = {
      FromHex("9bffffffffffffffff"), FromHex("bbffffffffffffffff"), FromHex("7bffffffffffffffff"),
      FromHex("5bffffffffffffffff"), FromHex("9affffffff"),         FromHex("baffffffff"),
      FromHex("7affffffff"),         FromHex("5affffffff"),         FromHex("9bffffffffffffff00"),
      FromHex("bb8000000000000000"), FromHex("5b7fffffffffffffff"), A(3) + U(1) + U(2),
      M(2) + T("a") + U(1),          T("abcd").substr(0, 3),
  };
  for (const std::string& head : heads) {
    for (const std::string& body : {head, M(1) + T("Unknown") + head, M(1) + T("Records") + head,
                                    M(1) + T("StreamName") + head, M(1) + T("Data") + head}) {
      Error e = DecodeError("PutRecords", body);
      EXPECT_EQ(e.code, "SerializationException") << crypto::Hex(body);
      EXPECT_EQ(e.message.rfind("Malformed CBOR: ", 0), 0u) << e.message;
    }
  }
  Error e = DecodeError("PutRecords", M(1) + T("Records") + FromHex("9bffffffffffffffff") + U(0));
  EXPECT_EQ(
      e.message,
      "Malformed CBOR: a declared length of 18446744073709551615 exceeds the body at offset 9");
}

// ------------------------------------------------------------------ encode

TEST(CborEncode, GetRecordsOutputWithDataAndArrivalTimestamps) {
  Value records = Value::List();
  for (int i = 0; i < 2; ++i) {
    records.Append(
        Map({{"SequenceNumber",
              Str("4959033827149025660855969253836157109592157598913658889" + std::to_string(i))},
             {"ApproximateArrivalTimestamp", Value::Timestamp(1700000000123 + i)},
             {"Data", Value::Blob(i ? "\x00\xff"s : "hello")},
             {"PartitionKey", Str("pk")},
             {"EncryptionType", Str("NONE")}}));
  }
  Value out = Map({{"Records", std::move(records)},
                   {"NextShardIterator", Str("AAAAAAAAAAE=")},
                   {"MillisBehindLatest", Value::Int(0)}});
  const model::Operation& op = Op(Kinesis(), "GetRecords");
  std::string bytes = EncodeCbor(Kinesis(), op, out);

  Item root = Load(bytes);
  ASSERT_TRUE(root && cbor_isa_map(root.get()));
  EXPECT_TRUE(cbor_map_is_definite(root.get()));
  cbor_item_t* recs = Get(root.get(), "Records");
  ASSERT_TRUE(recs && cbor_isa_array(recs));
  ASSERT_EQ(cbor_array_size(recs), 2u);
  cbor_item_t* r0 = cbor_array_handle(recs)[0];
  EXPECT_EQ(Bytes(Get(r0, "Data")), "hello");
  EXPECT_EQ(Bytes(Get(cbor_array_handle(recs)[1], "Data")), "\x00\xff"s);
  cbor_item_t* ts = Get(r0, "ApproximateArrivalTimestamp");
  ASSERT_TRUE(ts && cbor_isa_tag(ts));
  EXPECT_EQ(cbor_tag_value(ts), 1u);
  cbor_item_t* millis = cbor_tag_item(ts);  // takes a reference
  ASSERT_TRUE(cbor_isa_uint(millis));
  EXPECT_EQ(cbor_get_int(millis), 1700000000123u);
  cbor_decref(&millis);
  EXPECT_EQ(Text(Get(r0, "PartitionKey")), "pk");
  cbor_item_t* behind = Get(root.get(), "MillisBehindLatest");
  ASSERT_TRUE(behind && cbor_isa_uint(behind));
  EXPECT_EQ(cbor_get_int(behind), 0u);
  // Members follow the model's order.
  EXPECT_LT(bytes.find("Records"), bytes.find("NextShardIterator"));
  EXPECT_LT(bytes.find("NextShardIterator"), bytes.find("MillisBehindLatest"));

  // And it reads back to the same Value.
  EXPECT_EQ(Dump(DecodeOk(Kinesis(), OutputAsInput(op), bytes)), Dump(out));
}

TEST(CborEncode, DescribeStreamOutputRoundTrips) {
  Value shards = Value::List();
  for (int i = 0; i < 2; ++i) {
    Value shard = Map({{"ShardId", Str("shardId-00000000000" + std::to_string(i))}});
    if (i) shard.Set("ParentShardId", Str("shardId-000000000000"));
    shard.Set("HashKeyRange",
              Map({{"StartingHashKey", Str(i ? "170141183460469231731687303715884105728" : "0")},
                   {"EndingHashKey", Str(i ? "340282366920938463463374607431768211455"
                                           : "170141183460469231731687303715884105727")}}));
    shard.Set("SequenceNumberRange",
              Map({{"StartingSequenceNumber",
                    Str("49590338271490256608559692538361571095921575989136588898")}}));
    shards.Append(std::move(shard));
  }
  Value metrics = Value::List();
  metrics.Append(Str("IncomingBytes"));
  metrics.Append(Str("OutgoingRecords"));
  Value monitoring = Value::List();
  monitoring.Append(Map({{"ShardLevelMetrics", std::move(metrics)}}));
  Value out = Map({{"StreamDescription",
                    Map({{"StreamName", Str("orders")},
                         {"StreamARN", Str("arn:aws:kinesis:us-east-1:000000000000:stream/orders")},
                         {"StreamStatus", Str("ACTIVE")},
                         {"StreamModeDetails", Map({{"StreamMode", Str("PROVISIONED")}})},
                         {"Shards", std::move(shards)},
                         {"HasMoreShards", Value::Bool(false)},
                         {"RetentionPeriodHours", Value::Int(24)},
                         {"StreamCreationTimestamp", Value::Timestamp(1700000000000)},
                         {"EnhancedMonitoring", std::move(monitoring)},
                         {"EncryptionType", Str("NONE")}})}});
  const model::Operation& op = Op(Kinesis(), "DescribeStream");
  std::string bytes = EncodeCbor(Kinesis(), op, out);
  Item root = Load(bytes);
  cbor_item_t* desc = Get(root.get(), "StreamDescription");
  ASSERT_NE(desc, nullptr);
  cbor_item_t* more = Get(desc, "HasMoreShards");
  ASSERT_TRUE(more && cbor_is_bool(more));
  EXPECT_FALSE(cbor_get_bool(more));
  cbor_item_t* created = Get(desc, "StreamCreationTimestamp");
  ASSERT_TRUE(created && cbor_isa_tag(created));
  EXPECT_EQ(cbor_tag_value(created), 1u);
  EXPECT_EQ(Dump(DecodeOk(Kinesis(), OutputAsInput(op), bytes)), Dump(out));
}

TEST(CborEncode, ScalarsFollowTheShape) {
  // Out-of-model members are dropped; an integer in a string member is text;
  // a string in a blob member is bytes; negative numbers are major type 1.
  const model::Operation& op = Op(Kinesis(), "PutRecord");
  std::string bytes = EncodeCbor(Kinesis(), op,
                                 Map({{"Extra", Str("x")},
                                      {"SequenceNumber", Value::Int(42)},
                                      {"ShardId", Str("shardId-000000000000")},
                                      {"EncryptionType", Value()}}));
  EXPECT_EQ(bytes, M(2) + T("ShardId") + T("shardId-000000000000") + T("SequenceNumber") + T("42"));
  model::Operation put_in{"PutRecord", -1, Op(Kinesis(), "PutRecord").input, ""};
  EXPECT_EQ(EncodeCbor(Kinesis(), put_in, Map({{"Data", Str("raw")}})),
            M(1) + T("Data") + By("raw"));
  const model::Operation& records = Op(Kinesis(), "GetRecords");
  EXPECT_EQ(EncodeCbor(Kinesis(), records, Map({{"MillisBehindLatest", Value::Int(-3)}})),
            M(1) + T("MillisBehindLatest") + Neg(2));
  EXPECT_EQ(EncodeCbor(Kinesis(), records, Map({{"Records", Value::List()}})),
            M(1) + T("Records") + A(0));
  // A null list item stays null (a structure would read back as an empty one).
  Value with_null = Value::List();
  with_null.Append(Value::Map());
  with_null.Append(Value());
  EXPECT_EQ(EncodeCbor(Kinesis(), records, Map({{"Records", std::move(with_null)}})),
            M(1) + T("Records") + A(2) + M(0) + kNull);
  // Timestamps are tag 1 and an integer even before 1973 (always milliseconds).
  Value ts = Map({{"ApproximateArrivalTimestamp", Value::Timestamp(-1500)}});
  Value list = Value::List();
  list.Append(std::move(ts));
  EXPECT_EQ(
      EncodeCbor(Kinesis(), records, Map({{"Records", std::move(list)}})),
      M(1) + T("Records") + A(1) + M(1) + T("ApproximateArrivalTimestamp") + Tag(1) + Neg(1499));
}

TEST(CborEncode, EmptyAndNoOutput) {
  EXPECT_EQ(EncodeCbor(Kinesis(), Op(Kinesis(), "ListStreams"), Value::Map()), M(0));
  EXPECT_EQ(EncodeCbor(Kinesis(), Op(Kinesis(), "DeleteStream"), Value::Map()), M(0));
  EXPECT_EQ(EncodeCbor(Kinesis(), Op(Kinesis(), "ListStreams"), Value()), M(0));
}

TEST(CborEncode, ErrorBody) {
  std::string bytes = EncodeCborError("ResourceNotFoundException",
                                      "Stream s under account 000000000000 not found.");
  EXPECT_EQ(bytes, M(2) + T("__type") + T("ResourceNotFoundException") + T("message") +
                       T("Stream s under account 000000000000 not found."));
  Item root = Load(bytes);
  EXPECT_EQ(Text(Get(root.get(), "__type")), "ResourceNotFoundException");
}

TEST(CborContentType, MatchesTheMediaTypeOnly) {
  EXPECT_TRUE(IsCborContentType("application/x-amz-cbor-1.1"));
  EXPECT_TRUE(IsCborContentType("Application/X-Amz-CBOR-1.1"));
  EXPECT_TRUE(IsCborContentType(" application/x-amz-cbor-1.1 ; charset=UTF-8"));
  EXPECT_FALSE(IsCborContentType("application/x-amz-json-1.1"));
  EXPECT_FALSE(IsCborContentType("application/cbor"));
  EXPECT_FALSE(IsCborContentType("application/x-amz-cbor-1.10"));
  EXPECT_FALSE(IsCborContentType(""));
}

// ------------------------------------------- every shape type, one model

// A model with every shape type, Kinesis having no doubles:
// Input {D: double, L: long, B: boolean, S: string, Bl: blob, Ts: timestamp,
//        Li: list<string>, Ma: map<string, long>, N: Input (nested)}.
const model::Service& AllTypes() {
  using model::Member;
  using model::Shape;
  static const Member members[] = {
      {"D", 1, "D", false, false},   {"L", 2, "L", false, false},   {"B", 3, "B", false, false},
      {"S", 4, "S", false, false},   {"Bl", 5, "Bl", false, false}, {"Ts", 6, "Ts", false, false},
      {"Li", 7, "Li", false, false}, {"Ma", 8, "Ma", false, false}, {"N", 0, "N", false, false},
  };
  auto scalar = [](std::string_view name, ShapeType t) {
    return Shape{name, t, 0, 0, -1, -1, -1, "", "", "", false, false, false, 0, 0, "", 0, 0, false};
  };
  static const Shape shapes[] = {
      {"Input", ShapeType::kStructure, 0, 9, -1, -1, -1, "", "", "", false, false, false, 0, 0, "",
       0, 0, false},
      scalar("Double", ShapeType::kDouble),
      scalar("Long", ShapeType::kInteger),
      scalar("Boolean", ShapeType::kBoolean),
      scalar("String", ShapeType::kString),
      scalar("Blob", ShapeType::kBlob),
      scalar("Timestamp", ShapeType::kTimestamp),
      {"List", ShapeType::kList, 0, 0, 4, -1, -1, "member", "", "", false, false, false, 0, 0, "",
       0, 0, false},
      {"Map", ShapeType::kMap, 0, 0, -1, 4, 2, "", "key", "value", false, false, false, 0, 0, "", 0,
       0, false},
  };
  static const model::Operation ops[] = {{"Op", 0, 0, ""}};
  static const model::Service svc = {"all",   "",      "All", "", "2020-01-01", shapes, 9,
                                     members, nullptr, ops,   1,  nullptr,      0};
  return svc;
}

TEST(CborRoundTrip, EveryShapeType) {
  const model::Service& svc = AllTypes();
  const model::Operation& op = svc.operations[0];
  Value list = Value::List();
  list.Append(Str("x"));
  list.Append(Str(""));
  list.Append(Value());
  Value map = Value::Map();
  map.members().emplace_back("big", Value::Int(INT64_MAX));
  map.members().emplace_back("small", Value::Int(INT64_MIN));
  map.members().emplace_back("none", Value());
  Value in =
      Map({{"D", Value::Double(-0.1)},
           {"L", Value::Int(1LL << 40)},
           {"B", Value::Bool(true)},
           {"S", Str("caf\xc3\xa9 \xf0\x9f\x8c\x8a")},
           {"Bl", Value::Blob("\x00\x01\x02\xff"s)},
           {"Ts", Value::Timestamp(1700000000123)},
           {"Li", std::move(list)},
           {"Ma", std::move(map)},
           {"N", Map({{"D", Value::Double(1e300)}, {"N", Map({{"B", Value::Bool(false)}})}})}});
  std::string bytes = EncodeCbor(svc, op, in);
  Value back = DecodeOk(svc, op, bytes);
  EXPECT_EQ(Dump(back), Dump(in));
  EXPECT_EQ(At(back, "D").kind(), Value::Kind::kDouble);
  EXPECT_EQ(At(back, "L").kind(), Value::Kind::kInt);
  // A double member takes integers too; an integer in a double member is written as a double.
  EXPECT_EQ(At(DecodeOk(svc, op, M(1) + T("D") + U(3)), "D").as_double(), 3.0);
  EXPECT_EQ(At(DecodeOk(svc, op, M(1) + T("D") + F16(0.5f)), "D").as_double(), 0.5);
  EXPECT_EQ(EncodeCbor(svc, op, Map({{"D", Value::Int(3)}})), M(1) + T("D") + F64(3.0));
  // Each member rejects the other kinds of item.
  const std::pair<const char*, std::vector<std::string>> rejects[] = {
      {"D", {T("1"), kTrue, By("1"), A(0), M(0)}},
      {"L", {T("1"), kFalse, F64(0.5), A(0), M(0)}},
      {"B", {U(1), T("true"), A(0), M(0)}},
      {"S", {U(1), kTrue, By("x"), A(0), M(0)}},
      {"Bl", {U(1), kTrue, A(0), M(0)}},
      {"Ts", {T("1"), kTrue, By("1"), A(0), M(0)}},
      {"Li", {T("x"), M(0), U(1)}},
      {"Ma", {A(0), T("x"), U(1)}},
      {"N", {A(0), T("x"), U(1)}},
  };
  for (const auto& [member, items] : rejects) {
    for (const std::string& item : items) {
      Error e = DecodeError(svc, op, M(1) + T(member) + item);
      EXPECT_EQ(e.code, "SerializationException") << member;
      EXPECT_NE(e.message.find(std::string(" for ") + member + " (expected "), std::string::npos)
          << e.message;
    }
  }
}

}  // namespace
}  // namespace sluice::protocol
