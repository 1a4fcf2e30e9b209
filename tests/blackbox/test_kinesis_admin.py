"""Kinesis stream settings and attachments: tags (stream and resource APIs), resource policies,
enhanced monitoring, server-side encryption (on the stream and on records) and enhanced fan-out
consumers, with their errors."""

import json
import re
import time

from botocore.exceptions import ClientError

from conftest import (
    DEFAULT_ACCOUNT,
    KINESIS_SETTLE_TIMEOUT,
    assert_json_error,
    client_error,
    create_stream,
    expect_error,
    kinesis_json,
    not_found_message,
    read_shard,
    stream_arn,
    unique_name,
    validation_message,
    wait_for_stream,
    wait_for_stream_gone,
)

ALL_METRICS = {
    "IncomingBytes",
    "IncomingRecords",
    "OutgoingBytes",
    "OutgoingRecords",
    "WriteProvisionedThroughputExceeded",
    "ReadProvisionedThroughputExceeded",
    "IteratorAgeMilliseconds",
}
SHARD0 = "shardId-000000000000"


def tag_pairs(tags):
    return [(t["Key"], t["Value"]) for t in tags]


# -- AddTagsToStream / ListTagsForStream / RemoveTagsFromStream ----------------------------------------


def test_stream_tags_add_overwrite_remove(kinesis, new_stream):
    """Tags are added, overwritten by key, listed in key order and removed (absent keys ignored)."""
    name = new_stream()
    out = kinesis.list_tags_for_stream(StreamName=name)
    assert out["Tags"] == [] and out["HasMoreTags"] is False
    kinesis.add_tags_to_stream(StreamName=name, Tags={"team": "blue", "env": "test", "empty": ""})
    out = kinesis.list_tags_for_stream(StreamName=name)
    assert tag_pairs(out["Tags"]) == [("empty", ""), ("env", "test"), ("team", "blue")]
    assert out["HasMoreTags"] is False
    kinesis.add_tags_to_stream(StreamName=name, Tags={"team": "red"})
    kinesis.remove_tags_from_stream(StreamName=name, TagKeys=["env", "never-set"])
    assert tag_pairs(kinesis.list_tags_for_stream(StreamName=name)["Tags"]) == [("empty", ""), ("team", "red")]


def test_list_tags_for_stream_pages(kinesis, new_stream):
    """Limit and ExclusiveStartTagKey page through the tags in key order with HasMoreTags."""
    name = new_stream()
    kinesis.add_tags_to_stream(StreamName=name, Tags={f"k{i}": f"v{i}" for i in range(5)})
    first = kinesis.list_tags_for_stream(StreamName=name, Limit=2)
    assert tag_pairs(first["Tags"]) == [("k0", "v0"), ("k1", "v1")] and first["HasMoreTags"] is True
    second = kinesis.list_tags_for_stream(StreamName=name, Limit=2, ExclusiveStartTagKey="k1")
    assert tag_pairs(second["Tags"]) == [("k2", "v2"), ("k3", "v3")] and second["HasMoreTags"] is True
    last = kinesis.list_tags_for_stream(StreamName=name, Limit=2, ExclusiveStartTagKey="k3")
    assert tag_pairs(last["Tags"]) == [("k4", "v4")] and last["HasMoreTags"] is False


def test_stream_tag_limits(kinesis, new_stream):
    """A stream holds at most 50 tags; Limit is 1..50; RemoveTagsFromStream takes 1..50 keys."""
    name = new_stream()
    kinesis.add_tags_to_stream(StreamName=name, Tags={f"t{i:02d}": "v" for i in range(50)})
    expect_error("InvalidArgumentException", 400, kinesis.add_tags_to_stream, StreamName=name, Tags={"one-more": "v"},
                 message_contains="cannot have more than 50 tags")
    kinesis.add_tags_to_stream(StreamName=name, Tags={"t00": "overwriting is not adding"})
    assert len(kinesis.list_tags_for_stream(StreamName=name, Limit=50)["Tags"]) == 50
    expect_error("ValidationException", 400, kinesis.list_tags_for_stream, StreamName=name, Limit=51,
                 message=validation_message(51, "limit", "Member must have value less than or equal to 50"))
    expect_error("ValidationException", 400, kinesis.remove_tags_from_stream, StreamName=name,
                 TagKeys=[f"t{i:02d}" for i in range(51)],
                 message_contains="at 'tagKeys' failed to satisfy constraint: Member must have length less than or equal to 50")
    expect_error("ValidationException", 400, kinesis.add_tags_to_stream, StreamName=name, Tags={},
                 message_contains="at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1")


def test_stream_tags_unknown_stream(kinesis):
    """Tag operations on a missing stream are ResourceNotFoundException."""
    name = unique_name("absent")
    expect_error("ResourceNotFoundException", 400, kinesis.add_tags_to_stream, StreamName=name, Tags={"a": "b"},
                 message=not_found_message(name))
    expect_error("ResourceNotFoundException", 400, kinesis.list_tags_for_stream, StreamName=name,
                 message=not_found_message(name))
    expect_error("ResourceNotFoundException", 400, kinesis.remove_tags_from_stream, StreamName=name, TagKeys=["a"],
                 message=not_found_message(name))


# -- TagResource / UntagResource / ListTagsForResource ------------------------------------------------


def test_resource_tags_on_stream(server, kinesis, new_stream):
    """TagResource, UntagResource and ListTagsForResource work on a stream ARN and agree with the
    stream tag APIs."""
    name = new_stream()
    arn = stream_arn(name)
    st, body = kinesis_json(server, "TagResource", {"ResourceARN": arn, "Tags": {"a": "1", "b": "2"}})
    assert st == 200, body
    st, body = kinesis_json(server, "ListTagsForResource", {"ResourceARN": arn})
    assert st == 200 and sorted(tag_pairs(body["Tags"])) == [("a", "1"), ("b", "2")], body
    assert tag_pairs(kinesis.list_tags_for_stream(StreamName=name)["Tags"]) == [("a", "1"), ("b", "2")]
    st, body = kinesis_json(server, "UntagResource", {"ResourceARN": arn, "TagKeys": ["a"]})
    assert st == 200, body
    st, body = kinesis_json(server, "ListTagsForResource", {"ResourceARN": arn})
    assert tag_pairs(body["Tags"]) == [("b", "2")]


def test_resource_tags_unknown_resource(server):
    """Resource tag operations on an ARN naming nothing are ResourceNotFoundException."""
    arn = stream_arn(unique_name("absent"))
    for op, body in [("TagResource", {"Tags": {"a": "b"}}), ("UntagResource", {"TagKeys": ["a"]}),
                     ("ListTagsForResource", {})]:
        st, out = kinesis_json(server, op, {"ResourceARN": arn, **body})
        assert_json_error(st, out, "ResourceNotFoundException")


# -- Resource policies ---------------------------------------------------------------------------------


def policy_for(arn):
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "reader",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{DEFAULT_ACCOUNT}:root"},
            "Action": ["kinesis:DescribeStreamSummary", "kinesis:GetRecords"],
            "Resource": arn,
        }],
    }


def test_resource_policy_put_get_delete(server, new_stream):
    """PutResourcePolicy attaches a policy that GetResourcePolicy returns; a second Put replaces it;
    DeleteResourcePolicy removes it."""
    arn = stream_arn(new_stream())
    policy = policy_for(arn)
    st, body = kinesis_json(server, "PutResourcePolicy", {"ResourceARN": arn, "Policy": json.dumps(policy)})
    assert st == 200, body
    st, body = kinesis_json(server, "GetResourcePolicy", {"ResourceARN": arn})
    assert st == 200 and json.loads(body["Policy"]) == policy, body
    policy["Statement"][0]["Action"] = ["kinesis:PutRecord"]
    kinesis_json(server, "PutResourcePolicy", {"ResourceARN": arn, "Policy": json.dumps(policy)})
    st, body = kinesis_json(server, "GetResourcePolicy", {"ResourceARN": arn})
    assert json.loads(body["Policy"]) == policy
    st, body = kinesis_json(server, "DeleteResourcePolicy", {"ResourceARN": arn})
    assert st == 200, body
    st, body = kinesis_json(server, "GetResourcePolicy", {"ResourceARN": arn})
    if st == 200:
        assert json.loads(body["Policy"]) in ({}, None), body
    else:
        assert_json_error(st, body, "ResourceNotFoundException")


def test_resource_policy_errors(server, new_stream):
    """A policy that is not JSON is InvalidArgumentException; an unknown resource is ResourceNotFoundException."""
    arn = stream_arn(new_stream())
    st, body = kinesis_json(server, "PutResourcePolicy", {"ResourceARN": arn, "Policy": "{not a policy"})
    assert_json_error(st, body, "InvalidArgumentException")
    absent = stream_arn(unique_name("absent"))
    for op, extra in [("PutResourcePolicy", {"Policy": json.dumps(policy_for(absent))}), ("GetResourcePolicy", {}),
                      ("DeleteResourcePolicy", {})]:
        st, body = kinesis_json(server, op, {"ResourceARN": absent, **extra})
        assert_json_error(st, body, "ResourceNotFoundException")


# -- Enhanced monitoring -------------------------------------------------------------------------------


def test_enhanced_monitoring(kinesis, new_stream):
    """Enable/DisableEnhancedMonitoring report current and desired metrics; ALL stands for all seven;
    DescribeStream shows the result."""
    name = new_stream()
    out = kinesis.enable_enhanced_monitoring(StreamName=name, ShardLevelMetrics=["IncomingBytes", "OutgoingRecords"])
    assert out["StreamName"] == name
    assert out.get("CurrentShardLevelMetrics", []) == []
    assert set(out["DesiredShardLevelMetrics"]) == {"IncomingBytes", "OutgoingRecords"}
    wait_for_stream(kinesis, name)
    monitoring = kinesis.describe_stream(StreamName=name)["StreamDescription"]["EnhancedMonitoring"]
    assert len(monitoring) == 1 and set(monitoring[0]["ShardLevelMetrics"]) == {"IncomingBytes", "OutgoingRecords"}

    out = kinesis.enable_enhanced_monitoring(StreamName=name, ShardLevelMetrics=["ALL"])
    assert set(out["CurrentShardLevelMetrics"]) == {"IncomingBytes", "OutgoingRecords"}
    assert set(out["DesiredShardLevelMetrics"]) == ALL_METRICS
    wait_for_stream(kinesis, name)
    out = kinesis.disable_enhanced_monitoring(StreamName=name, ShardLevelMetrics=["IncomingBytes"])
    assert set(out["CurrentShardLevelMetrics"]) == ALL_METRICS
    assert set(out["DesiredShardLevelMetrics"]) == ALL_METRICS - {"IncomingBytes"}
    wait_for_stream(kinesis, name)
    out = kinesis.disable_enhanced_monitoring(StreamName=name, ShardLevelMetrics=["ALL"])
    assert out.get("DesiredShardLevelMetrics", []) == []
    summary = wait_for_stream(kinesis, name)
    assert summary["EnhancedMonitoring"] == [{"ShardLevelMetrics": []}]


def test_enhanced_monitoring_errors(kinesis, new_stream):
    """Unknown metric names and empty lists fail validation; a missing stream is ResourceNotFoundException."""
    name = new_stream()
    resp = expect_error("ValidationException", 400, kinesis.enable_enhanced_monitoring, StreamName=name,
                        ShardLevelMetrics=["CpuTemperature"], message_contains="'CpuTemperature' at 'shardLevelMetrics")
    assert "Member must satisfy enum value set: [" in resp["Error"]["Message"], resp
    expect_error("ValidationException", 400, kinesis.enable_enhanced_monitoring, StreamName=name, ShardLevelMetrics=[],
                 message_contains="at 'shardLevelMetrics' failed to satisfy constraint: "
                 "Member must have length greater than or equal to 1")
    absent = unique_name("absent")
    expect_error("ResourceNotFoundException", 400, kinesis.disable_enhanced_monitoring, StreamName=absent,
                 ShardLevelMetrics=["ALL"], message=not_found_message(absent))


# -- Server-side encryption ----------------------------------------------------------------------------


def test_stream_encryption_on_stream_and_records(kinesis, new_stream):
    """StartStreamEncryption makes the stream (after UPDATING) and the records written afterwards KMS;
    StopStreamEncryption turns it off again; older records keep what they were written with."""
    name = new_stream()
    plain = kinesis.put_record(StreamName=name, Data=b"plain", PartitionKey="k")
    assert plain.get("EncryptionType", "NONE") == "NONE"
    kinesis.start_stream_encryption(StreamName=name, EncryptionType="KMS", KeyId="alias/aws/kinesis")
    assert kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamStatus"] == "UPDATING"
    summary = wait_for_stream(kinesis, name)
    assert summary["EncryptionType"] == "KMS" and summary["KeyId"] == "alias/aws/kinesis"
    described = kinesis.describe_stream(StreamName=name)["StreamDescription"]
    assert described["EncryptionType"] == "KMS" and described["KeyId"] == "alias/aws/kinesis"

    secret = kinesis.put_record(StreamName=name, Data=b"secret", PartitionKey="k")
    assert secret["EncryptionType"] == "KMS"
    batch = kinesis.put_records(StreamName=name, Records=[{"Data": b"secret-2", "PartitionKey": "k"}])
    assert batch["EncryptionType"] == "KMS"

    kinesis.stop_stream_encryption(StreamName=name, EncryptionType="KMS", KeyId="alias/aws/kinesis")
    summary = wait_for_stream(kinesis, name)
    assert summary["EncryptionType"] == "NONE"
    again = kinesis.put_record(StreamName=name, Data=b"plain again", PartitionKey="k")
    assert again.get("EncryptionType", "NONE") == "NONE"

    records, _ = read_shard(kinesis, name, SHARD0)
    kinds = {r["Data"]: r.get("EncryptionType", "NONE") for r in records}
    assert kinds == {b"plain": "NONE", b"secret": "KMS", b"secret-2": "KMS", b"plain again": "NONE"}


def test_stream_encryption_errors(kinesis, new_stream):
    """A missing KeyId or an unknown EncryptionType fails validation; a missing stream is ResourceNotFoundException."""
    name = new_stream()
    expect_error("ValidationException", 400, kinesis.start_stream_encryption, StreamName=name, EncryptionType="KMS",
                 message=validation_message(None, "keyId", "Member must not be null"))
    expect_error("ValidationException", 400, kinesis.start_stream_encryption, StreamName=name, EncryptionType="AES",
                 KeyId="alias/aws/kinesis",
                 message_contains="Value 'AES' at 'encryptionType' failed to satisfy constraint: "
                 "Member must satisfy enum value set: [")
    absent = unique_name("absent")
    expect_error("ResourceNotFoundException", 400, kinesis.start_stream_encryption, StreamName=absent,
                 EncryptionType="KMS", KeyId="alias/aws/kinesis", message=not_found_message(absent))


# -- Consumers -----------------------------------------------------------------------------------------


def wait_for_consumer(client, consumer_arn, status="ACTIVE", timeout=KINESIS_SETTLE_TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        d = client.describe_stream_consumer(ConsumerARN=consumer_arn)["ConsumerDescription"]
        if d["ConsumerStatus"] == status:
            return d
        assert time.monotonic() < deadline, f"consumer still {d['ConsumerStatus']} after {timeout}s"
        time.sleep(0.05)


def wait_for_consumer_gone(client, consumer_arn, timeout=KINESIS_SETTLE_TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        try:
            status = client.describe_stream_consumer(ConsumerARN=consumer_arn)["ConsumerDescription"]["ConsumerStatus"]
        except ClientError as e:
            assert e.response["Error"]["Code"] == "ResourceNotFoundException", e.response
            return
        assert status == "DELETING", status
        assert time.monotonic() < deadline, f"consumer still DELETING after {timeout}s"
        time.sleep(0.05)


def test_register_and_describe_consumer(kinesis, new_stream):
    """RegisterStreamConsumer answers CREATING with an ARN under the stream's; the consumer becomes
    ACTIVE and is described by ARN or by stream ARN and name."""
    name = new_stream()
    arn = stream_arn(name)
    before = time.time()
    consumer = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="reader-1")["Consumer"]
    assert consumer["ConsumerName"] == "reader-1"
    assert consumer["ConsumerStatus"] == "CREATING"
    assert re.fullmatch(re.escape(arn) + r"/consumer/reader-1:\d+", consumer["ConsumerARN"]), consumer["ConsumerARN"]
    assert before - 5 <= consumer["ConsumerCreationTimestamp"].timestamp() <= time.time() + 5

    described = wait_for_consumer(kinesis, consumer["ConsumerARN"])
    assert described["ConsumerName"] == "reader-1"
    assert described["StreamARN"] == arn
    by_name = kinesis.describe_stream_consumer(StreamARN=arn, ConsumerName="reader-1")["ConsumerDescription"]
    assert by_name["ConsumerARN"] == consumer["ConsumerARN"]
    assert kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["ConsumerCount"] == 1


def test_register_consumer_errors(kinesis, new_stream):
    """A name already registered is ResourceInUseException; a missing stream is ResourceNotFoundException;
    consumer names follow the stream name rule."""
    name = new_stream()
    arn = stream_arn(name)
    kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="dup")
    expect_error("ResourceInUseException", 400, kinesis.register_stream_consumer, StreamARN=arn, ConsumerName="dup")
    expect_error("ResourceNotFoundException", 400, kinesis.register_stream_consumer,
                 StreamARN=stream_arn(unique_name("absent")), ConsumerName="c")
    expect_error("ValidationException", 400, kinesis.register_stream_consumer, StreamARN=arn, ConsumerName="bad name",
                 message=validation_message("bad name", "consumerName",
                                            "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"))
    expect_error("ResourceNotFoundException", 400, kinesis.describe_stream_consumer, StreamARN=arn,
                 ConsumerName="never-registered")


def test_list_stream_consumers_pages(kinesis, new_stream):
    """ListStreamConsumers lists every consumer; MaxResults pages with NextToken."""
    name = new_stream()
    arn = stream_arn(name)
    arns = {kinesis.register_stream_consumer(StreamARN=arn, ConsumerName=f"c{i}")["Consumer"]["ConsumerARN"]
            for i in range(3)}
    everything = kinesis.list_stream_consumers(StreamARN=arn)
    assert {c["ConsumerARN"] for c in everything["Consumers"]} == arns
    assert "NextToken" not in everything
    page = kinesis.list_stream_consumers(StreamARN=arn, MaxResults=2)
    assert len(page["Consumers"]) == 2 and page["NextToken"]
    rest = kinesis.list_stream_consumers(StreamARN=arn, MaxResults=2, NextToken=page["NextToken"])
    assert {c["ConsumerARN"] for c in page["Consumers"] + rest["Consumers"]} == arns
    assert "NextToken" not in rest
    expect_error("ValidationException", 400, kinesis.list_stream_consumers, StreamARN=arn, MaxResults=0,
                 message=validation_message(0, "maxResults", "Member must have value greater than or equal to 1"))
    expect_error("ResourceNotFoundException", 400, kinesis.list_stream_consumers,
                 StreamARN=stream_arn(unique_name("absent")))


def test_deregister_consumer(kinesis, new_stream):
    """DeregisterStreamConsumer by ARN or by stream ARN and name removes the consumer."""
    name = new_stream()
    arn = stream_arn(name)
    first = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="first")["Consumer"]["ConsumerARN"]
    second = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="second")["Consumer"]["ConsumerARN"]
    wait_for_consumer(kinesis, first)
    wait_for_consumer(kinesis, second)
    kinesis.deregister_stream_consumer(ConsumerARN=first)
    kinesis.deregister_stream_consumer(StreamARN=arn, ConsumerName="second")
    wait_for_consumer_gone(kinesis, first)
    wait_for_consumer_gone(kinesis, second)
    assert kinesis.list_stream_consumers(StreamARN=arn)["Consumers"] == []
    expect_error("ResourceNotFoundException", 400, kinesis.deregister_stream_consumer, ConsumerARN=first)


def test_consumer_limit_per_stream(kinesis, new_stream):
    """A provisioned stream takes 20 consumers; the 21st is LimitExceededException."""
    name = new_stream()
    arn = stream_arn(name)
    for batch in range(4):  # at most five may be CREATING at once
        made = [kinesis.register_stream_consumer(StreamARN=arn, ConsumerName=f"c{batch}-{i}")["Consumer"]["ConsumerARN"]
                for i in range(5)]
        for consumer_arn in made:
            wait_for_consumer(kinesis, consumer_arn)
    expect_error("LimitExceededException", 400, kinesis.register_stream_consumer, StreamARN=arn, ConsumerName="c21")


def test_consumer_tags_and_policy(server, kinesis, new_stream):
    """Consumers take tags at registration and through TagResource, and a resource policy."""
    arn = stream_arn(new_stream())
    st, body = kinesis_json(server, "RegisterStreamConsumer", {"StreamARN": arn, "ConsumerName": "tagged",
                                                               "Tags": {"owner": "me"}})
    assert st == 200, body
    consumer_arn = body["Consumer"]["ConsumerARN"]
    kinesis_json(server, "TagResource", {"ResourceARN": consumer_arn, "Tags": {"tier": "gold"}})
    st, body = kinesis_json(server, "ListTagsForResource", {"ResourceARN": consumer_arn})
    assert st == 200 and sorted(tag_pairs(body["Tags"])) == [("owner", "me"), ("tier", "gold")], body
    policy = policy_for(consumer_arn)
    policy["Statement"][0]["Action"] = ["kinesis:SubscribeToShard", "kinesis:DescribeStreamConsumer"]
    st, body = kinesis_json(server, "PutResourcePolicy", {"ResourceARN": consumer_arn, "Policy": json.dumps(policy)})
    assert st == 200, body
    st, body = kinesis_json(server, "GetResourcePolicy", {"ResourceARN": consumer_arn})
    assert json.loads(body["Policy"]) == policy


def test_delete_stream_with_consumers(kinesis):
    """DeleteStream of a stream with consumers needs EnforceConsumerDeletion; with it the consumers go too."""
    name = create_stream(kinesis)
    arn = stream_arn(name)
    consumer_arn = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName="c")["Consumer"]["ConsumerARN"]
    wait_for_consumer(kinesis, consumer_arn)
    expect_error("ResourceInUseException", 400, kinesis.delete_stream, StreamName=name)
    expect_error("ResourceInUseException", 400, kinesis.delete_stream, StreamName=name, EnforceConsumerDeletion=False)
    assert wait_for_stream(kinesis, name)["ConsumerCount"] == 1
    kinesis.delete_stream(StreamName=name, EnforceConsumerDeletion=True)
    wait_for_stream_gone(kinesis, name)
    resp = client_error(kinesis.describe_stream_consumer, ConsumerARN=consumer_arn)
    assert resp["Error"]["Code"] == "ResourceNotFoundException", resp

