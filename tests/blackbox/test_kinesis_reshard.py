"""Kinesis resharding: SplitShard, MergeShards and UpdateShardCount with their lineage (ParentShardId,
AdjacentParentShardId, EndingSequenceNumber on closed parents that keep their data, ChildShards at the
end of a closed shard), the validation errors, and every ListShards ShardFilter type."""

import time

import pytest

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
)

SHARD = "shardId-{:012d}".format
MID = 2**127


def is_open(shard):
    return "EndingSequenceNumber" not in shard["SequenceNumberRange"]


def hash_range(shard):
    return int(shard["HashKeyRange"]["StartingHashKey"]), int(shard["HashKeyRange"]["EndingHashKey"])


def by_id(shards):
    return {s["ShardId"]: s for s in shards}


def not_active(name, state="UPDATING"):
    return f"Stream {name} under account {DEFAULT_ACCOUNT} not ACTIVE, instead in state {state}"


def assert_covers_key_space(open_shards, evenly=False):
    """Open shards tile 0..2^128-1 without gaps or overlaps (and with equal widths if `evenly`)."""
    ranges = sorted(hash_range(s) for s in open_shards)
    assert ranges[0][0] == 0 and ranges[-1][1] == HASH_KEY_MAX, ranges
    for (_, end), (start, _) in zip(ranges, ranges[1:]):
        assert start == end + 1, ranges
    if evenly:
        width = (HASH_KEY_MAX + 1) // len(ranges)
        for start, end in ranges:
            assert abs(end - start + 1 - width) <= len(ranges), ranges


def read_to_end(client, name, shard_id):
    """Reads a closed shard until NextShardIterator is null; returns (records, final response)."""
    records, last = read_shard(client, name, shard_id)
    assert last.get("NextShardIterator") is None, f"{shard_id} is closed: its end must come with a null iterator"
    return records, last


# -- SplitShard ------------------------------------------------------------------------------------


def test_split_shard_lineage_and_data(kinesis, new_stream):
    """SplitShard makes two children of the parent's halves; the parent closes with an
    EndingSequenceNumber, keeps its records and ends with ChildShards and a null iterator."""
    name = new_stream()
    before = [kinesis.put_record(StreamName=name, Data=b"before-%d" % i, PartitionKey=f"k{i}") for i in range(3)]
    kinesis.split_shard(StreamName=name, ShardToSplit=SHARD(0), NewStartingHashKey=str(MID))
    assert kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamStatus"] == "UPDATING"
    kinesis.put_record(StreamName=name, Data=b"during", PartitionKey="k-during")  # writes go on while UPDATING
    summary = wait_for_stream(kinesis, name)
    assert summary["OpenShardCount"] == 2

    shards = by_id(list_all_shards(kinesis, name))
    assert set(shards) == {SHARD(0), SHARD(1), SHARD(2)}
    parent, low, high = shards[SHARD(0)], shards[SHARD(1)], shards[SHARD(2)]
    assert not is_open(parent) and is_open(low) and is_open(high)
    assert hash_range(low) == (0, MID - 1)
    assert hash_range(high) == (MID, HASH_KEY_MAX)
    for child in (low, high):
        assert child["ParentShardId"] == SHARD(0)
        assert "AdjacentParentShardId" not in child
    ending = int(parent["SequenceNumberRange"]["EndingSequenceNumber"])
    assert ending >= max(int(p["SequenceNumber"]) for p in before)

    records, last = read_to_end(kinesis, name, SHARD(0))
    assert [r["Data"] for r in records][:3] == [b"before-0", b"before-1", b"before-2"]
    assert all(int(r["SequenceNumber"]) <= ending for r in records)
    children = {c["ShardId"]: c for c in last["ChildShards"]}
    assert set(children) == {SHARD(1), SHARD(2)}
    for child_id, child in children.items():
        assert child["ParentShards"] == [SHARD(0)]
        assert child["HashKeyRange"] == shards[child_id]["HashKeyRange"]

    current = list(shards.values())
    for i in range(20):
        key = f"after-{i}"
        out = kinesis.put_record(StreamName=name, Data=b"after", PartitionKey=key)
        assert out["ShardId"] == shard_covering(current, hash_key_of(key))


def test_latest_iterator_of_closed_shard_ends_at_once(kinesis, new_stream):
    """A LATEST iterator of a closed shard returns nothing, a null iterator and the ChildShards."""
    name = new_stream()
    kinesis.split_shard(StreamName=name, ShardToSplit=SHARD(0), NewStartingHashKey=str(MID))
    wait_for_stream(kinesis, name)
    it = kinesis.get_shard_iterator(StreamName=name, ShardId=SHARD(0), ShardIteratorType="LATEST")["ShardIterator"]
    out = get_records(kinesis, it)
    assert out["Records"] == []
    assert out.get("NextShardIterator") is None
    assert {c["ShardId"] for c in out["ChildShards"]} == {SHARD(1), SHARD(2)}


def test_split_shard_errors(kinesis, new_stream):
    """Unknown shards and streams, hash keys outside the shard, malformed hash keys, a stream that
    is UPDATING and a shard that is already closed are each refused with AWS's error."""
    name = new_stream()
    expect_error("ResourceNotFoundException", 400, kinesis.split_shard, StreamName=name, ShardToSplit=SHARD(9),
                 NewStartingHashKey=str(MID),
                 message=f"Could not find shard {SHARD(9)} in stream {name} under account {DEFAULT_ACCOUNT}.")
    absent = unique_name("absent")
    expect_error("ResourceNotFoundException", 400, kinesis.split_shard, StreamName=absent, ShardToSplit=SHARD(0),
                 NewStartingHashKey=str(MID), message=not_found_message(absent))
    for key in ["1", str(HASH_KEY_MAX)]:
        expect_error("InvalidArgumentException", 400, kinesis.split_shard, StreamName=name, ShardToSplit=SHARD(0),
                     NewStartingHashKey=key,
                     message_contains=f"NewStartingHashKey {key} used in SplitShard() on shard {SHARD(0)} in stream "
                     f"{name} under account {DEFAULT_ACCOUNT} is not both greater than one plus the shard's "
                     "StartingHashKey 0 and less than the shard's EndingHashKey")
    expect_error("ValidationException", 400, kinesis.split_shard, StreamName=name, ShardToSplit=SHARD(0),
                 NewStartingHashKey="half",
                 message=validation_message("half", "newStartingHashKey",
                                            "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})"))

    kinesis.split_shard(StreamName=name, ShardToSplit=SHARD(0), NewStartingHashKey=str(MID))
    expect_error("ResourceInUseException", 400, kinesis.split_shard, StreamName=name, ShardToSplit=SHARD(0),
                 NewStartingHashKey=str(MID // 2), message=not_active(name))
    wait_for_stream(kinesis, name)
    expect_error("InvalidArgumentException", 400, kinesis.split_shard, StreamName=name, ShardToSplit=SHARD(0),
                 NewStartingHashKey=str(MID // 2),
                 message_contains=f"Shard {SHARD(0)} in stream {name} under account {DEFAULT_ACCOUNT} has already been "
                 "merged or split, and thus is not eligible for ")


def test_split_at_the_smallest_allowed_hash_key(kinesis, new_stream):
    """NewStartingHashKey may be as low as StartingHashKey + 2."""
    name = new_stream()
    kinesis.split_shard(StreamName=name, ShardToSplit=SHARD(0), NewStartingHashKey="2")
    wait_for_stream(kinesis, name)
    shards = by_id(list_all_shards(kinesis, name))
    assert hash_range(shards[SHARD(1)]) == (0, 1)
    assert hash_range(shards[SHARD(2)]) == (2, HASH_KEY_MAX)


# -- MergeShards -----------------------------------------------------------------------------------


def test_merge_shards_lineage_and_data(kinesis, new_stream):
    """MergeShards makes one child over both ranges with ParentShardId and AdjacentParentShardId;
    both parents close, keep their records and end with the child in ChildShards."""
    name = new_stream(shards=3)
    shards = by_id(list_all_shards(kinesis, name))
    start0, _ = hash_range(shards[SHARD(0)])
    start1, end1 = hash_range(shards[SHARD(1)])
    kinesis.put_record(StreamName=name, Data=b"in-0", PartitionKey="p", ExplicitHashKey=str(start0))
    kinesis.put_record(StreamName=name, Data=b"in-1", PartitionKey="p", ExplicitHashKey=str(start1))
    kinesis.merge_shards(StreamName=name, ShardToMerge=SHARD(0), AdjacentShardToMerge=SHARD(1))
    assert kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamStatus"] == "UPDATING"
    assert wait_for_stream(kinesis, name)["OpenShardCount"] == 2

    shards = by_id(list_all_shards(kinesis, name))
    child = shards[SHARD(3)]
    assert is_open(child) and hash_range(child) == (0, end1)
    assert child["ParentShardId"] == SHARD(0)
    assert child["AdjacentParentShardId"] == SHARD(1)
    assert not is_open(shards[SHARD(0)]) and not is_open(shards[SHARD(1)])
    assert is_open(shards[SHARD(2)])
    assert_covers_key_space([s for s in shards.values() if is_open(s)])

    for parent, data in [(SHARD(0), b"in-0"), (SHARD(1), b"in-1")]:
        records, last = read_to_end(kinesis, name, parent)
        assert [r["Data"] for r in records] == [data]
        assert len(last["ChildShards"]) == 1
        assert last["ChildShards"][0]["ShardId"] == SHARD(3)
        assert sorted(last["ChildShards"][0]["ParentShards"]) == [SHARD(0), SHARD(1)]
        assert last["ChildShards"][0]["HashKeyRange"] == child["HashKeyRange"]
    out = kinesis.put_record(StreamName=name, Data=b"merged", PartitionKey="p", ExplicitHashKey=str(start1))
    assert out["ShardId"] == SHARD(3)


def test_merge_shards_errors(kinesis, new_stream):
    """Non-adjacent shards, unknown shards, a stream that is UPDATING and closed shards are refused."""
    name = new_stream(shards=3)
    expect_error("InvalidArgumentException", 400, kinesis.merge_shards, StreamName=name, ShardToMerge=SHARD(0),
                 AdjacentShardToMerge=SHARD(2),
                 message=f"Shards {SHARD(0)} and {SHARD(2)} in stream {name} under account {DEFAULT_ACCOUNT} are not "
                 "an adjacent pair of shards eligible for merging")
    expect_error("ResourceNotFoundException", 400, kinesis.merge_shards, StreamName=name, ShardToMerge=SHARD(0),
                 AdjacentShardToMerge=SHARD(7),
                 message=f"Could not find shard {SHARD(7)} in stream {name} under account {DEFAULT_ACCOUNT}.")
    absent = unique_name("absent")
    expect_error("ResourceNotFoundException", 400, kinesis.merge_shards, StreamName=absent, ShardToMerge=SHARD(0),
                 AdjacentShardToMerge=SHARD(1), message=not_found_message(absent))
    kinesis.merge_shards(StreamName=name, ShardToMerge=SHARD(0), AdjacentShardToMerge=SHARD(1))
    expect_error("ResourceInUseException", 400, kinesis.merge_shards, StreamName=name, ShardToMerge=SHARD(1),
                 AdjacentShardToMerge=SHARD(2), message=not_active(name))
    wait_for_stream(kinesis, name)
    expect_error("InvalidArgumentException", 400, kinesis.merge_shards, StreamName=name, ShardToMerge=SHARD(1),
                 AdjacentShardToMerge=SHARD(2),
                 message_contains=f"Shard {SHARD(1)} in stream {name} under account {DEFAULT_ACCOUNT} has already been "
                 "merged or split, and thus is not eligible for ")


# -- UpdateShardCount ----------------------------------------------------------------------------


def test_update_shard_count_doubles(kinesis, new_stream):
    """UpdateShardCount 2 -> 4 answers with both counts, goes UPDATING, and ends with four even open
    shards whose parents are the closed originals, which keep their data."""
    name = new_stream(shards=2)
    kinesis.put_record(StreamName=name, Data=b"old-0", PartitionKey="p", ExplicitHashKey="0")
    kinesis.put_record(StreamName=name, Data=b"old-1", PartitionKey="p", ExplicitHashKey=str(HASH_KEY_MAX))
    out = kinesis.update_shard_count(StreamName=name, TargetShardCount=4, ScalingType="UNIFORM_SCALING")
    assert out["StreamName"] == name
    assert out["CurrentShardCount"] == 2
    assert out["TargetShardCount"] == 4
    assert kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamStatus"] == "UPDATING"
    assert wait_for_stream(kinesis, name)["OpenShardCount"] == 4

    shards = list_all_shards(kinesis, name)
    ids = by_id(shards)
    open_shards = [s for s in shards if is_open(s)]
    assert len(open_shards) == 4
    assert_covers_key_space(open_shards, evenly=True)
    for s in open_shards:
        assert s["ParentShardId"] in ids
    for original, data in [(SHARD(0), b"old-0"), (SHARD(1), b"old-1")]:
        assert not is_open(ids[original])
        records, _ = read_to_end(kinesis, name, original)
        assert [r["Data"] for r in records] == [data]


def test_update_shard_count_halves(kinesis, new_stream):
    """UpdateShardCount 4 -> 2 merges pairs: two even open shards, each with two parents."""
    name = new_stream(shards=4)
    out = kinesis.update_shard_count(StreamName=name, TargetShardCount=2, ScalingType="UNIFORM_SCALING")
    assert (out["CurrentShardCount"], out["TargetShardCount"]) == (4, 2)
    wait_for_stream(kinesis, name)
    shards = list_all_shards(kinesis, name)
    open_shards = [s for s in shards if is_open(s)]
    assert len(open_shards) == 2
    assert_covers_key_space(open_shards, evenly=True)
    for s in open_shards:
        assert s.get("ParentShardId") and s.get("AdjacentParentShardId"), s
    assert all(not is_open(by_id(shards)[SHARD(i)]) for i in range(4))


def test_update_shard_count_limits(kinesis, new_stream):
    """Scaling past double or below half the open shards is LimitExceededException; a bad
    ScalingType or count fails validation; a stream that is UPDATING is ResourceInUseException."""
    name = new_stream(shards=2)
    expect_error("LimitExceededException", 400, kinesis.update_shard_count, StreamName=name, TargetShardCount=5,
                 ScalingType="UNIFORM_SCALING",
                 message_contains="UpdateShardCount cannot scale up over double your current open shard count.")
    big = new_stream(shards=4)
    expect_error("LimitExceededException", 400, kinesis.update_shard_count, StreamName=big, TargetShardCount=1,
                 ScalingType="UNIFORM_SCALING",
                 message_contains="UpdateShardCount cannot scale down below half your current open shard count.")
    expect_error("ValidationException", 400, kinesis.update_shard_count, StreamName=name, TargetShardCount=3,
                 ScalingType="RANDOM_SCALING",
                 message_contains="Value 'RANDOM_SCALING' at 'scalingType' failed to satisfy constraint: "
                 "Member must satisfy enum value set: [UNIFORM_SCALING]")
    expect_error("ValidationException", 400, kinesis.update_shard_count, StreamName=name, TargetShardCount=0,
                 ScalingType="UNIFORM_SCALING",
                 message=validation_message(0, "targetShardCount", "Member must have value greater than or equal to 1"))
    absent = unique_name("absent")
    expect_error("ResourceNotFoundException", 400, kinesis.update_shard_count, StreamName=absent,
                 TargetShardCount=2, ScalingType="UNIFORM_SCALING", message=not_found_message(absent))
    kinesis.update_shard_count(StreamName=name, TargetShardCount=3, ScalingType="UNIFORM_SCALING")
    expect_error("ResourceInUseException", 400, kinesis.update_shard_count, StreamName=name, TargetShardCount=4,
                 ScalingType="UNIFORM_SCALING", message=not_active(name))
    assert wait_for_stream(kinesis, name)["OpenShardCount"] == 3
    assert_covers_key_space([s for s in list_all_shards(kinesis, name) if is_open(s)])


def test_resharding_an_on_demand_stream_is_refused(kinesis, new_stream):
    """SplitShard, MergeShards and UpdateShardCount are for provisioned streams only; the shards stay."""
    name = new_stream(StreamModeDetails={"StreamMode": "ON_DEMAND"})
    attempts = [
        (kinesis.split_shard, {"ShardToSplit": SHARD(0), "NewStartingHashKey": str(2**125)}),
        (kinesis.merge_shards, {"ShardToMerge": SHARD(0), "AdjacentShardToMerge": SHARD(1)}),
        (kinesis.update_shard_count, {"TargetShardCount": 8, "ScalingType": "UNIFORM_SCALING"}),
    ]
    for call, args in attempts:
        resp = client_error(call, StreamName=name, **args)
        assert resp["ResponseMetadata"]["HTTPStatusCode"] == 400, resp
        assert resp["Error"]["Code"] in ("ValidationException", "InvalidArgumentException"), resp
    assert {s["ShardId"] for s in list_all_shards(kinesis, name)} == {SHARD(i) for i in range(4)}


# -- ListShards filters ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def split_stream(server, kinesis):
    """Two shards, then shard 0 split into 2 and 3; with a time before and a time after the split."""
    name = create_stream(kinesis, name=unique_name("filters"), shards=2)
    time.sleep(0.02)
    before = time.time()
    time.sleep(0.02)
    kinesis.split_shard(StreamName=name, ShardToSplit=SHARD(0), NewStartingHashKey=str(MID // 2))
    wait_for_stream(kinesis, name)
    time.sleep(0.02)
    after = time.time()
    yield name, round(before, 3), round(after, 3)
    delete_stream_quietly(kinesis, name)


def filtered(server, name, shard_filter):
    st, body = kinesis_json(server, "ListShards", {"StreamName": name, "ShardFilter": shard_filter})
    assert st == 200, body
    return {s["ShardId"] for s in body["Shards"]}


def test_list_shards_without_filter_lists_all(kinesis, split_stream):
    """Without a filter ListShards lists every shard within retention, closed ones included."""
    name, _, _ = split_stream
    assert {s["ShardId"] for s in kinesis.list_shards(StreamName=name)["Shards"]} == {SHARD(i) for i in range(4)}


@pytest.mark.parametrize(
    "filter_type,expected",
    [
        ("AT_LATEST", {1, 2, 3}),
        ("AT_TRIM_HORIZON", {0, 1}),
        ("FROM_TRIM_HORIZON", {0, 1, 2, 3}),
    ],
)
def test_list_shards_position_filters(server, split_stream, filter_type, expected):
    """AT_LATEST lists open shards, AT_TRIM_HORIZON those open at the trim horizon, FROM_TRIM_HORIZON all."""
    name, _, _ = split_stream
    assert filtered(server, name, {"Type": filter_type}) == {SHARD(i) for i in expected}


def test_list_shards_after_shard_id(server, split_stream):
    """AFTER_SHARD_ID lists the shards whose ids follow the given one."""
    name, _, _ = split_stream
    assert filtered(server, name, {"Type": "AFTER_SHARD_ID", "ShardId": SHARD(1)}) == {SHARD(2), SHARD(3)}


@pytest.mark.parametrize(
    "filter_type,when,expected",
    [
        ("AT_TIMESTAMP", "before", {0, 1}),
        ("AT_TIMESTAMP", "after", {1, 2, 3}),
        ("FROM_TIMESTAMP", "before", {0, 1, 2, 3}),
        ("FROM_TIMESTAMP", "after", {1, 2, 3}),
    ],
)
def test_list_shards_timestamp_filters(server, split_stream, filter_type, when, expected):
    """AT_TIMESTAMP lists the shards open at the time; FROM_TIMESTAMP those open at or after it."""
    name, before, after = split_stream
    timestamp = before if when == "before" else after
    assert filtered(server, name, {"Type": filter_type, "Timestamp": timestamp}) == {SHARD(i) for i in expected}


def test_list_shards_filter_errors(server, split_stream):
    """AFTER_SHARD_ID needs ShardId and the timestamp types need Timestamp; unknown types fail validation."""
    name, _, _ = split_stream
    for shard_filter in [{"Type": "AFTER_SHARD_ID"}, {"Type": "AT_TIMESTAMP"}, {"Type": "FROM_TIMESTAMP"}]:
        st, body = kinesis_json(server, "ListShards", {"StreamName": name, "ShardFilter": shard_filter})
        assert_json_error(st, body, "InvalidArgumentException")
    st, body = kinesis_json(server, "ListShards", {"StreamName": name, "ShardFilter": {"Type": "AT_NOON"}})
    assert_json_error(st, body, "ValidationException",
                      message_contains="Value 'AT_NOON' at 'shardFilter.type' failed to satisfy constraint: "
                      "Member must satisfy enum value set: [")
