/**
 * Words for operations: the structured description logged with every applied operation (what, on
 * whom, why) and the one-line sentence the report, the CLI and dry runs show.
 */
import type { Operation } from './model';

export interface OpDescription {
  op: Operation['op'];
  user?: string;
  group?: string;
  changed?: string[];
  /** The new name, for renames. */
  to?: string;
  why: string;
}

/** A log-friendly description of an operation: what, on whom, and why. */
export function describeOp(op: Operation): OpDescription {
  switch (op.op) {
    case 'createUser':
      return { op: op.op, user: op.userName, why: 'in the source, not in the Identity Store' };
    case 'updateUser':
      return {
        op: op.op,
        user: op.userName,
        changed: Object.keys(op.set),
        ...(op.set.userName !== undefined ? { to: op.set.userName } : {}),
        why:
          op.set.userName !== undefined
            ? `renamed in the source to ${op.set.userName}`
            : Object.keys(op.set).length === 1 && op.set.profileUrl !== undefined
              ? 'recording its source id'
              : 'attributes changed in the source',
      };
    case 'renameUser':
      return {
        op: op.op,
        user: op.userName,
        changed: ['userName'],
        to: op.to,
        why:
          op.step === 'final'
            ? 'renamed in the source; first, so that its old name is free for another user'
            : 'a temporary name, so that its name is free for another user of this run',
      };
    case 'renameGroup':
      return {
        op: op.op,
        group: op.displayName,
        changed: ['displayName'],
        to: op.to,
        why:
          op.step === 'final'
            ? 'renamed in the source; first, so that its old name is free for another group'
            : 'a temporary name, so that its name is free for another group of this run',
      };
    case 'deleteUser':
      return { op: op.op, user: op.userName, why: 'no longer in the source' };
    case 'createGroup':
      return { op: op.op, group: op.displayName, why: 'in the source, not in the Identity Store' };
    case 'updateGroup':
      return {
        op: op.op,
        group: op.displayName,
        changed: Object.keys(op.set),
        ...(op.set.displayName !== undefined ? { to: op.set.displayName } : {}),
        why:
          op.reason === 'adopt'
            ? 'adopting an unmarked group'
            : op.set.displayName !== undefined
              ? `renamed in the source to ${op.set.displayName}`
              : 'recording its marker and source id',
      };
    case 'deleteGroup':
      return { op: op.op, group: op.displayName, why: 'no longer in the source' };
    case 'addMember':
      return { op: op.op, group: op.group, user: op.user, why: 'member in the source' };
    case 'removeMember':
      return { op: op.op, group: op.group, user: op.user, why: 'no longer a member in the source' };
  }
}

/** "add ann@example.com to web", "delete user bob@example.com"... */
export function changeLine(d: OpDescription): string {
  const others = (d.changed ?? []).filter(
    (c) => c !== 'userName' && c !== 'displayName' && c !== 'profileUrl',
  );
  switch (d.op) {
    case 'createUser':
      return `create user ${d.user}`;
    case 'updateUser':
      if (d.to !== undefined)
        return `rename user ${d.user} to ${d.to}${others.length ? ` (and ${others.join(', ')})` : ''}`;
      if (d.changed?.length === 1 && d.changed[0] === 'profileUrl')
        return `record the source id of user ${d.user}`;
      return `update user ${d.user} (${(d.changed ?? []).filter((c) => c !== 'profileUrl').join(', ')})`;
    case 'renameUser':
    case 'renameGroup':
      return `rename ${d.op === 'renameUser' ? 'user' : 'group'} ${d.user ?? d.group} to ${d.to} (${d.why})`;
    case 'deleteUser':
      return `delete user ${d.user} (${d.why})`;
    case 'createGroup':
      return `create group ${d.group}`;
    case 'updateGroup':
      if (d.why.startsWith('adopting')) return `adopt group ${d.group} (mark it as synced)`;
      if (d.to !== undefined) return `rename group ${d.group} to ${d.to}`;
      return `record the marker and source id of group ${d.group}`;
    case 'deleteGroup':
      return `delete group ${d.group} (${d.why})`;
    case 'addMember':
      return `add ${d.user} to ${d.group}`;
    case 'removeMember':
      return `remove ${d.user} from ${d.group}`;
  }
}
