/**
 * A fake GitHub API on 127.0.0.1 for the provider's tests, benchmarks and local runs.
 *
 * - POST /graphql: the organisation's teams, team members (IMMEDIATE / ALL, from the fixture's
 *   parent/child teams) and SAML external identities, interpreted by ./graphql over ./org.
 * - POST /app/installations/:id/access_tokens: the GitHub App flow; the `Bearer` JWT is verified
 *   (RS256 against the App's public key, iss = app id, exp in the future, at most 10 minutes).
 * - GET /user (the token's owner) and GET /orgs/:org (the organisation), for `scim-sync doctor`.
 * - `authorization: token|bearer <token>` is checked on every other request.
 *
 * Switches (plain properties, settable at any time): failWith401, failWith403, rateLimit, failPage,
 * graphqlErrors, tokenExpiration, latencyMs, and `access` (a classic token's scopes, a fine-grained
 * token's or the App's permissions, SAML enforcement: ./access). Counters by kind:
 * `graphql:<operation name>` or `<METHOD> <route>`.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen, sendJson, sleep } from '../http';
import { type GithubFixture, parseGithubFixture } from './fixture';
import { execute, GraphqlError, parseQuery } from './graphql';
import { type AccessSwitches, graphqlRefusal, SAML_DOCS, SAML_MESSAGE, ssoHeader } from './access';
import { verifyAppJwt } from './jwt';
import { buildOrgGraph, type PageHook } from './org';

export interface FakeGithubApp {
  appId: string | number;
  installationId: string | number;
  publicKeyPem: string;
}

export interface FakeGithubOptions {
  fixture: GithubFixture;
  /** The personal access token accepted. With neither token nor app, any token is accepted. */
  token?: string;
  app?: FakeGithubApp;
  latencyMs?: number;
  port?: number;
}

/**
 * Rate limiting for the next `count` requests: 'secondary' answers `status` with retry-after and
 * GitHub's "secondary rate limit" message; 'primary' answers `status` with x-ratelimit-remaining 0
 * and x-ratelimit-reset; 'graphql' answers 200 with a RATE_LIMITED GraphQL error (as GitHub does).
 */
export interface RateLimitSwitch {
  kind: 'secondary' | 'primary' | 'graphql';
  status?: 403 | 429;
  count: number;
  retryAfterSeconds?: number;
  resetInSeconds?: number;
}

/**
 * 502 Bad Gateway on: GraphQL requests number `graphqlRequest` .. + `count` - 1 (1-based, counted
 * since start or resetCounters); or every request for page `teamsPage` of organization.teams; or
 * every request for member page `page` (default 2, the first not served inline) of team `team`.
 */
export type FailPageSwitch =
  | { graphqlRequest: number; count?: number }
  | { teamsPage: number }
  | { team: string; page?: number };

export interface FakeGithub {
  url: string;
  close(): Promise<void>;
  /** Requests by kind: `graphql:<operation name>` or `<METHOD> <route>`. */
  counts: Record<string, number>;
  total(): number;
  graphqlRequests(): number;
  resetCounters(): void;
  /** Installation tokens issued so far. */
  issuedTokens: string[];
  failWith401: boolean;
  /** Every request answers 403 with this message (a token without the needed scope), until unset. */
  failWith403?: string;
  rateLimit?: RateLimitSwitch;
  failPage?: FailPageSwitch;
  /** The next `count` (default 1) GraphQL responses carry these errors and no data. */
  graphqlErrors?: { errors: { type?: string; message: string }[]; count?: number };
  /** Sent as `github-authentication-token-expiration` on responses to personal-token requests. */
  tokenExpiration?: string;
  /** What the credential may see (scopes, permissions, SAML SSO): see ./access. */
  access: AccessSwitches;
  /** The login GET /user answers for the personal token. */
  tokenOwner: string;
  latencyMs: number;
  /** The organisation changes (a rename, a leaver): later requests see the new fixture. */
  setFixture(fixture: GithubFixture): void;
}

class PageFault extends Error {}

/** The operation name of a GraphQL request body, for the counters ('anonymous' or 'invalid' otherwise). */
function operationName(body: Buffer): string {
  try {
    const q = (JSON.parse(body.toString('utf8')) as { query?: unknown }).query;
    return /^\s*query\s+([_A-Za-z][_A-Za-z0-9]*)/.exec(String(q ?? ''))?.[1] ?? 'anonymous';
  } catch {
    return 'invalid';
  }
}

const INSTALLATION_TOKEN_TTL_MS = 3600_000;

export async function startFakeGithub(opts: FakeGithubOptions): Promise<FakeGithub> {
  const installationTokens = new Map<string, number>(); // token -> expiry (ms)
  let graphqlCount = 0;
  let remaining = 5000;

  const fake: FakeGithub = {
    url: '',
    close: async () => undefined,
    counts: {},
    total: () => Object.values(fake.counts).reduce((a, b) => a + b, 0),
    graphqlRequests: () => graphqlCount,
    resetCounters: () => {
      fake.counts = {};
      graphqlCount = 0;
    },
    issuedTokens: [],
    failWith401: false,
    access: {},
    tokenOwner: 'scim-sync-bot',
    latencyMs: opts.latencyMs ?? 0,
    setFixture: (fixture) => {
      graph = buildOrgGraph(parseGithubFixture(fixture), hook);
    },
  };

  const hook: PageHook = (p) => {
    const f = fake.failPage;
    if (!f) return;
    if ('teamsPage' in f && p.connection === 'teams' && p.page === f.teamsPage) {
      throw new PageFault(`teams page ${p.page}`);
    }
    if ('team' in f && p.connection === 'members' && p.team === f.team && p.page === (f.page ?? 2)) {
      throw new PageFault(`members page ${p.page} of ${p.team}`);
    }
  };
  let graph = buildOrgGraph(parseGithubFixture(opts.fixture), hook);

  const count = (kind: string) => {
    fake.counts[kind] = (fake.counts[kind] ?? 0) + 1;
  };

  const baseHeaders = (): Record<string, string> => ({
    date: new Date().toUTCString(),
    'x-github-request-id': randomBytes(8).toString('hex').toUpperCase(),
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': String(Math.max(0, remaining)),
    'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
    'x-ratelimit-used': String(5000 - remaining),
    'x-ratelimit-resource': 'graphql',
  });

  /** Answers a rate-limit response if the switch is on; returns true when it did. */
  const rateLimited = (res: ServerResponse): boolean => {
    const rl = fake.rateLimit;
    if (!rl || rl.count <= 0) return false;
    rl.count--;
    if (rl.count <= 0) fake.rateLimit = undefined;
    const h = baseHeaders();
    if (rl.kind === 'secondary') {
      h['retry-after'] = String(rl.retryAfterSeconds ?? 1);
      sendJson(
        res,
        rl.status ?? 403,
        {
          message:
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
          documentation_url:
            'https://docs.github.com/graphql/overview/rate-limits-and-node-limits-for-the-graphql-api',
        },
        h,
      );
      return true;
    }
    h['x-ratelimit-remaining'] = '0';
    h['x-ratelimit-reset'] = String(Math.ceil(Date.now() / 1000) + (rl.resetInSeconds ?? 1));
    if (rl.kind === 'graphql') {
      sendJson(
        res,
        200,
        { errors: [{ type: 'RATE_LIMITED', message: 'API rate limit exceeded for user ID 1.' }] },
        h,
      );
    } else {
      sendJson(res, rl.status ?? 403, { message: 'API rate limit exceeded for user ID 1.' }, h);
    }
    return true;
  };

  const unauthorized = (res: ServerResponse, message = 'Bad credentials') =>
    sendJson(
      res,
      401,
      { message, documentation_url: 'https://docs.github.com/rest', status: '401' },
      baseHeaders(),
    );

  /** Checks a token request's credentials: 'pat', 'installation', or null (rejected). */
  const authenticate = (req: IncomingMessage): 'pat' | 'installation' | null => {
    const m = /^(token|bearer)\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const token = m?.[2];
    if (!token) return null;
    const exp = installationTokens.get(token);
    if (exp !== undefined) return exp > Date.now() ? 'installation' : null;
    if (opts.token !== undefined) return token === opts.token ? 'pat' : null;
    return opts.app ? null : 'pat';
  };

  const handleAccessToken = (req: IncomingMessage, res: ServerResponse, installationId: string) => {
    const m = /^bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!opts.app || !m?.[1]) return unauthorized(res, 'A JSON web token could not be decoded');
    const problem = verifyAppJwt(m[1], opts.app.publicKeyPem, String(opts.app.appId));
    if (problem) return unauthorized(res, problem);
    if (installationId !== String(opts.app.installationId)) {
      return sendJson(res, 404, {
        message: 'Not Found',
        documentation_url: 'https://docs.github.com/rest',
        status: '404',
      });
    }
    const token = `ghs_${randomBytes(18).toString('base64url')}`;
    const expires = Date.now() + INSTALLATION_TOKEN_TTL_MS;
    installationTokens.set(token, expires);
    fake.issuedTokens.push(token);
    sendJson(
      res,
      201,
      {
        token,
        expires_at: new Date(expires).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        permissions: fake.access.permissions ?? { members: 'read', metadata: 'read' },
        repository_selection: 'all',
      },
      baseHeaders(),
    );
  };

  /** Headers of an answer to an authenticated request: the token's expiry and scopes, as GitHub sends them. */
  const authHeaders = (authKind: 'pat' | 'installation') => {
    const headers = baseHeaders();
    if (authKind === 'pat' && fake.tokenExpiration)
      headers['github-authentication-token-expiration'] = fake.tokenExpiration;
    if (authKind === 'pat' && fake.access.scopes) headers['x-oauth-scopes'] = fake.access.scopes.join(', ');
    return headers;
  };

  const handleRest = (res: ServerResponse, path: string, authKind: 'pat' | 'installation') => {
    const headers = authHeaders(authKind);
    if (path === '/user') {
      if (authKind === 'installation')
        return sendJson(res, 403, { message: 'Resource not accessible by integration' }, headers);
      return sendJson(res, 200, { login: fake.tokenOwner, id: 1, type: 'User' }, headers);
    }
    const org = /^\/orgs\/([^/]+)$/.exec(path)?.[1];
    if (org !== undefined) {
      if (decodeURIComponent(org).toLowerCase() !== opts.fixture.organisation.toLowerCase())
        return sendJson(
          res,
          404,
          { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' },
          headers,
        );
      if (authKind === 'pat' && fake.access.samlEnforced) {
        headers['x-github-sso'] = ssoHeader(opts.fixture.organisation);
        return sendJson(res, 403, { message: SAML_MESSAGE, documentation_url: SAML_DOCS }, headers);
      }
      return sendJson(res, 200, { login: opts.fixture.organisation, id: 1, type: 'Organization' }, headers);
    }
    return sendJson(
      res,
      404,
      { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' },
      headers,
    );
  };

  const handleGraphql = (res: ServerResponse, body: Buffer, authKind: 'pat' | 'installation') => {
    const headers = authHeaders(authKind);
    let parsed: { query?: unknown; variables?: unknown };
    try {
      parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
    } catch {
      return sendJson(res, 400, { message: 'Problems parsing JSON' }, headers);
    }
    let op: ReturnType<typeof parseQuery>;
    try {
      op = parseQuery(String(parsed.query ?? ''));
    } catch (e) {
      return sendJson(
        res,
        200,
        { errors: [{ type: 'PARSE_ERROR', message: (e as Error).message }] },
        headers,
      );
    }
    const f = fake.failPage;
    if (
      f &&
      'graphqlRequest' in f &&
      graphqlCount >= f.graphqlRequest &&
      graphqlCount < f.graphqlRequest + (f.count ?? 1)
    ) {
      return sendJson(res, 502, { message: 'Server Error' }, headers);
    }
    const refused = graphqlRefusal(String(parsed.query ?? ''), authKind, fake.access);
    if (refused)
      return sendJson(res, 200, { data: null, errors: refused.errors }, { ...headers, ...refused.headers });
    const ge = fake.graphqlErrors;
    if (ge) {
      const left = (ge.count ?? 1) - 1;
      fake.graphqlErrors = left > 0 ? { ...ge, count: left } : undefined;
      return sendJson(res, 200, { data: null, errors: ge.errors }, headers);
    }
    remaining--;
    try {
      const vars = (parsed.variables ?? {}) as Record<string, unknown>;
      const data = execute(op, graph.root, vars);
      sendJson(res, 200, { data }, headers);
    } catch (e) {
      if (e instanceof PageFault) return sendJson(res, 502, { message: 'Server Error' }, headers);
      if (e instanceof GraphqlError) {
        return sendJson(
          res,
          200,
          { data: null, errors: [{ type: e.type, path: e.path, message: e.message }] },
          headers,
        );
      }
      throw e;
    }
  };

  const server = await listen(
    async (req, res, body) => {
      if (fake.latencyMs > 0) await sleep(fake.latencyMs);
      const url = new URL(req.url ?? '/', 'http://localhost');
      const method = req.method ?? 'GET';
      const tokenRoute = /^\/app\/installations\/([^/]+)\/access_tokens$/.exec(url.pathname);
      const isGraphql = method === 'POST' && url.pathname === '/graphql';
      if (isGraphql) {
        graphqlCount++;
        count(`graphql:${operationName(body)}`);
      } else {
        count(tokenRoute ? `${method} /app/installations/:id/access_tokens` : `${method} ${url.pathname}`);
      }
      if (fake.failWith401) return unauthorized(res);
      if (fake.failWith403) {
        return sendJson(
          res,
          403,
          { message: fake.failWith403, documentation_url: 'https://docs.github.com/rest' },
          baseHeaders(),
        );
      }
      if (rateLimited(res)) return;
      if (tokenRoute && method === 'POST')
        return handleAccessToken(req, res, decodeURIComponent(tokenRoute[1] ?? ''));
      const authKind = authenticate(req);
      if (!authKind) {
        return unauthorized(res, req.headers.authorization ? 'Bad credentials' : 'Requires authentication');
      }
      if (isGraphql) return handleGraphql(res, body, authKind);
      if (method === 'GET') return handleRest(res, url.pathname, authKind);
      sendJson(
        res,
        404,
        { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' },
        baseHeaders(),
      );
    },
    { port: opts.port },
  );
  fake.url = server.url;
  fake.close = server.close;
  return fake;
}
