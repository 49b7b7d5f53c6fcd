/**
 * `scim-sync sync <github|entra> --local ...`: one real run of the state machine on this machine,
 * against the local stand-ins (demo fixtures unless given).
 *
 * stdout: progress and the run report for people, or with --json only the run report (JSON).
 * Exit code 0 when the execution succeeded; 3 for a dry run whose plan a real run's deletion guard
 * would stop; 1 when it failed, with "<ErrorName>: <cause>" on stderr; 2 for usage errors.
 */
import { join } from 'node:path';
import type { ConfigInput } from '../lambdas/core/config';
import type { Provider } from '../lambdas/core/model';
import type { RunReport } from '../lambdas/core/report';
import { type BlobStore, DirBlobStore } from '../lambdas/runtime/blobs';
import { readReport } from '../lambdas/runtime/report-store';
import { type LocalEnvironment, loadConfigInput, startLocalEnvironment } from '../local/environment';
import { type LocalRunResult, LocalRunner, type ProgressEvent } from '../local/runner';
import { type Io, processIo } from './aws/client';
import { type LiveSyncOptions, liveSyncCommand } from './live';
import { EXIT_GUARD_WOULD_STOP } from './aws/start';
import { loadConfigFile, loadFixture, loadSeed, parseJsonText, UsageError, writeText } from './files';
import { progressWriter } from './progress';
import { reportLines } from './report-text';

export const blobRoot = () => join(process.cwd(), '.scim-sync', 'blobs');

/** Progress lines for a terminal: states entered, batches done of total, operations, rate, ETA. */
export function progressPrinter(write: (s: string) => void, isTTY = false): (e: ProgressEvent) => void {
  const w = progressWriter(write, isTTY);
  return (e) => {
    if (e.kind === 'apply' && e.apply) return w.apply(e.apply);
    w.break();
    if (e.kind === 'state') write(`  → ${e.state}\n`);
    else if (e.kind === 'batch') write(`    ${e.state}: batch ${e.done}/${e.total} done\n`);
    else if (e.kind === 'retry') write(`    ${e.state}: retrying\n`);
    else if (e.kind === 'failed') write(`  ✗ ${e.state} failed: ${e.error}\n`);
  };
}

/** The lines that tell a person how a finished run went: its report, or why there is none. */
export async function describeRun(
  r: LocalRunResult,
  blobs: BlobStore,
  provider: Provider,
  report?: RunReport,
  more = `scim-sync report ${provider} --local --run ${r.execution.name}`,
): Promise<string[]> {
  const x = r.execution;
  const secs = (r.stats.wallMs / 1000).toFixed(1);
  const rep = report ?? (await readReport(blobs, provider, x.name));
  const lines = rep ? reportLines(rep, { limit: 20, more }) : [];
  if (x.status !== 'SUCCEEDED') {
    const applied = rep?.applied ? rep.applied.done : 0;
    return [
      `${provider} sync ${x.name}: FAILED in ${secs} s`,
      `  ${x.error}: ${x.cause}`,
      rep?.outcome === 'stopped-by-guard' || !applied
        ? '  (nothing was changed)'
        : `  (${applied} changes were applied before it stopped; a redrive or the next run finishes the rest)`,
      ...(rep ? ['', ...lines] : []),
    ];
  }
  return [...lines, `  ${x.status} in ${secs} s (${r.stats.stateTransitions} state transitions)`];
}

/** A local or live run's exit code: 1 if it failed, 3 if a dry run's plan would trip the deletion guard. */
export function exitCode(result: LocalRunResult, report: RunReport | undefined, io: Io): number {
  if (result.execution.status !== 'SUCCEEDED') {
    io.err(`${result.execution.error}: ${result.execution.cause}\n`);
    return 1;
  }
  if (report?.guard.verdict === 'would-stop') {
    io.err(
      `dry run: a real run would be stopped by the deletion guard (${report.guard.reasons.join('; ')}); exit code ${EXIT_GUARD_WOULD_STOP}\n`,
    );
    return EXIT_GUARD_WOULD_STOP;
  }
  return 0;
}

export interface SyncOptions extends LiveSyncOptions {
  local?: boolean;
  live?: boolean;
  config?: string;
  fixture?: string;
  seed?: string;
  dryRun?: boolean;
  allowMassDeletion?: boolean;
  input?: string;
  json?: boolean;
  stateOut?: string;
  rps?: number;
  latencyMs?: number;
  faultRate?: number;
  blobDir?: string;
}

/** Options that belong to one mode only, by the name typed. */
const LOCAL_ONLY = {
  fixture: '--fixture',
  seed: '--seed',
  stateOut: '--state-out',
  rps: '--rps',
  latencyMs: '--latency-ms',
  faultRate: '--fault-rate',
  input: '--input',
  dryRun: '--dry-run',
} as const;
const LIVE_ONLY = {
  apply: '--apply',
  region: '--region',
  profile: '--profile',
  secretFile: '--secret-file',
  bucket: '--bucket',
  leaseTable: '--lease-table',
} as const;

function given(o: SyncOptions, names: Record<string, string>): string[] {
  return Object.entries(names)
    .filter(([k]) => o[k as keyof SyncOptions] !== undefined && o[k as keyof SyncOptions] !== false)
    .map(([, flag]) => flag);
}

export async function syncCommand(p: Provider, o: SyncOptions, io: Io = processIo()): Promise<number> {
  if (o.local && o.live) throw new UsageError('--local or --live, not both');
  if (!o.local && !o.live)
    throw new UsageError(
      'say where: --local (stand-ins on this machine) or --live (the real source and Identity Store, a dry run unless --apply); `scim-sync start` runs the deployed state machine',
    );
  if (o.live) {
    if (o.apply && o.dryRun) throw new UsageError('--apply or --dry-run, not both');
    const wrong = given(o, LOCAL_ONLY).filter((f) => f !== '--dry-run');
    if (wrong.length)
      throw new UsageError(
        `${wrong.join(', ')} ${wrong.length > 1 ? 'are' : 'is'} for --local runs: a live run reads the real source and Identity Store`,
      );
    return liveSyncCommand(p, o, io);
  }
  const wrong = given(o, LIVE_ONLY);
  if (wrong.length)
    throw new UsageError(
      `${wrong.join(', ')} ${wrong.length > 1 ? 'are' : 'is'} for --live runs (a --local run applies unless --dry-run)`,
    );
  const input: Record<string, unknown> = {};
  if (o.input !== undefined) {
    const v = parseJsonText('--input', 'value', o.input);
    if (!v || typeof v !== 'object' || Array.isArray(v))
      throw new UsageError('--input must be a JSON object, e.g. {"dryRun": true}');
    Object.assign(input, v);
  }
  if (o.dryRun) input.dryRun = true;
  if (o.allowMassDeletion) input.allowMassDeletion = true;
  const config: ConfigInput = o.config ? loadConfigFile(o.config) : loadConfigInput();
  if (!config.providers?.[p]) throw new UsageError(`the configuration has no providers.${p} section`);
  const fixture = o.fixture ? loadFixture(p, o.fixture) : undefined;
  const seed = o.seed ? loadSeed(o.seed) : undefined;
  const out = (s: string) => {
    if (!o.json) io.out(s);
  };
  let env: LocalEnvironment | undefined;
  let runner: LocalRunner | undefined;
  const saveState = () => {
    if (env && o.stateOut)
      writeText('--state-out', o.stateOut, `${JSON.stringify(env.emulator.dump(), null, 2)}\n`);
  };
  try {
    env = await startLocalEnvironment({
      // The whole configuration: the other provider's section (or its defaults) sets its claims.
      config,
      providers: [p],
      ...(fixture ? { fixtures: { [p]: fixture } } : {}),
      ...(seed ? { seed } : {}),
      ...(o.rps !== undefined ? { rps: o.rps } : {}),
      ...(o.latencyMs !== undefined ? { latencyMs: o.latencyMs } : {}),
      ...(o.faultRate !== undefined
        ? { faults: { rate: o.faultRate, error: 'ThrottlingException' as const, seed: 1 } }
        : {}),
    });
    const blobDir = o.blobDir ?? blobRoot();
    runner = new LocalRunner(env, blobDir);
    const pace =
      o.rps !== undefined
        ? `paced to ${env.config.identityStoreRps} requests/s as deployed (emulator limit ${o.rps}/s)`
        : 'unpaced (no --rps)';
    out(
      `${p}: running statemachines/sync.asl.json locally (Identity Store emulator at ${env.emulator.endpoint}, ${pace})\n`,
    );
    const result = await runner.run(p, {
      input,
      ...(o.json ? {} : { onProgress: progressPrinter(out, io.isTTY) }),
    });
    saveState();
    const blobs = new DirBlobStore(blobDir);
    const report = await readReport(blobs, p, result.execution.name);
    if (o.json) {
      if (report) io.out(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      out(`\n${(await describeRun(result, blobs, p, report)).join('\n')}\n`);
      out(`  plans and results: ${join(blobDir, p, result.execution.name)}\n`);
    }
    return exitCode(result, report, io);
  } catch (err) {
    saveState();
    throw err;
  } finally {
    runner?.close();
    await env?.close();
  }
}
