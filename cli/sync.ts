/**
 * `scim-sync sync <github|entra> --local ...`: one real run of the state machine on this machine,
 * against the local stand-ins (demo fixtures unless given).
 *
 * stdout: progress and a readable summary, or with --json only the execution's output.
 * Exit code 0 when the execution succeeded; otherwise 1 with "<ErrorName>: <cause>" on stderr.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Provider, ProviderSchema } from '../lambdas/core/model';
import type { RunSummary } from '../lambdas/handlers/report';
import { DirBlobStore } from '../lambdas/runtime/blobs';
import { type LocalEnvironment, loadConfigInput, startLocalEnvironment } from '../local/environment';
import type { SeedFile } from '../local/identitystore';
import { type LocalRunResult, LocalRunner, type ProgressEvent } from '../local/runner';
import { collectChanges, readPlannedOps, readResults, renderSummary } from './summary';

export const SYNC_USAGE = `usage: scim-sync sync <github|entra> --local [--config FILE] [--fixture FILE] [--seed FILE]
                   [--dry-run] [--allow-mass-deletion] [--input JSON] [--json] [--state-out FILE]
                   [--rps N] [--fault-rate X] [--blob-dir DIR]`;

export const blobRoot = () => join(process.cwd(), '.scim-sync', 'blobs');

/** Progress lines for a terminal: states entered, batches done of total, retries. */
export function progressPrinter(write: (s: string) => void): (e: ProgressEvent) => void {
  return (e) => {
    if (e.kind === 'state') write(`  → ${e.state}\n`);
    else if (e.kind === 'batch') write(`    ${e.state}: batch ${e.done}/${e.total} done\n`);
    else if (e.kind === 'retry') write(`    ${e.state}: retrying\n`);
    else if (e.kind === 'failed') write(`  ✗ ${e.state} failed: ${e.error}\n`);
  };
}

/** The lines that summarise a finished run for a person. */
export async function describeRun(
  r: LocalRunResult,
  blobs: DirBlobStore,
  provider: Provider,
): Promise<string[]> {
  const x = r.execution;
  const secs = (r.stats.wallMs / 1000).toFixed(1);
  if (x.status !== 'SUCCEEDED') {
    const lines = [`${provider} sync ${x.name}: FAILED in ${secs} s`, `  ${x.error}: ${x.cause}`];
    const done = collectChanges(await readResults(blobs, provider, x.name));
    const applied =
      [...done.byGroup.values()].reduce((n, g) => n + g.added.length + g.removed.length, 0) +
      done.users.created.length +
      done.users.deleted.length;
    lines.push(
      applied
        ? `  (${applied} changes were applied before it stopped; a redrive or the next run finishes the rest)`
        : '  (nothing was changed)',
    );
    return lines;
  }
  const summary = r.output as RunSummary;
  const dry = summary.outcome === 'dry-run';
  const lines = dry
    ? await readPlannedOps(blobs, provider, x.name)
    : await readResults(blobs, provider, x.name);
  const changes = collectChanges(lines, new Set([dry ? 'planned' : 'done']));
  return [
    ...renderSummary(summary, changes),
    `  ${x.status} in ${secs} s (${r.stats.stateTransitions} state transitions)`,
  ];
}

export async function syncCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      local: { type: 'boolean', default: false },
      config: { type: 'string' },
      fixture: { type: 'string' },
      seed: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      'allow-mass-deletion': { type: 'boolean', default: false },
      input: { type: 'string' },
      json: { type: 'boolean', default: false },
      'state-out': { type: 'string' },
      rps: { type: 'string' },
      'fault-rate': { type: 'string' },
      'blob-dir': { type: 'string' },
    },
  });
  const provider = ProviderSchema.safeParse(positionals[0]);
  if (!provider.success || !values.local) {
    process.stderr.write(
      `${SYNC_USAGE}\n\n${!values.local ? 'Only --local runs are available here; use `scim-sync start` for AWS.' : 'name a provider: github or entra'}\n`,
    );
    return 2;
  }
  const p = provider.data;
  const input: Record<string, unknown> = values.input ? JSON.parse(values.input) : {};
  if (values['dry-run']) input.dryRun = true;
  if (values['allow-mass-deletion']) input.allowMassDeletion = true;
  const config = loadConfigInput(values.config);
  if (!config.providers?.[p]) {
    process.stderr.write(`ConfigError: the configuration has no providers.${p} section\n`);
    return 1;
  }
  const out = (s: string) => {
    if (!values.json) process.stdout.write(s);
  };
  let env: LocalEnvironment | undefined;
  let runner: LocalRunner | undefined;
  try {
    env = await startLocalEnvironment({
      // The whole configuration: the other provider's section (or its defaults) sets its claims.
      config,
      providers: [p],
      ...(values.fixture ? { fixtures: { [p]: values.fixture } } : {}),
      ...(values.seed ? { seed: JSON.parse(readFileSync(values.seed, 'utf8')) as SeedFile } : {}),
      ...(values.rps ? { rps: Number(values.rps) } : {}),
      ...(values['fault-rate']
        ? { faults: { rate: Number(values['fault-rate']), error: 'ThrottlingException' as const, seed: 1 } }
        : {}),
    });
    const blobDir = values['blob-dir'] ?? blobRoot();
    runner = new LocalRunner(env, blobDir);
    out(
      `${p}: running statemachines/sync.asl.json locally (Identity Store emulator at ${env.emulator.endpoint})\n`,
    );
    const result = await runner.run(p, {
      input,
      ...(values.json ? {} : { onProgress: progressPrinter(out) }),
    });
    if (values['state-out'])
      writeFileSync(values['state-out'], `${JSON.stringify(env.emulator.dump(), null, 2)}\n`);
    if (values.json) {
      if (result.output !== undefined) process.stdout.write(`${JSON.stringify(result.output, null, 2)}\n`);
    } else {
      out(`\n${(await describeRun(result, new DirBlobStore(blobDir), p)).join('\n')}\n`);
      out(`  plans and results: ${join(blobDir, p, result.execution.name)}\n`);
    }
    if (result.execution.status !== 'SUCCEEDED') {
      process.stderr.write(`${result.execution.error}: ${result.execution.cause}\n`);
      return 1;
    }
    return 0;
  } catch (err) {
    if (env && values['state-out'])
      writeFileSync(values['state-out'], `${JSON.stringify(env.emulator.dump(), null, 2)}\n`);
    throw err;
  } finally {
    runner?.close();
    await env?.close();
  }
}
