'use strict';
// Helpers shared by every service's tests: the test region and credentials,
// the loopback-only guard for SDK clients, error assertions, unique names.

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const dns = require('node:dns');

// "localhost" must reach the server, which listens on 127.0.0.1 only. Node 18
// resolves names in the order the resolver gives (often ::1 first) and,
// unlike Node 20, does not fall back to the other address family.
dns.setDefaultResultOrder('ipv4first');

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
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

// Adds loopbackOnly to an SDK client's middleware stack; returns the client.
function guardLoopback(client) {
  client.middlewareStack.add(loopbackOnly, {
    step: 'finalizeRequest', priority: 'low', name: 'loopbackOnly',
  });
  return client;
}

// Asserts that `promise` rejects with an SDK service error and returns it.
// expected: { name, status, code, message (string or RegExp), type, instanceOf }.
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
  if (expected.instanceOf !== undefined) assert.ok(err instanceof expected.instanceOf, seen);
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

let counter = 0;
// A queue or stream name unique within the run.
function uniqueName(prefix = 'q') {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}-${crypto.randomBytes(3).toString('hex')}`;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

module.exports = {
  REGION,
  ACCOUNT,
  DUMMY_CREDENTIALS,
  loopbackOnly,
  guardLoopback,
  expectError,
  uniqueName,
  sleep,
};
