/**
 * `scim-sync status [<provider>]`: the last runs of each scim-sync state machine: outcome, start,
 * duration, counts (from the execution output, or the plan of a run that did not finish), and for
 * failures the state that failed and the error (from the end of the history).
 */
import { type ExecutionListItem, DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import type { RunSummary } from '../../lambdas/handlers/report';
import {
  type Aws,
  findMachine,
  type Io,
  listMachines,
  type Machine,
  type Parsed,
  parseProvider,
  processIo,
  withAws,
} from './client';
import {
  type Failure,
  failureOf,
  HistoryReader,
  machineTopology,
  type Progress,
  progressOf,
} from './history';
import { countsLine, duration, failedAt, table, whatToDo } from './render';

export interface RunStatus {
  machine: string;
  name: string;
  executionArn: string;
  status: string;
  /** applied | dry-run for runs that succeeded. */
  outcome?: string;
  startDate?: string;
  stopDate?: string;
  durationSeconds?: number;
  redriveCount: number;
  counts?: Record<string, number>;
  applied?: RunSummary['applied'];
  progress?: { state?: string; batchesDone?: number; batches?: number };
  failure?: Omit<Failure, 'failedBatches'> & { failedBatches: number[] };
}

/** One execution's status line data; reads its history only when it did not succeed. */
export async function runStatus(aws: Aws, machine: Machine, item: ExecutionListItem): Promise<RunStatus> {
  const arn = item.executionArn ?? '';
  const x = await aws.client.send(new DescribeExecutionCommand({ executionArn: arn }));
  const start = x.startDate ?? item.startDate;
  const s: RunStatus = {
    machine: machine.name,
    name: x.name ?? item.name ?? '',
    executionArn: arn,
    status: x.status ?? item.status ?? 'UNKNOWN',
    ...(start ? { startDate: start.toISOString() } : {}),
    ...(x.stopDate ? { stopDate: x.stopDate.toISOString() } : {}),
    ...(start && x.stopDate
      ? { durationSeconds: Math.round((x.stopDate.getTime() - start.getTime()) / 1000) }
      : {}),
    redriveCount: x.redriveCount ?? 0,
  };
  if (x.output) {
    try {
      const out = JSON.parse(x.output) as RunSummary & { skipped?: unknown };
      // A start that skipped (another run held the Identity Store's lease) read and changed nothing.
      s.outcome = out.skipped ? 'skipped' : out.outcome;
      s.counts = out.plan;
      if (out.applied) s.applied = out.applied;
    } catch {
      // An output that is not a run summary: status only.
    }
  }
  if (s.status !== 'SUCCEEDED') {
    const topo = await machineTopology(aws.client, machine.arn);
    const reader = new HistoryReader(
      aws.client,
      arn,
      s.status === 'RUNNING' ? Number.POSITIVE_INFINITY : 1000,
    );
    await reader.refresh();
    const p: Progress = progressOf(reader.events, topo);
    if (p.plan) s.counts = p.plan.counts;
    if (s.status === 'RUNNING') {
      const b = p.state ? p.batches.get(p.state) : undefined;
      s.progress = {
        ...(p.state ? { state: p.state } : {}),
        ...(b ? { batchesDone: b.done, ...(b.total !== undefined ? { batches: b.total } : {}) } : {}),
      };
    } else {
      const f = failureOf(reader.events, topo);
      s.failure = { ...f, ...(x.error ? { error: x.error } : {}), ...(x.cause ? { cause: x.cause } : {}) };
    }
  }
  return s;
}

function outcomeWord(s: RunStatus): string {
  if (s.status === 'SUCCEEDED') {
    if (s.outcome === 'skipped') return 'skipped';
    return s.outcome === 'dry-run' ? 'dry run' : 'applied';
  }
  if (s.status === 'RUNNING') {
    const p = s.progress;
    const b = p?.batches !== undefined ? ` ${p.batchesDone ?? 0}/${p.batches}` : '';
    return `running: ${p?.state ?? 'starting'}${b}`;
  }
  return s.status;
}

function countsCell(s: RunStatus): string {
  if (!s.counts) return '';
  const base = `${s.counts.total ?? 0} ${s.outcome === 'applied' ? 'changes' : 'planned'} (${countsLine(s.counts)})`;
  return s.applied?.failed ? `${base}, ${s.applied.failed} failed` : base;
}

export function statusLines(machine: Machine, runs: RunStatus[]): string[] {
  const out = [`${machine.name}: ${runs.length ? `last ${runs.length} runs` : 'no runs yet'}`];
  if (!runs.length) return out;
  const rows = runs.map((s) => [
    s.name,
    outcomeWord(s),
    (s.startDate ?? '').replace(/\.\d+Z$/, 'Z'),
    duration(s.startDate ? new Date(s.startDate) : undefined, s.stopDate ? new Date(s.stopDate) : undefined),
    `${countsCell(s)}${s.redriveCount ? ` (redriven ${s.redriveCount}x)` : ''}`,
  ]);
  out.push(...table(['EXECUTION', 'OUTCOME', 'STARTED (UTC)', 'TOOK', 'CHANGES'], rows).map((l) => `  ${l}`));
  for (const s of runs) {
    if (!s.failure) continue;
    out.push(
      `  ${s.name} ${s.status}: failed in ${failedAt(s.failure)}: ${s.failure.error ?? 'unknown error'}`,
    );
    if (s.failure.cause) out.push(`    cause: ${s.failure.cause}`);
    const todo = whatToDo(s.failure.error);
    if (todo) out.push(`    what to do: ${todo}`);
    out.push(`    execution: ${s.executionArn}`);
  }
  return out;
}

export function statusCommand(parsed: Parsed, io: Io = processIo()): Promise<number> {
  return withAws(parsed, io, async (aws, values, positionals) => {
    const limit = Number(values.limit ?? 5);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      io.err('--limit must be a whole number from 1 to 100\n');
      return 2;
    }
    const machines = positionals[0]
      ? [await findMachine(aws, parseProvider(positionals[0]))]
      : aws.stateMachineArn
        ? [{ name: aws.stateMachineArn.split(':').at(-1) ?? '', arn: aws.stateMachineArn }]
        : await listMachines(aws);
    if (!machines.length) {
      io.err(
        `error: no scim-sync state machines in ${aws.region}: deployed in another region? see docs/deploy.md\n`,
      );
      return 1;
    }
    const all: RunStatus[] = [];
    const blocks: string[] = [];
    for (const m of machines) {
      const page = await aws.client.send(
        new ListExecutionsCommand({ stateMachineArn: m.arn, maxResults: limit }),
      );
      const runs = await Promise.all(
        (page.executions ?? []).slice(0, limit).map((x) => runStatus(aws, m, x)),
      );
      all.push(...runs);
      blocks.push(statusLines(m, runs).join('\n'));
    }
    io.out(values.json ? `${JSON.stringify(all, null, 2)}\n` : `${blocks.join('\n\n')}\n`);
    return 0;
  });
}
