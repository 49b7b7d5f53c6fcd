/**
 * `scim-sync redrive` of a superseded execution, with the real @aws-sdk/client-sfn against the local
 * Step Functions stand-in: refused before anything runs, naming the newer run; with --force the
 * re-driven batches stop with PlanSupersededError and change nothing. The decisions themselves
 * (cli/aws/superseded.ts) without AWS.
 */
import type { DescribeExecutionCommandOutput } from '@aws-sdk/client-sfn';
import type { Io } from '../../cli/aws/client';
import { refusal } from '../../cli/aws/redrive';
import { runCli } from '../../cli/program';
import { appliedOutput, historyRoom, redriveEventsNeeded, supersededBy } from '../../cli/aws/superseded';
import { LEASE_TIMINGS } from '../../lambdas/core/lease';
import { type Local, startLocal, testConfig } from '../support/local';

function capture(): Io & { stdout: () => string; stderr: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    isTTY: false,
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

const org = {
  organisation: 'example-org',
  teams: [
    { slug: 'web', name: 'web', members: ['ann', 'bob', 'cat'] },
    { slug: 'ops', name: 'ops', members: ['bob', 'dan'] },
  ],
};

describe('redrive of a superseded execution', () => {
  let local: Local;
  afterAll(() => local?.close());

  it('is refused with the newer run named; --force re-drives it and its batches change nothing', async () => {
    local = await startLocal({
      config: testConfig(['github'], { batchSize: 2, applyConcurrency: 1 }),
      fixtures: { github: org },
      faults: { rate: 1, operations: ['CreateGroupMembership'] },
    });
    const endpoint = ['--endpoint-url', local.env.aws.endpoint, '--poll-ms', '20'];
    const older = await local.runner.run('github', { name: 'older' });
    expect(older.execution.error).toBe('BatchIncompleteError');
    local.env.emulator.setFaults(undefined);
    const later = new Date(Date.now() + LEASE_TIMINGS.ttlSeconds * 1000 + 60_000);
    expect((await local.runner.run('github', { name: 'newer', now: () => later })).execution.status).toBe(
      'SUCCEEDED',
    );
    // A dry run and a skipped run started later do not supersede anything: only the applied one counts.
    expect(
      (await local.runner.run('github', { name: 'dry', input: { dryRun: true } })).execution.status,
    ).toBe('SUCCEEDED');
    local.env.emulator.resetCounts();

    const io = capture();
    expect(await runCli(['redrive', older.execution.executionArn, ...endpoint], io)).toBe(1);
    expect(io.stderr()).toMatch(
      /^refused: older's plan is superseded: execution newer, started \S+ after this one, succeeded\. .*PlanSupersededError and change nothing\. Start a new run instead: scim-sync start github\n$/,
    );
    expect(local.env.aws.executions.get(older.execution.executionArn)?.redriveCount).toBe(0);

    const forced = capture();
    expect(
      await runCli(['redrive', older.execution.executionArn, '--force', '--wait', ...endpoint], forced),
    ).toBe(1);
    expect(forced.stderr()).toMatch(
      /^PlanSupersededError: execution newer of github, started after this one/,
    );
    const writes = Object.entries(local.env.emulator.counts())
      .filter(([op]) => /^(Create|Delete|Update)/.test(op))
      .reduce((n, [, c]) => n + c.succeeded, 0);
    expect(writes).toBe(0);
  });
});

describe('status of a skipped run', () => {
  it('says skipped, not applied', async () => {
    const local = await startLocal({
      config: testConfig(['github']),
      fixtures: { github: org },
      latencyMs: 20,
    });
    try {
      let release!: () => void;
      const hold = new Promise<void>((r) => {
        release = r;
      });
      const first = local.runner.start('github', {
        name: 'first',
        wrapTask: (state, real) => async (ev) => {
          if (state === 'Report') await hold;
          return real(ev);
        },
      });
      while (!local.env.emulator.counts().ListUsers.received) await new Promise((r) => setTimeout(r, 10));
      const skipped = await local.runner.run('github', {
        name: 'tick',
        input: { trigger: { kind: 'schedule' } },
      });
      release();
      expect(skipped.output).toMatchObject({ skipped: { reason: 'running' } });
      await first.done;
      const io = capture();
      expect(await runCli(['status', 'github', '--endpoint-url', local.env.aws.endpoint], io)).toBe(0);
      expect(io.stdout()).toMatch(/\n {2}tick +skipped +\S+ +\S+ *\n/);
      expect(io.stdout()).toMatch(/\n {2}first +applied /);
    } finally {
      await local.close();
    }
  });
});

describe('the decisions', () => {
  const at = (iso: string) => new Date(iso);
  it('a newer execution supersedes only if it applied; the newest one is named', () => {
    const target = { startDate: at('2026-01-01T00:00:00Z') };
    expect(supersededBy(target, [])).toBeUndefined();
    expect(
      supersededBy(target, [
        { name: 'dry', startDate: at('2026-01-01T02:00:00Z'), status: 'SUCCEEDED', applied: false },
        { name: 'before', startDate: at('2025-12-31T00:00:00Z'), status: 'SUCCEEDED', applied: true },
      ]),
    ).toBeUndefined();
    expect(
      supersededBy(target, [
        { name: 'a', startDate: at('2026-01-01T01:00:00Z'), status: 'FAILED', applied: true },
        { name: 'b', startDate: at('2026-01-01T03:00:00Z'), status: 'SUCCEEDED', applied: true },
      ]),
    ).toBe('execution b, started 2026-01-01T03:00:00.000Z after this one, succeeded');
    expect(appliedOutput('{"outcome":"applied"}')).toBe(true);
    expect(appliedOutput('{"outcome":"dry-run"}')).toBe(false);
    expect(appliedOutput('{"skipped":{"reason":"running"}}')).toBe(false);
    expect(appliedOutput('not json')).toBe(false);
  });

  it('the history must have room for every failed batch through its retries', () => {
    expect(redriveEventsNeeded(10)).toBe(60 + 10 * 19);
    expect(historyRoom(20_000, 100)).toBeUndefined();
    expect(historyRoom(24_000, 100)).toMatch(
      /^its history holds 24000 of Step Functions' 25,000 events and re-running its 100 failed batches may need up to 1960 more/,
    );
    const x = {
      $metadata: {},
      name: 'x',
      status: 'FAILED',
      stopDate: new Date(),
      redriveStatus: 'REDRIVABLE',
    } as DescribeExecutionCommandOutput;
    expect(refusal(x, 'github', { maxAgeHours: 24, historyRoom: historyRoom(24_500, 100)! })).toMatch(
      /^x cannot be re-driven safely: its history holds 24500 .*Start a new run instead/,
    );
  });
});
