'use strict';
// FIFO queues over AWS JSON 1.0: creation rules, required ids,
// deduplication, ordering and group locking.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
} = require('@aws-sdk/client-sqs');
const { startServer } = require('./lib/server');
const { makeClient, expectError, md5Hex, uniqueName } = require('./lib/sqs');

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

async function newFifo(attributes = {}) {
  const name = `${uniqueName()}.fifo`;
  const out = await sqs.send(new CreateQueueCommand({
    QueueName: name, Attributes: { FifoQueue: 'true', ...attributes },
  }));
  return { name, url: out.QueueUrl };
}

function send(url, body, group, dedup, extra = {}) {
  return sqs.send(new SendMessageCommand({
    QueueUrl: url, MessageBody: body, MessageGroupId: group, MessageDeduplicationId: dedup, ...extra,
  }));
}

function receive(url, extra = {}) {
  return sqs.send(new ReceiveMessageCommand({ QueueUrl: url, ...extra }));
}

describe('FIFO queue creation', () => {
  it('reports the FIFO attributes with their defaults', async () => {
    const { name, url } = await newFifo();
    const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
    const a = out.Attributes;
    assert.equal(a.QueueArn, `arn:aws:sqs:us-east-1:000000000000:${name}`);
    assert.equal(a.FifoQueue, 'true');
    assert.equal(a.ContentBasedDeduplication, 'false');
    assert.equal(a.DeduplicationScope, 'queue');
    assert.equal(a.FifoThroughputLimit, 'perQueue');
  });

  it('refuses FifoQueue=true on a name without .fifo', async () => {
    await expectError(sqs.send(new CreateQueueCommand({
      QueueName: uniqueName(), Attributes: { FifoQueue: 'true' },
    })), { name: 'InvalidParameterValue', code: 'InvalidParameterValue', status: 400 });
  });

  it('refuses FIFO-only attributes on a standard queue', async () => {
    await expectError(sqs.send(new CreateQueueCommand({
      QueueName: uniqueName(), Attributes: { ContentBasedDeduplication: 'true' },
    })), {
      name: 'InvalidAttributeName', code: 'InvalidAttributeName', status: 400,
      message: 'Unknown Attribute ContentBasedDeduplication.',
    });
  });

  it('answers QueueAlreadyExists for a differing FIFO attribute', async () => {
    const { name } = await newFifo();
    await expectError(sqs.send(new CreateQueueCommand({
      QueueName: name, Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' },
    })), {
      name: 'QueueAlreadyExists',
      status: 400,
      message: 'A queue already exists with the same name and a different value for attribute ContentBasedDeduplication',
    });
  });

  it('changes ContentBasedDeduplication with SetQueueAttributes', async () => {
    const { url } = await newFifo({ ContentBasedDeduplication: 'true' });
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { ContentBasedDeduplication: 'false' } }));
    const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ContentBasedDeduplication'] }));
    assert.equal(out.Attributes.ContentBasedDeduplication, 'false');
  });

  it('accepts FifoQueue=true unchanged on a FIFO queue', {
  }, async () => {
    const { url } = await newFifo();
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { FifoQueue: 'true' } }));
  });

  it('refuses FifoQueue=false on a FIFO queue with InvalidAttributeValue', {
  }, async () => {
    const { url } = await newFifo();
    await expectError(sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { FifoQueue: 'false' } })), {
      name: 'InvalidAttributeValue',
      code: 'InvalidAttributeValue',
      status: 400,
      message: 'Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.',
    });
  });
});

describe('FIFO sends', () => {
  it('requires MessageGroupId', async () => {
    const { url } = await newFifo();
    await expectError(sqs.send(new SendMessageCommand({
      QueueUrl: url, MessageBody: 'x', MessageDeduplicationId: 'd',
    })), {
      name: 'MissingParameter',
      code: 'MissingParameter',
      status: 400,
      message: 'The request must contain the parameter MessageGroupId.',
    });
  });

  it('requires a deduplication id without ContentBasedDeduplication', async () => {
    const { url } = await newFifo();
    await expectError(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageGroupId: 'g' })), {
      name: 'InvalidParameterValue',
      code: 'InvalidParameterValue',
      status: 400,
      message: 'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
    });
  });

  it('refuses a per-message DelaySeconds', async () => {
    const { url } = await newFifo();
    await expectError(send(url, 'x', 'g', 'd', { DelaySeconds: 2 }), {
      name: 'InvalidParameterValue',
      code: 'InvalidParameterValue',
      status: 400,
      message: 'Value 2 for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.',
    });
  });

  it('answers with increasing sequence numbers', async () => {
    const { url } = await newFifo();
    const a = await send(url, 'a', 'g', 'd1');
    const b = await send(url, 'b', 'g', 'd2');
    assert.match(a.SequenceNumber, /^\d+$/);
    assert.ok(BigInt(b.SequenceNumber) > BigInt(a.SequenceNumber));
  });

  it('accepts a duplicate within the window but stores it once', async () => {
    const { url } = await newFifo();
    const first = await send(url, 'original', 'g', 'same');
    const dup = await send(url, 'changed body', 'g', 'same');
    assert.equal(dup.MessageId, first.MessageId);
    assert.equal(dup.SequenceNumber, first.SequenceNumber);
    assert.equal(dup.MD5OfMessageBody, md5Hex('changed body'), 'the digest is of the body sent');
    const got = await receive(url, { MaxNumberOfMessages: 10 });
    assert.deepEqual(got.Messages.map((m) => m.Body), ['original']);
  });

  it('deduplicates by body with ContentBasedDeduplication, even after a delete', async () => {
    const { url } = await newFifo({ ContentBasedDeduplication: 'true' });
    const first = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '{"foo":"bar"}', MessageGroupId: 'g' }));
    const got = await receive(url);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: got.Messages[0].ReceiptHandle }));
    const again = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '{"foo":"bar"}', MessageGroupId: 'g' }));
    assert.equal(again.MessageId, first.MessageId);
    assert.equal((await receive(url)).Messages, undefined);
  });

  it('applies the same rules per entry in SendMessageBatch', async () => {
    const { url } = await newFifo();
    const out = await sqs.send(new SendMessageBatchCommand({
      QueueUrl: url,
      Entries: [
        { Id: 'ok', MessageBody: 'a', MessageGroupId: 'g', MessageDeduplicationId: 'd1' },
        { Id: 'nodedup', MessageBody: 'b', MessageGroupId: 'g' },
      ],
    }));
    assert.deepEqual(out.Successful.map((e) => e.Id), ['ok']);
    assert.match(out.Successful[0].SequenceNumber, /^\d+$/);
    assert.equal(out.Failed[0].Id, 'nodedup');
    assert.equal(out.Failed[0].Code, 'InvalidParameterValue');
  });
});

describe('FIFO receives', () => {
  it('delivers a group in order and holds it while a message is in flight', async () => {
    const { url } = await newFifo();
    for (let i = 1; i <= 3; i += 1) await send(url, `g${i}`, 'group-g', `g${i}`);
    await send(url, 'h1', 'group-h', 'h1');
    const first = await receive(url, { MaxNumberOfMessages: 1, VisibilityTimeout: 600 });
    assert.equal(first.Messages[0].Body, 'g1');
    // group-g is locked by g1; only group-h can be delivered.
    const second = await receive(url, { MaxNumberOfMessages: 10, VisibilityTimeout: 600 });
    assert.deepEqual(second.Messages.map((m) => m.Body), ['h1']);
    assert.equal((await receive(url, { MaxNumberOfMessages: 10 })).Messages, undefined);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first.Messages[0].ReceiptHandle }));
    const rest = await receive(url, { MaxNumberOfMessages: 10 });
    assert.deepEqual(rest.Messages.map((m) => m.Body), ['g2', 'g3']);
  });

  it('returns the FIFO system attributes', async () => {
    const { url } = await newFifo();
    const sent = await send(url, 'attrs', 'the-group', 'the-dedup');
    const got = await receive(url, { MessageSystemAttributeNames: ['All'] });
    const a = got.Messages[0].Attributes;
    assert.equal(a.MessageGroupId, 'the-group');
    assert.equal(a.MessageDeduplicationId, 'the-dedup');
    assert.equal(a.SequenceNumber, sent.SequenceNumber);
    assert.equal(a.ApproximateReceiveCount, '1');
  });

  it('answers a retried ReceiveRequestAttemptId with the same messages', async () => {
    const { url } = await newFifo();
    await send(url, 'once', 'g', 'd');
    const a = await receive(url, { ReceiveRequestAttemptId: 'attempt-1', VisibilityTimeout: 600 });
    const b = await receive(url, { ReceiveRequestAttemptId: 'attempt-1', VisibilityTimeout: 600 });
    assert.equal(a.Messages[0].MessageId, b.Messages[0].MessageId);
    assert.equal(b.Messages[0].ReceiptHandle, a.Messages[0].ReceiptHandle);
  });
});
