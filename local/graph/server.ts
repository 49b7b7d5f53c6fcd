/**
 * A fake Microsoft Graph v1.0 and Entra token endpoint on 127.0.0.1, for tests, benchmarks and
 * local runs. The real clients talk to it: @azure/msal-node gets its token from
 * `/{tenant}/oauth2/v2.0/token` (pointed there with `authorityMetadata`, because msal only accepts
 * an https authority), and the provider's fetch calls read `/v1.0/groups...` with the bearer token.
 *
 * Serves: /v1.0/groups ($filter=startswith(displayName,'...'), $select, $top, $count), /v1.0/groups/{id},
 * /v1.0/groups/{id}/members | transitiveMembers | owners, /v1.0/users, /v1.0/users/{id}; paging
 * through `@odata.nextLink` with an opaque $skiptoken; pages of min($top ?? 100, pageSize).
 * Switches: token errors (invalid_client AADSTS7000215, expired secret AADSTS7000222,
 * unauthorized_client AADSTS700016), 429 + Retry-After, 5xx on the Nth request or on a given page,
 * 401/403 on Graph calls, latency, and the application permissions with admin consent
 * (setConsentedPermissions): they go into the tokens' `roles` claim, and Graph answers as it does
 * without them: no roles at all is 401, a group route without a group permission and a user
 * route without a user permission are 403 Authorization_RequestDenied, and member listings
 * without a user permission carry only the members' ids (Graph leaves out the selected properties).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen, sendJson, sleep } from '../http';
import { type EntraFixture, parseEntraFixture } from './fixture';
import { canReadUsers, refusal } from './access';
import { decodeSkipToken, encodeSkipToken } from './paging';
import { type EntityKind, FakeTenant, GraphHttpError, parseFilter, parseSelect } from './tenant';
import {
  DEFAULT_ROLES,
  handleTokenRequest,
  openidConfiguration,
  type TokenEndpointState,
  type TokenFault,
} from './token-endpoint';

export type { TokenFault } from './token-endpoint';

export type GraphRoute = 'groups' | 'group' | 'members' | 'transitiveMembers' | 'owners' | 'users' | 'user';

export interface FakeGraphOptions {
  fixture: EntraFixture;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  latencyMs?: number;
  /** The largest page the server returns (default 999); a smaller $top is honoured. */
  pageSize?: number;
  port?: number;
}

export interface FakeGraphCounters {
  /** Token endpoint requests (successful or not). */
  token: number;
  /** Graph requests, all routes, including throttled and failed ones. */
  graph: number;
  byRoute: Record<GraphRoute, number>;
  throttled: number;
  failed: number;
  openidConfiguration: number;
}

export interface PageFault {
  route: GraphRoute;
  /** For group routes: only this group's pages. */
  groupId?: string;
  /** 1-based page number. */
  page: number;
  status?: number;
  /** How many times the page fails before it is served again (default: always). */
  times?: number;
}

export interface FakeGraph {
  /** Base URL: use it as both `graphUrl` and `authorityHost`. */
  url: string;
  tenantId: string;
  /** The https authority msal is given; never contacted. */
  authority: string;
  /** msal `authorityMetadata`: the token endpoint is this server's (http, local). */
  authorityMetadata: string;
  /** msal `knownAuthorities`, so msal does no cloud discovery. */
  knownAuthorities: string[];
  /** Live counters; see resetCounters(). */
  counters: FakeGraphCounters;
  resetCounters(): void;
  setLatency(ms: number): void;
  /** Every token request fails this way until cleared with null. */
  setTokenFault(fault: TokenFault | null): void;
  /** The next `n` Graph requests answer 429 with `Retry-After: retryAfterSeconds`. */
  throttleNext(n: number, retryAfterSeconds?: number): void;
  /** The `nth` Graph request from now (1-based) and the `times - 1` after it answer `status` (default 503). */
  failRequest(nth: number, opts?: { status?: number; times?: number }): void;
  /** A given page of a route answers `status` (default 503), `times` times (default always). */
  failPage(fault: PageFault): void;
  /** Every Graph request answers 401 (bad token) or 403 (missing permission) until cleared with null. */
  setGraphAuthFault(status: 401 | 403 | null): void;
  /** The tenant changes (a rename, a leaver): later requests see the new fixture. */
  setFixture(fixture: EntraFixture): void;
  /**
   * The application permissions granted admin consent (default GroupMember.Read.All, User.Read.All):
   * the `roles` of tokens issued from now on; [] is an app without admin consent.
   */
  setConsentedPermissions(roles: string[]): void;
  clearFaults(): void;
  close(): Promise<void>;
}

const MAX_TOP = 999;
const DEFAULT_TOP = 100;

const newCounters = (): FakeGraphCounters => ({
  token: 0,
  graph: 0,
  byRoute: { groups: 0, group: 0, members: 0, transitiveMembers: 0, owners: 0, users: 0, user: 0 },
  throttled: 0,
  failed: 0,
  openidConfiguration: 0,
});

export async function startFakeGraph(opts: FakeGraphOptions): Promise<FakeGraph> {
  let tenant = new FakeTenant(parseEntraFixture(opts.fixture));
  const maxPage = Math.min(Math.max(1, opts.pageSize ?? MAX_TOP), MAX_TOP);
  let latencyMs = opts.latencyMs ?? 0;
  const tokenState: TokenEndpointState = {
    base: '',
    tenantId: opts.tenantId,
    clientId: opts.clientId,
    clientSecret: opts.clientSecret,
    fault: null,
    roles: [...DEFAULT_ROLES],
    tokens: new Map<string, string[]>(),
  };
  const faults = {
    throttle: { left: 0, retryAfter: 1 },
    requests: [] as Array<{ from: number; to: number; status: number }>,
    pages: [] as Array<PageFault & { left: number }>,
    graphAuth: null as 401 | 403 | null,
  };
  let seq = 0; // Graph requests seen since start (faults by number count from here)
  let base = '';

  const g: FakeGraph = {
    url: '',
    tenantId: opts.tenantId,
    authority: '',
    authorityMetadata: '',
    knownAuthorities: [],
    counters: newCounters(),
    resetCounters: () => {
      g.counters = newCounters();
    },
    setLatency: (ms) => {
      latencyMs = ms;
    },
    setTokenFault: (f) => {
      tokenState.fault = f;
    },
    throttleNext: (n, retryAfterSeconds = 1) => {
      faults.throttle = { left: n, retryAfter: retryAfterSeconds };
    },
    failRequest: (nth, o = {}) => {
      faults.requests.push({ from: seq + nth, to: seq + nth + (o.times ?? 1) - 1, status: o.status ?? 503 });
    },
    failPage: (f) => {
      faults.pages.push({ ...f, left: f.times ?? Number.POSITIVE_INFINITY });
    },
    setGraphAuthFault: (s) => {
      faults.graphAuth = s;
    },
    setFixture: (fixture) => {
      tenant = new FakeTenant(parseEntraFixture(fixture));
    },
    setConsentedPermissions: (roles) => {
      tokenState.roles = [...roles];
    },
    clearFaults: () => {
      tokenState.fault = null;
      faults.throttle = { left: 0, retryAfter: 1 };
      faults.requests = [];
      faults.pages = [];
      faults.graphAuth = null;
    },
    close: async () => {},
  };

  const graphError = (res: ServerResponse, status: number, code: string, message: string, headers = {}) => {
    const date = new Date().toISOString().slice(0, 19);
    const innerError = { date, 'request-id': randomUUID(), 'client-request-id': randomUUID() };
    sendJson(res, status, { error: { code, message, innerError } }, headers);
  };

  /** One page of a collection; nextLink keeps the query and carries an opaque $skiptoken. */
  function page(
    url: URL,
    route: GraphRoute,
    groupId: string | undefined,
    all: Array<{ kind: EntityKind; id: string }>,
    /** Without a user permission Graph returns members' ids only. */
    usersIdsOnly = false,
  ) {
    const q = url.searchParams;
    const known = new Set(['$select', '$top', '$skiptoken', '$filter', '$count']);
    for (const k of q.keys()) {
      if (k.startsWith('$') && !known.has(k)) {
        throw new GraphHttpError(
          400,
          'Request_UnsupportedQuery',
          `The query parameter '${k}' is not supported.`,
        );
      }
    }
    const top = q.has('$top') ? Number(q.get('$top')) : DEFAULT_TOP;
    if (!Number.isInteger(top) || top < 1 || top > MAX_TOP) {
      throw new GraphHttpError(
        400,
        'Request_BadRequest',
        `Invalid page size specified: '${q.get('$top')}'. Must be between 1 and ${MAX_TOP} inclusive.`,
      );
    }
    const size = Math.min(top, maxPage);
    let offset = 0;
    const skip = q.get('$skiptoken');
    if (skip !== null) {
      const decoded = decodeSkipToken(skip);
      if (!decoded || decoded.r !== route || decoded.g !== (groupId ?? '')) {
        throw new GraphHttpError(
          400,
          'Directory_ExpiredPageToken',
          'The specified page token value has expired or is invalid.',
        );
      }
      offset = decoded.o;
    }
    const pageNo = Math.floor(offset / size) + 1;
    const pf = faults.pages.find(
      (f) =>
        f.left > 0 &&
        f.route === route &&
        f.page === pageNo &&
        (f.groupId === undefined || f.groupId === groupId),
    );
    if (pf) {
      pf.left--;
      g.counters.failed++;
      throw new GraphHttpError(
        pf.status ?? 503,
        'serviceNotAvailable',
        `Injected failure of page ${pageNo}.`,
      );
    }
    const kinds: EntityKind[] =
      route === 'groups' ? ['group'] : route === 'users' || route === 'owners' ? ['user'] : ['user', 'group'];
    const select = parseSelect(q.get('$select'), kinds);
    const typed = route !== 'groups' && route !== 'users';
    const value = all
      .slice(offset, offset + size)
      .map((e) =>
        usersIdsOnly && e.kind === 'user'
          ? { '@odata.type': '#microsoft.graph.user', id: e.id }
          : tenant.render(e, select, typed),
      );
    const out: Record<string, unknown> = {
      '@odata.context': `${base}/v1.0/$metadata#${route === 'users' ? 'users' : route === 'groups' ? 'groups' : 'directoryObjects'}`,
    };
    if (q.get('$count') === 'true') out['@odata.count'] = all.length;
    if (offset + size < all.length) {
      // Like Graph: the request's query as sent (with literal $), plus a $skiptoken.
      const kept = url.search
        .slice(1)
        .split('&')
        .filter((p) => p && !/^(\$|%24)skiptoken=/i.test(p));
      kept.push(`$skiptoken=${encodeSkipToken({ r: route, g: groupId ?? '', o: offset + size })}`);
      out['@odata.nextLink'] = `${base}${url.pathname}?${kept.join('&')}`;
    }
    out.value = value;
    return out;
  }

  function handleGraph(req: IncomingMessage, res: ServerResponse, url: URL) {
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const [version, collection, id, nav, ...rest] = parts;
    let route: GraphRoute | undefined;
    if (version === 'v1.0' && rest.length === 0) {
      if (collection === 'groups') {
        if (id === undefined) route = 'groups';
        else if (nav === undefined) route = 'group';
        else if (nav === 'members' || nav === 'transitiveMembers' || nav === 'owners') route = nav;
      } else if (collection === 'users' && nav === undefined) {
        route = id === undefined ? 'users' : 'user';
      }
    }
    g.counters.graph++;
    seq++;
    if (route) g.counters.byRoute[route]++;
    if (faults.graphAuth === 403) {
      return graphError(
        res,
        403,
        'Authorization_RequestDenied',
        'Insufficient privileges to complete the operation.',
      );
    }
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (faults.graphAuth === 401 || !tokenState.tokens.has(token)) {
      const msg = token ? 'Access token validation failure. Invalid audience.' : 'Access token is empty.';
      return graphError(res, 401, 'InvalidAuthenticationToken', msg);
    }
    const roles = tokenState.tokens.get(token) ?? [];
    const refused = refusal(roles, route);
    if (refused) return graphError(res, refused.status, refused.code, refused.message);
    const usersIdsOnly = !canReadUsers(roles);
    if (faults.throttle.left > 0) {
      faults.throttle.left--;
      g.counters.throttled++;
      const retryAfter = String(faults.throttle.retryAfter);
      return graphError(res, 429, 'TooManyRequests', 'Too many requests.', { 'retry-after': retryAfter });
    }
    const rf = faults.requests.find((f) => seq >= f.from && seq <= f.to);
    if (rf) {
      g.counters.failed++;
      return graphError(res, rf.status, 'serviceNotAvailable', `Injected failure of request ${seq}.`);
    }
    if (req.method !== 'GET') return graphError(res, 405, 'Request_BadRequest', 'Only GET is served.');
    if (!route) return graphError(res, 404, 'Request_ResourceNotFound', `No route for ${url.pathname}.`);
    if (url.searchParams.has('$count') && req.headers.consistencylevel !== 'eventual') {
      throw new GraphHttpError(
        400,
        'Request_BadRequest',
        '$count requires the ConsistencyLevel: eventual header.',
      );
    }
    const q = url.searchParams;
    switch (route) {
      case 'groups': {
        const keep = parseFilter(q.get('$filter'));
        const all = [...tenant.groups.values()].filter((x) => !keep || keep(x.displayName));
        return sendJson(
          res,
          200,
          page(
            url,
            route,
            undefined,
            all.map((x) => ({ kind: 'group' as const, id: x.id })),
          ),
        );
      }
      case 'users': {
        const keep = parseFilter(q.get('$filter'));
        const all = [...tenant.users.values()].filter((x) => !keep || keep(x.displayName ?? ''));
        return sendJson(
          res,
          200,
          page(
            url,
            route,
            undefined,
            all.map((x) => ({ kind: 'user' as const, id: x.id })),
          ),
        );
      }
      case 'group':
        tenant.group(id as string);
        return sendJson(
          res,
          200,
          tenant.render({ kind: 'group', id: id as string }, parseSelect(q.get('$select'), ['group']), false),
        );
      case 'user':
        if (!tenant.users.has(id as string))
          throw new GraphHttpError(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist.`);
        return sendJson(
          res,
          200,
          tenant.render({ kind: 'user', id: id as string }, parseSelect(q.get('$select'), ['user']), false),
        );
      case 'members':
        return sendJson(res, 200, page(url, route, id, tenant.members(id as string), usersIdsOnly));
      case 'transitiveMembers':
        return sendJson(res, 200, page(url, route, id, tenant.transitiveMembers(id as string), usersIdsOnly));
      case 'owners':
        return sendJson(res, 200, page(url, route, id, tenant.owners(id as string), usersIdsOnly));
    }
  }

  const server = await listen(
    async (req, res, body) => {
      if (latencyMs > 0) await sleep(latencyMs);
      const url = new URL(req.url ?? '/', base);
      const segs = url.pathname.split('/').filter(Boolean);
      try {
        if (
          req.method === 'POST' &&
          segs.length === 4 &&
          segs[1] === 'oauth2' &&
          segs[2] === 'v2.0' &&
          segs[3] === 'token'
        ) {
          g.counters.token++;
          return handleTokenRequest(res, tokenState, segs[0] ?? '', body);
        }
        if (req.method === 'GET' && segs[1] === 'v2.0' && segs[2] === '.well-known') {
          g.counters.openidConfiguration++;
          return sendJson(res, 200, openidConfiguration(base, segs[0] ?? ''));
        }
        return handleGraph(req, res, url);
      } catch (err) {
        if (err instanceof GraphHttpError) return graphError(res, err.status, err.code, err.message);
        throw err;
      }
    },
    { port: opts.port },
  );
  base = server.url;
  tokenState.base = base;
  const host = new URL(base).host;
  g.url = base;
  g.authority = `https://${host}/${opts.tenantId}`;
  g.authorityMetadata = JSON.stringify(openidConfiguration(base, opts.tenantId));
  g.knownAuthorities = [host];
  g.close = () => server.close();
  return g;
}
