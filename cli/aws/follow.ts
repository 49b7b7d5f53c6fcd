/**
 * Following an execution to its end: DescribeExecution and the new history events every poll,
 * shown as the state it is in and batches done of total (a bar on a terminal, lines otherwise),
 * then the summary from its output, or where and why it failed.
 */
import { DescribeExecutionCommand, type DescribeExecutionCommandOutput } from '@aws-sdk/client-sfn';
import type { RunSummary } from '../../lambdas/handlers/report';
import type { Aws, Io } from './client';
import {
  failureOf,
  HistoryReader,
  machineTopology,
  type Progress,
  progressOf,
  type Topology,
} from './history';
import { type ApplyProgress, APPLY_STATES, eta, phaseTotals } from '../../local/progress';
import { progressLine } from '../progress';
import { duration, failureLines, summaryLines } from './render';

const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface FollowResult {
  execution: DescribeExecutionCommandOutput;
  summary?: RunSummary;
  progress: Progress;
  topology: Topology;
  history: HistoryReader;
}

function bar(done: number, total: number, width = 24): string {
  const filled = total ? Math.round((done / total) * width) : 0;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/**
 * Where the apply phases are, from the outputs of the batches that finished: operations done of
 * the plan's total, calls per second, throttles, retries (the SDK's, and failed batch attempts), ETA.
 */
export function applyProgress(p: Progress, now = new Date()): ApplyProgress | undefined {
  const state = p.state;
  if (!state || !(APPLY_STATES as readonly string[]).includes(state) || !p.plan) return undefined;
  const totals = phaseTotals(p.plan.counts);
  const done = (s: string) => Math.min(p.applied.get(s)?.operations ?? 0, totals[s] ?? 0);
  const all = [...p.applied.values()];
  const allDone = APPLY_STATES.reduce((n, s) => n + done(s), 0);
  const allTotal = APPLY_STATES.reduce((n, s) => n + (totals[s] ?? 0), 0);
  const first = all.map((a) => a.startedAt).find((t) => t !== undefined);
  const elapsed = first ? now.getTime() - first.getTime() : 0;
  const calls = all.reduce((n, a) => n + a.calls, 0);
  const left = eta(allDone, allTotal - allDone, elapsed);
  return {
    state,
    done: done(state),
    total: totals[state] ?? 0,
    allDone,
    allTotal,
    ...(elapsed > 0 ? { callsPerSecond: (calls * 1000) / elapsed } : {}),
    throttled: all.reduce((n, a) => n + a.throttled, 0),
    retries: all.reduce((n, a) => n + a.retries, 0),
    batchRetries: p.taskFailures.filter((f) => f.state.startsWith('Apply')).length,
    ...(left !== undefined ? { etaSeconds: left } : {}),
  };
}

/** Prints what changed since the last call: plain lines, or one redrawn line on a terminal. */
function progressPrinter(io: Io, started: Date) {
  let lastState: string | undefined;
  let lastBatches = '';
  let failures = 0;
  let drawn = false;
  let lastApply = 0;
  return {
    update(p: Progress) {
      const b = p.state ? p.batches.get(p.state) : undefined;
      const batches = b?.total !== undefined ? `${b.done}/${b.total} batches` : '';
      const apply = applyProgress(p);
      if (io.isTTY) {
        const ops = apply ? `  ${progressLine(apply).replace(/^\w+: /, '')}` : '';
        const line = `  ${p.state ?? 'starting'} ${b?.total ? `${bar(b.done, b.total)} ` : ''}${batches}${ops}  ${duration(started)}`;
        io.out(`\r\x1b[2K${line}`);
        drawn = true;
      } else {
        const prev = lastState !== undefined && lastState !== p.state ? p.batches.get(lastState) : undefined;
        const prevLine = prev?.total !== undefined ? `${prev.done}/${prev.total} batches` : '';
        if (prev && prevLine !== lastBatches) io.out(`    ${lastState}: ${prevLine} done\n`);
        if (p.state !== lastState) io.out(`  → ${p.state}${batches ? ` (${batches})` : ''}\n`);
        else if (batches && batches !== lastBatches) io.out(`    ${p.state}: ${batches} done\n`);
        // While batches apply: operations, rate, throttles, retries and ETA every few seconds.
        if (apply && Date.now() - lastApply >= 5000 && apply.allDone < apply.allTotal) {
          io.out(`    ${progressLine(apply)}\n`);
          lastApply = Date.now();
        }
      }
      for (const f of p.taskFailures.slice(failures)) {
        if (drawn) io.out('\n');
        io.out(`    ${f.state} failed with ${f.error}; Step Functions retries it if the state allows\n`);
        drawn = false;
      }
      failures = p.taskFailures.length;
      lastState = p.state;
      lastBatches = batches;
    },
    end() {
      if (drawn) io.out('\n');
    },
  };
}

/**
 * Polls until the execution ends. `redriveCount`: after a RedriveExecution call, the count it must
 * reach before a FAILED status means the redriven run failed (not the run before it).
 */
export async function follow(
  aws: Aws,
  executionArn: string,
  io: Io,
  opts: { quiet?: boolean; redriveCount?: number } = {},
): Promise<FollowResult> {
  const history = new HistoryReader(aws.client, executionArn);
  let x = await aws.client.send(new DescribeExecutionCommand({ executionArn }));
  const topo = await machineTopology(aws.client, x.stateMachineArn ?? '');
  const printer = progressPrinter(io, x.redriveDate ?? x.startDate ?? new Date());
  let progress = progressOf([], topo);
  const deadline = Date.now() + 60_000;
  for (;;) {
    await history.refresh();
    progress = progressOf(history.events, topo);
    if (!opts.quiet) printer.update(progress);
    const pendingRedrive = (x.redriveCount ?? 0) < (opts.redriveCount ?? 0) && Date.now() < deadline;
    if (x.status && TERMINAL.has(x.status) && !pendingRedrive) break;
    await sleep(aws.pollMs);
    x = await aws.client.send(new DescribeExecutionCommand({ executionArn }));
  }
  await history.refresh();
  progress = progressOf(history.events, topo);
  if (!opts.quiet) {
    printer.update(progress);
    printer.end();
  }
  let summary: RunSummary | undefined;
  try {
    summary = x.output ? (JSON.parse(x.output) as RunSummary) : undefined;
  } catch {
    summary = undefined;
  }
  return { execution: x, ...(summary ? { summary } : {}), progress, topology: topo, history };
}

/** The lines that end `start --wait`, `plan` and `redrive --wait`: the summary, or the failure. */
export function outcomeLines(r: FollowResult, provider: string): string[] {
  const x = r.execution;
  const took = duration(x.redriveDate ?? x.startDate, x.stopDate);
  const skipped = (r.summary as { skipped?: { message?: string } } | undefined)?.skipped;
  if (x.status === 'SUCCEEDED' && skipped) {
    return [
      `${provider} run ${x.name}: skipped: ${skipped.message ?? ''}`,
      `  SUCCEEDED in ${took} (nothing read or changed)`,
    ];
  }
  if (x.status === 'SUCCEEDED' && r.summary) {
    return [...summaryLines(r.summary), `  SUCCEEDED in ${took}`];
  }
  const f = failureOf(r.history.events, r.topology);
  const failure = { ...f, error: x.error ?? f.error, cause: x.cause ?? f.cause };
  const lines = [`${provider} run ${x.name}: ${x.status} after ${took}`, ...failureLines(failure)];
  if (r.progress.plan && x.status !== 'SUCCEEDED') {
    const c = r.progress.plan.counts;
    lines.push(
      `  the plan had ${c.total ?? 0} changes; batches that finished stay applied (every operation is idempotent)`,
    );
  }
  return lines;
}
