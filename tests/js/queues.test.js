'use strict';
// Queue management over AWS JSON 1.0: CreateQueue, GetQueueUrl, ListQueues,
// DeleteQueue, GetQueueAttributes and SetQueueAttributes.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueueTagsCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
} = require('@aws-sdk/client-sqs');
const { startServer } = require('./lib/server');
const { makeClient, expectError, rawJson, uniqueName } = require('./lib/sqs');

const ACCOUNT = '000000000000';
const NON_EXISTENT_QUEUE = {
  name: 'AWS.SimpleQueueService.NonExistentQueue',
  code: 'AWS.SimpleQueueService.NonExistentQueue',
  type: 'Sender',
  status: 400,
  message: 'The specified queue does not exist.',
};

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

async function createQueue(attributes, tags) {
  const name = uniqueName();
  const out = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes, tags }));
  return { name, url: out.QueueUrl };
}

async function attributesOf(url, names = ['All']) {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: names }));
  return out.Attributes;
}

describe('CreateQueue', () => {
  it('returns a URL on the host the client addressed', async () => {
    const name = uniqueName();
    const out = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    assert.equal(out.QueueUrl, `http://127.0.0.1:${server.port}/${ACCOUNT}/${name}`);
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.ok(out.$metadata.requestId, 'x-amzn-RequestId is surfaced as requestId');
  });

  it('applies the given attributes and accepts tags', async () => {
    const { url } = await createQueue({
      VisibilityTimeout: '45',
      DelaySeconds: '2',
      MaximumMessageSize: '2048',
      MessageRetentionPeriod: '3600',
      ReceiveMessageWaitTimeSeconds: '3',
    }, { team: 'blue', env: '' });
    const tags = await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }));
    assert.deepEqual(tags.Tags, { team: 'blue', env: '' });
    const attrs = await attributesOf(url);
    assert.equal(attrs.VisibilityTimeout, '45');
    assert.equal(attrs.DelaySeconds, '2');
    assert.equal(attrs.MaximumMessageSize, '2048');
    assert.equal(attrs.MessageRetentionPeriod, '3600');
    assert.equal(attrs.ReceiveMessageWaitTimeSeconds, '3');
  });

  it('is idempotent for the same name and attributes', async () => {
    const { name, url } = await createQueue({ DelaySeconds: '5' });
    const again = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { DelaySeconds: '5' } }));
    assert.equal(again.QueueUrl, url);
    const bare = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    assert.equal(bare.QueueUrl, url);
  });

  it('treats an attribute given at its default value as matching', async () => {
    const { name, url } = await createQueue();
    const again = await sqs.send(new CreateQueueCommand({
      QueueName: name, Attributes: { VisibilityTimeout: '30', DelaySeconds: '0' },
    }));
    assert.equal(again.QueueUrl, url);
  });

  it('rejects the same name with a different attribute value (QueueAlreadyExists)', async () => {
    const { name } = await createQueue({ DelaySeconds: '1' });
    const err = await expectError(
      sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { DelaySeconds: '2' } })),
      {
        name: 'QueueAlreadyExists',
        code: 'QueueAlreadyExists',
        type: 'Sender',
        status: 400,
        message: 'A queue already exists with the same name and a different value for attribute DelaySeconds',
      },
    );
    assert.equal(err.$fault, 'client');
  });

  it('puts QueueNameExists in __type and QueueAlreadyExists in x-amzn-query-error', async () => {
    const { name } = await createQueue({ DelaySeconds: '1' });
    const res = await rawJson(server, 'AmazonSQS.CreateQueue', {
      QueueName: name, Attributes: { DelaySeconds: '3' },
    });
    assert.equal(res.status, 400);
    assert.equal(res.json.__type, 'com.amazonaws.sqs#QueueNameExists');
    assert.equal(res.json.message,
      'A queue already exists with the same name and a different value for attribute DelaySeconds');
    assert.equal(res.headers.get('x-amzn-query-error'), 'QueueAlreadyExists;Sender');
    assert.equal(res.headers.get('content-type'), 'application/x-amz-json-1.0');
  });

  for (const bad of ['has space', 'dot.name', 'slash/name', 'x'.repeat(81), 'ünïcode']) {
    it(`rejects the invalid queue name ${JSON.stringify(bad.length > 20 ? `${bad.slice(0, 8)}…(${bad.length})` : bad)}`, async () => {
      await expectError(sqs.send(new CreateQueueCommand({ QueueName: bad })), {
        name: 'InvalidParameterValue',
        code: 'InvalidParameterValue',
        status: 400,
        message: 'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
      });
    });
  }

  it('accepts a name of exactly 80 characters with hyphens and underscores', async () => {
    const name = `a-_${uniqueName()}`.padEnd(80, 'z');
    const out = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    assert.ok(out.QueueUrl.endsWith(`/${name}`));
  });

  it('rejects a .fifo name without FifoQueue=true', async () => {
    await expectError(sqs.send(new CreateQueueCommand({ QueueName: `${uniqueName()}.fifo` })), {
      name: 'InvalidParameterValue',
      code: 'InvalidParameterValue',
      status: 400,
    });
  });

  const outOfRange = [
    ['VisibilityTimeout', '43201'],
    ['VisibilityTimeout', '-1'],
    ['DelaySeconds', '901'],
    ['MaximumMessageSize', '1023'],
    ['MaximumMessageSize', '1048577'],
    ['MessageRetentionPeriod', '59'],
    ['MessageRetentionPeriod', '1209601'],
    ['ReceiveMessageWaitTimeSeconds', '21'],
    ['VisibilityTimeout', 'abc'],
  ];
  for (const [attr, value] of outOfRange) {
    it(`rejects ${attr}=${value} with InvalidAttributeValue`, async () => {
      await expectError(
        sqs.send(new CreateQueueCommand({ QueueName: uniqueName(), Attributes: { [attr]: value } })),
        {
          name: 'InvalidAttributeValue',
          code: 'InvalidAttributeValue',
          status: 400,
          message: `Invalid value for the parameter ${attr}.`,
        },
      );
    });
  }

  it('accepts the bounds of each numeric attribute', async () => {
    const { url } = await createQueue({
      VisibilityTimeout: '43200',
      DelaySeconds: '900',
      MaximumMessageSize: '1048576',
      MessageRetentionPeriod: '1209600',
      ReceiveMessageWaitTimeSeconds: '20',
    });
    const attrs = await attributesOf(url);
    assert.equal(attrs.VisibilityTimeout, '43200');
    assert.equal(attrs.MaximumMessageSize, '1048576');
    const low = await createQueue({
      VisibilityTimeout: '0', MaximumMessageSize: '1024', MessageRetentionPeriod: '60',
    });
    assert.equal((await attributesOf(low.url)).MessageRetentionPeriod, '60');
  });

  it('reports SSE-KMS attributes and turns SSE-SQS off for a KMS queue', async () => {
    const { url } = await createQueue({ KmsMasterKeyId: 'testKeyId', KmsDataKeyReusePeriodSeconds: '6000' });
    assert.deepEqual(await attributesOf(url, ['KmsMasterKeyId', 'KmsDataKeyReusePeriodSeconds', 'SqsManagedSseEnabled']), {
      KmsMasterKeyId: 'testKeyId',
      KmsDataKeyReusePeriodSeconds: '6000',
      SqsManagedSseEnabled: 'false',
    });
  });

  it('rejects SSE-KMS and SSE-SQS together', async () => {
    await expectError(sqs.send(new CreateQueueCommand({
      QueueName: uniqueName(), Attributes: { KmsMasterKeyId: 'testKeyId', SqsManagedSseEnabled: 'true' },
    })), {
      name: 'InvalidAttributeName',
      code: 'InvalidAttributeName',
      status: 400,
      message: 'You can use one type of server-side encryption (SSE) at one time. You can either enable KMS SSE or SQS SSE.',
    });
  });

  it('rejects an unknown attribute name with InvalidAttributeName', async () => {
    await expectError(
      sqs.send(new CreateQueueCommand({ QueueName: uniqueName(), Attributes: { Bogus: '1' } })),
      {
        name: 'InvalidAttributeName',
        code: 'InvalidAttributeName',
        status: 400,
        message: 'Unknown Attribute Bogus.',
      },
    );
  });

  it('rejects FifoQueue=false for a standard queue with Unknown Attribute FifoQueue', {
  }, async () => {
    await expectError(
      sqs.send(new CreateQueueCommand({ QueueName: uniqueName(), Attributes: { FifoQueue: 'false' } })),
      {
        name: 'InvalidAttributeName',
        code: 'InvalidAttributeName',
        status: 400,
        message: 'Unknown Attribute FifoQueue.',
      },
    );
  });

  it('does not create the queue when an attribute is invalid', async () => {
    const name = uniqueName();
    await expectError(
      sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { DelaySeconds: '9999' } })),
      { name: 'InvalidAttributeValue' },
    );
    await expectError(sqs.send(new GetQueueUrlCommand({ QueueName: name })), NON_EXISTENT_QUEUE);
  });

  it('rejects a missing QueueName with MissingParameter', async () => {
    await expectError(sqs.send(new CreateQueueCommand({})), {
      name: 'MissingParameter',
      code: 'MissingParameter',
      status: 400,
      message: 'The request must contain the parameter QueueName.',
    });
  });
});

describe('GetQueueUrl', () => {
  it('returns the URL CreateQueue returned', async () => {
    const { name, url } = await createQueue();
    const out = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    assert.equal(out.QueueUrl, url);
  });

  it('accepts QueueOwnerAWSAccountId naming the caller’s own account', async () => {
    const { name, url } = await createQueue();
    const out = await sqs.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: ACCOUNT }));
    assert.equal(out.QueueUrl, url);
  });

  it('reports a missing queue as AWS.SimpleQueueService.NonExistentQueue', async () => {
    const err = await expectError(
      sqs.send(new GetQueueUrlCommand({ QueueName: uniqueName('missing') })),
      NON_EXISTENT_QUEUE,
    );
    // The SDK takes the error's name from x-amzn-query-error in
    // query-compatible mode, so the modeled QueueDoesNotExist class is not
    // used; the legacy code is also kept in err.Error.
    assert.equal(err.Error.Code, 'AWS.SimpleQueueService.NonExistentQueue');
    assert.equal(err.Error.Type, 'Sender');
  });

  it('sends QueueDoesNotExist as __type with the legacy code in x-amzn-query-error', async () => {
    const res = await rawJson(server, 'AmazonSQS.GetQueueUrl', { QueueName: uniqueName('missing') });
    assert.equal(res.status, 400);
    assert.deepEqual(res.json, {
      __type: 'com.amazonaws.sqs#QueueDoesNotExist',
      message: 'The specified queue does not exist.',
    });
    assert.equal(res.headers.get('x-amzn-query-error'), 'AWS.SimpleQueueService.NonExistentQueue;Sender');
    assert.ok(res.headers.get('x-amzn-requestid'));
  });
});

describe('ListQueues', () => {
  let prefix;
  let urls;

  before(async () => {
    prefix = uniqueName('list');
    urls = [];
    for (const suffix of ['a', 'b', 'c', 'd', 'e']) {
      const out = await sqs.send(new CreateQueueCommand({ QueueName: `${prefix}-${suffix}` }));
      urls.push(out.QueueUrl);
    }
  });

  it('lists the queues whose names start with the prefix', async () => {
    const out = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix }));
    assert.deepEqual([...out.QueueUrls].sort(), [...urls].sort());
    assert.equal(out.NextToken, undefined);
  });

  it('lists every queue without a prefix', async () => {
    const out = await sqs.send(new ListQueuesCommand({}));
    for (const url of urls) assert.ok(out.QueueUrls.includes(url), url);
  });

  it('omits QueueUrls when nothing matches', async () => {
    const out = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: uniqueName('none') }));
    assert.equal(out.QueueUrls, undefined);
  });

  it('pages with MaxResults and NextToken', async () => {
    const seen = [];
    let token;
    let pages = 0;
    do {
      const out = await sqs.send(new ListQueuesCommand({
        QueueNamePrefix: prefix, MaxResults: 2, NextToken: token,
      }));
      pages += 1;
      assert.ok(out.QueueUrls.length <= 2);
      seen.push(...out.QueueUrls);
      token = out.NextToken;
    } while (token && pages < 10);
    assert.equal(pages, 3);
    assert.deepEqual([...seen].sort(), [...urls].sort());
    assert.equal(new Set(seen).size, seen.length, 'no queue is listed twice');
  });

  it('gives no NextToken when MaxResults covers every queue', async () => {
    const out = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: prefix, MaxResults: 5 }));
    assert.equal(out.QueueUrls.length, 5);
    assert.equal(out.NextToken, undefined);
  });

  for (const max of [0, 1001]) {
    it(`rejects MaxResults=${max}`, async () => {
      await expectError(sqs.send(new ListQueuesCommand({ MaxResults: max })), {
        name: 'InvalidParameterValue',
        code: 'InvalidParameterValue',
        status: 400,
        message: `Value ${max} for parameter MaxResults is invalid. Reason: MaxResults must be an integer between 1 and 1000.`,
      });
    });
  }

  it('rejects a NextToken it did not issue', async () => {
    await expectError(
      sqs.send(new ListQueuesCommand({ MaxResults: 2, NextToken: 'not-a-token' })),
      { name: 'InvalidParameterValue', code: 'InvalidParameterValue', status: 400 },
    );
  });
});

describe('DeleteQueue', () => {
  it('deletes the queue and its messages', async () => {
    const { name, url } = await createQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'gone' }));
    const out = await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    await expectError(sqs.send(new GetQueueUrlCommand({ QueueName: name })), NON_EXISTENT_QUEUE);
    await expectError(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x' })),
      NON_EXISTENT_QUEUE);
    await expectError(sqs.send(new ReceiveMessageCommand({ QueueUrl: url })), NON_EXISTENT_QUEUE);
    const list = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: name }));
    assert.equal(list.QueueUrls, undefined);
  });

  it('reports a missing queue', async () => {
    const url = `${server.endpoint}/${ACCOUNT}/${uniqueName('missing')}`;
    await expectError(sqs.send(new DeleteQueueCommand({ QueueUrl: url })), NON_EXISTENT_QUEUE);
  });

  it('refuses the name of a queue deleted less than 60 seconds ago (QueueDeletedRecently)', async () => {
    const { name, url } = await createQueue();
    await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
    await expectError(sqs.send(new CreateQueueCommand({ QueueName: name })), {
      name: 'AWS.SimpleQueueService.QueueDeletedRecently',
      code: 'AWS.SimpleQueueService.QueueDeletedRecently',
      status: 400,
      message: 'You must wait 60 seconds after deleting a queue before you can create another with the same name.',
    });
  });
});

describe('GetQueueAttributes', () => {
  it('returns no attributes when none are asked for', async () => {
    const { url } = await createQueue();
    const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url }));
    assert.equal(out.Attributes, undefined);
  });

  it('returns every standard-queue attribute for All, with defaults', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { name, url } = await createQueue();
    const after = Math.ceil(Date.now() / 1000);
    const attrs = await attributesOf(url);
    assert.deepEqual(Object.keys(attrs).sort(), [
      'ApproximateNumberOfMessages',
      'ApproximateNumberOfMessagesDelayed',
      'ApproximateNumberOfMessagesNotVisible',
      'CreatedTimestamp',
      'DelaySeconds',
      'LastModifiedTimestamp',
      'MaximumMessageSize',
      'MessageRetentionPeriod',
      'QueueArn',
      'ReceiveMessageWaitTimeSeconds',
      'SqsManagedSseEnabled',
      'VisibilityTimeout',
    ]);
    assert.equal(attrs.QueueArn, `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`);
    assert.equal(attrs.VisibilityTimeout, '30');
    assert.equal(attrs.DelaySeconds, '0');
    assert.equal(attrs.MaximumMessageSize, '1048576');
    assert.equal(attrs.MessageRetentionPeriod, '345600');
    assert.equal(attrs.ReceiveMessageWaitTimeSeconds, '0');
    assert.equal(attrs.SqsManagedSseEnabled, 'true');
    assert.equal(attrs.ApproximateNumberOfMessages, '0');
    const created = Number(attrs.CreatedTimestamp);
    assert.ok(created >= before && created <= after, `CreatedTimestamp ${created} is epoch seconds`);
    assert.equal(attrs.LastModifiedTimestamp, attrs.CreatedTimestamp);
  });

  it('returns only the named attributes', async () => {
    const { name, url } = await createQueue({ VisibilityTimeout: '12' });
    const attrs = await attributesOf(url, ['QueueArn', 'VisibilityTimeout']);
    assert.deepEqual(attrs, {
      QueueArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`,
      VisibilityTimeout: '12',
    });
  });

  it('counts visible, in-flight and delayed messages', async () => {
    const { url } = await createQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'one' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'two' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'later', DelaySeconds: 600 }));
    const counts = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible',
      'ApproximateNumberOfMessagesDelayed'];
    assert.deepEqual(await attributesOf(url, counts), {
      ApproximateNumberOfMessages: '2',
      ApproximateNumberOfMessagesNotVisible: '0',
      ApproximateNumberOfMessagesDelayed: '1',
    });
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 60 }));
    assert.equal(got.Messages.length, 1);
    assert.deepEqual(await attributesOf(url, counts), {
      ApproximateNumberOfMessages: '1',
      ApproximateNumberOfMessagesNotVisible: '1',
      ApproximateNumberOfMessagesDelayed: '1',
    });
  });

  it('rejects an unknown attribute name', async () => {
    const { url } = await createQueue();
    await expectError(
      sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['Bogus'] })),
      { name: 'InvalidAttributeName', code: 'InvalidAttributeName', status: 400, message: 'Unknown Attribute Bogus.' },
    );
  });

  it('rejects a FIFO-only attribute name on a standard queue', {
  }, async () => {
    const { url } = await createQueue();
    await expectError(
      sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['FifoQueue'] })),
      { name: 'InvalidAttributeName', code: 'InvalidAttributeName', status: 400, message: 'Unknown Attribute FifoQueue.' },
    );
  });

  it('reports a missing queue', async () => {
    const url = `${server.endpoint}/${ACCOUNT}/${uniqueName('missing')}`;
    await expectError(
      sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] })),
      NON_EXISTENT_QUEUE,
    );
  });
});

describe('SetQueueAttributes', () => {
  it('changes attributes and LastModifiedTimestamp keeps up', async () => {
    const { url } = await createQueue();
    const out = await sqs.send(new SetQueueAttributesCommand({
      QueueUrl: url,
      Attributes: { VisibilityTimeout: '69', MaximumMessageSize: '2048', DelaySeconds: '420' },
    }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    const attrs = await attributesOf(url);
    assert.equal(attrs.VisibilityTimeout, '69');
    assert.equal(attrs.MaximumMessageSize, '2048');
    assert.equal(attrs.DelaySeconds, '420');
    assert.ok(Number(attrs.LastModifiedTimestamp) >= Number(attrs.CreatedTimestamp));
  });

  it('sets and clears a Policy', async () => {
    const { name, url } = await createQueue();
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{
        Effect: 'Allow', Principal: '*', Action: 'sqs:SendMessage',
        Resource: `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`,
      }],
    });
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: policy } }));
    assert.deepEqual(JSON.parse((await attributesOf(url, ['Policy'])).Policy), JSON.parse(policy));
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: '' } }));
    assert.equal((await attributesOf(url, ['Policy'])), undefined);
  });

  const cases = [
    ['VisibilityTimeout', '43201'],
    ['DelaySeconds', '-1'],
    ['MaximumMessageSize', '1048577'],
    ['MessageRetentionPeriod', '1209601'],
    ['ReceiveMessageWaitTimeSeconds', '21'],
  ];
  for (const [attr, value] of cases) {
    it(`rejects ${attr}=${value}`, async () => {
      const { url } = await createQueue();
      await expectError(
        sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { [attr]: value } })),
        {
          name: 'InvalidAttributeValue',
          code: 'InvalidAttributeValue',
          status: 400,
          message: `Invalid value for the parameter ${attr}.`,
        },
      );
    });
  }

  it('applies nothing when one attribute of several is invalid', async () => {
    const { url } = await createQueue();
    await expectError(sqs.send(new SetQueueAttributesCommand({
      QueueUrl: url, Attributes: { VisibilityTimeout: '10', DelaySeconds: '5000' },
    })), { name: 'InvalidAttributeValue' });
    assert.equal((await attributesOf(url, ['VisibilityTimeout'])).VisibilityTimeout, '30');
  });

  it('rejects a RedrivePolicy whose target is not an ARN', async () => {
    const { url } = await createQueue();
    const policy = JSON.stringify({ deadLetterTargetArn: 'dummy', maxReceiveCount: 42 });
    await expectError(
      sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { RedrivePolicy: policy } })),
      {
        name: 'InvalidParameterValue',
        code: 'InvalidParameterValue',
        status: 400,
        message: new RegExp(`^Value .* for parameter RedrivePolicy is invalid\\. Reason: `),
      },
    );
  });

  it('words the RedrivePolicy error for a non-ARN target as AWS does', {
  }, async () => {
    const { url } = await createQueue();
    const policy = '{"deadLetterTargetArn": "dummy", "maxReceiveCount": 42}';
    await expectError(
      sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { RedrivePolicy: policy } })),
      {
        name: 'InvalidParameterValue',
        message: `Value ${policy} for parameter RedrivePolicy is invalid. Reason: Invalid value for deadLetterTargetArn.`,
      },
    );
  });

  it('rejects an unknown attribute name', async () => {
    const { url } = await createQueue();
    await expectError(
      sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Bogus: 'x' } })),
      { name: 'InvalidAttributeName', code: 'InvalidAttributeName', status: 400, message: 'Unknown Attribute Bogus.' },
    );
  });

  it('rejects FifoQueue on a standard queue with InvalidAttributeName', async () => {
    const { url } = await createQueue();
    await expectError(
      sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { FifoQueue: 'true' } })),
      { name: 'InvalidAttributeName', code: 'InvalidAttributeName', status: 400 },
    );
  });

  it('words the FifoQueue-on-a-standard-queue error as AWS does', {
  }, async () => {
    const { url } = await createQueue();
    await expectError(
      sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { FifoQueue: 'true' } })),
      { name: 'InvalidAttributeName', message: 'Unknown Attribute FifoQueue.' },
    );
  });

  it('reports a missing queue', async () => {
    const url = `${server.endpoint}/${ACCOUNT}/${uniqueName('missing')}`;
    await expectError(
      sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { DelaySeconds: '1' } })),
      NON_EXISTENT_QUEUE,
    );
  });
});
