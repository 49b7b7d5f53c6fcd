/**
 * The matcher (lambdas/core/identity.ts#matchEntities) on its own: what it matches by recorded id
 * and by name, what it refuses, and which store entities it freezes, including inputs the planner
 * screens out before (it must hold on its own: it decides what may be renamed or deleted).
 */
import { matchEntities, type StoreEntity } from '../../lambdas/core/identity';

const owned = (id: string, name: string, recordedId?: string): StoreEntity => ({
  id,
  name,
  owner: 'owned',
  ...(recordedId ? { recordedId } : {}),
});
const other = (id: string, name: string, owner: StoreEntity['owner'], recordedId?: string): StoreEntity => ({
  id,
  name,
  owner,
  ...(recordedId ? { recordedId } : {}),
});
const reasons = (m: ReturnType<typeof matchEntities>) =>
  Object.fromEntries([...m.conflicts].map(([k, c]) => [k, c.reason]));

describe('matchEntities', () => {
  it('believes a recorded id on owned entities only', () => {
    const m = matchEntities([{ id: 'A', name: 'a' }], [other('X', 'x', 'foreign', 'A')]);
    expect(m.matched.size).toBe(0);
    expect(m.conflicts.size).toBe(0);
  });

  it('a name held by another provider is a conflict even if that entity carries a recorded id', () => {
    const m = matchEntities([{ id: 'B', name: 'x' }], [other('X', 'X', 'foreign', 'Z')]);
    expect(reasons(m)).toEqual({ B: 'foreign' });
    expect(m.matched.size).toBe(0);
  });

  it('a blocked source freezes the store entities that may be it: by its recorded id, or by name if they record none', () => {
    const store = [
      owned('R', 'elsewhere', 'C'),
      owned('N', 'x'),
      other('F', 'X', 'foreign'),
      owned('O', 'y', 'Z'),
      owned('P', 'Y'),
    ];
    const m = matchEntities([], store, new Map([['C', 'x']]));
    expect([...m.frozen].sort()).toEqual(['N', 'R']);
    const n = matchEntities([], [owned('O', 'x', 'Z'), other('F', 'x', 'foreign')], new Map([['C', 'x']]));
    expect([...n.frozen]).toEqual([]);
  });

  it('a frozen entity is never matched by name: the source entity is an ambiguous conflict', () => {
    const m = matchEntities([{ id: 'B', name: 'x' }], [owned('N', 'x')], new Map([['C', 'x']]));
    expect(m.matched.size).toBe(0);
    expect(m.conflicts.get('B')).toEqual({ reason: 'ambiguous', candidates: [owned('N', 'x')] });
  });

  it('by name, entities already taken by recorded id are not candidates (the same name in two Unicode forms)', () => {
    // X records A and is renamed away from café; B wants café, which Y holds in its decomposed form.
    const x = owned('X', 'caf\u00e9', 'A');
    const y = other('Y', 'cafe\u0301', 'unowned');
    const m = matchEntities(
      [
        { id: 'A', name: 'other' },
        { id: 'B', name: 'caf\u00e9' },
      ],
      [x, y],
    );
    expect(m.matched.get('A')).toBe(x);
    expect(m.conflicts.get('B')).toEqual({ reason: 'unowned', holder: y });
  });

  it('a name two store entities share (Unicode forms) is ambiguous; only the owned one is frozen', () => {
    const m = matchEntities(
      [{ id: 'B', name: 'caf\u00e9' }],
      [owned('N', 'caf\u00e9'), other('Y', 'cafe\u0301', 'unowned')],
    );
    expect(reasons(m)).toEqual({ B: 'ambiguous' });
    expect([...m.frozen]).toEqual(['N']);
  });
});
