/**
 * Identity: which source entity is which Identity Store entity, and which names the store can hold.
 *
 * Matching (for users and for groups alike), for the source entities the store can hold:
 * 1. by the source's stable id, recorded on the provider's own entities (ownership.ts);
 * 2. then by name (ignoring case and Unicode form), for entities that have no id recorded yet (left
 *    by the replaced jobs, or written before ids were recorded): the plan records the id once.
 * An owned entity that records another id is another person or team (a deleted account whose name
 * was given to someone new), never matched by name: it is deleted and the source entity created.
 * Anything that matches several entities is ambiguous: a conflict, and every candidate is left
 * exactly as it is ("frozen": not renamed, not updated, no membership change, never deleted).
 */
import {
  type Conflict,
  nameKey,
  type Provider,
  normalizeName,
  type SourceGroup,
  type SourceSnapshot,
  type SourceUser,
} from './model';
import { groupClaimant, groupRecord, type OwnershipRules, PROVIDER_NAMES, userClaimant } from './ownership';

/** Identity Store limits (the API model): UserName 1-128 of letters, marks, symbols, numbers, punctuation. */
const USER_NAME = /^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$/u;
const GROUP_NAME = /^[\p{L}\p{M}\p{S}\p{N}\p{P}\t\n\r \u00a0]+$/u;
const TEXT = /^[\p{L}\p{M}\p{S}\p{N}\p{P}\t\n\r \u00a0\u3000]+$/u;
export const MAX_USER_NAME = 128;
export const MAX_TEXT = 1024;
/** Names IAM Identity Center reserves for users and groups. */
export const RESERVED_NAMES = ['administrator', 'awsadministrators'];

function check(what: string, value: string, pattern: RegExp, max: number): string | undefined {
  if (value.length === 0) return `${what} is empty`;
  if (value.length > max)
    return `${what} is ${value.length} characters long (the Identity Store holds at most ${max})`;
  if (!pattern.test(value)) {
    // Stryker disable next-line StringLiteral: the patterns are character classes: a value that fails has a character that fails
    const bad = [...value].find((ch) => !pattern.test(ch)) ?? '';
    const code = bad.codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0');
    return `${what} contains a character the Identity Store does not accept (U+${code})`;
  }
  return undefined;
}

/** Why the Identity Store cannot hold this UserName, or undefined. */
export function invalidUserName(userName: string): string | undefined {
  if (RESERVED_NAMES.includes(userName.toLowerCase()))
    return `UserName ${userName} is reserved by IAM Identity Center`;
  return check('the UserName', userName, USER_NAME, MAX_USER_NAME);
}

/** Why the Identity Store cannot hold this group DisplayName, or undefined. */
export function invalidGroupName(displayName: string): string | undefined {
  if (RESERVED_NAMES.includes(displayName.toLowerCase()))
    return `group name ${displayName} is reserved by IAM Identity Center`;
  return check('the group name', displayName, GROUP_NAME, MAX_TEXT);
}

/** Why the Identity Store cannot hold this text attribute (DisplayName, names, email), or undefined. */
export function invalidText(what: string, value: string): string | undefined {
  return check(what, value, TEXT, MAX_TEXT);
}

/** A source entity as the matcher sees it (name already normalized). */
export interface SourceEntity {
  id: string;
  name: string;
}
/** A store entity as the matcher sees it. */
export interface StoreEntity {
  id: string;
  name: string;
  /** owned: the provider's; adoptable: unmarked, may become the provider's when a source entity has its name. */
  owner: 'owned' | 'adoptable' | 'foreign' | 'unowned';
  /** The source id recorded on it (owned entities only). */
  recordedId?: string;
}

export type MatchConflict =
  | { reason: 'ambiguous'; candidates: StoreEntity[] }
  | { reason: 'foreign' | 'unowned'; holder: StoreEntity };

export interface Matching {
  /** Source id → the store entity it is. */
  matched: Map<string, StoreEntity>;
  /** Source id → why it is left alone. */
  conflicts: Map<string, MatchConflict>;
  /** Store ids that nothing may change this run. */
  frozen: Set<string>;
}

/** Groups entities under a key. */
export function indexBy<T>(items: Iterable<T>, key: (t: T) => string | undefined): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) {
    const k = key(t);
    if (k === undefined) continue;
    const list = out.get(k);
    if (list) list.push(t);
    else out.set(k, [t]);
  }
  return out;
}

/**
 * Matches source entities (valid names only) to store entities: by recorded id, then by name.
 * `blocked` are source ids that are conflicts already (invalid or duplicate names): they match
 * nothing, and every store entity that could be theirs (by recorded id or by name) is frozen.
 */
export function matchEntities(
  source: readonly SourceEntity[],
  store: readonly StoreEntity[],
  blocked: ReadonlyMap<string, string | undefined> = new Map(),
): Matching {
  const matched = new Map<string, StoreEntity>();
  const conflicts = new Map<string, MatchConflict>();
  const frozen = new Set<string>();
  const taken = new Set<string>();
  const byRecorded = indexBy(
    store.filter((e) => e.owner === 'owned'),
    (e) => e.recordedId,
  );
  const byKey = indexBy(store, (e) => nameKey(e.name));

  // Every store entity a blocked source entity might be stays as it is.
  for (const [id, name] of blocked) {
    for (const e of byRecorded.get(id) ?? []) frozen.add(e.id);
    if (name !== undefined)
      for (const e of byKey.get(nameKey(name)) ?? [])
        if (e.owner === 'owned' && !e.recordedId) frozen.add(e.id);
  }

  // 1. By recorded id.
  for (const s of source) {
    const cands = byRecorded.get(s.id) ?? [];
    if (cands.length === 1) {
      matched.set(s.id, cands[0]!);
      taken.add(cands[0]!.id);
      continue;
    }
    // Stryker disable next-line EqualityOperator: one candidate is the branch above
    if (cands.length > 1) {
      conflicts.set(s.id, { reason: 'ambiguous', candidates: cands });
      for (const c of cands) frozen.add(c.id);
    }
  }
  // 2. By name, against entities no source entity took by id.
  for (const s of source) {
    if (matched.has(s.id) || conflicts.has(s.id)) continue;
    const holders = (byKey.get(nameKey(s.name)) ?? []).filter((e) => !taken.has(e.id));
    if (holders.length > 1) {
      conflicts.set(s.id, { reason: 'ambiguous', candidates: holders });
      for (const h of holders) if (h.owner === 'owned') frozen.add(h.id);
      continue;
    }
    const h = holders[0];
    // Free, or held by another of the provider's entities (which this plan moves or deletes): a create.
    if (!h || (h.owner === 'owned' && h.recordedId !== undefined)) continue;
    if (h.owner === 'owned' || h.owner === 'adoptable') {
      if (frozen.has(h.id)) {
        conflicts.set(s.id, { reason: 'ambiguous', candidates: [h] });
        continue;
      }
      matched.set(s.id, h);
      taken.add(h.id);
    } else {
      conflicts.set(s.id, { reason: h.owner, holder: h });
    }
  }
  return { matched, conflicts, frozen };
}

/** A name a source entity needs: its create, or the rename of the store entity it matched. */
export interface NameClaim {
  sourceId: string;
  /** The store entity being renamed; absent for a create. */
  entity?: StoreEntity;
  want: string;
}

export interface Naming {
  /** Source id → the store entity whose name it cannot have (left alone, or not the provider's). */
  blocked: Map<string, StoreEntity>;
  /**
   * Store id → how it makes way for another entity in the renames phase: straight to its own new
   * name ('final', when no one holds that), else to a temporary name ('temporary'), from which it is
   * renamed in the creates phase (or deleted at the end).
   */
  vacate: Map<string, 'final' | 'temporary'>;
}

/**
 * Decides how the names the plan needs are freed. A name held by an entity this plan renames or
 * deletes is freed by moving that entity first (swaps and chains included: two steps at most,
 * whatever the order the operations of a phase run in). A name held by anything else blocks the
 * claim; the claimant is then frozen (`frozen` is updated), which can block claims on its own name
 * in turn, until nothing changes.
 */
export function assignNames(
  claims: readonly NameClaim[],
  store: readonly StoreEntity[],
  frozen: Set<string>,
  /** Store ids this plan deletes (unless frozen). */
  deleting: ReadonlySet<string>,
): Naming {
  const byKey = indexBy(store, (e) => nameKey(e.name));
  const renaming = new Map<string, NameClaim>();
  for (const c of claims) if (c.entity) renaming.set(c.entity.id, c);
  const blocked = new Map<string, StoreEntity>();
  const movable = (e: StoreEntity) => !frozen.has(e.id) && (renaming.has(e.id) || deleting.has(e.id));
  const holdersOf = (c: NameClaim) => (byKey.get(nameKey(c.want)) ?? []).filter((e) => e.id !== c.entity?.id);
  for (let changed = true; changed; ) {
    changed = false;
    for (const c of claims) {
      if (blocked.has(c.sourceId)) continue;
      const stop = holdersOf(c).find((h) => !movable(h));
      if (!stop && holdersOf(c).length <= 1) continue;
      blocked.set(c.sourceId, stop ?? (holdersOf(c)[0] as StoreEntity));
      if (c.entity) {
        frozen.add(c.entity.id);
        renaming.delete(c.entity.id);
      }
      changed = true;
    }
  }
  const vacate = new Map<string, 'final' | 'temporary'>();
  for (const c of claims) {
    if (blocked.has(c.sourceId)) continue;
    for (const h of holdersOf(c)) {
      const own = renaming.get(h.id);
      vacate.set(h.id, own && !byKey.has(nameKey(own.want)) ? 'final' : 'temporary');
    }
  }
  return { blocked, vacate };
}

export interface Screened {
  /** The source users the plan may write (names normalized). */
  users: SourceUser[];
  groups: SourceGroup[];
  /** Source id → (normalized) name of the entities that are conflicts: they match nothing. */
  blockedUsers: Map<string, string>;
  blockedGroups: Map<string, string>;
  conflicts: Conflict[];
}

function invalidUser(u: SourceUser): string | undefined {
  return (
    invalidUserName(u.userName) ??
    invalidText('the DisplayName', u.displayName) ??
    invalidText('the given name', u.name.givenName) ??
    invalidText('the family name', u.name.familyName) ??
    (u.name.formatted === undefined ? undefined : invalidText('the formatted name', u.name.formatted)) ??
    invalidText('the email', u.email.value) ??
    invalidText('the email type', u.email.type)
  );
}

/** One kind's source entities, sorted into those the plan may write and the conflicts. */
function screenKind<T extends { id: string }>(
  kind: 'user' | 'group',
  items: T[],
  nameOf: (t: T) => string,
  check: (t: T) => { invalid?: string; claimed?: string },
  provider: string,
  conflicts: Conflict[],
): { kept: T[]; blocked: Map<string, string> } {
  const dupes = indexBy(items, (t) => nameKey(nameOf(t)));
  const kept: T[] = [];
  const blocked = new Map<string, string>();
  for (const t of items) {
    const name = nameOf(t);
    const same = dupes.get(nameKey(name)) ?? [];
    // Stryker disable next-line ConditionalExpression: check is pure and a duplicate name wins over what it says
    const { invalid, claimed } = same.length > 1 ? {} : check(t);
    const [reason, message]: [Conflict['reason'], string] | [] =
      same.length > 1
        ? [
            'duplicate-name',
            `${same.length} ${provider} ${kind}s are named ${name} ignoring case and Unicode form (ids ${same
              .map((x) => x.id)
              .sort()
              .join(
                ', ',
              )}), which the Identity Store would make one; none is synced until all but one are renamed${kind === 'group' ? " (merging them would let whoever controls one grant the other's access)" : ''}`,
          ]
        : invalid
          ? ['invalid-name', `${invalid}; not synced, and the ${kind} is left as it is in the Identity Store`]
          : claimed
            ? ['claimed', claimed]
            : [];
    if (!reason) {
      kept.push(t);
      continue;
    }
    blocked.set(t.id, name);
    conflicts.push({ kind, name, sourceId: t.id, reason, message: message! });
  }
  return { kept, blocked };
}

/**
 * Sorts the source into what the plan may write and what is a conflict: names two source entities
 * share (ignoring case and Unicode form: the store would make them one), names the Identity Store
 * cannot hold, and entities that, once written, would fall under another provider's claim (a
 * GitHub team named with Entra's prefix is never created, whether or not the store holds it).
 * Names are normalized (NFC, no surrounding whitespace) before anything is compared or written.
 */
export function screenSource(source: SourceSnapshot, rules: OwnershipRules): Screened {
  const conflicts: Conflict[] = [];
  const provider = PROVIDER_NAMES[rules.provider];
  const who = (p: Provider | undefined) => (p ? PROVIDER_NAMES[p] : 'no provider');
  const users = screenKind(
    'user',
    source.users.map((u) => ({
      ...u,
      userName: normalizeName(u.userName),
      displayName: normalizeName(u.displayName),
      name: {
        givenName: normalizeName(u.name.givenName),
        familyName: normalizeName(u.name.familyName),
        ...(u.name.formatted === undefined ? {} : { formatted: normalizeName(u.name.formatted) }),
      },
      email: { ...u.email, value: normalizeName(u.email.value) },
    })),
    (u) => u.userName,
    (u) => {
      const claimant = userClaimant(rules, {
        // Stryker disable next-line StringLiteral: claims do not look at the user id
        userId: '-',
        userName: u.userName,
        emails: [{ type: u.email.type }],
      });
      return {
        invalid: invalidUser(u),
        ...(claimant !== rules.provider
          ? {
              claimed: `user ${u.userName} would not be ${provider}'s once written (it falls under ${who(claimant)}'s claim); not synced`,
            }
          : {}),
      };
    },
    provider,
    conflicts,
  );
  const groups = screenKind(
    'group',
    source.groups.map((g) => ({ ...g, displayName: normalizeName(g.displayName) })),
    (g) => g.displayName,
    (g) => {
      const claimant = groupClaimant(rules, {
        displayName: g.displayName,
        description: groupRecord(rules, g.id),
      });
      return {
        invalid: invalidGroupName(g.displayName),
        ...(claimant !== rules.provider
          ? {
              claimed: `group ${g.displayName} is in ${who(claimant)}'s namespace${claimant === 'entra' ? ' (its group prefix)' : ''}: ${provider} never creates or manages it; rename the ${rules.provider === 'github' ? 'team' : 'group'} or leave it out of the sync`,
            }
          : {}),
      };
    },
    provider,
    conflicts,
  );
  return {
    users: users.kept,
    groups: groups.kept,
    blockedUsers: users.blocked,
    blockedGroups: groups.blocked,
    conflicts,
  };
}
