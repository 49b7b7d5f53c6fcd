/**
 * Sync engine benchmark.
 *
 * 1. Planner: computePlan on generated GitHub-like stores of 1k users/100 groups, 10k/1k and
 *    100k/10k (each user in 1-5 teams, 3 on average, team sizes skewed so a few teams are large),
 *    against (i) an empty target (the first sync) and (ii) a target in step with the source but for
 *    ~1% churn (users and teams gone and new, renamed users, moved memberships), next to users and
 *    groups of other owners (Entra, hand-made). Each case runs in its own child process
 *    (`node --expose-gc`), so one case's garbage and JIT state do not colour the next.
 *    Memory: heap used above the inputs (after forced GCs) at its peak during the call. Heap used
 *    only grows between GCs (allocation), so the peak is the heap used just before one of the GCs
 *    that ran during the call (v8.GCProfiler reports it) or at the end; a timer cannot sample
 *    synchronous code at all. Also the heap the plan keeps (after GC), and the child's maximum
 *    resident set size (the whole process: runtime, inputs and all).
 * 2. Against the Identity Store emulator limited to 20 requests/s with 20 ms latency: directSync
 *    (read, plan, apply with batch size 500 and apply concurrency 4, as the product configures)
 *    with the client paced at 18 requests/s (the product's default) and unpaced, for an initial
 *    sync (store holding only other owners' entities), a no-op sync right after it (it must write
 *    nothing) and a 1% churn sync. Each chain of runs is one child process with its own emulator
 *    (its own 20 requests/s bucket); the chains run side by side unless `serial`, which is fair
 *    because they are bound by the rate limit, not by CPU.
 *    Lower bound: list pages needed (max(1, ceil(users/100)) + max(1, ceil(groups/100)) + for each
 *    group whose memberships must be read, max(1, ceil(members/100))) + one call per planned change.
 */
import { spawn } from 'node:child_process';
import v8 from 'node:v8';
import type { Group, User } from '@aws-sdk/client-identitystore';
import { MAX_BATCHES, membershipDependencies, toBatches } from '../lambdas/core/batches';
import { parseConfig } from '../lambdas/core/config';
import {
  nameKey,
  type SourceSnapshot,
  SourceSnapshotSchema,
  type SourceUser,
  type TargetGroup,
  type TargetMembership,
  type TargetSnapshot,
  TargetSnapshotSchema,
  type TargetUser,
} from '../lambdas/core/model';
import {
  ENTRA_EMAIL_TYPE,
  githubGroupDescription,
  mayManageGroup,
  ownershipRules,
} from '../lambdas/core/ownership';
import { computePlan } from '../lambdas/core/plan';
import { makeIdentityStoreClient } from '../lambdas/identitystore/client';
import { toTargetGroup, toTargetUser } from '../lambdas/identitystore/read';
import { awsErrorName } from '../lambdas/identitystore/util';
import { type DirectSyncResult, directSync } from '../local/direct-sync';
import {
  type Counts,
  type IdentityStoreEmulator,
  OPERATIONS,
  type SeedFile,
  startIdentityStoreEmulator,
  totalCounts,
  WRITE_OPERATIONS,
} from '../local/identitystore';
import { printTable, type Row } from './report';

// ---------------------------------------------------------------------------------------------
// Shapes, rules and constants

export const SHAPES = {
  '1k': { users: 1_000, groups: 100, label: '1k users / 100 groups' },
  '10k': { users: 10_000, groups: 1_000, label: '10k users / 1k groups' },
  '100k': { users: 100_000, groups: 10_000, label: '100k users / 10k groups' },
} as const;
export type ShapeName = keyof typeof SHAPES;
const SHAPE_NAMES = Object.keys(SHAPES) as ShapeName[];

const ORG = 'example-org';
const SUFFIX = '@example.com';
const MARKER = githubGroupDescription(ORG);
const CONFIG = parseConfig({
  identityStoreId: 'd-1234567890',
  region: 'eu-west-2',
  providers: { github: { organisation: ORG, secretName: 'bench', userNameSuffix: SUFFIX } },
});
const RULES = ownershipRules('github', CONFIG);

/** The service's shared limit, emulated. */
const SERVICE_RPS = 20;
const LATENCY_MS = 20;
/** The product's defaults (config.ts): client pace, batch size, apply concurrency. */
const PRODUCT_PACE = CONFIG.identityStoreRps;
const BATCH_SIZE = CONFIG.batchSize;
const APPLY_CONCURRENCY = CONFIG.applyConcurrency;
const PAGE = 100;
const CHURN = 0.01;

const MB = 1024 * 1024;
const pages = (n: number) => Math.max(1, Math.ceil(n / PAGE));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : ((s[(s.length - 1) >> 1] ?? 0) + (s[s.length >> 1] ?? 0)) / 2;
};
const progress = (msg: string) => process.stderr.write(`[bench engine] ${msg}\n`);

// ---------------------------------------------------------------------------------------------
// Generated data (deterministic)

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GIVEN = ['Alice', 'Bilal', 'Chloe', 'Dmitri', 'Esther', 'Farah', 'George', 'Hana', 'Ivan', 'Jade'];
const FAMILY = ['Smith', 'Okafor', 'Nguyen', 'Patel', 'Kowalski', 'Murphy', 'Silva', 'Tanaka', 'Ahmed'];

function sourceUser(login: string, i: number): SourceUser {
  const userName = `${login}${SUFFIX}`;
  const givenName = GIVEN[i % GIVEN.length] ?? 'Ann';
  const familyName = FAMILY[(i * 7) % FAMILY.length] ?? 'Lee';
  return {
    userName,
    displayName: `${givenName} ${familyName}`,
    name: { givenName, familyName },
    email: { value: userName, type: 'work', primary: true },
  };
}

const login = (i: number) => `user-${String(i).padStart(6, '0')}`;
const team = (i: number) => `team-${String(i).padStart(5, '0')}`;

/** Picks an index with probability ∝ 1/(rank+1)^0.8: a few large teams, many small ones. */
function zipfPicker(n: number, rnd: () => number): () => number {
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
  const rnd = mulberry32(seed);
  const pick = zipfPicker(shape.groups, rnd);
  const users = Array.from({ length: shape.users }, (_, i) => sourceUser(login(i), i));
  const members: string[][] = Array.from({ length: shape.groups }, () => []);
  for (const u of users) {
    const k = Math.min(shape.groups, 1 + Math.floor(rnd() * 5));
    const chosen = new Set<number>();
    while (chosen.size < k) chosen.add(pick());
    for (const g of chosen) members[g]?.push(u.userName);
  }
  return {
    provider: 'github',
    fetchedAt: new Date(0).toISOString(),
    users,
    groups: members.map((m, g) => ({ displayName: team(g), description: MARKER, members: m })),
    warnings: [],
  };
}

/**
 * The source after ~`rate` churn: that share of users leave and as many join (each in ~3 teams),
 * as many change their DisplayName, that share of teams go and as many new ones come, and that
 * share of memberships move to another team.
 */
export function churnSource(src: SourceSnapshot, rate: number, seed: number): SourceSnapshot {
  const rnd = mulberry32(seed);
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
  const gone = new Set([...leave].map((i) => src.users[i]?.userName));
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
  const anyUser = () => users[Math.floor(rnd() * users.length)]?.userName ?? '';
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
    for (let k = 0; k < 3; k++) anyGroup()?.members.add(u.userName);
  }
  const avg = Math.max(1, Math.round(memberships / Math.max(1, groups.length)));
  const fresh = Array.from({ length: ng }, (_, j) => ({
    displayName: `new-team-${String(j).padStart(5, '0')}`,
    description: MARKER,
    members: new Set(Array.from({ length: avg }, anyUser)),
  }));
  return {
    ...src,
    users,
    groups: [...groups, ...fresh].map((g) => ({ ...g, members: [...g.members] })),
  };
}

/** Store contents in neutral form: what the source wants plus the entities of other owners. */
interface StoreState {
  users: { userName: string; displayName: string; given: string; family: string; emailType?: string }[];
  groups: { displayName: string; description?: string }[];
  memberships: { group: string; user: string }[];
}

/** Entra users (2% of the users, EntraId email) in Entra groups (5% of the groups), a few hand-made. */
function othersState(shape: { users: number; groups: number }): StoreState {
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

function desiredState(src: SourceSnapshot): StoreState {
  return {
    users: src.users.map((u) => ({
      userName: u.userName,
      displayName: u.displayName,
      given: u.name.givenName,
      family: u.name.familyName,
      emailType: u.email.type,
    })),
    groups: src.groups.map((g) => ({
      displayName: g.displayName,
      ...(g.description !== undefined ? { description: g.description } : {}),
    })),
    memberships: src.groups.flatMap((g) => g.members.map((user) => ({ group: g.displayName, user }))),
  };
}

const merge = (a: StoreState, b: StoreState): StoreState => ({
  users: [...a.users, ...b.users],
  groups: [...a.groups, ...b.groups],
  memberships: [...a.memberships, ...b.memberships],
});

function toSeed(s: StoreState): SeedFile {
  return {
    users: s.users.map((u) => ({
      UserName: u.userName,
      DisplayName: u.displayName,
      Name: { GivenName: u.given, FamilyName: u.family },
      ...(u.emailType ? { Emails: [{ Value: u.userName, Type: u.emailType, Primary: true }] } : {}),
    })),
    groups: s.groups.map((g) => ({
      DisplayName: g.displayName,
      ...(g.description !== undefined ? { Description: g.description } : {}),
    })),
    memberships: s.memberships,
  };
}

/** A TargetSnapshot as the read would return it: ids in the service's format, memberships of managed groups only. */
function toTarget(s: StoreState, seed: number): TargetSnapshot {
  const rnd = mulberry32(seed);
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
// Child processes

function runChild<T>(args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, '--expose-gc', __filename, ...args], {
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

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Full GCs with pauses between, so concurrent sweeping has finished when heapUsed is read. */
async function settleHeap(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 3; i++) {
    gc();
    await tick(20);
  }
  return process.memoryUsage().heapUsed;
}

interface Measured<T> {
  result: T;
  ms: number;
  /** Heap used above the baseline at its highest during fn (see the file comment). */
  peakBytes: number;
  /** Heap still used after fn and a full GC, with the result alive. */
  retainedBytes: number;
}

async function measureSync<T>(fn: () => T): Promise<Measured<T>> {
  const base = await settleHeap();
  const profiler = new v8.GCProfiler();
  profiler.start();
  const t0 = performance.now();
  const result = fn();
  const ms = performance.now() - t0;
  const end = process.memoryUsage().heapUsed;
  const gcs = profiler.stop();
  let peak = end;
  for (const s of gcs.statistics) peak = Math.max(peak, s.beforeGC.heapStatistics.usedHeapSize);
  const after = await settleHeap();
  return { result, ms, peakBytes: peak - base, retainedBytes: after - base };
}

// ---------------------------------------------------------------------------------------------
// 1. Planner

export type Scenario = 'empty' | 'churn';

interface PlannerResult {
  shape: ShapeName;
  scenario: Scenario;
  sourceMemberships: number;
  targetUsers: number;
  targetMemberships: number;
  ops: number;
  conflicts: number;
  inputsHeapMb: number;
  coldMs: number;
  warmMs: number;
  warmMinMs: number;
  warmRuns: number;
  peakMb: number;
  retainedMb: number;
  workMs: number;
  workPeakMb: number;
  maxRssMb: number;
}

const roundTrip = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

const WARM_RUNS: Record<ShapeName, number> = { '1k': 20, '10k': 5, '100k': 3 };

/**
 * The snapshots of a planner case, through JSON as the ComputePlan Lambda gets them (so every string
 * is flat, not a rope of the concatenations that generated it, which computePlan would flatten on
 * the way and so seem to free memory).
 */
export function plannerInputs(
  shapeName: ShapeName,
  scenario: Scenario,
): { source: SourceSnapshot; target: TargetSnapshot } {
  const shape = SHAPES[shapeName];
  const base = makeSource(shape, 1);
  if (scenario === 'empty') {
    return {
      source: roundTrip(base),
      target: roundTrip(toTarget({ users: [], groups: [], memberships: [] }, 3)),
    };
  }
  return {
    source: roundTrip(churnSource(base, CHURN, 2)),
    target: roundTrip(toTarget(merge(desiredState(base), othersState(shape)), 3)),
  };
}

async function plannerChild(shapeName: ShapeName, scenario: Scenario): Promise<PlannerResult> {
  const { source, target } = plannerInputs(shapeName, scenario);
  const inputsHeap = await settleHeap();

  const cold = await measureSync(() => computePlan(source, target, RULES));
  const warm: number[] = [];
  for (let i = 0; i < WARM_RUNS[shapeName]; i++) {
    const t0 = performance.now();
    computePlan(source, target, RULES);
    warm.push(performance.now() - t0);
  }
  // The ComputePlan Lambda's in-memory work: parse both snapshot files, plan, batch.
  const sourceText = JSON.stringify(source);
  const targetText = JSON.stringify(target);
  const work = await measureSync(() => {
    const s = SourceSnapshotSchema.parse(JSON.parse(sourceText));
    const t = TargetSnapshotSchema.parse(JSON.parse(targetText));
    const plan = computePlan(s, t, RULES);
    const { batches } = toBatches(plan.ops, { batchSize: BATCH_SIZE, maxBatches: MAX_BATCHES });
    membershipDependencies(batches);
    return plan.ops.length;
  });
  return {
    shape: shapeName,
    scenario,
    sourceMemberships: source.groups.reduce((n, g) => n + g.members.length, 0),
    targetUsers: target.users.length,
    targetMemberships: target.memberships.length,
    ops: cold.result.ops.length,
    conflicts: cold.result.conflicts.length,
    inputsHeapMb: inputsHeap / MB,
    coldMs: cold.ms,
    warmMs: median(warm),
    warmMinMs: Math.min(...warm),
    warmRuns: warm.length,
    peakMb: cold.peakBytes / MB,
    retainedMb: cold.retainedBytes / MB,
    workMs: work.ms,
    workPeakMb: work.peakBytes / MB,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

async function benchPlanner(sizes: ShapeName[]): Promise<void> {
  const rows: Row[] = [];
  for (const shape of sizes) {
    for (const scenario of ['empty', 'churn'] as const) {
      progress(`planner ${SHAPES[shape].label}, ${scenario} target...`);
      const r = await runChild<PlannerResult>(['--engine-child', 'planner', shape, scenario]);
      rows.push({
        store: SHAPES[shape].label,
        target: r.scenario === 'empty' ? 'empty (first sync)' : 'in step, 1% churn',
        'source memberships': r.sourceMemberships,
        'target users / memberships': `${r.targetUsers} / ${r.targetMemberships}`,
        ops: r.ops,
        'plan ms cold': r.coldMs,
        'plan ms warm min / median': `${r.warmMinMs.toFixed(1)} / ${r.warmMs.toFixed(1)} (${r.warmRuns} runs)`,
        'plan peak heap MB': r.peakMb,
        'plan retained MB': r.retainedMb,
        'heap before MB': r.inputsHeapMb,
        'Lambda work ms': r.workMs,
        'Lambda work peak MB': r.workPeakMb,
        'child max RSS MB': r.maxRssMb,
      });
    }
  }
  printTable('Planner: computePlan time and memory (one child process per row)', rows);
  process.stdout.write(
    [
      '',
      'Columns: ops = operations planned; plan ms cold = first computePlan call in a fresh process (includes',
      'JIT warm-up); warm = fastest and median of the later calls (on a shared machine the fastest is the',
      'least disturbed); plan peak heap = highest V8 heap used above the heap before, during the cold call',
      '(heap used only grows between GCs, so its peak is the heap used just before one of the GCs that ran,',
      'from v8.GCProfiler, or at the end; a 5 ms timer cannot sample synchronous code);',
      'plan retained = heap the plan holds after a full GC; heap before = runtime + both snapshots;',
      'Lambda work = what the ComputePlan Lambda does in memory (JSON.parse + zod parse of both snapshot',
      'files, computePlan, toBatches(500), membershipDependencies), measured once after the warm runs;',
      'child max RSS = the child process peak resident set (runtime, generated inputs, all of the above).',
      '',
    ].join('\n'),
  );
}

// ---------------------------------------------------------------------------------------------
// 2. Against the emulator

type Step = 'initial' | 'no-op' | 'churn';

interface ChainSpec {
  shape: ShapeName;
  /** Client pace in requests/s; null = unpaced. */
  pace: number | null;
  /** Start from the desired state (plus others' entities) instead of others' entities only. */
  seeded: boolean;
  steps: Step[];
}

interface SyncRun {
  shape: ShapeName;
  step: Step;
  pace: number | null;
  /** Undefined when the sync failed before planning (see error). */
  plannedOps?: number;
  failedOps: number;
  /** Why the sync stopped, when it did (directSync threw). */
  error?: string;
  conflicts: number;
  pagesNeeded: number;
  lowerBound: number;
  received: number;
  throttled: number;
  writes: number;
  wallMs: number;
  converged: boolean;
  storeUsers: number;
  storeGroups: number;
  readGroups: number;
  byOp: Record<string, { received: number; throttled: number }>;
}

/** List pages the read needs for the store as it is now, and the groups whose memberships it reads. */
function readPagesNeeded(state: Required<SeedFile>): { pages: number; readGroups: number } {
  const members = new Map<string, number>();
  for (const m of state.memberships) members.set(nameKey(m.group), (members.get(nameKey(m.group)) ?? 0) + 1);
  const read = state.groups.filter((g) => mayManageGroup(RULES, toTargetGroup(g as unknown as Group)));
  return {
    pages:
      pages(state.users.length) +
      pages(state.groups.length) +
      read.reduce((n, g) => n + pages(members.get(nameKey(g.DisplayName)) ?? 0), 0),
    readGroups: read.length,
  };
}

/** Whether planning again from the store's state gives nothing to do. */
function converged(state: Required<SeedFile>, source: SourceSnapshot): boolean {
  const users = state.users.map((u) => toTargetUser(u as unknown as User));
  const groups = state.groups.map((g) => toTargetGroup(g as unknown as Group));
  const uid = new Map(users.map((u) => [nameKey(u.userName), u.userId]));
  const gid = new Map(groups.map((g) => [nameKey(g.displayName), g.groupId]));
  const memberships = state.memberships.map((m, i) => ({
    membershipId: `m-${i}`,
    groupId: gid.get(nameKey(m.group)) ?? '',
    userId: uid.get(nameKey(m.user)) ?? '',
  }));
  const target: TargetSnapshot = {
    identityStoreId: 'd-1234567890',
    fetchedAt: new Date().toISOString(),
    users,
    groups,
    memberships,
    membershipsReadFor: groups.map((g) => g.groupId),
  };
  return computePlan(source, target, RULES).ops.length === 0;
}

async function syncOnce(
  em: IdentityStoreEmulator,
  spec: ChainSpec,
  step: Step,
  source: SourceSnapshot,
): Promise<SyncRun> {
  const before = em.dump();
  const { pages: pagesNeeded, readGroups } = readPagesNeeded(before);
  const client = makeIdentityStoreClient({
    endpoint: em.endpoint,
    region: 'eu-west-2',
    ...(spec.pace !== null ? { rps: spec.pace } : {}),
  });
  em.resetCounts();
  const t0 = performance.now();
  try {
    let outcome: DirectSyncResult | undefined;
    let error: string | undefined;
    try {
      outcome = await directSync({
        client,
        identityStoreId: em.identityStoreId,
        source,
        rules: RULES,
        batchSize: BATCH_SIZE,
        concurrency: APPLY_CONCURRENCY,
      });
    } catch (err) {
      const cause = (err as Error).cause;
      error = `${awsErrorName(err)}${cause ? ` (${awsErrorName(cause)})` : ''}: ${(err as Error).message}`;
    }
    const wallMs = performance.now() - t0;
    const plannedOps = outcome?.plan.ops.length;
    const results = outcome?.results ?? [];
    const counts: Counts = em.counts();
    const total = totalCounts(counts);
    const byOp: SyncRun['byOp'] = {};
    for (const op of OPERATIONS) {
      const c = counts[op];
      if (c.received > 0) byOp[op] = { received: c.received, throttled: c.throttled };
    }
    return {
      shape: spec.shape,
      step,
      pace: spec.pace,
      ...(plannedOps !== undefined ? { plannedOps } : {}),
      failedOps: results.filter((r) => r.status === 'failed').length,
      ...(error !== undefined ? { error } : {}),
      conflicts:
        (outcome?.plan.conflicts.length ?? 0) + results.filter((r) => r.status === 'conflict').length,
      pagesNeeded,
      lowerBound: pagesNeeded + (plannedOps ?? 0),
      received: total.received,
      throttled: total.throttled,
      writes: totalCounts(counts, WRITE_OPERATIONS).received,
      wallMs,
      converged: converged(em.dump(), source),
      storeUsers: before.users.length,
      storeGroups: before.groups.length,
      readGroups,
      byOp,
    };
  } finally {
    client.destroy();
  }
}

async function emulatorChild(spec: ChainSpec): Promise<SyncRun[]> {
  // Only the local emulator is called; the SDK still wants credentials to sign with.
  process.env.AWS_ACCESS_KEY_ID = 'local';
  process.env.AWS_SECRET_ACCESS_KEY = 'local';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
  const shape = SHAPES[spec.shape];
  const base = makeSource(shape, 1);
  const others = othersState(shape);
  const em = await startIdentityStoreEmulator({
    seed: toSeed(spec.seeded ? merge(desiredState(base), others) : others),
    rps: SERVICE_RPS,
    latencyMs: LATENCY_MS,
    randomSeed: 7,
  });
  const runs: SyncRun[] = [];
  try {
    for (const step of spec.steps) {
      const source = step === 'churn' ? churnSource(base, CHURN, 2) : base;
      const run = await syncOnce(em, spec, step, source);
      process.stderr.write(
        `[bench engine] ${spec.shape} ${step} sync, pace ${spec.pace ?? 'none'}: ${run.received} calls, ` +
          `${(run.wallMs / 1000).toFixed(1)} s\n`,
      );
      runs.push(run);
    }
  } finally {
    await em.close();
  }
  return runs;
}

const paceLabel = (p: number | null) => (p === null ? 'unpaced' : `${p} req/s`);

async function benchEmulator(sizes: ShapeName[], large: boolean, serial: boolean): Promise<void> {
  const chains: ChainSpec[] = [];
  const skipped: string[] = [];
  for (const pace of [PRODUCT_PACE, null]) {
    if (sizes.includes('1k'))
      chains.push({ shape: '1k', pace, seeded: false, steps: ['initial', 'no-op', 'churn'] });
    if (sizes.includes('10k')) {
      chains.push(
        large
          ? { shape: '10k', pace, seeded: false, steps: ['initial', 'no-op', 'churn'] }
          : { shape: '10k', pace, seeded: true, steps: ['no-op', 'churn'] },
      );
    }
  }
  if (sizes.includes('10k') && !large) {
    skipped.push(
      'The 10k users / 1k groups initial sync is skipped: ~41,000 calls, about 40 minutes at 18 req/s ' +
        '(run with --large); its no-op and churn syncs start from a store seeded with the desired state.',
    );
  }
  if (sizes.includes('100k')) {
    skipped.push(
      'No emulator run for 100k users / 10k groups: even its no-op sync is ~11,000 list calls (~10 minutes at 18 req/s).',
    );
  }
  progress(
    `${chains.length} emulator chains (${serial ? 'one after the other' : 'side by side'}); ` +
      (large && sizes.includes('10k')
        ? 'the 10k initial syncs take ~40 minutes at 20 req/s'
        : 'the 1k initial syncs take ~4 minutes at 20 req/s'),
  );
  const t0 = performance.now();
  const errors: string[] = [];
  const syncErrors: string[] = [];
  const chain = (c: ChainSpec) =>
    runChild<SyncRun[]>(['--engine-child', 'emulator', JSON.stringify(c)]).catch((e: unknown) => {
      errors.push(`chain ${c.shape} ${paceLabel(c.pace)} did not finish: ${(e as Error).message}`);
      return [];
    });
  const results: SyncRun[][] = [];
  if (serial) for (const c of chains) results.push(await chain(c));
  else results.push(...(await Promise.all(chains.map(chain))));
  const totalS = (performance.now() - t0) / 1000;
  const order: Record<Step, number> = { initial: 0, 'no-op': 1, churn: 2 };
  const runs = results
    .flat()
    .sort(
      (a, b) =>
        SHAPE_NAMES.indexOf(a.shape) - SHAPE_NAMES.indexOf(b.shape) ||
        order[a.step] - order[b.step] ||
        (a.pace === null ? 1 : 0) - (b.pace === null ? 1 : 0),
    );
  const label = (r: SyncRun) =>
    r.step === 'initial'
      ? 'initial (empty but others)'
      : r.step === 'no-op'
        ? 'no-op (in step)'
        : `churn (${CHURN * 100}%)`;

  const rows: Row[] = runs.map((r) => ({
    store: SHAPES[r.shape].label,
    sync: label(r),
    'client pace': paceLabel(r.pace),
    'store users / groups / read groups': `${r.storeUsers} / ${r.storeGroups} / ${r.readGroups}`,
    'planned ops': r.plannedOps ?? '-',
    'API calls': r.received,
    throttled: r.throttled,
    writes: r.writes,
    'lower bound':
      r.plannedOps === undefined
        ? `- (${r.pagesNeeded} pages + ?)`
        : `${r.lowerBound} (${r.pagesNeeded} pages + ${r.plannedOps})`,
    'calls / bound': r.plannedOps === undefined ? '-' : r.received / r.lowerBound,
    'accepted / bound': r.plannedOps === undefined ? '-' : (r.received - r.throttled) / r.lowerBound,
    'req/s': r.received / (r.wallMs / 1000),
    'wall s': r.wallMs / 1000,
    'bound s at 20/s': r.plannedOps === undefined ? '-' : r.lowerBound / SERVICE_RPS,
    'failed ops': r.error
      ? `sync failed [${syncErrors.push(`[${syncErrors.length + 1}] ${r.error}`)}]`
      : r.failedOps,
    converged: r.converged ? 'yes' : 'NO',
  }));
  printTable(
    `Sync against the Identity Store emulator (${SERVICE_RPS} req/s limit, ${LATENCY_MS} ms latency; ` +
      `batch ${BATCH_SIZE}, apply concurrency ${APPLY_CONCURRENCY})`,
    rows,
  );
  process.stdout.write(
    [
      '',
      'Columns: sync = initial (the store holds only Entra and hand-made entities), no-op (store already in',
      'step: must write nothing), churn (1% of users/teams/memberships changed); client pace = the client-side',
      'token bucket (product default 18 req/s) or none; read groups = groups whose memberships the read lists',
      '(owned or adoptable); API calls = requests the emulator received (throttled ones included); writes =',
      'Create/Update/Delete calls received; lower bound = list pages needed + one call per planned change;',
      'accepted = calls not throttled; req/s = API calls / wall s; bound s at 20/s = the lower bound at the',
      "service's limit; converged = planning again from the emulator's state gives no operation.",
      `Each chain (a store size and pace: its syncs in order) is a child process with its own emulator; ${serial ? 'chains ran one after the other' : 'chains ran side by side (they are rate-bound, not CPU-bound)'}; all chains took ${totalS.toFixed(0)} s.`,
      ...skipped,
      ...syncErrors,
      ...errors,
      '',
    ].join('\n'),
  );

  const ops = OPERATIONS.filter((op) => runs.some((r) => r.byOp[op]));
  printTable(
    'API calls by operation: received (throttled)',
    runs.map((r) => {
      const row: Row = {
        store: SHAPES[r.shape].label.split(' / ')[0] ?? r.shape,
        sync: r.step,
        pace: paceLabel(r.pace),
      };
      for (const op of ops) {
        const c = r.byOp[op];
        row[op] = c ? (c.throttled > 0 ? `${c.received} (${c.throttled})` : String(c.received)) : '';
      }
      return row;
    }),
  );
  process.stdout.write(
    '\nColumns: one per Identity Store operation called in any run; "n (t)" = n calls received, t of them throttled.\n',
  );
}

// ---------------------------------------------------------------------------------------------

export interface EngineBenchOptions {
  /** Store sizes (default all): the planner runs each; the emulator runs 1k and 10k. */
  sizes?: ShapeName[];
  /** Also the 10k users / 1k groups initial sync against the emulator (tens of minutes). */
  large?: boolean;
  /** Run the emulator chains one after the other instead of side by side. */
  serial?: boolean;
  /** Skip the planner or the emulator part. */
  parts?: ('planner' | 'emulator')[];
}

export async function benchEngine(opts: EngineBenchOptions = {}): Promise<void> {
  const sizes = opts.sizes ?? SHAPE_NAMES;
  const parts = opts.parts ?? ['planner', 'emulator'];
  if (parts.includes('planner')) await benchPlanner(sizes);
  if (parts.includes('emulator')) await benchEmulator(sizes, opts.large ?? false, opts.serial ?? false);
}

export function isShapeName(s: string): s is ShapeName {
  return (SHAPE_NAMES as string[]).includes(s);
}

async function childMain(args: string[]): Promise<unknown> {
  const [kind, a, b] = args;
  if (kind === 'planner' && a && isShapeName(a) && (b === 'empty' || b === 'churn'))
    return plannerChild(a, b);
  if (kind === 'emulator' && a) return emulatorChild(JSON.parse(a) as ChainSpec);
  throw new Error(`bad engine child arguments: ${args.join(' ')}`);
}

if (process.argv[1]?.endsWith('engine.ts')) {
  const argv = process.argv.slice(2);
  const main =
    argv[0] === '--engine-child'
      ? childMain(argv.slice(1)).then((r) => {
          process.stdout.write(`${JSON.stringify(r)}\n`);
        })
      : benchEngine({ large: argv.includes('--large'), serial: argv.includes('--serial') });
  main.catch((e: unknown) => {
    process.stderr.write(`${String((e as Error)?.stack ?? e)}\n`);
    process.exit(1);
  });
}
