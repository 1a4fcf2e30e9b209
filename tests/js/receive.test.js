'use strict';
// ReceiveMessage over AWS JSON 1.0: batch size, long polling, per-call
// visibility timeouts, system attributes and message attribute filters.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} = require('@aws-sdk/client-sqs');
const { startServer } = require('./lib/server');
const {
  makeClient, expectError, md5OfAttributes, sleep, uniqueName,
} = require('./lib/sqs');

let server;
let sqs;
let other; // a second client, as another process would use

before(async () => {
  server = await startServer();
  sqs = makeClient(server);
  other = makeClient(server);
});

after(async () => {
  if (sqs) sqs.destroy();
  if (other) other.destroy();
  if (server) assert.equal(await server.stop(), 0, 'sluice exits 0 on SIGTERM');
});

async function newQueue(attributes) {
  const out = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName(), Attributes: attributes }));
  return out.QueueUrl;
}

async function send(url, body, extra = {}) {
  return sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body, ...extra }));
}

async function receive(url, extra = {}) {
  return sqs.send(new ReceiveMessageCommand({ QueueUrl: url, ...extra }));
}

async function timed(promise) {
  const start = Date.now();
  const value = await promise;
  return { value, ms: Date.now() - start };
}

describe('ReceiveMessage batch size', () => {
  it('returns nothing at once from an empty queue', async () => {
    const url = await newQueue();
    const { value, ms } = await timed(receive(url));
    assert.equal(value.Messages, undefined);
    assert.ok(ms < 900, `short poll answered in ${ms} ms`);
  });

  it('returns one message by default', async () => {
    const url = await newQueue();
    for (let i = 0; i < 3; i += 1) await send(url, `m${i}`);
    const out = await receive(url);
    assert.equal(out.Messages.length, 1);
  });

  it('returns up to MaxNumberOfMessages and every message exactly once', async () => {
    const url = await newQueue();
    const bodies = Array.from({ length: 15 }, (_, i) => `message ${i}`);
    for (const b of bodies) await send(url, b);
    const got = [];
    for (let i = 0; i < 10 && got.length < bodies.length; i += 1) {
      const out = await receive(url, { MaxNumberOfMessages: 10 });
      assert.ok(out.Messages && out.Messages.length >= 1 && out.Messages.length <= 10);
      got.push(...out.Messages.map((m) => m.Body));
    }
    assert.deepEqual([...got].sort(), [...bodies].sort());
    assert.equal((await receive(url, { MaxNumberOfMessages: 10 })).Messages, undefined);
  });

  for (const max of [11, 0, -1]) {
    it(`rejects MaxNumberOfMessages=${max} with AWS's wording`, async () => {
      const url = await newQueue();
      await expectError(receive(url, { MaxNumberOfMessages: max }), {
        name: 'InvalidParameterValue',
        code: 'InvalidParameterValue',
        type: 'Sender',
        status: 400,
        message: `Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`,
      });
    });
  }

  it('reports a missing queue', async () => {
    await expectError(
      receive(`${server.endpoint}/000000000000/${uniqueName('missing')}`),
      { name: 'AWS.SimpleQueueService.NonExistentQueue', status: 400 },
    );
  });
});

describe('ReceiveMessage long polling', () => {
  for (const wait of [21, -1]) {
    it(`rejects WaitTimeSeconds=${wait}`, async () => {
      const url = await newQueue();
      await expectError(receive(url, { WaitTimeSeconds: wait }), {
        name: 'InvalidParameterValue',
        code: 'InvalidParameterValue',
        status: 400,
        message: `Value ${wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.`,
      });
    });
  }

  it('is woken by a send from another client before the wait ends', async () => {
    const url = await newQueue();
    const start = Date.now();
    const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 10 }));
    await sleep(300);
    const sent = await other.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'wake up' }));
    const out = await polling;
    const ms = Date.now() - start;
    assert.ok(out.Messages && out.Messages.length === 1, 'the long poll got the message');
    assert.equal(out.Messages[0].Body, 'wake up');
    assert.equal(out.Messages[0].MessageId, sent.MessageId);
    assert.ok(ms >= 250, `the poll waited for the send (${ms} ms)`);
    assert.ok(ms < 5000, `the poll answered well before its 10 s wait ended (${ms} ms)`);
  });

  it('answers empty when the wait ends', async () => {
    const url = await newQueue();
    const { value, ms } = await timed(receive(url, { WaitTimeSeconds: 1 }));
    assert.equal(value.Messages, undefined);
    assert.ok(ms >= 900, `waited ${ms} ms for a 1 s wait`);
    assert.ok(ms < 3000, `answered ${ms} ms into a 1 s wait`);
  });

  it('answers at once when a message is already there', async () => {
    const url = await newQueue();
    await send(url, 'ready');
    const { value, ms } = await timed(receive(url, { WaitTimeSeconds: 10 }));
    assert.equal(value.Messages[0].Body, 'ready');
    assert.ok(ms < 900, `answered in ${ms} ms`);
  });

  it('uses the queue’s ReceiveMessageWaitTimeSeconds when the call names none', async () => {
    const url = await newQueue({ ReceiveMessageWaitTimeSeconds: '1' });
    const { value, ms } = await timed(receive(url));
    assert.equal(value.Messages, undefined);
    assert.ok(ms >= 900, `waited ${ms} ms under a queue wait time of 1 s`);
    const short = await timed(receive(url, { WaitTimeSeconds: 0 }));
    assert.ok(short.ms < 900, `WaitTimeSeconds=0 overrides the queue (${short.ms} ms)`);
  });
});

describe('ReceiveMessage visibility', () => {
  it('hides a received message for the queue’s visibility timeout', async () => {
    const url = await newQueue();
    await send(url, 'hidden');
    assert.equal((await receive(url)).Messages.length, 1);
    assert.equal((await receive(url)).Messages, undefined);
  });

  it('applies a per-call VisibilityTimeout, then redelivers', async () => {
    const url = await newQueue();
    const sent = await send(url, 'comes back');
    const first = await receive(url, { VisibilityTimeout: 1 });
    assert.equal(first.Messages[0].MessageId, sent.MessageId);
    assert.equal((await receive(url)).Messages, undefined, 'hidden right after the receive');
    const { value, ms } = await timed(receive(url, {
      WaitTimeSeconds: 5, MessageSystemAttributeNames: ['ApproximateReceiveCount'],
    }));
    assert.ok(value.Messages, 'redelivered after the timeout');
    assert.equal(value.Messages[0].MessageId, sent.MessageId);
    assert.equal(value.Messages[0].Attributes.ApproximateReceiveCount, '2');
    assert.notEqual(value.Messages[0].ReceiptHandle, first.Messages[0].ReceiptHandle);
    assert.ok(ms < 4000, `a long poll picks it up when the timeout ends (${ms} ms)`);
  });

  it('makes a message visible again at once with VisibilityTimeout=0', async () => {
    const url = await newQueue();
    await send(url, 'zero');
    await receive(url, { VisibilityTimeout: 0 });
    assert.equal((await receive(url)).Messages[0].Body, 'zero');
  });

  for (const timeout of [43201, -1]) {
    it(`rejects VisibilityTimeout=${timeout}`, async () => {
      const url = await newQueue();
      await expectError(receive(url, { VisibilityTimeout: timeout }), {
        name: 'InvalidParameterValue',
        code: 'InvalidParameterValue',
        status: 400,
        message: new RegExp(`^Value ${timeout} for parameter VisibilityTimeout is invalid\\.`),
      });
    });
  }
});

describe('ReceiveMessage system attributes', () => {
  let url;
  let sentAt;

  before(async () => {
    url = await newQueue();
    sentAt = Date.now();
    await send(url, 'attributes');
  });

  // Each receive leaves the message visible again for the next test.
  async function receiveWith(extra) {
    const out = await receive(url, { VisibilityTimeout: 0, ...extra });
    assert.equal(out.Messages.length, 1);
    return out.Messages[0];
  }

  it('returns no Attributes when none are asked for', async () => {
    const m = await receiveWith({});
    assert.equal(m.Attributes, undefined);
  });

  it('returns the standard-queue system attributes for All', async () => {
    const m = await receiveWith({ MessageSystemAttributeNames: ['All'] });
    assert.deepEqual(Object.keys(m.Attributes).sort(), [
      'ApproximateFirstReceiveTimestamp', 'ApproximateReceiveCount', 'SenderId', 'SentTimestamp',
    ]);
    const sent = Number(m.Attributes.SentTimestamp);
    assert.ok(Math.abs(sent - sentAt) < 5000, `SentTimestamp ${sent} is epoch milliseconds`);
    assert.ok(Number(m.Attributes.ApproximateFirstReceiveTimestamp) >= sent);
    assert.match(m.Attributes.ApproximateReceiveCount, /^[1-9][0-9]*$/);
    assert.ok(m.Attributes.SenderId.length > 0);
  });

  it('returns only SentTimestamp when only it is asked for', async () => {
    const m = await receiveWith({ MessageSystemAttributeNames: ['SentTimestamp'] });
    assert.deepEqual(Object.keys(m.Attributes), ['SentTimestamp']);
  });

  it('counts receives in ApproximateReceiveCount', async () => {
    const a = await receiveWith({ MessageSystemAttributeNames: ['ApproximateReceiveCount'] });
    const b = await receiveWith({ MessageSystemAttributeNames: ['ApproximateReceiveCount'] });
    assert.deepEqual(Object.keys(b.Attributes), ['ApproximateReceiveCount']);
    assert.equal(Number(b.Attributes.ApproximateReceiveCount), Number(a.Attributes.ApproximateReceiveCount) + 1);
  });

  it('keeps ApproximateFirstReceiveTimestamp at the first receive', async () => {
    const a = await receiveWith({ MessageSystemAttributeNames: ['ApproximateFirstReceiveTimestamp'] });
    await sleep(20);
    const b = await receiveWith({ MessageSystemAttributeNames: ['ApproximateFirstReceiveTimestamp'] });
    assert.equal(b.Attributes.ApproximateFirstReceiveTimestamp, a.Attributes.ApproximateFirstReceiveTimestamp);
  });

  it('accepts the legacy AttributeNames member', async () => {
    const m = await receiveWith({ AttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'] });
    assert.deepEqual(Object.keys(m.Attributes).sort(), ['ApproximateReceiveCount', 'SentTimestamp']);
  });
});

describe('ReceiveMessage message attribute filters', () => {
  // Names and digests as recorded against AWS.
  const attributes = {
    'Help.Me': { DataType: 'String', StringValue: 'Me' },
    Hello: { DataType: 'String', StringValue: 'There' },
    General: { DataType: 'String', StringValue: 'Kenobi' },
  };
  let url;

  before(async () => {
    url = await newQueue();
    const out = await send(url, 'msg', { MessageAttributes: attributes });
    assert.equal(out.MD5OfMessageAttributes, '4c360f3fdafd970e05fae2f149d997f5');
  });

  async function receiveNames(names) {
    const out = await receive(url, { VisibilityTimeout: 0, MessageAttributeNames: names });
    assert.equal(out.Messages.length, 1);
    return out.Messages[0];
  }

  function assertReturned(m, names, md5) {
    const got = Object.keys(m.MessageAttributes || {}).sort();
    assert.deepEqual(got, [...names].sort());
    if (names.length === 0) {
      assert.equal(m.MD5OfMessageAttributes, undefined, 'no digest without attributes');
      return;
    }
    for (const n of names) assert.deepEqual(m.MessageAttributes[n], attributes[n]);
    assert.equal(m.MD5OfMessageAttributes, md5OfAttributes(m.MessageAttributes), 'digest of the returned attributes');
    if (md5) assert.equal(m.MD5OfMessageAttributes, md5);
  }

  it('returns no message attributes when none are asked for', async () => {
    assertReturned(await receiveNames(undefined), []);
  });

  it('returns every attribute for All', async () => {
    assertReturned(await receiveNames(['All']), ['General', 'Hello', 'Help.Me'], '4c360f3fdafd970e05fae2f149d997f5');
  });

  it('returns every attribute for .*', async () => {
    assertReturned(await receiveNames(['.*']), ['General', 'Hello', 'Help.Me'], '4c360f3fdafd970e05fae2f149d997f5');
  });

  it('returns every attribute for *', async () => {
    assertReturned(await receiveNames(['*']), ['General', 'Hello', 'Help.Me'], '4c360f3fdafd970e05fae2f149d997f5');
  });

  it('returns exactly the named attributes, digesting only those', async () => {
    assertReturned(await receiveNames(['Hello', 'General']), ['General', 'Hello'], 'fca026605781cb4126a1e9044df24232');
  });

  it('ignores names the message does not have', async () => {
    assertReturned(await receiveNames(['Foo', 'Hello']), ['Hello'], 'a311262e065454b75da111d535b8dacd');
    assertReturned(await receiveNames(['Foo', 'Help']), []);
  });

  it('returns attributes by a prefix ending in .* that includes the dot', async () => {
    assertReturned(await receiveNames(['Help.*']), ['Help.Me']);
  });

  it('returns attributes by a prefix ending in .* (Hel.* matches Hello and Help.Me)', {
  }, async () => {
    assertReturned(await receiveNames(['Hel.*']), ['Hello', 'Help.Me'], '83fee93c1bcd8b9a5a923ffacdc636c7');
  });

  it('answers names AWS would never have stored without an error', async () => {
    assertReturned(await receiveNames(['AWS.']), []);
    assertReturned(await receiveNames(['..foo']), []);
  });

  it('keeps attributes on redelivery after ChangeMessageVisibility', async () => {
    const m = await receive(url, { VisibilityTimeout: 60, MessageAttributeNames: ['All'] });
    await sqs.send(new ChangeMessageVisibilityCommand({
      QueueUrl: url, ReceiptHandle: m.Messages[0].ReceiptHandle, VisibilityTimeout: 0,
    }));
    assertReturned(await receiveNames(['All']), ['General', 'Hello', 'Help.Me'], '4c360f3fdafd970e05fae2f149d997f5');
  });
});
