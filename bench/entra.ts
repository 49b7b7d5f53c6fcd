/**
 * Entra ID read: Microsoft Graph requests against the lower bound (the pages that must be read),
 * and wall time with 50 ms of fake latency per request, for generated tenants of
 * 50 groups / 5k users and 500 groups / 50k users (each user in 2 groups, 2 owners per group).
 *
 * Lower bound = ceil(groups / 999) group pages + per group ceil(members / 999) member pages
 * (at least 1) + per group ceil(owners / 999) owner pages (at least 1, when owners count).
 */
import { EntraConfigSchema } from '../lambdas/core/config';
import { readEntraSource } from '../lambdas/providers/entra';
import { generateEntraFixture, localEntraConfig, startFakeGraph } from '../local/graph';
import { FakeTenant } from '../local/graph/tenant';
import { measure, printTable, type Row } from './report';

const TENANT = '0f0e0d0c-1111-4222-8333-444455556666';
const CLIENT = 'c11e0000-aaaa-4bbb-8ccc-dddddddddddd';
const SECRET = 'bench-client-secret';
const PAGE = 999;
const LATENCY_MS = 50;

const SHAPES = [
  { groups: 50, users: 5_000 },
  { groups: 500, users: 50_000 },
];

export async function benchEntra(): Promise<void> {
  const rows: Row[] = [];
  const defaults = EntraConfigSchema.parse({ secretName: 'bench' });
  for (const shape of SHAPES) {
    const fixture = generateEntraFixture({ ...shape, groupsPerUser: 2, ownersPerGroup: 2, otherGroups: 5 });
    const tenant = new FakeTenant(fixture);
    const prefixed = fixture.groups.filter((g) =>
      g.displayName.toLowerCase().startsWith(defaults.groupPrefix),
    );
    const pages = (n: number) => Math.max(1, Math.ceil(n / PAGE));
    const lowerBound =
      pages(prefixed.length) +
      prefixed.reduce((n, g) => n + pages(tenant.transitiveMembers(g.id).length), 0) +
      (defaults.includeOwners ? prefixed.reduce((n, g) => n + pages(g.owners?.length ?? 0), 0) : 0);

    const fake = await startFakeGraph({ fixture, tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET });
    try {
      const secret = { tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET };
      const config = localEntraConfig(fake);
      const fast = await measure(() => readEntraSource({ config, secret }));
      fake.setLatency(LATENCY_MS);
      fake.resetCounters();
      const slow = await measure(() => readEntraSource({ config, secret }));
      const s = slow.result.snapshot;
      rows.push({
        tenant: `${shape.groups} groups / ${shape.users / 1000}k users`,
        'synced users': s.users.length,
        memberships: s.groups.reduce((n, g) => n + g.members.length, 0),
        'graph requests': slow.result.requests,
        'lower bound': lowerBound,
        'x bound': slow.result.requests / lowerBound,
        'token requests': slow.result.tokenRequests,
        'ms (0 latency)': Math.round(fast.ms),
        [`ms (${LATENCY_MS} ms latency)`]: Math.round(slow.ms),
        'peak heap MB': Math.round(slow.peakHeapMb),
      });
    } finally {
      await fake.close();
    }
  }
  printTable(
    `Entra ID read: Graph requests vs lower bound, wall time (fake Graph, ${LATENCY_MS} ms latency)`,
    rows,
  );
}
