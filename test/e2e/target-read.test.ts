/**
 * End to end: FetchTarget handing over to itself. A store with many of the provider's groups takes
 * longer to read than one Lambda may run, so an invocation stops starting membership reads after
 * its budget, saves its progress, and the state machine calls it again. Here the budget is 0, so
 * each invocation reads exactly one group's memberships.
 */
import type { RunSummary } from '../../lambdas/handlers/report';
import { generateGithubFixture, type GithubFixture } from '../../local/github';
import type { SeedFile } from '../../local/identitystore';
import { countingTasks, type Local, startLocal, testConfig } from '../support/local';

const before = generateGithubFixture({
  organisation: 'example-org',
  teams: 6,
  users: 40,
  membersPerTeam: 12,
});
/** The same org a little later: one team gone, one member moved, a new user. */
function churned(f: GithubFixture): GithubFixture {
  const teams = f.teams
    .slice(1)
    .map((t, i) => (i === 0 ? { ...t, members: [...t.members.slice(1), 'newcomer'] } : t));
  return { ...f, teams, users: [...(f.users ?? []), { login: 'newcomer' }] };
}

let local: Local | undefined;
afterEach(async () => {
  await local?.close();
  local = undefined;
});

async function syncedStore(): Promise<Required<SeedFile>> {
  const l = await startLocal({ config: testConfig(['github']), fixtures: { github: before } });
  try {
    expect((await l.runner.run('github')).execution.status).toBe('SUCCEEDED');
    return l.env.emulator.dump();
  } finally {
    await l.close();
  }
}

describe('FetchTarget handing over to its next invocation', () => {
  it('plans exactly what a single read plans, reading each group once', async () => {
    const seed = await syncedStore();
    const next = churned(before);
    const managed = before.teams.length; // the provider's groups in the store

    local = await startLocal({ config: testConfig(['github']), fixtures: { github: next }, seed });
    const whole = await local.runner.run('github', { input: { dryRun: true } });
    expect(whole.execution.status).toBe('SUCCEEDED');
    await local.close();

    local = await startLocal({
      config: testConfig(['github']),
      fixtures: { github: next },
      seed,
      targetReadBudgetMs: 0,
    });
    const calls = new Map<string, number>();
    const r = await local.runner.run('github', { wrapTask: countingTasks(calls) });
    expect(r.execution.status).toBe('SUCCEEDED');
    expect(calls.get('FetchTarget')).toBe(managed);
    const c = local.env.emulator.counts();
    expect(c.ListUsers.received).toBe(1);
    expect(c.ListGroups.received).toBe(1);
    expect(c.ListGroupMemberships.received).toBe(managed);
    const summary = r.output as RunSummary;
    expect(summary.plan).toEqual((whole.output as RunSummary).plan);
    expect(summary.plan.deleteGroups).toBe(1);
    expect(summary.target).toEqual((whole.output as RunSummary).target);

    // Planning again from the result: nothing left to do, again read in hand-overs.
    const again = await local.runner.run('github', { input: { dryRun: true } });
    expect((again.output as RunSummary).plan.total).toBe(0);
  });

  it('an invocation that fails is retried from the last saved progress: no group is read again', async () => {
    const seed = await syncedStore();
    const managed = before.teams.length;
    local = await startLocal({
      config: testConfig(['github']),
      fixtures: { github: before },
      seed,
      targetReadBudgetMs: 0,
      // The 3rd group's read fails through all 6 attempts of the client: one TargetReadError.
      faults: { rules: [{ operation: 'ListGroupMemberships', nth: [3, 4, 5, 6, 7, 8] }] },
    });
    const calls = new Map<string, number>();
    const r = await local.runner.run('github', { wrapTask: countingTasks(calls) });
    expect(r.execution.status).toBe('SUCCEEDED');
    expect(calls.get('FetchTarget')).toBe(managed + 1);
    const c = local.env.emulator.counts().ListGroupMemberships;
    expect(c.faulted).toBe(6);
    expect(c.succeeded).toBe(managed);
    expect((r.output as RunSummary).plan.total).toBe(0);
  });
});
