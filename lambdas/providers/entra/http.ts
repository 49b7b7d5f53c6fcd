/**
 * fetch with bounded retries, shared by the token endpoint and Microsoft Graph calls:
 * 429 and 503 (and the other transient 5xx, and network errors) are retried; a Retry-After header
 * is obeyed (capped), otherwise the wait backs off exponentially with jitter. Everything can be
 * shrunk for tests. Waits stop early when the run is aborted (another request already failed).
 */

export interface RetryOptions {
  /** Attempts per request, the first included (default 6). */
  maxAttempts?: number;
  /** First backoff when there is no Retry-After; doubles per attempt (default 500 ms). */
  baseDelayMs?: number;
  /** Upper bound of one wait, whatever Retry-After says (default 120 s). */
  maxDelayMs?: number;
  /** Milliseconds per Retry-After second (default 1000; tests shrink it). */
  retryAfterUnitMs?: number;
  /** Timeout of one request (default 30 s). */
  timeoutMs?: number;
}

export type ResolvedRetry = Required<RetryOptions>;

export function resolveRetry(r: RetryOptions = {}): ResolvedRetry {
  return {
    maxAttempts: Math.max(1, r.maxAttempts ?? 6),
    baseDelayMs: r.baseDelayMs ?? 500,
    maxDelayMs: r.maxDelayMs ?? 120_000,
    retryAfterUnitMs: r.retryAfterUnitMs ?? 1000,
    timeoutMs: r.timeoutMs ?? 30_000,
  };
}

const RETRYABLE = new Set([429, 500, 502, 503, 504]);

export interface RetryEvent {
  attempt: number;
  /** HTTP status, or undefined for a network error / timeout. */
  status?: number;
  waitMs: number;
  retryAfter?: string;
  reason: string;
}

export interface FetchOutcome {
  /** The last response (a success, a non-retryable status, or a retryable one after the last attempt). */
  response?: Response;
  /** Set when the last attempt failed without a response. */
  error?: Error;
  attempts: number;
}

/** Milliseconds to wait per a Retry-After header (seconds or an HTTP date), or undefined. */
export function retryAfterMs(header: string | null, unitMs: number, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const secs = Number(header);
  if (Number.isFinite(secs) && secs >= 0) return secs * unitMs;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Sends a request until it succeeds, fails for a non-retryable reason, or runs out of attempts.
 * `send` is called once per attempt (it counts requests); `onRetry` is told about every wait.
 */
export async function fetchWithRetry(
  send: (signal: AbortSignal) => Promise<Response>,
  retry: ResolvedRetry,
  onRetry: (e: RetryEvent) => void,
  signal?: AbortSignal,
): Promise<FetchOutcome> {
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    const timeout = AbortSignal.timeout(retry.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let response: Response | undefined;
    let error: Error | undefined;
    try {
      response = await send(combined);
    } catch (err) {
      signal?.throwIfAborted();
      // Not `instanceof Error`: fetch's errors may come from another realm (jest, vm).
      error = isErrorLike(err) ? (err as Error) : new Error(String(err));
    }
    const retryable = response ? RETRYABLE.has(response.status) : true;
    if (!retryable || attempt >= retry.maxAttempts) return { response, error, attempts: attempt };
    const header = response?.headers.get('retry-after') ?? null;
    const fromHeader = retryAfterMs(header, retry.retryAfterUnitMs);
    const backoff = retry.baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random() / 2);
    const waitMs = Math.min(retry.maxDelayMs, fromHeader ?? backoff);
    // Drain the body so the connection can be reused.
    await response?.arrayBuffer().catch(() => undefined);
    onRetry({
      attempt,
      status: response?.status,
      waitMs: Math.round(waitMs),
      ...(header === null ? {} : { retryAfter: header }),
      reason: response ? `HTTP ${response.status}` : describeNetworkError(error),
    });
    await abortableSleep(waitMs, signal);
  }
}

/** A short description of a fetch failure (its cause's code, e.g. ECONNREFUSED, or a timeout). */
export function describeNetworkError(err: unknown): string {
  if (!isErrorLike(err)) return String(err);
  if (err.name === 'TimeoutError') return 'request timed out';
  const cause = (err as { cause?: { code?: unknown } }).cause;
  if (cause && typeof cause.code === 'string') return `${err.message} (${cause.code})`;
  return err.message;
}

function isErrorLike(e: unknown): e is { name: string; message: string } {
  return typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string';
}
