'use strict';
// Kinesis settings and attachments with the SDK: stream and resource tags,
// resource policies, enhanced monitoring, server-side encryption, enhanced
// fan-out consumers, DeleteStream with consumers, and DescribeLimits.

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const {
  AddTagsToStreamCommand,
  DeleteResourcePolicyCommand,
  DeleteStreamCommand,
  DeregisterStreamConsumerCommand,
  DescribeLimitsCommand,
  DescribeStreamConsumerCommand,
  DisableEnhancedMonitoringCommand,
  EnableEnhancedMonitoringCommand,
  GetResourcePolicyCommand,
  ListStreamConsumersCommand,
  ListTagsForResourceCommand,
  ListTagsForStreamCommand,
  PutRecordCommand,
  PutRecordsCommand,
  PutResourcePolicyCommand,
  RegisterStreamConsumerCommand,
  RemoveTagsFromStreamCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  StartStreamEncryptionCommand,
  StopStreamEncryptionCommand,
  TagResourceCommand,
  UntagResourceCommand,
} = require('@aws-sdk/client-kinesis');
const { expectError, sleep } = require('./lib/aws');
const {
  ACCOUNT, useKinesisServer, streamArn, notFoundMessage, summaryOf, waitForStream, waitForStreamGone, createStream,
  uniqueStreamName, readShard, text,
} = require('./lib/kinesis');

const ctx = useKinesisServer();
const ALL_METRICS = [
  'IncomingBytes', 'IncomingRecords', 'OutgoingBytes', 'OutgoingRecords',
  'WriteProvisionedThroughputExceeded', 'ReadProvisionedThroughputExceeded', 'IteratorAgeMilliseconds',
].sort();

function pairs(tags) {
  return tags.map((t) => [t.Key, t.Value]);
}

async function waitForConsumer(consumerArn, status = 'ACTIVE') {
  const deadline = Date.now() + 15000;
  for (;;) {
    const d = (await ctx.kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumerArn })))
      .ConsumerDescription;
    if (d.ConsumerStatus === status) return d;
    assert.ok(Date.now() < deadline, `consumer still ${d.ConsumerStatus}`);
    await sleep(50);
  }
}

describe('Tags', () => {
  it('adds, overwrites, lists in key order, pages and removes stream tags', async () => {
    const name = await createStream(ctx.kinesis);
    await ctx.kinesis.send(new AddTagsToStreamCommand({ StreamName: name, Tags: { b: '2', a: '1', c: '3' } }));
    await ctx.kinesis.send(new AddTagsToStreamCommand({ StreamName: name, Tags: { a: 'one' } }));
    let out = await ctx.kinesis.send(new ListTagsForStreamCommand({ StreamName: name, Limit: 2 }));
    assert.deepEqual(pairs(out.Tags), [['a', 'one'], ['b', '2']]);
    assert.equal(out.HasMoreTags, true);
    out = await ctx.kinesis.send(new ListTagsForStreamCommand({ StreamName: name, ExclusiveStartTagKey: 'b' }));
    assert.deepEqual(pairs(out.Tags), [['c', '3']]);
    assert.equal(out.HasMoreTags, false);
    await ctx.kinesis.send(new RemoveTagsFromStreamCommand({ StreamName: name, TagKeys: ['a', 'zzz'] }));
    out = await ctx.kinesis.send(new ListTagsForStreamCommand({ StreamName: name }));
    assert.deepEqual(pairs(out.Tags), [['b', '2'], ['c', '3']]);
  });

  it('tags streams and consumers by ARN', async () => {
    const name = await createStream(ctx.kinesis);
    const arn = streamArn(name);
    await ctx.kinesis.send(new TagResourceCommand({ ResourceARN: arn, Tags: { x: '1', y: '2' } }));
    await ctx.kinesis.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ['x'] }));
    const out = await ctx.kinesis.send(new ListTagsForResourceCommand({ ResourceARN: arn }));
    assert.deepEqual(pairs(out.Tags), [['y', '2']]);
    const consumer = (await ctx.kinesis.send(new RegisterStreamConsumerCommand({
      StreamARN: arn, ConsumerName: 'tagged', Tags: { owner: 'me' },
    }))).Consumer;
    const tags = await ctx.kinesis.send(new ListTagsForResourceCommand({ ResourceARN: consumer.ConsumerARN }));
    assert.deepEqual(pairs(tags.Tags), [['owner', 'me']]);
  });

  it('refuses a 51st tag and a missing stream', async () => {
    const name = await createStream(ctx.kinesis);
    const fifty = Object.fromEntries([...Array(50).keys()].map((i) => [`t${i}`, 'v']));
    await ctx.kinesis.send(new AddTagsToStreamCommand({ StreamName: name, Tags: fifty }));
    await expectError(ctx.kinesis.send(new AddTagsToStreamCommand({ StreamName: name, Tags: { more: 'v' } })), {
      name: 'InvalidArgumentException', status: 400,
    });
    const absent = uniqueStreamName('absent');
    await expectError(ctx.kinesis.send(new ListTagsForStreamCommand({ StreamName: absent })), {
      name: 'ResourceNotFoundException', instanceOf: ResourceNotFoundException, status: 400,
      message: notFoundMessage(absent),
    });
  });
});

describe('Resource policies', () => {
  it('puts, gets and deletes a stream policy', async () => {
    const arn = streamArn(await createStream(ctx.kinesis));
    const policy = {
      Version: '2012-10-17',
      Statement: [{
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
        Action: ['kinesis:GetRecords'],
        Resource: arn,
      }],
    };
    await ctx.kinesis.send(new PutResourcePolicyCommand({ ResourceARN: arn, Policy: JSON.stringify(policy) }));
    const got = await ctx.kinesis.send(new GetResourcePolicyCommand({ ResourceARN: arn }));
    assert.deepEqual(JSON.parse(got.Policy), policy);
    await ctx.kinesis.send(new DeleteResourcePolicyCommand({ ResourceARN: arn }));
    try {
      const after = await ctx.kinesis.send(new GetResourcePolicyCommand({ ResourceARN: arn }));
      assert.ok([undefined, '', '{}'].includes(after.Policy) || Object.keys(JSON.parse(after.Policy)).length === 0,
        after.Policy);
    } catch (err) {
      assert.equal(err.name, 'ResourceNotFoundException', err.message);
    }
    await expectError(ctx.kinesis.send(new PutResourcePolicyCommand({ ResourceARN: arn, Policy: 'not json' })), {
      name: 'InvalidArgumentException', status: 400,
    });
    await expectError(ctx.kinesis.send(new GetResourcePolicyCommand({
      ResourceARN: streamArn(uniqueStreamName('absent')),
    })), { name: 'ResourceNotFoundException', status: 400 });
  });
});

describe('Enhanced monitoring', () => {
  it('enables and disables shard-level metrics, ALL meaning all seven', async () => {
    const name = await createStream(ctx.kinesis);
    let out = await ctx.kinesis.send(new EnableEnhancedMonitoringCommand({
      StreamName: name, ShardLevelMetrics: ['ALL'],
    }));
    assert.equal(out.StreamName, name);
    assert.equal(out.StreamARN, streamArn(name));
    assert.deepEqual([...out.DesiredShardLevelMetrics].sort(), ALL_METRICS);
    await waitForStream(ctx.kinesis, name);
    out = await ctx.kinesis.send(new DisableEnhancedMonitoringCommand({
      StreamName: name, ShardLevelMetrics: ['IncomingBytes', 'OutgoingBytes'],
    }));
    assert.deepEqual([...out.CurrentShardLevelMetrics].sort(), ALL_METRICS);
    assert.deepEqual([...out.DesiredShardLevelMetrics].sort(),
      ALL_METRICS.filter((m) => m !== 'IncomingBytes' && m !== 'OutgoingBytes'));
    const summary = await waitForStream(ctx.kinesis, name);
    assert.deepEqual([...summary.EnhancedMonitoring[0].ShardLevelMetrics].sort(), out.DesiredShardLevelMetrics.sort());
    await expectError(ctx.kinesis.send(new EnableEnhancedMonitoringCommand({
      StreamName: name, ShardLevelMetrics: ['Nonsense'],
    })), { name: 'ValidationException', status: 400 });
  });
});

describe('Encryption', () => {
  it('reports KMS on the stream and on records written while it is on', async () => {
    const name = await createStream(ctx.kinesis);
    await ctx.kinesis.send(new PutRecordCommand({ StreamName: name, Data: Buffer.from('plain'), PartitionKey: 'k' }));
    await ctx.kinesis.send(new StartStreamEncryptionCommand({
      StreamName: name, EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis',
    }));
    assert.equal((await summaryOf(ctx.kinesis, name)).StreamStatus, 'UPDATING');
    const summary = await waitForStream(ctx.kinesis, name);
    assert.equal(summary.EncryptionType, 'KMS');
    assert.equal(summary.KeyId, 'alias/aws/kinesis');
    const put = await ctx.kinesis.send(new PutRecordCommand({
      StreamName: name, Data: Buffer.from('secret'), PartitionKey: 'k',
    }));
    assert.equal(put.EncryptionType, 'KMS');
    const batch = await ctx.kinesis.send(new PutRecordsCommand({
      StreamName: name, Records: [{ Data: Buffer.from('secret-2'), PartitionKey: 'k' }],
    }));
    assert.equal(batch.EncryptionType, 'KMS');
    await ctx.kinesis.send(new StopStreamEncryptionCommand({
      StreamName: name, EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis',
    }));
    assert.equal((await waitForStream(ctx.kinesis, name)).EncryptionType, 'NONE');
    const { records } = await readShard(ctx.kinesis, name, 'shardId-000000000000');
    assert.deepEqual(records.map((r) => [text(r.Data), r.EncryptionType || 'NONE']),
      [['plain', 'NONE'], ['secret', 'KMS'], ['secret-2', 'KMS']]);
  });
});

describe('Consumers', () => {
  it('registers, describes, lists and deregisters consumers', async () => {
    const name = await createStream(ctx.kinesis);
    const arn = streamArn(name);
    const { Consumer } = await ctx.kinesis.send(new RegisterStreamConsumerCommand({
      StreamARN: arn, ConsumerName: 'reader',
    }));
    assert.equal(Consumer.ConsumerStatus, 'CREATING');
    assert.match(Consumer.ConsumerARN, new RegExp(`^${arn}/consumer/reader:\\d+$`));
    assert.ok(Consumer.ConsumerCreationTimestamp instanceof Date);
    const described = await waitForConsumer(Consumer.ConsumerARN);
    assert.equal(described.StreamARN, arn);
    const byName = await ctx.kinesis.send(new DescribeStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'reader' }));
    assert.equal(byName.ConsumerDescription.ConsumerARN, Consumer.ConsumerARN);
    await expectError(ctx.kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'reader' })), {
      name: 'ResourceInUseException', instanceOf: ResourceInUseException, status: 400,
    });
    await ctx.kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: arn, ConsumerName: 'second' }));
    const page = await ctx.kinesis.send(new ListStreamConsumersCommand({ StreamARN: arn, MaxResults: 1 }));
    assert.equal(page.Consumers.length, 1);
    const rest = await ctx.kinesis.send(new ListStreamConsumersCommand({
      StreamARN: arn, MaxResults: 1, NextToken: page.NextToken,
    }));
    assert.deepEqual([...page.Consumers, ...rest.Consumers].map((c) => c.ConsumerName).sort(), ['reader', 'second']);
    assert.equal((await summaryOf(ctx.kinesis, name)).ConsumerCount, 2);

    await ctx.kinesis.send(new DeregisterStreamConsumerCommand({ ConsumerARN: Consumer.ConsumerARN }));
    const deadline = Date.now() + 15000;
    for (;;) {
      try {
        const d = await ctx.kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: Consumer.ConsumerARN }));
        assert.equal(d.ConsumerDescription.ConsumerStatus, 'DELETING');
      } catch (err) {
        assert.equal(err.name, 'ResourceNotFoundException', err.message);
        break;
      }
      assert.ok(Date.now() < deadline, 'consumer still DELETING');
      await sleep(50);
    }
  });

  it('keeps a stream with consumers unless EnforceConsumerDeletion is set', async () => {
    const name = await createStream(ctx.kinesis);
    const { Consumer } = await ctx.kinesis.send(new RegisterStreamConsumerCommand({
      StreamARN: streamArn(name), ConsumerName: 'c',
    }));
    await waitForConsumer(Consumer.ConsumerARN);
    await expectError(ctx.kinesis.send(new DeleteStreamCommand({ StreamName: name })), {
      name: 'ResourceInUseException', status: 400,
    });
    await ctx.kinesis.send(new DeleteStreamCommand({ StreamName: name, EnforceConsumerDeletion: true }));
    await waitForStreamGone(ctx.kinesis, name);
  });
});

describe('DescribeLimits', () => {
  it('counts open shards and on-demand streams', async () => {
    const before = await ctx.kinesis.send(new DescribeLimitsCommand({}));
    assert.equal(before.OnDemandStreamCountLimit, 50);
    assert.ok(before.ShardLimit >= before.OpenShardCount);
    await createStream(ctx.kinesis, { name: uniqueStreamName(), shards: 2 });
    const provisioned = await ctx.kinesis.send(new DescribeLimitsCommand({}));
    assert.equal(provisioned.OpenShardCount, before.OpenShardCount + 2);
    await createStream(ctx.kinesis, { StreamModeDetails: { StreamMode: 'ON_DEMAND' } });
    const after = await ctx.kinesis.send(new DescribeLimitsCommand({}));
    assert.equal(after.OnDemandStreamCount, before.OnDemandStreamCount + 1);
    // Whether an on-demand stream's four shards count as open shards here, AWS does not say.
    assert.ok([0, 4].includes(after.OpenShardCount - provisioned.OpenShardCount), String(after.OpenShardCount));
  });
});
