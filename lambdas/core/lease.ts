/**
 * The Identity Store lease, as decisions (no I/O; lambdas/runtime/lease.ts keeps it in DynamoDB).
 *
 * One execution at a time per Identity Store, both providers together: the execution that holds
 * the lease is the only one reading or writing the store, so it has the whole request budget
 * (`identityStoreRps`) and no other run's writes interleave with its snapshot and plan. An
 * execution takes the lease in CheckConcurrency, before it reads anything; every later Task renews
 * it before it reads or writes (a redrive, which restarts at the failed state, re-takes it there);
 * Report releases it. A failed, aborted or timed-out execution runs no Report: its lease lapses at
 * its expiry, which comfortably exceeds the longest gap between two renewals of a running one.
 *
 * Per provider the lease record also keeps the newest execution that applied a plan (or succeeded):
 * an older execution's plan is then superseded (PlanSupersededError), since replaying it would undo
 * newer work, e.g. re-create a leaver. Executions are ordered by their Step Functions start time
 * (one service clock; ties broken by ARN): `runOrder`.
 */
import type { Provider } from './model';

/** The deployed lease table's name (infra/shared.ts); live runs use the same table by default. */
export const LEASE_TABLE_NAME = 'scim-sync-lease';

export interface LeaseTimings {
  /** How long a lease lasts after each renewal. */
  ttlSeconds: number;
  /** How long a start waits before looking again while the other provider holds the lease. */
  pollSeconds: number;
  /** How long (since the execution started) a start waits for the other provider at most. */
  maxWaitSeconds: number;
}

/**
 * Between two renewals of a running execution lie at most one Task's run (960 s, the longest
 * TimeoutSeconds) plus its retry backoff (a few minutes): 30 minutes leaves room, and is how long
 * a failed execution keeps the other provider waiting. Waiting starts poll every minute for up to
 * two hours (at most 120 polls, 1,080 history events).
 */
export const LEASE_TIMINGS: LeaseTimings = { ttlSeconds: 1800, pollSeconds: 60, maxWaitSeconds: 7200 };

/** History events one wait costs: CheckConcurrency (5), the Choice (2) and the Wait (2). */
export const EVENTS_PER_LEASE_WAIT = 9;

/** The most history events the lease waits of one execution can cost. */
export function maxLeaseWaitEvents(t: LeaseTimings = LEASE_TIMINGS): number {
  return Math.ceil(t.maxWaitSeconds / t.pollSeconds) * EVENTS_PER_LEASE_WAIT;
}

export interface Holder {
  executionArn: string;
  runId: string;
  provider: Provider;
  startedAt: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** The newest execution of a provider that applied its plan (or succeeded). */
export interface AppliedMark {
  order: string;
  executionArn: string;
  runId: string;
  at: string;
}

/**
 * The newest execution of a provider that took the lease to apply (not a dry run), and when: a
 * webhook event that reached the queue before then is covered by that run's read of the source
 * (lambdas/core/webhook.ts).
 */
export interface AcquiredMark {
  executionArn: string;
  runId: string;
  at: string;
}

export interface LeaseState {
  holder?: Holder;
  applied: Partial<Record<Provider, AppliedMark>>;
  /** Absent in lease items written before webhooks existed. */
  acquired?: Partial<Record<Provider, AcquiredMark>>;
}

/** What the lease needs to know about a run (a subset of the state machine's `run`). */
export interface LeaseRun {
  provider: Provider;
  runId: string;
  executionArn: string;
  startedAt: string;
  dryRun: boolean;
  trigger: 'schedule' | 'manual' | 'webhook';
}

/** Executions in start order: the ISO start time sorts as text; the ARN breaks ties. */
export const runOrder = (run: Pick<LeaseRun, 'startedAt' | 'executionArn'>) =>
  `${run.startedAt} ${run.executionArn}`;

/** The holder, when another execution holds the lease and it has not expired. */
export function heldByOther(state: LeaseState, run: LeaseRun, nowMs: number): Holder | undefined {
  const h = state.holder;
  if (!h || h.executionArn === run.executionArn || h.expiresAt < nowMs) return undefined;
  return h;
}

/** The newer execution of the run's provider that applied since the run started, if any. */
export function supersededBy(state: LeaseState, run: LeaseRun): AppliedMark | undefined {
  const mark = state.applied[run.provider];
  // Stryker disable next-line ConditionalExpression: its own mark has its own order, which the next line does not count as newer
  if (!mark || mark.executionArn === run.executionArn) return undefined;
  // Stryker disable next-line EqualityOperator: orders end with the ARN, so equal orders are the same execution, excluded above
  return mark.order > runOrder(run) ? mark : undefined;
}

export const describeHolder = (h: Holder) =>
  `execution ${h.runId} of ${h.provider} (started ${h.startedAt}) holds the Identity Store's lease ` +
  `(until ${new Date(h.expiresAt).toISOString()} unless it renews it)`;

export const describeSuperseding = (m: AppliedMark, provider: Provider) =>
  `execution ${m.runId} of ${provider}, started after this one, applied its plan at ${m.at}`;

export type SkipReason = 'running' | 'superseded' | 'waited';

export type StartDecision =
  | { kind: 'take' }
  | { kind: 'wait'; seconds: number; holder: Holder }
  | { kind: 'skip'; reason: SkipReason; message: string; holder?: Holder }
  | { kind: 'refuse'; message: string; holder: Holder };

/**
 * What a start does with the lease as it is:
 * - free, expired or its own: take it (unless a newer execution of its provider already applied,
 *   which did this run's work: skip);
 * - held by its own provider: a scheduled start skips (the running one does the work), a webhook
 *   start waits its turn (it was started for events the running one may have read too early:
 *   lambdas/core/webhook.ts), a manual one refuses (ConcurrentRunError) and says why;
 * - held by the other provider: wait its turn, for `maxWaitSeconds` since it started at most; then
 *   a scheduled or webhook start skips (the next schedule tries again) and a manual one refuses.
 * So a scheduled or webhook start never fails because another run was going.
 */
export function decideStart(
  state: LeaseState,
  run: LeaseRun,
  nowMs: number,
  timings: LeaseTimings = LEASE_TIMINGS,
): StartDecision {
  const other = heldByOther(state, run, nowMs);
  if (!other) {
    const newer = run.dryRun ? undefined : supersededBy(state, run);
    if (newer) {
      return {
        kind: 'skip',
        reason: 'superseded',
        message: `${describeSuperseding(newer, run.provider)}: it has done this run's work, so this one stopped before reading anything`,
      };
    }
    return { kind: 'take' };
  }
  const scheduled = run.trigger === 'schedule';
  const quiet = run.trigger !== 'manual';
  if (other.provider === run.provider && run.trigger !== 'webhook') {
    const message = `${describeHolder(other)}; this run stopped before reading or changing anything`;
    return scheduled
      ? {
          kind: 'skip',
          reason: 'running',
          message: `${message}: the running one does the work`,
          holder: other,
        }
      : {
          kind: 'refuse',
          holder: other,
          message:
            `${message}. Let it finish (scim-sync status ${run.provider}); if it failed, re-drive it (a redrive re-takes its own lease) ` +
            'or wait until its lease lapses; if it is stuck, stop it, then start a new run after the lease lapses.',
        };
  }
  const waitedSeconds = (nowMs - Date.parse(run.startedAt)) / 1000;
  if (waitedSeconds + timings.pollSeconds <= timings.maxWaitSeconds) {
    return { kind: 'wait', seconds: timings.pollSeconds, holder: other };
  }
  const message = `waited ${Math.round(waitedSeconds)} s for the Identity Store's lease, at most ${timings.maxWaitSeconds} s: ${describeHolder(other)}`;
  return quiet
    ? {
        kind: 'skip',
        reason: 'waited',
        holder: other,
        message: `${message}; the next scheduled run tries again`,
      }
    : {
        kind: 'refuse',
        holder: other,
        message: `${message}. Nothing was read or changed; start it again when that run has ended (scim-sync status).`,
      };
}
