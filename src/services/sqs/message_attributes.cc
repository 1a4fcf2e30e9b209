#include "services/sqs/message_attributes.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/bytes.h"
#include "common/crypto.h"
#include "common/strings.h"

namespace sluice::sqs {
namespace {

Error Invalid(std::string message) { return Error{"InvalidParameterValue", std::move(message)}; }

size_t DecodeCodePoint(std::string_view s, size_t i, uint32_t& cp);

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 256) return false;
  if (name.front() == '.' || name.back() == '.') return false;
  if (name.find("..") != std::string_view::npos) return false;
  for (size_t i = 0; i < name.size();) {
    uint32_t c = 0;
    size_t n = DecodeCodePoint(name, i, c);
    if (n == 0) return false;
    // ASCII letters, digits, "_-." and, as AWS accepts them, the accented
    // Latin letters of U+00C0..U+017F (not the signs U+00D7 and U+00F7).
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.' ||
              (c >= 0xC0 && c <= 0x17F && c != 0xD7 && c != 0xF7);
    if (!ok) return false;
    i += n;
  }
  std::string lower = strings::ToLower(name);
  return !strings::StartsWith(lower, "aws.") && !strings::StartsWith(lower, "amazon.");
}

// Decodes one UTF-8 code point at s[i]; returns its length, 0 when invalid.
size_t DecodeCodePoint(std::string_view s, size_t i, uint32_t& cp) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t n;
  if (c < 0x80) {
    cp = c;
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)) return 0;
  return n;
}

}  // namespace

Status ValidateBodyCharacters(std::string_view body) {
  for (size_t i = 0; i < body.size();) {
    // Fast path: printable ASCII, tab, LF and CR.
    auto c = static_cast<unsigned char>(body[i]);
    if (c >= 0x20 && c < 0x80) {
      ++i;
      continue;
    }
    uint32_t cp = 0;
    size_t n = DecodeCodePoint(body, i, cp);
    bool ok = n > 0 && (cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
                        (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF));
    if (!ok) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "#x%X", n > 0 ? cp : static_cast<unsigned char>(body[i]));
      return Error{"InvalidMessageContents",
                   std::string("Invalid binary character '") + buf +
                       "' was found in the message body, the set of allowed characters is #x9 | "
                       "#xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"};
    }
    i += n;
  }
  return {};
}

Result<MessageAttributes> ParseMessageAttributes(const Value& map, bool system) {
  MessageAttributes out;
  if (!map.is_map()) return out;
  if (!system && map.members().size() > 10) {
    return Invalid("Number of message attributes [" + std::to_string(map.members().size()) +
                   "] exceeds the allowed maximum [10].");
  }
  for (const auto& [name, v] : map.members()) {
    if (system) {
      if (name != "AWSTraceHeader") {
        return Invalid("Message system attribute name '" + name + "' is invalid.");
      }
    } else if (!ValidName(name)) {
      return Invalid("Message attribute name '" + name +
                     "' is invalid. Attribute name can contain A-Z, a-z, 0-9, underscore (_), "
                     "hyphen (-), and period (.) characters.");
    }
    MessageAttribute a;
    a.name = name;
    auto type = v.GetString("DataType");
    if (!type || type->empty()) {
      return Invalid("The message attribute '" + name + "' must contain non-empty message attribute type.");
    }
    a.data_type = *type;
    std::string base = a.data_type.substr(0, a.data_type.find('.'));
    if (base != "String" && base != "Number" && base != "Binary") {
      return Invalid("The type of message attribute '" + name +
                     "' is invalid. You must use only the following supported type prefixes: "
                     "Binary, Number, String.");
    }
    if (a.data_type.size() > 256) {
      return Invalid("Message attribute type of '" + name + "' exceeds the allowed maximum length of 256.");
    }
    if (system && base != "String") {
      return Invalid("The message system attribute '" + name + "' must be of type String.");
    }
    if (base == "Binary") {
      auto bin = v.GetString("BinaryValue");
      if (!bin || bin->empty()) {
        return Invalid("Message (user) attribute '" + name +
                       "' must contain a non-empty value of type 'Binary'.");
      }
      a.value = *bin;
    } else {
      auto str = v.GetString("StringValue");
      if (!str || str->empty()) {
        return Invalid("Message (user) attribute '" + name +
                       "' must contain a non-empty value of type '" + base + "'.");
      }
      if (!ValidateBodyCharacters(*str).ok()) {
        return Invalid("The message attribute '" + name + "' contains characters outside the allowed set.");
      }
      if (base == "Number") {
        auto d = strings::ParseDouble(*str);
        bool finite_syntax = str->find_first_not_of("0123456789+-.eE") == std::string::npos;
        // AWS numbers are finite, within 10^-128 to 10^+126 in magnitude.
        if (!d || !finite_syntax || std::fabs(*d) >= 1e127 ||
            (*d != 0 && std::fabs(*d) < 1e-128)) {
          return Invalid("Can't cast the value of message (user) attribute '" + name + "' to a number.");
        }
        // AWS allows up to 38 significant digits and magnitudes of 10^-128..10^+126.
        int digits = 0;
        for (char c : *str) digits += (c >= '0' && c <= '9');
        if (digits > 38) {
          return Invalid("Value of message (user) attribute '" + name +
                         "' is not a valid number: too many significant digits.");
        }
      }
      a.value = *str;
    }
    out.push_back(std::move(a));
  }
  std::sort(out.begin(), out.end(),
            [](const MessageAttribute& x, const MessageAttribute& y) { return x.name < y.name; });
  return out;
}

size_t AttributesSize(const MessageAttributes& attrs) {
  size_t n = 0;
  for (const auto& a : attrs) n += a.name.size() + a.data_type.size() + a.value.size();
  return n;
}

std::string EncodeAttributes(const MessageAttributes& attrs) {
  std::string out;
  if (attrs.empty()) return out;
  bytes::PutU32(out, static_cast<uint32_t>(attrs.size()));
  for (const auto& a : attrs) {
    bytes::PutString(out, a.name);
    bytes::PutString(out, a.data_type);
    bytes::PutString(out, a.value);
  }
  return out;
}

bool DecodeAttributes(std::string_view in, MessageAttributes& out) {
  out.clear();
  if (in.empty()) return true;
  bytes::Reader r(in);
  uint32_t n = 0;
  if (!r.U32(n)) return false;
  for (uint32_t i = 0; i < n; ++i) {
    MessageAttribute a;
    if (!r.String(a.name) || !r.String(a.data_type) || !r.String(a.value)) return false;
    out.push_back(std::move(a));
  }
  return r.done();
}

std::string Md5OfAttributes(const MessageAttributes& attrs) {
  std::vector<const MessageAttribute*> sorted;
  for (const auto& a : attrs) sorted.push_back(&a);
  std::sort(sorted.begin(), sorted.end(),
            [](const MessageAttribute* x, const MessageAttribute* y) { return x->name < y->name; });
  std::string buf;
  for (const auto* a : sorted) {
    bytes::PutString(buf, a->name);
    bytes::PutString(buf, a->data_type);
    buf += static_cast<char>(a->binary() ? 2 : 1);
    bytes::PutString(buf, a->value);
  }
  return crypto::Md5Hex(buf);
}

Value AttributesToValue(const MessageAttributes& attrs) {
  Value map = Value::Map();
  for (const auto& a : attrs) {
    Value v = Value::Map();
    if (a.binary()) {
      v.Set("BinaryValue", Value::Blob(a.value));
    } else {
      v.Set("StringValue", Value::String(a.value));
    }
    v.Set("DataType", Value::String(a.data_type));
    map.Set(a.name, std::move(v));
  }
  return map;
}

}  // namespace sluice::sqs
