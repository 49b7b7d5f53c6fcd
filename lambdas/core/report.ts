/**
 * The run report: every change of a run with who it is about and why, conflicts, the deletion
 * guard's verdict, counts, sizes, timings and Identity Store calls. Pure: it is derived from the
 * plan's operations and the two snapshots (ComputePlan, which holds them), then completed with the
 * batches' results (Report, or the CLI for a run that stopped in an apply phase). Rendered as HTML
 * by report-html.ts. Removals come first and are never left out.
 *
 * Holds names, counts and reasons only: never secrets, never attribute values other than those an
 * update changes.
 */
import { describeOp, effectOf, type Effect, type ReasonContext, reasonOf, sourceWords } from './describe';
import { OP_ORDER } from './changes';
import {
  type Conflict,
  nameKey,
  type Operation,
  type OperationKind,
  type OpResult,
  type SourceSnapshot,
  type TargetSnapshot,
} from './model';
import type { PlanCounts } from './plan';

export const REPORT_FORMAT = 'scim-sync-report/1';

/** Identity Store calls by operation (ListUsers, CreateGroupMembership...): attempts as the service saw them. */
export type CallCounts = Record<
  string,
  { calls: number; throttled: number; errors: number; retries: number }
>;

export function addCalls(into: CallCounts, more: CallCounts | undefined): CallCounts {
  for (const [op, c] of Object.entries(more ?? {})) {
    const t = into[op] ?? { calls: 0, throttled: 0, errors: 0, retries: 0 };
    into[op] = t;
    t.calls += c.calls;
    t.throttled += c.throttled;
    t.errors += c.errors;
    t.retries += c.retries;
  }
  return into;
}

export const totalCalls = (c: CallCounts) => Object.values(c).reduce((n, x) => n + x.calls, 0);

export type ChangeStatus = 'planned' | OpResult['status'] | 'not-run';

export interface ReportChange {
  op: OperationKind;
  effect: Effect;
  user?: string;
  group?: string;
  reason: string;
  /** The attributes an update writes. */
  changed?: string[];
  /** deleteUser: the synced groups the user was in; deleteGroup: everyone who was in it. */
  groups?: string[];
  members?: string[];
  status: ChangeStatus;
  error?: string;
  message?: string;
}

export type GuardOutcome = 'passed' | 'stopped' | 'would-stop' | 'overridden';

export interface ReportGuard {
  verdict: GuardOutcome;
  reasons: string[];
  /** memberships: removals counted by the guard (absent in reports written before it counted them). */
  deletes: { users: number; groups: number; memberships?: number };
  owned: { users: number; groups: number; memberships?: number };
  limits: { maxDeletionPercent: number; deletionGuardFloor: number };
}

export type ReportOutcome =
  | 'planned'
  | 'dry-run'
  | 'stopped-by-guard'
  | 'applied'
  | 'incomplete'
  | 'failed'
  | 'running';

export interface ReportLocation {
  json: string;
  html: string;
  /** The S3 console page of the HTML report (in AWS). */
  console?: string;
}

export interface RunReport {
  format: typeof REPORT_FORMAT;
  provider: string;
  runId: string;
  executionArn: string;
  dryRun: boolean;
  allowMassDeletion: boolean;
  outcome: ReportOutcome;
  guard: ReportGuard;
  plan: PlanCounts;
  applied?: { done: number; alreadyDone: number; conflicts: number; failed: number; notRun: number };
  source: { users: number; groups: number; requests?: number; fetchedAt?: string };
  target: { users: number; groups: number; memberships: number; fetchedAt?: string };
  timings: {
    startedAt: string;
    plannedAt: string;
    finishedAt?: string;
    /** Seconds from start to plan, and from plan to the end. */
    readAndPlanSeconds: number;
    applySeconds?: number;
  };
  identityStoreCalls: { total: number; byOperation: CallCounts };
  /** Removals first, then additions, then other changes; each group sorted by name. */
  changes: ReportChange[];
  /** `kind` of entity, the source `name`, `cause` (Conflict reason: foreign, claimed, invalid-name ...) and `reason` in words. */
  conflicts: { kind: string; name: string; cause: string; reason: string }[];
  warnings: string[];
  location: ReportLocation;
}

export interface PlanReportInput {
  run: {
    provider: string;
    runId: string;
    executionArn: string;
    startedAt: string;
    dryRun: boolean;
    allowMassDeletion: boolean;
  };
  createdAt: string;
  ops: readonly Operation[];
  conflicts: readonly Conflict[];
  counts: PlanCounts;
  guard: Omit<ReportGuard, 'verdict'>;
  source: SourceSnapshot;
  target: TargetSnapshot;
  sourceRequests?: number;
  holdingGroup?: string;
  warnings: string[];
  /** Identity Store calls so far (FetchTarget's). */
  calls?: CallCounts;
  location: ReportLocation;
}

/** What the reasons need to know about the source and the store, from the snapshots. */
export function reasonContext(
  provider: string,
  source: SourceSnapshot,
  target: TargetSnapshot,
  holdingGroup?: string,
): ReasonContext {
  const inSource = new Map<string, string[]>();
  const sourceName = new Map(source.users.map((u) => [u.id, u.userName]));
  for (const g of source.groups)
    for (const id of g.members) {
      const k = nameKey(sourceName.get(id) ?? id);
      const l = inSource.get(k) ?? [];
      inSource.set(k, l);
      if (!l.includes(g.displayName)) l.push(g.displayName);
    }
  const userName = new Map(target.users.map((u) => [u.userId, u.userName]));
  const users = new Map(target.users.map((u) => [nameKey(u.userName), u]));
  const groupName = new Map(target.groups.map((g) => [g.groupId, g.displayName]));
  const inStore = new Map<string, string[]>();
  const members = new Map<string, string[]>();
  for (const m of target.memberships) {
    const u = userName.get(m.userId);
    const g = groupName.get(m.groupId);
    if (!u || !g) continue;
    const ug = inStore.get(nameKey(u)) ?? [];
    inStore.set(nameKey(u), ug);
    ug.push(g);
    const gm = members.get(nameKey(g)) ?? [];
    members.set(nameKey(g), gm);
    gm.push(u);
  }
  const sorted = (l: string[] | undefined) =>
    [...(l ?? [])].sort((a, b) => nameKey(a).localeCompare(nameKey(b)));
  return {
    ...sourceWords(provider),
    ...(holdingGroup ? { holdingGroup } : {}),
    sourceGroupsOf: (u) => sorted(inSource.get(nameKey(u))),
    storeGroupsOf: (u) => sorted(inStore.get(nameKey(u))),
    storeMembersOf: (g) => sorted(members.get(nameKey(g))),
    before: (u, attribute) => {
      const t = users.get(nameKey(u));
      if (!t) return undefined;
      if (attribute === 'displayName') return t.displayName;
      if (attribute === 'email') return t.emails?.[0]?.value;
      if (attribute === 'name') return [t.name?.givenName, t.name?.familyName].filter(Boolean).join(' ');
      const v = (t as Record<string, unknown>)[attribute];
      return typeof v === 'string' ? v : undefined;
    },
  };
}

/** One report change per operation, with its reason and the people or groups it takes with it. */
export function toChange(op: Operation, ctx: ReasonContext | undefined): ReportChange {
  const d = describeOp(op);
  const c: ReportChange = {
    op: op.op,
    effect: effectOf(op.op),
    ...(d.user !== undefined ? { user: d.user } : {}),
    ...(d.group !== undefined ? { group: d.group } : {}),
    reason: ctx ? reasonOf(op, ctx) : d.why,
    ...(d.changed ? { changed: d.changed } : {}),
    status: 'planned',
  };
  if (ctx && op.op === 'deleteUser') c.groups = ctx.storeGroupsOf?.(op.userName) ?? [];
  if (ctx && op.op === 'deleteGroup') c.members = ctx.storeMembersOf?.(op.displayName) ?? [];
  return c;
}

const EFFECT_ORDER: Record<Effect, number> = { loses: 0, gains: 1, changes: 2 };

/** Removals first (by person), then additions (by person), then the rest (in apply order, by name). */
export function compareChanges(a: ReportChange, b: ReportChange): number {
  return (
    EFFECT_ORDER[a.effect] - EFFECT_ORDER[b.effect] ||
    (a.effect === 'changes' ? OP_ORDER[a.op] - OP_ORDER[b.op] : 0) ||
    nameKey(a.user ?? '\uffff').localeCompare(nameKey(b.user ?? '\uffff')) ||
    nameKey(a.group ?? '').localeCompare(nameKey(b.group ?? '')) ||
    a.op.localeCompare(b.op)
  );
}

export function guardOutcome(reasons: string[], run: { dryRun: boolean; allowMassDeletion: boolean }) {
  if (!reasons.length) return 'passed' as const;
  if (run.allowMassDeletion) return 'overridden' as const;
  return run.dryRun ? ('would-stop' as const) : ('stopped' as const);
}

const seconds = (from: string, to: string) =>
  Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));

/** The report as ComputePlan knows it: every planned change with its reason, nothing applied yet. */
export function buildPlanReport(i: PlanReportInput): RunReport {
  const ctx = reasonContext(i.run.provider, i.source, i.target, i.holdingGroup);
  const verdict = guardOutcome(i.guard.reasons, i.run);
  const calls = addCalls({}, i.calls);
  return {
    format: REPORT_FORMAT,
    provider: i.run.provider,
    runId: i.run.runId,
    executionArn: i.run.executionArn,
    dryRun: i.run.dryRun,
    allowMassDeletion: i.run.allowMassDeletion,
    outcome: verdict === 'stopped' ? 'stopped-by-guard' : i.run.dryRun ? 'dry-run' : 'planned',
    guard: { verdict, ...i.guard },
    plan: i.counts,
    source: {
      users: i.source.users.length,
      groups: i.source.groups.length,
      ...(i.sourceRequests !== undefined ? { requests: i.sourceRequests } : {}),
      fetchedAt: i.source.fetchedAt,
    },
    target: {
      users: i.target.users.length,
      groups: i.target.groups.length,
      memberships: i.target.memberships.length,
      fetchedAt: i.target.fetchedAt,
    },
    timings: {
      startedAt: i.run.startedAt,
      plannedAt: i.createdAt,
      readAndPlanSeconds: seconds(i.run.startedAt, i.createdAt),
    },
    identityStoreCalls: { total: totalCalls(calls), byOperation: calls },
    changes: i.ops.map((op) => toChange(op, ctx)).sort(compareChanges),
    conflicts: i.conflicts.map((c) => ({ kind: c.kind, name: c.name, cause: c.reason, reason: c.message })),
    warnings: [...i.warnings],
    location: i.location,
  };
}

/** A result line as an apply batch records it (describeOp's fields plus the outcome). */
export interface ResultLike {
  op: string;
  user?: unknown;
  group?: unknown;
  status: OpResult['status'];
  error?: unknown;
  message?: unknown;
}

const changeKey = (op: string, user: unknown, group: unknown) =>
  `${op}\u0000${nameKey(String(user ?? ''))}\u0000${nameKey(String(group ?? ''))}`;

/**
 * The report with the batches' outcomes: each change gets its status (changes without a result
 * are 'not-run'), the counts of what was applied, the calls the batches made, and the outcome.
 */
export function withResults(
  report: RunReport,
  results: { lines: readonly ResultLike[]; calls?: CallCounts }[],
  end: { outcome?: ReportOutcome; finishedAt: string; warnings?: string[] },
): RunReport {
  const byKey = new Map<string, ResultLike>();
  const calls = addCalls({}, report.identityStoreCalls.byOperation);
  for (const r of results) {
    for (const l of r.lines) byKey.set(changeKey(l.op, l.user, l.group), l);
    addCalls(calls, r.calls);
  }
  const applied = { done: 0, alreadyDone: 0, conflicts: 0, failed: 0, notRun: 0 };
  const changes = report.changes.map((c) => {
    const r = byKey.get(changeKey(c.op, c.user, c.group));
    const status: ChangeStatus = r ? r.status : 'not-run';
    if (status === 'done') applied.done++;
    else if (status === 'already-done') applied.alreadyDone++;
    else if (status === 'conflict') applied.conflicts++;
    else if (status === 'failed') applied.failed++;
    else applied.notRun++;
    const { error: _e, message: _m, ...rest } = c;
    return {
      ...rest,
      status,
      ...(r?.error ? { error: String(r.error) } : {}),
      ...(r?.message ? { message: String(r.message) } : {}),
    };
  });
  const outcome = end.outcome ?? (applied.failed > 0 || applied.notRun > 0 ? 'incomplete' : 'applied');
  return {
    ...report,
    outcome,
    applied,
    changes,
    identityStoreCalls: { total: totalCalls(calls), byOperation: calls },
    timings: {
      ...report.timings,
      finishedAt: end.finishedAt,
      applySeconds: seconds(report.timings.plannedAt, end.finishedAt),
    },
    warnings: [...new Set([...report.warnings, ...(end.warnings ?? [])])],
  };
}

/** The report of a finished dry run (nothing applied): the end time and the run's warnings. */
export function finishDryRun(report: RunReport, end: { finishedAt: string; warnings?: string[] }): RunReport {
  return {
    ...report,
    timings: { ...report.timings, finishedAt: end.finishedAt },
    warnings: [...new Set([...report.warnings, ...(end.warnings ?? [])])],
  };
}

export const removals = (r: Pick<RunReport, 'changes'>) => r.changes.filter((c) => c.effect === 'loses');
export const additions = (r: Pick<RunReport, 'changes'>) => r.changes.filter((c) => c.effect === 'gains');

/** Who a removal takes access from: the user, or everyone in a deleted group. */
export function peopleLosing(c: ReportChange): string[] {
  if (c.op === 'deleteGroup') return c.members ?? [];
  return c.user ? [c.user] : [];
}

/** The first people who lose access (for messages that must stay short), and how many there are. */
export function leavers(r: Pick<RunReport, 'changes'>, first = 10): { names: string[]; total: number } {
  const people = new Set<string>();
  for (const c of removals(r)) for (const p of peopleLosing(c)) people.add(p);
  const all = [...people].sort((a, b) => nameKey(a).localeCompare(nameKey(b)));
  return { names: all.slice(0, first), total: all.length };
}
