// AWS JSON 1.0/1.1 bodies, read and written under the model's shapes:
// blobs are base64 strings, timestamps epoch seconds.
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cmath>

#include "common/crypto.h"
#include "common/strings.h"
#include "protocol/codecs.h"

namespace sluice::protocol {
namespace {

using model::Member;
using model::Shape;
using model::ShapeType;

Error Serialization(const std::string& msg) { return Error{"SerializationException", msg}; }

const char* KindName(const rapidjson::Value& v) {
  if (v.IsNull()) return "null";
  if (v.IsBool()) return "boolean";
  if (v.IsNumber()) return "number";
  if (v.IsString()) return "string";
  if (v.IsArray()) return "array";
  return "object";
}

class JsonDecoder {
 public:
  explicit JsonDecoder(const model::Service& svc) : svc_(svc) {}

  Result<Value> Decode(int shape_index, const rapidjson::Value& v, const std::string& path) {
    const Shape& s = svc_.shape(shape_index);
    if (v.IsNull()) return Value();
    switch (s.type) {
      case ShapeType::kStructure: {
        if (!v.IsObject()) return Mismatch(path, "structure", v);
        Value out = Value::Map();
        for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
          std::string_view name(it->name.GetString(), it->name.GetStringLength());
          const Member* m = svc_.FindMember(s, name);
          if (!m) continue;  // unknown members are ignored, as AWS does
          Result<Value> mv = Decode(m->shape, it->value, std::string(name));
          if (!mv.ok()) return mv;
          if (!mv->is_null()) out.Set(std::string(name), std::move(mv).value());
        }
        return out;
      }
      case ShapeType::kList: {
        if (!v.IsArray()) return Mismatch(path, "list", v);
        Value out = Value::List();
        for (const auto& item : v.GetArray()) {
          Result<Value> iv = Decode(s.list_member, item, path);
          if (!iv.ok()) return iv;
          out.Append(std::move(iv).value());
        }
        return out;
      }
      case ShapeType::kMap: {
        if (!v.IsObject()) return Mismatch(path, "map", v);
        Value out = Value::Map();
        Value::MapBuilder entries(out);
        for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
          std::string_view key(it->name.GetString(), it->name.GetStringLength());
          if (!strings::IsValidUtf8(key)) return Serialization("Invalid UTF-8 in a key of " + path);
          Result<Value> mv = Decode(s.map_value, it->value, path);
          if (!mv.ok()) return mv;
          entries.Put(std::string(key), std::move(mv).value());
        }
        return out;
      }
      case ShapeType::kString: {
        if (!v.IsString()) return Mismatch(path, "string", v);
        std::string_view text(v.GetString(), v.GetStringLength());
        // RapidJSON turns a lone surrogate escape ("\udc00") into invalid UTF-8.
        if (!strings::IsValidUtf8(text)) return Serialization("Invalid UTF-8 in " + path);
        return Value::String(std::string(text));
      }
      case ShapeType::kInteger:
        if (v.IsInt64()) return Value::Int(v.GetInt64());
        if (v.IsDouble() && std::floor(v.GetDouble()) == v.GetDouble() &&
            std::fabs(v.GetDouble()) < 9.2e18) {
          return Value::Int(static_cast<int64_t>(v.GetDouble()));
        }
        return Mismatch(path, "integer", v);
      case ShapeType::kDouble:
        if (!v.IsNumber()) return Mismatch(path, "number", v);
        return Value::Double(v.GetDouble());
      case ShapeType::kBoolean:
        if (!v.IsBool()) return Mismatch(path, "boolean", v);
        return Value::Bool(v.GetBool());
      case ShapeType::kBlob: {
        if (!v.IsString()) return Mismatch(path, "blob", v);
        auto b = crypto::Base64Decode(std::string_view(v.GetString(), v.GetStringLength()));
        if (!b) return Serialization("Base64 encoded value for " + path + " is invalid");
        return Value::Blob(std::move(*b));
      }
      case ShapeType::kTimestamp:
        if (!v.IsNumber()) return Mismatch(path, "timestamp", v);
        return Value::Timestamp(static_cast<int64_t>(std::llround(v.GetDouble() * 1000)));
    }
    return Value();
  }

 private:
  Error Mismatch(const std::string& path, const char* want, const rapidjson::Value& got) {
    return Serialization("Unexpected " + std::string(KindName(got)) + " value for " + path +
                         " (expected " + want + ")");
  }
  const model::Service& svc_;
};

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

class JsonEncoder {
 public:
  JsonEncoder(const model::Service& svc, Writer& w) : svc_(svc), w_(w) {}

  void Encode(int shape_index, const Value& v) {
    const Shape& s = svc_.shape(shape_index);
    switch (s.type) {
      case ShapeType::kStructure:
        w_.StartObject();
        if (v.is_map()) {
          for (int i = 0; i < s.member_count; ++i) {
            const Member& m = svc_.members[s.first_member + i];
            const Value* mv = v.Find(m.name);
            if (!mv || mv->is_null()) continue;
            w_.Key(m.name.data(), static_cast<rapidjson::SizeType>(m.name.size()));
            Encode(m.shape, *mv);
          }
        }
        w_.EndObject();
        break;
      case ShapeType::kList:
        w_.StartArray();
        for (const Value& item : v.items()) Encode(s.list_member, item);
        w_.EndArray();
        break;
      case ShapeType::kMap:
        w_.StartObject();
        for (const auto& [k, mv] : v.members()) {
          w_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
          Encode(s.map_value, mv);
        }
        w_.EndObject();
        break;
      default:
        Scalar(s, v);
    }
  }

 private:
  void Scalar(const Shape& s, const Value& v) {
    switch (v.kind()) {
      case Value::Kind::kBool:
        w_.Bool(v.as_bool());
        break;
      case Value::Kind::kInt:
        if (s.type == ShapeType::kString) {
          std::string t = std::to_string(v.as_int());
          w_.String(t.data(), static_cast<rapidjson::SizeType>(t.size()));
        } else {
          w_.Int64(v.as_int());
        }
        break;
      case Value::Kind::kDouble:
        w_.Double(v.as_double());
        break;
      case Value::Kind::kTimestamp:
        w_.Double(static_cast<double>(v.as_timestamp_millis()) / 1000.0);
        break;
      case Value::Kind::kBlob: {
        std::string b = crypto::Base64Encode(v.as_string());
        w_.String(b.data(), static_cast<rapidjson::SizeType>(b.size()));
        break;
      }
      case Value::Kind::kString:
        w_.String(v.as_string().data(), static_cast<rapidjson::SizeType>(v.as_string().size()));
        break;
      default:
        w_.Null();
    }
  }
  const model::Service& svc_;
  Writer& w_;
};

}  // namespace

Result<Value> DecodeJson(const model::Service& svc, const model::Operation& op,
                         std::string_view body) {
  if (op.input < 0) return Value::Map();
  size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return Value::Map();
  rapidjson::Document doc;
  // Iterative: nesting depth must not be able to exhaust the stack.
  doc.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(body.data(), body.size());
  if (doc.HasParseError()) {
    return Serialization(std::string("Malformed JSON: ") +
                         rapidjson::GetParseError_En(doc.GetParseError()) + " at offset " +
                         std::to_string(doc.GetErrorOffset()));
  }
  if (!doc.IsObject()) return Serialization("The request body must be a JSON object");
  JsonDecoder d(svc);
  return d.Decode(op.input, doc, "");
}

std::string EncodeJson(const model::Service& svc, const model::Operation& op, const Value& output) {
  if (op.output < 0) return "{}";
  rapidjson::StringBuffer buf;
  Writer w(buf);
  JsonEncoder e(svc, w);
  e.Encode(op.output, output);
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace sluice::protocol
