/**
 * Reads the Identity Store into a TargetSnapshot: every user and group (100 a page, the service's
 * maximum), and the memberships of only the groups the provider owns or may adopt (one
 * ListGroupMemberships chain per group, a few groups at a time).
 */
import {
  type Group,
  type IdentitystoreClient,
  ListGroupMembershipsCommand,
  paginateListGroups,
  paginateListUsers,
  type User,
} from '@aws-sdk/client-identitystore';
import { ConfigError, TargetReadError } from '../core/errors';
import type { TargetGroup, TargetMembership, TargetSnapshot, TargetUser } from '../core/model';
import { mayManageGroup, type OwnershipRules } from '../core/ownership';
import { awsErrorName, type Log, mapLimit, silentLog } from './util';

export const PAGE_SIZE = 100;

export function toTargetUser(u: User): TargetUser {
  const out: TargetUser = { userId: u.UserId!, userName: u.UserName ?? '' };
  if (u.DisplayName !== undefined) out.displayName = u.DisplayName;
  if (u.Name) {
    out.name = {};
    if (u.Name.GivenName !== undefined) out.name.givenName = u.Name.GivenName;
    if (u.Name.FamilyName !== undefined) out.name.familyName = u.Name.FamilyName;
    if (u.Name.Formatted !== undefined) out.name.formatted = u.Name.Formatted;
  }
  if (u.ProfileUrl !== undefined) out.profileUrl = u.ProfileUrl;
  if (u.Emails) {
    out.emails = u.Emails.map((e) => ({
      ...(e.Value !== undefined ? { value: e.Value } : {}),
      ...(e.Type !== undefined ? { type: e.Type } : {}),
      ...(e.Primary !== undefined ? { primary: e.Primary } : {}),
    }));
  }
  return out;
}

export function toTargetGroup(g: Group): TargetGroup {
  return {
    groupId: g.GroupId!,
    displayName: g.DisplayName ?? '',
    ...(g.Description !== undefined ? { description: g.Description } : {}),
  };
}

export interface ReadTargetOptions {
  client: IdentitystoreClient;
  identityStoreId: string;
  rules: OwnershipRules;
  /** Groups whose memberships are read at the same time. */
  concurrency?: number;
  log?: Log;
  now?: () => Date;
}

/**
 * Runs one read; a failure stops the whole read. A store that does not exist or may not be read is
 * a deployment mistake that no retry mends (ConfigError, naming what to fix); anything else
 * (throttling after all retries, 5xx, a group deleted while being read) is a TargetReadError,
 * which the state machine retries.
 */
async function step<T>(what: string, identityStoreId: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const name = awsErrorName(err);
    const detail = `${what}: ${name}: ${(err as Error).message}`;
    if (
      name === 'ResourceNotFoundException' &&
      (err as { ResourceType?: string }).ResourceType === 'IDENTITY_STORE'
    ) {
      throw new ConfigError(
        `the Identity Store ${identityStoreId} does not exist in this account and region (${detail}). ` +
          'Check scimSync.identityStoreId and region in cdk.json against IAM Identity Center > Settings, ' +
          'deploy, then start a new run. Nothing was planned.',
        { cause: err },
      );
    }
    if (name === 'AccessDeniedException') {
      const operation = what.split(' ')[0];
      throw new ConfigError(
        `access denied reading the Identity Store ${identityStoreId} (${detail}). The FetchTarget ` +
          `function's role needs identitystore:${operation} on it, and the store must belong to this ` +
          'account (the IAM Identity Center management or delegated administrator account). ' +
          'Fix and deploy, then start a new run. Nothing was planned.',
        { cause: err },
      );
    }
    throw new TargetReadError(
      `could not read the Identity Store (${detail}). Nothing was planned; the run can be retried.`,
      { cause: err },
    );
  }
}

/**
 * The first part of a read: every user and group, with no memberships read yet
 * (`membershipsReadFor` empty). readMemberships completes it.
 */
export async function readUsersAndGroups(opts: ReadTargetOptions): Promise<TargetSnapshot> {
  const { client, identityStoreId } = opts;
  const fetchedAt = (opts.now ?? (() => new Date()))().toISOString();
  const users: TargetUser[] = [];
  const groups: TargetGroup[] = [];
  await Promise.all([
    step('ListUsers', identityStoreId, async () => {
      for await (const page of paginateListUsers(
        { client, pageSize: PAGE_SIZE },
        { IdentityStoreId: identityStoreId },
      )) {
        for (const u of page.Users ?? []) users.push(toTargetUser(u));
      }
    }),
    step('ListGroups', identityStoreId, async () => {
      for await (const page of paginateListGroups(
        { client, pageSize: PAGE_SIZE },
        { IdentityStoreId: identityStoreId },
      )) {
        for (const g of page.Groups ?? []) groups.push(toTargetGroup(g));
      }
    }),
  ]);
  return { identityStoreId, fetchedAt, users, groups, memberships: [], membershipsReadFor: [] };
}

/** The groups of a snapshot whose memberships the provider must know and that are not read yet. */
export function membershipsToRead(snapshot: TargetSnapshot, rules: OwnershipRules): TargetGroup[] {
  const done = new Set(snapshot.membershipsReadFor);
  return snapshot.groups.filter((g) => mayManageGroup(rules, g) && !done.has(g.groupId));
}

/**
 * Reads the memberships of the groups still to read (one ListGroupMemberships chain per group, a
 * few at a time) into `snapshot`, adding each group to `membershipsReadFor` once its whole chain is
 * read. With `stop`, starts no further chain once stop() says so (at least one is read, so every call
 * makes progress); returns how many groups are left.
 */
export async function readMemberships(
  snapshot: TargetSnapshot,
  opts: ReadTargetOptions & { stop?: () => boolean },
): Promise<{ left: number }> {
  const { client, identityStoreId } = opts;
  const todo = membershipsToRead(snapshot, opts.rules);
  await mapLimit(
    todo,
    opts.concurrency ?? 4,
    (g) =>
      step(`ListGroupMemberships of ${g.displayName}`, identityStoreId, async () => {
        const found: TargetMembership[] = [];
        let NextToken: string | undefined;
        do {
          const page = await client.send(
            new ListGroupMembershipsCommand({
              IdentityStoreId: identityStoreId,
              GroupId: g.groupId,
              MaxResults: PAGE_SIZE,
              NextToken,
            }),
          );
          for (const m of page.GroupMemberships ?? []) {
            if (m.MemberId && 'UserId' in m.MemberId && m.MemberId.UserId && m.MembershipId) {
              found.push({ membershipId: m.MembershipId, groupId: g.groupId, userId: m.MemberId.UserId });
            }
          }
          NextToken = page.NextToken;
        } while (NextToken);
        snapshot.memberships.push(...found);
        snapshot.membershipsReadFor.push(g.groupId);
      }),
    opts.stop,
  );
  return { left: membershipsToRead(snapshot, opts.rules).length };
}

/** The whole read in one go (local runs, benchmarks, tests): users, groups, then memberships. */
export async function readTargetSnapshot(opts: ReadTargetOptions): Promise<TargetSnapshot> {
  const snapshot = await readUsersAndGroups(opts);
  await readMemberships(snapshot, opts);
  logRead(opts.log ?? silentLog, snapshot);
  return snapshot;
}

export function logRead(log: Log, snapshot: TargetSnapshot): void {
  log.info('read the Identity Store', {
    users: snapshot.users.length,
    groups: snapshot.groups.length,
    groupsWithMembershipsRead: snapshot.membershipsReadFor.length,
    memberships: snapshot.memberships.length,
  });
}
