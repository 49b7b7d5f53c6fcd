/** Engine benchmark: shapes, generated stores and sources, child processes (see bench/engine.ts). */
import { spawn } from 'node:child_process';
import { parseConfig } from '../lambdas/core/config';
import {
  nameKey,
  type SourceSnapshot,
  type SourceUser,
  type TargetGroup,
  type TargetMembership,
  type TargetSnapshot,
  type TargetUser,
} from '../lambdas/core/model';
import {
  ENTRA_EMAIL_TYPE,
  groupRecord,
  mayManageGroup,
  ownershipRules,
  userRecord,
} from '../lambdas/core/ownership';
import type { SeedFile } from '../local/identitystore';

import { join } from 'node:path';
import { prng } from '../local/identitystore/entities';

// ---------------------------------------------------------------------------------------------
// Shapes, rules and constants

export const SHAPES = {
  '1k': { users: 1_000, groups: 100, label: '1k users / 100 groups' },
  '10k': { users: 10_000, groups: 1_000, label: '10k users / 1k groups' },
  '100k': { users: 100_000, groups: 10_000, label: '100k users / 10k groups' },
} as const;
export type ShapeName = keyof typeof SHAPES;
export const SHAPE_NAMES = Object.keys(SHAPES) as ShapeName[];

export const ORG = 'example-org';
export const SUFFIX = '@example.com';
export const CONFIG = parseConfig({
  identityStoreId: 'd-1234567890',
  region: 'eu-west-2',
  providers: { github: { organisation: ORG, secretName: 'bench', userNameSuffix: SUFFIX } },
});
export const RULES = ownershipRules('github', CONFIG);

/** The service's shared limit, emulated. */
export const SERVICE_RPS = 20;
export const LATENCY_MS = 20;
/** The product's defaults (config.ts): client pace, batch size, apply concurrency. */
export const PRODUCT_PACE = CONFIG.identityStoreRps;
export const BATCH_SIZE = CONFIG.batchSize;
export const APPLY_CONCURRENCY = CONFIG.applyConcurrency;
export const PAGE = 100;
export const CHURN = 0.01;

export const MB = 1024 * 1024;
export const pages = (n: number) => Math.max(1, Math.ceil(n / PAGE));
export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : ((s[(s.length - 1) >> 1] ?? 0) + (s[s.length >> 1] ?? 0)) / 2;
};
export const progress = (msg: string) => process.stderr.write(`[bench engine] ${msg}\n`);

// ---------------------------------------------------------------------------------------------
// Generated data (deterministic)

export const GIVEN = [
  'Alice',
  'Bilal',
  'Chloe',
  'Dmitri',
  'Esther',
  'Farah',
  'George',
  'Hana',
  'Ivan',
  'Jade',
];
export const FAMILY = [
  'Smith',
  'Okafor',
  'Nguyen',
  'Patel',
  'Kowalski',
  'Murphy',
  'Silva',
  'Tanaka',
  'Ahmed',
];

export function sourceUser(login: string, i: number): SourceUser {
  const userName = `${login}${SUFFIX}`;
  const givenName = GIVEN[i % GIVEN.length] ?? 'Ann';
  const familyName = FAMILY[(i * 7) % FAMILY.length] ?? 'Lee';
  return {
    id: login,
    userName,
    displayName: `${givenName} ${familyName}`,
    name: { givenName, familyName },
    email: { value: userName, type: 'work', primary: true },
  };
}

export const login = (i: number) => `user-${String(i).padStart(6, '0')}`;
export const team = (i: number) => `team-${String(i).padStart(5, '0')}`;

/** Picks an index with probability ∝ 1/(rank+1)^0.8: a few large teams, many small ones. */
export function zipfPicker(n: number, rnd: () => number): () => number {
  const cum: number[] = [];
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += 1 / (i + 1) ** 0.8;
    cum.push(total);
  }
  return () => {
    const r = rnd() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cum[mid] ?? 0) > r) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}

/** A GitHub-like source: every user in 1-5 teams (3 on average), team sizes skewed. */
export function makeSource(shape: { users: number; groups: number }, seed = 1): SourceSnapshot {
  const rnd = prng(seed);
  const pick = zipfPicker(shape.groups, rnd);
  const users = Array.from({ length: shape.users }, (_, i) => sourceUser(login(i), i));
  const members: string[][] = Array.from({ length: shape.groups }, () => []);
  for (const u of users) {
    const k = Math.min(shape.groups, 1 + Math.floor(rnd() * 5));
    const chosen = new Set<number>();
    while (chosen.size < k) chosen.add(pick());
    for (const g of chosen) members[g]?.push(u.id);
  }
  return {
    provider: 'github',
    fetchedAt: new Date(0).toISOString(),
    users,
    groups: members.map((m, g) => ({ id: team(g), displayName: team(g), members: m })),
    warnings: [],
  };
}

/**
 * The source after ~`rate` churn: that share of users leave and as many join (each in ~3 teams),
 * as many change their DisplayName, that share of teams go and as many new ones come, and that
 * share of memberships move to another team.
 */
export function churnSource(src: SourceSnapshot, rate: number, seed: number): SourceSnapshot {
  const rnd = prng(seed);
  const U = src.users.length;
  const G = src.groups.length;
  const nu = Math.max(1, Math.round(U * rate));
  const ng = Math.max(1, Math.round(G * rate));
  const distinct = (n: number, size: number, not: Set<number> = new Set()) => {
    const s = new Set<number>();
    while (s.size < Math.min(n, size - not.size)) {
      const i = Math.floor(rnd() * size);
      if (!not.has(i)) s.add(i);
    }
    return s;
  };
  const leave = distinct(nu, U);
  const rename = distinct(nu, U, leave);
  const gone = new Set([...leave].map((i) => src.users[i]?.id));
  const users: SourceUser[] = [];
  src.users.forEach((u, i) => {
    if (leave.has(i)) return;
    users.push(rename.has(i) ? { ...u, displayName: `${u.displayName} (renamed)` } : u);
  });
  for (let j = 0; j < nu; j++) users.push(sourceUser(`joiner-${String(j).padStart(6, '0')}`, j));

  const dropGroups = distinct(ng, G);
  const groups = src.groups
    .filter((_, i) => !dropGroups.has(i))
    .map((g) => ({ ...g, members: new Set(g.members.filter((m) => !gone.has(m))) }));
  const memberships = groups.reduce((n, g) => n + g.members.size, 0);
  const anyGroup = () => groups[Math.floor(rnd() * groups.length)];
  const anyUser = () => users[Math.floor(rnd() * users.length)]?.id ?? '';
  // Move ~rate of the memberships: remove one, add another.
  const moves = Math.max(1, Math.round(memberships * rate));
  for (let done = 0, tries = 0; done < moves && tries < moves * 20; tries++) {
    const g = anyGroup();
    if (!g || g.members.size === 0) continue;
    const list = [...g.members];
    g.members.delete(list[Math.floor(rnd() * list.length)] ?? '');
    let added = false;
    while (!added) {
      const h = anyGroup();
      const u = anyUser();
      if (h && !h.members.has(u)) {
        h.members.add(u);
        added = true;
      }
    }
    done++;
  }
  for (const u of users.slice(users.length - nu)) {
    for (let k = 0; k < 3; k++) anyGroup()?.members.add(u.id);
  }
  const avg = Math.max(1, Math.round(memberships / Math.max(1, groups.length)));
  const fresh = Array.from({ length: ng }, (_, j) => ({
    id: `new-team-${String(j).padStart(5, '0')}`,
    displayName: `new-team-${String(j).padStart(5, '0')}`,
    members: new Set(Array.from({ length: avg }, anyUser)),
  }));
  return {
    ...src,
    users,
    groups: [...groups, ...fresh].map((g) => ({ ...g, members: [...g.members] })),
  };
}

/** Store contents in neutral form: what the source wants plus the entities of other owners. */
export interface StoreState {
  users: {
    userName: string;
    displayName: string;
    given: string;
    family: string;
    emailType?: string;
    profileUrl?: string;
  }[];
  groups: { displayName: string; description?: string }[];
  memberships: { group: string; user: string }[];
}

/** Entra users (2% of the users, EntraId email) in Entra groups (5% of the groups), a few hand-made. */
export function othersState(shape: { users: number; groups: number }): StoreState {
  const entraUsers = Math.max(5, Math.round(shape.users * 0.02));
  const handUsers = Math.max(2, Math.round(shape.users * 0.005));
  const entraGroups = Math.max(2, Math.round(shape.groups * 0.05));
  const handGroups = Math.max(1, Math.round(shape.groups * 0.01));
  const s: StoreState = { users: [], groups: [], memberships: [] };
  for (let i = 0; i < entraUsers; i++) {
    // Entra UPNs often share the company domain: the EntraId email type is what marks them.
    s.users.push({
      userName: `entra.${i}${SUFFIX}`,
      displayName: `Entra ${i}`,
      given: 'Entra',
      family: String(i),
      emailType: ENTRA_EMAIL_TYPE,
    });
  }
  for (let i = 0; i < handUsers; i++) {
    s.users.push({
      userName: `admin-${i}@corp.internal`,
      displayName: `Admin ${i}`,
      given: 'Admin',
      family: String(i),
    });
  }
  for (let g = 0; g < entraGroups; g++) s.groups.push({ displayName: `azure-aws-sso-group-${g}` });
  for (let g = 0; g < handGroups; g++)
    s.groups.push({ displayName: `hand-made-${g}`, description: 'made by hand' });
  for (let i = 0; i < entraUsers; i++) {
    for (const g of new Set([i % entraGroups, (i * 7 + 1) % entraGroups])) {
      s.memberships.push({ group: `azure-aws-sso-group-${g}`, user: `entra.${i}${SUFFIX}` });
    }
  }
  for (let i = 0; i < handUsers; i++) {
    s.memberships.push({ group: `hand-made-${i % handGroups}`, user: `admin-${i}@corp.internal` });
  }
  return s;
}

/** The store a converged sync leaves: names, attributes and recorded ids as the source has them. */
export function desiredState(src: SourceSnapshot): StoreState {
  const nameOf = new Map(src.users.map((u) => [u.id, u.userName]));
  return {
    users: src.users.map((u) => ({
      userName: u.userName,
      displayName: u.displayName,
      given: u.name.givenName,
      family: u.name.familyName,
      emailType: u.email.type,
      profileUrl: userRecord(RULES, u.id),
    })),
    groups: src.groups.map((g) => ({ displayName: g.displayName, description: groupRecord(RULES, g.id) })),
    memberships: src.groups.flatMap((g) =>
      g.members.map((id) => ({ group: g.displayName, user: nameOf.get(id)! })),
    ),
  };
}

export const merge = (a: StoreState, b: StoreState): StoreState => ({
  users: [...a.users, ...b.users],
  groups: [...a.groups, ...b.groups],
  memberships: [...a.memberships, ...b.memberships],
});

export function toSeed(s: StoreState): SeedFile {
  return {
    users: s.users.map((u) => ({
      UserName: u.userName,
      DisplayName: u.displayName,
      Name: { GivenName: u.given, FamilyName: u.family },
      ...(u.emailType ? { Emails: [{ Value: u.userName, Type: u.emailType, Primary: true }] } : {}),
      ...(u.profileUrl ? { ProfileUrl: u.profileUrl } : {}),
    })),
    groups: s.groups.map((g) => ({
      DisplayName: g.displayName,
      ...(g.description !== undefined ? { Description: g.description } : {}),
    })),
    memberships: s.memberships,
  };
}

/** A TargetSnapshot as the read would return it: ids in the service's format, memberships of managed groups only. */
export function toTarget(s: StoreState, seed: number): TargetSnapshot {
  const rnd = prng(seed);
  const hex = (n: number) => {
    let out = '';
    for (let i = 0; i < n; i++) out += ((rnd() * 16) | 0).toString(16);
    return out;
  };
  const prefix = hex(10);
  const id = () => `${prefix}-${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;
  const users: TargetUser[] = s.users.map((u) => ({
    userId: id(),
    userName: u.userName,
    displayName: u.displayName,
    name: { givenName: u.given, familyName: u.family },
    ...(u.emailType ? { emails: [{ value: u.userName, type: u.emailType, primary: true }] } : {}),
    ...(u.profileUrl ? { profileUrl: u.profileUrl } : {}),
  }));
  const groups: TargetGroup[] = s.groups.map((g) => ({
    groupId: id(),
    displayName: g.displayName,
    ...(g.description !== undefined ? { description: g.description } : {}),
  }));
  const userId = new Map(users.map((u) => [nameKey(u.userName), u.userId]));
  const read = new Map(
    groups.filter((g) => mayManageGroup(RULES, g)).map((g) => [nameKey(g.displayName), g]),
  );
  const memberships: TargetMembership[] = [];
  for (const m of s.memberships) {
    const g = read.get(nameKey(m.group));
    const u = userId.get(nameKey(m.user));
    if (g && u) memberships.push({ membershipId: id(), groupId: g.groupId, userId: u });
  }
  return {
    identityStoreId: 'd-1234567890',
    fetchedAt: new Date(0).toISOString(),
    users,
    groups,
    memberships,
    membershipsReadFor: [...read.values()].map((g) => g.groupId),
  };
}

// ---------------------------------------------------------------------------------------------
// Child processes (each runs bench/engine.ts --engine-child ...)

export const ENGINE_ENTRY = join(__dirname, 'engine.ts');

export function runChild<T>(args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, '--expose-gc', ENGINE_ENTRY, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`bench child ${args.join(' ')} exited with ${code}`));
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`bench child ${args.join(' ')} printed no result: ${out.slice(-500)}`));
      }
    });
  });
}

export const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));
