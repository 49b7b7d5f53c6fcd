/**
 * The run report of real local runs: Identity Store calls by operation as the emulator counted
 * them, statuses from the batches' results, the report's location in the execution output, and
 * the runner's progress while batches apply (operations done of total, rate, throttles, ETA).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'node-html-parser';
import { progressLine } from '../../cli/progress';
import type { RunReport } from '../../lambdas/core/report';
import type { RunSummary } from '../../lambdas/handlers/report';
import { generateGithubFixture } from '../../local/github';
import { OPERATIONS } from '../../local/identitystore';
import type { ApplyProgress } from '../../local/progress';
import { type Local, startLocal, testConfig } from '../support/local';

const fixture = generateGithubFixture({
  organisation: 'example-org',
  teams: 8,
  users: 60,
  membersPerTeam: 15,
});

let local: Local | undefined;
afterEach(async () => {
  await local?.close();
  local = undefined;
});

describe('the run report of a local run', () => {
  it('counts Identity Store calls by operation as the emulator saw them, throttles included', async () => {
    local = await startLocal({
      config: testConfig(['github'], { batchSize: 40 }),
      fixtures: { github: fixture },
      faults: { rate: 0.05, error: 'ThrottlingException', seed: 3 },
    });
    const r = await local.runner.run('github');
    expect(r.execution.status).toBe('SUCCEEDED');
    const summary = r.output as RunSummary;
    const report = JSON.parse(
      readFileSync(join(local.blobDir, 'github', r.execution.name, 'report.json'), 'utf8'),
    ) as RunReport;
    expect(summary.report).toEqual(report.location);
    expect(report.location.json).toBe(join(local.blobDir, 'github', r.execution.name, 'report.json'));
    expect(report.outcome).toBe('applied');
    expect(report.applied).toEqual({
      done: report.plan.total,
      alreadyDone: 0,
      conflicts: 0,
      failed: 0,
      notRun: 0,
    });
    expect(report.changes.every((c) => c.status === 'done')).toBe(true);

    const counts = local.env.emulator.counts();
    const seen = Object.fromEntries(
      OPERATIONS.filter((op) => counts[op].received > 0).map((op) => [op, counts[op].received]),
    );
    const recorded = Object.fromEntries(
      Object.entries(report.identityStoreCalls.byOperation).map(([op, c]) => [op, c.calls]),
    );
    expect(recorded).toEqual(seen);
    expect(summary.identityStoreCalls).toEqual(seen);
    const throttled = Object.values(report.identityStoreCalls.byOperation).reduce(
      (n, c) => n + c.throttled,
      0,
    );
    expect(throttled).toBe(OPERATIONS.reduce((n, op) => n + counts[op].throttled + counts[op].faulted, 0));
    expect(throttled).toBeGreaterThan(0);

    const root = parse(readFileSync(report.location.html, 'utf8'));
    expect(root.querySelectorAll('#additions tbody tr')).toHaveLength(report.plan.addMembers);
    expect(root.querySelector('#calls')?.text).toContain('CreateGroupMembership');
  });

  it('reports apply progress every few milliseconds here (every 2 s by default): done of total, rate, ETA', async () => {
    local = await startLocal({
      config: testConfig(['github'], { batchSize: 20, applyConcurrency: 2 }),
      fixtures: { github: fixture },
      latencyMs: 3,
    });
    const seen: ApplyProgress[] = [];
    const r = await local.runner.run('github', {
      progressMs: 25,
      onProgress: (e) => {
        if (e.kind === 'apply' && e.apply) seen.push(e.apply);
      },
    });
    expect(r.execution.status).toBe('SUCCEEDED');
    const total = (r.output as RunSummary).plan.total ?? 0;
    expect(seen.length).toBeGreaterThan(3);
    for (const p of seen) {
      expect(p.done).toBeLessThanOrEqual(p.total);
      expect(p.allTotal).toBe(total);
    }
    // Progress moves within a phase, not only when a batch ends, and ends complete.
    const states = new Set(seen.map((p) => p.state));
    expect(states).toEqual(new Set(['ApplyCreates', 'ApplyMemberships']));
    const memberships = seen.filter((p) => p.state === 'ApplyMemberships').map((p) => p.done);
    expect(new Set(memberships).size).toBeGreaterThan(2);
    expect(seen.at(-1)).toMatchObject({ allDone: total });
    const mid = seen.find(
      (p) => p.etaSeconds !== undefined && p.callsPerSecond !== undefined && p.allDone < total,
    );
    expect(mid).toBeDefined();
    expect(progressLine(mid!)).toMatch(
      /^Apply\w+: \d+\/\d+ operations \(\d+%\), \d+\.\d calls\/s, 0 throttled, 0 retried, ETA \d+s$/,
    );
  });
});
