/**
 * Random worlds for the planner's property tests, with an oracle that does not come from the code
 * under test: the generator builds the Identity Store from what a provider P synced before (and
 * records which store entity is whose), the other provider's and hand-made entities, and P's
 * current source; and it knows, by how it built each case, what must happen to every entity.
 *
 * Names come from disjoint pools so that cases do not interfere:
 * - pool A: P's entities that come and go and rename freely (swaps, chains, a name passed to a
 *   new entity): all must converge, keeping their Identity Store ids;
 * - slots: one case each, in names of their own (a collision with another owner's entity, a
 *   duplicate, a name the store cannot hold, a name in Entra's namespace, two store entities that
 *   record one id, an unmarked group that GitHub adopts, a legacy GitHub group in Entra's
 *   namespace, an entity that is gone, one that changes one attribute).
 * Claims are written in random case (prefixes, markers, email types, suffixes), as people and the
 * replaced jobs may have left them; the oracle knows whose they are regardless.
 */
import fc from 'fast-check';
import { type ConfigInput, parseConfig } from '../../lambdas/core/config';
import type {
  Provider,
  SourceGroup,
  SourceSnapshot,
  SourceUser,
  TargetGroup,
  TargetMembership,
  TargetSnapshot,
  TargetUser,
} from '../../lambdas/core/model';
import { groupRecord, type OwnershipRules, ownershipRules, userRecord } from '../../lambdas/core/ownership';

export type Kind = 'user' | 'group';
export const SCENARIOS = [
  'static', // kept as it is
  'attr', // one attribute changes
  'gone', // no longer in the source: deleted
  'collideCreate', // a new source entity named like another owner's: conflict, the other untouched
  'collideRename', // P's entity renamed onto another owner's name: conflict, P's entity frozen
  'duplicate', // a second source entity of the same name in other case: both conflicts, frozen
  'invalid', // renamed to a name the store cannot hold: conflict, frozen
  'ambiguous', // two of P's store entities record the same source id: conflict, both frozen
  'claimed', // (GitHub groups) renamed into Entra's namespace: conflict, frozen
  'unmarked', // (groups) an unmarked store group; a new GitHub team of that name adopts it
  'legacy', // (groups) a GitHub-marked group in Entra's namespace: Entra's, whatever it says
  'other', // another owner's entity nobody wants
] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface WorldSpec {
  provider: Provider;
  /** 'default' | 'custom' Entra prefix; whether the other provider has a section at all. */
  entraPrefix: 'default' | 'custom';
  otherConfigured: boolean;
  poolA: Record<Kind, { recorded: boolean[]; gone: boolean[]; order: number[]; fresh: number }>;
  slots: Record<Kind, { scenario: Scenario; recorded: boolean; upper: boolean; attr: number }[]>;
  /** Source memberships (group index, user index) and store memberships. */
  sourcePairs: [number, number][];
  storePairs: [number, number][];
}

export interface World {
  spec: WorldSpec;
  rules: OwnershipRules;
  source: SourceSnapshot;
  target: TargetSnapshot;
  /** Store ids of everything P did not make (other provider, hand-made, unmarked groups). */
  notP: Set<string>;
  /** P's store entities that must stay exactly as they are (and their memberships). */
  frozen: Set<string>;
  /** Source ids (`user:` / `group:` + id) that are conflicts: nothing is written for them. */
  conflicted: Set<string>;
  /** For P=github: unmarked groups a clean source group of the same name adopts. */
  adoptable: Set<string>;
  /** The source id each of P's store entities records (absent: none, as the replaced jobs left it). */
  recordedOf: Map<string, string>;
}

const BASES: Record<Kind, string[]> = {
  user: ['ann', 'bob', 'cy', 'dee', 'eve', 'fay', 'gus'],
  group: ['ops', 'dev', 'sec', 'data', 'web', 'api', 'qa'],
};
const CUSTOM_PREFIX = 'SSO-';

const caseOf = (s: string, upper: boolean) => (upper ? s.toUpperCase() : s);
const mixed = (s: string, n: number) => (n % 3 === 0 ? s : n % 3 === 1 ? s.toUpperCase() : s.toLowerCase());

export function configOf(spec: Pick<WorldSpec, 'provider' | 'entraPrefix' | 'otherConfigured'>): ConfigInput {
  const github = { organisation: 'acme', secretName: 'gh', userNameSuffix: '@example.com' };
  const entra =
    spec.entraPrefix === 'default'
      ? { secretName: 'en' }
      : { secretName: 'en', groupPrefix: CUSTOM_PREFIX, holdingGroup: `${CUSTOM_PREFIX}all` };
  const providers =
    spec.provider === 'github'
      ? { github, ...(spec.otherConfigured ? { entra } : {}) }
      : { entra, ...(spec.otherConfigured ? { github } : {}) };
  return { identityStoreId: 'd-1234567890', region: 'eu-west-2', providers };
}

const poolArb = (k: Kind) =>
  fc.record({
    recorded: fc.array(fc.boolean(), { maxLength: 5 }),
    gone: fc.array(fc.boolean(), { maxLength: 5 }),
    order: fc.shuffledSubarray(BASES[k].map((_, i) => i)),
    fresh: fc.nat(3),
  });
const slotArb = fc.record({
  scenario: fc.constantFrom(...SCENARIOS),
  recorded: fc.boolean(),
  upper: fc.boolean(),
  attr: fc.nat(5),
});

export const worldSpecArb: fc.Arbitrary<WorldSpec> = fc.record({
  provider: fc.constantFrom<Provider>('github', 'entra'),
  entraPrefix: fc.constantFrom<'default' | 'custom'>('default', 'custom'),
  otherConfigured: fc.boolean(),
  poolA: fc.record({ user: poolArb('user'), group: poolArb('group') }),
  slots: fc.record({
    user: fc.array(slotArb, { maxLength: 6 }),
    group: fc.array(slotArb, { maxLength: 6 }),
  }),
  sourcePairs: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 30 }),
  storePairs: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 30 }),
});

export const worldArb = worldSpecArb.map(buildWorld);

/** Builds the world a spec describes (deterministic). */
export function buildWorld(spec: WorldSpec): World {
  const config = parseConfig(configOf(spec));
  const rules = ownershipRules(spec.provider, config);
  const P = spec.provider;
  const entraPrefix = config.providers.entra?.groupPrefix ?? 'azure-aws-sso-';
  let seq = 0;
  const storeId = (k: Kind) => `${k === 'user' ? 'u' : 'g'}${++seq}`;
  const w = {
    users: [] as TargetUser[],
    groups: [] as TargetGroup[],
    sUsers: [] as SourceUser[],
    sGroups: [] as SourceGroup[],
    notP: new Set<string>(),
    frozen: new Set<string>(),
    conflicted: new Set<string>(),
    adoptable: new Set<string>(),
    recordedOf: new Map<string, string>(),
  };

  // --- names and attributes, as P writes them and as the store may hold them ---
  const pName = (k: Kind, base: string) =>
    k === 'user' ? `${base}@example.com` : P === 'entra' ? `${entraPrefix}${base}` : base;
  const sourceUser = (id: string, userName: string, v: number): SourceUser => ({
    id,
    userName,
    displayName: `${userName.split('@')[0]} D${v}`,
    name: { givenName: `G${v}`, familyName: `F${v}` },
    email: { value: userName, type: P === 'github' ? 'work' : 'EntraId', primary: true },
  });
  /** P's store copy of a source user, in the case and shape the store may have it. */
  const storedUser = (
    u: SourceUser,
    id: string,
    upper: boolean,
    recorded: boolean,
    n: number,
  ): TargetUser => {
    const userName = caseOf(u.userName, upper);
    // Claims in random case; a GitHub user may have lost its emails (the suffix still claims it).
    const emails =
      P === 'github' && n % 4 === 3
        ? undefined
        : [{ value: u.email.value, type: P === 'entra' ? mixed('EntraId', n) : 'work', primary: true }];
    return {
      userId: id,
      userName: P === 'github' && n % 5 === 4 ? userName.replace('@example.com', '@EXAMPLE.COM') : userName,
      displayName: u.displayName,
      name: { ...u.name },
      ...(emails ? { emails } : {}),
      ...(recorded ? { profileUrl: userRecord(rules, u.id) } : {}),
    };
  };
  const storedGroup = (
    g: SourceGroup,
    id: string,
    upper: boolean,
    recorded: boolean,
    n: number,
  ): TargetGroup => {
    let displayName = caseOf(g.displayName, upper);
    if (P === 'entra' && n % 3 === 1)
      displayName = entraPrefix.toUpperCase() + displayName.slice(entraPrefix.length);
    const marker =
      P === 'github'
        ? 'Managed by scim-sync from GitHub organisation acme'
        : 'Managed by scim-sync from Entra ID';
    // The marker (never the id) in random case: claims and markers ignore case.
    const description = (recorded ? groupRecord(rules, g.id) : P === 'github' ? marker : undefined)?.replace(
      marker,
      mixed(marker, n),
    );
    return { groupId: id, displayName, ...(description ? { description } : {}) };
  };
  const addP = (k: Kind, s: SourceUser | SourceGroup, upper: boolean, recorded: boolean, n: number) => {
    const id = storeId(k);
    if (k === 'user') w.users.push(storedUser(s as SourceUser, id, upper, recorded, n));
    else w.groups.push(storedGroup(s as SourceGroup, id, upper, recorded, n));
    if (recorded) w.recordedOf.set(id, s.id);
    return id;
  };
  const addSource = (k: Kind, id: string, name: string, v: number) => {
    if (k === 'user') w.sUsers.push(sourceUser(id, name, v));
    else w.sGroups.push({ id, displayName: name, members: [] });
  };
  const sourceOf = (k: Kind, id: string, name: string, v: number): SourceUser | SourceGroup =>
    k === 'user' ? sourceUser(id, name, v) : { id, displayName: name, members: [] };
  /** Another owner's entity: the other provider's (claims in random case) or hand-made. */
  const addOther = (k: Kind, name: string, n: number) => {
    const id = storeId(k);
    w.notP.add(id);
    if (k === 'user') {
      // P=github: only Entra's users can hold a name with GitHub's suffix. P=entra: GitHub's (when
      // it has a section) or hand-made ones (no emails at all).
      const entraUser = P === 'github';
      const githubUser = P === 'entra' && spec.otherConfigured && n % 2 === 0;
      w.users.push({
        userId: id,
        userName: name,
        displayName: 'someone else',
        name: { givenName: 'Some', familyName: 'One' },
        ...(entraUser
          ? { emails: [{ value: name, type: mixed('EntraId', n), primary: true }] }
          : githubUser
            ? { emails: [{ value: name, type: 'work', primary: true }] }
            : {}),
      });
    } else {
      // A group of the other provider, or hand-made with a description of its own.
      const desc =
        n % 2 === 0
          ? 'made by hand'
          : P === 'entra'
            ? 'Managed by scim-sync from GitHub organisation acme'
            : 'x';
      w.groups.push({ groupId: id, displayName: name, description: desc });
    }
    return id;
  };

  // --- pool A: come, go, rename among each other; all converge ---
  for (const k of ['user', 'group'] as const) {
    const a = spec.poolA[k];
    const bases = BASES[k];
    const n = Math.min(a.recorded.length, bases.length);
    const kept: { id: string; store: string }[] = [];
    for (let i = 0; i < n; i++) {
      const s = sourceOf(k, `${k}-a${i}`, pName(k, bases[i]!), i);
      const store = addP(k, s, i % 2 === 1, a.recorded[i]!, i);
      if (!a.gone[i]) kept.push({ id: s.id, store });
    }
    // Kept entities then new ones take names in `order` (a permutation: swaps, chains, names of the gone).
    const names = a.order.map((i) => pName(k, bases[i]!));
    const current = [...kept.map((e) => e.id), ...Array.from({ length: a.fresh }, (_, j) => `${k}-new${j}`)];
    current.forEach((id, j) => {
      const name = names[j] ?? pName(k, `${bases[j % bases.length]}${j}x`);
      addSource(k, id, name, j + (k === 'user' ? 100 : 0));
    });
  }

  // --- slots: one case each, in names no one else uses ---
  for (const k of ['user', 'group'] as const) {
    spec.slots[k].forEach((slot, i) => {
      const base = `${k === 'user' ? 'zu' : 'zg'}${i}`;
      const name = pName(k, base);
      const sid = `${k}-s${i}`;
      const key = `${k}:${sid}`;
      const v = 200 + i;
      const prev = () => addP(k, sourceOf(k, sid, name, v), slot.upper, slot.recorded, i);
      // Renamed away from its name: frozen when its id is recorded; without one, nothing says the
      // renamed source entity is it, so it is a vanished entity (deleted), like any other.
      const prevRenamed = () => {
        const id = prev();
        if (slot.recorded) w.frozen.add(id);
      };
      switch (slot.scenario) {
        case 'static':
          prev();
          addSource(k, sid, name, v);
          break;
        case 'attr': {
          prev();
          addSource(k, sid, name, v);
          if (k === 'user') {
            const u = w.sUsers.at(-1)!;
            const which = slot.attr % 4;
            if (which === 0) u.displayName = `${u.displayName} changed`;
            else if (which === 1) u.name.givenName = `${u.name.givenName}x`;
            else if (which === 2) u.name.familyName = `${u.name.familyName}x`;
            else u.email.primary = false;
          }
          break;
        }
        case 'gone':
          prev();
          break;
        case 'collideCreate':
          if (k === 'group' && P === 'entra') break; // no other owner can hold an Entra-prefixed name
          addOther(k, caseOf(name, !slot.upper), i);
          addSource(k, sid, name, v);
          w.conflicted.add(key);
          break;
        case 'collideRename': {
          if (k === 'group' && P === 'entra') break;
          prevRenamed();
          const taken = pName(k, `${base}t`);
          addOther(k, taken, i);
          addSource(k, sid, taken, v);
          w.conflicted.add(key);
          break;
        }
        case 'duplicate': {
          w.frozen.add(prev());
          addSource(k, sid, name, v);
          addSource(
            k,
            `${sid}-twin`,
            caseOf(name, true) === name ? name.toLowerCase() : caseOf(name, true),
            v,
          );
          w.conflicted.add(key).add(`${k}:${sid}-twin`);
          break;
        }
        case 'invalid': {
          prevRenamed();
          const long = k === 'user' ? pName(k, `${base}${'x'.repeat(130)}`) : `${name}\u0000`;
          addSource(k, sid, long, v);
          w.conflicted.add(key);
          break;
        }
        case 'ambiguous': {
          const a = addP(k, sourceOf(k, sid, name, v), slot.upper, true, i);
          const b = addP(k, sourceOf(k, sid, pName(k, `${base}b`), v), false, true, i);
          w.frozen.add(a).add(b);
          addSource(k, sid, name, v);
          w.conflicted.add(key);
          break;
        }
        case 'claimed':
          if (k !== 'group' || P !== 'github') break;
          prevRenamed();
          addSource(k, sid, `${mixed(entraPrefix, i)}${base}`, v);
          w.conflicted.add(key);
          break;
        case 'unmarked': {
          if (k !== 'group') break;
          const id = storeId(k);
          // (For Entra an unmarked group outside its prefix: nobody's, left alone.)
          w.groups.push({ groupId: id, displayName: caseOf(P === 'github' ? name : base, slot.upper) });
          w.notP.add(id);
          // A GitHub team of that name adopts it; Entra never does (and cannot: its names have the prefix).
          if (P === 'github' && slot.recorded) {
            w.adoptable.add(id);
            addSource(k, sid, name, v);
          }
          break;
        }
        case 'legacy': {
          if (k !== 'group') break;
          // Made by an older GitHub sync in Entra's namespace: Entra's claim wins.
          const id = storeId(k);
          const legacyName = `${mixed(entraPrefix, i)}${base}`;
          w.groups.push({
            groupId: id,
            displayName: legacyName,
            description: 'Managed by scim-sync from GitHub organisation acme',
          });
          if (P === 'github') w.notP.add(id);
          else if (slot.recorded) addSource(k, sid, `${entraPrefix}${base}`, v); // Entra has that group: matched by name
          break;
        }
        case 'other':
          addOther(k, k === 'user' ? `${base}@other.example` : `${base}-other`, i);
          break;
      }
    });
  }

  // --- memberships ---
  const groupsById = w.sGroups;
  if (w.sUsers.length && groupsById.length) {
    for (const [g, u] of spec.sourcePairs) {
      const sg = groupsById[g % groupsById.length]!;
      const su = w.sUsers[u % w.sUsers.length]!;
      if (!sg.members.includes(su.id)) sg.members.push(su.id);
    }
  }
  const memberships: TargetMembership[] = [];
  if (w.users.length && w.groups.length) {
    const seen = new Set<string>();
    for (const [g, u] of spec.storePairs) {
      const tg = w.groups[g % w.groups.length]!;
      const tu = w.users[u % w.users.length]!;
      const k = `${tg.groupId}/${tu.userId}`;
      if (seen.has(k)) continue;
      seen.add(k);
      memberships.push({ membershipId: `m-${k}`, groupId: tg.groupId, userId: tu.userId });
    }
  }
  return {
    spec,
    rules,
    source: {
      provider: P,
      fetchedAt: new Date(0).toISOString(),
      users: w.sUsers,
      groups: w.sGroups,
      warnings: [],
    },
    target: {
      identityStoreId: 'd-1234567890',
      fetchedAt: new Date(0).toISOString(),
      users: w.users,
      groups: w.groups,
      memberships,
      membershipsReadFor: w.groups.map((g) => g.groupId),
    },
    notP: w.notP,
    frozen: w.frozen,
    conflicted: w.conflicted,
    adoptable: w.adoptable,
    recordedOf: w.recordedOf,
  };
}
