"""SendMessage, ReceiveMessage, DeleteMessage, ChangeMessageVisibility: digests, limits, delays, long polls."""

import re
import threading
import time

import pytest

from conftest import (
    counts,
    drain,
    expect_error,
    load_md5_vectors,
    md5_hex,
    md5_of_message_attributes,
    unique_name,
    vector_attributes,
)

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MIB = 1048576

ALL_TYPES = {
    "str": {"DataType": "String", "StringValue": "hello wörld"},
    "num": {"DataType": "Number", "StringValue": "-12.5e3"},
    "bin": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xfe\xff binary"},
    "custom.str": {"DataType": "String.custom", "StringValue": "labelled"},
    "custom.num": {"DataType": "Number.int", "StringValue": "0230"},
    "custom.bin": {"DataType": "Binary.png", "BinaryValue": b"\x89PNG"},
}


def receive_one(sqs, queue, **kwargs):
    msgs = sqs.receive_message(QueueUrl=queue, **kwargs).get("Messages", [])
    assert len(msgs) == 1, msgs
    return msgs[0]


# -- SendMessage --------------------------------------------------------------------------------


def test_send_and_receive_round_trip(sqs, queue):
    """A sent body comes back unchanged, with AWS's MD5OfMessageBody and a UUID MessageId."""
    body = "hello sluice"
    sent = sqs.send_message(QueueUrl=queue, MessageBody=body)
    assert sent["MD5OfMessageBody"] == md5_hex(body)
    assert UUID.match(sent["MessageId"])
    assert "MD5OfMessageAttributes" not in sent
    got = receive_one(sqs, queue)
    assert got["Body"] == body
    assert got["MessageId"] == sent["MessageId"]
    assert got["MD5OfBody"] == md5_hex(body)
    assert got["ReceiptHandle"]
    assert "MessageAttributes" not in got
    assert "MD5OfMessageAttributes" not in got


def test_send_message_attributes_of_every_type(sqs, queue):
    """String, Number, Binary and custom-suffixed types round-trip; both MD5s match AWS's algorithm."""
    body = "with attributes"
    sent = sqs.send_message(QueueUrl=queue, MessageBody=body, MessageAttributes=ALL_TYPES)
    assert sent["MD5OfMessageBody"] == md5_hex(body)
    assert sent["MD5OfMessageAttributes"] == md5_of_message_attributes(ALL_TYPES)
    got = receive_one(sqs, queue, MessageAttributeNames=["All"])
    assert got["MessageAttributes"] == ALL_TYPES
    assert got["MD5OfMessageAttributes"] == md5_of_message_attributes(ALL_TYPES)
    assert got["MD5OfBody"] == md5_hex(body)


def test_md5_algorithm_reproduces_vectors():
    """The suite's own MD5OfMessageAttributes implementation agrees with every published vector."""
    vectors = load_md5_vectors()
    for v in vectors["body_vectors"]:
        assert md5_hex(v["Body"]) == v["MD5OfMessageBody"]
    for v in vectors["attribute_vectors"]:
        assert md5_of_message_attributes(vector_attributes(v["MessageAttributes"])) == v["MD5OfMessageAttributes"]


def _vector_cases():
    try:
        vectors = load_md5_vectors()
    except BaseException:  # skipped when the conformance folder is absent
        return [pytest.param(None, marks=pytest.mark.skip(reason="conformance vectors absent"))]
    cases = []
    for i, v in enumerate(vectors["attribute_vectors"]):
        cases.append(pytest.param(v, id=f"vector{i}"))
    return cases


@pytest.mark.parametrize("vector", _vector_cases())
def test_md5_vectors_sent_to_server(sqs, queue, vector):
    """Each conformance vector's attributes, sent for real, get the vector's MD5OfMessageAttributes back."""
    attrs = vector_attributes(vector["MessageAttributes"])
    sent = sqs.send_message(QueueUrl=queue, MessageBody="Body", MessageAttributes=attrs)
    assert sent["MD5OfMessageBody"] == "ac101b32dda4448cf13a93fe283dddd8"
    assert sent["MD5OfMessageAttributes"] == vector["MD5OfMessageAttributes"]
    got = receive_one(sqs, queue, MessageAttributeNames=["All"])
    assert got["MD5OfMessageAttributes"] == vector["MD5OfMessageAttributes"]
    assert got["MessageAttributes"] == attrs


def test_md5_body_vectors_sent_to_server(sqs, queue):
    """The conformance body vectors get their MD5OfMessageBody from the server."""
    for v in load_md5_vectors()["body_vectors"]:
        assert sqs.send_message(QueueUrl=queue, MessageBody=v["Body"])["MD5OfMessageBody"] == v["MD5OfMessageBody"]


def test_unicode_and_xml_special_characters_round_trip(sqs, queue):
    """Bodies and attribute values with XML metacharacters, CR/LF, tabs and astral characters survive."""
    body = "<a href=\"x\">&amp;</a> 'q'\r\n\ttab \u00e9 \u4e2d \U0001F600 \ud7ff \ue000 \ufffd \U0010FFFF\r"
    attrs = {"x": {"DataType": "String", "StringValue": "<>&\"'\r\n\U0001F600"}}
    sent = sqs.send_message(QueueUrl=queue, MessageBody=body, MessageAttributes=attrs)
    assert sent["MD5OfMessageBody"] == md5_hex(body)
    assert sent["MD5OfMessageAttributes"] == md5_of_message_attributes(attrs)
    got = receive_one(sqs, queue, MessageAttributeNames=["All"])
    assert got["Body"] == body
    assert got["MessageAttributes"] == attrs


@pytest.mark.parametrize(
    "body,bad",
    [("a\x00b", "#x0"), ("bell\x07", "#x7"), ("x\x1f", "#x1F"), ("a\uffffb", "#xFFFF"), ("\ufffe", "#xFFFE")],
    ids=["nul", "bell", "unit-separator", "uFFFF", "uFFFE"],
)
def test_send_message_invalid_characters(sqs, queue, body, bad):
    """Characters outside SQS's allowed set are InvalidMessageContents, naming the character."""
    expect_error(
        "InvalidMessageContents",
        400,
        sqs.send_message,
        QueueUrl=queue,
        MessageBody=body,
        message_contains=bad,
    )
    assert counts(sqs, queue) == (0, 0, 0)


def test_send_message_maximum_size_body_accepted(sqs, queue):
    """A body of exactly 1 MiB (the default MaximumMessageSize) is accepted and received whole."""
    body = "x" * MIB
    sent = sqs.send_message(QueueUrl=queue, MessageBody=body)
    assert sent["MD5OfMessageBody"] == md5_hex(body)
    got = receive_one(sqs, queue)
    assert len(got["Body"]) == MIB
    assert got["Body"] == body


def test_send_message_too_large(sqs, queue):
    """1 MiB + 1 byte is InvalidParameterValue with AWS's text."""
    expect_error(
        "InvalidParameterValue",
        400,
        sqs.send_message,
        QueueUrl=queue,
        MessageBody="x" * (MIB + 1),
        message="One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.",
    )


def test_send_message_attributes_count_toward_size(sqs, queue):
    """Body plus attribute names, types and values must fit in MaximumMessageSize."""
    attrs = {"a": {"DataType": "String", "StringValue": "v"}}  # 1 + 6 + 1 = 8 bytes
    sqs.send_message(QueueUrl=queue, MessageBody="x" * (MIB - 8), MessageAttributes=attrs)
    expect_error(
        "InvalidParameterValue",
        400,
        sqs.send_message,
        QueueUrl=queue,
        MessageBody="x" * (MIB - 7),
        MessageAttributes=attrs,
        message="One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.",
    )


def test_send_message_respects_queue_maximum_message_size(sqs):
    """A queue's smaller MaximumMessageSize is enforced."""
    url = sqs.create_queue(QueueName=unique_name(), Attributes={"MaximumMessageSize": "1024"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="y" * 1024)
    expect_error(
        "InvalidParameterValue",
        400,
        sqs.send_message,
        QueueUrl=url,
        MessageBody="y" * 1025,
        message="One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.",
    )


def test_send_message_eleven_attributes(sqs, queue):
    """More than 10 message attributes is InvalidParameterValue."""
    attrs = {f"a{i}": {"DataType": "String", "StringValue": "v"} for i in range(11)}
    expect_error(
        "InvalidParameterValue",
        400,
        sqs.send_message,
        QueueUrl=queue,
        MessageBody="x",
        MessageAttributes=attrs,
        message="Number of message attributes [11] exceeds the allowed maximum [10].",
    )
    ten = {f"a{i}": {"DataType": "String", "StringValue": "v"} for i in range(10)}
    sent = sqs.send_message(QueueUrl=queue, MessageBody="x", MessageAttributes=ten)
    assert sent["MD5OfMessageAttributes"] == md5_of_message_attributes(ten)


@pytest.mark.parametrize(
    "attrs",
    [
        {"AWS.reserved": {"DataType": "String", "StringValue": "v"}},
        {"amazon.reserved": {"DataType": "String", "StringValue": "v"}},
        {".leading": {"DataType": "String", "StringValue": "v"}},
        {"trailing.": {"DataType": "String", "StringValue": "v"}},
        {"dou..ble": {"DataType": "String", "StringValue": "v"}},
        {"sp ace": {"DataType": "String", "StringValue": "v"}},
        {"n": {"DataType": "Number", "StringValue": "twelve"}},
        {"n": {"DataType": "Number", "StringValue": "1e200"}},
        {"n": {"DataType": "Number", "StringValue": "1" * 39}},
        {"t": {"DataType": "Text", "StringValue": "v"}},
        {"s": {"DataType": "String"}},
        {"s": {"DataType": "String", "StringValue": ""}},
        {"b": {"DataType": "Binary", "StringValue": "not binary field"}},
        {"s": {"DataType": "String", "StringValue": "bad\x00char"}},
    ],
    ids=[
        "aws-prefix",
        "amazon-prefix",
        "leading-dot",
        "trailing-dot",
        "double-dot",
        "space",
        "number-not-numeric",
        "number-out-of-range",
        "number-39-digits",
        "unknown-type",
        "string-without-value",
        "string-empty-value",
        "binary-without-binary-value",
        "string-invalid-character",
    ],
)
def test_send_message_invalid_attributes(sqs, queue, attrs):
    """Malformed message attributes are InvalidParameterValue and nothing is stored."""
    expect_error(
        "InvalidParameterValue", 400, sqs.send_message, QueueUrl=queue, MessageBody="x", MessageAttributes=attrs
    )
    assert counts(sqs, queue) == (0, 0, 0)


def test_send_message_empty_body(sqs, queue):
    """An empty body counts as a missing MessageBody."""
    expect_error(
        "MissingParameter",
        400,
        sqs.send_message,
        QueueUrl=queue,
        MessageBody="",
        message="The request must contain the parameter MessageBody.",
    )


@pytest.mark.parametrize("delay", [901, -1])
def test_send_message_delay_out_of_range(sqs, queue, delay):
    """DelaySeconds outside 0..900 is InvalidParameterValue."""
    expect_error(
        "InvalidParameterValue",
        400,
        sqs.send_message,
        QueueUrl=queue,
        MessageBody="x",
        DelaySeconds=delay,
        message_contains=f"Value {delay} for parameter DelaySeconds is invalid.",
    )


def test_send_message_delay_seconds(sqs, queue):
    """A delayed message is counted as delayed and not delivered; an undelayed one is."""
    sqs.send_message(QueueUrl=queue, MessageBody="later", DelaySeconds=900)
    sqs.send_message(QueueUrl=queue, MessageBody="now", DelaySeconds=0)
    assert counts(sqs, queue) == (1, 0, 1)
    got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in got] == ["now"]
    assert "Messages" not in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)


def test_queue_delay_applies_and_message_delay_overrides(sqs):
    """The queue's DelaySeconds delays messages; a per-message DelaySeconds=0 overrides it."""
    url = sqs.create_queue(QueueName=unique_name(), Attributes={"DelaySeconds": "900"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="queue-delayed")
    sqs.send_message(QueueUrl=url, MessageBody="override", DelaySeconds=0)
    assert counts(sqs, url) == (1, 0, 1)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in got] == ["override"]


def test_delayed_message_becomes_available_to_long_poll(sqs):
    """A long poll returns a queue-delayed message once its 2 s delay passes."""
    url = sqs.create_queue(QueueName=unique_name(), Attributes={"DelaySeconds": "2"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="soon")
    assert counts(sqs, url) == (0, 0, 1)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    start = time.monotonic()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10).get("Messages", [])
    elapsed = time.monotonic() - start
    assert [m["Body"] for m in got] == ["soon"]
    assert elapsed < 10


# -- ReceiveMessage -----------------------------------------------------------------------------


def test_receive_up_to_ten_messages(sqs, queue):
    """MaxNumberOfMessages caps a receive at 10; every message is eventually delivered once."""
    bodies = {f"m{i}" for i in range(15)}
    for b in sorted(bodies):
        sqs.send_message(QueueUrl=queue, MessageBody=b)
    first = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=600)["Messages"]
    assert 1 <= len(first) <= 10
    one = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1, VisibilityTimeout=600)["Messages"]
    assert len(one) == 1
    rest = drain(sqs, queue)
    got = [m["Body"] for m in first + one + rest]
    assert sorted(got) == sorted(bodies)


def test_receive_default_is_one_message(sqs, queue):
    """Without MaxNumberOfMessages at most one message is returned."""
    for i in range(3):
        sqs.send_message(QueueUrl=queue, MessageBody=str(i))
    assert len(sqs.receive_message(QueueUrl=queue)["Messages"]) == 1


@pytest.mark.parametrize("value", [0, 11])
def test_receive_max_number_out_of_range(sqs, queue, value):
    """MaxNumberOfMessages outside 1..10 is InvalidParameterValue with AWS's text."""
    expect_error(
        "InvalidParameterValue",
        400,
        sqs.receive_message,
        QueueUrl=queue,
        MaxNumberOfMessages=value,
        message=f"Value {value} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, "
        "if provided.",
    )


@pytest.mark.parametrize("value", [21, -1])
def test_receive_wait_time_out_of_range(sqs, queue, value):
    """WaitTimeSeconds outside 0..20 is InvalidParameterValue."""
    expect_error(
        "InvalidParameterValue",
        400,
        sqs.receive_message,
        QueueUrl=queue,
        WaitTimeSeconds=value,
        message_contains=f"Value {value} for parameter WaitTimeSeconds is invalid.",
    )


@pytest.mark.parametrize("value", [43201, -1])
def test_receive_visibility_timeout_out_of_range(sqs, queue, value):
    """A per-call VisibilityTimeout outside 0..43200 is InvalidParameterValue."""
    expect_error(
        "InvalidParameterValue",
        400,
        sqs.receive_message,
        QueueUrl=queue,
        VisibilityTimeout=value,
        message_contains=f"Value {value} for parameter VisibilityTimeout is invalid.",
    )


def test_receive_per_call_visibility_timeout(sqs, queue):
    """VisibilityTimeout=0 leaves the message visible; a longer one hides it."""
    sqs.send_message(QueueUrl=queue, MessageBody="peek")
    a = receive_one(sqs, queue, VisibilityTimeout=0)
    b = receive_one(sqs, queue, VisibilityTimeout=600)
    assert a["MessageId"] == b["MessageId"]
    assert a["ReceiptHandle"] != b["ReceiptHandle"]
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)
    assert counts(sqs, queue) == (0, 1, 0)


def test_visibility_timeout_expiry_and_extension(sqs, queue):
    """A 2 s visibility timeout expires and the message returns, unless ChangeMessageVisibility extended it."""
    sqs.send_message(QueueUrl=queue, MessageBody="expires")
    sqs.send_message(QueueUrl=queue, MessageBody="extended")
    got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=2)["Messages"]
    while len(got) < 2:
        got += sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=2).get("Messages", [])
    by_body = {m["Body"]: m for m in got}
    sqs.change_message_visibility(
        QueueUrl=queue, ReceiptHandle=by_body["extended"]["ReceiptHandle"], VisibilityTimeout=600
    )
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)
    again = sqs.receive_message(
        QueueUrl=queue, WaitTimeSeconds=5, MaxNumberOfMessages=10, AttributeNames=["ApproximateReceiveCount"]
    )
    msgs = again.get("Messages", [])
    assert [m["MessageId"] for m in msgs] == [by_body["expires"]["MessageId"]]
    assert msgs[0]["Attributes"]["ApproximateReceiveCount"] == "2"
    time.sleep(0.3)  # the extended one stays hidden past its original deadline
    assert "Messages" not in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)
    assert counts(sqs, queue) == (0, 2, 0)


def test_queue_visibility_timeout_attribute_is_default(sqs):
    """The queue's VisibilityTimeout applies when the receive does not give one."""
    url = sqs.create_queue(QueueName=unique_name(), Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="sticky")
    receive_one(sqs, url)
    receive_one(sqs, url)  # still visible: the queue's timeout is 0
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "600"})
    receive_one(sqs, url)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


def test_receive_system_attributes_all(sqs, queue):
    """AttributeNames=All returns the system attributes with plausible values."""
    t0 = int(time.time() * 1000)
    sqs.send_message(QueueUrl=queue, MessageBody="sys")
    m = receive_one(sqs, queue, AttributeNames=["All"], VisibilityTimeout=0)
    t1 = int(time.time() * 1000)
    a = m["Attributes"]
    assert {"SenderId", "SentTimestamp", "ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp"} <= set(a)
    assert a["SenderId"]
    assert t0 - 1000 <= int(a["SentTimestamp"]) <= t1 + 1000
    assert int(a["SentTimestamp"]) <= int(a["ApproximateFirstReceiveTimestamp"]) <= t1 + 1000
    assert a["ApproximateReceiveCount"] == "1"


def test_receive_selected_system_attributes_and_receive_count(sqs, queue):
    """Only the named system attributes are returned; ApproximateReceiveCount counts receives."""
    sqs.send_message(QueueUrl=queue, MessageBody="count me")
    seen = []
    first_receive = None
    for _ in range(3):
        m = receive_one(
            sqs,
            queue,
            AttributeNames=["ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp"],
            VisibilityTimeout=0,
        )
        assert set(m["Attributes"]) == {"ApproximateReceiveCount", "ApproximateFirstReceiveTimestamp"}
        seen.append(m["Attributes"]["ApproximateReceiveCount"])
        if first_receive is None:
            first_receive = m["Attributes"]["ApproximateFirstReceiveTimestamp"]
        assert m["Attributes"]["ApproximateFirstReceiveTimestamp"] == first_receive
    assert seen == ["1", "2", "3"]
    m = receive_one(sqs, queue, AttributeNames=["SentTimestamp"], VisibilityTimeout=0)
    assert set(m["Attributes"]) == {"SentTimestamp"}
    m = receive_one(sqs, queue, VisibilityTimeout=0)
    assert "Attributes" not in m


def test_receive_unknown_system_attribute(sqs, queue):
    """An unknown name in AttributeNames is InvalidAttributeName."""
    expect_error("InvalidAttributeName", 400, sqs.receive_message, QueueUrl=queue, AttributeNames=["Colour"])


def test_receive_message_attribute_filters(sqs, queue):
    """MessageAttributeNames selects by name, 'prefix.*', All or '.*'; the MD5 covers only what is returned."""
    attrs = {
        "order.id": {"DataType": "String", "StringValue": "42"},
        "order.total": {"DataType": "Number", "StringValue": "9.99"},
        "customer": {"DataType": "String", "StringValue": "ada"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x01\x02"},
    }
    sent = sqs.send_message(QueueUrl=queue, MessageBody="filtered", MessageAttributes=attrs)
    assert sent["MD5OfMessageAttributes"] == md5_of_message_attributes(attrs)

    def pick(names):
        kwargs = {"VisibilityTimeout": 0}
        if names is not None:
            kwargs["MessageAttributeNames"] = names
        return receive_one(sqs, queue, **kwargs)

    for names, expected in [
        (["All"], set(attrs)),
        ([".*"], set(attrs)),
        (["customer"], {"customer"}),
        (["order.*"], {"order.id", "order.total"}),
        (["customer", "blob"], {"customer", "blob"}),
        (["order.id", "nonexistent"], {"order.id"}),
    ]:
        m = pick(names)
        returned = {k: attrs[k] for k in expected}
        assert m["MessageAttributes"] == returned, names
        assert m["MD5OfMessageAttributes"] == md5_of_message_attributes(returned), names

    for names in (None, ["nonexistent"], ["other.*"]):
        m = pick(names)
        assert "MessageAttributes" not in m, names
        assert "MD5OfMessageAttributes" not in m, names


def test_receive_from_empty_queue(sqs, queue):
    """Receiving from an empty queue returns no Messages element."""
    r = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)
    assert "Messages" not in r
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_long_poll_wakes_on_send(server, sqs, queue):
    """A receive waiting 10 s returns the message another client sends, before the wait expires."""
    result = {}

    def poll():
        c = server.client(read_timeout=40)
        start = time.monotonic()
        result["response"] = c.receive_message(QueueUrl=queue, WaitTimeSeconds=10)
        result["elapsed"] = time.monotonic() - start

    t = threading.Thread(target=poll)
    t.start()
    time.sleep(0.5)
    other = server.client(access_key="AKIDOTHER", secret="other")
    sent = other.send_message(QueueUrl=queue, MessageBody="wake up")
    t.join(timeout=30)
    assert not t.is_alive()
    msgs = result["response"].get("Messages", [])
    assert [m["MessageId"] for m in msgs] == [sent["MessageId"]]
    assert result["elapsed"] < 10


def test_empty_long_poll_returns_empty_after_wait(sqs, queue):
    """WaitTimeSeconds=1 on an empty queue returns an empty answer after waiting."""
    start = time.monotonic()
    r = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)
    elapsed = time.monotonic() - start
    assert "Messages" not in r
    assert elapsed >= 0.9


def test_queue_receive_wait_time_is_default(sqs):
    """ReceiveMessageWaitTimeSeconds on the queue makes receives without WaitTimeSeconds long polls."""
    url = sqs.create_queue(QueueName=unique_name(), Attributes={"ReceiveMessageWaitTimeSeconds": "2"})["QueueUrl"]
    start = time.monotonic()
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    assert time.monotonic() - start >= 1.8
    start = time.monotonic()
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)
    assert time.monotonic() - start < 1.5


# -- DeleteMessage ------------------------------------------------------------------------------


def test_delete_message(sqs, queue):
    """A deleted message is never delivered again, even after its visibility would have expired."""
    sqs.send_message(QueueUrl=queue, MessageBody="bye")
    m = receive_one(sqs, queue, VisibilityTimeout=0)
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
    assert counts(sqs, queue) == (0, 0, 0)
    assert "Messages" not in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)
    # Deleting again with the same handle is not an error.
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])


def test_delete_message_garbage_handle(sqs, queue):
    """A receipt handle the server never issued is ReceiptHandleIsInvalid."""
    expect_error(
        "ReceiptHandleIsInvalid",
        404,
        sqs.delete_message,
        QueueUrl=queue,
        ReceiptHandle="garbage",
        message='The input receipt handle "garbage" is not a valid receipt handle.',
    )


def _tampered(handle):
    i = len(handle) // 2
    return handle[:i] + ("A" if handle[i] != "A" else "B") + handle[i + 1 :]


def test_delete_message_forged_handle(sqs, queue):
    """A valid handle with one character changed is ReceiptHandleIsInvalid and deletes nothing."""
    sqs.send_message(QueueUrl=queue, MessageBody="keep")
    m = receive_one(sqs, queue, VisibilityTimeout=0)
    expect_error(
        "ReceiptHandleIsInvalid", 404, sqs.delete_message, QueueUrl=queue, ReceiptHandle=_tampered(m["ReceiptHandle"])
    )
    assert counts(sqs, queue) == (1, 0, 0)


def test_delete_message_handle_of_other_queue(sqs, queue):
    """A handle issued by another queue is ReceiptHandleIsInvalid here."""
    other = sqs.create_queue(QueueName=unique_name())["QueueUrl"]
    sqs.send_message(QueueUrl=other, MessageBody="elsewhere")
    m = receive_one(sqs, other)
    expect_error("ReceiptHandleIsInvalid", 404, sqs.delete_message, QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
    assert counts(sqs, other) == (0, 1, 0)


def test_delete_message_stale_handle_does_not_delete(sqs, queue):
    """A handle from an earlier receive succeeds but does not delete the re-received message."""
    sqs.send_message(QueueUrl=queue, MessageBody="twice")
    old = receive_one(sqs, queue, VisibilityTimeout=0)
    new = receive_one(sqs, queue, VisibilityTimeout=600)
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=old["ReceiptHandle"])
    assert counts(sqs, queue) == (0, 1, 0)
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=new["ReceiptHandle"])
    assert counts(sqs, queue) == (0, 0, 0)


def test_delete_message_missing_handle(sqs, queue):
    """An empty ReceiptHandle is MissingParameter."""
    expect_error(
        "MissingParameter",
        400,
        sqs.delete_message,
        QueueUrl=queue,
        ReceiptHandle="",
        message="The request must contain the parameter ReceiptHandle.",
    )


# -- ChangeMessageVisibility --------------------------------------------------------------------


def test_change_visibility_zero_makes_message_visible(sqs, queue):
    """ChangeMessageVisibility 0 returns an in-flight message to the queue at once."""
    sqs.send_message(QueueUrl=queue, MessageBody="return me")
    m = receive_one(sqs, queue, VisibilityTimeout=600)
    assert counts(sqs, queue) == (0, 1, 0)
    sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
    assert counts(sqs, queue) == (1, 0, 0)
    again = receive_one(sqs, queue, AttributeNames=["ApproximateReceiveCount"])
    assert again["MessageId"] == m["MessageId"]
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"


@pytest.mark.parametrize("value", [43201, -1])
def test_change_visibility_out_of_range(sqs, queue, value):
    """VisibilityTimeout outside 0..43200 is InvalidParameterValue."""
    sqs.send_message(QueueUrl=queue, MessageBody="range")
    m = receive_one(sqs, queue, VisibilityTimeout=600)
    expect_error(
        "InvalidParameterValue",
        400,
        sqs.change_message_visibility,
        QueueUrl=queue,
        ReceiptHandle=m["ReceiptHandle"],
        VisibilityTimeout=value,
        message_contains=f"Value {value} for parameter VisibilityTimeout is invalid.",
    )
    assert counts(sqs, queue) == (0, 1, 0)


def test_change_visibility_capped_at_twelve_hours_after_receive(sqs, queue):
    """A message stays invisible at most 43200 s after its receive: once a second has passed,
    VisibilityTimeout=43200 is refused with AWS's text, in both the single and batch forms."""
    sqs.send_message(QueueUrl=queue, MessageBody="cap")
    m = receive_one(sqs, queue, VisibilityTimeout=600)
    time.sleep(1.1)  # the cap counts whole seconds since the receive
    expect_error(
        "InvalidParameterValue",
        400,
        sqs.change_message_visibility,
        QueueUrl=queue,
        ReceiptHandle=m["ReceiptHandle"],
        VisibilityTimeout=43200,
        message="Value 43200 for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout "
        "for the message is beyond the limit [43200 seconds]",
    )
    r = sqs.change_message_visibility_batch(
        QueueUrl=queue, Entries=[{"Id": "a", "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 43200}]
    )
    assert [(f["Id"], f["Code"], f["SenderFault"]) for f in r["Failed"]] == [("a", "InvalidParameterValue", True)]
    sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=43000)
    assert counts(sqs, queue) == (0, 1, 0)


def test_change_visibility_garbage_handle(sqs, queue):
    """A handle the server never issued is ReceiptHandleIsInvalid."""
    expect_error(
        "ReceiptHandleIsInvalid",
        404,
        sqs.change_message_visibility,
        QueueUrl=queue,
        ReceiptHandle="garbage",
        VisibilityTimeout=10,
        message='The input receipt handle "garbage" is not a valid receipt handle.',
    )


def test_change_visibility_forged_handle(sqs, queue):
    """A tampered handle is ReceiptHandleIsInvalid."""
    sqs.send_message(QueueUrl=queue, MessageBody="forge")
    m = receive_one(sqs, queue, VisibilityTimeout=600)
    expect_error(
        "ReceiptHandleIsInvalid",
        404,
        sqs.change_message_visibility,
        QueueUrl=queue,
        ReceiptHandle=_tampered(m["ReceiptHandle"]),
        VisibilityTimeout=0,
    )
    assert counts(sqs, queue) == (0, 1, 0)


def test_change_visibility_stale_handle(sqs, queue):
    """A handle from an earlier receive cannot change the visibility of the newer receive."""
    sqs.send_message(QueueUrl=queue, MessageBody="stale")
    old = receive_one(sqs, queue, VisibilityTimeout=0)
    receive_one(sqs, queue, VisibilityTimeout=600)
    handle = old["ReceiptHandle"]
    expect_error(
        "InvalidParameterValue",
        400,
        sqs.change_message_visibility,
        QueueUrl=queue,
        ReceiptHandle=handle,
        VisibilityTimeout=0,
        message=f"Value {handle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is "
        "not available for visibility timeout change.",
    )
    assert counts(sqs, queue) == (0, 1, 0)


def test_change_visibility_after_delete(sqs, queue):
    """Changing the visibility of a deleted message is InvalidParameterValue."""
    sqs.send_message(QueueUrl=queue, MessageBody="gone")
    m = receive_one(sqs, queue, VisibilityTimeout=600)
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
    expect_error(
        "InvalidParameterValue",
        400,
        sqs.change_message_visibility,
        QueueUrl=queue,
        ReceiptHandle=m["ReceiptHandle"],
        VisibilityTimeout=5,
        message_contains="Message does not exist or is not available for visibility timeout change.",
    )


def test_long_poll_wakes_on_change_visibility(server, sqs, queue):
    """A waiting receive gets a message another client returns with ChangeMessageVisibility 0."""
    sqs.send_message(QueueUrl=queue, MessageBody="returned")
    held = receive_one(sqs, queue, VisibilityTimeout=600)
    result = {}

    def poll():
        start = time.monotonic()
        result["response"] = server.client(read_timeout=40).receive_message(QueueUrl=queue, WaitTimeSeconds=10)
        result["elapsed"] = time.monotonic() - start

    t = threading.Thread(target=poll)
    t.start()
    time.sleep(0.5)
    sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=held["ReceiptHandle"], VisibilityTimeout=0)
    t.join(timeout=30)
    assert not t.is_alive()
    assert [m["MessageId"] for m in result["response"].get("Messages", [])] == [held["MessageId"]]
    assert result["elapsed"] < 10


def test_two_long_polls_one_message(server, sqs, queue):
    """Two waiting receives, one message: one gets it, the other keeps waiting and ends empty."""
    results = []
    lock = threading.Lock()

    def poll():
        start = time.monotonic()
        c = server.client(read_timeout=40)
        r = c.receive_message(QueueUrl=queue, WaitTimeSeconds=2, VisibilityTimeout=600)
        with lock:
            results.append((r.get("Messages", []), time.monotonic() - start))

    threads = [threading.Thread(target=poll) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(0.4)
    sent = sqs.send_message(QueueUrl=queue, MessageBody="only one")
    for t in threads:
        t.join(timeout=30)
    got = [r for r in results if r[0]]
    empty = [r for r in results if not r[0]]
    assert len(got) == 1 and len(empty) == 1, results
    assert got[0][0][0]["MessageId"] == sent["MessageId"]
    assert got[0][1] < 2
    assert empty[0][1] >= 1.8  # it did not give up when the message went to the other receive


def test_concurrent_receivers_get_each_message_once(server, sqs, queue):
    """Competing receivers never get the same in-flight message twice; together they get all."""
    total = 120
    for start in range(0, total, 10):
        sqs.send_message_batch(
            QueueUrl=queue, Entries=[{"Id": f"e{i}", "MessageBody": f"job-{i}"} for i in range(start, start + 10)]
        )
    seen = []
    lock = threading.Lock()

    def worker():
        c = server.client()
        empty = 0
        while empty < 2:
            r = c.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=600)
            msgs = r.get("Messages", [])
            if not msgs:
                empty += 1
                continue
            empty = 0
            with lock:
                seen.extend(m["MessageId"] for m in msgs)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(seen) == total
    assert len(set(seen)) == total
    assert counts(sqs, queue) == (0, total, 0)


def test_aws_trace_header_system_attribute(sqs, queue):
    """MessageSystemAttributes AWSTraceHeader is digested into MD5OfMessageSystemAttributes and returned."""
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    system = {"AWSTraceHeader": {"DataType": "String", "StringValue": trace}}
    sent = sqs.send_message(QueueUrl=queue, MessageBody="traced", MessageSystemAttributes=system)
    assert sent["MD5OfMessageSystemAttributes"] == md5_of_message_attributes(system)
    assert "MD5OfMessageAttributes" not in sent
    m = receive_one(sqs, queue, AttributeNames=["AWSTraceHeader"])
    assert m["Attributes"] == {"AWSTraceHeader": trace}
    assert "MessageAttributes" not in m


def test_only_aws_trace_header_is_a_system_attribute(sqs, queue):
    """Any other message system attribute name is InvalidParameterValue."""
    expect_error(
        "InvalidParameterValue",
        400,
        sqs.send_message,
        QueueUrl=queue,
        MessageBody="x",
        MessageSystemAttributes={"SenderId": {"DataType": "String", "StringValue": "me"}},
    )


def test_zero_visibility_receive_returns_each_message_once(sqs, queue):
    """A receive with VisibilityTimeout=0 and room for 10 does not repeat a message within one answer."""
    sqs.send_message(QueueUrl=queue, MessageBody="single")
    msgs = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=0)["Messages"]
    assert [m["Body"] for m in msgs] == ["single"]
