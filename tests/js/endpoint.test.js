'use strict';
// The SDK sends calls that carry a QueueUrl to that URL's host when the
// client has no explicit endpoint. A queue created through
// http://localhost:PORT must therefore have a URL on localhost:PORT that
// works on its own.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} = require('@aws-sdk/client-sqs');
const { startServer } = require('./lib/server');
const { makeClient, uniqueName } = require('./lib/sqs');

let server;

before(async () => {
  server = await startServer();
});

after(async () => {
  if (server) assert.equal(await server.stop(), 0, 'sluice exits 0 on SIGTERM');
});

describe('queue URL as the endpoint', () => {
  it('returns a localhost URL to a client that used localhost', async () => {
    const client = makeClient(server, { endpoint: `http://localhost:${server.port}` });
    try {
      const name = uniqueName();
      const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: name }));
      assert.equal(QueueUrl, `http://localhost:${server.port}/000000000000/${name}`);
    } finally {
      client.destroy();
    }
  });

  it('lets a client without an endpoint use the queue URL alone', async () => {
    const creator = makeClient(server, { endpoint: `http://localhost:${server.port}` });
    const { QueueUrl } = await creator.send(new CreateQueueCommand({ QueueName: uniqueName() }));
    creator.destroy();

    const warnings = [];
    const hosts = [];
    const client = makeClient(server, {
      endpoint: null,
      config: {
        logger: { debug() {}, info() {}, trace() {}, error() {}, warn(msg) { warnings.push(String(msg)); } },
      },
    });
    client.middlewareStack.add((next) => async (args) => {
      hosts.push(`${args.request.protocol}//${args.request.hostname}:${args.request.port}`);
      return next(args);
    }, { step: 'finalizeRequest', priority: 'low', name: 'recordHost' });
    try {
      const sent = await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'via queue url' }));
      const got = await client.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 60 }));
      assert.equal(got.Messages[0].MessageId, sent.MessageId);
      assert.equal(got.Messages[0].Body, 'via queue url');
      await client.send(new ChangeMessageVisibilityCommand({
        QueueUrl, ReceiptHandle: got.Messages[0].ReceiptHandle, VisibilityTimeout: 30,
      }));
      await client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: got.Messages[0].ReceiptHandle }));
      const attrs = await client.send(new GetQueueAttributesCommand({
        QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }));
      assert.deepEqual(attrs.Attributes, {
        ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0',
      });
    } finally {
      client.destroy();
    }
    assert.equal(hosts.length, 5);
    for (const h of hosts) assert.equal(h, `http://localhost:${server.port}`);
    assert.ok(warnings.some((w) => w.includes('using QueueUrl host as endpoint')),
      'the SDK says it used the queue URL’s host');
  });
});
