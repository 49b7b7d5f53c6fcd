/**
 * Words for executions on AWS: the run summary from the execution output (the RunSummary written by
 * the Report step, its `changes` lines read back into cli/summary.ts's shape), the plan as a table,
 * a failure with what to do about it, counts and durations.
 */
import { ACTIONS } from '../../lambdas/core/describe';
import type { NamedErrorName } from '../../lambdas/core/errors';
import type { ReportChange, RunReport } from '../../lambdas/core/report';
import type { RunSummary } from '../../lambdas/handlers/report';
import { type Changes, renderSummary } from '../summary';
import type { Failure } from './history';

/** One planned or applied change, as the plan table and `plan --json` show it. */
export interface ChangeRow {
  action: string;
  user: string;
  group: string;
  detail?: string;
}

const LINE_PATTERNS: [RegExp, (m: RegExpExecArray) => ChangeRow][] = [
  [/^add (\S+) to (.+)$/, (m) => ({ action: 'add member', user: m[1]!, group: m[2]! })],
  [/^remove (\S+) from (.+)$/, (m) => ({ action: 'remove member', user: m[1]!, group: m[2]! })],
  [/^create user (\S+)$/, (m) => ({ action: 'create user', user: m[1]!, group: '' })],
  [/^update user (\S+) \((.*)\)$/, (m) => ({ action: 'update user', user: m[1]!, group: '', detail: m[2]! })],
  [/^delete user (\S+)(?: \((.*)\))?$/, (m) => ({ action: 'delete user', user: m[1]!, group: '' })],
  [/^create group (.+)$/, (m) => ({ action: 'create group', user: '', group: m[1]! })],
  [/^adopt group (.+) \(mark it as synced\)$/, (m) => ({ action: 'adopt group', user: '', group: m[1]! })],
  [
    /^update group (.+) \((.*)\)$/,
    (m) => ({ action: 'update group', user: '', group: m[1]!, detail: m[2]! }),
  ],
  [/^delete group (.+?)(?: \((.*)\))?$/, (m) => ({ action: 'delete group', user: '', group: m[1]! })],
];

/** A `changes` line of the run summary ("add ann@example.com to web") as a row. */
export function parseChangeLine(line: string): ChangeRow {
  for (const [re, row] of LINE_PATTERNS) {
    const m = re.exec(line);
    if (m) return row(m);
  }
  return { action: 'other', user: '', group: '', detail: line };
}

/** A conflict line ("user bob@example.com: ...") as a row. */
export function parseConflictLine(line: string): ChangeRow {
  const m = /^(user|group) (.+?): (.*)$/.exec(line);
  if (!m) return { action: 'conflict', user: '', group: '', detail: line };
  return {
    action: 'conflict',
    user: m[1] === 'user' ? m[2]! : '',
    group: m[1] === 'group' ? m[2]! : '',
    detail: m[3]!,
  };
}

/** The summary's change lines in the shape cli/summary.ts renders. */
export function changesFromLines(lines: string[], failures: string[] = []): Changes {
  const c: Changes = {
    byGroup: new Map(),
    users: { created: [], updated: [], deleted: [] },
    groups: { created: [], adopted: [], deleted: [] },
    problems: failures.map((f) => `failed: ${f}`),
  };
  const group = (g: string) => {
    const e = c.byGroup.get(g) ?? { added: [], removed: [] };
    c.byGroup.set(g, e);
    return e;
  };
  for (const line of lines) {
    const r = parseChangeLine(line);
    if (r.action === 'add member') group(r.group).added.push(r.user);
    else if (r.action === 'remove member') group(r.group).removed.push(r.user);
    else if (r.action === 'create user') c.users.created.push(r.user);
    else if (r.action === 'update user') c.users.updated.push(`${r.user} (${r.detail ?? ''})`);
    else if (r.action === 'delete user') c.users.deleted.push(r.user);
    else if (r.action === 'create group') c.groups.created.push(r.group);
    else if (r.action === 'adopt group' || r.action === 'update group') c.groups.adopted.push(r.group);
    else if (r.action === 'delete group') c.groups.deleted.push(r.group);
    else c.problems.push(`unrecognised change: ${line}`);
  }
  return c;
}

export function notListed(s: Pick<RunSummary, 'changesNotListed' | 'planKey'>): string[] {
  return s.changesNotListed > 0
    ? [
        `  ${s.changesNotListed} more changes are not listed; the full plan is ${s.planKey} in the run-data bucket`,
      ]
    : [];
}

/** The summary of a finished run, as `scim-sync sync` prints it for local runs. */
export function summaryLines(s: RunSummary): string[] {
  return [
    ...renderSummary(s, changesFromLines(s.changes, s.failures)),
    ...notListed(s),
    ...(s.guard?.verdict === 'would-stop'
      ? [`  DELETION GUARD: a real run would be stopped: ${s.guard.reasons.join('; ')}`]
      : []),
    ...(s.report ? [`  report (every change and why): ${s.report.console ?? s.report.html}`] : []),
  ];
}

/** A report's change as a plan row: the reason is the detail. */
export function reportRow(c: ReportChange): ChangeRow {
  const action = c.op === 'updateGroup' && /adopt/.test(c.reason) ? 'adopt group' : ACTIONS[c.op];
  return { action, user: c.user ?? '', group: c.group ?? '', detail: c.reason };
}

/** Rows padded into columns. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** Every change of the report (removals first) and every conflict; the summary's lines without one. */
export function planRows(s: RunSummary, report?: RunReport): ChangeRow[] {
  if (report)
    return [
      ...report.changes.map(reportRow),
      ...report.conflicts.map((c) => ({
        action: 'conflict',
        user: c.kind === 'user' ? c.name : '',
        group: c.kind === 'group' ? c.name : '',
        detail: c.reason,
      })),
    ];
  return [...s.changes.map(parseChangeLine), ...s.conflicts.map(parseConflictLine)];
}

/** A dry run as `scim-sync plan` shows it: counts, the guard's verdict, one row per change. */
export function planLines(s: RunSummary, report?: RunReport): string[] {
  const rows = planRows(s, report);
  const out = [
    `${s.provider} plan: ${s.plan.total ?? 0} changes (${countsLine(s.plan)})`,
    `  source: ${s.source.users} users in ${s.source.groups} groups; Identity Store: ${s.target.users} users, ${s.target.groups} groups, ${s.target.memberships} memberships`,
    '',
  ];
  if (rows.length) {
    const cells = rows.map((r) => [r.action, r.user || '-', r.group || '-', r.detail ?? '']);
    out.push(...table(['ACTION', 'USER', 'GROUP', 'DETAIL'], cells));
  } else out.push('  nothing to do: the Identity Store is in step with the source');
  if (s.changesNotListed > 0 && !report)
    out.push(
      '',
      `  ${s.changesNotListed} more changes are not listed (the summary lists ${s.changes.length}); the full plan is ${s.planKey} in the run-data bucket`,
    );
  for (const w of s.warnings) out.push(`  warning: ${w}`);
  if (s.conflicts.length)
    out.push(`  ${s.conflicts.length} conflicts: left alone (scim-sync does not own them)`);
  if (s.guard?.verdict === 'would-stop')
    out.push(
      '',
      `  DELETION GUARD: a real run would be stopped by the deletion guard: ${s.guard.reasons.join('; ')}.`,
      '  Every deletion is listed above. If they are right, start the run with --allow-mass-deletion.',
    );
  if (s.report) out.push(`  report (every change and why): ${s.report.console ?? s.report.html}`);
  return out;
}

/** `users +2 ~0 -1, groups ..., members ...`, from plan counts. */
export function countsLine(c: object): string {
  const n = (k: string) => (c as Record<string, number | undefined>)[k] ?? 0;
  return (
    `users +${n('createUsers')} ~${n('updateUsers')} -${n('deleteUsers')}, ` +
    `groups +${n('createGroups')} ~${n('updateGroups')} -${n('deleteGroups')}, ` +
    `members +${n('addMembers')} -${n('removeMembers')}`
  );
}

export function duration(start?: Date, stop?: Date): string {
  if (!start) return '';
  const s = Math.max(0, Math.round(((stop ?? new Date()).getTime() - start.getTime()) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** What to do about each of our errors, in a line (docs/runbook.md has the whole story). */
const WHAT_TO_DO: Record<NamedErrorName, string> = {
  InputValidationError: 'start it again with a valid input: {} or {"dryRun": true}',
  ConfigError: 'fix the scimSync configuration (cdk.json) and redeploy',
  SecretInvalidError: 'fix the provider secret in Secrets Manager, then start a new run',
  SourceAuthError: 'rotate the provider credential (docs/runbook.md#rotating-secrets), then start a new run',
  SourceReadError: 'the source could not be read completely: check its status, then start a new run',
  SnapshotInvalidError: 'fix the data in the source named in the cause, then start a new run',
  TargetReadError: 'the Identity Store could not be read: retry later with a new run',
  DeletionGuardError:
    'check the plan (scim-sync plan <provider>); if the deletions are right, start with --allow-mass-deletion',
  PlanExpiredError: 'the plan is too old to apply: start a new run',
  ConcurrentRunError: 'another run was in progress: nothing to do (check it with scim-sync status)',
  LeaseLostError:
    'another run holds the Identity Store: re-drive this one after it has ended (scim-sync status)',
  PlanSupersededError:
    'a newer run of this provider has applied since: start a new run instead of re-driving',
  BatchIncompleteError: 're-drive it once the Identity Store is healthy: scim-sync redrive <execution-arn>',
  SyncIncompleteError: 'read the failures in the summary, fix their cause, then start a new run',
  TransientServiceError:
    'an AWS service kept failing (see the cause): re-drive it once the service is healthy: scim-sync redrive <execution-arn>',
};

const AWS_WHAT_TO_DO: Record<string, string> = {
  'States.Timeout': 're-drive it: only the state that timed out and what follows run again',
  'Sandbox.Timedout': 're-drive it: only the state that timed out and what follows run again',
  'States.TaskFailed': 're-drive it once the cause is fixed',
};

export function whatToDo(error: string | undefined): string | undefined {
  if (!error) return undefined;
  const ours = (WHAT_TO_DO as Record<string, string>)[error];
  if (ours) return `${ours} (docs/runbook.md#${error.toLowerCase()})`;
  if (AWS_WHAT_TO_DO[error]) return AWS_WHAT_TO_DO[error];
  if (error.startsWith('Lambda.')) return 're-drive it: Lambda service errors are usually transient';
  return 'see docs/runbook.md (troubleshooting by error name)';
}

/** "ApplyMemberships (ApplyMembershipsBatch, batch 3)" */
export function failedAt(f: Failure): string {
  if (!f.state) return 'an unknown state';
  const parts = [
    ...(f.inner ? [f.inner] : []),
    ...(f.failedBatches.length
      ? [`batch${f.failedBatches.length > 1 ? 'es' : ''} ${f.failedBatches.join(', ')}`]
      : []),
  ];
  return parts.length ? `${f.state} (${parts.join(', ')})` : f.state;
}

export function failureLines(f: Failure): string[] {
  const todo = whatToDo(f.error);
  return [
    `  failed in ${failedAt(f)}: ${f.error ?? 'unknown error'}`,
    ...(f.cause ? [`  cause: ${f.cause}`] : []),
    ...(todo ? [`  what to do: ${todo}`] : []),
  ];
}
