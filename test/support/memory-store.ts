/**
 * Applies plan operations to a TargetSnapshot in memory, with the Identity Store's semantics
 * (case-insensitive unique names, deletes drop memberships). Used by property tests of the pure
 * planner; the real store semantics are tested against the emulator with the real SDK.
 */
import type { Operation, TargetSnapshot } from '../../lambdas/core/model';
import { nameKey } from '../../lambdas/core/model';

export function applyInMemory(target: TargetSnapshot, ops: readonly Operation[]): TargetSnapshot {
  const users = new Map(target.users.map((u) => [u.userId, structuredClone(u)]));
  const groups = new Map(target.groups.map((g) => [g.groupId, structuredClone(g)]));
  let memberships = target.memberships.map((m) => ({ ...m }));
  const readFor = new Set(target.membershipsReadFor);
  let seq = 0;
  const userIdByName = (n: string) =>
    [...users.values()].find((u) => nameKey(u.userName) === nameKey(n))?.userId;
  const groupIdByName = (n: string) =>
    [...groups.values()].find((g) => nameKey(g.displayName) === nameKey(n))?.groupId;
  for (const op of ops) {
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
        });
        break;
      }
      case 'updateUser': {
        const u = users.get(op.userId);
        if (!u) throw new Error(`updateUser of missing ${op.userId}`);
        if (op.set.displayName !== undefined) u.displayName = op.set.displayName;
        if (op.set.name !== undefined) u.name = { ...op.set.name };
        if (op.set.email !== undefined) u.emails = [{ ...op.set.email }];
        break;
      }
      case 'deleteUser':
        users.delete(op.userId);
        memberships = memberships.filter((m) => m.userId !== op.userId);
        break;
      case 'createGroup': {
        if (groupIdByName(op.displayName)) throw new Error(`createGroup collides: ${op.displayName}`);
        const groupId = `new-group-${++seq}`;
        groups.set(groupId, {
          groupId,
          displayName: op.displayName,
          ...(op.description ? { description: op.description } : {}),
        });
        readFor.add(groupId);
        break;
      }
      case 'updateGroup': {
        const g = groups.get(op.groupId);
        if (!g) throw new Error(`updateGroup of missing ${op.groupId}`);
        g.description = op.description;
        break;
      }
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
  }
  return {
    ...target,
    users: [...users.values()],
    groups: [...groups.values()],
    memberships,
    membershipsReadFor: [...readFor].filter((id) => groups.has(id)),
  };
}
