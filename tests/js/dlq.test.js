'use strict';
// Dead-letter queues over AWS JSON 1.0: RedrivePolicy and
// RedriveAllowPolicy, moves after maxReceiveCount,
// ListDeadLetterSourceQueues and message move tasks.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  CancelMessageMoveTaskCommand,
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  StartMessageMoveTaskCommand,
} = require('@aws-sdk/client-sqs');
const { startServer } = require('./lib/server');
const { makeClient, expectError, sleep, uniqueName } = require('./lib/sqs');

const ACCOUNT = '000000000000';

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

function arnOf(name) {
  return `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`;
}

async function newQueue(attributes, prefix = 'q') {
  const name = uniqueName(prefix);
  const out = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  return { name, url: out.QueueUrl, arn: arnOf(name) };
}

function redrive(targetArn, maxReceiveCount = 1) {
  return JSON.stringify({ deadLetterTargetArn: targetArn, maxReceiveCount });
}

async function count(url, attr = 'ApproximateNumberOfMessages') {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: [attr] }));
  return Number(out.Attributes[attr]);
}

// A DLQ holding `n` messages that came from a source with maxReceiveCount 1.
async function deadLetters(n) {
  const dlq = await newQueue(undefined, 'dlq');
  const source = await newQueue({ RedrivePolicy: redrive(dlq.arn, 1) }, 'src');
  for (let i = 0; i < n; i += 1) {
    await sqs.send(new SendMessageCommand({ QueueUrl: source.url, MessageBody: `poison ${i}` }));
  }
  // First receives use up the one allowed receive; the next ones move them.
  for (let round = 0; round < 6 && (await count(dlq.url)) < n; round += 1) {
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: source.url, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }));
  }
  assert.equal(await count(dlq.url), n, 'messages reached the dead-letter queue');
  return { dlq, source };
}

async function waitForTask(sourceArn, status, timeoutMs = 8000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: sourceArn }));
    const latest = out.Results && out.Results[0];
    if (latest && latest.Status === status) return latest;
    if (Date.now() > deadline) assert.fail(`task status ${latest && latest.Status}, expected ${status}`);
    await sleep(100);
  }
}

describe('RedrivePolicy', () => {
  it('is stored and returned as given', async () => {
    const dlq = await newQueue();
    const policy = redrive(dlq.arn, 5);
    const src = await newQueue({ RedrivePolicy: policy });
    const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: src.url, AttributeNames: ['RedrivePolicy'] }));
    assert.deepEqual(JSON.parse(out.Attributes.RedrivePolicy), JSON.parse(policy));
  });

  it('moves a message to the dead-letter queue after maxReceiveCount receives', async () => {
    const dlq = await newQueue();
    const src = await newQueue({ RedrivePolicy: redrive(dlq.arn, 2) });
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: src.url, MessageBody: 'poison' }));
    for (let i = 0; i < 2; i += 1) {
      const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: src.url, VisibilityTimeout: 0 }));
      assert.equal(got.Messages[0].MessageId, sent.MessageId, `receive ${i + 1} still comes from the source`);
    }
    const third = await sqs.send(new ReceiveMessageCommand({ QueueUrl: src.url, VisibilityTimeout: 0 }));
    assert.equal(third.Messages, undefined, 'the third receive finds it moved');
    const dead = await sqs.send(new ReceiveMessageCommand({
      QueueUrl: dlq.url, MessageSystemAttributeNames: ['All'],
    }));
    const m = dead.Messages[0];
    assert.equal(m.MessageId, sent.MessageId);
    assert.equal(m.Body, 'poison');
    assert.equal(m.Attributes.DeadLetterQueueSourceArn, src.arn);
  });

  it('is removed by an empty value', async () => {
    const dlq = await newQueue();
    const src = await newQueue({ RedrivePolicy: redrive(dlq.arn) });
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: src.url, Attributes: { RedrivePolicy: '' } }));
    const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: src.url, AttributeNames: ['RedrivePolicy'] }));
    assert.equal(out.Attributes, undefined);
  });

  const invalid = [
    ['a missing target', () => redrive(arnOf(uniqueName('absent'))), 'Dead letter target does not exist.'],
    ['maxReceiveCount 0', (dlq) => redrive(dlq.arn, 0), 'Invalid value for maxReceiveCount: 0, valid values are from 1 to 1000 both inclusive.'],
    ['maxReceiveCount 1001', (dlq) => redrive(dlq.arn, 1001), 'Invalid value for maxReceiveCount: 1001, valid values are from 1 to 1000 both inclusive.'],
  ];
  for (const [label, make, reason] of invalid) {
    it(`rejects ${label}`, async () => {
      const dlq = await newQueue();
      const policy = make(dlq);
      await expectError(sqs.send(new CreateQueueCommand({
        QueueName: uniqueName(), Attributes: { RedrivePolicy: policy },
      })), {
        name: 'InvalidParameterValue',
        code: 'InvalidParameterValue',
        status: 400,
        message: `Value ${policy} for parameter RedrivePolicy is invalid. Reason: ${reason}`,
      });
    });
  }

  it('rejects a FIFO target for a standard source', async () => {
    const fifoName = `${uniqueName()}.fifo`;
    await sqs.send(new CreateQueueCommand({ QueueName: fifoName, Attributes: { FifoQueue: 'true' } }));
    await expectError(sqs.send(new CreateQueueCommand({
      QueueName: uniqueName(), Attributes: { RedrivePolicy: redrive(arnOf(fifoName)) },
    })), { name: 'InvalidParameterValue', status: 400, message: /for parameter RedrivePolicy is invalid/ });
  });

  it('is refused by a target whose RedriveAllowPolicy denies all', async () => {
    const dlq = await newQueue({ RedriveAllowPolicy: JSON.stringify({ redrivePermission: 'denyAll' }) });
    await expectError(sqs.send(new CreateQueueCommand({
      QueueName: uniqueName(), Attributes: { RedrivePolicy: redrive(dlq.arn) },
    })), { name: 'InvalidParameterValue', code: 'InvalidParameterValue', status: 400 });
  });

  it('is allowed by a byQueue RedriveAllowPolicy naming the source', async () => {
    const srcName = uniqueName('src');
    const dlq = await newQueue({
      RedriveAllowPolicy: JSON.stringify({ redrivePermission: 'byQueue', sourceQueueArns: [arnOf(srcName)] }),
    });
    await sqs.send(new CreateQueueCommand({ QueueName: srcName, Attributes: { RedrivePolicy: redrive(dlq.arn) } }));
    await expectError(sqs.send(new CreateQueueCommand({
      QueueName: uniqueName('other'), Attributes: { RedrivePolicy: redrive(dlq.arn) },
    })), { name: 'InvalidParameterValue', status: 400 });
  });
});

describe('ListDeadLetterSourceQueues', () => {
  it('lists the queues that use a queue as their dead-letter queue', async () => {
    const dlq = await newQueue();
    const a = await newQueue({ RedrivePolicy: redrive(dlq.arn) });
    const b = await newQueue({ RedrivePolicy: redrive(dlq.arn) });
    await newQueue();
    const out = await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq.url }));
    assert.deepEqual([...out.queueUrls].sort(), [a.url, b.url].sort());
  });

  it('pages with MaxResults and NextToken', async () => {
    const dlq = await newQueue();
    const sources = [];
    for (let i = 0; i < 3; i += 1) sources.push((await newQueue({ RedrivePolicy: redrive(dlq.arn) })).url);
    const seen = [];
    let token;
    for (let page = 0; page < 5; page += 1) {
      const out = await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlq.url, MaxResults: 2, NextToken: token }));
      assert.ok(out.queueUrls.length <= 2);
      seen.push(...out.queueUrls);
      token = out.NextToken;
      if (!token) break;
    }
    assert.deepEqual([...seen].sort(), [...sources].sort());
  });

  it('lists nothing for a queue nobody uses', async () => {
    const q = await newQueue();
    const out = await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: q.url }));
    assert.deepEqual(out.queueUrls, []);
  });

  it('reports a missing queue', async () => {
    await expectError(sqs.send(new ListDeadLetterSourceQueuesCommand({
      QueueUrl: `${server.endpoint}/${ACCOUNT}/${uniqueName('missing')}`,
    })), { name: 'AWS.SimpleQueueService.NonExistentQueue', status: 400 });
  });
});

describe('message move tasks', () => {
  it('moves dead letters back to their source by default', async () => {
    const { dlq, source } = await deadLetters(3);
    const start = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlq.arn }));
    assert.ok(start.TaskHandle);
    const task = await waitForTask(dlq.arn, 'COMPLETED');
    assert.equal(task.SourceArn, dlq.arn);
    assert.equal(task.DestinationArn, undefined);
    assert.equal(task.ApproximateNumberOfMessagesMoved, 3);
    assert.equal(task.ApproximateNumberOfMessagesToMove, 3);
    assert.equal(typeof task.StartedTimestamp, 'number');
    assert.equal(await count(dlq.url), 0);
    assert.equal(await count(source.url), 3);
  });

  it('moves dead letters to a DestinationArn', async () => {
    const { dlq } = await deadLetters(2);
    const dest = await newQueue();
    await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlq.arn, DestinationArn: dest.arn }));
    const task = await waitForTask(dlq.arn, 'COMPLETED');
    assert.equal(task.DestinationArn, dest.arn);
    assert.equal(await count(dest.url), 2);
  });

  it('runs one task per source at a time and can be cancelled', async () => {
    const { dlq } = await deadLetters(5);
    const first = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlq.arn, MaxNumberOfMessagesPerSecond: 1 }));
    const running = await waitForTask(dlq.arn, 'RUNNING');
    assert.equal(running.TaskHandle, first.TaskHandle);
    assert.equal(running.MaxNumberOfMessagesPerSecond, 1);
    await expectError(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlq.arn })), {
      status: 400,
      message: 'There is already a task running. Only one active task is allowed for a source queue arn at a given time.',
    });
    const cancelled = await sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle: first.TaskHandle }));
    assert.equal(typeof cancelled.ApproximateNumberOfMessagesMoved, 'number');
    const task = await waitForTask(dlq.arn, 'CANCELLED');
    assert.ok(task.ApproximateNumberOfMessagesMoved < 5);
  });

  it('names a second concurrent task InvalidParameterValue', {
  }, async () => {
    const { dlq } = await deadLetters(3);
    const first = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlq.arn, MaxNumberOfMessagesPerSecond: 1 }));
    try {
      await expectError(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlq.arn })), {
        name: 'InvalidParameterValue', code: 'InvalidParameterValue', status: 400,
      });
    } finally {
      await sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle: first.TaskHandle })).catch(() => {});
    }
  });

  it('rejects a source that is not a dead-letter queue', async () => {
    const q = await newQueue();
    await expectError(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: q.arn })), {
      name: 'InvalidParameterValue',
      code: 'InvalidParameterValue',
      status: 400,
      message: 'Source queue must be configured as a Dead Letter Queue.',
    });
  });

  it('rejects a source queue that does not exist', async () => {
    await expectError(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: arnOf(uniqueName('absent')) })), {
      name: 'ResourceNotFoundException',
      status: 404,
      message: "The resource that you specified for the SourceArn parameter doesn't exist.",
    });
  });

  it('rejects a destination queue that does not exist', async () => {
    const { dlq } = await deadLetters(1);
    await expectError(sqs.send(new StartMessageMoveTaskCommand({
      SourceArn: dlq.arn, DestinationArn: arnOf(uniqueName('absent')),
    })), {
      name: 'ResourceNotFoundException',
      status: 404,
      message: "The resource that you specified for the DestinationArn parameter doesn't exist.",
    });
  });

  it('rejects MaxNumberOfMessagesPerSecond above 500', async () => {
    const { dlq } = await deadLetters(1);
    await expectError(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlq.arn, MaxNumberOfMessagesPerSecond: 501 })), {
      name: 'InvalidParameterValue', code: 'InvalidParameterValue', status: 400,
    });
  });

  it('rejects ListMessageMoveTasks MaxResults above 10', async () => {
    const { dlq } = await deadLetters(1);
    await expectError(sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlq.arn, MaxResults: 11 })), {
      name: 'InvalidParameterValue', code: 'InvalidParameterValue', status: 400,
    });
  });

  it('rejects a malformed task handle with InvalidParameterValue', {
  }, async () => {
    await expectError(sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle: 'garbage' })), {
      name: 'InvalidParameterValue',
      code: 'InvalidParameterValue',
      status: 400,
      message: 'Value for parameter TaskHandle is invalid.',
    });
  });

  it('refuses to cancel a task that has finished', async () => {
    const { dlq } = await deadLetters(1);
    const start = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlq.arn }));
    await waitForTask(dlq.arn, 'COMPLETED');
    await expectError(sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle: start.TaskHandle })), { status: 400 });
  });
});
