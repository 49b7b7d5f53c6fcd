/**
 * Progress of a run's apply phases, for people watching: operations done of the total, the current
 * Identity Store call rate, throttles and retries, and an ETA. The local runner tracks it from the
 * Identity Store clients of the apply batches (every operation makes one write call); the CLI's
 * `start --wait` derives the same from the batches' outputs in the execution history.
 */
import type { IdentitystoreClient } from '@aws-sdk/client-identitystore';
import { callsOf } from '../lambdas/identitystore/client';

export interface ApplyProgress {
  /** The apply state (ApplyRenames, ApplyCreates, ApplyMemberships, ApplyDeletes). */
  state: string;
  /** Operations done (attempted) and planned in this phase, and in all apply phases. */
  done: number;
  total: number;
  allDone: number;
  allTotal: number;
  /** Identity Store calls per second, recently. */
  callsPerSecond?: number;
  throttled: number;
  /** Calls the SDK retried, and batch attempts that failed and were retried by the state machine. */
  retries: number;
  batchRetries: number;
  /** Seconds left at the rate so far. */
  etaSeconds?: number;
}

/** Seconds left for `left` operations at `done` operations in `elapsedMs`. */
export function eta(done: number, left: number, elapsedMs: number): number | undefined {
  if (done <= 0 || elapsedMs <= 0) return undefined;
  return Math.round((left * elapsedMs) / done / 1000);
}

export const APPLY_STATES = ['ApplyRenames', 'ApplyCreates', 'ApplyMemberships', 'ApplyDeletes'] as const;

/** Operations of each apply phase, from the plan's counts. */
export function phaseTotals(c: Record<string, number | undefined>): Record<string, number> {
  const v = (k: string) => c[k] ?? 0;
  return {
    ApplyRenames: v('renames'),
    ApplyCreates: v('createUsers') + v('updateUsers') + v('createGroups') + v('updateGroups'),
    ApplyMemberships: v('addMembers') + v('removeMembers'),
    ApplyDeletes: v('deleteUsers') + v('deleteGroups'),
  };
}

const WRITE = /^(Create|Delete|Update)/;

/** Tracks the apply phases of one local execution from its Identity Store clients. */
export class ApplyTracker {
  private readonly clients: { client: IdentitystoreClient; state: string }[] = [];
  private totals: Record<string, number> = {};
  private started?: number;
  private sample?: { at: number; calls: number };
  batchRetries = 0;
  state?: string;

  enter(state: string, planCounts?: Record<string, number>): void {
    this.state = state;
    if (planCounts) this.totals = phaseTotals(planCounts);
    if ((APPLY_STATES as readonly string[]).includes(state)) this.started ??= performance.now();
  }

  /** A client an apply batch of the current state uses. */
  track(client: IdentitystoreClient): void {
    if (this.state && (APPLY_STATES as readonly string[]).includes(this.state))
      this.clients.push({ client, state: this.state });
  }

  /** Where the apply phases are; undefined outside them. */
  progress(now = performance.now()): ApplyProgress | undefined {
    const state = this.state;
    if (!state || !(APPLY_STATES as readonly string[]).includes(state)) return undefined;
    const done: Record<string, number> = {};
    let calls = 0;
    let throttled = 0;
    let retries = 0;
    for (const { client, state: s } of this.clients) {
      for (const [op, c] of Object.entries(callsOf(client)?.snapshot() ?? {})) {
        calls += c.calls;
        throttled += c.throttled;
        retries += c.retries;
        if (WRITE.test(op)) done[s] = (done[s] ?? 0) + c.calls - c.retries;
      }
    }
    const cap = (s: string) => Math.min(done[s] ?? 0, this.totals[s] ?? 0);
    const allDone = APPLY_STATES.reduce((x, s) => x + cap(s), 0);
    const allTotal = APPLY_STATES.reduce((x, s) => x + (this.totals[s] ?? 0), 0);
    let callsPerSecond: number | undefined;
    if (this.sample && now > this.sample.at)
      callsPerSecond = ((calls - this.sample.calls) * 1000) / (now - this.sample.at);
    this.sample = { at: now, calls };
    const etaSeconds = eta(allDone, allTotal - allDone, now - (this.started ?? now));
    return {
      state,
      done: cap(state),
      total: this.totals[state] ?? 0,
      allDone,
      allTotal,
      ...(callsPerSecond !== undefined ? { callsPerSecond } : {}),
      throttled,
      retries,
      batchRetries: this.batchRetries,
      ...(etaSeconds !== undefined ? { etaSeconds } : {}),
    };
  }
}
