import { toBatches } from '../../lambdas/core/batches';
import { parseConfig } from '../../lambdas/core/config';
import {
  ConfigError,
  DeletionGuardError,
  PlanExpiredError,
  SnapshotInvalidError,
} from '../../lambdas/core/errors';
import { type SourceSnapshot, SourceSnapshotSchema, type TargetSnapshot } from '../../lambdas/core/model';
import { computePlan, countOps } from '../../lambdas/core/plan';
import { assertPlanFresh, enforceDeletionGuard } from '../../lambdas/core/safety';
import { MARKER, RULES } from '../support/rules';

const rules = RULES.github;

function ghUser(login: string, display = login) {
  const userName = `${login}@example.com`;
  return {
    userName,
    displayName: display,
    name: { givenName: display, familyName: display },
    email: { value: userName, type: 'work', primary: true },
  };
}
function source(
  users: ReturnType<typeof ghUser>[],
  groups: { displayName: string; members: string[] }[],
): SourceSnapshot {
  return SourceSnapshotSchema.parse({
    provider: 'github',
    fetchedAt: '2026-11-28T00:00:00Z',
    users,
    groups: groups.map((g) => ({ ...g, description: MARKER })),
  });
}
function tUser(id: string, userName: string, type = 'work', display = userName.split('@')[0]!) {
  return {
    userId: id,
    userName,
    displayName: display,
    name: { givenName: display, familyName: display },
    emails: [{ value: userName, type, primary: true }],
  };
}
function target(p: Partial<TargetSnapshot>): TargetSnapshot {
  return {
    identityStoreId: 'd-1234567890',
    fetchedAt: '2026-11-28T00:00:00Z',
    users: [],
    groups: [],
    memberships: [],
    membershipsReadFor: (p.groups ?? []).map((g) => g.groupId),
    ...p,
  };
}

describe('computePlan', () => {
  it('creates groups, users and memberships on an empty store, in a deterministic order', () => {
    const plan = computePlan(
      source(
        [ghUser('bob'), ghUser('ann')],
        [{ displayName: 'web', members: ['bob@example.com', 'ann@example.com'] }],
      ),
      target({}),
      rules,
    );
    expect(
      plan.ops.map((o) => [
        o.op,
        'userName' in o ? o.userName : 'displayName' in o ? o.displayName : `${o.group}/${o.user}`,
      ]),
    ).toEqual([
      ['createGroup', 'web'],
      ['createUser', 'ann@example.com'],
      ['createUser', 'bob@example.com'],
      ['addMember', 'web/ann@example.com'],
      ['addMember', 'web/bob@example.com'],
    ]);
  });

  it('matches names ignoring case: no duplicate user, no duplicate group', () => {
    const t = target({
      users: [tUser('u1', 'Ann@Example.com', 'work', 'ann')],
      groups: [{ groupId: 'g1', displayName: 'WEB', description: MARKER }],
      memberships: [{ membershipId: 'm1', groupId: 'g1', userId: 'u1' }],
    });
    const plan = computePlan(
      source([ghUser('ann')], [{ displayName: 'web', members: ['ann@example.com'] }]),
      t,
      rules,
    );
    // Only the email value differs in case (the Identity Store keeps what the source says).
    expect(plan.ops).toEqual([
      {
        op: 'updateUser',
        userId: 'u1',
        userName: 'Ann@Example.com',
        set: { email: { value: 'ann@example.com', type: 'work', primary: true } },
      },
    ]);
  });

  it('reports a create that collides with an unowned or foreign entity as a conflict and plans nothing for it', () => {
    const t = target({
      users: [tUser('u1', 'ann@example.com', 'EntraId'), tUser('u2', 'bob@example.com')],
      groups: [
        { groupId: 'g1', displayName: 'web', description: 'hand-made admins' },
        { groupId: 'g2', displayName: 'azure-aws-sso-x' },
      ],
    });
    const plan = computePlan(
      source(
        [ghUser('ann'), ghUser('bob')],
        [
          { displayName: 'web', members: ['ann@example.com'] },
          { displayName: 'azure-aws-sso-x', members: ['bob@example.com'] },
          { displayName: 'api', members: ['ann@example.com', 'bob@example.com'] },
        ],
      ),
      t,
      rules,
    );
    expect(plan.conflicts.map((c) => [c.kind, c.name, c.owner])).toEqual([
      ['group', 'azure-aws-sso-x', 'foreign'],
      ['group', 'web', 'unowned'],
      ['user', 'ann@example.com', 'foreign'],
    ]);
    // ann (Entra's) gets no membership anywhere; bob (ours) joins the new group only.
    expect(plan.ops).toEqual([
      { op: 'createGroup', displayName: 'api', description: MARKER },
      { op: 'addMember', group: 'api', user: 'bob@example.com', userId: 'u2' },
    ]);
  });

  it('adopts an unmarked group with a team name (marker only, memberships planned), leaves hand-made members alone', () => {
    const t = target({
      users: [
        tUser('u1', 'ann@example.com'),
        tUser('u2', 'breakglass@corp.internal'),
        tUser('u3', 'old@example.com'),
      ],
      groups: [{ groupId: 'g1', displayName: 'web' }],
      memberships: [
        { membershipId: 'm1', groupId: 'g1', userId: 'u1' },
        { membershipId: 'm2', groupId: 'g1', userId: 'u2' },
        { membershipId: 'm3', groupId: 'g1', userId: 'u3' },
      ],
    });
    const plan = computePlan(
      source([ghUser('ann'), ghUser('old')], [{ displayName: 'web', members: ['ann@example.com'] }]),
      t,
      rules,
    );
    expect(plan.ops).toEqual([
      { op: 'updateGroup', groupId: 'g1', displayName: 'web', description: MARKER, reason: 'adopt' },
      {
        op: 'removeMember',
        group: 'web',
        user: 'old@example.com',
        membershipId: 'm3',
        groupId: 'g1',
        userId: 'u3',
      },
    ]);
  });

  it('plans no membership removal for users and groups it deletes (the store drops them)', () => {
    const t = target({
      users: [tUser('u1', 'ann@example.com'), tUser('u2', 'gone@example.com')],
      groups: [
        { groupId: 'g1', displayName: 'web', description: MARKER },
        { groupId: 'g2', displayName: 'old', description: MARKER },
      ],
      memberships: [
        { membershipId: 'm1', groupId: 'g1', userId: 'u1' },
        { membershipId: 'm2', groupId: 'g1', userId: 'u2' },
        { membershipId: 'm3', groupId: 'g2', userId: 'u1' },
      ],
    });
    const plan = computePlan(
      source([ghUser('ann')], [{ displayName: 'web', members: ['ann@example.com'] }]),
      t,
      rules,
    );
    expect(plan.ops).toEqual([
      { op: 'deleteUser', userId: 'u2', userName: 'gone@example.com' },
      { op: 'deleteGroup', groupId: 'g2', displayName: 'old' },
    ]);
    expect(countOps(plan)).toMatchObject({ deleteUsers: 1, deleteGroups: 1, removeMembers: 0, total: 2 });
  });

  it('updates only the attributes the source changed', () => {
    const t = target({ users: [tUser('u1', 'ann@example.com', 'work', 'ann')] });
    const plan = computePlan(source([ghUser('ann', 'Ann Lee')], []), t, rules);
    expect(plan.ops).toEqual([
      {
        op: 'updateUser',
        userId: 'u1',
        userName: 'ann@example.com',
        set: { displayName: 'Ann Lee', name: { givenName: 'Ann Lee', familyName: 'Ann Lee' } },
      },
    ]);
  });

  it('refuses to plan a managed group whose memberships were not read', () => {
    const t = target({
      groups: [{ groupId: 'g1', displayName: 'web', description: MARKER }],
      membershipsReadFor: [],
    });
    expect(() => computePlan(source([], [{ displayName: 'web', members: [] }]), t, rules)).toThrow(
      SnapshotInvalidError,
    );
  });
});

describe('source snapshot schema', () => {
  it('rejects duplicate user names ignoring case and members that are not users', () => {
    const r = SourceSnapshotSchema.safeParse({
      provider: 'github',
      fetchedAt: '2026-11-28T00:00:00Z',
      users: [ghUser('ann'), { ...ghUser('ann'), userName: 'ANN@example.com' }],
      groups: [{ displayName: 'web', members: ['zed@example.com'] }],
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.message)).toEqual([
      'duplicate UserName ANN@example.com',
      'member zed@example.com of web is not a user of the snapshot',
    ]);
  });
});

describe('deletion guard', () => {
  const owned = target({
    users: Array.from({ length: 50 }, (_, i) => tUser(`u${i}`, `user${i}@example.com`)),
  });
  const keep = (n: number) =>
    source(
      Array.from({ length: n }, (_, i) => ghUser(`user${i}`)),
      [{ displayName: 'web', members: [] }],
    );
  const opts = { maxDeletionPercent: 10, deletionGuardFloor: 3, allowMassDeletion: false };

  it('lets 5 of 50 deletions through (10%) and stops 6 with a message that says what to do', () => {
    expect(() => enforceDeletionGuard(computePlan(keep(45), owned, rules), opts)).not.toThrow();
    const plan = computePlan(keep(44), owned, rules);
    expect(() => enforceDeletionGuard(plan, opts)).toThrow(DeletionGuardError);
    expect(() => enforceDeletionGuard(plan, opts)).toThrow(
      /deletes 6 of 50 owned users \(12\.0% > maxDeletionPercent 10%\).*allowMassDeletion/,
    );
    expect(enforceDeletionGuard(plan, { ...opts, allowMassDeletion: true }).reasons).toHaveLength(1);
  });

  it('always trips on an empty source that would delete anything, even one user', () => {
    const one = target({ users: [tUser('u1', 'ann@example.com')] });
    const empty = source([], []);
    expect(() =>
      enforceDeletionGuard(computePlan(empty, one, rules), {
        ...opts,
        deletionGuardFloor: 100,
        maxDeletionPercent: 100,
      }),
    ).toThrow(/source snapshot is empty/);
    expect(() => enforceDeletionGuard(computePlan(empty, target({}), rules), opts)).not.toThrow();
  });
});

describe('batches', () => {
  const plan = computePlan(
    source(
      Array.from({ length: 25 }, (_, i) => ghUser(`u${String(i).padStart(2, '0')}`)),
      [
        {
          displayName: 'web',
          members: Array.from({ length: 25 }, (_, i) => `u${String(i).padStart(2, '0')}@example.com`),
        },
      ],
    ),
    target({}),
    rules,
  );

  it('splits each phase into even batches of at most batchSize, in plan order', () => {
    const { batches, batchSize } = toBatches(plan.ops, { batchSize: 10 });
    expect(batchSize).toBe(10);
    expect(batches.creates.map((b) => b.length)).toEqual([9, 9, 8]);
    expect(batches.memberships.map((b) => b.length)).toEqual([9, 8, 8]);
    expect(batches.deletes).toEqual([]);
    expect(batches.creates.flat().concat(batches.memberships.flat())).toEqual(plan.ops);
  });

  it('rounds a phase with more batches than run at once up to full waves', () => {
    const { batches } = toBatches(plan.ops, { batchSize: 5, parallelism: 4 });
    // 25 memberships: 5 batches of 5 would leave a last wave of one; 8 batches make two full waves.
    expect(batches.memberships.map((b) => b.length)).toEqual([4, 3, 3, 3, 3, 3, 3, 3]);
    // 3 batches or fewer than parallelism stay as they are.
    expect(
      toBatches(plan.ops, { batchSize: 10, parallelism: 4 }).batches.memberships.map((b) => b.length),
    ).toEqual([9, 8, 8]);
    expect(batches.memberships.flat()).toEqual(plan.ops.filter((o) => o.op === 'addMember'));
  });

  it('raises the batch size just enough to respect maxBatches', () => {
    const { batches, batchSize } = toBatches(plan.ops, { batchSize: 10, maxBatches: 4 });
    expect(batchSize).toBe(13);
    expect(batches.creates.length + batches.memberships.length).toBe(4);
  });
});

describe('plan expiry', () => {
  it('accepts a plan within planMaxAgeHours and refuses an older one with PlanExpiredError', () => {
    const now = new Date('2026-11-28T12:00:00Z');
    expect(() => assertPlanFresh('2026-11-28T00:00:00Z', 24, now)).not.toThrow();
    expect(() => assertPlanFresh('2026-11-27T11:59:00Z', 24, now)).toThrow(PlanExpiredError);
    expect(() => assertPlanFresh('not a date', 24, now)).toThrow(PlanExpiredError);
  });
});

describe('configuration', () => {
  it('names the bad key', () => {
    expect(() => parseConfig({ identityStoreId: 'nope', region: 'eu-west-2', providers: {} })).toThrow(
      ConfigError,
    );
    expect(() => parseConfig({ identityStoreId: 'nope', region: 'eu-west-2', providers: {} })).toThrow(
      /identityStoreId: must be an Identity Store id/,
    );
    expect(() =>
      parseConfig({
        identityStoreId: 'd-1234567890',
        region: 'eu-west-2',
        providers: { entra: { secretName: 's', holdingGroup: 'everyone' } },
      }),
    ).toThrow(/providers\.entra\.holdingGroup: holdingGroup must start with groupPrefix/);
  });
});
