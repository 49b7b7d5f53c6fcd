/** Local environments for end-to-end tests: stand-ins + runner + a temporary blob folder, cleaned up after. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigInput } from '../../lambdas/core/config';
import {
  type LocalEnvironment,
  type LocalEnvironmentOptions,
  loadConfigInput,
  startLocalEnvironment,
} from '../../local/environment';
import { WRITE_OPERATIONS } from '../../local/identitystore';
import type { LeaseTimings } from '../../lambdas/core/lease';
import { LocalRunner } from '../../local/runner';

export interface Local {
  env: LocalEnvironment;
  runner: LocalRunner;
  blobDir: string;
  /** Successful Identity Store writes since the last resetCounts(). */
  writes(): number;
  close(): Promise<void>;
}

/** The repository's example configuration, optionally reduced to some providers and adjusted. */
export function testConfig(providers: ('github' | 'entra')[], patch: Partial<ConfigInput> = {}): ConfigInput {
  const base = structuredClone(loadConfigInput());
  const picked = Object.fromEntries(providers.map((p) => [p, base.providers[p]]));
  return {
    ...base,
    ...patch,
    providers: { ...picked, ...(patch.providers ?? {}) } as ConfigInput['providers'],
  };
}

export async function startLocal(
  opts: LocalEnvironmentOptions & {
    targetReadBudgetMs?: number;
    /** The lease's timings (tests shorten the wait). */
    lease?: Partial<LeaseTimings>;
    /** How long the Wait states pause (ms). */
    waitMs?: number;
  } = {},
  retryPauseMs = 20,
): Promise<Local> {
  const { targetReadBudgetMs, lease, waitMs, ...envOpts } = opts;
  const env = await startLocalEnvironment(envOpts);
  const blobDir = mkdtempSync(join(tmpdir(), 'scim-sync-e2e-'));
  const runner = new LocalRunner(env, blobDir, {
    retryPauseMs,
    identityStoreRetry: { maxAttempts: 6, baseMs: 5, maxMs: 100 },
    ...(targetReadBudgetMs === undefined ? {} : { targetReadBudgetMs }),
    ...(lease ? { lease } : {}),
    ...(waitMs === undefined ? {} : { waitMs }),
  });
  return {
    env,
    runner,
    blobDir,
    writes: () => WRITE_OPERATIONS.reduce((n, op) => n + env.emulator.counts()[op].succeeded, 0),
    close: async () => {
      runner.close();
      await env.close();
      rmSync(blobDir, { recursive: true, force: true });
    },
  };
}

/** Every file under a folder, as text (to search for secrets). */
export function allFiles(dir: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const p = join(dir, name);
    if (statSync(p).isFile()) out.push({ path: p, text: readFileSync(p, 'utf8') });
  }
  return out;
}

type TaskFn = (input: unknown) => Promise<unknown>;

/**
 * A runner `wrapTask` that counts invocations: by Task state, or with `byBatch` by "State/index" for
 * the apply batches only; and records the names of the errors they threw as "State: Name".
 */
export function countingTasks(
  counts: Map<string, number>,
  opts: { byBatch?: boolean; errors?: string[] } = {},
) {
  return (state: string, real: TaskFn): TaskFn =>
    async (input) => {
      const index = (input as { index?: number }).index;
      const key = opts.byBatch ? (index === undefined ? undefined : `${state}/${index}`) : state;
      if (key !== undefined) counts.set(key, (counts.get(key) ?? 0) + 1);
      return real(input).catch((e: Error) => {
        opts.errors?.push(`${state}: ${e.name}`);
        throw e;
      });
    };
}
