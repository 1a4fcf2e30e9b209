"""Kinesis enhanced fan-out: SubscribeToShard with boto3 (HTTP/1.1, events decoded by botocore) and as
raw HTTP/1.1 and CBOR: records pushed as they are committed, every StartingPosition type, heartbeats
while idle, the end after the subscription's lifetime, the 5-second takeover rule, ChildShards at the
end of a split parent, errors before streaming and ResourceNotFoundException inside the stream."""

import base64
import datetime
import json
import math
import socket
import statistics
import time
from urllib.parse import urlsplit

import pytest
from botocore.eventstream import EventStreamBuffer
from botocore.exceptions import EventStreamError

from conftest import (
    DEFAULT_ACCOUNT,
    HASH_KEY_MAX,
    KINESIS_JSON,
    KINESIS_TARGET,
    Sluice,
    StreamPool,
    expect_error,
    make_kinesis_client,
    sign_post,
    stream_arn,
    unique_name,
    validation_message,
    wait_for_stream,
)

SHARD = "shardId-{:012d}".format
MID = 2**127
EVENT_STREAM = "application/vnd.amazon.eventstream"
CBOR = "application/x-amz-cbor-1.1"
ARN_PATTERN = ("Member must satisfy regular expression pattern: "
               "^(arn):aws.*:kinesis:.*:\\d{12}:.*stream\\/[a-zA-Z0-9_.-]+\\/consumer\\/[a-zA-Z0-9_.-]+:[0-9]+")
# Reads give up after this long. It is well under the push server's heartbeat, so an event that only
# came with a heartbeat would fail the read instead of passing late.
READ_TIMEOUT = 20
HEARTBEAT_FLAG = "--kinesis-subscription-heartbeat-ms"
LIFETIME_FLAG = "--kinesis-subscription-lifetime-ms"
# AWS refuses a second subscription of a consumer to a shard within 5 s of the previous one.
TAKEOVER_SECONDS = 5.0


# -- servers ----------------------------------------------------------------------------------------


class FanoutServer:
    """A server started with subscription flags, its boto3 Kinesis client and a pool of streams."""

    def __init__(self, base, *args):
        self.sluice = Sluice(base / "data", *args, log_dir=base).start()
        self.client = make_kinesis_client(self.sluice.endpoint, read_timeout=READ_TIMEOUT)
        self.pool = StreamPool(self.client)

    def stop(self):
        rc = self.sluice.stop()
        assert rc == 0, f"sluice exited with {rc} on SIGTERM:\n{self.sluice.logs()}"


@pytest.fixture(scope="module")
def push_server(tmp_path_factory):
    """Heartbeats a minute apart: any event that comes within READ_TIMEOUT was pushed by a commit."""
    s = FanoutServer(tmp_path_factory.mktemp("fanout-push"), HEARTBEAT_FLAG, "60000")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def idle_server(tmp_path_factory):
    """Heartbeats every 300 ms, subscriptions of the default five minutes."""
    s = FanoutServer(tmp_path_factory.mktemp("fanout-idle"), HEARTBEAT_FLAG, "300")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def short_server(tmp_path_factory):
    """Subscriptions that last 1.5 s, heartbeats every 300 ms."""
    s = FanoutServer(tmp_path_factory.mktemp("fanout-short"), HEARTBEAT_FLAG, "300", LIFETIME_FLAG, "1500")
    yield s
    s.stop()


# -- helpers ----------------------------------------------------------------------------------------


def wait_for_consumer(client, consumer_arn, timeout=15.0):
    deadline = time.monotonic() + timeout
    while True:
        status = client.describe_stream_consumer(ConsumerARN=consumer_arn)["ConsumerDescription"]["ConsumerStatus"]
        if status == "ACTIVE":
            return
        assert status == "CREATING", status
        assert time.monotonic() < deadline, f"consumer still {status} after {timeout}s"
        time.sleep(0.05)


def register_consumers(client, stream, *names):
    """Registers consumers of `stream` and waits until all are ACTIVE; returns their ARNs."""
    arns = [client.register_stream_consumer(StreamARN=stream_arn(stream), ConsumerName=n)["Consumer"]["ConsumerARN"]
            for n in names]
    for arn in arns:
        wait_for_consumer(client, arn)
    return arns


def put(client, stream, data, key="pk"):
    return client.put_record(StreamName=stream, Data=data, PartitionKey=key)


class Subscription:
    """The event stream of one SubscribeToShard call, read one event at a time."""

    def __init__(self, response):
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 200, response
        self.stream = response["EventStream"]
        self.events = iter(self.stream)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stream.close()

    def next(self):
        """The next SubscribeToShardEvent (botocore has already taken the initial-response)."""
        try:
            event = next(self.events)
        except StopIteration:
            raise AssertionError("the event stream ended where an event was expected") from None
        assert list(event) == ["SubscribeToShardEvent"], event
        return event["SubscribeToShardEvent"]

    def next_with_records(self, limit=20):
        """The next event that carries records, skipping at most `limit` heartbeats."""
        for _ in range(limit + 1):
            event = self.next()
            if event["Records"]:
                return event
        raise AssertionError(f"{limit} events in a row without the records expected")

    def rest(self, limit=50):
        """Every further event, until the stream ends without an error."""
        out = []
        for event in self.events:
            assert list(event) == ["SubscribeToShardEvent"], event
            out.append(event["SubscribeToShardEvent"])
            assert len(out) <= limit, f"more than {limit} events and the stream has not ended"
        return out


def subscribe(client, consumer_arn, shard_id=SHARD(0), position="LATEST", **position_members):
    return Subscription(client.subscribe_to_shard(
        ConsumerARN=consumer_arn, ShardId=shard_id, StartingPosition={"Type": position, **position_members}))


def datas(event):
    return [r["Data"] for r in event["Records"]]


def assert_continues(event):
    """An event of an open shard: a ContinuationSequenceNumber and no ChildShards."""
    assert event["ContinuationSequenceNumber"].isdigit(), event
    assert not event.get("ChildShards"), event
    assert event["MillisBehindLatest"] >= 0, event


def refused_as_in_use(client, consumer_arn, stream, shard_id=SHARD(0), consumer="c"):
    expect_error("ResourceInUseException", 400, client.subscribe_to_shard, ConsumerARN=consumer_arn,
                 ShardId=shard_id, StartingPosition={"Type": "LATEST"},
                 message="Another active subscription exists for this consumer: "
                 f"{DEFAULT_ACCOUNT}:{stream}:{shard_id}:{consumer}")


def signed_headers(endpoint, body, content_type):
    """The headers of a SigV4-signed SubscribeToShard POST to `endpoint`."""
    return sign_post(endpoint + "/", "kinesis", body,
                     {"Content-Type": content_type, "X-Amz-Target": f"{KINESIS_TARGET}.SubscribeToShard"})


class RawEventStream:
    """A SubscribeToShard call made on a plain socket: the status line, the headers and the chunked body
    are read exactly as sent, and the body is decoded into messages with botocore's EventStreamBuffer."""

    def __init__(self, endpoint, body, content_type):
        parts = urlsplit(endpoint)
        headers = signed_headers(endpoint, body, content_type)
        headers["Host"] = parts.netloc
        headers["Content-Length"] = str(len(body))
        head = "POST / HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=READ_TIMEOUT)
        self.sock.sendall(head.encode("latin-1") + body)
        self.file = self.sock.makefile("rb")
        status_line = self.file.readline().decode("latin-1")
        assert status_line.startswith("HTTP/1.1 "), status_line
        self.status = int(status_line.split()[1])
        self.headers = {}
        while True:
            line = self.file.readline().decode("latin-1")
            assert line.endswith("\r\n"), f"header line {line!r} not ended by CRLF"
            if line == "\r\n":
                break
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()
        self.buffer = EventStreamBuffer()
        self.pending = []
        self.ended = False  # the last chunk (size 0) was read

    def close(self):
        self.file.close()
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def chunk(self):
        """The data of the next chunk; b"" for the last one, after which the body is over."""
        size_line = self.file.readline()
        assert size_line.endswith(b"\r\n"), f"chunk size line {size_line!r}"
        size = int(size_line.split(b";")[0], 16)
        data = self.file.read(size)
        assert len(data) == size, f"chunk of {size} bytes cut short at {len(data)}"
        if size == 0:
            while self.file.readline() not in (b"\r\n", b""):  # trailers, if any
                pass
            self.ended = True
            return b""
        assert self.file.read(2) == b"\r\n", "chunk data not followed by CRLF"
        return data

    def message(self):
        """The next event stream message, or None once the body has ended."""
        while not self.pending:
            if self.ended:
                return None
            data = self.chunk()
            if not data:
                assert not self.buffer._data, f"{len(self.buffer._data)} bytes of a partial message at the end"
                return None
            self.buffer.add_data(data)
            self.pending.extend(self.buffer)
        return self.pending.pop(0)

    def error_body(self):
        """The body of an answer that is not an event stream."""
        if "content-length" in self.headers:
            return self.file.read(int(self.headers["content-length"]))
        out = b""
        while data := self.chunk():
            out += data
        return out


def subscribe_request(consumer_arn, shard_id=SHARD(0), position="TRIM_HORIZON"):
    return {"ConsumerARN": consumer_arn, "ShardId": shard_id, "StartingPosition": {"Type": position}}


# -- records are pushed ----------------------------------------------------------------------------


def test_records_put_after_subscribing_are_pushed(push_server):
    """With heartbeats a minute apart, each record put after subscribing arrives at once in its own event
    (pushed from the commit, not polled), with its sequence number, data, key and arrival time; and a
    second consumer resuming AFTER_SEQUENCE_NUMBER the ContinuationSequenceNumber of an event gets exactly
    the records after it."""
    client = push_server.client
    name = push_server.pool.take(1)
    first_arn, second_arn = register_consumers(client, name, "pushed", "resumer")
    latencies, continuations, puts = [], [], []
    with subscribe(client, first_arn) as sub:
        event = sub.next()  # at once, before anything is put
        assert event["Records"] == [] and event["MillisBehindLatest"] == 0
        assert_continues(event)
        for i in range(20):
            data = b"pushed-%d" % i
            before = time.time()
            sent = time.monotonic()
            out = put(client, name, data, key=f"key-{i}")
            put_done = time.monotonic()
            event = sub.next()
            arrived = time.monotonic()
            latencies.append((arrived - sent, put_done - sent))
            assert [(r["SequenceNumber"], r["Data"], r["PartitionKey"]) for r in event["Records"]] == [
                (out["SequenceNumber"], data, f"key-{i}")], event
            stamp = event["Records"][0]["ApproximateArrivalTimestamp"]
            assert isinstance(stamp, datetime.datetime) and stamp.tzinfo is not None
            assert before - 5 <= stamp.timestamp() <= time.time() + 5
            assert event["MillisBehindLatest"] == 0
            assert_continues(event)
            assert int(event["ContinuationSequenceNumber"]) >= int(out["SequenceNumber"])
            continuations.append(event["ContinuationSequenceNumber"])
            puts.append(out)
    ms = sorted(1000 * a for a, _ in latencies)
    put_ms = sorted(1000 * p for _, p in latencies)
    print(f"\nput→event latency, boto3 over HTTP/1.1 ({len(ms)} records, from sending PutRecord to the event "
          f"decoded): min {ms[0]:.1f} ms, median {statistics.median(ms):.1f} ms, max {ms[-1]:.1f} ms; "
          f"PutRecord round trip median {statistics.median(put_ms):.1f} ms")

    with subscribe(client, second_arn, position="AFTER_SEQUENCE_NUMBER", SequenceNumber=continuations[11]) as sub:
        event = sub.next()
        assert datas(event) == [b"pushed-%d" % i for i in range(12, 20)], event
        assert [r["SequenceNumber"] for r in event["Records"]] == [p["SequenceNumber"] for p in puts[12:]]
        assert_continues(event)


def test_every_consumer_gets_every_record(push_server):
    """Two consumers subscribed to the same shard each receive every record of it, in order; a consumer
    may hold subscriptions to two shards at once, and each gets only its shard's records."""
    client = push_server.client
    name = push_server.pool.take(2)
    one, two = register_consumers(client, name, "one", "two")

    def put_to(hash_key, data):
        out = client.put_record(StreamName=name, Data=data, PartitionKey="k", ExplicitHashKey=str(hash_key))
        assert out["ShardId"] == (SHARD(0) if hash_key < MID else SHARD(1)), out

    def received(sub, count):
        got = []
        while len(got) < count:
            got += datas(sub.next())
        return got

    with subscribe(client, one) as a, subscribe(client, two) as b, subscribe(client, one, SHARD(1)) as a1:
        for sub in (a, b, a1):
            assert sub.next()["Records"] == []
        put_to(HASH_KEY_MAX, b"high")
        for i in range(3):
            put_to(0, b"low-%d" % i)
        assert received(a, 3) == received(b, 3) == [b"low-0", b"low-1", b"low-2"]
        assert received(a1, 1) == [b"high"]


# -- starting positions -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def backlog(push_server):
    """A stream with five records, the last two put in a later whole second than the first three (boto3
    1.26 sends timestamps in whole seconds), and one consumer per starting position type."""
    client = push_server.client
    name = push_server.pool.take(1)
    arns = dict(zip(["TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "AT_TIMESTAMP"],
                    register_consumers(client, name, "trim", "latest", "at", "after", "time")))
    seqs = [put(client, name, b"r%d" % i)["SequenceNumber"] for i in range(3)]
    boundary = math.floor(time.time()) + 1
    time.sleep(max(0.0, boundary - time.time()) + 0.01)  # the later records arrive in a later second
    seqs += [put(client, name, b"r%d" % i)["SequenceNumber"] for i in range(3, 5)]
    return {"name": name, "arns": arns, "seqs": seqs, "boundary": boundary}


@pytest.mark.parametrize(
    "position,expected",
    [
        ("TRIM_HORIZON", [0, 1, 2, 3, 4]),
        ("LATEST", []),
        ("AT_SEQUENCE_NUMBER", [2, 3, 4]),
        ("AFTER_SEQUENCE_NUMBER", [3, 4]),
        ("AT_TIMESTAMP", [3, 4]),
    ],
)
def test_starting_position(push_server, backlog, position, expected):
    """The first event comes at once and holds the backlog from the starting position, caught up
    (MillisBehindLatest 0), with a ContinuationSequenceNumber at or past the last record."""
    client = push_server.client
    members = {}
    if position in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
        members["SequenceNumber"] = backlog["seqs"][2]
    if position == "AT_TIMESTAMP":
        members["Timestamp"] = datetime.datetime.fromtimestamp(backlog["boundary"], datetime.timezone.utc)
    with subscribe(client, backlog["arns"][position], position=position, **members) as sub:
        event = sub.next()
    assert datas(event) == [b"r%d" % i for i in expected], event
    assert [r["SequenceNumber"] for r in event["Records"]] == [backlog["seqs"][i] for i in expected]
    assert all(r["PartitionKey"] == "pk" for r in event["Records"])
    assert event["MillisBehindLatest"] == 0
    assert_continues(event)
    assert int(event["ContinuationSequenceNumber"]) >= int(backlog["seqs"][-1])


def test_starting_position_errors(push_server):
    """A StartingPosition that does not fit its type is InvalidArgumentException, an unknown Type or a
    missing StartingPosition ValidationException; refused calls start nothing, so the consumer can
    subscribe at once afterwards."""
    client = push_server.client
    name = push_server.pool.take(1)
    other = push_server.pool.take(1)
    (arn,) = register_consumers(client, name, "c")
    seq = put(client, name, b"x")["SequenceNumber"]
    foreign = put(client, other, b"y")["SequenceNumber"]

    def refused(code, position, **kwargs):
        return expect_error(code, 400, client.subscribe_to_shard, ConsumerARN=arn, ShardId=SHARD(0),
                            StartingPosition=position, **kwargs)

    refused("InvalidArgumentException", {"Type": "AT_SEQUENCE_NUMBER"}, message_contains="AT_SEQUENCE_NUMBER")
    refused("InvalidArgumentException", {"Type": "AFTER_SEQUENCE_NUMBER"}, message_contains="AFTER_SEQUENCE_NUMBER")
    refused("InvalidArgumentException", {"Type": "LATEST", "SequenceNumber": seq}, message_contains="LATEST")
    refused("InvalidArgumentException", {"Type": "TRIM_HORIZON", "SequenceNumber": seq})
    refused("InvalidArgumentException", {"Type": "AT_TIMESTAMP"})
    future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    refused("InvalidArgumentException", {"Type": "AT_TIMESTAMP", "Timestamp": future})
    refused("InvalidArgumentException", {"Type": "AT_SEQUENCE_NUMBER", "SequenceNumber": foreign})
    refused("InvalidArgumentException", {"Type": "AT_SEQUENCE_NUMBER", "SequenceNumber": "12345"})
    refused("ValidationException", {"Type": "SOMEWHERE"},
            message_contains="Value 'SOMEWHERE' at 'startingPosition.type' failed to satisfy constraint: "
            "Member must satisfy enum value set: [")
    refused("ValidationException", {"Type": "AT_SEQUENCE_NUMBER", "SequenceNumber": "12ab"},
            message_contains="'startingPosition.sequenceNumber'")
    expect_error("ValidationException", 400, client.subscribe_to_shard, ConsumerARN=arn, ShardId=SHARD(0),
                 message=validation_message(None, "startingPosition", "Member must not be null"))

    with subscribe(client, arn, position="AT_SEQUENCE_NUMBER", SequenceNumber=seq) as sub:
        assert datas(sub.next()) == [b"x"]


# -- errors before streaming ------------------------------------------------------------------------


def test_unknown_consumer_and_shard(push_server):
    """An unknown consumer (of a live or a missing stream) or shard is ResourceNotFoundException,
    answered as an ordinary error before any streaming."""
    client = push_server.client
    name = push_server.pool.take(1)
    (arn,) = register_consumers(client, name, "c")
    absent = unique_name("absent")
    for consumer in (f"{stream_arn(name)}/consumer/never:1700000000",
                     f"{stream_arn(absent)}/consumer/c:1700000000",
                     arn.rsplit(":", 1)[0] + ":1"):  # the right name with another creation time
        expect_error("ResourceNotFoundException", 400, client.subscribe_to_shard, ConsumerARN=consumer,
                     ShardId=SHARD(0), StartingPosition={"Type": "LATEST"})
    resp = expect_error("ResourceNotFoundException", 400, client.subscribe_to_shard, ConsumerARN=arn,
                        ShardId=SHARD(7), StartingPosition={"Type": "LATEST"})
    assert SHARD(7) in resp["Error"]["Message"] and name in resp["Error"]["Message"], resp
    expect_error("ResourceNotFoundException", 400, client.subscribe_to_shard, ConsumerARN=arn,
                 ShardId="not-a-shard", StartingPosition={"Type": "LATEST"}, message_contains="not-a-shard")


def test_malformed_input_is_validation_exception(push_server):
    """A ConsumerARN or ShardId that breaks the model's patterns, or a missing one, is ValidationException
    with AWS's text."""
    client = push_server.client
    for bad in ["not-an-arn", "arn:aws:kinesis:us-east-1:000000000000:stream/s"]:
        expect_error("ValidationException", 400, client.subscribe_to_shard, ConsumerARN=bad, ShardId=SHARD(0),
                     StartingPosition={"Type": "LATEST"}, message=validation_message(bad, "consumerARN", ARN_PATTERN))
    arn = f"{stream_arn('s')}/consumer/c:1"
    expect_error("ValidationException", 400, client.subscribe_to_shard, ConsumerARN=arn, ShardId="bad shard",
                 StartingPosition={"Type": "LATEST"},
                 message=validation_message("bad shard", "shardId",
                                            "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"))
    expect_error("ValidationException", 400, client.subscribe_to_shard, ShardId=SHARD(0),
                 StartingPosition={"Type": "LATEST"},
                 message=validation_message(None, "consumerARN", "Member must not be null"))


def test_consumer_not_active_yet(push_server):
    """A consumer still CREATING is ResourceInUseException; once ACTIVE it can subscribe."""
    client = push_server.client
    name = push_server.pool.take(1)
    arn = client.register_stream_consumer(StreamARN=stream_arn(name), ConsumerName="early")["Consumer"]["ConsumerARN"]
    expect_error("ResourceInUseException", 400, client.subscribe_to_shard, ConsumerARN=arn, ShardId=SHARD(0),
                 StartingPosition={"Type": "LATEST"},
                 message_contains=f"under stream: {name} , account {DEFAULT_ACCOUNT} is not in ACTIVE status.")
    wait_for_consumer(client, arn)
    with subscribe(client, arn) as sub:
        assert sub.next()["Records"] == []


# -- heartbeats, lifetime and takeover -------------------------------------------------------------


def test_heartbeat_events_while_idle(idle_server):
    """While nothing is put, empty events keep coming (every 300 ms on this server), each with the same
    ContinuationSequenceNumber; a record put later still arrives."""
    client = idle_server.client
    name = idle_server.pool.take(1)
    (arn,) = register_consumers(client, name, "idle")
    before = put(client, name, b"old")
    with subscribe(client, arn) as sub:
        events = [sub.next() for _ in range(4)]
        for event in events:
            assert event["Records"] == [] and event["MillisBehindLatest"] == 0, event
            assert_continues(event)
        assert len({e["ContinuationSequenceNumber"] for e in events}) == 1, events
        assert int(events[0]["ContinuationSequenceNumber"]) >= int(before["SequenceNumber"])
        put(client, name, b"new")
        assert datas(sub.next_with_records()) == [b"new"]


def test_subscription_ends_after_its_lifetime(short_server):
    """A subscription lasting 1.5 s ends normally: heartbeats, then the event stream finishes without an
    error. Another call within 5 s of it is still ResourceInUseException, although it has ended."""
    client = short_server.client
    name = short_server.pool.take(1)
    (arn,) = register_consumers(client, name, "c")
    put(client, name, b"first")
    with subscribe(client, arn, position="TRIM_HORIZON") as sub:
        events = [sub.next()] + sub.rest()
    assert datas(events[0]) == [b"first"]
    assert len(events) >= 3, f"1.5 s at one heartbeat per 300 ms gave only {len(events)} events"
    for event in events:
        assert_continues(event)
    refused_as_in_use(client, arn, name)


def test_takeover_after_five_seconds(idle_server):
    """A second subscription of the same consumer and shard within 5 s is ResourceInUseException, an
    ordinary HTTP 400 answer while the first keeps streaming (heartbeats); 5 s after the first call the
    second succeeds and the first stream ends normally. The same consumer on another shard is not
    affected."""
    client = idle_server.client
    name = idle_server.pool.take(2)
    (arn,) = register_consumers(client, name, "c")
    with subscribe(client, arn) as first:
        started = time.monotonic()  # the server noted the start before it answered
        assert first.next()["Records"] == []
        refused_as_in_use(client, arn, name)
        with subscribe(client, arn, SHARD(1)) as other_shard:
            assert other_shard.next()["Records"] == []
        heartbeats = 0
        while time.monotonic() < started + TAKEOVER_SECONDS + 0.1:
            event = first.next()
            assert event["Records"] == [], event
            heartbeats += 1
        assert heartbeats >= 5, f"only {heartbeats} heartbeats in 5 s at one per 300 ms"
        with subscribe(client, arn, position="TRIM_HORIZON") as second:
            first.rest()  # ends without an error
            client.put_record(StreamName=name, Data=b"to the second", PartitionKey="k", ExplicitHashKey="0")
            assert datas(second.next_with_records()) == [b"to the second"]
            refused_as_in_use(client, arn, name)


# -- resharding -------------------------------------------------------------------------------------


def assert_child_shards(client, name, event):
    """The final event of shard 0 after its split: no ContinuationSequenceNumber, and ChildShards naming
    both children with their parent and hash key ranges."""
    assert "ContinuationSequenceNumber" not in event, event
    shards = {s["ShardId"]: s for s in client.list_shards(StreamName=name)["Shards"]}
    children = sorted(event["ChildShards"], key=lambda c: c["ShardId"])
    assert [c["ShardId"] for c in children] == [SHARD(1), SHARD(2)], event
    for child in children:
        assert child["ParentShards"] == [SHARD(0)], child
        assert child["HashKeyRange"] == shards[child["ShardId"]]["HashKeyRange"], child
    assert children[0]["HashKeyRange"] == {"StartingHashKey": "0", "EndingHashKey": str(MID - 1)}
    assert children[1]["HashKeyRange"] == {"StartingHashKey": str(MID), "EndingHashKey": str(HASH_KEY_MAX)}


def test_split_parent_ends_with_child_shards(idle_server):
    """A subscription to a shard that is split delivers its records, then a last event with ChildShards
    and no ContinuationSequenceNumber, and the stream ends; the children take new records."""
    client = idle_server.client
    name = idle_server.pool.take(1)
    (arn, child_arn) = register_consumers(client, name, "c", "child-reader")
    put(client, name, b"before")
    with subscribe(client, arn, position="TRIM_HORIZON") as sub:
        assert datas(sub.next()) == [b"before"]
        client.split_shard(StreamName=name, ShardToSplit=SHARD(0), NewStartingHashKey=str(MID))
        events = sub.rest()
    wait_for_stream(client, name)
    assert events, "the stream ended without the final event"
    for event in events[:-1]:
        assert_continues(event)
        assert event["Records"] == [], event
    assert events[-1]["Records"] == []
    assert_child_shards(client, name, events[-1])
    with subscribe(client, child_arn, SHARD(2)) as child:
        assert child.next()["Records"] == []
        client.put_record(StreamName=name, Data=b"to the child", PartitionKey="k", ExplicitHashKey=str(MID))
        assert datas(child.next_with_records()) == [b"to the child"]


def test_subscribing_to_a_closed_parent(push_server):
    """Subscribing to a shard that was already split gives its records and ChildShards in the first
    event, then the stream ends (with heartbeats a minute apart: nothing waits for one)."""
    client = push_server.client
    name = push_server.pool.take(1)
    (arn, latest_arn) = register_consumers(client, name, "c", "latest")
    put(client, name, b"a")
    put(client, name, b"b")
    client.split_shard(StreamName=name, ShardToSplit=SHARD(0), NewStartingHashKey=str(MID))
    wait_for_stream(client, name)
    with subscribe(client, arn, position="TRIM_HORIZON") as sub:
        event = sub.next()
        assert sub.rest() == []
    assert datas(event) == [b"a", b"b"]
    assert event["MillisBehindLatest"] == 0
    assert_child_shards(client, name, event)
    with subscribe(client, latest_arn, position="LATEST") as sub:
        event = sub.next()
        assert sub.rest() == []
    assert event["Records"] == []
    assert_child_shards(client, name, event)


# -- errors inside the stream -----------------------------------------------------------------------


def test_deregistering_the_consumer_ends_the_stream_with_an_exception(idle_server):
    """Deregistering a subscribed consumer ends its event stream with a ResourceNotFoundException
    exception message, which botocore raises as EventStreamError while iterating."""
    client = idle_server.client
    name = idle_server.pool.take(1)
    (arn,) = register_consumers(client, name, "doomed")
    with subscribe(client, arn) as sub:
        assert sub.next()["Records"] == []
        client.deregister_stream_consumer(ConsumerARN=arn)
        with pytest.raises(EventStreamError) as ei:
            sub.rest()
    err = ei.value.response["Error"]
    assert err["Code"] == "ResourceNotFoundException", ei.value.response
    assert err.get("Message"), ei.value.response


def test_deleting_the_stream_ends_the_stream_with_an_exception(idle_server):
    """DeleteStream with EnforceConsumerDeletion while a consumer is subscribed ends the event stream with
    ResourceNotFoundException."""
    client = idle_server.client
    name = unique_name("ks")
    client.create_stream(StreamName=name, ShardCount=1)
    wait_for_stream(client, name)
    (arn,) = register_consumers(client, name, "c")
    with subscribe(client, arn) as sub:
        assert sub.next()["Records"] == []
        client.delete_stream(StreamName=name, EnforceConsumerDeletion=True)
        with pytest.raises(EventStreamError) as ei:
            sub.rest()
    assert ei.value.response["Error"]["Code"] == "ResourceNotFoundException", ei.value.response


# -- the wire ---------------------------------------------------------------------------------------


def test_wire_format_over_http11(short_server):
    """On the wire: 200, Content-Type application/vnd.amazon.eventstream, a chunked body of event stream
    messages (initial-response first, then SubscribeToShardEvent with AWS JSON payloads: blobs in base64,
    timestamps in epoch seconds), closed by the last chunk when the subscription ends."""
    client = short_server.client
    name = short_server.pool.take(1)
    (arn,) = register_consumers(client, name, "raw")
    out = put(client, name, bytes(range(256)), key="raw-key")
    body = json.dumps(subscribe_request(arn)).encode()
    with RawEventStream(short_server.sluice.endpoint, body, KINESIS_JSON) as raw:
        assert raw.status == 200, (raw.status, raw.headers, raw.error_body())
        assert raw.headers.get("content-type") == EVENT_STREAM, raw.headers
        assert raw.headers.get("transfer-encoding", "").lower() == "chunked", raw.headers
        assert "content-length" not in raw.headers, raw.headers
        assert raw.headers.get("x-amzn-requestid"), raw.headers
        messages = []
        while (m := raw.message()) is not None:
            messages.append(m)
        assert raw.ended
    assert len(messages) >= 2, messages
    for m in messages:
        assert m.headers[":message-type"] == "event", m.headers
        assert m.headers[":content-type"] == "application/json", m.headers
    assert [m.headers[":event-type"] for m in messages] == (
        ["initial-response"] + ["SubscribeToShardEvent"] * (len(messages) - 1))
    assert json.loads(messages[0].payload) == {}
    first = json.loads(messages[1].payload)
    (record,) = first["Records"]
    assert base64.b64decode(record["Data"]) == bytes(range(256))
    assert record["PartitionKey"] == "raw-key"
    assert record["SequenceNumber"] == out["SequenceNumber"]
    assert isinstance(record["ApproximateArrivalTimestamp"], (int, float))
    assert abs(record["ApproximateArrivalTimestamp"] - time.time()) < 60
    assert first["MillisBehindLatest"] == 0
    assert int(first["ContinuationSequenceNumber"]) >= int(out["SequenceNumber"])
    for m in messages[2:]:
        assert json.loads(m.payload)["Records"] == []


def test_error_before_streaming_over_http11(push_server):
    """A refused SubscribeToShard is an ordinary AWS JSON 1.1 error answer, not an event stream."""
    arn = f"{stream_arn(unique_name('absent'))}/consumer/c:1"
    body = json.dumps(subscribe_request(arn)).encode()
    with RawEventStream(push_server.sluice.endpoint, body, KINESIS_JSON) as raw:
        assert raw.status == 400
        assert raw.headers.get("content-type") == KINESIS_JSON, raw.headers
        error = json.loads(raw.error_body())
    assert error["__type"].split("#")[-1] == "ResourceNotFoundException", error


def test_cbor_client_gets_an_event_stream(push_server):
    """A CBOR call (application/x-amz-cbor-1.1, as the Java SDKs send it) is answered with an event stream
    whose payloads are CBOR: Data as a byte string."""
    cbor2 = pytest.importorskip("cbor2", reason="python3-cbor2 is needed to build CBOR requests")
    from test_kinesis_cbor import decode as decode_cbor

    client = push_server.client
    name = push_server.pool.take(1)
    (arn,) = register_consumers(client, name, "java")
    out = put(client, name, b"\x00\xffcbor", key="cbor-key")
    with RawEventStream(push_server.sluice.endpoint, cbor2.dumps(subscribe_request(arn)), CBOR) as raw:
        assert raw.status == 200, (raw.status, raw.headers, raw.error_body())
        assert raw.headers.get("content-type") == EVENT_STREAM, raw.headers
        initial, first = raw.message(), raw.message()
        put(client, name, b"later", key="cbor-key")
        pushed = raw.message()
    assert initial.headers[":event-type"] == "initial-response", initial.headers
    for m in (first, pushed):
        assert m.headers[":message-type"] == "event", m.headers
        assert m.headers[":event-type"] == "SubscribeToShardEvent", m.headers
        assert m.headers[":content-type"] == CBOR, m.headers
    event = decode_cbor(first.payload)
    (record,) = event["Records"]
    assert record["Data"] == b"\x00\xffcbor" and isinstance(record["Data"], bytes)
    assert record["SequenceNumber"] == out["SequenceNumber"]
    assert record["PartitionKey"] == "cbor-key"
    assert int(event["ContinuationSequenceNumber"]) >= int(out["SequenceNumber"])
    assert [r["Data"] for r in decode_cbor(pushed.payload)["Records"]] == [b"later"]
