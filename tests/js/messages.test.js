'use strict';
// Messages over AWS JSON 1.0: SendMessage (bodies, delays, message
// attributes and their MD5s), DeleteMessage and ChangeMessageVisibility.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageCommand,
} = require('@aws-sdk/client-sqs');
const { startServer } = require('./lib/server');
const {
  makeClient, expectError, md5Hex, md5OfAttributes, sleep, uniqueName,
} = require('./lib/sqs');

const MIB = 1048576;

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

async function newQueue(attributes) {
  const out = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName(), Attributes: attributes }));
  return out.QueueUrl;
}

async function receiveOne(url, extra = {}) {
  const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, ...extra }));
  assert.ok(out.Messages && out.Messages.length === 1, `expected one message, got ${JSON.stringify(out.Messages)}`);
  return out.Messages[0];
}

async function counts(url) {
  const out = await sqs.send(new GetQueueAttributesCommand({
    QueueUrl: url,
    AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible',
      'ApproximateNumberOfMessagesDelayed'],
  }));
  return {
    visible: Number(out.Attributes.ApproximateNumberOfMessages),
    inFlight: Number(out.Attributes.ApproximateNumberOfMessagesNotVisible),
    delayed: Number(out.Attributes.ApproximateNumberOfMessagesDelayed),
  };
}

describe('SendMessage', () => {
  it('leaves the SDK’s MD5 checking on', () => {
    // The SDK checks MD5OfMessageBody on SendMessage and MD5OfBody on
    // ReceiveMessage unless md5 is set to false.
    assert.notEqual(sqs.config.md5, false);
    assert.equal(typeof sqs.config.md5, 'function');
  });

  it('answers with the body’s MD5 and a message id, and delivers the body', async () => {
    const url = await newQueue();
    const out = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'Body' }));
    assert.equal(out.MD5OfMessageBody, 'ac101b32dda4448cf13a93fe283dddd8');
    assert.match(out.MessageId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(out.MD5OfMessageAttributes, undefined);
    const m = await receiveOne(url);
    assert.equal(m.Body, 'Body');
    assert.equal(m.MessageId, out.MessageId);
    assert.equal(m.MD5OfBody, out.MD5OfMessageBody);
    assert.equal(m.MD5OfMessageAttributes, undefined);
    assert.equal(m.MessageAttributes, undefined);
    assert.ok(m.ReceiptHandle.length > 0);
  });

  it('round-trips non-ASCII bodies and allowed control characters', async () => {
    const url = await newQueue();
    const body = 'tab\there\nnew line\r\u00e9\u4e2d\u6587 \ud83d\ude00 \ue000\ufffd {"json":[1,2]} <xml>&amp;';
    const out = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
    assert.equal(out.MD5OfMessageBody, md5Hex(Buffer.from(body, 'utf8')));
    const m = await receiveOne(url);
    assert.equal(m.Body, body);
  });

  for (const [label, ch, code] of [
    ['NUL', '\u0000', '#x0'],
    ['backspace', '\u0008', '#x8'],
    ['U+FFFE', '\ufffe', '#xFFFE'],
    ['U+FFFF', '\uffff', '#xFFFF'],
  ]) {
    it(`rejects a body containing ${label} with InvalidMessageContents`, async () => {
      const url = await newQueue();
      await expectError(
        sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: `bad${ch}body` })),
        {
          name: 'InvalidMessageContents',
          code: 'InvalidMessageContents',
          status: 400,
          message: `Invalid binary character '${code}' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF`,
        },
      );
    });
  }

  it('accepts a body of exactly 1 MiB', async () => {
    const url = await newQueue();
    const body = 'a'.repeat(MIB);
    const out = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
    assert.equal(out.MD5OfMessageBody, md5Hex(body));
    const m = await receiveOne(url);
    assert.equal(m.Body.length, MIB);
  });

  it('rejects a body over 1 MiB with InvalidParameterValue', async () => {
    const url = await newQueue();
    await expectError(
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a'.repeat(MIB + 1) })),
      {
        name: 'InvalidParameterValue',
        code: 'InvalidParameterValue',
        status: 400,
        message: 'One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.',
      },
    );
  });

  it('counts multi-byte characters as their UTF-8 bytes in the size limit', async () => {
    const url = await newQueue();
    // 349526 three-byte characters: 1048578 bytes.
    await expectError(
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '\u4e2d'.repeat(349526) })),
      { name: 'InvalidParameterValue', status: 400, message: /Message must be shorter than 1048576 bytes/ },
    );
  });

  it('counts message attributes towards the size limit', async () => {
    const url = await newQueue();
    await expectError(sqs.send(new SendMessageCommand({
      QueueUrl: url,
      MessageBody: 'a'.repeat(MIB - 4),
      MessageAttributes: { attr: { DataType: 'String', StringValue: 'value' } },
    })), { name: 'InvalidParameterValue', status: 400, message: /Message must be shorter than 1048576 bytes/ });
  });

  it('applies the queue’s MaximumMessageSize', async () => {
    const url = await newQueue({ MaximumMessageSize: '1024' });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'b'.repeat(1024) }));
    await expectError(
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'b'.repeat(1025) })),
      {
        name: 'InvalidParameterValue',
        code: 'InvalidParameterValue',
        status: 400,
        message: 'One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.',
      },
    );
  });

  it('rejects a missing MessageBody with MissingParameter', async () => {
    const url = await newQueue();
    await expectError(sqs.send(new SendMessageCommand({ QueueUrl: url })), {
      name: 'MissingParameter',
      code: 'MissingParameter',
      status: 400,
      message: 'The request must contain the parameter MessageBody.',
    });
  });

  it('delays delivery by DelaySeconds', async () => {
    const url = await newQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'later', DelaySeconds: 1 }));
    assert.deepEqual(await counts(url), { visible: 0, inFlight: 0, delayed: 1 });
    const now = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    assert.equal(now.Messages, undefined);
    const start = Date.now();
    const m = await receiveOne(url, { WaitTimeSeconds: 5 });
    const waited = Date.now() - start;
    assert.equal(m.Body, 'later');
    assert.ok(waited < 4000, `a long poll picks the message up when its delay ends (${waited} ms)`);
  });

  it('uses the queue’s DelaySeconds when the message names none, and 0 overrides it', async () => {
    const url = await newQueue({ DelaySeconds: '600' });
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'queue delay' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'now', DelaySeconds: 0 }));
    assert.deepEqual(await counts(url), { visible: 1, inFlight: 0, delayed: 1 });
    assert.equal((await receiveOne(url)).Body, 'now');
  });

  for (const delay of [901, -1]) {
    it(`rejects DelaySeconds=${delay}`, async () => {
      const url = await newQueue();
      await expectError(
        sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', DelaySeconds: delay })),
        {
          name: 'InvalidParameterValue',
          code: 'InvalidParameterValue',
          status: 400,
          message: `Value ${delay} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.`,
        },
      );
    });
  }

  it('reports a missing queue', async () => {
    await expectError(
      sqs.send(new SendMessageCommand({
        QueueUrl: `${server.endpoint}/000000000000/${uniqueName('missing')}`, MessageBody: 'x',
      })),
      { name: 'AWS.SimpleQueueService.NonExistentQueue', status: 400 },
    );
  });
});

describe('SendMessage message attributes', () => {
  const attributes = {
    greeting: { DataType: 'String', StringValue: 'Tüst ✓' },
    count: { DataType: 'Number', StringValue: '0230.01' },
    blob: { DataType: 'Binary', BinaryValue: new Uint8Array([2, 3, 4, 0, 255]) },
    'custom.kind': { DataType: 'String.custom', StringValue: 'x' },
    price: { DataType: 'Number.float', StringValue: '-1.5e3' },
    image: { DataType: 'Binary.png', BinaryValue: new Uint8Array([137, 80, 78, 71]) },
  };

  it('answers with MD5OfMessageAttributes as AWS computes it', async () => {
    const url = await newQueue();
    const out = await sqs.send(new SendMessageCommand({
      QueueUrl: url, MessageBody: 'with attributes', MessageAttributes: attributes,
    }));
    assert.equal(out.MD5OfMessageAttributes, md5OfAttributes(attributes));
    assert.equal(out.MD5OfMessageBody, md5Hex('with attributes'));
  });

  it('delivers the attributes unchanged, with a matching MD5', async () => {
    const url = await newQueue();
    await sqs.send(new SendMessageCommand({
      QueueUrl: url, MessageBody: 'with attributes', MessageAttributes: attributes,
    }));
    const m = await receiveOne(url, { MessageAttributeNames: ['All'] });
    assert.deepEqual(Object.keys(m.MessageAttributes).sort(), Object.keys(attributes).sort());
    for (const [name, want] of Object.entries(attributes)) {
      const got = m.MessageAttributes[name];
      assert.equal(got.DataType, want.DataType, name);
      if (want.BinaryValue) {
        assert.deepEqual(Buffer.from(got.BinaryValue), Buffer.from(want.BinaryValue), name);
        assert.equal(got.StringValue, undefined);
      } else {
        assert.equal(got.StringValue, want.StringValue, name);
        assert.equal(got.BinaryValue, undefined);
      }
    }
    assert.equal(m.MD5OfMessageAttributes, md5OfAttributes(m.MessageAttributes));
    assert.equal(m.MD5OfMessageAttributes, md5OfAttributes(attributes));
  });

  it('matches AWS-recorded digests', async () => {
    const url = await newQueue();
    const out = await sqs.send(new SendMessageCommand({
      QueueUrl: url,
      MessageBody: 'msg',
      MessageAttributes: {
        'Help.Me': { DataType: 'String', StringValue: 'Me' },
        Hello: { DataType: 'String', StringValue: 'There' },
        General: { DataType: 'String', StringValue: 'Kenobi' },
      },
    }));
    assert.equal(out.MD5OfMessageBody, '6e2baaf3b97dbeef01c0043275f9a0e7');
    assert.equal(out.MD5OfMessageAttributes, '4c360f3fdafd970e05fae2f149d997f5');
    const bin = await sqs.send(new SendMessageCommand({
      QueueUrl: url,
      MessageBody: 'msg',
      MessageAttributes: { Foo: { DataType: 'String', StringValue: 'Bar' } },
    }));
    assert.equal(bin.MD5OfMessageAttributes, 'ae7155c6026991b6d54b11589678bf9c');
  });

  it('accepts 10 attributes and rejects 11', async () => {
    const url = await newQueue();
    const make = (n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [
      `a${i}`, { DataType: 'String', StringValue: `v${i}` },
    ]));
    const ok = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'ten', MessageAttributes: make(10) }));
    assert.equal(ok.MD5OfMessageAttributes, md5OfAttributes(make(10)));
    await expectError(
      sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'eleven', MessageAttributes: make(11) })),
      {
        name: 'InvalidParameterValue',
        code: 'InvalidParameterValue',
        status: 400,
        message: 'Number of message attributes [11] exceeds the allowed maximum [10].',
      },
    );
  });

  const invalid = [
    ['an unknown data type', { x: { DataType: 'Text', StringValue: 'v' } }],
    ['a Number that is not a number', { n: { DataType: 'Number', StringValue: 'abc' } }],
    ['a name starting with AWS.', { 'AWS.reserved': { DataType: 'String', StringValue: 'v' } }],
    ['a name starting with amazon.', { 'Amazon.reserved': { DataType: 'String', StringValue: 'v' } }],
    ['a name with a space', { 'bad name': { DataType: 'String', StringValue: 'v' } }],
    ['a name with two periods in a row', { 'a..b': { DataType: 'String', StringValue: 'v' } }],
    ['a Binary attribute without BinaryValue', { b: { DataType: 'Binary', StringValue: 'v' } }],
    ['a value with a NUL character', { s: { DataType: 'String', StringValue: 'a\u0000b' } }],
  ];
  for (const [label, attrs] of invalid) {
    it(`rejects ${label} with InvalidParameterValue`, async () => {
      const url = await newQueue();
      await expectError(
        sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageAttributes: attrs })),
        { name: 'InvalidParameterValue', code: 'InvalidParameterValue', status: 400 },
      );
    });
  }

  it('rejects Number values AWS cannot represent', {
  }, async () => {
    const url = await newQueue();
    for (const value of ['NaN', 'Infinity', '1e200', '-1e-200']) {
      await expectError(sqs.send(new SendMessageCommand({
        QueueUrl: url, MessageBody: 'x', MessageAttributes: { n: { DataType: 'Number', StringValue: value } },
      })), { name: 'InvalidParameterValue', code: 'InvalidParameterValue', status: 400 });
    }
  });

  it('rejects a Number with more than 38 significant digits', async () => {
    const url = await newQueue();
    await expectError(sqs.send(new SendMessageCommand({
      QueueUrl: url,
      MessageBody: 'x',
      MessageAttributes: { n: { DataType: 'Number', StringValue: '1'.repeat(39) } },
    })), { name: 'InvalidParameterValue', code: 'InvalidParameterValue', status: 400 });
    const ok = { n: { DataType: 'Number', StringValue: '9'.repeat(38) } };
    const out = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageAttributes: ok }));
    assert.equal(out.MD5OfMessageAttributes, md5OfAttributes(ok));
  });

  it('rejects an empty String value with InvalidParameterValue', async () => {
    const url = await newQueue();
    await expectError(sqs.send(new SendMessageCommand({
      QueueUrl: url, MessageBody: 'x', MessageAttributes: { ErrorDetails: { DataType: 'String', StringValue: '' } },
    })), { name: 'InvalidParameterValue', code: 'InvalidParameterValue', status: 400 });
  });

  it('words the empty String value error as AWS does', {
  }, async () => {
    const url = await newQueue();
    await expectError(sqs.send(new SendMessageCommand({
      QueueUrl: url, MessageBody: 'x', MessageAttributes: { ErrorDetails: { DataType: 'String', StringValue: '' } },
    })), {
      name: 'InvalidParameterValue',
      message: "Message (user) attribute 'ErrorDetails' must contain a non-empty value of type 'String'.",
    });
  });
});

describe('SendMessage system attributes', () => {
  const trace = {
    AWSTraceHeader: {
      DataType: 'String',
      StringValue: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    },
  };

  it('answers with MD5OfMessageSystemAttributes and delivers AWSTraceHeader', async () => {
    const url = await newQueue();
    const out = await sqs.send(new SendMessageCommand({
      QueueUrl: url, MessageBody: 'traced', MessageSystemAttributes: trace,
    }));
    assert.equal(out.MD5OfMessageSystemAttributes, md5OfAttributes(trace));
    assert.equal(out.MD5OfMessageAttributes, undefined);
    const m = await receiveOne(url, { MessageSystemAttributeNames: ['AWSTraceHeader'] });
    assert.deepEqual(m.Attributes, { AWSTraceHeader: trace.AWSTraceHeader.StringValue });
    assert.equal(m.MessageAttributes, undefined, 'system attributes are not message attributes');
  });

  it('rejects a system attribute other than AWSTraceHeader', async () => {
    const url = await newQueue();
    await expectError(sqs.send(new SendMessageCommand({
      QueueUrl: url, MessageBody: 'x', MessageSystemAttributes: { Foo: { DataType: 'String', StringValue: 'x' } },
    })), { name: 'InvalidParameterValue', code: 'InvalidParameterValue', status: 400 });
  });
});

describe('DeleteMessage', () => {
  it('deletes a received message', async () => {
    const url = await newQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'delete me' }));
    const m = await receiveOne(url);
    const out = await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.deepEqual(await counts(url), { visible: 0, inFlight: 0, delayed: 0 });
  });

  it('succeeds when the same handle is used twice', async () => {
    const url = await newQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'twice' }));
    const m = await receiveOne(url);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    assert.deepEqual(await counts(url), { visible: 0, inFlight: 0, delayed: 0 });
  });

  it('deletes with the latest handle even after its visibility timeout ended', async () => {
    const url = await newQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'late delete' }));
    const m = await receiveOne(url, { VisibilityTimeout: 0 });
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    assert.deepEqual(await counts(url), { visible: 0, inFlight: 0, delayed: 0 });
  });

  it('rejects a garbage handle with ReceiptHandleIsInvalid (404)', async () => {
    const url = await newQueue();
    const err = await expectError(
      sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'garbage' })),
      {
        name: 'ReceiptHandleIsInvalid',
        code: 'ReceiptHandleIsInvalid',
        type: 'Sender',
        status: 404,
        message: 'The input receipt handle "garbage" is not a valid receipt handle.',
      },
    );
    // Here the shape name and the legacy code agree, so the modeled class is used.
    assert.ok(err instanceof ReceiptHandleIsInvalid);
  });

  it('rejects a handle of another queue', async () => {
    const a = await newQueue();
    const b = await newQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl: a, MessageBody: 'from a' }));
    const m = await receiveOne(a);
    await expectError(
      sqs.send(new DeleteMessageCommand({ QueueUrl: b, ReceiptHandle: m.ReceiptHandle })),
      { name: 'ReceiptHandleIsInvalid', status: 404 },
    );
    assert.equal((await counts(a)).inFlight, 1);
  });

  it('rejects a tampered handle', async () => {
    const url = await newQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
    const m = await receiveOne(url);
    const h = m.ReceiptHandle;
    const last = h[h.length - 1] === 'A' ? 'B' : 'A';
    await expectError(
      sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: h.slice(0, -1) + last })),
      { name: 'ReceiptHandleIsInvalid', status: 404 },
    );
  });

  it('does not delete with a stale handle after a newer receive', async () => {
    const url = await newQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'stale' }));
    const first = await receiveOne(url, { VisibilityTimeout: 0 });
    const second = await receiveOne(url, { VisibilityTimeout: 60 });
    assert.equal(second.MessageId, first.MessageId);
    assert.notEqual(second.ReceiptHandle, first.ReceiptHandle);
    // AWS: the request succeeds, but the message is not deleted.
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first.ReceiptHandle }));
    assert.deepEqual(await counts(url), { visible: 0, inFlight: 1, delayed: 0 });
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: second.ReceiptHandle }));
    assert.deepEqual(await counts(url), { visible: 0, inFlight: 0, delayed: 0 });
  });

  it('rejects a missing ReceiptHandle with MissingParameter', async () => {
    const url = await newQueue();
    await expectError(sqs.send(new DeleteMessageCommand({ QueueUrl: url })), {
      name: 'MissingParameter',
      code: 'MissingParameter',
      status: 400,
      message: 'The request must contain the parameter ReceiptHandle.',
    });
  });
});

describe('ChangeMessageVisibility', () => {
  it('makes a message visible again at 0', async () => {
    const url = await newQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'again' }));
    const m = await receiveOne(url, { VisibilityTimeout: 600 });
    assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages, undefined);
    await sqs.send(new ChangeMessageVisibilityCommand({
      QueueUrl: url, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0,
    }));
    const again = await receiveOne(url, { MessageSystemAttributeNames: ['ApproximateReceiveCount'] });
    assert.equal(again.MessageId, m.MessageId);
    assert.equal(again.Attributes.ApproximateReceiveCount, '2');
  });

  it('hides a message for the new timeout', async () => {
    const url = await newQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'extend' }));
    const m = await receiveOne(url, { VisibilityTimeout: 1 });
    await sqs.send(new ChangeMessageVisibilityCommand({
      QueueUrl: url, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 600,
    }));
    // Past the first timeout, the message stays hidden under the new one.
    await sleep(1300);
    assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages, undefined);
    assert.deepEqual(await counts(url), { visible: 0, inFlight: 1, delayed: 0 });
  });

  for (const timeout of [43201, -1]) {
    it(`rejects VisibilityTimeout=${timeout}`, async () => {
      const url = await newQueue();
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
      const m = await receiveOne(url);
      await expectError(sqs.send(new ChangeMessageVisibilityCommand({
        QueueUrl: url, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: timeout,
      })), {
        name: 'InvalidParameterValue',
        code: 'InvalidParameterValue',
        status: 400,
        message: new RegExp(`^Value ${timeout} for parameter VisibilityTimeout is invalid\\.`),
      });
    });
  }

  it('accepts the maximum of 43200 seconds', async () => {
    const url = await newQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
    const m = await receiveOne(url);
    await sqs.send(new ChangeMessageVisibilityCommand({
      QueueUrl: url, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 43200,
    }));
  });

  it('rejects a garbage handle with ReceiptHandleIsInvalid', async () => {
    const url = await newQueue();
    await expectError(sqs.send(new ChangeMessageVisibilityCommand({
      QueueUrl: url, ReceiptHandle: 'garbage', VisibilityTimeout: 10,
    })), {
      name: 'ReceiptHandleIsInvalid',
      code: 'ReceiptHandleIsInvalid',
      status: 404,
      message: 'The input receipt handle "garbage" is not a valid receipt handle.',
    });
  });

  it('rejects the handle of a deleted message', async () => {
    const url = await newQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
    const m = await receiveOne(url);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    await expectError(sqs.send(new ChangeMessageVisibilityCommand({
      QueueUrl: url, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 10,
    })), {
      name: 'InvalidParameterValue',
      code: 'InvalidParameterValue',
      status: 400,
      message: `Value ${m.ReceiptHandle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
    });
  });

  it('accepts the latest handle after its visibility timeout ended, hiding the message again', {
  }, async () => {
    // Recorded against AWS: with no newer receive, the handle still works.
    const url = await newQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
    const m = await receiveOne(url, { VisibilityTimeout: 0 });
    await sqs.send(new ChangeMessageVisibilityCommand({
      QueueUrl: url, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 600,
    }));
    assert.deepEqual(await counts(url), { visible: 0, inFlight: 1, delayed: 0 });
  });

  it('rejects a missing VisibilityTimeout with MissingParameter', async () => {
    const url = await newQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' }));
    const m = await receiveOne(url);
    await expectError(sqs.send(new ChangeMessageVisibilityCommand({
      QueueUrl: url, ReceiptHandle: m.ReceiptHandle,
    })), {
      name: 'MissingParameter',
      code: 'MissingParameter',
      status: 400,
      message: 'The request must contain the parameter VisibilityTimeout.',
    });
  });
});
