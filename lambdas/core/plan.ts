/**
 * The planner: given what the source says (SourceSnapshot) and what the Identity Store holds
 * (TargetSnapshot), the operations that make the provider's part of the store equal to the source.
 *
 * Rules (see docs/architecture.md#ownership and #identity):
 * - Only entities the provider owns (ownership.ts) are updated or deleted.
 * - Source entities are matched to the store by recorded source id, then by name (identity.ts). A
 *   rename is an update: the Identity Store ids, and every assignment on them, stay.
 * - A source entity the store cannot hold (its name or attributes), that shares its name with
 *   another source entity (ignoring case and Unicode form), whose name is in the other provider's
 *   namespace or held by something the provider does not own, or that matches several store
 *   entities, is a conflict: reported, never written, and the store entities that may be it are
 *   left exactly as they are (not renamed, not updated, no membership change, never deleted).
 * - Memberships are managed inside managed groups and only for users the provider manages; a
 *   hand-made user added to a synced group by hand stays.
 * - The Identity Store drops the memberships of a deleted user or group with it, so no removal is
 *   planned for them.
 * - The output order is deterministic (sorted by phase, operation and name), so the same inputs
 *   give the same plan and the same batches.
 */
import { SnapshotInvalidError } from './errors';
import {
  assignNames,
  indexBy,
  type Matching,
  matchEntities,
  type NameClaim,
  type Naming,
  type StoreEntity,
  screenSource,
} from './identity';
import { type Conflict, nameKey, type Operation, type SourceSnapshot, type TargetSnapshot } from './model';
import {
  groupOwner,
  groupRecord,
  type OwnershipRules,
  recordedGroupId,
  recordedUserId,
  temporaryGroupName,
  temporaryUserName,
  userOwner,
  userRecord,
} from './ownership';
import { compareOps, countOps, groupChanges, type PlanCounts, userChanges } from './changes';

export { compareOps, countOps, type PlanCounts, userChanges };

export interface Plan {
  provider: OwnershipRules['provider'];
  ops: Operation[];
  conflicts: Conflict[];
  /** What the provider owned before the plan (the deletion guard's base). */
  owned: { users: number; groups: number; memberships: number };
  source: { users: number; groups: number };
}

/** How a matched or created entity ends up, for the memberships part of the plan. */
interface Managed {
  name: string;
  storeId?: string;
}

export function computePlan(source: SourceSnapshot, target: TargetSnapshot, rules: OwnershipRules): Plan {
  const ops: Operation[] = [];
  const screened = screenSource(source, rules);
  const conflicts: Conflict[] = [...screened.conflicts];

  // --- the store, as the matcher sees it ---
  const storeUsers: StoreEntity[] = target.users.map((u) => {
    const owner = userOwner(rules, u);
    // Stryker disable next-line ConditionalExpression: the matcher believes recorded ids on owned entities only (matching.test.ts)
    const recordedId = owner === 'owned' ? recordedUserId(rules, u) : undefined;
    return { id: u.userId, name: u.userName, owner, ...(recordedId ? { recordedId } : {}) };
  });
  const storeGroups: StoreEntity[] = target.groups.map((g) => {
    const owner = groupOwner(rules, g);
    // Stryker disable next-line ConditionalExpression: the matcher believes recorded ids on owned entities only (matching.test.ts)
    const recordedId = owner === 'owned' ? recordedGroupId(rules, g) : undefined;
    return { id: g.groupId, name: g.displayName, owner, ...(recordedId ? { recordedId } : {}) };
  });
  const userById = new Map(target.users.map((u) => [u.userId, u]));
  const groupById = new Map(target.groups.map((g) => [g.groupId, g]));

  // --- users ---
  const users = screened.users;
  const um = matchEntities(
    users.map((u) => ({ id: u.id, name: u.userName })),
    storeUsers,
    screened.blockedUsers,
  );
  const userNaming = name(
    'user',
    users.map((u) => ({ id: u.id, name: u.userName })),
    um,
    storeUsers,
    conflicts,
  );
  const managedUsers = new Map<string, Managed>(); // source id → final name, store id
  for (const su of users) {
    if (um.conflicts.has(su.id) || userNaming.blocked.has(su.id)) continue;
    const e = um.matched.get(su.id);
    const profileUrl = userRecord(rules, su.id);
    if (!e) {
      ops.push({
        op: 'createUser',
        userName: su.userName,
        displayName: su.displayName,
        name: su.name,
        email: su.email,
        profileUrl,
      });
      managedUsers.set(su.id, { name: su.userName });
      continue;
    }
    managedUsers.set(su.id, { name: su.userName, storeId: e.id });
    const set: Extract<Operation, { op: 'updateUser' }>['set'] = userChanges(
      { ...su, profileUrl },
      userById.get(e.id)!,
    );
    if (nameKey(su.userName) !== nameKey(e.name)) {
      const how = userNaming.vacate.get(e.id);
      if (how === 'final') {
        ops.push({ op: 'renameUser', userId: e.id, userName: e.name, to: su.userName, step: 'final' });
      } else {
        if (how === 'temporary') {
          const to = temporaryUserName(rules, e.id);
          ops.push({ op: 'renameUser', userId: e.id, userName: e.name, to, step: 'temporary' });
        }
        set.userName = su.userName;
      }
    }
    if (Object.keys(set).length > 0) ops.push({ op: 'updateUser', userId: e.id, userName: e.name, set });
  }
  const deletedUsers = new Set<string>();
  for (const e of unmatchedOwned(storeUsers, um)) {
    let userName = e.name;
    if (userNaming.vacate.has(e.id)) {
      userName = temporaryUserName(rules, e.id);
      ops.push({ op: 'renameUser', userId: e.id, userName: e.name, to: userName, step: 'temporary' });
    }
    ops.push({
      op: 'deleteUser',
      userId: e.id,
      userName,
      ...(e.recordedId ? { recordedId: e.recordedId } : {}),
    });
    deletedUsers.add(e.id);
  }

  // --- groups ---
  const groups = screened.groups;
  const gm = matchEntities(
    groups.map((g) => ({ id: g.id, name: g.displayName })),
    storeGroups,
    screened.blockedGroups,
  );
  const groupNaming = name(
    'group',
    groups.map((g) => ({ id: g.id, name: g.displayName })),
    gm,
    storeGroups,
    conflicts,
  );
  const readFor = new Set(target.membershipsReadFor);
  const membersByGroup = new Map<string, Map<string, string>>(); // groupId → userId → membershipId
  for (const m of target.memberships) {
    const byUser = membersByGroup.get(m.groupId) ?? new Map<string, string>();
    membersByGroup.set(m.groupId, byUser);
    byUser.set(m.userId, m.membershipId);
  }
  const frozenUsers = um.frozen;
  const ownedUserIds = new Set(storeUsers.filter((e) => e.owner === 'owned').map((e) => e.id));
  for (const sg of groups) {
    if (gm.conflicts.has(sg.id) || groupNaming.blocked.has(sg.id)) continue;
    const e = gm.matched.get(sg.id);
    const description = groupRecord(rules, sg.id);
    const wanted = [...new Set(sg.members)].filter((id) => managedUsers.has(id));
    if (!e) {
      ops.push({ op: 'createGroup', displayName: sg.displayName, description });
      for (const id of wanted) {
        const u = managedUsers.get(id)!;
        ops.push({
          op: 'addMember',
          group: sg.displayName,
          user: u.name,
          ...(u.storeId ? { userId: u.storeId } : {}),
        });
      }
      continue;
    }
    if (!readFor.has(e.id)) {
      throw new SnapshotInvalidError(
        `memberships of group ${e.name} (${e.id}) were not read, so its members cannot be planned`,
      );
    }
    const tg = groupById.get(e.id)!;
    const set = groupChanges({ displayName: sg.displayName, description }, tg);
    // Stryker disable next-line ConditionalExpression: vacate holds only entities this plan deletes or renames (a new name key, so displayName is set)
    if (set.displayName !== undefined) {
      const how = groupNaming.vacate.get(e.id);
      if (how === 'final') {
        ops.push({
          op: 'renameGroup',
          groupId: e.id,
          displayName: e.name,
          to: sg.displayName,
          step: 'final',
        });
        delete set.displayName;
      } else if (how === 'temporary') {
        const to = temporaryGroupName(rules, e.id);
        ops.push({ op: 'renameGroup', groupId: e.id, displayName: e.name, to, step: 'temporary' });
      }
    }
    if (Object.keys(set).length > 0) {
      ops.push({
        op: 'updateGroup',
        groupId: e.id,
        displayName: e.name,
        set,
        reason: e.owner === 'adoptable' ? 'adopt' : 'update',
      });
    }
    const members = membersByGroup.get(e.id) ?? new Map<string, string>();
    const wantedIds = new Set<string>();
    for (const id of wanted) {
      const u = managedUsers.get(id)!;
      if (u.storeId) wantedIds.add(u.storeId);
      if (!u.storeId || !members.has(u.storeId)) {
        ops.push({
          op: 'addMember',
          group: sg.displayName,
          groupId: e.id,
          user: u.name,
          ...(u.storeId ? { userId: u.storeId } : {}),
        });
      }
    }
    for (const [userId, membershipId] of members) {
      if (
        wantedIds.has(userId) ||
        !ownedUserIds.has(userId) ||
        deletedUsers.has(userId) ||
        frozenUsers.has(userId)
      )
        continue;
      ops.push({
        op: 'removeMember',
        group: sg.displayName,
        user: finalUserName(userId, managedUsers, userById),
        membershipId,
        groupId: e.id,
        userId,
      });
    }
  }
  for (const e of unmatchedOwned(storeGroups, gm)) {
    let displayName = e.name;
    if (groupNaming.vacate.has(e.id)) {
      displayName = temporaryGroupName(rules, e.id);
      ops.push({ op: 'renameGroup', groupId: e.id, displayName: e.name, to: displayName, step: 'temporary' });
    }
    ops.push({
      op: 'deleteGroup',
      groupId: e.id,
      displayName,
      ...(e.recordedId ? { recordedId: e.recordedId } : {}),
    });
  }

  ops.sort(compareOps);
  // By kind and name, then the exact name and the source id (two duplicates share a name key).
  // Stryker disable next-line StringLiteral: every conflict the planner makes has a sourceId (the fallback is for the type)
  const conflictKey = (c: Conflict) => [c.kind, nameKey(c.name), c.name, c.sourceId ?? ''];
  conflicts.sort((a, b) => compareKeys(conflictKey(a), conflictKey(b)));
  const ownedGroupIds = new Set(storeGroups.filter((e) => e.owner === 'owned').map((e) => e.id));
  return {
    provider: rules.provider,
    ops,
    conflicts,
    owned: {
      users: ownedUserIds.size,
      groups: ownedGroupIds.size,
      memberships: target.memberships.filter(
        (m) => ownedGroupIds.has(m.groupId) && ownedUserIds.has(m.userId),
      ).length,
    },
    source: { users: source.users.length, groups: source.groups.length },
  };
}

function compareKeys(a: string[], b: string[]): number {
  // Stryker disable next-line EqualityOperator: past the end both are undefined (equal); unequal values are never equal
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

/** The provider's store entities that no source entity is, and that may be deleted. */
function unmatchedOwned(store: StoreEntity[], m: Matching): StoreEntity[] {
  const taken = new Set([...m.matched.values()].map((e) => e.id));
  return store.filter((e) => e.owner === 'owned' && !taken.has(e.id) && !m.frozen.has(e.id));
}

function finalUserName(
  userId: string,
  managed: Map<string, Managed>,
  byId: Map<string, { userName: string }>,
) {
  for (const u of managed.values()) if (u.storeId === userId) return u.name;
  return byId.get(userId)?.userName ?? userId;
}

/**
 * Names for one kind: the matcher's conflicts become Conflicts, then the names that creates and
 * renames need are freed (or the claim is a conflict, and its entity frozen).
 */
function name(
  kind: 'user' | 'group',
  source: { id: string; name: string }[],
  m: Matching,
  store: StoreEntity[],
  conflicts: Conflict[],
): Naming {
  const byId = new Map(source.map((s) => [s.id, s]));
  const what = kind === 'user' ? 'user' : 'group';
  for (const [id, c] of m.conflicts) {
    const s = byId.get(id)!;
    if (c.reason === 'ambiguous') {
      conflicts.push({
        kind,
        name: s.name,
        sourceId: id,
        reason: 'ambiguous',
        message: `several ${what}s of the Identity Store may be ${what} ${s.name} (${c.candidates
          .map((e) => `${e.name} ${e.id}`)
          .sort()
          .join(', ')}); all are left alone until one is removed or renamed`,
      });
    } else {
      conflicts.push({
        kind,
        name: s.name,
        sourceId: id,
        existingId: c.holder.id,
        reason: c.reason,
        message:
          c.reason === 'foreign'
            ? `${what} ${c.holder.name} belongs to the other provider; left alone, and nothing is synced for it here`
            : `${what} ${c.holder.name} exists but is not managed by this provider (made by hand or by another tool); left alone`,
      });
    }
  }
  const claims: NameClaim[] = [];
  for (const s of source) {
    if (m.conflicts.has(s.id)) continue;
    const e = m.matched.get(s.id);
    if (!e) claims.push({ sourceId: s.id, want: s.name });
    else if (nameKey(e.name) !== nameKey(s.name)) claims.push({ sourceId: s.id, entity: e, want: s.name });
  }
  const deleting = new Set(unmatchedOwned(store, m).map((e) => e.id));
  const naming = assignNames(claims, store, m.frozen, deleting);
  let byKey: Map<string, StoreEntity[]> | undefined; // built when a claim is blocked
  for (const c of claims) {
    const h = naming.blocked.get(c.sourceId);
    if (!h) continue;
    const reason = h.owner === 'foreign' ? 'foreign' : h.owner === 'owned' ? 'ambiguous' : 'unowned';
    const change = c.entity
      ? `cannot rename ${what} ${c.entity.name} to ${c.want}`
      : `cannot create ${what} ${c.want}`;
    // Two entities hold the name (its Unicode forms), even if this run moves both: which one was it?
    // (A renamed entity is not among them: it is renamed because its name key differs.)
    byKey ??= indexBy(store, (e) => nameKey(e.name));
    const several = byKey.get(nameKey(c.want))!.length > 1;
    const why =
      h.owner === 'foreign'
        ? 'the name belongs to the other provider'
        : h.owner !== 'owned'
          ? 'the name is held by an entity made by hand or by another tool'
          : several
            ? 'the name is held by several entities of the Identity Store (the same name in different Unicode forms)'
            : 'the name is held by another of its entities that this run leaves alone';
    conflicts.push({
      kind,
      name: c.want,
      sourceId: c.sourceId,
      existingId: h.id,
      reason,
      message: `${change}: ${why} (${h.name}, ${h.id}); ${c.entity ? 'it is left as it is' : 'nothing is synced for it'}`,
    });
  }
  return naming;
}
