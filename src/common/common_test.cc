// Tests for the common module: hashes and encodings against published
// vectors, the string helpers the protocol layer trusts with untrusted input,
// the binary record reader, and the manual executor that the service tests
// use to drive time.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/executor.h"
#include "common/strings.h"

namespace sluice {
namespace {

using namespace std::string_literals;

// ------------------------------------------------------------------ crypto

TEST(Crypto, Md5KnownVectors) {
  // RFC 1321, appendix A.5.
  EXPECT_EQ(crypto::Md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(crypto::Md5Hex("a"), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(crypto::Md5Hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(crypto::Md5Hex("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(crypto::Md5Hex("12345678901234567890123456789012345678901234567890123456789012345678901234567890"),
            "57edf4a22be3c955ac49da2e2107b67a");
  EXPECT_EQ(crypto::Md5("abc").size(), 16u);
}

TEST(Crypto, Sha256KnownVectors) {
  // FIPS 180-2 examples.
  EXPECT_EQ(crypto::Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(crypto::Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(crypto::Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(crypto::Sha256("abc").size(), 32u);
}

TEST(Crypto, HmacSha256Rfc4231Vectors) {
  // Test case 1.
  EXPECT_EQ(crypto::Hex(crypto::HmacSha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // Test case 2: a key shorter than the block.
  EXPECT_EQ(crypto::Hex(crypto::HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 6: a key longer than the block is hashed first.
  EXPECT_EQ(crypto::Hex(crypto::HmacSha256(std::string(131, '\xaa'),
                                           "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

// Keyed contexts are cached per thread: many keys in turn, each used again
// after others evicted or kept it, give the same MACs as the first time.
TEST(Crypto, HmacSha256SameAnswerWhateverTheKeyOrder) {
  std::vector<std::string> first;
  for (int k = 0; k < 20; ++k) {
    first.push_back(crypto::HmacSha256("key-" + std::to_string(k), "data"));
  }
  for (int round = 0; round < 3; ++round) {
    for (int k = 19; k >= 0; k -= 1 + round) {
      EXPECT_EQ(crypto::HmacSha256("key-" + std::to_string(k), "data"), first[k]) << k;
      EXPECT_NE(crypto::HmacSha256("key-" + std::to_string(k), "datA"), first[k]) << k;
    }
  }
  EXPECT_EQ(crypto::Hex(crypto::HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, HexIsLowerCaseAndCoversAllBytes) {
  EXPECT_EQ(crypto::Hex(""), "");
  EXPECT_EQ(crypto::Hex("\x00\x01\x7f\x80\xab\xff"s), "00017f80abff");
}

TEST(Crypto, Base64Rfc4648Vectors) {
  const std::pair<std::string, std::string> cases[] = {
      {"", ""},          {"f", "Zg=="},         {"fo", "Zm8="},        {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : cases) {
    EXPECT_EQ(crypto::Base64Encode(plain), encoded);
    auto back = crypto::Base64Decode(encoded);
    ASSERT_TRUE(back.has_value()) << encoded;
    EXPECT_EQ(*back, plain);
  }
}

TEST(Crypto, Base64RoundTripsEveryByteAndLength) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (size_t len = 0; len <= all.size(); len += 7) {
    std::string in = all.substr(0, len);
    auto std_back = crypto::Base64Decode(crypto::Base64Encode(in));
    ASSERT_TRUE(std_back.has_value()) << len;
    EXPECT_EQ(*std_back, in);
    std::string url = crypto::Base64UrlEncode(in);
    EXPECT_EQ(url.find_first_of("+/="), std::string::npos) << url;
    auto url_back = crypto::Base64UrlDecode(url);
    ASSERT_TRUE(url_back.has_value()) << len;
    EXPECT_EQ(*url_back, in);
  }
}

TEST(Crypto, Base64UrlUsesItsOwnAlphabetWithoutPadding) {
  EXPECT_EQ(crypto::Base64Encode("\xfb\xff"), "+/8=");
  EXPECT_EQ(crypto::Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(crypto::Base64UrlEncode("f"), "Zg");
}

TEST(Crypto, Base64DecodeRejectsBadInput) {
  for (const char* bad : {
           "Zg",        // padding required
           "Zg=",       // length not a multiple of 4
           "Z===",      // too much padding
           "====",      // padding only
           "Zm=v",      // padding in the middle
           "Zh==",      // non-zero trailing bits: not the canonical encoding of "f"
           "Zm9", "Zm9v!A==", "Zm9v\n", " Zm9v", "Zm9v Zm9v",
           "-_8=",      // URL alphabet
       }) {
    EXPECT_FALSE(crypto::Base64Decode(bad).has_value()) << bad;
  }
  EXPECT_FALSE(crypto::Base64Decode("Zm9v\0Zm9v"s).has_value());
}

TEST(Crypto, Base64UrlDecodeRejectsBadInput) {
  for (const char* bad : {
           "Zg==",  // padding is not used
           "+/8",   // standard alphabet
           "Z",     // a single character cannot encode a byte
           "Zm9vY",  // five characters: 30 bits, a dangling character
           "Zh",    // non-zero trailing bits
           "Zm 9",
       }) {
    EXPECT_FALSE(crypto::Base64UrlDecode(bad).has_value()) << bad;
  }
}

TEST(Crypto, ConstantTimeEquals) {
  EXPECT_TRUE(crypto::ConstantTimeEquals("", ""));
  EXPECT_TRUE(crypto::ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(crypto::ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(crypto::ConstantTimeEquals("secret", "secret1"));
  EXPECT_FALSE(crypto::ConstantTimeEquals("a\0b"s, "a\0c"s));
}

TEST(Crypto, RandomBytesHaveTheRequestedLengthAndVary) {
  EXPECT_EQ(crypto::RandomBytes(0).size(), 0u);
  EXPECT_EQ(crypto::RandomBytes(32).size(), 32u);
  EXPECT_NE(crypto::RandomBytes(32), crypto::RandomBytes(32));
}

TEST(Crypto, UuidV4Format) {
  const std::regex re("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    std::string u = crypto::UuidV4();
    ASSERT_EQ(u.size(), 36u);
    EXPECT_TRUE(std::regex_match(u, re)) << u;
    seen.insert(u);
  }
  EXPECT_EQ(seen.size(), 200u);
}

// ----------------------------------------------------------------- strings

TEST(Strings, UrlDecode) {
  EXPECT_EQ(strings::UrlDecode("a%20b+c", true), "a b c");
  EXPECT_EQ(strings::UrlDecode("a%20b+c", false), "a b+c");
  EXPECT_EQ(strings::UrlDecode("%2B%2b%2F%2f", true), "++//");
  EXPECT_EQ(strings::UrlDecode("%C3%A9", false), "\xc3\xa9");
  EXPECT_EQ(strings::UrlDecode("%00x", false), "\0x"s);
  EXPECT_EQ(strings::UrlDecode("", true), "");
  EXPECT_EQ(strings::UrlDecode("%41", true), "A");
}

TEST(Strings, UrlDecodeRejectsBadEscapes) {
  for (const char* bad : {"%", "%4", "a%", "a%4", "%zz", "%4g", "%g4", "100%", "%%41", "% 4"}) {
    EXPECT_FALSE(strings::UrlDecode(bad, true).has_value()) << bad;
    EXPECT_FALSE(strings::UrlDecode(bad, false).has_value()) << bad;
  }
}

TEST(Strings, UrlEncodeKeepsOnlyUnreserved) {
  EXPECT_EQ(strings::UrlEncode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(strings::UrlEncode("a b+c/d=e&f"), "a%20b%2Bc%2Fd%3De%26f");
  EXPECT_EQ(strings::UrlEncode("\xc3\xa9"), "%C3%A9");
  EXPECT_EQ(strings::UrlEncode("\0"s), "%00");
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  EXPECT_EQ(strings::UrlDecode(strings::UrlEncode(all), false), all);
}

TEST(Strings, ParseForm) {
  auto form = strings::ParseForm(
      "Action=SendMessage&MessageBody=a%26b%3Dc+d&Empty=&Flag&&Action=Again&x=1=2");
  ASSERT_TRUE(form.has_value());
  std::vector<std::pair<std::string, std::string>> want = {
      {"Action", "SendMessage"}, {"MessageBody", "a&b=c d"}, {"Empty", ""},
      {"Flag", ""},              {"Action", "Again"},        {"x", "1=2"},
  };
  EXPECT_EQ(*form, want);
  auto empty = strings::ParseForm("");
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty());
  auto encoded_key = strings::ParseForm("Attribute.1.Name%3D=v");
  ASSERT_TRUE(encoded_key.has_value());
  ASSERT_EQ(encoded_key->size(), 1u);
  EXPECT_EQ((*encoded_key)[0].first, "Attribute.1.Name=");
}

TEST(Strings, ParseFormRejectsBadEscapes) {
  EXPECT_FALSE(strings::ParseForm("a=%zz").has_value());
  EXPECT_FALSE(strings::ParseForm("a%=1").has_value());
  EXPECT_FALSE(strings::ParseForm("ok=1&b=%4").has_value());
}

TEST(Strings, ParseInt) {
  EXPECT_EQ(strings::ParseInt("0"), 0);
  EXPECT_EQ(strings::ParseInt("42"), 42);
  EXPECT_EQ(strings::ParseInt("-5"), -5);
  EXPECT_EQ(strings::ParseInt("+7"), 7);
  EXPECT_EQ(strings::ParseInt("007"), 7);
  EXPECT_EQ(strings::ParseInt("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(strings::ParseInt("-9223372036854775808"), INT64_MIN);
  for (const char* bad : {"", "+", "-", " 1", "1 ", "1.0", "1e3", "0x10", "abc", "1a",
                          "9223372036854775808", "-9223372036854775809", "99999999999999999999"}) {
    EXPECT_FALSE(strings::ParseInt(bad).has_value()) << bad;
  }
  EXPECT_FALSE(strings::ParseInt("1\0"s).has_value());
}

// A second sign after '+' is not a whole-string decimal integer.
TEST(Strings, ParseIntRejectsDoubleSign) {
  EXPECT_FALSE(strings::ParseInt("+-5").has_value());
  EXPECT_FALSE(strings::ParseInt("++5").has_value());
}

TEST(Strings, ParseDouble) {
  EXPECT_EQ(strings::ParseDouble("1.5"), 1.5);
  EXPECT_EQ(strings::ParseDouble("-2"), -2.0);
  EXPECT_EQ(strings::ParseDouble("1e3"), 1000.0);
  EXPECT_EQ(strings::ParseDouble("0230.01"), 230.01);
  EXPECT_EQ(strings::ParseDouble("0"), 0.0);
  for (const char* bad : {"", " 1", "1 ", "1.5x", "abc", "1,5", "--1", "1e", "."}) {
    EXPECT_FALSE(strings::ParseDouble(bad).has_value()) << bad;
  }
}

TEST(Strings, Iso8601Millis) {
  EXPECT_EQ(strings::Iso8601Millis(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(strings::Iso8601Millis(1700000000123), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(strings::Iso8601Millis(951782400000), "2000-02-29T00:00:00.000Z");
  EXPECT_EQ(strings::Iso8601Millis(1440938160007), "2015-08-30T12:36:00.007Z");
  EXPECT_EQ(strings::Iso8601Millis(253402300799999), "9999-12-31T23:59:59.999Z");
}

TEST(Strings, AppendUtf8EncodesEveryLength) {
  std::string out;
  for (uint32_t cp : {0x41u, 0x7Fu, 0x80u, 0xE9u, 0x7FFu, 0x800u, 0x20ACu, 0xFFFDu, 0x10000u, 0x1F600u,
                      0x10FFFFu}) {
    strings::AppendUtf8(out, cp);
  }
  EXPECT_EQ(crypto::Hex(out),
            "41" "7f" "c280" "c3a9" "dfbf" "e0a080" "e282ac" "efbfbd" "f0908080" "f09f9880" "f48fbfbf");
  EXPECT_TRUE(strings::IsValidUtf8(out));
}

TEST(Strings, IsValidUtf8AcceptsWellFormed) {
  for (const std::string& ok : {
           ""s, "plain ascii"s, "\0 nul is a character"s,
           "\xc3\xa9"s,                  // U+00E9
           "\xdf\xbf"s,                  // U+07FF, last two-byte
           "\xe0\xa0\x80"s,              // U+0800, first three-byte
           "\xe2\x82\xac"s,              // U+20AC
           "\xed\x9f\xbf"s,              // U+D7FF, just below the surrogates
           "\xee\x80\x80"s,              // U+E000, just above them
           "\xef\xbf\xbf"s,              // U+FFFF
           "\xf0\x90\x80\x80"s,          // U+10000
           "\xf0\x9d\x84\x9e"s,          // U+1D11E
           "\xf4\x8f\xbf\xbf"s,          // U+10FFFF
           "a\xc3\xa9z\xe2\x82\xac!"s,
       }) {
    EXPECT_TRUE(strings::IsValidUtf8(ok)) << crypto::Hex(ok);
  }
}

TEST(Strings, IsValidUtf8RejectsMalformed) {
  for (const std::string& bad : {
           "\x80"s,                      // lone continuation byte
           "a\xbf"s,
           "\xc3"s,                      // truncated two-byte
           "\xe2\x82"s,                  // truncated three-byte
           "\xf0\x9d\x84"s,              // truncated four-byte
           "\xc3\x28"s,                  // bad continuation
           "\xe2\x28\xa1"s,
           "\xc0\xaf"s, "\xc1\xbf"s,     // overlong two-byte
           "\xe0\x80\xaf"s, "\xe0\x9f\xbf"s,  // overlong three-byte
           "\xf0\x80\x80\xaf"s, "\xf0\x8f\xbf\xbf"s,  // overlong four-byte
           "\xed\xa0\x80"s,              // U+D800, a surrogate
           "\xed\xbf\xbf"s,              // U+DFFF
           "\xed\xa0\xbd\xed\xb8\x80"s,  // a CESU-8 surrogate pair
           "\xf4\x90\x80\x80"s,          // U+110000, above the range
           "\xf5\x80\x80\x80"s, "\xf7\xbf\xbf\xbf"s,
           "\xf8\x88\x80\x80\x80"s,      // five-byte form
           "\xfe"s, "\xff"s,
           "ok\xc3"s,                    // truncated at the end of a longer string
       }) {
    EXPECT_FALSE(strings::IsValidUtf8(bad)) << crypto::Hex(bad);
  }
}

TEST(Strings, StartsWithAndToLower) {
  EXPECT_TRUE(strings::StartsWith("AWS.Trace", "AWS."));
  EXPECT_TRUE(strings::StartsWith("abc", ""));
  EXPECT_FALSE(strings::StartsWith("ab", "abc"));
  EXPECT_EQ(strings::ToLower("AbC-Z_\xc3\x89"), "abc-z_\xc3\x89");
}

// ------------------------------------------------------------------- bytes

TEST(Bytes, RoundTripIsBigEndian) {
  std::string out;
  bytes::PutU32(out, 0x01020304);
  EXPECT_EQ(out, "\x01\x02\x03\x04"s);
  out.clear();
  bytes::PutU64(out, 0x0102030405060708ULL);
  bytes::PutI64(out, -2);
  bytes::PutString(out, "hi\0there"s);
  bytes::PutString(out, "");
  EXPECT_EQ(out.substr(0, 8), "\x01\x02\x03\x04\x05\x06\x07\x08"s);

  bytes::Reader r(out);
  uint64_t u = 0;
  int64_t i = 0;
  std::string s1, s2;
  ASSERT_TRUE(r.U64(u));
  ASSERT_TRUE(r.I64(i));
  ASSERT_TRUE(r.String(s1));
  EXPECT_FALSE(r.done());
  ASSERT_TRUE(r.String(s2));
  EXPECT_EQ(u, 0x0102030405060708ULL);
  EXPECT_EQ(i, -2);
  EXPECT_EQ(s1, "hi\0there"s);
  EXPECT_EQ(s2, "");
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.done());
}

TEST(Bytes, EncodedKeysSortNumerically) {
  std::string a, b;
  bytes::PutU64(a, 255);
  bytes::PutU64(b, 256);
  EXPECT_LT(a, b);
}

TEST(Bytes, ShortInputFailsAndStaysFailed) {
  {
    const std::string in = "\x00\x00\x00"s;  // the Reader views it: keep it alive
    bytes::Reader r(in);
    uint32_t v = 0;
    EXPECT_FALSE(r.U32(v));
    EXPECT_FALSE(r.ok());
    EXPECT_FALSE(r.done());
  }
  {
    const std::string in(7, '\0');
    bytes::Reader r(in);
    uint64_t v = 0;
    EXPECT_FALSE(r.U64(v));
    // Once failed, even a read that would fit fails.
    uint32_t w = 0;
    EXPECT_FALSE(r.U32(w));
    EXPECT_FALSE(r.ok());
  }
  {
    // A length prefix longer than what follows.
    std::string in;
    bytes::PutU32(in, 10);
    in += "short";
    bytes::Reader r(in);
    std::string s;
    EXPECT_FALSE(r.String(s));
    EXPECT_FALSE(r.ok());
  }
  {
    // A huge length prefix must not allocate or read out of bounds.
    std::string in;
    bytes::PutU32(in, 0xFFFFFFFF);
    bytes::Reader r(in);
    std::string s;
    EXPECT_FALSE(r.String(s));
  }
  {
    bytes::Reader r("");
    int64_t v = 0;
    EXPECT_FALSE(r.I64(v));
  }
  {
    // Trailing bytes: every read succeeds, but the record is not done.
    const std::string in = "\x00\x00\x00\x01x"s;
    bytes::Reader r(in);
    uint32_t v = 0;
    EXPECT_TRUE(r.U32(v));
    EXPECT_EQ(v, 1u);
    EXPECT_TRUE(r.ok());
    EXPECT_FALSE(r.done());
  }
}

// --------------------------------------------------------- ManualExecutor

TEST(ManualExecutor, PostedTasksRunOnlyWhenAskedInOrder) {
  ManualClock clock(1000);
  ManualExecutor ex(&clock);
  std::vector<int> order;
  ex.Post([&] { order.push_back(1); });
  ex.Post([&] {
    order.push_back(2);
    ex.Post([&] { order.push_back(4); });  // posted by a task: runs in the same pass
  });
  ex.Post([&] { order.push_back(3); });
  EXPECT_TRUE(order.empty());
  ex.RunReady();
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(clock.NowMillis(), 1000);
}

TEST(ManualExecutor, TimedTasksRunInTimeOrderAtTheirTime) {
  ManualClock clock(1000);
  ManualExecutor ex(&clock);
  std::vector<std::pair<int, int64_t>> ran;  // (tag, clock when run)
  ex.RunAt(3000, [&] { ran.emplace_back(3, clock.NowMillis()); });
  ex.RunAt(2000, [&] { ran.emplace_back(2, clock.NowMillis()); });
  ex.RunAt(2000, [&] { ran.emplace_back(22, clock.NowMillis()); });  // same time: FIFO
  ex.RunAt(9000, [&] { ran.emplace_back(9, clock.NowMillis()); });
  ex.RunReady();
  EXPECT_TRUE(ran.empty());
  EXPECT_EQ(ex.pending_timers(), 4u);

  ex.Advance(999);  // to 1999
  EXPECT_TRUE(ran.empty());
  ex.Advance(1);  // to 2000
  EXPECT_EQ(ran, (std::vector<std::pair<int, int64_t>>{{2, 2000}, {22, 2000}}));
  ex.Advance(5000);  // to 7000
  EXPECT_EQ(ran.size(), 3u);
  EXPECT_EQ(ran.back(), std::make_pair(3, int64_t{3000}));
  EXPECT_EQ(clock.NowMillis(), 7000);
  EXPECT_EQ(ex.pending_timers(), 1u);
}

TEST(ManualExecutor, TimerScheduledByATaskRunsDuringTheSameAdvance) {
  ManualClock clock(0);
  ManualExecutor ex(&clock);
  std::vector<int64_t> ran;
  ex.RunAt(100, [&] {
    ran.push_back(clock.NowMillis());
    ex.RunAt(150, [&] { ran.push_back(clock.NowMillis()); });
  });
  ex.Advance(200);
  EXPECT_EQ(ran, (std::vector<int64_t>{100, 150}));
  EXPECT_EQ(clock.NowMillis(), 200);
}

TEST(ManualExecutor, PastDueTimerRunsOnRunReady) {
  ManualClock clock(5000);
  ManualExecutor ex(&clock);
  bool ran = false;
  ex.RunAt(4000, [&] { ran = true; });
  ex.RunReady();
  EXPECT_TRUE(ran);
  EXPECT_EQ(clock.NowMillis(), 5000);
}

TEST(ManualExecutor, CancelledTimerNeverRuns) {
  ManualClock clock(0);
  ManualExecutor ex(&clock);
  int ran = 0;
  uint64_t a = ex.RunAt(10, [&] { ran += 1; });
  uint64_t b = ex.RunAt(20, [&] { ran += 10; });
  EXPECT_NE(a, b);
  ex.Cancel(a);
  ex.Advance(100);
  EXPECT_EQ(ran, 10);
  ex.Cancel(b);  // already ran: nothing happens
  ex.Cancel(12345);
  EXPECT_EQ(ex.pending_timers(), 0u);
}

TEST(ManualClock, SetAndAdvance) {
  ManualClock clock(10);
  EXPECT_EQ(clock.NowMillis(), 10);
  clock.Advance(5);
  EXPECT_EQ(clock.NowMillis(), 15);
  clock.Set(3);
  EXPECT_EQ(clock.NowMillis(), 3);
}

}  // namespace
}  // namespace sluice
