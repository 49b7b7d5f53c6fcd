/**
 * The alert function (the failure rule's target): its settings, its role (exactly what it needs:
 * read failed executions' histories, publish to the encrypted topic, dead-letter to its queue), its
 * asynchronous retries and failure destination, and the one permission that lets the rule invoke it.
 */
import { type Synth, synth } from './support';

type Json = Record<string, unknown>;
const P = { Ref: 'AWS::Partition' };
const A = { Ref: 'AWS::AccountId' };
const join = (...parts: unknown[]) => ({ 'Fn::Join': ['', parts] });
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const XRAY = {
  Effect: 'Allow',
  Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
  Resource: '*',
};

let s: Synth;
beforeAll(() => {
  s = synth();
});

const ofType = (type: string) => Object.entries(s.json.Resources).filter(([, r]) => r.Type === type);
function functionByName(name: string): { id: string; p: Json } {
  const hit = ofType('AWS::Lambda::Function').find(([, r]) => r.Properties?.FunctionName === name);
  if (!hit) throw new Error(`no function ${name}`);
  return { id: hit[0], p: hit[1].Properties as Json };
}
function roleGrants(roleId: string) {
  const policies = ofType('AWS::IAM::Policy').filter(([, r]) =>
    ((r.Properties?.Roles ?? []) as unknown[]).some(
      (x) => JSON.stringify(x) === JSON.stringify({ Ref: roleId }),
    ),
  );
  return { documents: policies.map(([, r]) => r.Properties?.PolicyDocument as Json) };
}

describe('the alert function', () => {
  test('reads the history of failed executions of the two machines, publishes to the topic, dead-letters to its queue', () => {
    const { id, p } = functionByName('scim-sync-alert');
    const topicId = ofType('AWS::SNS::Topic')[0]![0];
    const keyId = ofType('AWS::KMS::Key')[0]![0];
    const queueId = ofType('AWS::SQS::Queue').find(
      ([, r]) => r.Properties?.QueueName === 'scim-sync-alerts-dlq',
    )![0];
    expect(p).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Timeout: 60,
      Environment: {
        Variables: {
          SCIM_SYNC_ALERT_TOPIC: { Ref: topicId },
          POWERTOOLS_LOG_LEVEL: 'INFO',
          POWERTOOLS_SERVICE_NAME: 'scim-sync',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    });
    const roleId = (p.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
    const logGroupId = (p.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    expect(roleGrants(roleId).documents).toEqual([
      {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'WriteOwnLogs',
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: arnOf(logGroupId),
          },
          XRAY,
          {
            Sid: 'ReadFailedHistory',
            Effect: 'Allow',
            Action: 'states:GetExecutionHistory',
            Resource: ['github', 'entra'].map((x) =>
              join('arn:', P, ':states:eu-west-2:', A, `:execution:scim-sync-${x}:*`),
            ),
          },
          { Sid: 'PublishAlert', Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: topicId } },
          {
            Sid: 'EncryptAlert',
            Effect: 'Allow',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: arnOf(keyId),
          },
          {
            Effect: 'Allow',
            Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
            Resource: arnOf(queueId),
          },
        ],
      },
    ]);
    const config = ofType('AWS::Lambda::EventInvokeConfig');
    expect(config).toHaveLength(1);
    expect(config[0]![1].Properties).toEqual({
      FunctionName: { Ref: id },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: arnOf(queueId) } },
    });
    // Only the failure rule may invoke it.
    const permissions = ofType('AWS::Lambda::Permission');
    expect(permissions.map(([, r]) => r.Properties)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: arnOf(id),
        Principal: 'events.amazonaws.com',
        SourceArn: arnOf(ofType('AWS::Events::Rule')[0]![0]),
      },
    ]);
  });
});
