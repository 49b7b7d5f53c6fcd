/**
 * The largest first sync the Identity Store allows (100,000 users, 100,000 groups and their
 * memberships) must fit Step Functions' 25,000-event history and every batch a Lambda's timeout
 * at the configured request rate (docs/architecture.md#limits). Checked with the planner; not run.
 */
import {
  APPLY_TIMEOUT_SECONDS,
  EVENTS_PER_BATCH,
  HISTORY_EVENT_LIMIT,
  MAX_BATCHES,
  maxOpsPerBatch,
  toBatches,
} from '../../lambdas/core/batches';
import { maxLeaseWaitEvents } from '../../lambdas/core/lease';
import type { SourceSnapshot, TargetSnapshot } from '../../lambdas/core/model';
import { RULES, TEST_CONFIG } from '../support/rules';
import { computePlan } from '../../lambdas/core/plan';
import { PHASES } from '../../lambdas/core/model';

const config = TEST_CONFIG;
const rules = RULES.github;

function maxSource(users: number, groups: number, groupsPerUser: number): SourceSnapshot {
  const members: string[][] = Array.from({ length: groups }, () => []);
  const us = Array.from({ length: users }, (_, i) => {
    const userName = `u${i}@example.com`;
    for (let k = 0; k < groupsPerUser; k++) members[(i * 7 + k * 9973) % groups]!.push(`${i}`);
    return {
      id: `${i}`,
      userName,
      displayName: userName,
      name: { givenName: 'g', familyName: 'f' },
      email: { value: userName, type: 'work', primary: true },
    };
  });
  return {
    provider: 'github',
    fetchedAt: new Date(0).toISOString(),
    users: us,
    groups: members.map((m, i) => ({ id: `${i}`, displayName: `g${i}`, members: m })),
    warnings: [],
  };
}
const empty: TargetSnapshot = {
  identityStoreId: 'd-1234567890',
  fetchedAt: new Date(0).toISOString(),
  users: [],
  groups: [],
  memberships: [],
  membershipsReadFor: [],
};

/**
 * Events of a run that applies `batches` batches, none retried: ~50 fixed + 7 per batch. (A first
 * sync reads an empty store in one FetchTarget invocation; a later sync of a store this size hands
 * over about 12 times, 7 events each, and has far fewer batches.)
 */
const FIXED_EVENTS = 50;

describe.each([
  ['100k users, 100k groups, 3 groups per user', 3],
  ['100k users, 100k groups, 10 groups per user', 10],
])('a first sync at the Identity Store maximum: %s', (_name, perUser) => {
  // Planned in beforeAll, not at collection time: only these tests pay for the 100k-user plans.
  let plan: ReturnType<typeof computePlan>;
  let batches: ReturnType<typeof toBatches>['batches'];
  let batchSize: number;
  let count: number;
  beforeAll(() => {
    plan = computePlan(maxSource(100_000, 100_000, perUser), empty, rules);
    ({ batches, batchSize } = toBatches(plan.ops, {
      batchSize: config.batchSize,
      maxBatches: MAX_BATCHES,
      parallelism: config.applyConcurrency,
    }));
    count = PHASES.reduce((n, p) => n + batches[p].length, 0);
  });

  it('stays under the 25,000-event history limit with room for retries, after waiting its turn for the lease as long as it may', () => {
    expect(plan.ops.length).toBe(200_000 + 100_000 * perUser);
    expect(count).toBeLessThanOrEqual(MAX_BATCHES);
    const events = FIXED_EVENTS + maxLeaseWaitEvents() + count * EVENTS_PER_BATCH;
    expect(events).toBeLessThanOrEqual(HISTORY_EVENT_LIMIT);
    // Room left for at least 2,000 retried batches (3 events each).
    expect(HISTORY_EVENT_LIMIT - events).toBeGreaterThanOrEqual(2_000 * 3);
  });

  it('keeps every batch within the apply Lambda timeout at the configured request rate', () => {
    const rpsPerLambda = config.identityStoreRps / config.applyConcurrency;
    expect(batchSize).toBeLessThanOrEqual(maxOpsPerBatch(rpsPerLambda));
    const worstSeconds = (batchSize * 2) / rpsPerLambda; // 2 calls per operation budgeted
    expect(worstSeconds).toBeLessThan(APPLY_TIMEOUT_SECONDS);
  });

  it('keeps the state payload small: the Map inputs are batch indices only', () => {
    const indices = Object.fromEntries(PHASES.map((p) => [p, batches[p].map((_, i) => i)]));
    expect(Buffer.byteLength(JSON.stringify(indices))).toBeLessThan(32 * 1024);
  });
});
