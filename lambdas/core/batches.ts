/**
 * Splitting a plan into apply batches: four phases (renames that make way for other names, creates
 * and updates, memberships, deletes), each a list of batches of at most `batchSize` operations, in the plan's deterministic
 * order. One batch is one Map iteration (one Lambda invocation) in the state machine.
 */
import { nameKey, type Operation, PHASE_OF, PHASES, type Phase } from './model';

export type Batches = Record<Phase, Operation[][]>;

export interface BatchOptions {
  batchSize: number;
  /** Upper bound on the number of batches in all phases together; batchSize grows to meet it. */
  maxBatches?: number;
  /**
   * How many batches run at once (the Map's MaxConcurrency). When a phase has more batches than
   * that, their number is rounded up to a multiple of it and the operations spread evenly, so the
   * last wave is not a few batches using a fraction of the request budget.
   */
  parallelism?: number;
}

/** The batch size actually used: the configured one, raised until all batches fit maxBatches. */
export function effectiveBatchSize(countsByPhase: Record<Phase, number>, opts: BatchOptions): number {
  const total = (size: number) => PHASES.reduce((n, p) => n + Math.ceil(countsByPhase[p] / size), 0);
  let size = Math.max(1, opts.batchSize);
  // Stryker disable next-line ConditionalExpression,EqualityOperator: a shortcut: when the size fits, the search below returns it too
  if (opts.maxBatches === undefined || total(size) <= opts.maxBatches) return size;
  // Smallest size meeting the bound (total() is non-increasing in size).
  let lo = size;
  let hi = Math.max(size, ...PHASES.map((p) => countsByPhase[p]));
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (total(mid) <= opts.maxBatches) hi = mid;
    else lo = mid + 1;
  }
  size = lo;
  return size;
}

function emptyBatches<T>(): Record<Phase, T[]> {
  return { renames: [], creates: [], memberships: [], deletes: [] };
}

export function toBatches(
  ops: readonly Operation[],
  opts: BatchOptions,
): { batches: Batches; batchSize: number } {
  const byPhase = emptyBatches<Operation>();
  for (const op of ops) byPhase[PHASE_OF[op.op]].push(op);
  const par = Math.max(1, opts.parallelism ?? 1);
  const batchSize = effectiveBatchSize(
    Object.fromEntries(PHASES.map((p) => [p, byPhase[p].length])) as Record<Phase, number>,
    // Rounding each phase up to a multiple of `par` adds fewer than `par` batches per phase.
    opts.maxBatches === undefined
      ? opts
      : { ...opts, maxBatches: opts.maxBatches - PHASES.length * (par - 1) },
  );
  const batches: Batches = emptyBatches<Operation[]>();
  for (const p of PHASES) {
    const list = byPhase[p];
    let count = Math.ceil(list.length / batchSize);
    // Stryker disable next-line ConditionalExpression,EqualityOperator: with par 1, or count equal to par, rounding up to a multiple of par changes nothing
    if (par > 1 && count > par) count = Math.min(list.length, Math.ceil(count / par) * par);
    // Spread evenly: sizes differ by at most one, none larger than batchSize.
    for (let b = 0, start = 0; b < count; b++) {
      const size = Math.floor(list.length / count) + (b < list.length % count ? 1 : 0);
      batches[p].push(list.slice(start, start + size));
      start += size;
    }
  }
  return { batches, batchSize };
}

/**
 * For each memberships batch, the creates batches whose results it needs: the ones that create a
 * user or group the batch's operations name without an id. The apply step loads only those.
 */
export function membershipDependencies(batches: Batches): number[][] {
  const createdIn = new Map<string, number>();
  batches.creates.forEach((batch, i) => {
    for (const op of batch) {
      if (op.op === 'createUser') createdIn.set(`u:${nameKey(op.userName)}`, i);
      else if (op.op === 'createGroup') createdIn.set(`g:${nameKey(op.displayName)}`, i);
    }
  });
  return batches.memberships.map((batch) => {
    const needs = new Set<number>();
    for (const op of batch) {
      if (op.op !== 'addMember') continue;
      const u = op.userId ? undefined : createdIn.get(`u:${nameKey(op.user)}`);
      const g = op.groupId ? undefined : createdIn.get(`g:${nameKey(op.group)}`);
      if (u !== undefined) needs.add(u);
      if (g !== undefined) needs.add(g);
    }
    return [...needs].sort((a, b) => a - b);
  });
}

/**
 * The Describe calls apply makes to re-check ownership before it removes anything: one per user or
 * group delete, and in each batch one per user and one per group that its membership removals name
 * (a batch describes each of them once). Part of a run's lower bound of Identity Store calls.
 */
export function recheckCalls(batches: Batches): number {
  let n = 0;
  for (const batch of [...batches.renames, ...batches.creates, ...batches.memberships, ...batches.deletes]) {
    const users = new Set<string>();
    const groups = new Set<string>();
    for (const op of batch) {
      if (op.op === 'deleteUser' || op.op === 'deleteGroup') n++;
      else if (op.op === 'removeMember') {
        users.add(op.userId);
        groups.add(op.groupId);
      }
    }
    n += users.size + groups.size;
  }
  return n;
}

/**
 * Bounds that keep the largest first sync inside Step Functions' and Lambda's limits
 * (docs/architecture.md#limits):
 * - A standard execution keeps at most 25,000 history events. One apply batch that succeeds first
 *   time costs 7 (MapIterationStarted, TaskStateEntered, LambdaFunctionScheduled, -Started,
 *   -Succeeded, TaskStateExited, MapIterationSucceeded); each retry adds 3. MAX_BATCHES = 2,400
 *   uses 16,800, leaving ~8,000 events for ~2,600 retries, the run's ~50 fixed events and
 *   FetchTarget's hand-overs (7 events each; a first sync reads an empty store in one go).
 * - A batch must finish within the ApplyBatch Lambda's 900 s timeout at its share of the request
 *   rate (identityStoreRps / applyConcurrency). An operation costs 1 call, 3 when a create meets an
 *   existing entity; budgeting 2 calls per operation and 80% of the timeout gives maxOpsPerBatch.
 */
export const HISTORY_EVENT_LIMIT = 25_000;
export const EVENTS_PER_BATCH = 7;
export const MAX_BATCHES = 2_400;
export const APPLY_TIMEOUT_SECONDS = 900;

export function maxOpsPerBatch(rpsPerLambda: number): number {
  return Math.floor((APPLY_TIMEOUT_SECONDS * 0.8 * rpsPerLambda) / 2);
}
