import type { Logger } from '@aws-lambda-powertools/logger';

/** Small helpers for talking to the Identity Store: error classification, bounded concurrency, logging. */

/** The subset of the powertools Logger the adapters use (so tests and local runs can pass their own). */
export type Log = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

export const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {} } as unknown as Log;

/** The service error name of an SDK error (`ThrottlingException`...), or the JS error name. */
export function awsErrorName(err: unknown): string {
  const e = err as { name?: string; __type?: string } | undefined;
  return e?.name ?? e?.__type ?? 'Error';
}

const RETRYABLE_NAMES = new Set([
  'ThrottlingException',
  'InternalServerException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

/** Whether trying the same call again later may succeed (throttling, 5xx, network trouble, concurrent modification). */
export function isRetryable(err: unknown): boolean {
  const e = err as {
    name?: string;
    Reason?: string;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
    code?: string;
  };
  if (!e) return false;
  if (e.$retryable) return true;
  if (RETRYABLE_NAMES.has(e.name ?? '')) return true;
  if (e.name === 'ConflictException' && e.Reason === 'CONCURRENT_MODIFICATION') return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500 || status === 429;
  // No HTTP response at all: connection reset, DNS, socket timeout.
  // (Node's socket errors carry a code such as ECONNRESET; a plain Error is a bug, not a network failure.)
  return typeof e.code === 'string' || e.name === 'AbortError';
}

/**
 * Runs fn over items with at most `limit` in flight; results keep the input order. With `stop`,
 * no item after the first is started once stop() says so (items in flight finish; the rest have no
 * result).
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
  stop?: () => boolean,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (next < items.length && failed === undefined && !(next > 0 && stop?.())) {
      const i = next++;
      try {
        results[i] = await fn(items[i] as T, i);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed !== undefined) throw failed;
  return results;
}
