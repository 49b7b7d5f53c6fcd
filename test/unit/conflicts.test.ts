/**
 * What the planner says about each conflict (the run report and the Conflicts metric show these
 * words to operators), and the counts a plan carries for the deletion guard.
 */
import { SnapshotInvalidError } from '../../lambdas/core/errors';
import { computePlan } from '../../lambdas/core/plan';
import { ghUser, rules, source, target, tGroup, tUser } from '../support/planning';

describe('conflict messages', () => {
  it('a name held by the other provider’s or a hand-made entity', () => {
    const t = target({
      users: [tUser('e1', 'ann@example.com', { type: 'EntraId' })],
      groups: [tGroup('h1', 'web', 'made by hand')],
    });
    const plan = computePlan(source([ghUser('ann')], [{ displayName: 'web', members: [] }]), t, rules);
    expect(plan.conflicts).toEqual([
      {
        kind: 'group',
        name: 'web',
        sourceId: 'web',
        existingId: 'h1',
        reason: 'unowned',
        message:
          'group web exists but is not managed by this provider (made by hand or by another tool); left alone',
      },
      {
        kind: 'user',
        name: 'ann@example.com',
        sourceId: 'ann',
        existingId: 'e1',
        reason: 'foreign',
        message:
          'user ann@example.com belongs to the other provider; left alone, and nothing is synced for it here',
      },
    ]);
    expect(plan.ops).toEqual([]);
  });

  it('several store entities that may be one source entity: by recorded id, by name', () => {
    const t = target({
      users: [tUser('u2', 'b@example.com', { record: '5' }), tUser('u1', 'a@example.com', { record: '5' })],
      groups: [tGroup('g1', 'web', undefined, 'w'), tGroup('g2', 'WEB ', null)],
    });
    const plan = computePlan(
      source([ghUser('a', 'a', '5')], [{ id: 'w2', displayName: 'web', members: [] }]),
      t,
      rules,
    );
    expect(plan.conflicts.map((c) => [c.kind, c.reason, c.message])).toEqual([
      [
        'group',
        'ambiguous',
        'several groups of the Identity Store may be group web (WEB  g2, web g1); all are left alone until one is removed or renamed',
      ],
      [
        'user',
        'ambiguous',
        'several users of the Identity Store may be user a@example.com (a@example.com u1, b@example.com u2); all are left alone until one is removed or renamed',
      ],
    ]);
    // Every candidate is frozen: nothing is renamed, updated or deleted (g1 records another team).
    expect(plan.ops).toEqual([]);
  });

  it('a create or rename onto a name held by an entity this run leaves alone', () => {
    const t = target({
      users: [
        tUser('u1', 'ann@example.com', { record: 'a' }),
        tUser('u2', 'x@example.com', { record: 'x' }),
        tUser('u3', 'x2@example.com', { record: 'x' }),
        tUser('e1', 'cy@example.com', { type: 'EntraId' }),
      ],
      groups: [tGroup('h1', 'admins', 'made by hand'), tGroup('g1', 'ops', undefined, 'o')],
    });
    const s = source(
      [
        ghUser('ann', 'ann', 'a'),
        // Renamed onto the name of an Entra user; and a new account wanting a name held by a frozen one.
        { ...ghUser('bob', 'bob', 'b'), userName: 'x@example.com' },
        // Account x is ambiguous (u2 and u3 record it): both are frozen, x@example.com stays held.
        ghUser('xx', 'xx', 'x'),
      ],
      [
        { id: 'o', displayName: 'admins', members: [] },
        { id: 'n', displayName: 'new', members: [] },
      ],
    );
    const renamed = computePlan(
      { ...s, users: [{ ...s.users[0]!, userName: 'cy@example.com' }, ...s.users.slice(1)] },
      t,
      rules,
    );
    expect(renamed.conflicts.map((c) => [c.name, c.reason, c.existingId, c.message])).toEqual([
      [
        'admins',
        'unowned',
        'h1',
        'cannot rename group ops to admins: the name is held by an entity made by hand or by another tool (admins, h1); it is left as it is',
      ],
      [
        'cy@example.com',
        'foreign',
        'e1',
        'cannot rename user ann@example.com to cy@example.com: the name belongs to the other provider (cy@example.com, e1); it is left as it is',
      ],
      [
        'x@example.com',
        'ambiguous',
        'u2',
        'cannot create user x@example.com: the name is held by another of its entities that this run leaves alone (x@example.com, u2); nothing is synced for it',
      ],
      [
        'xx@example.com',
        'ambiguous',
        undefined,
        'several users of the Identity Store may be user xx@example.com (x2@example.com u3, x@example.com u2); all are left alone until one is removed or renamed',
      ],
    ]);
    // Only the new team is written; every entity that may be one of the conflicts stays as it is.
    expect(renamed.ops.map((o) => o.op)).toEqual(['createGroup']);
  });
});

describe('what a plan counts', () => {
  it('owned users, groups and their memberships (not hand-made members or adoptable groups), and the source', () => {
    const t = target({
      users: [
        tUser('u1', 'ann@example.com'),
        tUser('h1', 'root@corp.example'),
        tUser('e1', 'e@x', { type: 'EntraId' }),
      ],
      groups: [tGroup('g1', 'web'), tGroup('g2', 'unmarked', null), tGroup('h2', 'hand', 'made by hand')],
      memberships: [
        { membershipId: 'm1', groupId: 'g1', userId: 'u1' },
        { membershipId: 'm2', groupId: 'g1', userId: 'h1' },
        { membershipId: 'm3', groupId: 'g2', userId: 'u1' },
        { membershipId: 'm4', groupId: 'h2', userId: 'u1' },
      ],
    });
    const plan = computePlan(
      source([ghUser('ann'), ghUser('bob')], [{ displayName: 'web', members: ['ann'] }]),
      t,
      rules,
    );
    expect(plan.owned).toEqual({ users: 1, groups: 1, memberships: 1 });
    expect(plan.source).toEqual({ users: 2, groups: 1 });
    expect(plan.provider).toBe('github');
  });
});

describe('memberships', () => {
  it('a removal names the user by the name it will have (a renamed login), and by its id', () => {
    const t = target({
      users: [tUser('u1', 'alice@example.com', { record: '42' })],
      groups: [tGroup('g1', 'web'), tGroup('g2', 'api')],
      memberships: [
        { membershipId: 'm1', groupId: 'g1', userId: 'u1' },
        { membershipId: 'm2', groupId: 'g2', userId: 'u1' },
      ],
    });
    const s = source(
      [ghUser('alicia', 'alicia', '42')],
      [
        { displayName: 'web', members: [] },
        { displayName: 'api', members: ['42'] },
      ],
    );
    expect(computePlan(s, t, rules).ops.filter((o) => o.op === 'removeMember')).toEqual([
      {
        op: 'removeMember',
        group: 'web',
        user: 'alicia@example.com',
        membershipId: 'm1',
        groupId: 'g1',
        userId: 'u1',
      },
    ]);
  });

  it('a managed group whose memberships were not read stops the plan, naming the group', () => {
    const t = target({ groups: [tGroup('g1', 'web')], membershipsReadFor: [] });
    expect(() => computePlan(source([], [{ displayName: 'web', members: [] }]), t, rules)).toThrow(
      new SnapshotInvalidError(
        'memberships of group web (g1) were not read, so its members cannot be planned',
      ),
    );
  });
});
