/**
 * Report: completes the run report that ComputePlan wrote (report.json and report.html beside the
 * plan) with the batches' results, and returns the run's small summary (the execution output):
 * counts, the first changes by name (removals first), conflicts, failures, warnings, the guard's
 * verdict, Identity Store calls, and where the complete report is. Metrics in EMF.
 * Operations that failed for good fail the execution here (SyncIncompleteError), after everything
 * else was applied, so that the failure alert fires.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { changeLine } from '../core/describe';
import { SyncIncompleteError } from '../core/errors';
import { OperationSchema, PHASES, SourceSnapshotSchema, TargetSnapshotSchema } from '../core/model';
import {
  buildPlanReport,
  finishDryRun,
  type GuardOutcome,
  type ReportChange,
  type ReportLocation,
  type RunReport,
  withResults,
} from '../core/report';
import { type Deps, lambdaHandler } from '../runtime/deps';
import { readReport, reportLocation, writeReport } from '../runtime/report-store';
import type { BatchResultFile } from './apply-batch';
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
  /** The deletion guard: passed, overridden, or (dry runs) would-stop a real run. */
  guard?: { verdict: GuardOutcome; reasons: string[] };
  /** The first REPORT_LINES changes, removals first; the report has every one. */
  changes: string[];
  changesNotListed: number;
  conflicts: string[];
  failures: string[];
  warnings: string[];
  /** Identity Store calls by operation. */
  identityStoreCalls?: Record<string, number>;
  credentialExpiresAt?: string;
  planKey: string;
  /** The complete report: every change and why (JSON and HTML), and its S3 console page. */
  report?: ReportLocation;
}

const bounded = (lines: string[]) => lines.slice(0, REPORT_LINES);

/** A change as one line of the summary ("remove ann@example.com from web"). */
export const summaryLine = (c: ReportChange) =>
  changeLine({
    op: c.op,
    ...(c.user !== undefined ? { user: c.user } : {}),
    ...(c.group !== undefined ? { group: c.group } : {}),
    ...(c.changed ? { changed: c.changed } : {}),
    why: c.reason,
  });

export const makeReport =
  (deps: Deps) =>
  async (event: unknown): Promise<RunSummary> => {
    const { run, secret, snapshots, plan } = parseEvent(ReportEventSchema, event, 'Report');
    const finishedAt = deps.now().toISOString();
    const warnings = [
      ...new Set([
        ...secret.warnings,
        ...snapshots.source.warnings,
        ...(plan.guard.overridden ? plan.guard.reasons.map((r) => `deletion guard overridden: ${r}`) : []),
        ...(plan.guard.wouldStop
          ? plan.guard.reasons.map((r) => `a real run would be stopped by the deletion guard: ${r}`)
          : []),
      ]),
    ];
    let report = (await readReport(deps.blobs, run.provider, run.runId)) ?? (await rebuild(deps, event));
    if (run.dryRun) report = finishDryRun(report, { finishedAt, warnings });
    else {
      const files = await Promise.all(
        PHASES.flatMap((phase) =>
          plan.batches[phase].map((i) => deps.blobs.getJson<BatchResultFile>(keys.result(run, phase, i))),
        ),
      );
      report = withResults(
        report,
        files.map((f) => ({ lines: (f?.results ?? []) as never, ...(f?.calls ? { calls: f.calls } : {}) })),
        { finishedAt, warnings },
      );
    }
    await writeReport(deps.blobs, report);

    const listed = run.dryRun ? report.changes : report.changes.filter((c) => c.status === 'done');
    const conflicts = [
      ...report.conflicts.map((c) => `${c.kind} ${c.name}: ${c.reason}`),
      ...report.changes
        .filter((c) => c.status === 'conflict')
        .map((c) => `${summaryLine(c)}: ${c.message ?? 'conflict'}`),
    ];
    const failures = report.changes
      .filter((c) => c.status === 'failed')
      .map((c) => `${summaryLine(c)}: ${c.error}: ${c.message ?? ''}`);
    const a = report.applied;
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
      ...(a
        ? { applied: { done: a.done, alreadyDone: a.alreadyDone, conflicts: a.conflicts, failed: a.failed } }
        : {}),
      guard: { verdict: report.guard.verdict, reasons: report.guard.reasons },
      changes: bounded(listed.map(summaryLine)),
      changesNotListed: Math.max(0, listed.length - REPORT_LINES),
      conflicts: bounded(conflicts),
      failures: bounded(failures),
      warnings: report.warnings,
      identityStoreCalls: Object.fromEntries(
        Object.entries(report.identityStoreCalls.byOperation).map(([op, c]) => [op, c.calls]),
      ),
      ...(snapshots.source.credentialExpiresAt
        ? { credentialExpiresAt: snapshots.source.credentialExpiresAt }
        : {}),
      planKey: plan.ref.key,
      report: report.location,
    };

    const m = deps.metrics;
    if (a) {
      const c = plan.counts;
      m.addMetric('UsersCreated', MetricUnit.Count, c.createUsers);
      m.addMetric('UsersDeleted', MetricUnit.Count, c.deleteUsers);
      m.addMetric('GroupsCreated', MetricUnit.Count, c.createGroups);
      m.addMetric('GroupsDeleted', MetricUnit.Count, c.deleteGroups);
      m.addMetric('MembershipsAdded', MetricUnit.Count, c.addMembers);
      m.addMetric('MembershipsRemoved', MetricUnit.Count, c.removeMembers);
      m.addMetric('FailedOperations', MetricUnit.Count, a.failed);
      // Only applied runs count conflicts, so that a dry run does not raise the conflicts alarm.
      m.addMetric('ConflictsReported', MetricUnit.Count, conflicts.length);
    }
    m.addMetric('Warnings', MetricUnit.Count, report.warnings.length);
    m.addMetric(run.dryRun ? 'DryRunCompleted' : 'SyncCompleted', MetricUnit.Count, 1);
    m.publishStoredMetrics();
    deps.log.info('run summary', { ...summary });

    if (a && a.failed > 0) {
      throw new SyncIncompleteError(
        `${a.failed} operations failed for good (everything else was applied): ${failures.slice(0, 5).join('; ')}` +
          `${failures.length > 5 ? '; ...' : ''}. Every failure: ${report.location.console ?? report.location.html}; ` +
          'see docs/runbook.md#syncincompleteerror.',
      );
    }
    return summary;
  };

/** A run planned before ComputePlan wrote reports (a redrive across an upgrade): built here instead. */
async function rebuild(deps: Deps, event: unknown): Promise<RunReport> {
  const { run, snapshots, plan } = parseEvent(ReportEventSchema, event, 'Report');
  const [source, target, planFile] = await Promise.all([
    deps.blobs.getJson(snapshots.source.key).then((s) => SourceSnapshotSchema.parse(s)),
    deps.blobs.getJson(snapshots.target.key).then((t) => TargetSnapshotSchema.parse(t)),
    deps.blobs.getJson<{ conflicts?: never[]; owned?: { users: number; groups: number } }>(plan.ref.key),
  ]);
  const batches = await Promise.all(
    PHASES.flatMap((phase) =>
      plan.batches[phase].map((i) => deps.blobs.getJson<{ ops: unknown[] }>(keys.batch(run, phase, i))),
    ),
  );
  return buildPlanReport({
    run,
    createdAt: plan.ref.createdAt,
    ops: batches.flatMap((b) => (b?.ops ?? []).map((o) => OperationSchema.parse(o))),
    conflicts: planFile?.conflicts ?? [],
    counts: plan.counts as never,
    guard: {
      reasons: plan.guard.reasons,
      deletes: { users: plan.counts.deleteUsers, groups: plan.counts.deleteGroups },
      owned: planFile?.owned ?? { users: 0, groups: 0 },
      limits: {
        maxDeletionPercent: deps.config.maxDeletionPercent,
        deletionGuardFloor: deps.config.deletionGuardFloor,
      },
    },
    source,
    target,
    sourceRequests: snapshots.source.requests,
    warnings: [],
    location: reportLocation(deps.blobs, run.provider, run.runId),
  });
}

export const handler = lambdaHandler('Report', makeReport);
