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
        why: 'attributes changed in the source',
      };
    case 'deleteUser':
      return { op: op.op, user: op.userName, why: 'no longer in the source' };
    case 'createGroup':
      return { op: op.op, group: op.displayName, why: 'in the source, not in the Identity Store' };
    case 'updateGroup':
      return {
        op: op.op,
        group: op.displayName,
        why: op.reason === 'adopt' ? 'adopting an unmarked group' : 'description changed',
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
  switch (d.op) {
    case 'createUser':
      return `create user ${d.user}`;
    case 'updateUser':
      return `update user ${d.user} (${(d.changed ?? []).join(', ')})`;
    case 'deleteUser':
      return `delete user ${d.user} (${d.why})`;
    case 'createGroup':
      return `create group ${d.group}`;
    case 'updateGroup':
      return d.why.startsWith('adopting')
        ? `adopt group ${d.group} (mark it as synced)`
        : `update group ${d.group} (${d.why})`;
    case 'deleteGroup':
      return `delete group ${d.group} (${d.why})`;
    case 'addMember':
      return `add ${d.user} to ${d.group}`;
    case 'removeMember':
      return `remove ${d.user} from ${d.group}`;
  }
}
