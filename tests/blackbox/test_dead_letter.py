"""Dead-letter queues: redrive policies, redrive on maxReceiveCount, source listing and move tasks."""

import base64
import json
import time
import xml.etree.ElementTree as ET

import pytest

from conftest import counts, drain, expect_error, parse_query_error, unique_name

NS = "{http://queue.amazonaws.com/doc/2012-11-05/}"


def arn_of(sqs, url):
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def make_pair(sqs, max_receive_count=1, fifo=False):
    """A source queue whose RedrivePolicy points at a new dead-letter queue: (source, dlq, dlq_arn)."""
    suffix = ".fifo" if fifo else ""
    extra = {"FifoQueue": "true", "ContentBasedDeduplication": "true"} if fifo else {}
    dlq = sqs.create_queue(QueueName=unique_name("dlq") + suffix, Attributes=dict(extra))["QueueUrl"]
    dlq_arn = arn_of(sqs, dlq)
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count})
    attrs = dict(extra, RedrivePolicy=policy)
    source = sqs.create_queue(QueueName=unique_name("src") + suffix, Attributes=attrs)["QueueUrl"]
    return source, dlq, dlq_arn


def dead_letter(sqs, source, n, max_receive_count=1):
    """Receives each of n messages max_receive_count times, then once more so they move."""
    for _ in range(max_receive_count):
        seen = set()
        while len(seen) < n:
            for m in sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10, VisibilityTimeout=0).get(
                "Messages", []
            ):
                seen.add(m["MessageId"])
    assert "Messages" not in sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10, VisibilityTimeout=0)


def query(server, action, **params):
    st, _, body = server.raw_query(dict({"Action": action, "Version": "2012-11-05"}, **params))
    return st, body


def move_tasks(server, source_arn, max_results=10):
    st, body = query(server, "ListMessageMoveTasks", SourceArn=source_arn, MaxResults=max_results)
    assert st == 200, body
    out = []
    for e in ET.fromstring(body).iter(f"{NS}ListMessageMoveTasksResultEntry"):
        out.append({c.tag[len(NS):]: c.text for c in e})
    return out


def wait_for_task(server, source_arn, statuses, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tasks = move_tasks(server, source_arn, 1)
        if tasks and tasks[0]["Status"] in statuses:
            return tasks[0]
        time.sleep(0.1)
    raise AssertionError(f"move task did not reach {statuses}: {move_tasks(server, source_arn, 1)}")


def start_task(server, source_arn, **params):
    st, body = query(server, "StartMessageMoveTask", SourceArn=source_arn, **params)
    assert st == 200, body
    return ET.fromstring(body).find(f"{NS}StartMessageMoveTaskResult/{NS}TaskHandle").text


# -- redrive --------------------------------------------------------------------------------------


def test_message_moves_after_max_receive_count(sqs):
    """After maxReceiveCount receives the next receive moves the message, intact, to the DLQ."""
    source, dlq, _ = make_pair(sqs, max_receive_count=2)
    source_arn = arn_of(sqs, source)
    attrs = {"k": {"DataType": "String", "StringValue": "v"}}
    sent = sqs.send_message(QueueUrl=source, MessageBody="poison", MessageAttributes=attrs)
    for expected in ("1", "2"):
        m = sqs.receive_message(QueueUrl=source, VisibilityTimeout=0, AttributeNames=["ApproximateReceiveCount"])[
            "Messages"
        ][0]
        assert m["Attributes"]["ApproximateReceiveCount"] == expected
    assert "Messages" not in sqs.receive_message(QueueUrl=source, VisibilityTimeout=0)
    assert counts(sqs, source) == (0, 0, 0)
    assert counts(sqs, dlq) == (1, 0, 0)
    moved = sqs.receive_message(QueueUrl=dlq, AttributeNames=["All"], MessageAttributeNames=["All"])["Messages"][0]
    assert moved["MessageId"] == sent["MessageId"]
    assert moved["Body"] == "poison"
    assert moved["MessageAttributes"] == attrs
    assert moved["Attributes"]["DeadLetterQueueSourceArn"] == source_arn


def test_dlq_attributes_and_removal(sqs):
    """RedrivePolicy reads back as JSON; setting it to '' removes it."""
    source, _, dlq_arn = make_pair(sqs, max_receive_count=5)
    attrs = sqs.get_queue_attributes(QueueUrl=source, AttributeNames=["RedrivePolicy"])["Attributes"]
    policy = json.loads(attrs["RedrivePolicy"])
    assert policy["deadLetterTargetArn"] == dlq_arn
    assert int(policy["maxReceiveCount"]) == 5
    sqs.set_queue_attributes(QueueUrl=source, Attributes={"RedrivePolicy": ""})
    assert "RedrivePolicy" not in sqs.get_queue_attributes(QueueUrl=source, AttributeNames=["All"])["Attributes"]
    sqs.send_message(QueueUrl=source, MessageBody="stays")
    for _ in range(7):
        assert sqs.receive_message(QueueUrl=source, VisibilityTimeout=0)["Messages"]


@pytest.mark.parametrize(
    "make_policy,reason",
    [
        (lambda arn: json.dumps({"deadLetterTargetArn": arn + "-missing", "maxReceiveCount": 3}), "does not exist"),
        (lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 0}), "maxReceiveCount"),
        (lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 1001}), "maxReceiveCount"),
        (lambda arn: json.dumps({"maxReceiveCount": 3}), "deadLetterTargetArn"),
        (lambda arn: json.dumps({"deadLetterTargetArn": arn}), "maxReceiveCount"),
        (lambda arn: "{not json", "JSON"),
    ],
    ids=["missing-target", "count-0", "count-1001", "no-target", "no-count", "not-json"],
)
def test_invalid_redrive_policy(sqs, make_policy, reason):
    """Malformed or impossible RedrivePolicy values are InvalidParameterValue naming the parameter."""
    dlq = sqs.create_queue(QueueName=unique_name("dlq"))["QueueUrl"]
    policy = make_policy(arn_of(sqs, dlq))
    resp = expect_error(
        "InvalidParameterValue",
        400,
        sqs.create_queue,
        QueueName=unique_name("src"),
        Attributes={"RedrivePolicy": policy},
        message_contains=f"Value {policy} for parameter RedrivePolicy is invalid.",
    )
    assert reason in resp["Error"]["Message"]
    url = sqs.create_queue(QueueName=unique_name("src"))["QueueUrl"]
    expect_error(
        "InvalidParameterValue", 400, sqs.set_queue_attributes, QueueUrl=url, Attributes={"RedrivePolicy": policy}
    )


def test_dlq_must_match_queue_type(sqs):
    """A standard queue cannot dead-letter into a FIFO queue."""
    fifo = sqs.create_queue(QueueName=unique_name("dlq") + ".fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    policy = json.dumps({"deadLetterTargetArn": arn_of(sqs, fifo), "maxReceiveCount": 3})
    expect_error(
        "InvalidParameterValue",
        400,
        sqs.create_queue,
        QueueName=unique_name("src"),
        Attributes={"RedrivePolicy": policy},
        message_contains="same type",
    )


def test_fifo_dead_letter_queue(sqs):
    """A FIFO source dead-letters into a FIFO DLQ."""
    source, dlq, _ = make_pair(sqs, max_receive_count=1, fifo=True)
    sqs.send_message(QueueUrl=source, MessageBody="fifo poison", MessageGroupId="g")
    assert sqs.receive_message(QueueUrl=source, VisibilityTimeout=0)["Messages"]
    assert "Messages" not in sqs.receive_message(QueueUrl=source, VisibilityTimeout=0)
    moved = sqs.receive_message(QueueUrl=dlq, AttributeNames=["MessageGroupId"])["Messages"][0]
    assert moved["Body"] == "fifo poison"
    assert moved["Attributes"]["MessageGroupId"] == "g"


def test_redrive_allow_policy(sqs):
    """A DLQ's RedriveAllowPolicy decides which sources may use it."""
    dlq = sqs.create_queue(QueueName=unique_name("dlq"))["QueueUrl"]
    dlq_arn = arn_of(sqs, dlq)
    allowed = sqs.create_queue(QueueName=unique_name("ok"))["QueueUrl"]
    other = sqs.create_queue(QueueName=unique_name("no"))["QueueUrl"]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})

    def allow(permission, **extra):
        value = json.dumps(dict({"redrivePermission": permission}, **extra))
        sqs.set_queue_attributes(QueueUrl=dlq, Attributes={"RedriveAllowPolicy": value})

    def refused(url):
        expect_error(
            "InvalidParameterValue", 400, sqs.set_queue_attributes, QueueUrl=url, Attributes={"RedrivePolicy": policy}
        )

    allow("denyAll")
    refused(allowed)

    allow("byQueue", sourceQueueArns=[arn_of(sqs, allowed)])
    sqs.set_queue_attributes(QueueUrl=allowed, Attributes={"RedrivePolicy": policy})
    refused(other)

    allow("allowAll")
    sqs.set_queue_attributes(QueueUrl=other, Attributes={"RedrivePolicy": policy})


@pytest.mark.parametrize(
    "value",
    [
        "{not json",
        json.dumps({"redrivePermission": "sometimes"}),
        json.dumps({"redrivePermission": "byQueue"}),
        json.dumps(
            {
                "redrivePermission": "byQueue",
                "sourceQueueArns": [f"arn:aws:sqs:us-east-1:000000000000:q{i}" for i in range(11)],
            }
        ),
        json.dumps({"redrivePermission": "allowAll", "sourceQueueArns": ["arn:aws:sqs:us-east-1:000000000000:q"]}),
    ],
    ids=["not-json", "bad-permission", "byqueue-without-arns", "byqueue-11-arns", "allowall-with-arns"],
)
def test_invalid_redrive_allow_policy(sqs, queue, value):
    """Malformed RedriveAllowPolicy values are InvalidParameterValue."""
    expect_error(
        "InvalidParameterValue",
        400,
        sqs.set_queue_attributes,
        QueueUrl=queue,
        Attributes={"RedriveAllowPolicy": value},
        message_contains="for parameter RedriveAllowPolicy is invalid.",
    )


def test_list_dead_letter_source_queues(sqs):
    """ListDeadLetterSourceQueues lists exactly the queues redriving into the DLQ, with paging."""
    dlq = sqs.create_queue(QueueName=unique_name("dlq"))["QueueUrl"]
    policy = json.dumps({"deadLetterTargetArn": arn_of(sqs, dlq), "maxReceiveCount": 3})
    sources = set()
    for _ in range(3):
        sources.add(sqs.create_queue(QueueName=unique_name("src"), Attributes={"RedrivePolicy": policy})["QueueUrl"])
    sqs.create_queue(QueueName=unique_name("unrelated"))
    assert set(sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"]) == sources
    pages, token = [], None
    for _ in range(5):
        kwargs = {"QueueUrl": dlq, "MaxResults": 2}
        if token:
            kwargs["NextToken"] = token
        r = sqs.list_dead_letter_source_queues(**kwargs)
        pages.append(r["queueUrls"])
        token = r.get("NextToken")
        if not token:
            break
    assert [len(p) for p in pages] == [2, 1]
    assert {u for p in pages for u in p} == sources
    assert sqs.list_dead_letter_source_queues(QueueUrl=sources.pop()).get("queueUrls", []) == []
    expect_error("InvalidParameterValue", 400, sqs.list_dead_letter_source_queues, QueueUrl=dlq, MaxResults=0)


# -- message move tasks ---------------------------------------------------------------------------


def test_move_task_returns_messages_to_their_source(server, sqs):
    """Without DestinationArn each dead-lettered message goes back to the queue it came from."""
    source, dlq, dlq_arn = make_pair(sqs)
    for i in range(3):
        sqs.send_message(QueueUrl=source, MessageBody=f"back-{i}")
    dead_letter(sqs, source, 3)
    assert counts(sqs, dlq) == (3, 0, 0)
    handle = start_task(server, dlq_arn)
    assert handle
    task = wait_for_task(server, dlq_arn, {"COMPLETED"})
    assert task["SourceArn"] == dlq_arn
    assert task["ApproximateNumberOfMessagesMoved"] == "3"
    assert counts(sqs, dlq) == (0, 0, 0)
    assert sorted(m["Body"] for m in drain(sqs, source)) == ["back-0", "back-1", "back-2"]


def test_move_task_to_destination(server, sqs):
    """With DestinationArn the messages go to that queue."""
    source, dlq, dlq_arn = make_pair(sqs)
    target = sqs.create_queue(QueueName=unique_name("target"))["QueueUrl"]
    for i in range(2):
        sqs.send_message(QueueUrl=source, MessageBody=f"redirect-{i}")
    dead_letter(sqs, source, 2)
    start_task(server, dlq_arn, DestinationArn=arn_of(sqs, target), MaxNumberOfMessagesPerSecond=100)
    task = wait_for_task(server, dlq_arn, {"COMPLETED"})
    assert task["DestinationArn"] == arn_of(sqs, target)
    assert task["MaxNumberOfMessagesPerSecond"] == "100"
    assert sorted(m["Body"] for m in drain(sqs, target)) == ["redirect-0", "redirect-1"]
    assert counts(sqs, source) == (0, 0, 0)


def test_move_task_one_at_a_time_and_cancel(server, sqs):
    """A second task on a running source is refused; a cancelled task stops with CANCELLED."""
    source, dlq, dlq_arn = make_pair(sqs)
    for i in range(5):
        sqs.send_message(QueueUrl=source, MessageBody=f"slow-{i}")
    dead_letter(sqs, source, 5)
    handle = start_task(server, dlq_arn, MaxNumberOfMessagesPerSecond=1)
    st, body = query(server, "StartMessageMoveTask", SourceArn=dlq_arn)
    assert st == 400, body
    assert parse_query_error(body)[1] == "InvalidParameterValue"
    running = move_tasks(server, dlq_arn, 1)[0]
    assert running["Status"] == "RUNNING"
    assert running["TaskHandle"] == handle
    st, body = query(server, "CancelMessageMoveTask", TaskHandle=handle)
    assert st == 200, body
    moved = ET.fromstring(body).find(f"{NS}CancelMessageMoveTaskResult/{NS}ApproximateNumberOfMessagesMoved")
    assert moved is not None
    task = wait_for_task(server, dlq_arn, {"CANCELLED"})
    assert int(task["ApproximateNumberOfMessagesMoved"]) < 5
    left = counts(sqs, dlq)[0]
    assert left + int(task["ApproximateNumberOfMessagesMoved"]) == 5
    # Cancelling a finished task is refused.
    st, body = query(server, "CancelMessageMoveTask", TaskHandle=handle)
    assert st == 400, body
    assert parse_query_error(body)[1] == "AWS.SimpleQueueService.UnsupportedOperation"


def test_move_task_errors(server, sqs):
    """Move tasks on unknown or non-DLQ queues, bad rates and unknown handles are refused."""
    plain = sqs.create_queue(QueueName=unique_name("plain"))["QueueUrl"]
    plain_arn = arn_of(sqs, plain)
    st, body = query(server, "StartMessageMoveTask", SourceArn=plain_arn)
    assert st == 400 and parse_query_error(body)[1] == "InvalidParameterValue", body

    missing = "arn:aws:sqs:us-east-1:000000000000:" + unique_name("missing")
    st, body = query(server, "StartMessageMoveTask", SourceArn=missing)
    assert st == 404 and parse_query_error(body)[1] == "ResourceNotFoundException", body
    st, body = query(server, "ListMessageMoveTasks", SourceArn=missing)
    assert st == 404 and parse_query_error(body)[1] == "ResourceNotFoundException", body

    _, _, dlq_arn = make_pair(sqs)
    for rate in ("0", "501"):
        st, body = query(server, "StartMessageMoveTask", SourceArn=dlq_arn, MaxNumberOfMessagesPerSecond=rate)
        assert st == 400 and parse_query_error(body)[1] == "InvalidParameterValue", body
    st, body = query(server, "ListMessageMoveTasks", SourceArn=dlq_arn, MaxResults="11")
    assert st == 400 and parse_query_error(body)[1] == "InvalidParameterValue", body

    unknown = base64.b64encode(json.dumps({"taskId": "no-such-task", "sourceArn": dlq_arn}).encode()).decode()
    st, body = query(server, "CancelMessageMoveTask", TaskHandle=unknown)
    assert st == 404 and parse_query_error(body)[1] == "ResourceNotFoundException", body
    st, body = query(server, "CancelMessageMoveTask", TaskHandle="not a task handle")
    assert st == 400 and parse_query_error(body)[1] == "InvalidParameterValue", body
    st, body = query(server, "StartMessageMoveTask")
    assert st == 400 and parse_query_error(body)[1] == "MissingParameter", body
