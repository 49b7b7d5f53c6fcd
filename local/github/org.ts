/**
 * The fake GitHub's GraphQL object graph over a fixture: Query.organization(login) with teams,
 * team(slug), members(first, after, membership) and samlIdentityProvider.externalIdentities, as
 * connections that honour `first` (1..100, required) and opaque `after` cursors.
 */
import { derivedDatabaseId, type GithubFixture, type GithubFixtureTeam } from './fixture';
import { GraphqlError, type Resolved } from './graphql';

export const MAX_PAGE = 100;

/** Called for every connection page served; may throw to fail the request (the fake's faults). */
export type PageHook = (page: {
  connection: 'teams' | 'members' | 'externalIdentities';
  team?: string;
  /** 1-based page number at this page size. */
  page: number;
}) => void;

const pageOf = (args: Record<string, unknown>, name: string) =>
  Math.floor(decodeCursor(args.after, name) / Math.max(1, Number(args.first) || MAX_PAGE)) + 1;

const encodeCursor = (offset: number) => Buffer.from(`cursor:v2:${offset}`).toString('base64');
function decodeCursor(cursor: unknown, name: string): number {
  if (cursor === null || cursor === undefined) return 0;
  const m = /^cursor:v2:(\d+)$/.exec(Buffer.from(String(cursor), 'base64').toString('utf8'));
  if (!m)
    throw new GraphqlError(
      `\`${String(cursor)}\` does not appear to be a valid cursor.`,
      'INVALID_CURSOR_ARGUMENTS',
      [name],
    );
  return Number(m[1]) + 1;
}

function connection<T>(items: T[], args: Record<string, unknown>, name: string, toNode: (t: T) => Resolved) {
  const first = args.first;
  if (first === null || first === undefined) {
    throw new GraphqlError(
      `You must provide a \`first\` or \`last\` value to properly paginate the \`${name}\` connection.`,
      'MISSING_PAGINATION_BOUNDARIES',
      [name],
    );
  }
  if (typeof first !== 'number' || !Number.isInteger(first) || first < 0 || first > MAX_PAGE) {
    throw new GraphqlError(
      `Requesting ${String(first)} records on the \`${name}\` connection exceeds the \`first\` limit of ${MAX_PAGE} records.`,
      'EXCESSIVE_PAGE_SIZE',
      [name],
    );
  }
  const start = decodeCursor(args.after, name);
  const slice = items.slice(start, start + first);
  const end = start + slice.length - 1;
  const nodes = slice.map(toNode);
  return {
    __typename: `${name}Connection`,
    totalCount: items.length,
    nodes,
    edges: nodes.map((node, i) => ({ __typename: `${name}Edge`, cursor: encodeCursor(start + i), node })),
    pageInfo: {
      __typename: 'PageInfo',
      hasNextPage: start + slice.length < items.length,
      hasPreviousPage: start > 0,
      startCursor: slice.length ? encodeCursor(start) : null,
      endCursor: slice.length ? encodeCursor(end) : null,
    },
  };
}

export interface OrgGraph {
  root: Resolved;
  /** Members of a team (case-insensitive dedupe), immediate or including child teams. */
  membersOf(slug: string, membership: 'ALL' | 'IMMEDIATE'): string[];
}

export function buildOrgGraph(fx: GithubFixture, hook: PageHook): OrgGraph {
  const teams = new Map(fx.teams.map((t) => [t.slug.toLowerCase(), t]));
  const children = new Map<string, GithubFixtureTeam[]>();
  for (const t of fx.teams) {
    if (t.parent === undefined) continue;
    const k = t.parent.toLowerCase();
    children.set(k, [...(children.get(k) ?? []), t]);
  }
  const users = new Map((fx.users ?? []).map((u) => [u.login.toLowerCase(), u]));

  const membersOf = (slug: string, membership: 'ALL' | 'IMMEDIATE'): string[] => {
    const seen = new Set<string>();
    const out: string[] = [];
    const visit = (t: GithubFixtureTeam) => {
      for (const m of t.members) {
        if (seen.has(m.toLowerCase())) continue;
        seen.add(m.toLowerCase());
        out.push(m);
      }
      if (membership === 'ALL') for (const c of children.get(t.slug.toLowerCase()) ?? []) visit(c);
    };
    const t = teams.get(slug.toLowerCase());
    if (t) visit(t);
    return out;
  };

  const userNode = (login: string): Resolved => {
    const u = users.get(login.toLowerCase());
    return {
      __typename: 'User',
      id: `U_${Buffer.from(login.toLowerCase()).toString('base64url')}`,
      databaseId: u?.id ?? derivedDatabaseId('user', login),
      login,
      name: u?.name ?? null,
      email: u?.email ?? '',
    };
  };

  const teamNode = (t: GithubFixtureTeam): Resolved => ({
    __typename: 'Team',
    id: `T_${Buffer.from(t.slug).toString('base64url')}`,
    databaseId: t.id ?? derivedDatabaseId('team', t.slug),
    slug: t.slug,
    name: t.name,
    description: null,
    parentTeam: () => {
      const p = t.parent === undefined ? undefined : teams.get(t.parent.toLowerCase());
      return p ? teamNode(p) : null;
    },
    members: (args: Record<string, unknown>) => {
      const membership = args.membership ?? 'ALL';
      if (membership !== 'ALL' && membership !== 'IMMEDIATE' && membership !== 'CHILD_TEAM') {
        throw new GraphqlError(
          `Argument 'membership' has an invalid value (${String(membership)}).`,
          'argumentLiteralsIncompatible',
        );
      }
      let list = membersOf(t.slug, membership === 'IMMEDIATE' ? 'IMMEDIATE' : 'ALL');
      if (membership === 'CHILD_TEAM') {
        const direct = new Set(membersOf(t.slug, 'IMMEDIATE').map((l) => l.toLowerCase()));
        list = list.filter((l) => !direct.has(l.toLowerCase()));
      }
      hook({ connection: 'members', team: t.slug, page: pageOf(args, 'members') });
      return connection(list, args, 'TeamMember', userNode);
    },
  });

  const saml = fx.samlIdentities;
  const samlProvider = (): Resolved | null =>
    saml === undefined
      ? null
      : {
          __typename: 'OrganizationIdentityProvider',
          externalIdentities: (args: Record<string, unknown>) => {
            hook({ connection: 'externalIdentities', page: pageOf(args, 'externalIdentities') });
            return connection(saml, args, 'ExternalIdentity', (s) => ({
              __typename: 'ExternalIdentity',
              guid: `guid-${s.login.toLowerCase()}`,
              user: userNode(s.login),
              samlIdentity: {
                __typename: 'ExternalIdentitySamlAttributes',
                nameId: s.nameId,
                username: s.nameId,
                givenName: s.givenName ?? null,
                familyName: s.familyName ?? null,
                emails: s.email
                  ? [{ __typename: 'UserEmailMetadata', value: s.email, primary: true, type: 'work' }]
                  : [],
              },
            }));
          },
        };

  const orgNode: Resolved = {
    __typename: 'Organization',
    id: `O_${Buffer.from(fx.organisation).toString('base64url')}`,
    login: fx.organisation,
    name: fx.organisation,
    teams: (args: Record<string, unknown>) => {
      hook({ connection: 'teams', page: pageOf(args, 'teams') });
      const list = args.rootTeamsOnly ? fx.teams.filter((t) => t.parent === undefined) : fx.teams;
      return connection(list, args, 'Team', teamNode);
    },
    team: (args: Record<string, unknown>) => {
      const t = teams.get(String(args.slug ?? '').toLowerCase());
      return t ? teamNode(t) : null;
    },
    samlIdentityProvider: samlProvider,
  };

  const root: Resolved = {
    __typename: 'Query',
    organization: (args: Record<string, unknown>) => {
      if (String(args.login ?? '').toLowerCase() !== fx.organisation.toLowerCase()) {
        throw new GraphqlError(
          `Could not resolve to an Organization with the login of '${String(args.login)}'.`,
          'NOT_FOUND',
          ['organization'],
        );
      }
      return orgNode;
    },
    rateLimit: () => ({
      __typename: 'RateLimit',
      cost: 1,
      limit: 5000,
      remaining: 4999,
      resetAt: new Date(Date.now() + 3600e3).toISOString(),
    }),
  };
  return { root, membersOf };
}
