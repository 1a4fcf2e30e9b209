"""FIFO queues: naming, attributes, group order and locking, deduplication, attempt ids; fair queues."""

import hashlib

import pytest

from conftest import counts, expect_error, unique_name

FIFO_NAME_RULE = (
    "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, "
    "must end with .fifo suffix and be 1 to 80 in length."
)


def fifo_queue(sqs, **attrs):
    attributes = {"FifoQueue": "true"}
    attributes.update(attrs)
    return sqs.create_queue(QueueName=unique_name("f") + ".fifo", Attributes=attributes)["QueueUrl"]


def test_create_fifo_queue_attributes(sqs):
    """A FIFO queue reports FifoQueue and its FIFO attributes with AWS's defaults."""
    url = fifo_queue(sqs)
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["FifoQueue"] == "true"
    assert attrs["ContentBasedDeduplication"] == "false"
    assert attrs["DeduplicationScope"] == "queue"
    assert attrs["FifoThroughputLimit"] == "perQueue"
    url2 = fifo_queue(sqs, ContentBasedDeduplication="true", DeduplicationScope="messageGroup",
                      FifoThroughputLimit="perMessageGroupId")
    attrs = sqs.get_queue_attributes(QueueUrl=url2, AttributeNames=["All"])["Attributes"]
    assert attrs["ContentBasedDeduplication"] == "true"
    assert attrs["DeduplicationScope"] == "messageGroup"
    assert attrs["FifoThroughputLimit"] == "perMessageGroupId"


def test_fifo_name_without_attribute(sqs):
    """A .fifo name without FifoQueue=true is refused."""
    expect_error(
        "InvalidParameterValue", 400, sqs.create_queue, QueueName=unique_name("f") + ".fifo", message=FIFO_NAME_RULE
    )


def test_fifo_attribute_without_name(sqs):
    """FifoQueue=true on a name without .fifo is refused."""
    expect_error(
        "InvalidParameterValue",
        400,
        sqs.create_queue,
        QueueName=unique_name("f"),
        Attributes={"FifoQueue": "true"},
        message=FIFO_NAME_RULE,
    )


@pytest.mark.parametrize(
    "attribute,value",
    [("ContentBasedDeduplication", "true"), ("DeduplicationScope", "queue"), ("FifoThroughputLimit", "perQueue")],
)
def test_fifo_only_attributes_on_standard_queue(sqs, attribute, value):
    """FIFO-only attributes on a standard queue are InvalidAttributeName."""
    expect_error(
        "InvalidAttributeName", 400, sqs.create_queue, QueueName=unique_name(), Attributes={attribute: value}
    )


@pytest.mark.parametrize(
    "attribute,value",
    [("ContentBasedDeduplication", "maybe"), ("DeduplicationScope", "global"), ("FifoThroughputLimit", "fast")],
)
def test_fifo_attribute_invalid_values(sqs, attribute, value):
    """Invalid values of FIFO attributes are InvalidAttributeValue."""
    url = fifo_queue(sqs)
    expect_error(
        "InvalidAttributeValue",
        400,
        sqs.set_queue_attributes,
        QueueUrl=url,
        Attributes={attribute: value},
        message_contains=f"Invalid value for the parameter {attribute}",
    )


def test_fifo_queue_type_cannot_change(sqs):
    """FifoQueue cannot be changed after creation."""
    url = fifo_queue(sqs)
    expect_error(
        "InvalidAttributeValue",
        400,
        sqs.set_queue_attributes,
        QueueUrl=url,
        Attributes={"FifoQueue": "false"},
        message="Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.",
    )


def test_fifo_send_requires_group_id(sqs):
    """A send to a FIFO queue without MessageGroupId is MissingParameter."""
    url = fifo_queue(sqs)
    expect_error(
        "MissingParameter",
        400,
        sqs.send_message,
        QueueUrl=url,
        MessageBody="x",
        MessageDeduplicationId="d",
        message="The request must contain the parameter MessageGroupId.",
    )


def test_fifo_send_requires_dedup_id_without_content_based(sqs):
    """Without ContentBasedDeduplication a MessageDeduplicationId is required."""
    url = fifo_queue(sqs)
    expect_error(
        "InvalidParameterValue",
        400,
        sqs.send_message,
        QueueUrl=url,
        MessageBody="x",
        MessageGroupId="g",
        message="The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId "
        "provided explicitly",
    )


def test_fifo_per_message_delay_refused(sqs):
    """Per-message DelaySeconds is not valid on a FIFO queue."""
    url = fifo_queue(sqs, ContentBasedDeduplication="true")
    expect_error(
        "InvalidParameterValue",
        400,
        sqs.send_message,
        QueueUrl=url,
        MessageBody="x",
        MessageGroupId="g",
        DelaySeconds=5,
    )


@pytest.mark.parametrize(
    "value", ["", "a" * 129, "has space", "tab\tchar"], ids=["empty", "too-long", "space", "tab"]
)
def test_fifo_group_id_rules(sqs, value):
    """MessageGroupId must be 1-128 printable ASCII characters without spaces."""
    url = fifo_queue(sqs, ContentBasedDeduplication="true")
    expect_error(
        "InvalidParameterValue", 400, sqs.send_message, QueueUrl=url, MessageBody="x", MessageGroupId=value
    )


def test_dedup_id_on_standard_queue_refused(sqs, queue):
    """MessageDeduplicationId is not valid on a standard queue."""
    expect_error(
        "InvalidParameterValue", 400, sqs.send_message, QueueUrl=queue, MessageBody="x", MessageDeduplicationId="d"
    )


def test_fifo_order_and_sequence_numbers(sqs):
    """Messages of a group arrive in send order; SequenceNumber grows with each send."""
    url = fifo_queue(sqs, ContentBasedDeduplication="true")
    sent = [sqs.send_message(QueueUrl=url, MessageBody=f"m{i}", MessageGroupId="g") for i in range(8)]
    seqs = [int(s["SequenceNumber"]) for s in sent]
    assert seqs == sorted(seqs) and len(set(seqs)) == 8
    got = []
    while len(got) < 8:
        r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3, AttributeNames=["All"])
        msgs = r.get("Messages", [])
        assert msgs, f"stalled after {len(got)} messages"
        for m in msgs:
            got.append(m)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert [m["Body"] for m in got] == [f"m{i}" for i in range(8)]
    assert [m["Attributes"]["SequenceNumber"] for m in got] == [s["SequenceNumber"] for s in sent]
    assert all(m["Attributes"]["MessageGroupId"] == "g" for m in got)


def test_fifo_group_locked_while_in_flight(sqs):
    """While a group's message is in flight no later message of the group is delivered; other groups are."""
    url = fifo_queue(sqs, ContentBasedDeduplication="true")
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"a{i}", MessageGroupId="A")
    sqs.send_message(QueueUrl=url, MessageBody="b0", MessageGroupId="B")
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=600)["Messages"]
    assert [m["Body"] for m in first] == ["a0"]
    more = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=600).get("Messages", [])
    assert [m["Body"] for m in more] == ["b0"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    # Returning a0 unlocks group A again, starting from a0.
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"], VisibilityTimeout=0)
    again = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=600)["Messages"]
    assert [m["Body"] for m in again][:1] == ["a0"]
    assert [m["Body"] for m in again] == ["a0", "a1", "a2"][: len(again)]


def test_fifo_explicit_deduplication(sqs):
    """A repeated MessageDeduplicationId is accepted, not enqueued, and answered with the original ids."""
    url = fifo_queue(sqs)
    a = sqs.send_message(QueueUrl=url, MessageBody="first", MessageGroupId="g", MessageDeduplicationId="dup-1")
    b = sqs.send_message(QueueUrl=url, MessageBody="second", MessageGroupId="g", MessageDeduplicationId="dup-1")
    assert b["MessageId"] == a["MessageId"]
    assert b["SequenceNumber"] == a["SequenceNumber"]
    assert b["MD5OfMessageBody"] == hashlib.md5(b"second").hexdigest()
    assert counts(sqs, url) == (1, 0, 0)
    m = sqs.receive_message(QueueUrl=url, AttributeNames=["MessageDeduplicationId"])["Messages"][0]
    assert m["Body"] == "first"
    assert m["Attributes"]["MessageDeduplicationId"] == "dup-1"
    # Still deduplicated after the original is deleted.
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    c = sqs.send_message(QueueUrl=url, MessageBody="third", MessageGroupId="g", MessageDeduplicationId="dup-1")
    assert c["MessageId"] == a["MessageId"]
    assert counts(sqs, url) == (0, 0, 0)


def test_fifo_content_based_deduplication(sqs):
    """With ContentBasedDeduplication the dedup id is the SHA-256 of the body."""
    url = fifo_queue(sqs, ContentBasedDeduplication="true")
    a = sqs.send_message(QueueUrl=url, MessageBody="same body", MessageGroupId="g1")
    b = sqs.send_message(QueueUrl=url, MessageBody="same body", MessageGroupId="g2")
    c = sqs.send_message(QueueUrl=url, MessageBody="other body", MessageGroupId="g1")
    assert b["MessageId"] == a["MessageId"]
    assert c["MessageId"] != a["MessageId"]
    assert counts(sqs, url) == (2, 0, 0)
    msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
    dedup = {m["Body"]: m["Attributes"]["MessageDeduplicationId"] for m in msgs}
    assert dedup["same body"] == hashlib.sha256(b"same body").hexdigest()


def test_fifo_batch_keeps_order(sqs):
    """A SendMessageBatch to a FIFO queue keeps entry order within a group."""
    url = fifo_queue(sqs, ContentBasedDeduplication="true")
    r = sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": f"e{i}", "MessageBody": f"b{i}", "MessageGroupId": "g"} for i in range(10)]
    )
    assert len(r["Successful"]) == 10
    assert all("SequenceNumber" in e for e in r["Successful"])
    got = []
    while len(got) < 10:
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        assert msgs
        for m in msgs:
            got.append(m["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert got == [f"b{i}" for i in range(10)]


def test_fifo_receive_request_attempt_id(sqs):
    """Retrying a receive with the same ReceiveRequestAttemptId returns the same messages and handles."""
    url = fifo_queue(sqs, ContentBasedDeduplication="true")
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"r{i}", MessageGroupId=f"g{i}")
    def receive(attempt, n):
        return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=n, ReceiveRequestAttemptId=attempt)["Messages"]

    first = receive("attempt-1", 2)
    retry = receive("attempt-1", 2)
    def pairs(msgs):
        return [(m["MessageId"], m["ReceiptHandle"]) for m in msgs]

    assert pairs(retry) == pairs(first)
    other = receive("attempt-2", 10)
    assert {m["MessageId"] for m in other}.isdisjoint({m["MessageId"] for m in first})
    for m in first:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def test_fair_queue_group_id_on_standard_queue(sqs, queue):
    """On a standard queue MessageGroupId names a tenant; a noisy tenant is served after quieter ones."""
    for i in range(20):
        sqs.send_message(QueueUrl=queue, MessageBody=f"noisy-{i}", MessageGroupId="noisy")
    for i in range(2):
        sqs.send_message(QueueUrl=queue, MessageBody=f"quiet-{i}", MessageGroupId="quiet")
    first = sqs.receive_message(
        QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=600, AttributeNames=["MessageGroupId"]
    )["Messages"]
    for m in first:
        assert m["Attributes"]["MessageGroupId"] == m["Body"].split("-")[0]
    second = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=600)["Messages"]
    # Oldest first would hand out noisy-10..19 next; the quiet tenant must not wait behind them.
    delivered = [m["Body"] for m in first + second]
    assert {"quiet-0", "quiet-1"} <= set(delivered)
