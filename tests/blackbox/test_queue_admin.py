"""PurgeQueue, tags, permissions, and the 60-second name reuse rule after DeleteQueue."""

import json

import pytest

from conftest import counts, expect_error, unique_name


# -- PurgeQueue -----------------------------------------------------------------------------------


def test_purge_queue(sqs, queue):
    """PurgeQueue removes visible, in-flight and delayed messages."""
    for i in range(3):
        sqs.send_message(QueueUrl=queue, MessageBody=f"p{i}")
    sqs.send_message(QueueUrl=queue, MessageBody="delayed", DelaySeconds=900)
    sqs.receive_message(QueueUrl=queue, VisibilityTimeout=600)
    assert counts(sqs, queue) == (2, 1, 1)
    sqs.purge_queue(QueueUrl=queue)
    assert counts(sqs, queue) == (0, 0, 0)
    assert "Messages" not in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)
    # The queue itself still works.
    sqs.send_message(QueueUrl=queue, MessageBody="after purge")
    assert sqs.receive_message(QueueUrl=queue)["Messages"][0]["Body"] == "after purge"


def test_purge_queue_once_per_minute(sqs):
    """A second purge within 60 s is AWS.SimpleQueueService.PurgeQueueInProgress (HTTP 403)."""
    name = unique_name("purge")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.purge_queue(QueueUrl=url)
    expect_error(
        "AWS.SimpleQueueService.PurgeQueueInProgress",
        403,
        sqs.purge_queue,
        QueueUrl=url,
        message=f"Only one PurgeQueue operation on {name} is allowed every 60 seconds.",
    )
    # Another queue is not affected.
    sqs.purge_queue(QueueUrl=sqs.create_queue(QueueName=unique_name("purge"))["QueueUrl"])


def test_purge_nonexistent_queue(server, sqs):
    """Purging an unknown queue is NonExistentQueue."""
    expect_error(
        "AWS.SimpleQueueService.NonExistentQueue",
        400,
        sqs.purge_queue,
        QueueUrl=f"{server.endpoint}/000000000000/{unique_name('nope')}",
    )


# -- tags -----------------------------------------------------------------------------------------


def test_tags_from_create_queue(sqs):
    """Tags given to CreateQueue are listed by ListQueueTags."""
    url = sqs.create_queue(QueueName=unique_name(), tags={"team": "blue", "cost-center": "42"})["QueueUrl"]
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "blue", "cost-center": "42"}


def test_tag_untag_list(sqs, queue):
    """TagQueue adds and replaces, UntagQueue removes (ignoring unknown keys), ListQueueTags reports."""
    assert "Tags" not in sqs.list_queue_tags(QueueUrl=queue)
    sqs.tag_queue(QueueUrl=queue, Tags={"a": "1", "b": "2"})
    sqs.tag_queue(QueueUrl=queue, Tags={"b": "two", "c": ""})
    assert sqs.list_queue_tags(QueueUrl=queue)["Tags"] == {"a": "1", "b": "two", "c": ""}
    sqs.untag_queue(QueueUrl=queue, TagKeys=["a", "not-there"])
    assert sqs.list_queue_tags(QueueUrl=queue)["Tags"] == {"b": "two", "c": ""}
    sqs.untag_queue(QueueUrl=queue, TagKeys=["b", "c"])
    assert "Tags" not in sqs.list_queue_tags(QueueUrl=queue)


def test_tag_limit(sqs, queue):
    """A queue holds at most 50 tags."""
    sqs.tag_queue(QueueUrl=queue, Tags={f"k{i}": "v" for i in range(50)})
    expect_error("InvalidParameterValue", 400, sqs.tag_queue, QueueUrl=queue, Tags={"one-too-many": "v"})
    assert len(sqs.list_queue_tags(QueueUrl=queue)["Tags"]) == 50
    sqs.tag_queue(QueueUrl=queue, Tags={"k0": "replaced"})  # replacing is not adding


@pytest.mark.parametrize("tags", [{"k" * 129: "v"}, {"k": "v" * 257}], ids=["long-key", "long-value"])
def test_tag_size_limits(sqs, queue, tags):
    """Tag keys over 128 and values over 256 characters are InvalidParameterValue."""
    expect_error("InvalidParameterValue", 400, sqs.tag_queue, QueueUrl=queue, Tags=tags)


def test_tag_actions_on_nonexistent_queue(server, sqs):
    """Tag actions on an unknown queue are NonExistentQueue."""
    url = f"{server.endpoint}/000000000000/{unique_name('nope')}"
    expect_error("AWS.SimpleQueueService.NonExistentQueue", 400, sqs.tag_queue, QueueUrl=url, Tags={"a": "b"})
    expect_error("AWS.SimpleQueueService.NonExistentQueue", 400, sqs.untag_queue, QueueUrl=url, TagKeys=["a"])
    expect_error("AWS.SimpleQueueService.NonExistentQueue", 400, sqs.list_queue_tags, QueueUrl=url)


# -- permissions ----------------------------------------------------------------------------------


def test_add_and_remove_permission(sqs):
    """AddPermission adds a Policy statement with Sid = Label; RemovePermission takes it out."""
    name = unique_name()
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = f"arn:aws:sqs:us-east-1:000000000000:{name}"
    sqs.add_permission(QueueUrl=url, Label="SendOnly", AWSAccountIds=["111122223333"], Actions=["SendMessage"])
    sqs.add_permission(
        QueueUrl=url,
        Label="Workers",
        AWSAccountIds=["111122223333", "444455556666"],
        Actions=["ReceiveMessage", "DeleteMessage"],
    )
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert set(statements) == {"SendOnly", "Workers"}
    send = statements["SendOnly"]
    assert send["Effect"] == "Allow"
    assert send["Resource"] == arn
    assert send["Principal"]["AWS"] in ("arn:aws:iam::111122223333:root", ["arn:aws:iam::111122223333:root"])
    assert send["Action"] in ("SQS:SendMessage", ["SQS:SendMessage"])
    assert sorted(statements["Workers"]["Principal"]["AWS"]) == [
        "arn:aws:iam::111122223333:root",
        "arn:aws:iam::444455556666:root",
    ]
    sqs.remove_permission(QueueUrl=url, Label="SendOnly")
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["Workers"]
    sqs.remove_permission(QueueUrl=url, Label="Workers")
    assert "Policy" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def test_permission_errors(sqs, queue):
    """Duplicate labels, bad labels, unknown actions and unknown labels are InvalidParameterValue."""
    sqs.add_permission(QueueUrl=queue, Label="L1", AWSAccountIds=["111122223333"], Actions=["SendMessage"])
    expect_error(
        "InvalidParameterValue",
        400,
        sqs.add_permission,
        QueueUrl=queue,
        Label="L1",
        AWSAccountIds=["111122223333"],
        Actions=["SendMessage"],
    )
    expect_error(
        "InvalidParameterValue",
        400,
        sqs.add_permission,
        QueueUrl=queue,
        Label="bad label!",
        AWSAccountIds=["111122223333"],
        Actions=["SendMessage"],
    )
    expect_error(
        "InvalidParameterValue",
        400,
        sqs.add_permission,
        QueueUrl=queue,
        Label="L2",
        AWSAccountIds=["111122223333"],
        Actions=["CreateQueue"],
    )
    expect_error("InvalidParameterValue", 400, sqs.remove_permission, QueueUrl=queue, Label="never-added")


def test_policy_attribute_round_trip(sqs, queue):
    """A Policy set through SetQueueAttributes is returned verbatim; '' removes it."""
    policy = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Sid": "x", "Effect": "Allow", "Principal": "*", "Action": "SQS:*"}]}
    )
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"Policy": policy})
    assert sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["Policy"])["Attributes"]["Policy"] == policy
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"Policy": ""})
    assert "Policy" not in sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]


# -- name reuse after DeleteQueue -----------------------------------------------------------------


def test_queue_name_reuse_within_60_seconds(sqs):
    """Recreating a deleted queue's name within 60 s is AWS.SimpleQueueService.QueueDeletedRecently."""
    name = unique_name("reuse")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.delete_queue(QueueUrl=url)
    expect_error(
        "AWS.SimpleQueueService.QueueDeletedRecently",
        400,
        sqs.create_queue,
        QueueName=name,
        message="You must wait 60 seconds after deleting a queue before you can create another with the same name.",
    )
