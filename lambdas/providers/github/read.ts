/**
 * Reads a GitHub organisation into a SourceSnapshot in as few GraphQL requests as the API allows:
 * teams 100 a page with each team's first 100 members inline, then rounds in which one request
 * fetches the next member page of up to 100 teams at once (only teams that have more, and only
 * teams that are synced), plus the next page of SAML identities when they are wanted.
 *
 * Requests = ceil(teams / 100) + Σ over rounds of ceil(teams still paging / 100), where the
 * number of rounds is the largest team's extra pages (ceil(members / 100) - 1).
 *
 * Any failed page (after retries) fails the whole read: a partial organisation is never returned.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { GithubConfig } from '../../core/config';
import { SourceReadError } from '../../core/errors';
import type { SourceSnapshot } from '../../core/model';
import { createGithubClient, type GithubClient, type GithubRetryOptions } from './client';
import { buildSnapshot, type TeamMembers, teamFilter, type UserAttributeMode } from './mapping';
import {
  MAX_TEAMS_PER_REQUEST,
  type Member,
  type MembersPage,
  MorePagesSchema,
  morePagesQuery,
  type SamlIdentity,
  type SamlProvider,
  TeamMembersSchema,
  TeamsPageSchema,
  teamsQuery,
} from './queries';
import type { GithubSecret } from './secret';

/** A credential expiring within this many days is a snapshot warning. */
export const EXPIRY_WARNING_DAYS = 14;

export interface ReadGithubSourceOptions {
  config: GithubConfig;
  secret: GithubSecret;
  logger?: Logger;
  now?: () => Date;
  retry?: GithubRetryOptions;
  /** How DisplayName/Name are filled (see UserAttributeMode); default 'profile'. */
  userAttributes?: UserAttributeMode;
}

export interface GithubReadResult {
  snapshot: SourceSnapshot;
  /** When the personal access token expires (ISO 8601), from GitHub's response header. */
  credentialExpiresAt?: string;
  /** HTTP requests sent, every attempt included. */
  requests: number;
}

interface TeamState extends TeamMembers {
  next: string | null;
}

function parse<T>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } },
  v: unknown,
  what: string,
): T {
  const r = schema.safeParse(v);
  if (!r.success)
    throw new SourceReadError(`GitHub answered ${what} with an unexpected shape; nothing was synced.`);
  return r.data;
}

function nextCursor(
  page: { pageInfo: { hasNextPage: boolean; endCursor: string | null } },
  what: string,
): string | null {
  if (!page.pageInfo.hasNextPage) return null;
  if (!page.pageInfo.endCursor)
    throw new SourceReadError(`GitHub reported more ${what} but no cursor; nothing was synced.`);
  return page.pageInfo.endCursor;
}

const membersOf = (page: MembersPage): Member[] => page.nodes.filter((n): n is Member => n !== null);

class SamlCollector {
  readonly byLogin = new Map<string, SamlIdentity['samlIdentity']>();
  next: string | null = null;
  configured = true;
  add(provider: SamlProvider, what: string): void {
    if (!provider) {
      this.configured = false;
      this.next = null;
      return;
    }
    for (const n of provider.externalIdentities.nodes) {
      if (n?.user && n.samlIdentity) this.byLogin.set(n.user.login.toLowerCase(), n.samlIdentity);
    }
    this.next = nextCursor(provider.externalIdentities, `SAML identities (${what})`);
  }
}

function describeTeams(slugs: string[]): string {
  const shown = slugs.slice(0, 10).join(', ');
  return slugs.length > 10 ? `${shown} and ${slugs.length - 10} more` : shown;
}

async function readTeams(
  gh: GithubClient,
  config: GithubConfig,
  saml: SamlCollector | undefined,
  logger: Logger,
) {
  const filter = teamFilter(config);
  const membership = config.teamMembership === 'all' ? 'ALL' : 'IMMEDIATE';
  const kept: TeamState[] = [];
  const skipped = { ignored: 0, excluded: 0 };
  let after: string | null = null;
  let page = 0;
  do {
    page++;
    const what = `teams page ${page}`;
    const withSaml = saml !== undefined && page === 1;
    const vars: Record<string, unknown> = {
      org: config.organisation,
      after,
      membership,
      ...(withSaml ? { samlAfter: null } : {}),
    };
    const data = parse(TeamsPageSchema, await gh.graphql(teamsQuery(withSaml), vars, what), what);
    if (!data.organization)
      throw new SourceReadError(`GitHub organisation ${config.organisation} was not found (${what}).`);
    for (const t of data.organization.teams.nodes) {
      const verdict = filter(t.slug);
      if (verdict !== 'kept') {
        skipped[verdict]++;
        continue;
      }
      kept.push({
        id: String(t.databaseId),
        slug: t.slug,
        members: membersOf(t.members),
        next: nextCursor(t.members, `members of team ${t.slug}`),
      });
    }
    if (withSaml) saml.add(data.organization.samlIdentityProvider, what);
    after = nextCursor(data.organization.teams, 'teams');
    logger.debug('Read GitHub teams page', { page, teams: data.organization.teams.nodes.length });
  } while (after);
  return { kept, skipped, teamPages: page };
}

/** Fetches the remaining member pages (and SAML pages) in batched rounds. */
async function readMorePages(
  gh: GithubClient,
  config: GithubConfig,
  teams: TeamState[],
  saml: SamlCollector | undefined,
  logger: Logger,
) {
  const membership = config.teamMembership === 'all' ? 'ALL' : 'IMMEDIATE';
  let round = 0;
  for (;;) {
    const pending = teams.filter((t) => t.next !== null);
    const samlPending = saml?.next != null;
    if (pending.length === 0 && !samlPending) return round;
    round++;
    const batches: TeamState[][] = [];
    for (let i = 0; i < pending.length; i += MAX_TEAMS_PER_REQUEST)
      batches.push(pending.slice(i, i + MAX_TEAMS_PER_REQUEST));
    if (batches.length === 0) batches.push([]);
    for (const [b, batch] of batches.entries()) {
      const withSaml = samlPending && b === 0;
      const pageNo = round + 1;
      const what = batch.length
        ? `member page ${pageNo} of team${batch.length > 1 ? 's' : ''} ${describeTeams(batch.map((t) => t.slug))}${withSaml ? ' (and SAML identities)' : ''}`
        : `SAML identities page ${pageNo}`;
      const vars: Record<string, unknown> = { org: config.organisation, membership };
      for (const [i, t] of batch.entries()) {
        vars[`s${i}`] = t.slug;
        vars[`c${i}`] = t.next;
      }
      if (withSaml) vars.samlAfter = saml?.next;
      const data = parse(
        MorePagesSchema,
        await gh.graphql(morePagesQuery(batch.length, withSaml), vars, what),
        what,
      );
      if (!data.organization)
        throw new SourceReadError(`GitHub organisation ${config.organisation} was not found (${what}).`);
      for (const [i, t] of batch.entries()) {
        const team = parse(TeamMembersSchema, data.organization[`t${i}`], what);
        if (!team) {
          throw new SourceReadError(
            `GitHub team ${t.slug} disappeared while it was being read (${what}); re-run.`,
          );
        }
        t.members.push(...membersOf(team.members));
        t.next = nextCursor(team.members, `members of team ${t.slug}`);
      }
      if (withSaml) saml?.add(data.organization.samlIdentityProvider, what);
    }
    logger.debug('Read GitHub member pages', { round, teams: pending.length, saml: samlPending });
  }
}

function expiryWarning(expiresAt: string | undefined, now: Date, secretName: string): string | undefined {
  if (!expiresAt) return undefined;
  const days = (Date.parse(expiresAt) - now.getTime()) / 86_400_000;
  if (days > EXPIRY_WARNING_DAYS) return undefined;
  return `The GitHub token expires at ${expiresAt} (in ${Math.max(0, Math.floor(days))} days): rotate secret "${secretName}" before then.`;
}

export async function readGithubSource(opts: ReadGithubSourceOptions): Promise<GithubReadResult> {
  const { config, secret } = opts;
  const logger = opts.logger ?? new Logger({ serviceName: 'scim-sync' });
  const now = opts.now ?? (() => new Date());
  const started = Date.now();
  const gh = createGithubClient({ config, secret, logger, retry: opts.retry });
  const saml = config.useSamlIdentity ? new SamlCollector() : undefined;

  const { kept, skipped, teamPages } = await readTeams(gh, config, saml, logger);
  const rounds = await readMorePages(gh, config, kept, saml, logger);

  const warnings: string[] = [];
  if (saml && !saml.configured) {
    warnings.push(
      `useSamlIdentity is on but ${config.organisation} has no SAML identity provider: GitHub profiles were used.`,
    );
  }
  const fetched = now();
  const expiry = expiryWarning(gh.stats.credentialExpiresAt, fetched, config.secretName);
  if (expiry) warnings.push(expiry);

  const snapshot = buildSnapshot({
    config,
    teams: kept,
    saml: saml?.byLogin,
    fetchedAt: fetched.toISOString(),
    warnings,
    mode: opts.userAttributes ?? 'profile',
  });
  logger.info('Read GitHub organisation', {
    organisation: config.organisation,
    auth: secret.kind === 'token' ? 'personal access token' : 'GitHub App',
    teams: snapshot.groups.length,
    teamsIgnored: skipped.ignored,
    teamsNotIncluded: skipped.excluded,
    users: snapshot.users.length,
    memberships: snapshot.groups.reduce((n, g) => n + g.members.length, 0),
    samlIdentities: saml?.byLogin.size,
    teamPages,
    memberRounds: rounds,
    requests: gh.stats.requests,
    graphqlRequests: gh.stats.graphqlRequests,
    rateLimitWaits: gh.stats.rateLimitWaits,
    credentialExpiresAt: gh.stats.credentialExpiresAt,
    durationMs: Date.now() - started,
  });
  for (const w of warnings) logger.warn(w);
  return {
    snapshot,
    ...(gh.stats.credentialExpiresAt ? { credentialExpiresAt: gh.stats.credentialExpiresAt } : {}),
    requests: gh.stats.requests,
  };
}
