#include "common/json_doc.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

namespace sluice::json {
namespace {

Value FromRapid(const rapidjson::Value& v) {
  if (v.IsObject()) {
    Value out = Value::Map();
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
      out.members().emplace_back(std::string(it->name.GetString(), it->name.GetStringLength()),
                                 FromRapid(it->value));
    }
    return out;
  }
  if (v.IsArray()) {
    Value out = Value::List();
    for (const auto& item : v.GetArray()) out.Append(FromRapid(item));
    return out;
  }
  if (v.IsString()) return Value::String(std::string(v.GetString(), v.GetStringLength()));
  if (v.IsBool()) return Value::Bool(v.GetBool());
  if (v.IsInt64()) return Value::Int(v.GetInt64());
  if (v.IsNumber()) return Value::Double(v.GetDouble());
  return Value();
}

constexpr int kMaxDepth = 64;

void ToRapid(const Value& v, rapidjson::Writer<rapidjson::StringBuffer>& w) {
  switch (v.kind()) {
    case Value::Kind::kMap:
      w.StartObject();
      for (const auto& [k, mv] : v.members()) {
        w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
        ToRapid(mv, w);
      }
      w.EndObject();
      break;
    case Value::Kind::kList:
      w.StartArray();
      for (const auto& item : v.items()) ToRapid(item, w);
      w.EndArray();
      break;
    case Value::Kind::kString:
    case Value::Kind::kBlob:
      w.String(v.as_string().data(), static_cast<rapidjson::SizeType>(v.as_string().size()));
      break;
    case Value::Kind::kBool:
      w.Bool(v.as_bool());
      break;
    case Value::Kind::kInt:
    case Value::Kind::kTimestamp:
      w.Int64(v.as_int());
      break;
    case Value::Kind::kDouble:
      w.Double(v.as_double());
      break;
    case Value::Kind::kNull:
      w.Null();
      break;
  }
}

}  // namespace

static int Depth(const rapidjson::Value& v, int limit) {
  if (limit <= 0) return 1;
  int deepest = 0;
  if (v.IsObject()) {
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
      deepest = std::max(deepest, Depth(it->value, limit - 1));
    }
  } else if (v.IsArray()) {
    for (const auto& item : v.GetArray()) deepest = std::max(deepest, Depth(item, limit - 1));
  }
  return 1 + deepest;
}

Result<Value> Parse(std::string_view text) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(text.data(), text.size());
  if (doc.HasParseError()) {
    return Error{"InvalidJson", std::string(rapidjson::GetParseError_En(doc.GetParseError()))};
  }
  // Documents here (policies, records) are shallow; deeper ones are refused
  // before the recursive conversion.
  if (Depth(doc, kMaxDepth + 1) > kMaxDepth) return Error{"InvalidJson", "nested too deeply"};
  return FromRapid(doc);
}

std::string Write(const Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  ToRapid(v, w);
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace sluice::json
