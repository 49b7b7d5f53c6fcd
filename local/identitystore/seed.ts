/**
 * Seed files and state dumps share one JSON format:
 * `{ users: User[], groups: Group[], memberships: { group: DisplayName, user: UserName }[] }`.
 * A dump carries ids, omits timestamps and is sorted, so two dumps compare with toEqual.
 */
import { groupRuleErrors, pickAttributes, userRuleErrors } from './attributes';
import { cloneJson } from './entities';
import { validateValue } from './model';
import { Store } from './store';

export interface SeedName {
  Formatted?: string;
  FamilyName?: string;
  GivenName?: string;
  MiddleName?: string;
  HonorificPrefix?: string;
  HonorificSuffix?: string;
}

export interface SeedUser {
  UserId?: string;
  UserName: string;
  DisplayName: string;
  Name: SeedName;
  Emails?: { Value?: string; Type?: string; Primary?: boolean }[];
  ExternalIds?: { Issuer: string; Id: string }[];
  /** Any other member of the Identity Store User shape (NickName, Title, Addresses, ...). */
  [member: string]: unknown;
}

export interface SeedGroup {
  GroupId?: string;
  DisplayName: string;
  Description?: string;
  ExternalIds?: { Issuer: string; Id: string }[];
  [member: string]: unknown;
}

export interface SeedMembership {
  /** The group's DisplayName (matched ignoring case). */
  group: string;
  /** The user's UserName (matched ignoring case). */
  user: string;
}

export interface SeedFile {
  users?: SeedUser[];
  groups?: SeedGroup[];
  memberships?: SeedMembership[];
}

const NOT_ATTRIBUTES = ['IdentityStoreId', 'CreatedAt', 'CreatedBy', 'UpdatedAt', 'UpdatedBy'];

export class SeedError extends Error {
  override name = 'SeedError';
}

/** A new store holding the seed; throws SeedError listing what is wrong with it. */
export function storeFromSeed(seed: SeedFile, identityStoreId: string, random?: () => number): Store {
  const store = new Store(identityStoreId, random);
  const errors: string[] = [];
  if (typeof seed !== 'object' || seed === null) throw new SeedError('seed must be a JSON object');
  for (const key of ['users', 'groups', 'memberships'] as const) {
    if (seed[key] !== undefined && !Array.isArray(seed[key])) errors.push(`${key} must be a list`);
  }
  if (errors.length > 0) throw new SeedError(`invalid seed: ${errors.join('; ')}`);

  (seed.users ?? []).forEach((user, i) => {
    const path = `users[${i}]`;
    const attrs = pickAttributes('User', user, [...NOT_ATTRIBUTES, 'UserId']);
    const id = user.UserId ?? store.newId();
    const before = errors.length;
    validateValue('User', { ...attrs, IdentityStoreId: store.identityStoreId, UserId: id }, path, errors);
    errors.push(...userRuleErrors(attrs, `${path}.`));
    if (errors.length > before) return;
    try {
      store.createUser(attrs, id);
    } catch (e) {
      errors.push(`${path}: ${(e as Error).message}`);
    }
  });

  (seed.groups ?? []).forEach((group, i) => {
    const path = `groups[${i}]`;
    const attrs = pickAttributes('Group', group, [...NOT_ATTRIBUTES, 'GroupId']);
    const id = group.GroupId ?? store.newId();
    const before = errors.length;
    validateValue('Group', { ...attrs, IdentityStoreId: store.identityStoreId, GroupId: id }, path, errors);
    errors.push(...groupRuleErrors(attrs, `${path}.`));
    if (errors.length > before) return;
    try {
      store.createGroup(attrs, id);
    } catch (e) {
      errors.push(`${path}: ${(e as Error).message}`);
    }
  });

  (seed.memberships ?? []).forEach((m, i) => {
    const path = `memberships[${i}]`;
    const group = typeof m?.group === 'string' ? store.groupByName(m.group) : undefined;
    const user = typeof m?.user === 'string' ? store.userByName(m.user) : undefined;
    if (!group) errors.push(`${path}: unknown group ${JSON.stringify(m?.group)}`);
    if (!user) errors.push(`${path}: unknown user ${JSON.stringify(m?.user)}`);
    if (!group || !user) return;
    if (store.membershipOf(group.id, user.id)) {
      errors.push(`${path}: duplicate membership ${m.group} / ${m.user}`);
      return;
    }
    store.createMembership(group.id, user.id);
  });

  if (errors.length > 0) {
    const shown = errors.slice(0, 20).join('; ');
    throw new SeedError(
      `invalid seed (${errors.length} problems): ${shown}${errors.length > 20 ? '; ...' : ''}`,
    );
  }
  return store;
}

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const lc = (v: unknown) => String(v ?? '').toLowerCase();

/** Sorts by precomputed keys (lower-cased names), so large dumps stay fast. */
function sortedBy<T>(items: T[], keys: (x: T) => [string, string?]): T[] {
  return items
    .map((item) => ({ item, k: keys(item) }))
    .sort((a, b) => byKey(a.k[0], b.k[0]) || byKey(a.k[1] ?? '', b.k[1] ?? ''))
    .map((x) => x.item);
}

/** The store's content in the seed format, sorted, without timestamps. */
export function dumpStore(store: Store): Required<SeedFile> {
  const users = sortedBy(
    [...store.users.values()].map((u) => ({ UserId: u.id, ...cloneJson(u.attrs) }) as SeedUser),
    (u) => [lc(u.UserName)],
  );
  const groups = sortedBy(
    [...store.groups.values()].map((g) => ({ GroupId: g.id, ...cloneJson(g.attrs) }) as SeedGroup),
    (g) => [lc(g.DisplayName)],
  );
  const memberships: SeedMembership[] = [];
  for (const m of store.memberships.values()) {
    const g = store.groups.get(m.groupId);
    const u = store.users.get(m.userId);
    if (g && u) memberships.push({ group: String(g.attrs.DisplayName), user: String(u.attrs.UserName) });
  }
  return { users, groups, memberships: sortedBy(memberships, (m) => [lc(m.group), lc(m.user)]) };
}
