/**
 * The data side of the fake Microsoft Graph: a tenant built from an EntraFixture, and the OData
 * query rules the fake honours ($filter=startswith(...), $select, default properties, membership
 * expansion). HTTP, paging and faults live in server.ts.
 */
import type { EntraFixture, EntraFixtureGroup, EntraFixtureUser } from './fixture';

/** An OData/Graph error the server turns into `{ error: { code, message } }` with this status. */
export class GraphHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Obj = Record<string, unknown>;

const USER_PROPS = [
  'id',
  'userPrincipalName',
  'givenName',
  'surname',
  'displayName',
  'mail',
  'accountEnabled',
];
/** What Graph returns for a user without $select: note that accountEnabled is NOT among them. */
const USER_DEFAULT = ['id', 'userPrincipalName', 'givenName', 'surname', 'displayName', 'mail'];
const GROUP_PROPS = ['id', 'displayName', 'description'];
const GROUP_DEFAULT = GROUP_PROPS;

export type EntityKind = 'user' | 'group';

export class FakeTenant {
  readonly users = new Map<string, EntraFixtureUser>();
  readonly groups = new Map<string, EntraFixtureGroup>();

  constructor(fixture: EntraFixture) {
    for (const u of fixture.users) this.users.set(u.id, u);
    for (const g of fixture.groups) this.groups.set(g.id, g);
  }

  group(id: string): EntraFixtureGroup {
    const g = this.groups.get(id);
    if (!g) {
      throw new GraphHttpError(
        404,
        'Request_ResourceNotFound',
        `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
      );
    }
    return g;
  }

  /** Direct members (users and groups), in fixture order. */
  members(groupId: string): Array<{ kind: EntityKind; id: string }> {
    return this.group(groupId).members.map((id) => ({ kind: this.groups.has(id) ? 'group' : 'user', id }));
  }

  /** Members of the group and of its nested groups, each once, nested groups included (as Graph does). */
  transitiveMembers(groupId: string): Array<{ kind: EntityKind; id: string }> {
    const out: Array<{ kind: EntityKind; id: string }> = [];
    const seen = new Set<string>([groupId]);
    const queue = [groupId];
    for (let i = 0; i < queue.length; i++) {
      for (const m of this.members(queue[i] as string)) {
        if (seen.has(m.id)) continue;
        seen.add(m.id);
        out.push(m);
        if (m.kind === 'group') queue.push(m.id);
      }
    }
    return out;
  }

  owners(groupId: string): Array<{ kind: EntityKind; id: string }> {
    return (this.group(groupId).owners ?? []).map((id) => ({ kind: 'user' as const, id }));
  }

  /** Renders one object as Graph would, honouring $select (undefined: the type's default properties). */
  render(e: { kind: EntityKind; id: string }, select: string[] | undefined, typed: boolean): Obj {
    const src: Obj | undefined = e.kind === 'user' ? this.users.get(e.id) : this.groups.get(e.id);
    if (!src) throw new GraphHttpError(500, 'InternalServerError', `fixture lost ${e.id}`);
    const known = e.kind === 'user' ? USER_PROPS : GROUP_PROPS;
    const props = select ?? (e.kind === 'user' ? USER_DEFAULT : GROUP_DEFAULT);
    const out: Obj = typed ? { '@odata.type': `#microsoft.graph.${e.kind}` } : {};
    out.id = e.id;
    for (const p of props) {
      if (p === 'id' || !known.includes(p)) continue;
      out[p] = src[p] ?? (p === 'accountEnabled' ? true : null);
    }
    return out;
  }
}

/** Parses $select and checks every property exists on one of the types the collection may hold. */
export function parseSelect(raw: string | null, kinds: EntityKind[]): string[] | undefined {
  if (raw === null) return undefined;
  const props = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (props.length === 0) throw new GraphHttpError(400, 'BadRequest', 'Invalid $select: empty list.');
  for (const p of props) {
    const ok = kinds.some((k) => (k === 'user' ? USER_PROPS : GROUP_PROPS).includes(p));
    if (!ok) {
      const type = kinds.length === 1 ? `microsoft.graph.${kinds[0]}` : 'microsoft.graph.directoryObject';
      throw new GraphHttpError(
        400,
        'BadRequest',
        `Could not find a property named '${p}' on type '${type}'.`,
      );
    }
  }
  return props;
}

/** Supports exactly `startswith(displayName,'...')` (quotes doubled inside), case-insensitive as Graph is. */
export function parseFilter(raw: string | null): ((displayName: string) => boolean) | undefined {
  if (raw === null) return undefined;
  const m = /^\s*startswith\(\s*displayName\s*,\s*'((?:[^']|'')*)'\s*\)\s*$/i.exec(raw);
  if (!m) {
    throw new GraphHttpError(
      400,
      'Request_UnsupportedQuery',
      `Unsupported or invalid query filter clause: ${raw}`,
    );
  }
  const prefix = (m[1] ?? '').replace(/''/g, "'").toLowerCase();
  return (name) => name.toLowerCase().startsWith(prefix);
}
