/** Engine benchmark, part 1: the planner's time and memory per store size (see bench/engine.ts). */
import v8 from 'node:v8';
import { MAX_BATCHES, membershipDependencies, toBatches } from '../lambdas/core/batches';
import {
  type SourceSnapshot,
  SourceSnapshotSchema,
  type TargetSnapshot,
  TargetSnapshotSchema,
} from '../lambdas/core/model';
import { computePlan } from '../lambdas/core/plan';
import { printTable, type Row } from './report';
import {
  BATCH_SIZE,
  CHURN,
  MB,
  RULES,
  SHAPES,
  type ShapeName,
  churnSource,
  desiredState,
  makeSource,
  median,
  merge,
  othersState,
  progress,
  runChild,
  tick,
  toTarget,
} from './engine-common';

/** Full GCs with pauses between, so concurrent sweeping has finished when heapUsed is read. */
export async function settleHeap(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 3; i++) {
    gc();
    await tick(20);
  }
  return process.memoryUsage().heapUsed;
}

export interface Measured<T> {
  result: T;
  ms: number;
  /** Heap used above the baseline at its highest during fn (see the file comment). */
  peakBytes: number;
  /** Heap still used after fn and a full GC, with the result alive. */
  retainedBytes: number;
}

export async function measureSync<T>(fn: () => T): Promise<Measured<T>> {
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

export interface PlannerResult {
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

export const roundTrip = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

export const WARM_RUNS: Record<ShapeName, number> = { '1k': 20, '10k': 5, '100k': 3 };

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

export async function plannerChild(shapeName: ShapeName, scenario: Scenario): Promise<PlannerResult> {
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

export async function benchPlanner(sizes: ShapeName[]): Promise<void> {
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
