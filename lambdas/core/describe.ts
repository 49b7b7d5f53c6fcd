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
      why: 'attributes changed in the source',
    }),
    reason: (op, ctx) =>
      Object.keys(op.set)
        .map((k) => attributeChange(op, ctx, k))
        .join('; ') || 'attributes changed in the source',
    line: (d) => `update user ${d.user} (${(d.changed ?? []).join(', ')})`,
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
      changed: ['description'],
      why: op.reason === 'adopt' ? 'adopting an unmarked group' : 'description changed',
    }),
    reason: (op, ctx) =>
      op.reason === 'adopt'
        ? `adopted: a group without a description had the ${ctx.unit}'s name (gets scim-sync's marker)`
        : 'description changed',
    line: (d) =>
      /adopt/i.test(d.why)
        ? `adopt group ${d.group} (mark it as synced)`
        : `update group ${d.group} (${d.why})`,
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
