// Query protocol: form parameters in, XML out, following the naming rules AWS
// SDKs use (locationName, flattened lists and maps, "member"/"entry").
#include <algorithm>
#include <string>

#include "common/crypto.h"
#include "common/strings.h"
#include "protocol/codecs.h"

namespace sluice::protocol {
namespace {

using model::Member;
using model::Shape;
using model::ShapeType;

bool HasPrefix(const FormParams& params, const std::string& prefix) {
  auto it = params.lower_bound(prefix);
  return it != params.end() && it->first.compare(0, prefix.size(), prefix) == 0;
}

// True when `key` itself or anything below it ("key.x") is present.
bool Present(const FormParams& params, const std::string& key) {
  return params.count(key) > 0 || HasPrefix(params, key + ".");
}

Error BadValue(const std::string& key, const std::string& value, const char* reason) {
  return Error{"InvalidParameterValue",
               "Value " + value + " for parameter " + key + " is invalid. Reason: " + reason + "."};
}

class QueryDecoder {
 public:
  QueryDecoder(const model::Service& svc, const FormParams& params) : svc_(svc), params_(params) {}

  Result<Value> Decode(int shape_index, const std::string& key) {
    const Shape& s = svc_.shape(shape_index);
    switch (s.type) {
      case ShapeType::kStructure:
        return DecodeStructure(s, key);
      case ShapeType::kList:
        return DecodeList(s, key, false, {});
      case ShapeType::kMap:
        return DecodeMap(s, key, false);
      default:
        return DecodeScalar(s, key);
    }
  }

  Result<Value> DecodeStructure(const Shape& s, const std::string& prefix) {
    Value out = Value::Map();
    for (int i = 0; i < s.member_count; ++i) {
      const Member& m = svc_.members[s.first_member + i];
      std::string key = prefix.empty() ? std::string(m.query_name)
                                       : prefix + "." + std::string(m.query_name);
      const Shape& ms = svc_.shape(m.shape);
      Result<Value> v = Value();
      if (ms.type == ShapeType::kList) {
        if (!Present(params_, key) && !FlattenedListPresent(ms, key, m.flattened)) continue;
        v = DecodeList(ms, key, m.flattened, m.query_name);
      } else if (ms.type == ShapeType::kMap) {
        if (!Present(params_, key)) continue;
        v = DecodeMap(ms, key, m.flattened);
      } else if (ms.type == ShapeType::kStructure) {
        if (!HasPrefix(params_, key + ".")) continue;
        v = DecodeStructure(ms, key);
      } else {
        if (!params_.count(key)) continue;
        v = DecodeScalar(ms, key);
      }
      if (!v.ok()) return v;
      out.Set(std::string(m.name), std::move(v).value());
    }
    return out;
  }

  // A flattened list whose items carry their own name lives beside the
  // member's name ("AttributeName.1" for member "AttributeNames").
  bool FlattenedListPresent(const Shape& ls, const std::string& key, bool member_flattened) {
    if (!(ls.flattened || member_flattened) || ls.list_member_name == "member") return false;
    return HasPrefix(params_, ListPrefix(ls, key, member_flattened) + ".");
  }

  std::string ListPrefix(const Shape& ls, const std::string& key, bool member_flattened) {
    if (ls.flattened || member_flattened) {
      if (ls.list_member_name.empty() || ls.list_member_name == "member") return key;
      size_t dot = key.rfind('.');
      std::string parent = dot == std::string::npos ? std::string() : key.substr(0, dot + 1);
      return parent + std::string(ls.list_member_name);
    }
    return key + "." + std::string(ls.list_member_name.empty() ? "member" : ls.list_member_name);
  }

  Result<Value> DecodeList(const Shape& ls, const std::string& key, bool member_flattened,
                           std::string_view) {
    Value out = Value::List();
    std::string prefix = ListPrefix(ls, key, member_flattened);
    for (int i = 1;; ++i) {
      std::string item = prefix + "." + std::to_string(i);
      if (!Present(params_, item)) break;
      Result<Value> v = Decode(ls.list_member, item);
      if (!v.ok()) return v;
      out.Append(std::move(v).value());
      if (i > 100000) break;
    }
    return out;
  }

  Result<Value> DecodeMap(const Shape& ms, const std::string& key, bool member_flattened) {
    Value out = Value::Map();
    Value::MapBuilder entries(out);
    std::string prefix = (ms.flattened || member_flattened) ? key : key + ".entry";
    std::string kname(ms.map_key_name.empty() ? "key" : ms.map_key_name);
    std::string vname(ms.map_value_name.empty() ? "value" : ms.map_value_name);
    for (int i = 1;; ++i) {
      std::string entry = prefix + "." + std::to_string(i);
      if (!Present(params_, entry)) break;
      auto k = params_.find(entry + "." + kname);
      if (k != params_.end() && !strings::IsValidUtf8(k->second)) {
        return Error{"InvalidParameterValue", "Value for parameter " + entry + "." + kname +
                                                  " is invalid. Reason: It must be valid UTF-8."};
      }
      if (k == params_.end()) {
        return Error{"MissingParameter",
                     "The request must contain the parameter " + entry + "." + kname + "."};
      }
      Result<Value> v = Decode(ms.map_value, entry + "." + vname);
      if (!v.ok()) return v;
      if (!Present(params_, entry + "." + vname)) {
        return Error{"MissingParameter",
                     "The request must contain the parameter " + entry + "." + vname + "."};
      }
      entries.Put(k->second, std::move(v).value());
      if (i > 100000) break;
    }
    return out;
  }

  Result<Value> DecodeScalar(const Shape& s, const std::string& key) {
    auto it = params_.find(key);
    if (it == params_.end()) return Value();
    const std::string& text = it->second;
    switch (s.type) {
      case ShapeType::kString:
        if (!strings::IsValidUtf8(text)) {
          return Error{"InvalidParameterValue",
                       "Value for parameter " + key + " is invalid. Reason: It must be valid UTF-8."};
        }
        return Value::String(text);
      case ShapeType::kInteger: {
        auto n = strings::ParseInt(text);
        if (!n) return BadValue(key, text, "Must be an integer");
        return Value::Int(*n);
      }
      case ShapeType::kDouble: {
        auto d = strings::ParseDouble(text);
        if (!d) return BadValue(key, text, "Must be a number");
        return Value::Double(*d);
      }
      case ShapeType::kBoolean:
        if (text == "true") return Value::Bool(true);
        if (text == "false") return Value::Bool(false);
        return BadValue(key, text, "Must be true or false");
      case ShapeType::kBlob: {
        auto b = crypto::Base64Decode(text);
        if (!b) return BadValue(key, text, "Must be base64-encoded binary data");
        return Value::Blob(std::move(*b));
      }
      case ShapeType::kTimestamp: {
        auto n = strings::ParseDouble(text);
        if (!n) return BadValue(key, text, "Must be a timestamp");
        return Value::Timestamp(static_cast<int64_t>(*n * 1000));
      }
      default:
        return Value::String(text);
    }
  }

 private:
  const model::Service& svc_;
  const FormParams& params_;
};

class XmlWriter {
 public:
  explicit XmlWriter(const model::Service& svc) : svc_(svc) {}

  void Structure(const Shape& s, const Value& v) {
    if (!v.is_map()) return;
    for (int i = 0; i < s.member_count; ++i) {
      const Member& m = svc_.members[s.first_member + i];
      const Value* mv = v.Find(m.name);
      if (!mv || mv->is_null()) continue;
      MemberValue(m.query_name, m.shape, m.flattened, *mv);
    }
  }

  void MemberValue(std::string_view name, int shape_index, bool member_flattened, const Value& v) {
    const Shape& s = svc_.shape(shape_index);
    bool flat = s.flattened || member_flattened;
    switch (s.type) {
      case ShapeType::kList: {
        std::string_view item = s.list_member_name.empty() ? "member" : s.list_member_name;
        if (flat) {
          std::string_view el = item == "member" ? name : item;
          for (const Value& it : v.items()) MemberValue(el, s.list_member, false, it);
        } else {
          Open(name);
          for (const Value& it : v.items()) MemberValue(item, s.list_member, false, it);
          Close(name);
        }
        break;
      }
      case ShapeType::kMap: {
        std::string_view kn = s.map_key_name.empty() ? "key" : s.map_key_name;
        std::string_view vn = s.map_value_name.empty() ? "value" : s.map_value_name;
        if (!flat) Open(name);
        for (const auto& [k, val] : v.members()) {
          Open(flat ? name : std::string_view("entry"));
          MemberValue(kn, s.map_key, false, Value::String(k));
          MemberValue(vn, s.map_value, false, val);
          Close(flat ? name : std::string_view("entry"));
        }
        if (!flat) Close(name);
        break;
      }
      case ShapeType::kStructure:
        Open(name);
        Structure(s, v);
        Close(name);
        break;
      default:
        Open(name);
        Scalar(v);
        Close(name);
    }
  }

  void Scalar(const Value& v) {
    switch (v.kind()) {
      case Value::Kind::kBool:
        out_ += v.as_bool() ? "true" : "false";
        break;
      case Value::Kind::kInt:
        out_ += std::to_string(v.as_int());
        break;
      case Value::Kind::kDouble: {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.17g", v.as_double());
        out_ += buf;
        break;
      }
      case Value::Kind::kBlob:
        out_ += crypto::Base64Encode(v.as_string());
        break;
      case Value::Kind::kTimestamp:
        out_ += strings::Iso8601Millis(v.as_timestamp_millis());
        break;
      default:
        out_ += XmlEscape(v.as_string());
    }
  }

  void Open(std::string_view name) { out_.append("<").append(name).append(">"); }
  void Close(std::string_view name) { out_.append("</").append(name).append(">"); }
  std::string& out() { return out_; }

 private:
  const model::Service& svc_;
  std::string out_;
};

}  // namespace

Result<Value> DecodeQuery(const model::Service& svc, const model::Operation& op,
                          const FormParams& params) {
  if (op.input < 0) return Value::Map();
  QueryDecoder d(svc, params);
  return d.DecodeStructure(svc.shape(op.input), "");
}

std::string EncodeXmlResponse(const model::Service& svc, const model::Operation& op,
                              const Value& output, std::string_view request_id) {
  XmlWriter w(svc);
  std::string& out = w.out();
  out.reserve(512);
  out += "<?xml version=\"1.0\"?>";
  out.append("<").append(op.name).append("Response xmlns=\"").append(svc.xml_namespace).append("\">");
  if (op.output >= 0 && !op.result_wrapper.empty()) {
    w.Open(op.result_wrapper);
    w.Structure(svc.shape(op.output), output);
    w.Close(op.result_wrapper);
  }
  out.append("<ResponseMetadata><RequestId>").append(request_id).append("</RequestId></ResponseMetadata>");
  out.append("</").append(op.name).append("Response>");
  return std::move(out);
}

std::string XmlEscape(std::string_view raw) {
  // Whatever the input, the document stays well-formed.
  std::string clean;
  std::string_view in = raw;
  if (!strings::IsValidUtf8(raw) ||
      std::any_of(raw.begin(), raw.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r';
      }) ||
      raw.find("\xEF\xBF\xBE") != std::string_view::npos || raw.find("\xEF\xBF\xBF") != std::string_view::npos) {
    clean = strings::SanitizeUtf8(raw, /*xml=*/true);
    in = clean;
  }
  std::string out;
  out.reserve(in.size());
  for (char c : in) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      // Line breaks and carriage returns survive XML parsers only as references.
      case '\r': out += "&#xD;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace sluice::protocol
