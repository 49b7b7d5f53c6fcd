/**
 * Splitting a plan into apply batches: three phases (creates and updates, then memberships, then
 * deletes), each a list of batches of at most `batchSize` operations, in the plan's deterministic
 * order. One batch is one Map iteration (one Lambda invocation) in the state machine.
 */
import { type Operation, PHASE_OF, PHASES, type Phase } from './model';

export type Batches = Record<Phase, Operation[][]>;

export interface BatchOptions {
  batchSize: number;
  /** Upper bound on the number of batches in all phases together; batchSize grows to meet it. */
  maxBatches?: number;
}

/** The batch size actually used: the configured one, raised until all batches fit maxBatches. */
export function effectiveBatchSize(countsByPhase: Record<Phase, number>, opts: BatchOptions): number {
  const total = (size: number) => PHASES.reduce((n, p) => n + Math.ceil(countsByPhase[p] / size), 0);
  let size = Math.max(1, opts.batchSize);
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

export function toBatches(
  ops: readonly Operation[],
  opts: BatchOptions,
): { batches: Batches; batchSize: number } {
  const byPhase: Record<Phase, Operation[]> = { creates: [], memberships: [], deletes: [] };
  for (const op of ops) byPhase[PHASE_OF[op.op]].push(op);
  const batchSize = effectiveBatchSize(
    {
      creates: byPhase.creates.length,
      memberships: byPhase.memberships.length,
      deletes: byPhase.deletes.length,
    },
    opts,
  );
  const batches: Batches = { creates: [], memberships: [], deletes: [] };
  for (const p of PHASES) {
    const list = byPhase[p];
    for (let i = 0; i < list.length; i += batchSize) batches[p].push(list.slice(i, i + batchSize));
  }
  return { batches, batchSize };
}
