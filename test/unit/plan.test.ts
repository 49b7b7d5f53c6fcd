import { toBatches } from '../../lambdas/core/batches';
import { DeletionGuardError, PlanExpiredError, SnapshotInvalidError } from '../../lambdas/core/errors';
import { SourceSnapshotSchema } from '../../lambdas/core/model';
import { userRecord } from '../../lambdas/core/ownership';
import { computePlan, countOps } from '../../lambdas/core/plan';
import { assertPlanFresh, deletionGuard, enforceDeletionGuard } from '../../lambdas/core/safety';
import { brief, ghUser, rules, source, target, tGroup, tUser } from '../support/planning';
import { marker } from '../support/rules';

describe('computePlan', () => {
  it('creates groups, users and memberships on an empty store, in a deterministic order', () => {
    const plan = computePlan(
      source([ghUser('bob'), ghUser('ann')], [{ displayName: 'web', members: ['bob', 'ann'] }]),
      target({}),
      rules,
    );
    expect(plan.ops.map(brief)).toEqual([
      ['createGroup', 'web'],
      ['createUser', 'ann@example.com'],
      ['createUser', 'bob@example.com'],
      ['addMember', 'web/ann@example.com'],
      ['addMember', 'web/bob@example.com'],
    ]);
    // Every entity it writes records the source's id.
    expect(plan.ops[0]).toEqual({ op: 'createGroup', displayName: 'web', description: marker('web') });
    expect(plan.ops[1]).toMatchObject({ profileUrl: 'urn:scim-sync:github:user:ann' });
  });

  it('matches names ignoring case: no duplicate user, no duplicate group', () => {
    const t = target({
      users: [tUser('u1', 'Ann@Example.com', { record: 'ann', display: 'ann' })],
      groups: [tGroup('g1', 'WEB', undefined, 'web')],
      memberships: [{ membershipId: 'm1', groupId: 'g1', userId: 'u1' }],
    });
    const plan = computePlan(source([ghUser('ann')], [{ displayName: 'web', members: ['ann'] }]), t, rules);
    // Only the email value differs in case (the Identity Store keeps what the source says); a change
    // of case alone is not a rename.
    expect(plan.ops).toEqual([
      {
        op: 'updateUser',
        userId: 'u1',
        userName: 'Ann@Example.com',
        set: { email: { value: 'ann@example.com', type: 'work', primary: true } },
      },
    ]);
  });

  it('records the source id once on entities that have none (left by the replaced job)', () => {
    const t = target({
      users: [tUser('u1', 'ann@example.com', { record: null })],
      groups: [tGroup('g1', 'web', 'Managed by scim-sync from GitHub organisation example-org')],
      memberships: [{ membershipId: 'm1', groupId: 'g1', userId: 'u1' }],
    });
    const s = source([ghUser('ann')], [{ displayName: 'web', members: ['ann'] }]);
    const plan = computePlan(s, t, rules);
    expect(plan.ops).toEqual([
      {
        op: 'updateGroup',
        groupId: 'g1',
        displayName: 'web',
        set: { description: marker('web') },
        reason: 'update',
      },
      {
        op: 'updateUser',
        userId: 'u1',
        userName: 'ann@example.com',
        set: { profileUrl: userRecord(rules, 'ann') },
      },
    ]);
  });

  it('reports a create that collides with an unowned or foreign entity as a conflict and plans nothing for it', () => {
    const t = target({
      users: [tUser('u1', 'ann@example.com', { type: 'EntraId' }), tUser('u2', 'bob@example.com')],
      groups: [tGroup('g1', 'web', 'hand-made admins'), tGroup('g2', 'azure-aws-sso-x', null)],
    });
    const plan = computePlan(
      source(
        [ghUser('ann'), ghUser('bob')],
        [
          { displayName: 'web', members: ['ann'] },
          { displayName: 'azure-aws-sso-x', members: ['bob'] },
          { displayName: 'api', members: ['ann', 'bob'] },
        ],
      ),
      t,
      rules,
    );
    expect(plan.conflicts.map((c) => [c.kind, c.name, c.reason])).toEqual([
      ['group', 'azure-aws-sso-x', 'claimed'],
      ['group', 'web', 'unowned'],
      ['user', 'ann@example.com', 'foreign'],
    ]);
    // ann (Entra's) gets no membership anywhere; bob (ours) joins the new group only.
    expect(plan.ops).toEqual([
      { op: 'createGroup', displayName: 'api', description: marker('api') },
      { op: 'addMember', group: 'api', user: 'bob@example.com', userId: 'u2' },
    ]);
  });

  it('an addMember names an existing user by its UserId, and one this run creates by name only (no userId key)', () => {
    const t = target({ users: [tUser('u1', 'ann@example.com')], groups: [tGroup('g1', 'web')] });
    const plan = computePlan(
      source(
        [ghUser('ann'), ghUser('bob')],
        [
          { displayName: 'web', members: ['ann', 'bob'] },
          { displayName: 'api', members: ['ann', 'bob'] },
        ],
      ),
      t,
      rules,
    );
    // Strict: a userId key holding undefined would be a different operation to ApplyBatch's schema;
    // and a user already in the store is named by its UserId, which saves ApplyBatch a lookup.
    expect(plan.ops.filter((o) => o.op === 'addMember')).toStrictEqual([
      { op: 'addMember', group: 'api', user: 'ann@example.com', userId: 'u1' },
      { op: 'addMember', group: 'api', user: 'bob@example.com' },
      { op: 'addMember', group: 'web', groupId: 'g1', user: 'ann@example.com', userId: 'u1' },
      { op: 'addMember', group: 'web', groupId: 'g1', user: 'bob@example.com' },
    ]);
  });

  it('never creates a team in Entra namespace, also when the store has no such group', () => {
    const plan = computePlan(
      source(
        [ghUser('bob')],
        [
          { displayName: 'AZURE-AWS-SSO-admins', members: ['bob'] },
          { displayName: 'web', members: ['bob'] },
        ],
      ),
      target({}),
      rules,
    );
    expect(plan.conflicts).toMatchObject([
      { kind: 'group', name: 'AZURE-AWS-SSO-admins', reason: 'claimed' },
    ]);
    expect(plan.conflicts[0]!.message).toMatch(/Entra.*namespace/);
    expect(plan.ops.map(brief)).toEqual([
      ['createGroup', 'web'],
      ['createUser', 'bob@example.com'],
      ['addMember', 'web/bob@example.com'],
    ]);
  });

  it('adopts an unmarked group with a team name (marker only, memberships planned), leaves hand-made members alone', () => {
    const t = target({
      users: [
        tUser('u1', 'ann@example.com'),
        tUser('u2', 'breakglass@corp.internal'),
        tUser('u3', 'old@example.com'),
      ],
      groups: [tGroup('g1', 'web', null)],
      memberships: [
        { membershipId: 'm1', groupId: 'g1', userId: 'u1' },
        { membershipId: 'm2', groupId: 'g1', userId: 'u2' },
        { membershipId: 'm3', groupId: 'g1', userId: 'u3' },
      ],
    });
    const plan = computePlan(
      source([ghUser('ann'), ghUser('old')], [{ displayName: 'web', members: ['ann'] }]),
      t,
      rules,
    );
    expect(plan.ops).toEqual([
      {
        op: 'updateGroup',
        groupId: 'g1',
        displayName: 'web',
        set: { description: marker('web') },
        reason: 'adopt',
      },
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
      groups: [tGroup('g1', 'web'), tGroup('g2', 'old')],
      memberships: [
        { membershipId: 'm1', groupId: 'g1', userId: 'u1' },
        { membershipId: 'm2', groupId: 'g1', userId: 'u2' },
        { membershipId: 'm3', groupId: 'g2', userId: 'u1' },
      ],
    });
    const plan = computePlan(source([ghUser('ann')], [{ displayName: 'web', members: ['ann'] }]), t, rules);
    expect(plan.ops).toEqual([
      { op: 'deleteUser', userId: 'u2', userName: 'gone@example.com', recordedId: 'gone' },
      { op: 'deleteGroup', groupId: 'g2', displayName: 'old', recordedId: 'old' },
    ]);
    expect(countOps(plan)).toMatchObject({ deleteUsers: 1, deleteGroups: 1, removeMembers: 0, total: 2 });
    expect(plan.owned).toEqual({ users: 2, groups: 2, memberships: 3 });
  });

  it('updates only the attributes the source changed, each on its own', () => {
    const t = target({ users: [tUser('u1', 'ann@example.com', { display: 'ann' })] });
    const plan = computePlan(source([ghUser('ann', 'Ann Lee')], []), t, rules);
    expect(plan.ops).toEqual([
      {
        op: 'updateUser',
        userId: 'u1',
        userName: 'ann@example.com',
        set: { displayName: 'Ann Lee', name: { givenName: 'Ann Lee', familyName: 'Ann Lee' } },
      },
    ]);
    const one = (change: (u: ReturnType<typeof ghUser>) => void) => {
      const u = ghUser('ann');
      change(u);
      return computePlan(source([u], []), target({ users: [tUser('u1', 'ann@example.com')] }), rules).ops;
    };
    expect(one((u) => (u.name.givenName = 'Annie'))).toMatchObject([
      { set: { name: { givenName: 'Annie' } } },
    ]);
    expect(one((u) => (u.name.familyName = 'Lee'))).toMatchObject([{ set: { name: { familyName: 'Lee' } } }]);
    expect(one((u) => (u.email.primary = false))).toMatchObject([{ set: { email: { primary: false } } }]);
    expect(one((u) => (u.email.type = 'home'))).toMatchObject([{ set: { email: { type: 'home' } } }]);
    // An EntraId email would make the user Entra's once written: a conflict, never written.
    expect(one((u) => (u.email.type = 'EntraId'))).toEqual([]);
    expect(one(() => {})).toEqual([]);
  });

  it('refuses to plan a managed group whose memberships were not read', () => {
    const t = target({ groups: [tGroup('g1', 'web')], membershipsReadFor: [] });
    expect(() => computePlan(source([], [{ displayName: 'web', members: [] }]), t, rules)).toThrow(
      SnapshotInvalidError,
    );
  });
});

describe('source snapshot schema', () => {
  it('rejects repeated ids and members that are not users (a provider bug, never guessed about)', () => {
    const r = SourceSnapshotSchema.safeParse({
      provider: 'github',
      fetchedAt: '2026-11-28T00:00:00Z',
      users: [ghUser('ann'), ghUser('bob', 'bob', 'ann')],
      groups: [{ id: 'web', displayName: 'web', members: ['zed'] }],
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.message)).toEqual([
      'duplicate user id ann',
      'member zed of web is not a user of the snapshot',
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

  it('counts membership removals: teams that come back empty trip it like deletions', () => {
    // 11 teams of 10 members; the read brings 10 of them back empty (everyone is still in one team).
    const users = Array.from({ length: 10 }, (_, i) => tUser(`u${i}`, `p${i}@example.com`));
    const groups = Array.from({ length: 11 }, (_, g) => tGroup(`g${g}`, `team${g}`));
    const memberships = groups.flatMap((g) =>
      users.map((u) => ({ membershipId: `${g.groupId}-${u.userId}`, groupId: g.groupId, userId: u.userId })),
    );
    const t = target({ users, groups, memberships });
    const all = users.map((u) => u.userName.split('@')[0]!);
    const teams = groups.map((g, i) => ({ displayName: g.displayName, members: i === 0 ? all : [] }));
    const plan = computePlan(
      source(
        all.map((l) => ghUser(l)),
        teams,
      ),
      t,
      rules,
    );
    expect(countOps(plan)).toMatchObject({ deleteUsers: 0, deleteGroups: 0, removeMembers: 100 });
    const v = deletionGuard(plan, opts);
    expect(v.tripped).toBe(true);
    expect(v.reasons).toEqual([
      'the plan removes 100 of 110 managed memberships (90.9% > maxDeletionPercent 10%)',
    ]);
    expect(v.deletes).toEqual({ users: 0, groups: 0, memberships: 100 });
    // Within the floor or the share it passes: 3 removals of 110.
    const few = teams.map((t, i) => (i === 1 ? { ...t, members: all.slice(3) } : { ...t, members: all }));
    expect(
      deletionGuard(
        computePlan(
          source(
            all.map((l) => ghUser(l)),
            few,
          ),
          t,
          rules,
        ),
        opts,
      ).tripped,
    ).toBe(false);
  });
});

describe('batches', () => {
  const logins = Array.from({ length: 25 }, (_, i) => `u${String(i).padStart(2, '0')}`);
  const plan = computePlan(
    source(
      logins.map((l) => ghUser(l)),
      [{ displayName: 'web', members: logins }],
    ),
    target({}),
    rules,
  );

  it('splits each phase into even batches of at most batchSize, in plan order', () => {
    const { batches, batchSize } = toBatches(plan.ops, { batchSize: 10 });
    expect(batchSize).toBe(10);
    expect(batches.creates.map((b) => b.length)).toEqual([9, 9, 8]);
    expect(batches.memberships.map((b) => b.length)).toEqual([9, 8, 8]);
    expect(batches.renames).toEqual([]);
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
