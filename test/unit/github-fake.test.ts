/** The fake GitHub's own rules: JWT checks, GraphQL paging limits and cursors, fixture validation. */
import { createSign, generateKeyPairSync } from 'node:crypto';
import { parseGithubFixture } from '../../local/github';
import { execute, parseQuery } from '../../local/github/graphql';
import { verifyAppJwt } from '../../local/github/jwt';
import { buildOrgGraph } from '../../local/github/org';

describe('verifyAppJwt', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const pub = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const sign = (payload: object, key = privateKey) => {
    const data = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(payload)}`;
    return `${data}.${createSign('RSA-SHA256').update(data).sign(key).toString('base64url')}`;
  };
  const now = Math.floor(Date.now() / 1000);

  it('accepts a JWT signed by the App key with iss = app id', () => {
    expect(verifyAppJwt(sign({ iss: 42, iat: now - 30, exp: now + 570 }), pub, '42')).toBeNull();
  });
  it('rejects other keys, other apps, expired and too-long tokens, garbage', () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    expect(verifyAppJwt(sign({ iss: 42, iat: now, exp: now + 60 }, other), pub, '42')).toMatch(
      /could not be decoded/,
    );
    expect(verifyAppJwt(sign({ iss: 43, iat: now, exp: now + 60 }), pub, '42')).toMatch(
      /could not be decoded/,
    );
    expect(verifyAppJwt(sign({ iss: 42, iat: now - 700, exp: now - 100 }), pub, '42')).toMatch(/'exp'/);
    expect(verifyAppJwt(sign({ iss: 42, iat: now, exp: now + 3600 }), pub, '42')).toMatch(
      /too far in the future/,
    );
    expect(verifyAppJwt('not.a.jwt', pub, '42')).toMatch(/could not be decoded/);
  });
});

describe('GraphQL over the organisation', () => {
  const fixture = parseGithubFixture({
    organisation: 'acme',
    teams: [
      { slug: 'parent', name: 'Parent', members: ['a', 'b', 'c'] },
      { slug: 'child', name: 'Child', parent: 'parent', members: ['C', 'd'] },
      { slug: 'grandchild', name: 'Grandchild', parent: 'child', members: ['e'] },
    ],
    users: [{ login: 'a', name: 'Ann A' }],
  });
  const graph = buildOrgGraph(fixture, () => undefined);
  const run = (q: string, vars: Record<string, unknown> = {}) => execute(parseQuery(q), graph.root, vars);

  it('pages members with first/after and honours IMMEDIATE vs ALL (deduped across child teams)', () => {
    const q = `query p($after: String, $m: TeamMembershipType!) { organization(login: "acme") {
      x: team(slug: "parent") { members(first: 2, after: $after, membership: $m) { pageInfo { hasNextPage endCursor } nodes { login name } totalCount } } } }`;
    type R = {
      organization: {
        x: {
          members: {
            pageInfo: { hasNextPage: boolean; endCursor: string };
            nodes: { login: string }[];
            totalCount: number;
          };
        };
      };
    };
    const logins: string[] = [];
    let after: string | null = null;
    for (;;) {
      const r = run(q, { after, m: 'ALL' }) as R;
      logins.push(...r.organization.x.members.nodes.map((n) => n.login));
      expect(r.organization.x.members.totalCount).toBe(5);
      if (!r.organization.x.members.pageInfo.hasNextPage) break;
      after = r.organization.x.members.pageInfo.endCursor;
    }
    expect(logins).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(graph.membersOf('child', 'IMMEDIATE')).toEqual(['C', 'd']);
    expect(graph.membersOf('child', 'ALL')).toEqual(['C', 'd', 'e']);
  });

  it('enforces GitHub paging limits and field names', () => {
    expect(() => run('{ organization(login: "acme") { teams(first: 101) { nodes { slug } } } }')).toThrow(
      /exceeds the `first` limit of 100/,
    );
    expect(() => run('{ organization(login: "acme") { teams { nodes { slug } } } }')).toThrow(
      /must provide a `first`/,
    );
    expect(() => run('{ organization(login: "acme") { teams(first: 1) { nodes { nope } } } }')).toThrow(
      /Field 'nope' doesn't exist on type 'Team'/,
    );
    expect(() => run('{ organization(login: "other") { login } }')).toThrow(
      /Could not resolve to an Organization/,
    );
    expect(() =>
      run('{ organization(login: "acme") { teams(first: 1, after: "bogus") { nodes { slug } } } }'),
    ).toThrow(/valid cursor/);
  });

  it('rejects fixtures with unknown parents, cycles or duplicate slugs', () => {
    const t = (slug: string, parent?: string) => ({
      slug,
      name: slug,
      members: [],
      ...(parent ? { parent } : {}),
    });
    expect(() => parseGithubFixture({ organisation: 'o', teams: [t('a', 'zz')] })).toThrow(/unknown parent/);
    expect(() => parseGithubFixture({ organisation: 'o', teams: [t('a', 'b'), t('b', 'a')] })).toThrow(
      /cycle/,
    );
    expect(() => parseGithubFixture({ organisation: 'o', teams: [t('a'), t('A')] })).toThrow(/duplicate/);
  });
});
