'use strict';
// Kinesis enhanced fan-out with the SDK as shipped: SubscribeToShardCommand
// over the client's default HTTP/2 handler (cleartext with prior knowledge),
// records pushed as they are committed, ChildShards at the end of a split
// parent, the 5-second takeover rule, the end after the subscription's
// lifetime, and errors before and inside the event stream.

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { performance } = require('node:perf_hooks');
const {
  DeregisterStreamConsumerCommand,
  DescribeStreamConsumerCommand,
  PutRecordCommand,
  RegisterStreamConsumerCommand,
  SplitShardCommand,
  SubscribeToShardCommand,
} = require('@aws-sdk/client-kinesis');
const { NodeHttp2Handler } = require('@smithy/node-http-handler');
const { expectError, sleep } = require('./lib/aws');
const {
  ACCOUNT, HASH_KEY_MAX, makeKinesisClient, useKinesisServer, streamArn, waitForStream, createStream, listAllShards,
  text,
} = require('./lib/kinesis');

const HEARTBEAT = '--kinesis-subscription-heartbeat-ms';
const LIFETIME = '--kinesis-subscription-lifetime-ms';
// Heartbeats a minute apart: an event that comes within the test's time was
// pushed by a commit.
const push = useKinesisServer({ args: [HEARTBEAT, '60000'] });
const idle = useKinesisServer({ args: [HEARTBEAT, '300'] });
const short = useKinesisServer({ args: [HEARTBEAT, '300', LIFETIME, '1500'] });

const SHARD = (i) => `shardId-${String(i).padStart(12, '0')}`;
const MID = 1n << 127n;
// AWS refuses a second subscription of a consumer to a shard within 5 s.
const TAKEOVER_MS = 5000;

// The client as shipped (HTTP/2); the caller destroys it.
function h2Client(ctx) {
  return makeKinesisClient(ctx.server, { http2: true });
}

async function waitForConsumer(kinesis, consumerArn) {
  const deadline = Date.now() + 15000;
  for (;;) {
    const d = (await kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumerArn })))
      .ConsumerDescription;
    if (d.ConsumerStatus === 'ACTIVE') return;
    assert.equal(d.ConsumerStatus, 'CREATING');
    assert.ok(Date.now() < deadline, `consumer still ${d.ConsumerStatus}`);
    await sleep(50);
  }
}

// Registers consumers of a stream and waits until they are ACTIVE; resolves
// to their ARNs.
async function registerConsumers(kinesis, name, ...consumerNames) {
  const arns = [];
  for (const consumerName of consumerNames) {
    const { Consumer } = await kinesis.send(new RegisterStreamConsumerCommand({
      StreamARN: streamArn(name), ConsumerName: consumerName,
    }));
    arns.push(Consumer.ConsumerARN);
  }
  for (const arn of arns) await waitForConsumer(kinesis, arn);
  return arns;
}

// One SubscribeToShard call; the events are read one at a time.
async function subscribe(client, consumerArn, shardId = SHARD(0), position = { Type: 'LATEST' }) {
  const controller = new AbortController();
  const out = await client.send(new SubscribeToShardCommand({
    ConsumerARN: consumerArn, ShardId: shardId, StartingPosition: position,
  }), { abortSignal: controller.signal });
  assert.equal(out.$metadata.httpStatusCode, 200);
  const events = out.EventStream[Symbol.asyncIterator]();
  let done = false;
  return {
    // The next SubscribeToShardEvent (the SDK has taken the initial-response).
    async next() {
      const { value, done: ended } = await events.next();
      assert.ok(!ended, 'the event stream ended where an event was expected');
      assert.deepEqual(Object.keys(value), ['SubscribeToShardEvent']);
      return value.SubscribeToShardEvent;
    },
    // Every further event, until the stream ends without an error.
    async rest() {
      const got = [];
      for (;;) {
        const { value, done: ended } = await events.next();
        if (ended) break;
        assert.deepEqual(Object.keys(value), ['SubscribeToShardEvent']);
        got.push(value.SubscribeToShardEvent);
        assert.ok(got.length <= 50, 'more than 50 events and the stream has not ended');
      }
      done = true;
      return got;
    },
    close() {
      if (!done) controller.abort();
    },
  };
}

function datas(event) {
  return event.Records.map((r) => text(r.Data));
}

function assertContinues(event) {
  assert.match(event.ContinuationSequenceNumber, /^\d+$/);
  assert.equal(event.ChildShards, undefined);
  assert.ok(event.MillisBehindLatest >= 0);
}

async function putRecord(kinesis, name, data, extra = {}) {
  return kinesis.send(new PutRecordCommand({ StreamName: name, Data: Buffer.from(data), PartitionKey: 'k', ...extra }));
}

// The next event that carries records, skipping at most `limit` heartbeats.
async function nextWithRecords(sub, limit = 20) {
  for (let i = 0; i <= limit; i += 1) {
    const event = await sub.next();
    if (event.Records.length) return event;
  }
  throw new Error(`${limit} events in a row without the records expected`);
}

describe('SubscribeToShard over HTTP/2', () => {
  it('pushes each record put after subscribing, at once', async () => {
    const client = h2Client(push);
    try {
      assert.ok(client.config.requestHandler instanceof NodeHttp2Handler, 'the default handler is HTTP/2');
      const name = await createStream(push.kinesis);
      const [first, second] = await registerConsumers(push.kinesis, name, 'pushed', 'resumer');
      const sub = await subscribe(client, first);
      const latencies = [];
      const continuations = [];
      const puts = [];
      try {
        const initial = await sub.next();
        assert.deepEqual(initial.Records, []);
        assert.equal(initial.MillisBehindLatest, 0);
        assertContinues(initial);
        for (let i = 0; i < 20; i += 1) {
          const before = Date.now();
          const sent = performance.now();
          const out = await putRecord(client, name, `pushed-${i}`, { PartitionKey: `key-${i}` });
          const event = await sub.next();
          latencies.push(performance.now() - sent);
          assert.deepEqual(event.Records.map((r) => [r.SequenceNumber, text(r.Data), r.PartitionKey]),
            [[out.SequenceNumber, `pushed-${i}`, `key-${i}`]]);
          const stamp = event.Records[0].ApproximateArrivalTimestamp;
          assert.ok(stamp instanceof Date);
          assert.ok(stamp.getTime() >= before - 5000 && stamp.getTime() <= Date.now() + 5000, String(stamp));
          assert.equal(event.MillisBehindLatest, 0);
          assertContinues(event);
          assert.ok(BigInt(event.ContinuationSequenceNumber) >= BigInt(out.SequenceNumber));
          continuations.push(event.ContinuationSequenceNumber);
          puts.push(out);
        }
      } finally {
        sub.close();
      }
      latencies.sort((a, b) => a - b);
      const median = (latencies[9] + latencies[10]) / 2;
      console.log(`put→event latency, JS SDK over HTTP/2 (${latencies.length} records, from sending PutRecord `
        + `to the event decoded): min ${latencies[0].toFixed(1)} ms, median ${median.toFixed(1)} ms, `
        + `max ${latencies[latencies.length - 1].toFixed(1)} ms`);

      // ContinuationSequenceNumber with AFTER_SEQUENCE_NUMBER resumes right after that event.
      const resumed = await subscribe(client, second, SHARD(0), {
        Type: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: continuations[11],
      });
      try {
        const event = await resumed.next();
        assert.deepEqual(datas(event), Array.from({ length: 8 }, (_, i) => `pushed-${i + 12}`));
        assert.deepEqual(event.Records.map((r) => r.SequenceNumber), puts.slice(12).map((p) => p.SequenceNumber));
      } finally {
        resumed.close();
      }
    } finally {
      client.destroy();
    }
  });

  it('ends a split parent with ChildShards and no ContinuationSequenceNumber', async () => {
    const client = h2Client(idle);
    try {
      const name = await createStream(idle.kinesis);
      const [arn] = await registerConsumers(idle.kinesis, name, 'c');
      await putRecord(idle.kinesis, name, 'before');
      const sub = await subscribe(client, arn, SHARD(0), { Type: 'TRIM_HORIZON' });
      let events;
      try {
        assert.deepEqual(datas(await sub.next()), ['before']);
        await idle.kinesis.send(new SplitShardCommand({
          StreamName: name, ShardToSplit: SHARD(0), NewStartingHashKey: MID.toString(),
        }));
        events = await sub.rest();
      } finally {
        sub.close();
      }
      await waitForStream(idle.kinesis, name);
      assert.ok(events.length > 0, 'the stream ended without the final event');
      for (const event of events.slice(0, -1)) {
        assertContinues(event);
        assert.deepEqual(event.Records, []);
      }
      const last = events[events.length - 1];
      assert.equal(last.ContinuationSequenceNumber, undefined);
      assert.deepEqual(last.Records, []);
      const shards = Object.fromEntries((await listAllShards(idle.kinesis, name)).map((s) => [s.ShardId, s]));
      const children = [...last.ChildShards].sort((a, b) => (a.ShardId < b.ShardId ? -1 : 1));
      assert.deepEqual(children.map((c) => c.ShardId), [SHARD(1), SHARD(2)]);
      for (const child of children) {
        assert.deepEqual(child.ParentShards, [SHARD(0)]);
        assert.deepEqual(child.HashKeyRange, shards[child.ShardId].HashKeyRange);
      }
      assert.deepEqual(children[1].HashKeyRange, { StartingHashKey: MID.toString(), EndingHashKey: HASH_KEY_MAX.toString() });
    } finally {
      client.destroy();
    }
  });

  it('refuses a second subscription within 5 s, then lets it take over', async () => {
    const client = h2Client(idle);
    try {
      const name = await createStream(idle.kinesis);
      const [arn] = await registerConsumers(idle.kinesis, name, 'c');
      const refused = () => expectError(client.send(new SubscribeToShardCommand({
        ConsumerARN: arn, ShardId: SHARD(0), StartingPosition: { Type: 'LATEST' },
      })), {
        name: 'ResourceInUseException',
        status: 400,
        message: `Another active subscription exists for this consumer: ${ACCOUNT}:${name}:${SHARD(0)}:c`,
      });
      const first = await subscribe(client, arn);
      const started = Date.now(); // the server noted the start before it answered
      let second;
      try {
        assert.deepEqual((await first.next()).Records, []);
        await refused();
        let heartbeats = 0;
        while (Date.now() < started + TAKEOVER_MS + 100) {
          assert.deepEqual((await first.next()).Records, []);
          heartbeats += 1;
        }
        assert.ok(heartbeats >= 5, `only ${heartbeats} heartbeats in 5 s at one per 300 ms`);
        second = await subscribe(client, arn, SHARD(0), { Type: 'TRIM_HORIZON' });
        await first.rest(); // the first stream ends without an error
        await putRecord(idle.kinesis, name, 'to the second');
        assert.deepEqual(datas(await nextWithRecords(second)), ['to the second']);
        await refused();
      } finally {
        first.close();
        if (second) second.close();
      }
    } finally {
      client.destroy();
    }
  });

  it('ends normally after the subscription lifetime', async () => {
    const client = h2Client(short);
    try {
      const name = await createStream(short.kinesis);
      const [arn] = await registerConsumers(short.kinesis, name, 'c');
      await putRecord(short.kinesis, name, 'first');
      const sub = await subscribe(client, arn, SHARD(0), { Type: 'TRIM_HORIZON' });
      const events = [await sub.next(), ...await sub.rest()];
      assert.deepEqual(datas(events[0]), ['first']);
      assert.ok(events.length >= 3, `1.5 s at one heartbeat per 300 ms gave only ${events.length} events`);
      for (const event of events) assertContinues(event);
    } finally {
      client.destroy();
    }
  });

  it('answers errors before streaming as ordinary exceptions', async () => {
    const client = h2Client(push);
    try {
      const name = await createStream(push.kinesis);
      const { Consumer } = await push.kinesis.send(new RegisterStreamConsumerCommand({
        StreamARN: streamArn(name), ConsumerName: 'early',
      }));
      const call = (input) => client.send(new SubscribeToShardCommand({
        ConsumerARN: Consumer.ConsumerARN, ShardId: SHARD(0), StartingPosition: { Type: 'LATEST' }, ...input,
      }));
      await expectError(call({}), {
        name: 'ResourceInUseException', status: 400, message: /is not in ACTIVE status\.$/,
      });
      await waitForConsumer(push.kinesis, Consumer.ConsumerARN);
      const arn = Consumer.ConsumerARN;
      await expectError(call({ ShardId: SHARD(5) }), {
        name: 'ResourceNotFoundException', status: 400, message: new RegExp(SHARD(5)),
      });
      await expectError(call({ ConsumerARN: `${streamArn(name)}/consumer/never:1700000000` }), {
        name: 'ResourceNotFoundException', status: 400,
      });
      await expectError(call({ StartingPosition: { Type: 'AT_SEQUENCE_NUMBER' } }), {
        name: 'InvalidArgumentException', status: 400,
      });
      await expectError(call({ ConsumerARN: 'not-an-arn' }), { name: 'ValidationException', status: 400 });
      // Refused calls start nothing: the consumer subscribes at once afterwards.
      const sub = await subscribe(client, arn);
      try {
        assert.deepEqual((await sub.next()).Records, []);
      } finally {
        sub.close();
      }
    } finally {
      client.destroy();
    }
  });

  it('ends the stream with ResourceNotFoundException when the consumer is deregistered', async () => {
    const client = h2Client(idle);
    try {
      const name = await createStream(idle.kinesis);
      const [arn] = await registerConsumers(idle.kinesis, name, 'doomed');
      const sub = await subscribe(client, arn);
      try {
        assert.deepEqual((await sub.next()).Records, []);
        await idle.kinesis.send(new DeregisterStreamConsumerCommand({ ConsumerARN: arn }));
        await expectError(sub.rest(), { name: 'ResourceNotFoundException' });
      } finally {
        sub.close();
      }
    } finally {
      client.destroy();
    }
  });
});

describe('SubscribeToShard over HTTP/1.1', () => {
  it('streams to a client configured with NodeHttpHandler, in chunks, until the lifetime ends', async () => {
    // The client applications that pin HTTP/1.1 use: the same event stream, chunked.
    const client = makeKinesisClient(short.server);
    try {
      assert.ok(!(client.config.requestHandler instanceof NodeHttp2Handler), 'an HTTP/1.1 handler');
      const name = await createStream(short.kinesis);
      const [arn] = await registerConsumers(short.kinesis, name, 'h1');
      const sub = await subscribe(client, arn);
      try {
        assertContinues(await sub.next());
        const out = await putRecord(client, name, 'over-http1');
        const event = await nextWithRecords(sub);
        assert.deepEqual(event.Records.map((r) => [r.SequenceNumber, text(r.Data)]),
          [[out.SequenceNumber, 'over-http1']]);
        // The rest are heartbeats, then the stream ends after its 1.5 s lifetime.
        for (const e of await sub.rest()) assert.deepEqual(e.Records, []);
      } finally {
        sub.close();
      }
      // The connection stays usable for ordinary calls after the stream ended.
      assert.equal((await putRecord(client, name, 'after')).ShardId, SHARD(0));
    } finally {
      client.destroy();
    }
  });
});
