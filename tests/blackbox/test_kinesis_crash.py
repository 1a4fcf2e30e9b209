"""Kinesis crash safety: every record acknowledged before a SIGKILL is readable after a restart on the
same data directory, unchanged, in sequence order per shard and in each producer's order; stream
metadata (shards and lineage, settings, tags, consumers, deletions) and iterators survive too."""

import itertools
import threading

from botocore.exceptions import ClientError

from conftest import (
    create_stream,
    get_records,
    list_all_shards,
    read_shard,
    stream_arn,
    unique_name,
    wait_for_stream,
    wait_for_stream_gone,
)

PRODUCERS = 4
BATCHERS = 2
ENOUGH = 800


def read_everything(client, name):
    """{shard id: records in read order} for every shard of the stream."""
    return {s["ShardId"]: read_shard(client, name, s["ShardId"])[0] for s in list_all_shards(client, name)}


def test_acknowledged_records_survive_sigkill(sluice_factory):
    """Records acknowledged (PutRecord and PutRecords) before a SIGKILL mid-burst are all there after
    restart, byte for byte, each shard in sequence order and each producer's records in its order."""
    s = sluice_factory()
    name = create_stream(s.kinesis(), shards=3)
    acked = []  # (producer, index, shard, sequence number, data, partition key) in acknowledgement order
    lock = threading.Lock()
    stop = threading.Event()
    enough = threading.Event()

    def note(entries):
        with lock:
            acked.extend(entries)
            if len(acked) >= ENOUGH:
                enough.set()

    def single(n):
        client = s.kinesis(read_timeout=10)
        for i in itertools.count():
            if stop.is_set():
                return
            key, data = f"single-{n}", f"single-{n}-{i}-".encode() + bytes([i % 256]) * (i % 300)
            try:
                out = client.put_record(StreamName=name, Data=data, PartitionKey=key)
            except ClientError as e:
                if e.response["Error"]["Code"] == "ProvisionedThroughputExceededException":
                    continue  # not acknowledged; try the next one
                raise
            except Exception:
                return  # the server is gone: this put was never acknowledged
            note([(f"s{n}", i, out["ShardId"], out["SequenceNumber"], data, key)])

    def batcher(n):
        client = s.kinesis(read_timeout=10)
        for b in itertools.count():
            if stop.is_set():
                return
            entries = [{"Data": f"batch-{n}-{b}-{j}".encode(), "PartitionKey": f"batch-{n}-{j % 3}"} for j in range(25)]
            try:
                out = client.put_records(StreamName=name, Records=entries)
            except ClientError:
                continue
            except Exception:
                return
            note([(f"b{n}-{e['PartitionKey']}", b * 25 + j, r["ShardId"], r["SequenceNumber"], e["Data"], e["PartitionKey"])
                  for j, (e, r) in enumerate(zip(entries, out["Records"])) if "SequenceNumber" in r])

    threads = [threading.Thread(target=single, args=(n,)) for n in range(PRODUCERS)]
    threads += [threading.Thread(target=batcher, args=(n,)) for n in range(BATCHERS)]
    for t in threads:
        t.start()
    try:
        assert enough.wait(timeout=60), f"only {len(acked)} records acknowledged"
        s.kill()  # while the producers are still writing
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    with lock:
        expected = list(acked)

    s.restart()
    client = s.kinesis()
    assert wait_for_stream(client, name)["OpenShardCount"] == 3
    shards = read_everything(client, name)
    stored = {}
    for shard_id, records in shards.items():
        seqs = [int(r["SequenceNumber"]) for r in records]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), f"{shard_id} is not in sequence order"
        for r in records:
            stored[(shard_id, r["SequenceNumber"])] = (r["Data"], r["PartitionKey"])

    missing = [e for e in expected if (e[2], e[3]) not in stored]
    assert not missing, f"{len(missing)} of {len(expected)} acknowledged records lost, e.g. {missing[:2]}"
    for producer, index, shard_id, seq, data, key in expected:
        assert stored[(shard_id, seq)] == (data, key), (producer, index)

    by_producer = {}
    for producer, index, shard_id, seq, _, _ in expected:
        by_producer.setdefault(producer, []).append((index, shard_id, int(seq)))
    for producer, items in by_producer.items():
        items.sort()
        assert len({shard for _, shard, _ in items}) == 1, producer
        assert [seq for _, _, seq in items] == sorted(seq for _, _, seq in items), f"{producer} out of order"

    # Writing goes on after the restart, above every sequence number issued before.
    for shard in list_all_shards(client, name):
        start = int(shard["HashKeyRange"]["StartingHashKey"])
        out = client.put_record(StreamName=name, Data=b"after", PartitionKey="x", ExplicitHashKey=str(start))
        before = [int(r["SequenceNumber"]) for r in shards[out["ShardId"]]]
        assert not before or int(out["SequenceNumber"]) > max(before)


def test_stream_state_survives_sigkill(sluice_factory):
    """Shards and lineage, retention, mode, encryption, monitoring, tags, consumers, deletions and
    shard iterators all survive a SIGKILL and restart."""
    s = sluice_factory()
    client = s.kinesis()
    name = create_stream(client, shards=2)
    arn = stream_arn(name)
    before_split = client.put_record(StreamName=name, Data=b"parent", PartitionKey="p", ExplicitHashKey="0")
    client.split_shard(StreamName=name, ShardToSplit="shardId-000000000000", NewStartingHashKey=str(2**126))
    wait_for_stream(client, name)
    client.put_record(StreamName=name, Data=b"child", PartitionKey="p", ExplicitHashKey="0")
    client.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=96)
    wait_for_stream(client, name)
    client.start_stream_encryption(StreamName=name, EncryptionType="KMS", KeyId="alias/aws/kinesis")
    wait_for_stream(client, name)
    client.enable_enhanced_monitoring(StreamName=name, ShardLevelMetrics=["IncomingRecords"])
    wait_for_stream(client, name)
    client.add_tags_to_stream(StreamName=name, Tags={"keep": "me"})
    consumer = client.register_stream_consumer(StreamARN=arn, ConsumerName="survivor")["Consumer"]["ConsumerARN"]
    gone = create_stream(client)
    client.delete_stream(StreamName=gone)
    wait_for_stream_gone(client, gone)
    iterator = client.get_shard_iterator(StreamName=name, ShardId="shardId-000000000000",
                                         ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    summary = wait_for_stream(client, name)
    shards = list_all_shards(client, name)

    s.kill()
    s.restart()
    client = s.kinesis()

    after = wait_for_stream(client, name)
    for field in ["StreamARN", "RetentionPeriodHours", "StreamModeDetails", "EncryptionType", "KeyId",
                  "OpenShardCount", "StreamCreationTimestamp", "EnhancedMonitoring"]:
        assert after.get(field) == summary.get(field), field
    assert list_all_shards(client, name) == shards
    assert [(t["Key"], t["Value"]) for t in client.list_tags_for_stream(StreamName=name)["Tags"]] == [("keep", "me")]
    assert client.describe_stream_consumer(ConsumerARN=consumer)["ConsumerDescription"]["ConsumerName"] == "survivor"
    assert gone not in client.list_streams()["StreamNames"]

    out = get_records(client, iterator)
    assert [r["SequenceNumber"] for r in out["Records"]] == [before_split["SequenceNumber"]]
    records, last = read_shard(client, name, "shardId-000000000000")
    assert [r["Data"] for r in records] == [b"parent"]
    assert last.get("NextShardIterator") is None
    child = client.put_record(StreamName=name, Data=b"new", PartitionKey="p", ExplicitHashKey="0")
    assert child["EncryptionType"] == "KMS"
    assert [r["Data"] for r in read_shard(client, name, child["ShardId"])[0]] == [b"child", b"new"]


def test_clean_restart_keeps_streams(sluice_factory):
    """After SIGTERM (exit 0) and restart, streams and their records are all there."""
    s = sluice_factory()
    client = s.kinesis()
    names = [create_stream(client, name=unique_name("keep")) for _ in range(2)]
    for name in names:
        client.put_records(StreamName=name, Records=[{"Data": b"%d" % i, "PartitionKey": "k"} for i in range(5)])
    assert s.stop() == 0
    s.restart()
    client = s.kinesis()
    for name in names:
        assert wait_for_stream(client, name)["StreamStatus"] == "ACTIVE"
        records, _ = read_shard(client, name, "shardId-000000000000")
        assert [r["Data"] for r in records] == [b"%d" % i for i in range(5)]
