"""Kinesis stream management: CreateStream, DeleteStream, DescribeStream(Summary), ListStreams,
ListShards, UpdateStreamMode, UpdateMaxRecordSize, DescribeLimits, retention periods, StreamARN in
place of StreamName, and the AWS JSON 1.1 envelope."""

import time

import pytest

from conftest import (
    DEFAULT_ACCOUNT,
    HASH_KEY_MAX,
    KINESIS_JSON,
    KINESIS_TARGET,
    assert_json_error,
    client_error,
    create_stream,
    expect_error,
    kinesis_json,
    list_all_shards,
    not_found_message,
    signed_post,
    stream_arn,
    unique_name,
    validation_message,
    wait_for_stream,
    wait_for_stream_gone,
)

# Hash key ranges AWS gives a new three-shard stream.
THREE_SHARD_RANGES = [
    ("0", "113427455640312821154458202477256070484"),
    ("113427455640312821154458202477256070485", "226854911280625642308916404954512140969"),
    ("226854911280625642308916404954512140970", "340282366920938463463374607431768211455"),
]
NAME_PATTERN = "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"


def all_stream_names(client):
    """Every stream name, paging ListStreams with ExclusiveStartStreamName."""
    names, out = [], client.list_streams()
    names += out["StreamNames"]
    while out["HasMoreStreams"]:
        out = client.list_streams(ExclusiveStartStreamName=names[-1])
        names += out["StreamNames"]
    return names


def assert_even_ranges(shards, count):
    """The shards' ranges are contiguous, cover 0..2^128-1 and have (nearly) equal widths."""
    ranges = sorted((int(s["HashKeyRange"]["StartingHashKey"]), int(s["HashKeyRange"]["EndingHashKey"])) for s in shards)
    assert len(ranges) == count
    assert ranges[0][0] == 0 and ranges[-1][1] == HASH_KEY_MAX
    for (_, end), (start, _) in zip(ranges, ranges[1:]):
        assert start == end + 1
    width = (HASH_KEY_MAX + 1) // count
    for start, end in ranges:
        assert abs((end - start + 1) - width) <= count, (start, end)


# -- CreateStream -------------------------------------------------------------------------------


def test_create_stream_is_creating_then_active(kinesis, new_stream):
    """CreateStream returns at once with the stream CREATING; it becomes ACTIVE with AWS's defaults."""
    before = time.time()
    name = new_stream(shards=2, wait=False)
    first = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    assert first["StreamStatus"] == "CREATING"
    summary = wait_for_stream(kinesis, name)
    assert summary["StreamName"] == name
    assert summary["StreamARN"] == stream_arn(name)
    assert summary["StreamModeDetails"] == {"StreamMode": "PROVISIONED"}
    assert summary["RetentionPeriodHours"] == 24
    assert summary["OpenShardCount"] == 2
    assert summary["ConsumerCount"] == 0
    assert summary["EncryptionType"] == "NONE"
    assert "KeyId" not in summary
    assert summary["EnhancedMonitoring"] == [{"ShardLevelMetrics": []}]
    created = summary["StreamCreationTimestamp"].timestamp()
    assert before - 5 <= created <= time.time() + 5


def test_create_stream_splits_the_hash_key_space_evenly(kinesis, new_stream):
    """A three-shard stream has shards 0-2 with AWS's hash key ranges and open sequence ranges."""
    name = new_stream(shards=3)
    shards = kinesis.describe_stream(StreamName=name)["StreamDescription"]["Shards"]
    assert [s["ShardId"] for s in shards] == ["shardId-000000000000", "shardId-000000000001", "shardId-000000000002"]
    for shard, (start, end) in zip(shards, THREE_SHARD_RANGES):
        assert shard["HashKeyRange"] == {"StartingHashKey": start, "EndingHashKey": end}
        seq = shard["SequenceNumberRange"]
        assert seq["StartingSequenceNumber"].isdigit()
        assert "EndingSequenceNumber" not in seq
        assert "ParentShardId" not in shard and "AdjacentParentShardId" not in shard


def test_create_on_demand_stream_has_four_shards(kinesis, new_stream):
    """StreamModeDetails ON_DEMAND (no ShardCount) gives four even shards and the ON_DEMAND mode."""
    name = new_stream(StreamModeDetails={"StreamMode": "ON_DEMAND"})
    summary = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    assert summary["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}
    assert summary["OpenShardCount"] == 4
    shards = list_all_shards(kinesis, name)
    assert_even_ranges(shards, 4)
    assert [int(s["HashKeyRange"]["StartingHashKey"]) for s in shards] == [i * 2**126 for i in range(4)]


def test_create_stream_without_shard_count_has_four_shards(kinesis, new_stream):
    """CreateStream with only a StreamName makes a four-shard stream."""
    name = unique_name("ks")
    kinesis.create_stream(StreamName=name)
    new_stream(name=name, create=False)
    wait_for_stream(kinesis, name)
    assert_even_ranges(list_all_shards(kinesis, name), 4)


def test_create_stream_with_tags(server, kinesis, new_stream):
    """Tags given to CreateStream are on the stream from the start."""
    name = unique_name("ks")
    st, body = kinesis_json(server, "CreateStream", {"StreamName": name, "ShardCount": 1, "Tags": {"team": "blue", "env": ""}})
    assert st == 200, body
    new_stream(name=name, create=False)
    wait_for_stream(kinesis, name)
    tags = kinesis.list_tags_for_stream(StreamName=name)["Tags"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("env", ""), ("team", "blue")]


def test_create_stream_with_max_record_size(server, kinesis, new_stream):
    """MaxRecordSizeInKiB at creation is reported by DescribeStreamSummary; the default is 1024."""
    name = unique_name("ks")
    st, body = kinesis_json(server, "CreateStream", {"StreamName": name, "ShardCount": 1, "MaxRecordSizeInKiB": 2048})
    assert st == 200, body
    new_stream(name=name, create=False)
    wait_for_stream(kinesis, name)
    st, body = kinesis_json(server, "DescribeStreamSummary", {"StreamName": name})
    assert st == 200 and body["StreamDescriptionSummary"]["MaxRecordSizeInKiB"] == 2048, body
    plain = new_stream()
    st, body = kinesis_json(server, "DescribeStreamSummary", {"StreamName": plain})
    assert body["StreamDescriptionSummary"].get("MaxRecordSizeInKiB", 1024) == 1024, body


@pytest.mark.parametrize(
    "size,constraint",
    [
        (1023, "Member must have value greater than or equal to 1024"),
        (10241, "Member must have value less than or equal to 10240"),
    ],
)
def test_create_stream_max_record_size_out_of_range(server, kinesis, size, constraint):
    """MaxRecordSizeInKiB outside 1024..10240 is a ValidationException and creates nothing."""
    name = unique_name("ks")
    st, body = kinesis_json(server, "CreateStream", {"StreamName": name, "ShardCount": 1, "MaxRecordSizeInKiB": size})
    assert_json_error(st, body, "ValidationException", message=validation_message(size, "maxRecordSizeInKiB", constraint))
    expect_error("ResourceNotFoundException", 400, kinesis.describe_stream_summary, StreamName=name)


def test_create_stream_existing_name_is_resource_in_use(kinesis, new_stream):
    """Creating a stream whose name exists is ResourceInUseException with AWS's text."""
    name = new_stream()
    expect_error(
        "ResourceInUseException",
        400,
        kinesis.create_stream,
        StreamName=name,
        ShardCount=1,
        message=f"Stream {name} under account {DEFAULT_ACCOUNT} already exists.",
    )


@pytest.mark.parametrize(
    "name,constraint",
    [
        ("has space", NAME_PATTERN),
        ("slash/name", NAME_PATTERN),
        ("colon:name", NAME_PATTERN),
        ("ünïcode", NAME_PATTERN),
        ("a" * 129, "Member must have length less than or equal to 128"),
    ],
    ids=["space", "slash", "colon", "non-ascii", "too-long"],
)
def test_create_stream_invalid_name(kinesis, name, constraint):
    """Stream names outside [a-zA-Z0-9_.-]{1,128} are refused with AWS's validation text."""
    expect_error(
        "ValidationException",
        400,
        kinesis.create_stream,
        StreamName=name,
        ShardCount=1,
        message=validation_message(name, "streamName", constraint),
    )


def test_create_stream_empty_name(kinesis):
    """An empty name breaks both the length and the pattern constraint."""
    resp = client_error(kinesis.create_stream, StreamName="", ShardCount=1)
    assert resp["Error"]["Code"] == "ValidationException"
    message = resp["Error"]["Message"]
    assert message.startswith("2 validation errors detected: "), message
    assert "Value '' at 'streamName' failed to satisfy constraint: Member must have length greater than or equal to 1" in message
    assert f"Value '' at 'streamName' failed to satisfy constraint: {NAME_PATTERN}" in message


@pytest.mark.parametrize("count", [0, -3])
def test_create_stream_shard_count_below_one(kinesis, count):
    """ShardCount below 1 is a ValidationException naming 'shardCount'."""
    expect_error(
        "ValidationException",
        400,
        kinesis.create_stream,
        StreamName=unique_name("ks"),
        ShardCount=count,
        message=validation_message(count, "shardCount", "Member must have value greater than or equal to 1"),
    )


def test_create_stream_unknown_mode(kinesis):
    """A StreamMode outside PROVISIONED/ON_DEMAND is a ValidationException on the nested member."""
    expect_error(
        "ValidationException",
        400,
        kinesis.create_stream,
        StreamName=unique_name("ks"),
        StreamModeDetails={"StreamMode": "SOMETIMES"},
        message_contains="Value 'SOMETIMES' at 'streamModeDetails.streamMode' failed to satisfy constraint: "
        "Member must satisfy enum value set: [",
    )


def test_create_stream_over_the_shard_limit(kinesis, new_stream):
    """Asking for more shards than DescribeLimits leaves is LimitExceededException."""
    limits = kinesis.describe_limits()
    assert 0 < limits["ShardLimit"] <= 20000, limits
    name = unique_name("ks")
    wanted = limits["ShardLimit"] - limits["OpenShardCount"] + 1
    resp = client_error(kinesis.create_stream, StreamName=name, ShardCount=wanted)
    if resp["Error"]["Code"] != "LimitExceededException":
        new_stream(name=name, create=False)  # created after all: remove it
    assert resp["Error"]["Code"] == "LimitExceededException", resp
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_more_than_five_streams_creating_is_limit_exceeded(sluice_factory):
    """At most five streams may be CREATING at once; the sixth CreateStream is LimitExceededException."""
    client = sluice_factory().kinesis()
    names = [unique_name("burst") for _ in range(6)]
    for name in names[:5]:
        client.create_stream(StreamName=name, ShardCount=1)
    expect_error("LimitExceededException", 400, client.create_stream, StreamName=names[5], ShardCount=1)
    for name in names[:5]:
        wait_for_stream(client, name)
    create_stream(client, name=names[5])  # accepted once the others are ACTIVE


# -- DeleteStream -------------------------------------------------------------------------------


def test_delete_stream_goes_deleting_then_away(kinesis):
    """DeleteStream leaves the stream DELETING until it is gone; the name can then be reused empty."""
    name = create_stream(kinesis)
    kinesis.put_record(StreamName=name, Data=b"old", PartitionKey="k")
    kinesis.delete_stream(StreamName=name)
    assert kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamStatus"] == "DELETING"
    wait_for_stream_gone(kinesis, name)
    assert name not in all_stream_names(kinesis)
    expect_error("ResourceNotFoundException", 400, kinesis.describe_stream, StreamName=name,
                 message=not_found_message(name))
    create_stream(kinesis, name=name)
    try:
        it = kinesis.get_shard_iterator(StreamName=name, ShardId="shardId-000000000000", ShardIteratorType="TRIM_HORIZON")
        assert kinesis.get_records(ShardIterator=it["ShardIterator"])["Records"] == []
    finally:
        kinesis.delete_stream(StreamName=name)


def test_delete_unknown_stream(kinesis):
    """Deleting a stream that does not exist is ResourceNotFoundException with AWS's text."""
    name = unique_name("absent")
    expect_error("ResourceNotFoundException", 400, kinesis.delete_stream, StreamName=name,
                 message=not_found_message(name))


# -- DescribeStream / DescribeStreamSummary ------------------------------------------------------


def test_describe_stream_shape(kinesis, new_stream):
    """DescribeStream reports the stream's name, ARN, status, mode, shards and settings."""
    name = new_stream(shards=2)
    d = kinesis.describe_stream(StreamName=name)["StreamDescription"]
    assert d["StreamName"] == name
    assert d["StreamARN"] == stream_arn(name)
    assert d["StreamStatus"] == "ACTIVE"
    assert d["StreamModeDetails"] == {"StreamMode": "PROVISIONED"}
    assert d["HasMoreShards"] is False
    assert d["RetentionPeriodHours"] == 24
    assert d["EnhancedMonitoring"] == [{"ShardLevelMetrics": []}]
    assert d["EncryptionType"] == "NONE"
    assert len(d["Shards"]) == 2
    assert abs(d["StreamCreationTimestamp"].timestamp() - time.time()) < 120


def test_describe_stream_pages_with_limit_and_exclusive_start(kinesis, new_stream):
    """Limit caps the shards per call (HasMoreShards true); ExclusiveStartShardId continues after it."""
    name = new_stream(shards=3)
    first = kinesis.describe_stream(StreamName=name, Limit=2)["StreamDescription"]
    assert [s["ShardId"] for s in first["Shards"]] == ["shardId-000000000000", "shardId-000000000001"]
    assert first["HasMoreShards"] is True
    rest = kinesis.describe_stream(StreamName=name, Limit=2, ExclusiveStartShardId="shardId-000000000001")
    rest = rest["StreamDescription"]
    assert [s["ShardId"] for s in rest["Shards"]] == ["shardId-000000000002"]
    assert rest["HasMoreShards"] is False


@pytest.mark.parametrize(
    "limit,constraint",
    [(0, "Member must have value greater than or equal to 1"), (10001, "Member must have value less than or equal to 10000")],
)
def test_describe_stream_limit_out_of_range(kinesis, new_stream, limit, constraint):
    """DescribeStream's Limit is 1..10000."""
    name = new_stream()
    expect_error("ValidationException", 400, kinesis.describe_stream, StreamName=name, Limit=limit,
                 message=validation_message(limit, "limit", constraint))


@pytest.mark.parametrize("operation", ["describe_stream", "describe_stream_summary"])
def test_describe_unknown_stream(kinesis, operation):
    """Describing a missing stream is ResourceNotFoundException with AWS's text."""
    name = unique_name("absent")
    expect_error("ResourceNotFoundException", 400, getattr(kinesis, operation), StreamName=name,
                 message=not_found_message(name))


# -- ListStreams --------------------------------------------------------------------------------


def test_list_streams_reports_summaries(server, kinesis, new_stream):
    """ListStreams lists a new stream by name and in StreamSummaries with its ARN, status and mode."""
    name = new_stream()
    st, body = kinesis_json(server, "ListStreams", {"ExclusiveStartStreamName": name[:-1], "Limit": 10})
    assert st == 200, body
    assert name in body["StreamNames"]
    summary = next(s for s in body["StreamSummaries"] if s["StreamName"] == name)
    assert summary["StreamARN"] == stream_arn(name)
    assert summary["StreamStatus"] == "ACTIVE"
    assert summary["StreamModeDetails"] == {"StreamMode": "PROVISIONED"}
    assert abs(summary["StreamCreationTimestamp"] - time.time()) < 120


def test_list_streams_pagination(sluice_factory):
    """Limit pages the sorted names with HasMoreStreams; ExclusiveStartStreamName and NextToken continue."""
    s = sluice_factory()
    client = s.kinesis()
    names = sorted(f"page-{c}-{unique_name('s')}" for c in "abc")
    for name in names:
        create_stream(client, name=name)
    everything = client.list_streams()
    assert everything["StreamNames"] == names
    assert everything["HasMoreStreams"] is False
    first = client.list_streams(Limit=1)
    assert first["StreamNames"] == names[:1] and first["HasMoreStreams"] is True
    after = client.list_streams(Limit=1, ExclusiveStartStreamName=names[0])
    assert after["StreamNames"] == names[1:2] and after["HasMoreStreams"] is True
    last = client.list_streams(Limit=5, ExclusiveStartStreamName=names[1])
    assert last["StreamNames"] == names[2:] and last["HasMoreStreams"] is False
    # NextToken (newer SDKs' paginators) walks the same pages.
    seen, token = [], None
    for _ in range(5):
        st, body = kinesis_json(s, "ListStreams", {"Limit": 1, **({"NextToken": token} if token else {})})
        assert st == 200, body
        seen += body["StreamNames"]
        assert [x["StreamName"] for x in body["StreamSummaries"]] == body["StreamNames"]
        token = body.get("NextToken")
        if not body["HasMoreStreams"]:
            break
        assert token
    assert seen == names


@pytest.mark.parametrize(
    "limit,constraint",
    [(0, "Member must have value greater than or equal to 1"), (10001, "Member must have value less than or equal to 10000")],
)
def test_list_streams_limit_out_of_range(kinesis, limit, constraint):
    """ListStreams' Limit is 1..10000."""
    expect_error("ValidationException", 400, kinesis.list_streams, Limit=limit,
                 message=validation_message(limit, "limit", constraint))


# -- ListShards ---------------------------------------------------------------------------------


def test_list_shards_pages_with_next_token(kinesis, new_stream):
    """MaxResults pages the shards; NextToken alone continues; ExclusiveStartShardId skips ahead."""
    name = new_stream(shards=3)
    out = kinesis.list_shards(StreamName=name)
    assert [s["ShardId"] for s in out["Shards"]] == [f"shardId-00000000000{i}" for i in range(3)]
    assert "NextToken" not in out
    page = kinesis.list_shards(StreamName=name, MaxResults=1)
    ids = [s["ShardId"] for s in page["Shards"]]
    while page.get("NextToken"):
        page = kinesis.list_shards(NextToken=page["NextToken"], MaxResults=1)
        ids += [s["ShardId"] for s in page["Shards"]]
    assert ids == [f"shardId-00000000000{i}" for i in range(3)]
    after = kinesis.list_shards(StreamName=name, ExclusiveStartShardId="shardId-000000000000")
    assert [s["ShardId"] for s in after["Shards"]] == ["shardId-000000000001", "shardId-000000000002"]
    for shard, (start, end) in zip(out["Shards"], THREE_SHARD_RANGES):
        assert shard["HashKeyRange"] == {"StartingHashKey": start, "EndingHashKey": end}


def test_list_shards_next_token_rules(kinesis, new_stream):
    """NextToken cannot be combined with StreamName or ExclusiveStartShardId; a garbled token and a
    request naming no stream are InvalidArgumentException."""
    name = new_stream(shards=2)
    token = kinesis.list_shards(StreamName=name, MaxResults=1)["NextToken"]
    expect_error("InvalidArgumentException", 400, kinesis.list_shards, StreamName=name, NextToken=token)
    expect_error("InvalidArgumentException", 400, kinesis.list_shards, NextToken=token,
                 ExclusiveStartShardId="shardId-000000000000")
    expect_error("InvalidArgumentException", 400, kinesis.list_shards, NextToken="not-a-token-" + "x" * 40)
    expect_error("InvalidArgumentException", 400, kinesis.list_shards)


@pytest.mark.parametrize(
    "limit,constraint",
    [(0, "Member must have value greater than or equal to 1"), (10001, "Member must have value less than or equal to 10000")],
)
def test_list_shards_max_results_out_of_range(kinesis, new_stream, limit, constraint):
    """ListShards' MaxResults is 1..10000."""
    name = new_stream()
    expect_error("ValidationException", 400, kinesis.list_shards, StreamName=name, MaxResults=limit,
                 message=validation_message(limit, "maxResults", constraint))


def test_list_shards_unknown_stream(kinesis):
    """ListShards on a missing stream is ResourceNotFoundException."""
    name = unique_name("absent")
    expect_error("ResourceNotFoundException", 400, kinesis.list_shards, StreamName=name,
                 message=not_found_message(name))


# -- UpdateStreamMode, UpdateMaxRecordSize ------------------------------------------------------


def test_update_stream_mode_to_on_demand(kinesis, new_stream):
    """UpdateStreamMode puts the stream in UPDATING, then ACTIVE in the new mode with its shards kept."""
    name = new_stream(shards=2)
    kinesis.update_stream_mode(StreamARN=stream_arn(name), StreamModeDetails={"StreamMode": "ON_DEMAND"})
    assert kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamStatus"] == "UPDATING"
    summary = wait_for_stream(kinesis, name)
    assert summary["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}
    assert summary["OpenShardCount"] >= 2
    kinesis.put_record(StreamName=name, Data=b"still writable", PartitionKey="k")


def test_update_stream_mode_errors(kinesis, new_stream):
    """An unknown mode is a ValidationException; an unknown stream ARN is ResourceNotFoundException."""
    name = new_stream()
    expect_error("ValidationException", 400, kinesis.update_stream_mode, StreamARN=stream_arn(name),
                 StreamModeDetails={"StreamMode": "TURBO"},
                 message_contains="Value 'TURBO' at 'streamModeDetails.streamMode' failed to satisfy constraint: "
                 "Member must satisfy enum value set: [")
    expect_error("ResourceNotFoundException", 400, kinesis.update_stream_mode,
                 StreamARN=stream_arn(unique_name("absent")), StreamModeDetails={"StreamMode": "ON_DEMAND"})


def test_update_max_record_size(server, kinesis, new_stream):
    """UpdateMaxRecordSize changes the stream's MaxRecordSizeInKiB and records up to it are accepted."""
    name = new_stream()
    st, body = kinesis_json(server, "UpdateMaxRecordSize", {"StreamARN": stream_arn(name), "MaxRecordSizeInKiB": 4096})
    assert st == 200, body
    wait_for_stream(kinesis, name)
    st, body = kinesis_json(server, "DescribeStreamSummary", {"StreamARN": stream_arn(name)})
    assert body["StreamDescriptionSummary"]["MaxRecordSizeInKiB"] == 4096, body
    big = bytes(range(256)) * (3 * 4096)  # 3 MiB
    put = kinesis.put_record(StreamName=name, Data=big, PartitionKey="big")
    it = kinesis.get_shard_iterator(StreamName=name, ShardId=put["ShardId"], ShardIteratorType="AT_SEQUENCE_NUMBER",
                                    StartingSequenceNumber=put["SequenceNumber"])["ShardIterator"]
    assert kinesis.get_records(ShardIterator=it, Limit=1)["Records"][0]["Data"] == big


@pytest.mark.parametrize(
    "size,constraint",
    [
        (1000, "Member must have value greater than or equal to 1024"),
        (20480, "Member must have value less than or equal to 10240"),
    ],
)
def test_update_max_record_size_out_of_range(server, new_stream, size, constraint):
    """UpdateMaxRecordSize outside 1024..10240 is a ValidationException."""
    name = new_stream()
    st, body = kinesis_json(server, "UpdateMaxRecordSize", {"StreamARN": stream_arn(name), "MaxRecordSizeInKiB": size})
    assert_json_error(st, body, "ValidationException", message=validation_message(size, "maxRecordSizeInKiB", constraint))


def test_update_max_record_size_unknown_stream(server):
    """UpdateMaxRecordSize on a missing stream is ResourceNotFoundException."""
    st, body = kinesis_json(server, "UpdateMaxRecordSize",
                            {"StreamARN": stream_arn(unique_name("absent")), "MaxRecordSizeInKiB": 2048})
    assert_json_error(st, body, "ResourceNotFoundException")


# -- DescribeLimits -----------------------------------------------------------------------------


def test_describe_limits_counts_shards_and_on_demand_streams(sluice_factory):
    """DescribeLimits counts open shards and on-demand streams; the on-demand stream limit is 50."""
    client = sluice_factory().kinesis()
    empty = client.describe_limits()
    assert empty["OpenShardCount"] == 0
    assert empty["OnDemandStreamCount"] == 0
    assert empty["OnDemandStreamCountLimit"] == 50
    assert empty["ShardLimit"] > 0
    name = create_stream(client, shards=3)
    assert client.describe_limits()["OpenShardCount"] == 3
    client.split_shard(StreamName=name, ShardToSplit="shardId-000000000000", NewStartingHashKey="2")
    wait_for_stream(client, name)
    assert client.describe_limits()["OpenShardCount"] == 4  # the split parent is closed
    create_stream(client, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    after = client.describe_limits()
    assert after["OnDemandStreamCount"] == 1
    # Whether an on-demand stream's shards count as open shards here, AWS does not say.
    assert after["OpenShardCount"] in (4, 8)
    assert after["ShardLimit"] == empty["ShardLimit"]


# -- Retention ----------------------------------------------------------------------------------


def test_retention_increase_and_decrease(kinesis, new_stream):
    """Increase and DecreaseStreamRetentionPeriod change RetentionPeriodHours within 24..8760."""
    name = new_stream()
    kinesis.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=8760)
    assert wait_for_stream(kinesis, name)["RetentionPeriodHours"] == 8760
    kinesis.decrease_stream_retention_period(StreamName=name, RetentionPeriodHours=48)
    assert wait_for_stream(kinesis, name)["RetentionPeriodHours"] == 48
    kinesis.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=48)  # same value is fine
    kinesis.decrease_stream_retention_period(StreamName=name, RetentionPeriodHours=24)
    assert wait_for_stream(kinesis, name)["RetentionPeriodHours"] == 24


@pytest.mark.parametrize("operation", ["increase_stream_retention_period", "decrease_stream_retention_period"])
def test_retention_below_minimum(kinesis, new_stream, operation):
    """A retention period under 24 hours is InvalidArgumentException."""
    name = new_stream()
    expect_error("InvalidArgumentException", 400, getattr(kinesis, operation), StreamName=name, RetentionPeriodHours=23,
                 message="Minimum allowed retention period is 24 hours. Requested retention period (23 hours) is too short.")


def test_retention_above_maximum(kinesis, new_stream):
    """A retention period over 8760 hours is InvalidArgumentException."""
    name = new_stream()
    expect_error("InvalidArgumentException", 400, kinesis.increase_stream_retention_period, StreamName=name,
                 RetentionPeriodHours=8761,
                 message="Maximum allowed retention period is 8760 hours. Requested retention period (8761 hours) is too long.")


def test_retention_wrong_direction(kinesis, new_stream):
    """Increase cannot shorten and Decrease cannot lengthen the retention period."""
    name = new_stream()
    kinesis.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=72)
    wait_for_stream(kinesis, name)
    expect_error("InvalidArgumentException", 400, kinesis.increase_stream_retention_period, StreamName=name,
                 RetentionPeriodHours=48,
                 message=f"Requested retention period (48 hours) for stream {name} can not be shorter than existing "
                 "retention period (72 hours). Use DecreaseRetentionPeriod API.")
    expect_error("InvalidArgumentException", 400, kinesis.decrease_stream_retention_period, StreamName=name,
                 RetentionPeriodHours=96,
                 message=f"Requested retention period (96 hours) for stream {name} can not be longer than existing "
                 "retention period (72 hours). Use IncreaseRetentionPeriod API.")
    assert kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["RetentionPeriodHours"] == 72


def test_retention_unknown_stream(kinesis):
    """Changing the retention of a missing stream is ResourceNotFoundException."""
    name = unique_name("absent")
    expect_error("ResourceNotFoundException", 400, kinesis.increase_stream_retention_period, StreamName=name,
                 RetentionPeriodHours=48, message=not_found_message(name))


# -- StreamARN instead of StreamName -------------------------------------------------------------


def test_stream_arn_accepted_in_place_of_name(server, kinesis):
    """Every stream operation accepts StreamARN alone, as current SDKs send it."""
    name = create_stream(kinesis)
    arn = stream_arn(name)

    def call(op, body):
        st, out = kinesis_json(server, op, {"StreamARN": arn, **body})
        assert st == 200, (op, out)
        return out

    assert call("DescribeStreamSummary", {})["StreamDescriptionSummary"]["StreamName"] == name
    assert call("DescribeStream", {})["StreamDescription"]["StreamARN"] == arn
    shard = call("ListShards", {})["Shards"][0]["ShardId"]
    put = call("PutRecord", {"Data": "YXJu", "PartitionKey": "arn"})
    call("PutRecords", {"Records": [{"Data": "YXJuMg==", "PartitionKey": "arn"}]})
    it = call("GetShardIterator", {"ShardId": shard, "ShardIteratorType": "AT_SEQUENCE_NUMBER",
                                   "StartingSequenceNumber": put["SequenceNumber"]})["ShardIterator"]
    records = call("GetRecords", {"ShardIterator": it})["Records"]
    assert [r["Data"] for r in records] == ["YXJu", "YXJuMg=="]
    call("AddTagsToStream", {"Tags": {"via": "arn"}})
    assert call("ListTagsForStream", {})["Tags"] == [{"Key": "via", "Value": "arn"}]
    call("IncreaseStreamRetentionPeriod", {"RetentionPeriodHours": 30})
    assert wait_for_stream(kinesis, name)["RetentionPeriodHours"] == 30
    call("DeleteStream", {})
    wait_for_stream_gone(kinesis, name)


def test_stream_arn_of_unknown_stream(server):
    """A well-formed ARN naming no stream is ResourceNotFoundException."""
    st, body = kinesis_json(server, "DescribeStreamSummary", {"StreamARN": stream_arn(unique_name("absent"))})
    assert_json_error(st, body, "ResourceNotFoundException")


# -- The JSON 1.1 envelope ----------------------------------------------------------------------


def test_json_envelope(server, kinesis, new_stream):
    """Responses are application/x-amz-json-1.1 with x-amzn-RequestId; errors carry __type and message."""
    name = new_stream()
    st, headers, body = signed_post(server.endpoint, "kinesis", f"{KINESIS_TARGET}.DescribeStreamSummary",
                                    ('{"StreamName":"%s"}' % name).encode(), KINESIS_JSON)
    assert st == 200
    assert headers["content-type"] == KINESIS_JSON
    assert headers["x-amzn-requestid"]
    absent = unique_name("absent")
    st, body = kinesis_json(server, "DescribeStreamSummary", {"StreamName": absent})
    assert_json_error(st, body, "ResourceNotFoundException", message=not_found_message(absent))


def test_unknown_operation_and_malformed_body(server):
    """An unknown Kinesis operation is UnknownOperationException; a body that is not JSON is
    SerializationException."""
    st, body = kinesis_json(server, "DescribeEverything", {})
    assert_json_error(st, body, "UnknownOperationException")
    st, body = kinesis_json(server, "ListStreams", None, raw=b"{not json")
    assert_json_error(st, body, "SerializationException")


def test_missing_required_member(kinesis, new_stream):
    """A missing required member is a ValidationException 'Member must not be null'."""
    name = new_stream()
    expect_error("ValidationException", 400, kinesis.put_record, StreamName=name, PartitionKey="k",
                 message=validation_message(None, "data", "Member must not be null"))

