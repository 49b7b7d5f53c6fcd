/**
 * The GitHub webhook receiver and starter in the template (infra/webhooks.ts): a function URL with
 * auth NONE whose only public permissions are the two a function URL needs (the signature is the
 * gate, docs/architecture.md#webhooks); the secret readable by the receiver only; the whole policy
 * of both roles; the queue, its dead-letter queue and alarm; the event source's batching; the URL as
 * a stack output; and nothing of it without `webhooks` or without GitHub.
 */
import {
  MAX_RECEIVES,
  QUEUE_VISIBILITY_SECONDS,
  STARTER_EVENT_SOURCE,
  STARTER_TIMEOUT_SECONDS,
  WEBHOOK_NAMES,
} from '../../infra/webhooks';
import { type Synth, synth, TEST_CONFIG, WEBHOOKS_CONFIG } from './support';

type Json = Record<string, unknown>;
const P = { Ref: 'AWS::Partition' };
const A = { Ref: 'AWS::AccountId' };
const join = (...parts: unknown[]) => ({ 'Fn::Join': ['', parts] });
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

let s: Synth;
beforeAll(() => {
  s = synth(WEBHOOKS_CONFIG);
});
const resources = () => Object.entries(s.json.Resources);
const ofType = (type: string) => resources().filter(([, r]) => r.Type === type);
const idOf = (type: string, name: string, key: string) => {
  const found = ofType(type).filter(([, r]) => r.Properties?.[key] === name);
  expect(found).toHaveLength(1);
  return found[0]![0];
};
const fnId = (name: string) => idOf('AWS::Lambda::Function', name, 'FunctionName');
const roleOf = (fn: string) =>
  (s.json.Resources[fnId(fn)]!.Properties!.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
const statementsOf = (role: string) => {
  const policies = ofType('AWS::IAM::Policy').filter(([, r]) =>
    (r.Properties!.Roles as { Ref: string }[]).some((x) => x.Ref === role),
  );
  expect(policies).toHaveLength(1);
  return (policies[0]![1].Properties!.PolicyDocument as { Statement: Json[] }).Statement;
};
const bySid = (statements: Json[]) =>
  Object.fromEntries(
    statements
      .filter((x) => x.Sid)
      .map((x) => [
        x.Sid as string,
        { Action: x.Action, Resource: x.Resource, ...(x.Condition ? { Condition: x.Condition } : {}) },
      ]),
  );

describe('the receiver', () => {
  it('has a function URL with auth NONE, and the only public permissions are invoking it through that URL', () => {
    const receiver = fnId(WEBHOOK_NAMES.receiver);
    const urls = ofType('AWS::Lambda::Url');
    expect(urls).toHaveLength(1);
    expect(urls[0]![1].Properties).toEqual({ AuthType: 'NONE', TargetFunctionArn: arnOf(receiver) });
    const publicPermissions = ofType('AWS::Lambda::Permission')
      .filter(([, r]) => r.Properties!.Principal === '*')
      .map(([, r]) => r.Properties);
    expect(publicPermissions).toEqual(
      expect.arrayContaining([
        {
          Action: 'lambda:InvokeFunctionUrl',
          FunctionName: arnOf(receiver),
          FunctionUrlAuthType: 'NONE',
          Principal: '*',
        },
        {
          Action: 'lambda:InvokeFunction',
          FunctionName: arnOf(receiver),
          InvokedViaFunctionUrl: true,
          Principal: '*',
        },
      ]),
    );
    expect(publicPermissions).toHaveLength(2);
    const fn = s.json.Resources[receiver]!.Properties!;
    expect(fn).toMatchObject({
      Timeout: 10,
      MemorySize: 256,
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
    });
    expect(fn.Environment).toEqual({
      Variables: expect.objectContaining({
        SCIM_SYNC_GITHUB_ORGANISATION: 'example-org',
        SCIM_SYNC_WEBHOOK_SECRET_ARN: {
          Ref: idOf('AWS::SecretsManager::Secret', WEBHOOK_NAMES.secret, 'Name'),
        },
      }),
    });
  });

  it('may read the webhook secret, record deliveries and queue events: nothing else', () => {
    const secret = idOf('AWS::SecretsManager::Secret', WEBHOOK_NAMES.secret, 'Name');
    const table = idOf('AWS::DynamoDB::Table', WEBHOOK_NAMES.deliveries, 'TableName');
    const queue = idOf('AWS::SQS::Queue', WEBHOOK_NAMES.queue, 'QueueName');
    const statements = statementsOf(roleOf(WEBHOOK_NAMES.receiver));
    expect(bySid(statements)).toEqual({
      WriteOwnLogs: expect.anything(),
      ReadWebhookSecret: { Action: 'secretsmanager:GetSecretValue', Resource: { Ref: secret } },
      RecordDeliveries: { Action: ['dynamodb:PutItem', 'dynamodb:DeleteItem'], Resource: arnOf(table) },
      QueueEvents: { Action: 'sqs:SendMessage', Resource: arnOf(queue) },
    });
    // The rest is X-Ray's two actions.
    expect(statements.filter((x) => !x.Sid).map((x) => ({ Action: x.Action, Resource: x.Resource }))).toEqual(
      [{ Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' }],
    );
  });

  it('is the only reader of the webhook secret; the secret is generated as {"webhook_secret": ...}', () => {
    const secret = idOf('AWS::SecretsManager::Secret', WEBHOOK_NAMES.secret, 'Name');
    const readers = ofType('AWS::IAM::Policy').filter(([, r]) =>
      JSON.stringify(r.Properties!.PolicyDocument).includes(`"Ref":"${secret}"`),
    );
    expect(readers.map(([, r]) => (r.Properties!.Roles as { Ref: string }[])[0]!.Ref)).toEqual([
      roleOf(WEBHOOK_NAMES.receiver),
    ]);
    expect(s.json.Resources[secret]!.Properties!.GenerateSecretString).toEqual({
      SecretStringTemplate: '{}',
      GenerateStringKey: 'webhook_secret',
      PasswordLength: 48,
      ExcludePunctuation: true,
    });
  });

  it('keeps delivery ids in a table of its own with a TTL', () => {
    const table =
      s.json.Resources[idOf('AWS::DynamoDB::Table', WEBHOOK_NAMES.deliveries, 'TableName')]!.Properties!;
    expect(table).toMatchObject({
      KeySchema: [{ AttributeName: 'delivery', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });
});

describe('the starter', () => {
  it('reads the lease item, starts the GitHub machine and describes its webhook-* executions, and takes the queue: nothing else', () => {
    const lease = idOf('AWS::DynamoDB::Table', 'scim-sync-lease', 'TableName');
    const machine = idOf('AWS::StepFunctions::StateMachine', 'scim-sync-github', 'StateMachineName');
    const queue = idOf('AWS::SQS::Queue', WEBHOOK_NAMES.queue, 'QueueName');
    const statements = statementsOf(roleOf(WEBHOOK_NAMES.starter));
    expect(bySid(statements)).toEqual({
      WriteOwnLogs: expect.anything(),
      ReadLease: {
        Action: 'dynamodb:GetItem',
        Resource: arnOf(lease),
        Condition: {
          'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['identitystore#d-1234567890'] },
        },
      },
      StartGithubSync: { Action: 'states:StartExecution', Resource: { Ref: machine } },
      SeeFollowUps: {
        Action: 'states:DescribeExecution',
        Resource: join('arn:', P, ':states:eu-west-2:', A, ':execution:scim-sync-github:webhook-*'),
      },
    });
    const rest = statements.filter((x) => !x.Sid).map((x) => ({ Action: x.Action, Resource: x.Resource }));
    expect(rest).toEqual([
      { Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
      {
        Action: [
          'sqs:ReceiveMessage',
          'sqs:ChangeMessageVisibility',
          'sqs:GetQueueUrl',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
        ],
        Resource: arnOf(queue),
      },
    ]);
  });

  it('gets batches of up to 100 events gathered for up to 5 s, at most 2 at a time; the queue retries 5 times, then dead-letters (alarmed)', () => {
    const mappings = ofType('AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(1);
    expect(mappings[0]![1].Properties).toMatchObject({
      FunctionName: { Ref: fnId(WEBHOOK_NAMES.starter) },
      BatchSize: STARTER_EVENT_SOURCE.batchSize,
      MaximumBatchingWindowInSeconds: 5,
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    const queue = s.json.Resources[idOf('AWS::SQS::Queue', WEBHOOK_NAMES.queue, 'QueueName')]!.Properties!;
    const dlq = idOf('AWS::SQS::Queue', WEBHOOK_NAMES.deadLetterQueue, 'QueueName');
    expect(QUEUE_VISIBILITY_SECONDS).toBe(6 * STARTER_TIMEOUT_SECONDS);
    expect(queue).toMatchObject({
      VisibilityTimeout: 180,
      MessageRetentionPeriod: 86_400,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: arnOf(dlq), maxReceiveCount: MAX_RECEIVES },
    });
    const alarm = ofType('AWS::CloudWatch::Alarm').find(
      ([, r]) => r.Properties!.AlarmName === WEBHOOK_NAMES.deadLettersAlarm,
    );
    expect(alarm?.[1].Properties).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }],
      AlarmActions: [{ Ref: ofType('AWS::SNS::Topic')[0]![0] }],
    });
  });
});

it('the webhook URL and the secret ARN are stack outputs', () => {
  const outputs = (s.json as unknown as { Outputs: Record<string, { Value: unknown }> }).Outputs;
  expect(outputs.GitHubWebhookUrl?.Value).toEqual({
    'Fn::GetAtt': [ofType('AWS::Lambda::Url')[0]![0], 'FunctionUrl'],
  });
  expect(outputs.GitHubWebhookSecretArn?.Value).toEqual({
    Ref: idOf('AWS::SecretsManager::Secret', WEBHOOK_NAMES.secret, 'Name'),
  });
});

it('without `webhooks`, or without GitHub, none of it is deployed', () => {
  for (const config of [
    TEST_CONFIG,
    { ...WEBHOOKS_CONFIG, providers: { entra: WEBHOOKS_CONFIG.providers.entra } },
  ]) {
    const t = synth(config).json;
    const names = JSON.stringify(t.Resources);
    for (const n of Object.values(WEBHOOK_NAMES)) expect(names).not.toContain(n);
    expect(Object.values(t.Resources).filter((r) => r.Type === 'AWS::Lambda::Url')).toHaveLength(0);
  }
});
