/**
 * The alert function (lambdas/handlers/alert.ts) with the real SNS and Step Functions clients
 * against the local stand-ins: for an execution that really failed (run locally), the message names
 * the execution, the failed state and batch, the error, the cause and a console link; without a
 * readable history it is still sent; a publish that fails fails the invocation (so Lambda retries it
 * and then dead-letters it).
 */
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { makeAlert, type StatusChangeEvent } from '../../lambdas/handlers/alert';
import type { LocalExecution } from '../../local/aws';
import { generateGithubFixture } from '../../local/github';
import { type Local, startLocal, testConfig } from '../support/local';

const TOPIC = 'arn:aws:sns:eu-west-2:000000000000:scim-sync-alerts';
const fixture = generateGithubFixture({ organisation: 'example-org', teams: 2, users: 6, membersPerTeam: 4 });

let local: Local | undefined;
const clients: { destroy(): void }[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await local?.close();
  local = undefined;
});

/** The event EventBridge delivers for an execution that stopped (the documented detail fields). */
function statusChange(x: LocalExecution): StatusChangeEvent & Record<string, unknown> {
  return {
    version: '0',
    id: 'e5a4ae1c-0000-0000-0000-000000000000',
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: '000000000000',
    time: new Date().toISOString(),
    region: 'eu-west-2',
    resources: [x.executionArn],
    detail: {
      executionArn: x.executionArn,
      stateMachineArn: x.stateMachineArn,
      name: x.name,
      status: x.status,
      startDate: x.startDate.getTime(),
      stopDate: x.stopDate?.getTime() ?? null,
      input: x.input,
      output: null,
      error: x.error ?? null,
      cause: x.cause ?? null,
      redriveCount: x.redriveCount,
    } as StatusChangeEvent['detail'],
  };
}

function alertFor(l: Local) {
  const sfn = new SFNClient({ endpoint: l.env.aws.endpoint, region: 'eu-west-2' });
  const sns = new SNSClient({ endpoint: l.env.aws.endpoint, region: 'eu-west-2', maxAttempts: 2 });
  clients.push(sfn, sns);
  const warnings: string[] = [];
  const alert = makeAlert({
    sfn,
    sns,
    topicArn: TOPIC,
    log: { info() {}, warn: (m: string) => void warnings.push(m) } as never,
  });
  return { alert, warnings };
}

describe('the alert for a failed execution', () => {
  it('names the execution, the failed state and batch, the error, the cause and a console link', async () => {
    local = await startLocal({
      config: testConfig(['github'], { batchSize: 100 }),
      fixtures: { github: fixture },
      faults: { rate: 1, operations: ['CreateGroupMembership'] },
    });
    const r = await local.runner.run('github', { name: 'nightly-1' });
    expect(r.execution.error).toBe('BatchIncompleteError');
    const { alert } = alertFor(local);
    await alert(statusChange(r.execution));
    expect(local.env.aws.published).toHaveLength(1);
    const sent = local.env.aws.published[0]!;
    expect(sent.topicArn).toBe(TOPIC);
    expect(sent.subject).toBe('scim-sync: scim-sync-github FAILED in ApplyMemberships: BatchIncompleteError');
    const lines = sent.message.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'scim-sync: execution FAILED',
        `Execution: nightly-1 (${r.execution.executionArn})`,
        'Failed state: ApplyMemberships (ApplyMembershipsBatch, batches 0)',
        'Error: BatchIncompleteError',
        `Console: https://eu-west-2.console.aws.amazon.com/states/home?region=eu-west-2#/v2/executions/details/${r.execution.executionArn}`,
        `Who loses access, and why (the run report): npx scim-sync report --run ${r.execution.executionArn}`,
      ]),
    );
    expect(sent.message).toContain(`Cause: ${r.execution.cause}`);
    expect(sent.message).toContain('docs/runbook.md#batchincompleteerror');
  });

  it('names a failed state outside a Map (a named error at ComputePlan)', async () => {
    const config = testConfig(['github'], { maxDeletionPercent: 0, deletionGuardFloor: 0 });
    local = await startLocal({ config, fixtures: { github: fixture } });
    expect((await local.runner.run('github')).execution.status).toBe('SUCCEEDED');
    const seed = local.env.emulator.dump();
    await local.close();
    local = await startLocal({
      config,
      seed,
      fixtures: { github: { ...fixture, teams: fixture.teams.slice(1) } },
    });
    const r = await local.runner.run('github', { name: 'guarded' });
    expect(r.execution.error).toBe('DeletionGuardError');
    const { alert } = alertFor(local);
    await alert(statusChange(r.execution));
    const sent = local.env.aws.published[0]!;
    expect(sent.subject).toBe('scim-sync: scim-sync-github FAILED in ComputePlan: DeletionGuardError');
    expect(sent.message).toContain('Failed state: ComputePlan\n');
    expect(sent.message).toContain('docs/runbook.md#deletionguarderror');
  });

  it('without a readable history it still sends what the event has, and says why the state is missing', async () => {
    local = await startLocal({ config: testConfig(['github']), fixtures: { github: fixture } });
    const { alert, warnings } = alertFor(local);
    const gone = {
      executionArn: 'arn:aws:states:eu-west-2:000000000000:execution:scim-sync-github:gone',
      stateMachineArn: 'arn:aws:states:eu-west-2:000000000000:stateMachine:scim-sync-github',
      name: 'gone',
      status: 'TIMED_OUT',
      startDate: new Date(0),
      stopDate: new Date(1000),
      input: '{}',
      redriveCount: 0,
      history: [],
    } as LocalExecution;
    await alert(statusChange(gone));
    const sent = local.env.aws.published[0]!;
    expect(sent.subject).toBe('scim-sync: scim-sync-github TIMED_OUT: TIMED_OUT');
    expect(sent.message).toMatch(
      /Failed state: unknown \(the history could not be read: ExecutionDoesNotExist/,
    );
    expect(warnings).toEqual(['could not read the execution history']);
  });

  it('a publish that keeps failing fails the invocation (Lambda retries it, then dead-letters the event)', async () => {
    local = await startLocal({ config: testConfig(['github']), fixtures: { github: fixture } });
    local.env.aws.failNext('sns.Publish', Number.POSITIVE_INFINITY, 'InternalError');
    const r = await local.runner.run('github', { input: { unexpected: 1 } });
    expect(r.execution.error).toBe('InputValidationError');
    const { alert } = alertFor(local);
    await expect(alert(statusChange(r.execution))).rejects.toMatchObject({ name: 'InternalErrorException' });
    expect(local.env.aws.published).toHaveLength(0);
    expect(local.env.aws.calls['sns.Publish']).toBe(2);
  });
});
