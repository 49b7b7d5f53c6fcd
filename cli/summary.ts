/**
 * A run summary (the execution output) for the terminal: who was added to or removed from which
 * group, who was created, updated or deleted, conflicts and warnings. The complete picture is the
 * run report (cli/report-text.ts).
 */
import type { RunSummary } from '../lambdas/handlers/report';

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
