/**
 * The planner: given what the source says (SourceSnapshot) and what the Identity Store holds
 * (TargetSnapshot), the operations that make the provider's part of the store equal to the source.
 *
 * Rules (see docs/architecture.md):
 * - Only entities the provider owns (ownership.ts) are updated or deleted. A source entity whose
 *   name is taken by something the provider does not own is a conflict: reported, never written,
 *   and its memberships are not planned.
 * - Memberships are managed inside managed groups (owned, adopted or created) and only for users
 *   the provider owns or creates; a hand-made user added to a synced group by hand stays.
 * - The Identity Store drops the memberships of a deleted user or group with it, so no removal is
 *   planned for them.
 * - The output order is deterministic (sorted by phase, operation and name), so the same inputs
 *   give the same plan and the same batches.
 */
import { SnapshotInvalidError } from './errors';
import {
  type Conflict,
  type Operation,
  type OperationKind,
  type SourceSnapshot,
  type SourceUser,
  type TargetSnapshot,
  type TargetUser,
  nameKey,
} from './model';
import { groupOwner, type OwnershipRules, userOwner } from './ownership';

export interface Plan {
  provider: OwnershipRules['provider'];
  ops: Operation[];
  conflicts: Conflict[];
  /** How many users and groups the provider owned before the plan (the deletion guard's base). */
  owned: { users: number; groups: number };
  source: { users: number; groups: number };
}

type UserAttrs = Pick<SourceUser, 'displayName' | 'name' | 'email'>;

/** The attributes of `want` that differ from `have` (only those the source sets). */
export function userChanges(want: UserAttrs, have: TargetUser): Partial<UserAttrs> {
  const set: Partial<UserAttrs> = {};
  if (want.displayName !== have.displayName) set.displayName = want.displayName;
  const n = have.name ?? {};
  if (
    want.name.givenName !== n.givenName ||
    want.name.familyName !== n.familyName ||
    (want.name.formatted !== undefined && want.name.formatted !== n.formatted)
  ) {
    set.name = want.name;
  }
  const e = have.emails?.[0];
  if (
    (have.emails?.length ?? 0) !== 1 ||
    e?.value !== want.email.value ||
    e?.type !== want.email.type ||
    (e?.primary ?? false) !== want.email.primary
  ) {
    set.email = want.email;
  }
  return set;
}

const OP_ORDER: Record<OperationKind, number> = {
  createGroup: 0,
  updateGroup: 1,
  createUser: 2,
  updateUser: 3,
  removeMember: 4,
  addMember: 5,
  deleteUser: 6,
  deleteGroup: 7,
};

/** Sort key of an operation: its kind, then the group and user names it is about. */
function sortKey(op: Operation): [number, string, string] {
  switch (op.op) {
    case 'createGroup':
    case 'updateGroup':
    case 'deleteGroup':
      return [OP_ORDER[op.op], nameKey(op.displayName), ''];
    case 'createUser':
    case 'updateUser':
    case 'deleteUser':
      return [OP_ORDER[op.op], nameKey(op.userName), ''];
    case 'addMember':
    case 'removeMember':
      // Memberships sort by group first so a batch resolves each group id once.
      return [4, nameKey(op.group), `${nameKey(op.user)}\u0000${OP_ORDER[op.op]}`];
  }
}

export function compareOps(a: Operation, b: Operation): number {
  const ka = sortKey(a);
  const kb = sortKey(b);
  for (let i = 0; i < 3; i++) {
    const x = ka[i] as string | number;
    const y = kb[i] as string | number;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}

export function computePlan(source: SourceSnapshot, target: TargetSnapshot, rules: OwnershipRules): Plan {
  const ops: Operation[] = [];
  const conflicts: Conflict[] = [];

  // --- users ---
  const targetUsers = new Map<string, TargetUser>();
  const userById = new Map<string, TargetUser>();
  const ownedUserIds = new Set<string>();
  for (const u of target.users) {
    targetUsers.set(nameKey(u.userName), u);
    userById.set(u.userId, u);
    if (userOwner(rules, u) === 'owned') ownedUserIds.add(u.userId);
  }
  const ownedUsersBefore = ownedUserIds.size;

  /** Source users we manage, by name key: the stored UserName, and the UserId unless this plan creates it. */
  const managedUsers = new Map<string, { userName: string; userId?: string }>();
  const keptUserIds = new Set<string>();
  for (const su of source.users) {
    const key = nameKey(su.userName);
    const tu = targetUsers.get(key);
    if (!tu) {
      ops.push({
        op: 'createUser',
        userName: su.userName,
        displayName: su.displayName,
        name: su.name,
        email: su.email,
      });
      managedUsers.set(key, { userName: su.userName });
      continue;
    }
    const owner = userOwner(rules, tu);
    if (owner !== 'owned') {
      conflicts.push({
        kind: 'user',
        name: su.userName,
        existingId: tu.userId,
        owner,
        message:
          owner === 'foreign'
            ? `user ${tu.userName} belongs to the other provider; left alone, its memberships here are not synced`
            : `user ${tu.userName} exists but is not managed by ${rules.provider} (made by hand or another tool); left alone`,
      });
      continue;
    }
    managedUsers.set(key, { userName: tu.userName, userId: tu.userId });
    keptUserIds.add(tu.userId);
    const set = userChanges(su, tu);
    if (Object.keys(set).length > 0)
      ops.push({ op: 'updateUser', userId: tu.userId, userName: tu.userName, set });
  }
  const deletedUserIds = new Set<string>();
  for (const id of ownedUserIds) {
    if (keptUserIds.has(id)) continue;
    const tu = userById.get(id)!;
    ops.push({ op: 'deleteUser', userId: id, userName: tu.userName });
    deletedUserIds.add(id);
  }

  // --- groups ---
  const targetGroups = new Map(target.groups.map((g) => [nameKey(g.displayName), g]));
  const ownedGroupIds = new Set(
    target.groups.filter((g) => groupOwner(rules, g) === 'owned').map((g) => g.groupId),
  );
  const readFor = new Set(target.membershipsReadFor);
  const membersByGroup = new Map<string, Map<string, string>>(); // groupId → userId → membershipId
  for (const m of target.memberships) {
    const byUser = membersByGroup.get(m.groupId) ?? new Map<string, string>();
    membersByGroup.set(m.groupId, byUser);
    byUser.set(m.userId, m.membershipId);
  }

  const keptGroupIds = new Set<string>();
  for (const sg of source.groups) {
    const tg = targetGroups.get(nameKey(sg.displayName));
    const wanted = [...new Set(sg.members.map(nameKey))].filter((k) => managedUsers.has(k));
    if (!tg) {
      ops.push(
        sg.description === undefined
          ? { op: 'createGroup', displayName: sg.displayName }
          : { op: 'createGroup', displayName: sg.displayName, description: sg.description },
      );
      for (const k of wanted) {
        const { userName, userId } = managedUsers.get(k)!;
        ops.push({ op: 'addMember', group: sg.displayName, user: userName, ...(userId ? { userId } : {}) });
      }
      continue;
    }
    const owner = groupOwner(rules, tg);
    if (owner === 'foreign' || owner === 'unowned') {
      conflicts.push({
        kind: 'group',
        name: sg.displayName,
        existingId: tg.groupId,
        owner,
        message:
          owner === 'foreign'
            ? `group ${tg.displayName} belongs to the other provider; left alone`
            : `group ${tg.displayName} exists but is not managed by ${rules.provider} (it has a description of its own); left alone`,
      });
      continue;
    }
    if (!readFor.has(tg.groupId)) {
      throw new SnapshotInvalidError(
        `memberships of group ${tg.displayName} (${tg.groupId}) were not read, so its members cannot be planned`,
      );
    }
    keptGroupIds.add(tg.groupId);
    if (sg.description !== undefined && sg.description !== tg.description) {
      ops.push({
        op: 'updateGroup',
        groupId: tg.groupId,
        displayName: tg.displayName,
        description: sg.description,
        reason: owner === 'adoptable' ? 'adopt' : 'changed',
      });
    }
    const current = membersByGroup.get(tg.groupId) ?? new Map<string, string>();
    const wantedIds = new Set<string>();
    for (const k of wanted) {
      const { userName, userId } = managedUsers.get(k)!;
      if (userId) wantedIds.add(userId);
      if (!userId || !current.has(userId)) {
        ops.push({
          op: 'addMember',
          group: tg.displayName,
          groupId: tg.groupId,
          user: userName,
          ...(userId ? { userId } : {}),
        });
      }
    }
    for (const [userId, membershipId] of current) {
      if (wantedIds.has(userId) || !ownedUserIds.has(userId) || deletedUserIds.has(userId)) continue;
      ops.push({
        op: 'removeMember',
        group: tg.displayName,
        user: userById.get(userId)!.userName,
        membershipId,
        groupId: tg.groupId,
        userId,
      });
    }
  }
  for (const g of target.groups) {
    if (ownedGroupIds.has(g.groupId) && !keptGroupIds.has(g.groupId)) {
      ops.push({ op: 'deleteGroup', groupId: g.groupId, displayName: g.displayName });
    }
  }

  ops.sort(compareOps);
  conflicts.sort((a, b) => (a.kind + nameKey(a.name) < b.kind + nameKey(b.name) ? -1 : 1));
  return {
    provider: rules.provider,
    ops,
    conflicts,
    owned: { users: ownedUsersBefore, groups: ownedGroupIds.size },
    source: { users: source.users.length, groups: source.groups.length },
  };
}

export interface PlanCounts {
  createUsers: number;
  updateUsers: number;
  deleteUsers: number;
  createGroups: number;
  updateGroups: number;
  deleteGroups: number;
  addMembers: number;
  removeMembers: number;
  conflicts: number;
  total: number;
}

export function countOps(plan: Pick<Plan, 'ops' | 'conflicts'>): PlanCounts {
  const c: PlanCounts = {
    createUsers: 0,
    updateUsers: 0,
    deleteUsers: 0,
    createGroups: 0,
    updateGroups: 0,
    deleteGroups: 0,
    addMembers: 0,
    removeMembers: 0,
    conflicts: plan.conflicts.length,
    total: plan.ops.length,
  };
  const field: Record<OperationKind, keyof PlanCounts> = {
    createUser: 'createUsers',
    updateUser: 'updateUsers',
    deleteUser: 'deleteUsers',
    createGroup: 'createGroups',
    updateGroup: 'updateGroups',
    deleteGroup: 'deleteGroups',
    addMember: 'addMembers',
    removeMember: 'removeMembers',
  };
  for (const op of plan.ops) c[field[op.op]]++;
  return c;
}
