/**
 * The fake Microsoft Graph itself, over raw HTTP: the token endpoint checks client credentials, Graph
 * checks the bearer token, and the OData subset behaves like Graph (so provider bugs show up).
 */
import { type EntraFixture, type FakeGraph, parseEntraFixture, startFakeGraph } from '../../local/graph';

const TENANT = '0f0e0d0c-1111-4222-8333-444455556666';
const CLIENT = 'c11e0000-aaaa-4bbb-8ccc-dddddddddddd';
const SECRET = 'fake-graph-test-secret';

const FIXTURE: EntraFixture = {
  users: [
    { id: 'u1', userPrincipalName: 'a@example.com', givenName: 'A', surname: 'One', displayName: 'A One' },
    { id: 'u2', userPrincipalName: 'b@example.com', givenName: 'B', surname: 'Two', displayName: 'B Two' },
    {
      id: 'u3',
      userPrincipalName: 'c@example.com',
      givenName: 'C',
      surname: 'Three',
      displayName: 'C Three',
    },
    {
      id: 'u4',
      userPrincipalName: 'd@example.com',
      givenName: 'D',
      surname: 'Four',
      displayName: 'D Four',
      accountEnabled: false,
    },
  ],
  groups: [
    { id: 'g1', displayName: 'azure-aws-sso-one', members: ['u1', 'g2'], owners: ['u3'] },
    { id: 'g2', displayName: 'nested', members: ['u2', 'u1', 'g3'] },
    { id: 'g3', displayName: "Azure-AWS-SSO-o'brien", members: ['u4', 'g1'] },
    { id: 'g4', displayName: 'other', members: [] },
  ],
};

let f: FakeGraph;
let token = '';
beforeAll(async () => {
  f = await startFakeGraph({
    fixture: FIXTURE,
    tenantId: TENANT,
    clientId: CLIENT,
    clientSecret: SECRET,
    pageSize: 2,
  });
});
afterAll(() => f.close());

async function tokenRequest(form: Record<string, string>, tenant = TENANT) {
  const res = await fetch(`${f.url}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const good = () => ({
  client_id: CLIENT,
  client_secret: SECRET,
  grant_type: 'client_credentials',
  scope: `${f.url}/.default`,
});

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(path.startsWith('http') ? path : `${f.url}/v1.0${path}`, {
    headers: { authorization: `Bearer ${token}`, ...headers },
  });
  return {
    status: res.status,
    body: (await res.json()) as { value?: Array<Record<string, unknown>>; [k: string]: unknown },
  };
}

async function all(path: string): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  let next: string | undefined = path;
  while (next) {
    const r = await get(next);
    expect(r.status).toBe(200);
    out.push(...(r.body.value ?? []));
    next = r.body['@odata.nextLink'] as string | undefined;
  }
  return out;
}

describe('token endpoint', () => {
  it('issues a token for the right client credentials only', async () => {
    const ok = await tokenRequest(good());
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ token_type: 'Bearer', expires_in: 3599 });
    token = ok.body.access_token as string;
    const cases: Array<[Record<string, string>, number, string, number]> = [
      [{ ...good(), client_secret: 'wrong' }, 401, 'invalid_client', 7000215],
      [{ ...good(), client_id: 'someone-else' }, 400, 'unauthorized_client', 700016],
      [{ ...good(), grant_type: 'password' }, 400, 'unsupported_grant_type', 70003],
      [{ ...good(), scope: 'https://graph.microsoft.com/.default' }, 400, 'invalid_scope', 1002012],
    ];
    for (const [form, status, error, code] of cases) {
      const r = await tokenRequest(form);
      expect([r.status, r.body.error, r.body.error_codes]).toEqual([status, error, [code]]);
      expect(r.body.error_description).toMatch(new RegExp(`^AADSTS${code}: `));
    }
    expect((await tokenRequest(good(), 'another-tenant')).body.error_codes).toEqual([90002]);
    f.setTokenFault('expired_secret');
    expect((await tokenRequest(good())).body.error_codes).toEqual([7000222]);
    f.setTokenFault(null);
  });

  it('serves msal an https authority whose metadata points at the local token endpoint', () => {
    const meta = JSON.parse(f.authorityMetadata) as Record<string, string>;
    expect(f.authority).toMatch(/^https:\/\/127\.0\.0\.1:\d+\//);
    expect(meta.token_endpoint).toBe(`${f.url}/${TENANT}/oauth2/v2.0/token`);
    expect(meta.issuer).toBe(`${f.authority}/v2.0`);
  });
});

describe('Graph', () => {
  it('requires a bearer token it issued', async () => {
    const r = await fetch(`${f.url}/v1.0/groups`, { headers: { authorization: 'Bearer forged' } });
    expect(r.status).toBe(401);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('InvalidAuthenticationToken');
  });

  it('filters with startswith ignoring case, quotes doubled, and pages with opaque skip tokens', async () => {
    const groups = await all(
      `/groups?$filter=${encodeURIComponent("startswith(displayName,'AZURE-aws-sso-')")}&$top=999`,
    );
    expect(groups.map((g) => g.displayName)).toEqual(['azure-aws-sso-one', "Azure-AWS-SSO-o'brien"]);
    const quoted = await get(
      `/groups?$filter=${encodeURIComponent("startswith(displayName,'azure-aws-sso-o''b')")}`,
    );
    expect(quoted.body.value?.map((g) => g.id)).toEqual(['g3']);
    const first = await get('/users?$top=3');
    expect(first.body.value).toHaveLength(2); // the server's page size caps $top
    expect(String(first.body['@odata.nextLink'])).toMatch(/\$skiptoken=[A-Za-z0-9_-]+/);
    expect((await get('/users?$skiptoken=forged')).status).toBe(400);
    expect((await get('/groups?$top=1000')).status).toBe(400);
    expect((await get(`/groups?$filter=${encodeURIComponent("displayName eq 'x'")}`)).status).toBe(400);
    expect((await get('/groups?$orderby=displayName')).status).toBe(400);
  });

  it('returns default properties without $select (accountEnabled only when selected)', async () => {
    const users = await all('/users');
    expect(users).toHaveLength(4);
    expect(users[3]).not.toHaveProperty('accountEnabled');
    const sel = await all('/users?$select=id,accountEnabled');
    expect(sel[3]).toEqual({ id: 'u4', accountEnabled: false });
    expect((await get('/users?$select=nope')).status).toBe(400);
  });

  it('expands transitive members cycle-safe and deduplicated, nested groups included', async () => {
    const t = await all('/groups/g1/transitiveMembers?$select=id,userPrincipalName');
    expect(t.map((m) => [m['@odata.type'], m.id])).toEqual([
      ['#microsoft.graph.user', 'u1'],
      ['#microsoft.graph.group', 'g2'],
      ['#microsoft.graph.user', 'u2'],
      ['#microsoft.graph.group', 'g3'],
      ['#microsoft.graph.user', 'u4'],
    ]);
    expect(t[1]).toEqual({ '@odata.type': '#microsoft.graph.group', id: 'g2' });
    const direct = await all('/groups/g1/members');
    expect(direct.map((m) => m.id)).toEqual(['u1', 'g2']);
    const owners = await all('/groups/g1/owners?$select=userPrincipalName');
    expect(owners).toEqual([
      { '@odata.type': '#microsoft.graph.user', id: 'u3', userPrincipalName: 'c@example.com' },
    ]);
    expect((await get('/groups/nope/members')).status).toBe(404);
  });

  it('counts only with ConsistencyLevel: eventual', async () => {
    expect((await get('/groups?$count=true')).status).toBe(400);
    const counted = await get('/groups?$count=true', { consistencylevel: 'eventual' });
    expect(counted.body['@odata.count']).toBe(4);
  });

  it('answers 429 with Retry-After, and 503 on a given page or request', async () => {
    f.throttleNext(1, 7);
    const r = await fetch(`${f.url}/v1.0/groups`, { headers: { authorization: `Bearer ${token}` } });
    expect([r.status, r.headers.get('retry-after')]).toEqual([429, '7']);
    f.failPage({ route: 'users', page: 2, times: 1 });
    const p1 = await get('/users');
    const next = String(p1.body['@odata.nextLink']);
    expect((await get(next)).status).toBe(503);
    expect((await get(next)).status).toBe(200);
    f.failRequest(1);
    expect((await get('/users')).status).toBe(503);
    expect((await get('/users')).status).toBe(200);
  });
});

describe('fixture schema', () => {
  it('rejects unknown members, owners that are not users, and duplicate ids', () => {
    const bad = {
      users: [{ id: 'u1', userPrincipalName: 'a@x' }],
      groups: [
        { id: 'g1', displayName: 'x', members: ['missing'], owners: ['g1'] },
        { id: 'u1', displayName: 'y', members: [] },
      ],
    };
    expect(() => parseEntraFixture(bad)).toThrow(/unknown member id missing/);
    expect(() => parseEntraFixture(bad)).toThrow(/owner g1 is not a user/);
    expect(() => parseEntraFixture(bad)).toThrow(/duplicate id u1/);
    expect(() => parseEntraFixture(FIXTURE)).not.toThrow();
  });
});
