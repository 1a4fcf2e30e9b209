'use strict';
// SQS helpers: SDK clients aimed at a local server, raw JSON 1.0 calls and an
// independent MD5OfMessageAttributes. The error assertion and unique names
// come from ./aws and are re-exported for the SQS test files.

const crypto = require('node:crypto');
const { SQSClient } = require('@aws-sdk/client-sqs');
const {
  REGION, DUMMY_CREDENTIALS, guardLoopback, expectError, uniqueName, sleep,
} = require('./aws');

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
  return guardLoopback(new SQSClient(config));
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
