/**
 * Reads the Entra ID side of the sync: the groups whose displayName starts with groupPrefix, their
 * members (transitively when nestedGroups) and owners (when includeOwners), as a SourceSnapshot.
 *
 * Requests: one token; ceil(groups / 999) group pages; per group ceil(members / 999) member pages
 * (+ owner pages). Users come with the member listings ($select), so there are no user reads.
 * All or nothing: any page that fails after retries fails the read (SourceReadError), because a
 * partial source would turn into deletions.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { EntraConfig } from '../../core/config';
import { describeIssues, SnapshotInvalidError, SourceAuthError, SourceReadError } from '../../core/errors';
import {
  nameKey,
  type SourceGroup,
  type SourceSnapshot,
  SourceSnapshotSchema,
  type SourceUser,
} from '../../core/model';
import { HOLDING_GROUP_ID } from '../../core/ownership';
import { GRAPH_PERMISSIONS, GraphClient, odataString, query } from './graph';
import { type RetryOptions, resolveRetry } from './http';
import {
  GRAPH_USER_TYPE,
  GROUP_SELECT,
  type GraphGroup,
  GraphDirectoryObjectSchema,
  GraphGroupSchema,
  type GraphUser,
  GraphUserSchema,
  toSourceUser,
  USER_SELECT,
} from './mapping';
import { type EntraSecret, redact } from './secret';
import { type EntraAuthorityOverride, EntraTokenSource } from './token';

const PAGE = 999;

export interface ReadEntraSourceOptions {
  config: EntraConfig;
  secret: EntraSecret;
  logger?: Logger;
  now?: () => Date;
  retry?: RetryOptions;
  /** msal authority override (local stand-ins, tests); production leaves it unset and uses discovery. */
  authority?: EntraAuthorityOverride;
  /** Groups read at the same time (default 8). */
  concurrency?: number;
  /** The snapshot warns when the client secret expires within this many days (default 30). */
  expiryWarningDays?: number;
}

export interface EntraSourceResult {
  snapshot: SourceSnapshot;
  /** The client secret's expiry, when the secret records it. */
  credentialExpiresAt?: string;
  /** Microsoft Graph HTTP requests (retries included). */
  requests: number;
  /** Token endpoint requests (1 on a normal run). */
  tokenRequests: number;
}

interface Membership {
  group: GraphGroup;
  users: GraphUser[];
}

export async function readEntraSource(opts: ReadEntraSourceOptions): Promise<EntraSourceResult> {
  const { config, secret, logger } = opts;
  const now = opts.now ?? (() => new Date());
  const started = Date.now();
  const retry = resolveRetry(opts.retry);
  const abort = new AbortController();
  const tokens = new EntraTokenSource({
    secret,
    graphUrl: config.graphUrl,
    authorityHost: config.authorityHost,
    authorityOverride: opts.authority,
    retry,
    logger,
    signal: abort.signal,
  });
  const graph = new GraphClient({
    graphUrl: config.graphUrl,
    token: () => tokens.token(),
    retry,
    logger,
    signal: abort.signal,
  });
  const fetchedAt = now().toISOString();
  try {
    await tokens.token();
    const groups = await readGroups(graph, config.groupPrefix);
    const memberships = await mapLimit(groups, opts.concurrency ?? 8, abort, (g) =>
      readMembers(graph, config, g),
    );
    const built = buildSnapshot(config, memberships, fetchedAt);
    const warnings = [
      ...built.warnings,
      ...expiryWarnings(secret, config, now(), opts.expiryWarningDays ?? 30),
    ];
    const parsed = SourceSnapshotSchema.safeParse({ ...built.snapshot, warnings });
    if (!parsed.success) {
      throw new SnapshotInvalidError(
        `the Entra ID snapshot is invalid: ${describeIssues(parsed.error.issues)}`,
      );
    }
    const snapshot = parsed.data;
    logger?.info('Entra ID source read', {
      groups: snapshot.groups.length,
      users: snapshot.users.length,
      memberships: snapshot.groups.reduce((n, g) => n + g.members.length, 0),
      disabledUsersExcluded: built.disabled,
      nestedGroups: config.nestedGroups,
      includeOwners: config.includeOwners,
      graphRequests: graph.requests,
      graphRetries: graph.retries,
      tokenRequests: tokens.tokenRequests,
      warnings: snapshot.warnings.length,
      ms: Date.now() - started,
    });
    logger?.debug('Entra ID groups read', {
      groups: snapshot.groups.map((g) => ({ displayName: g.displayName, members: g.members.length })),
    });
    for (const w of snapshot.warnings) logger?.warn(w);
    return {
      snapshot,
      ...(secret.clientSecretExpiresAt ? { credentialExpiresAt: secret.clientSecretExpiresAt } : {}),
      requests: graph.requests,
      tokenRequests: tokens.tokenRequests,
    };
  } catch (err) {
    abort.abort(new Error('the Entra ID read failed'));
    const e = err instanceof Error ? err : new Error(String(err));
    logger?.error('Entra ID source read failed', {
      error: e.name,
      reason: redact(e.message, secret),
      graphRequests: graph.requests,
      tokenRequests: tokens.tokenRequests,
    });
    if (e instanceof SourceReadError || e instanceof SourceAuthError || e instanceof SnapshotInvalidError)
      throw e;
    if (e.name === 'ConfigError') throw e;
    throw new SourceReadError(`reading Entra ID failed: ${redact(e.message, secret)}`);
  }
}

/** The prefixed groups (Graph's startswith ignores case, and so does the check here). */
async function readGroups(graph: GraphClient, prefix: string): Promise<GraphGroup[]> {
  const q = query({
    $filter: `startswith(displayName,${odataString(prefix)})`,
    $select: GROUP_SELECT.join(','),
    $top: PAGE,
  });
  const raw = await graph.list(`/groups${q}`, `groups starting with ${prefix}`);
  const groups: GraphGroup[] = [];
  for (const item of raw) {
    const r = GraphGroupSchema.safeParse(item);
    if (!r.success) throw new SourceReadError('Microsoft Graph returned a group without id or displayName');
    if (nameKey(r.data.displayName).startsWith(nameKey(prefix))) groups.push(r.data);
  }
  // Groups whose names differ only by case stay apart (by id): the planner reports them as
  // conflicts and syncs the rest of the tenant.
  return groups;
}

async function readMembers(graph: GraphClient, config: EntraConfig, group: GraphGroup): Promise<Membership> {
  const q = query({ $select: USER_SELECT.join(','), $top: PAGE });
  const id = encodeURIComponent(group.id);
  const nav = config.nestedGroups ? 'transitiveMembers' : 'members';
  const members = await graph.list(`/groups/${id}/${nav}${q}`, `members of group ${group.displayName}`);
  const owners = config.includeOwners
    ? await graph.list(`/groups/${id}/owners${q}`, `owners of group ${group.displayName}`)
    : [];
  const users: GraphUser[] = [];
  for (const item of [...members, ...owners]) {
    const obj = GraphDirectoryObjectSchema.safeParse(item);
    if (!obj.success)
      throw new SourceReadError(
        `Microsoft Graph returned an object without id in group ${group.displayName}`,
      );
    if (obj.data['@odata.type'] !== GRAPH_USER_TYPE) continue; // nested groups, devices, service principals
    const u = GraphUserSchema.safeParse(item);
    if (!u.success) {
      // Without User.Read.All, Graph leaves out the properties we select.
      throw new SourceAuthError(
        `Microsoft Graph did not return userPrincipalName and accountEnabled for user ${obj.data.id} in group ${group.displayName}. What to do: grant the app registration the Microsoft Graph application permissions ${GRAPH_PERMISSIONS} and grant admin consent`,
      );
    }
    users.push(u.data);
  }
  return { group, users };
}

/**
 * The snapshot: every enabled user met in a group (by object id), every prefixed group (by object
 * id, so two groups whose names differ only by case stay two, for the planner to report), and the
 * holding group, which is defined by the configuration (id HOLDING_GROUP_ID, whether or not Entra
 * has a group of that name) and holds every synced user. Names the Identity Store cannot hold are
 * the planner's to report too: the read never drops a user.
 */
function buildSnapshot(
  config: EntraConfig,
  memberships: Membership[],
  fetchedAt: string,
): { snapshot: Omit<SourceSnapshot, 'warnings'>; warnings: string[]; disabled: number } {
  const users = new Map<string, SourceUser>(); // by Entra id
  const disabled = new Set<string>();
  const holdingKey = nameKey(config.holdingGroup);
  const groups: SourceGroup[] = [];
  for (const { group, users: members } of memberships) {
    const ids = new Set<string>();
    for (const m of members) {
      if (m.accountEnabled === false) {
        disabled.add(m.id);
        continue;
      }
      if (!users.has(m.id)) users.set(m.id, toSourceUser(m));
      ids.add(m.id);
    }
    if (nameKey(group.displayName) === holdingKey) continue; // its members are in the holding group below
    groups.push({ id: group.id, displayName: group.displayName, members: [...ids].sort(byText) });
  }
  groups.push({
    id: HOLDING_GROUP_ID,
    displayName: config.holdingGroup,
    members: [...users.keys()].sort(byText),
  });

  const warnings: string[] = [];
  if (memberships.length === 0) {
    warnings.push(`no Entra ID group's name starts with ${config.groupPrefix}: check entra.groupPrefix`);
  }
  return {
    snapshot: {
      provider: 'entra',
      fetchedAt,
      users: [...users.values()].sort((a, b) => byText(a.userName, b.userName)),
      groups: groups.sort((a, b) => byText(a.displayName, b.displayName) || byText(a.id, b.id)),
    },
    warnings,
    disabled: disabled.size,
  };
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function expiryWarnings(secret: EntraSecret, config: EntraConfig, now: Date, days: number): string[] {
  if (!secret.clientSecretExpiresAt) return [];
  const left = (Date.parse(secret.clientSecretExpiresAt) - now.getTime()) / 86_400_000;
  if (left > days) return [];
  const when = secret.clientSecretExpiresAt.slice(0, 10);
  const what = `create a new client secret for the app registration and store it (with client_secret_expires_at) in secret ${config.secretName}`;
  return left <= 0
    ? [`the Entra ID client secret expired on ${when}: ${what}`]
    : [`the Entra ID client secret expires on ${when} (in ${Math.ceil(left)} days): ${what}`];
}

/** Runs fn over items, at most `limit` at a time; the first failure aborts the rest and rejects. */
async function mapLimit<T, R>(
  items: T[],
  limit: number,
  abort: AbortController,
  fn: (t: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i] as T);
      } catch (err) {
        if (!failure) {
          failure = { err };
          abort.abort(new Error('another Entra ID request failed'));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.err;
  return out;
}
