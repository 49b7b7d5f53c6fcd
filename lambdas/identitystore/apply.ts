/**
 * Applies plan operations to the Identity Store, idempotently, so that a batch can run again (a
 * retry, a redrive, a crash half-way) and converge without duplicates:
 * - a create that meets "already exists" is done when the existing entity is the provider's and
 *   records the same source id (an earlier attempt made it), and a conflict (left alone) when not;
 * - a rename that meets a name in use is a conflict (someone took the name since the plan);
 * - before a delete or a membership removal, a Describe call confirms that the user or group is
 *   still the provider's and still the one planned (the same recorded source id); if not, the
 *   operation is a conflict, never applied: ownership can change between plan and apply, or before
 *   a redrive hours later;
 * - a delete or membership removal that meets "not found" is done;
 * - a membership add that meets "already a member" is done.
 * Entities created in this plan are named in the operations; their ids come from `ids` (filled as
 * creates succeed) or are looked up (Get*Id), and a looked-up entity is used only if the provider
 * owns it.
 *
 * Every operation of the batch is attempted; failures are returned per operation (the caller
 * decides whether the batch failed). The SDK client's own retry handles throttling first.
 */
import {
  CreateGroupCommand,
  CreateGroupMembershipCommand,
  CreateUserCommand,
  DeleteGroupCommand,
  DeleteGroupMembershipCommand,
  DeleteUserCommand,
  DescribeGroupCommand,
  DescribeUserCommand,
  GetGroupIdCommand,
  GetUserIdCommand,
  type IdentitystoreClient,
  UpdateGroupCommand,
  UpdateUserCommand,
} from '@aws-sdk/client-identitystore';
import { describeOp } from '../core/describe';
import {
  nameKey,
  type Operation,
  type OperationOf,
  type OpResult,
  type TargetGroup,
  type TargetUser,
} from '../core/model';
import {
  groupOwner,
  type OwnershipRules,
  PROVIDER_NAMES,
  recordedGroupId,
  recordedUserId,
  userOwner,
} from '../core/ownership';
import { toTargetGroup, toTargetUser } from './read';
import { awsErrorName, isRetryable, type Log, mapLimit, silentLog } from './util';

/** Ids of the provider's users and groups by name key, as far as known. */
export interface KnownIds {
  users: Map<string, string>;
  groups: Map<string, string>;
}

export interface ApplyOptions {
  client: IdentitystoreClient;
  identityStoreId: string;
  rules: OwnershipRules;
  ids?: KnownIds;
  /** Operations in flight at once within this batch. */
  concurrency?: number;
  log?: Log;
}

export { describeOp };

export type AppliedOp = OpResult & { id?: string };

/** The entity exists but is not the provider's: the operation is a conflict and is not applied. */
class NotOwned extends Error {}
/** The entity is the provider's but no longer the one planned, or a name it needs is in use. */
class Changed extends Error {}
/** The entity an operation depends on does not exist (its create failed or was a conflict). */
class Missing extends Error {}

const NAME_PATH = { user: 'userName', group: 'displayName' } as const;

export async function applyOperations(ops: readonly Operation[], opts: ApplyOptions): Promise<AppliedOp[]> {
  const { client, identityStoreId: IdentityStoreId, rules } = opts;
  const log = opts.log ?? silentLog;
  const who = PROVIDER_NAMES[rules.provider];
  const ids: KnownIds = opts.ids ?? { users: new Map(), groups: new Map() };
  const lookups = new Map<string, Promise<string>>();

  /** Describe answers within this batch (the removals of one group describe it once). */
  const described = new Map<string, Promise<TargetUser | TargetGroup | undefined>>();
  const describe = (kind: 'user' | 'group', id: string) => {
    const key = `${kind}:${id}`;
    let p = described.get(key);
    if (!p) {
      p = (async () => {
        try {
          return kind === 'user'
            ? toTargetUser(await client.send(new DescribeUserCommand({ IdentityStoreId, UserId: id })))
            : toTargetGroup(await client.send(new DescribeGroupCommand({ IdentityStoreId, GroupId: id })));
        } catch (err) {
          if (awsErrorName(err) === 'ResourceNotFoundException') return undefined;
          throw err;
        }
      })();
      described.set(key, p);
      p.catch(() => described.delete(key));
    }
    return p;
  };
  /**
   * Whether a user or group is (still) the provider's ('gone' when it no longer exists), and, unless
   * `recordedId` is null, still records that source id (undefined: none).
   */
  const check = async (
    kind: 'user' | 'group',
    id: string,
    recordedId: string | undefined | null,
  ): Promise<'owned' | 'gone' | 'other'> => {
    const e = await describe(kind, id);
    if (!e) return 'gone';
    const [owned, recorded] =
      kind === 'user'
        ? [userOwner(rules, e as TargetUser) === 'owned', recordedUserId(rules, e as TargetUser)]
        : [groupOwner(rules, e as TargetGroup) === 'owned', recordedGroupId(rules, e as TargetGroup)];
    if (!owned) return 'other';
    return recordedId === null || recorded === recordedId ? 'owned' : 'other';
  };

  /** Finds the id of the provider's user or group by name; throws NotOwned / Missing. */
  const resolve = (kind: 'user' | 'group', name: string): Promise<string> => {
    const known = (kind === 'user' ? ids.users : ids.groups).get(nameKey(name));
    if (known) return Promise.resolve(known);
    const cacheKey = `${kind}:${nameKey(name)}`;
    let p = lookups.get(cacheKey);
    if (!p) {
      p = (async () => {
        const AlternateIdentifier = {
          UniqueAttribute: { AttributePath: NAME_PATH[kind], AttributeValue: name },
        };
        let id: string;
        try {
          id =
            kind === 'user'
              ? (await client.send(new GetUserIdCommand({ IdentityStoreId, AlternateIdentifier }))).UserId!
              : (await client.send(new GetGroupIdCommand({ IdentityStoreId, AlternateIdentifier }))).GroupId!;
        } catch (err) {
          if (awsErrorName(err) === 'ResourceNotFoundException')
            throw new Missing(`${kind} ${name} does not exist`);
          throw err;
        }
        const state = await check(kind, id, null);
        if (state === 'gone') throw new Missing(`${kind} ${name} does not exist`);
        if (state === 'other') throw new NotOwned(`${kind} ${name} exists but is not managed by ${who}`);
        (kind === 'user' ? ids.users : ids.groups).set(nameKey(name), id);
        return id;
      })();
      lookups.set(cacheKey, p);
      // A definite answer (missing, not ours) is kept; a failed lookup may be retried by a later op.
      p.catch((err) => {
        if (!(err instanceof Missing || err instanceof NotOwned)) lookups.delete(cacheKey);
      });
    }
    return p;
  };

  /**
   * A create met an existing entity: done if it is ours and records this source id (an earlier
   * attempt made it), else a conflict.
   */
  const existing = async (kind: 'user' | 'group', name: string, record: string): Promise<AppliedOp> => {
    const id = await resolve(kind, name);
    const e = await describe(kind, id);
    const now =
      kind === 'user'
        ? (e as TargetUser | undefined)?.profileUrl
        : (e as TargetGroup | undefined)?.description;
    if (now !== record)
      throw new Changed(`${kind} ${name} already exists as another of ${who}'s ${kind}s (${id}); left alone`);
    return { status: 'already-done', id };
  };

  /** Deletes a user or group after checking it is still the provider's and the one planned. */
  const checkedDelete = async (
    kind: 'user' | 'group',
    id: string,
    name: string,
    recordedId: string | undefined,
    send: () => Promise<unknown>,
  ): Promise<AppliedOp> => {
    const state = await check(kind, id, recordedId);
    if (state === 'gone') return { status: 'already-done' };
    if (state === 'other')
      throw new Changed(
        `${kind} ${name} (${id}) is no longer ${who}'s, or no longer the one planned (another source id or marker); not deleted`,
      );
    return goneIsDone(send);
  };

  /** An update whose new name someone took since the plan is a conflict, not a failure. */
  const renaming = async (what: string, send: () => Promise<unknown>): Promise<AppliedOp> => {
    try {
      await send();
      return { status: 'done' };
    } catch (err) {
      if (isUniqueness(err))
        throw new Changed(`${what}: the name is in use by another entity since the plan was made`);
      throw err;
    }
  };

  const run: { [K in Operation['op']]: (op: OperationOf<K>) => Promise<AppliedOp> } = {
    createGroup: async (op) => {
      try {
        const r = await client.send(
          new CreateGroupCommand({
            IdentityStoreId,
            DisplayName: op.displayName,
            Description: op.description,
          }),
        );
        ids.groups.set(nameKey(op.displayName), r.GroupId!);
        return { status: 'done', id: r.GroupId! };
      } catch (err) {
        if (isUniqueness(err)) return existing('group', op.displayName, op.description);
        throw err;
      }
    },
    createUser: async (op) => {
      try {
        const r = await client.send(
          new CreateUserCommand({
            IdentityStoreId,
            UserName: op.userName,
            DisplayName: op.displayName,
            Name: {
              GivenName: op.name.givenName,
              FamilyName: op.name.familyName,
              ...(op.name.formatted !== undefined ? { Formatted: op.name.formatted } : {}),
            },
            Emails: [{ Value: op.email.value, Type: op.email.type, Primary: op.email.primary }],
            ProfileUrl: op.profileUrl,
          }),
        );
        ids.users.set(nameKey(op.userName), r.UserId!);
        return { status: 'done', id: r.UserId! };
      } catch (err) {
        if (isUniqueness(err)) return existing('user', op.userName, op.profileUrl);
        throw err;
      }
    },
    updateUser: async (op) => {
      const Operations: { AttributePath: string; AttributeValue: unknown }[] = [];
      if (op.set.userName !== undefined)
        Operations.push({ AttributePath: 'userName', AttributeValue: op.set.userName });
      if (op.set.profileUrl !== undefined)
        Operations.push({ AttributePath: 'profileUrl', AttributeValue: op.set.profileUrl });
      if (op.set.displayName !== undefined)
        Operations.push({ AttributePath: 'displayName', AttributeValue: op.set.displayName });
      if (op.set.name !== undefined) {
        Operations.push({ AttributePath: 'name.givenName', AttributeValue: op.set.name.givenName });
        Operations.push({ AttributePath: 'name.familyName', AttributeValue: op.set.name.familyName });
        if (op.set.name.formatted !== undefined) {
          Operations.push({ AttributePath: 'name.formatted', AttributeValue: op.set.name.formatted });
        }
      }
      if (op.set.email !== undefined) {
        // Multi-value attributes are replaced whole.
        const e = op.set.email;
        Operations.push({
          AttributePath: 'emails',
          AttributeValue: [{ Value: e.value, Type: e.type, Primary: e.primary }],
        });
      }
      if (Operations.length === 0) return { status: 'already-done' };
      return renaming(`update user ${op.userName}`, () =>
        client.send(
          new UpdateUserCommand({ IdentityStoreId, UserId: op.userId, Operations: Operations as never }),
        ),
      );
    },
    updateGroup: async (op) => {
      const Operations: { AttributePath: string; AttributeValue: unknown }[] = [];
      if (op.set.displayName !== undefined)
        Operations.push({ AttributePath: 'displayName', AttributeValue: op.set.displayName });
      if (op.set.description !== undefined)
        Operations.push({ AttributePath: 'description', AttributeValue: op.set.description });
      if (Operations.length === 0) return { status: 'already-done' };
      return renaming(`update group ${op.displayName}`, () =>
        client.send(
          new UpdateGroupCommand({ IdentityStoreId, GroupId: op.groupId, Operations: Operations as never }),
        ),
      );
    },
    renameUser: (op) =>
      renaming(`rename user ${op.userName} to ${op.to}`, () =>
        client.send(
          new UpdateUserCommand({
            IdentityStoreId,
            UserId: op.userId,
            Operations: [{ AttributePath: 'userName', AttributeValue: op.to as never }],
          }),
        ),
      ),
    renameGroup: (op) =>
      renaming(`rename group ${op.displayName} to ${op.to}`, () =>
        client.send(
          new UpdateGroupCommand({
            IdentityStoreId,
            GroupId: op.groupId,
            Operations: [{ AttributePath: 'displayName', AttributeValue: op.to as never }],
          }),
        ),
      ),
    addMember: async (op) => {
      const [GroupId, UserId] = await Promise.all([
        op.groupId ?? resolve('group', op.group),
        op.userId ?? resolve('user', op.user),
      ]);
      try {
        const r = await client.send(
          new CreateGroupMembershipCommand({ IdentityStoreId, GroupId, MemberId: { UserId } }),
        );
        return { status: 'done', id: r.MembershipId! };
      } catch (err) {
        if (isUniqueness(err)) return { status: 'already-done' };
        throw err;
      }
    },
    removeMember: async (op) => {
      // Ownership only (null: any recorded id): a removal is about who is in the group now.
      const [user, group] = await Promise.all([
        check('user', op.userId, null),
        check('group', op.groupId, null),
      ]);
      if (user === 'gone' || group === 'gone') return { status: 'already-done' };
      if (user === 'other' || group === 'other')
        throw new Changed(
          `${user === 'other' ? `user ${op.user}` : `group ${op.group}`} is no longer ${who}'s; the membership is left`,
        );
      return goneIsDone(() =>
        client.send(new DeleteGroupMembershipCommand({ IdentityStoreId, MembershipId: op.membershipId })),
      );
    },
    deleteUser: (op) =>
      checkedDelete('user', op.userId, op.userName, op.recordedId, () =>
        client.send(new DeleteUserCommand({ IdentityStoreId, UserId: op.userId })),
      ),
    deleteGroup: (op) =>
      checkedDelete('group', op.groupId, op.displayName, op.recordedId, () =>
        client.send(new DeleteGroupCommand({ IdentityStoreId, GroupId: op.groupId })),
      ),
  };

  return mapLimit(ops, opts.concurrency ?? 4, async (op) => {
    let result: AppliedOp;
    try {
      result = await (run[op.op] as (o: Operation) => Promise<AppliedOp>)(op);
    } catch (err) {
      if (err instanceof NotOwned) result = { status: 'conflict', error: 'NotOwned', message: err.message };
      else if (err instanceof Changed)
        result = { status: 'conflict', error: 'Changed', message: err.message };
      else if (err instanceof Missing)
        result = { status: 'failed', error: 'DependencyMissing', message: err.message, retryable: false };
      else {
        result = {
          status: 'failed',
          error: awsErrorName(err),
          message: (err as Error).message,
          retryable: isRetryable(err),
        };
      }
    }
    const line = {
      ...describeOp(op),
      status: result.status,
      ...(result.error ? { error: result.error, reason: result.message } : {}),
    };
    if (result.status === 'failed') log.warn('operation failed', line);
    else if (result.status === 'conflict') log.warn('operation skipped: conflict', line);
    else log.info('applied', line);
    return result;
  });
}

/** A delete whose target is already gone is done (an earlier attempt, or someone else, deleted it). */
async function goneIsDone(send: () => Promise<unknown>): Promise<AppliedOp> {
  try {
    await send();
    return { status: 'done' };
  } catch (err) {
    if (awsErrorName(err) === 'ResourceNotFoundException') return { status: 'already-done' };
    throw err;
  }
}

function isUniqueness(err: unknown): boolean {
  const e = err as { name?: string; Reason?: string };
  return e?.name === 'ConflictException' && e.Reason !== 'CONCURRENT_MODIFICATION';
}
