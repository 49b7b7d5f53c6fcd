/**
 * The Identity Store client as the handlers build it. Endpoint and region come from the usual AWS
 * environment (AWS_ENDPOINT_URL_IDENTITYSTORE in local mode) unless given.
 *
 * Two things differ from the SDK defaults, both because the service's ~20 requests/s is shared by
 * the whole account and a sync makes thousands of calls:
 * - a client-side pace (`rps`): a token bucket every attempt waits on, so the client does not
 *   spend calls on being throttled, slowing down when the service throttles it anyway (others in
 *   the account use the same budget) and speeding up again as calls go through;
 * - retries with exponential backoff and full jitter, without the SDK's retry quota (which, once
 *   drained by a throttling storm, turns every later retryable error into a failure) and without
 *   adaptive mode (whose rate collapses to 0.5 req/s under throttling that is not caused by us).
 *   A call still failing after `maxAttempts` fails its operation; the batch reports it and the
 *   state machine retries the batch.
 */
import { IdentitystoreClient } from '@aws-sdk/client-identitystore';
import { addCalls, type CallCounts } from '../core/report';

export interface IdentityStoreClientOptions {
  region?: string;
  endpoint?: string;
  /** Attempts per call, first included. */
  maxAttempts?: number;
  /** Client-side pace in requests per second (every attempt counts); undefined = unpaced. */
  rps?: number;
  /** Backoff base and cap in milliseconds. */
  backoff?: { baseMs: number; maxMs: number };
  /** Static credentials (local stand-ins); default: the SDK's provider chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** A named AWS profile for the provider chain (live runs from the CLI, `--profile`). */
  profile?: string;
}

/** The longest service-requested wait the pace honours (a bigger hint is taken as this). */
export const MAX_RETRY_AFTER_SECONDS = 30;

/**
 * The client-side pace: calls spaced 1/rate apart (burst 1), fairly across concurrent callers.
 * The rate starts at `rps` and adapts, because the service's limit is shared with everything else
 * in the account: each ThrottlingException multiplies it by 0.7 (not below `rps / 4`) and holds
 * the next call for the `RetryAfterSeconds` the service sent, each call that goes through adds
 * `rps / 100` back (up to `rps`).
 */
export class Pace {
  private next = 0;
  private rate: number;
  private readonly floor: number;
  constructor(private readonly rps: number) {
    this.rate = rps;
    this.floor = rps / 4;
  }
  get currentRps(): number {
    return this.rate;
  }
  /** How long a call made now would wait, in milliseconds. */
  get waitMs(): number {
    return Math.max(0, this.next - performance.now());
  }
  /**
   * Waits for this caller's turn. A turn is claimed when the call is released, not when it was asked
   * for: after the event loop stalls (a busy Lambda, a loaded machine), the callers that were due meanwhile
   * are spaced out again instead of going out together, so no second ever carries more than the pace.
   */
  async take(): Promise<void> {
    for (;;) {
      const now = performance.now();
      if (now >= this.next) {
        this.next = now + 1000 / this.rate;
        return;
      }
      await new Promise((r) => setTimeout(r, this.next - now));
    }
  }
  /**
   * A ThrottlingException: slow down, and when the service said how long to wait (its
   * `RetryAfterSeconds`, capped at MAX_RETRY_AFTER_SECONDS), send nothing more until then. The
   * budget is the account's, so the wait holds every caller of this client, not only the retry.
   */
  throttled(retryAfterSeconds?: number): void {
    this.rate = Math.max(this.floor, this.rate * 0.7);
    if (retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds) && retryAfterSeconds > 0) {
      const until = performance.now() + Math.min(retryAfterSeconds, MAX_RETRY_AFTER_SECONDS) * 1000;
      this.next = Math.max(this.next, until);
    }
  }
  succeeded(): void {
    this.rate = Math.min(this.rps, this.rate + this.rps / 100);
  }
}

/**
 * Identity Store calls by operation, as the service sees them (every attempt), with retries,
 * throttled attempts and errors. One per client; a handler takes `since(before)` for its invocation.
 */
export class CallCounter {
  private readonly counts: CallCounts = {};
  private entry(op: string) {
    const e = this.counts[op] ?? { calls: 0, throttled: 0, errors: 0, retries: 0 };
    this.counts[op] = e;
    return e;
  }
  request(op: string, attempt: number, error?: string): void {
    const e = this.entry(op);
    e.calls++;
    if (attempt > 1) e.retries++;
    if (error === 'ThrottlingException') e.throttled++;
    else if (error) e.errors++;
  }
  snapshot(): CallCounts {
    return addCalls({}, this.counts);
  }
  /** The calls made since `before` (a snapshot). */
  since(before: CallCounts = {}): CallCounts {
    const out: CallCounts = {};
    for (const [op, c] of Object.entries(this.counts)) {
      const b = before[op] ?? { calls: 0, throttled: 0, errors: 0, retries: 0 };
      if (c.calls === b.calls) continue;
      out[op] = {
        calls: c.calls - b.calls,
        throttled: c.throttled - b.throttled,
        errors: c.errors - b.errors,
        retries: c.retries - b.retries,
      };
    }
    return out;
  }
}

const counters = new WeakMap<IdentitystoreClient, CallCounter>();
/** The call counter of a client made by makeIdentityStoreClient. */
export const callsOf = (client: IdentitystoreClient): CallCounter | undefined => counters.get(client);

const paces = new WeakMap<IdentitystoreClient, Pace>();
/** The pace of a client made by makeIdentityStoreClient with `rps` (for tests and benchmarks). */
export const paceOf = (client: IdentitystoreClient): Pace | undefined => paces.get(client);

interface Token {
  getRetryCount(): number;
  getRetryDelay(): number;
}
interface ErrorInfo {
  errorType: 'TRANSIENT' | 'THROTTLING' | 'SERVER_ERROR' | 'CLIENT_ERROR';
  retryAfterHint?: Date;
}

/** The SDK's RetryStrategyV2 contract: exponential backoff with full jitter, no quota. */
export function backoffRetryStrategy(maxAttempts: number, baseMs: number, maxMs: number) {
  const token = (count: number, delay: number): Token => ({
    getRetryCount: () => count,
    getRetryDelay: () => delay,
  });
  return {
    mode: 'standard',
    async acquireInitialRetryToken(): Promise<Token> {
      return token(0, 0);
    },
    async refreshRetryTokenForRetry(t: Token, info: ErrorInfo): Promise<Token> {
      const count = t.getRetryCount() + 1;
      if (info.errorType === 'CLIENT_ERROR' || count >= maxAttempts) throw new Error('no more retries');
      const hint = info.retryAfterHint ? info.retryAfterHint.getTime() - Date.now() : 0;
      const delay = Math.max(hint, Math.random() * Math.min(maxMs, baseMs * 2 ** count));
      return token(count, delay);
    },
    recordSuccess(): void {},
  };
}

export function makeIdentityStoreClient(opts: IdentityStoreClientOptions = {}): IdentitystoreClient {
  const maxAttempts = opts.maxAttempts ?? 8;
  const { baseMs, maxMs } = opts.backoff ?? { baseMs: 100, maxMs: 10_000 };
  const client = new IdentitystoreClient({
    ...(opts.region ? { region: opts.region } : {}),
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    ...(opts.profile ? { profile: opts.profile } : {}),
    maxAttempts,
    retryStrategy: backoffRetryStrategy(maxAttempts, baseMs, maxMs),
  });
  const counter = new CallCounter();
  counters.set(client, counter);
  // After the retry middleware too: once per attempt. Placed before the pace, so it does not count waiting.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const op = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      const attempt = (
        (args.request as { headers?: Record<string, string> })?.headers?.['amz-sdk-request'] ?? ''
      ).match(/attempt=(\d+)/)?.[1];
      try {
        const out = await next(args);
        counter.request(op, Number(attempt ?? 1));
        return out;
      } catch (err) {
        counter.request(op, Number(attempt ?? 1), (err as { name?: string }).name ?? 'Error');
        throw err;
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'scimSyncCallCounter' },
  );
  if (opts.rps !== undefined && opts.rps > 0) {
    const pace = new Pace(opts.rps);
    paces.set(client, pace);
    // In the finalizeRequest step after the retry middleware: runs once per attempt.
    client.middlewareStack.add(
      (next) => async (args) => {
        await pace.take();
        try {
          const out = await next(args);
          pace.succeeded();
          return out;
        } catch (err) {
          const e = err as { name?: string; RetryAfterSeconds?: unknown };
          if (e.name === 'ThrottlingException') {
            pace.throttled(typeof e.RetryAfterSeconds === 'number' ? e.RetryAfterSeconds : undefined);
          }
          throw err;
        }
      },
      { step: 'finalizeRequest', priority: 'low', name: 'scimSyncPace' },
    );
  }
  return client;
}
