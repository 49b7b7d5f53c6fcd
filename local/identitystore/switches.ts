/**
 * The emulator's switches: a shared requests/s limit (token bucket), injected faults (a seeded share
 * of calls and "the Nth call of operation X"), per-call latency, and per-operation counters.
 */
import { prng } from './entities';
import { OPERATIONS, type OperationName } from './model';

/**
 * What an injected fault answers: throttling (RetryAfterSeconds 1), a 500, AccessDeniedException (a
 * missing IAM permission), or `ConcurrentModification` (ConflictException with Reason
 * CONCURRENT_MODIFICATION, which the service documents as retryable).
 */
export const FAULT_ERRORS = [
  'ThrottlingException',
  'InternalServerException',
  'AccessDeniedException',
  'ConcurrentModification',
] as const;
export type FaultError = (typeof FAULT_ERRORS)[number];
/** `before`: nothing is applied; `after`: the operation is applied but the client gets the error. */
export type FaultMode = 'before' | 'after';

export interface FaultRule {
  operation: OperationName;
  /** 1-based call number(s) of `operation`, counted from when the faults were set. */
  nth: number | number[];
  error?: FaultError;
  mode?: FaultMode;
}

export interface FaultOptions {
  /** Share of calls (0..1) that fail, drawn from a PRNG seeded with `seed`. */
  rate?: number;
  /** Restrict `rate` to these operations (default: all). */
  operations?: OperationName[];
  /** Error for `rate` faults (default InternalServerException). */
  error?: FaultError;
  /** Mode for `rate` faults (default before). */
  mode?: FaultMode;
  /** PRNG seed for `rate` (default: the emulator's randomSeed, else 1). */
  seed?: number;
  /** Fail specific calls. */
  rules?: FaultRule[];
}

export interface Fault {
  error: FaultError;
  mode: FaultMode;
}

export interface OperationCounts {
  /** Calls received. */
  received: number;
  /** Refused by the requests/s limit (ThrottlingException). */
  throttled: number;
  /** Failed by an injected fault (before or after the operation ran). */
  faulted: number;
  /** Other service errors (validation, not found, conflict...). */
  failed: number;
  succeeded: number;
}

export type Counts = Record<OperationName, OperationCounts>;

export function emptyCounts(): Counts {
  return Object.fromEntries(
    OPERATIONS.map((op) => [op, { received: 0, throttled: 0, faulted: 0, failed: 0, succeeded: 0 }]),
  ) as Counts;
}

/** Sums the counters of `operations` (default: all). */
export function totalCounts(
  counts: Counts,
  operations: readonly OperationName[] = OPERATIONS,
): OperationCounts {
  const total: OperationCounts = { received: 0, throttled: 0, faulted: 0, failed: 0, succeeded: 0 };
  for (const op of operations) {
    const c = counts[op];
    total.received += c.received;
    total.throttled += c.throttled;
    total.faulted += c.faulted;
    total.failed += c.failed;
    total.succeeded += c.succeeded;
  }
  return total;
}

/** Token bucket: `rps` tokens per second, burst = rps. */
export class RateLimiter {
  private tokens: number;
  private last = performance.now();

  constructor(readonly rps: number) {
    if (!(rps > 0)) throw new Error(`rps must be > 0, got ${rps}`);
    this.tokens = rps;
  }

  /** Takes a token; returns 0 when allowed, else the seconds to wait (RetryAfterSeconds, >= 1). */
  take(): number {
    const now = performance.now();
    this.tokens = Math.min(this.rps, this.tokens + ((now - this.last) / 1000) * this.rps);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.rps));
  }
}

export class FaultInjector {
  private readonly random: () => number;
  private readonly calls = new Map<OperationName, number>();
  private readonly rateOps: Set<OperationName> | undefined;

  constructor(
    private readonly options: FaultOptions,
    defaultSeed: number,
  ) {
    const rate = options.rate ?? 0;
    if (!(rate >= 0 && rate <= 1)) throw new Error(`fault rate must be within 0..1, got ${rate}`);
    const known = (e: FaultError | undefined) => e === undefined || FAULT_ERRORS.includes(e);
    if (!known(options.error))
      throw new Error(`unknown fault error: ${options.error} (one of ${FAULT_ERRORS.join(', ')})`);
    for (const r of options.rules ?? []) {
      if (!OPERATIONS.includes(r.operation))
        throw new Error(`unknown operation in fault rule: ${r.operation}`);
      if (!known(r.error))
        throw new Error(`unknown fault error in rule: ${r.error} (one of ${FAULT_ERRORS.join(', ')})`);
    }
    for (const op of options.operations ?? []) {
      if (!OPERATIONS.includes(op)) throw new Error(`unknown operation in faults.operations: ${op}`);
    }
    this.random = prng(options.seed ?? defaultSeed);
    this.rateOps = options.operations ? new Set(options.operations) : undefined;
  }

  /** Decides whether this call of `op` fails, and how. */
  next(op: OperationName): Fault | undefined {
    const n = (this.calls.get(op) ?? 0) + 1;
    this.calls.set(op, n);
    for (const r of this.options.rules ?? []) {
      if (r.operation !== op) continue;
      const hit = Array.isArray(r.nth) ? r.nth.includes(n) : r.nth === n;
      if (hit) return { error: r.error ?? 'InternalServerException', mode: r.mode ?? 'before' };
    }
    const rate = this.options.rate ?? 0;
    if (rate > 0 && (!this.rateOps || this.rateOps.has(op)) && this.random() < rate) {
      return { error: this.options.error ?? 'InternalServerException', mode: this.options.mode ?? 'before' };
    }
    return undefined;
  }
}

export class Latency {
  private readonly random: () => number;

  constructor(
    public ms: number,
    public jitterMs: number,
    seed: number,
  ) {
    this.random = prng(seed ^ 0x5bd1e995);
  }

  async wait(): Promise<void> {
    const ms = this.ms + (this.jitterMs > 0 ? this.random() * this.jitterMs : 0);
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  }
}
