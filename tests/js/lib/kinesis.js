'use strict';
// Kinesis helpers: per-file server hooks, an SDK client aimed at the test
// server, stream creation and status waits, shard reading, and the hash key
// arithmetic AWS routes records by (MD5 of the partition key as a 128-bit
// unsigned integer).

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { before, after } = require('node:test');
const {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
} = require('@aws-sdk/client-kinesis');
const { NodeHttpHandler } = require('@smithy/node-http-handler');
const { startServer } = require('./server');
const {
  REGION, ACCOUNT, DUMMY_CREDENTIALS, guardLoopback, sleep,
} = require('./aws');

const HASH_KEY_MAX = (1n << 128n) - 1n;
const SETTLE_TIMEOUT_MS = 15000;

// A Kinesis client for a server; retries off so each call is one request.
// As shipped, @aws-sdk/client-kinesis sends every operation over HTTP/2
// (NodeHttp2Handler; on an http:// endpoint that is cleartext HTTP/2 with
// prior knowledge). The API tests use HTTP/1.1 so that they test Kinesis
// semantics whatever the transport; kinesis_protocol.test.js drives the
// client as shipped (options.http2).
function makeKinesisClient(server, options = {}) {
  const config = {
    region: REGION,
    credentials: options.credentials || DUMMY_CREDENTIALS,
    endpoint: server.endpoint,
    maxAttempts: 1,
    ...options.config,
  };
  if (!options.http2) config.requestHandler = new NodeHttpHandler();
  return guardLoopback(new KinesisClient(config));
}

// Starts a server for the calling test file (before) and checks that SIGTERM
// stops it with exit code 0 (after). Returns an object whose `server` and
// `kinesis` fields are set once the file's tests run. options.setup(ctx), if
// given, runs next in the same hook: Node 20 does not wait for one top-level
// before() hook to finish before starting the next.
function useKinesisServer(options = {}) {
  const { setup, ...serverOptions } = options;
  const ctx = { server: null, kinesis: null };
  before(async () => {
    ctx.server = await startServer(serverOptions);
    ctx.kinesis = makeKinesisClient(ctx.server);
    if (setup) await setup(ctx);
  });
  after(async () => {
    if (ctx.kinesis) ctx.kinesis.destroy();
    if (ctx.server) assert.equal(await ctx.server.stop(), 0, 'sluice exits 0 on SIGTERM');
  });
  return ctx;
}

function streamArn(name) {
  return `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${name}`;
}

function notFoundMessage(name) {
  return `Stream ${name} under account ${ACCOUNT} not found.`;
}

// AWS's text for one failed model constraint.
function validationMessage(value, member, constraint) {
  const shown = value === null ? 'null' : `'${value}'`;
  return `1 validation error detected: Value ${shown} at '${member}' failed to satisfy constraint: ${constraint}`;
}

async function summaryOf(kinesis, name) {
  const out = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
  return out.StreamDescriptionSummary;
}

// Polls DescribeStreamSummary until the stream reports `status`.
async function waitForStream(kinesis, name, status = 'ACTIVE', timeoutMs = SETTLE_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const summary = await summaryOf(kinesis, name);
    if (summary.StreamStatus === status) return summary;
    assert.ok(Date.now() < deadline, `stream ${name} still ${summary.StreamStatus} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

// Polls until the stream is gone (ResourceNotFoundException).
async function waitForStreamGone(kinesis, name, timeoutMs = SETTLE_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let summary;
    try {
      summary = await summaryOf(kinesis, name);
    } catch (err) {
      assert.equal(err.name, 'ResourceNotFoundException', err.message);
      return;
    }
    assert.equal(summary.StreamStatus, 'DELETING');
    assert.ok(Date.now() < deadline, `stream ${name} still DELETING after ${timeoutMs} ms`);
    await sleep(50);
  }
}

// Plain ACTIVE provisioned streams made ahead, five at a time (AWS lets five
// streams be CREATING at once), per client and shard count, so that tests
// needing a fresh stream do not each wait for one to be created.
const pools = new WeakMap();
const POOL_BATCH = 5;

async function pooledStream(kinesis, shards) {
  if (!pools.has(kinesis)) pools.set(kinesis, new Map());
  const pool = pools.get(kinesis);
  if (!pool.has(shards)) pool.set(shards, []);
  const ready = pool.get(shards);
  if (ready.length === 0) {
    const batch = Array.from({ length: POOL_BATCH }, () => uniqueStreamName());
    for (const name of batch) await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
    for (const name of batch) await waitForStream(kinesis, name);
    ready.push(...batch);
  }
  return ready.pop();
}

// Creates a stream (provisioned with `shards` unless StreamModeDetails says
// otherwise; other CreateStream members pass through) and waits for ACTIVE
// unless wait is false. Returns its name. A fresh plain stream (no name or
// other members) comes from the pool.
async function createStream(kinesis, { name, shards = 1, wait = true, ...input } = {}) {
  if (!name && wait && Object.keys(input).length === 0) return pooledStream(kinesis, shards);
  const streamName = name || uniqueStreamName();
  const params = { StreamName: streamName, ...input };
  const onDemand = input.StreamModeDetails && input.StreamModeDetails.StreamMode === 'ON_DEMAND';
  if (!onDemand && params.ShardCount === undefined) params.ShardCount = shards;
  await kinesis.send(new CreateStreamCommand(params));
  if (wait) await waitForStream(kinesis, streamName);
  return streamName;
}

let streams = 0;
function uniqueStreamName(prefix = 'ks') {
  streams += 1;
  return `${prefix}-${process.pid}-${streams}-${crypto.randomBytes(3).toString('hex')}`;
}

async function listAllShards(kinesis, name) {
  let out = await kinesis.send(new ListShardsCommand({ StreamName: name }));
  const shards = [...out.Shards];
  while (out.NextToken) {
    out = await kinesis.send(new ListShardsCommand({ NextToken: out.NextToken }));
    shards.push(...out.Shards);
  }
  return shards;
}

// The hash key AWS routes a partition key by.
function hashKeyOf(partitionKey) {
  return BigInt(`0x${crypto.createHash('md5').update(partitionKey, 'utf8').digest('hex')}`);
}

function isOpen(shard) {
  return shard.SequenceNumberRange.EndingSequenceNumber === undefined;
}

function hashRange(shard) {
  return [BigInt(shard.HashKeyRange.StartingHashKey), BigInt(shard.HashKeyRange.EndingHashKey)];
}

// The id of the open shard whose hash key range holds hashKey (a BigInt).
function shardCovering(shards, hashKey) {
  const hits = shards.filter((s) => {
    const [start, end] = hashRange(s);
    return isOpen(s) && start <= hashKey && hashKey <= end;
  });
  assert.equal(hits.length, 1, `one open shard covers ${hashKey}`);
  return hits[0].ShardId;
}

async function iteratorFor(kinesis, name, shardId, type = 'TRIM_HORIZON', extra = {}) {
  const out = await kinesis.send(new GetShardIteratorCommand({
    StreamName: name, ShardId: shardId, ShardIteratorType: type, ...extra,
  }));
  return out.ShardIterator;
}

// One GetRecords call, retried after a pause if the shard's read rate is
// exceeded, as every real consumer does.
async function getRecords(kinesis, iterator, limit) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
    } catch (err) {
      if (err.name !== 'ProvisionedThroughputExceededException' || attempt >= 20) throw err;
      await sleep(250);
    }
  }
}

// Reads a shard from a position until a response is empty and caught up or
// the shard ends (null NextShardIterator). Resolves to { records, last }.
async function readShard(kinesis, name, shardId, type = 'TRIM_HORIZON', extra = {}) {
  let iterator = await iteratorFor(kinesis, name, shardId, type, extra);
  const records = [];
  for (let calls = 0; calls < 200; calls += 1) {
    const out = await getRecords(kinesis, iterator);
    records.push(...out.Records);
    iterator = out.NextShardIterator;
    if (!iterator || (out.Records.length === 0 && out.MillisBehindLatest === 0)) return { records, last: out };
  }
  throw new Error(`shard ${shardId} of ${name} not read to its end in 200 calls`);
}

function text(bytes) {
  return Buffer.from(bytes).toString('utf8');
}

module.exports = {
  ACCOUNT,
  HASH_KEY_MAX,
  makeKinesisClient,
  useKinesisServer,
  streamArn,
  notFoundMessage,
  validationMessage,
  summaryOf,
  waitForStream,
  waitForStreamGone,
  createStream,
  uniqueStreamName,
  listAllShards,
  hashKeyOf,
  isOpen,
  hashRange,
  shardCovering,
  iteratorFor,
  getRecords,
  readShard,
  text,
};
