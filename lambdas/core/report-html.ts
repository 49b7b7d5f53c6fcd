/**
 * The run report as one self-contained HTML page (inline styles, no scripts, no external assets),
 * for people who open it from an alert: the guard's verdict, who loses access (every removal, one
 * row each, never capped), who gains access, conflicts, failures, other changes, a table per group,
 * then sizes, timings and Identity Store calls.
 */
import { ACTIONS } from './describe';
import { nameKey } from './model';
import { additions, peopleLosing, type ReportChange, removals, type RunReport } from './report';

/** Rows of the long lists other than removals; the JSON report always has every change. */
export const HTML_LIST_LIMIT = 5000;
/** Groups shown in "By group" (those with removals first). */
export const HTML_GROUP_LIMIT = 300;

const esc = (s: unknown) =>
  String(s ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

const n = (x: number) => x.toLocaleString('en-GB');
/** "1 person", "3 people", "1 removal", "2 removals". */
const count = (x: number, one: string, many = `${one}s`) => `${n(x)} ${x === 1 ? one : many}`;
/** 2026-05-01T10:00:00.000Z as "2026-05-01 10:00:00 UTC". */
const when = (iso: string | undefined) =>
  iso ? `${iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '')} UTC` : '';

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
main{max-width:1200px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
h3{font-size:15px;margin:20px 0 6px}
.sub{color:#57606a;margin:0 0 16px}
.banner{padding:12px 16px;border-radius:6px;margin:16px 0;border:1px solid}
.banner.stop{background:#ffebe9;border-color:#ff8182}.banner.warn{background:#fff8c5;border-color:#d4a72c}
.banner.ok{background:#dafbe1;border-color:#4ac26b}.banner p{margin:4px 0}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:10px 14px;min-width:150px}
.card b{display:block;font-size:24px}.card.loses b{color:#cf222e}.card.gains b{color:#1a7f37}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #d0d7de;margin:6px 0}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eaeef2;vertical-align:top;overflow-wrap:anywhere}
table.people{table-layout:fixed}table.people th:nth-child(1){width:30%}table.people th:nth-child(2){width:26%}
table.people th:nth-child(4){width:90px}
#conflict-table td:nth-child(1),#conflict-table td:nth-child(3),#other-table td:nth-child(1),table.group td:nth-child(3){white-space:nowrap}
#other-table td:nth-child(2),#other-table td:nth-child(3){overflow-wrap:anywhere;min-width:120px}
.members{max-height:7.5em;overflow:auto;font-size:13px}
th{background:#f0f2f4;font-weight:600;position:sticky;top:0}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.st{font-size:12px;padding:1px 6px;border-radius:10px;background:#eaeef2;white-space:nowrap}
.st.failed,.st.not-run{background:#ffebe9;color:#a40e26}.st.done{background:#dafbe1;color:#116329}
.st.conflict{background:#fff8c5;color:#7d4e00}
.minus{color:#cf222e;font-weight:600}.plus{color:#1a7f37;font-weight:600}
.muted{color:#57606a}.note{color:#57606a;font-style:italic}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:#eaeef2;padding:1px 4px;border-radius:4px}
`;

const OUTCOME_WORDS: Record<RunReport['outcome'], string> = {
  planned: 'planned, not applied yet',
  'dry-run': 'dry run: nothing was changed',
  'stopped-by-guard': 'stopped by the deletion guard: nothing was changed',
  applied: 'applied',
  incomplete: 'applied, except the changes marked failed or not run',
  failed: 'failed before it finished: changes marked not run were not applied',
  running: 'still running: changes marked not run are not applied yet',
};

function status(c: ReportChange): string {
  const title = [c.error, c.message].filter(Boolean).join(': ');
  return `<span class="st ${esc(c.status)}"${title ? ` title="${esc(title)}"` : ''}>${esc(c.status)}</span>`;
}

function guardBanner(r: RunReport): string {
  const g = r.guard;
  const reasons = g.reasons.map((x) => `<p>${esc(x)}</p>`).join('');
  const limits = `the guard stops a run that deletes more than ${g.limits.maxDeletionPercent}% and more than ${g.limits.deletionGuardFloor} of the ${r.provider} users (or groups) it owns`;
  switch (g.verdict) {
    case 'stopped':
      return `<div class="banner stop" id="guard"><p><b>Stopped by the deletion guard.</b> Nothing was changed.</p>${reasons}<p class="muted">${esc(limits)}. If these deletions are right, start a run with <code>{"allowMassDeletion": true}</code>.</p></div>`;
    case 'would-stop':
      return `<div class="banner stop" id="guard"><p><b>A real run would be stopped by the deletion guard.</b> This dry run changed nothing.</p>${reasons}<p class="muted">${esc(limits)}. If these deletions are right, start a run with <code>{"allowMassDeletion": true}</code>.</p></div>`;
    case 'overridden':
      return `<div class="banner warn" id="guard"><p><b>The deletion guard was overridden</b> (allowMassDeletion).</p>${reasons}</div>`;
    default:
      return `<div class="banner ok" id="guard"><p>Deletion guard: passed. The plan deletes ${n(g.deletes.users)} of ${count(g.owned.users, 'owned user')} and ${n(g.deletes.groups)} of ${count(g.owned.groups, 'owned group')}, and removes ${n(g.deletes.memberships ?? 0)} of ${count(g.owned.memberships ?? 0, 'managed membership')}.</p></div>`;
  }
}

function removalRow(c: ReportChange): string {
  const people = peopleLosing(c);
  const who =
    c.op === 'deleteGroup'
      ? people.length
        ? `<div class="members">${people.map(esc).join(', ')}</div>`
        : '<span class="muted">(no members)</span>'
      : esc(c.user);
  const what =
    c.op === 'deleteUser'
      ? `<span class="minus">user deleted</span>${c.groups?.length ? `: ${c.groups.map(esc).join(', ')}` : ''}`
      : c.op === 'deleteGroup'
        ? `<span class="minus">group ${esc(c.group)} deleted</span>`
        : `<span class="minus">−</span> ${esc(c.group)}`;
  return `<tr class="removal"><td>${who}</td><td>${what}</td><td>${esc(c.reason)}</td><td>${status(c)}</td></tr>`;
}

function limited<T>(items: T[], limit: number, row: (x: T) => string, cols: number, what: string): string {
  const shown = items.slice(0, limit).map(row).join('');
  const more =
    items.length > limit
      ? `<tr><td colspan="${cols}" class="note">${n(items.length - limit)} more ${what} are in report.json</td></tr>`
      : '';
  return shown + more;
}

function byGroup(r: RunReport): string {
  const groups = new Map<string, { name: string; rows: ReportChange[]; removals: number }>();
  for (const c of r.changes) {
    if (!c.group) continue;
    const k = nameKey(c.group);
    const g = groups.get(k) ?? { name: c.group, rows: [], removals: 0 };
    groups.set(k, g);
    g.rows.push(c);
    if (c.effect === 'loses') g.removals++;
  }
  const sorted = [...groups.values()].sort(
    (a, b) =>
      Number(b.removals > 0) - Number(a.removals > 0) || nameKey(a.name).localeCompare(nameKey(b.name)),
  );
  if (!sorted.length) return '<p class="muted">No group changes.</p>';
  const out = sorted.slice(0, HTML_GROUP_LIMIT).map((g) => {
    const rows = limited(
      g.rows,
      HTML_LIST_LIMIT,
      (c) => {
        const sign =
          c.effect === 'loses'
            ? '<span class="minus">−</span>'
            : c.effect === 'gains'
              ? '<span class="plus">+</span>'
              : '~';
        const who =
          c.op === 'deleteGroup'
            ? `${n(c.members?.length ?? 0)} members`
            : c.user
              ? esc(c.user)
              : '<span class="muted">(the group)</span>';
        return `<tr><td>${sign}</td><td>${who}</td><td>${esc(ACTIONS[c.op])}</td><td>${esc(c.reason)}</td><td>${status(c)}</td></tr>`;
      },
      5,
      'changes of this group',
    );
    return `<h3>${esc(g.name)}</h3><table class="group"><thead><tr><th></th><th>Member</th><th>Change</th><th>Why</th><th>Status</th></tr></thead><tbody>${rows}</tbody></table>`;
  });
  if (sorted.length > HTML_GROUP_LIMIT)
    out.push(
      `<p class="note">${n(sorted.length - HTML_GROUP_LIMIT)} more groups have changes: see report.json.</p>`,
    );
  return out.join('');
}

function callsTable(r: RunReport): string {
  const rows = Object.entries(r.identityStoreCalls.byOperation)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([op, c]) =>
        `<tr><td>${esc(op)}</td><td class="num">${n(c.calls)}</td><td class="num">${n(c.retries)}</td><td class="num">${n(c.throttled)}</td><td class="num">${n(c.errors)}</td></tr>`,
    )
    .join('');
  if (!rows) return '<p class="muted">No Identity Store calls recorded.</p>';
  return `<table id="calls"><thead><tr><th>Operation</th><th class="num">Calls</th><th class="num">Retries</th><th class="num">Throttled</th><th class="num">Errors</th></tr></thead><tbody>${rows}<tr><td><b>total</b></td><td class="num"><b>${n(r.identityStoreCalls.total)}</b></td><td></td><td></td><td></td></tr></tbody></table>`;
}

export function renderReportHtml(r: RunReport): string {
  const losing = removals(r);
  const gaining = additions(r);
  const others = r.changes.filter((c) => c.effect === 'changes');
  const failed = r.changes.filter((c) => c.status === 'failed' || c.status === 'conflict');
  const people = new Set(losing.flatMap(peopleLosing).map(nameKey));
  const gainers = new Set(gaining.map((c) => nameKey(c.user ?? '')));
  const p = r.plan;
  const t = r.timings;
  const title = `scim-sync ${r.provider} ${r.dryRun ? 'dry run' : 'run'} ${r.runId}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}</style></head>
<body><main>
<h1>${esc(title)}</h1>
<p class="sub"><b>${esc(OUTCOME_WORDS[r.outcome])}</b> · started ${esc(when(t.startedAt))}${t.finishedAt ? ` · finished ${esc(when(t.finishedAt))}` : ''}</p>
${guardBanner(r)}
<div class="cards">
<div class="card loses"><b>${n(people.size)}</b>${people.size === 1 ? 'person loses' : 'people lose'} access (${count(losing.length, 'removal')})</div>
<div class="card gains"><b>${n(gainers.size)}</b>${gainers.size === 1 ? 'person gains' : 'people gain'} access (${count(gaining.length, 'addition')})</div>
<div class="card"><b>${n(r.conflicts.length)}</b>${r.conflicts.length === 1 ? 'conflict' : 'conflicts'} (left alone)</div>
<div class="card"><b>${n(r.applied?.failed ?? 0)}</b>failed${r.applied?.notRun ? `, ${n(r.applied.notRun)} not run` : ''}</div>
</div>
<h2 id="loses">Who loses access</h2>
<table id="removals" class="people"><thead><tr><th>Person</th><th>Loses</th><th>Why</th><th>Status</th></tr></thead><tbody>
${losing.map(removalRow).join('\n') || '<tr><td colspan="4" class="muted">Nobody loses access.</td></tr>'}
</tbody></table>
<h2 id="gains">Who gains access</h2>
<table id="additions" class="people"><thead><tr><th>Person</th><th>Gains</th><th>Why</th><th>Status</th></tr></thead><tbody>
${limited(gaining, HTML_LIST_LIMIT, (c) => `<tr><td>${esc(c.user)}</td><td><span class="plus">+</span> ${esc(c.group)}</td><td>${esc(c.reason)}</td><td>${status(c)}</td></tr>`, 4, 'additions') || '<tr><td colspan="4" class="muted">Nobody gains access.</td></tr>'}
</tbody></table>
<h2 id="conflicts">Conflicts</h2>
${r.conflicts.length ? `<table id="conflict-table"><thead><tr><th>Kind</th><th>Name</th><th>Cause</th><th>Why it is left alone</th></tr></thead><tbody>${r.conflicts.map((c) => `<tr><td>${esc(c.kind)}</td><td>${esc(c.name)}</td><td>${esc(c.cause)}</td><td>${esc(c.reason)}</td></tr>`).join('')}</tbody></table>` : '<p class="muted">No conflicts.</p>'}
${failed.length ? `<h2 id="failures">Failed and conflicting operations</h2><table id="failure-table"><thead><tr><th>User</th><th>Group</th><th>Change</th><th>Error</th></tr></thead><tbody>${limited(failed, HTML_LIST_LIMIT, (c) => `<tr><td>${esc(c.user)}</td><td>${esc(c.group)}</td><td>${esc(ACTIONS[c.op])}</td><td>${esc([c.error, c.message].filter(Boolean).join(': '))}</td></tr>`, 4, 'failures')}</tbody></table>` : ''}
<h2 id="other">Other changes</h2>
${others.length ? `<table id="other-table"><thead><tr><th>Change</th><th>User</th><th>Group</th><th>Why</th><th>Status</th></tr></thead><tbody>${limited(others, HTML_LIST_LIMIT, (c) => `<tr><td>${esc(ACTIONS[c.op])}</td><td>${esc(c.user)}</td><td>${esc(c.group)}</td><td>${esc(c.reason)}</td><td>${status(c)}</td></tr>`, 5, 'changes')}</tbody></table>` : '<p class="muted">None.</p>'}
<h2 id="groups">By group</h2>
${byGroup(r)}
<h2 id="run">The run</h2>
<table id="counts"><tbody>
<tr><th>Planned</th><td>users +${n(p.createUsers)} ~${n(p.updateUsers)} −${n(p.deleteUsers)}, groups +${n(p.createGroups)} ~${n(p.updateGroups)} −${n(p.deleteGroups)}, memberships +${n(p.addMembers)} −${n(p.removeMembers)} (${n(p.total)} changes)</td></tr>
${r.applied ? `<tr><th>Applied</th><td>${n(r.applied.done)} done, ${n(r.applied.alreadyDone)} already done, ${n(r.applied.conflicts)} conflicts, ${n(r.applied.failed)} failed, ${n(r.applied.notRun)} not run</td></tr>` : ''}
<tr><th>Source</th><td>${n(r.source.users)} users in ${n(r.source.groups)} groups${r.source.requests !== undefined ? ` (${n(r.source.requests)} requests)` : ''}, read ${esc(when(r.source.fetchedAt))}</td></tr>
<tr><th>Identity Store before</th><td>${n(r.target.users)} users, ${n(r.target.groups)} groups, ${n(r.target.memberships)} memberships of synced groups, read ${esc(when(r.target.fetchedAt))}</td></tr>
<tr><th>Timings</th><td>read and planned in ${n(t.readAndPlanSeconds)} s${t.applySeconds !== undefined ? `, applied in ${n(t.applySeconds)} s` : ''}</td></tr>
<tr><th>Execution</th><td><code>${esc(r.executionArn)}</code></td></tr>
<tr><th>This report</th><td><code>${esc(r.location.json)}</code></td></tr>
</tbody></table>
${r.warnings.length ? `<h3>Warnings</h3><ul>${r.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : ''}
<h3>Identity Store calls</h3>
${callsTable(r)}
</main></body></html>
`;
}
