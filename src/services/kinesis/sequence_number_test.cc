// Sequence numbers: 56 digits, ordered like the store's seqs within a shard,
// and carrying the shard and stream they belong to.
#include "services/kinesis/sequence_number.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "storage/stream_store.h"

namespace sluice::kinesis {
namespace {

TEST(SequenceNumber, RendersFiftySixDigitsAndParsesBack) {
  uint64_t seq = storage::SeqAtTime(1'700'000'000'000) | 5;
  std::string s = RenderSequenceNumber(77, 12, seq);
  EXPECT_EQ(s.size(), 56u);
  EXPECT_EQ(s.find_first_not_of("0123456789"), std::string::npos);
  auto p = ParseSequenceNumber(s);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->seq, seq);
  EXPECT_EQ(p->shard, 12u);
  EXPECT_EQ(p->stream_id, 77u);
}

TEST(SequenceNumber, ExtremesRoundTrip) {
  for (uint64_t seq : {uint64_t{0}, uint64_t{1}, UINT64_MAX}) {
    for (uint32_t shard : {0u, UINT32_MAX}) {
      for (uint64_t stream : {uint64_t{1}, UINT64_MAX}) {
        auto p = ParseSequenceNumber(RenderSequenceNumber(stream, shard, seq));
        ASSERT_TRUE(p);
        EXPECT_EQ(p->seq, seq);
        EXPECT_EQ(p->shard, shard);
        EXPECT_EQ(p->stream_id, stream);
      }
    }
  }
}

TEST(SequenceNumber, NumericOrderFollowsSeqWithinAShard) {
  std::vector<uint64_t> seqs = {storage::SeqAtTime(1000), storage::SeqAtTime(1000) + 1,
                                storage::SeqAtTime(999'999'999'999), 9, 10, 100};
  std::vector<std::string> rendered;
  for (uint64_t s : seqs) rendered.push_back(RenderSequenceNumber(3, 4, s));
  std::sort(seqs.begin(), seqs.end());
  std::sort(rendered.begin(), rendered.end());  // same width: text order is numeric order
  for (size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(ParseSequenceNumber(rendered[i])->seq, seqs[i]);
}

TEST(SequenceNumber, RejectsWhatItDidNotRender) {
  std::string good = RenderSequenceNumber(1, 0, 1);
  EXPECT_FALSE(ParseSequenceNumber(""));
  EXPECT_FALSE(ParseSequenceNumber("0"));
  EXPECT_FALSE(ParseSequenceNumber(good.substr(1)));
  EXPECT_FALSE(ParseSequenceNumber(good + "0"));
  EXPECT_FALSE(ParseSequenceNumber(std::string(1, '5').append(good.substr(1))));  // first digit
  EXPECT_FALSE(ParseSequenceNumber("49590338271490256608559692538361571095921575989136588898"));
  std::string bad = good;
  bad[10] = 'x';
  EXPECT_FALSE(ParseSequenceNumber(bad));
  // Fields out of range: seq > 2^64-1, shard > 2^32-1, stream id > 2^64-1.
  std::string nines(20, '9');
  EXPECT_FALSE(ParseSequenceNumber(std::string(1, '4').append(nines).append(good.substr(21))));
  EXPECT_FALSE(ParseSequenceNumber(good.substr(0, 21) + std::string(10, '9') + good.substr(31)));
  EXPECT_FALSE(ParseSequenceNumber(good.substr(0, 31) + std::string(25, '9')));
}

}  // namespace
}  // namespace sluice::kinesis
