/**
 * Property tests of the planner against an independent oracle (test/support/world.ts): the
 * generator knows whose every store entity is and what must become of it, because it built each
 * case; nothing here asks userOwner / groupOwner or the planner's matching what the answer is.
 * Each plan is applied phase by phase with the operations of every phase shuffled (they run
 * concurrently when deployed).
 */
import fc from 'fast-check';
import { nameKey, normalizeName, type Operation, type TargetSnapshot } from '../../lambdas/core/model';
import { groupRecord, userRecord } from '../../lambdas/core/ownership';
import { computePlan } from '../../lambdas/core/plan';
import { deletionGuard } from '../../lambdas/core/safety';
import { applyInMemory } from '../support/memory-store';
import { type World, worldArb } from '../support/world';

const runs = { numRuns: Number(process.env.PROPERTY_RUNS ?? 300) };

/** A shuffle driven by fast-check's random source, so failures replay and shrink. */
const shuffler = fc.infiniteStream(fc.nat()).map((stream) => {
  const it = stream[Symbol.iterator]();
  return <T>(list: T[]): T[] => {
    const out = [...list];
    for (let i = out.length - 1; i > 0; i--) {
      const j = (it.next().value as number) % (i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  };
});

interface Expected {
  /** Clean source entity (`user:` / `group:` + id) → the store id it must keep, if it had one. */
  previous: Map<string, string | undefined>;
  /** Store ids that must be gone. */
  deleted: Set<string>;
}

/** The oracle: who each clean source entity was (recorded id first, then an unrecorded name), what goes. */
function expected(w: World): Expected {
  const previous = new Map<string, string | undefined>();
  const taken = new Set<string>();
  const kinds = [
    {
      k: 'user',
      source: w.source.users.map((u) => ({ id: u.id, name: u.userName })),
      store: w.target.users.map((u) => ({ id: u.userId, name: u.userName })),
    },
    {
      k: 'group',
      source: w.source.groups.map((g) => ({ id: g.id, name: g.displayName })),
      store: w.target.groups.map((g) => ({ id: g.groupId, name: g.displayName })),
    },
  ] as const;
  for (const { k, source, store } of kinds) {
    const mine = store.filter((e) => (!w.notP.has(e.id) || w.adoptable.has(e.id)) && !w.frozen.has(e.id));
    const clean = source.filter((s) => !w.conflicted.has(`${k}:${s.id}`));
    for (const s of clean) {
      const e = mine.find((x) => w.recordedOf.get(x.id) === s.id);
      if (e) {
        previous.set(`${k}:${s.id}`, e.id);
        taken.add(e.id);
      }
    }
    for (const s of clean) {
      if (previous.has(`${k}:${s.id}`)) continue;
      const e = mine.find(
        (x) => !taken.has(x.id) && !w.recordedOf.has(x.id) && nameKey(x.name) === nameKey(s.name),
      );
      if (e) taken.add(e.id);
      previous.set(`${k}:${s.id}`, e?.id);
    }
  }
  const deleted = new Set(
    [...w.target.users.map((u) => u.userId), ...w.target.groups.map((g) => g.groupId)].filter(
      (id) => !w.notP.has(id) && !w.frozen.has(id) && !taken.has(id),
    ),
  );
  return { previous, deleted };
}

const pair = (m: { groupId: string; userId: string }) => `${m.groupId}/${m.userId}`;

/** Checks `after` is exactly what the oracle says. */
function expectOracle(w: World, after: TargetSnapshot) {
  const { previous, deleted } = expected(w);
  const before = w.target;
  const usersAfter = new Map(after.users.map((u) => [u.userId, u]));
  const groupsAfter = new Map(after.groups.map((g) => [g.groupId, g]));
  // 1. Another owner's entities (unmarked groups no team adopts included) and frozen ones: exactly as before.
  const untouched = (id: string) =>
    w.frozen.has(id) || (w.notP.has(id) && !(w.adoptable.has(id) && [...previous.values()].includes(id)));
  for (const u of before.users) if (untouched(u.userId)) expect(usersAfter.get(u.userId)).toEqual(u);
  for (const g of before.groups) if (untouched(g.groupId)) expect(groupsAfter.get(g.groupId)).toEqual(g);
  // 2. P's entities that no clean source entity is, and that are not frozen: deleted.
  for (const id of deleted) expect(usersAfter.has(id) || groupsAfter.has(id)).toBe(false);
  // 3. Every clean source entity: one entity recording its id, with its name and attributes, its old id kept.
  const entityOf = new Map<string, string>(); // source key → store id after
  for (const su of w.source.users) {
    const key = `user:${su.id}`;
    if (w.conflicted.has(key)) {
      expect(
        after.users.filter((u) => u.profileUrl === userRecord(w.rules, su.id) && !untouched(u.userId)),
      ).toEqual([]);
      continue;
    }
    const found = after.users.filter((u) => u.profileUrl === userRecord(w.rules, su.id));
    expect(found).toHaveLength(1);
    const u = found[0]!;
    entityOf.set(key, u.userId);
    const prev = previous.get(key);
    if (prev) expect(u.userId).toBe(prev);
    else expect(before.users.some((x) => x.userId === u.userId)).toBe(false);
    expect(nameKey(u.userName)).toBe(nameKey(su.userName));
    expect({ d: u.displayName, n: u.name, e: u.emails }).toEqual({
      d: normalizeName(su.displayName),
      n: su.name,
      e: [{ ...su.email, value: normalizeName(su.email.value) }],
    });
  }
  for (const sg of w.source.groups) {
    const key = `group:${sg.id}`;
    const record = groupRecord(w.rules, sg.id);
    if (w.conflicted.has(key)) {
      expect(after.groups.filter((g) => g.description === record && !untouched(g.groupId))).toEqual([]);
      continue;
    }
    const found = after.groups.filter((g) => g.description === record);
    expect(found).toHaveLength(1);
    const g = found[0]!;
    entityOf.set(key, g.groupId);
    const prev = previous.get(key);
    if (prev) expect(g.groupId).toBe(prev);
    else expect(before.groups.some((x) => x.groupId === g.groupId)).toBe(false);
    expect(nameKey(g.displayName)).toBe(nameKey(sg.displayName));
  }
  // 4. Nothing else exists.
  const expectedUsers =
    before.users.filter((u) => untouched(u.userId)).length +
    w.source.users.filter((u) => !w.conflicted.has(`user:${u.id}`)).length;
  const expectedGroups =
    before.groups.filter((g) => untouched(g.groupId)).length +
    w.source.groups.filter((g) => !w.conflicted.has(`group:${g.id}`)).length;
  expect([after.users.length, after.groups.length]).toEqual([expectedUsers, expectedGroups]);
  // 5. Memberships: a clean group holds exactly its clean source members, plus whoever else was in it
  // (another owner's or a frozen user); every other group keeps what it had, less deleted users.
  const want = new Set<string>();
  const managedGroup = new Map<string, string>(); // store id after → source group key
  for (const sg of w.source.groups) {
    const gid = entityOf.get(`group:${sg.id}`);
    if (!gid) continue;
    managedGroup.set(gid, `group:${sg.id}`);
    for (const m of sg.members) {
      const uid = entityOf.get(`user:${m}`);
      if (uid) want.add(`${gid}/${uid}`);
    }
  }
  const cleanUserIds = new Set([...entityOf].filter(([k]) => k.startsWith('user:')).map(([, id]) => id));
  for (const m of before.memberships) {
    if (!usersAfter.has(m.userId) || !groupsAfter.has(m.groupId)) continue;
    if (managedGroup.has(m.groupId) && cleanUserIds.has(m.userId)) continue; // decided by the source
    want.add(pair(m));
  }
  expect(after.memberships.map(pair).sort()).toEqual([...want].sort());
}

describe('planner properties (independent oracle)', () => {
  it('applying the plan in any order within its phases gives exactly the oracle state; planning again is empty', () => {
    fc.assert(
      fc.property(worldArb, shuffler, (w, shuffle) => {
        const plan = computePlan(w.source, w.target, w.rules);
        const after = applyInMemory(w.target, plan.ops, shuffle);
        expectOracle(w, after);
        expect(computePlan(w.source, after, w.rules).ops).toEqual([]);
        // Conflicts are exactly the cases built as conflicts.
        expect(new Set(plan.conflicts.map((c) => `${c.kind}:${c.sourceId}`))).toEqual(w.conflicted);
      }),
      runs,
    );
  });

  it('no operation names an entity of another owner or a frozen one (an unmarked group only to adopt it)', () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const plan = computePlan(w.source, w.target, w.rules);
        const idsOf = (op: Operation) =>
          ['userId' in op ? op.userId : undefined, 'groupId' in op ? op.groupId : undefined].filter(
            (x): x is string => x !== undefined,
          );
        for (const op of plan.ops) {
          for (const id of idsOf(op)) {
            expect(w.frozen.has(id)).toBe(false);
            if (w.notP.has(id)) {
              // Only an adoption touches an unmarked group, and only memberships of P's users in it.
              expect(w.adoptable.has(id)).toBe(true);
              if (op.op === 'updateGroup') expect(op.reason).toBe('adopt');
            }
          }
          if (op.op === 'removeMember') expect(w.notP.has(op.userId)).toBe(false);
        }
      }),
      runs,
    );
  });

  it('the deletion guard trips exactly by its rule, counted from the outcome', () => {
    fc.assert(
      fc.property(
        worldArb,
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 3 }),
        fc.boolean(),
        (w, pct, floor, allow) => {
          const plan = computePlan(w.source, w.target, w.rules);
          const after = applyInMemory(w.target, plan.ops);
          const mine = (id: string) => !w.notP.has(id);
          const ownedUsers = w.target.users.filter((u) => mine(u.userId));
          const ownedGroups = w.target.groups.filter((g) => mine(g.groupId));
          const gone = <T>(list: T[], id: (t: T) => string, now: { some(f: (x: T) => boolean): boolean }) =>
            list.filter((x) => !now.some((y) => id(y) === id(x))).length;
          const du = gone(ownedUsers, (u) => u.userId, after.users);
          const dg = gone(ownedGroups, (g) => g.groupId, after.groups);
          // Managed memberships (the base): P's users in P's groups. Removed: P's users' memberships of
          // P's or adopted groups that are gone while both ends stay.
          const managed = w.target.memberships.filter((m) => mine(m.userId) && mine(m.groupId));
          const adopted = new Set(
            [...expected(w).previous.values()].filter((id) => id && w.adoptable.has(id)),
          );
          const alive = (m: { userId: string; groupId: string }) =>
            after.users.some((u) => u.userId === m.userId) &&
            after.groups.some((g) => g.groupId === m.groupId);
          const dm = w.target.memberships.filter(
            (m) =>
              mine(m.userId) &&
              (mine(m.groupId) || adopted.has(m.groupId)) &&
              alive(m) &&
              !after.memberships.some((x) => pair(x) === pair(m)),
          ).length;
          const empty = w.source.users.length === 0 || w.source.groups.length === 0;
          const over = (n: number, of: number) => n > floor && n * 100 > pct * of;
          const rule =
            (empty && du + dg > 0) ||
            over(du, ownedUsers.length) ||
            over(dg, ownedGroups.length) ||
            over(dm, managed.length);
          const v = deletionGuard(plan, {
            maxDeletionPercent: pct,
            deletionGuardFloor: floor,
            allowMassDeletion: allow,
          });
          expect(v.deletes).toEqual({ users: du, groups: dg, memberships: dm });
          expect(v.reasons.length > 0).toBe(rule);
          expect(v.tripped).toBe(rule && !allow);
        },
      ),
      runs,
    );
  });
});
