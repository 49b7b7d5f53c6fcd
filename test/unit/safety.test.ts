/**
 * The deletion guard and plan expiry (lambdas/core/safety.ts) at their edges: each rule on its own,
 * exactly at and just past its limits, the words of its reasons, and what the error tells an operator.
 */
import { DeletionGuardError, PlanExpiredError } from '../../lambdas/core/errors';
import type { Operation } from '../../lambdas/core/model';
import { assertPlanFresh, deletionGuard, enforceDeletionGuard } from '../../lambdas/core/safety';

const delUser = (i: number): Operation => ({ op: 'deleteUser', userId: `u${i}`, userName: `u${i}@x` });
const delGroup = (i: number): Operation => ({ op: 'deleteGroup', groupId: `g${i}`, displayName: `g${i}` });
const remove = (i: number): Operation => ({
  op: 'removeMember',
  group: 'g',
  user: `u${i}`,
  membershipId: `m${i}`,
  groupId: 'g',
  userId: `u${i}`,
});
const others: Operation[] = [
  { op: 'createGroup', displayName: 'new', description: 'd' },
  { op: 'addMember', group: 'new', user: 'u1' },
  { op: 'updateGroup', groupId: 'g1', displayName: 'g1', set: { description: 'd' }, reason: 'update' },
];
const times = (n: number, f: (i: number) => Operation) => Array.from({ length: n }, (_, i) => f(i));
const plan = (
  ops: Operation[],
  owned = { users: 100, groups: 100, memberships: 100 },
  source = { users: 10, groups: 10 },
) => ({ ops, owned, source, provider: 'github' as const });
const opts = { maxDeletionPercent: 10, deletionGuardFloor: 3, allowMassDeletion: false };

describe('deletion guard', () => {
  it('counts deletes and removals by kind, nothing else', () => {
    const v = deletionGuard(
      plan([...others, ...times(2, delUser), ...times(3, delGroup), ...times(1, remove)]),
      opts,
    );
    expect(v).toEqual({ tripped: false, reasons: [], deletes: { users: 2, groups: 3, memberships: 1 } });
  });

  it.each([
    ['users', delUser, 'deletes', 'owned users'],
    ['groups', delGroup, 'deletes', 'owned groups'],
    ['memberships', remove, 'removes', 'managed memberships'],
  ] as const)('%s: trips past both the share and the floor, not at either', (_what, op, verb, words) => {
    // 10% of 100 is 10: 10 passes, 11 trips.
    expect(deletionGuard(plan(times(10, op)), opts).reasons).toEqual([]);
    expect(deletionGuard(plan(times(11, op)), opts).reasons).toEqual([
      `the plan ${verb} 11 of 100 ${words} (11.0% > maxDeletionPercent 10%)`,
    ]);
    // Past the share but not past the floor (3): 3 of 10 passes, 4 of 10 trips.
    const small = { users: 10, groups: 10, memberships: 10 };
    expect(deletionGuard(plan(times(3, op), small), opts).tripped).toBe(false);
    expect(deletionGuard(plan(times(4, op), small), opts)).toMatchObject({
      tripped: true,
      reasons: [`the plan ${verb} 4 of 10 ${words} (40.0% > maxDeletionPercent 10%)`],
    });
  });

  it('names every rule that trips, in order', () => {
    const v = deletionGuard(
      plan([...times(20, delUser), ...times(30, delGroup), ...times(40, remove)]),
      opts,
    );
    expect(v.reasons).toEqual([
      'the plan deletes 20 of 100 owned users (20.0% > maxDeletionPercent 10%)',
      'the plan deletes 30 of 100 owned groups (30.0% > maxDeletionPercent 10%)',
      'the plan removes 40 of 100 managed memberships (40.0% > maxDeletionPercent 10%)',
    ]);
  });

  it('says 100% when nothing of that kind was owned (removals in groups it adopts)', () => {
    const v = deletionGuard(plan(times(5, remove), { users: 10, groups: 10, memberships: 0 }), opts);
    expect(v.reasons).toEqual([
      'the plan removes 5 of 0 managed memberships (100% > maxDeletionPercent 10%)',
    ]);
  });

  it('an empty source trips on any deletion, with no users or with no groups, within every limit', () => {
    const loose = { ...opts, maxDeletionPercent: 100, deletionGuardFloor: 1000 };
    expect(deletionGuard(plan([delUser(1)], undefined, { users: 0, groups: 5 }), loose).reasons).toEqual([
      'the source snapshot is empty (0 users, 5 groups) and the plan deletes 1 users and 0 groups',
    ]);
    expect(deletionGuard(plan([delGroup(1)], undefined, { users: 5, groups: 0 }), loose).reasons).toEqual([
      'the source snapshot is empty (5 users, 0 groups) and the plan deletes 0 users and 1 groups',
    ]);
    // Removals alone are not deletions; a source with both is not empty; nothing deleted, nothing to stop.
    expect(deletionGuard(plan([remove(1)], undefined, { users: 0, groups: 0 }), loose).tripped).toBe(false);
    expect(deletionGuard(plan([delUser(1)], undefined, { users: 1, groups: 1 }), loose).tripped).toBe(false);
    expect(deletionGuard(plan(others, undefined, { users: 0, groups: 0 }), loose).tripped).toBe(false);
  });

  it('allowMassDeletion lets a tripped plan through and keeps the reasons', () => {
    const v = deletionGuard(plan(times(11, delUser)), { ...opts, allowMassDeletion: true });
    expect(v.tripped).toBe(false);
    expect(v.reasons).toHaveLength(1);
  });

  it('the error says what tripped, that nothing changed, and how to override', () => {
    const p = plan(times(11, delUser));
    let message = '';
    try {
      enforceDeletionGuard(p, opts);
    } catch (err) {
      expect(err).toBeInstanceOf(DeletionGuardError);
      message = (err as Error).message;
    }
    expect(message).toBe(
      'deletion guard tripped for github: the plan deletes 11 of 100 owned users (11.0% > maxDeletionPercent 10%). ' +
        'Nothing was changed. Check that the source is complete (credentials, filters, ignore lists) with a dry run; ' +
        'if the deletions are intended, start an execution with {"allowMassDeletion": true}.',
    );
    // Several reasons, one after the other.
    expect(() => enforceDeletionGuard(plan([...times(11, delUser), ...times(12, delGroup)]), opts)).toThrow(
      'tripped for github: the plan deletes 11 of 100 owned users (11.0% > maxDeletionPercent 10%); ' +
        'the plan deletes 12 of 100 owned groups (12.0% > maxDeletionPercent 10%). Nothing was changed.',
    );
    expect(enforceDeletionGuard(plan(times(10, delUser)), opts)).toMatchObject({ tripped: false });
    expect(enforceDeletionGuard(p, { ...opts, allowMassDeletion: true }).reasons).toHaveLength(1);
  });
});

describe('plan expiry', () => {
  const made = '2026-11-28T00:00:00.000Z';
  const at = (hours: number) => new Date(Date.parse(made) + hours * 3600_000);

  it('accepts a plan exactly planMaxAgeHours old and refuses one a second older', () => {
    expect(() => assertPlanFresh(made, 24, at(24))).not.toThrow();
    expect(() => assertPlanFresh(made, 24, new Date(at(24).getTime() + 1000))).toThrow(PlanExpiredError);
    expect(() => assertPlanFresh(made, 2, at(1))).not.toThrow();
  });

  it('says how old the plan is and what to do instead', () => {
    expect(() => assertPlanFresh(made, 24, at(36))).toThrow(
      new PlanExpiredError(
        'the plan was made at 2026-11-28T00:00:00.000Z (36.0 h ago), more than planMaxAgeHours (24) ago; ' +
          'it is not applied. Start a new execution instead of re-driving this one.',
      ),
    );
  });
});
