#include <gtest/gtest.h>

#include <random>
#include <set>

#include "bench/endpoint.h"
#include "bench/histogram.h"
#include "bench/http_call.h"
#include "bench/kinesis_requests.h"
#include "bench/sqs_requests.h"
#include "bench/stats.h"
#include "common/crypto.h"
#include "common/strings.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

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

// ------------------------------------------------------------------- Kinesis

std::string Header(const HttpCall& c, std::string_view name) {
  for (const auto& [k, v] : c.headers) {
    if (k == name) return v;
  }
  return "";
}

TEST(KinesisRequests, Builders) {
  HttpCall create = KinesisCreateStream("bench", 4);
  EXPECT_EQ(create.operation, "CreateStream");
  EXPECT_EQ(create.method, "POST");
  EXPECT_EQ(create.target, "/");
  ASSERT_EQ(create.headers.size(), 2u);
  EXPECT_EQ(Header(create, "Content-Type"), "application/x-amz-json-1.1");
  EXPECT_EQ(Header(create, "X-Amz-Target"), "Kinesis_20131202.CreateStream");
  EXPECT_EQ(create.body, R"({"StreamName":"bench","ShardCount":4})");

  EXPECT_EQ(KinesisDescribeStreamSummary("bench").body, R"({"StreamName":"bench"})");
  EXPECT_EQ(Header(KinesisDescribeStreamSummary("bench"), "X-Amz-Target"), "Kinesis_20131202.DescribeStreamSummary");
  EXPECT_EQ(KinesisListShards("bench", "").body, R"({"StreamName":"bench"})");
  EXPECT_EQ(KinesisListShards("bench", "tok\"en").body, R"({"NextToken":"tok\"en"})");
  HttpCall it = KinesisGetShardIteratorTrimHorizon("bench", "shardId-000000000003");
  EXPECT_EQ(it.operation, "GetShardIterator");
  EXPECT_EQ(it.body, R"({"StreamName":"bench","ShardId":"shardId-000000000003","ShardIteratorType":"TRIM_HORIZON"})");
  HttpCall get = KinesisGetRecords("AAAA/b+c==", 10000);
  EXPECT_EQ(Header(get, "X-Amz-Target"), "Kinesis_20131202.GetRecords");
  EXPECT_EQ(get.body, R"({"ShardIterator":"AAAA/b+c==","Limit":10000})");
}

TEST(KinesisRequests, PutRecordsBody) {
  PutRecordsBuilder b("bench", 3, 5);
  b.Add("hello", "k1");
  b.Add(std::string("\0\xff\x10", 3), "k\"2");
  EXPECT_EQ(b.records(), 2u);
  HttpCall c = b.Finish();
  EXPECT_EQ(c.operation, "PutRecords");
  EXPECT_EQ(Header(c, "X-Amz-Target"), "Kinesis_20131202.PutRecords");
  EXPECT_EQ(c.body, R"({"StreamName":"bench","Records":[{"Data":"aGVsbG8=","PartitionKey":"k1"},)"
                    R"({"Data":"AP8Q","PartitionKey":"k\"2"}]})");
}

TEST(KinesisRequests, PutRecordsOfGeneratedRecordsDecode) {
  PutRecordsBuilder b("s", 500, 1024);
  std::string data;
  uint64_t rng = 42;
  std::vector<std::string> sent;
  for (uint64_t seq = 0; seq < 500; ++seq) {
    MakeRecordData(data, 1024, seq);
    sent.push_back(data);
    const auto key = MakePartitionKey(SplitMix64(rng));
    b.Add(data, std::string_view(key.data(), key.size()));
  }
  HttpCall c = b.Finish();
  rapidjson::Document doc;
  doc.Parse(c.body.data(), c.body.size());
  ASSERT_FALSE(doc.HasParseError());
  const auto& records = doc["Records"];
  ASSERT_EQ(records.Size(), 500u);
  std::set<std::string> keys;
  for (rapidjson::SizeType i = 0; i < records.Size(); ++i) {
    auto decoded = crypto::Base64Decode(records[i]["Data"].GetString());
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, sent[i]);
    keys.insert(records[i]["PartitionKey"].GetString());
  }
  EXPECT_EQ(keys.size(), 500u);  // random keys: spread over the shards
}

TEST(KinesisRequests, RecordDataAndPartitionKeys) {
  std::string a, b;
  MakeRecordData(a, 1024, 1);
  MakeRecordData(b, 1024, 2);
  EXPECT_EQ(a.size(), 1024u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.substr(0, 8), std::string("\0\0\0\0\0\0\0\1", 8));
  MakeRecordData(a, 3, 0x0102030405060708ull);
  EXPECT_EQ(a, "\x01\x02\x03");
  MakeRecordData(a, 13, 7);
  EXPECT_EQ(a.size(), 13u);
  std::string again;
  MakeRecordData(again, 13, 7);
  EXPECT_EQ(a, again);

  const auto key = MakePartitionKey(0x0123456789abcdefull);
  EXPECT_EQ(std::string(key.data(), key.size()), "0123456789abcdef");
  const auto zero = MakePartitionKey(0);
  EXPECT_EQ(std::string(zero.data(), zero.size()), "0000000000000000");
}

TEST(KinesisBase64, MatchesCryptoBothWays) {
  std::mt19937_64 rng(11);
  for (size_t n = 0; n < 200; ++n) {
    std::string bytes(n, '\0');
    for (auto& c : bytes) c = static_cast<char>(rng());
    std::string encoded = "prefix";
    AppendBase64(encoded, bytes);
    ASSERT_EQ(encoded, "prefix" + crypto::Base64Encode(bytes)) << n;
    std::string out(n + 3, '\0');
    auto decoded = DecodeBase64(encoded.substr(6), out.data());
    ASSERT_TRUE(decoded.has_value()) << n;
    ASSERT_EQ(out.substr(0, *decoded), bytes) << n;
  }
}

TEST(KinesisBase64, RejectsWhatCryptoRejects) {
  char out[64];
  for (std::string_view bad : {"A", "AB", "ABC", "AB=C", "A===", "====", "AB*D", "QUJD\nRA==", "QR==", "QUI=x===",
                               "QUJ=", "QUJDRA=A", "Zg==Zg=="}) {
    EXPECT_FALSE(DecodeBase64(bad, out).has_value()) << bad;
    EXPECT_FALSE(crypto::Base64Decode(bad).has_value()) << bad;
  }
  EXPECT_EQ(DecodeBase64("", out), 0u);
  EXPECT_EQ(DecodeBase64("Zg==", out), 1u);
  EXPECT_EQ(DecodeBase64("Zm8=", out), 2u);
  EXPECT_EQ(DecodeBase64("Zm9v", out), 3u);
  EXPECT_EQ(std::string(out, 3), "foo");
}

TEST(KinesisParsers, SetUpAnswers) {
  auto summary = ParseStreamSummary(
      R"({"StreamDescriptionSummary":{"StreamName":"s","StreamStatus":"ACTIVE","OpenShardCount":4,"RetentionPeriodHours":24}})");
  ASSERT_TRUE(summary.has_value());
  EXPECT_EQ(summary->status, "ACTIVE");
  EXPECT_EQ(summary->open_shards, 4);
  EXPECT_EQ(ParseStreamSummary(R"({"StreamDescriptionSummary":{"StreamStatus":"CREATING"}})")->status, "CREATING");
  EXPECT_FALSE(ParseStreamSummary("{}").has_value());
  EXPECT_FALSE(ParseStreamSummary("nope").has_value());

  auto page = ParseListShards(
      R"({"Shards":[{"ShardId":"shardId-000000000000","HashKeyRange":{}},{"ShardId":"shardId-000000000001"}],)"
      R"("NextToken":"t1"})");
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->shard_ids, (std::vector<std::string>{"shardId-000000000000", "shardId-000000000001"}));
  EXPECT_EQ(page->next_token, "t1");
  EXPECT_EQ(ParseListShards(R"({"Shards":[]})")->next_token, "");
  EXPECT_FALSE(ParseListShards("{}").has_value());

  EXPECT_EQ(ParseShardIterator(R"({"ShardIterator":"AAA/+="})"), "AAA/+=");
  EXPECT_FALSE(ParseShardIterator("{}").has_value());
}

TEST(KinesisParsers, PutRecords) {
  PutRecordsOutcome ok = ParsePutRecordsResult(
      R"({"FailedRecordCount":0,"Records":[{"SequenceNumber":"1","ShardId":"shardId-000000000000"},)"
      R"({"SequenceNumber":"2","ShardId":"shardId-000000000001"}]})");
  EXPECT_TRUE(ok.parsed);
  EXPECT_EQ(ok.successful, 2);
  EXPECT_TRUE(ok.failed_codes.empty());

  PutRecordsOutcome mixed = ParsePutRecordsResult(
      R"({"FailedRecordCount":2,"Records":[{"SequenceNumber":"1","ShardId":"shardId-000000000000"},)"
      R"({"ErrorCode":"ProvisionedThroughputExceededException","ErrorMessage":"Rate exceeded"},)"
      R"({"ErrorCode":"InternalFailure","ErrorMessage":"x"},{"SequenceNumber":"3","ErrorCode":null}]})");
  EXPECT_TRUE(mixed.parsed);
  EXPECT_EQ(mixed.successful, 2);
  EXPECT_EQ(mixed.failed_codes,
            (std::vector<std::string>{"ProvisionedThroughputExceededException", "InternalFailure"}));
  EXPECT_FALSE(ParsePutRecordsResult("{}").parsed);
  EXPECT_FALSE(ParsePutRecordsResult("").parsed);
}

TEST(KinesisParsers, GetRecords) {
  GetRecordsOutcome o = ParseGetRecordsResult(
      R"({"Records":[{"SequenceNumber":"4","ApproximateArrivalTimestamp":1795808389.258,"Data":"aGVsbG8=",)"
      R"("PartitionKey":"k\"1","EncryptionType":null},)"
      R"( {"Data" : "Zm9v", "Extra":{"Data":"!!!!","List":[1,2.5e3,true,false,null,"Data"]}}],)"
      R"("NextShardIterator":"it\/2","MillisBehindLatest":1234} )");
  EXPECT_TRUE(o.parsed);
  EXPECT_EQ(o.records, 2u);
  EXPECT_EQ(o.data_bytes, 8u);
  EXPECT_EQ(o.invalid_data, 0u);
  EXPECT_EQ(o.next_iterator, "it/2");
  EXPECT_EQ(o.millis_behind, 1234);

  GetRecordsOutcome empty = ParseGetRecordsResult(R"({"Records":[],"NextShardIterator":"x","MillisBehindLatest":0})");
  EXPECT_TRUE(empty.parsed);
  EXPECT_EQ(empty.records, 0u);
  EXPECT_EQ(empty.next_iterator, "x");
  EXPECT_EQ(empty.millis_behind, 0);

  // The end of a closed shard: no next iterator.
  GetRecordsOutcome closed = ParseGetRecordsResult(
      R"({"Records":[],"MillisBehindLatest":0,"ChildShards":[{"ShardId":"shardId-000000000004",)"
      R"("ParentShards":["shardId-000000000000"],"HashKeyRange":{"StartingHashKey":"0","EndingHashKey":"1"}}]})");
  EXPECT_TRUE(closed.parsed);
  EXPECT_FALSE(closed.next_iterator.has_value());

  // Escaped slashes in the data, and data that is not base64.
  GetRecordsOutcome odd = ParseGetRecordsResult(
      R"({"Records":[{"Data":"a\/8="},{"Data":"not base64"},{"Data":""}],"NextShardIterator":"x"})");
  EXPECT_TRUE(odd.parsed);
  EXPECT_EQ(odd.records, 3u);
  EXPECT_EQ(odd.data_bytes, 2u);
  EXPECT_EQ(odd.invalid_data, 1u);
}

TEST(KinesisParsers, GetRecordsRejectsWhatIsNotAnAnswer) {
  for (std::string_view bad :
       {"", "{}", "[]", "null", R"({"Records":{}})", R"([{"Records":[]}])", R"({"Records":[)", R"({"Records":[]})"
                                                                                               R"( x)",
        R"({"Records":[{"Data":"Zm9v}]})", R"({"Records":[{"Data":"Zm9v"}] "NextShardIterator":"x"})",
        R"({"Records":[tru]})", R"({"Records":[],"A":[[[[]]]]],})", R"({"Records":[{"Data":"\q"}]})",
        R"({"Records":[], "x":01-})"}) {
    GetRecordsOutcome o = ParseGetRecordsResult(bad);
    EXPECT_FALSE(o.parsed) << bad;
    EXPECT_EQ(o.records, 0u) << bad;
  }
  std::string deep = R"({"Records":[],"x":)" + std::string(100, '[') + std::string(100, ']') + "}";
  EXPECT_FALSE(ParseGetRecordsResult(deep).parsed);
}

TEST(KinesisParsers, GetRecordsAgreesWithRapidJson) {
  // An answer written by rapidjson from generated records.
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& alloc = doc.GetAllocator();
  rapidjson::Value records(rapidjson::kArrayType);
  std::string data;
  uint64_t total = 0;
  for (uint64_t seq = 0; seq < 300; ++seq) {
    MakeRecordData(data, static_cast<size_t>(seq % 50), seq);
    total += data.size();
    std::string encoded;
    AppendBase64(encoded, data);
    rapidjson::Value r(rapidjson::kObjectType);
    r.AddMember("SequenceNumber", rapidjson::Value(std::to_string(seq).c_str(), alloc), alloc);
    r.AddMember("ApproximateArrivalTimestamp", 1795808389.25, alloc);
    r.AddMember("Data", rapidjson::Value(encoded.c_str(), alloc), alloc);
    r.AddMember("PartitionKey", "p\\k\u00e9\"", alloc);
    records.PushBack(r, alloc);
  }
  doc.AddMember("Records", records, alloc);
  doc.AddMember("NextShardIterator", "n\"ext\u2028", alloc);
  doc.AddMember("MillisBehindLatest", 5, alloc);
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  doc.Accept(w);
  GetRecordsOutcome o = ParseGetRecordsResult(std::string_view(buf.GetString(), buf.GetSize()));
  EXPECT_TRUE(o.parsed);
  EXPECT_EQ(o.records, 300u);
  EXPECT_EQ(o.data_bytes, total);
  EXPECT_EQ(o.next_iterator, "n\"ext\u2028");
  EXPECT_EQ(o.millis_behind, 5);
}

TEST(Signer, KinesisScope) {
  Signer signer({"AKID", "secret", ""}, "eu-west-1", "kinesis");
  HttpCall c = KinesisGetRecords("it", 10);
  signer.Sign(c, "127.0.0.1:4566", 1'700'000'000'000);
  EXPECT_EQ(Header(c, "Authorization")
                .rfind("AWS4-HMAC-SHA256 Credential=AKID/20231114/eu-west-1/kinesis/aws4_request, "
                       "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=",
                       0),
            0u);
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

TEST(Report, ReceivedHeadline) {
  ThreadStats t;
  t.counters.requests = 4;
  t.counters.messages_received = 20000;
  t.counters.bytes_received = 20'480'000;
  Report r;
  r.scenario = "kinesis-get";
  r.headline = Headline::kReceived;
  r.elapsed_s = 2;
  MergeInto(r, {&t});
  EXPECT_EQ(r.messages(), 20000u);
  EXPECT_EQ(r.payload_bytes(), 20'480'000u);
  const std::string json = ReportJson(r);
  EXPECT_NE(json.find("\"messages_per_s\":10000.0"), std::string::npos) << json;
  EXPECT_NE(json.find("\"payload_mb_per_s\":10.24"), std::string::npos) << json;
}

}  // namespace
}  // namespace sluice::bench
