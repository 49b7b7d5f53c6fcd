/**
 * Builders for planner tests: GitHub-shaped source snapshots and Identity Store snapshots under
 * TEST_CONFIG. A source entity's id defaults to its login or team name; a store entity of the
 * provider records that id unless told otherwise (`record: null` is an entity left by the replaced
 * jobs, with no id recorded).
 */
import {
  type SourceSnapshot,
  SourceSnapshotSchema,
  type TargetGroup,
  type TargetSnapshot,
  type TargetUser,
} from '../../lambdas/core/model';
import { userRecord } from '../../lambdas/core/ownership';
import { marker, RULES } from './rules';

export const rules = RULES.github;

export function ghUser(login: string, display = login, id = login) {
  const userName = `${login}@example.com`;
  return {
    id,
    userName,
    displayName: display,
    name: { givenName: display, familyName: display },
    email: { value: userName, type: 'work', primary: true },
  };
}

/** Groups name their members by user id (the login, unless a user was given another id). */
export function source(
  users: ReturnType<typeof ghUser>[],
  groups: { id?: string; displayName: string; members: string[] }[],
): SourceSnapshot {
  return SourceSnapshotSchema.parse({
    provider: 'github',
    fetchedAt: '2026-11-28T00:00:00Z',
    users,
    groups: groups.map((g) => ({
      id: g.id ?? g.displayName,
      displayName: g.displayName,
      members: g.members,
    })),
  });
}

export function tUser(
  id: string,
  userName: string,
  opts: { type?: string; display?: string; record?: string | null } = {},
): TargetUser {
  const type = opts.type ?? 'work';
  const display = opts.display ?? userName.split('@')[0]!;
  const record = opts.record === undefined ? userName.split('@')[0]! : opts.record;
  return {
    userId: id,
    userName,
    displayName: display,
    name: { givenName: display, familyName: display },
    emails: [{ value: userName, type, primary: true }],
    ...(record !== null && type === 'work' ? { profileUrl: userRecord(rules, record) } : {}),
  };
}

/** A GitHub group recording team `team` (default: its name); `description` overrides (null: none). */
export function tGroup(
  id: string,
  displayName: string,
  description?: string | null,
  team = displayName,
): TargetGroup {
  const d = description === undefined ? marker(team) : description;
  return { groupId: id, displayName, ...(d === null ? {} : { description: d }) };
}

export function target(p: Partial<TargetSnapshot>): TargetSnapshot {
  return {
    identityStoreId: 'd-1234567890',
    fetchedAt: '2026-11-28T00:00:00Z',
    users: [],
    groups: [],
    memberships: [],
    membershipsReadFor: (p.groups ?? []).map((g) => g.groupId),
    ...p,
  };
}

/** An operation as [op, what]: the shape most assertions compare. */
export function brief(o: { op: string } & Record<string, unknown>): [string, string] {
  if (o.op === 'addMember' || o.op === 'removeMember') return [o.op, `${o.group}/${o.user}`];
  const name = (o.userName ?? o.displayName) as string;
  if (o.op === 'renameUser' || o.op === 'renameGroup') return [o.op, `${name}->${o.to}`];
  const set = o.set as Record<string, unknown> | undefined;
  const to = (
    o.op === 'updateUser' ? set?.userName : o.op === 'updateGroup' ? set?.displayName : undefined
  ) as string | undefined;
  return [o.op, to ? `${name}->${to}` : name];
}
