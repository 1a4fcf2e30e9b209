// Tests for SQS message attributes: validation with AWS's rules, the MD5
// digests clients verify (against the shared conformance vectors), the body
// character rule, and the stored encoding.
#include "services/sqs/message_attributes.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "common/crypto.h"

namespace sluice::sqs {
namespace {

using namespace std::string_literals;
namespace fs = std::filesystem;

// --------------------------------------------------------------- helpers

Value StringAttr(const std::string& type, const std::string& value) {
  Value v = Value::Map();
  v.Set("DataType", Value::String(type));
  v.Set("StringValue", Value::String(value));
  return v;
}

Value BinaryAttr(const std::string& type, const std::string& bytes) {
  Value v = Value::Map();
  v.Set("DataType", Value::String(type));
  v.Set("BinaryValue", Value::Blob(bytes));
  return v;
}

Value Attrs(std::vector<std::pair<std::string, Value>> members) {
  Value m = Value::Map();
  for (auto& [k, v] : members) m.Set(k, std::move(v));
  return m;
}

// Parses and expects an InvalidParameterValue error; returns its message.
std::string ParseError(const Value& map, bool system = false) {
  auto r = ParseMessageAttributes(map, system);
  EXPECT_FALSE(r.ok());
  if (r.ok()) return "";
  EXPECT_EQ(r.error().code, "InvalidParameterValue") << r.error().message;
  return r.error().message;
}

std::string Utf8(uint32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

// ---------------------------------------------------------------- parsing

TEST(ParseMessageAttributes, AcceptsEveryTypeAndSortsByName) {
  auto r = ParseMessageAttributes(Attrs({
      {"zeta", StringAttr("String", "z")},
      {"Amount", StringAttr("Number", "-12.5e3")},
      {"blob", BinaryAttr("Binary", "\x00\x01\xff"s)},
      {"custom", StringAttr("String.json", "{}")},
      {"bin.custom", BinaryAttr("Binary.gzip", "gz")},
      {"n.custom", StringAttr("Number.float", "1")},
  }));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 6u);
  std::vector<std::string> names;
  for (const auto& a : *r) names.push_back(a.name);
  EXPECT_EQ(names, (std::vector<std::string>{"Amount", "bin.custom", "blob", "custom", "n.custom", "zeta"}));
  EXPECT_EQ((*r)[0].data_type, "Number");
  EXPECT_EQ((*r)[0].value, "-12.5e3");
  EXPECT_TRUE((*r)[1].binary());
  EXPECT_EQ((*r)[2].value, "\x00\x01\xff"s);
  EXPECT_TRUE((*r)[2].binary());
  EXPECT_FALSE((*r)[3].binary());
  EXPECT_EQ((*r)[3].data_type, "String.json");
}

TEST(ParseMessageAttributes, NonMapIsEmpty) {
  auto r = ParseMessageAttributes(Value());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  auto empty = ParseMessageAttributes(Value::Map());
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(ParseMessageAttributes, AtMostTenAttributes) {
  std::vector<std::pair<std::string, Value>> ten;
  for (int i = 0; i < 10; ++i) ten.emplace_back(std::string("a") + std::to_string(i), StringAttr("String", "v"));
  EXPECT_TRUE(ParseMessageAttributes(Attrs(ten)).ok());
  ten.emplace_back("a10", StringAttr("String", "v"));
  EXPECT_EQ(ParseError(Attrs(ten)), "Number of message attributes [11] exceeds the allowed maximum [10].");
}

TEST(ParseMessageAttributes, NameRules) {
  for (const std::string& ok : {"a"s, "A-Z_a.z-09"s, "x.y.z"s, std::string(256, 'n'), "AWSx"s,
                                "awsome"s, "Amazonian"s}) {
    EXPECT_TRUE(ParseMessageAttributes(Attrs({{ok, StringAttr("String", "v")}})).ok()) << ok;
  }
  for (const std::string& bad : {""s, "has space"s, ".lead"s, "trail."s, "dou..ble"s, "AWS.x"s,
                                 "aws.x"s, "Amazon.x"s, "AMAZON.x"s, std::string(257, 'n'),
                                 "slash/x"s, "star*"s, "tab\t"s}) {
    std::string msg = ParseError(Attrs({{bad, StringAttr("String", "v")}}));
    EXPECT_NE(msg.find("Message attribute name '" + bad + "' is invalid."), std::string::npos)
        << bad << ": " << msg;
  }
}

TEST(ParseMessageAttributes, DataTypeRules) {
  Value no_type = Value::Map();
  no_type.Set("StringValue", Value::String("v"));
  EXPECT_EQ(ParseError(Attrs({{"a", no_type}})),
            "The message attribute 'a' must contain non-empty message attribute type.");
  EXPECT_EQ(ParseError(Attrs({{"a", StringAttr("", "v")}})),
            "The message attribute 'a' must contain non-empty message attribute type.");
  for (const char* bad : {"Integer", "string", "STRING", "Str", "Binaryx", ".String", "StringList"}) {
    std::string msg = ParseError(Attrs({{"a", StringAttr(bad, "v")}}));
    EXPECT_NE(msg.find("The type of message attribute 'a' is invalid."), std::string::npos) << bad;
  }
  EXPECT_TRUE(ParseMessageAttributes(Attrs({{"a", StringAttr("String." + std::string(249, 'x'), "v")}})).ok());
  EXPECT_EQ(ParseError(Attrs({{"a", StringAttr("String." + std::string(250, 'x'), "v")}})),
            "Message attribute type of 'a' exceeds the allowed maximum length of 256.");
}

TEST(ParseMessageAttributes, ValueMustMatchItsType) {
  EXPECT_EQ(ParseError(Attrs({{"b", StringAttr("Binary", "text")}})),
            "Message (user) attribute 'b' must contain a non-empty value of type 'Binary'.");
  EXPECT_EQ(ParseError(Attrs({{"b", BinaryAttr("Binary", "")}})),
            "Message (user) attribute 'b' must contain a non-empty value of type 'Binary'.");
  EXPECT_EQ(ParseError(Attrs({{"s", BinaryAttr("String", "bytes")}})),
            "Message (user) attribute 's' must contain a non-empty value of type 'String'.");
  EXPECT_EQ(ParseError(Attrs({{"s", StringAttr("String", "")}})),
            "Message (user) attribute 's' must contain a non-empty value of type 'String'.");
  EXPECT_EQ(ParseError(Attrs({{"n", StringAttr("Number.x", "")}})),
            "Message (user) attribute 'n' must contain a non-empty value of type 'Number'.");
}

TEST(ParseMessageAttributes, StringValuesFollowTheBodyCharacterRule) {
  EXPECT_TRUE(ParseMessageAttributes(Attrs({{"s", StringAttr("String", "tab\tok " + Utf8(0x1F600))}})).ok());
  std::string msg = ParseError(Attrs({{"s", StringAttr("String", "bell\x07")}}));
  EXPECT_NE(msg.find("'s'"), std::string::npos) << msg;
  ParseError(Attrs({{"s", StringAttr("String", "\xc3")}}));  // invalid UTF-8
}

TEST(ParseMessageAttributes, NumberRules) {
  for (const char* ok : {"0", "-1", "3.14", "0230.01", "1e10", "-2.5E-3",
                         "12345678901234567890123456789012345678"}) {  // 38 digits
    EXPECT_TRUE(ParseMessageAttributes(Attrs({{"n", StringAttr("Number", ok)}})).ok()) << ok;
  }
  for (const char* bad : {"abc", "1,5", "1.2.3", "0x10", " 1", "1 ", "--1", "e5"}) {
    EXPECT_EQ(ParseError(Attrs({{"n", StringAttr("Number", bad)}})),
              "Can't cast the value of message (user) attribute 'n' to a number.")
        << bad;
  }
  EXPECT_EQ(ParseError(Attrs({{"n", StringAttr("Number", "123456789012345678901234567890123456789")}})),
            "Value of message (user) attribute 'n' is not a valid number: too many significant digits.");
}

// AWS's Number type holds finite decimal numbers between 10^-128 and 10^+126
// in magnitude: "NaN", "Infinity" and out-of-range exponents are not numbers.
TEST(ParseMessageAttributes, NumberRejectsNonFiniteAndOutOfRange) {
  for (const char* bad : {"NaN", "nan", "inf", "Infinity", "-infinity", "1e127", "-1e200", "1e-129"}) {
    EXPECT_EQ(ParseError(Attrs({{"n", StringAttr("Number", bad)}})),
              "Can't cast the value of message (user) attribute 'n' to a number.")
        << bad;
  }
  for (const char* ok : {"9.99e126", "-9e126", "1e-128", "0.0", "-0"}) {
    EXPECT_TRUE(ParseMessageAttributes(Attrs({{"n", StringAttr("Number", ok)}})).ok()) << ok;
  }
}

TEST(ParseMessageAttributes, SystemAttributesAllowOnlyAwsTraceHeaderAsString) {
  auto ok = ParseMessageAttributes(Attrs({{"AWSTraceHeader", StringAttr("String", "Root=1-5759e988-bd862e3fe1be46a994272793")}}),
                                   /*system=*/true);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  ASSERT_EQ(ok->size(), 1u);
  EXPECT_EQ((*ok)[0].name, "AWSTraceHeader");
  EXPECT_EQ(ParseError(Attrs({{"Other", StringAttr("String", "v")}}), true),
            "Message system attribute name 'Other' is invalid.");
  EXPECT_EQ(ParseError(Attrs({{"AWSTraceHeader", BinaryAttr("Binary", "v")}}), true),
            "The message system attribute 'AWSTraceHeader' must be of type String.");
  EXPECT_EQ(ParseError(Attrs({{"AWSTraceHeader", StringAttr("Number", "1")}}), true),
            "The message system attribute 'AWSTraceHeader' must be of type String.");
}

// ------------------------------------------------------------------- MD5

std::optional<fs::path> ConformanceDir() {
  const char* env = std::getenv("SLUICE_CONFORMANCE_DIR");
  fs::path dir = (env != nullptr && *env != '\0') ? fs::path(env) : fs::path("../shared/conformance");
  std::error_code ec;
  if (fs::is_regular_file(dir / "sqs-md5-vectors.json", ec)) return dir;
  return std::nullopt;
}

class Md5Vectors : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = ConformanceDir();
    if (!dir) {
      GTEST_SKIP() << "sqs-md5-vectors.json not found: set SLUICE_CONFORMANCE_DIR to the shared "
                      "conformance folder (default ../shared/conformance from the repository root)";
    }
    std::ifstream in(*dir / "sqs-md5-vectors.json", std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    text_ = ss.str();
    doc_.Parse(text_.c_str());
    ASSERT_FALSE(doc_.HasParseError());
    ASSERT_TRUE(doc_.IsObject());
  }
  std::string text_;
  rapidjson::Document doc_;
};

TEST_F(Md5Vectors, BodyDigests) {
  ASSERT_TRUE(doc_.HasMember("body_vectors"));
  const auto& vectors = doc_["body_vectors"];
  ASSERT_TRUE(vectors.IsArray());
  ASSERT_GT(vectors.Size(), 0u);
  for (const auto& v : vectors.GetArray()) {
    std::string body(v["Body"].GetString(), v["Body"].GetStringLength());
    EXPECT_EQ(crypto::Md5Hex(body), v["MD5OfMessageBody"].GetString()) << body;
  }
}

TEST_F(Md5Vectors, AttributeDigests) {
  ASSERT_TRUE(doc_.HasMember("attribute_vectors"));
  const auto& vectors = doc_["attribute_vectors"];
  ASSERT_TRUE(vectors.IsArray());
  ASSERT_GT(vectors.Size(), 0u);
  int index = 0;
  for (const auto& v : vectors.GetArray()) {
    SCOPED_TRACE("attribute vector " + std::to_string(index++));
    MessageAttributes direct;
    Value input = Value::Map();
    bool ascii_names = true;
    for (auto it = v["MessageAttributes"].MemberBegin(); it != v["MessageAttributes"].MemberEnd(); ++it) {
      MessageAttribute a;
      a.name.assign(it->name.GetString(), it->name.GetStringLength());
      const auto& spec = it->value;
      a.data_type = spec["DataType"].GetString();
      Value attr = Value::Map();
      attr.Set("DataType", Value::String(a.data_type));
      if (spec.HasMember("BinaryValueBase64")) {
        auto bytes = crypto::Base64Decode(spec["BinaryValueBase64"].GetString());
        ASSERT_TRUE(bytes.has_value());
        a.value = *bytes;
        attr.Set("BinaryValue", Value::Blob(a.value));
      } else {
        a.value.assign(spec["StringValue"].GetString(), spec["StringValue"].GetStringLength());
        attr.Set("StringValue", Value::String(a.value));
      }
      for (unsigned char c : a.name) ascii_names = ascii_names && c < 0x80;
      input.Set(a.name, std::move(attr));
      direct.push_back(std::move(a));
    }
    std::string want = v["MD5OfMessageAttributes"].GetString();
    // The digest sorts by name itself: the given order must not matter.
    EXPECT_EQ(Md5OfAttributes(direct), want);
    std::reverse(direct.begin(), direct.end());
    EXPECT_EQ(Md5OfAttributes(direct), want);

    // The same attributes as a request carries them, through validation.
    if (ascii_names) {
      auto parsed = ParseMessageAttributes(input);
      ASSERT_TRUE(parsed.ok()) << parsed.error().message;
      EXPECT_EQ(Md5OfAttributes(*parsed), want);
      MessageAttributes back;
      ASSERT_TRUE(DecodeAttributes(EncodeAttributes(*parsed), back));
      EXPECT_EQ(Md5OfAttributes(back), want);
    }
  }
}

TEST(Md5OfAttributes, DistinguishesTransportTypes) {
  MessageAttributes as_string = {{"a", "String", "xyz"}};
  MessageAttributes as_binary = {{"a", "Binary", "xyz"}};
  EXPECT_NE(Md5OfAttributes(as_string), Md5OfAttributes(as_binary));
  // Length prefixes keep field boundaries apart.
  MessageAttributes shifted1 = {{"ab", "String", "c"}};
  MessageAttributes shifted2 = {{"a", "String", "bc"}};
  EXPECT_NE(Md5OfAttributes(shifted1), Md5OfAttributes(shifted2));
}

// -------------------------------------------------------- body characters

TEST(ValidateBodyCharacters, AllowsTheDocumentedSet) {
  std::string body;
  for (uint32_t cp : {0x9u, 0xAu, 0xDu, 0x20u, 0x7Eu, 0x7Fu, 0x80u, 0xFFu, 0x7FFu, 0x800u, 0xD7FFu,
                      0xE000u, 0xFFFDu, 0x10000u, 0x1F600u, 0x10FFFFu}) {
    EXPECT_TRUE(ValidateBodyCharacters(Utf8(cp)).ok()) << std::hex << cp;
    body += Utf8(cp);
  }
  EXPECT_TRUE(ValidateBodyCharacters(body).ok());
  EXPECT_TRUE(ValidateBodyCharacters("").ok());
}

TEST(ValidateBodyCharacters, RejectsCharactersOutsideTheSet) {
  for (uint32_t cp : {0x0u, 0x1u, 0x8u, 0xBu, 0xCu, 0xEu, 0x1Fu, 0xFFFEu, 0xFFFFu}) {
    Status st = ValidateBodyCharacters("ok" + Utf8(cp) + "ok");
    ASSERT_FALSE(st.ok()) << std::hex << cp;
    EXPECT_EQ(st.error().code, "InvalidMessageContents");
  }
  Status st = ValidateBodyCharacters("abc\x0b");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message,
            "Invalid binary character '#xB' was found in the message body, the set of allowed "
            "characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to "
            "#x10FFFF");
  Status ffff = ValidateBodyCharacters(Utf8(0xFFFF));
  ASSERT_FALSE(ffff.ok());
  EXPECT_NE(ffff.error().message.find("'#xFFFF'"), std::string::npos) << ffff.error().message;
}

TEST(ValidateBodyCharacters, RejectsMalformedUtf8) {
  for (const std::string& bad : {
           "\x80"s, "\xc3"s, "a\xe2\x82"s, "\xf0\x9f\x98"s,  // stray or truncated
           "\xc0\xaf"s, "\xe0\x80\xaf"s, "\xf0\x80\x80\xaf"s,  // overlong
           "\xed\xa0\x80"s, "\xed\xbf\xbf"s,                   // surrogates
           "\xf4\x90\x80\x80"s,                                // above U+10FFFF
           "\xff"s, "\xfe"s, "\xf8\x88\x80\x80\x80"s,
       }) {
    Status st = ValidateBodyCharacters("x" + bad);
    ASSERT_FALSE(st.ok()) << crypto::Hex(bad);
    EXPECT_EQ(st.error().code, "InvalidMessageContents");
  }
}

// ---------------------------------------------------------- stored form

TEST(EncodeAttributes, RoundTrips) {
  MessageAttributes attrs = {{"a", "String", "text"},
                             {"b", "Binary", "\x00\xff\x00"s},
                             {"c", "Number.int", "42"},
                             {std::string(256, 'n'), "String", ""}};
  std::string enc = EncodeAttributes(attrs);
  MessageAttributes back = {{"stale", "String", "x"}};
  ASSERT_TRUE(DecodeAttributes(enc, back));
  ASSERT_EQ(back.size(), attrs.size());
  for (size_t i = 0; i < attrs.size(); ++i) {
    EXPECT_EQ(back[i].name, attrs[i].name);
    EXPECT_EQ(back[i].data_type, attrs[i].data_type);
    EXPECT_EQ(back[i].value, attrs[i].value);
  }
}

TEST(EncodeAttributes, EmptyIsEmpty) {
  EXPECT_EQ(EncodeAttributes({}), "");
  MessageAttributes back = {{"stale", "String", "x"}};
  ASSERT_TRUE(DecodeAttributes("", back));
  EXPECT_TRUE(back.empty());
}

TEST(DecodeAttributes, RejectsCorruptInput) {
  std::string enc = EncodeAttributes({{"name", "String", "value"}, {"b", "Binary", "xy"}});
  MessageAttributes out;
  // Every truncation fails cleanly.
  for (size_t n = 1; n < enc.size(); ++n) {
    EXPECT_FALSE(DecodeAttributes(enc.substr(0, n), out)) << n;
  }
  EXPECT_FALSE(DecodeAttributes(enc + "x", out));  // trailing bytes
  // A count larger than the records present.
  std::string more = enc;
  more[3] = 3;
  EXPECT_FALSE(DecodeAttributes(more, out));
  // A huge count or length must fail fast, not allocate.
  EXPECT_FALSE(DecodeAttributes("\xff\xff\xff\xff"s, out));
  EXPECT_FALSE(DecodeAttributes("\x00\x00\x00\x01\xff\xff\xff\xff"s, out));
  EXPECT_FALSE(DecodeAttributes("garbage", out));
}

TEST(AttributesSize, CountsNameTypeAndValue) {
  EXPECT_EQ(AttributesSize({}), 0u);
  EXPECT_EQ(AttributesSize({{"ab", "String", "xyz"}, {"c", "Binary", "\x00\x01"s}}),
            2u + 6u + 3u + 1u + 6u + 2u);
}

TEST(AttributesToValue, RendersTheResponseShape) {
  Value v = AttributesToValue({{"s", "String", "text"}, {"b", "Binary.x", "\x00\x01"s}});
  ASSERT_TRUE(v.is_map());
  ASSERT_EQ(v.members().size(), 2u);
  const Value* s = v.Find("s");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->GetString("StringValue"), "text");
  EXPECT_EQ(s->GetString("DataType"), "String");
  EXPECT_EQ(s->Find("BinaryValue"), nullptr);
  const Value* b = v.Find("b");
  ASSERT_NE(b, nullptr);
  ASSERT_NE(b->Find("BinaryValue"), nullptr);
  EXPECT_EQ(b->Find("BinaryValue")->kind(), Value::Kind::kBlob);
  EXPECT_EQ(b->Find("BinaryValue")->as_string(), "\x00\x01"s);
  EXPECT_EQ(b->GetString("DataType"), "Binary.x");
  EXPECT_EQ(b->Find("StringValue"), nullptr);
}

}  // namespace
}  // namespace sluice::sqs
