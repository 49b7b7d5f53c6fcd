/**
 * The state machines (the ASL file with its substitutions applied, logging, tracing) and the
 * schedules that start them (expression, target, input, retry policy, dead-letter queue).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STEP_SPECS } from '../../infra/functions';
import { type Synth, synth, TEST_CONFIG } from './support';

type Json = Record<string, unknown>;
const ASL_FILE = join(__dirname, '..', '..', 'statemachines', 'sync.asl.json');
const STEP_ENTRIES: Record<string, string> = {
  CheckConcurrencyFunctionArn: 'check-concurrency',
  ResolveSecretFunctionArn: 'resolve-secret',
  FetchSourceFunctionArn: 'fetch-source',
  FetchTargetFunctionArn: 'fetch-target',
  ComputePlanFunctionArn: 'compute-plan',
  ApplyBatchFunctionArn: 'apply-batch',
  ReportFunctionArn: 'report',
};

let s: Synth;
beforeAll(() => {
  // A non-default apply concurrency and GitHub schedule, to see config values arrive.
  s = synth({
    ...TEST_CONFIG,
    applyConcurrency: 7,
    providers: {
      ...TEST_CONFIG.providers,
      github: { ...TEST_CONFIG.providers.github, schedule: 'cron(30 1/4 * * ? *)' },
    },
  });
});

const ofType = (type: string) => Object.entries(s.json.Resources).filter(([, r]) => r.Type === type);
const byProp = (type: string, key: string, value: unknown) => {
  const hit = ofType(type).find(([, r]) => r.Properties?.[key] === value);
  if (!hit) throw new Error(`no ${type} with ${key}=${String(value)}`);
  return { id: hit[0], p: hit[1].Properties as Json };
};
/** A CloudFormation value rendered as text: GetAtt -> <Id.Arn>, Ref -> <Id>. */
const render = (v: unknown): string => {
  if (typeof v === 'string') return v;
  const o = v as { 'Fn::GetAtt'?: string[]; Ref?: string };
  if (o['Fn::GetAtt']) return `<${o['Fn::GetAtt'].join('.')}>`;
  if (o.Ref) return `<${o.Ref}>`;
  throw new Error(`unexpected value ${JSON.stringify(v)}`);
};

describe.each([
  ['github', 'cron(30 1/4 * * ? *)'],
  ['entra', 'rate(2 hours)'],
])('%s', (provider, schedule) => {
  const machine = () =>
    byProp('AWS::StepFunctions::StateMachine', 'StateMachineName', `scim-sync-${provider}`);

  test('the definition in the template is the ASL file with the substitutions applied', () => {
    const { p } = machine();
    // What CloudFormation will run: the definition string with every ${Name} replaced.
    const substitutions = p.DefinitionSubstitutions as Record<string, unknown>;
    const deployed = (p.DefinitionString as string).replace(/\$\{(\w+)\}/g, (_m, name: string) => {
      if (!(name in substitutions)) throw new Error(`\${${name}} has no substitution`);
      return render(substitutions[name]);
    });
    // What it should be: the file, with each function ARN the function of that name for this provider.
    const expected = readFileSync(ASL_FILE, 'utf8').replace(/\$\{(\w+)\}/g, (_m, name: string) => {
      if (name === 'Provider') return provider;
      if (name === 'ApplyConcurrency') return '7';
      const entry = STEP_ENTRIES[name];
      if (!entry) throw new Error(`the ASL has an unknown placeholder \${${name}}`);
      return `<${byProp('AWS::Lambda::Function', 'FunctionName', `scim-sync-${provider}-${entry}`).id}.Arn>`;
    });
    expect(JSON.parse(deployed)).toEqual(JSON.parse(expected));
    expect(Object.keys(substitutions).sort()).toEqual(
      ['ApplyConcurrency', 'Provider', ...Object.keys(STEP_ENTRIES)].sort(),
    );
    expect(deployed).not.toContain('${');
    expect(JSON.parse(deployed).States.CheckConcurrency.Parameters.settings).toEqual({
      provider,
      'applyConcurrency.$': "States.StringToJson('7')",
    });
  });

  test('the deployed definition: the lease loop, and every Lambda retrier as AWS recommends plus Lambda.Unknown', () => {
    const def = JSON.parse(machine().p.DefinitionString as string) as {
      States: Record<string, Json>;
    };
    // CheckConcurrency (input always the execution input) -> LeaseTaken? -> WaitForLease -> CheckConcurrency, or Skipped.
    expect((def.States.CheckConcurrency!.Parameters as Json)['input.$']).toBe('$$.Execution.Input');
    expect(def.States.CheckConcurrency!.Next).toBe('LeaseTaken?');
    expect(def.States['LeaseTaken?']).toMatchObject({
      Type: 'Choice',
      Choices: [
        { Variable: '$.lease.status', StringEquals: 'acquired', Next: 'ResolveSecret' },
        { Variable: '$.lease.status', StringEquals: 'waiting', Next: 'WaitForLease' },
      ],
      Default: 'Skipped',
    });
    expect(def.States.WaitForLease).toEqual({
      Type: 'Wait',
      SecondsPath: '$.lease.waitSeconds',
      Next: 'CheckConcurrency',
    });
    expect(def.States.Skipped).toMatchObject({ Type: 'Succeed', OutputPath: '$.output' });
    const tasks: [string, Json][] = [];
    const walk = (states: Record<string, Json>) => {
      for (const [name, st] of Object.entries(states)) {
        expect({ name, catch: st.Catch }).toEqual({ name, catch: undefined });
        if (st.Type === 'Task') tasks.push([name, st]);
        for (const b of (st.Branches as { States: Record<string, Json> }[] | undefined) ?? []) walk(b.States);
        if (st.ItemProcessor) walk((st.ItemProcessor as { States: Record<string, Json> }).States);
      }
    };
    walk(def.States);
    expect(tasks).toHaveLength(10);
    for (const [name, t] of tasks) {
      const retry = t.Retry as { ErrorEquals: string[] }[];
      expect({ name, first: retry[0]!.ErrorEquals }).toEqual({
        name,
        first: [
          'Lambda.ServiceException',
          'Lambda.AWSLambdaException',
          'Lambda.SdkClientException',
          'Lambda.ClientExecutionTimeoutException',
          'Lambda.TooManyRequestsException',
          'TransientServiceError',
        ],
      });
      expect({ name, unknown: retry.some((r) => r.ErrorEquals.includes('Lambda.Unknown')) }).toEqual({
        name,
        unknown: true,
      });
    }
    const timeouts = Object.fromEntries(tasks.map(([n, t]) => [n, t.TimeoutSeconds]));
    expect(timeouts).toMatchObject({
      ApplyCreatesBatch: 960,
      ApplyMembershipsBatch: 960,
      ApplyDeletesBatch: 960,
    });
  });

  test('named scim-sync-<provider>, standard, logging without execution data, traced', () => {
    const { p } = machine();
    expect(p.StateMachineType).toBe('STANDARD');
    expect(p.TracingConfiguration).toEqual({ Enabled: true });
    const logging = p.LoggingConfiguration as {
      Destinations: { CloudWatchLogsLogGroup: { LogGroupArn: unknown } }[];
    };
    expect(logging).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
    const logGroupId = (
      logging.Destinations[0]!.CloudWatchLogsLogGroup.LogGroupArn as { 'Fn::GetAtt': string[] }
    )['Fn::GetAtt'][0]!;
    expect(s.json.Resources[logGroupId]?.Properties).toMatchObject({
      LogGroupName: `/aws/vendedlogs/states/scim-sync-${provider}`,
      RetentionInDays: 90,
    });
  });

  test('the schedule starts the machine with {"trigger":{"kind":"schedule"}} on the configured expression', () => {
    const { p } = byProp('AWS::Scheduler::Schedule', 'Name', `scim-sync-${provider}`);
    const dlq = byProp('AWS::SQS::Queue', 'QueueName', `scim-sync-${provider}-schedule-dlq`);
    expect(p).toMatchObject({
      ScheduleExpression: schedule,
      ScheduleExpressionTimezone: 'Etc/UTC',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
    });
    expect(p.GroupName).toBeUndefined(); // the default group
    const target = p.Target as Json;
    expect(target.Arn).toEqual({ Ref: machine().id });
    // A scheduled start skips quietly while its provider runs (lambdas/core/lease.ts).
    expect(JSON.parse(target.Input as string)).toEqual({ trigger: { kind: 'schedule' } });
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 3600 });
    expect(target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [dlq.id, 'Arn'] } });
  });

  test('the dead-letter queue is encrypted, TLS only, keeps messages 14 days', () => {
    const dlq = byProp('AWS::SQS::Queue', 'QueueName', `scim-sync-${provider}-schedule-dlq`);
    expect(dlq.p).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86400 });
    const policy = ofType('AWS::SQS::QueuePolicy').find(
      ([, r]) => JSON.stringify(r.Properties?.Queues) === JSON.stringify([{ Ref: dlq.id }]),
    );
    expect(policy?.[1].Properties?.PolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 'sqs:*',
          Resource: { 'Fn::GetAtt': [dlq.id, 'Arn'] },
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    });
  });
});

test('schedulesEnabled: false deploys both schedules DISABLED, and nothing else differs', () => {
  const off = synth({ ...TEST_CONFIG, schedulesEnabled: false });
  const on = synth(TEST_CONFIG);
  const schedules = (x: Synth) =>
    Object.entries(x.json.Resources).filter(([, r]) => r.Type === 'AWS::Scheduler::Schedule');
  expect(schedules(off).map(([, r]) => r.Properties?.State)).toEqual(['DISABLED', 'DISABLED']);
  expect(schedules(on).map(([, r]) => r.Properties?.State)).toEqual(['ENABLED', 'ENABLED']);
  // Only the schedules and the configuration the functions receive (SCIM_SYNC_CONFIG) change.
  const strip = (x: Synth) =>
    JSON.stringify(x.json.Resources)
      .replaceAll('\\"schedulesEnabled\\":false', '\\"schedulesEnabled\\":true')
      .replaceAll('"State":"DISABLED"', '"State":"ENABLED"')
      .replace(/"S3Key":"[0-9a-f]+\.zip"/g, '"S3Key":"<asset>"');
  expect(strip(off) === strip(on)).toBe(true);
});

test('two machines, two schedules, two dead-letter queues (and the alerts one)', () => {
  expect(ofType('AWS::StepFunctions::StateMachine')).toHaveLength(2);
  expect(ofType('AWS::Scheduler::Schedule')).toHaveLength(2);
  expect(ofType('AWS::SQS::Queue')).toHaveLength(3);
  expect(Object.keys(STEP_SPECS)).toHaveLength(Object.keys(STEP_ENTRIES).length);
});
