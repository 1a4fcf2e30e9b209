"""SendMessageBatch, DeleteMessageBatch and ChangeMessageVisibilityBatch: per-entry and batch-level errors."""

import pytest

from conftest import counts, drain, expect_error, md5_hex, md5_of_message_attributes

BATCH_ACTIONS = {
    "send": ("send_message_batch", "SendMessageBatchRequestEntry", lambda i: {"Id": i, "MessageBody": "x"}),
    "delete": (
        "delete_message_batch",
        "DeleteMessageBatchRequestEntry",
        lambda i: {"Id": i, "ReceiptHandle": "h"},
    ),
    "visibility": (
        "change_message_visibility_batch",
        "ChangeMessageVisibilityBatchRequestEntry",
        lambda i: {"Id": i, "ReceiptHandle": "h", "VisibilityTimeout": 1},
    ),
}


def test_send_message_batch(sqs, queue):
    """Every entry is stored and answered with its Id, MessageId and MD5s."""
    attrs = {
        "kind": {"DataType": "String", "StringValue": "batched"},
        "n": {"DataType": "Number", "StringValue": "7"},
    }
    entries = [{"Id": f"e{i}", "MessageBody": f"body {i}"} for i in range(9)]
    entries.append({"Id": "with-attrs_1", "MessageBody": "attrs", "MessageAttributes": attrs})
    r = sqs.send_message_batch(QueueUrl=queue, Entries=entries)
    assert r.get("Failed", []) == []
    by_id = {e["Id"]: e for e in r["Successful"]}
    assert set(by_id) == {e["Id"] for e in entries}
    for e in entries:
        got = by_id[e["Id"]]
        assert got["MD5OfMessageBody"] == md5_hex(e["MessageBody"])
        assert got["MessageId"]
    assert by_id["with-attrs_1"]["MD5OfMessageAttributes"] == md5_of_message_attributes(attrs)
    assert "MD5OfMessageAttributes" not in by_id["e0"]
    assert len({e["MessageId"] for e in r["Successful"]}) == 10

    received = drain(sqs, queue)
    assert sorted(m["Body"] for m in received) == sorted(e["MessageBody"] for e in entries)
    ids = {m["MessageId"]: m for m in received}
    assert set(ids) == {e["MessageId"] for e in r["Successful"]}


def test_send_message_batch_entry_delay(sqs, queue):
    """A per-entry DelaySeconds delays only that entry."""
    r = sqs.send_message_batch(
        QueueUrl=queue,
        Entries=[
            {"Id": "now", "MessageBody": "now"},
            {"Id": "later", "MessageBody": "later", "DelaySeconds": 900},
        ],
    )
    assert len(r["Successful"]) == 2
    assert counts(sqs, queue) == (1, 0, 1)


def test_send_message_batch_partial_failure(sqs, queue):
    """Invalid entries fail individually with their error; the valid ones are stored (HTTP 200)."""
    r = sqs.send_message_batch(
        QueueUrl=queue,
        Entries=[
            {"Id": "ok1", "MessageBody": "fine"},
            {"Id": "badchar", "MessageBody": "nul\x00"},
            {"Id": "baddelay", "MessageBody": "x", "DelaySeconds": 901},
            {
                "Id": "badattr",
                "MessageBody": "x",
                "MessageAttributes": {"n": {"DataType": "Number", "StringValue": "x"}},
            },
            {"Id": "ok2", "MessageBody": "also fine"},
        ],
    )
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert sorted(e["Id"] for e in r["Successful"]) == ["ok1", "ok2"]
    failed = {e["Id"]: e for e in r["Failed"]}
    assert set(failed) == {"badchar", "baddelay", "badattr"}
    assert failed["badchar"]["Code"] == "InvalidMessageContents"
    assert failed["baddelay"]["Code"] == "InvalidParameterValue"
    assert failed["badattr"]["Code"] == "InvalidParameterValue"
    for e in failed.values():
        assert e["SenderFault"] is True
        assert e["Message"]
    assert sorted(m["Body"] for m in drain(sqs, queue)) == ["also fine", "fine"]


@pytest.mark.parametrize("action", sorted(BATCH_ACTIONS))
def test_batch_empty(sqs, queue, action):
    """A batch without entries is AWS.SimpleQueueService.EmptyBatchRequest."""
    method, entry_name, _ = BATCH_ACTIONS[action]
    expect_error(
        "AWS.SimpleQueueService.EmptyBatchRequest",
        400,
        getattr(sqs, method),
        QueueUrl=queue,
        Entries=[],
        message=f"There should be at least one {entry_name} in the request.",
    )


@pytest.mark.parametrize("action", sorted(BATCH_ACTIONS))
def test_batch_too_many_entries(sqs, queue, action):
    """More than 10 entries is AWS.SimpleQueueService.TooManyEntriesInBatchRequest with AWS's text."""
    method, _, entry = BATCH_ACTIONS[action]
    expect_error(
        "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
        400,
        getattr(sqs, method),
        QueueUrl=queue,
        Entries=[entry(f"id{i}") for i in range(11)],
        message="Maximum number of entries per request are 10. You have sent 11.",
    )
    assert counts(sqs, queue) == (0, 0, 0)


@pytest.mark.parametrize("action", sorted(BATCH_ACTIONS))
def test_batch_duplicate_ids(sqs, queue, action):
    """Repeated entry ids are AWS.SimpleQueueService.BatchEntryIdsNotDistinct and nothing is done."""
    method, _, entry = BATCH_ACTIONS[action]
    expect_error(
        "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
        400,
        getattr(sqs, method),
        QueueUrl=queue,
        Entries=[entry("same"), entry("other"), entry("same")],
    )
    assert counts(sqs, queue) == (0, 0, 0)


@pytest.mark.parametrize(
    "bad_id", ["has space", "a" * 81, "dot.ted", ""], ids=["space", "too-long", "dot", "empty"]
)
def test_batch_invalid_entry_id(sqs, queue, bad_id):
    """Entry ids outside [A-Za-z0-9_-]{1,80} are AWS.SimpleQueueService.InvalidBatchEntryId."""
    expect_error(
        "AWS.SimpleQueueService.InvalidBatchEntryId",
        400,
        sqs.send_message_batch,
        QueueUrl=queue,
        Entries=[{"Id": "fine", "MessageBody": "x"}, {"Id": bad_id, "MessageBody": "x"}],
        message="A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be "
        "at most 80 letters long.",
    )
    assert counts(sqs, queue) == (0, 0, 0)


def test_send_message_batch_too_long(sqs, queue):
    """Entries totalling more than 1 MiB are AWS.SimpleQueueService.BatchRequestTooLong; nothing is stored."""
    expect_error(
        "AWS.SimpleQueueService.BatchRequestTooLong",
        400,
        sqs.send_message_batch,
        QueueUrl=queue,
        Entries=[{"Id": "a", "MessageBody": "x" * 600000}, {"Id": "b", "MessageBody": "y" * 600000}],
        message="Batch requests cannot be longer than 1048576 bytes. You have sent 1200000 bytes.",
    )
    assert counts(sqs, queue) == (0, 0, 0)


def test_send_message_batch_exactly_one_mib(sqs, queue):
    """Entries totalling exactly 1 MiB are accepted."""
    half = 1048576 // 2
    r = sqs.send_message_batch(
        QueueUrl=queue, Entries=[{"Id": "a", "MessageBody": "x" * half}, {"Id": "b", "MessageBody": "y" * half}]
    )
    assert len(r["Successful"]) == 2


def test_delete_message_batch(sqs, queue):
    """Entries with valid handles are deleted; garbage handles fail per entry."""
    sqs.send_message_batch(QueueUrl=queue, Entries=[{"Id": f"m{i}", "MessageBody": str(i)} for i in range(5)])
    msgs = drain(sqs, queue)
    assert len(msgs) == 5
    entries = [{"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs[:4])]
    entries.append({"Id": "junk", "ReceiptHandle": "garbage"})
    r = sqs.delete_message_batch(QueueUrl=queue, Entries=entries)
    assert sorted(e["Id"] for e in r["Successful"]) == ["d0", "d1", "d2", "d3"]
    assert len(r["Failed"]) == 1
    f = r["Failed"][0]
    assert f["Id"] == "junk"
    assert f["Code"] == "ReceiptHandleIsInvalid"
    assert f["SenderFault"] is True
    assert f["Message"] == 'The input receipt handle "garbage" is not a valid receipt handle.'
    assert counts(sqs, queue) == (0, 1, 0)


def test_change_message_visibility_batch(sqs, queue):
    """Valid entries change visibility; out-of-range timeouts and garbage handles fail per entry."""
    sqs.send_message_batch(QueueUrl=queue, Entries=[{"Id": f"m{i}", "MessageBody": str(i)} for i in range(3)])
    msgs = drain(sqs, queue)
    assert len(msgs) == 3
    r = sqs.change_message_visibility_batch(
        QueueUrl=queue,
        Entries=[
            {"Id": "show", "ReceiptHandle": msgs[0]["ReceiptHandle"], "VisibilityTimeout": 0},
            {"Id": "keep", "ReceiptHandle": msgs[1]["ReceiptHandle"], "VisibilityTimeout": 3600},
            {"Id": "range", "ReceiptHandle": msgs[2]["ReceiptHandle"], "VisibilityTimeout": 43201},
            {"Id": "junk", "ReceiptHandle": "garbage", "VisibilityTimeout": 0},
        ],
    )
    assert sorted(e["Id"] for e in r["Successful"]) == ["keep", "show"]
    failed = {e["Id"]: e for e in r["Failed"]}
    assert failed["range"]["Code"] == "InvalidParameterValue"
    assert failed["junk"]["Code"] == "ReceiptHandleIsInvalid"
    assert all(e["SenderFault"] is True for e in failed.values())
    assert counts(sqs, queue) == (1, 2, 0)
    again = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    assert [m["MessageId"] for m in again] == [msgs[0]["MessageId"]]


def test_batch_on_nonexistent_queue(server, sqs):
    """A batch addressed to an unknown queue fails as a whole with NonExistentQueue."""
    url = f"{server.endpoint}/000000000000/no-such-batch-queue"
    expect_error(
        "AWS.SimpleQueueService.NonExistentQueue",
        400,
        sqs.send_message_batch,
        QueueUrl=url,
        Entries=[{"Id": "a", "MessageBody": "x"}],
    )
