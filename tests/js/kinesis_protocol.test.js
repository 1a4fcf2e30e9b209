'use strict';
// Kinesis on the wire: the SDK client as shipped (every operation over
// HTTP/2, cleartext with prior knowledge on an http:// endpoint), what the
// SDK sends (AWS JSON 1.1), and raw JSON 1.1 errors.

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
  PutRecordCommand,
} = require('@aws-sdk/client-kinesis');
const { signPost } = require('./lib/sigv4');
const {
  makeKinesisClient, useKinesisServer, notFoundMessage, waitForStream, createStream, uniqueStreamName, text,
} = require('./lib/kinesis');

const ctx = useKinesisServer();

// A SigV4-signed AWS JSON 1.1 request; resolves to { status, headers, json }.
async function rawCall(target, body) {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const headers = signPost({
    host: `127.0.0.1:${ctx.server.port}`,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
    body: payload,
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'dummy-secret',
    service: 'kinesis',
  });
  delete headers.host; // fetch sets it, to the same value
  const res = await fetch(`${ctx.server.endpoint}/`, { method: 'POST', headers, body: payload });
  const raw = await res.text();
  return { status: res.status, headers: res.headers, json: raw ? JSON.parse(raw) : {} };
}

describe('the SDK client as shipped', () => {
  // The Kinesis client sends every call over HTTP/2 (cleartext on an http://
  // endpoint).
  it('works over its default HTTP/2 handler', async () => {
    const client = makeKinesisClient(ctx.server, { http2: true });
    try {
      const name = uniqueStreamName('h2');
      await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      await waitForStream(client, name);
      const listed = await client.send(new ListStreamsCommand({ ExclusiveStartStreamName: name.slice(0, -1) }));
      assert.ok(listed.StreamNames.includes(name));
      const put = await client.send(new PutRecordCommand({
        StreamName: name, PartitionKey: 'k', Data: Buffer.from('over h2'),
      }));
      const { ShardIterator } = await client.send(new GetShardIteratorCommand({
        StreamName: name, ShardId: put.ShardId, ShardIteratorType: 'TRIM_HORIZON',
      }));
      const out = await client.send(new GetRecordsCommand({ ShardIterator }));
      assert.deepEqual(out.Records.map((r) => text(r.Data)), ['over h2']);
    } finally {
      client.destroy();
    }
  });
});

describe('AWS JSON 1.1', () => {
  it('is what the SDK sends, and responses carry a request id', async () => {
    const seen = [];
    const client = makeKinesisClient(ctx.server);
    client.middlewareStack.add((next) => async (args) => {
      seen.push({ ...args.request.headers });
      return next(args);
    }, { step: 'finalizeRequest', name: 'recordHeaders' });
    try {
      const name = await createStream(ctx.kinesis);
      const out = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
      assert.ok(out.$metadata.requestId, 'x-amzn-RequestId is surfaced as requestId');
      assert.equal(seen[0]['x-amz-target'], 'Kinesis_20131202.DescribeStreamSummary');
      assert.equal(seen[0]['content-type'], 'application/x-amz-json-1.1');
    } finally {
      client.destroy();
    }
  });

  it('carries errors as __type and message', async () => {
    const name = uniqueStreamName('absent');
    let res = await rawCall('Kinesis_20131202.DescribeStreamSummary', { StreamName: name });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('content-type'), 'application/x-amz-json-1.1');
    assert.ok(res.headers.get('x-amzn-requestid'));
    assert.equal(res.json.__type.split('#').pop(), 'ResourceNotFoundException');
    assert.equal(res.json.message, notFoundMessage(name));
    res = await rawCall('Kinesis_20131202.FlyToTheMoon', {});
    assert.equal(res.status, 400);
    assert.equal(res.json.__type.split('#').pop(), 'UnknownOperationException');
    res = await rawCall('Kinesis_20131202.ListStreams', '{"Limit":');
    assert.equal(res.status, 400);
    assert.equal(res.json.__type.split('#').pop(), 'SerializationException');
  });
});
