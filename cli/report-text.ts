/**
 * The run report for a terminal: the outcome and the guard's verdict, who loses access (every
 * removal), who gains access, other changes, conflicts, failures, warnings and Identity Store calls.
 * `scim-sync report` prints it whole; `sync --local`, `plan` and `start --wait` print it with the
 * additions and other changes shortened (removals are never shortened).
 */
import { ACTIONS } from '../lambdas/core/describe';
import { type ReportChange, removals, additions, type RunReport, peopleLosing } from '../lambdas/core/report';
import { countsLine, table } from './aws/render';

const OUTCOME: Record<RunReport['outcome'], string> = {
  planned: 'planned (not applied yet)',
  'dry-run': 'dry run: nothing was changed',
  'stopped-by-guard': 'STOPPED by the deletion guard: nothing was changed',
  applied: 'applied',
  incomplete: 'applied, except the changes marked failed or not-run',
  failed: 'FAILED before it finished: changes marked not-run were not applied',
  running: 'still running: changes marked not-run are not applied yet',
};

const plural = (x: number, one: string, many = `${one}s`) => `${x} ${x === 1 ? one : many}`;

export interface ReportTextOptions {
  /** Most additions and other changes listed (removals are always listed in full). */
  limit?: number;
  /** How to see the rest, when something was left out. */
  more?: string;
}

function loses(c: ReportChange): string {
  if (c.op === 'deleteUser')
    return `everything (user deleted)${c.groups?.length ? `: ${c.groups.join(', ')}` : ''}`;
  if (c.op === 'deleteGroup') return `group ${c.group} (deleted)`;
  return c.group ?? '';
}

export function reportLines(r: RunReport, opts: ReportTextOptions = {}): string[] {
  const limit = opts.limit ?? Number.POSITIVE_INFINITY;
  const out = [
    `${r.provider} ${r.dryRun ? 'dry run' : 'run'} ${r.runId}: ${OUTCOME[r.outcome]}`,
    `  source: ${r.source.users} users in ${r.source.groups} groups; Identity Store before: ${r.target.users} users, ${r.target.groups} groups, ${r.target.memberships} memberships`,
    `  ${r.dryRun ? 'would change' : 'plan'}: ${countsLine(r.plan)} (${r.plan.total} changes)${r.plan.total === 0 ? '  (nothing to do: already in step)' : ''}`,
  ];
  if (r.applied)
    out.push(
      `  applied: ${r.applied.done} done, ${r.applied.alreadyDone} already done, ${r.applied.conflicts} conflicts, ${r.applied.failed} failed, ${r.applied.notRun} not run`,
    );
  const g = r.guard;
  if (g.verdict === 'would-stop' || g.verdict === 'stopped') {
    out.push(
      `  DELETION GUARD: ${g.verdict === 'stopped' ? 'this run was stopped' : 'a real run would be stopped'}: ${g.reasons.join('; ')}`,
      `    (limits: more than ${g.limits.maxDeletionPercent}% and more than ${g.limits.deletionGuardFloor} of the owned users or groups; if the deletions are right, start a run with --allow-mass-deletion)`,
    );
  } else if (g.verdict === 'overridden')
    out.push(`  deletion guard overridden (allowMassDeletion): ${g.reasons.join('; ')}`);

  const status = (c: ReportChange) => (c.status === 'failed' ? `failed: ${c.error ?? ''}` : c.status);
  const losing = removals(r);
  const people = new Set(losing.flatMap(peopleLosing));
  out.push(
    '',
    `who loses access: ${plural(people.size, 'person', 'people')}, ${plural(losing.length, 'removal')}`,
  );
  if (losing.length)
    out.push(
      ...table(
        ['PERSON', 'LOSES', 'WHY', 'STATUS'],
        losing.map((c) => [peopleLosing(c).join(', ') || '-', loses(c), c.reason, status(c)]),
      ).map((l) => `  ${l}`),
    );
  const gaining = additions(r);
  out.push(
    '',
    `who gains access: ${new Set(gaining.map((c) => c.user)).size} people, ${gaining.length} additions`,
  );
  if (gaining.length)
    out.push(
      ...table(
        ['PERSON', 'GAINS', 'WHY', 'STATUS'],
        gaining.slice(0, limit).map((c) => [c.user ?? '', c.group ?? '', c.reason, status(c)]),
      ).map((l) => `  ${l}`),
    );
  if (gaining.length > limit)
    out.push(`  ... and ${gaining.length - limit} more${opts.more ? `: ${opts.more}` : ''}`);
  const others = r.changes.filter((c) => c.effect === 'changes');
  if (others.length) {
    out.push('', `other changes: ${others.length}`);
    out.push(
      ...table(
        ['CHANGE', 'NAME', 'WHY', 'STATUS'],
        others.slice(0, limit).map((c) => [ACTIONS[c.op], c.user ?? c.group ?? '', c.reason, status(c)]),
      ).map((l) => `  ${l}`),
    );
    if (others.length > limit)
      out.push(`  ... and ${others.length - limit} more${opts.more ? `: ${opts.more}` : ''}`);
  }
  if (r.conflicts.length) {
    out.push('', `conflicts (left alone): ${r.conflicts.length}`);
    for (const c of r.conflicts) out.push(`  ${c.kind} ${c.name}: ${c.reason}`);
  }
  const failed = r.changes.filter((c) => c.status === 'failed' || c.status === 'conflict');
  if (failed.length) {
    out.push('', `failed or refused at apply time: ${failed.length}`);
    for (const c of failed.slice(0, Math.max(limit, 20)))
      out.push(
        `  ${c.status}: ${ACTIONS[c.op]} ${[c.user, c.group].filter(Boolean).join(' / ')}: ${c.error ?? ''} ${c.message ?? ''}`.trimEnd(),
      );
  }
  for (const w of r.warnings) out.push(`  warning: ${w}`);
  const calls = r.identityStoreCalls;
  const v = Object.values(calls.byOperation);
  const throttled = v.reduce((x, c) => x + c.throttled, 0);
  const retried = v.reduce((x, c) => x + c.retries, 0);
  out.push(
    '',
    `Identity Store calls: ${calls.total}${
      calls.total
        ? ` (${Object.entries(calls.byOperation)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([op, c]) => `${op} ${c.calls}`)
            .join(', ')})`
        : ''
    }; ${throttled} throttled, ${retried} retried`,
    `report: ${r.location.html}${r.location.console ? `\n  console: ${r.location.console}` : ''}`,
  );
  return out;
}
