/**
 * Operations as data: which attributes changed, the deterministic order of a plan, and its counts.
 */
import {
  nameKey,
  type Operation,
  type OperationKind,
  type OperationOf,
  type SourceUser,
  type TargetGroup,
  type TargetUser,
} from './model';

type UserAttrs = Pick<SourceUser, 'displayName' | 'name' | 'email'> & { profileUrl: string };
type UserSet = OperationOf<'updateUser'>['set'];

/** The attributes of `want` that differ from `have` (only those the source sets; not the UserName). */
export function userChanges(want: UserAttrs, have: TargetUser): UserSet {
  const set: UserSet = {};
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
    // Stryker disable next-line OptionalChaining: e is there whenever the length check above is false
    e?.type !== want.email.type ||
    // Stryker disable next-line OptionalChaining: e is there whenever the length check above is false
    (e?.primary ?? false) !== want.email.primary
  ) {
    set.email = want.email;
  }
  if (want.profileUrl !== have.profileUrl) set.profileUrl = want.profileUrl;
  return set;
}

/** The group attributes of `want` that differ from `have`; a change of case alone is not a rename. */
export function groupChanges(
  want: { displayName: string; description: string },
  have: TargetGroup,
): OperationOf<'updateGroup'>['set'] {
  const set: OperationOf<'updateGroup'>['set'] = {};
  if (nameKey(want.displayName) !== nameKey(have.displayName)) set.displayName = want.displayName;
  if (want.description !== have.description) set.description = want.description;
  return set;
}

/** The order operations are applied in (phases, then kinds within a phase). */
export const OP_ORDER: Record<OperationKind, number> = {
  renameGroup: 0,
  renameUser: 1,
  createGroup: 2,
  updateGroup: 3,
  createUser: 4,
  updateUser: 5,
  removeMember: 6,
  addMember: 7,
  deleteUser: 8,
  deleteGroup: 9,
};

/** Sort key of an operation: its kind, then the group and user names it is about. */
function sortKey(op: Operation): [number, string, string] {
  switch (op.op) {
    case 'renameGroup':
    case 'createGroup':
    case 'updateGroup':
    case 'deleteGroup':
      // Stryker disable next-line StringLiteral: two creates never share a name key (the source is screened for duplicates)
      return [OP_ORDER[op.op], nameKey(op.displayName), op.op === 'createGroup' ? '' : op.groupId];
    case 'renameUser':
    case 'createUser':
    case 'updateUser':
    case 'deleteUser':
      // Stryker disable next-line StringLiteral: two creates never share a name key (the source is screened for duplicates)
      return [OP_ORDER[op.op], nameKey(op.userName), op.op === 'createUser' ? '' : op.userId];
    case 'addMember':
    case 'removeMember':
      // Memberships sort by group first so a batch resolves each group id once.
      return [OP_ORDER.removeMember, nameKey(op.group), `${nameKey(op.user)}\u0000${OP_ORDER[op.op]}`];
  }
}

export function compareOps(a: Operation, b: Operation): number {
  const ka = sortKey(a);
  const kb = sortKey(b);
  // Stryker disable next-line EqualityOperator: a fourth round compares undefined with undefined, which is neither less nor more
  for (let i = 0; i < 3; i++) {
    const x = ka[i] as string | number;
    const y = kb[i] as string | number;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}

export interface PlanCounts {
  renames: number;
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

export function countOps(plan: { ops: readonly Operation[]; conflicts: readonly unknown[] }): PlanCounts {
  const c: PlanCounts = {
    renames: 0,
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
    renameUser: 'renames',
    renameGroup: 'renames',
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
