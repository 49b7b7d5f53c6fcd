/**
 * The GitHub provider with real Octokit over HTTP against the fake GitHub on 127.0.0.1: paging at
 * both levels with the minimum number of requests, membership modes, team filters, mapping.
 */
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { type GithubConfig, GithubConfigSchema } from '../../lambdas/core/config';
import { readGithubSource } from '../../lambdas/providers/github';
import {
  derivedDatabaseId,
  type FakeGithub,
  type GithubFixture,
  generateGithubFixture,
  loadGithubFixture,
  startFakeGithub,
} from '../../local/github';

const TOKEN = 'ghp_testtoken0000000000000000000000000000';
const FAST = { retries: 2, retryBaseMs: 5, rateLimitUnitMs: 20, graphqlMinIntervalMs: 0 };
const quiet = new Logger({ serviceName: 'test', logLevel: 'SILENT' });

function config(fake: FakeGithub, extra: Partial<GithubConfig> = {}): GithubConfig {
  return GithubConfigSchema.parse({
    organisation: 'example-org',
    secretName: 'github-secret',
    userNameSuffix: '@example.com',
    apiUrl: fake.url,
    ...extra,
  });
}

async function withFake<T>(fixture: GithubFixture, fn: (fake: FakeGithub) => Promise<T>): Promise<T> {
  const fake = await startFakeGithub({ fixture, token: TOKEN });
  try {
    return await fn(fake);
  } finally {
    await fake.close();
  }
}

const read = (fake: FakeGithub, extra: Partial<GithubConfig> = {}) =>
  readGithubSource({
    config: config(fake, extra),
    secret: { kind: 'token', token: TOKEN },
    logger: quiet,
    retry: FAST,
  });

/** A group's members by UserName (snapshots name them by account id). */
const members = (
  snap: { users: { id: string; userName: string }[]; groups: { displayName: string; members: string[] }[] },
  group: string,
) => {
  const names = new Map(snap.users.map((u) => [u.id, u.userName]));
  return (snap.groups.find((g) => g.displayName === group)?.members ?? []).map((id) => names.get(id)!).sort();
};

describe('paging', () => {
  it('reads 130 teams and a team of 250 members in the minimum number of requests', async () => {
    // 130 small teams + one of 250: 2 teams pages, then 2 rounds of member pages for the big team.
    const fixture = generateGithubFixture({ teams: 130, users: 400, membersPerTeam: 3, largeTeams: [250] });
    await withFake(fixture, async (fake) => {
      const { snapshot, requests } = await read(fake);
      expect(snapshot.groups).toHaveLength(131);
      expect(members(snapshot, 'large-0')).toHaveLength(250);
      const expected = new Set(
        fixture.teams.find((t) => t.slug === 'large-0')?.members.map((l) => `${l}@example.com`),
      );
      expect(new Set(members(snapshot, 'large-0'))).toEqual(expected);
      const minimum = Math.ceil(131 / 100) + (Math.ceil(250 / 100) - 1);
      expect(fake.graphqlRequests()).toBe(minimum);
      expect(requests).toBe(minimum);
      expect(fake.counts).toEqual({ 'graphql:scimSyncTeams': 2, 'graphql:scimSyncMorePages': 2 });
    });
  });

  it('fetches the extra member pages of many large teams together, one request per round', async () => {
    const fixture = generateGithubFixture({
      teams: 5,
      users: 1000,
      membersPerTeam: 10,
      largeTeams: [150, 180, 320, 101],
    });
    await withFake(fixture, async (fake) => {
      const { snapshot, requests } = await read(fake);
      for (const [i, size] of [150, 180, 320, 101].entries())
        expect(members(snapshot, `large-${i}`)).toHaveLength(size);
      // 1 teams page; rounds: page 2 of all four, page 3 of the 320, page 4 of the 320.
      expect(requests).toBe(1 + 3);
    });
  });

  it('reads an empty organisation in one request', async () => {
    await withFake({ organisation: 'example-org', teams: [] }, async (fake) => {
      const { snapshot, requests } = await read(fake);
      expect(snapshot).toMatchObject({ provider: 'github', users: [], groups: [] });
      expect(requests).toBe(1);
    });
  });
});

describe('child teams', () => {
  const fixture: GithubFixture = {
    organisation: 'example-org',
    teams: [
      { slug: 'engineering', name: 'Engineering', members: ['lead'] },
      { slug: 'platform', name: 'Platform', parent: 'engineering', members: ['pat', 'lead'] },
      { slug: 'sre', name: 'SRE', parent: 'platform', members: ['sam'] },
    ],
    users: [{ login: 'lead', name: 'Lee Ead' }],
  };

  it('membership all: a team includes its child teams at every depth', async () => {
    await withFake(fixture, async (fake) => {
      const { snapshot } = await read(fake, { teamMembership: 'all' });
      expect(members(snapshot, 'engineering')).toEqual([
        'lead@example.com',
        'pat@example.com',
        'sam@example.com',
      ]);
      expect(members(snapshot, 'platform')).toEqual([
        'lead@example.com',
        'pat@example.com',
        'sam@example.com',
      ]);
      expect(members(snapshot, 'sre')).toEqual(['sam@example.com']);
    });
  });

  it('membership immediate: only direct members', async () => {
    await withFake(fixture, async (fake) => {
      const { snapshot } = await read(fake, { teamMembership: 'immediate' });
      expect(members(snapshot, 'engineering')).toEqual(['lead@example.com']);
      expect(members(snapshot, 'platform')).toEqual(['lead@example.com', 'pat@example.com']);
      expect(members(snapshot, 'sre')).toEqual(['sam@example.com']);
    });
  });

  it('membership all pages through a parent whose children push it past 100', async () => {
    const big = generateGithubFixture({ teams: 3, users: 300, membersPerTeam: 60, nestEvery: 1 });
    // team-0001 and team-0002 are children of team-0000: 180 members under ALL, 60 under IMMEDIATE.
    await withFake(big, async (fake) => {
      const all = await read(fake, { teamMembership: 'all' });
      expect(members(all.snapshot, 'team-0000')).toHaveLength(180);
      expect(all.requests).toBe(2);
      const immediate = await read(fake, { teamMembership: 'immediate' });
      expect(members(immediate.snapshot, 'team-0000')).toHaveLength(60);
      expect(immediate.requests).toBe(1);
    });
  });
});

describe('team filters', () => {
  const fixture = generateGithubFixture({ teams: 6, users: 20, membersPerTeam: 2, largeTeams: [120] });

  it('ignoreTeams drops teams by slug (any case) and fetches no extra pages for them', async () => {
    await withFake(fixture, async (fake) => {
      const { snapshot, requests } = await read(fake, { ignoreTeams: ['TEAM-0001', 'large-0'] });
      expect(snapshot.groups.map((g) => g.displayName).sort()).toEqual([
        'team-0000',
        'team-0002',
        'team-0003',
        'team-0004',
        'team-0005',
      ]);
      expect(requests).toBe(1);
    });
  });

  it('includeTeams keeps only slugs matching the pattern; users come only from kept teams', async () => {
    await withFake(fixture, async (fake) => {
      const { snapshot } = await read(fake, { includeTeams: '^team-000[0-2]$', ignoreTeams: ['team-0002'] });
      expect(snapshot.groups.map((g) => g.displayName).sort()).toEqual(['team-0000', 'team-0001']);
      expect(snapshot.users.map((u) => u.userName).sort()).toEqual(
        ['user-00000', 'user-00001', 'user-00002', 'user-00003'].map((l) => `${l}@example.com`),
      );
    });
  });
});

describe('mapping', () => {
  const fixture: GithubFixture = {
    organisation: 'Example-Org',
    teams: [
      { id: 11, slug: 'Web-Team', name: 'Web', members: ['Alice-Dev', 'bob', 'cher'] },
      { slug: 'ops', name: 'Ops', members: ['alice-dev', 'ALICE-DEV'] },
    ],
    users: [
      { id: 101, login: 'Alice-Dev', name: 'Alice  van der Berg' },
      { id: 103, login: 'cher', name: 'Cher' },
    ],
    samlIdentities: [
      {
        login: 'bob',
        nameId: 'robert.jones@corp.example',
        givenName: 'Robert',
        familyName: 'Jones',
        email: 'robert.jones@corp.example',
      },
    ],
  };

  it('maps teams and users as the replaced job named them, with GitHub ids; logins differing in case are one user', async () => {
    await withFake(fixture, async (fake) => {
      const { snapshot } = await read(fake, { organisation: 'Example-Org', groupPrefix: 'gh-' });
      const bobId = String(derivedDatabaseId('user', 'bob'));
      expect(snapshot.groups).toEqual([
        { id: '11', displayName: 'gh-web-team', members: ['101', bobId, '103'] },
        { id: String(derivedDatabaseId('team', 'ops')), displayName: 'gh-ops', members: ['101'] },
      ]);
      expect(snapshot.users).toEqual([
        {
          id: '101',
          userName: 'alice-dev@example.com',
          displayName: 'Alice  van der Berg',
          name: { givenName: 'Alice', familyName: 'van der Berg' },
          email: { value: 'alice-dev@example.com', type: 'work', primary: true },
        },
        {
          id: bobId,
          userName: 'bob@example.com',
          displayName: 'bob',
          name: { givenName: 'bob', familyName: 'bob' },
          email: { value: 'bob@example.com', type: 'work', primary: true },
        },
        {
          id: '103',
          userName: 'cher@example.com',
          displayName: 'Cher',
          name: { givenName: 'Cher', familyName: 'Cher' },
          email: { value: 'cher@example.com', type: 'work', primary: true },
        },
      ]);
      expect(snapshot.warnings).toEqual([]);
    });
  });

  it("userAttributes 'userName' fills DisplayName and Name with the UserName", async () => {
    await withFake(fixture, async (fake) => {
      const { snapshot } = await readGithubSource({
        config: config(fake, { organisation: 'Example-Org' }),
        secret: { kind: 'token', token: TOKEN },
        logger: quiet,
        retry: FAST,
        userAttributes: 'userName',
      });
      expect(snapshot.users[0]).toEqual({
        id: '101',
        userName: 'alice-dev@example.com',
        displayName: 'alice-dev@example.com',
        name: { givenName: 'alice-dev@example.com', familyName: 'alice-dev@example.com' },
        email: { value: 'alice-dev@example.com', type: 'work', primary: true },
      });
    });
  });

  it('uses SAML identities when asked and the organisation has them, in the same first request', async () => {
    await withFake(fixture, async (fake) => {
      const { snapshot, requests } = await read(fake, { organisation: 'Example-Org', useSamlIdentity: true });
      const bob = snapshot.users.find((u) => u.userName === 'bob@example.com');
      expect(bob).toEqual({
        id: String(derivedDatabaseId('user', 'bob')),
        userName: 'bob@example.com',
        displayName: 'Robert Jones',
        name: { givenName: 'Robert', familyName: 'Jones' },
        email: { value: 'robert.jones@corp.example', type: 'work', primary: true },
      });
      expect(snapshot.users.find((u) => u.userName === 'cher@example.com')?.email.value).toBe(
        'cher@example.com',
      );
      expect(requests).toBe(1);
    });
  });

  it('pages SAML identities alongside member pages, and warns when the organisation has no SAML', async () => {
    const fx = generateGithubFixture({ teams: 2, users: 250, membersPerTeam: 125 });
    fx.samlIdentities = fx.teams
      .flatMap((t) => t.members)
      .map((l) => ({ login: l, nameId: `${l}@corp.example`, email: `${l}@corp.example` }));
    await withFake(fx, async (fake) => {
      const { snapshot, requests } = await read(fake, { useSamlIdentity: true });
      expect(snapshot.users).toHaveLength(250);
      expect(snapshot.users.every((u) => u.email.value.endsWith('@corp.example'))).toBe(true);
      expect(requests).toBe(1 + 2); // teams page (+ SAML page 1), round 1 (members + SAML 2), round 2 (SAML 3)
    });
    await withFake(
      { organisation: 'example-org', teams: [{ slug: 'a', name: 'A', members: ['x'] }] },
      async (fake) => {
        const { snapshot } = await read(fake, { useSamlIdentity: true });
        expect(snapshot.warnings.join(' ')).toMatch(/no SAML identity provider/);
      },
    );
  });

  it('reads the demo organisation', async () => {
    const demo = loadGithubFixture(join(__dirname, '../../local/fixtures/github-demo.json'));
    await withFake(demo, async (fake) => {
      const { snapshot, requests } = await read(fake);
      expect(snapshot.groups.length).toBe(demo.teams.length);
      expect(snapshot.users.length).toBeGreaterThan(100);
      expect(members(snapshot, 'all-staff').length).toBeGreaterThan(100);
      expect(members(snapshot, 'engineering').length).toBeGreaterThan(30);
      expect(requests).toBe(2);
    });
  });
});

describe('token expiry', () => {
  it('returns the expiry header as ISO and warns when it is near', async () => {
    await withFake({ organisation: 'example-org', teams: [] }, async (fake) => {
      fake.tokenExpiration = '2026-12-01 10:00:00 UTC';
      const far = await readGithubSource({
        config: config(fake),
        secret: { kind: 'token', token: TOKEN },
        logger: quiet,
        retry: FAST,
        now: () => new Date('2026-01-01T00:00:00Z'),
      });
      expect(far.credentialExpiresAt).toBe('2026-12-01T10:00:00.000Z');
      expect(far.snapshot.fetchedAt).toBe('2026-01-01T00:00:00.000Z');
      expect(far.snapshot.warnings).toEqual([]);
      const near = await readGithubSource({
        config: config(fake),
        secret: { kind: 'token', token: TOKEN },
        logger: quiet,
        retry: FAST,
        now: () => new Date('2026-11-25T10:00:00Z'),
      });
      expect(near.snapshot.warnings).toEqual([
        expect.stringMatching(/expires at 2026-12-01T10:00:00.000Z \(in 6 days\).*github-secret/),
      ]);
    });
  });
});
