/**
 * ComputePlan: the diff between the two snapshots, checked by the deletion guard, split into
 * batches in the blob store, and the run report (every change with its reason) written beside the
 * plan. The state carries counts and batch indices only.
 *
 * The deletion guard: a real run it trips stops here with DeletionGuardError (no Catch, so a
 * redrive would restart here), after the report is written and named in the error. A dry run it
 * trips goes on to Report, which says that a real run would be stopped and why.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { MAX_BATCHES, maxOpsPerBatch, membershipDependencies, toBatches } from '../core/batches';
import { describeOp } from '../core/describe';
import { DeletionGuardError, SnapshotInvalidError } from '../core/errors';
import { PHASES, SourceSnapshotSchema, TargetSnapshotSchema } from '../core/model';
import { computePlan, countOps } from '../core/plan';
import { buildPlanReport, type CallCounts, leavers, type RunReport } from '../core/report';
import { deletionGuard } from '../core/safety';
import { type Deps, lambdaHandler } from '../runtime/deps';
import { reportLocation, writeReport } from '../runtime/report-store';
import { ComputePlanEventSchema, keys, type PlanRef, parseEvent, type Run } from './contracts';

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
    const limits = {
      maxDeletionPercent: config.maxDeletionPercent,
      deletionGuardFloor: config.deletionGuardFloor,
    };
    const guard = deletionGuard(plan, { ...limits, allowMassDeletion: run.allowMassDeletion });
    if (guard.reasons.length && !guard.tripped)
      deps.log.warn('deletion guard overridden by allowMassDeletion', { reasons: guard.reasons });
    const createdAt = deps.now().toISOString();
    const counts = countOps(plan);
    const location = reportLocation(deps.blobs, run.provider, run.runId);
    const report = buildPlanReport({
      run,
      createdAt,
      ops: plan.ops,
      conflicts: plan.conflicts,
      counts,
      guard: { reasons: guard.reasons, deletes: guard.deletes, owned: plan.owned, limits },
      source,
      target,
      sourceRequests: snapshots.source.requests,
      ...(config.providers.entra && run.provider === 'entra'
        ? { holdingGroup: config.providers.entra.holdingGroup }
        : {}),
      warnings: snapshots.source.warnings,
      calls: (await deps.blobs.getJson<CallCounts>(keys.calls(run, 'FetchTarget'))) ?? {},
      location,
    });
    await writeReport(deps.blobs, report);
    if (guard.tripped && !run.dryRun) {
      deps.log.warn('deletion guard tripped: nothing is changed', {
        reasons: guard.reasons,
        report: location,
      });
      throw guardError(run, guard.reasons, report);
    }
    if (guard.tripped)
      deps.log.warn('deletion guard: a real run would stop here (dry run goes on)', {
        reasons: guard.reasons,
      });

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
      guard: { reasons: guard.reasons, overridden: guard.reasons.length > 0 && run.allowMassDeletion },
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
      guard: {
        reasons: guard.reasons,
        overridden: guard.reasons.length > 0 && run.allowMassDeletion,
        wouldStop: guard.tripped,
      },
      report: location,
    };
  };

/** The guard's error: why, the first people who would lose access, and where to see every change. */
function guardError(run: Run, reasons: string[], report: RunReport): DeletionGuardError {
  const { names, total } = leavers(report, 10);
  const who = total
    ? ` It would take access from ${total} ${total === 1 ? 'person' : 'people'}: ${names.join(', ')}${total > names.length ? ` and ${total - names.length} more` : ''}.`
    : '';
  return new DeletionGuardError(
    `deletion guard tripped for ${run.provider}: ${reasons.join('; ')}. Nothing was changed.${who} ` +
      `Every deletion and why: ${report.location.console ?? report.location.html} (or \`npx scim-sync report ${run.provider} --run ${run.runId}\`). ` +
      'Check that the source is complete (credentials, filters, ignore lists); if the deletions are intended, ' +
      'start an execution with {"allowMassDeletion": true}.',
  );
}

export const handler = lambdaHandler('ComputePlan', makeComputePlan);
