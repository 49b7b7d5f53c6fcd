/**
 * The run report (lambdas/core/report.ts, report-html.ts) from a real plan of real snapshots: every
 * removal is named (in the JSON and as one row of the HTML removal table), reasons say why in the
 * source's words, results complete it, and the HTML parses and escapes names.
 */
import { parse } from 'node-html-parser';
import { parseConfig } from '../../lambdas/core/config';
import type { SourceSnapshot, TargetSnapshot } from '../../lambdas/core/model';
import { githubGroupDescription, ownershipRules, userRecord } from '../../lambdas/core/ownership';
import { computePlan, countOps } from '../../lambdas/core/plan';
import { renderReportHtml } from '../../lambdas/core/report-html';
import {
  buildPlanReport,
  leavers,
  peopleLosing,
  removals,
  type RunReport,
  withResults,
} from '../../lambdas/core/report';
import { deletionGuard } from '../../lambdas/core/safety';

const config = parseConfig({
  identityStoreId: 'd-1234567890',
  region: 'eu-west-2',
  providers: { github: { organisation: 'org', secretName: 's', userNameSuffix: '@example.com' } },
});
const rules = ownershipRules('github', config);
const NOW = '2026-05-01T10:00:00.000Z';
const user = (i: number) => `user${String(i).padStart(4, '0')}@example.com`;

/** A store of `before` users in 30 teams; the source keeps `kept`, adds `added`, drops team-29. */
function scenario(opts: { before: number; kept: number; added: number }) {
  const teamsOf = (i: number) => [`team-${i % 30}`, `team-${(i + 7) % 30}`];
  const target: TargetSnapshot = {
    identityStoreId: 'd-1234567890',
    fetchedAt: NOW,
    users: Array.from({ length: opts.before }, (_, i) => ({
      userId: `u-${i}`,
      userName: user(i),
      displayName: user(i),
      name: { givenName: user(i), familyName: user(i) },
      emails: [{ value: user(i), type: 'work', primary: true }],
      profileUrl: userRecord(rules, `${i}`),
    })),
    groups: Array.from({ length: 30 }, (_, g) => ({
      groupId: `g-${g}`,
      displayName: `team-${g}`,
      description: githubGroupDescription('org', `team-${g}`),
    })),
    memberships: Array.from({ length: opts.before }, (_, i) =>
      teamsOf(i).map((t) => ({ membershipId: `m-${i}-${t}`, groupId: `g-${t.slice(5)}`, userId: `u-${i}` })),
    ).flat(),
    membershipsReadFor: Array.from({ length: 30 }, (_, g) => `g-${g}`),
  };
  const ids = [
    ...Array.from({ length: opts.kept }, (_, i) => i),
    ...Array.from({ length: opts.added }, (_, i) => opts.before + i),
  ];
  const members = new Map<string, string[]>();
  for (const i of ids) {
    // Every tenth kept user leaves its second team; nobody is in team-29 any more (it is gone).
    const teams = i < opts.before && i % 10 === 0 ? teamsOf(i).slice(0, 1) : teamsOf(i);
    for (const t of teams) if (t !== 'team-29') members.set(t, [...(members.get(t) ?? []), `${i}`]);
  }
  const source: SourceSnapshot = {
    provider: 'github',
    fetchedAt: NOW,
    users: ids.map((i) => ({
      id: `${i}`,
      userName: user(i),
      displayName: user(i),
      name: { givenName: user(i), familyName: user(i) },
      email: { value: user(i), type: 'work', primary: true },
    })),
    groups: [...members].map(([displayName, m]) => ({ id: displayName, displayName, members: m })),
    warnings: [],
  };
  return { source, target };
}

function reportOf(source: SourceSnapshot, target: TargetSnapshot, dryRun = false): RunReport {
  const plan = computePlan(source, target, rules);
  const limits = { maxDeletionPercent: 10, deletionGuardFloor: 3 };
  const guard = deletionGuard(plan, { ...limits, allowMassDeletion: false });
  return buildPlanReport({
    run: {
      provider: 'github',
      runId: 'run-1',
      executionArn: 'arn:aws:states:eu-west-2:1:execution:scim-sync-github:run-1',
      startedAt: '2026-05-01T09:59:00.000Z',
      dryRun,
      allowMassDeletion: false,
    },
    createdAt: NOW,
    ops: plan.ops,
    conflicts: plan.conflicts,
    counts: countOps(plan),
    guard: { reasons: guard.reasons, deletes: guard.deletes, owned: plan.owned, limits },
    source,
    target,
    warnings: [],
    calls: { ListUsers: { calls: 16, throttled: 1, errors: 0, retries: 1 } },
    location: { json: '/tmp/run-1/report.json', html: '/tmp/run-1/report.html' },
  });
}

describe('the run report', () => {
  const { source, target } = scenario({ before: 1500, kept: 1100, added: 200 });
  const plan = computePlan(source, target, rules);
  const report = reportOf(source, target, true);

  it('of more than 1,000 changes names every removal, first, in the JSON and in the HTML table', () => {
    expect(report.changes.length).toBeGreaterThan(1000);
    const planned = plan.ops.filter((o) => ['deleteUser', 'removeMember', 'deleteGroup'].includes(o.op));
    expect(planned.length).toBe(400 + 110 + 1);
    const listed = removals(report);
    expect(listed).toHaveLength(planned.length);
    // Removals come before every other change.
    expect(report.changes.slice(0, listed.length).every((c) => c.effect === 'loses')).toBe(true);

    const html = renderReportHtml(report);
    const root = parse(html);
    expect(root.querySelector('title')?.text).toBe('scim-sync github dry run run-1');
    const rows = root.querySelectorAll('#removals tbody tr.removal');
    expect(rows).toHaveLength(planned.length);
    for (const op of planned) {
      const who =
        op.op === 'deleteGroup'
          ? op.displayName
          : op.op === 'deleteUser'
            ? op.userName
            : op.op === 'removeMember'
              ? op.user
              : '';
      expect(rows.some((r) => r.text.includes(who))).toBe(true);
    }
    // The deleted team names everyone who was in it.
    const team29 = rows.find((r) => r.text.includes('group team-29 deleted'));
    const was29 = target.memberships.filter((m) => m.groupId === 'g-29').length;
    expect(team29?.querySelector('td .members')?.text.split(', ')).toHaveLength(was29);
    // The guard would stop a real run, and says so above the tables.
    expect(report.guard.verdict).toBe('would-stop');
    expect(root.querySelector('#guard')?.text).toContain('A real run would be stopped by the deletion guard');
  });

  it("gives the reason in the source's words", () => {
    const find = (op: string, who: string) =>
      report.changes.find((c) => c.op === op && (c.user === who || c.group === who));
    expect(find('removeMember', user(10))?.reason).toBe('left team team-17');
    expect(find('deleteUser', user(1100))?.reason).toBe('in no synced team any more: loses team-20, team-27');
    expect(find('deleteUser', user(1100))?.groups).toEqual(['team-20', 'team-27']);
    expect(find('addMember', user(1500))?.reason).toMatch(/^joined team team-/);
    expect(find('createUser', user(1500))?.reason).toBe('new in GitHub: member of team team-0, team-7');
    expect(find('deleteGroup', 'team-29')?.reason).toMatch(
      /^team no longer in GitHub or no longer synced; \d+ members lose access with it$/,
    );
    const renamed = structuredClone(source);
    renamed.users[1]!.displayName = 'Ann Example';
    const r2 = reportOf(renamed, target);
    expect(r2.changes.find((c) => c.op === 'updateUser')?.reason).toBe(
      `displayName changed from "${user(1)}" to "Ann Example"`,
    );
  });

  it('names the first leavers, and how many there are, for short messages', () => {
    const l = leavers(report, 3);
    const everyone = new Set(removals(report).flatMap(peopleLosing));
    expect(l.total).toBe(everyone.size);
    expect(l.names).toEqual([...everyone].sort().slice(0, 3));
  });

  it("is completed by the batches' results: statuses, applied counts, calls, outcome", () => {
    const real = reportOf(source, target);
    const [first, second, ...rest] = real.changes;
    const lines = [
      { op: first!.op, user: first!.user, group: first!.group, status: 'done' as const },
      {
        op: second!.op,
        user: second!.user,
        group: second!.group,
        status: 'failed' as const,
        error: 'ValidationException',
        message: 'bad',
      },
      ...rest.map((c) => ({ op: c.op, user: c.user, group: c.group, status: 'done' as const })),
    ].slice(0, -1); // the last change has no result: its batch did not run
    const done = withResults(
      real,
      [{ lines, calls: { CreateUser: { calls: 200, throttled: 2, errors: 0, retries: 2 } } }],
      {
        finishedAt: '2026-05-01T10:05:00.000Z',
      },
    );
    expect(done.outcome).toBe('incomplete');
    expect(done.applied).toEqual({
      done: real.changes.length - 2,
      alreadyDone: 0,
      conflicts: 0,
      failed: 1,
      notRun: 1,
    });
    expect(done.changes[1]).toMatchObject({ status: 'failed', error: 'ValidationException', message: 'bad' });
    expect(done.changes.at(-1)?.status).toBe('not-run');
    expect(done.identityStoreCalls).toEqual({
      total: 216,
      byOperation: {
        ListUsers: { calls: 16, throttled: 1, errors: 0, retries: 1 },
        CreateUser: { calls: 200, throttled: 2, errors: 0, retries: 2 },
      },
    });
    expect(done.timings.applySeconds).toBe(300);
    const root = parse(renderReportHtml(done));
    expect(root.querySelectorAll('#failure-table tbody tr')).toHaveLength(1);
    expect(root.querySelector('#calls')?.text).toContain('CreateUser');
  });

  it('escapes names, so a hostile group name is text, not markup', () => {
    const s = structuredClone(source);
    const t = structuredClone(target);
    t.groups[29]!.displayName = '<img src=x onerror=alert(1)>&"team\'';
    const html = renderReportHtml(reportOf(s, t));
    const root = parse(html);
    expect(root.querySelectorAll('img')).toHaveLength(0);
    expect(root.querySelectorAll('script')).toHaveLength(0);
    expect(root.querySelector('#removals')?.text).toContain('<img src=x onerror=alert(1)>&"team\'');
    // Self-contained: no external assets.
    expect(html).not.toMatch(/<(link|script|img)\b/i);
    expect(html).not.toMatch(/url\(/i);
  });
});
