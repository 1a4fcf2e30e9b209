// AWS event stream messages (`application/vnd.amazon.eventstream`): the
// framing of SubscribeToShard's response body, and the messages Kinesis sends
// in it.
//
// A message is
//   total length (u32) | headers length (u32) | prelude CRC32 (u32)
//   | headers | payload | message CRC32 (u32)
// big-endian, CRC-32 as zlib computes it; the prelude CRC covers the first 8
// bytes, the message CRC every byte before it. A header is
//   name length (u8) | name | type (u8) | value
// with the value types below (strings and byte arrays carry a u16 length).
//
// Encoding builds server-made messages: header names over 255 bytes and
// string or byte values over 65535 bytes are programming errors. Decoding
// takes untrusted bytes and answers malformed input with an Error. All
// functions are pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/value.h"

namespace sluice::protocol::eventstream {

inline constexpr std::string_view kContentType = "application/vnd.amazon.eventstream";
inline constexpr size_t kPreludeLength = 12;
inline constexpr size_t kMessageOverhead = 16;  // prelude and both CRCs
// botocore's limits (eventstream.py): longer messages are refused by the
// Python SDKs, so the decoder refuses them too.
inline constexpr size_t kMaxHeadersLength = 128 * 1024;
inline constexpr size_t kMaxPayloadLength = 16 * 1024 * 1024;

enum class HeaderType : uint8_t {
  kBoolTrue = 0,
  kBoolFalse = 1,
  kByte = 2,
  kShort = 3,
  kInt = 4,
  kLong = 5,
  kBytes = 6,
  kString = 7,
  kTimestamp = 8,  // int64 epoch milliseconds
  kUuid = 9,       // 16 bytes
};

struct HeaderValue {
  HeaderType type = HeaderType::kString;
  int64_t number = 0;  // byte, short, int, long, timestamp (milliseconds)
  std::string bytes;   // bytes, string, uuid (16 raw bytes)

  static HeaderValue Bool(bool b) { return {b ? HeaderType::kBoolTrue : HeaderType::kBoolFalse, 0, {}}; }
  static HeaderValue Byte(int8_t v) { return {HeaderType::kByte, v, {}}; }
  static HeaderValue Short(int16_t v) { return {HeaderType::kShort, v, {}}; }
  static HeaderValue Int(int32_t v) { return {HeaderType::kInt, v, {}}; }
  static HeaderValue Long(int64_t v) { return {HeaderType::kLong, v, {}}; }
  static HeaderValue Bytes(std::string b) { return {HeaderType::kBytes, 0, std::move(b)}; }
  static HeaderValue String(std::string s) { return {HeaderType::kString, 0, std::move(s)}; }
  static HeaderValue Timestamp(int64_t millis) { return {HeaderType::kTimestamp, millis, {}}; }
  static HeaderValue Uuid(std::string sixteen_bytes) { return {HeaderType::kUuid, 0, std::move(sixteen_bytes)}; }

  bool as_bool() const { return type == HeaderType::kBoolTrue; }
  bool operator==(const HeaderValue&) const = default;
};

struct Header {
  std::string name;
  HeaderValue value;
  bool operator==(const Header&) const = default;
};

struct Message {
  std::vector<Header> headers;  // in wire order
  std::string payload;

  // The first header of that name; nullptr when absent.
  const HeaderValue* Find(std::string_view name) const;
  // The value of a string header; nullopt when absent or not a string.
  std::optional<std::string> GetString(std::string_view name) const;
  bool operator==(const Message&) const = default;
};

// CRC-32 (ISO-HDLC, zlib's crc32) of `data`, continuing from `crc`.
uint32_t Crc32(std::string_view data, uint32_t crc = 0);

std::string Encode(const Message& message);

// One message from the front of `input`.
struct Decoded {
  Message message;
  size_t consumed = 0;  // bytes of `input` the message took
};
// nullopt: `input` holds only part of a message so far (read more).
// Errors (code "EventStreamError"): a prelude or message CRC that does not
// match, lengths that contradict each other or exceed the limits above, a
// header running past the headers section, an unknown value type, a header
// name repeated.
Result<std::optional<Decoded>> DecodeOne(std::string_view input);

// Every message of a complete buffer; trailing partial bytes are an error.
Result<std::vector<Message>> DecodeAll(std::string_view input);

// ---------------------------------------------------------------- AWS messages

// `:message-type` event with `:event-type` and `:content-type`.
std::string EventMessage(std::string_view event_type, std::string_view content_type,
                         std::string payload);
// `:message-type` exception with `:exception-type` and `:content-type`; the
// payload is the exception's body (`{"message": ...}` for JSON).
std::string ExceptionMessage(std::string_view exception_type, std::string_view content_type,
                             std::string payload);

// ---------------------------------------------------------------- Kinesis SubscribeToShard

// How event payloads are written: AWS JSON 1.1 (`application/json`), or the
// same shapes in CBOR for clients that called in CBOR.
enum class PayloadFormat { kJson, kCbor };
std::string_view PayloadContentType(PayloadFormat format);

// The first message of the response: `:event-type` initial-response with
// SubscribeToShardOutput's non-stream members (none: `{}`).
std::string KinesisInitialResponse(PayloadFormat format = PayloadFormat::kJson);
// `:event-type` SubscribeToShardEvent with `event` (the SubscribeToShardEvent
// shape: Records, ContinuationSequenceNumber, MillisBehindLatest,
// ChildShards) rendered under the Kinesis model: blobs base64 and timestamps
// epoch seconds in JSON.
std::string KinesisSubscribeToShardEvent(const Value& event,
                                         PayloadFormat format = PayloadFormat::kJson);
// An exception message for `error` (`:exception-type` = error.code, body
// `{"message": error.message}`).
std::string KinesisException(const Error& error, PayloadFormat format = PayloadFormat::kJson);

}  // namespace sluice::protocol::eventstream
