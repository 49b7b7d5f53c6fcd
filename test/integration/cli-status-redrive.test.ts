/**
 * `scim-sync status` and `redrive` with the real @aws-sdk/client-sfn against the local Step
 * Functions stand-in: a run that fails in a batch (an emulator fault), its status, its redrive once
 * the fault is gone, and the runs that must not be re-driven.
 */
import type { DescribeExecutionCommandOutput } from '@aws-sdk/client-sfn';
import { refusal } from '../../cli/aws/redrive';
import { runCli } from '../../cli/program';
import { type RunStatus, triggerOf } from '../../cli/aws/status';
import type { RunSummary } from '../../lambdas/handlers/report';
import { type Local, startLocal, testConfig } from '../support/local';
import { capture } from '../support/io';

const org = {
  organisation: 'example-org',
  teams: [
    { slug: 'web', name: 'web', members: ['ann', 'bob', 'cat'] },
    { slug: 'ops', name: 'ops', members: ['bob', 'dan'] },
  ],
};

let local: Local;
let endpoint: string[];
beforeAll(async () => {
  // Batches of two operations, one at a time; every membership write fails until the fault is cleared.
  local = await startLocal({
    config: testConfig(['github'], { batchSize: 2, applyConcurrency: 1 }),
    fixtures: { github: org },
    faults: { rate: 1, operations: ['CreateGroupMembership'] },
  });
  endpoint = ['--endpoint', local.env.aws.endpoint, '--poll-ms', '20'];
});
afterAll(() => local.close());

let failedArn = '';

describe('a run that fails in a batch', () => {
  it('start --wait ends with where and why it failed, exit code 1', async () => {
    const io = capture();
    expect(await runCli(['start', 'github', '--wait', ...endpoint], io)).toBe(1);
    const text = io.stdout();
    failedArn = /execution: (\S+)/.exec(text)?.[1] ?? '';
    expect(failedArn).toContain(':execution:scim-sync-github:manual-');
    expect(text).toMatch(/ {2}→ ApplyMemberships \(0\/3 batches\)/);
    expect(text).toContain(
      'ApplyMembershipsBatch failed with BatchIncompleteError; Step Functions retries it',
    );
    expect(text).toMatch(/github run manual-\S+: FAILED after \d+s/);
    expect(text).toContain(
      'failed in ApplyMemberships (ApplyMembershipsBatch, batch 0): BatchIncompleteError',
    );
    expect(text).toContain('what to do: re-drive it once the Identity Store is healthy');
    expect(io.stderr()).toMatch(/^BatchIncompleteError: 2 of 2 operations of batch memberships\/0 failed/);
  });

  it('status names the failed state, the batch and the error', async () => {
    const io = capture();
    expect(await runCli(['status', 'github', ...endpoint], io)).toBe(0);
    const text = io.stdout();
    expect(text).toMatch(/scim-sync-github: last 1 runs/);
    expect(text).toMatch(
      /manual-\S+ +FAILED +manual +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ +\d+s +11 planned \(users \+4 ~0 -0, groups \+2 ~0 -0, members \+5 -0\)/,
    );
    expect(text).toContain(
      'FAILED: failed in ApplyMemberships (ApplyMembershipsBatch, batch 0): BatchIncompleteError',
    );
    expect(text).toMatch(/cause: 2 of 2 operations of batch memberships\/0 failed for a retryable reason/);
    expect(text).toContain(`execution: ${failedArn}`);

    const json = capture();
    expect(await runCli(['status', '--json', ...endpoint], json)).toBe(0);
    const [run] = JSON.parse(json.stdout()) as RunStatus[];
    expect(run).toMatchObject({
      machine: 'scim-sync-github',
      executionArn: failedArn,
      status: 'FAILED',
      trigger: 'manual',
      redriveCount: 0,
      failure: {
        state: 'ApplyMemberships',
        inner: 'ApplyMembershipsBatch',
        failedBatches: [0],
        error: 'BatchIncompleteError',
      },
    });
  });

  it('redrive completes it once the fault is gone: only the failed state and what follows run again', async () => {
    local.env.emulator.setFaults(undefined);
    local.env.emulator.resetCounts();
    const io = capture();
    expect(await runCli(['redrive', failedArn, '--wait', ...endpoint], io)).toBe(0);
    const text = io.stdout();
    expect(text).toContain('re-driving manual-');
    expect(text).toContain('from ApplyMemberships (ApplyMembershipsBatch, batch 0) (BatchIncompleteError)');
    expect(text).toContain('ApplyMemberships: 3/3 batches done');
    expect(text).toContain('changed: users +4 ~0 -0, groups +2 ~0 -0, memberships +5 -0');
    expect(text).toMatch(/SUCCEEDED in \d+s/);
    const c = local.env.emulator.counts();
    expect(c.CreateUser.succeeded).toBe(0); // the creates phase is not run again
    expect(c.CreateGroupMembership.succeeded).toBe(5);
    const summary = JSON.parse(local.env.aws.executions.get(failedArn)?.output ?? '{}') as RunSummary;
    expect(summary.applied).toMatchObject({ failed: 0 });

    const status = capture();
    expect(await runCli(['status', 'github', '--json', ...endpoint], status)).toBe(0);
    const [run] = JSON.parse(status.stdout()) as RunStatus[];
    expect(run).toMatchObject({ status: 'SUCCEEDED', outcome: 'applied', redriveCount: 1 });
  });

  it('redrive of a succeeded run is refused with the reason and what to do instead', async () => {
    const io = capture();
    expect(await runCli(['redrive', failedArn, ...endpoint], io)).toBe(1);
    expect(io.stderr()).toMatch(
      /^refused: manual-\S+ succeeded \(\S+\): there is nothing to re-drive\. To sync again, start a new run: scim-sync start github\n$/,
    );
    // The name `status` prints works as well as the ARN.
    const byName = capture();
    const name = failedArn.split(':').at(-1) ?? '';
    expect(await runCli(['redrive', name, ...endpoint], byName)).toBe(1);
    expect(byName.stderr()).toMatch(new RegExp(`^refused: ${name} succeeded`));
    const latest = capture();
    expect(await runCli(['redrive', 'latest', ...endpoint], latest)).toBe(1);
    expect(latest.stderr()).toContain('there is nothing to re-drive');
  });

  it('an unknown execution, and something that is not an execution ARN', async () => {
    const io = capture();
    const arn = failedArn.replace(/manual-\S+$/, 'no-such-run');
    expect(await runCli(['redrive', arn, ...endpoint], io)).toBe(1);
    expect(io.stderr()).toBe(
      `error: no such execution in eu-west-2: ${arn} (check the ARN, and the region: an execution ARN names its region)\n`,
    );
    const bad = capture();
    expect(await runCli(['redrive', 'scim-sync-github', ...endpoint], bad)).toBe(1);
    expect(bad.stderr()).toBe(
      'error: no execution named scim-sync-github in scim-sync-github (eu-west-2); scim-sync status lists the recent runs\n',
    );
  });
});

describe('when a redrive cannot help', () => {
  const failed = (over: Partial<DescribeExecutionCommandOutput>): DescribeExecutionCommandOutput =>
    ({
      $metadata: {},
      executionArn: 'arn:aws:states:eu-west-2:1:execution:scim-sync-github:x',
      stateMachineArn: 'arn:aws:states:eu-west-2:1:stateMachine:scim-sync-github',
      name: 'x',
      status: 'FAILED',
      startDate: new Date('2026-01-01T00:00:00Z'),
      stopDate: new Date('2026-01-01T00:10:00Z'),
      redriveStatus: 'REDRIVABLE',
      ...over,
    }) as DescribeExecutionCommandOutput;
  const at = new Date('2026-01-02T00:00:00Z');
  const ctx = { failure: 'ApplyMemberships', maxAgeHours: 24 };

  it('says why, and to start a new run', () => {
    expect(refusal(failed({}), 'github', ctx, at)).toBeUndefined();
    expect(refusal(failed({}), 'github', ctx, new Date('2026-01-16T00:00:00Z'))).toMatch(
      /more than 14 days ago: Step Functions only re-drives an execution for 14 days after it stops.*Start a new run instead: scim-sync start github$/,
    );
    expect(
      refusal(
        failed({
          redriveStatus: 'NOT_REDRIVABLE',
          redriveStatusReason: 'Execution history event count exceeds the limit',
        }),
        'github',
        ctx,
        at,
      ),
    ).toMatch(/history has reached Step Functions' limit of 25,000 events/);
    expect(refusal(failed({ status: 'RUNNING' }), 'entra', ctx, at)).toMatch(/is still running/);
    expect(refusal(failed({}), 'github', { ...ctx, error: 'DeletionGuardError' }, at)).toMatch(
      /start a new run with --allow-mass-deletion/,
    );
    expect(refusal(failed({}), 'github', { ...ctx, planAgeHours: 30 }, at)).toMatch(
      /plan was made 30 hours ago, more than planMaxAgeHours \(24\).*PlanExpiredError/,
    );
  });
});

it('STARTED BY says what started a run, from its input', () => {
  expect(triggerOf('{}')).toBe('manual');
  expect(triggerOf('{"dryRun":true}')).toBe('manual');
  expect(triggerOf('{"trigger":{"kind":"schedule"}}')).toBe('schedule');
  expect(
    triggerOf('{"trigger":{"kind":"webhook","event":"organization.member_removed","delivery":"d-1"}}'),
  ).toBe('webhook organization.member_removed');
  expect(triggerOf('not json')).toBeUndefined();
  expect(triggerOf('{"trigger":{}}')).toBeUndefined();
});
