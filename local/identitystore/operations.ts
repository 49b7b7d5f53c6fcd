/**
 * The 19 Identity Store operations over a Store: request (already validated against the model) in,
 * response shape out. Paging uses an opaque token holding the last returned creation sequence number,
 * so pages stay correct when records are created or deleted between calls.
 */
import {
  applyGroupOperations,
  applyUserOperations,
  groupRuleErrors,
  pickAttributes,
  userRuleErrors,
} from './attributes';
import type { GroupRecord, MembershipRecord, SeqIndex, UserRecord } from './entities';
import { notFound, ServiceError, validationError } from './errors';
import { type OperationName, throwIfInvalid } from './model';
import type { Store } from './store';

// biome-ignore lint/suspicious/noExplicitAny: requests are validated against the model before they get here
type Input = Record<string, any>;
type Output = Record<string, unknown>;
export type Handler = (store: Store, input: Input) => Output;

const DEFAULT_PAGE = 100;
const seconds = (ms: number) => ms / 1000;

export function userShape(store: Store, u: UserRecord, extensions?: string[]): Output {
  const { Extensions, ...attrs } = u.attrs;
  const out: Output = { IdentityStoreId: store.identityStoreId, UserId: u.id, ...attrs };
  if (extensions && Extensions && typeof Extensions === 'object') {
    const picked = Object.entries(Extensions).filter(([k]) => extensions.includes(k));
    if (picked.length > 0) out.Extensions = Object.fromEntries(picked);
  }
  out.CreatedAt = seconds(u.createdAt);
  out.UpdatedAt = seconds(u.updatedAt);
  return out;
}

export function groupShape(store: Store, g: GroupRecord): Output {
  return {
    IdentityStoreId: store.identityStoreId,
    GroupId: g.id,
    ...g.attrs,
    CreatedAt: seconds(g.createdAt),
    UpdatedAt: seconds(g.updatedAt),
  };
}

function membershipShape(store: Store, m: MembershipRecord): Output {
  return {
    IdentityStoreId: store.identityStoreId,
    MembershipId: m.id,
    GroupId: m.groupId,
    MemberId: { UserId: m.userId },
    CreatedAt: seconds(m.createdAt),
    UpdatedAt: seconds(m.createdAt),
  };
}

// ---- paging ----

interface Cursor {
  op: string;
  scope: string;
  seq: number;
}

export function encodeToken(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.op, c.scope, c.seq])).toString('base64url');
}

function decodeToken(token: unknown, op: string, scope: string): number {
  if (token === undefined || token === null) return 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed[0] !== op || parsed[1] !== scope || !Number.isInteger(parsed[2])) {
    throw validationError('The NextToken is invalid or expired.');
  }
  return parsed[2] as number;
}

function page<T extends { seq: number; alive: boolean }>(
  index: SeqIndex<T>,
  input: Input,
  op: string,
  scope: string,
): { items: T[]; NextToken?: string } {
  const after = decodeToken(input.NextToken, op, scope);
  const { items, more } = index.page(after, (input.MaxResults as number | undefined) ?? DEFAULT_PAGE);
  const last = items[items.length - 1];
  return more && last ? { items, NextToken: encodeToken({ op, scope, seq: last.seq }) } : { items };
}

/** Deprecated `Filters`: one exact match (ignoring case) on the unique name attribute. */
function filterValue(input: Input, path: string): string | undefined {
  const filters = input.Filters as { AttributePath: string; AttributeValue: string }[] | undefined;
  const f = filters?.[0];
  if (!f) return undefined;
  if (f.AttributePath.toLowerCase() !== path.toLowerCase()) {
    throw validationError(
      `Value at 'Filters[0].AttributePath' failed to satisfy constraint: Only ${path} is supported`,
    );
  }
  return f.AttributeValue;
}

// ---- helpers ----

function memberUserId(input: Input): string {
  return (input.MemberId as { UserId: string }).UserId;
}

function uniqueAttribute(input: Input, allowed: string[]): { path: string; value: string } | undefined {
  const alt = input.AlternateIdentifier as {
    UniqueAttribute?: { AttributePath: string; AttributeValue: unknown };
  };
  const ua = alt.UniqueAttribute;
  if (!ua) return undefined;
  const path = ua.AttributePath.toLowerCase();
  if (!allowed.map((p) => p.toLowerCase()).includes(path)) {
    throw validationError(
      `Value at 'AlternateIdentifier.UniqueAttribute.AttributePath' failed to satisfy constraint: Must be one of [${allowed.join(', ')}]`,
    );
  }
  if (typeof ua.AttributeValue !== 'string') {
    throw validationError(
      `Value at 'AlternateIdentifier.UniqueAttribute.AttributeValue' failed to satisfy constraint: Member must be a string`,
    );
  }
  return { path, value: ua.AttributeValue };
}

function externalId(input: Input): { Issuer: string; Id: string } | undefined {
  return (input.AlternateIdentifier as { ExternalId?: { Issuer: string; Id: string } }).ExternalId;
}

function lookupMiss(type: 'USER' | 'GROUP'): ServiceError {
  return new ServiceError('ResourceNotFoundException', `${type} not found.`, { ResourceType: type });
}

// ---- the operations ----

export const HANDLERS: Record<OperationName, Handler> = {
  CreateUser(store, input) {
    const attrs = pickAttributes('CreateUserRequest', input, ['IdentityStoreId']);
    throwIfInvalid(userRuleErrors(attrs));
    return { IdentityStoreId: store.identityStoreId, UserId: store.createUser(attrs).id };
  },
  DescribeUser(store, input) {
    return userShape(store, store.getUser(input.UserId), input.Extensions);
  },
  UpdateUser(store, input) {
    const u = store.getUser(input.UserId);
    store.replaceUser(u, applyUserOperations(u.attrs, input.Operations));
    return {};
  },
  DeleteUser(store, input) {
    store.deleteUser(input.UserId);
    return {};
  },
  ListUsers(store, input) {
    const name = filterValue(input, 'UserName');
    if (name !== undefined) {
      const u = store.userByName(name);
      return { Users: u ? [userShape(store, u, input.Extensions)] : [] };
    }
    const p = page(store.userOrder, input, 'ListUsers', '');
    return { Users: p.items.map((u) => userShape(store, u, input.Extensions)), NextToken: p.NextToken };
  },
  GetUserId(store, input) {
    const ua = uniqueAttribute(input, ['userName', 'emails.value']);
    const ext = externalId(input);
    let u: UserRecord | undefined;
    if (ua) u = ua.path === 'username' ? store.userByName(ua.value) : store.userByEmail(ua.value);
    else if (ext) u = store.userByExternalId(ext.Issuer, ext.Id);
    if (!u) throw lookupMiss('USER');
    return { IdentityStoreId: store.identityStoreId, UserId: u.id };
  },

  CreateGroup(store, input) {
    const attrs = pickAttributes('CreateGroupRequest', input, ['IdentityStoreId']);
    throwIfInvalid(groupRuleErrors(attrs));
    return { IdentityStoreId: store.identityStoreId, GroupId: store.createGroup(attrs).id };
  },
  DescribeGroup(store, input) {
    return groupShape(store, store.getGroup(input.GroupId));
  },
  UpdateGroup(store, input) {
    const g = store.getGroup(input.GroupId);
    store.replaceGroup(g, applyGroupOperations(g.attrs, input.Operations));
    return {};
  },
  DeleteGroup(store, input) {
    store.deleteGroup(input.GroupId);
    return {};
  },
  ListGroups(store, input) {
    const name = filterValue(input, 'DisplayName');
    if (name !== undefined) {
      const g = store.groupByName(name);
      return { Groups: g ? [groupShape(store, g)] : [] };
    }
    const p = page(store.groupOrder, input, 'ListGroups', '');
    return { Groups: p.items.map((g) => groupShape(store, g)), NextToken: p.NextToken };
  },
  GetGroupId(store, input) {
    const ua = uniqueAttribute(input, ['displayName']);
    const ext = externalId(input);
    let g: GroupRecord | undefined;
    if (ua) g = store.groupByName(ua.value);
    else if (ext) g = store.groupByExternalId(ext.Issuer, ext.Id);
    if (!g) throw lookupMiss('GROUP');
    return { IdentityStoreId: store.identityStoreId, GroupId: g.id };
  },

  CreateGroupMembership(store, input) {
    const m = store.createMembership(input.GroupId, memberUserId(input));
    return { IdentityStoreId: store.identityStoreId, MembershipId: m.id };
  },
  DescribeGroupMembership(store, input) {
    return membershipShape(store, store.getMembership(input.MembershipId));
  },
  DeleteGroupMembership(store, input) {
    store.deleteMembership(input.MembershipId);
    return {};
  },
  GetGroupMembershipId(store, input) {
    const groupId = input.GroupId as string;
    const userId = memberUserId(input);
    store.getGroup(groupId);
    store.getUser(userId);
    const m = store.membershipOf(groupId, userId);
    if (!m) throw notFound('GROUP_MEMBERSHIP', `${groupId}/${userId}`, 'group membership');
    return { IdentityStoreId: store.identityStoreId, MembershipId: m.id };
  },
  IsMemberInGroups(store, input) {
    const userId = memberUserId(input);
    store.getUser(userId);
    const results = (input.GroupIds as string[]).map((groupId) => ({
      GroupId: groupId,
      MemberId: { UserId: userId },
      MembershipExists: store.membershipOf(groupId, userId) !== undefined,
    }));
    return { Results: results };
  },
  ListGroupMemberships(store, input) {
    const groupId = input.GroupId as string;
    store.getGroup(groupId);
    const p = page(store.membershipsOfGroup(groupId), input, 'ListGroupMemberships', groupId);
    return { GroupMemberships: p.items.map((m) => membershipShape(store, m)), NextToken: p.NextToken };
  },
  ListGroupMembershipsForMember(store, input) {
    const userId = memberUserId(input);
    store.getUser(userId);
    const p = page(store.membershipsOfUser(userId), input, 'ListGroupMembershipsForMember', userId);
    return { GroupMemberships: p.items.map((m) => membershipShape(store, m)), NextToken: p.NextToken };
  },
};
