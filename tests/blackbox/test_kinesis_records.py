"""Kinesis records: PutRecord and PutRecords (routing by partition key MD5 or ExplicitHashKey,
sequence numbers, sizes, per-entry failures), GetShardIterator (every iterator type) and GetRecords
(Limit, MillisBehindLatest, arrival timestamps, invalid iterators)."""

import base64
import datetime
import time

import pytest
from botocore.exceptions import ClientError

from conftest import (
    DEFAULT_ACCOUNT,
    HASH_KEY_MAX,
    assert_json_error,
    client_error,
    create_stream,
    delete_stream_quietly,
    expect_error,
    get_records,
    hash_key_of,
    kinesis_json,
    list_all_shards,
    not_found_message,
    read_shard,
    shard_covering,
    unique_name,
    validation_message,
    wait_for_stream,
    wait_for_stream_gone,
)

SHARD0 = "shardId-000000000000"
MIB = 1024 * 1024
SEQUENCE_PATTERN = "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})"
HASH_KEY_PATTERN = "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})"
ITERATOR_RULE = (
    "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or "
    "(2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. "
)


@pytest.fixture(scope="module")
def routing_stream(kinesis):
    """A three-shard stream shared by the tests that only put and read their own records."""
    name = create_stream(kinesis, name=unique_name("routing"), shards=3)
    yield name, list_all_shards(kinesis, name)
    delete_stream_quietly(kinesis, name)


def read_from(client, name, shard_id, sequence_number, limit=None):
    """The records of a shard from `sequence_number` on (one GetRecords call)."""
    it = client.get_shard_iterator(StreamName=name, ShardId=shard_id, ShardIteratorType="AT_SEQUENCE_NUMBER",
                                   StartingSequenceNumber=sequence_number)["ShardIterator"]
    return get_records(client, it, limit=limit)


# -- PutRecord: routing and sequence numbers -----------------------------------------------------


def test_put_record_routes_by_md5_of_partition_key(kinesis, routing_stream):
    """Each record lands on the shard whose hash key range holds the MD5 of its partition key."""
    name, shards = routing_stream
    keys = [f"key-{i}" for i in range(40)] + ["ünïcödé-键", "a", "x" * 256, "🔥"]
    seen = set()
    for key in keys:
        out = kinesis.put_record(StreamName=name, Data=key.encode(), PartitionKey=key)
        assert out["ShardId"] == shard_covering(shards, hash_key_of(key)), key
        assert out["SequenceNumber"].isdigit()
        seen.add(out["ShardId"])
    assert len(seen) == 3, "forty keys should reach all three shards"


def test_explicit_hash_key_overrides_partition_key(kinesis, routing_stream):
    """ExplicitHashKey (a decimal string) picks the shard, range ends included."""
    name, shards = routing_stream
    bounds = [(s["HashKeyRange"]["StartingHashKey"], s["HashKeyRange"]["EndingHashKey"], s["ShardId"]) for s in shards]
    for start, end, shard_id in bounds:
        for key in (start, end):
            # a partition key that hashes to another shard than the explicit one
            pk = next(f"pk-{i}" for i in range(1000) if shard_covering(shards, hash_key_of(f"pk-{i}")) != shard_id)
            out = kinesis.put_record(StreamName=name, Data=b"explicit", PartitionKey=pk, ExplicitHashKey=key)
            assert out["ShardId"] == shard_id, (key, out)
    out = kinesis.put_record(StreamName=name, Data=b"max", PartitionKey="k", ExplicitHashKey=str(HASH_KEY_MAX))
    assert out["ShardId"] == "shardId-000000000002"


def test_explicit_hash_key_out_of_range(kinesis, routing_stream):
    """An ExplicitHashKey of 2^128 or more is InvalidArgumentException; a non-decimal one fails validation."""
    name, _ = routing_stream
    too_big = str(2**128)
    expect_error("InvalidArgumentException", 400, kinesis.put_record, StreamName=name, Data=b"x", PartitionKey="k",
                 ExplicitHashKey=too_big,
                 message="Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. "
                 f"Specified value was {too_big}")
    for bad in ["abc", "-1", "007"]:
        expect_error("ValidationException", 400, kinesis.put_record, StreamName=name, Data=b"x", PartitionKey="k",
                     ExplicitHashKey=bad, message=validation_message(bad, "explicitHashKey", HASH_KEY_PATTERN))


def test_sequence_numbers_increase_per_shard(kinesis, routing_stream):
    """Sequence numbers are decimal strings that grow with every record of a shard."""
    name, _ = routing_stream
    seqs = [kinesis.put_record(StreamName=name, Data=b"%d" % i, PartitionKey="ordered")["SequenceNumber"]
            for i in range(25)]
    assert all(s.isdigit() and not s.startswith("0") for s in seqs)
    values = [int(s) for s in seqs]
    assert values == sorted(values) and len(set(values)) == len(values)


def test_sequence_number_for_ordering(kinesis, routing_stream):
    """With SequenceNumberForOrdering set to the previous record's number the next one is greater;
    a value that is not a decimal fails validation."""
    name, _ = routing_stream
    first = kinesis.put_record(StreamName=name, Data=b"1", PartitionKey="sno")
    second = kinesis.put_record(StreamName=name, Data=b"2", PartitionKey="sno",
                                SequenceNumberForOrdering=first["SequenceNumber"])
    assert int(second["SequenceNumber"]) > int(first["SequenceNumber"])
    assert second["ShardId"] == first["ShardId"]
    expect_error("ValidationException", 400, kinesis.put_record, StreamName=name, Data=b"3", PartitionKey="sno",
                 SequenceNumberForOrdering="12ab",
                 message=validation_message("12ab", "sequenceNumberForOrdering", SEQUENCE_PATTERN))


@pytest.mark.parametrize(
    "key,constraint",
    [
        ("", "Member must have length greater than or equal to 1"),
        ("k" * 257, "Member must have length less than or equal to 256"),
    ],
    ids=["empty", "257-chars"],
)
def test_partition_key_length(kinesis, routing_stream, key, constraint):
    """Partition keys are 1 to 256 characters."""
    name, _ = routing_stream
    expect_error("ValidationException", 400, kinesis.put_record, StreamName=name, Data=b"x", PartitionKey=key,
                 message=validation_message(key, "partitionKey", constraint))


def test_partition_key_256_unicode_characters(kinesis, routing_stream):
    """The 256 limit counts characters, not bytes."""
    name, shards = routing_stream
    key = "é" * 256
    out = kinesis.put_record(StreamName=name, Data=b"x", PartitionKey=key)
    assert out["ShardId"] == shard_covering(shards, hash_key_of(key))
    assert read_from(kinesis, name, out["ShardId"], out["SequenceNumber"], limit=1)["Records"][0]["PartitionKey"] == key


def test_put_record_unknown_stream(kinesis):
    """Writing to a missing stream is ResourceNotFoundException with AWS's text."""
    name = unique_name("absent")
    expect_error("ResourceNotFoundException", 400, kinesis.put_record, StreamName=name, Data=b"x", PartitionKey="k",
                 message=not_found_message(name))


def test_record_round_trip(kinesis, routing_stream):
    """Binary and empty data come back byte for byte, with key, sequence number and arrival time."""
    name, _ = routing_stream
    payloads = [bytes(range(256)), b"", "ünïcödé 统一码 💣".encode(), b"\x00" * 1000]
    before = time.time()
    puts = [kinesis.put_record(StreamName=name, Data=p, PartitionKey="round-trip") for p in payloads]
    after = time.time()
    got = read_from(kinesis, name, puts[0]["ShardId"], puts[0]["SequenceNumber"])["Records"]
    mine = [r for r in got if r["PartitionKey"] == "round-trip"][: len(payloads)]
    assert [r["Data"] for r in mine] == payloads
    assert [r["SequenceNumber"] for r in mine] == [p["SequenceNumber"] for p in puts]
    for r in mine:
        assert before - 1 <= r["ApproximateArrivalTimestamp"].timestamp() <= after + 1
        assert r.get("EncryptionType", "NONE") == "NONE"


# -- Record sizes --------------------------------------------------------------------------------


def test_record_of_one_mib_accepted_larger_refused(kinesis, new_stream):
    """Partition key plus data may total 1 MiB on a default stream; a larger record is refused and not stored."""
    name = new_stream()
    key = "k" * 16
    exact = bytes(i % 251 for i in range(MIB - len(key)))
    ok = kinesis.put_record(StreamName=name, Data=exact, PartitionKey=key)
    resp = client_error(kinesis.put_record, StreamName=name, Data=b"y" * (MIB + 1), PartitionKey="k")
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 400, resp
    assert resp["Error"]["Code"] in ("ValidationException", "InvalidArgumentException"), resp
    records, _ = read_shard(kinesis, name, SHARD0)
    assert [r["SequenceNumber"] for r in records] == [ok["SequenceNumber"]]
    assert records[0]["Data"] == exact


def test_record_over_ten_mib_fails_validation(kinesis, new_stream):
    """Data over 10 MiB breaks the model's limit on 'data' whatever the stream allows."""
    name = new_stream()
    expect_error("ValidationException", 400, kinesis.put_record, StreamName=name, Data=b"z" * (10 * MIB + 1),
                 PartitionKey="k",
                 message_contains="at 'data' failed to satisfy constraint: Member must have length less than or equal to 10485760")


def test_ten_mib_record_on_large_record_stream(server, kinesis, new_stream):
    """A stream created with MaxRecordSizeInKiB 10240 takes a record of 10 MiB (key included)."""
    name = unique_name("ks")
    st, body = kinesis_json(server, "CreateStream", {"StreamName": name, "ShardCount": 1, "MaxRecordSizeInKiB": 10240})
    assert st == 200, body
    new_stream(name=name, create=False)
    wait_for_stream(kinesis, name)
    data = bytes(i % 253 for i in range(10 * MIB - 1))
    put = kinesis.put_record(StreamName=name, Data=data, PartitionKey="k")
    got = read_from(kinesis, name, SHARD0, put["SequenceNumber"], limit=1)["Records"]
    assert got[0]["Data"] == data


# -- PutRecords ----------------------------------------------------------------------------------


def test_put_records_results_in_request_order(kinesis, routing_stream):
    """Each result matches its request entry: shard by MD5 or ExplicitHashKey, a sequence number."""
    name, shards = routing_stream
    entries = [{"Data": f"batch-{i}".encode(), "PartitionKey": f"batch-key-{i}"} for i in range(30)]
    entries.append({"Data": b"explicit", "PartitionKey": "any", "ExplicitHashKey": "0"})
    out = kinesis.put_records(StreamName=name, Records=entries)
    assert out.get("FailedRecordCount", 0) == 0
    assert len(out["Records"]) == len(entries)
    for entry, result in zip(entries[:-1], out["Records"]):
        assert result["ShardId"] == shard_covering(shards, hash_key_of(entry["PartitionKey"]))
        assert result["SequenceNumber"].isdigit()
        assert "ErrorCode" not in result
    assert out["Records"][-1]["ShardId"] == SHARD0
    first = out["Records"][0]
    got = read_from(kinesis, name, first["ShardId"], first["SequenceNumber"], limit=1)["Records"][0]
    assert got["Data"] == b"batch-0" and got["PartitionKey"] == "batch-key-0"


def test_put_records_same_key_keeps_request_order(kinesis, routing_stream):
    """Entries with one partition key get increasing sequence numbers and are read in request order."""
    name, _ = routing_stream
    entries = [{"Data": b"%03d" % i, "PartitionKey": "one-key"} for i in range(100)]
    out = kinesis.put_records(StreamName=name, Records=entries)
    seqs = [int(r["SequenceNumber"]) for r in out["Records"]]
    assert seqs == sorted(seqs) and len(set(seqs)) == 100
    start = out["Records"][0]
    got = read_from(kinesis, name, start["ShardId"], start["SequenceNumber"])["Records"]
    mine = [r["Data"] for r in got if r["PartitionKey"] == "one-key"][:100]
    assert mine == [e["Data"] for e in entries]


def test_put_records_entry_count_limits(kinesis, new_stream):
    """500 entries are accepted; 501 or none fail validation on 'records'."""
    name = new_stream(shards=2)
    out = kinesis.put_records(StreamName=name, Records=[{"Data": b"e", "PartitionKey": f"p{i}"} for i in range(500)])
    assert len(out["Records"]) == 500 and out.get("FailedRecordCount", 0) == 0
    expect_error("ValidationException", 400, kinesis.put_records, StreamName=name,
                 Records=[{"Data": b"e", "PartitionKey": "p"}] * 501,
                 message_contains="at 'records' failed to satisfy constraint: Member must have length less than or equal to 500")
    expect_error("ValidationException", 400, kinesis.put_records, StreamName=name, Records=[],
                 message_contains="at 'records' failed to satisfy constraint: Member must have length greater than or equal to 1")


def test_put_records_invalid_entry_rejects_whole_request(kinesis, new_stream):
    """One entry breaking a model constraint fails the whole request; nothing is stored."""
    name = new_stream()
    entries = [{"Data": b"good", "PartitionKey": "p"}, {"Data": b"bad", "PartitionKey": ""}]
    expect_error("ValidationException", 400, kinesis.put_records, StreamName=name, Records=entries,
                 message_contains="member.partitionKey' failed to satisfy constraint: "
                 "Member must have length greater than or equal to 1")
    entries = [{"Data": b"good", "PartitionKey": "p"}, {"Data": b"bad", "PartitionKey": "p", "ExplicitHashKey": str(2**128)}]
    expect_error("InvalidArgumentException", 400, kinesis.put_records, StreamName=name, Records=entries)
    assert read_shard(kinesis, name, SHARD0)[0] == []


def test_put_records_over_ten_mib_total(kinesis, new_stream):
    """Records that are each valid but total more than 10 MiB are refused as a whole."""
    name = new_stream(shards=2)
    entries = [{"Data": b"q" * (MIB - 200), "PartitionKey": f"p{i}"} for i in range(11)]
    expect_error("InvalidArgumentException", 400, kinesis.put_records, StreamName=name, Records=entries)
    for shard in list_all_shards(kinesis, name):
        assert read_shard(kinesis, name, shard["ShardId"])[0] == []


def test_shard_throughput_limits(sluice_factory):
    """With AWS's per-shard limits enforced (--kinesis-limits enforce): ten MB at once into one shard
    (1 MiB/s) throttles entries with HTTP 200, FailedRecordCount and per-entry
    ProvisionedThroughputExceededException, exactly the accepted entries are stored; a PutRecord into
    the drained shard and GetRecords beyond five calls a second are ProvisionedThroughputExceededException."""
    s = sluice_factory("--kinesis-limits", "enforce")
    client = s.kinesis()
    name = create_stream(client)
    entries = [{"Data": bytes([i % 256]) * 20000, "PartitionKey": "k"} for i in range(500)]
    out = client.put_records(StreamName=name, Records=entries)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 200
    results = out["Records"]
    assert len(results) == 500
    failed = [r for r in results if "ErrorCode" in r]
    assert failed, "10 MB into a single 1 MiB/s shard at once should throttle some entries"
    assert len(failed) < 500, "the shard takes at least its first MiB"
    assert out["FailedRecordCount"] == len(failed)
    for r in failed:
        assert r["ErrorCode"] == "ProvisionedThroughputExceededException"
        assert r["ErrorMessage"].startswith(
            f"Rate exceeded for shard {SHARD0} in stream {name} under account {DEFAULT_ACCOUNT}."), r
        assert "SequenceNumber" not in r and "ShardId" not in r
    accepted = [(i, r["SequenceNumber"]) for i, r in enumerate(results) if "ErrorCode" not in r]

    expect_error("ProvisionedThroughputExceededException", 400, client.put_record, StreamName=name,
                 Data=b"w" * (512 * 1024), PartitionKey="k",
                 message_contains=f"Rate exceeded for shard {SHARD0} in stream {name} under account {DEFAULT_ACCOUNT}")

    it = client.get_shard_iterator(StreamName=name, ShardId=SHARD0, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    codes = []
    for _ in range(10):
        try:
            it = client.get_records(ShardIterator=it, Limit=1)["NextShardIterator"]
            codes.append("ok")
        except ClientError as e:
            codes.append(e.response["Error"]["Code"])
    assert "ProvisionedThroughputExceededException" in codes, codes
    assert set(codes) <= {"ok", "ProvisionedThroughputExceededException"}, codes

    records, _ = read_shard(client, name, SHARD0)
    assert [r["SequenceNumber"] for r in records] == [seq for _, seq in accepted]
    assert [r["Data"] for r in records] == [entries[i]["Data"] for i, _ in accepted]


def test_put_records_unknown_stream(kinesis):
    """PutRecords to a missing stream is ResourceNotFoundException."""
    name = unique_name("absent")
    expect_error("ResourceNotFoundException", 400, kinesis.put_records, StreamName=name,
                 Records=[{"Data": b"x", "PartitionKey": "k"}], message=not_found_message(name))


# -- GetShardIterator ------------------------------------------------------------------------------


def test_iterator_types(kinesis, new_stream):
    """TRIM_HORIZON reads from the oldest record, AT_/AFTER_SEQUENCE_NUMBER from or after one,
    LATEST only what arrives later."""
    name = new_stream()
    seqs = [kinesis.put_record(StreamName=name, Data=b"r%d" % i, PartitionKey="k")["SequenceNumber"] for i in range(5)]

    def first_read(kind, **kw):
        it = kinesis.get_shard_iterator(StreamName=name, ShardId=SHARD0, ShardIteratorType=kind, **kw)["ShardIterator"]
        assert 0 < len(it) <= 512
        return it, get_records(kinesis, it)

    _, out = first_read("TRIM_HORIZON")
    assert [r["Data"] for r in out["Records"]] == [b"r0", b"r1", b"r2", b"r3", b"r4"]
    _, out = first_read("AT_SEQUENCE_NUMBER", StartingSequenceNumber=seqs[2])
    assert [r["SequenceNumber"] for r in out["Records"]] == seqs[2:]
    _, out = first_read("AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=seqs[2])
    assert [r["SequenceNumber"] for r in out["Records"]] == seqs[3:]
    _, out = first_read("AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=seqs[4])
    assert out["Records"] == []
    latest, out = first_read("LATEST")
    assert out["Records"] == [] and out["MillisBehindLatest"] == 0
    kinesis.put_record(StreamName=name, Data=b"r5", PartitionKey="k")
    assert [r["Data"] for r in get_records(kinesis, latest)["Records"]] == [b"r5"]
    assert [r["Data"] for r in get_records(kinesis, out["NextShardIterator"])["Records"]] == [b"r5"]


def test_at_timestamp(server, kinesis, new_stream):
    """AT_TIMESTAMP (epoch seconds with milliseconds) starts at the first record that arrived at or
    after the time; a time before the stream starts at its oldest record."""
    name = new_stream()
    first = kinesis.put_record(StreamName=name, Data=b"first", PartitionKey="k")
    time.sleep(0.05)
    kinesis.put_record(StreamName=name, Data=b"second", PartitionKey="k")
    records, _ = read_shard(kinesis, name, SHARD0)
    assert [r["Data"] for r in records] == [b"first", b"second"]
    t1, t2 = (r["ApproximateArrivalTimestamp"].timestamp() for r in records)
    assert t2 > t1, "the records arrived 50 ms apart"

    def starting_at(timestamp):
        st, body = kinesis_json(server, "GetShardIterator", {"StreamName": name, "ShardId": SHARD0,
                                                             "ShardIteratorType": "AT_TIMESTAMP", "Timestamp": timestamp})
        assert st == 200, body
        return [r["Data"] for r in get_records(kinesis, body["ShardIterator"])["Records"]]

    assert starting_at(round(t1, 3)) == [b"first", b"second"]
    assert starting_at(round(t1, 3) + 0.001) == [b"second"]
    assert starting_at(round(t2, 3) + 0.001) == []
    assert starting_at(time.time() - 3600) == [b"first", b"second"]
    # boto3 sends whole seconds
    it = kinesis.get_shard_iterator(StreamName=name, ShardId=SHARD0, ShardIteratorType="AT_TIMESTAMP",
                                    Timestamp=datetime.datetime.fromtimestamp(t1 - 2, datetime.timezone.utc))
    assert get_records(kinesis, it["ShardIterator"])["Records"][0]["SequenceNumber"] == first["SequenceNumber"]


def test_at_timestamp_in_the_future(kinesis, new_stream):
    """An AT_TIMESTAMP time later than now is InvalidArgumentException."""
    name = new_stream()
    expect_error("InvalidArgumentException", 400, kinesis.get_shard_iterator, StreamName=name, ShardId=SHARD0,
                 ShardIteratorType="AT_TIMESTAMP",
                 Timestamp=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1))


def test_iterator_type_and_sequence_number_must_agree(kinesis, new_stream):
    """Sequence-number iterator types need StartingSequenceNumber, the others must not have one,
    and AT_TIMESTAMP needs Timestamp."""
    name = new_stream()
    seq = kinesis.put_record(StreamName=name, Data=b"x", PartitionKey="k")["SequenceNumber"]
    for kind in ["AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"]:
        expect_error("InvalidArgumentException", 400, kinesis.get_shard_iterator, StreamName=name, ShardId=SHARD0,
                     ShardIteratorType=kind, message=ITERATOR_RULE + f"Request specified {kind} and no StartingSequenceNumber.")
    for kind in ["TRIM_HORIZON", "LATEST"]:
        expect_error("InvalidArgumentException", 400, kinesis.get_shard_iterator, StreamName=name, ShardId=SHARD0,
                     ShardIteratorType=kind, StartingSequenceNumber=seq,
                     message=ITERATOR_RULE + f"Request specified {kind} and also a StartingSequenceNumber.")
    expect_error("InvalidArgumentException", 400, kinesis.get_shard_iterator, StreamName=name, ShardId=SHARD0,
                 ShardIteratorType="AT_TIMESTAMP")


def test_get_shard_iterator_errors(kinesis, new_stream):
    """Unknown shards and streams are ResourceNotFoundException; bad types and sequence numbers fail
    validation; a sequence number the shard never issued is InvalidArgumentException."""
    name = new_stream()
    expect_error("ResourceNotFoundException", 400, kinesis.get_shard_iterator, StreamName=name,
                 ShardId="shardId-000000000005", ShardIteratorType="LATEST",
                 message=f"Shard shardId-000000000005 in stream {name} under account {DEFAULT_ACCOUNT} does not exist")
    absent = unique_name("absent")
    expect_error("ResourceNotFoundException", 400, kinesis.get_shard_iterator, StreamName=absent, ShardId=SHARD0,
                 ShardIteratorType="LATEST")
    expect_error("ValidationException", 400, kinesis.get_shard_iterator, StreamName=name, ShardId=SHARD0,
                 ShardIteratorType="OLDEST",
                 message_contains="Value 'OLDEST' at 'shardIteratorType' failed to satisfy constraint: "
                 "Member must satisfy enum value set: [")
    expect_error("ValidationException", 400, kinesis.get_shard_iterator, StreamName=name, ShardId=SHARD0,
                 ShardIteratorType="AT_SEQUENCE_NUMBER", StartingSequenceNumber="12x",
                 message=validation_message("12x", "startingSequenceNumber", SEQUENCE_PATTERN))
    expect_error("InvalidArgumentException", 400, kinesis.get_shard_iterator, StreamName=name, ShardId=SHARD0,
                 ShardIteratorType="AT_SEQUENCE_NUMBER", StartingSequenceNumber="5")


# -- GetRecords ------------------------------------------------------------------------------------


def test_get_records_limit(kinesis, new_stream):
    """Limit caps the records per call and NextShardIterator continues after the last one returned."""
    name = new_stream()
    kinesis.put_records(StreamName=name, Records=[{"Data": b"%d" % i, "PartitionKey": "k"} for i in range(10)])
    it = kinesis.get_shard_iterator(StreamName=name, ShardId=SHARD0, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    pages = []
    for _ in range(4):
        out = get_records(kinesis, it, limit=3)
        pages.append([r["Data"] for r in out["Records"]])
        it = out["NextShardIterator"]
    assert pages == [[b"0", b"1", b"2"], [b"3", b"4", b"5"], [b"6", b"7", b"8"], [b"9"]]


@pytest.mark.parametrize(
    "limit,constraint",
    [(0, "Member must have value greater than or equal to 1"), (10001, "Member must have value less than or equal to 10000")],
)
def test_get_records_limit_out_of_range(kinesis, new_stream, limit, constraint):
    """GetRecords' Limit is 1..10000."""
    name = new_stream()
    it = kinesis.get_shard_iterator(StreamName=name, ShardId=SHARD0, ShardIteratorType="LATEST")["ShardIterator"]
    expect_error("ValidationException", 400, kinesis.get_records, ShardIterator=it, Limit=limit,
                 message=validation_message(limit, "limit", constraint))


def test_millis_behind_latest(kinesis, new_stream):
    """MillisBehindLatest is positive while older records are read and 0 once caught up."""
    name = new_stream()
    kinesis.put_record(StreamName=name, Data=b"old", PartitionKey="k")
    time.sleep(0.3)
    kinesis.put_record(StreamName=name, Data=b"new", PartitionKey="k")
    it = kinesis.get_shard_iterator(StreamName=name, ShardId=SHARD0, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    out = get_records(kinesis, it, limit=1)
    assert [r["Data"] for r in out["Records"]] == [b"old"]
    assert out["MillisBehindLatest"] > 0
    out = get_records(kinesis, out["NextShardIterator"])
    assert [r["Data"] for r in out["Records"]] == [b"new"]
    out = get_records(kinesis, out["NextShardIterator"])
    assert out["Records"] == [] and out["MillisBehindLatest"] == 0
    assert out["NextShardIterator"]


def test_get_records_of_empty_shard(kinesis, new_stream):
    """An empty open shard returns no records, a next iterator and MillisBehindLatest 0."""
    name = new_stream()
    it = kinesis.get_shard_iterator(StreamName=name, ShardId=SHARD0, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    out = get_records(kinesis, it)
    assert out["Records"] == []
    assert out["NextShardIterator"]
    assert out["MillisBehindLatest"] == 0
    assert "ChildShards" not in out or out["ChildShards"] == []


def test_invalid_iterators(kinesis, new_stream):
    """Garbled and tampered iterators are InvalidArgumentException; empty or over-long ones fail validation."""
    name = new_stream()
    good = kinesis.get_shard_iterator(StreamName=name, ShardId=SHARD0, ShardIteratorType="LATEST")["ShardIterator"]
    expect_error("InvalidArgumentException", 400, kinesis.get_records,
                 ShardIterator="AAAAAAAAAAH" + "q" * 100, message="Invalid ShardIterator.")
    middle = len(good) // 2
    tampered = good[:middle] + ("A" if good[middle] != "A" else "B") + good[middle + 1:]
    expect_error("InvalidArgumentException", 400, kinesis.get_records, ShardIterator=tampered)
    expect_error("ValidationException", 400, kinesis.get_records, ShardIterator="",
                 message=validation_message("", "shardIterator", "Member must have length greater than or equal to 1"))
    expect_error("ValidationException", 400, kinesis.get_records, ShardIterator="a" * 513,
                 message=validation_message("a" * 513, "shardIterator", "Member must have length less than or equal to 512"))


def test_iterator_of_deleted_stream(kinesis):
    """An iterator of a stream that has been deleted is ResourceNotFoundException."""
    name = create_stream(kinesis)
    it = kinesis.get_shard_iterator(StreamName=name, ShardId=SHARD0, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    kinesis.delete_stream(StreamName=name)
    wait_for_stream_gone(kinesis, name)
    expect_error("ResourceNotFoundException", 400, kinesis.get_records, ShardIterator=it)


def test_iterator_from_json_round_trips_data_as_base64(server, kinesis, new_stream):
    """Over JSON 1.1 Data travels as base64 both ways."""
    name = new_stream()
    raw = bytes(range(200, 256))
    st, body = kinesis_json(server, "PutRecord", {"StreamName": name, "PartitionKey": "b64",
                                                  "Data": base64.b64encode(raw).decode()})
    assert st == 200, body
    st, body = kinesis_json(server, "GetShardIterator", {"StreamName": name, "ShardId": SHARD0,
                                                         "ShardIteratorType": "TRIM_HORIZON"})
    st, body = kinesis_json(server, "GetRecords", {"ShardIterator": body["ShardIterator"]})
    assert st == 200, body
    assert base64.b64decode(body["Records"][0]["Data"]) == raw
    assert isinstance(body["Records"][0]["ApproximateArrivalTimestamp"], (int, float))
    st, body = kinesis_json(server, "PutRecord", {"StreamName": name, "PartitionKey": "b64", "Data": "***"})
    assert_json_error(st, body, "SerializationException")
