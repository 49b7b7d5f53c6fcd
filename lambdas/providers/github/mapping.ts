/**
 * From teams and members (as GitHub reported them) to a SourceSnapshot, with the naming the
 * replaced job used: group DisplayName = groupPrefix + lower-cased slug, UserName = lower-cased
 * login + userNameSuffix, email = the UserName (type `work`). Ids are GitHub's databaseIds of the
 * team and the account, which survive renames of the slug and of the login.
 */
import type { GithubConfig } from '../../core/config';
import { describeIssues, SnapshotInvalidError } from '../../core/errors';
import { type SourceSnapshot, SourceSnapshotSchema, type SourceUser } from '../../core/model';
import type { Member, SamlIdentity } from './queries';

/**
 * How DisplayName and Name are filled:
 * - 'profile': DisplayName = the GitHub profile name (or the login), Name split from it (first
 *   word / rest; both the login when there is no name).
 * - 'userName': DisplayName, GivenName and FamilyName all = the UserName.
 */
export type UserAttributeMode = 'profile' | 'userName';

export interface TeamMembers {
  /** The team's databaseId. */
  id: string;
  slug: string;
  members: Member[];
}

/** Whether a team is synced under ignoreTeams (slugs, any case) and includeTeams (regex on slug). */
export function teamFilter(config: GithubConfig): (slug: string) => 'kept' | 'ignored' | 'excluded' {
  const ignored = new Set(config.ignoreTeams.map((s) => s.toLowerCase()));
  const include = config.includeTeams === undefined ? undefined : new RegExp(config.includeTeams);
  return (slug) => {
    if (ignored.has(slug.toLowerCase())) return 'ignored';
    if (include && !include.test(slug)) return 'excluded';
    return 'kept';
  };
}

export const groupName = (config: GithubConfig, slug: string) => `${config.groupPrefix}${slug.toLowerCase()}`;
export const userName = (config: GithubConfig, login: string) =>
  `${login.toLowerCase()}${config.userNameSuffix}`;

/** First word / rest; a one-word name fills both. */
export function splitName(full: string): { givenName: string; familyName: string } {
  const words = full.trim().split(/\s+/);
  const givenName = words[0] ?? full;
  const familyName = words.slice(1).join(' ') || givenName;
  return { givenName, familyName };
}

const present = (s: string | null | undefined): s is string => typeof s === 'string' && s.trim().length > 0;

/** The SAML identity's email: its primary email, else its first, else a nameId that is an address. */
function samlEmail(s: SamlIdentity['samlIdentity']): string | undefined {
  const emails = (s?.emails ?? []).filter((e) => present(e.value));
  const chosen = emails.find((e) => e.primary) ?? emails[0];
  if (chosen?.value) return chosen.value.trim();
  return present(s?.nameId) && s.nameId.includes('@') ? s.nameId.trim() : undefined;
}

export function mapUser(
  config: GithubConfig,
  member: Member,
  saml: SamlIdentity['samlIdentity'] | undefined,
  mode: UserAttributeMode,
): SourceUser {
  const un = userName(config, member.login);
  const profile = present(member.name) ? member.name.trim() : undefined;
  let displayName = mode === 'userName' ? un : (profile ?? member.login);
  let name =
    mode === 'userName'
      ? { givenName: un, familyName: un }
      : profile
        ? splitName(profile)
        : { givenName: member.login, familyName: member.login };
  let email = un;
  if (saml) {
    if (present(saml.givenName) && present(saml.familyName)) {
      name = { givenName: saml.givenName.trim(), familyName: saml.familyName.trim() };
      if (!profile && mode === 'profile') displayName = `${name.givenName} ${name.familyName}`;
    }
    email = samlEmail(saml) ?? un;
  }
  return {
    id: String(member.databaseId),
    userName: un,
    displayName,
    name,
    email: { value: email, type: 'work', primary: true },
  };
}

export function buildSnapshot(input: {
  config: GithubConfig;
  teams: TeamMembers[];
  saml?: Map<string, SamlIdentity['samlIdentity']>;
  fetchedAt: string;
  warnings: string[];
  mode: UserAttributeMode;
}): SourceSnapshot {
  const { config, mode } = input;
  const users = new Map<string, SourceUser>(); // by account id
  const groups = input.teams.map((t) => {
    const members = new Set<string>();
    for (const m of t.members) {
      const id = String(m.databaseId);
      if (!users.has(id)) users.set(id, mapUser(config, m, input.saml?.get(m.login.toLowerCase()), mode));
      members.add(id);
    }
    return { id: t.id, displayName: groupName(config, t.slug), members: [...members] };
  });
  const r = SourceSnapshotSchema.safeParse({
    provider: 'github',
    fetchedAt: input.fetchedAt,
    users: [...users.values()],
    groups,
    warnings: input.warnings,
  });
  if (!r.success) {
    throw new SnapshotInvalidError(
      `the GitHub organisation ${config.organisation} maps to an invalid snapshot: ${describeIssues(r.error.issues)}`,
    );
  }
  return r.data;
}
