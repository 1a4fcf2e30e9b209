'use strict';
// Strict SigV4 mode (--credentials): the SDK's signatures are accepted for
// known keys; a wrong secret, an unknown key and an unsigned request are not.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} = require('@aws-sdk/client-sqs');
const { startServer } = require('./lib/server');
const { makeClient, expectError, uniqueName } = require('./lib/sqs');
const { signPost } = require('./lib/sigv4');

const ALICE = { accessKeyId: 'AKIAALICE0000000001', secretAccessKey: 'alice-secret/with+chars=' };
const BOB = { accessKeyId: 'AKIABOB000000000002', secretAccessKey: 'bob-secret' };
const ALICE_ACCOUNT = '111111111111';
const BOB_ACCOUNT = '222222222222';

let server;
let alice;
let bob;

before(async () => {
  server = await startServer({
    credentials: [
      [ALICE.accessKeyId, ALICE.secretAccessKey, ALICE_ACCOUNT],
      [BOB.accessKeyId, BOB.secretAccessKey, BOB_ACCOUNT],
    ],
  });
  alice = makeClient(server, { credentials: ALICE });
  bob = makeClient(server, { credentials: BOB });
});

after(async () => {
  if (alice) alice.destroy();
  if (bob) bob.destroy();
  if (server) assert.equal(await server.stop(), 0, 'sluice exits 0 on SIGTERM');
});

async function rawSigned(credentials, target, body) {
  const text = JSON.stringify(body);
  const headers = signPost({
    host: `127.0.0.1:${server.port}`,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': target },
    body: text,
    ...credentials,
  });
  delete headers.host; // fetch sets it, to the same value
  const res = await fetch(`${server.endpoint}/`, { method: 'POST', headers, body: text });
  return { status: res.status, headers: res.headers, json: JSON.parse(await res.text()) };
}

describe('strict SigV4', () => {
  it('accepts the SDK’s signature for a known key and scopes queues to its account', async () => {
    const name = uniqueName();
    const { QueueUrl } = await alice.send(new CreateQueueCommand({ QueueName: name }));
    assert.equal(QueueUrl, `${server.endpoint}/${ALICE_ACCOUNT}/${name}`);
    await alice.send(new SendMessageCommand({ QueueUrl, MessageBody: 'signed' }));
    const out = await alice.send(new ReceiveMessageCommand({ QueueUrl }));
    assert.equal(out.Messages[0].Body, 'signed');
    const attrs = await alice.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    assert.equal(attrs.Attributes.QueueArn, `arn:aws:sqs:us-east-1:${ALICE_ACCOUNT}:${name}`);
  });

  it('accepts a signature made independently of the SDK', async () => {
    const res = await rawSigned(ALICE, 'AmazonSQS.ListQueues', {});
    assert.equal(res.status, 200);
  });

  it('keeps each account’s queues apart', async () => {
    const name = uniqueName();
    await alice.send(new CreateQueueCommand({ QueueName: name }));
    const listed = await bob.send(new ListQueuesCommand({ QueueNamePrefix: name }));
    assert.equal(listed.QueueUrls, undefined);
    await expectError(bob.send(new GetQueueUrlCommand({ QueueName: name })), {
      name: 'AWS.SimpleQueueService.NonExistentQueue', status: 400,
    });
  });

  it('denies another account’s queue URL', async () => {
    const { QueueUrl } = await alice.send(new CreateQueueCommand({ QueueName: uniqueName() }));
    await expectError(bob.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' })), {
      name: 'AccessDenied', code: 'AccessDenied', status: 403,
    });
  });

  it('rejects a wrong secret with SignatureDoesNotMatch (403)', async () => {
    const wrong = makeClient(server, { credentials: { ...ALICE, secretAccessKey: 'not-the-secret' } });
    try {
      const err = await expectError(wrong.send(new ListQueuesCommand({})), {
        name: 'SignatureDoesNotMatch',
        code: 'SignatureDoesNotMatch',
        type: 'Sender',
        status: 403,
        message: /^The request signature we calculated does not match the signature you provided\./,
      });
      assert.equal(err.$fault, 'client');
    } finally {
      wrong.destroy();
    }
  });

  it('sends SignatureDoesNotMatch as InvalidSignatureException on the wire', async () => {
    const res = await rawSigned({ ...ALICE, secretAccessKey: 'not-the-secret' }, 'AmazonSQS.ListQueues', {});
    assert.equal(res.status, 403);
    assert.equal(res.json.__type, 'com.amazonaws.sqs#InvalidSignatureException');
    assert.match(res.json.message, /^The request signature we calculated does not match/);
    assert.equal(res.headers.get('x-amzn-query-error'), 'SignatureDoesNotMatch;Sender');
    assert.equal(res.headers.get('content-type'), 'application/x-amz-json-1.0');
  });

  it('rejects an unknown access key with InvalidClientTokenId (403)', async () => {
    const stranger = makeClient(server, {
      credentials: { accessKeyId: 'AKIAUNKNOWN00000000', secretAccessKey: 'whatever' },
    });
    try {
      await expectError(stranger.send(new ListQueuesCommand({})), {
        name: 'InvalidClientTokenId',
        code: 'InvalidClientTokenId',
        type: 'Sender',
        status: 403,
        message: 'The security token included in the request is invalid.',
      });
    } finally {
      stranger.destroy();
    }
  });

  it('sends InvalidClientTokenId as UnrecognizedClientException on the wire', async () => {
    const res = await rawSigned(
      { accessKeyId: 'AKIAUNKNOWN00000000', secretAccessKey: 'whatever' }, 'AmazonSQS.ListQueues', {},
    );
    assert.equal(res.status, 403);
    assert.deepEqual(res.json, {
      __type: 'com.amazonaws.sqs#UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    });
    assert.equal(res.headers.get('x-amzn-query-error'), 'InvalidClientTokenId;Sender');
  });

  it('rejects an unsigned request with MissingAuthenticationToken (403)', async () => {
    const res = await fetch(`${server.endpoint}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ListQueues' },
      body: '{}',
    });
    assert.equal(res.status, 403);
    const json = await res.json();
    assert.equal(json.__type, 'com.amazonaws.sqs#MissingAuthenticationTokenException');
    assert.equal(res.headers.get('x-amzn-query-error'), 'MissingAuthenticationToken;Sender');
  });

  it('rejects a body changed after signing', async () => {
    const body = JSON.stringify({ QueueNamePrefix: 'a' });
    const headers = signPost({
      host: `127.0.0.1:${server.port}`,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ListQueues' },
      body,
      ...ALICE,
    });
    delete headers.host;
    const res = await fetch(`${server.endpoint}/`, {
      method: 'POST', headers, body: JSON.stringify({ QueueNamePrefix: 'b' }),
    });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('x-amzn-query-error'), 'SignatureDoesNotMatch;Sender');
  });
});
