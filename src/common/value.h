// Value: a protocol-neutral tree of request and response data.
//
// Every wire codec (Query form, AWS JSON, later CBOR) decodes into a Value and
// encodes from one, guided by the generated model; services see Values and
// typed structs, never HTTP, XML or JSON. Members keep insertion order so that
// output follows the order services build it in.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sluice {

class Value {
 public:
  enum class Kind { kNull, kBool, kInt, kDouble, kString, kBlob, kList, kMap, kTimestamp };
  using Members = std::vector<std::pair<std::string, Value>>;
  using Items = std::vector<Value>;

  Value() = default;
  static Value Bool(bool b) { Value v; v.kind_ = Kind::kBool; v.i_ = b; return v; }
  static Value Int(int64_t i) { Value v; v.kind_ = Kind::kInt; v.i_ = i; return v; }
  static Value Double(double d) { Value v; v.kind_ = Kind::kDouble; v.d_ = d; return v; }
  static Value String(std::string s) { Value v; v.kind_ = Kind::kString; v.s_ = std::move(s); return v; }
  // Raw bytes (base64 on the wire in JSON and Query).
  static Value Blob(std::string bytes) { Value v; v.kind_ = Kind::kBlob; v.s_ = std::move(bytes); return v; }
  // Milliseconds since the epoch; JSON renders epoch seconds, XML ISO-8601.
  static Value Timestamp(int64_t millis) { Value v; v.kind_ = Kind::kTimestamp; v.i_ = millis; return v; }
  static Value List() { Value v; v.kind_ = Kind::kList; return v; }
  static Value Map() { Value v; v.kind_ = Kind::kMap; return v; }

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_map() const { return kind_ == Kind::kMap; }
  bool is_list() const { return kind_ == Kind::kList; }
  bool is_string() const { return kind_ == Kind::kString; }

  bool as_bool() const { return i_ != 0; }
  int64_t as_int() const { return i_; }
  double as_double() const { return kind_ == Kind::kDouble ? d_ : static_cast<double>(i_); }
  // The text of a string, or the bytes of a blob.
  const std::string& as_string() const { return s_; }
  int64_t as_timestamp_millis() const { return i_; }

  // Lists.
  const Items& items() const { return items_; }
  Items& items() { return items_; }
  Value& Append(Value v) { items_.push_back(std::move(v)); return items_.back(); }

  // Maps (structures and string-keyed maps alike).
  const Members& members() const { return members_; }
  Members& members() { return members_; }
  // Returns nullptr when absent.
  const Value* Find(std::string_view key) const {
    for (const auto& [k, v] : members_) {
      if (k == key) return &v;
    }
    return nullptr;
  }
  Value* Find(std::string_view key) {
    for (auto& [k, v] : members_) {
      if (k == key) return &v;
    }
    return nullptr;
  }
  // Sets key to v, replacing an existing member of that name.
  Value& Set(std::string key, Value v) {
    if (Value* existing = Find(key)) {
      *existing = std::move(v);
      return *existing;
    }
    members_.emplace_back(std::move(key), std::move(v));
    return members_.back().second;
  }

  // Builds a string-keyed map of many entries: a later duplicate key
  // replaces the earlier value, in linear time overall (Set() is linear per
  // call, which untrusted input could turn quadratic).
  class MapBuilder {
   public:
    explicit MapBuilder(Value& map) : map_(map) {}
    void Put(std::string key, Value v) {
      auto [it, inserted] = index_.try_emplace(key, map_.members_.size());
      if (inserted) {
        map_.members_.emplace_back(std::move(key), std::move(v));
      } else {
        map_.members_[it->second].second = std::move(v);
      }
    }

   private:
    Value& map_;
    std::unordered_map<std::string, size_t> index_;
  };

  // Convenience readers for optional members of a structure.
  std::optional<std::string> GetString(std::string_view key) const {
    const Value* v = Find(key);
    if (!v || (v->kind_ != Kind::kString && v->kind_ != Kind::kBlob)) return std::nullopt;
    return v->s_;
  }

 private:
  Kind kind_ = Kind::kNull;
  int64_t i_ = 0;
  double d_ = 0;
  std::string s_;
  Items items_;
  Members members_;
};

// Readers of members of a decoded, validated input (services share them).
// An optional integer member; nullopt when absent or null.
inline std::optional<int64_t> OptionalInt(const Value& input, std::string_view name) {
  const Value* v = input.Find(name);
  if (!v || v->is_null()) return std::nullopt;
  return v->as_int();
}
// A String-to-String map member (attributes, tags); empty when absent.
inline std::map<std::string, std::string> StringMap(const Value& input, std::string_view name) {
  std::map<std::string, std::string> out;
  const Value* v = input.Find(name);
  if (!v || !v->is_map()) return out;
  for (const auto& [k, val] : v->members()) out[k] = val.as_string();
  return out;
}
// A list-of-strings member; empty when absent.
inline std::vector<std::string> StringList(const Value& input, std::string_view name) {
  std::vector<std::string> out;
  const Value* v = input.Find(name);
  if (!v || !v->is_list()) return out;
  for (const auto& item : v->items()) out.push_back(item.as_string());
  return out;
}

}  // namespace sluice
