/**
 * The step functions and every role in the template: function settings, and the whole policy
 * document of each role (actions and resources), so that any extra grant fails a test.
 */
import { TARGET_READ_BUDGET_SECONDS } from '../../lambdas/handlers/fetch-target';
import { App } from 'aws-cdk-lib';
import { readAsl, STEPS, type Step, taskTimeouts } from '../../infra/asl';
import { buildApp } from '../../infra/build';
import { STEP_SPECS, TASK_TIMEOUT_SLACK_SECONDS } from '../../infra/functions';
import { type Synth, synth, TEST_CONFIG } from './support';

type Json = Record<string, unknown>;
const P = { Ref: 'AWS::Partition' };
const A = { Ref: 'AWS::AccountId' };
const join = (...parts: unknown[]) => ({ 'Fn::Join': ['', parts] });
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

const PROVIDERS = [
  { provider: 'github', secretName: 'aws_saml' },
  { provider: 'entra', secretName: 'entra_id_aws_connectivity_details' },
] as const;

/** The sizes this app promises (README/docs): memory MB and timeout seconds per step. */
const SIZES: Record<Step, [number, number]> = {
  CheckConcurrency: [256, 30],
  ResolveSecret: [256, 30],
  FetchSource: [1024, 840],
  FetchTarget: [2048, 840],
  ComputePlan: [3008, 240],
  ApplyBatch: [512, 900],
  Report: [512, 240],
};

let s: Synth;
beforeAll(() => {
  s = synth();
});

const resources = () => s.json.Resources;
const ofType = (type: string) => Object.entries(resources()).filter(([, r]) => r.Type === type);
const props = (id: string) => resources()[id]?.Properties as Json;

function functionByName(name: string): { id: string; p: Json } {
  const hit = ofType('AWS::Lambda::Function').find(([, r]) => r.Properties?.FunctionName === name);
  if (!hit) throw new Error(`no function ${name}`);
  return { id: hit[0], p: hit[1].Properties as Json };
}

/** The policy documents attached to a role (by AWS::IAM::Policy), and the role itself. */
function roleGrants(roleId: string) {
  const policies = ofType('AWS::IAM::Policy').filter(([, r]) =>
    ((r.Properties?.Roles ?? []) as unknown[]).some(
      (x) => JSON.stringify(x) === JSON.stringify({ Ref: roleId }),
    ),
  );
  return { role: props(roleId), documents: policies.map(([, r]) => r.Properties?.PolicyDocument as Json) };
}

const bucketId = () => ofType('AWS::S3::Bucket')[0]![0];
const leaseTableId = () => ofType('AWS::DynamoDB::Table')[0]![0];
const XRAY = {
  Effect: 'Allow',
  Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
  Resource: '*',
};

function expectedStatements(provider: string, secretName: string, step: Step, logGroupId: string): Json[] {
  const logs = {
    Sid: 'WriteOwnLogs',
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: arnOf(logGroupId),
  };
  const secret = {
    Sid: 'ReadProviderSecret',
    Effect: 'Allow',
    Action: 'secretsmanager:GetSecretValue',
    Resource: join('arn:', P, ':secretsmanager:eu-west-2:', A, `:secret:${secretName}-??????`),
  };
  const store = [
    join('arn:', P, ':identitystore::', A, ':identitystore/d-1234567890'),
    join('arn:', P, ':identitystore:::user/*'),
    join('arn:', P, ':identitystore:::group/*'),
    join('arn:', P, ':identitystore:::membership/*'),
  ];
  const blobs = (...actions: string[]) => ({
    Sid: 'RunBlobs',
    Effect: 'Allow',
    Action: actions.length === 1 ? actions[0] : actions,
    Resource: join(arnOf(bucketId()), `/${provider}/*`),
  });
  const listPrefix = {
    Sid: 'MissingBlobIsNotFound',
    Effect: 'Allow',
    Action: 's3:ListBucket',
    Resource: arnOf(bucketId()),
    Condition: { StringLike: { 's3:prefix': [`${provider}/*`] } },
  };
  // The lease item of this Identity Store only; Report only releases it.
  const lease = {
    Sid: 'HoldLease',
    Effect: 'Allow',
    Action: step === 'Report' ? 'dynamodb:UpdateItem' : ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    Resource: arnOf(leaseTableId()),
    Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['identitystore#d-1234567890'] } },
  };
  const base = [logs, XRAY, lease];
  switch (step) {
    case 'CheckConcurrency':
      return base;
    case 'ResolveSecret':
      return [...base, secret];
    case 'FetchSource':
      return [...base, secret, blobs('s3:PutObject')];
    case 'FetchTarget':
      return [
        ...base,
        {
          Sid: 'ReadIdentityStore',
          Effect: 'Allow',
          Action: [
            'identitystore:ListGroupMemberships',
            'identitystore:ListGroups',
            'identitystore:ListUsers',
          ],
          Resource: store,
        },
        // Its own progress when it hands over to its next invocation.
        blobs('s3:GetObject', 's3:PutObject'),
        listPrefix,
      ];
    case 'ComputePlan':
      return [...base, blobs('s3:GetObject', 's3:PutObject'), listPrefix];
    case 'ApplyBatch':
      return [
        ...base,
        {
          Sid: 'ApplyToIdentityStore',
          Effect: 'Allow',
          Action: [
            'identitystore:CreateGroup',
            'identitystore:CreateGroupMembership',
            'identitystore:CreateUser',
            'identitystore:DeleteGroup',
            'identitystore:DeleteGroupMembership',
            'identitystore:DeleteUser',
            'identitystore:DescribeGroup',
            'identitystore:DescribeUser',
            'identitystore:GetGroupId',
            'identitystore:GetUserId',
            'identitystore:UpdateGroup',
            'identitystore:UpdateUser',
          ],
          Resource: store,
        },
        blobs('s3:GetObject', 's3:PutObject'),
        listPrefix,
      ];
    case 'Report':
      // It completes the run report (report.json, report.html) beside the plan.
      return [...base, blobs('s3:GetObject', 's3:PutObject'), listPrefix];
  }
}

describe.each(PROVIDERS)('$provider step functions', ({ provider, secretName }) => {
  test.each(STEPS)('%s: runtime, size, environment, logs, tracing', (step) => {
    const { p } = functionByName(`scim-sync-${provider}-${STEP_SPECS[step].entry}`);
    const [memory, timeout] = SIZES[step];
    expect(p).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: memory,
      Timeout: timeout,
      TracingConfig: { Mode: 'Active' },
    });
    const env = (p.Environment as { Variables: Json }).Variables;
    expect(Object.keys(env).sort()).toEqual([
      'NODE_OPTIONS',
      'POWERTOOLS_LOG_LEVEL',
      'POWERTOOLS_SERVICE_NAME',
      'SCIM_SYNC_BUCKET',
      'SCIM_SYNC_CONFIG',
      'SCIM_SYNC_LEASE_TABLE',
      'SCIM_SYNC_PROVIDER',
    ]);
    expect(env.SCIM_SYNC_PROVIDER).toBe(provider);
    expect(env.SCIM_SYNC_BUCKET).toEqual({ Ref: bucketId() });
    expect(env.SCIM_SYNC_LEASE_TABLE).toEqual({ Ref: leaseTableId() });
    expect(env.POWERTOOLS_LOG_LEVEL).toBe('INFO');
    expect(env.POWERTOOLS_SERVICE_NAME).toBe('scim-sync');
    expect(env.NODE_OPTIONS).toBe('--enable-source-maps');
    const config = JSON.parse(env.SCIM_SYNC_CONFIG as string);
    expect(config).toMatchObject({ ...TEST_CONFIG, providers: { github: TEST_CONFIG.providers.github } });
    expect(config.providers[provider].schedule).toBe(
      provider === 'github' ? 'cron(0 */6 * * ? *)' : 'rate(2 hours)',
    );

    const logGroupId = (p.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    expect(props(logGroupId)).toMatchObject({
      LogGroupName: `/aws/lambda/scim-sync-${provider}-${STEP_SPECS[step].entry}`,
      RetentionInDays: 90,
    });
  });

  test.each(STEPS)('%s: the Task TimeoutSeconds exceeds the Lambda timeout by 30 s or more', (step) => {
    const { p } = functionByName(`scim-sync-${provider}-${STEP_SPECS[step].entry}`);
    expect(TASK_TIMEOUT_SLACK_SECONDS).toBe(30);
    expect((p.Timeout as number) + 30).toBeLessThanOrEqual(taskTimeouts(readAsl())[step]);
  });

  test('FetchTarget runs long enough to finish the reads in flight after its read budget (4 minutes or more)', () => {
    const { p } = functionByName(`scim-sync-${provider}-${STEP_SPECS.FetchTarget.entry}`);
    expect(p.Timeout as number).toBeGreaterThanOrEqual(TARGET_READ_BUDGET_SECONDS + 240);
  });

  test.each(STEPS)('%s: its role holds exactly the statements the handler needs', (step) => {
    const { p } = functionByName(`scim-sync-${provider}-${STEP_SPECS[step].entry}`);
    const roleId = (p.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
    const { role, documents } = roleGrants(roleId);
    expect(role.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ],
    });
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(role.Policies).toBeUndefined();
    const logGroupId = (p.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    expect(documents).toEqual([
      { Version: '2012-10-17', Statement: expectedStatements(provider, secretName, step, logGroupId) },
    ]);
  });

  test('the state machine role may invoke exactly its seven functions (and deliver logs and traces)', () => {
    const machine = ofType('AWS::StepFunctions::StateMachine').find(
      ([, r]) => r.Properties?.StateMachineName === `scim-sync-${provider}`,
    )!;
    const roleId = (machine[1].Properties!.RoleArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
    const { role, documents } = roleGrants(roleId);
    expect(role.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'states.amazonaws.com' } },
      ],
    });
    const functions = STEPS.map((step) =>
      arnOf(functionByName(`scim-sync-${provider}-${STEP_SPECS[step].entry}`).id),
    );
    expect(documents).toEqual([
      {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'InvokeOwnSteps', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: functions },
          {
            Effect: 'Allow',
            Action: [
              'logs:CreateLogDelivery',
              'logs:GetLogDelivery',
              'logs:UpdateLogDelivery',
              'logs:DeleteLogDelivery',
              'logs:ListLogDeliveries',
              'logs:PutResourcePolicy',
              'logs:DescribeResourcePolicies',
              'logs:DescribeLogGroups',
            ],
            Resource: '*',
          },
          {
            Effect: 'Allow',
            Action: [
              'xray:PutTraceSegments',
              'xray:PutTelemetryRecords',
              'xray:GetSamplingRules',
              'xray:GetSamplingTargets',
            ],
            Resource: '*',
          },
        ],
      },
    ]);
  });

  test('the schedule role may only start its machine and write to its dead-letter queue', () => {
    const schedule = ofType('AWS::Scheduler::Schedule').find(
      ([, r]) => r.Properties?.Name === `scim-sync-${provider}`,
    )!;
    const target = schedule[1].Properties?.Target as Json;
    const roleId = (target.RoleArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]!;
    const { role, documents } = roleGrants(roleId);
    expect(role.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: {
            StringEquals: {
              'aws:SourceAccount': A,
              'aws:SourceArn': join('arn:', P, ':scheduler:eu-west-2:', A, ':schedule-group/default'),
            },
          },
        },
      ],
    });
    expect(documents).toEqual([
      {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 'states:StartExecution', Resource: target.Arn },
          { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: (target.DeadLetterConfig as Json).Arn },
        ],
      },
    ]);
  });
});

test('-c logLevel=DEBUG sets POWERTOOLS_LOG_LEVEL of all 15 functions', () => {
  const debug = synth(TEST_CONFIG, { context: { logLevel: 'DEBUG' } });
  const levels = Object.values(debug.json.Resources)
    .filter((r) => r.Type === 'AWS::Lambda::Function')
    .map((r) => (r.Properties!.Environment as { Variables: Json }).Variables.POWERTOOLS_LOG_LEVEL);
  expect(levels).toEqual(Array(15).fill('DEBUG'));
});

describe('the whole template', () => {
  test('has the 15 functions and 19 roles above, and nothing else that can act', () => {
    expect(ofType('AWS::Lambda::Function')).toHaveLength(15);
    expect(ofType('AWS::IAM::Role')).toHaveLength(19);
    expect(ofType('AWS::IAM::Policy')).toHaveLength(19);
    expect(ofType('AWS::IAM::ManagedPolicy')).toHaveLength(0);
    expect(ofType('AWS::Lambda::Permission')).toHaveLength(1);
  });

  test('grants no wildcard action', () => {
    const actions = ofType('AWS::IAM::Policy').flatMap(([, r]) =>
      (r.Properties!.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement.flatMap(
        (st) => st.Action,
      ),
    );
    expect(actions.length).toBeGreaterThan(50);
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
  });
});

describe('timeouts are checked against the ASL at synth', () => {
  test('a Lambda timeout less than 30 s under its Task TimeoutSeconds fails the build', () => {
    const saved = STEP_SPECS.ComputePlan.timeoutSeconds;
    STEP_SPECS.ComputePlan.timeoutSeconds = 271;
    try {
      const app = new App({ context: { scimSync: TEST_CONFIG, 'aws:cdk:bundling-stacks': [] } });
      expect(() => buildApp(app)).toThrow(
        /ComputePlan: the Lambda timeout \(271 s\) is not 30 s under the Task's TimeoutSeconds \(300 s\)/,
      );
    } finally {
      STEP_SPECS.ComputePlan.timeoutSeconds = saved;
    }
    STEP_SPECS.ComputePlan.timeoutSeconds = 301;
    try {
      const app = new App({ context: { scimSync: TEST_CONFIG, 'aws:cdk:bundling-stacks': [] } });
      expect(() => buildApp(app)).toThrow(
        /ComputePlan: the Lambda timeout \(301 s\) is not 30 s under the Task's TimeoutSeconds \(300 s\)/,
      );
    } finally {
      STEP_SPECS.ComputePlan.timeoutSeconds = saved;
    }
  });

  test('taskTimeouts takes the smallest TimeoutSeconds of the Tasks calling a function', () => {
    const asl = JSON.parse(readAsl());
    asl.States.ApplyDeletes.ItemProcessor.States.ApplyDeletesBatch.TimeoutSeconds = 600;
    expect(taskTimeouts(JSON.stringify(asl)).ApplyBatch).toBe(600);
    delete asl.States.Report.TimeoutSeconds;
    expect(() => taskTimeouts(JSON.stringify(asl))).toThrow(/Report Task .* has no TimeoutSeconds/);
  });
});
