#include <gtest/gtest.h>

#include <random>

#include "bench/endpoint.h"
#include "bench/histogram.h"
#include "bench/http_call.h"
#include "bench/sqs_requests.h"
#include "bench/stats.h"
#include "common/strings.h"

namespace sluice::bench {
namespace {

// ------------------------------------------------------------------ Histogram

TEST(Histogram, SmallValuesAreExact) {
  Histogram h;
  for (uint64_t v = 0; v < 256; ++v) h.Record(v);
  EXPECT_EQ(h.count(), 256u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 255u);
  EXPECT_EQ(h.ValueAtQuantile(0.5), 127u);
  EXPECT_EQ(h.ValueAtQuantile(1.0), 255u);
  EXPECT_EQ(h.ValueAtQuantile(0.0), 0u);
}

TEST(Histogram, BucketsCoverEveryValueContiguously) {
  EXPECT_EQ(Histogram::LowestEquivalent(0), 0u);
  for (size_t i = 1; i < Histogram::BucketCount(); ++i) {
    ASSERT_EQ(Histogram::LowestEquivalent(i), Histogram::HighestEquivalent(i - 1) + 1) << i;
  }
  EXPECT_EQ(Histogram::HighestEquivalent(Histogram::BucketCount() - 1), UINT64_MAX);
  EXPECT_EQ(Histogram::IndexOf(UINT64_MAX), Histogram::BucketCount() - 1);
  for (uint64_t v : {uint64_t{256}, uint64_t{257}, uint64_t{511}, uint64_t{512}, uint64_t{1'000'000},
                     uint64_t{123'456'789'012}}) {
    const size_t i = Histogram::IndexOf(v);
    EXPECT_LE(Histogram::LowestEquivalent(i), v);
    EXPECT_GE(Histogram::HighestEquivalent(i), v);
  }
}

TEST(Histogram, RelativeErrorIsUnderOnePercent) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(13.0, 1.5);  // around 0.4 ms in nanoseconds
  Histogram h;
  std::vector<uint64_t> values;
  for (int i = 0; i < 100000; ++i) {
    uint64_t v = static_cast<uint64_t>(dist(rng));
    values.push_back(v);
    h.Record(v);
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const uint64_t exact = values[static_cast<size_t>(std::ceil(q * values.size())) - 1];
    const double got = static_cast<double>(h.ValueAtQuantile(q));
    EXPECT_GE(got, static_cast<double>(exact)) << q;
    EXPECT_LE(got, static_cast<double>(exact) * 1.008) << q;
  }
  EXPECT_EQ(h.ValueAtQuantile(1.0), values.back());
  EXPECT_EQ(h.max(), values.back());
}

TEST(Histogram, MergeAddsCounts) {
  Histogram a, b;
  for (int i = 0; i < 90; ++i) a.Record(1000);
  for (int i = 0; i < 10; ++i) b.Record(5'000'000);
  a.Merge(b);
  EXPECT_EQ(a.count(), 100u);
  EXPECT_EQ(a.min(), 1000u);
  EXPECT_EQ(a.max(), 5'000'000u);
  EXPECT_NEAR(static_cast<double>(a.ValueAtQuantile(0.9)), 1000, 10);
  EXPECT_NEAR(static_cast<double>(a.ValueAtQuantile(0.91)), 5'000'000, 5'000'000 / 128.0);
  EXPECT_DOUBLE_EQ(a.mean(), (90 * 1000.0 + 10 * 5'000'000.0) / 100);
  a.Reset();
  EXPECT_EQ(a.count(), 0u);
  EXPECT_EQ(a.ValueAtQuantile(0.99), 0u);
}

// ------------------------------------------------------------- JSON builders

TEST(SqsRequests, JsonSendMessageBatch) {
  SqsRequests r(Protocol::kJson);
  HttpCall c = r.SendMessageBatch("http://127.0.0.1:4566/000000000000/q", {"a", "b\"c"});
  EXPECT_EQ(c.operation, "SendMessageBatch");
  EXPECT_EQ(c.method, "POST");
  EXPECT_EQ(c.target, "/");
  EXPECT_EQ(c.body,
            R"({"QueueUrl":"http://127.0.0.1:4566/000000000000/q","Entries":[{"Id":"0","MessageBody":"a"},)"
            R"({"Id":"1","MessageBody":"b\"c"}]})");
  ASSERT_EQ(c.headers.size(), 2u);
  EXPECT_EQ(c.headers[0], (std::pair<std::string, std::string>{"Content-Type", "application/x-amz-json-1.0"}));
  EXPECT_EQ(c.headers[1], (std::pair<std::string, std::string>{"X-Amz-Target", "AmazonSQS.SendMessageBatch"}));
}

TEST(SqsRequests, JsonOtherOperations) {
  SqsRequests r(Protocol::kJson);
  EXPECT_EQ(r.CreateQueue("bench").body, R"({"QueueName":"bench"})");
  EXPECT_EQ(r.SendMessage("u", "hello").body, R"({"QueueUrl":"u","MessageBody":"hello"})");
  EXPECT_EQ(r.ReceiveMessage("u", 10, 2).body, R"({"QueueUrl":"u","MaxNumberOfMessages":10,"WaitTimeSeconds":2})");
  EXPECT_EQ(r.DeleteMessageBatch("u", {"h1", "h2"}).body,
            R"({"QueueUrl":"u","Entries":[{"Id":"0","ReceiptHandle":"h1"},{"Id":"1","ReceiptHandle":"h2"}]})");
  EXPECT_EQ(r.ReceiveMessage("u", 10, 2).headers[1].second, "AmazonSQS.ReceiveMessage");
}

// ------------------------------------------------------------ Query builders

TEST(SqsRequests, QuerySendMessageBatch) {
  SqsRequests r(Protocol::kQuery);
  HttpCall c = r.SendMessageBatch("http://h/1/q", {"x y", "z"});
  EXPECT_EQ(c.operation, "SendMessageBatch");
  EXPECT_EQ(c.headers.size(), 1u);
  EXPECT_EQ(c.headers[0].first, "Content-Type");
  auto form = strings::ParseForm(c.body);
  ASSERT_TRUE(form.has_value());
  std::vector<std::pair<std::string, std::string>> want = {
      {"Action", "SendMessageBatch"},
      {"Version", "2012-11-05"},
      {"QueueUrl", "http://h/1/q"},
      {"SendMessageBatchRequestEntry.1.Id", "0"},
      {"SendMessageBatchRequestEntry.1.MessageBody", "x y"},
      {"SendMessageBatchRequestEntry.2.Id", "1"},
      {"SendMessageBatchRequestEntry.2.MessageBody", "z"},
  };
  EXPECT_EQ(*form, want);
}

TEST(SqsRequests, QueryReceiveAndDelete) {
  SqsRequests r(Protocol::kQuery);
  auto recv = strings::ParseForm(r.ReceiveMessage("u", 10, 1).body);
  ASSERT_TRUE(recv.has_value());
  EXPECT_EQ((*recv)[0].second, "ReceiveMessage");
  EXPECT_EQ((*recv)[3], (std::pair<std::string, std::string>{"MaxNumberOfMessages", "10"}));
  EXPECT_EQ((*recv)[4], (std::pair<std::string, std::string>{"WaitTimeSeconds", "1"}));
  auto del = strings::ParseForm(r.DeleteMessageBatch("u", {"a+b/c="}).body);
  ASSERT_TRUE(del.has_value());
  EXPECT_EQ(del->back(), (std::pair<std::string, std::string>{"DeleteMessageBatchRequestEntry.1.ReceiptHandle", "a+b/c="}));
}

TEST(SqsRequests, MessageBodyHasExactSize) {
  EXPECT_EQ(MakeMessageBody(100, 12345).size(), 100u);
  EXPECT_EQ(MakeMessageBody(3, 12345), "m12");
  EXPECT_NE(MakeMessageBody(100, 1), MakeMessageBody(100, 2));
  EXPECT_EQ(MakeMessageBody(100, 1).rfind("m1-", 0), 0u);
}

// --------------------------------------------------------------------- parsers

TEST(SqsParsers, Json) {
  EXPECT_EQ(ParseQueueUrl(Protocol::kJson, R"({"QueueUrl":"http://x/0/q"})"), "http://x/0/q");
  EXPECT_FALSE(ParseQueueUrl(Protocol::kJson, "ok").has_value());

  BatchOutcome b = ParseBatchResult(
      Protocol::kJson,
      R"({"Successful":[{"Id":"0"},{"Id":"2"}],"Failed":[{"Id":"1","Code":"InvalidMessageContents","SenderFault":true}]})");
  EXPECT_TRUE(b.parsed);
  EXPECT_EQ(b.successful, 2);
  EXPECT_EQ(b.failed_codes, std::vector<std::string>{"InvalidMessageContents"});
  EXPECT_FALSE(ParseBatchResult(Protocol::kJson, "ok").parsed);
  EXPECT_FALSE(ParseBatchResult(Protocol::kJson, "{}").parsed);

  ReceiveOutcome r = ParseReceiveResult(
      Protocol::kJson, R"({"Messages":[{"ReceiptHandle":"h1","Body":"abc"},{"ReceiptHandle":"h2","Body":"de"}]})");
  EXPECT_TRUE(r.parsed);
  EXPECT_EQ(r.receipt_handles, (std::vector<std::string>{"h1", "h2"}));
  EXPECT_EQ(r.body_bytes, 5u);
  ReceiveOutcome empty = ParseReceiveResult(Protocol::kJson, "{}");
  EXPECT_TRUE(empty.parsed);
  EXPECT_TRUE(empty.receipt_handles.empty());
}

TEST(SqsParsers, Query) {
  EXPECT_EQ(ParseQueueUrl(Protocol::kQuery,
                          "<CreateQueueResponse><CreateQueueResult><QueueUrl>http://x/0/q?a=1&amp;b=2</QueueUrl>"
                          "</CreateQueueResult></CreateQueueResponse>"),
            "http://x/0/q?a=1&b=2");
  BatchOutcome b = ParseBatchResult(
      Protocol::kQuery,
      "<SendMessageBatchResponse><SendMessageBatchResult>"
      "<SendMessageBatchResultEntry><Id>0</Id><MessageId>m</MessageId></SendMessageBatchResultEntry>"
      "<BatchResultErrorEntry><Id>1</Id><Code>InvalidParameterValue</Code><SenderFault>true</SenderFault>"
      "</BatchResultErrorEntry>"
      "</SendMessageBatchResult></SendMessageBatchResponse>");
  EXPECT_TRUE(b.parsed);
  EXPECT_EQ(b.successful, 1);
  EXPECT_EQ(b.failed_codes, std::vector<std::string>{"InvalidParameterValue"});

  ReceiveOutcome r = ParseReceiveResult(
      Protocol::kQuery,
      "<ReceiveMessageResponse><ReceiveMessageResult>"
      "<Message><MessageId>1</MessageId><ReceiptHandle>a&amp;b</ReceiptHandle><Body>x&lt;y</Body></Message>"
      "<Message><MessageId>2</MessageId><ReceiptHandle>c</ReceiptHandle><Body>zz</Body></Message>"
      "</ReceiveMessageResult></ReceiveMessageResponse>");
  EXPECT_TRUE(r.parsed);
  EXPECT_EQ(r.receipt_handles, (std::vector<std::string>{"a&b", "c"}));
  EXPECT_EQ(r.body_bytes, 5u);
  EXPECT_TRUE(ParseReceiveResult(Protocol::kQuery, "<ReceiveMessageResponse><ReceiveMessageResult/>"
                                                   "</ReceiveMessageResponse>")
                  .parsed);
}

TEST(SqsParsers, ErrorCodes) {
  EXPECT_EQ(ParseErrorCode(R"({"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"x"})", 400),
            "QueueDoesNotExist");
  EXPECT_EQ(ParseErrorCode("<ErrorResponse><Error><Type>Sender</Type>"
                           "<Code>AWS.SimpleQueueService.NonExistentQueue</Code></Error></ErrorResponse>",
                           400),
            "AWS.SimpleQueueService.NonExistentQueue");
  EXPECT_EQ(ParseErrorCode("<html>bad gateway</html>", 502), "HTTP 502");
  EXPECT_EQ(ParseErrorCode("", 500), "HTTP 500");
}

// ---------------------------------------------------------------------- signing

TEST(Signer, AddsHostDateAndAuthorization) {
  Signer signer({"AKID", "secret", ""}, "us-east-1", "sqs");
  HttpCall c = SqsRequests(Protocol::kJson).SendMessage("u", "b");
  signer.Sign(c, "127.0.0.1:4566", 1'700'000'000'000);
  auto find = [&](std::string_view name) -> std::string {
    for (const auto& [k, v] : c.headers) {
      if (k == name) return v;
    }
    return "";
  };
  EXPECT_EQ(find("Host"), "127.0.0.1:4566");
  EXPECT_EQ(find("X-Amz-Date"), "20231114T221320Z");
  const std::string auth = find("Authorization");
  EXPECT_EQ(auth.rfind("AWS4-HMAC-SHA256 Credential=AKID/20231114/us-east-1/sqs/aws4_request, "
                       "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=",
                       0),
            0u)
      << auth;
}

// --------------------------------------------------------------------- endpoint

TEST(Endpoint, ParsesAndChecksLoopback) {
  auto e = ParseEndpoint("http://127.0.0.1:4566");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, "4566");
  EXPECT_EQ(e->host_header, "127.0.0.1:4566");
  auto v6 = ParseEndpoint("http://[::1]:9000/");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->host_header, "[::1]:9000");
  EXPECT_FALSE(ParseEndpoint("https://127.0.0.1:4566").ok());
  EXPECT_FALSE(ParseEndpoint("127.0.0.1:4566").ok());
  EXPECT_FALSE(ParseEndpoint("http://127.0.0.1:99999").ok());
  EXPECT_FALSE(ParseEndpoint("http://127.0.0.1:4566/path").ok());

  namespace ip = boost::asio::ip;
  EXPECT_TRUE(IsLoopback(ip::make_address("127.0.0.1")));
  EXPECT_TRUE(IsLoopback(ip::make_address("127.9.8.7")));
  EXPECT_TRUE(IsLoopback(ip::make_address("::1")));
  EXPECT_TRUE(IsLoopback(ip::make_address("::ffff:127.0.0.1")));
  EXPECT_FALSE(IsLoopback(ip::make_address("10.0.0.1")));
  EXPECT_FALSE(IsLoopback(ip::make_address("128.0.0.1")));
  EXPECT_FALSE(IsLoopback(ip::make_address("::2")));

  auto remote = ParseEndpoint("http://192.0.2.1:80");
  ASSERT_TRUE(remote.ok());
  EXPECT_FALSE(Resolve(*remote, false).ok());
  EXPECT_TRUE(Resolve(*remote, true).ok());
}

// ------------------------------------------------------------------------ report

TEST(Report, JsonHasStableKeys) {
  ThreadStats t;
  t.counters.requests = 10;
  t.counters.errors = 1;
  t.counters.messages_sent = 90;
  t.counters.bytes_sent = 9000;
  t.latency["SendMessageBatch"].Record(2'000'000);
  t.errors_by_code["QueueDoesNotExist"] = 1;
  t.errors_by_status["400"] = 1;
  Report r;
  r.scenario = "sqs-send";
  r.elapsed_s = 2;
  MergeInto(r, {&t});
  const std::string json = ReportJson(r);
  for (const char* key :
       {"\"scenario\":\"sqs-send\"", "\"requests\":10", "\"requests_per_s\":5.0", "\"messages\":90",
        "\"messages_per_s\":45.0", "\"payload_mb_per_s\":0.0045", "\"p99\":2.0", "\"p999\":2.0",
        "\"by_code\":{\"QueueDoesNotExist\":1}", "\"by_status\":{\"400\":1}", "\"all\":{\"count\":1"}) {
    EXPECT_NE(json.find(key), std::string::npos) << key << " in " << json;
  }
}

}  // namespace
}  // namespace sluice::bench
