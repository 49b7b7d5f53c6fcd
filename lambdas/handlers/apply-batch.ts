/**
 * ApplyBatch: one Map iteration. Refuses a stale plan (PlanExpiredError) and a superseded one (a
 * newer execution of the provider applied since this one started: PlanSupersededError, checked with
 * the lease, which this batch also renews, before any write), applies every operation of its batch
 * (idempotently), records the outcome per operation in the blob store, then fails with
 * BatchIncompleteError if any operation failed for a retryable reason, so that the state machine
 * retries it and a redrive re-runs it. Operations that failed for good are recorded for Report.
 */
import { z } from 'zod';
import { PlanExpiredError, SnapshotInvalidError, BatchIncompleteError } from '../core/errors';
import { nameKey, OperationSchema, type Phase } from '../core/model';
import { assertPlanFresh } from '../core/safety';
import { addCalls, type CallCounts, totalCalls } from '../core/report';
import { type AppliedOp, applyOperations, describeOp, type KnownIds } from '../identitystore/apply';
import { callsOf } from '../identitystore/client';
import { type Deps, lambdaHandler } from '../runtime/deps';
import { ApplyBatchEventSchema, keys, parseEvent, type Run } from './contracts';

const BatchFileSchema = z.object({
  createdAt: z.string(),
  /** How many batches the phase has (the request budget is shared by the ones running at once). */
  of: z.number().int().positive(),
  ops: z.array(OperationSchema),
  needs: z.array(z.number()).optional(),
});

export interface ResultLine extends Record<string, unknown> {
  op: string;
  status: AppliedOp['status'];
}

export interface BatchResultFile {
  createdAt: string;
  phase: Phase;
  index: number;
  attempts: number;
  updatedAt: string;
  results: ResultLine[];
  /** Ids of the users and groups this (creates) batch made or found, by name key. */
  ids?: { users: Record<string, string>; groups: Record<string, string> };
  /** Identity Store calls of every attempt of this batch so far, by operation. */
  calls?: CallCounts;
}

export interface BatchSummary {
  phase: Phase;
  index: number;
  done: number;
  alreadyDone: number;
  conflicts: number;
  failed: number;
  /** Identity Store calls of this attempt (the CLI shows rates, retries and throttling from them). */
  calls: { total: number; retries: number; throttled: number };
}

async function knownIds(deps: Deps, run: Run, needs: number[]): Promise<KnownIds> {
  const ids: KnownIds = { users: new Map(), groups: new Map() };
  const files = await Promise.all(
    needs.map((i) => deps.blobs.getJson<BatchResultFile>(keys.result(run, 'creates', i))),
  );
  for (const f of files) {
    for (const [k, v] of Object.entries(f?.ids?.users ?? {})) ids.users.set(k, v);
    for (const [k, v] of Object.entries(f?.ids?.groups ?? {})) ids.groups.set(k, v);
  }
  return ids;
}

function callTotals(c: CallCounts): BatchSummary['calls'] {
  const v = Object.values(c);
  return {
    total: totalCalls(c),
    retries: v.reduce((n, x) => n + x.retries, 0),
    throttled: v.reduce((n, x) => n + x.throttled, 0),
  };
}

export const makeApplyBatch =
  (deps: Deps) =>
  async (event: unknown): Promise<BatchSummary> => {
    const { run, plan, phase, index } = parseEvent(ApplyBatchEventSchema, event, 'ApplyBatch');
    assertPlanFresh(plan.createdAt, deps.config.planMaxAgeHours, deps.now());
    await deps.lease.claimApply(run, `ApplyBatch ${phase}/${index}`);
    const raw = await deps.blobs.getJson(keys.batch(run, phase, index));
    if (raw === undefined)
      throw new SnapshotInvalidError(
        `batch ${phase}/${index} of run ${run.runId} is missing from the blob store`,
      );
    const batch = BatchFileSchema.parse(raw);
    if (batch.createdAt !== plan.createdAt) {
      throw new PlanExpiredError(
        `batch ${phase}/${index} belongs to a plan made at ${batch.createdAt}, not ${plan.createdAt}; start a new execution`,
      );
    }
    const resultKey = keys.result(run, phase, index);
    const previous = await deps.blobs.getJson<BatchResultFile>(resultKey);
    const ids = await knownIds(deps, run, batch.needs ?? []);
    // The sync's request budget is shared by the batches that run at the same time.
    const client = deps.identityStore(
      deps.config.identityStoreRps / Math.min(run.applyConcurrency, batch.of),
    );
    const before = callsOf(client)?.snapshot();
    const results = await applyOperations(batch.ops, {
      client,
      identityStoreId: deps.config.identityStoreId,
      rules: deps.rules,
      ids,
      log: deps.log,
    });

    const lines: ResultLine[] = batch.ops.map((op, i) => {
      const r = results[i]!;
      // An operation an earlier attempt did stays "done" (this attempt finds it already done).
      const before = previous?.results[i]?.status;
      const status = before === 'done' && r.status === 'already-done' ? 'done' : r.status;
      return {
        ...describeOp(op),
        status,
        ...(r.error ? { error: r.error } : {}),
        ...(r.message ? { message: r.message } : {}),
        ...(r.retryable !== undefined ? { retryable: r.retryable } : {}),
      } as ResultLine;
    });
    const file: BatchResultFile = {
      createdAt: plan.createdAt,
      phase,
      index,
      attempts: (previous?.attempts ?? 0) + 1,
      updatedAt: deps.now().toISOString(),
      results: lines,
      calls: addCalls(addCalls({}, previous?.calls), callsOf(client)?.since(before)),
    };
    if (phase === 'creates') {
      file.ids = { users: {}, groups: {} };
      batch.ops.forEach((op, i) => {
        const id = results[i]?.id;
        if (!id) return;
        if (op.op === 'createUser') file.ids!.users[nameKey(op.userName)] = id;
        else if (op.op === 'createGroup') file.ids!.groups[nameKey(op.displayName)] = id;
      });
    }
    await deps.blobs.putJson(resultKey, file);

    const count = (s: AppliedOp['status']) => lines.filter((l) => l.status === s).length;
    const summary: BatchSummary = {
      phase,
      index,
      done: count('done'),
      alreadyDone: count('already-done'),
      conflicts: count('conflict'),
      failed: count('failed'),
      calls: callTotals(callsOf(client)?.since(before) ?? {}),
    };
    deps.log.info('batch applied', { ...summary });
    const retryable = results.filter((r) => r.status === 'failed' && r.retryable);
    if (retryable.length) {
      const byError = new Map<string, number>();
      for (const r of retryable) byError.set(r.error ?? 'Error', (byError.get(r.error ?? 'Error') ?? 0) + 1);
      throw new BatchIncompleteError(
        `${retryable.length} of ${batch.ops.length} operations of batch ${phase}/${index} failed for a retryable reason ` +
          `(${[...byError].map(([e, n]) => `${e} x${n}`).join(', ')}); the rest were applied. Retrying the batch (or re-driving the execution) applies what is missing.`,
      );
    }
    return summary;
  };

export const handler = lambdaHandler('ApplyBatch', makeApplyBatch);
