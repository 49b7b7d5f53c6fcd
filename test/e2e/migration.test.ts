/**
 * Switching over from the replaced jobs: an Identity Store as they left it, planned against the
 * same organisation / tenant, must change nothing but ownership markers; then ordinary churn.
 * Runs the whole state machine locally (real providers against the fakes).
 */
import type { RunSummary } from '../../lambdas/handlers/report';
import type { GithubFixture } from '../../local/github';
import type { EntraFixture } from '../../local/graph';
import type { SeedFile } from '../../local/identitystore';
import { type Local, startLocal, testConfig } from '../support/local';

/** What the replaced GitHub job wrote: UserName = lower-cased login + suffix in every name field, a work email. */
const ghUser = (login: string) => {
  const u = `${login.toLowerCase()}@example.com`;
  return {
    UserName: u,
    DisplayName: u,
    Name: { GivenName: u, FamilyName: u },
    Emails: [{ Value: u, Type: 'work', Primary: true }],
  };
};
/** What the replaced Entra job wrote: UserName = UPN, names from Entra, an email of type EntraId. */
const entraUser = (upn: string, given: string, family: string) => ({
  UserName: upn,
  DisplayName: `${given} ${family}`,
  Name: { GivenName: given, FamilyName: family },
  Emails: [{ Value: upn, Type: 'EntraId', Primary: true }],
});
const handMade: Required<SeedFile> = {
  users: [
    { UserName: 'breakglass', DisplayName: 'Break Glass', Name: { GivenName: 'Break', FamilyName: 'Glass' } },
  ],
  groups: [{ DisplayName: 'aws-admins-by-hand', Description: 'made by hand' }],
  memberships: [{ group: 'aws-admins-by-hand', user: 'breakglass' }],
};

const org = (teams: Record<string, string[]>): GithubFixture => ({
  organisation: 'example-org',
  teams: Object.entries(teams).map(([slug, members]) => ({ slug, name: slug, members })),
});
const orgBefore = { web: ['Ann-Dev', 'bob'], api: ['bob', 'cy'] };

const tenant = (groups: Record<string, string[]>): EntraFixture => ({
  groups: Object.entries(groups).map(([name, members], i) => ({ id: `g${i}`, displayName: name, members })),
  users: [
    {
      id: 'alice',
      userPrincipalName: 'alice@example.com',
      givenName: 'Alice',
      surname: 'Adams',
      displayName: 'Alice Adams',
      accountEnabled: true,
    },
    {
      id: 'dan',
      userPrincipalName: 'dan@example.com',
      givenName: 'Dan',
      surname: 'Diaz',
      displayName: 'Dan Diaz',
      accountEnabled: true,
    },
  ],
});
const tenantBefore = {
  'azure-aws-sso-admins': ['alice'],
  'azure-aws-sso-readonly': ['alice', 'dan'],
  'azure-aws-sso-billing': ['dan'],
};

/** The store both replaced jobs and some hand-made entries left. */
function leftovers(): SeedFile {
  return {
    users: [
      ...['ann-dev', 'bob', 'cy'].map(ghUser),
      entraUser('alice@example.com', 'Alice', 'Adams'),
      entraUser('dan@example.com', 'Dan', 'Diaz'),
      ...handMade.users,
    ],
    groups: [
      { DisplayName: 'web' },
      { DisplayName: 'api' },
      ...Object.keys(tenantBefore).map((DisplayName) => ({ DisplayName })),
      { DisplayName: 'azure-aws-sso-all-members' },
      ...handMade.groups,
    ],
    memberships: [
      ...Object.entries(orgBefore).flatMap(([g, ms]) =>
        ms.map((m) => ({ group: g, user: `${m.toLowerCase()}@example.com` })),
      ),
      ...Object.entries(tenantBefore).flatMap(([g, ms]) =>
        ms.map((m) => ({ group: g, user: `${m}@example.com` })),
      ),
      { group: 'azure-aws-sso-all-members', user: 'alice@example.com' },
      { group: 'azure-aws-sso-all-members', user: 'dan@example.com' },
      ...handMade.memberships,
    ],
  };
}

let local: Local | undefined;
afterEach(async () => {
  await local?.close();
  local = undefined;
});

async function start(
  teams: Record<string, string[]>,
  groups: Record<string, string[]>,
  seed: SeedFile = leftovers(),
) {
  local = await startLocal({
    config: testConfig(['github', 'entra']),
    seed,
    fixtures: { github: org(teams), entra: tenant(groups) },
  });
  return local;
}
const planOf = async (l: Local, p: 'github' | 'entra') => {
  const r = await l.runner.run(p, { input: { dryRun: true } });
  expect(r.execution.status).toBe('SUCCEEDED');
  return r.output as RunSummary;
};
const hand = (d: Required<SeedFile>) => ({
  users: d.users.filter((u) => u.UserName === 'breakglass').map(({ UserId: _, ...u }) => u),
  groups: d.groups.filter((g) => g.DisplayName === 'aws-admins-by-hand').map(({ GroupId: _, ...g }) => g),
  memberships: d.memberships.filter((m) => m.group === 'aws-admins-by-hand'),
});

describe('switching over from the replaced GitHub job', () => {
  it('plans nothing but adoption markers and recorded ids for the same organisation, and leaves Entra and hand-made entries alone', async () => {
    const l = await start(orgBefore, tenantBefore);
    const plan = await planOf(l, 'github');
    // 2 groups adopted (marker and team id in one write), 3 users get their GitHub id recorded.
    expect(plan.plan).toMatchObject({ total: 5, updateGroups: 2, updateUsers: 3 });
    expect(plan.changes.sort()).toEqual([
      'adopt group api (mark it as synced)',
      'adopt group web (mark it as synced)',
      'record the source id of user ann-dev@example.com',
      'record the source id of user bob@example.com',
      'record the source id of user cy@example.com',
    ]);
    expect(plan.conflicts).toEqual([]);
    // Applied for real: only those 5 writes; then a run writes nothing.
    l.env.emulator.resetCounts();
    expect((await l.runner.run('github')).execution.status).toBe('SUCCEEDED');
    expect(l.writes()).toBe(5);
    expect(l.env.emulator.counts().UpdateGroup.succeeded).toBe(2);
    expect(l.env.emulator.counts().UpdateUser.succeeded).toBe(3);
    expect(hand(l.env.emulator.dump())).toEqual(handMade);
    l.env.emulator.resetCounts();
    expect((await l.runner.run('github')).execution.status).toBe('SUCCEEDED');
    expect(l.writes()).toBe(0);
  });

  it('a member who leaves one team loses only that membership; one who leaves every team is deleted', async () => {
    const l = await start({ web: ['Ann-Dev'], api: ['bob'] }, tenantBefore);
    const plan = await planOf(l, 'github');
    expect(plan.changes.filter((c) => !c.startsWith('adopt') && !c.startsWith('record')).sort()).toEqual([
      'delete user cy@example.com (in no synced team any more: loses api)',
      'remove bob@example.com from web',
    ]);
  });

  it('a login that differs only in case from an existing user makes no duplicate', async () => {
    const l = await start({ web: ['ANN-DEV', 'Bob'], api: ['BOB', 'cy'] }, tenantBefore);
    const plan = await planOf(l, 'github');
    expect(plan.plan).toMatchObject({ createUsers: 0, addMembers: 0, removeMembers: 0, deleteUsers: 0 });
  });
});

describe('switching over from the replaced Entra job', () => {
  it('plans nothing but markers and recorded ids for the same tenant, and leaves GitHub and hand-made entries alone', async () => {
    const l = await start(orgBefore, tenantBefore);
    const before = l.env.emulator.dump();
    const plan = await planOf(l, 'entra');
    // 3 groups and the holding group get the Entra marker and group id, 2 users their object id.
    expect(plan.plan).toMatchObject({ total: 6, updateGroups: 4, updateUsers: 2 });
    expect(plan.changes.every((c) => c.startsWith('record '))).toBe(true);
    expect(plan.conflicts).toEqual([]);
    l.env.emulator.resetCounts();
    expect((await l.runner.run('entra')).execution.status).toBe('SUCCEEDED');
    expect(l.writes()).toBe(6);
    const after = l.env.emulator.dump();
    // Same ids, names and memberships: only Descriptions and ProfileUrls were written.
    const shape = (d: Required<SeedFile>) => ({
      users: d.users.map(({ ProfileUrl: _, ...u }) => u),
      groups: d.groups.map(({ Description: _, ...g }) => g),
      memberships: d.memberships,
    });
    expect(shape(after)).toEqual(shape(before));
    expect(after.groups.find((g) => g.DisplayName === 'azure-aws-sso-admins')?.Description).toBe(
      'Managed by scim-sync from Entra ID, group id g0',
    );
    l.env.emulator.resetCounts();
    expect((await l.runner.run('entra')).execution.status).toBe('SUCCEEDED');
    expect(l.writes()).toBe(0);
  });

  it('a user in two groups who leaves one loses only that membership; a group gone from Entra is deleted', async () => {
    const l = await start(orgBefore, {
      'azure-aws-sso-admins': ['alice'],
      'azure-aws-sso-readonly': ['alice'],
    });
    const before = l.env.emulator.dump();
    const r = await l.runner.run('entra');
    expect(r.execution.status).toBe('SUCCEEDED');
    const s = r.output as RunSummary;
    expect(s.changes.filter((c) => !c.startsWith('record ')).sort()).toEqual([
      'delete group azure-aws-sso-billing (group no longer in Entra ID or no longer synced; 1 member loses access with it)',
      'delete user dan@example.com (in no synced group any more: loses azure-aws-sso-all-members, azure-aws-sso-billing, azure-aws-sso-readonly)',
    ]);
    const after = l.env.emulator.dump();
    expect(
      after.memberships
        .filter((m) => m.user === 'alice@example.com')
        .map((m) => m.group)
        .sort(),
    ).toEqual(['azure-aws-sso-admins', 'azure-aws-sso-all-members', 'azure-aws-sso-readonly']);
    // GitHub's and hand-made entries are exactly as before.
    const notEntra = (d: Required<SeedFile>) => ({
      users: d.users.filter((u) => !(u.Emails ?? []).some((e) => e.Type === 'EntraId')),
      groups: d.groups.filter((g) => !g.DisplayName.startsWith('azure-aws-sso-')),
      memberships: d.memberships.filter((m) => !m.group.startsWith('azure-aws-sso-')),
    });
    expect(notEntra(after)).toEqual(notEntra(before));
  });
});
