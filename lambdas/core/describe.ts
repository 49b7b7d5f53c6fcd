/**
 * Words for operations, in one place: the structured description logged and recorded with every
 * applied operation (what, on whom), the effect on people's access (loses, gains, changes), the
 * reason a report gives ("left team web", "in no synced group any more", "displayName changed"),
 * and the one-line sentence the summary, the CLI and dry runs show.
 *
 * Every operation kind has one entry in WORDS (the compiler insists), so a new kind or a new field
 * is described by editing that entry only.
 */
import type { Operation, OperationKind, OperationOf } from './model';

/** What an operation does to someone's access through the Identity Store. */
export type Effect = 'loses' | 'gains' | 'changes';

export interface OpDescription {
  op: OperationKind;
  user?: string;
  group?: string;
  /** The attributes an update writes. */
  changed?: string[];
  /** The new name, for renames. */
  to?: string;
  why: string;
}

/** What a reason may say about the source and the store before the change (report.ts derives it). */
export interface ReasonContext {
  /** "team" for GitHub, "group" for Entra. */
  unit: string;
  /** The source ("GitHub", "Entra ID"). */
  source: string;
  /** Entra's holding group: every synced user is in it. */
  holdingGroup?: string;
  /** The groups of the source a user is a member of. */
  sourceGroupsOf?: (userName: string) => string[];
  /** The synced groups a user is in now, in the Identity Store. */
  storeGroupsOf?: (userName: string) => string[];
  /** Everyone in a group now, in the Identity Store. */
  storeMembersOf?: (group: string) => string[];
  /** The stored value of a user attribute an update changes, shown as "from ... to ...". */
  before?: (userName: string, attribute: string) => string | undefined;
}

interface Words<K extends OperationKind> {
  effect: Effect;
  describe(op: OperationOf<K>): OpDescription;
  reason(op: OperationOf<K>, ctx: ReasonContext): string;
  line(d: OpDescription): string;
}

const list = (names: string[]) => names.join(', ');

/** The attributes of an update other than the name and the recorded source id. */
const others = (d: OpDescription) =>
  (d.changed ?? []).filter((c) => c !== 'userName' && c !== 'displayName' && c !== 'profileUrl');

type RenameOp = OperationOf<'renameUser'> | OperationOf<'renameGroup'>;

/** Words for a rename in the renames phase: to its new name first, or to a temporary one. */
const rename = {
  why: (op: RenameOp, kind: string) =>
    op.step === 'final'
      ? `renamed in the source; first, so that its old name is free for another ${kind}`
      : `a temporary name, so that its name is free for another ${kind} of this run`,
  reason: (op: RenameOp, kind: string, ctx: ReasonContext) =>
    op.step === 'final'
      ? `renamed in ${ctx.source}; moved first, so that its old name is free for another ${kind}`
      : `its name goes to another ${kind} of this run; it holds a temporary name for a moment`,
  line: (d: OpDescription, kind: string) => `rename ${kind} ${d.user ?? d.group} to ${d.to} (${d.why})`,
};

function attributeChange(op: OperationOf<'updateUser'>, ctx: ReasonContext, key: string): string {
  const value = (op.set as Record<string, unknown>)[key];
  const after =
    typeof value === 'string'
      ? value
      : key === 'email' && value && typeof value === 'object'
        ? String((value as { value?: unknown }).value ?? '')
        : key === 'name' && value && typeof value === 'object'
          ? [(value as { givenName?: string }).givenName, (value as { familyName?: string }).familyName]
              .filter(Boolean)
              .join(' ')
          : undefined;
  const before = ctx.before?.(op.userName, key);
  if (after === undefined || before === undefined || before === after) return `${key} changed`;
  return `${key} changed from "${before}" to "${after}"`;
}

const WORDS: { [K in OperationKind]: Words<K> } = {
  createUser: {
    effect: 'changes',
    describe: (op) => ({ op: op.op, user: op.userName, why: 'in the source, not in the Identity Store' }),
    reason: (op, ctx) => {
      const groups = ctx.sourceGroupsOf?.(op.userName) ?? [];
      return groups.length
        ? `new in ${ctx.source}: member of ${ctx.unit} ${list(groups)}`
        : `new in ${ctx.source}, not in the Identity Store yet`;
    },
    line: (d) => `create user ${d.user}`,
  },
  updateUser: {
    effect: 'changes',
    describe: (op) => ({
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
    }),
    reason: (op, ctx) =>
      Object.keys(op.set)
        // The rename first: the other attributes usually follow from it.
        .sort((a, b) => Number(b === 'userName') - Number(a === 'userName'))
        .map((k) =>
          k === 'profileUrl'
            ? `its ${ctx.source} id is recorded (once)`
            : k === 'userName'
              ? `renamed in ${ctx.source} from ${op.userName} to ${op.set.userName}`
              : attributeChange(op, ctx, k),
        )
        .join('; ') || 'attributes changed in the source',
    line: (d) => {
      if (d.to !== undefined) {
        const rest = others(d);
        return `rename user ${d.user} to ${d.to}${rest.length ? ` (and ${rest.join(', ')})` : ''}`;
      }
      if (d.changed?.length === 1 && d.changed[0] === 'profileUrl')
        return `record the source id of user ${d.user}`;
      return `update user ${d.user} (${others(d).join(', ')})`;
    },
  },
  renameUser: {
    effect: 'changes',
    describe: (op) => ({
      op: op.op,
      user: op.userName,
      changed: ['userName'],
      to: op.to,
      why: rename.why(op, 'user'),
    }),
    reason: (op, ctx) => rename.reason(op, 'user', ctx),
    line: (d) => rename.line(d, 'user'),
  },
  deleteUser: {
    effect: 'loses',
    describe: (op) => ({ op: op.op, user: op.userName, why: 'no longer in the source' }),
    reason: (op, ctx) => {
      const groups = ctx.storeGroupsOf?.(op.userName) ?? [];
      return `in no synced ${ctx.unit} any more${groups.length ? `: loses ${list(groups)}` : ''}`;
    },
    line: (d) => `delete user ${d.user} (${d.why})`,
  },
  createGroup: {
    effect: 'changes',
    describe: (op) => ({ op: op.op, group: op.displayName, why: 'in the source, not in the Identity Store' }),
    reason: (_op, ctx) => `new ${ctx.unit} in ${ctx.source}`,
    line: (d) => `create group ${d.group}`,
  },
  updateGroup: {
    effect: 'changes',
    describe: (op) => ({
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
    }),
    reason: (op, ctx) =>
      op.reason === 'adopt'
        ? `adopted: a group without a description had the ${ctx.unit}'s name (gets scim-sync's marker and the ${ctx.unit}'s id)`
        : op.set.displayName !== undefined
          ? `${ctx.unit} renamed in ${ctx.source} from ${op.displayName} to ${op.set.displayName}: same group, same assignments`
          : `the marker and the ${ctx.unit}'s ${ctx.source} id are recorded in its description (once)`,
    line: (d) => {
      if (/adopt/i.test(d.why)) return `adopt group ${d.group} (mark it as synced)`;
      if (d.to !== undefined) return `rename group ${d.group} to ${d.to}`;
      return `record the marker and source id of group ${d.group}`;
    },
  },
  renameGroup: {
    effect: 'changes',
    describe: (op) => ({
      op: op.op,
      group: op.displayName,
      changed: ['displayName'],
      to: op.to,
      why: rename.why(op, 'group'),
    }),
    reason: (op, ctx) => rename.reason(op, 'group', ctx),
    line: (d) => rename.line(d, 'group'),
  },
  deleteGroup: {
    effect: 'loses',
    describe: (op) => ({ op: op.op, group: op.displayName, why: 'no longer in the source' }),
    reason: (op, ctx) => {
      const members = ctx.storeMembersOf?.(op.displayName) ?? [];
      const n = members.length;
      return `${ctx.unit} no longer in ${ctx.source} or no longer synced${n ? `; ${n} member${n === 1 ? ' loses' : 's lose'} access with it` : ''}`;
    },
    line: (d) => `delete group ${d.group} (${d.why})`,
  },
  addMember: {
    effect: 'gains',
    describe: (op) => ({ op: op.op, group: op.group, user: op.user, why: 'member in the source' }),
    reason: (op, ctx) =>
      ctx.holdingGroup && op.group.toLowerCase() === ctx.holdingGroup.toLowerCase()
        ? 'every synced user is in the holding group'
        : `joined ${ctx.unit} ${op.group}`,
    line: (d) => `add ${d.user} to ${d.group}`,
  },
  removeMember: {
    effect: 'loses',
    describe: (op) => ({
      op: op.op,
      group: op.group,
      user: op.user,
      why: 'no longer a member in the source',
    }),
    reason: (op, ctx) => `left ${ctx.unit} ${op.group}`,
    line: (d) => `remove ${d.user} from ${d.group}`,
  },
};

const words = <K extends OperationKind>(kind: K): Words<K> => WORDS[kind] as Words<K>;

/** What a change does, in two or three words ("rename group", "remove member"). */
export const ACTIONS: Record<OperationKind, string> = {
  renameUser: 'rename user',
  renameGroup: 'rename group',
  createUser: 'create user',
  updateUser: 'update user',
  deleteUser: 'delete user',
  createGroup: 'create group',
  updateGroup: 'update group',
  deleteGroup: 'delete group',
  addMember: 'add member',
  removeMember: 'remove member',
};

/** A log-friendly description of an operation: what, on whom, and why. */
export function describeOp(op: Operation): OpDescription {
  return words(op.op).describe(op as never);
}

/** Whether the operation takes access away, gives it, or changes something else. */
export function effectOf(kind: OperationKind): Effect {
  return WORDS[kind].effect;
}

/** Why the operation is planned, in the words of the source ("left team web"). */
export function reasonOf(op: Operation, ctx: ReasonContext): string {
  return words(op.op).reason(op as never, ctx);
}

/** "add ann@example.com to web", "delete user bob@example.com (no longer in the source)"... */
export function changeLine(d: OpDescription): string {
  return words(d.op).line(d);
}

/** What a source calls its groups, and itself. */
export function sourceWords(provider: string): Pick<ReasonContext, 'unit' | 'source'> {
  return provider === 'github' ? { unit: 'team', source: 'GitHub' } : { unit: 'group', source: 'Entra ID' };
}
