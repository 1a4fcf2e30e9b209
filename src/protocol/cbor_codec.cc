// AWS CBOR 1.1 bodies (`application/x-amz-cbor-1.1`, what the AWS Java SDKs
// send to Kinesis by default), read and written under the model's shapes into
// the same Value tree as AWS JSON: blobs are byte strings, timestamps tag 1
// with epoch milliseconds. The rules for input are in README.md.
//
// Decoding uses libcbor's streaming decoder, which reads one item head at a
// time and never allocates; nesting lives on an explicit stack bounded at
// kMaxDepth, and lengths are checked against what is left of the body before
// anything is built, so neither depth nor a declared length can exhaust the
// stack or memory.
#include <cbor.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/crypto.h"
#include "common/strings.h"
#include "protocol/codecs.h"

namespace sluice::protocol {
namespace {

using model::Member;
using model::Shape;
using model::ShapeType;

// Arrays and maps, the top-level map included (the JSON document limit).
constexpr size_t kMaxDepth = 64;
// A timestamp number at least this large in magnitude is epoch milliseconds,
// a smaller one epoch seconds: 1e11 ms is 1973-03-03, 1e11 s the year 5138.
constexpr double kMillisThreshold = 1e11;
// Doubles below this magnitude convert to int64_t exactly when integral.
constexpr double kInt64Limit = 9.2e18;

Error Serialization(std::string msg) { return Error{"SerializationException", std::move(msg)}; }

// One item head as libcbor's streaming decoder reports it.
struct Event {
  enum Kind {
    kUint,
    kNegint,
    kBytes,
    kText,
    kBytesStart,
    kTextStart,
    kArray,
    kArrayStart,
    kMap,
    kMapStart,
    kTag,
    kFloat,
    kBool,
    kNull,
    kUndefined,
    kBreak,
  };
  Kind kind = kNull;
  uint64_t u = 0;  // unsigned value, n of a negative integer -1-n, count or tag
  double d = 0;
  bool b = false;
  const unsigned char* data = nullptr;  // definite string payload
  size_t len = 0;
};

Event& Ev(void* ctx) { return *static_cast<Event*>(ctx); }
void Set(void* ctx, Event::Kind kind, uint64_t u = 0) {
  Ev(ctx) = Event{};
  Ev(ctx).kind = kind;
  Ev(ctx).u = u;
}
void OnUint8(void* c, uint8_t v) { Set(c, Event::kUint, v); }
void OnUint16(void* c, uint16_t v) { Set(c, Event::kUint, v); }
void OnUint32(void* c, uint32_t v) { Set(c, Event::kUint, v); }
void OnUint64(void* c, uint64_t v) { Set(c, Event::kUint, v); }
void OnNegint8(void* c, uint8_t v) { Set(c, Event::kNegint, v); }
void OnNegint16(void* c, uint16_t v) { Set(c, Event::kNegint, v); }
void OnNegint32(void* c, uint32_t v) { Set(c, Event::kNegint, v); }
void OnNegint64(void* c, uint64_t v) { Set(c, Event::kNegint, v); }
void OnString(void* c, Event::Kind kind, cbor_data data, size_t len) {
  Set(c, kind);
  Ev(c).data = data;
  Ev(c).len = len;
}
void OnBytes(void* c, cbor_data data, size_t len) { OnString(c, Event::kBytes, data, len); }
void OnText(void* c, cbor_data data, size_t len) { OnString(c, Event::kText, data, len); }
void OnBytesStart(void* c) { Set(c, Event::kBytesStart); }
void OnTextStart(void* c) { Set(c, Event::kTextStart); }
void OnArray(void* c, size_t n) { Set(c, Event::kArray, n); }
void OnArrayStart(void* c) { Set(c, Event::kArrayStart); }
void OnMap(void* c, size_t n) { Set(c, Event::kMap, n); }
void OnMapStart(void* c) { Set(c, Event::kMapStart); }
void OnTag(void* c, uint64_t t) { Set(c, Event::kTag, t); }
void OnFloat(void* c, float f) {
  Set(c, Event::kFloat);
  Ev(c).d = f;
}
void OnDouble(void* c, double d) {
  Set(c, Event::kFloat);
  Ev(c).d = d;
}
void OnBool(void* c, bool b) {
  Set(c, Event::kBool);
  Ev(c).b = b;
}
void OnNull(void* c) { Set(c, Event::kNull); }
void OnUndefined(void* c) { Set(c, Event::kUndefined); }
void OnBreak(void* c) { Set(c, Event::kBreak); }

// libcbor 0.8 names the indefinite-start callbacks *_start and the definite
// ones plainly (its header comments have them the other way round).
const cbor_callbacks& Callbacks() {
  static const cbor_callbacks callbacks = [] {
    cbor_callbacks cb = cbor_empty_callbacks;
    cb.uint8 = OnUint8;
    cb.uint16 = OnUint16;
    cb.uint32 = OnUint32;
    cb.uint64 = OnUint64;
    cb.negint8 = OnNegint8;
    cb.negint16 = OnNegint16;
    cb.negint32 = OnNegint32;
    cb.negint64 = OnNegint64;
    cb.byte_string = OnBytes;
    cb.byte_string_start = OnBytesStart;
    cb.string = OnText;
    cb.string_start = OnTextStart;
    cb.array_start = OnArray;
    cb.indef_array_start = OnArrayStart;
    cb.map_start = OnMap;
    cb.indef_map_start = OnMapStart;
    cb.tag = OnTag;
    cb.float2 = OnFloat;
    cb.float4 = OnFloat;
    cb.float8 = OnDouble;
    cb.boolean = OnBool;
    cb.null = OnNull;
    cb.undefined = OnUndefined;
    cb.indef_break = OnBreak;
    return cb;
  }();
  return callbacks;
}

const char* Wanted(ShapeType t) {
  switch (t) {
    case ShapeType::kStructure:
      return "structure";
    case ShapeType::kList:
      return "list";
    case ShapeType::kMap:
      return "map";
    case ShapeType::kString:
      return "string";
    case ShapeType::kInteger:
      return "integer";
    case ShapeType::kBoolean:
      return "boolean";
    case ShapeType::kDouble:
      return "number";
    case ShapeType::kBlob:
      return "blob";
    case ShapeType::kTimestamp:
      return "timestamp";
  }
  return "value";
}

class CborDecoder {
 public:
  CborDecoder(const model::Service& svc, int root) : svc_(svc), root_(root) {}

  Result<Value> Run(std::string_view body) {
    const auto* p = reinterpret_cast<const unsigned char*>(body.data());
    const size_t size = body.size();
    size_t off = 0;
    while (!done_) {
      offset_ = off;
      if (off == size) return Malformed("the body ends inside an item");
      Event ev;
      cbor_decoder_result r = cbor_stream_decode(p + off, size - off, &Callbacks(), &ev);
      if (r.status == CBOR_DECODER_NEDATA) return Malformed("the body ends inside an item");
      if (r.status != CBOR_DECODER_FINISHED || r.read == 0) {
        return Malformed("invalid initial byte 0x" +
                         crypto::Hex(std::string_view(body.data() + off, 1)));
      }
      off += r.read;
      left_ = size - off;
      Status s = OnEvent(ev);
      if (!s.ok()) return std::move(s).error();
    }
    if (off != size) {
      offset_ = off;
      return Malformed("data after the end of the request");
    }
    return std::move(result_);
  }

 private:
  struct Frame {
    enum Kind { kStruct, kMap, kList, kSkip, kChunks };
    Kind kind = kSkip;
    int shape = -1;  // structure, map or list shape
    bool definite = true;
    uint64_t remaining = 0;          // definite: entries (kStruct, kMap) or items still to come
    uint64_t seen = 0;               // kSkip: items seen, keys and values alike
    bool skip_map = false;           // kSkip: the skipped item is a map
    bool want_key = true;            // kStruct, kMap: the next item is a key
    std::string key;                 // kStruct, kMap: the current key
    const Member* member = nullptr;  // kStruct: the member the key names; null when unknown
    Value value;
    std::unordered_map<std::string, size_t> index;  // kMap: position of each key
    std::string path;                               // member name for messages
    bool text = false;                              // kChunks: text (or byte) string
    std::string chunks;                             // kChunks: the chunks so far
  };

  // What the next item is for: the top-level input, a map key, a value of
  // `shape`, or a value no member takes (read and dropped).
  struct Slot {
    enum Mode { kRoot, kKey, kValue, kSkip };
    Mode mode;
    int shape = -1;
  };

  Slot Next() const {
    if (stack_.empty()) return {Slot::kRoot, root_};
    const Frame& f = stack_.back();
    switch (f.kind) {
      case Frame::kStruct:
        if (f.want_key) return {Slot::kKey};
        return f.member ? Slot{Slot::kValue, f.member->shape} : Slot{Slot::kSkip};
      case Frame::kMap:
        if (f.want_key) return {Slot::kKey};
        return {Slot::kValue, svc_.shape(f.shape).map_value};
      case Frame::kList:
        return {Slot::kValue, svc_.shape(f.shape).list_member};
      default:
        return {Slot::kSkip};
    }
  }

  // The name JSON decoding reports for the item at hand: the member's name,
  // or for list items and map values the name of the member holding them.
  std::string CurrentPath() const {
    if (stack_.empty()) return "";
    const Frame& f = stack_.back();
    return f.kind == Frame::kStruct ? f.key : f.path;
  }

  Error Malformed(const std::string& what) const {
    return Serialization("Malformed CBOR: " + what + " at offset " + std::to_string(offset_));
  }
  Error Mismatch(const Shape& s, const char* got) const {
    return Serialization("Unexpected " + std::string(got) + " value for " + CurrentPath() +
                         " (expected " + Wanted(s.type) + ")");
  }
  Error NotAMap() const { return Serialization("The request body must be a CBOR map"); }
  // Where a key of the map at hand sits, for messages.
  std::string MapName() const {
    const std::string& name = stack_.back().path;
    return name.empty() ? "the request" : name;
  }
  Error KeyNotText() const {
    return Serialization("Map keys must be text strings in " + MapName());
  }

  Status OnEvent(const Event& ev) {
    if (!stack_.empty() && stack_.back().kind == Frame::kChunks) {
      Frame& f = stack_.back();
      if (ev.kind == Event::kBreak) {
        bool text = f.text;
        std::string s = std::move(f.chunks);
        stack_.pop_back();
        return OnStringValue(text, s);
      }
      if (ev.kind != (f.text ? Event::kText : Event::kBytes)) {
        return Malformed(
            "an indefinite-length string holds something other than a definite string of its type");
      }
      f.chunks.append(reinterpret_cast<const char*>(ev.data), ev.len);
      return {};
    }
    // Tags qualify the item that follows; the value's shape decides how it
    // is read, so a tag is accepted and dropped.
    if (ev.kind == Event::kTag) {
      tagged_ = true;
      return {};
    }
    if (ev.kind == Event::kBreak) {
      if (tagged_) return Malformed("a tag without content");
      return OnBreakCode();
    }
    tagged_ = false;
    switch (ev.kind) {
      case Event::kBytes:
      case Event::kText:
        return OnStringValue(ev.kind == Event::kText,
                             std::string_view(reinterpret_cast<const char*>(ev.data), ev.len));
      case Event::kBytesStart:
      case Event::kTextStart: {
        Frame f;
        f.kind = Frame::kChunks;
        f.text = ev.kind == Event::kTextStart;
        stack_.push_back(std::move(f));
        return {};
      }
      case Event::kArray:
      case Event::kArrayStart:
      case Event::kMap:
      case Event::kMapStart:
        return OnContainer(ev);
      default:
        return OnScalar(ev);
    }
  }

  Status OnBreakCode() {
    if (stack_.empty() || stack_.back().definite) {
      return Malformed("a break code outside an indefinite-length item");
    }
    Frame& f = stack_.back();
    bool mid_entry = (f.kind == Frame::kStruct || f.kind == Frame::kMap) ? !f.want_key
                     : f.kind == Frame::kSkip ? f.skip_map && f.seen % 2 != 0
                                              : false;
    if (mid_entry) return Malformed("a map ends between a key and its value");
    Value v = std::move(f.value);
    stack_.pop_back();
    return Complete(std::move(v));
  }

  Status OnContainer(const Event& ev) {
    const bool is_map = ev.kind == Event::kMap || ev.kind == Event::kMapStart;
    const bool definite = ev.kind == Event::kMap || ev.kind == Event::kArray;
    // Every item takes at least one byte: a count beyond what is left of the
    // body is false, whatever it would cost to believe it.
    if (definite && ev.u > (is_map ? left_ / 2 : left_)) {
      return Malformed("a declared length of " + std::to_string(ev.u) + " exceeds the body");
    }
    if (stack_.size() >= kMaxDepth) {
      return Serialization("Malformed CBOR: nesting deeper than " + std::to_string(kMaxDepth) +
                           " levels at offset " + std::to_string(offset_));
    }
    Slot slot = Next();
    Frame f;
    f.definite = definite;
    f.remaining = ev.u;
    switch (slot.mode) {
      case Slot::kKey:
        return KeyNotText();
      case Slot::kSkip:
        f.kind = Frame::kSkip;
        f.skip_map = is_map;
        if (is_map) f.remaining = ev.u * 2;  // at most the body's length: no overflow
        break;
      case Slot::kRoot:
        if (!is_map) return NotAMap();
        [[fallthrough]];
      case Slot::kValue: {
        const Shape& s = svc_.shape(slot.shape);
        if (is_map && s.type == ShapeType::kStructure) {
          f.kind = Frame::kStruct;
        } else if (is_map && s.type == ShapeType::kMap) {
          f.kind = Frame::kMap;
        } else if (!is_map && s.type == ShapeType::kList) {
          f.kind = Frame::kList;
        } else {
          return Mismatch(s, is_map ? "map" : "array");
        }
        f.value = is_map ? Value::Map() : Value::List();
        f.shape = slot.shape;
        f.path = CurrentPath();
        break;
      }
    }
    stack_.push_back(std::move(f));
    if (definite && ev.u == 0) {
      Value v = std::move(stack_.back().value);
      stack_.pop_back();
      return Complete(std::move(v));
    }
    return {};
  }

  Status OnStringValue(bool text, std::string_view s) {
    Slot slot = Next();
    switch (slot.mode) {
      case Slot::kRoot:
        return NotAMap();
      case Slot::kSkip:
        return Complete(Value());
      case Slot::kKey: {
        if (!text) return KeyNotText();
        if (!strings::IsValidUtf8(s))
          return Serialization("Invalid UTF-8 in a key of " + MapName());
        Frame& f = stack_.back();
        f.key.assign(s);
        if (f.kind == Frame::kStruct) f.member = svc_.FindMember(svc_.shape(f.shape), s);
        f.want_key = false;
        return {};
      }
      case Slot::kValue:
        break;
    }
    const Shape& shape = svc_.shape(slot.shape);
    switch (shape.type) {
      case ShapeType::kString:
        if (!text) return Mismatch(shape, "bytes");
        if (!strings::IsValidUtf8(s)) return Serialization("Invalid UTF-8 in " + CurrentPath());
        return Complete(Value::String(std::string(s)));
      case ShapeType::kBlob: {
        if (!text) return Complete(Value::Blob(std::string(s)));
        // A text string stands for a blob as in AWS JSON: base64.
        auto bytes = crypto::Base64Decode(s);
        if (!bytes)
          return Serialization("Base64 encoded value for " + CurrentPath() + " is invalid");
        return Complete(Value::Blob(std::move(*bytes)));
      }
      default:
        return Mismatch(shape, text ? "string" : "bytes");
    }
  }

  Status OnScalar(const Event& ev) {
    Slot slot = Next();
    switch (slot.mode) {
      case Slot::kRoot:
        return NotAMap();
      case Slot::kKey:
        return KeyNotText();
      case Slot::kSkip:
        return Complete(Value());
      case Slot::kValue:
        break;
    }
    if (ev.kind == Event::kNull || ev.kind == Event::kUndefined) return Complete(Value());
    const Shape& s = svc_.shape(slot.shape);
    if (ev.kind == Event::kBool) {
      if (s.type != ShapeType::kBoolean) return Mismatch(s, "boolean");
      return Complete(Value::Bool(ev.b));
    }
    return OnNumber(s, ev);
  }

  Status OnNumber(const Shape& s, const Event& ev) {
    constexpr auto kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    const bool is_int = ev.kind != Event::kFloat;
    // An integer outside int64_t is only ever a double.
    const bool fits = is_int && ev.u <= kMax;
    const int64_t i = !fits                     ? 0
                      : ev.kind == Event::kUint ? static_cast<int64_t>(ev.u)
                                                : -1 - static_cast<int64_t>(ev.u);
    const double d = !is_int                   ? ev.d
                     : ev.kind == Event::kUint ? static_cast<double>(ev.u)
                                               : -1.0 - static_cast<double>(ev.u);
    switch (s.type) {
      case ShapeType::kInteger:
        if (fits) return Complete(Value::Int(i));
        if (!is_int && std::floor(d) == d && std::fabs(d) < kInt64Limit) {
          return Complete(Value::Int(static_cast<int64_t>(d)));
        }
        return Mismatch(s, "number");
      case ShapeType::kDouble:
        return Complete(Value::Double(d));
      case ShapeType::kTimestamp: {
        if (fits) {
          if (std::fabs(d) >= kMillisThreshold) return Complete(Value::Timestamp(i));
          return Complete(Value::Timestamp(i * 1000));  // |i| < 1e11: no overflow
        }
        if (!std::isfinite(d) || std::fabs(d) >= kInt64Limit) {
          return Serialization("Timestamp value for " + CurrentPath() + " is out of range");
        }
        if (std::fabs(d) >= kMillisThreshold) return Complete(Value::Timestamp(std::llround(d)));
        return Complete(Value::Timestamp(std::llround(d * 1000)));
      }
      default:
        return Mismatch(s, "number");
    }
  }

  // Hands a finished item to the container it belongs to; a definite
  // container that thereby becomes complete is finished in turn.
  Status Complete(Value v) {
    while (true) {
      if (stack_.empty()) {
        result_ = std::move(v);
        done_ = true;
        return {};
      }
      Frame& f = stack_.back();
      switch (f.kind) {
        case Frame::kStruct:
          // Unknown members are ignored, as AWS does.
          if (f.member && !v.is_null()) f.value.Set(f.key, std::move(v));
          f.want_key = true;
          break;
        case Frame::kMap: {
          auto [it, inserted] = f.index.try_emplace(f.key, f.value.members().size());
          if (inserted) {
            f.value.members().emplace_back(std::move(f.key), std::move(v));
          } else {
            f.value.members()[it->second].second = std::move(v);
          }
          f.key.clear();
          f.want_key = true;
          break;
        }
        case Frame::kList:
          f.value.Append(std::move(v));
          break;
        default:
          ++f.seen;
          break;
      }
      if (!f.definite || --f.remaining > 0) return {};
      v = std::move(f.value);
      stack_.pop_back();
    }
  }

  const model::Service& svc_;
  const int root_;
  std::vector<Frame> stack_;
  Value result_;
  bool done_ = false;
  bool tagged_ = false;  // the previous item head was a tag
  size_t offset_ = 0;    // where the current item head starts
  size_t left_ = 0;      // bytes after the current item head
};

// Appends CBOR heads and payloads, using libcbor's encoders for the heads.
class CborWriter {
 public:
  void Int(int64_t v) {
    if (v >= 0) {
      Head(cbor_encode_uint, static_cast<uint64_t>(v));
    } else {
      Head(cbor_encode_negint, static_cast<uint64_t>(-(v + 1)));
    }
  }
  void Double(double d) { Head(cbor_encode_double, d); }
  void Bool(bool b) { Head(cbor_encode_bool, b); }
  void Null() {
    unsigned char buf[1];
    Append(buf, cbor_encode_null(buf, sizeof buf));
  }
  void Tag(uint64_t t) { Head(cbor_encode_tag, t); }
  void Text(std::string_view s) {
    Head(cbor_encode_string_start, s.size());
    out_.append(s);
  }
  void Bytes(std::string_view s) {
    Head(cbor_encode_bytestring_start, s.size());
    out_.append(s);
  }
  void ArrayStart(size_t n) { Head(cbor_encode_array_start, n); }
  void MapStart(size_t n) { Head(cbor_encode_map_start, n); }
  std::string Take() { return std::move(out_); }

 private:
  template <typename F, typename T>
  void Head(F encode, T value) {
    unsigned char buf[9];  // the longest head: one byte and eight of argument
    Append(buf, encode(value, buf, sizeof buf));
  }
  void Append(const unsigned char* buf, size_t n) {
    out_.append(reinterpret_cast<const char*>(buf), n);
  }
  std::string out_;
};

class CborEncoder {
 public:
  CborEncoder(const model::Service& svc, CborWriter& w) : svc_(svc), w_(w) {}

  void Encode(int shape_index, const Value& v) {
    const Shape& s = svc_.shape(shape_index);
    switch (s.type) {
      case ShapeType::kStructure: {
        std::vector<std::pair<const Member*, const Value*>> present;
        if (v.is_map()) {
          for (int i = 0; i < s.member_count; ++i) {
            const Member& m = svc_.members[s.first_member + i];
            const Value* mv = v.Find(m.name);
            if (mv && !mv->is_null()) present.emplace_back(&m, mv);
          }
        }
        w_.MapStart(present.size());
        for (const auto& [m, mv] : present) {
          w_.Text(m->name);
          Encode(m->shape, *mv);
        }
        break;
      }
      case ShapeType::kList:
        w_.ArrayStart(v.items().size());
        for (const Value& item : v.items()) Nested(s.list_member, item);
        break;
      case ShapeType::kMap:
        w_.MapStart(v.members().size());
        for (const auto& [k, mv] : v.members()) {
          w_.Text(k);
          Nested(s.map_value, mv);
        }
        break;
      default:
        Scalar(s, v);
    }
  }

 private:
  // A null list item or map value stays null, whatever its shape (it reads
  // back as null, as it was decoded).
  void Nested(int shape_index, const Value& v) {
    if (v.is_null()) {
      w_.Null();
    } else {
      Encode(shape_index, v);
    }
  }

  void Scalar(const Shape& s, const Value& v) {
    switch (v.kind()) {
      case Value::Kind::kBool:
        w_.Bool(v.as_bool());
        break;
      case Value::Kind::kInt:
        if (s.type == ShapeType::kString) {
          w_.Text(std::to_string(v.as_int()));
        } else if (s.type == ShapeType::kDouble) {
          w_.Double(static_cast<double>(v.as_int()));
        } else {
          w_.Int(v.as_int());
        }
        break;
      case Value::Kind::kDouble:
        w_.Double(v.as_double());
        break;
      case Value::Kind::kTimestamp:
        // Tag 1 with epoch milliseconds: the Java SDKs read the number as
        // milliseconds (v1 as a long, v2 with Long.parseLong).
        w_.Tag(1);
        w_.Int(v.as_timestamp_millis());
        break;
      case Value::Kind::kBlob:
        w_.Bytes(v.as_string());
        break;
      case Value::Kind::kString:
        if (s.type == ShapeType::kBlob) {
          w_.Bytes(v.as_string());
        } else {
          w_.Text(v.as_string());
        }
        break;
      default:
        w_.Null();
    }
  }

  const model::Service& svc_;
  CborWriter& w_;
};

}  // namespace

bool IsCborContentType(std::string_view content_type) {
  std::string_view t = content_type.substr(0, content_type.find(';'));
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  return strings::ToLower(t) == kCborContentType;
}

Result<Value> DecodeCbor(const model::Service& svc, const model::Operation& op,
                         std::string_view body) {
  if (op.input < 0 || body.empty()) return Value::Map();
  CborDecoder d(svc, op.input);
  return d.Run(body);
}

std::string EncodeCbor(const model::Service& svc, const model::Operation& op, const Value& output) {
  CborWriter w;
  if (op.output < 0) {
    w.MapStart(0);
  } else {
    CborEncoder e(svc, w);
    e.Encode(op.output, output);
  }
  return w.Take();
}

std::string EncodeCborError(std::string_view type, std::string_view message) {
  CborWriter w;
  w.MapStart(2);
  w.Text("__type");
  w.Text(type);
  w.Text("message");
  w.Text(message);
  return w.Take();
}

}  // namespace sluice::protocol
