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
import { benchPlanner, plannerChild } from './engine-planner';
import { type ChainSpec, benchEmulator, emulatorChild } from './engine-sync';
import { SHAPE_NAMES, type ShapeName } from './engine-common';

// ---------------------------------------------------------------------------------------------

export type { ShapeName } from './engine-common';

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
