/**
 * The matcher (lambdas/core/identity.ts#matchEntities) and the name assigner (#assignNames) on
 * their own: what the matcher matches by recorded id and by name, what it refuses, and which store
 * entities it freezes; which claims on names the assigner blocks and which holders it moves out of
 * the way. Including inputs the planner screens out before: they must hold on their own, as they
 * decide what may be renamed or deleted.
 */
import { assignNames, matchEntities, type StoreEntity } from '../../lambdas/core/identity';

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

describe('assignNames', () => {
  const sorted = <V>(m: Map<string, V>) => Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)));

  it('a claim on a name held by one entity the plan deletes moves it to a temporary name', () => {
    const gone = owned('G', 'web', 'OLD');
    const n = assignNames([{ sourceId: 'B', want: 'web' }], [gone], new Set(), new Set(['G']));
    expect(sorted(n.blocked)).toEqual({});
    expect(sorted(n.vacate)).toEqual({ G: 'temporary' });
  });

  it('an entity is not a holder of its own name: a change of case alone moves nothing', () => {
    const e = owned('E', 'Web', 'A');
    const n = assignNames([{ sourceId: 'A', entity: e, want: 'web' }], [e], new Set(), new Set());
    expect(sorted(n.blocked)).toEqual({});
    expect(sorted(n.vacate)).toEqual({});
  });

  it('a name held by two entities (two Unicode forms) is blocked even when the plan moves both, and neither is moved for it', () => {
    const nfc = owned('C', 'caf\u00e9', 'OLD1');
    const nfd = owned('D', 'cafe\u0301', 'OLD2');
    const frozen = new Set<string>();
    const n = assignNames([{ sourceId: 'B', want: 'caf\u00e9' }], [nfc, nfd], frozen, new Set(['C', 'D']));
    expect(sorted(n.blocked)).toEqual({ B: nfc });
    expect(sorted(n.vacate)).toEqual({});
    expect([...frozen]).toEqual([]);
  });

  it('a blocked rename freezes its entity and moves none of the holders of the name it wanted', () => {
    const a = owned('A1', 'api', 'A');
    const gone = owned('G', 'web', 'OLD');
    const hand = other('H', 'WEB', 'unowned');
    const frozen = new Set<string>();
    const n = assignNames(
      [{ sourceId: 'A', entity: a, want: 'web' }],
      [a, gone, hand],
      frozen,
      new Set(['G']),
    );
    expect(sorted(n.blocked)).toEqual({ A: hand });
    expect(sorted(n.vacate)).toEqual({});
    expect([...frozen]).toEqual(['A1']);
  });

  it('a frozen entity blocks claims on its name in turn: the block spreads until nothing changes', () => {
    // B renames A1 (api) to web, held by a hand-made group: blocked, A1 stays api. C wanted api.
    const a = owned('A1', 'api', 'B');
    const hand = other('H', 'web', 'unowned');
    const n = assignNames(
      [
        { sourceId: 'C', want: 'api' },
        { sourceId: 'B', entity: a, want: 'web' },
      ],
      [a, hand],
      new Set(),
      new Set(),
    );
    expect(sorted(n.blocked)).toEqual({ B: hand, C: a });
    expect(sorted(n.vacate)).toEqual({});
  });

  it('a swap moves one side through a temporary name; a chain goes straight to the final names', () => {
    const x = owned('X', 'red', 'A');
    const y = owned('Y', 'blue', 'B');
    const swap = assignNames(
      [
        { sourceId: 'A', entity: x, want: 'blue' },
        { sourceId: 'B', entity: y, want: 'red' },
      ],
      [x, y],
      new Set(),
      new Set(),
    );
    expect(sorted(swap.vacate)).toEqual({ X: 'temporary', Y: 'temporary' });
    const chain = assignNames(
      [
        { sourceId: 'A', entity: x, want: 'blue' },
        { sourceId: 'B', entity: y, want: 'green' },
      ],
      [x, y],
      new Set(),
      new Set(),
    );
    expect(sorted(chain.vacate)).toEqual({ Y: 'final' });
    expect(sorted(chain.blocked)).toEqual({});
  });
});
