/**
 * Batching (lambdas/core/batches.ts): every operation once, in plan order, in its phase; even
 * batches no larger than the batch size; full waves; the bound on the number of batches that keeps
 * a run inside the execution history, whatever the parallelism; which creates batches a memberships
 * batch needs; the re-check calls; the per-batch operation bound of the Lambda timeout. The expected
 * values come from the definitions (written out here), not from the code under test.
 */
import fc from 'fast-check';
import {
  APPLY_TIMEOUT_SECONDS,
  effectiveBatchSize,
  maxOpsPerBatch,
  membershipDependencies,
  recheckCalls,
  toBatches,
} from '../../lambdas/core/batches';
import { type Operation, PHASE_OF, PHASES, type Phase } from '../../lambdas/core/model';

const runs = { numRuns: Math.min(Number(process.env.PROPERTY_RUNS ?? 300), 1000) };

const OP_OF_PHASE: Record<Phase, (i: number) => Operation> = {
  renames: (i) => ({ op: 'renameUser', userId: `u${i}`, userName: `a${i}`, to: `b${i}`, step: 'final' }),
  creates: (i) => ({ op: 'createGroup', displayName: `g${i}`, description: 'd' }),
  memberships: (i) => ({ op: 'addMember', group: 'g', user: `u${i}`, groupId: 'g', userId: `u${i}` }),
  deletes: (i) => ({ op: 'deleteUser', userId: `u${i}`, userName: `u${i}` }),
};
const opsOf = (counts: Record<Phase, number>): Operation[] =>
  PHASES.flatMap((p) => Array.from({ length: counts[p] }, (_, i) => OP_OF_PHASE[p](i)));
const total = (b: ReturnType<typeof toBatches>['batches']) => PHASES.reduce((n, p) => n + b[p].length, 0);

describe('toBatches', () => {
  const countsArb = fc.record({
    renames: fc.nat(60),
    creates: fc.nat(200),
    memberships: fc.nat(200),
    deletes: fc.nat(60),
  });

  it('keeps every operation once, in plan order, in its phase; even batches of at most the size used', () => {
    fc.assert(
      fc.property(
        countsArb,
        fc.integer({ min: 1, max: 50 }),
        fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }),
        (counts, batchSize, parallelism, maxBatches) => {
          const ops = opsOf(counts);
          const { batches, batchSize: used } = toBatches(ops, {
            batchSize,
            ...(parallelism === undefined ? {} : { parallelism }),
            ...(maxBatches === undefined ? {} : { maxBatches }),
          });
          expect(used).toBeGreaterThanOrEqual(batchSize);
          for (const p of PHASES) {
            expect(batches[p].flat()).toEqual(ops.filter((o) => PHASE_OF[o.op] === p));
            const sizes = batches[p].map((b) => b.length);
            // As few batches as the size allows, unless rounded up to full waves (never more than operations).
            const fewest = Math.ceil(counts[p] / used);
            const par = parallelism ?? 1;
            const count =
              par > 1 && fewest > par ? Math.min(counts[p], Math.ceil(fewest / par) * par) : fewest;
            // Even: the first (counts % count) batches have one more, none is empty or larger than the size used.
            const even = Array.from(
              { length: count },
              (_, i) => Math.floor(counts[p] / count) + (i < counts[p] % count ? 1 : 0),
            );
            expect(sizes).toEqual(even);
            expect(sizes.every((n) => n >= 1 && n <= used)).toBe(true);
          }
        },
      ),
      runs,
    );
  });

  it('never makes more than maxBatches batches, whatever the parallelism, with the smallest size that does it', () => {
    fc.assert(
      fc.property(
        countsArb,
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 4, max: 300 }),
        (counts, batchSize, parallelism, slack) => {
          // Room for one batch per phase and the rounding to full waves (fewer than `parallelism` per phase).
          const maxBatches = 4 * parallelism + slack;
          const { batches, batchSize: used } = toBatches(opsOf(counts), {
            batchSize,
            maxBatches,
            parallelism,
          });
          expect(total(batches)).toBeLessThanOrEqual(maxBatches);
          if (used > batchSize) {
            // One operation fewer per batch would need more batches than the bound before rounding allows.
            const before = PHASES.reduce((n, p) => n + Math.ceil(counts[p] / (used - 1)), 0);
            expect(before).toBeGreaterThan(maxBatches - 4 * (parallelism - 1));
          }
        },
      ),
      runs,
    );
  });

  it('full waves: 25 operations at 5 a batch and 4 at a time are 8 batches, not 5', () => {
    const ops = opsOf({ renames: 0, creates: 0, memberships: 25, deletes: 0 });
    expect(toBatches(ops, { batchSize: 5, parallelism: 4 }).batches.memberships.map((b) => b.length)).toEqual(
      [4, 3, 3, 3, 3, 3, 3, 3],
    );
    // Without parallelism (or 1 at a time), the fewest batches.
    expect(toBatches(ops, { batchSize: 5 }).batches.memberships.map((b) => b.length)).toEqual([
      5, 5, 5, 5, 5,
    ]);
    expect(toBatches(ops, { batchSize: 5, parallelism: 1 }).batches.memberships).toHaveLength(5);
    // As many batches as run at once: nothing to round; never more batches than operations.
    expect(toBatches(ops, { batchSize: 5, parallelism: 5 }).batches.memberships).toHaveLength(5);
    expect(toBatches(ops, { batchSize: 1, parallelism: 20 }).batches.memberships).toHaveLength(25);
    // A batch size below 1 is taken as 1; parallelism below 1 as 1.
    expect(toBatches(ops, { batchSize: 0, parallelism: 0 }).batches.memberships).toHaveLength(25);
  });

  it('the bound with parallelism: 1,200 operations in at most 24 batches, 4 at a time', () => {
    const ops = opsOf({ renames: 3, creates: 200, memberships: 994, deletes: 3 });
    const { batches, batchSize } = toBatches(ops, { batchSize: 5, maxBatches: 24, parallelism: 4 });
    // Before rounding: 12 batches of 125 (at 124, 13); then memberships' 8 are two full waves already.
    expect(PHASES.map((p) => batches[p].length)).toEqual([1, 2, 8, 1]);
    expect(total(batches)).toBeLessThanOrEqual(24);
    expect(batchSize).toBe(125);
  });
});

describe('effectiveBatchSize', () => {
  const counts = { renames: 0, creates: 30, memberships: 70, deletes: 0 };

  it('is the configured size when the batches fit, or no bound is given', () => {
    expect(effectiveBatchSize(counts, { batchSize: 10 })).toBe(10);
    expect(effectiveBatchSize(counts, { batchSize: 10, maxBatches: 10 })).toBe(10);
    expect(effectiveBatchSize(counts, { batchSize: 0 })).toBe(1);
  });

  it('grows to the smallest size that fits', () => {
    // 9 batches: 3 + 6 at 12; at 11 it would be 3 + 7.
    expect(effectiveBatchSize(counts, { batchSize: 4, maxBatches: 9 })).toBe(12);
    expect(effectiveBatchSize(counts, { batchSize: 4, maxBatches: 2 })).toBe(70);
    expect(effectiveBatchSize(counts, { batchSize: 4, maxBatches: 3 })).toBe(35);
    // Every phase counts, renames and deletes included.
    expect(
      effectiveBatchSize(
        { renames: 9, creates: 0, memberships: 0, deletes: 9 },
        { batchSize: 1, maxBatches: 2 },
      ),
    ).toBe(9);
    expect(
      effectiveBatchSize(
        { renames: 9, creates: 0, memberships: 0, deletes: 0 },
        { batchSize: 1, maxBatches: 3 },
      ),
    ).toBe(3);
  });
});

describe('maxOpsPerBatch', () => {
  it.each([4.5, 1, 18, 0.5, 20 / 3])(
    'at %s requests/s a batch of that many operations (2 calls each) takes at most 80%% of the timeout, one more does not',
    (rps) => {
      const n = maxOpsPerBatch(rps);
      const budget = APPLY_TIMEOUT_SECONDS * 0.8;
      expect((n * 2) / rps).toBeLessThanOrEqual(budget + 1e-9);
      expect(((n + 1) * 2) / rps).toBeGreaterThan(budget);
    },
  );

  it('is 1,620 at the defaults (18 requests/s over 4 batches at a time)', () => {
    expect(maxOpsPerBatch(18 / 4)).toBe(1620);
  });
});

describe('membershipDependencies', () => {
  const addNamed = (
    group: string,
    user: string,
    ids: { groupId?: string; userId?: string } = {},
  ): Operation => ({
    op: 'addMember',
    group,
    user,
    ...ids,
  });
  const createUser = (userName: string): Operation => ({
    op: 'createUser',
    userName,
    displayName: userName,
    name: { givenName: 'g', familyName: 'f' },
    email: { value: userName, type: 'work', primary: true },
    profileUrl: 'urn:x',
  });

  it('lists, sorted, the creates batches that make a user or group a memberships batch names without an id', () => {
    const batches = {
      renames: [],
      creates: [
        [{ op: 'createGroup', displayName: 'Web', description: 'd' }, createUser('ann@x')],
        [
          createUser('bob@x'),
          { op: 'updateGroup', groupId: 'g9', displayName: 'ops', set: {}, reason: 'update' },
        ],
        [{ op: 'createGroup', displayName: 'api', description: 'd' }],
      ] as Operation[][],
      memberships: [
        // Names ignore case; the api group (batch 2) and bob (batch 1), sorted.
        [addNamed('API', 'bob@x', { groupId: undefined }), addNamed('web', 'ANN@x')],
        // Ids given: nothing needed. Removals never need a create.
        [addNamed('web', 'ann@x', { groupId: 'g1', userId: 'u1' })],
        [
          {
            op: 'removeMember',
            group: 'web',
            user: 'ann@x',
            membershipId: 'm',
            groupId: 'g1',
            userId: 'u1',
          } as Operation,
        ],
        // Only the user is new; the group has its id.
        [addNamed('api', 'bob@x', { groupId: 'g2' })],
        // Names created nowhere (the store has them): nothing.
        [addNamed('ops', 'cy@x')],
      ],
      deletes: [],
    };
    expect(membershipDependencies(batches)).toEqual([[0, 1, 2], [], [], [1], []]);
  });
});

describe('recheckCalls', () => {
  it('one per delete; per batch, one per user and one per group its removals name', () => {
    const rm = (groupId: string, userId: string): Operation => ({
      op: 'removeMember',
      group: groupId,
      user: userId,
      membershipId: `${groupId}/${userId}`,
      groupId,
      userId,
    });
    const batches = {
      renames: [
        [{ op: 'renameGroup', groupId: 'g', displayName: 'a', to: 'b', step: 'final' }],
      ] as Operation[][],
      creates: [[{ op: 'createGroup', displayName: 'x', description: 'd' }]] as Operation[][],
      memberships: [
        [rm('g1', 'u1'), rm('g1', 'u2'), rm('g2', 'u1'), { op: 'addMember', group: 'g3', user: 'u9' }],
        [rm('g1', 'u1')],
      ] as Operation[][],
      deletes: [
        [
          { op: 'deleteUser', userId: 'u1', userName: 'u1' },
          { op: 'deleteGroup', groupId: 'g1', displayName: 'g1' },
        ],
        [{ op: 'deleteUser', userId: 'u2', userName: 'u2' }],
      ] as Operation[][],
    };
    // memberships: (2 users + 2 groups) + (1 + 1); deletes: 3.
    expect(recheckCalls(batches)).toBe(4 + 2 + 3);
    expect(recheckCalls({ renames: [], creates: [], memberships: [], deletes: [] })).toBe(0);
  });
});
