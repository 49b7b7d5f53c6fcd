/**
 * End to end, one run at a time per Identity Store (the lease in dynalite, lambdas/core/lease.ts):
 * a redrive of a superseded execution, scheduled starts that skip, the other provider waiting its
 * turn with both converging within one request budget, a redrive that finds the lease taken, and
 * the logger context on every line.
 */
import { LEASE_TIMINGS } from '../../lambdas/core/lease';
import { ENTRA_EMAIL_TYPE, GITHUB_GROUP_MARKER } from '../../lambdas/core/ownership';
import type { RunSummary } from '../../lambdas/handlers/report';
import { generateGithubFixture } from '../../local/github';
import { generateEntraFixture } from '../../local/graph';
import { peakRate, type SeedFile, totalCounts } from '../../local/identitystore';
import type { LocalRunResult } from '../../local/runner';
import { countingTasks, type Local, startLocal, testConfig } from '../support/local';

const small = generateGithubFixture({ organisation: 'example-org', teams: 4, users: 30, membersPerTeam: 20 });
const memberships = new Set(small.teams.flatMap((t) => t.members.map((m) => `${t.slug}/${m}`))).size;
/** For the redrive tests: few operations to fail and retry. */
const tiny = generateGithubFixture({ organisation: 'example-org', teams: 2, users: 8, membersPerTeam: 6 });
const tinyMemberships = new Set(tiny.teams.flatMap((t) => t.members.map((m) => `${t.slug}/${m}`))).size;
const SCHEDULED = { trigger: { kind: 'schedule' } };
const afterLeaseExpiry = () => new Date(Date.now() + LEASE_TIMINGS.ttlSeconds * 1000 + 60_000);
const entered = (r: LocalRunResult) =>
  r.events.filter((e) => e.type === 'StateEntered').map((e) => (e.state as { name: string }).name);

let local: Local | undefined;
afterEach(async () => {
  await local?.close();
  local = undefined;
});

describe('a redrive of a superseded execution', () => {
  it('after a newer run succeeded, ends PlanSupersededError before any write', async () => {
    // The older run fails in ApplyMemberships (every membership write after the 4th fails).
    local = await startLocal({
      config: testConfig(['github'], { batchSize: 4, applyConcurrency: 1 }),
      fixtures: { github: tiny },
      faults: {
        rules: [{ operation: 'CreateGroupMembership', nth: Array.from({ length: 500 }, (_, i) => i + 5) }],
      },
    });
    const older = await local.runner.run('github', { name: 'older' });
    expect(older.execution.error).toBe('BatchIncompleteError');
    local.env.emulator.setFaults(undefined);
    // A newer run, once the older one's lease has lapsed, syncs everything.
    const newer = await local.runner.run('github', { name: 'newer', now: afterLeaseExpiry });
    expect(newer.execution.status).toBe('SUCCEEDED');
    expect(local.env.emulator.counts().CreateGroupMembership.succeeded).toBe(tinyMemberships);
    local.env.emulator.resetCounts();

    const calls = new Map<string, number>();
    const errors: string[] = [];
    const redriven = await local.runner.redrive(older.execution.executionArn, {
      wrapTask: countingTasks(calls, { byBatch: true, errors }),
    });
    expect(redriven.execution.status).toBe('FAILED');
    expect(redriven.execution.error).toBe('PlanSupersededError');
    expect(redriven.execution.cause).toMatch(
      /execution newer of github, started after this one, applied its plan/,
    );
    expect(redriven.execution.cause).toMatch(/docs\/runbook\.md#plansupersedederror/);
    expect(errors).toEqual(['ApplyMembershipsBatch: PlanSupersededError']);
    expect(local.writes()).toBe(0);
    expect(totalCounts(local.env.emulator.counts()).received).toBe(0);
  });

  it('before any newer run, the same redrive re-takes its lease and finishes the work', async () => {
    local = await startLocal({
      config: testConfig(['github'], { batchSize: 4, applyConcurrency: 1 }),
      fixtures: { github: tiny },
      faults: { rate: 1, operations: ['CreateGroupMembership'] },
    });
    const r = await local.runner.run('github', { name: 'only' });
    expect(r.execution.error).toBe('BatchIncompleteError');
    local.env.emulator.setFaults(undefined);
    // Even after its lease lapsed: free, so the redrive takes it again.
    const redriven = await local.runner.redrive(r.execution.executionArn, { now: afterLeaseExpiry });
    expect(redriven.execution.status).toBe('SUCCEEDED');
    expect(local.env.emulator.counts().CreateGroupMembership.succeeded).toBe(tinyMemberships);
  });

  it('while another execution holds the lease, stops with LeaseLostError before reading or writing', async () => {
    local = await startLocal({
      config: testConfig(['github'], { batchSize: 4, applyConcurrency: 1 }),
      fixtures: { github: tiny },
      faults: { rate: 1, operations: ['CreateGroupMembership'] },
      latencyMs: 5,
    });
    const failed = await local.runner.run('github', { name: 'failed' });
    expect(failed.execution.error).toBe('BatchIncompleteError');
    local.env.emulator.setFaults(undefined);
    local.env.emulator.resetCounts();
    // A dry run takes the lapsed lease and holds it while the redrive tries.
    let release!: () => void;
    const hold = new Promise<void>((r) => {
      release = r;
    });
    const holder = local.runner.start('github', {
      name: 'holder',
      input: { dryRun: true },
      now: afterLeaseExpiry,
      wrapTask: (state, real) => async (ev) => {
        const out = await real(ev);
        if (state === 'ComputePlan') await hold;
        return out;
      },
    });
    // It reads the Identity Store only once it holds the lease.
    while (!local.env.emulator.counts().ListUsers.received) await new Promise((r) => setTimeout(r, 10));
    const redriven = await local.runner.redrive(failed.execution.executionArn, { now: afterLeaseExpiry });
    release();
    expect(redriven.execution.error).toBe('LeaseLostError');
    expect(redriven.execution.cause).toMatch(
      /execution holder of github .* holds the Identity Store's lease/,
    );
    expect(local.writes()).toBe(0);
    expect((await holder.done).execution.status).toBe('SUCCEEDED');
  });
});

describe('scheduled starts', () => {
  it('two of one provider started together: one runs, the other skips with a SUCCEEDED {"skipped"} output; no FAILED execution', async () => {
    local = await startLocal({ config: testConfig(['github']), fixtures: { github: small }, latencyMs: 2 });
    // The one that takes the lease goes on only once both have decided (however slow the machine).
    let decided = 0;
    let bothDecided!: () => void;
    const both = new Promise<void>((r) => {
      bothDecided = r;
    });
    const wrapTask = (state: string, real: (i: unknown) => Promise<unknown>) => async (ev: unknown) => {
      if (state === 'ResolveSecret') await both;
      const out = await real(ev);
      if (state === 'CheckConcurrency' && ++decided === 2) bothDecided();
      return out;
    };
    const a = local.runner.start('github', { name: 'sched-a', input: SCHEDULED, wrapTask });
    const b = local.runner.start('github', { name: 'sched-b', input: SCHEDULED, wrapTask });
    const runs = await Promise.all([a.done, b.done]);
    expect(runs.map((r) => r.execution.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const ran = runs.filter((r) => (r.output as RunSummary).outcome === 'applied');
    const skipped = runs.filter((r) => (r.output as { skipped?: unknown }).skipped);
    expect(ran).toHaveLength(1);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.output).toEqual({
      skipped: {
        reason: 'running',
        heldBy: `github/${ran[0]!.execution.name}`,
        message: expect.stringMatching(/holds the Identity Store's lease .* the running one does the work/),
      },
    });
    expect(entered(skipped[0]!)).toEqual(['CheckConcurrency', 'LeaseTaken?', 'Skipped']);
    // Everything was written once.
    expect(local.env.emulator.counts().CreateUser.succeeded).toBe(30);
    expect(local.env.emulator.counts().CreateGroupMembership.succeeded).toBe(memberships);
  });

  it('a manual start of the same provider meanwhile says who holds the lease (ConcurrentRunError)', async () => {
    local = await startLocal({ config: testConfig(['github']), fixtures: { github: small }, latencyMs: 5 });
    let release!: () => void;
    const hold = new Promise<void>((r) => {
      release = r;
    });
    const first = local.runner.start('github', {
      name: 'first',
      input: SCHEDULED,
      wrapTask: (state, real) => async (ev) => {
        if (state === 'Report') await hold;
        return real(ev);
      },
    });
    while (!local.env.emulator.counts().ListUsers.received) await new Promise((r) => setTimeout(r, 10));
    const manual = await local.runner.run('github', { name: 'by-hand' });
    release();
    expect(manual.execution.error).toBe('ConcurrentRunError');
    expect(manual.execution.cause).toMatch(
      /execution first of github \(started .*\) holds the Identity Store's lease/,
    );
    expect(entered(manual)).toEqual(['CheckConcurrency']);
    expect((await first.done).execution.status).toBe('SUCCEEDED');
  });

  it('a scheduled start that waited too long for the other provider skips; a manual one fails', async () => {
    const tenant = generateEntraFixture({ groups: 2, users: 10, groupsPerUser: 1 });
    local = await startLocal({
      config: testConfig(['github', 'entra']),
      fixtures: { github: small, entra: tenant },
      latencyMs: 5,
      lease: { pollSeconds: 1, maxWaitSeconds: 2 },
      waitMs: 50,
    });
    let release!: () => void;
    const hold = new Promise<void>((r) => {
      release = r;
    });
    const github = local.runner.start('github', {
      name: 'long',
      wrapTask: (state, real) => async (ev) => {
        if (state === 'Report') await hold;
        return real(ev);
      },
    });
    const [scheduled, manual] = await Promise.all([
      local.runner.run('entra', { name: 'entra-scheduled', input: SCHEDULED }),
      local.runner.run('entra', { name: 'entra-manual' }),
    ]);
    release();
    expect(scheduled.execution.status).toBe('SUCCEEDED');
    expect(scheduled.output).toMatchObject({ skipped: { reason: 'waited', heldBy: 'github/long' } });
    expect(manual.execution.error).toBe('ConcurrentRunError');
    expect(manual.execution.cause).toMatch(/waited \d+ s for the Identity Store's lease, at most 2 s/);
    // (How many times each waited depends on the machine's speed: decideStart's unit test pins it.)
    for (const r of [scheduled, manual]) expect(entered(r)).not.toContain('ResolveSecret');
    expect((await github.done).execution.status).toBe('SUCCEEDED');
  });
});

describe('GitHub and Entra at once, one request budget', () => {
  it('against an Identity Store limited to 20 requests/s: nothing throttled, both converge, the combined rate stays within identityStoreRps', async () => {
    const github = generateGithubFixture({
      organisation: 'example-org',
      teams: 3,
      users: 20,
      membersPerTeam: 8,
    });
    const tenant = generateEntraFixture({ groups: 3, users: 20, groupsPerUser: 1 });
    local = await startLocal({
      config: testConfig(['github', 'entra'], { identityStoreRps: 18 }),
      fixtures: { github, entra: tenant },
      rps: 20,
      identityStoreRps: 18,
      waitMs: 100,
    });
    const [g, e] = await Promise.all([
      local.runner.run('github', { name: 'github-now' }),
      local.runner.run('entra', { name: 'entra-now' }),
    ]);
    expect([g.execution.status, e.execution.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    // One of them waited its turn.
    const waits = [g, e].map((r) => entered(r).filter((s) => s === 'WaitForLease').length);
    expect(waits.filter((n) => n > 0)).toHaveLength(1);
    const total = totalCounts(local.env.emulator.counts());
    expect(total.throttled).toBe(0);
    // One caller at a time, paced at 18/s: on average at most 18 requests/s (each new pace may
    // add one call), in any 5 s at most one more a second, in any 1 s never over the account's 20
    // (a pace catching up after a stalled event loop sends a few calls close together).
    const arrivals = local.env.emulator.arrivals();
    expect(arrivals.length).toBeGreaterThan(100);
    const span = (arrivals.at(-1)! - arrivals[0]!) / 1000;
    expect((arrivals.length - 1) / span).toBeLessThanOrEqual(18.2);
    expect(peakRate(arrivals, 5000)).toBeLessThanOrEqual(19);
    expect(peakRate(arrivals, 1000)).toBeLessThanOrEqual(20);
    // Both converged: a second run of each changes nothing.
    const dump = local.env.emulator.dump();
    expect(dump.groups.filter((x) => x.Description?.startsWith(GITHUB_GROUP_MARKER))).toHaveLength(3);
    const entraUsers = (d: Required<SeedFile>) =>
      d.users.filter((u) => (u.Emails ?? []).some((m) => m.Type === ENTRA_EMAIL_TYPE));
    expect(entraUsers(dump)).toHaveLength(20);
    for (const p of ['github', 'entra'] as const) {
      expect((await local.runner.run(p)).output).toMatchObject({ plan: { total: 0 } });
    }
  });
});

describe('logs', () => {
  it('every line of every step carries the request id, cold start, execution name and run id', async () => {
    local = await startLocal({ config: testConfig(['github']), fixtures: { github: small } });
    const r = await local.runner.run('github', { name: 'logged' });
    expect(r.execution.status).toBe('SUCCEEDED');
    const lines = r.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(10);
    for (const l of lines) {
      expect(l).toMatchObject({
        function_request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        cold_start: expect.any(Boolean),
        execution: 'logged',
        runId: 'logged',
        step: expect.any(String),
        provider: 'github',
      });
    }
    const steps = new Set(lines.map((l) => l.step));
    expect([...steps]).toEqual(
      expect.arrayContaining(['CheckConcurrency', 'ComputePlan', 'ApplyBatch', 'Report']),
    );
    // The first invocation of a function is a cold start, later ones are not.
    const batches = lines.filter((l) => l.step === 'ApplyBatch' && l.message === 'batch applied');
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.map((l) => l.cold_start).filter(Boolean)).toHaveLength(1);
    expect(new Set(batches.map((l) => l.batch)).size).toBe(batches.length);
  });
});
