// Structural validation of decoded input against the model.
#include <optional>
#include <regex>
#include <unordered_map>
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

// Where a value sits in the input, built into a string only for an error
// message ("records.1.member.partitionKey").
struct Path {
  enum class Kind { kRoot, kMember, kItem, kKey, kValue };
  const Path* parent = nullptr;
  Kind kind = Kind::kRoot;
  std::string_view name;  // member name or map key
  size_t index = 0;       // list position, from 1

  std::string Render() const {
    if (kind == Kind::kRoot) return "";
    std::string base = parent ? parent->Render() : "";
    switch (kind) {
      case Kind::kMember:
        return base.empty() ? LowerFirst(name) : base + "." + LowerFirst(name);
      case Kind::kItem:
        return base + "." + std::to_string(index) + ".member";
      case Kind::kKey:
        return base + ".key";
      case Kind::kValue:
        return base + "." + std::string(name) + ".value";
      default:
        return base;
    }
  }
};

class Validator {
 public:
  Validator(const model::Service& svc, ValidationStyle style) : svc_(svc), style_(style) {}

  void Check(int shape_index, const Value& v, const Path& at) {
    const Shape& s = svc_.shape(shape_index);
    bool full = style_ == ValidationStyle::kValidation;
    switch (s.type) {
      case ShapeType::kStructure:
        for (int i = 0; i < s.member_count; ++i) {
          const Member& m = svc_.members[s.first_member + i];
          const Value* mv = v.is_map() ? v.Find(m.name) : nullptr;
          Path mpath{&at, Path::Kind::kMember, m.name, 0};
          if (!mv || mv->is_null()) {
            // Query services answer an absent list with their own error
            // (SQS: EmptyBatchRequest), so only scalars and structures are
            // required here in that style.
            bool list = svc_.shape(m.shape).type == ShapeType::kList;
            if (m.required && !(list && !full)) Missing(m, mpath);
            continue;
          }
          Check(m.shape, *mv, mpath);
        }
        break;
      case ShapeType::kList:
        Length(s, static_cast<int64_t>(v.items().size()), at, nullptr);
        for (size_t i = 0; i < v.items().size(); ++i) {
          Check(s.list_member, v.items()[i], Path{&at, Path::Kind::kItem, {}, i + 1});
        }
        break;
      case ShapeType::kMap:
        Length(s, static_cast<int64_t>(v.members().size()), at, nullptr);
        for (const auto& [k, mv] : v.members()) {
          if (full) Check(s.map_key, Value::String(k), Path{&at, Path::Kind::kKey, k, 0});
          Check(s.map_value, mv, Path{&at, Path::Kind::kValue, k, 0});
        }
        break;
      case ShapeType::kString:
        if (full) {
          Length(s, Utf16Length(v.as_string()), at, &v.as_string());
          Pattern(s, v.as_string(), at);
          Enum(s, v.as_string(), at);
        }
        break;
      case ShapeType::kBlob:
        Length(s, static_cast<int64_t>(v.as_string().size()), at, nullptr);
        break;
      case ShapeType::kInteger:
        if (full) Range(s, v, at);
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

  void Missing(const Member& m, const Path& at) {
    if (style_ == ValidationStyle::kQuery) {
      if (!first_missing_) {
        first_missing_ = Error{"MissingParameter", "The request must contain the parameter " +
                                                       std::string(m.query_name) + "."};
      }
    } else {
      messages_.push_back("Value null at '" + at.Render() + "' failed to satisfy constraint: Member must not be null");
    }
  }

  // AWS quotes string values ("Value 'abc' at 'streamName' ..."), not others.
  void Length(const Shape& s, int64_t n, const Path& at, const std::string* text) {
    if (style_ != ValidationStyle::kValidation) return;
    if (!(s.has_min && n < s.min) && !(s.has_max && n > s.max)) return;
    std::string path = at.Render();
    std::string value = text ? "Value '" + *text + "' at '" : "Value at '";
    if (s.has_min && n < s.min) {
      messages_.push_back(value + path + "' failed to satisfy constraint: Member must have length greater than or equal to " + std::to_string(s.min));
    } else if (s.has_max && n > s.max) {
      messages_.push_back(value + path + "' failed to satisfy constraint: Member must have length less than or equal to " + std::to_string(s.max));
    }
  }

  void Range(const Shape& s, const Value& v, const Path& at) {
    int64_t n = v.as_int();
    if (!(s.has_min && n < s.min) && !(s.has_max && n > s.max)) return;
    std::string path = at.Render();
    if (s.has_min && n < s.min) {
      messages_.push_back("Value '" + std::to_string(n) + "' at '" + path + "' failed to satisfy constraint: Member must have value greater than or equal to " + std::to_string(s.min));
    } else if (s.has_max && n > s.max) {
      messages_.push_back("Value '" + std::to_string(n) + "' at '" + path + "' failed to satisfy constraint: Member must have value less than or equal to " + std::to_string(s.max));
    }
  }

  void Pattern(const Shape& s, const std::string& text, const Path& at) {
    if (s.pattern.empty()) return;
    // libstdc++'s matcher recurses per character: a value already too long
    // is reported by its length check and never reaches the regex.
    if ((s.has_max && static_cast<int64_t>(text.size()) > s.max * 4) || text.size() > 4096) return;
    const std::regex* re = CompiledPattern(s.pattern);
    if (re && !std::regex_match(text, *re)) {
      messages_.push_back("Value '" + text + "' at '" + at.Render() + "' failed to satisfy constraint: Member must satisfy regular expression pattern: " + std::string(s.pattern));
    }
  }

  // Patterns compile once per thread; one std::regex cannot compile (some
  // models use Java-only syntax) is not enforced.
  static const std::regex* CompiledPattern(std::string_view pattern) {
    thread_local std::unordered_map<const char*, std::optional<std::regex>> cache;
    auto it = cache.find(pattern.data());
    if (it == cache.end()) {
      std::optional<std::regex> re;
      try {
        re.emplace(std::string(pattern), std::regex::ECMAScript | std::regex::optimize);
      } catch (const std::regex_error&) {
      }
      it = cache.emplace(pattern.data(), std::move(re)).first;
    }
    return it->second ? &*it->second : nullptr;
  }

  void Enum(const Shape& s, const std::string& text, const Path& at) {
    if (s.enum_count == 0) return;
    std::string set;
    for (int i = 0; i < s.enum_count; ++i) {
      std::string_view e = svc_.enum_values[s.first_enum + i];
      if (e == text) return;
      set += (i ? ", " : "") + std::string(e);
    }
    messages_.push_back("Value '" + text + "' at '" + at.Render() + "' failed to satisfy constraint: Member must satisfy enum value set: [" + set + "]");
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
  v.Check(op.input, input, Path{});
  return v.Result();
}

}  // namespace sluice::protocol
