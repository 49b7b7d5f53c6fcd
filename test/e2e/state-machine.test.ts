/**
 * End to end: statemachines/sync.asl.json executed locally (aws-local-stepfunctions) over the real
 * handlers, SDK clients, Identity Store emulator, fake GitHub and fake Graph.
 */
import type { GithubFixture } from '../../local/github';
import { generateGithubFixture } from '../../local/github';
import type { SeedFile } from '../../local/identitystore';
import type { RunSummary } from '../../lambdas/handlers/report';
import { GITHUB_GROUP_MARKER } from '../../lambdas/core/ownership';
import { countingTasks, type Local, startLocal, testConfig } from '../support/local';

const ORG = 'example-org';

function org(teams: Record<string, string[]>): GithubFixture {
  const logins = [...new Set(Object.values(teams).flat())];
  return {
    organisation: ORG,
    teams: Object.entries(teams).map(([slug, members]) => ({ slug, name: slug, members })),
    users: logins.map((login) => ({ login })),
  };
}

/** The GitHub-owned part of a dump: { group: sorted members }. */
function githubView(dump: Required<SeedFile>) {
  const view: Record<string, string[]> = {};
  for (const g of dump.groups.filter((x) => x.Description?.startsWith(GITHUB_GROUP_MARKER))) {
    view[g.DisplayName] = dump.memberships.filter((m) => m.group === g.DisplayName).map((m) => m.user);
  }
  return view;
}

const small = generateGithubFixture({ organisation: ORG, teams: 6, users: 40, membersPerTeam: 12 });
const expectedView = (f: GithubFixture) =>
  Object.fromEntries(
    f.teams.map((t) => [t.slug, [...new Set(t.members.map((m) => `${m.toLowerCase()}@example.com`))].sort()]),
  );

let local: Local | undefined;
afterEach(async () => {
  await local?.close();
  local = undefined;
});

const github = (patch = {}) => testConfig(['github'], patch);

describe('the state machine, run locally', () => {
  it('initial sync, then a no-op resync with zero writes; input {} accepted', async () => {
    local = await startLocal({ config: github({ batchSize: 25 }), fixtures: { github: small } });
    const first = await local.runner.run('github', { input: {} });
    expect(first.execution.status).toBe('SUCCEEDED');
    const summary = first.output as RunSummary;
    expect(summary.applied).toEqual({ done: summary.plan.total, alreadyDone: 0, conflicts: 0, failed: 0 });
    expect(githubView(local.env.emulator.dump())).toEqual(expectedView(small));

    local.env.emulator.resetCounts();
    const second = await local.runner.run('github');
    expect(second.execution.status).toBe('SUCCEEDED');
    expect((second.output as RunSummary).plan.total).toBe(0);
    expect(local.writes()).toBe(0);
  });

  it('applies churn: joiners, leavers, a deleted team', async () => {
    local = await startLocal({
      config: github(),
      fixtures: { github: org({ web: ['ann', 'bob'], api: ['bob', 'cy'], old: ['cy'] }) },
    });
    expect((await local.runner.run('github')).execution.status).toBe('SUCCEEDED');
    const seed = local.env.emulator.dump();
    await local.close();
    const next = org({ web: ['ann', 'dee'], api: ['bob'] });
    local = await startLocal({ config: github(), fixtures: { github: next }, seed });
    const r = await local.runner.run('github');
    expect(r.execution.status).toBe('SUCCEEDED');
    expect((r.output as RunSummary).plan).toMatchObject({
      createUsers: 1,
      deleteUsers: 1,
      deleteGroups: 1,
      addMembers: 1,
      removeMembers: 1,
    });
    // Removals first, each with its reason.
    expect((r.output as RunSummary).changes).toEqual([
      'remove bob@example.com from web',
      'delete user cy@example.com (in no synced team any more: loses api, old)',
      'delete group old (team no longer in GitHub or no longer synced; 1 member loses access with it)',
      'add dee@example.com to web',
      'create user dee@example.com',
    ]);
    expect(githubView(local.env.emulator.dump())).toEqual(expectedView(next));
  });

  it('a dry run writes nothing and puts the plan in its output', async () => {
    local = await startLocal({ config: github(), fixtures: { github: org({ web: ['ann', 'bob'] }) } });
    const r = await local.runner.run('github', { input: { dryRun: true } });
    expect(r.execution.status).toBe('SUCCEEDED');
    expect(local.writes()).toBe(0);
    const s = r.output as RunSummary;
    expect(s.outcome).toBe('dry-run');
    expect(s.plan).toMatchObject({ createUsers: 2, createGroups: 1, addMembers: 2, total: 5 });
    expect(s.changes).toEqual([
      'add ann@example.com to web',
      'add bob@example.com to web',
      'create group web',
      'create user ann@example.com',
      'create user bob@example.com',
    ]);
    // The Map states never ran.
    expect(
      r.events.some(
        (e) => e.type === 'StateEntered' && (e.state as { name: string }).name === 'ApplyCreates',
      ),
    ).toBe(false);
  });

  it('unknown input fields are rejected with InputValidationError before anything is read', async () => {
    local = await startLocal({ config: github(), fixtures: { github: small } });
    const r = await local.runner.run('github', { input: { dryrun: true } });
    expect(r.execution.status).toBe('FAILED');
    expect(r.execution.error).toBe('InputValidationError');
    expect(r.execution.cause).toMatch(/dryrun/);
    expect(local.env.github!.total()).toBe(0);
    expect(local.env.emulator.counts().ListUsers.received).toBe(0);
  });

  it('the deletion guard stops a mass deletion with zero writes, and allowMassDeletion lets it through', async () => {
    local = await startLocal({ config: github(), fixtures: { github: small } });
    expect((await local.runner.run('github')).execution.status).toBe('SUCCEEDED');
    const seed = local.env.emulator.dump();
    await local.close();
    // The organisation now shows one team of two: most users would go.
    local = await startLocal({
      config: github(),
      fixtures: { github: org({ 'team-0000': ['user-00000', 'user-00001'] }) },
      seed,
    });
    local.env.emulator.resetCounts();
    const r = await local.runner.run('github');
    expect(r.execution.status).toBe('FAILED');
    expect(r.execution.error).toBe('DeletionGuardError');
    expect(r.execution.cause).toMatch(/owned users/);
    expect(local.writes()).toBe(0);
    const forced = await local.runner.run('github', { input: { allowMassDeletion: true } });
    expect(forced.execution.status).toBe('SUCCEEDED');
    expect((forced.output as RunSummary).warnings.join()).toMatch(/deletion guard overridden/);
  });

  it('converges under a throttling storm (30% of Identity Store calls throttled) with no duplicates', async () => {
    local = await startLocal({
      config: github({ batchSize: 30 }),
      fixtures: { github: small },
      faults: { rate: 0.3, error: 'ThrottlingException', seed: 3 },
    });
    const r = await local.runner.run('github');
    expect(r.execution.status).toBe('SUCCEEDED');
    const c = local.env.emulator.counts();
    expect(c.CreateUser.faulted + c.CreateGroupMembership.faulted).toBeGreaterThan(20);
    expect(c.CreateUser.succeeded).toBe(40);
    expect(c.CreateGroupMembership.succeeded).toBe(Object.values(expectedView(small)).flat().length);
    local.env.emulator.setFaults(undefined);
    expect(githubView(local.env.emulator.dump())).toEqual(expectedView(small));
  });
});

describe('an Identity Store the functions cannot use', () => {
  it('a wrong identityStoreId stops the run at FetchTarget with ConfigError naming the id, not retried, nothing written', async () => {
    local = await startLocal({ config: github(), fixtures: { github: small } });
    local.env.config.identityStoreId = 'd-0000000000';
    const r = await local.runner.run('github');
    expect(r.execution.status).toBe('FAILED');
    expect(r.execution.error).toBe('ConfigError');
    expect(r.execution.cause).toMatch(/Identity Store d-0000000000 does not exist/);
    expect(r.execution.cause).toMatch(/scimSync\.identityStoreId/);
    expect(local.env.emulator.counts().ListUsers.received).toBe(1);
    expect(local.writes()).toBe(0);
  });

  it('AccessDeniedException on a read is ConfigError naming the missing permission, not retried', async () => {
    local = await startLocal({
      config: github(),
      fixtures: { github: small },
      faults: { rate: 1, operations: ['ListGroups'], error: 'AccessDeniedException' },
    });
    const r = await local.runner.run('github');
    expect(r.execution.status).toBe('FAILED');
    expect(r.execution.error).toBe('ConfigError');
    expect(r.execution.cause).toMatch(/needs identitystore:ListGroups/);
    expect(local.env.emulator.counts().ListGroups.received).toBe(1);
    expect(local.writes()).toBe(0);
  });

  it('ConflictException CONCURRENT_MODIFICATION is retried, never taken for "already a member"', async () => {
    local = await startLocal({
      config: github({ batchSize: 30 }),
      fixtures: { github: small },
      faults: {
        rules: [{ operation: 'CreateGroupMembership', nth: [1, 2, 3], error: 'ConcurrentModification' }],
      },
    });
    const r = await local.runner.run('github');
    expect(r.execution.status).toBe('SUCCEEDED');
    const c = local.env.emulator.counts().CreateGroupMembership;
    expect(c.faulted).toBe(3);
    expect(c.succeeded).toBe(Object.values(expectedView(small)).flat().length);
    expect((r.output as RunSummary).applied).toMatchObject({ alreadyDone: 0, conflicts: 0, failed: 0 });
    expect(githubView(local.env.emulator.dump())).toEqual(expectedView(small));
  });
});

describe('AWS services besides the Identity Store failing', () => {
  it('Secrets Manager throttling beyond the SDK retries is TransientServiceError, and the state machine retries the step', async () => {
    local = await startLocal({ config: github(), fixtures: { github: small } });
    // The SDK makes 3 attempts: the first invocation of ResolveSecret fails, the second gets through.
    local.env.aws.failNext('secretsmanager.GetSecretValue', 4, 'ThrottlingException');
    const calls = new Map<string, number>();
    const errors: string[] = [];
    const r = await local.runner.run('github', { wrapTask: countingTasks(calls, { errors }) });
    expect(r.execution.status).toBe('SUCCEEDED');
    expect(calls.get('ResolveSecret')).toBe(2);
    expect(errors).toEqual(['ResolveSecret: TransientServiceError']);
    expect(githubView(local.env.emulator.dump())).toEqual(expectedView(small));
  });

  it('DynamoDB (the lease) failing for good stops the run at CheckConcurrency with TransientServiceError naming the cause, after the retries', async () => {
    local = await startLocal({ config: github(), fixtures: { github: small } });
    local.env.dynamo.failNext('*', Number.POSITIVE_INFINITY, 'InternalServerError');
    const calls = new Map<string, number>();
    const r = await local.runner.run('github', { wrapTask: countingTasks(calls) });
    expect(r.execution.status).toBe('FAILED');
    expect(r.execution.error).toBe('TransientServiceError');
    expect(r.execution.cause).toMatch(
      /^CheckConcurrency: InternalServerError \(HTTP 500, \d+ attempts\): .*injected fault on GetItem/,
    );
    expect(r.execution.cause).toMatch(/runbook\.md#transientserviceerror/);
    expect(calls.get('CheckConcurrency')).toBe(7); // the first attempt and 6 retries
    expect(calls.get('ResolveSecret')).toBeUndefined();
    expect(Object.values(local.env.emulator.counts()).every((c) => c.received === 0)).toBe(true);
  });
});
