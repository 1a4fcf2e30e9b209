'use strict';
// Kinesis resharding with the SDK: SplitShard, MergeShards and
// UpdateShardCount with their lineage and errors, ChildShards at the end of a
// closed shard, and the ListShards shard filters.

const { describe, it, before } = require('node:test');
const assert = require('node:assert/strict');
const {
  ListShardsCommand,
  MergeShardsCommand,
  PutRecordCommand,
  SplitShardCommand,
  UpdateShardCountCommand,
} = require('@aws-sdk/client-kinesis');
const { expectError, sleep } = require('./lib/aws');
const {
  ACCOUNT, HASH_KEY_MAX, useKinesisServer, summaryOf, waitForStream, createStream, listAllShards, isOpen, hashRange,
  readShard, text,
} = require('./lib/kinesis');

const ctx = useKinesisServer();
const SHARD = (i) => `shardId-${String(i).padStart(12, '0')}`;
const MID = 1n << 127n;

function byId(shards) {
  return Object.fromEntries(shards.map((s) => [s.ShardId, s]));
}

function assertTiles(openShards) {
  const ranges = openShards.map(hashRange).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  assert.equal(ranges[0][0], 0n);
  assert.equal(ranges[ranges.length - 1][1], HASH_KEY_MAX);
  for (let i = 1; i < ranges.length; i += 1) assert.equal(ranges[i][0], ranges[i - 1][1] + 1n);
}

describe('SplitShard', () => {
  it('closes the parent, which keeps its data and ends with ChildShards', async () => {
    const name = await createStream(ctx.kinesis);
    await ctx.kinesis.send(new PutRecordCommand({ StreamName: name, Data: Buffer.from('before'), PartitionKey: 'k' }));
    await ctx.kinesis.send(new SplitShardCommand({
      StreamName: name, ShardToSplit: SHARD(0), NewStartingHashKey: MID.toString(),
    }));
    assert.equal((await summaryOf(ctx.kinesis, name)).StreamStatus, 'UPDATING');
    assert.equal((await waitForStream(ctx.kinesis, name)).OpenShardCount, 2);
    const shards = byId(await listAllShards(ctx.kinesis, name));
    assert.ok(!isOpen(shards[SHARD(0)]));
    assert.deepEqual(hashRange(shards[SHARD(1)]), [0n, MID - 1n]);
    assert.deepEqual(hashRange(shards[SHARD(2)]), [MID, HASH_KEY_MAX]);
    assert.equal(shards[SHARD(1)].ParentShardId, SHARD(0));
    assert.equal(shards[SHARD(2)].ParentShardId, SHARD(0));
    const { records, last } = await readShard(ctx.kinesis, name, SHARD(0));
    assert.deepEqual(records.map((r) => text(r.Data)), ['before']);
    assert.ok(BigInt(records[0].SequenceNumber)
      <= BigInt(shards[SHARD(0)].SequenceNumberRange.EndingSequenceNumber));
    assert.equal(last.NextShardIterator, undefined);
    assert.deepEqual(last.ChildShards.map((c) => c.ShardId).sort(), [SHARD(1), SHARD(2)]);
    for (const child of last.ChildShards) {
      assert.deepEqual(child.ParentShards, [SHARD(0)]);
      assert.deepEqual(child.HashKeyRange, shards[child.ShardId].HashKeyRange);
    }
  });

  it('refuses bad hash keys, unknown shards and a stream that is UPDATING', async () => {
    const name = await createStream(ctx.kinesis);
    await expectError(ctx.kinesis.send(new SplitShardCommand({
      StreamName: name, ShardToSplit: SHARD(0), NewStartingHashKey: '1',
    })), {
      name: 'InvalidArgumentException',
      status: 400,
      message: new RegExp(`^NewStartingHashKey 1 used in SplitShard\\(\\) on shard ${SHARD(0)} in stream ${name} `
        + `under account ${ACCOUNT} is not both greater than one plus the shard's StartingHashKey 0 and less than `
        + 'the shard\'s EndingHashKey'),
    });
    await expectError(ctx.kinesis.send(new SplitShardCommand({
      StreamName: name, ShardToSplit: SHARD(4), NewStartingHashKey: MID.toString(),
    })), {
      name: 'ResourceNotFoundException',
      status: 400,
      message: `Could not find shard ${SHARD(4)} in stream ${name} under account ${ACCOUNT}.`,
    });
    await ctx.kinesis.send(new SplitShardCommand({
      StreamName: name, ShardToSplit: SHARD(0), NewStartingHashKey: MID.toString(),
    }));
    await expectError(ctx.kinesis.send(new SplitShardCommand({
      StreamName: name, ShardToSplit: SHARD(0), NewStartingHashKey: (MID / 2n).toString(),
    })), {
      name: 'ResourceInUseException',
      status: 400,
      message: `Stream ${name} under account ${ACCOUNT} not ACTIVE, instead in state UPDATING`,
    });
    await waitForStream(ctx.kinesis, name);
  });
});

describe('MergeShards', () => {
  it('makes one child with two parents', async () => {
    const name = await createStream(ctx.kinesis, { shards: 2 });
    await ctx.kinesis.send(new MergeShardsCommand({
      StreamName: name, ShardToMerge: SHARD(0), AdjacentShardToMerge: SHARD(1),
    }));
    assert.equal((await waitForStream(ctx.kinesis, name)).OpenShardCount, 1);
    const child = byId(await listAllShards(ctx.kinesis, name))[SHARD(2)];
    assert.deepEqual(hashRange(child), [0n, HASH_KEY_MAX]);
    assert.equal(child.ParentShardId, SHARD(0));
    assert.equal(child.AdjacentParentShardId, SHARD(1));
    const { last } = await readShard(ctx.kinesis, name, SHARD(1));
    assert.deepEqual(last.ChildShards.map((c) => c.ShardId), [SHARD(2)]);
    assert.deepEqual([...last.ChildShards[0].ParentShards].sort(), [SHARD(0), SHARD(1)]);
  });

  it('refuses shards that are not adjacent', async () => {
    const name = await createStream(ctx.kinesis, { shards: 3 });
    await expectError(ctx.kinesis.send(new MergeShardsCommand({
      StreamName: name, ShardToMerge: SHARD(0), AdjacentShardToMerge: SHARD(2),
    })), {
      name: 'InvalidArgumentException',
      status: 400,
      message: `Shards ${SHARD(0)} and ${SHARD(2)} in stream ${name} under account ${ACCOUNT} are not an adjacent `
        + 'pair of shards eligible for merging',
    });
  });
});

describe('UpdateShardCount', () => {
  it('doubles uniformly', async () => {
    const name = await createStream(ctx.kinesis, { shards: 2 });
    const out = await ctx.kinesis.send(new UpdateShardCountCommand({
      StreamName: name, TargetShardCount: 4, ScalingType: 'UNIFORM_SCALING',
    }));
    assert.equal(out.CurrentShardCount, 2);
    assert.equal(out.TargetShardCount, 4);
    assert.equal(out.StreamName, name);
    assert.equal((await waitForStream(ctx.kinesis, name)).OpenShardCount, 4);
    const shards = await listAllShards(ctx.kinesis, name);
    const open = shards.filter(isOpen);
    assert.equal(open.length, 4);
    assertTiles(open);
    const ids = byId(shards);
    for (const s of open) assert.ok(ids[s.ParentShardId], `${s.ShardId} has a known parent`);
  });

  it('refuses more than double the open shards', async () => {
    const name = await createStream(ctx.kinesis, { shards: 1 });
    await expectError(ctx.kinesis.send(new UpdateShardCountCommand({
      StreamName: name, TargetShardCount: 3, ScalingType: 'UNIFORM_SCALING',
    })), {
      name: 'LimitExceededException',
      status: 400,
      message: /^UpdateShardCount cannot scale up over double your current open shard count\./,
    });
  });
});

describe('ListShards filters', () => {
  let name;
  let before2;
  let after2;

  before(async () => {
    name = await createStream(ctx.kinesis, { shards: 2 });
    await sleep(20);
    before2 = new Date();
    await sleep(20);
    await ctx.kinesis.send(new SplitShardCommand({
      StreamName: name, ShardToSplit: SHARD(0), NewStartingHashKey: (MID / 2n).toString(),
    }));
    await waitForStream(ctx.kinesis, name);
    await sleep(20);
    after2 = new Date();
  });

  const cases = [
    ['AT_LATEST', {}, [1, 2, 3]],
    ['AT_TRIM_HORIZON', {}, [0, 1]],
    ['FROM_TRIM_HORIZON', {}, [0, 1, 2, 3]],
    ['AFTER_SHARD_ID', { ShardId: SHARD(1) }, [2, 3]],
    ['AT_TIMESTAMP', 'before', [0, 1]],
    ['AT_TIMESTAMP', 'after', [1, 2, 3]],
    ['FROM_TIMESTAMP', 'before', [0, 1, 2, 3]],
    ['FROM_TIMESTAMP', 'after', [1, 2, 3]],
  ];
  for (const [type, extra, expected] of cases) {
    it(`${type}${typeof extra === 'string' ? ` ${extra} the split` : ''}`, async () => {
      const filter = { Type: type };
      if (extra === 'before') filter.Timestamp = before2;
      else if (extra === 'after') filter.Timestamp = after2;
      else Object.assign(filter, extra);
      const out = await ctx.kinesis.send(new ListShardsCommand({ StreamName: name, ShardFilter: filter }));
      assert.deepEqual(out.Shards.map((s) => s.ShardId).sort(), expected.map(SHARD));
    });
  }

  it('needs ShardId for AFTER_SHARD_ID', async () => {
    await expectError(ctx.kinesis.send(new ListShardsCommand({
      StreamName: name, ShardFilter: { Type: 'AFTER_SHARD_ID' },
    })), { name: 'InvalidArgumentException', status: 400 });
  });
});
