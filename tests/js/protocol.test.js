'use strict';
// The AWS JSON 1.0 wire protocol as the SDK speaks it, and the server's
// answers to requests the SDK would never send.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const net = require('node:net');
const {
  CreateQueueCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} = require('@aws-sdk/client-sqs');
const { startServer } = require('./lib/server');
const { makeClient, rawJson, uniqueName } = require('./lib/sqs');

let server;
let sqs;

before(async () => {
  server = await startServer();
  sqs = makeClient(server);
});

after(async () => {
  if (sqs) sqs.destroy();
  if (server) assert.equal(await server.stop(), 0, 'sluice exits 0 on SIGTERM');
});

// Sends a request over a plain socket and returns the raw response text.
function rawHttp(request) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, '127.0.0.1', () => socket.end(request));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (d) => { data += d; });
    socket.on('error', reject);
    socket.on('close', () => resolve(data));
  });
}

// An http.request with a Host header of our choosing (fetch cannot set it).
function postWithHost(host, target, body) {
  return new Promise((resolve, reject) => {
    const text = JSON.stringify(body);
    const req = http.request({
      host: '127.0.0.1',
      port: server.port,
      method: 'POST',
      path: '/',
      headers: {
        host,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': target,
        'content-length': Buffer.byteLength(text),
      },
    }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { data += d; });
      res.on('end', () => resolve({ status: res.statusCode, json: JSON.parse(data) }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

function assertSerializationError(res) {
  assert.equal(res.status, 400, res.text);
  assert.equal(res.json.__type, 'com.amazonaws.sqs#SerializationException', res.text);
  assert.equal(typeof res.json.message, 'string');
  assert.equal(res.headers.get('x-amzn-query-error'), 'SerializationException;Sender');
}

describe('what the SDK sends', () => {
  it('speaks AWS JSON 1.0 with X-Amz-Target and query-compatible mode', async () => {
    const seen = [];
    const client = makeClient(server);
    client.middlewareStack.add((next) => async (args) => {
      seen.push({ headers: { ...args.request.headers }, body: args.request.body, path: args.request.path });
      return next(args);
    }, { step: 'finalizeRequest', priority: 'low', name: 'recordRequest' });
    try {
      const name = uniqueName();
      const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: name }));
      await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'hi', DelaySeconds: 0 }));
      await client.send(new ListQueuesCommand({ QueueNamePrefix: name }));
    } finally {
      client.destroy();
    }
    assert.equal(seen.length, 3);
    const [create, send, list] = seen;
    for (const r of seen) {
      assert.equal(r.headers['content-type'], 'application/x-amz-json-1.0');
      assert.equal(r.headers['x-amzn-query-mode'], 'true');
      assert.match(r.headers.authorization, /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/sqs\/aws4_request, /);
      assert.equal(r.path, '/');
    }
    assert.equal(create.headers['x-amz-target'], 'AmazonSQS.CreateQueue');
    assert.equal(send.headers['x-amz-target'], 'AmazonSQS.SendMessage');
    assert.equal(list.headers['x-amz-target'], 'AmazonSQS.ListQueues');
    const body = JSON.parse(send.body);
    assert.equal(body.MessageBody, 'hi');
    assert.equal(body.DelaySeconds, 0, 'integers travel as JSON numbers');
  });
});

describe('responses', () => {
  it('carry the JSON 1.0 content type and a request id', async () => {
    const res = await rawJson(server, 'AmazonSQS.ListQueues', {});
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/x-amz-json-1.0');
    assert.match(res.headers.get('x-amzn-requestid'), /^[0-9a-f-]{36}$/);
  });

  it('build queue URLs from the Host header the client used', async () => {
    const name = uniqueName();
    const res = await postWithHost('sqs.internal.example:9324', 'AmazonSQS.CreateQueue', { QueueName: name });
    assert.equal(res.status, 200);
    assert.equal(res.json.QueueUrl, `http://sqs.internal.example:9324/000000000000/${name}`);
  });

  it('build queue URLs from the bound port when a request has no Host header', {
  }, async () => {
    const name = uniqueName();
    const body = JSON.stringify({ QueueName: name });
    const text = await rawHttp('POST / HTTP/1.0\r\n'
      + 'Content-Type: application/x-amz-json-1.0\r\n'
      + 'X-Amz-Target: AmazonSQS.CreateQueue\r\n'
      + `Content-Length: ${body.length}\r\n\r\n${body}`);
    const json = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
    assert.equal(json.QueueUrl, `http://127.0.0.1:${server.port}/000000000000/${name}`);
  });
});

describe('malformed requests', () => {
  it('answers an unknown operation with UnknownOperationException (400)', async () => {
    const res = await rawJson(server, 'AmazonSQS.Bogus', {});
    assert.equal(res.status, 400);
    assert.equal(res.json.__type, 'com.amazonaws.sqs#UnknownOperationException');
    assert.equal(res.json.message, 'Unknown operation Bogus.');
    assert.equal(res.headers.get('x-amzn-query-error'), 'InvalidAction;Sender');
    assert.equal(res.headers.get('content-type'), 'application/x-amz-json-1.0');
  });

  it('answers a target without an operation with UnknownOperationException', async () => {
    const res = await rawJson(server, 'AmazonSQS', {});
    assert.equal(res.status, 400);
    assert.equal(res.json.__type, 'com.amazonaws.sqs#UnknownOperationException');
  });

  it('answers malformed JSON with SerializationException (400)', async () => {
    assertSerializationError(await rawJson(server, 'AmazonSQS.ListQueues', '{"QueueNamePrefix": '));
  });

  it('answers a JSON body that is not an object with SerializationException', async () => {
    assertSerializationError(await rawJson(server, 'AmazonSQS.ListQueues', '[1, 2]'));
  });

  it('answers a string where an integer belongs with SerializationException', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName() }));
    const res = await rawJson(server, 'AmazonSQS.ReceiveMessage', { QueueUrl, MaxNumberOfMessages: 'abc' });
    assertSerializationError(res);
    assert.match(res.json.message, /MaxNumberOfMessages/);
  });

  it('answers a fractional integer with SerializationException', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName() }));
    assertSerializationError(await rawJson(server, 'AmazonSQS.ReceiveMessage', { QueueUrl, MaxNumberOfMessages: 1.5 }));
  });

  it('answers a number where a string belongs with SerializationException', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName() }));
    assertSerializationError(await rawJson(server, 'AmazonSQS.SendMessage', { QueueUrl, MessageBody: 123 }));
  });

  it('answers invalid base64 in a BinaryValue with SerializationException', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName() }));
    assertSerializationError(await rawJson(server, 'AmazonSQS.SendMessage', {
      QueueUrl, MessageBody: 'x', MessageAttributes: { b: { DataType: 'Binary', BinaryValue: '!!not base64' } },
    }));
  });

  it('answers a lone surrogate escape with SerializationException', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName() }));
    assertSerializationError(await rawJson(server, 'AmazonSQS.SendMessage',
      `{"QueueUrl":${JSON.stringify(QueueUrl)},"MessageBody":"a\\ud800b"}`));
  });

  it('ignores members the operation does not have', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName() }));
    const res = await rawJson(server, 'AmazonSQS.SendMessage', { QueueUrl, MessageBody: 'x', NotAMember: 1 });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.MD5OfMessageBody, '9dd4e461268c8034f5c8564e155c67a6');
  });

  it('reports a missing required member as MissingParameter', async () => {
    const res = await rawJson(server, 'AmazonSQS.ReceiveMessage', {});
    assert.equal(res.status, 400);
    assert.deepEqual(res.json, {
      __type: 'com.amazonaws.sqs#MissingRequiredParameterException',
      message: 'The request must contain the parameter QueueUrl.',
    });
    assert.equal(res.headers.get('x-amzn-query-error'), 'MissingParameter;Sender');
  });

  it('keeps serving after bad requests', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName() }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'still fine' }));
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
    assert.equal(out.Messages[0].Body, 'still fine');
  });
});
