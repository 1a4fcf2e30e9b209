'use strict';
// Kinesis stream management over AWS JSON 1.1 with the SDK: CreateStream,
// DeleteStream, DescribeStream(Summary), ListStreams, ListShards,
// UpdateStreamMode, UpdateMaxRecordSize, retention periods and StreamARN in
// place of StreamName, with the SDK's error classes.

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const {
  CreateStreamCommand,
  DecreaseStreamRetentionPeriodCommand,
  DeleteStreamCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  IncreaseStreamRetentionPeriodCommand,
  InvalidArgumentException,
  KinesisServiceException,
  ListShardsCommand,
  ListStreamsCommand,
  ListTagsForStreamCommand,
  PutRecordCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateMaxRecordSizeCommand,
  UpdateStreamModeCommand,
  ValidationException,
} = require('@aws-sdk/client-kinesis');
const { expectError } = require('./lib/aws');
const {
  ACCOUNT, HASH_KEY_MAX, useKinesisServer, streamArn, notFoundMessage, validationMessage, summaryOf,
  waitForStream, waitForStreamGone, createStream, uniqueStreamName, listAllShards, hashRange,
} = require('./lib/kinesis');

const ctx = useKinesisServer();
const SHARD = (i) => `shardId-${String(i).padStart(12, '0')}`;

function assertEvenRanges(shards, count) {
  const ranges = shards.map(hashRange).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  assert.equal(ranges.length, count);
  assert.equal(ranges[0][0], 0n);
  assert.equal(ranges[count - 1][1], HASH_KEY_MAX);
  const width = (HASH_KEY_MAX + 1n) / BigInt(count);
  ranges.forEach(([start, end], i) => {
    if (i > 0) assert.equal(start, ranges[i - 1][1] + 1n);
    const diff = end - start + 1n - width;
    assert.ok(diff <= BigInt(count) && -diff <= BigInt(count), `${start}..${end}`);
  });
}

describe('CreateStream', () => {
  it('returns while CREATING; the stream becomes ACTIVE with the defaults', async () => {
    const name = uniqueStreamName();
    const out = await ctx.kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 2 }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.equal((await summaryOf(ctx.kinesis, name)).StreamStatus, 'CREATING');
    const summary = await waitForStream(ctx.kinesis, name);
    assert.equal(summary.StreamARN, streamArn(name));
    assert.deepEqual(summary.StreamModeDetails, { StreamMode: 'PROVISIONED' });
    assert.equal(summary.RetentionPeriodHours, 24);
    assert.equal(summary.OpenShardCount, 2);
    assert.equal(summary.ConsumerCount, 0);
    assert.equal(summary.EncryptionType, 'NONE');
    assert.ok(summary.StreamCreationTimestamp instanceof Date);
    assert.ok(Math.abs(summary.StreamCreationTimestamp.getTime() - Date.now()) < 60000);
  });

  it('gives an on-demand stream four even shards', async () => {
    const name = await createStream(ctx.kinesis, { StreamModeDetails: { StreamMode: 'ON_DEMAND' } });
    const summary = await summaryOf(ctx.kinesis, name);
    assert.deepEqual(summary.StreamModeDetails, { StreamMode: 'ON_DEMAND' });
    assertEvenRanges(await listAllShards(ctx.kinesis, name), 4);
  });

  it('takes Tags and MaxRecordSizeInKiB', async () => {
    const name = await createStream(ctx.kinesis, { Tags: { team: 'blue' }, MaxRecordSizeInKiB: 4096 });
    assert.equal((await summaryOf(ctx.kinesis, name)).MaxRecordSizeInKiB, 4096);
    const tags = await ctx.kinesis.send(new ListTagsForStreamCommand({ StreamName: name }));
    assert.deepEqual(tags.Tags, [{ Key: 'team', Value: 'blue' }]);
  });

  it('refuses an existing name with ResourceInUseException', async () => {
    const name = await createStream(ctx.kinesis);
    await expectError(ctx.kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 })), {
      name: 'ResourceInUseException',
      instanceOf: ResourceInUseException,
      status: 400,
      message: `Stream ${name} under account ${ACCOUNT} already exists.`,
    });
  });

  it('validates the name, the shard count and the record size', async () => {
    await expectError(ctx.kinesis.send(new CreateStreamCommand({ StreamName: 'no spaces', ShardCount: 1 })), {
      name: 'ValidationException',
      instanceOf: ValidationException,
      status: 400,
      message: validationMessage('no spaces', 'streamName',
        'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'),
    });
    await expectError(ctx.kinesis.send(new CreateStreamCommand({ StreamName: uniqueStreamName(), ShardCount: 0 })), {
      name: 'ValidationException',
      status: 400,
      message: validationMessage(0, 'shardCount', 'Member must have value greater than or equal to 1'),
    });
    await expectError(ctx.kinesis.send(new CreateStreamCommand({
      StreamName: uniqueStreamName(), ShardCount: 1, MaxRecordSizeInKiB: 10241,
    })), {
      name: 'ValidationException',
      status: 400,
      message: validationMessage(10241, 'maxRecordSizeInKiB', 'Member must have value less than or equal to 10240'),
    });
  });
});

describe('DeleteStream', () => {
  it('leaves the stream DELETING until it is gone', async () => {
    const name = await createStream(ctx.kinesis);
    await ctx.kinesis.send(new DeleteStreamCommand({ StreamName: name }));
    assert.equal((await summaryOf(ctx.kinesis, name)).StreamStatus, 'DELETING');
    await waitForStreamGone(ctx.kinesis, name);
    const err = await expectError(ctx.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name })), {
      name: 'ResourceNotFoundException',
      instanceOf: ResourceNotFoundException,
      status: 400,
      message: notFoundMessage(name),
    });
    assert.ok(err instanceof KinesisServiceException);
    assert.equal(err.$fault, 'client');
  });

  it('refuses a missing stream', async () => {
    const name = uniqueStreamName('absent');
    await expectError(ctx.kinesis.send(new DeleteStreamCommand({ StreamName: name })), {
      name: 'ResourceNotFoundException', status: 400, message: notFoundMessage(name),
    });
  });
});

describe('DescribeStream', () => {
  it('pages shards with Limit and ExclusiveStartShardId', async () => {
    const name = await createStream(ctx.kinesis, { shards: 3 });
    const first = (await ctx.kinesis.send(new DescribeStreamCommand({ StreamName: name, Limit: 2 })))
      .StreamDescription;
    assert.deepEqual(first.Shards.map((s) => s.ShardId), [SHARD(0), SHARD(1)]);
    assert.equal(first.HasMoreShards, true);
    assert.equal(first.StreamARN, streamArn(name));
    assert.equal(first.StreamStatus, 'ACTIVE');
    assert.deepEqual(first.EnhancedMonitoring, [{ ShardLevelMetrics: [] }]);
    const rest = (await ctx.kinesis.send(new DescribeStreamCommand({
      StreamName: name, ExclusiveStartShardId: SHARD(1),
    }))).StreamDescription;
    assert.deepEqual(rest.Shards.map((s) => s.ShardId), [SHARD(2)]);
    assert.equal(rest.HasMoreShards, false);
    assert.deepEqual(first.Shards[1].HashKeyRange, {
      StartingHashKey: '113427455640312821154458202477256070485',
      EndingHashKey: '226854911280625642308916404954512140969',
    });
  });

  it('validates Limit', async () => {
    const name = await createStream(ctx.kinesis);
    await expectError(ctx.kinesis.send(new DescribeStreamCommand({ StreamName: name, Limit: 0 })), {
      name: 'ValidationException',
      status: 400,
      message: validationMessage(0, 'limit', 'Member must have value greater than or equal to 1'),
    });
  });
});

describe('ListStreams', () => {
  it('pages names and summaries in name order with NextToken', async () => {
    const prefix = uniqueStreamName('list');
    const names = ['a', 'b', 'c'].map((c) => `${prefix}-${c}`);
    for (const name of names) await createStream(ctx.kinesis, { name });
    const seen = [];
    let token;
    for (let page = 0; page < 200; page += 1) {
      const out = await ctx.kinesis.send(new ListStreamsCommand(token ? { NextToken: token } : { Limit: 1 }));
      assert.deepEqual(out.StreamSummaries.map((s) => s.StreamName), out.StreamNames);
      for (const summary of out.StreamSummaries) {
        seen.push(summary.StreamName);
        if (names.includes(summary.StreamName)) {
          assert.equal(summary.StreamARN, streamArn(summary.StreamName));
          assert.equal(summary.StreamStatus, 'ACTIVE');
          assert.deepEqual(summary.StreamModeDetails, { StreamMode: 'PROVISIONED' });
          assert.ok(summary.StreamCreationTimestamp instanceof Date);
        }
      }
      if (!out.HasMoreStreams) break;
      token = out.NextToken;
      assert.ok(token, 'HasMoreStreams comes with a NextToken');
    }
    assert.deepEqual(seen, [...seen].sort());
    assert.deepEqual(seen.filter((n) => names.includes(n)), names);
    const after = await ctx.kinesis.send(new ListStreamsCommand({ ExclusiveStartStreamName: names[0], Limit: 1 }));
    assert.deepEqual(after.StreamNames, [names[1]]);
    assert.equal(after.HasMoreStreams, true);
  });
});

describe('ListShards', () => {
  it('pages with MaxResults and NextToken, and refuses NextToken with StreamName', async () => {
    const name = await createStream(ctx.kinesis, { shards: 3 });
    let out = await ctx.kinesis.send(new ListShardsCommand({ StreamName: name, MaxResults: 2 }));
    const ids = out.Shards.map((s) => s.ShardId);
    assert.ok(out.NextToken);
    const token = out.NextToken;
    out = await ctx.kinesis.send(new ListShardsCommand({ NextToken: token }));
    ids.push(...out.Shards.map((s) => s.ShardId));
    assert.deepEqual(ids, [SHARD(0), SHARD(1), SHARD(2)]);
    assert.equal(out.NextToken, undefined);
    await expectError(ctx.kinesis.send(new ListShardsCommand({ StreamName: name, NextToken: token })), {
      name: 'InvalidArgumentException', instanceOf: InvalidArgumentException, status: 400,
    });
    await expectError(ctx.kinesis.send(new ListShardsCommand({ StreamName: uniqueStreamName('absent') })), {
      name: 'ResourceNotFoundException', status: 400,
    });
  });
});

describe('UpdateStreamMode and UpdateMaxRecordSize', () => {
  it('switches a provisioned stream to on-demand through UPDATING', async () => {
    const name = await createStream(ctx.kinesis);
    await ctx.kinesis.send(new UpdateStreamModeCommand({
      StreamARN: streamArn(name), StreamModeDetails: { StreamMode: 'ON_DEMAND' },
    }));
    assert.equal((await summaryOf(ctx.kinesis, name)).StreamStatus, 'UPDATING');
    const summary = await waitForStream(ctx.kinesis, name);
    assert.deepEqual(summary.StreamModeDetails, { StreamMode: 'ON_DEMAND' });
  });

  it('changes MaxRecordSizeInKiB within 1024..10240', async () => {
    const name = await createStream(ctx.kinesis);
    await ctx.kinesis.send(new UpdateMaxRecordSizeCommand({ StreamARN: streamArn(name), MaxRecordSizeInKiB: 2048 }));
    assert.equal((await waitForStream(ctx.kinesis, name)).MaxRecordSizeInKiB, 2048);
    await expectError(ctx.kinesis.send(new UpdateMaxRecordSizeCommand({
      StreamARN: streamArn(name), MaxRecordSizeInKiB: 512,
    })), {
      name: 'ValidationException',
      status: 400,
      message: validationMessage(512, 'maxRecordSizeInKiB', 'Member must have value greater than or equal to 1024'),
    });
  });
});

describe('Retention', () => {
  it('increases and decreases within 24..8760 hours', async () => {
    const name = await createStream(ctx.kinesis);
    await ctx.kinesis.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 168 }));
    assert.equal((await waitForStream(ctx.kinesis, name)).RetentionPeriodHours, 168);
    await ctx.kinesis.send(new DecreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: 24 }));
    assert.equal((await waitForStream(ctx.kinesis, name)).RetentionPeriodHours, 24);
  });

  it('refuses values out of range or in the wrong direction', async () => {
    const name = await createStream(ctx.kinesis);
    await expectError(ctx.kinesis.send(new IncreaseStreamRetentionPeriodCommand({
      StreamName: name, RetentionPeriodHours: 9000,
    })), {
      name: 'InvalidArgumentException',
      status: 400,
      message: 'Maximum allowed retention period is 8760 hours. Requested retention period (9000 hours) is too long.',
    });
    await expectError(ctx.kinesis.send(new DecreaseStreamRetentionPeriodCommand({
      StreamName: name, RetentionPeriodHours: 12,
    })), {
      name: 'InvalidArgumentException',
      status: 400,
      message: 'Minimum allowed retention period is 24 hours. Requested retention period (12 hours) is too short.',
    });
    await expectError(ctx.kinesis.send(new DecreaseStreamRetentionPeriodCommand({
      StreamName: name, RetentionPeriodHours: 48,
    })), {
      name: 'InvalidArgumentException',
      status: 400,
      message: `Requested retention period (48 hours) for stream ${name} can not be longer than existing `
        + 'retention period (24 hours). Use IncreaseRetentionPeriod API.',
    });
  });
});

describe('StreamARN', () => {
  it('works in place of StreamName for reads and writes', async () => {
    const name = await createStream(ctx.kinesis);
    const arn = streamArn(name);
    const summary = await ctx.kinesis.send(new DescribeStreamSummaryCommand({ StreamARN: arn }));
    assert.equal(summary.StreamDescriptionSummary.StreamName, name);
    const put = await ctx.kinesis.send(new PutRecordCommand({
      StreamARN: arn, PartitionKey: 'k', Data: Buffer.from('by arn'),
    }));
    const { ShardIterator } = await ctx.kinesis.send(new GetShardIteratorCommand({
      StreamARN: arn, ShardId: put.ShardId, ShardIteratorType: 'TRIM_HORIZON',
    }));
    const out = await ctx.kinesis.send(new GetRecordsCommand({ StreamARN: arn, ShardIterator }));
    assert.equal(Buffer.from(out.Records[0].Data).toString(), 'by arn');
    await expectError(ctx.kinesis.send(new DescribeStreamSummaryCommand({
      StreamARN: streamArn(uniqueStreamName('absent')),
    })), { name: 'ResourceNotFoundException', status: 400 });
  });
});
