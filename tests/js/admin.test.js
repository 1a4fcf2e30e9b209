'use strict';
// Queue administration over AWS JSON 1.0: PurgeQueue, TagQueue /
// UntagQueue / ListQueueTags and AddPermission / RemovePermission.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const {
  AddPermissionCommand,
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ListQueueTagsCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  RemovePermissionCommand,
  SendMessageCommand,
  TagQueueCommand,
  UntagQueueCommand,
} = require('@aws-sdk/client-sqs');
const { startServer } = require('./lib/server');
const { makeClient, expectError, uniqueName } = require('./lib/sqs');

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

async function newQueue() {
  const name = uniqueName();
  const out = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  return { name, url: out.QueueUrl };
}

function missingUrl() {
  return `${server.endpoint}/${ACCOUNT}/${uniqueName('missing')}`;
}

const NON_EXISTENT = { name: 'AWS.SimpleQueueService.NonExistentQueue', status: 400 };

describe('PurgeQueue', () => {
  it('removes every message, visible and in flight', async () => {
    const { url } = await newQueue();
    for (let i = 0; i < 3; i += 1) await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: `m${i}` }));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 600 }));
    const out = await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    const attrs = await sqs.send(new GetQueueAttributesCommand({
      QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }));
    assert.deepEqual(attrs.Attributes, { ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
    assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages, undefined);
  });

  it('refuses a second purge within 60 seconds (PurgeQueueInProgress, 403)', async () => {
    const { name, url } = await newQueue();
    await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    await expectError(sqs.send(new PurgeQueueCommand({ QueueUrl: url })), {
      name: 'AWS.SimpleQueueService.PurgeQueueInProgress',
      code: 'AWS.SimpleQueueService.PurgeQueueInProgress',
      type: 'Sender',
      status: 403,
      message: `Only one PurgeQueue operation on ${name} is allowed every 60 seconds.`,
    });
  });

  it('reports a missing queue', async () => {
    await expectError(sqs.send(new PurgeQueueCommand({ QueueUrl: missingUrl() })), NON_EXISTENT);
  });
});

describe('queue tags', () => {
  it('adds, lists and removes tags', async () => {
    const { url } = await newQueue();
    await sqs.send(new TagQueueCommand({ QueueUrl: url, Tags: { tag1: 'value1', tag2: 'value2', tag3: '' } }));
    assert.deepEqual((await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags,
      { tag1: 'value1', tag2: 'value2', tag3: '' });
    await sqs.send(new UntagQueueCommand({ QueueUrl: url, TagKeys: ['tag1', 'tag3'] }));
    assert.deepEqual((await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags, { tag2: 'value2' });
    await sqs.send(new UntagQueueCommand({ QueueUrl: url, TagKeys: ['tag2'] }));
    const empty = await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }));
    assert.ok(empty.Tags === undefined || Object.keys(empty.Tags).length === 0, JSON.stringify(empty.Tags));
  });

  it('overwrites the value of an existing key', async () => {
    const { url } = await newQueue();
    await sqs.send(new TagQueueCommand({ QueueUrl: url, Tags: { team: 'blue' } }));
    await sqs.send(new TagQueueCommand({ QueueUrl: url, Tags: { team: 'red', env: 'test' } }));
    assert.deepEqual((await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags, { team: 'red', env: 'test' });
  });

  it('ignores removing a key that is not there', async () => {
    const { url } = await newQueue();
    await sqs.send(new UntagQueueCommand({ QueueUrl: url, TagKeys: ['absent'] }));
  });

  it('refuses more than 50 tags on a queue', async () => {
    const { url } = await newQueue();
    const tags = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    await expectError(sqs.send(new TagQueueCommand({ QueueUrl: url, Tags: tags })), {
      name: 'InvalidParameterValue', code: 'InvalidParameterValue', status: 400,
    });
  });

  it('reports a missing queue', async () => {
    await expectError(sqs.send(new ListQueueTagsCommand({ QueueUrl: missingUrl() })), NON_EXISTENT);
    await expectError(sqs.send(new TagQueueCommand({ QueueUrl: missingUrl(), Tags: { a: 'b' } })), NON_EXISTENT);
    await expectError(sqs.send(new UntagQueueCommand({ QueueUrl: missingUrl(), TagKeys: ['a'] })), NON_EXISTENT);
  });
});

describe('queue permissions', () => {
  async function policyOf(url) {
    const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['Policy'] }));
    return out.Attributes && out.Attributes.Policy ? JSON.parse(out.Attributes.Policy) : undefined;
  }

  it('adds a statement per label to the Policy attribute', async () => {
    const { name, url } = await newQueue();
    await sqs.send(new AddPermissionCommand({
      QueueUrl: url,
      Label: 'crossaccountpermission',
      AWSAccountIds: ['668614515564', '111111111111'],
      Actions: ['ReceiveMessage'],
    }));
    const policy = await policyOf(url);
    assert.equal(policy.Id, `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}/SQSDefaultPolicy`);
    assert.deepEqual(policy.Statement, [{
      Sid: 'crossaccountpermission',
      Effect: 'Allow',
      Principal: { AWS: ['arn:aws:iam::668614515564:root', 'arn:aws:iam::111111111111:root'] },
      Action: 'SQS:ReceiveMessage',
      Resource: `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`,
    }]);
    await sqs.send(new AddPermissionCommand({
      QueueUrl: url, Label: 'second', AWSAccountIds: ['111111111111'], Actions: ['SendMessage', 'DeleteMessage'],
    }));
    const two = await policyOf(url);
    assert.deepEqual(two.Statement.map((s) => s.Sid), ['crossaccountpermission', 'second']);
    assert.deepEqual(two.Statement[1].Principal, { AWS: 'arn:aws:iam::111111111111:root' });
    assert.deepEqual(two.Statement[1].Action, ['SQS:SendMessage', 'SQS:DeleteMessage']);
  });

  it('writes the policy with AWS’s 2008-10-17 version', {
  }, async () => {
    const { url } = await newQueue();
    await sqs.send(new AddPermissionCommand({
      QueueUrl: url, Label: 'p', AWSAccountIds: ['111111111111'], Actions: ['ReceiveMessage'],
    }));
    assert.equal((await policyOf(url)).Version, '2008-10-17');
  });

  it('refuses a label that already exists', async () => {
    const { url } = await newQueue();
    const add = () => sqs.send(new AddPermissionCommand({
      QueueUrl: url, Label: 'crossaccountpermission', AWSAccountIds: ['111111111111'], Actions: ['ReceiveMessage'],
    }));
    await add();
    await expectError(add(), {
      name: 'InvalidParameterValue',
      code: 'InvalidParameterValue',
      status: 400,
      message: 'Value crossaccountpermission for parameter Label is invalid. Reason: Already exists.',
    });
  });

  it('removes a statement by label, and the Policy with the last one', async () => {
    const { url } = await newQueue();
    for (const label of ['one', 'two']) {
      await sqs.send(new AddPermissionCommand({
        QueueUrl: url, Label: label, AWSAccountIds: ['111111111111'], Actions: ['ReceiveMessage'],
      }));
    }
    await sqs.send(new RemovePermissionCommand({ QueueUrl: url, Label: 'one' }));
    assert.deepEqual((await policyOf(url)).Statement.map((s) => s.Sid), ['two']);
    await sqs.send(new RemovePermissionCommand({ QueueUrl: url, Label: 'two' }));
    assert.equal(await policyOf(url), undefined);
  });

  it('refuses to remove a label that is not there', async () => {
    const { url } = await newQueue();
    await expectError(sqs.send(new RemovePermissionCommand({ QueueUrl: url, Label: 'crossaccountpermission2' })), {
      name: 'InvalidParameterValue',
      code: 'InvalidParameterValue',
      status: 400,
      message: /^Value crossaccountpermission2 for parameter Label is invalid\. Reason: can't find label/,
    });
  });

  it('words the missing-label error as AWS does', {
  }, async () => {
    const { url } = await newQueue();
    await expectError(sqs.send(new RemovePermissionCommand({ QueueUrl: url, Label: 'crossaccountpermission2' })), {
      name: 'InvalidParameterValue',
      message: "Value crossaccountpermission2 for parameter Label is invalid. Reason: can't find label.",
    });
  });

  it('reports a missing queue', async () => {
    await expectError(sqs.send(new AddPermissionCommand({
      QueueUrl: missingUrl(), Label: 'l', AWSAccountIds: ['111111111111'], Actions: ['ReceiveMessage'],
    })), NON_EXISTENT);
    await expectError(sqs.send(new RemovePermissionCommand({ QueueUrl: missingUrl(), Label: 'l' })), NON_EXISTENT);
  });
});
