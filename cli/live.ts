/**
 * `scim-sync sync <github|entra> --live [--apply]`: one run of the same state machine definition
 * and handlers, on this machine, against the real GitHub organisation or Entra tenant and the real
 * Identity Store (local/live.ts). A dry run unless --apply; the run report is written as for any
 * run, under .scim-sync/blobs/ unless --bucket.
 *
 * What a live run shares with deployed runs: the Identity Store lease (the deployed table, so a live
 * run and a deployed one never overlap; a live --apply needs it), the deletion guard (ComputePlan),
 * the pace (identityStoreRps, the deployed budget split over the batches) and the definition's own
 * retry intervals. Before anything is deployed a live dry run takes a lease on this machine only.
 */
import { join } from 'node:path';
import { parseConfig } from '../lambdas/core/config';
import type { Provider } from '../lambdas/core/model';
import { DirBlobStore } from '../lambdas/runtime/blobs';
import { readReport } from '../lambdas/runtime/report-store';
import { loadConfigInput } from '../local/environment';
import { LEASE_TABLE_NAME } from '../lambdas/core/lease';
import { type LocalDynamo, startLocalDynamo } from '../local/dynamodb';
import { LiveAws, liveEnvironment } from '../local/live';
import { LocalRunner } from '../local/runner';
import { CliError, executionName, explainAwsError, type Io, processIo } from './aws/client';
import { loadConfigFile, readText, UsageError } from './files';
import { blobRoot, describeRun, exitCode, progressPrinter } from './sync';

export interface LiveSyncOptions {
  config?: string;
  apply?: boolean;
  allowMassDeletion?: boolean;
  json?: boolean;
  region?: string;
  profile?: string;
  secretFile?: string;
  bucket?: string;
  leaseTable?: string;
  blobDir?: string;
}

/** The configuration a live command uses (--config FILE, else cdk.json's scimSync), validated. */
export function liveConfig(p: Provider, file: string | undefined) {
  const input = file ? loadConfigFile(file) : loadConfigInput();
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig(input, file ? `--config ${file}` : 'cdk.json "scimSync"');
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (!config.providers[p]) throw new UsageError(`the configuration has no providers.${p} section`);
  return config;
}

/** A secret file's text; problems name the file, never its content. */
export function readSecretFile(file: string): string {
  const text = readText('--secret-file', file);
  if (text.trim() === '') throw new UsageError(`--secret-file ${file}: is empty`);
  return text;
}

export async function liveSyncCommand(
  p: Provider,
  o: LiveSyncOptions,
  io: Io = processIo(),
): Promise<number> {
  const config = liveConfig(p, o.config);
  const secretText = o.secretFile ? readSecretFile(o.secretFile) : undefined;
  const out = (s: string) => {
    if (!o.json) io.out(s);
  };
  const aws = new LiveAws({
    config,
    ...(o.region ? { region: o.region } : {}),
    ...(o.profile ? { profile: o.profile } : {}),
  });
  let credentials: string;
  try {
    credentials = await aws.credentials();
  } catch (err) {
    throw new CliError(
      explainAwsError(err, { region: aws.region, ...(o.profile ? { profile: o.profile } : {}) }),
    );
  }
  // The run lease: the deployed table, as deployed runs take it. Before a deploy there is none: a
  // dry run then holds a lease on this machine only; an --apply refuses (it must not overlap a run).
  const leaseTable = o.leaseTable ?? LEASE_TABLE_NAME;
  let lease: 'present' | 'missing';
  try {
    lease = await aws.leaseTable(leaseTable, config.identityStoreId);
  } catch (err) {
    throw new CliError(
      `could not read the run lease in the DynamoDB table ${leaseTable} (${aws.region}): ${explainAwsError(err, { region: aws.region, ...(o.profile ? { profile: o.profile } : {}) })}. A live run takes the same lease as deployed runs: it needs dynamodb:GetItem and dynamodb:UpdateItem on that table.`,
    );
  }
  if (lease === 'missing' && o.apply)
    throw new CliError(
      `the run lease table ${leaseTable} does not exist in ${aws.region}: a live --apply takes the same lease as deployed runs, so that it never runs beside one. Deploy the stack first (it creates the table), or name the table with --lease-table; a dry run (without --apply) works before deploying.`,
    );
  let localLease: LocalDynamo | undefined;
  if (lease === 'missing') localLease = await startLocalDynamo(aws.region);
  const env = liveEnvironment(
    {
      config,
      providers: [p],
      ...(o.region ? { region: o.region } : {}),
      ...(o.profile ? { profile: o.profile } : {}),
      ...(secretText !== undefined ? { secretFile: { text: secretText } } : {}),
      leaseTable,
      ...(localLease ? { localLease: { endpoint: localLease.endpoint, table: localLease.table } } : {}),
    },
    credentials,
  );
  const blobDir = o.blobDir ?? blobRoot();
  const blobs = o.bucket ? env.bucket(o.bucket) : undefined;
  // The definition's own retry intervals and lease waits (a minute a poll), as deployed.
  const runner = new LocalRunner(env, blobs ?? blobDir, { retryPauseMs: null, waitMs: null });
  try {
    const source =
      p === 'github'
        ? `GitHub organisation ${config.providers.github!.organisation} at ${config.providers.github!.apiUrl}`
        : `Entra ID at ${config.providers.entra!.graphUrl} (login ${config.providers.entra!.authorityHost})`;
    const w = env.where;
    out(
      `${p}: a live ${o.apply ? 'run: changes are APPLIED to the Identity Store' : 'dry run: nothing is changed (add --apply to apply)'}\n` +
        `  statemachines/sync.asl.json and the real handlers, run on this machine\n` +
        `  source          ${source}\n` +
        `  Identity Store  ${config.identityStoreId} ${w.identityStore}, paced to ${config.identityStoreRps} requests/s as deployed\n` +
        `  secret          ${w.secrets}\n` +
        `  AWS             region ${w.region}, credentials: ${w.credentials}\n` +
        `  run lease       ${localLease ? `on this machine only (no table ${leaseTable} in ${aws.region}: nothing deployed yet?)` : `DynamoDB table ${leaseTable}, shared with the deployed runs`}\n` +
        `  run data        ${o.bucket ? `s3://${o.bucket}/${p}/` : join(blobDir, p)}\n`,
    );
    const name = executionName('live');
    const input = { dryRun: !o.apply, ...(o.allowMassDeletion ? { allowMassDeletion: true } : {}) };
    const result = await runner.run(p, {
      name,
      input,
      ...(o.json ? {} : { onProgress: progressPrinter(out, io.isTTY) }),
    });
    const readFrom = blobs ?? new DirBlobStore(blobDir);
    const report = await readReport(readFrom, p, result.execution.name);
    if (o.json) {
      if (report) io.out(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      const more = o.bucket
        ? `the report: s3://${o.bucket}/${p}/${name}/report.html`
        : `scim-sync report ${p} --local --run ${name}${o.blobDir ? ` --blob-dir ${o.blobDir}` : ''}`;
      out(`\n${(await describeRun(result, readFrom, p, report, more)).join('\n')}\n`);
      if (!o.apply && result.execution.status === 'SUCCEEDED')
        out(`  a dry run: nothing was changed. \`scim-sync sync ${p} --live --apply\` applies it.\n`);
    }
    return exitCode(result, report, io);
  } finally {
    runner.close();
    await env.close();
    await localLease?.close();
  }
}
