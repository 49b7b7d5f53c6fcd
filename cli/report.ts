/**
 * `scim-sync report [<provider>] [--run <name | ARN | latest>] [--json | --html FILE] [--local]`:
 * a run's report, as a table for people, JSON for machines, or the HTML page written to a file.
 * On AWS it finds the execution (region and profile as the other commands), reads where its
 * report is (the execution output, the plan step's output, or the guard's error) and reads it from
 * the bucket; a run that stopped in an apply phase is completed here with its batches' results.
 * With --local it reads the latest local run under .scim-sync/blobs/ (or --blob-dir).
 */
import { readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { renderReportHtml } from '../lambdas/core/report-html';
import { type RunReport, withResults } from '../lambdas/core/report';
import type { BatchResultFile } from '../lambdas/handlers/apply-batch';
import { type BlobStore, DirBlobStore, S3BlobStore } from '../lambdas/runtime/blobs';
import {
  type Aws,
  CliError,
  findMachine,
  type Io,
  listMachines,
  type Parsed,
  parseProvider,
  processIo,
  providerOfMachine,
  resolveExecution,
  withAws,
} from './aws/client';
import { HistoryReader, machineTopology, progressOf } from './aws/history';
import { UsageError, writeText } from './files';
import { reportLines } from './report-text';

/** Where a report is: a blob store and the report's key in it (s3://bucket/key, or a local path). */
export function storeOf(location: string, aws?: Pick<Aws, 'region'> & { profile?: string }) {
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
  if (s3) {
    const client = new S3Client({
      ...(aws?.region ? { region: aws.region } : {}),
      ...(aws?.profile ? { profile: aws.profile } : {}),
    });
    return {
      blobs: new S3BlobStore(client, s3[1]!) as BlobStore,
      key: s3[2]!,
      close: () => client.destroy(),
    };
  }
  const parts = location.split(sep);
  // <root>/<provider>/<run>/report.json
  const root = parts.slice(0, -3).join(sep) || sep;
  return { blobs: new DirBlobStore(root) as BlobStore, key: parts.slice(-3).join('/'), close: () => {} };
}

/**
 * The report at `location`. A report still 'planned' while the execution is over or running is
 * completed with the results its batches recorded so far.
 */
export async function loadReport(
  location: string,
  status: string | undefined,
  aws?: Pick<Aws, 'region'> & { profile?: string },
): Promise<RunReport> {
  const json = location.replace(/report\.html$/, 'report.json');
  const { blobs, key, close } = storeOf(json, aws);
  try {
    const report = await blobs.getJson<RunReport>(key);
    if (!report) throw new CliError(`no report at ${json} (run data expires after 15 days)`);
    if (report.outcome !== 'planned' || status === 'SUCCEEDED') return report;
    const prefix = key.replace(/report\.json$/, 'results/');
    const files = await Promise.all((await blobs.list(prefix)).map((k) => blobs.getJson<BatchResultFile>(k)));
    return withResults(
      report,
      files.map((f) => ({ lines: (f?.results ?? []) as never, ...(f?.calls ? { calls: f.calls } : {}) })),
      { outcome: status === 'RUNNING' ? 'running' : 'failed', finishedAt: new Date().toISOString() },
    );
  } finally {
    close();
  }
}

/** The newest report.json under `root` (of `provider`, of the run named `run`). */
export function findLocalReport(root: string, provider?: string, run?: string): string | undefined {
  let best: { path: string; at: number } | undefined;
  let names: string[];
  try {
    names = readdirSync(root, { recursive: true }) as string[];
  } catch {
    return undefined;
  }
  for (const name of names) {
    const parts = name.split(sep);
    if (parts.at(-1) !== 'report.json') continue;
    if (run && parts.at(-2) !== run) continue;
    if (provider && parts.at(-3) !== provider) continue;
    const path = join(root, name);
    const at = statSync(path).mtimeMs;
    if (!best || at > best.at) best = { path, at };
  }
  return best?.path;
}

/** Where an execution's report is: its output, its plan step's output, or its guard error's cause. */
export async function reportLocationOf(
  aws: Aws,
  executionArn: string,
): Promise<{ location: string; status: string }> {
  const x = await aws.client.send(new DescribeExecutionCommand({ executionArn }));
  const status = x.status ?? 'UNKNOWN';
  try {
    const out = JSON.parse(x.output ?? '{}') as { report?: { json?: string } };
    if (out.report?.json) return { location: out.report.json, status };
  } catch {
    // not a run summary
  }
  const history = new HistoryReader(aws.client, executionArn);
  await history.refresh();
  const plan = progressOf(history.events, await machineTopology(aws.client, x.stateMachineArn ?? '')).plan;
  if (plan?.report) return { location: plan.report, status };
  const inCause = /((?:s3:\/\/|\/)\S+\/report\.(?:html|json))/.exec(x.cause ?? '')?.[1];
  if (inCause) return { location: inCause, status };
  throw new CliError(
    `${x.name} has no report: it stopped before ComputePlan (${x.error ?? status}); scim-sync status ${providerOfMachine(x.stateMachineArn ?? '')} says where and why`,
  );
}

async function latestExecution(aws: Aws, provider: string | undefined): Promise<string> {
  const machine = provider
    ? await findMachine(aws, parseProvider(provider))
    : aws.stateMachineArn
      ? { name: '', arn: aws.stateMachineArn }
      : await (async () => {
          const all = await listMachines(aws);
          if (all.length !== 1)
            throw new UsageError(
              all.length
                ? `which provider? scim-sync report ${all.map((m) => providerOfMachine(m.name)).join(' or scim-sync report ')}`
                : `no scim-sync state machines in ${aws.region}`,
            );
          return all[0]!;
        })();
  const r = await aws.client.send(new ListExecutionsCommand({ stateMachineArn: machine.arn, maxResults: 1 }));
  const arn = r.executions?.[0]?.executionArn;
  if (!arn) throw new CliError(`${machine.name} has no runs yet`);
  return arn;
}

function print(report: RunReport, values: Parsed['values'], io: Io): number {
  if (values.html) {
    writeText('--html', String(values.html), renderReportHtml(report));
    io.out(
      `wrote ${values.html} (${report.provider} run ${report.runId}, ${report.changes.length} changes)\n`,
    );
  } else if (values.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
  else io.out(`${reportLines(report).join('\n')}\n`);
  return 0;
}

export async function reportCommand(parsed: Parsed, io: Io = processIo()): Promise<number> {
  const { values, positionals } = parsed;
  const provider = positionals[0] ? parseProvider(positionals[0]) : undefined;
  const run = values.run === 'latest' ? undefined : (values.run as string | undefined);
  if (values.local) {
    const root = String(values['blob-dir'] ?? join(process.cwd(), '.scim-sync', 'blobs'));
    const path = findLocalReport(root, provider, run);
    if (!path)
      throw new CliError(
        `no local run report${provider ? ` of ${provider}` : ''}${run ? ` for run ${run}` : ''} under ${root}: run \`scim-sync sync <provider> --local\` first`,
      );
    return print(await loadReport(path, 'SUCCEEDED'), values, io);
  }
  return withAws(parsed, io, async (aws) => {
    const arn = run ? await resolveExecution(aws, run, provider) : await latestExecution(aws, provider);
    const { location, status } = await reportLocationOf(aws, arn);
    const profile = values.profile as string | undefined;
    return print(
      await loadReport(location, status, { region: aws.region, ...(profile ? { profile } : {}) }),
      values,
      io,
    );
  });
}
