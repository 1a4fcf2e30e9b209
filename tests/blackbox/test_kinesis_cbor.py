"""Kinesis over CBOR (application/x-amz-cbor-1.1), as the Java SDKs and the KCL speak it: SigV4-signed
raw requests built with cbor2 for PutRecord, PutRecords, GetShardIterator, GetRecords and
DescribeStream; blobs as byte strings, timestamps as tag 1 (integer epoch milliseconds from the Java
SDKs, float seconds also accepted), Jackson's indefinite-length containers, and CBOR error bodies."""

import struct
import time
from typing import NamedTuple

import pytest

from conftest import (
    DEFAULT_ACCOUNT,
    KINESIS_TARGET,
    get_records,
    not_found_message,
    signed_post,
    unique_name,
    validation_message,
)

cbor2 = pytest.importorskip("cbor2", reason="python3-cbor2 is needed to build CBOR requests")

CBOR = "application/x-amz-cbor-1.1"
SHARD0 = "shardId-000000000000"


class Tagged(NamedTuple):
    tag: int
    value: object


def decode(data):
    """Decodes one CBOR item exactly as sent: byte strings stay bytes, text stays str, and tags are
    kept as Tagged (cbor2 would read tag 1 with integer milliseconds as seconds)."""
    value, end = _item(data, 0)
    assert end == len(data), f"{len(data) - end} bytes after the CBOR item"
    return value


_BREAK = object()


def _argument(data, i, info):
    if info < 24:
        return info, i
    if info == 31:
        return None, i
    size = {24: 1, 25: 2, 26: 4, 27: 8}[info]
    return int.from_bytes(data[i:i + size], "big"), i + size


def _item(data, i):
    initial = data[i]
    i += 1
    major, info = initial >> 5, initial & 31
    if major == 7:
        simple = {20: False, 21: True, 22: None, 23: None}
        if info in simple:
            return simple[info], i
        if info == 31:
            return _BREAK, i
        fmt, size = {25: (">e", 2), 26: (">f", 4), 27: (">d", 8)}[info]
        return struct.unpack(fmt, data[i:i + size])[0], i + size
    arg, i = _argument(data, i, info)
    if major == 0:
        return arg, i
    if major == 1:
        return -1 - arg, i
    if major in (2, 3):
        if arg is None:
            chunks = []
            while True:
                chunk, i = _item(data, i)
                if chunk is _BREAK:
                    break
                chunks.append(chunk)
            raw = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
        else:
            raw, i = bytes(data[i:i + arg]), i + arg
        return (raw if major == 2 else raw.decode("utf-8")), i
    if major == 4:
        out = []
        while arg is None or len(out) < arg:
            item, i = _item(data, i)
            if item is _BREAK:
                break
            out.append(item)
        return out, i
    if major == 5:
        out = {}
        while arg is None or len(out) < arg:
            key, i = _item(data, i)
            if key is _BREAK:
                break
            out[key], i = _item(data, i)
        return out, i
    if major == 6:
        value, i = _item(data, i)
        return Tagged(arg, value), i
    raise AssertionError(f"unexpected CBOR initial byte {initial:#x}")


def epoch_millis(value):
    """A response timestamp as the Java SDKs read it: an integer of epoch milliseconds, tag 1 or not."""
    if isinstance(value, Tagged):
        assert value.tag == 1, value
        value = value.value
    assert isinstance(value, int), f"timestamp {value!r} is not integer epoch milliseconds"
    return value


def cbor_call(server, operation, body):
    """POSTs a CBOR request (a dict, encoded with cbor2, or raw bytes). Returns (status, decoded body)."""
    payload = body if isinstance(body, bytes) else cbor2.dumps(body)
    status, headers, data = signed_post(server.endpoint, "kinesis", f"{KINESIS_TARGET}.{operation}", payload, CBOR)
    assert headers.get("content-type") == CBOR, (status, headers, data[:200])
    assert headers.get("x-amzn-requestid"), headers
    return status, (decode(data) if data else {})


def assert_cbor_error(status, body, code, message=None):
    assert status == 400, (status, body)
    assert isinstance(body, dict), body
    assert body["__type"].split("#")[-1] == code, body
    if message is not None:
        assert body["message"] == message, body


@pytest.fixture
def stream(new_stream):
    return new_stream()


def test_cbor_put_record_and_get_records(server, kinesis, stream):
    """PutRecord and GetRecords over CBOR: Data is a byte string both ways, arrival times are epoch
    milliseconds, and records interoperate with JSON clients."""
    data = bytes(range(256))
    st, put = cbor_call(server, "PutRecord", {"StreamName": stream, "Data": data, "PartitionKey": "cbor"})
    assert st == 200, put
    assert put["ShardId"] == SHARD0
    assert isinstance(put["SequenceNumber"], str) and put["SequenceNumber"].isdigit()
    kinesis.put_record(StreamName=stream, Data=b"from json", PartitionKey="json")

    st, it = cbor_call(server, "GetShardIterator", {"StreamName": stream, "ShardId": SHARD0,
                                                    "ShardIteratorType": "TRIM_HORIZON"})
    assert st == 200 and isinstance(it["ShardIterator"], str), it
    st, out = cbor_call(server, "GetRecords", {"ShardIterator": it["ShardIterator"]})
    assert st == 200, out
    first, second = out["Records"]
    assert first["Data"] == data and isinstance(first["Data"], bytes)
    assert first["PartitionKey"] == "cbor"
    assert first["SequenceNumber"] == put["SequenceNumber"]
    assert second["Data"] == b"from json" and second["PartitionKey"] == "json"
    for record in (first, second):
        assert abs(epoch_millis(record["ApproximateArrivalTimestamp"]) - time.time() * 1000) < 60_000
    assert isinstance(out["NextShardIterator"], str)
    assert out["MillisBehindLatest"] == 0

    via_json = get_records(kinesis, kinesis.get_shard_iterator(
        StreamName=stream, ShardId=SHARD0, ShardIteratorType="TRIM_HORIZON")["ShardIterator"])["Records"]
    assert via_json[0]["Data"] == data and via_json[0]["SequenceNumber"] == put["SequenceNumber"]
    assert abs(via_json[0]["ApproximateArrivalTimestamp"].timestamp() * 1000
               - epoch_millis(first["ApproximateArrivalTimestamp"])) <= 1


def test_cbor_put_records(server, stream):
    """PutRecords over CBOR answers per entry in request order."""
    entries = [{"Data": b"a", "PartitionKey": "1"}, {"Data": b"", "PartitionKey": "2"},
               {"Data": b"c", "PartitionKey": "3", "ExplicitHashKey": "0"}]
    st, out = cbor_call(server, "PutRecords", {"StreamName": stream, "Records": entries})
    assert st == 200, out
    assert out.get("FailedRecordCount", 0) == 0
    assert len(out["Records"]) == 3
    seqs = [int(r["SequenceNumber"]) for r in out["Records"]]
    assert seqs == sorted(seqs)
    assert all(r["ShardId"] == SHARD0 for r in out["Records"])


def test_cbor_at_timestamp_milliseconds_and_seconds(server, stream):
    """AT_TIMESTAMP as tag 1 with integer epoch milliseconds (Java SDKs) or float epoch seconds both
    start at the first record that arrived at or after that time."""
    for i in range(2):
        st, _ = cbor_call(server, "PutRecord", {"StreamName": stream, "Data": b"r%d" % i, "PartitionKey": "k"})
        assert st == 200
        time.sleep(0.05)
    st, it = cbor_call(server, "GetShardIterator", {"StreamName": stream, "ShardId": SHARD0,
                                                    "ShardIteratorType": "TRIM_HORIZON"})
    st, out = cbor_call(server, "GetRecords", {"ShardIterator": it["ShardIterator"]})
    t0, t1 = (epoch_millis(r["ApproximateArrivalTimestamp"]) for r in out["Records"])
    assert t1 > t0

    def first_data(timestamp):
        st, it = cbor_call(server, "GetShardIterator", {"StreamName": stream, "ShardId": SHARD0,
                                                        "ShardIteratorType": "AT_TIMESTAMP", "Timestamp": timestamp})
        assert st == 200, it
        st, out = cbor_call(server, "GetRecords", {"ShardIterator": it["ShardIterator"]})
        return [r["Data"] for r in out["Records"]]

    assert first_data(cbor2.CBORTag(1, t0)) == [b"r0", b"r1"]
    assert first_data(cbor2.CBORTag(1, t1)) == [b"r1"]
    assert first_data(cbor2.CBORTag(1, t0 / 1000.0)) == [b"r0", b"r1"]
    assert first_data(cbor2.CBORTag(1, t1 / 1000.0)) == [b"r1"]
    assert first_data(cbor2.CBORTag(1, t1 + 1)) == []


def test_cbor_describe_stream(server, stream):
    """DescribeStream over CBOR has the stream's fields, with the creation time in epoch milliseconds."""
    st, out = cbor_call(server, "DescribeStream", {"StreamName": stream})
    assert st == 200, out
    d = out["StreamDescription"]
    assert d["StreamName"] == stream
    assert d["StreamARN"] == f"arn:aws:kinesis:us-east-1:{DEFAULT_ACCOUNT}:stream/{stream}"
    assert d["StreamStatus"] == "ACTIVE"
    assert d["HasMoreShards"] is False
    assert d["RetentionPeriodHours"] == 24
    assert d["Shards"][0]["ShardId"] == SHARD0
    assert d["Shards"][0]["HashKeyRange"] == {"StartingHashKey": "0",
                                              "EndingHashKey": "340282366920938463463374607431768211455"}
    assert abs(epoch_millis(d["StreamCreationTimestamp"]) - time.time() * 1000) < 120_000


def test_cbor_errors(server, stream):
    """Errors come back as CBOR maps with __type and message."""
    absent = unique_name("absent")
    st, body = cbor_call(server, "DescribeStream", {"StreamName": absent})
    assert_cbor_error(st, body, "ResourceNotFoundException", not_found_message(absent))
    st, body = cbor_call(server, "PutRecord", {"StreamName": stream, "Data": b"x", "PartitionKey": ""})
    assert_cbor_error(st, body, "ValidationException",
                      validation_message("", "partitionKey", "Member must have length greater than or equal to 1"))
    st, body = cbor_call(server, "GetRecords", {"ShardIterator": "AAAAAAAAAAH" + "q" * 100})
    assert_cbor_error(st, body, "InvalidArgumentException")
    st, body = cbor_call(server, "GetShardIterator", {"StreamName": stream, "ShardId": "shardId-000000000004",
                                                      "ShardIteratorType": "LATEST"})
    assert_cbor_error(st, body, "ResourceNotFoundException",
                      f"Shard shardId-000000000004 in stream {stream} under account {DEFAULT_ACCOUNT} does not exist")
    st, body = cbor_call(server, "PutRecords", {"StreamName": absent, "Records": [{"Data": b"x", "PartitionKey": "k"}]})
    assert_cbor_error(st, body, "ResourceNotFoundException", not_found_message(absent))


def _indefinite_map(pairs):
    return b"\xbf" + b"".join(cbor2.dumps(k) + v for k, v in pairs) + b"\xff"


def test_cbor_indefinite_length_containers(server, kinesis, stream):
    """Maps, arrays and strings of indefinite length (as Jackson writes them) are read like definite ones."""
    chunked_text = b"\x7f" + cbor2.dumps("chun") + cbor2.dumps("ked") + b"\xff"
    chunked_bytes = b"\x5f" + cbor2.dumps(b"\x00\x01") + cbor2.dumps(b"\x02") + b"\xff"
    body = _indefinite_map([("StreamName", cbor2.dumps(stream)), ("PartitionKey", chunked_text),
                            ("Data", chunked_bytes)])
    st, out = cbor_call(server, "PutRecord", body)
    assert st == 200, out
    entry = _indefinite_map([("Data", cbor2.dumps(b"in-array")), ("PartitionKey", cbor2.dumps("k"))])
    body = _indefinite_map([("StreamName", cbor2.dumps(stream)), ("Records", b"\x9f" + entry + entry + b"\xff")])
    st, out = cbor_call(server, "PutRecords", body)
    assert st == 200 and len(out["Records"]) == 2, out
    records = get_records(kinesis, kinesis.get_shard_iterator(
        StreamName=stream, ShardId=SHARD0, ShardIteratorType="TRIM_HORIZON")["ShardIterator"])["Records"]
    assert [(r["PartitionKey"], r["Data"]) for r in records] == [
        ("chunked", b"\x00\x01\x02"), ("k", b"in-array"), ("k", b"in-array")]


def test_cbor_malformed_body(server):
    """A body that is not CBOR is a SerializationException in a CBOR error body."""
    st, body = cbor_call(server, "ListStreams", b"\xbf\x61")
    assert_cbor_error(st, body, "SerializationException")
