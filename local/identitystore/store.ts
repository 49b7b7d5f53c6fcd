/**
 * The identity store's state and its semantics: users, groups and memberships with indexes by id, by
 * lower-cased unique name, by email and external id, and memberships by group, by user and by pair.
 * Every lookup is O(1); deleting a user or group also deletes its memberships, as the service does.
 */
import {
  type Attributes,
  type GroupRecord,
  type MembershipRecord,
  newIdentityStoreId,
  resourceIdPrefix,
  SeqIndex,
  type UserRecord,
  uuidV4,
} from './entities';
import { notFound, uniquenessConflict } from './errors';

interface ExternalId {
  Issuer: string;
  Id: string;
}

function externalKeys(attrs: Attributes): string[] {
  const ids = attrs.ExternalIds;
  if (!Array.isArray(ids)) return [];
  return (ids as ExternalId[]).map((e) => externalKey(e.Issuer, e.Id));
}

export function externalKey(issuer: string, id: string): string {
  return `${issuer}\n${id}`;
}

function emailKeys(attrs: Attributes): string[] {
  const emails = attrs.Emails;
  if (!Array.isArray(emails)) return [];
  return (emails as { Value?: unknown }[])
    .map((e) => e.Value)
    .filter((v): v is string => typeof v === 'string')
    .map((v) => v.toLowerCase());
}

function lower(v: unknown): string | undefined {
  return typeof v === 'string' ? v.toLowerCase() : undefined;
}

export class Store {
  readonly identityStoreId: string;
  private readonly prefix: string;
  private readonly random: (() => number) | undefined;
  private seq = 0;

  readonly users = new Map<string, UserRecord>();
  readonly userOrder = new SeqIndex<UserRecord>();
  private readonly usersByName = new Map<string, UserRecord>();
  private readonly usersByEmail = new Map<string, Set<UserRecord>>();
  private readonly usersByExternalId = new Map<string, UserRecord>();

  readonly groups = new Map<string, GroupRecord>();
  readonly groupOrder = new SeqIndex<GroupRecord>();
  private readonly groupsByName = new Map<string, GroupRecord>();
  private readonly groupsByExternalId = new Map<string, GroupRecord>();

  readonly memberships = new Map<string, MembershipRecord>();
  /** group id → user id → membership */
  private readonly membershipsByPair = new Map<string, Map<string, MembershipRecord>>();
  private readonly membershipsByGroup = new Map<string, SeqIndex<MembershipRecord>>();
  private readonly membershipsByUser = new Map<string, SeqIndex<MembershipRecord>>();

  constructor(identityStoreId?: string, random?: () => number) {
    this.random = random;
    this.identityStoreId = identityStoreId ?? newIdentityStoreId(random);
    this.prefix = resourceIdPrefix(this.identityStoreId);
  }

  newId(): string {
    return `${this.prefix}-${uuidV4(this.random)}`;
  }

  // ---- users ----

  getUser(id: string): UserRecord {
    const u = this.users.get(id);
    if (!u) throw notFound('USER', id);
    return u;
  }

  userByName(name: string): UserRecord | undefined {
    return this.usersByName.get(name.toLowerCase());
  }

  /** The oldest user with this email address (ignoring case). */
  userByEmail(email: string): UserRecord | undefined {
    let best: UserRecord | undefined;
    for (const u of this.usersByEmail.get(email.toLowerCase()) ?? []) if (!best || u.seq < best.seq) best = u;
    return best;
  }

  userByExternalId(issuer: string, id: string): UserRecord | undefined {
    return this.usersByExternalId.get(externalKey(issuer, id));
  }

  createUser(attrs: Attributes, id?: string): UserRecord {
    const name = lower(attrs.UserName) ?? '';
    if (this.usersByName.has(name)) throw uniquenessConflict(`Duplicate UserName: ${String(attrs.UserName)}`);
    const userId = id ?? this.newId();
    if (this.users.has(userId)) throw uniquenessConflict(`Duplicate UserId: ${userId}`);
    const now = Date.now();
    const u: UserRecord = { id: userId, seq: ++this.seq, alive: true, attrs, createdAt: now, updatedAt: now };
    this.users.set(userId, u);
    this.userOrder.add(u);
    this.indexUser(u);
    return u;
  }

  /** Replaces a user's attributes (already validated), keeping the name unique ignoring case. */
  replaceUser(u: UserRecord, attrs: Attributes): void {
    const name = lower(attrs.UserName) ?? '';
    const holder = this.usersByName.get(name);
    if (holder && holder !== u) throw uniquenessConflict(`Duplicate UserName: ${String(attrs.UserName)}`);
    this.unindexUser(u);
    u.attrs = attrs;
    u.updatedAt = Date.now();
    this.indexUser(u);
  }

  deleteUser(id: string): void {
    const u = this.getUser(id);
    for (const m of [...(this.membershipsByUser.get(id) ?? [])]) this.removeMembership(m);
    this.membershipsByUser.delete(id);
    this.unindexUser(u);
    this.users.delete(id);
    u.alive = false;
    this.userOrder.removed();
  }

  private indexUser(u: UserRecord): void {
    this.usersByName.set(lower(u.attrs.UserName) ?? '', u);
    for (const e of emailKeys(u.attrs)) {
      const set = this.usersByEmail.get(e) ?? new Set<UserRecord>();
      set.add(u);
      this.usersByEmail.set(e, set);
    }
    for (const k of externalKeys(u.attrs)) this.usersByExternalId.set(k, u);
  }

  private unindexUser(u: UserRecord): void {
    this.usersByName.delete(lower(u.attrs.UserName) ?? '');
    for (const e of emailKeys(u.attrs)) {
      const set = this.usersByEmail.get(e);
      set?.delete(u);
      if (set?.size === 0) this.usersByEmail.delete(e);
    }
    for (const k of externalKeys(u.attrs)) this.usersByExternalId.delete(k);
  }

  // ---- groups ----

  getGroup(id: string): GroupRecord {
    const g = this.groups.get(id);
    if (!g) throw notFound('GROUP', id);
    return g;
  }

  groupByName(name: string): GroupRecord | undefined {
    return this.groupsByName.get(name.toLowerCase());
  }

  groupByExternalId(issuer: string, id: string): GroupRecord | undefined {
    return this.groupsByExternalId.get(externalKey(issuer, id));
  }

  createGroup(attrs: Attributes, id?: string): GroupRecord {
    const name = lower(attrs.DisplayName) ?? '';
    if (this.groupsByName.has(name)) {
      throw uniquenessConflict(`Duplicate GroupDisplayName: ${String(attrs.DisplayName)}`);
    }
    const groupId = id ?? this.newId();
    if (this.groups.has(groupId)) throw uniquenessConflict(`Duplicate GroupId: ${groupId}`);
    const now = Date.now();
    const g: GroupRecord = {
      id: groupId,
      seq: ++this.seq,
      alive: true,
      attrs,
      createdAt: now,
      updatedAt: now,
    };
    this.groups.set(groupId, g);
    this.groupOrder.add(g);
    this.indexGroup(g);
    return g;
  }

  replaceGroup(g: GroupRecord, attrs: Attributes): void {
    const name = lower(attrs.DisplayName) ?? '';
    const holder = this.groupsByName.get(name);
    if (holder && holder !== g) {
      throw uniquenessConflict(`Duplicate GroupDisplayName: ${String(attrs.DisplayName)}`);
    }
    this.unindexGroup(g);
    g.attrs = attrs;
    g.updatedAt = Date.now();
    this.indexGroup(g);
  }

  deleteGroup(id: string): void {
    const g = this.getGroup(id);
    for (const m of [...(this.membershipsByGroup.get(id) ?? [])]) this.removeMembership(m);
    this.membershipsByGroup.delete(id);
    this.unindexGroup(g);
    this.groups.delete(id);
    g.alive = false;
    this.groupOrder.removed();
  }

  private indexGroup(g: GroupRecord): void {
    this.groupsByName.set(lower(g.attrs.DisplayName) ?? '', g);
    for (const k of externalKeys(g.attrs)) this.groupsByExternalId.set(k, g);
  }

  private unindexGroup(g: GroupRecord): void {
    this.groupsByName.delete(lower(g.attrs.DisplayName) ?? '');
    for (const k of externalKeys(g.attrs)) this.groupsByExternalId.delete(k);
  }

  // ---- memberships ----

  getMembership(id: string): MembershipRecord {
    const m = this.memberships.get(id);
    if (!m) throw notFound('GROUP_MEMBERSHIP', id, 'group membership');
    return m;
  }

  membershipOf(groupId: string, userId: string): MembershipRecord | undefined {
    return this.membershipsByPair.get(groupId)?.get(userId);
  }

  createMembership(groupId: string, userId: string): MembershipRecord {
    this.getGroup(groupId);
    this.getUser(userId);
    if (this.membershipOf(groupId, userId)) {
      throw uniquenessConflict(`Member ${userId} already exists in group ${groupId}`);
    }
    const m: MembershipRecord = {
      id: this.newId(),
      seq: ++this.seq,
      alive: true,
      groupId,
      userId,
      createdAt: Date.now(),
    };
    this.memberships.set(m.id, m);
    const byUser = this.membershipsByPair.get(groupId) ?? new Map<string, MembershipRecord>();
    byUser.set(userId, m);
    this.membershipsByPair.set(groupId, byUser);
    indexIn(this.membershipsByGroup, groupId).add(m);
    indexIn(this.membershipsByUser, userId).add(m);
    return m;
  }

  deleteMembership(id: string): void {
    this.removeMembership(this.getMembership(id));
  }

  /** Memberships of a group (or of a user) in creation order; empty index when there are none. */
  membershipsOfGroup(groupId: string): SeqIndex<MembershipRecord> {
    return this.membershipsByGroup.get(groupId) ?? EMPTY;
  }

  membershipsOfUser(userId: string): SeqIndex<MembershipRecord> {
    return this.membershipsByUser.get(userId) ?? EMPTY;
  }

  private removeMembership(m: MembershipRecord): void {
    if (!m.alive) return;
    m.alive = false;
    this.memberships.delete(m.id);
    const byUser = this.membershipsByPair.get(m.groupId);
    byUser?.delete(m.userId);
    if (byUser?.size === 0) this.membershipsByPair.delete(m.groupId);
    this.membershipsByGroup.get(m.groupId)?.removed();
    this.membershipsByUser.get(m.userId)?.removed();
    if (this.membershipsByGroup.get(m.groupId)?.size === 0) this.membershipsByGroup.delete(m.groupId);
    if (this.membershipsByUser.get(m.userId)?.size === 0) this.membershipsByUser.delete(m.userId);
  }
}

const EMPTY = new SeqIndex<MembershipRecord>();

function indexIn(map: Map<string, SeqIndex<MembershipRecord>>, key: string): SeqIndex<MembershipRecord> {
  const existing = map.get(key);
  if (existing) return existing;
  const idx = new SeqIndex<MembershipRecord>();
  map.set(key, idx);
  return idx;
}
