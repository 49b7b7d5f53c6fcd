/**
 * GitHub provider benchmark: requests against the lower bound, and wall time with 50 ms latency
 * per request, for generated organisations (real Octokit against the fake GitHub).
 *
 * - pages needed: teams pages + every extra member page (what one request per page costs);
 * - batched bound: teams pages + one request per round of extra member pages (up to 100 teams a
 *   request), the fewest requests GitHub's cursors allow, since a team's pages are sequential;
 * - paced estimate: the read's time at the throttling plugin's default 1 request/s for GraphQL
 *   (the production setting): measured on the 'default pacing' row, else (requests - 1) s plus
 *   one request's measured time.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { GithubConfigSchema } from '../lambdas/core/config';
import { readGithubSource } from '../lambdas/providers/github';
import { type GithubFixture, generateGithubFixture, startFakeGithub } from '../local/github';
import { measure, printTable, type Row } from './report';

const PAGE = 100;
const LATENCY_MS = 50;
const TOKEN = 'ghp_bench000000000000000000000000000000000';

interface Case {
  label: string;
  fixture: GithubFixture;
  /** Keep the throttling plugin's default GraphQL pacing (1 request/s) instead of none. */
  paced?: boolean;
}

function cases(): Case[] {
  const small = generateGithubFixture({ teams: 98, users: 1000, membersPerTeam: 10, largeTeams: [250, 150] });
  return [
    { label: '100 teams / 1k members', fixture: small },
    { label: '100 teams / 1k members, default pacing', fixture: small, paced: true },
    {
      label: '1k teams / 10k members',
      fixture: generateGithubFixture({
        teams: 995,
        users: 10_000,
        membersPerTeam: 10,
        largeTeams: [2500, 1200, 400, 150, 150],
      }),
    },
  ];
}

function bounds(fx: GithubFixture) {
  const sizes = fx.teams.map((t) => new Set(t.members.map((m) => m.toLowerCase())).size);
  const teamsPages = Math.max(1, Math.ceil(fx.teams.length / PAGE));
  const extra = sizes.map((n) => Math.max(0, Math.ceil(n / PAGE) - 1));
  const rounds = Math.max(0, ...extra);
  let batched = teamsPages;
  for (let r = 1; r <= rounds; r++) batched += Math.ceil(extra.filter((e) => e >= r).length / PAGE);
  return {
    memberships: sizes.reduce((a, b) => a + b, 0),
    teamsPages,
    pagesNeeded: teamsPages + extra.reduce((a, b) => a + b, 0),
    batchedBound: batched,
  };
}

export async function benchGithub(): Promise<void> {
  const rows: Row[] = [];
  const logger = new Logger({ serviceName: 'bench', logLevel: 'SILENT' });
  for (const c of cases()) {
    const fake = await startFakeGithub({ fixture: c.fixture, token: TOKEN, latencyMs: LATENCY_MS });
    try {
      const config = GithubConfigSchema.parse({
        organisation: c.fixture.organisation,
        secretName: 'bench',
        userNameSuffix: '@example.com',
        apiUrl: fake.url,
      });
      const b = bounds(c.fixture);
      const { result, ms, peakHeapMb } = await measure(() =>
        readGithubSource({
          config,
          secret: { kind: 'token', token: TOKEN },
          logger,
          retry: c.paced ? {} : { graphqlMinIntervalMs: 0 },
        }),
      );
      rows.push({
        organisation: c.label,
        teams: c.fixture.teams.length,
        users: result.snapshot.users.length,
        memberships: b.memberships,
        'pages needed': b.pagesNeeded,
        'batched bound': b.batchedBound,
        requests: result.requests,
        [`wall s (${LATENCY_MS} ms latency)`]: ms / 1000,
        'paced estimate s (1 req/s)': c.paced
          ? ms / 1000
          : Math.max(0, result.requests - 1) + ms / 1000 / result.requests,
        'peak heap MB': peakHeapMb,
      });
    } finally {
      await fake.close();
    }
  }
  printTable('GitHub provider: requests and read time', rows);
}

if (process.argv[1]?.endsWith('bench/github.ts')) {
  benchGithub().catch((e: unknown) => {
    process.stderr.write(`${String((e as Error)?.stack ?? e)}\n`);
    process.exit(1);
  });
}
