// Tests for the event stream framing: vectors built independently of this
// encoder (published examples, and messages assembled by hand with Python's
// struct and binascii.crc32 and checked against botocore's parser), round
// trips of every header type, corruption and truncation, and the Kinesis
// SubscribeToShard messages as botocore's JSON event stream parser reads them.
#include "protocol/eventstream.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>

#include "common/crypto.h"

namespace sluice::protocol::eventstream {
namespace {

using namespace std::string_literals;

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

Message DecodeOk(std::string_view bytes) {
  auto r = DecodeOne(bytes);
  EXPECT_TRUE(r.ok()) << r.error().message;
  if (!r.ok() || !r->has_value()) {
    ADD_FAILURE() << "incomplete";
    return {};
  }
  EXPECT_EQ((*r)->consumed, bytes.size());
  return (*r)->message;
}

std::string ErrorOf(std::string_view bytes) {
  auto r = DecodeOne(bytes);
  EXPECT_FALSE(r.ok());
  if (r.ok()) return "";
  EXPECT_EQ(r.error().code, "EventStreamError");
  return r.error().message;
}

TEST(EventStreamCrc, MatchesTheStandardCheckValue) {
  // CRC-32/ISO-HDLC check value of "123456789".
  EXPECT_EQ(Crc32("123456789"), 0xcbf43926u);
  EXPECT_EQ(Crc32("56789", Crc32("1234")), 0xcbf43926u);
  EXPECT_EQ(Crc32(""), 0u);
}

// The examples of the Elixir event_stream package's documentation (hex.pm),
// an encoder written independently of this one.
TEST(EventStreamEncode, PublishedVectorWithoutHeaders) {
  const std::string expected = "\x00\x00\x00\x1e\x00\x00\x00\x00\xba\xf2\xf6\x8a"
                               "{\"foo\": \"bar\"}"
                               "\xae\x72\x58\xe4"s;
  Message m;
  m.payload = "{\"foo\": \"bar\"}";
  EXPECT_EQ(Encode(m), expected);
  EXPECT_EQ(DecodeOk(expected), m);
}

TEST(EventStreamEncode, PublishedVectorWithAStringHeader) {
  const std::string expected =
      "\x00\x00\x00\x3e\x00\x00\x00\x20\x40\x5d\xf9\x46"
      "\x0c" "content-type" "\x07\x00\x10" "application/json"
      "{\"foo\": \"bar\"}"
      "\x6f\xa2\xbf\x3b"s;
  Message m;
  m.headers = {{"content-type", HeaderValue::String("application/json")}};
  m.payload = "{\"foo\": \"bar\"}";
  EXPECT_EQ(Encode(m), expected);
  EXPECT_EQ(DecodeOk(expected), m);
}

// Assembled with Python's struct.pack and binascii.crc32, one header of each
// of the ten value types; botocore's EventStreamBuffer decodes it to
// {'t': True, 'f': False, 'b': -2, 's': -300, 'i': 70000, 'l': -2**40,
//  'by': b'\x00\xff\x01', 'str': 'héll', 'ts': 1700000000123, 'u': <uuid bytes>}.
constexpr std::string_view kEveryTypeHex =
    "0000006c0000005522e1e05e017400016601016202fe017303fed401690400011170016c05ffffff0000000000"
    "02627906000300ff010373747207000568c3a96c6c027473080000018bcfe5687b0175090123456789abcdef01"
    "23456789abcdef7b226b223a317d692b647f";

Message EveryType() {
  Message m;
  m.headers = {
      {"t", HeaderValue::Bool(true)},
      {"f", HeaderValue::Bool(false)},
      {"b", HeaderValue::Byte(-2)},
      {"s", HeaderValue::Short(-300)},
      {"i", HeaderValue::Int(70000)},
      {"l", HeaderValue::Long(-(int64_t{1} << 40))},
      {"by", HeaderValue::Bytes("\x00\xff\x01"s)},
      {"str", HeaderValue::String("h\xc3\xa9ll")},
      {"ts", HeaderValue::Timestamp(1'700'000'000'123)},
      {"u", HeaderValue::Uuid(Unhex("0123456789abcdef0123456789abcdef"))},
  };
  m.payload = "{\"k\":1}";
  return m;
}

TEST(EventStreamDecode, EveryHeaderTypeFromAnIndependentEncoder) {
  Message m = DecodeOk(Unhex(kEveryTypeHex));
  EXPECT_EQ(m, EveryType());
  EXPECT_TRUE(m.Find("t")->as_bool());
  EXPECT_FALSE(m.Find("f")->as_bool());
  EXPECT_EQ(m.Find("l")->number, -(int64_t{1} << 40));
  EXPECT_EQ(m.GetString("str"), "h\xc3\xa9ll");
  EXPECT_EQ(m.GetString("i"), std::nullopt);  // not a string
  EXPECT_EQ(m.Find("missing"), nullptr);
}

TEST(EventStreamEncode, EveryHeaderTypeMatchesTheIndependentEncoder) {
  EXPECT_EQ(crypto::Hex(Encode(EveryType())), kEveryTypeHex);
}

TEST(EventStreamRoundTrip, ExtremeValuesAndEmptyParts) {
  Message m;
  m.headers = {
      {"min8", HeaderValue::Byte(-128)},   {"max8", HeaderValue::Byte(127)},
      {"min16", HeaderValue::Short(-32768)}, {"max32", HeaderValue::Int(2147483647)},
      {"min32", HeaderValue::Int(-2147483647 - 1)},
      {"min64", HeaderValue::Long(INT64_MIN)}, {"empty", HeaderValue::String("")},
      {"nobytes", HeaderValue::Bytes("")},  {std::string(255, 'n'), HeaderValue::Bool(true)},
      {"long-string", HeaderValue::String(std::string(65535, 'x'))},
  };
  EXPECT_EQ(DecodeOk(Encode(m)), m);
  Message empty;
  std::string bytes = Encode(empty);
  EXPECT_EQ(bytes.size(), kMessageOverhead);
  EXPECT_EQ(DecodeOk(bytes), empty);
  Message binary;
  binary.payload = std::string("\x00\x01\xff\x00"s) + std::string(100'000, '\x7f');
  EXPECT_EQ(DecodeOk(Encode(binary)), binary);
}

TEST(EventStreamDecode, ConsecutiveMessagesAndPartialInput) {
  std::string a = Encode(EveryType());
  Message second;
  second.headers = {{":message-type", HeaderValue::String("event")}};
  second.payload = "two";
  std::string b = Encode(second);
  std::string both = a + b;
  auto all = DecodeAll(both);
  ASSERT_TRUE(all.ok()) << all.error().message;
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1], second);
  // Every strict prefix of a message asks for more bytes.
  for (size_t n = 0; n < a.size(); ++n) {
    auto r = DecodeOne(std::string_view(a).substr(0, n));
    ASSERT_TRUE(r.ok()) << n << ": " << r.error().message;
    EXPECT_FALSE(r->has_value()) << n;
  }
  auto first = DecodeOne(both);
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->consumed, a.size());
}

TEST(EventStreamDecode, TruncatedBufferIsAnErrorForDecodeAll) {
  std::string a = Encode(EveryType());
  auto r = DecodeAll(std::string_view(a).substr(0, a.size() - 1));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("Truncated"), std::string::npos);
}

TEST(EventStreamDecode, EveryCorruptedByteIsDetected) {
  std::string good = Encode(EveryType());
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x10);
    auto r = DecodeOne(bad);
    // A corrupted length may make the message look longer than the input
    // (incomplete) only if the prelude CRC also matched, which it cannot.
    ASSERT_FALSE(r.ok()) << "byte " << i;
    if (i < 12) {
      EXPECT_NE(r.error().message.find("Prelude checksum"), std::string::npos) << i;
    } else {
      EXPECT_NE(r.error().message.find("Message checksum"), std::string::npos) << i;
    }
  }
}

// Builds a message with valid CRCs around arbitrary header bytes.
std::string WithRawHeaders(std::string headers, std::string payload = "") {
  std::string out;
  uint32_t total = static_cast<uint32_t>(16 + headers.size() + payload.size());
  auto put32 = [&out](uint32_t v) {
    for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  put32(total);
  put32(static_cast<uint32_t>(headers.size()));
  put32(Crc32(out));
  out += headers + payload;
  put32(Crc32(out));
  return out;
}

TEST(EventStreamDecode, MalformedHeadersAreRefused) {
  EXPECT_NE(ErrorOf(WithRawHeaders("\x01" "a" "\x0a"s)).find("Unknown header value type 10"),
            std::string::npos);
  EXPECT_NE(ErrorOf(WithRawHeaders("\x05" "ab"s)).find("runs past"), std::string::npos);
  EXPECT_NE(ErrorOf(WithRawHeaders("\x01" "a" "\x07\x00\x09" "abc"s)).find("runs past"),
            std::string::npos);
  EXPECT_NE(ErrorOf(WithRawHeaders("\x01" "a" "\x05\x00\x00"s)).find("runs past"),
            std::string::npos);
  EXPECT_NE(ErrorOf(WithRawHeaders("\x01" "a" "\x09" "short"s)).find("runs past"),
            std::string::npos);
  EXPECT_NE(ErrorOf(WithRawHeaders("\x00"s)).find("Empty header name"), std::string::npos);
  EXPECT_NE(ErrorOf(WithRawHeaders("\x01" "a" "\x00" "\x01" "a" "\x01"s)).find("Duplicate"),
            std::string::npos);
}

std::string Prelude(uint32_t total, uint32_t headers) {
  std::string out;
  for (uint32_t v : {total, headers}) {
    for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  uint32_t crc = Crc32(out);
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  return out;
}

TEST(EventStreamDecode, ImpossibleOrOversizedLengthsAreRefused) {
  EXPECT_NE(ErrorOf(Prelude(15, 0)).find("cannot hold"), std::string::npos);
  EXPECT_NE(ErrorOf(Prelude(100, 85)).find("cannot hold"), std::string::npos);
  EXPECT_NE(ErrorOf(Prelude(16 + 200'000, 200'000)).find("Headers length"), std::string::npos);
  EXPECT_NE(ErrorOf(Prelude(0xffffffffu, 0)).find("Payload length"), std::string::npos);
  // Within the limits, a valid prelude alone waits for the rest.
  auto r = DecodeOne(Prelude(16 + 1000, 0));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
}

// ---------------------------------------------------------------- Kinesis

rapidjson::Document Json(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.data(), text.size());
  EXPECT_FALSE(d.HasParseError()) << text;
  return d;
}

TEST(KinesisEvents, InitialResponse) {
  Message m = DecodeOk(KinesisInitialResponse());
  EXPECT_EQ(m.GetString(":message-type"), "event");
  EXPECT_EQ(m.GetString(":event-type"), "initial-response");
  EXPECT_EQ(m.GetString(":content-type"), "application/json");
  EXPECT_EQ(m.payload, "{}");
}

Value SampleEvent() {
  Value rec = Value::Map();
  rec.Set("SequenceNumber", Value::String("49590338271490256608559692538361571095921575989136588898"));
  rec.Set("ApproximateArrivalTimestamp", Value::Timestamp(1'700'000'000'123));
  rec.Set("Data", Value::Blob("hello"));
  rec.Set("PartitionKey", Value::String("pk"));
  Value records = Value::List();
  records.Append(std::move(rec));
  Value event = Value::Map();
  event.Set("Records", std::move(records));
  event.Set("ContinuationSequenceNumber",
            Value::String("49590338271490256608559692538361571095921575989136588898"));
  event.Set("MillisBehindLatest", Value::Int(0));
  return event;
}

TEST(KinesisEvents, SubscribeToShardEventIsTheModelShapeInJson) {
  Message m = DecodeOk(KinesisSubscribeToShardEvent(SampleEvent()));
  EXPECT_EQ(m.GetString(":message-type"), "event");
  EXPECT_EQ(m.GetString(":event-type"), "SubscribeToShardEvent");
  EXPECT_EQ(m.GetString(":content-type"), "application/json");
  auto d = Json(m.payload);
  ASSERT_TRUE(d.IsObject());
  const auto& r = d["Records"][0];
  EXPECT_STREQ(r["Data"].GetString(), "aGVsbG8=");
  EXPECT_DOUBLE_EQ(r["ApproximateArrivalTimestamp"].GetDouble(), 1700000000.123);
  EXPECT_STREQ(r["PartitionKey"].GetString(), "pk");
  EXPECT_EQ(d["MillisBehindLatest"].GetInt(), 0);
  EXPECT_FALSE(d.HasMember("ChildShards"));
}

TEST(KinesisEvents, ChildShardsAtTheEndOfAShard) {
  Value event = Value::Map();
  event.Set("Records", Value::List());
  event.Set("MillisBehindLatest", Value::Int(0));
  Value child = Value::Map();
  child.Set("ShardId", Value::String("shardId-000000000001"));
  Value parents = Value::List();
  parents.Append(Value::String("shardId-000000000000"));
  child.Set("ParentShards", std::move(parents));
  Value range = Value::Map();
  range.Set("StartingHashKey", Value::String("0"));
  range.Set("EndingHashKey", Value::String("340282366920938463463374607431768211455"));
  child.Set("HashKeyRange", std::move(range));
  Value children = Value::List();
  children.Append(std::move(child));
  event.Set("ChildShards", std::move(children));
  auto d = Json(DecodeOk(KinesisSubscribeToShardEvent(event)).payload);
  EXPECT_FALSE(d.HasMember("ContinuationSequenceNumber"));
  EXPECT_STREQ(d["ChildShards"][0]["ShardId"].GetString(), "shardId-000000000001");
  EXPECT_STREQ(d["ChildShards"][0]["HashKeyRange"]["StartingHashKey"].GetString(), "0");
}

TEST(KinesisEvents, Exception) {
  Message m = DecodeOk(KinesisException(
      Error{"ResourceInUseException", "Another active subscription exists \"quoted\""}));
  EXPECT_EQ(m.GetString(":message-type"), "exception");
  EXPECT_EQ(m.GetString(":exception-type"), "ResourceInUseException");
  EXPECT_EQ(m.GetString(":content-type"), "application/json");
  EXPECT_EQ(m.Find(":event-type"), nullptr);
  EXPECT_EQ(m.payload, R"({"message":"Another active subscription exists \"quoted\""})");
}

TEST(KinesisEvents, CborPayloads) {
  Message m = DecodeOk(KinesisInitialResponse(PayloadFormat::kCbor));
  EXPECT_EQ(m.GetString(":content-type"), "application/x-amz-cbor-1.1");
  EXPECT_EQ(m.payload, "\xa0"s);  // empty map
  Message e = DecodeOk(KinesisSubscribeToShardEvent(SampleEvent(), PayloadFormat::kCbor));
  EXPECT_EQ(e.GetString(":event-type"), "SubscribeToShardEvent");
  EXPECT_NE(e.payload.find("hello"), std::string::npos);  // Data as a byte string
}

// Bytes of this encoder, checked once with botocore 1.29.27 (Debian 12) and
// 1.43: its Kinesis client parser reads the event as
// {'SubscribeToShardEvent': {'Records': [{'SequenceNumber': ...,
//  'ApproximateArrivalTimestamp': datetime(2023, 11, 14, 22, 13, 20, 123000),
//  'Data': b'hello', 'PartitionKey': 'pk'}], 'ContinuationSequenceNumber': ...,
//  'MillisBehindLatest': 0}}.
constexpr std::string_view kBotocoreCheckedEventHex =
    "000001880000005bd3517fe30b3a6576656e742d74797065070015537562736372696265546f5368617264457665"
    "6e740d3a636f6e74656e742d747970650700106170706c69636174696f6e2f6a736f6e0d3a6d6573736167652d74"
    "7970650700056576656e747b225265636f726473223a5b7b2253657175656e63654e756d626572223a2234393539"
    "30333338323731343930323536363038353539363932353338333631353731303935393231353735393839313336"
    "353838383938222c22417070726f78696d6174654172726976616c54696d657374616d70223a3137303030303030"
    "30302e3132332c2244617461223a22614756736247383d222c22506172746974696f6e4b6579223a22706b227d5d"
    "2c22436f6e74696e756174696f6e53657175656e63654e756d626572223a22343935393033333832373134393032"
    "3536363038353539363932353338333631353731303935393231353735393839313336353838383938222c224d69"
    "6c6c6973426568696e644c6174657374223a307d84e2c7f1";

TEST(KinesisEvents, EventBytesBotocoreAccepted) {
  EXPECT_EQ(crypto::Hex(KinesisSubscribeToShardEvent(SampleEvent())), kBotocoreCheckedEventHex);
}

// A whole response body (initial-response, an empty event, an exception),
// checked the same way: botocore's JSON parser takes the initial response,
// yields {'SubscribeToShardEvent': {'Records': [], 'ContinuationSequenceNumber':
// ..., 'MillisBehindLatest': 5}} and then raises EventStreamError
// "An error occurred (ResourceInUseException) ... Another active subscription exists".
constexpr std::string_view kBotocoreCheckedStreamHex =
    "00000068000000564e6817240b3a6576656e742d74797065070010696e697469616c2d726573706f6e73650d3a63"
    "6f6e74656e742d747970650700106170706c69636174696f6e2f6a736f6e0d3a6d6573736167652d747970650700"
    "056576656e747b7dd591c62b000000e80000005b813fdb0b0b3a6576656e742d7479706507001553756273637269"
    "6265546f53686172644576656e740d3a636f6e74656e742d747970650700106170706c69636174696f6e2f6a736f"
    "6e0d3a6d6573736167652d747970650700056576656e747b225265636f726473223a5b5d2c22436f6e74696e7561"
    "74696f6e53657175656e63654e756d626572223a2234393539303333383237313439303235363630383535393639"
    "32353338333631353731303935393231353735393839313336353838383938222c224d696c6c6973426568696e64"
    "4c6174657374223a357d726f8523000000a400000064aa5a437e0f3a657863657074696f6e2d7479706507001652"
    "65736f75726365496e557365457863657074696f6e0d3a636f6e74656e742d747970650700106170706c69636174"
    "696f6e2f6a736f6e0d3a6d6573736167652d74797065070009657863657074696f6e7b226d657373616765223a22"
    "416e6f746865722061637469766520737562736372697074696f6e20657869737473227d64180efd";

TEST(KinesisEvents, StreamBytesBotocoreAccepted) {
  Value ev = Value::Map();
  ev.Set("Records", Value::List());
  ev.Set("ContinuationSequenceNumber",
         Value::String("49590338271490256608559692538361571095921575989136588898"));
  ev.Set("MillisBehindLatest", Value::Int(5));
  std::string all = KinesisInitialResponse() + KinesisSubscribeToShardEvent(ev) +
                    KinesisException(Error{"ResourceInUseException",
                                           "Another active subscription exists"});
  EXPECT_EQ(crypto::Hex(all), kBotocoreCheckedStreamHex);
  auto messages = DecodeAll(all);
  ASSERT_TRUE(messages.ok());
  EXPECT_EQ(messages->size(), 3u);
}

}  // namespace
}  // namespace sluice::protocol::eventstream
