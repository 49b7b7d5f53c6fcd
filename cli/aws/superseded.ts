/**
 * Whether a failed execution's plan has been superseded: a newer execution of the same state
 * machine (one started after it) has applied its plan (it entered an apply batch) or succeeded with
 * an applied sync. Its apply batches would then stop with PlanSupersededError before any write
 * (lambdas/runtime/lease.ts decides the same on the lease record, in start order), so
 * `scim-sync redrive` refuses up front and says which run superseded it.
 *
 * Also how many history events a redrive may need: Step Functions keeps appending to the same
 * 25,000-event history, so a redrive that re-runs many failed batches may not fit.
 */
import {
  DescribeExecutionCommand,
  type HistoryEvent,
  paginateListExecutions,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { HistoryReader } from './history';

/** A newer execution, as far as supersession is concerned. */
export interface Candidate {
  name: string;
  startDate: Date;
  status: string;
  /** It entered an apply batch, or succeeded with an applied (not dry-run, not skipped) sync. */
  applied: boolean;
}

const APPLY_TASKS = new Set(['ApplyCreatesBatch', 'ApplyMembershipsBatch', 'ApplyDeletesBatch']);

/** Whether a history shows an apply batch starting. */
export function enteredApply(events: HistoryEvent[]): boolean {
  return events.some(
    (e) => e.type === 'TaskStateEntered' && APPLY_TASKS.has(e.stateEnteredEventDetails?.name ?? ''),
  );
}

/** Whether an execution output is an applied sync (not a dry run, not `{"skipped": ...}`). */
export function appliedOutput(output: string | undefined): boolean {
  try {
    return (JSON.parse(output ?? '{}') as { outcome?: string }).outcome === 'applied';
  } catch {
    return false;
  }
}

/** The newest candidate that started after the target and applied, in words; undefined if none. */
export function supersededBy(target: { startDate: Date }, candidates: Candidate[]): string | undefined {
  const newer = candidates
    .filter((c) => c.startDate.getTime() > target.startDate.getTime() && c.applied)
    .sort((a, b) => b.startDate.getTime() - a.startDate.getTime())[0];
  if (!newer) return undefined;
  const what = newer.status === 'SUCCEEDED' ? 'succeeded' : `applied its plan (it is ${newer.status} now)`;
  return `execution ${newer.name}, started ${newer.startDate.toISOString()} after this one, ${what}`;
}

/** The executions of the machine started after `target`, with whether each applied (newest first). */
export async function newerCandidates(
  client: SFNClient,
  stateMachineArn: string,
  target: { executionArn?: string; startDate?: Date },
): Promise<Candidate[]> {
  const after = target.startDate?.getTime() ?? 0;
  const out: Candidate[] = [];
  pages: for await (const page of paginateListExecutions({ client }, { stateMachineArn })) {
    for (const x of page.executions ?? []) {
      const start = x.startDate?.getTime() ?? 0;
      // Newest first: once at the target's start, the rest are older.
      if (start <= after) break pages;
      if (!x.executionArn || x.executionArn === target.executionArn) continue;
      let applied: boolean;
      if (x.status === 'SUCCEEDED') {
        const d = await client.send(new DescribeExecutionCommand({ executionArn: x.executionArn }));
        applied = appliedOutput(d.output);
      } else {
        const reader = new HistoryReader(client, x.executionArn);
        await reader.refresh();
        applied = enteredApply(reader.events);
      }
      out.push({
        name: x.name ?? x.executionArn,
        startDate: new Date(start),
        status: x.status ?? '',
        applied,
      });
      if (applied) break pages;
    }
  }
  return out;
}

/** Step Functions' limit on one execution's history, redrives included. */
export const HISTORY_EVENT_LIMIT = 25_000;
/** A re-run batch costs 7 events, each retry 3 more (4 retries at most); a redrive's own fixed events. */
export const REDRIVE_EVENTS_PER_BATCH = 7 + 4 * 3;
export const REDRIVE_FIXED_EVENTS = 60;

/** The most events a redrive may add: every failed batch through all its retries, and the states after it. */
export function redriveEventsNeeded(failedBatches: number): number {
  return REDRIVE_FIXED_EVENTS + Math.max(1, failedBatches) * REDRIVE_EVENTS_PER_BATCH;
}

/** Why the history cannot hold a redrive, in words; undefined when it can. */
export function historyRoom(used: number, failedBatches: number): string | undefined {
  const needed = redriveEventsNeeded(failedBatches);
  if (used + needed <= HISTORY_EVENT_LIMIT) return undefined;
  return (
    `its history holds ${used} of Step Functions' ${HISTORY_EVENT_LIMIT.toLocaleString('en')} events and re-running its ` +
    `${failedBatches} failed batches may need up to ${needed} more: the execution could stop part-way when the history is full`
  );
}
