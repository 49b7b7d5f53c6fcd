/**
 * Applies plan operations to a TargetSnapshot in memory, with the Identity Store's semantics
 * (case-insensitive unique names on create and on rename, deletes drop memberships), phase by phase
 * as the state machine runs them. Within a phase, batches and operations run concurrently in AWS, so
 * `shuffle` may reorder each phase's operations: a plan must converge in any order. Used by property
 * tests of the pure planner; the real store semantics are tested against the emulator with the real SDK.
 */
import { nameKey, type Operation, PHASE_OF, PHASES, type TargetSnapshot } from '../../lambdas/core/model';

export function applyInMemory(
  target: TargetSnapshot,
  ops: readonly Operation[],
  shuffle: <T>(list: T[]) => T[] = (l) => l,
): TargetSnapshot {
  const users = new Map(target.users.map((u) => [u.userId, structuredClone(u)]));
  const groups = new Map(target.groups.map((g) => [g.groupId, structuredClone(g)]));
  let memberships = target.memberships.map((m) => ({ ...m }));
  const readFor = new Set(target.membershipsReadFor);
  let seq = 0;
  const userIdByName = (n: string) =>
    [...users.values()].find((u) => nameKey(u.userName) === nameKey(n))?.userId;
  const groupIdByName = (n: string) =>
    [...groups.values()].find((g) => nameKey(g.displayName) === nameKey(n))?.groupId;
  const userNamed = (id: string, n: string) => {
    const holder = userIdByName(n);
    if (holder && holder !== id) throw new Error(`user name in use: ${n}`);
    users.get(id)!.userName = n;
  };
  const groupNamed = (id: string, n: string) => {
    const holder = groupIdByName(n);
    if (holder && holder !== id) throw new Error(`group name in use: ${n}`);
    groups.get(id)!.displayName = n;
  };
  const apply = (op: Operation) => {
    switch (op.op) {
      case 'createUser': {
        if (userIdByName(op.userName)) throw new Error(`createUser collides: ${op.userName}`);
        const userId = `new-user-${++seq}`;
        users.set(userId, {
          userId,
          userName: op.userName,
          displayName: op.displayName,
          name: { ...op.name },
          emails: [{ ...op.email }],
          profileUrl: op.profileUrl,
        });
        break;
      }
      case 'updateUser': {
        const u = users.get(op.userId);
        if (!u) throw new Error(`updateUser of missing ${op.userId}`);
        if (op.set.userName !== undefined) userNamed(op.userId, op.set.userName);
        if (op.set.displayName !== undefined) u.displayName = op.set.displayName;
        if (op.set.name !== undefined) u.name = { ...op.set.name };
        if (op.set.email !== undefined) u.emails = [{ ...op.set.email }];
        if (op.set.profileUrl !== undefined) u.profileUrl = op.set.profileUrl;
        break;
      }
      case 'renameUser':
        if (!users.has(op.userId)) throw new Error(`renameUser of missing ${op.userId}`);
        userNamed(op.userId, op.to);
        break;
      case 'deleteUser':
        users.delete(op.userId);
        memberships = memberships.filter((m) => m.userId !== op.userId);
        break;
      case 'createGroup': {
        if (groupIdByName(op.displayName)) throw new Error(`createGroup collides: ${op.displayName}`);
        const groupId = `new-group-${++seq}`;
        groups.set(groupId, { groupId, displayName: op.displayName, description: op.description });
        readFor.add(groupId);
        break;
      }
      case 'updateGroup': {
        const g = groups.get(op.groupId);
        if (!g) throw new Error(`updateGroup of missing ${op.groupId}`);
        if (op.set.displayName !== undefined) groupNamed(op.groupId, op.set.displayName);
        if (op.set.description !== undefined) g.description = op.set.description;
        break;
      }
      case 'renameGroup':
        if (!groups.has(op.groupId)) throw new Error(`renameGroup of missing ${op.groupId}`);
        groupNamed(op.groupId, op.to);
        break;
      case 'deleteGroup':
        groups.delete(op.groupId);
        memberships = memberships.filter((m) => m.groupId !== op.groupId);
        break;
      case 'addMember': {
        const groupId = op.groupId ?? groupIdByName(op.group);
        const userId = op.userId ?? userIdByName(op.user);
        if (!groupId || !userId) throw new Error(`addMember with unknown ${op.group}/${op.user}`);
        if (!groups.has(groupId) || !users.has(userId)) throw new Error('addMember to a deleted entity');
        if (memberships.some((m) => m.groupId === groupId && m.userId === userId))
          throw new Error('duplicate membership');
        memberships.push({ membershipId: `new-m-${++seq}`, groupId, userId });
        break;
      }
      case 'removeMember': {
        const before = memberships.length;
        memberships = memberships.filter((m) => m.membershipId !== op.membershipId);
        if (memberships.length === before) throw new Error(`removeMember of missing ${op.membershipId}`);
        break;
      }
    }
  };
  for (const phase of PHASES) {
    for (const op of shuffle(ops.filter((o) => PHASE_OF[o.op] === phase))) apply(op);
  }
  return {
    ...target,
    users: [...users.values()],
    groups: [...groups.values()],
    memberships,
    membershipsReadFor: [...readFor].filter((id) => groups.has(id)),
  };
}
