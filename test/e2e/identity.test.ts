/**
 * Identity end to end (the whole state machine, locally, real providers against the fakes): renames
 * are updates that keep the Identity Store ids (and so every assignment), and bad or foreign source
 * data stays a conflict of that one entity while the rest syncs.
 */
import { IdentitystoreClient, UpdateGroupCommand, UpdateUserCommand } from '@aws-sdk/client-identitystore';
import type { RunSummary } from '../../lambdas/handlers/report';
import type { GithubFixture } from '../../local/github';
import type { EntraFixture } from '../../local/graph';
import { type SeedFile, WRITE_OPERATIONS } from '../../local/identitystore';
import { type Local, startLocal, testConfig } from '../support/local';

let local: Local | undefined;
afterEach(async () => {
  await local?.close();
  local = undefined;
});

const team = (id: number, slug: string, members: string[]) => ({ id, slug, name: slug, members });
const org = (teams: GithubFixture['teams'], users: GithubFixture['users'] = []): GithubFixture => ({
  organisation: 'example-org',
  teams,
  users,
});
const ghUsers = [
  { id: 501, login: 'alice' },
  { id: 502, login: 'bob' },
  { id: 503, login: 'cy' },
];

/** Successful writes by operation since the last reset (only the ones that happened). */
function writesByOperation(l: Local): Record<string, number> {
  const c = l.env.emulator.counts();
  return Object.fromEntries(WRITE_OPERATIONS.map((op) => [op, c[op].succeeded]).filter(([, n]) => n));
}
const ids = (d: Required<SeedFile>) => ({
  users: Object.fromEntries(d.users.map((u) => [u.UserName, u.UserId])),
  groups: Object.fromEntries(d.groups.map((g) => [g.DisplayName, g.GroupId])),
});
const membersOf = (d: Required<SeedFile>, group: string) =>
  d.memberships
    .filter((m) => m.group === group)
    .map((m) => m.user)
    .sort();

async function run(l: Local, provider: 'github' | 'entra', input = {}) {
  const r = await l.runner.run(provider, { input });
  expect(r.execution.status).toBe('SUCCEEDED');
  return r.output as RunSummary;
}

describe('renames keep the Identity Store ids', () => {
  it('GitHub: a renamed team, a renamed login and two teams swapping names are updates only, then a no-op', async () => {
    const before = org(
      [team(1, 'engineering', ['alice', 'bob']), team(2, 'red', ['alice']), team(3, 'blue', ['bob', 'cy'])],
      ghUsers,
    );
    local = await startLocal({ config: testConfig(['github']), fixtures: { github: before } });
    await run(local, 'github');
    const d0 = local.env.emulator.dump();
    const id0 = ids(d0);

    local.env.github!.setFixture(
      org(
        [team(1, 'platform', ['alicia', 'bob']), team(2, 'blue', ['alicia']), team(3, 'red', ['bob', 'cy'])],
        [{ id: 501, login: 'alicia' }, ghUsers[1]!, ghUsers[2]!],
      ),
    );
    local.env.emulator.resetCounts();
    const s = await run(local, 'github');
    const d1 = local.env.emulator.dump();
    const id1 = ids(d1);
    // Same ids under the new names.
    expect(id1.groups.platform).toBe(id0.groups.engineering);
    expect(id1.groups.blue).toBe(id0.groups.red);
    expect(id1.groups.red).toBe(id0.groups.blue);
    expect(id1.users['alicia@example.com']).toBe(id0.users['alice@example.com']);
    expect(id1.users['alice@example.com']).toBeUndefined();
    // Memberships follow (by id): nothing added or removed.
    expect(membersOf(d1, 'platform')).toEqual(['alicia@example.com', 'bob@example.com']);
    expect(membersOf(d1, 'blue')).toEqual(['alicia@example.com']);
    expect(membersOf(d1, 'red')).toEqual(['bob@example.com', 'cy@example.com']);
    // Exactly the renamed attributes: 1 team rename, the swap via 2 temporary names, 1 login.
    expect(writesByOperation(local)).toEqual({ UpdateGroup: 5, UpdateUser: 1 });
    expect(s.plan).toMatchObject({
      renames: 2,
      updateGroups: 3,
      updateUsers: 1,
      createGroups: 0,
      deleteGroups: 0,
      createUsers: 0,
      deleteUsers: 0,
    });

    local.env.emulator.resetCounts();
    await run(local, 'github');
    expect(writesByOperation(local)).toEqual({});
  });

  it('Entra: a renamed group and a changed UPN are updates only, then a no-op', async () => {
    const tenant = (group: string, upn: string): EntraFixture => ({
      groups: [{ id: 'g-ops', displayName: group, members: ['u-ann', 'u-bo'] }],
      users: [
        {
          id: 'u-ann',
          userPrincipalName: upn,
          givenName: 'Ann',
          surname: 'Lee',
          displayName: 'Ann Lee',
          accountEnabled: true,
        },
        {
          id: 'u-bo',
          userPrincipalName: 'bo@example.com',
          givenName: 'Bo',
          surname: 'Ng',
          displayName: 'Bo Ng',
          accountEnabled: true,
        },
      ],
    });
    local = await startLocal({
      config: testConfig(['entra']),
      fixtures: { entra: tenant('azure-aws-sso-ops', 'ann.lee@example.com') },
    });
    await run(local, 'entra');
    const id0 = ids(local.env.emulator.dump());

    local.env.graph!.setFixture(tenant('azure-aws-sso-platform-ops', 'ann.smith@example.com'));
    local.env.emulator.resetCounts();
    await run(local, 'entra');
    const d1 = local.env.emulator.dump();
    const id1 = ids(d1);
    expect(id1.groups['azure-aws-sso-platform-ops']).toBe(id0.groups['azure-aws-sso-ops']);
    expect(id1.users['ann.smith@example.com']).toBe(id0.users['ann.lee@example.com']);
    expect(membersOf(d1, 'azure-aws-sso-platform-ops')).toEqual(['ann.smith@example.com', 'bo@example.com']);
    // One UpdateGroup (DisplayName), one UpdateUser (UserName and its email).
    expect(writesByOperation(local)).toEqual({ UpdateGroup: 1, UpdateUser: 1 });
    const ann = d1.users.find((u) => u.UserName === 'ann.smith@example.com')!;
    expect(ann.Emails).toEqual([{ Value: 'ann.smith@example.com', Type: 'EntraId', Primary: true }]);

    local.env.emulator.resetCounts();
    await run(local, 'entra');
    expect(writesByOperation(local)).toEqual({});
  });
});

describe('bad or foreign source data stays local', () => {
  it('a GitHub team in Entra namespace is never created (before and after Entra has the group); the rest syncs', async () => {
    const tenant: EntraFixture = {
      groups: [{ id: 'g-adm', displayName: 'azure-aws-sso-admins', members: ['u-x'] }],
      users: [
        {
          id: 'u-x',
          userPrincipalName: 'x@example.org',
          givenName: 'X',
          surname: 'Y',
          displayName: 'X Y',
          accountEnabled: true,
        },
      ],
    };
    local = await startLocal({
      config: testConfig(['github', 'entra']),
      fixtures: {
        github: org([team(1, 'azure-aws-sso-admins', ['alice']), team(2, 'web', ['alice', 'bob'])], ghUsers),
        entra: tenant,
      },
    });
    // Before Entra's group exists.
    let s = await run(local, 'github');
    expect(s.conflicts.join('\n')).toMatch(/azure-aws-sso-admins.*Entra ID's namespace/);
    let d = local.env.emulator.dump();
    expect(d.groups.map((g) => g.DisplayName)).toEqual(['web']);
    expect(membersOf(d, 'web')).toEqual(['alice@example.com', 'bob@example.com']);
    // Entra creates its group; GitHub still leaves it alone, and a leaver of web is removed.
    await run(local, 'entra');
    local.env.github!.setFixture(
      org([team(1, 'azure-aws-sso-admins', ['alice']), team(2, 'web', ['alice'])], ghUsers),
    );
    s = await run(local, 'github');
    expect(s.conflicts.join('\n')).toMatch(/azure-aws-sso-admins/);
    d = local.env.emulator.dump();
    expect(membersOf(d, 'azure-aws-sso-admins')).toEqual(['x@example.org']);
    expect(membersOf(d, 'web')).toEqual(['alice@example.com']);
  });

  it('two Entra groups named alike and an over-long UPN are conflicts; a leaver elsewhere is removed', async () => {
    const long = `${'l'.repeat(120)}@example.com`;
    const user = (id: string, upn: string) => ({
      id,
      userPrincipalName: upn,
      givenName: id,
      surname: 'S',
      displayName: id,
      accountEnabled: true,
    });
    const tenant = (devMembers: string[]): EntraFixture => ({
      groups: [
        { id: 'g1', displayName: 'azure-aws-sso-admins', members: ['u-a'] },
        { id: 'g2', displayName: 'Azure-AWS-SSO-Admins', members: ['u-b'] },
        { id: 'g3', displayName: 'azure-aws-sso-dev', members: devMembers },
      ],
      users: [
        user('u-a', 'a@example.com'),
        user('u-b', 'b@example.com'),
        user('u-c', 'c@example.com'),
        user('u-l', long),
      ],
    });
    local = await startLocal({
      config: testConfig(['entra']),
      fixtures: { entra: tenant(['u-a', 'u-c', 'u-l']) },
    });
    let s = await run(local, 'entra');
    expect(s.conflicts).toHaveLength(3);
    expect(s.conflicts.join('\n')).toMatch(/2 Entra ID groups are named azure-aws-sso-admins ignoring case/);
    expect(s.conflicts.join('\n')).toMatch(/132 characters long/);
    let d = local.env.emulator.dump();
    expect(d.groups.map((g) => g.DisplayName).sort()).toEqual([
      'azure-aws-sso-all-members',
      'azure-aws-sso-dev',
    ]);
    expect(membersOf(d, 'azure-aws-sso-dev')).toEqual(['a@example.com', 'c@example.com']);
    // c leaves dev (and every group but the holding group): removed from dev, the conflicts stay as they are.
    local.env.graph!.setFixture(tenant(['u-a', 'u-l']));
    s = await run(local, 'entra');
    d = local.env.emulator.dump();
    expect(membersOf(d, 'azure-aws-sso-dev')).toEqual(['a@example.com']);
    expect(s.conflicts).toHaveLength(3);
  });
});

describe('apply re-checks before it removes', () => {
  it('a user and a group that changed hands between plan and apply are not deleted (conflicts), the rest is', async () => {
    local = await startLocal({
      config: testConfig(['github']),
      fixtures: {
        github: org(
          [team(1, 'web', ['alice', 'bob', 'cy']), team(2, 'old', ['alice']), team(3, 'older', ['alice'])],
          ghUsers,
        ),
      },
    });
    await run(local, 'github');
    const d0 = ids(local.env.emulator.dump());
    // bob, cy, old and older leave GitHub; before the deletes run, someone gives bob an EntraId email
    // (now Entra's) and hand-writes old's description (now nobody's).
    local.env.github!.setFixture(org([team(1, 'web', ['alice'])], ghUsers));
    const client = new IdentitystoreClient({
      endpoint: local.env.emulator.endpoint,
      region: 'eu-west-2',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const IdentityStoreId = local.env.emulator.identityStoreId;
    const r = await local.runner.run('github', {
      wrapTask: (state, real) => async (input) => {
        if (state === 'ApplyDeletesBatch') {
          await client.send(
            new UpdateUserCommand({
              IdentityStoreId,
              UserId: d0.users['bob@example.com']!,
              Operations: [
                {
                  AttributePath: 'emails',
                  AttributeValue: [{ Value: 'bob@example.com', Type: 'EntraId', Primary: true }] as never,
                },
              ],
            }),
          );
          await client.send(
            new UpdateGroupCommand({
              IdentityStoreId,
              GroupId: d0.groups.old!,
              Operations: [{ AttributePath: 'description', AttributeValue: 'kept by hand' as never }],
            }),
          );
        }
        return real(input);
      },
    });
    expect(r.execution.status).toBe('SUCCEEDED');
    const s = r.output as RunSummary;
    const d1 = ids(local.env.emulator.dump());
    expect(d1.users['bob@example.com']).toBe(d0.users['bob@example.com']);
    expect(d1.groups.old).toBe(d0.groups.old);
    expect(d1.users['cy@example.com']).toBeUndefined();
    expect(d1.groups.older).toBeUndefined();
    expect(s.applied?.conflicts).toBe(2);
    expect(s.conflicts.join('\n')).toMatch(/bob@example\.com.*no longer GitHub's/);
    client.destroy();
  });

  it('most teams coming back empty: DeletionGuardError, zero writes', async () => {
    const users = Array.from({ length: 10 }, (_, i) => ({ id: 700 + i, login: `p${i}` }));
    const all = users.map((u) => u.login);
    const teams = Array.from({ length: 11 }, (_, t) => team(100 + t, `team-${t}`, all));
    local = await startLocal({ config: testConfig(['github']), fixtures: { github: org(teams, users) } });
    await run(local, 'github');
    local.env.github!.setFixture(
      org(
        teams.map((t, i) => (i === 0 ? t : { ...t, members: [] })),
        users,
      ),
    );
    local.env.emulator.resetCounts();
    const r = await local.runner.run('github');
    expect(r.execution.status).toBe('FAILED');
    expect(r.execution.error).toBe('DeletionGuardError');
    expect(r.execution.cause).toMatch(/removes 100 of 110 managed memberships/);
    expect(local.writes()).toBe(0);
  });
});
