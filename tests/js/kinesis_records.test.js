'use strict';
// Kinesis records over AWS JSON 1.1 with the SDK: PutRecord and PutRecords
// routed by the partition key's MD5 or ExplicitHashKey, sequence numbers,
// every GetShardIterator type, GetRecords paging, MillisBehindLatest, record
// sizes and invalid iterators.

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const {
  GetRecordsCommand,
  GetShardIteratorCommand,
  InvalidArgumentException,
  ProvisionedThroughputExceededException,
  PutRecordCommand,
  PutRecordsCommand,
} = require('@aws-sdk/client-kinesis');
const { startServer } = require('./lib/server');
const { expectError, sleep } = require('./lib/aws');
const {
  HASH_KEY_MAX, makeKinesisClient, useKinesisServer, notFoundMessage, validationMessage, createStream, uniqueStreamName,
  listAllShards, hashKeyOf, shardCovering, iteratorFor, getRecords, readShard, text,
} = require('./lib/kinesis');

let routing; // a three-shard stream shared by the routing tests
let shards;
const ctx = useKinesisServer({
  async setup({ kinesis }) {
    routing = await createStream(kinesis, { shards: 3 });
    shards = await listAllShards(kinesis, routing);
  },
});
const SHARD0 = 'shardId-000000000000';
const MIB = 1024 * 1024;

function put(name, data, key, extra = {}) {
  return ctx.kinesis.send(new PutRecordCommand({
    StreamName: name, Data: Buffer.from(data), PartitionKey: key, ...extra,
  }));
}

describe('PutRecord', () => {
  it('routes by the MD5 of the partition key', async () => {
    const seen = new Set();
    for (const key of [...Array(40).keys()].map((i) => `key-${i}`).concat(['ünïcödé-键', '🔥'])) {
      const out = await put(routing, key, key);
      assert.equal(out.ShardId, shardCovering(shards, hashKeyOf(key)), key);
      assert.match(out.SequenceNumber, /^[1-9][0-9]*$/);
      seen.add(out.ShardId);
    }
    assert.equal(seen.size, 3);
  });

  it('routes by ExplicitHashKey, range ends included', async () => {
    for (const shard of shards) {
      for (const key of [shard.HashKeyRange.StartingHashKey, shard.HashKeyRange.EndingHashKey]) {
        const out = await put(routing, 'explicit', 'whatever', { ExplicitHashKey: key });
        assert.equal(out.ShardId, shard.ShardId);
      }
    }
  });

  it('refuses an ExplicitHashKey beyond 2^128-1', async () => {
    const tooBig = (HASH_KEY_MAX + 1n).toString();
    await expectError(put(routing, 'x', 'k', { ExplicitHashKey: tooBig }), {
      name: 'InvalidArgumentException',
      instanceOf: InvalidArgumentException,
      status: 400,
      message: `Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was ${tooBig}`,
    });
  });

  it('gives increasing sequence numbers per shard, also with SequenceNumberForOrdering', async () => {
    let previous = 0n;
    let last;
    for (let i = 0; i < 20; i += 1) {
      const extra = last ? { SequenceNumberForOrdering: last } : {};
      const out = await put(routing, `n${i}`, 'ordered', extra);
      assert.ok(BigInt(out.SequenceNumber) > previous);
      previous = BigInt(out.SequenceNumber);
      last = out.SequenceNumber;
    }
  });

  it('validates the partition key and refuses a missing stream', async () => {
    await expectError(put(routing, 'x', ''), {
      name: 'ValidationException',
      status: 400,
      message: validationMessage('', 'partitionKey', 'Member must have length greater than or equal to 1'),
    });
    await expectError(put(routing, 'x', 'k'.repeat(257)), {
      name: 'ValidationException',
      status: 400,
      message: validationMessage('k'.repeat(257), 'partitionKey', 'Member must have length less than or equal to 256'),
    });
    const absent = uniqueStreamName('absent');
    await expectError(put(absent, 'x', 'k'), {
      name: 'ResourceNotFoundException', status: 400, message: notFoundMessage(absent),
    });
  });

  it('takes up to 1 MiB (key included) on a default stream and refuses more', async () => {
    const name = await createStream(ctx.kinesis);
    const key = 'k'.repeat(8);
    const data = Buffer.alloc(MIB - key.length, 7);
    const ok = await put(name, data, key);
    const err = await expectError(put(name, Buffer.alloc(MIB + 1), 'k'), { status: 400 });
    assert.ok(['ValidationException', 'InvalidArgumentException'].includes(err.name), err.name);
    const { records } = await readShard(ctx.kinesis, name, SHARD0);
    assert.deepEqual(records.map((r) => r.SequenceNumber), [ok.SequenceNumber]);
    assert.ok(Buffer.from(records[0].Data).equals(data));
  });
});

describe('PutRecords', () => {
  it('answers entry by entry in request order', async () => {
    const entries = [...Array(20).keys()].map((i) => ({ Data: Buffer.from(`b${i}`), PartitionKey: `batch-${i}` }));
    entries.push({ Data: Buffer.from('explicit'), PartitionKey: 'p', ExplicitHashKey: '0' });
    const out = await ctx.kinesis.send(new PutRecordsCommand({ StreamName: routing, Records: entries }));
    assert.equal(out.FailedRecordCount || 0, 0);
    assert.equal(out.Records.length, entries.length);
    entries.slice(0, -1).forEach((e, i) => {
      assert.equal(out.Records[i].ShardId, shardCovering(shards, hashKeyOf(e.PartitionKey)));
      assert.equal(out.Records[i].ErrorCode, undefined);
    });
    assert.equal(out.Records[entries.length - 1].ShardId, SHARD0);
  });

  it('takes 500 entries and refuses 501', async () => {
    const name = await createStream(ctx.kinesis);
    const entry = { Data: Buffer.from('e'), PartitionKey: 'p' };
    const out = await ctx.kinesis.send(new PutRecordsCommand({ StreamName: name, Records: Array(500).fill(entry) }));
    assert.equal(out.Records.length, 500);
    const seqs = out.Records.map((r) => BigInt(r.SequenceNumber));
    assert.deepEqual(seqs, [...seqs].sort((a, b) => (a < b ? -1 : 1)));
    await expectError(ctx.kinesis.send(new PutRecordsCommand({ StreamName: name, Records: Array(501).fill(entry) })), {
      name: 'ValidationException',
      status: 400,
      message: /at 'records' failed to satisfy constraint: Member must have length less than or equal to 500/,
    });
  });

  it('fails entries beyond a shard\'s throughput with HTTP 200 and per-entry errors (limits enforced)', async () => {
    const limited = await startServer({ args: ['--kinesis-limits', 'enforce'] });
    const client = makeKinesisClient(limited);
    try {
      const name = await createStream(client);
      const entries = [...Array(500).keys()].map((i) => ({ Data: Buffer.alloc(20000, i % 256), PartitionKey: 'k' }));
      const out = await client.send(new PutRecordsCommand({ StreamName: name, Records: entries }));
      assert.equal(out.$metadata.httpStatusCode, 200);
      const failed = out.Records.filter((r) => r.ErrorCode !== undefined);
      assert.ok(failed.length > 0, '10 MB into one shard at once throttles some entries');
      assert.ok(failed.length < 500, 'the shard takes at least its first MiB');
      assert.equal(out.FailedRecordCount, failed.length);
      for (const r of failed) {
        assert.equal(r.ErrorCode, 'ProvisionedThroughputExceededException');
        assert.ok(r.ErrorMessage.startsWith(
          `Rate exceeded for shard shardId-000000000000 in stream ${name} under account 000000000000.`), r.ErrorMessage);
        assert.equal(r.SequenceNumber, undefined);
      }
      await expectError(client.send(new PutRecordCommand({
        StreamName: name, Data: Buffer.alloc(512 * 1024), PartitionKey: 'k',
      })), {
        name: 'ProvisionedThroughputExceededException',
        instanceOf: ProvisionedThroughputExceededException,
        status: 400,
      });
    } finally {
      client.destroy();
      assert.equal(await limited.stop(), 0);
    }
  });
});

describe('GetShardIterator and GetRecords', () => {
  it('reads from TRIM_HORIZON, AT_ and AFTER_SEQUENCE_NUMBER and LATEST', async () => {
    const name = await createStream(ctx.kinesis);
    const seqs = [];
    for (let i = 0; i < 4; i += 1) seqs.push((await put(name, `r${i}`, 'k')).SequenceNumber);
    const dataFrom = async (type, extra) => {
      const out = await getRecords(ctx.kinesis, await iteratorFor(ctx.kinesis, name, SHARD0, type, extra));
      return out.Records.map((r) => text(r.Data));
    };
    assert.deepEqual(await dataFrom('TRIM_HORIZON'), ['r0', 'r1', 'r2', 'r3']);
    assert.deepEqual(await dataFrom('AT_SEQUENCE_NUMBER', { StartingSequenceNumber: seqs[1] }), ['r1', 'r2', 'r3']);
    assert.deepEqual(await dataFrom('AFTER_SEQUENCE_NUMBER', { StartingSequenceNumber: seqs[1] }), ['r2', 'r3']);
    const latest = await iteratorFor(ctx.kinesis, name, SHARD0, 'LATEST');
    await put(name, 'r4', 'k');
    const out = await getRecords(ctx.kinesis, latest);
    assert.deepEqual(out.Records.map((r) => text(r.Data)), ['r4']);
    assert.equal(out.MillisBehindLatest, 0);
  });

  it('reads AT_TIMESTAMP with millisecond precision', async () => {
    const name = await createStream(ctx.kinesis);
    await put(name, 'first', 'k');
    await sleep(50);
    await put(name, 'second', 'k');
    const { records } = await readShard(ctx.kinesis, name, SHARD0);
    const [t0, t1] = records.map((r) => r.ApproximateArrivalTimestamp);
    assert.ok(t0 instanceof Date && t1 > t0);
    const from = async (date) => (await getRecords(ctx.kinesis,
      await iteratorFor(ctx.kinesis, name, SHARD0, 'AT_TIMESTAMP', { Timestamp: date }))).Records.map((r) => text(r.Data));
    assert.deepEqual(await from(t0), ['first', 'second']);
    assert.deepEqual(await from(new Date(t0.getTime() + 1)), ['second']);
    assert.deepEqual(await from(new Date(Date.now() - 3600 * 1000)), ['first', 'second']);
  });

  it('pages with Limit and reports MillisBehindLatest', async () => {
    const name = await createStream(ctx.kinesis);
    await put(name, 'old', 'k');
    await sleep(300);
    await ctx.kinesis.send(new PutRecordsCommand({
      StreamName: name, Records: ['a', 'b', 'c'].map((d) => ({ Data: Buffer.from(d), PartitionKey: 'k' })),
    }));
    let out = await getRecords(ctx.kinesis, await iteratorFor(ctx.kinesis, name, SHARD0), 1);
    assert.deepEqual(out.Records.map((r) => text(r.Data)), ['old']);
    assert.ok(out.MillisBehindLatest > 0);
    out = await getRecords(ctx.kinesis, out.NextShardIterator, 2);
    assert.deepEqual(out.Records.map((r) => text(r.Data)), ['a', 'b']);
    out = await getRecords(ctx.kinesis, out.NextShardIterator, 2);
    assert.deepEqual(out.Records.map((r) => text(r.Data)), ['c']);
    out = await getRecords(ctx.kinesis, out.NextShardIterator);
    assert.deepEqual(out.Records, []);
    assert.equal(out.MillisBehindLatest, 0);
    assert.ok(out.NextShardIterator);
  });

  it('refuses inconsistent iterator requests, unknown shards and bad iterators', async () => {
    const name = await createStream(ctx.kinesis);
    await expectError(ctx.kinesis.send(new GetShardIteratorCommand({
      StreamName: name, ShardId: SHARD0, ShardIteratorType: 'AT_SEQUENCE_NUMBER',
    })), {
      name: 'InvalidArgumentException',
      status: 400,
      message: 'Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or '
        + '(2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. '
        + 'Request specified AT_SEQUENCE_NUMBER and no StartingSequenceNumber.',
    });
    await expectError(ctx.kinesis.send(new GetShardIteratorCommand({
      StreamName: name, ShardId: 'shardId-000000000003', ShardIteratorType: 'LATEST',
    })), {
      name: 'ResourceNotFoundException',
      status: 400,
      message: `Shard shardId-000000000003 in stream ${name} under account 000000000000 does not exist`,
    });
    await expectError(ctx.kinesis.send(new GetRecordsCommand({ ShardIterator: `AAAAAAAAAAH${'q'.repeat(100)}` })), {
      name: 'InvalidArgumentException', status: 400, message: 'Invalid ShardIterator.',
    });
    await expectError(ctx.kinesis.send(new GetRecordsCommand({
      ShardIterator: await iteratorFor(ctx.kinesis, name, SHARD0), Limit: 10001,
    })), {
      name: 'ValidationException',
      status: 400,
      message: validationMessage(10001, 'limit', 'Member must have value less than or equal to 10000'),
    });
  });

  it('returns binary data unchanged', async () => {
    const name = await createStream(ctx.kinesis);
    const data = Buffer.from([...Array(256).keys()]);
    await put(name, data, 'bin');
    await put(name, Buffer.alloc(0), 'empty');
    const { records } = await readShard(ctx.kinesis, name, SHARD0);
    assert.ok(Buffer.from(records[0].Data).equals(data));
    assert.equal(records[1].Data.length, 0);
    assert.equal(records[1].PartitionKey, 'empty');
  });
});
