/**
 * Report: the run's summary (the execution output), from the plan and the batches' results in the
 * blob store: what changed, by name (bounded), conflicts, failures and warnings; metrics in EMF.
 * Operations that failed for good fail the execution here (SyncIncompleteError), after everything
 * else was applied, so that the failure alert fires.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { changeLine, describeOp, type OpDescription } from '../core/describe';
import { SyncIncompleteError } from '../core/errors';
import { type Conflict, OperationSchema, PHASES } from '../core/model';
import { type Deps, lambdaHandler } from '../runtime/deps';
import type { BatchResultFile, ResultLine } from './apply-batch';
import { keys, parseEvent, ReportEventSchema } from './contracts';

/** How many changes, conflicts and failures the execution output lists by name. */
export const REPORT_LINES = 200;

export interface RunSummary {
  provider: string;
  runId: string;
  outcome: 'applied' | 'dry-run';
  source: { users: number; groups: number; requests: number };
  target: { users: number; groups: number; memberships: number };
  plan: Record<string, number>;
  applied?: { done: number; alreadyDone: number; conflicts: number; failed: number };
  changes: string[];
  changesNotListed: number;
  conflicts: string[];
  failures: string[];
  warnings: string[];
  credentialExpiresAt?: string;
  planKey: string;
}

const bounded = (lines: string[]) => lines.slice(0, REPORT_LINES);

export const makeReport =
  (deps: Deps) =>
  async (event: unknown): Promise<RunSummary> => {
    const { run, secret, snapshots, plan } = parseEvent(ReportEventSchema, event, 'Report');
    const planFile = await deps.blobs.getJson<{ conflicts: Conflict[] }>(plan.ref.key);
    const conflicts = (planFile?.conflicts ?? []).map((c) => `${c.kind} ${c.name}: ${c.message}`);
    let changes: string[] = [];
    let total = plan.counts.total;
    const failures: string[] = [];
    let applied: RunSummary['applied'];

    if (run.dryRun) {
      // Changes the plan would make, in plan order.
      for (const phase of PHASES) {
        for (const i of plan.batches[phase]) {
          if (changes.length >= REPORT_LINES) break;
          const b = await deps.blobs.getJson<{ ops: unknown[] }>(keys.batch(run, phase, i));
          changes.push(...(b?.ops ?? []).map((o) => changeLine(describeOp(OperationSchema.parse(o)))));
        }
      }
    } else {
      applied = { done: 0, alreadyDone: 0, conflicts: 0, failed: 0 };
      const files = await Promise.all(
        PHASES.flatMap((phase) =>
          plan.batches[phase].map((i) => deps.blobs.getJson<BatchResultFile>(keys.result(run, phase, i))),
        ),
      );
      const done: string[] = [];
      for (const f of files) {
        for (const r of f?.results ?? ([] as ResultLine[])) {
          const line = changeLine(r as unknown as OpDescription);
          if (r.status === 'done') {
            applied.done++;
            done.push(line);
          } else if (r.status === 'already-done') applied.alreadyDone++;
          else if (r.status === 'conflict') {
            applied.conflicts++;
            conflicts.push(`${line}: ${r.message ?? 'conflict'}`);
          } else {
            applied.failed++;
            failures.push(`${line}: ${r.error}: ${r.message ?? ''}`);
          }
        }
      }
      changes = done;
      total = done.length;
    }
    const warnings = [
      ...new Set([
        ...secret.warnings,
        ...snapshots.source.warnings,
        ...plan.guard.reasons.map((r) => `deletion guard overridden: ${r}`),
      ]),
    ];
    const summary: RunSummary = {
      provider: run.provider,
      runId: run.runId,
      outcome: run.dryRun ? 'dry-run' : 'applied',
      source: {
        users: snapshots.source.users,
        groups: snapshots.source.groups,
        requests: snapshots.source.requests,
      },
      target: {
        users: snapshots.target.users,
        groups: snapshots.target.groups,
        memberships: snapshots.target.memberships,
      },
      plan: plan.counts,
      ...(applied ? { applied } : {}),
      changes: bounded(changes),
      changesNotListed: Math.max(0, total - REPORT_LINES),
      conflicts: bounded(conflicts),
      failures: bounded(failures),
      warnings,
      ...(snapshots.source.credentialExpiresAt
        ? { credentialExpiresAt: snapshots.source.credentialExpiresAt }
        : {}),
      planKey: plan.ref.key,
    };

    const m = deps.metrics;
    if (applied) {
      const c = plan.counts;
      m.addMetric('UsersCreated', MetricUnit.Count, c.createUsers);
      m.addMetric('UsersDeleted', MetricUnit.Count, c.deleteUsers);
      m.addMetric('GroupsCreated', MetricUnit.Count, c.createGroups);
      m.addMetric('GroupsDeleted', MetricUnit.Count, c.deleteGroups);
      m.addMetric('MembershipsAdded', MetricUnit.Count, c.addMembers);
      m.addMetric('MembershipsRemoved', MetricUnit.Count, c.removeMembers);
      m.addMetric('FailedOperations', MetricUnit.Count, applied.failed);
      // Only applied runs count conflicts, so that a dry run does not raise the conflicts alarm.
      m.addMetric('ConflictsReported', MetricUnit.Count, conflicts.length);
    }
    m.addMetric('Warnings', MetricUnit.Count, warnings.length);
    m.addMetric(run.dryRun ? 'DryRunCompleted' : 'SyncCompleted', MetricUnit.Count, 1);
    m.publishStoredMetrics();
    deps.log.info('run summary', { ...summary });

    if (applied && applied.failed > 0) {
      throw new SyncIncompleteError(
        `${applied.failed} operations failed for good (everything else was applied): ${failures.slice(0, 5).join('; ')}` +
          `${failures.length > 5 ? '; ...' : ''}. See the Report log line "run summary" and docs/runbook.md#syncincompleteerror.`,
      );
    }
    return summary;
  };

export const handler = lambdaHandler('Report', makeReport);
