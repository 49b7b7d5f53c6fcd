/** Engine benchmark, part 2: syncs against the rate-limited Identity Store emulator (see bench/engine.ts). */
import type { Group, User } from '@aws-sdk/client-identitystore';
import { recheckCalls } from '../lambdas/core/batches';
import { nameKey, type SourceSnapshot, type TargetSnapshot } from '../lambdas/core/model';
import { mayManageGroup } from '../lambdas/core/ownership';
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
import {
  APPLY_CONCURRENCY,
  BATCH_SIZE,
  CHURN,
  LATENCY_MS,
  PRODUCT_PACE,
  RULES,
  SERVICE_RPS,
  SHAPES,
  SHAPE_NAMES,
  type ShapeName,
  churnSource,
  desiredState,
  makeSource,
  merge,
  othersState,
  pages,
  progress,
  runChild,
  toSeed,
} from './engine-common';

// ---------------------------------------------------------------------------------------------
// 2. Against the emulator

export type Step = 'initial' | 'no-op' | 'churn';

export interface ChainSpec {
  shape: ShapeName;
  /** Client pace in requests/s; null = unpaced. */
  pace: number | null;
  /** Start from the desired state (plus others' entities) instead of others' entities only. */
  seeded: boolean;
  steps: Step[];
}

export interface SyncRun {
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
  /** Describe calls before deletes and membership removals (recheckCalls). */
  rechecks: number;
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
export function readPagesNeeded(state: Required<SeedFile>): { pages: number; readGroups: number } {
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
export function converged(state: Required<SeedFile>, source: SourceSnapshot): boolean {
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

export async function syncOnce(
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
    // Apply describes what it is about to remove (and each user and group of a batch's removals once).
    const rechecks = outcome ? recheckCalls(outcome.batches) : 0;
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
      rechecks,
      lowerBound: pagesNeeded + (plannedOps ?? 0) + rechecks,
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

export async function emulatorChild(spec: ChainSpec): Promise<SyncRun[]> {
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

export const paceLabel = (p: number | null) => (p === null ? 'unpaced' : `${p} req/s`);

export async function benchEmulator(sizes: ShapeName[], large: boolean, serial: boolean): Promise<void> {
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
        : `${r.lowerBound} (${r.pagesNeeded} pages + ${r.plannedOps}${r.rechecks ? ` + ${r.rechecks} re-checks` : ''})`,
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
      'Create/Update/Delete calls received; lower bound = list pages needed + one call per planned change +',
      'the Describe re-checks before deletes and membership removals (one per delete; per batch one per user',
      'and per group its removals name);',
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
