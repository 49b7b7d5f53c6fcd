/**
 * Human-readable run summaries for the terminal: who was added to or removed from which group,
 * who was created, updated or deleted, conflicts and warnings, from a run's result files.
 */
import { describeOp } from '../lambdas/core/describe';
import { OperationSchema, PHASES } from '../lambdas/core/model';
import type { BatchResultFile, ResultLine } from '../lambdas/handlers/apply-batch';
import type { RunSummary } from '../lambdas/handlers/report';
import type { BlobStore } from '../lambdas/runtime/blobs';

const LIST = 8;

function names(list: string[]): string {
  const shown = list.slice(0, LIST).join(', ');
  return list.length > LIST ? `${shown} and ${list.length - LIST} more` : shown;
}

export interface Changes {
  byGroup: Map<string, { added: string[]; removed: string[] }>;
  users: { created: string[]; updated: string[]; deleted: string[] };
  groups: { created: string[]; adopted: string[]; deleted: string[] };
  problems: string[];
}

export function collectChanges(
  lines: ResultLine[],
  statuses: ReadonlySet<string> = new Set(['done']),
): Changes {
  const c: Changes = {
    byGroup: new Map(),
    users: { created: [], updated: [], deleted: [] },
    groups: { created: [], adopted: [], deleted: [] },
    problems: [],
  };
  const group = (g: string) => {
    const e = c.byGroup.get(g) ?? { added: [], removed: [] };
    c.byGroup.set(g, e);
    return e;
  };
  for (const l of lines) {
    const user = String(l.user ?? '');
    const grp = String(l.group ?? '');
    if (l.status === 'failed' || l.status === 'conflict') {
      c.problems.push(
        `${l.status}: ${l.op} ${user || grp}${l.op.endsWith('Member') ? ` / ${grp}` : ''}: ${String(l.error ?? '')} ${String(l.message ?? '')}`.trim(),
      );
      continue;
    }
    if (!statuses.has(l.status)) continue;
    switch (l.op) {
      case 'addMember':
        group(grp).added.push(user);
        break;
      case 'removeMember':
        group(grp).removed.push(user);
        break;
      case 'createUser':
        c.users.created.push(user);
        break;
      case 'updateUser':
        c.users.updated.push(`${user} (${((l.changed as string[]) ?? []).join(', ')})`);
        break;
      case 'deleteUser':
        c.users.deleted.push(user);
        break;
      case 'createGroup':
        c.groups.created.push(grp);
        break;
      case 'updateGroup':
        c.groups.adopted.push(grp);
        break;
      case 'deleteGroup':
        c.groups.deleted.push(grp);
        break;
    }
  }
  return c;
}

/** Every result line of a run (all phases, batch order). */
export async function readResults(blobs: BlobStore, provider: string, runId: string): Promise<ResultLine[]> {
  const keys = await blobs.list(`${provider}/${runId}/results/`);
  const order = (k: string) => {
    const m = /results\/(\w+)\/(\d+)\.json$/.exec(k);
    return [(PHASES as readonly string[]).indexOf(m?.[1] ?? ''), Number(m?.[2] ?? 0)] as const;
  };
  keys.sort((a, b) => {
    const [pa, ia] = order(a);
    const [pb, ib] = order(b);
    return pa - pb || ia - ib;
  });
  const files = await Promise.all(keys.map((k) => blobs.getJson<BatchResultFile>(k)));
  return files.flatMap((f) => f?.results ?? []);
}

/** Every operation a (dry-run) plan holds, as result-like lines with status 'planned'. */
export async function readPlannedOps(
  blobs: BlobStore,
  provider: string,
  runId: string,
): Promise<ResultLine[]> {
  const keys = (await blobs.list(`${provider}/${runId}/batches/`)).sort();
  const files = await Promise.all(keys.map((k) => blobs.getJson<{ ops: unknown[] }>(k)));
  return files.flatMap((f) =>
    (f?.ops ?? []).map(
      (o) => ({ ...describeOp(OperationSchema.parse(o)), status: 'planned' }) as unknown as ResultLine,
    ),
  );
}

export function renderChanges(c: Changes, verbs = { add: 'added', remove: 'removed' }): string[] {
  const out: string[] = [];
  const groups = [...c.byGroup.keys()].sort();
  if (c.groups.created.length) out.push(`  groups created: ${names(c.groups.created)}`);
  if (c.groups.adopted.length) out.push(`  groups adopted (marked as synced): ${names(c.groups.adopted)}`);
  if (c.groups.deleted.length)
    out.push(`  groups deleted (no longer in the source): ${names(c.groups.deleted)}`);
  if (c.users.created.length) out.push(`  users created: ${names(c.users.created)}`);
  if (c.users.updated.length) out.push(`  users updated: ${names(c.users.updated)}`);
  if (c.users.deleted.length)
    out.push(`  users deleted (in no synced group any more): ${names(c.users.deleted)}`);
  for (const g of groups) {
    const e = c.byGroup.get(g)!;
    const parts = [];
    if (e.added.length) parts.push(`${verbs.add} ${names(e.added)}`);
    if (e.removed.length) parts.push(`${verbs.remove} ${names(e.removed)}`);
    out.push(`  ${g}: ${parts.join('; ')}`);
  }
  for (const p of c.problems.slice(0, 20)) out.push(`  ! ${p}`);
  if (c.problems.length > 20) out.push(`  ! ... and ${c.problems.length - 20} more problems`);
  return out;
}

export function renderSummary(s: RunSummary, changes: Changes): string[] {
  const p = s.plan as Record<string, number>;
  const out = [
    `${s.provider} ${s.outcome === 'dry-run' ? 'dry run' : 'sync'} ${s.runId}`,
    `  source: ${s.source.users} users in ${s.source.groups} groups; Identity Store before: ${s.target.users} users, ${s.target.groups} groups`,
    `  ${s.outcome === 'dry-run' ? 'would change' : 'changed'}: users +${p.createUsers} ~${p.updateUsers} -${p.deleteUsers}, ` +
      `groups +${p.createGroups} ~${p.updateGroups} -${p.deleteGroups}, memberships +${p.addMembers} -${p.removeMembers}` +
      (p.total === 0 ? '  (nothing to do: already in step)' : ''),
  ];
  out.push(
    ...renderChanges(
      changes,
      s.outcome === 'dry-run' ? { add: 'would add', remove: 'would remove' } : undefined,
    ),
  );
  for (const c of s.conflicts) out.push(`  conflict (left alone): ${c}`);
  for (const w of s.warnings) out.push(`  warning: ${w}`);
  return out;
}
