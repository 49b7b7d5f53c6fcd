/**
 * The Entra provider against the fake Microsoft Graph over real HTTP on 127.0.0.1, with the real
 * @azure/msal-node client: paging, nested groups, owners, disabled users, the holding group, and
 * one token request per run.
 */
import { join } from 'node:path';
import { EntraConfigSchema } from '../../lambdas/core/config';
import { ConfigError } from '../../lambdas/core/errors';
import type { SourceSnapshot } from '../../lambdas/core/model';
import { type EntraSecret, msalAuthority, readEntraSource } from '../../lambdas/providers/entra';
import {
  type EntraFixture,
  type EntraConfigInput,
  type FakeGraph,
  loadEntraFixture,
  localEntraConfig,
  startFakeGraph,
} from '../../local/graph';

const TENANT = '0f0e0d0c-1111-4222-8333-444455556666';
const CLIENT = 'c11e0000-aaaa-4bbb-8ccc-dddddddddddd';
const SECRET: EntraSecret = { tenantId: TENANT, clientId: CLIENT, clientSecret: 'test-client-secret' };
const retry = { baseDelayMs: 5, retryAfterUnitMs: 10, maxAttempts: 4 };

const user = (id: string, given: string, extra: Record<string, unknown> = {}) => ({
  id,
  userPrincipalName: `${given.toLowerCase()}@example.com`,
  givenName: given,
  surname: 'Example',
  displayName: `${given} Example`,
  accountEnabled: true,
  ...extra,
});

/** 5 prefixed groups (one spelled in capitals), a nested non-prefixed team with a cycle, a disabled user. */
const SMALL: EntraFixture = {
  users: [
    user('u-alice', 'Alice'),
    user('u-bob', 'Bob'),
    user('u-carol', 'Carol'),
    user('u-dave', 'Dave', { accountEnabled: false }),
    user('u-erin', 'Erin'),
    user('u-frank', 'Frank'),
    user('u-grace', 'Grace'),
    user('u-heidi', 'Heidi'),
    user('u-judy', 'Judy'),
    user('u-mallory', 'Mallory'),
    user('u-oscar', 'Oscar'),
    user('u-peggy', 'Peggy'),
    user('u-trent', 'Trent'),
    user('u-victor', 'Victor'),
  ],
  groups: [
    {
      id: 'g-admins',
      displayName: 'azure-aws-sso-admins',
      members: ['u-alice', 'u-bob', 'u-dave'],
      owners: ['u-carol'],
    },
    {
      id: 'g-dev',
      displayName: 'azure-aws-sso-dev',
      members: ['u-alice', 'u-erin', 'u-frank', 'u-grace', 'u-heidi', 'g-team'],
      owners: ['u-bob'],
    },
    { id: 'g-team', displayName: 'team-x', members: ['u-judy', 'u-mallory', 'u-dave', 'g-dev'] },
    { id: 'g-ops', displayName: 'azure-aws-sso-ops', members: [], owners: ['u-oscar'] },
    { id: 'g-audit', displayName: 'AZURE-AWS-SSO-Audit', members: ['u-peggy'] },
    { id: 'g-billing', displayName: 'azure-aws-sso-billing', members: ['u-victor', 'u-alice'] },
    { id: 'g-other', displayName: 'other-group', members: ['u-trent', 'u-alice'] },
  ],
};

const fakes: FakeGraph[] = [];
async function fake(fixture: EntraFixture, pageSize?: number): Promise<FakeGraph> {
  const f = await startFakeGraph({
    fixture,
    tenantId: TENANT,
    clientId: CLIENT,
    clientSecret: SECRET.clientSecret,
    pageSize,
  });
  fakes.push(f);
  return f;
}
afterAll(async () => {
  await Promise.all(fakes.map((f) => f.close()));
});

async function read(f: FakeGraph, overrides: Partial<EntraConfigInput> = {}) {
  f.resetCounters();
  return readEntraSource({ config: localEntraConfig(f, overrides), secret: SECRET, retry });
}

/** A group's members by UserName (snapshots name them by Entra object id). */
const members = (s: SourceSnapshot, group: string) => {
  const names = new Map(s.users.map((u) => [u.id, u.userName]));
  return s.groups.find((g) => g.displayName === group)?.members.map((id) => names.get(id)!);
};
const HOLDING = 'azure-aws-sso-all-members';

describe('readEntraSource (paging, small pages)', () => {
  let f: FakeGraph;
  beforeAll(async () => {
    f = await fake(SMALL, 3);
  });

  it('reads every page of groups and members, nested transitively, owners included', async () => {
    const r = await read(f);
    const s = r.snapshot;
    expect(s.provider).toBe('entra');
    expect(s.groups.map((g) => g.displayName)).toEqual([
      'AZURE-AWS-SSO-Audit',
      'azure-aws-sso-admins',
      HOLDING,
      'azure-aws-sso-billing',
      'azure-aws-sso-dev',
      'azure-aws-sso-ops',
    ]);
    expect(members(s, 'azure-aws-sso-admins')).toEqual([
      'alice@example.com',
      'bob@example.com',
      'carol@example.com',
    ]);
    expect(members(s, 'azure-aws-sso-dev')).toEqual(
      ['alice', 'bob', 'erin', 'frank', 'grace', 'heidi', 'judy', 'mallory'].map((n) => `${n}@example.com`),
    );
    expect(members(s, 'azure-aws-sso-ops')).toEqual(['oscar@example.com']);
    expect(members(s, 'AZURE-AWS-SSO-Audit')).toEqual(['peggy@example.com']);
    // 5 prefixed groups in pages of 3. dev's transitive list holds 9 objects (team-x and its members,
    // the cycle back to dev ignored): 3 pages; the 4 other groups 1 page each; 1 owners page per group.
    expect(f.counters.byRoute.groups).toBe(2);
    expect(f.counters.byRoute.transitiveMembers).toBe(3 + 4);
    expect(f.counters.byRoute.members).toBe(0);
    expect(f.counters.byRoute.owners).toBe(5);
    expect(f.counters.byRoute.users + f.counters.byRoute.user).toBe(0);
    expect(r.requests).toBe(f.counters.graph);
    expect(r.requests).toBe(2 + 7 + 5);
    expect(r.tokenRequests).toBe(1);
    expect(f.counters.token).toBe(1);
  });

  it('excludes disabled accounts everywhere and never reads outside the prefix', async () => {
    const { snapshot: s } = await read(f);
    const names = s.users.map((u) => u.userName);
    expect(names).not.toContain('dave@example.com');
    expect(names).not.toContain('trent@example.com');
    expect(s.groups.some((g) => g.displayName === 'other-group' || g.displayName === 'team-x')).toBe(false);
  });

  it('lists a user of several groups once, with every membership, and the holding group holds every user', async () => {
    const { snapshot: s } = await read(f);
    expect(s.users.filter((u) => u.userName === 'alice@example.com')).toHaveLength(1);
    const alicesGroups = s.groups
      .filter((g) => members(s, g.displayName)?.includes('alice@example.com'))
      .map((g) => g.displayName);
    expect(alicesGroups.sort()).toEqual([
      'azure-aws-sso-admins',
      HOLDING,
      'azure-aws-sso-billing',
      'azure-aws-sso-dev',
    ]);
    expect(members(s, HOLDING)).toEqual(s.users.map((u) => u.userName));
    expect(s.users).toHaveLength(12);
    expect(s.users.find((u) => u.userName === 'alice@example.com')).toEqual({
      id: 'u-alice',
      userName: 'alice@example.com',
      displayName: 'Alice Example',
      name: { givenName: 'Alice', familyName: 'Example' },
      email: { value: 'alice@example.com', type: 'EntraId', primary: true },
    });
  });

  it('with nestedGroups off reads direct members only (nested groups skipped, not expanded)', async () => {
    const { snapshot: s } = await read(f, { nestedGroups: false });
    expect(members(s, 'azure-aws-sso-dev')).toEqual(
      ['alice', 'bob', 'erin', 'frank', 'grace', 'heidi'].map((n) => `${n}@example.com`),
    );
    expect(s.users.map((u) => u.userName)).not.toContain('judy@example.com');
    expect(f.counters.byRoute.transitiveMembers).toBe(0);
    expect(f.counters.byRoute.members).toBe(2 + 4); // dev: 5 users + team-x = 2 pages
  });

  it('with includeOwners off counts members only', async () => {
    const { snapshot: s } = await read(f, { includeOwners: false });
    expect(members(s, 'azure-aws-sso-admins')).toEqual(['alice@example.com', 'bob@example.com']);
    expect(members(s, 'azure-aws-sso-ops')).toEqual([]);
    expect(s.users.map((u) => u.userName)).not.toContain('oscar@example.com');
    expect(s.users.map((u) => u.userName)).not.toContain('carol@example.com');
    expect(f.counters.byRoute.owners).toBe(0);
  });

  it('uses an Entra group named like the holding group, and honours a custom prefix', async () => {
    const fx: EntraFixture = {
      users: SMALL.users,
      groups: [
        { id: 'g-h', displayName: 'Team-AWS-All', members: ['u-trent'] },
        { id: 'g-a', displayName: 'team-aws-admins', members: ['u-alice'] },
        { id: 'g-x', displayName: 'azure-aws-sso-admins', members: ['u-bob'] },
      ],
    };
    const g = await fake(fx, 3);
    const { snapshot: s } = await read(g, { groupPrefix: 'team-aws-', holdingGroup: 'team-aws-all' });
    // The holding group is the configuration's (id holding-group): its name as configured, every user in it.
    expect(s.groups.map((x) => [x.id, x.displayName, members(s, x.displayName)])).toEqual([
      ['g-a', 'team-aws-admins', ['alice@example.com']],
      ['holding-group', 'team-aws-all', ['alice@example.com', 'trent@example.com']],
    ]);
  });
});

describe('readEntraSource (demo tenant, default page size)', () => {
  it('reads a group of over 1,000 members in pages of 999, with one token', async () => {
    const fixture = loadEntraFixture(join(__dirname, '../../local/fixtures/entra-demo.json'));
    const f = await fake(fixture);
    const r = await read(f);
    const s = r.snapshot;
    expect(members(s, 'azure-aws-sso-readonly')).toHaveLength(1096); // 1,097 members, one disabled
    expect(s.users.map((u) => u.userName)).not.toContain('dana.diaz@example.com');
    // team-platform is nested two levels below engineering.
    expect(members(s, 'azure-aws-sso-engineering')).toContain('frank.fischer@example.com');
    expect(members(s, 'azure-aws-sso-developers')).toContain('frank.fischer@example.com');
    expect(s.groups.map((g) => g.displayName)).toContain(HOLDING);
    expect(members(s, HOLDING)).toHaveLength(s.users.length);
    expect(s.groups.map((g) => g.displayName)).not.toContain('finance-team');
    const guest = s.users.find((u) => u.userName.includes('#EXT#'));
    expect(guest?.name).toEqual({ givenName: 'Erin', familyName: 'Partner (Guest)' });
    expect(f.counters.byRoute.groups).toBe(1);
    expect(f.counters.byRoute.transitiveMembers).toBe(6 + 1); // 6 prefixed groups, readonly needs 2 pages
    expect(r.requests).toBe(1 + 7 + 6);
    expect(r.tokenRequests).toBe(1);
    expect(f.counters.token).toBe(1);
  });
});

describe('msal authority', () => {
  it('works offline with an explicit authorityMetadata override (production authorityHost)', async () => {
    const f = await fake(SMALL);
    const config = EntraConfigSchema.parse({ secretName: 's', graphUrl: f.url });
    const r = await readEntraSource({
      config,
      secret: SECRET,
      retry,
      authority: {
        authority: f.authority,
        authorityMetadata: f.authorityMetadata,
        knownAuthorities: f.knownAuthorities,
      },
    });
    expect(r.snapshot.users.length).toBeGreaterThan(0);
    expect(f.counters.token).toBe(1);
  });

  it('uses normal discovery in production and refuses plain http off the loopback', () => {
    expect(msalAuthority('https://login.microsoftonline.com', TENANT)).toEqual({
      authority: `https://login.microsoftonline.com/${TENANT}`,
    });
    expect(() => msalAuthority('http://login.example.com', TENANT)).toThrow(ConfigError);
  });

  it('refuses to send the token to a plain-http Graph off the loopback', async () => {
    const config = EntraConfigSchema.parse({ secretName: 's', graphUrl: 'http://graph.example.com' });
    await expect(readEntraSource({ config, secret: SECRET, retry })).rejects.toThrow(ConfigError);
  });

  it('warns when no group has the prefix', async () => {
    const f = await fake(SMALL);
    const { snapshot: s } = await read(f, { groupPrefix: 'nobody-', holdingGroup: 'nobody-all' });
    expect(s.users).toEqual([]);
    expect(s.groups).toEqual([{ id: 'holding-group', displayName: 'nobody-all', members: [] }]);
    expect(s.warnings).toEqual(["no Entra ID group's name starts with nobody-: check entra.groupPrefix"]);
  });
});
