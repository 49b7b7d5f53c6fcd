/**
 * Which attributes an update writes (lambdas/core/changes.ts), one attribute at a time; the one
 * order of operations; and plans that do not depend on the order the source and the store list
 * their entities in.
 */
import fc from 'fast-check';
import type * as Changes from '../../lambdas/core/changes';
import type { Operation, TargetUser } from '../../lambdas/core/model';
import { computePlan } from '../../lambdas/core/plan';
import { freshEach } from '../support/fresh';
import { worldArb } from '../support/world';

// Loaded before each test, the order table included (test/support/fresh.ts).
const core = freshEach(() => require('../../lambdas/core/changes') as typeof Changes);
const runs = { numRuns: Math.min(Number(process.env.PROPERTY_RUNS ?? 300), 1000) };

const want = {
  displayName: 'Ann Lee',
  name: { givenName: 'Ann', familyName: 'Lee' },
  email: { value: 'ann@example.com', type: 'work', primary: true },
  profileUrl: 'urn:scim-sync:github:user:1',
};
const have: TargetUser = {
  userId: 'u1',
  userName: 'ann@example.com',
  displayName: 'Ann Lee',
  name: { givenName: 'Ann', familyName: 'Lee' },
  emails: [{ value: 'ann@example.com', type: 'work', primary: true }],
  profileUrl: 'urn:scim-sync:github:user:1',
};

describe('userChanges', () => {
  it('nothing when nothing differs', () => {
    expect(core().userChanges(want, have)).toEqual({});
  });

  it.each<[string, Partial<TargetUser>, object]>([
    ['the DisplayName', { displayName: 'Ann' }, { displayName: 'Ann Lee' }],
    ['the given name alone', { name: { givenName: 'Anne', familyName: 'Lee' } }, { name: want.name }],
    ['the family name alone', { name: { givenName: 'Ann', familyName: 'Li' } }, { name: want.name }],
    ['no name at all', { name: undefined }, { name: want.name }],
    ['the email value alone', { emails: [{ ...want.email, value: 'a@example.com' }] }, { email: want.email }],
    ['the email type alone', { emails: [{ ...want.email, type: 'home' }] }, { email: want.email }],
    ['the primary flag alone', { emails: [{ ...want.email, primary: false }] }, { email: want.email }],
    [
      'a primary flag missing',
      { emails: [{ value: want.email.value, type: 'work' }] },
      { email: want.email },
    ],
    ['no email', { emails: undefined }, { email: want.email }],
    ['an empty email list', { emails: [] }, { email: want.email }],
    [
      'a second email',
      { emails: [want.email, { ...want.email, value: 'b@example.com' }] },
      { email: want.email },
    ],
    ['the recorded id', { profileUrl: 'urn:scim-sync:github:user:2' }, { profileUrl: want.profileUrl }],
    ['no recorded id', { profileUrl: undefined }, { profileUrl: want.profileUrl }],
  ])('%s: only that attribute', (_what, change, set) => {
    expect(core().userChanges(want, { ...have, ...change })).toEqual(set);
  });

  it('a source that does not set a primary flag of false matches a store that has none', () => {
    const w = { ...want, email: { ...want.email, primary: false } };
    expect(core().userChanges(w, { ...have, emails: [{ value: want.email.value, type: 'work' }] })).toEqual(
      {},
    );
  });

  it('a formatted name is compared only when the source has one', () => {
    const named = { ...have, name: { ...have.name, formatted: 'Dr Ann Lee' } };
    expect(core().userChanges(want, named)).toEqual({});
    const w = { ...want, name: { ...want.name, formatted: 'Ann Lee' } };
    expect(core().userChanges(w, named)).toEqual({ name: w.name });
    expect(core().userChanges(w, { ...have, name: { ...have.name, formatted: 'Ann Lee' } })).toEqual({});
  });
});

describe('groupChanges', () => {
  const g = { groupId: 'g1', displayName: 'Web', description: 'd' };
  it('a change of case alone is not a rename; another name or Description is', () => {
    expect(core().groupChanges({ displayName: 'WEB', description: 'd' }, g)).toEqual({});
    expect(core().groupChanges({ displayName: 'api', description: 'd' }, g)).toEqual({ displayName: 'api' });
    expect(core().groupChanges({ displayName: 'Web', description: 'e' }, g)).toEqual({ description: 'e' });
    expect(
      core().groupChanges({ displayName: 'Web', description: 'd' }, { ...g, description: undefined }),
    ).toEqual({
      description: 'd',
    });
  });
});

describe('the order of operations', () => {
  const ops: Operation[] = [
    { op: 'deleteGroup', groupId: 'g8', displayName: 'old' },
    { op: 'deleteUser', userId: 'u8', userName: 'gone' },
    { op: 'addMember', group: 'web', user: 'ann' },
    { op: 'removeMember', group: 'web', user: 'ann', membershipId: 'm', groupId: 'g1', userId: 'u1' },
    { op: 'addMember', group: 'api', user: 'cy' },
    { op: 'removeMember', group: 'api', user: 'bob', membershipId: 'm2', groupId: 'g2', userId: 'u2' },
    { op: 'updateUser', userId: 'u3', userName: 'dee', set: {} },
    { op: 'createUser', userName: 'eve', ...userAttrs() },
    { op: 'createUser', userName: 'Ann', ...userAttrs() },
    { op: 'updateGroup', groupId: 'g3', displayName: 'ops', set: {}, reason: 'update' },
    { op: 'createGroup', displayName: 'web', description: 'd' },
    { op: 'createGroup', displayName: 'API', description: 'd' },
    { op: 'renameUser', userId: 'u4', userName: 'fay', to: 'x', step: 'temporary' },
    { op: 'renameGroup', groupId: 'g5', displayName: 'sec', to: 'y', step: 'final' },
    { op: 'renameGroup', groupId: 'g4', displayName: 'sec', to: 'z', step: 'final' },
  ];

  it('phases, then kinds, then names ignoring case, then ids; a group’s memberships together', () => {
    const sorted = [...ops].sort(core().compareOps).map((o) => {
      const id = 'groupId' in o ? o.groupId : 'userId' in o ? o.userId : '';
      const name = 'group' in o ? `${o.group}/${o.user}` : 'userName' in o ? o.userName : o.displayName;
      return `${o.op} ${name} ${id ?? ''}`.trim();
    });
    expect(sorted).toEqual([
      'renameGroup sec g4',
      'renameGroup sec g5',
      'renameUser fay u4',
      'createGroup API',
      'createGroup web',
      'updateGroup ops g3',
      'createUser Ann',
      'createUser eve',
      'updateUser dee u3',
      'removeMember api/bob g2',
      'addMember api/cy',
      'removeMember web/ann g1',
      'addMember web/ann',
      'deleteUser gone u8',
      'deleteGroup old g8',
    ]);
    expect(core().compareOps(ops[0]!, ops[0]!)).toBe(0);
  });

  it('counts each kind', () => {
    expect(core().countOps({ ops, conflicts: [1, 2] })).toEqual({
      renames: 3,
      createUsers: 2,
      updateUsers: 1,
      deleteUsers: 1,
      createGroups: 2,
      updateGroups: 1,
      deleteGroups: 1,
      addMembers: 2,
      removeMembers: 2,
      conflicts: 2,
      total: 15,
    });
  });
});

function userAttrs() {
  return {
    displayName: 'd',
    name: { givenName: 'g', familyName: 'f' },
    email: { value: 'e', type: 'work', primary: true },
    profileUrl: 'p',
  };
}

describe('deterministic plans', () => {
  it('the same source and store listed in any order give the same plan', () => {
    const shuffled = <T>(list: T[], keys: number[]) =>
      list
        .map((x, i) => [keys[i % Math.max(1, keys.length)]! * 1000 + i, x] as const)
        .sort((a, b) => a[0] - b[0])
        .map(([, x]) => x);
    fc.assert(
      fc.property(worldArb, fc.array(fc.nat(1000), { minLength: 1, maxLength: 20 }), (w, keys) => {
        const plan = computePlan(w.source, w.target, w.rules);
        const s = {
          ...w.source,
          users: shuffled(w.source.users, keys).reverse(),
          groups: shuffled(
            w.source.groups.map((g) => ({ ...g, members: shuffled(g.members, keys) })),
            keys,
          ),
        };
        const t = {
          ...w.target,
          users: shuffled(w.target.users, [...keys].reverse()),
          groups: shuffled(w.target.groups, keys).reverse(),
          memberships: shuffled(w.target.memberships, keys),
          membershipsReadFor: [...w.target.membershipsReadFor].reverse(),
        };
        const again = computePlan(s, t, w.rules);
        expect(again.ops).toEqual(plan.ops);
        expect(again.conflicts).toEqual(plan.conflicts);
      }),
      runs,
    );
  });
});
