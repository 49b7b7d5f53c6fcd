/**
 * Who may change what. Both providers write into one Identity Store, next to users and groups made
 * by hand or by other tools. The Identity Store API cannot set ExternalIds, so ownership is marked
 * with attributes the API can write; the markers are those of the jobs this project replaces, so
 * switching over changes nothing but the recorded ids.
 *
 * Rules are data: the claims of both providers in one order of precedence (Entra's first), so that
 * every entity of the store has at most one claimant, and both providers agree on who it is. Both
 * are derived from the whole configuration; a provider without a section has its defaults.
 *
 * Identity: the provider's entities also record the source's stable id (read back by recorded*Id):
 * - groups in their Description, after the marker (`..., team id 123` / `..., group id <uuid>`);
 * - users in ProfileUrl, as `urn:scim-sync:<provider>:user:<id>`. Neither replaced job, nor the
 *   IAM Identity Center console's user form, writes ProfileUrl; and the id is believed only on
 *   users the provider owns by the rules below, so a value someone else wrote can never make the
 *   sync take over a user.
 */
import type { Config } from './config';
import type { Provider, TargetGroup, TargetUser } from './model';

/** Matches a user when every field given matches (suffix and email type ignore case). */
export interface UserClaim {
  provider: Provider;
  userNameSuffix?: string;
  emailType?: string;
}
/** Matches a group when every field given matches (prefixes ignore case). */
export interface GroupClaim {
  provider: Provider;
  namePrefix?: string;
  descriptionPrefix?: string;
}

export interface OwnershipRules {
  provider: Provider;
  /** Every provider's user claims, in order of precedence: the first that matches owns the user. */
  userClaims: UserClaim[];
  /** Every provider's group claims, in order of precedence. */
  groupClaims: GroupClaim[];
  /**
   * A group with no Description and no claim of any provider, whose name is one the source wants,
   * is adopted: the plan writes the provider's marker into its Description and manages it.
   */
  adoptUnmarkedGroups: boolean;
  /** The GitHub organisation (its name is part of the group marker). */
  organisation?: string;
  /** Temporary names keep the ownership markers that live in names. */
  temporaryUserSuffix: string;
  temporaryGroupPrefix: string;
}

/** How people name the providers. */
export const PROVIDER_NAMES: Record<Provider, string> = { github: 'GitHub', entra: 'Entra ID' };

/** Start of the Description GitHub-synced groups carry. */
export const GITHUB_GROUP_MARKER = 'Managed by scim-sync from GitHub';
/** Start of the Description Entra-synced groups carry (the prefix is what makes them Entra's). */
export const ENTRA_GROUP_MARKER = 'Managed by scim-sync from Entra ID';
/** The email type the replaced Entra job wrote; it marks Entra-owned users. */
export const ENTRA_EMAIL_TYPE = 'EntraId';
export const DEFAULT_ENTRA_GROUP_PREFIX = 'azure-aws-sso-';
/** The source id of Entra's holding group: it is defined by the configuration, not by an Entra object. */
export const HOLDING_GROUP_ID = 'holding-group';

export function githubGroupDescription(organisation: string, teamId: string): string {
  return `${GITHUB_GROUP_MARKER} organisation ${organisation}, team id ${teamId}`;
}
export function entraGroupDescription(groupId: string): string {
  return `${ENTRA_GROUP_MARKER}, group id ${groupId}`;
}

/** The ownership rules of `provider` under the whole `config` (a missing section means its defaults). */
export function ownershipRules(provider: Provider, config: Pick<Config, 'providers'>): OwnershipRules {
  const gh = config.providers.github;
  const entraPrefix = config.providers.entra?.groupPrefix ?? DEFAULT_ENTRA_GROUP_PREFIX;
  if (provider === 'github' && !gh) throw new Error('github is not configured');
  const userClaims: UserClaim[] = [{ provider: 'entra', emailType: ENTRA_EMAIL_TYPE }];
  // GitHub users are the suffix's (without an EntraId email: Entra's claim comes first). Without a
  // GitHub section no suffix is known, and no user is GitHub's.
  if (gh) userClaims.push({ provider: 'github', userNameSuffix: gh.userNameSuffix });
  return {
    provider,
    userClaims,
    groupClaims: [
      { provider: 'entra', namePrefix: entraPrefix },
      { provider: 'github', descriptionPrefix: GITHUB_GROUP_MARKER },
    ],
    adoptUnmarkedGroups: provider === 'github',
    ...(provider === 'github' && gh ? { organisation: gh.organisation } : {}),
    temporaryUserSuffix: provider === 'github' && gh ? gh.userNameSuffix : '',
    // Stryker disable next-line StringLiteral: GitHub rules come with GitHub's config, whose groupPrefix defaults to ''
    temporaryGroupPrefix: provider === 'github' ? (gh?.groupPrefix ?? '') : entraPrefix,
  };
}

// Stryker disable next-line StringLiteral: a missing description or email type matches no marker, prefix or type, and nor does the mutant's text
const lc = (s: string | undefined) => (s ?? '').toLowerCase();

function userMatches(u: TargetUser, c: UserClaim): boolean {
  // Stryker disable next-line ConditionalExpression: without a suffix, endsWith('') holds, so the test is false anyway
  if (c.userNameSuffix !== undefined && !lc(u.userName).endsWith(lc(c.userNameSuffix))) return false;
  if (c.emailType !== undefined && !(u.emails ?? []).some((e) => lc(e.type) === lc(c.emailType)))
    return false;
  return c.userNameSuffix !== undefined || c.emailType !== undefined;
}

function groupMatches(g: Pick<TargetGroup, 'displayName' | 'description'>, c: GroupClaim): boolean {
  // Stryker disable next-line ConditionalExpression: without a prefix, startsWith('') holds, so the test is false anyway
  if (c.namePrefix !== undefined && !lc(g.displayName).startsWith(lc(c.namePrefix))) return false;
  // Stryker disable next-line ConditionalExpression: without a prefix, startsWith('') holds, so the test is false anyway
  if (c.descriptionPrefix !== undefined && !lc(g.description).startsWith(lc(c.descriptionPrefix)))
    return false;
  return c.namePrefix !== undefined || c.descriptionPrefix !== undefined;
}

/** The provider whose claim the user falls under, if any. */
export function userClaimant(rules: OwnershipRules, u: TargetUser): Provider | undefined {
  return rules.userClaims.find((c) => userMatches(u, c))?.provider;
}
/** The provider whose claim the group falls under, if any. */
export function groupClaimant(
  rules: OwnershipRules,
  g: Pick<TargetGroup, 'displayName' | 'description'>,
): Provider | undefined {
  return rules.groupClaims.find((c) => groupMatches(g, c))?.provider;
}

export type UserOwner = 'owned' | 'foreign' | 'unowned';
export type GroupOwner = UserOwner | 'adoptable';

export function userOwner(rules: OwnershipRules, u: TargetUser): UserOwner {
  const c = userClaimant(rules, u);
  return c === undefined ? 'unowned' : c === rules.provider ? 'owned' : 'foreign';
}

export function groupOwner(rules: OwnershipRules, g: TargetGroup): GroupOwner {
  const c = groupClaimant(rules, g);
  if (c !== undefined) return c === rules.provider ? 'owned' : 'foreign';
  return rules.adoptUnmarkedGroups && !g.description ? 'adoptable' : 'unowned';
}

/** Whether FetchTarget must read this group's memberships (it is or may become the provider's). */
export function mayManageGroup(rules: OwnershipRules, g: TargetGroup): boolean {
  const o = groupOwner(rules, g);
  return o === 'owned' || o === 'adoptable';
}

/** The Description the provider writes on its group with this source id. */
export function groupRecord(rules: OwnershipRules, sourceId: string): string {
  return rules.provider === 'github'
    ? githubGroupDescription(rules.organisation ?? '', sourceId)
    : entraGroupDescription(sourceId);
}

/** The ProfileUrl the provider writes on its user with this source id. */
export function userRecord(rules: OwnershipRules, sourceId: string): string {
  return `urn:scim-sync:${rules.provider}:user:${sourceId}`;
}

const GROUP_ID_AT_END: Record<Provider, RegExp> = {
  github: /, team id (\S+)$/i,
  entra: /, group id (\S+)$/i,
};

/** The source id recorded in a group's Description by this provider, if any (markers ignore case, as claims do). */
export function recordedGroupId(
  rules: OwnershipRules,
  g: Pick<TargetGroup, 'description'>,
): string | undefined {
  const marker = rules.provider === 'github' ? GITHUB_GROUP_MARKER : ENTRA_GROUP_MARKER;
  if (!lc(g.description).startsWith(lc(marker))) return undefined;
  // Stryker disable next-line StringLiteral: a missing description has returned above (it does not start with the marker)
  return GROUP_ID_AT_END[rules.provider].exec(g.description ?? '')?.[1];
}

/** The source id recorded in a user's ProfileUrl by this provider, if any (the URN prefix ignores case). */
export function recordedUserId(rules: OwnershipRules, u: Pick<TargetUser, 'profileUrl'>): string | undefined {
  const prefix = `urn:scim-sync:${rules.provider}:user:`;
  return lc(u.profileUrl).startsWith(prefix) ? u.profileUrl!.slice(prefix.length) || undefined : undefined;
}

/**
 * A name no one uses, that a user or group holds for a moment while its name goes to another
 * entity of the same plan (swaps, chains). It keeps the markers that live in names (GitHub's
 * UserName suffix, Entra's group prefix), so the entity stays the provider's meanwhile, and it is
 * derived from the Identity Store id, so a retried step writes the same name.
 */
export const TEMPORARY_NAME_TAG = 'scim-sync-moving-';
export function temporaryUserName(rules: OwnershipRules, userId: string): string {
  return `${TEMPORARY_NAME_TAG}${userId}${rules.temporaryUserSuffix}`;
}
export function temporaryGroupName(rules: OwnershipRules, groupId: string): string {
  return `${rules.temporaryGroupPrefix}${TEMPORARY_NAME_TAG}${groupId}`;
}
