/**
 * Shared resources (run-data bucket, lease table, alert topic and its key, email subscriptions) and
 * alerting (the execution-failed rule, its alert function and dead-letter queue, the CloudWatch
 * alarms).
 */
import { type Synth, synth } from './support';

type Json = Record<string, unknown>;
const P = { Ref: 'AWS::Partition' };
const A = { Ref: 'AWS::AccountId' };
const join = (...parts: unknown[]) => ({ 'Fn::Join': ['', parts] });

let s: Synth;
beforeAll(() => {
  s = synth();
});

const ofType = (type: string) => Object.entries(s.json.Resources).filter(([, r]) => r.Type === type);
const only = (type: string) => {
  const all = ofType(type);
  expect(all).toHaveLength(1);
  return { id: all[0]![0], p: all[0]![1].Properties as Json };
};
const machineId = (provider: string) =>
  ofType('AWS::StepFunctions::StateMachine').find(
    ([, r]) => r.Properties?.StateMachineName === `scim-sync-${provider}`,
  )![0];
const queueId = (provider: string) =>
  ofType('AWS::SQS::Queue').find(
    ([, r]) => r.Properties?.QueueName === `scim-sync-${provider}-schedule-dlq`,
  )![0];

describe('run-data bucket', () => {
  test('encrypted, public access blocked, owner-enforced, objects expire after the redrive window', () => {
    const { p } = only('AWS::S3::Bucket');
    expect(p).toEqual({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: {
        Rules: [
          {
            Id: 'expire-run-data-after-redrive-window',
            Status: 'Enabled',
            ExpirationInDays: 15,
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          },
        ],
      },
      Tags: [{ Key: 'project', Value: 'scim-sync' }],
    });
    expect(s.json.Resources[only('AWS::S3::Bucket').id]).toMatchObject({ DeletionPolicy: 'Retain' });
  });

  test('its policy only denies: any request without TLS, or below TLS 1.2', () => {
    const bucket = only('AWS::S3::Bucket').id;
    const arn = { 'Fn::GetAtt': [bucket, 'Arn'] };
    const both = [arn, join(arn, '/*')];
    expect(only('AWS::S3::BucketPolicy').p).toEqual({
      Bucket: { Ref: bucket },
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:*',
            Resource: both,
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
          {
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:*',
            Resource: both,
            Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
          },
        ],
      },
    });
  });
});

describe('lease table', () => {
  test('one table keyed by id, on demand, point-in-time recovery, the functions get its name', () => {
    const { id, p } = only('AWS::DynamoDB::Table');
    expect(p).toEqual({
      TableName: 'scim-sync-lease',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      Tags: [{ Key: 'project', Value: 'scim-sync' }],
    });
    const steps = ofType('AWS::Lambda::Function').filter(
      ([, r]) => r.Properties?.FunctionName !== 'scim-sync-alert',
    );
    expect(steps).toHaveLength(14);
    for (const [, r] of steps) {
      expect((r.Properties!.Environment as { Variables: Json }).Variables.SCIM_SYNC_LEASE_TABLE).toEqual({
        Ref: id,
      });
    }
  });
});

describe('alert topic', () => {
  test('encrypted with a rotating customer key, TLS only, published to by CloudWatch only (the alert function by its role)', () => {
    const key = only('AWS::KMS::Key');
    const topic = only('AWS::SNS::Topic');
    expect(topic.p).toMatchObject({
      TopicName: 'scim-sync-alerts',
      KmsMasterKeyId: { 'Fn::GetAtt': [key.id, 'Arn'] },
    });
    expect(key.p.EnableKeyRotation).toBe(true);
    expect(only('AWS::SNS::TopicPolicy').p).toEqual({
      Topics: [{ Ref: topic.id }],
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AllowPublishThroughSSLOnly',
            Effect: 'Deny',
            Principal: '*',
            Action: 'sns:Publish',
            Resource: { Ref: topic.id },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
          {
            Sid: 'CloudWatchAlarmsPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: topic.id },
            Condition: { StringEquals: { 'aws:SourceAccount': A } },
          },
        ],
      },
    });
  });

  test('the key lets CloudWatch encrypt, and no one else besides the account: no condition EventBridge delivery cannot meet', () => {
    const statements = (only('AWS::KMS::Key').p.KeyPolicy as { Statement: Json[] }).Statement;
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Principal: { AWS: join('arn:', P, ':iam::', A, ':root') },
        Action: 'kms:*',
        Resource: '*',
      },
      {
        Sid: 'CloudWatchAlarmsUseKey',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceAccount': A } },
      },
    ]);
    // aws:SourceArn is not supported for EventBridge delivery to an encrypted topic: nowhere in a key policy.
    expect(JSON.stringify(statements).includes('aws:SourceArn')).toBe(false);
    expect(JSON.stringify(statements).includes('events.amazonaws.com')).toBe(false);
  });

  test('one email subscription per alarmEmails entry', () => {
    const topic = only('AWS::SNS::Topic').id;
    const subs = ofType('AWS::SNS::Subscription').map(([, r]) => r.Properties);
    expect(subs).toEqual([
      { Protocol: 'email', Endpoint: 'identity-team@example.com', TopicArn: { Ref: topic } },
      { Protocol: 'email', Endpoint: 'oncall@example.com', TopicArn: { Ref: topic } },
    ]);
  });
});

const alertQueueId = () =>
  ofType('AWS::SQS::Queue').find(([, r]) => r.Properties?.QueueName === 'scim-sync-alerts-dlq')![0];
const functionId = (name: string) =>
  ofType('AWS::Lambda::Function').find(([, r]) => r.Properties?.FunctionName === name)![0];

describe('execution-failed rule', () => {
  test('matches FAILED, TIMED_OUT and ABORTED executions of either machine', () => {
    const { p } = only('AWS::Events::Rule');
    expect(p.Name).toBe('scim-sync-execution-failed');
    expect(p.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: {
        status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
        stateMachineArn: [{ Ref: machineId('github') }, { Ref: machineId('entra') }],
      },
    });
  });

  test('its one target is the alert function, with a retry policy (a day) and a dead-letter queue', () => {
    const { p } = only('AWS::Events::Rule');
    expect(p.Targets).toEqual([
      {
        Id: 'Target0',
        Arn: { 'Fn::GetAtt': [functionId('scim-sync-alert'), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [alertQueueId(), 'Arn'] } },
      },
    ]);
  });

  test('the dead-letter queue: encrypted, TLS only, 14 days, only the rule may send to it (aws:SourceArn)', () => {
    const queue = alertQueueId();
    expect(s.json.Resources[queue]?.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 86400,
    });
    const policy = ofType('AWS::SQS::QueuePolicy').find(
      ([, r]) => JSON.stringify(r.Properties?.Queues) === JSON.stringify([{ Ref: queue }]),
    )!;
    const ruleId = only('AWS::Events::Rule').id;
    expect((policy[1].Properties!.PolicyDocument as { Statement: Json[] }).Statement).toEqual([
      {
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'sqs:*',
        Resource: { 'Fn::GetAtt': [queue, 'Arn'] },
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
      {
        Sid: expect.stringMatching(/^AllowEventRule/),
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': [queue, 'Arn'] },
        Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
      },
    ]);
  });

  test.each([
    [
      'scim-sync-alerts-undelivered',
      {
        Namespace: 'AWS/Events',
        MetricName: 'FailedInvocations',
        Dimensions: [{ Name: 'RuleName', Value: 'scim-sync-execution-failed' }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Period: 300,
        TreatMissingData: 'notBreaching',
      },
    ],
    [
      'scim-sync-alerts-dead-letters',
      {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Statistic: 'Maximum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        Period: 300,
        TreatMissingData: 'notBreaching',
      },
    ],
  ])('alarm %s: an alert that did not arrive pages through CloudWatch', (name, expected) => {
    const hit = ofType('AWS::CloudWatch::Alarm').find(([, r]) => r.Properties?.AlarmName === name);
    expect(hit?.[1].Properties).toMatchObject({
      ...expected,
      AlarmActions: [{ Ref: only('AWS::SNS::Topic').id }],
    });
    if (name === 'scim-sync-alerts-dead-letters') {
      expect((hit![1].Properties as Json).Dimensions).toEqual([
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [alertQueueId(), 'QueueName'] } },
      ]);
    }
  });
});

describe.each([
  ['github', 12 * 3600],
  ['entra', 4 * 3600],
])('%s alarms', (provider, window) => {
  const alarm = (suffix: string) => {
    const hit = ofType('AWS::CloudWatch::Alarm').find(
      ([, r]) => r.Properties?.AlarmName === `scim-sync-${provider}-${suffix}`,
    );
    if (!hit) throw new Error(`no alarm scim-sync-${provider}-${suffix}`);
    const p = hit[1].Properties as Json;
    expect(p.AlarmActions).toEqual([{ Ref: only('AWS::SNS::Topic').id }]);
    return p;
  };
  const dims = [
    { Name: 'provider', Value: provider },
    { Name: 'service', Value: 'scim-sync' },
  ];

  test('failed, timed-out or aborted executions of its machine', () => {
    const p = alarm('executions-failed');
    expect(p).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
    });
    const metrics = p.Metrics as { Id: string; Expression?: string; MetricStat?: Json }[];
    expect(metrics.find((m) => m.Expression)?.Expression).toBe(
      'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)',
    );
    for (const [id, name] of [
      ['failed', 'ExecutionsFailed'],
      ['timedOut', 'ExecutionsTimedOut'],
      ['aborted', 'ExecutionsAborted'],
    ]) {
      expect(metrics.find((m) => m.Id === id)?.MetricStat).toEqual({
        Metric: {
          Namespace: 'AWS/States',
          MetricName: name,
          Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: machineId(provider) } }],
        },
        Period: 300,
        Stat: 'Sum',
      });
    }
  });

  test('credential expiry below 14 days', () => {
    expect(alarm('credential-expiring')).toMatchObject({
      Namespace: 'ScimSync',
      MetricName: 'CredentialDaysToExpiry',
      Dimensions: dims,
      Statistic: 'Minimum',
      Threshold: 14,
      ComparisonOperator: 'LessThanThreshold',
      Period: window,
      TreatMissingData: 'notBreaching',
    });
  });

  test.each([
    ['conflicts', 'ConflictsReported'],
    ['failed-operations', 'FailedOperations'],
  ])('%s above zero', (suffix, metric) => {
    expect(alarm(suffix)).toMatchObject({
      Namespace: 'ScimSync',
      MetricName: metric,
      Dimensions: dims,
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      Period: window,
      TreatMissingData: 'notBreaching',
    });
  });

  test('no completed sync for two schedule intervals, missing data breaching', () => {
    expect(alarm('not-syncing')).toMatchObject({
      Namespace: 'ScimSync',
      MetricName: 'SyncCompleted',
      Dimensions: dims,
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      Period: window,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'breaching',
    });
  });

  test('a schedule start that ended in the dead-letter queue', () => {
    expect(alarm('schedule-undelivered')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Statistic: 'Maximum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId(provider), 'QueueName'] } }],
    });
  });
});

test('six alarms per provider and two for alert delivery, all to the topic', () => {
  expect(ofType('AWS::CloudWatch::Alarm')).toHaveLength(14);
  s.template.allResourcesProperties('AWS::CloudWatch::Alarm', {
    AlarmActions: [{ Ref: only('AWS::SNS::Topic').id }],
  });
});
