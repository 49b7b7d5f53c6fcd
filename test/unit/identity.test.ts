/**
 * Identity: renames are updates (the Identity Store ids stay), names in use are freed in two steps
 * at most, and whatever cannot be held or is ambiguous stays local (a conflict; the entities that
 * may be it are left exactly as they are).
 */
import { computePlan, countOps } from '../../lambdas/core/plan';
import type { TargetSnapshot } from '../../lambdas/core/model';
import { applyInMemory } from '../support/memory-store';
import { brief, ghUser, rules, source, target, tGroup, tUser } from '../support/planning';

/** The plan applied in every order of each phase gives the same store, and planning again is empty. */
function convergesInAnyOrder(s: ReturnType<typeof source>, t: TargetSnapshot) {
  const plan = computePlan(s, t, rules);
  const reversed = applyInMemory(t, plan.ops, (l) => [...l].reverse());
  const forward = applyInMemory(t, plan.ops);
  for (const after of [forward, reversed]) expect(computePlan(s, after, rules).ops).toEqual([]);
  return { plan, after: forward };
}

describe('renames', () => {
  it('a renamed team is an update of its DisplayName: same GroupId, members untouched', () => {
    const t = target({
      users: [tUser('u1', 'ann@example.com')],
      groups: [tGroup('g1', 'engineering', undefined, '7')],
      memberships: [{ membershipId: 'm1', groupId: 'g1', userId: 'u1' }],
    });
    const s = source([ghUser('ann')], [{ id: '7', displayName: 'platform', members: ['ann'] }]);
    const { plan, after } = convergesInAnyOrder(s, t);
    expect(plan.ops).toEqual([
      {
        op: 'updateGroup',
        groupId: 'g1',
        displayName: 'engineering',
        set: { displayName: 'platform' },
        reason: 'update',
      },
    ]);
    expect(after.groups).toEqual([{ ...t.groups[0], displayName: 'platform' }]);
    expect(after.memberships).toEqual(t.memberships);
  });

  it('a renamed login is an update of its UserName and the attributes made from it: same UserId', () => {
    const t = target({ users: [tUser('u1', 'alice@example.com', { record: '42' })] });
    const s = source([ghUser('alicia', 'alicia', '42')], []);
    const plan = computePlan(s, t, rules);
    expect(plan.ops).toEqual([
      {
        op: 'updateUser',
        userId: 'u1',
        userName: 'alice@example.com',
        set: {
          userName: 'alicia@example.com',
          displayName: 'alicia',
          name: { givenName: 'alicia', familyName: 'alicia' },
          email: { value: 'alicia@example.com', type: 'work', primary: true },
        },
      },
    ]);
    expect(countOps(plan)).toMatchObject({ createUsers: 0, deleteUsers: 0, updateUsers: 1 });
  });

  it('two teams swapping names: both via a temporary name, no delete, no create, converges in any order', () => {
    const t = target({ groups: [tGroup('gA', 'red', undefined, 'a'), tGroup('gB', 'blue', undefined, 'b')] });
    const s = source(
      [],
      [
        { id: 'a', displayName: 'blue', members: [] },
        { id: 'b', displayName: 'red', members: [] },
      ],
    );
    const { plan, after } = convergesInAnyOrder(s, t);
    expect(plan.ops.map(brief)).toEqual([
      ['renameGroup', 'blue->scim-sync-moving-gB'],
      ['renameGroup', 'red->scim-sync-moving-gA'],
      ['updateGroup', 'blue->red'], // gB, by the name the plan found it under
      ['updateGroup', 'red->blue'], // gA
    ]);
    expect(after.groups.map((g) => [g.groupId, g.displayName]).sort()).toEqual([
      ['gA', 'blue'],
      ['gB', 'red'],
    ]);
  });

  it('a rename chain moves the last one first, straight to its new name (no temporary name needed)', () => {
    const t = target({
      users: [tUser('u1', 'x@example.com', { record: '1' }), tUser('u2', 'y@example.com', { record: '2' })],
    });
    const s = source([ghUser('y', 'y', '1'), ghUser('z', 'z', '2')], []);
    const { plan, after } = convergesInAnyOrder(s, t);
    expect(plan.ops.map(brief)).toEqual([
      ['renameUser', 'y@example.com->z@example.com'],
      ['updateUser', 'x@example.com->y@example.com'],
      ['updateUser', 'y@example.com'], // u2's other attributes (by the name the plan found)
    ]);
    expect(plan.ops.filter((o) => o.op.startsWith('delete') || o.op.startsWith('create'))).toEqual([]);
    expect(after.users.map((u) => [u.userId, u.userName]).sort()).toEqual([
      ['u1', 'y@example.com'],
      ['u2', 'z@example.com'],
    ]);
  });

  it('a name given to a new account: the old one moves aside and is deleted, the new one created', () => {
    // GitHub account 42 (alice) was deleted; account 99 registered the login alice.
    const t = target({ users: [tUser('u1', 'alice@example.com', { record: '42' })] });
    const s = source([ghUser('alice', 'alice', '99')], []);
    const { plan, after } = convergesInAnyOrder(s, t);
    expect(plan.ops.map(brief)).toEqual([
      ['renameUser', 'alice@example.com->scim-sync-moving-u1@example.com'],
      ['createUser', 'alice@example.com'],
      ['deleteUser', 'scim-sync-moving-u1@example.com'],
    ]);
    expect(plan.ops.at(-1)).toMatchObject({ recordedId: '42' });
    expect(after.users.map((u) => u.profileUrl)).toEqual(['urn:scim-sync:github:user:99']);
  });
});

describe('conflicts stay local', () => {
  const users = [tUser('u1', 'ann@example.com'), tUser('u2', 'bob@example.com')];
  const memberships = [
    { membershipId: 'm1', groupId: 'g1', userId: 'u1' },
    { membershipId: 'm2', groupId: 'g1', userId: 'u2' },
  ];

  it('a rename onto a hand-made group name is a conflict: the team is left exactly as it is', () => {
    const t = target({
      users,
      groups: [tGroup('g1', 'ops', undefined, '7'), tGroup('h1', 'admins', 'made by hand')],
      memberships,
    });
    // Team 7 renamed to admins, and bob left it: nothing is written for it until the name is free.
    const s = source([ghUser('ann'), ghUser('bob')], [{ id: '7', displayName: 'admins', members: ['ann'] }]);
    const plan = computePlan(s, t, rules);
    expect(plan.conflicts).toMatchObject([
      { kind: 'group', name: 'admins', reason: 'unowned', existingId: 'h1' },
    ]);
    expect(plan.conflicts[0]!.message).toMatch(/cannot rename group ops to admins/);
    expect(plan.ops).toEqual([]);
  });

  it('a blocked rename blocks the rename that needed its name, and nothing is deleted', () => {
    const t = target({
      groups: [
        tGroup('gA', 'x', undefined, 'a'),
        tGroup('gB', 'y', undefined, 'b'),
        tGroup('h', 'z', 'made by hand'),
      ],
    });
    const s = source(
      [],
      [
        { id: 'a', displayName: 'y', members: [] },
        { id: 'b', displayName: 'z', members: [] },
      ],
    );
    const plan = computePlan(s, t, rules);
    expect(plan.conflicts.map((c) => [c.name, c.reason, c.existingId])).toEqual([
      ['y', 'ambiguous', 'gB'],
      ['z', 'unowned', 'h'],
    ]);
    expect(plan.ops).toEqual([]);
  });

  it('two source users whose names differ only by case: both conflicts, the stored one kept, the rest synced', () => {
    const t = target({
      users: [...users, tUser('u3', 'cy@example.com')],
      groups: [tGroup('g1', 'web')],
      memberships: [...memberships, { membershipId: 'm3', groupId: 'g1', userId: 'u3' }],
    });
    const s = source(
      [ghUser('ann'), { ...ghUser('Bob', 'Bob', 'bob2') }, ghUser('bob')],
      [{ displayName: 'web', members: ['ann', 'bob', 'bob2'] }],
    );
    // cy left web (and every team): removed; bob's duplicates are left alone, also their memberships.
    const plan = computePlan(s, t, rules);
    expect(plan.conflicts.map((c) => [c.name, c.reason])).toEqual([
      ['Bob@example.com', 'duplicate-name'],
      ['bob@example.com', 'duplicate-name'],
    ]);
    expect(plan.ops.map(brief)).toEqual([['deleteUser', 'cy@example.com']]);
  });

  it('a UserName the Identity Store cannot hold is a conflict: the user keeps its name and memberships', () => {
    const long = 'x'.repeat(120);
    const t = target({
      users: [tUser('u1', 'ann@example.com')],
      groups: [tGroup('g1', 'web')],
      memberships: [memberships[0]!],
    });
    const s = source([ghUser(long, 'ann', 'ann')], [{ displayName: 'web', members: [] }]);
    const plan = computePlan(s, t, rules);
    expect(plan.conflicts).toMatchObject([{ kind: 'user', reason: 'invalid-name', sourceId: 'ann' }]);
    expect(plan.conflicts[0]!.message).toMatch(
      /132 characters long \(the Identity Store holds at most 128\)/,
    );
    expect(plan.ops).toEqual([]);
  });

  it('names are compared and written in Unicode NFC without surrounding whitespace', () => {
    const decomposed = 'rene\u0301';
    const t = target({
      users: [tUser('u1', `${decomposed}@example.com`, { record: null, display: 'René' })],
    });
    const s = source(
      [{ ...ghUser(' René', 'René', 'r1'), userName: ' René@example.com ' }],
      [{ displayName: ' web ', members: ['r1'] }],
    );
    const plan = computePlan(s, t, rules);
    expect(plan.ops.map(brief)).toEqual([
      ['createGroup', 'web'],
      ['updateUser', `${decomposed}@example.com`],
      ['addMember', 'web/René@example.com'],
    ]);
    // Composed and decomposed forms of one name in the source are duplicates.
    const twice = source(
      [
        { ...ghUser('x', 'x', '1'), userName: 'rené@example.com' },
        { ...ghUser('y', 'y', '2'), userName: `${decomposed}@example.com` },
      ],
      [],
    );
    expect(computePlan(twice, target({}), rules).conflicts.map((c) => c.reason)).toEqual([
      'duplicate-name',
      'duplicate-name',
    ]);
  });

  it('a team that keeps its name is not blocked by a hand-made group holding that name in another Unicode form', () => {
    const t = target({
      groups: [tGroup('g1', 'caf\u00e9', undefined, '7'), tGroup('h1', 'cafe\u0301', 'made by hand')],
    });
    const plan = computePlan(source([], [{ id: '7', displayName: 'caf\u00e9', members: [] }]), t, rules);
    expect(plan.conflicts).toEqual([]);
    expect(plan.ops).toEqual([]);
  });

  it('a rename onto a name two of its old groups hold (Unicode forms) waits: they are deleted, the rename is a conflict saying why', () => {
    const t = target({
      groups: [
        tGroup('g1', 'ops', undefined, '7'),
        tGroup('d1', 'caf\u00e9', undefined, 'gone1'),
        tGroup('d2', 'cafe\u0301', undefined, 'gone2'),
      ],
    });
    const s = source([], [{ id: '7', displayName: 'caf\u00e9', members: [] }]);
    const plan = computePlan(s, t, rules);
    expect(plan.conflicts.map((c) => [c.name, c.reason, c.existingId])).toEqual([
      ['caf\u00e9', 'ambiguous', 'd1'],
    ]);
    expect(plan.conflicts[0]!.message).toMatch(
      /^cannot rename group ops to café: the name is held by several entities of the Identity Store \(the same name in different Unicode forms\)/,
    );
    expect(plan.ops.map(brief)).toEqual([
      ['deleteGroup', 'caf\u00e9'],
      ['deleteGroup', 'cafe\u0301'],
    ]);
    // Once they are gone, the rename goes through.
    const after = applyInMemory(t, plan.ops);
    expect(computePlan(s, after, rules).ops.map(brief)).toEqual([['updateGroup', 'ops->caf\u00e9']]);
  });

  it('several owned entities recording one source id are ambiguous: all left alone', () => {
    const t = target({
      users: [
        tUser('u1', 'ann@example.com', { record: '5' }),
        tUser('u2', 'ann2@example.com', { record: '5' }),
      ],
    });
    const plan = computePlan(source([ghUser('ann', 'ann', '5')], []), t, rules);
    expect(plan.conflicts).toMatchObject([{ reason: 'ambiguous', sourceId: '5' }]);
    expect(plan.ops).toEqual([]);
  });
});
