/**
 * Which failures count as transient (retried) and what a handler's unnamed AWS failure becomes:
 * the classification the apply batches, the reads and every Task's retry depend on.
 */
import { ConfigError, SourceReadError, TransientServiceError } from '../../lambdas/core/errors';
import { isRetryable } from '../../lambdas/identitystore/util';
import { withTransientErrors } from '../../lambdas/runtime/deps';

/** An error shaped as the AWS SDK v3 throws them. */
function sdkError(name: string, status?: number, extra: Record<string, unknown> = {}) {
  return Object.assign(new Error(`${name} happened`), {
    name,
    ...(status === undefined ? {} : { $metadata: { httpStatusCode: status, attempts: 3 } }),
    ...extra,
  });
}

describe('isRetryable', () => {
  it.each([
    ['throttling', sdkError('ThrottlingException', 400)],
    ['a 5xx', sdkError('InternalServerException', 500)],
    ['an unknown 503', sdkError('SlowDown', 503)],
    ['a 429', sdkError('TooManyRequests', 429)],
    ['the SDK marking it retryable', sdkError('Whatever', 400, { $retryable: {} })],
    ['a concurrent modification', sdkError('ConflictException', 400, { Reason: 'CONCURRENT_MODIFICATION' })],
    ['a dropped connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['a timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
  ])('%s is retryable', (_, err) => expect(isRetryable(err)).toBe(true));

  it.each([
    ['access denied', sdkError('AccessDeniedException', 400)],
    ['a validation error', sdkError('ValidationException', 400)],
    [
      'a uniqueness conflict',
      sdkError('ConflictException', 400, { Reason: 'UNIQUENESS_CONSTRAINT_VIOLATION' }),
    ],
    ['not found', sdkError('ResourceNotFoundException', 400)],
    ['a plain Error (a bug, not a network failure)', new Error('undefined is not a function')],
    ['a TypeError', new TypeError('x is undefined')],
    ['nothing', undefined],
  ])('%s is not retryable', (_, err) => expect(isRetryable(err)).toBe(false));
});

describe('withTransientErrors', () => {
  const failing = (err: unknown) => withTransientErrors('ResolveSecret', () => Promise.reject(err));

  it('names a transient AWS failure TransientServiceError, with the step, the AWS name, status and attempts', async () => {
    const original = sdkError('ThrottlingException', 400);
    const err = await failing(original)(undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransientServiceError);
    expect((err as Error).name).toBe('TransientServiceError');
    expect((err as Error).message).toMatch(
      /^ResolveSecret: ThrottlingException \(HTTP 400, 3 attempts\): ThrottlingException happened\. /,
    );
    expect((err as Error).cause).toBe(original);
  });

  it('passes our named errors (even retryable ones) and non-transient errors through unchanged', async () => {
    for (const original of [
      new ConfigError('bad config'),
      new SourceReadError('page 3 failed'),
      sdkError('AccessDeniedException', 400),
      new TypeError('a bug'),
    ]) {
      await expect(failing(original)(undefined)).rejects.toBe(original);
    }
  });

  it('returns the result when the handler succeeds', async () => {
    await expect(withTransientErrors('Report', async (n: number) => n + 1)(1)).resolves.toBe(2);
  });
});
