#include "protocol/eventstream.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <zlib.h>

#include <set>

#include "protocol/codecs.h"
#include "protocol/generated/kinesis_model.h"

namespace sluice::protocol::eventstream {
namespace {

void PutU8(std::string& out, uint8_t v) { out.push_back(static_cast<char>(v)); }
void PutBig(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
uint64_t GetBig(std::string_view in, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(in[at + i]);
  return v;
}

Error Malformed(std::string message) { return Error{"EventStreamError", std::move(message)}; }

void EncodeHeader(std::string& out, const Header& h) {
  SLUICE_CHECK(!h.name.empty() && h.name.size() <= 255);
  PutU8(out, static_cast<uint8_t>(h.name.size()));
  out.append(h.name);
  const HeaderValue& v = h.value;
  PutU8(out, static_cast<uint8_t>(v.type));
  switch (v.type) {
    case HeaderType::kBoolTrue:
    case HeaderType::kBoolFalse:
      break;
    case HeaderType::kByte:
      PutBig(out, static_cast<uint64_t>(v.number), 1);
      break;
    case HeaderType::kShort:
      PutBig(out, static_cast<uint64_t>(v.number), 2);
      break;
    case HeaderType::kInt:
      PutBig(out, static_cast<uint64_t>(v.number), 4);
      break;
    case HeaderType::kLong:
    case HeaderType::kTimestamp:
      PutBig(out, static_cast<uint64_t>(v.number), 8);
      break;
    case HeaderType::kBytes:
    case HeaderType::kString:
      SLUICE_CHECK(v.bytes.size() <= 0xffff);
      PutBig(out, v.bytes.size(), 2);
      out.append(v.bytes);
      break;
    case HeaderType::kUuid:
      SLUICE_CHECK(v.bytes.size() == 16);
      out.append(v.bytes);
      break;
  }
}

// Sign-extends the low `bytes` bytes of v.
int64_t Signed(uint64_t v, int bytes) {
  if (bytes == 8) return static_cast<int64_t>(v);
  uint64_t sign = uint64_t{1} << (8 * bytes - 1);
  return static_cast<int64_t>((v ^ sign) - sign);
}

Result<std::vector<Header>> DecodeHeaders(std::string_view in) {
  std::vector<Header> headers;
  std::set<std::string, std::less<>> seen;
  size_t at = 0;
  auto need = [&](size_t n) { return in.size() - at >= n; };
  while (at < in.size()) {
    Header h;
    size_t name_len = static_cast<uint8_t>(in[at++]);
    if (name_len == 0) return Malformed("Empty header name");
    if (!need(name_len + 1)) return Malformed("Header name runs past the headers section");
    h.name.assign(in.substr(at, name_len));
    at += name_len;
    uint8_t type = static_cast<uint8_t>(in[at++]);
    int width = 0;
    switch (static_cast<HeaderType>(type)) {
      case HeaderType::kBoolTrue:
      case HeaderType::kBoolFalse:
        break;
      case HeaderType::kByte:
        width = 1;
        break;
      case HeaderType::kShort:
        width = 2;
        break;
      case HeaderType::kInt:
        width = 4;
        break;
      case HeaderType::kLong:
      case HeaderType::kTimestamp:
        width = 8;
        break;
      case HeaderType::kBytes:
      case HeaderType::kString: {
        if (!need(2)) return Malformed("Header " + h.name + " runs past the headers section");
        size_t len = GetBig(in, at, 2);
        at += 2;
        if (!need(len)) return Malformed("Header " + h.name + " runs past the headers section");
        h.value.bytes.assign(in.substr(at, len));
        at += len;
        break;
      }
      case HeaderType::kUuid:
        if (!need(16)) return Malformed("Header " + h.name + " runs past the headers section");
        h.value.bytes.assign(in.substr(at, 16));
        at += 16;
        break;
      default:
        return Malformed("Unknown header value type " + std::to_string(type) + " of header " +
                         h.name);
    }
    h.value.type = static_cast<HeaderType>(type);
    if (width > 0) {
      if (!need(static_cast<size_t>(width))) {
        return Malformed("Header " + h.name + " runs past the headers section");
      }
      h.value.number = Signed(GetBig(in, at, width), width);
      at += static_cast<size_t>(width);
    }
    if (!seen.insert(h.name).second) return Malformed("Duplicate header " + h.name);
    headers.push_back(std::move(h));
  }
  return headers;
}

std::string JsonMessageBody(std::string_view message) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("message");
  w.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

// An operation whose output is the named Kinesis shape, so that the model's
// codecs render a shape that is no operation's output.
model::Operation ShapeAsOutput(const model::Service& svc, std::string_view shape) {
  for (int i = 0; i < svc.shape_count; ++i) {
    if (svc.shapes[i].name == shape) return model::Operation{shape, -1, i, ""};
  }
  SLUICE_CHECK(false && "shape missing from the model");
  return {};
}

std::string EncodeShape(std::string_view shape, const Value& v, PayloadFormat format) {
  const model::Service& svc = model::KinesisModel();
  static const model::Operation kEvent = ShapeAsOutput(svc, "SubscribeToShardEvent");
  static const model::Operation kOutput = ShapeAsOutput(svc, "SubscribeToShardOutput");
  const model::Operation& op = shape == "SubscribeToShardEvent" ? kEvent : kOutput;
  return format == PayloadFormat::kCbor ? EncodeCbor(svc, op, v) : EncodeJson(svc, op, v);
}

}  // namespace

const HeaderValue* Message::Find(std::string_view name) const {
  for (const auto& h : headers) {
    if (h.name == name) return &h.value;
  }
  return nullptr;
}

std::optional<std::string> Message::GetString(std::string_view name) const {
  const HeaderValue* v = Find(name);
  if (!v || v->type != HeaderType::kString) return std::nullopt;
  return v->bytes;
}

uint32_t Crc32(std::string_view data, uint32_t crc) {
  // zlib takes uInt lengths: feed large inputs in pieces.
  uLong c = crc;
  while (!data.empty()) {
    size_t n = std::min<size_t>(data.size(), 1u << 30);
    c = ::crc32(c, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(n));
    data.remove_prefix(n);
  }
  return static_cast<uint32_t>(c);
}

std::string Encode(const Message& message) {
  std::string headers;
  for (const auto& h : message.headers) EncodeHeader(headers, h);
  uint64_t total = kMessageOverhead + headers.size() + message.payload.size();
  SLUICE_CHECK(total <= 0xffffffffu);
  std::string out;
  out.reserve(total);
  PutBig(out, total, 4);
  PutBig(out, headers.size(), 4);
  PutBig(out, Crc32(out), 4);
  out.append(headers);
  out.append(message.payload);
  PutBig(out, Crc32(out), 4);
  return out;
}

Result<std::optional<Decoded>> DecodeOne(std::string_view input) {
  if (input.size() < kPreludeLength) return std::optional<Decoded>();
  uint64_t total = GetBig(input, 0, 4);
  uint64_t headers_len = GetBig(input, 4, 4);
  uint32_t prelude_crc = static_cast<uint32_t>(GetBig(input, 8, 4));
  uint32_t computed = Crc32(input.substr(0, 8));
  if (computed != prelude_crc) {
    return Malformed("Prelude checksum mismatch: expected " + std::to_string(prelude_crc) +
                     ", computed " + std::to_string(computed));
  }
  if (total < kMessageOverhead || headers_len > total - kMessageOverhead) {
    return Malformed("Message length " + std::to_string(total) + " cannot hold headers of " +
                     std::to_string(headers_len) + " bytes");
  }
  if (headers_len > kMaxHeadersLength) {
    return Malformed("Headers length " + std::to_string(headers_len) + " exceeds the maximum of " +
                     std::to_string(kMaxHeadersLength));
  }
  uint64_t payload_len = total - kMessageOverhead - headers_len;
  if (payload_len > kMaxPayloadLength) {
    return Malformed("Payload length " + std::to_string(payload_len) + " exceeds the maximum of " +
                     std::to_string(kMaxPayloadLength));
  }
  if (input.size() < total) return std::optional<Decoded>();
  uint32_t message_crc = static_cast<uint32_t>(GetBig(input, total - 4, 4));
  computed = Crc32(input.substr(0, total - 4));
  if (computed != message_crc) {
    return Malformed("Message checksum mismatch: expected " + std::to_string(message_crc) +
                     ", computed " + std::to_string(computed));
  }
  auto headers = DecodeHeaders(input.substr(kPreludeLength, headers_len));
  if (!headers.ok()) return std::move(headers).error();
  Decoded d;
  d.message.headers = std::move(headers).value();
  d.message.payload.assign(input.substr(kPreludeLength + headers_len, payload_len));
  d.consumed = total;
  return std::optional<Decoded>(std::move(d));
}

Result<std::vector<Message>> DecodeAll(std::string_view input) {
  std::vector<Message> out;
  while (!input.empty()) {
    auto one = DecodeOne(input);
    if (!one.ok()) return std::move(one).error();
    if (!one->has_value()) {
      return Malformed("Truncated message: " + std::to_string(input.size()) + " bytes left over");
    }
    input.remove_prefix((*one)->consumed);
    out.push_back(std::move((*one)->message));
  }
  return out;
}

std::string EventMessage(std::string_view event_type, std::string_view content_type,
                         std::string payload) {
  Message m;
  m.headers = {
      {":event-type", HeaderValue::String(std::string(event_type))},
      {":content-type", HeaderValue::String(std::string(content_type))},
      {":message-type", HeaderValue::String("event")},
  };
  m.payload = std::move(payload);
  return Encode(m);
}

std::string ExceptionMessage(std::string_view exception_type, std::string_view content_type,
                             std::string payload) {
  Message m;
  m.headers = {
      {":exception-type", HeaderValue::String(std::string(exception_type))},
      {":content-type", HeaderValue::String(std::string(content_type))},
      {":message-type", HeaderValue::String("exception")},
  };
  m.payload = std::move(payload);
  return Encode(m);
}

std::string_view PayloadContentType(PayloadFormat format) {
  return format == PayloadFormat::kCbor ? kCborContentType : std::string_view("application/json");
}

std::string KinesisInitialResponse(PayloadFormat format) {
  return EventMessage("initial-response", PayloadContentType(format),
                      EncodeShape("SubscribeToShardOutput", Value::Map(), format));
}

std::string KinesisSubscribeToShardEvent(const Value& event, PayloadFormat format) {
  return EventMessage("SubscribeToShardEvent", PayloadContentType(format),
                      EncodeShape("SubscribeToShardEvent", event, format));
}

std::string KinesisException(const Error& error, PayloadFormat format) {
  std::string body = format == PayloadFormat::kCbor ? EncodeCborError(error.code, error.message)
                                                    : JsonMessageBody(error.message);
  return ExceptionMessage(error.code, PayloadContentType(format), std::move(body));
}

}  // namespace sluice::protocol::eventstream
