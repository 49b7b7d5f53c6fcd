/**
 * Who may change what. Both providers write into one Identity Store, next to users and groups made
 * by hand or by other tools. The Identity Store API cannot set ExternalIds, so ownership is marked
 * with attributes the API can write; the markers are those of the jobs this project replaces, so
 * switching over changes nothing.
 *
 * Rules are data: a provider's own claims, the claims of the other provider (which always win, so a
 * name collision is a conflict, never a takeover), and whether unmarked groups may be adopted.
 */
import type { Config } from './config';
import type { Provider, TargetGroup, TargetUser } from './model';

/** Matches a user when every field given matches (suffix and email type ignore case). */
export interface UserClaim {
  userNameSuffix?: string;
  emailType?: string;
}
/** Matches a group when every field given matches (prefixes ignore case). */
export interface GroupClaim {
  namePrefix?: string;
  descriptionPrefix?: string;
}

export interface OwnershipRules {
  provider: Provider;
  users: UserClaim[];
  groups: GroupClaim[];
  foreignUsers: UserClaim[];
  foreignGroups: GroupClaim[];
  /**
   * A group with no Description and no claim of any provider, whose name is one the source wants,
   * is adopted: the plan writes the provider's marker into its Description and manages it.
   */
  adoptUnmarkedGroups: boolean;
}

/** Start of the Description GitHub-synced groups carry. */
export const GITHUB_GROUP_MARKER = 'Managed by scim-sync from GitHub';
/** The email type the replaced Entra job wrote; it marks Entra-owned users. */
export const ENTRA_EMAIL_TYPE = 'EntraId';
export const DEFAULT_ENTRA_GROUP_PREFIX = 'azure-aws-sso-';

export function githubGroupDescription(organisation: string): string {
  return `${GITHUB_GROUP_MARKER} organisation ${organisation}`;
}

/** The ownership rules of `provider` under `config` (the other provider's claims use its config or defaults). */
export function ownershipRules(provider: Provider, config: Pick<Config, 'providers'>): OwnershipRules {
  const entraPrefix = config.providers.entra?.groupPrefix ?? DEFAULT_ENTRA_GROUP_PREFIX;
  const entraUsers: UserClaim[] = [{ emailType: ENTRA_EMAIL_TYPE }];
  const entraGroups: GroupClaim[] = [{ namePrefix: entraPrefix }];
  const githubGroups: GroupClaim[] = [{ descriptionPrefix: GITHUB_GROUP_MARKER }];
  if (provider === 'github') {
    const gh = config.providers.github;
    if (!gh) throw new Error('github is not configured');
    return {
      provider,
      users: [{ userNameSuffix: gh.userNameSuffix }],
      groups: githubGroups,
      foreignUsers: entraUsers,
      foreignGroups: entraGroups,
      adoptUnmarkedGroups: true,
    };
  }
  return {
    provider,
    users: entraUsers,
    groups: entraGroups,
    // GitHub users are recognised by their email type ('work'), never by the suffix: Entra UPNs
    // usually share the company domain.
    foreignUsers: [],
    foreignGroups: githubGroups,
    adoptUnmarkedGroups: false,
  };
}

const lc = (s: string | undefined) => (s ?? '').toLowerCase();

function userMatches(u: TargetUser, c: UserClaim): boolean {
  if (c.userNameSuffix !== undefined && !lc(u.userName).endsWith(lc(c.userNameSuffix))) return false;
  if (c.emailType !== undefined && !(u.emails ?? []).some((e) => lc(e.type) === lc(c.emailType)))
    return false;
  return c.userNameSuffix !== undefined || c.emailType !== undefined;
}

function groupMatches(g: TargetGroup, c: GroupClaim): boolean {
  if (c.namePrefix !== undefined && !lc(g.displayName).startsWith(lc(c.namePrefix))) return false;
  if (c.descriptionPrefix !== undefined && !lc(g.description).startsWith(lc(c.descriptionPrefix)))
    return false;
  return c.namePrefix !== undefined || c.descriptionPrefix !== undefined;
}

export type UserOwner = 'owned' | 'foreign' | 'unowned';
export type GroupOwner = UserOwner | 'adoptable';

export function userOwner(rules: OwnershipRules, u: TargetUser): UserOwner {
  if (rules.foreignUsers.some((c) => userMatches(u, c))) return 'foreign';
  return rules.users.some((c) => userMatches(u, c)) ? 'owned' : 'unowned';
}

export function groupOwner(rules: OwnershipRules, g: TargetGroup): GroupOwner {
  if (rules.foreignGroups.some((c) => groupMatches(g, c))) return 'foreign';
  if (rules.groups.some((c) => groupMatches(g, c))) return 'owned';
  return rules.adoptUnmarkedGroups && !g.description ? 'adoptable' : 'unowned';
}

/** Whether FetchTarget must read this group's memberships (it is or may become the provider's). */
export function mayManageGroup(rules: OwnershipRules, g: TargetGroup): boolean {
  const o = groupOwner(rules, g);
  return o === 'owned' || o === 'adoptable';
}

/** Checks a source entity would be owned by the provider once written (catches provider bugs). */
export function sourceUserIsClaimable(
  rules: OwnershipRules,
  u: { userName: string; email: { type: string } },
): boolean {
  const t: TargetUser = { userId: '-', userName: u.userName, emails: [{ type: u.email.type }] };
  return userOwner(rules, t) === 'owned';
}
