/**
 * End-to-end benchmark: the state machine run locally (aws-local-stepfunctions, real handlers and
 * clients) for a GitHub organisation of 1k users / 100 teams into an Identity Store emulator
 * limited to 20 requests/s with 20 ms latency: a first sync, a no-op resync, and a resync after
 * churn (leavers, people moving teams, a renamed team and a renamed login).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunSummary } from '../lambdas/handlers/report';
import { loadConfigInput, startLocalEnvironment } from '../local/environment';
import { type Batches, recheckCalls } from '../lambdas/core/batches';
import { type Operation, PHASES } from '../lambdas/core/model';
import { derivedDatabaseId, type GithubFixture, generateGithubFixture } from '../local/github';
import { generateEntraFixture } from '../local/graph';
import { OPERATIONS, peakRate, totalCounts } from '../local/identitystore';
import { LocalRunner } from '../local/runner';
import { printTable, type Row } from './report';

const PAGE = 100;

export async function benchE2e(opts: { users?: number; teams?: number } = {}): Promise<void> {
  const users = opts.users ?? 1000;
  const teams = opts.teams ?? 100;
  const fixture = generateGithubFixture({
    organisation: 'example-org',
    teams,
    users,
    membersPerTeam: Math.round((users * 3) / teams),
  });
  const base = loadConfigInput();
  const env = await startLocalEnvironment({
    config: { ...base, providers: { github: base.providers.github! } },
    fixtures: { github: fixture },
    rps: 20,
    latencyMs: 20,
  });
  const blobDir = mkdtempSync(join(tmpdir(), 'scim-sync-bench-'));
  const runner = new LocalRunner(env, blobDir);
  const rows: Row[] = [];
  try {
    for (const label of ['first sync', 'no-op resync', 'churn resync']) {
      if (label === 'churn resync') env.github!.setFixture(churned(fixture));
      const before = env.emulator.dump();
      env.emulator.resetCounts();
      const r = await runner.run('github');
      const s = r.output as RunSummary | undefined;
      const counts = env.emulator.counts();
      const total = totalCounts(counts);
      // Lower bound: list pages of what the store held, memberships of the provider's groups, one call per
      // change, and the re-checks before removals.
      const ownedGroups = before.groups.filter((g) =>
        (g.Description ?? '').startsWith('Managed by scim-sync from GitHub'),
      );
      const memberPages = ownedGroups.reduce(
        (n, g) =>
          n +
          Math.max(1, Math.ceil(before.memberships.filter((m) => m.group === g.DisplayName).length / PAGE)),
        0,
      );
      const rechecks = recheckCalls(readBatches(blobDir, r.execution.name));
      const lower =
        Math.max(1, Math.ceil(before.users.length / PAGE)) +
        Math.max(1, Math.ceil(before.groups.length / PAGE)) +
        memberPages +
        (s?.plan.total ?? 0) +
        rechecks;
      const byOp = OPERATIONS.filter((op) => counts[op].received > 0)
        .map(
          (op) =>
            `${op} ${counts[op].received}${counts[op].throttled ? ` (${counts[op].throttled} throttled)` : ''}`,
        )
        .join(', ');
      rows.push({
        run: label,
        status: r.execution.status,
        'wall s': r.stats.wallMs / 1000,
        'IS calls': total.received,
        throttled: total.throttled,
        'lower bound': lower,
        're-checks': rechecks,
        ratio: total.received / lower,
        'req/s': total.received / (r.stats.wallMs / 1000),
        'state transitions': r.stats.stateTransitions,
        'history events': r.execution.history.length,
        'largest state payload B': r.stats.largestPayloadBytes,
      });
      process.stdout.write(`  ${label}: ${byOp}\n`);
    }
  } finally {
    runner.close();
    await env.close();
    rmSync(blobDir, { recursive: true, force: true });
  }
  printTable(
    `End to end: state machine run locally, ${users} users / ${teams} teams, Identity Store at 20 req/s + 20 ms`,
    rows,
  );
}

/** The batches a run planned, from the blob folder (the lower bound counts their re-checks). */
function readBatches(blobDir: string, runId: string): Batches {
  const out: Batches = { renames: [], creates: [], memberships: [], deletes: [] };
  for (const phase of PHASES) {
    for (let i = 0; ; i++) {
      try {
        const f = JSON.parse(
          readFileSync(join(blobDir, 'github', runId, 'batches', phase, `${i}.json`), 'utf8'),
        );
        out[phase].push(f.ops as Operation[]);
      } catch {
        break;
      }
    }
  }
  return out;
}

/**
 * About 1% churn: every 100th user leaves the organisation, every 50th moves from its first team to
 * another, the first team is renamed and the first user renames their login (ids kept, as on GitHub).
 */
function churned(f: GithubFixture): GithubFixture {
  const logins = [...new Set(f.teams.flatMap((t) => t.members))];
  const leavers = new Set(logins.filter((_, i) => i % 100 === 7));
  const movers = logins.filter((_, i) => i % 50 === 3 && !leavers.has(logins[i]!));
  const first = logins[0]!;
  const teams = f.teams.map((t, i) => ({
    ...t,
    id: derivedDatabaseId('team', t.slug),
    ...(i === 0 ? { slug: `${t.slug}-renamed` } : {}),
    members: t.members
      .filter(
        (m) =>
          !leavers.has(m) && !(movers.includes(m) && f.teams.findIndex((x) => x.members.includes(m)) === i),
      )
      .map((m) => (m === first ? `${m}-renamed` : m)),
  }));
  for (const [k, m] of movers.entries()) {
    const t = teams[(k * 7 + 1) % teams.length]!;
    if (!t.members.includes(m)) t.members.push(m);
  }
  const users = (f.users ?? []).map((u) => ({
    ...u,
    id: derivedDatabaseId('user', u.login),
    ...(u.login === first ? { login: `${u.login}-renamed` } : {}),
  }));
  return { ...f, teams, users };
}

if (require.main === module) {
  benchE2e()
    .then(() => benchBothProviders())
    .catch((err) => {
      console.error(err);
      process.exitCode = 1;
    });
}

/**
 * GitHub and Entra started at the same moment into one Identity Store emulator limited to 20
 * requests/s (20 ms latency), the sync configured for identityStoreRps 18: one run holds the
 * Identity Store's lease, the other waits its turn (WaitForLease). Figures: throttled requests, the
 * combined request rate (mean, and the peak in any 1 s and 5 s window), and the wait.
 */
export async function benchBothProviders(opts: { users?: number } = {}): Promise<void> {
  const users = opts.users ?? 200;
  const base = loadConfigInput();
  const env = await startLocalEnvironment({
    config: { ...base, providers: { github: base.providers.github!, entra: base.providers.entra! } },
    fixtures: {
      github: generateGithubFixture({
        organisation: 'example-org',
        teams: 20,
        users,
        membersPerTeam: Math.round((users * 2) / 20),
      }),
      entra: generateEntraFixture({ groups: 15, users, groupsPerUser: 2 }),
    },
    rps: 20,
    identityStoreRps: 18,
    latencyMs: 20,
  });
  const blobDir = mkdtempSync(join(tmpdir(), 'scim-sync-bench-'));
  // Wait states pause 1 s here (60 s in AWS): the number of waits shows the turn taken.
  const runner = new LocalRunner(env, blobDir, { waitMs: 1000 });
  const rows: Row[] = [];
  try {
    const t0 = performance.now();
    const runs = await Promise.all(
      (['github', 'entra'] as const).map((p) => runner.run(p, { name: `${p}-at-once` })),
    );
    const wallS = (performance.now() - t0) / 1000;
    const arrivals = env.emulator.arrivals();
    const total = totalCounts(env.emulator.counts());
    for (const r of runs) {
      const waits = r.events.filter(
        (e) => e.type === 'StateEntered' && (e.state as { name: string }).name === 'WaitForLease',
      ).length;
      const s = r.output as RunSummary | undefined;
      rows.push({
        run: r.execution.name,
        status: r.execution.status,
        'wall s': r.stats.wallMs / 1000,
        changes: s?.applied?.done ?? 0,
        'lease waits': waits,
        'history events': r.execution.history.length,
      });
    }
    const span = ((arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0)) / 1000;
    rows.push({
      run: 'both (Identity Store)',
      status: runs.every((r) => r.execution.status === 'SUCCEEDED') ? 'SUCCEEDED' : 'FAILED',
      'wall s': wallS,
      'IS calls': total.received,
      throttled: total.throttled,
      'mean req/s': span ? (arrivals.length - 1) / span : 0,
      'peak 1 s': peakRate(arrivals, 1000),
      'peak 5 s': peakRate(arrivals, 5000),
    });
  } finally {
    runner.close();
    await env.close();
    rmSync(blobDir, { recursive: true, force: true });
  }
  printTable(
    `GitHub and Entra at once: ${users} users each, Identity Store at 20 req/s + 20 ms, identityStoreRps 18`,
    rows,
  );
}
