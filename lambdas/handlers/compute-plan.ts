/**
 * ComputePlan: the diff between the two snapshots, checked by the deletion guard, split into
 * batches in the blob store. The state carries counts and batch indices only.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { MAX_BATCHES, maxOpsPerBatch, membershipDependencies, toBatches } from '../core/batches';
import { SnapshotInvalidError } from '../core/errors';
import { PHASES, SourceSnapshotSchema, TargetSnapshotSchema } from '../core/model';
import { computePlan, countOps } from '../core/plan';
import { enforceDeletionGuard } from '../core/safety';
import { type Deps, lambdaHandler } from '../runtime/deps';
import { ComputePlanEventSchema, keys, type PlanRef, parseEvent } from './contracts';
import { describeOp } from '../core/describe';

/** How many changes the plan file, logs and dry-run output list by name. */
export const PREVIEW_LINES = 50;

async function load<T>(deps: Deps, key: string, schema: { parse(v: unknown): T }, what: string): Promise<T> {
  const raw = await deps.blobs.getJson(key);
  if (raw === undefined)
    throw new SnapshotInvalidError(`the ${what} snapshot ${deps.blobs.describe(key)} is missing`);
  return schema.parse(raw);
}

export const makeComputePlan =
  (deps: Deps) =>
  async (event: unknown): Promise<PlanRef> => {
    const { run, snapshots } = parseEvent(ComputePlanEventSchema, event, 'ComputePlan');
    const [source, target] = await Promise.all([
      load(deps, snapshots.source.key, SourceSnapshotSchema, 'source'),
      load(deps, snapshots.target.key, TargetSnapshotSchema, 'target'),
    ]);
    const plan = computePlan(source, target, deps.rules);
    const { config } = deps;
    const guard = enforceDeletionGuard(plan, {
      maxDeletionPercent: config.maxDeletionPercent,
      deletionGuardFloor: config.deletionGuardFloor,
      allowMassDeletion: run.allowMassDeletion,
    });
    if (guard.reasons.length)
      deps.log.warn('deletion guard overridden by allowMassDeletion', { reasons: guard.reasons });

    const rpsPerLambda = config.identityStoreRps / run.applyConcurrency;
    const { batches, batchSize } = toBatches(plan.ops, {
      batchSize: config.batchSize,
      maxBatches: MAX_BATCHES,
      parallelism: run.applyConcurrency,
    });
    if (batchSize > maxOpsPerBatch(rpsPerLambda)) {
      deps.log.warn('batches are larger than one Lambda can apply within its timeout at this request rate', {
        batchSize,
        maxOpsPerBatch: maxOpsPerBatch(rpsPerLambda),
      });
    }
    const createdAt = deps.now().toISOString();
    const needs = membershipDependencies(batches);
    await Promise.all(
      PHASES.flatMap((phase) =>
        batches[phase].map((ops, index) =>
          deps.blobs.putJson(keys.batch(run, phase, index), {
            createdAt,
            phase,
            index,
            of: batches[phase].length,
            ops,
            ...(phase === 'memberships' ? { needs: needs[index] ?? [] } : {}),
          }),
        ),
      ),
    );
    const counts = countOps(plan);
    const key = keys.plan(run);
    await deps.blobs.putJson(key, {
      createdAt,
      provider: plan.provider,
      runId: run.runId,
      dryRun: run.dryRun,
      counts,
      owned: plan.owned,
      source: plan.source,
      conflicts: plan.conflicts,
      guard: { reasons: guard.reasons, overridden: guard.reasons.length > 0 },
      batchSize,
      batches: Object.fromEntries(PHASES.map((p) => [p, batches[p].length])),
    });
    for (const c of plan.conflicts) deps.log.warn('conflict: left alone', { ...c });
    deps.log.info('plan computed', {
      counts,
      batchSize,
      batches: Object.fromEntries(PHASES.map((p) => [p, batches[p].length])),
      dryRun: run.dryRun,
      preview: plan.ops.slice(0, PREVIEW_LINES).map(describeOp),
    });
    deps.metrics.addMetric('PlannedChanges', MetricUnit.Count, counts.total);
    deps.metrics.addMetric('Conflicts', MetricUnit.Count, counts.conflicts);
    deps.metrics.publishStoredMetrics();
    const indices = (n: number) => Array.from({ length: n }, (_, i) => i);
    return {
      ref: { key, createdAt },
      counts,
      batchSize,
      batches: {
        renames: indices(batches.renames.length),
        creates: indices(batches.creates.length),
        memberships: indices(batches.memberships.length),
        deletes: indices(batches.deletes.length),
      },
      guard: { reasons: guard.reasons, overridden: guard.reasons.length > 0 },
    };
  };

export const handler = lambdaHandler('ComputePlan', makeComputePlan);
