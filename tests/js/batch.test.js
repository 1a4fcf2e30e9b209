'use strict';
// Batch operations over AWS JSON 1.0: SendMessageBatch, DeleteMessageBatch
// and ChangeMessageVisibilityBatch, with batch-level errors and per-entry
// failures.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  ChangeMessageVisibilityBatchCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} = require('@aws-sdk/client-sqs');
const { startServer } = require('./lib/server');
const {
  makeClient, expectError, md5Hex, md5OfAttributes, uniqueName,
} = require('./lib/sqs');

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

async function counts(url) {
  const out = await sqs.send(new GetQueueAttributesCommand({
    QueueUrl: url,
    AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
  }));
  return {
    visible: Number(out.Attributes.ApproximateNumberOfMessages),
    inFlight: Number(out.Attributes.ApproximateNumberOfMessagesNotVisible),
  };
}

async function receiveAll(url, n, extra = {}) {
  const got = [];
  for (let i = 0; i < 10 && got.length < n; i += 1) {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, ...extra }));
    if (out.Messages) got.push(...out.Messages);
  }
  return got;
}

function byId(entries) {
  return Object.fromEntries((entries || []).map((e) => [e.Id, e]));
}

function batchEntries(n, prefix = 'e') {
  return Array.from({ length: n }, (_, i) => ({ Id: `${prefix}${i}`, MessageBody: `body ${i}` }));
}

describe('SendMessageBatch', () => {
  it('stores every entry and answers with ids and MD5s', async () => {
    const url = await newQueue();
    const attrs = { kind: { DataType: 'String', StringValue: 'batch' } };
    const out = await sqs.send(new SendMessageBatchCommand({
      QueueUrl: url,
      Entries: [
        { Id: 'plain', MessageBody: 'one' },
        { Id: 'with-attrs', MessageBody: 'two', MessageAttributes: attrs },
        { Id: 'delayed_1', MessageBody: 'three', DelaySeconds: 600 },
      ],
    }));
    assert.equal((out.Failed || []).length, 0);
    const ok = byId(out.Successful);
    assert.deepEqual(Object.keys(ok).sort(), ['delayed_1', 'plain', 'with-attrs']);
    assert.equal(ok.plain.MD5OfMessageBody, md5Hex('one'));
    assert.equal(ok.plain.MD5OfMessageAttributes, undefined);
    assert.equal(ok['with-attrs'].MD5OfMessageAttributes, md5OfAttributes(attrs));
    assert.equal(new Set(out.Successful.map((e) => e.MessageId)).size, 3);
    assert.deepEqual(await counts(url), { visible: 2, inFlight: 0 });
    const got = await receiveAll(url, 2, { MessageAttributeNames: ['All'] });
    assert.deepEqual(got.map((m) => m.Body).sort(), ['one', 'two']);
    const two = got.find((m) => m.Body === 'two');
    assert.equal(two.MessageId, ok['with-attrs'].MessageId);
    assert.equal(two.MD5OfMessageAttributes, md5OfAttributes(attrs));
  });

  it('reports bad entries in Failed and stores the rest', async () => {
    const url = await newQueue();
    const out = await sqs.send(new SendMessageBatchCommand({
      QueueUrl: url,
      Entries: [
        { Id: 'good', MessageBody: 'fine' },
        { Id: 'nul', MessageBody: 'bad\u0000body' },
        { Id: 'delay', MessageBody: 'x', DelaySeconds: 901 },
      ],
    }));
    assert.deepEqual(out.Successful.map((e) => e.Id), ['good']);
    const failed = byId(out.Failed);
    assert.deepEqual(Object.keys(failed).sort(), ['delay', 'nul']);
    assert.equal(failed.nul.Code, 'InvalidMessageContents');
    assert.equal(failed.nul.SenderFault, true);
    assert.match(failed.nul.Message, /^Invalid binary character '#x0' was found in the message body/);
    assert.equal(failed.delay.Code, 'InvalidParameterValue');
    assert.equal(failed.delay.SenderFault, true);
    assert.deepEqual(await counts(url), { visible: 1, inFlight: 0 });
  });

  it('rejects an empty batch with EmptyBatchRequest', async () => {
    const url = await newQueue();
    await expectError(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [] })), {
      name: 'AWS.SimpleQueueService.EmptyBatchRequest',
      code: 'AWS.SimpleQueueService.EmptyBatchRequest',
      status: 400,
      message: 'There should be at least one SendMessageBatchRequestEntry in the request.',
    });
  });

  it('rejects more than 10 entries with TooManyEntriesInBatchRequest', async () => {
    const url = await newQueue();
    await expectError(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: batchEntries(20) })), {
      name: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
      code: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
      status: 400,
      message: 'Maximum number of entries per request are 10. You have sent 20.',
    });
    assert.deepEqual(await counts(url), { visible: 0, inFlight: 0 });
  });

  it('rejects repeated ids with BatchEntryIdsNotDistinct', async () => {
    const url = await newQueue();
    await expectError(sqs.send(new SendMessageBatchCommand({
      QueueUrl: url, Entries: [{ Id: '1', MessageBody: 'a' }, { Id: '1', MessageBody: 'b' }],
    })), {
      name: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
      code: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
      status: 400,
      message: 'Id 1 repeated.',
    });
  });

  for (const id of ['invalid:id', 'x'.repeat(81), '']) {
    it(`rejects the batch entry id ${JSON.stringify(id.length > 20 ? `${id.slice(0, 4)}…(${id.length})` : id)}`, async () => {
      const url = await newQueue();
      await expectError(sqs.send(new SendMessageBatchCommand({
        QueueUrl: url, Entries: [{ Id: id, MessageBody: 'a' }],
      })), {
        name: 'AWS.SimpleQueueService.InvalidBatchEntryId',
        code: 'AWS.SimpleQueueService.InvalidBatchEntryId',
        status: 400,
        message: 'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      });
    });
  }

  it('rejects a batch over 1 MiB in total with BatchRequestTooLong', async () => {
    const url = await newQueue();
    await expectError(sqs.send(new SendMessageBatchCommand({
      QueueUrl: url,
      Entries: [
        { Id: '1', MessageBody: 'a'.repeat(1048576 - 8), MessageAttributes: { k: { DataType: 'String', StringValue: 'x' } } },
        { Id: '2', MessageBody: 'a' },
      ],
    })), {
      name: 'AWS.SimpleQueueService.BatchRequestTooLong',
      code: 'AWS.SimpleQueueService.BatchRequestTooLong',
      status: 400,
      message: 'Batch requests cannot be longer than 1048576 bytes. You have sent 1048577 bytes.',
    });
    assert.deepEqual(await counts(url), { visible: 0, inFlight: 0 });
  });

  it('reports a missing queue', async () => {
    await expectError(sqs.send(new SendMessageBatchCommand({
      QueueUrl: `${server.endpoint}/000000000000/${uniqueName('missing')}`, Entries: batchEntries(1),
    })), { name: 'AWS.SimpleQueueService.NonExistentQueue', status: 400 });
  });
});

describe('DeleteMessageBatch', () => {
  it('deletes by handle and reports bad handles per entry', async () => {
    const url = await newQueue();
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: batchEntries(3) }));
    const got = await receiveAll(url, 3);
    assert.equal(got.length, 3);
    const out = await sqs.send(new DeleteMessageBatchCommand({
      QueueUrl: url,
      Entries: [
        { Id: 'a', ReceiptHandle: got[0].ReceiptHandle },
        { Id: 'b', ReceiptHandle: got[1].ReceiptHandle },
        { Id: 'bad', ReceiptHandle: 'garbage' },
      ],
    }));
    assert.deepEqual(out.Successful.map((e) => e.Id).sort(), ['a', 'b']);
    assert.deepEqual(out.Failed, [{
      Id: 'bad',
      SenderFault: true,
      Code: 'ReceiptHandleIsInvalid',
      Message: 'The input receipt handle "garbage" is not a valid receipt handle.',
    }]);
    assert.deepEqual(await counts(url), { visible: 0, inFlight: 1 });
  });

  it('rejects an empty batch with EmptyBatchRequest', async () => {
    const url = await newQueue();
    await expectError(sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: [] })), {
      name: 'AWS.SimpleQueueService.EmptyBatchRequest',
      status: 400,
      message: 'There should be at least one DeleteMessageBatchRequestEntry in the request.',
    });
  });

  it('rejects more than 10 entries', async () => {
    const url = await newQueue();
    const entries = Array.from({ length: 20 }, (_, i) => ({ Id: `d${i}`, ReceiptHandle: 'x' }));
    await expectError(sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: entries })), {
      name: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
      status: 400,
      message: 'Maximum number of entries per request are 10. You have sent 20.',
    });
  });

  it('rejects an invalid entry id', async () => {
    const url = await newQueue();
    await expectError(sqs.send(new DeleteMessageBatchCommand({
      QueueUrl: url, Entries: [{ Id: 'invalid:id', ReceiptHandle: 'x' }],
    })), { name: 'AWS.SimpleQueueService.InvalidBatchEntryId', status: 400 });
  });
});

describe('ChangeMessageVisibilityBatch', () => {
  it('changes each entry and reports failures per entry', async () => {
    const url = await newQueue();
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: batchEntries(2) }));
    const got = await receiveAll(url, 2, { VisibilityTimeout: 600 });
    assert.equal(got.length, 2);
    const out = await sqs.send(new ChangeMessageVisibilityBatchCommand({
      QueueUrl: url,
      Entries: [
        { Id: 'show', ReceiptHandle: got[0].ReceiptHandle, VisibilityTimeout: 0 },
        { Id: 'bad', ReceiptHandle: 'garbage', VisibilityTimeout: 0 },
        { Id: 'range', ReceiptHandle: got[1].ReceiptHandle, VisibilityTimeout: 50000 },
      ],
    }));
    assert.deepEqual(out.Successful.map((e) => e.Id), ['show']);
    const failed = byId(out.Failed);
    assert.equal(failed.bad.Code, 'ReceiptHandleIsInvalid');
    assert.equal(failed.bad.SenderFault, true);
    assert.equal(failed.range.Code, 'InvalidParameterValue');
    assert.equal(failed.range.SenderFault, true);
    assert.deepEqual(await counts(url), { visible: 1, inFlight: 1 });
    const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    assert.equal(again.Messages[0].MessageId, got[0].MessageId);
  });

  it('rejects an empty batch with EmptyBatchRequest', async () => {
    const url = await newQueue();
    await expectError(sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: [] })), {
      name: 'AWS.SimpleQueueService.EmptyBatchRequest',
      status: 400,
      message: 'There should be at least one ChangeMessageVisibilityBatchRequestEntry in the request.',
    });
  });

  it('rejects more than 10 entries', async () => {
    const url = await newQueue();
    const entries = Array.from({ length: 20 }, (_, i) => ({ Id: `c${i}`, ReceiptHandle: 'x', VisibilityTimeout: 1 }));
    await expectError(sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: entries })), {
      name: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
      status: 400,
      message: 'Maximum number of entries per request are 10. You have sent 20.',
    });
  });
});
