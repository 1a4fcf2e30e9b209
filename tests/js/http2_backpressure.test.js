'use strict';
// HTTP/2 flow control toward a slow reader, with Node's own http2 module: a
// SubscribeToShard stream whose reader stops reading holds only what its
// window lets through, other requests on the same connection are answered
// meanwhile, and once it reads again every record of a backlog larger than
// one event arrives, in order, none lost or repeated.

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const http2 = require('node:http2');
const {
  DescribeStreamConsumerCommand,
  PutRecordsCommand,
  RegisterStreamConsumerCommand,
} = require('@aws-sdk/client-kinesis');
const { sleep } = require('./lib/aws');
const { useKinesisServer, streamArn, createStream } = require('./lib/kinesis');

// Heartbeats a minute apart: every event below carries records.
const ctx = useKinesisServer({ args: ['--kinesis-subscription-heartbeat-ms', '60000'] });

const WINDOW = 16384;  // the client's per-stream receive window
const RECORDS = 3000;  // 3 MB of data: more than one event (2 MiB) and the server's 256 KiB buffer
const RECORD_BYTES = 1000;

// Splits AWS event stream messages off the front of `buf`; returns the
// messages ({ headers, payload }) and the bytes left over.
function takeMessages(buf) {
  const messages = [];
  let off = 0;
  while (buf.length - off >= 12) {
    const total = buf.readUInt32BE(off);
    if (buf.length - off < total) break;
    const headersEnd = off + 12 + buf.readUInt32BE(off + 4);
    const headers = {};
    let p = off + 12;
    while (p < headersEnd) {
      const nameLength = buf[p];
      const name = buf.toString('utf8', p + 1, p + 1 + nameLength);
      p += 1 + nameLength;
      const type = buf[p];
      p += 1;
      assert.equal(type, 7, `header ${name}: only string headers are expected`);
      const valueLength = buf.readUInt16BE(p);
      headers[name] = buf.toString('utf8', p + 2, p + 2 + valueLength);
      p += 2 + valueLength;
    }
    messages.push({ headers, payload: buf.subarray(headersEnd, off + total - 4) });
    off += total;
  }
  return { messages, rest: buf.subarray(off) };
}

function request(session, target, body) {
  return session.request({
    ':method': 'POST',
    ':path': '/',
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': `Kinesis_20131202.${target}`,
  }, { endStream: false }).end(JSON.stringify(body));
}

// One whole call on `session`: status and parsed body.
function call(session, target, body) {
  return new Promise((resolve, reject) => {
    const req = request(session, target, body);
    let status = 0;
    const chunks = [];
    req.on('response', (headers) => { status = headers[':status']; });
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve({ status, body: JSON.parse(Buffer.concat(chunks).toString() || '{}') }));
    req.on('error', reject);
  });
}

async function waitActive(kinesis, consumerArn) {
  for (let i = 0; i < 300; i += 1) {
    const d = await kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumerArn }));
    if (d.ConsumerDescription.ConsumerStatus === 'ACTIVE') return;
    await sleep(50);
  }
  assert.fail('consumer never became ACTIVE');
}

describe('HTTP/2 flow control', () => {
  it('holds a subscription back for a reader that stops, and serves the connection meanwhile', async () => {
    const { kinesis, server } = ctx;
    const name = await createStream(kinesis, { name: `bp-${Date.now()}` });
    const sent = [];
    for (let b = 0; b < RECORDS / 500; b += 1) {
      const entries = [];
      for (let i = 0; i < 500; i += 1) {
        const n = b * 500 + i;
        const data = Buffer.alloc(RECORD_BYTES, n % 251);
        data.writeUInt32BE(n, 0);
        entries.push({ Data: data, PartitionKey: 'k' });
      }
      const out = await kinesis.send(new PutRecordsCommand({ StreamName: name, Records: entries }));
      assert.equal(out.FailedRecordCount, 0);
      sent.push(...out.Records.map((r) => r.SequenceNumber));
    }
    const { Consumer } = await kinesis.send(new RegisterStreamConsumerCommand({
      StreamARN: streamArn(name), ConsumerName: 'slow',
    }));
    await waitActive(kinesis, Consumer.ConsumerARN);

    const session = http2.connect(server.endpoint, { settings: { initialWindowSize: WINDOW } });
    try {
      const sub = request(session, 'SubscribeToShard', {
        ConsumerARN: Consumer.ConsumerARN,
        ShardId: 'shardId-000000000000',
        StartingPosition: { Type: 'TRIM_HORIZON' },
      });
      const headers = await new Promise((resolve, reject) => {
        sub.on('response', resolve);
        sub.on('error', reject);
      });
      assert.equal(headers[':status'], 200);
      assert.equal(headers['content-type'], 'application/vnd.amazon.eventstream');

      // Not reading: wait until the stream's window is used up.
      for (let i = 0; i < 200 && sub.readableLength < WINDOW; i += 1) await sleep(10);
      assert.equal(sub.readableLength, WINDOW, 'exactly one window of the answer arrived');

      // The same connection serves other streams while that one is held.
      const listed = await call(session, 'ListStreams', {});
      assert.equal(listed.status, 200);
      assert.ok(listed.body.StreamNames.includes(name));
      const described = await call(session, 'DescribeStreamConsumer', { ConsumerARN: Consumer.ConsumerARN });
      assert.equal(described.status, 200);
      assert.equal(described.body.ConsumerDescription.ConsumerStatus, 'ACTIVE');
      assert.equal(sub.readableLength, WINDOW, 'nothing more arrived while not reading');

      // Reading again: the whole backlog, in order, once each.
      const got = [];
      let buf = Buffer.alloc(0);
      let initial = false;
      await new Promise((resolve, reject) => {
        sub.on('data', (chunk) => {
          const { messages, rest } = takeMessages(Buffer.concat([buf, chunk]));
          buf = rest;
          for (const m of messages) {
            assert.equal(m.headers[':message-type'], 'event', m.payload.toString());
            if (m.headers[':event-type'] === 'initial-response') {
              assert.equal(got.length, 0);
              initial = true;
              continue;
            }
            assert.equal(m.headers[':event-type'], 'SubscribeToShardEvent');
            const event = JSON.parse(m.payload.toString());
            for (const r of event.Records) {
              const data = Buffer.from(r.Data, 'base64');
              assert.equal(data.length, RECORD_BYTES);
              assert.equal(data.readUInt32BE(0), got.length, 'records arrive in order, none skipped');
              got.push(r.SequenceNumber);
            }
          }
          if (got.length >= RECORDS) resolve();
        });
        sub.on('error', reject);
        sub.on('end', () => reject(new Error(`stream ended after ${got.length} records`)));
      });
      assert.ok(initial, 'initial-response first');
      assert.deepEqual(got, sent);
      sub.close();
    } finally {
      session.close();
    }
  });
});
