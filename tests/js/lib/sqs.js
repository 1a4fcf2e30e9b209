'use strict';
// Shared helpers: SDK clients aimed at a local server, raw JSON 1.0 calls,
// error assertions and an independent MD5OfMessageAttributes.

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const dns = require('node:dns');
const { SQSClient } = require('@aws-sdk/client-sqs');

// "localhost" must reach the server, which listens on 127.0.0.1 only. Node 18
// resolves names in the order the resolver gives (often ::1 first) and,
// unlike Node 20, does not fall back to the other address family.
dns.setDefaultResultOrder('ipv4first');

const REGION = 'us-east-1';
const DUMMY_CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'dummy-secret' };
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

// Refuses to send anything that is not addressed to this machine, so that a
// client without an explicit endpoint can never reach a real AWS endpoint.
function loopbackOnly(next) {
  return async (args) => {
    const host = args.request && args.request.hostname;
    if (!LOOPBACK.has(host)) {
      throw new Error(`test client refused to send a request to non-loopback host ${host}`);
    }
    return next(args);
  };
}

// An SQS client for a server. Options:
//   endpoint: string, or null for no explicit endpoint (the SDK then sends
//             calls that carry a QueueUrl to the queue URL's host).
//   credentials: { accessKeyId, secretAccessKey }.
//   config: further SQSClient settings.
// Retries are off so that each call is exactly one request. MD5 checking is
// left at its default (on).
function makeClient(server, options = {}) {
  const config = {
    region: REGION,
    credentials: options.credentials || DUMMY_CREDENTIALS,
    maxAttempts: 1,
    ...options.config,
  };
  const endpoint = options.endpoint === undefined ? server.endpoint : options.endpoint;
  if (endpoint !== null) config.endpoint = endpoint;
  const client = new SQSClient(config);
  client.middlewareStack.add(loopbackOnly, {
    step: 'finalizeRequest', priority: 'low', name: 'loopbackOnly',
  });
  return client;
}

// Asserts that `promise` rejects with an SDK service error and returns it.
// expected: { name, status, code, message (string or RegExp), type }.
async function expectError(promise, expected) {
  let err;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected ${expected.name || expected.code} but the call succeeded`);
  const seen = `${err.name} (${err.$metadata && err.$metadata.httpStatusCode}, Code ${err.Code}): ${err.message}`;
  if (expected.name !== undefined) assert.equal(err.name, expected.name, seen);
  if (expected.status !== undefined) {
    assert.equal(err.$metadata && err.$metadata.httpStatusCode, expected.status, seen);
  }
  if (expected.code !== undefined) assert.equal(err.Code, expected.code, seen);
  if (expected.type !== undefined) assert.equal(err.Type, expected.type, seen);
  if (expected.message instanceof RegExp) {
    assert.match(err.message, expected.message, seen);
  } else if (expected.message !== undefined) {
    assert.equal(err.message, expected.message, seen);
  }
  return err;
}

// POSTs a raw JSON 1.0 request. `body` is an object (serialized) or a string
// (sent as is). Resolves to { status, headers, text, json }.
async function rawJson(server, target, body, extraHeaders = {}) {
  const res = await fetch(`${server.endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': target,
      ...extraHeaders,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

function md5Hex(data) {
  return crypto.createHash('md5').update(data).digest('hex');
}

function lengthPrefixed(buf) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(buf.length);
  return Buffer.concat([len, buf]);
}

function compareUtf8(a, b) {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

// MD5OfMessageAttributes as AWS computes it: names sorted; per attribute
// len32be(name) name len32be(DataType) DataType, a transport byte (1 for
// String/Number, 2 for Binary), len32be(value) value; MD5 hex of it all.
// Attribute values are SDK-shaped: StringValue (string) or BinaryValue
// (Uint8Array, Buffer or base64 string via BinaryValueBase64).
function md5OfAttributes(attributes) {
  const names = Object.keys(attributes).sort(compareUtf8);
  const parts = [];
  for (const name of names) {
    const a = attributes[name];
    parts.push(lengthPrefixed(Buffer.from(name, 'utf8')));
    parts.push(lengthPrefixed(Buffer.from(a.DataType, 'utf8')));
    if (a.BinaryValue !== undefined || a.BinaryValueBase64 !== undefined) {
      const bytes = a.BinaryValue !== undefined
        ? Buffer.from(a.BinaryValue)
        : Buffer.from(a.BinaryValueBase64, 'base64');
      parts.push(Buffer.from([2]), lengthPrefixed(bytes));
    } else {
      parts.push(Buffer.from([1]), lengthPrefixed(Buffer.from(a.StringValue, 'utf8')));
    }
  }
  return md5Hex(Buffer.concat(parts));
}

let counter = 0;
// A queue name unique within the run.
function uniqueName(prefix = 'q') {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${crypto.randomBytes(3).toString('hex')}`;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

module.exports = {
  REGION,
  DUMMY_CREDENTIALS,
  makeClient,
  expectError,
  rawJson,
  md5Hex,
  md5OfAttributes,
  uniqueName,
  sleep,
};
