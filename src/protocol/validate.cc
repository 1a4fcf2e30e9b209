// Structural validation of decoded input against the model.
#include <optional>
#include <regex>
#include <vector>
#include <string>

#include "protocol/codecs.h"

namespace sluice::protocol {
namespace {

using model::Member;
using model::Shape;
using model::ShapeType;

std::string LowerFirst(std::string_view s) {
  std::string out(s);
  if (!out.empty() && out[0] >= 'A' && out[0] <= 'Z') out[0] = static_cast<char>(out[0] - 'A' + 'a');
  return out;
}

class Validator {
 public:
  Validator(const model::Service& svc, ValidationStyle style) : svc_(svc), style_(style) {}

  void Check(int shape_index, const Value& v, const std::string& path) {
    const Shape& s = svc_.shape(shape_index);
    switch (s.type) {
      case ShapeType::kStructure:
        for (int i = 0; i < s.member_count; ++i) {
          const Member& m = svc_.members[s.first_member + i];
          const Value* mv = v.is_map() ? v.Find(m.name) : nullptr;
          std::string mpath = path.empty() ? LowerFirst(m.name) : path + "." + LowerFirst(m.name);
          if (!mv || mv->is_null()) {
            // Query services answer an absent list with their own error
            // (SQS: EmptyBatchRequest), so only scalars and structures are
            // required here in that style.
            bool list = svc_.shape(m.shape).type == ShapeType::kList;
            if (m.required && !(list && style_ == ValidationStyle::kQuery)) Missing(m, mpath);
            continue;
          }
          Check(m.shape, *mv, mpath);
        }
        break;
      case ShapeType::kList:
        Length(s, static_cast<int64_t>(v.items().size()), path, "length");
        for (size_t i = 0; i < v.items().size(); ++i) {
          Check(s.list_member, v.items()[i], path + "." + std::to_string(i + 1) + ".member");
        }
        break;
      case ShapeType::kMap:
        Length(s, static_cast<int64_t>(v.members().size()), path, "length");
        for (const auto& [k, mv] : v.members()) {
          Check(s.map_key, Value::String(k), path + ".key");
          Check(s.map_value, mv, path + "." + k + ".value");
        }
        break;
      case ShapeType::kString:
        if (style_ == ValidationStyle::kValidation) {
          Length(s, Utf16Length(v.as_string()), path, "length", &v.as_string());
          Pattern(s, v.as_string(), path);
          Enum(s, v.as_string(), path);
        }
        break;
      case ShapeType::kBlob:
        Length(s, static_cast<int64_t>(v.as_string().size()), path, "length");
        break;
      case ShapeType::kInteger:
        if (style_ == ValidationStyle::kValidation) Range(s, v, path);
        break;
      default:
        break;
    }
  }

  Status Result() const {
    if (first_missing_) return *first_missing_;
    if (messages_.empty()) return {};
    std::string msg = std::to_string(messages_.size()) + " validation error" +
                      (messages_.size() > 1 ? "s" : "") + " detected: ";
    for (size_t i = 0; i < messages_.size(); ++i) {
      if (i) msg += "; ";
      msg += messages_[i];
    }
    return Error{"ValidationException", msg};
  }

 private:
  static int64_t Utf16Length(const std::string& s) {
    int64_t n = 0;
    for (unsigned char c : s) {
      if ((c & 0xC0) != 0x80) n += (c >= 0xF0) ? 2 : 1;
    }
    return n;
  }

  void Missing(const Member& m, const std::string& path) {
    if (style_ == ValidationStyle::kQuery) {
      if (!first_missing_) {
        first_missing_ = Error{"MissingParameter", "The request must contain the parameter " +
                                                       std::string(m.query_name) + "."};
      }
    } else {
      messages_.push_back("Value null at '" + path + "' failed to satisfy constraint: Member must not be null");
    }
  }

  // AWS quotes string values ("Value 'abc' at 'streamName' ..."), not others.
  void Length(const Shape& s, int64_t n, const std::string& path, const char*,
              const std::string* text = nullptr) {
    if (style_ != ValidationStyle::kValidation) return;
    std::string value = text ? "Value '" + *text + "' at '" : "Value at '";
    if (s.has_min && n < s.min) {
      messages_.push_back(value + path + "' failed to satisfy constraint: Member must have length greater than or equal to " + std::to_string(s.min));
    } else if (s.has_max && n > s.max) {
      messages_.push_back(value + path + "' failed to satisfy constraint: Member must have length less than or equal to " + std::to_string(s.max));
    }
  }

  void Range(const Shape& s, const Value& v, const std::string& path) {
    int64_t n = v.as_int();
    if (s.has_min && n < s.min) {
      messages_.push_back("Value '" + std::to_string(n) + "' at '" + path + "' failed to satisfy constraint: Member must have value greater than or equal to " + std::to_string(s.min));
    } else if (s.has_max && n > s.max) {
      messages_.push_back("Value '" + std::to_string(n) + "' at '" + path + "' failed to satisfy constraint: Member must have value less than or equal to " + std::to_string(s.max));
    }
  }

  void Pattern(const Shape& s, const std::string& text, const std::string& path) {
    if (s.pattern.empty()) return;
    try {
      std::regex re(std::string(s.pattern), std::regex::ECMAScript);
      if (!std::regex_match(text, re)) {
        messages_.push_back("Value '" + text + "' at '" + path + "' failed to satisfy constraint: Member must satisfy regular expression pattern: " + std::string(s.pattern));
      }
    } catch (const std::regex_error&) {
      // A model pattern std::regex cannot compile is not enforced.
    }
  }

  void Enum(const Shape& s, const std::string& text, const std::string& path) {
    if (s.enum_count == 0) return;
    std::string set;
    for (int i = 0; i < s.enum_count; ++i) {
      std::string_view e = svc_.enum_values[s.first_enum + i];
      if (e == text) return;
      set += (i ? ", " : "") + std::string(e);
    }
    messages_.push_back("Value '" + text + "' at '" + path + "' failed to satisfy constraint: Member must satisfy enum value set: [" + set + "]");
  }

  const model::Service& svc_;
  ValidationStyle style_;
  std::optional<Error> first_missing_;
  std::vector<std::string> messages_;
};

}  // namespace

Status Validate(const model::Service& svc, const model::Operation& op, const Value& input,
                ValidationStyle style) {
  if (op.input < 0) return {};
  Validator v(svc, style);
  v.Check(op.input, input, "");
  return v.Result();
}

}  // namespace sluice::protocol
