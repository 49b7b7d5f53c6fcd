/**
 * Property tests of the planner over random sources and Identity Stores that also hold users and
 * groups of the other provider and hand-made ones, with names that collide (also in other case).
 */
import fc from 'fast-check';
import {
  nameKey,
  type Provider,
  type SourceSnapshot,
  SourceSnapshotSchema,
  type TargetSnapshot,
} from '../../lambdas/core/model';
import {
  ENTRA_EMAIL_TYPE,
  GITHUB_GROUP_MARKER,
  groupOwner,
  type OwnershipRules,
  userOwner,
} from '../../lambdas/core/ownership';
import { computePlan } from '../../lambdas/core/plan';
import { deletionGuard } from '../../lambdas/core/safety';
import { applyInMemory } from '../support/memory-store';
import { MARKER, RULES } from '../support/rules';

const BASES = ['ann', 'bob', 'cy', 'dee', 'eve', 'fay', 'gus', 'hal'];
const GROUP_BASES = ['ops', 'dev', 'sec', 'data', 'web'];
const ATTRS = ['A', 'B'];

const caseOf = (s: string, upper: boolean) => (upper ? s.toUpperCase() : s);

/** A user name as a provider would write it, or as a hand-made / other-provider entry. */
const userNameArb = fc.record({
  base: fc.constantFrom(...BASES),
  upper: fc.boolean(),
  domain: fc.constantFrom('@example.com', '@other.org'),
});

const targetArb = fc
  .record({
    users: fc.uniqueArray(
      fc.record({
        n: userNameArb,
        emailType: fc.constantFrom('work', ENTRA_EMAIL_TYPE, 'home'),
        attr: fc.constantFrom(...ATTRS),
      }),
      { selector: (u) => nameKey(u.n.base + u.n.domain), maxLength: 12 },
    ),
    groups: fc.uniqueArray(
      fc.record({
        base: fc.constantFrom(...GROUP_BASES),
        prefix: fc.constantFrom('', 'azure-aws-sso-', 'AZURE-AWS-SSO-'),
        upper: fc.boolean(),
        description: fc.constantFrom<string | undefined>(
          undefined,
          MARKER,
          `${GITHUB_GROUP_MARKER} organisation other`,
          'made by hand',
        ),
      }),
      { selector: (g) => nameKey(g.prefix + g.base), maxLength: 8 },
    ),
    memberships: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 30 }),
  })
  .map(({ users, groups, memberships }): TargetSnapshot => {
    const tu = users.map((u, i) => {
      const userName = caseOf(u.n.base, u.n.upper) + u.n.domain;
      return {
        userId: `u-${i}`,
        userName,
        displayName: `${u.n.base} ${u.attr}`,
        name: { givenName: u.n.base, familyName: u.attr },
        emails: [{ value: userName, type: u.emailType, primary: true }],
      };
    });
    const tg = groups.map((g, i) => ({
      groupId: `g-${i}`,
      displayName: g.prefix + caseOf(g.base, g.upper),
      ...(g.description ? { description: g.description } : {}),
    }));
    const ms = new Map<string, { membershipId: string; groupId: string; userId: string }>();
    if (tu.length && tg.length) {
      for (const [a, b] of memberships) {
        const g = tg[a % tg.length]!;
        const u = tu[b % tu.length]!;
        ms.set(`${g.groupId}/${u.userId}`, {
          membershipId: `m-${g.groupId}-${u.userId}`,
          groupId: g.groupId,
          userId: u.userId,
        });
      }
    }
    return {
      identityStoreId: 'd-1234567890',
      fetchedAt: new Date(0).toISOString(),
      users: tu,
      groups: tg,
      memberships: [...ms.values()],
      membershipsReadFor: tg.map((g) => g.groupId),
    };
  });

function sourceArb(provider: Provider) {
  return fc
    .record({
      users: fc.uniqueArray(
        fc.record({ base: fc.constantFrom(...BASES), upper: fc.boolean(), attr: fc.constantFrom(...ATTRS) }),
        {
          selector: (u) => u.base,
          maxLength: 8,
        },
      ),
      groups: fc.uniqueArray(
        fc.record({
          base: fc.constantFrom(...GROUP_BASES),
          upper: fc.boolean(),
          members: fc.array(fc.nat(), { maxLength: 6 }),
        }),
        { selector: (g) => g.base, maxLength: 5 },
      ),
    })
    .map(({ users, groups }): SourceSnapshot => {
      const su = users.map((u) => {
        const userName =
          provider === 'github'
            ? `${caseOf(u.base, u.upper)}@example.com`
            : `${caseOf(u.base, u.upper)}@example.com`;
        return {
          userName,
          displayName: `${u.base} ${u.attr}`,
          name: { givenName: u.base, familyName: u.attr },
          email: { value: userName, type: provider === 'github' ? 'work' : ENTRA_EMAIL_TYPE, primary: true },
        };
      });
      const sg = groups.map((g) => ({
        displayName:
          provider === 'github' ? caseOf(g.base, g.upper) : `azure-aws-sso-${caseOf(g.base, g.upper)}`,
        ...(provider === 'github' ? { description: MARKER } : {}),
        members: su.length ? g.members.map((i) => su[i % su.length]!.userName) : [],
      }));
      return SourceSnapshotSchema.parse({
        provider,
        fetchedAt: new Date(0).toISOString(),
        users: su,
        groups: sg,
      });
    });
}

/** Checks the provider's part of `after` is exactly what `source` asks for, and nothing else moved. */
function expectDesiredState(
  source: SourceSnapshot,
  before: TargetSnapshot,
  after: TargetSnapshot,
  rules: OwnershipRules,
) {
  const beforeUsers = new Map(before.users.map((u) => [nameKey(u.userName), u]));
  const beforeGroups = new Map(before.groups.map((g) => [nameKey(g.displayName), g]));
  const blockedUsers = new Set(
    source.users
      .map((u) => nameKey(u.userName))
      .filter((k) => beforeUsers.has(k) && userOwner(rules, beforeUsers.get(k)!) !== 'owned'),
  );
  const blockedGroups = new Set(
    source.groups
      .map((g) => nameKey(g.displayName))
      .filter((k) => {
        const o = beforeGroups.has(k) ? groupOwner(rules, beforeGroups.get(k)!) : 'owned';
        return o === 'foreign' || o === 'unowned';
      }),
  );
  // Owned users are exactly the non-conflicting source users, with the source's attributes.
  const ownedAfter = after.users.filter((u) => userOwner(rules, u) === 'owned');
  const wantUsers = source.users.filter((u) => !blockedUsers.has(nameKey(u.userName)));
  expect(ownedAfter.map((u) => nameKey(u.userName)).sort()).toEqual(
    wantUsers.map((u) => nameKey(u.userName)).sort(),
  );
  for (const su of wantUsers) {
    const u = ownedAfter.find((x) => nameKey(x.userName) === nameKey(su.userName))!;
    expect({ d: u.displayName, n: u.name, e: u.emails }).toEqual({
      d: su.displayName,
      n: su.name,
      e: [su.email],
    });
  }
  // Owned groups are exactly the non-conflicting source groups.
  const ownedGroupsAfter = after.groups.filter(
    (g) => groupOwner(rules, g) === 'owned' || groupOwner(rules, g) === 'adoptable',
  );
  const wantGroups = source.groups.filter((g) => !blockedGroups.has(nameKey(g.displayName)));
  for (const sg of wantGroups) {
    const g = ownedGroupsAfter.find((x) => nameKey(x.displayName) === nameKey(sg.displayName));
    expect(g).toBeDefined();
    if (sg.description !== undefined) expect(g!.description).toBe(sg.description);
    // Its members among owned users are exactly the wanted, non-conflicting ones.
    const members = after.memberships
      .filter((m) => m.groupId === g!.groupId)
      .map((m) => after.users.find((u) => u.userId === m.userId)!)
      .filter((u) => userOwner(rules, u) === 'owned')
      .map((u) => nameKey(u.userName))
      .sort();
    const want = [...new Set(sg.members.map(nameKey))].filter((k) => !blockedUsers.has(k)).sort();
    expect(members).toEqual(want);
  }
  expect(
    after.groups
      .filter((g) => groupOwner(rules, g) === 'owned')
      .map((g) => nameKey(g.displayName))
      .sort(),
  ).toEqual(wantGroups.map((g) => nameKey(g.displayName)).sort());
  // Nothing the provider does not own changed: unowned users and groups, and memberships of unowned users.
  const untouchedUsers = (s: TargetSnapshot) => s.users.filter((u) => userOwner(rules, u) !== 'owned');
  expect(untouchedUsers(after)).toEqual(untouchedUsers(before));
  const isManagedGroup = (id: string) =>
    wantGroups.some(
      (sg) =>
        nameKey(sg.displayName) === nameKey(after.groups.find((g) => g.groupId === id)?.displayName ?? ''),
    );
  const untouchedGroups = (s: TargetSnapshot) =>
    s.groups.filter(
      (g) =>
        groupOwner(rules, g) === 'foreign' ||
        groupOwner(rules, g) === 'unowned' ||
        (groupOwner(rules, g) === 'adoptable' && !isManagedGroup(g.groupId)),
    );
  expect(untouchedGroups(after)).toEqual(untouchedGroups(before));
  const unownedMemberships = (s: TargetSnapshot) =>
    s.memberships.filter((m) => {
      const u = s.users.find((x) => x.userId === m.userId)!;
      return userOwner(rules, u) !== 'owned' && s.groups.some((g) => g.groupId === m.groupId);
    });
  const survivingGroup = (m: { groupId: string }) => after.groups.some((g) => g.groupId === m.groupId);
  expect(unownedMemberships(after)).toEqual(unownedMemberships(before).filter(survivingGroup));
}

describe.each(['github', 'entra'] as const)('planner properties (%s)', (provider) => {
  const rules = RULES[provider];
  const runs = { numRuns: Number(process.env.PROPERTY_RUNS ?? 400) };

  it('applying the plan gives exactly the desired state, and planning again is empty', () => {
    fc.assert(
      fc.property(sourceArb(provider), targetArb, (source, target) => {
        const plan = computePlan(source, target, rules);
        const after = applyInMemory(target, plan.ops);
        expectDesiredState(source, target, after, rules);
        const again = computePlan(source, after, rules);
        expect(again.ops).toEqual([]);
      }),
      runs,
    );
  });

  it('no operation ever names an entity the provider does not own', () => {
    fc.assert(
      fc.property(sourceArb(provider), targetArb, (source, target) => {
        const plan = computePlan(source, target, rules);
        const users = new Map(target.users.map((u) => [u.userId, u]));
        const groups = new Map(target.groups.map((g) => [g.groupId, g]));
        const sourceGroups = new Set(source.groups.map((g) => nameKey(g.displayName)));
        for (const op of plan.ops) {
          if ('userId' in op && op.userId !== undefined)
            expect(userOwner(rules, users.get(op.userId)!)).toBe('owned');
          if ('groupId' in op && op.groupId !== undefined) {
            const g = groups.get(op.groupId)!;
            const o = groupOwner(rules, g);
            expect(o === 'owned' || (o === 'adoptable' && sourceGroups.has(nameKey(g.displayName)))).toBe(
              true,
            );
          }
          if (op.op === 'createUser')
            expect(target.users.some((u) => nameKey(u.userName) === nameKey(op.userName))).toBe(false);
          if (op.op === 'createGroup')
            expect(target.groups.some((g) => nameKey(g.displayName) === nameKey(op.displayName))).toBe(false);
        }
      }),
      runs,
    );
  });

  it('the deletion guard trips exactly by its rule', () => {
    fc.assert(
      fc.property(
        sourceArb(provider),
        targetArb,
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 3 }),
        fc.boolean(),
        (source, target, pct, floor, allow) => {
          const plan = computePlan(source, target, rules);
          const after = applyInMemory(target, plan.ops);
          // Count from the outcome, not from the plan's operations.
          const ownedUsers = target.users.filter((u) => userOwner(rules, u) === 'owned');
          const ownedGroups = target.groups.filter((g) => groupOwner(rules, g) === 'owned');
          const du = ownedUsers.filter((u) => !after.users.some((x) => x.userId === u.userId)).length;
          const dg = ownedGroups.filter((g) => !after.groups.some((x) => x.groupId === g.groupId)).length;
          const empty = source.users.length === 0 || source.groups.length === 0;
          const rule =
            (empty && du + dg > 0) ||
            (du > floor && du / ownedUsers.length > pct / 100) ||
            (dg > floor && dg / ownedGroups.length > pct / 100);
          const v = deletionGuard(plan, {
            maxDeletionPercent: pct,
            deletionGuardFloor: floor,
            allowMassDeletion: allow,
          });
          expect(v.deletes).toEqual({ users: du, groups: dg });
          expect(v.reasons.length > 0).toBe(rule);
          expect(v.tripped).toBe(rule && !allow);
        },
      ),
      runs,
    );
  });
});
