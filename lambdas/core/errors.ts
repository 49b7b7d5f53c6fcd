/**
 * Named errors. The state machine's Retry/Catch rules, the runbook and the CLI refer to these by
 * name (`error.name` becomes the Step Functions error name), so a name is an API: never rename one
 * without changing statemachines/sync.asl.json and docs/runbook.md in the same change.
 *
 * Messages say what happened and what to do; they never contain secret values.
 */

export abstract class ScimSyncError extends Error {
  /** True when running the same step again later may succeed (the ASL retries these). */
  abstract readonly retryable: boolean;
  /** Spelled out in every class (not taken from the constructor) so that minified bundles keep it. */
  abstract override readonly name: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The execution input has unknown fields or wrong types. Fix the input; `{}` always works. */
export class InputValidationError extends ScimSyncError {
  override readonly name = 'InputValidationError' as const;
  readonly retryable = false;
}

/** Configuration (cdk.json context, --config file or Lambda environment) is missing or invalid. */
export class ConfigError extends ScimSyncError {
  override readonly name = 'ConfigError' as const;
  readonly retryable = false;
}

/** The provider secret is missing, not JSON, or lacks required keys. Names keys, never values. */
export class SecretInvalidError extends ScimSyncError {
  override readonly name = 'SecretInvalidError' as const;
  readonly retryable = false;
}

/** The source (GitHub or Entra) rejected our credentials: expired, revoked or wrong. */
export class SourceAuthError extends ScimSyncError {
  override readonly name = 'SourceAuthError' as const;
  readonly retryable = false;
}

/**
 * The source could not be read completely (a page failed after retries, or the API answered with
 * errors). A partial source never becomes a smaller snapshot, so nothing is planned from it.
 */
export class SourceReadError extends ScimSyncError {
  override readonly name = 'SourceReadError' as const;
  readonly retryable = true;
}

/** The source data broke an invariant (duplicate user names, members that are not users...). */
export class SnapshotInvalidError extends ScimSyncError {
  override readonly name = 'SnapshotInvalidError' as const;
  readonly retryable = false;
}

/** The Identity Store could not be read completely. */
export class TargetReadError extends ScimSyncError {
  override readonly name = 'TargetReadError' as const;
  readonly retryable = true;
}

/** The plan would delete more than the configured share of owned users or groups. */
export class DeletionGuardError extends ScimSyncError {
  override readonly name = 'DeletionGuardError' as const;
  readonly retryable = false;
}

/** A batch refers to a plan older than planMaxAgeHours: start a new execution instead. */
export class PlanExpiredError extends ScimSyncError {
  override readonly name = 'PlanExpiredError' as const;
  readonly retryable = false;
}

/**
 * Another execution holds the Identity Store's lease (one run at a time per store, both providers
 * together), so a manual start stopped before reading or changing anything.
 */
export class ConcurrentRunError extends ScimSyncError {
  override readonly name = 'ConcurrentRunError' as const;
  readonly retryable = false;
}

/**
 * A running execution (usually a redrive) found the Identity Store's lease held by another
 * execution: it stops before its next read or write. Re-drive it once the other run has ended.
 */
export class LeaseLostError extends ScimSyncError {
  override readonly name = 'LeaseLostError' as const;
  readonly retryable = false;
}

/**
 * A newer execution of the same provider has applied its plan (or succeeded) since this one
 * started: this one's plan was made from older data and is not applied (a redrive would undo the
 * newer run's work, e.g. re-create a leaver). Start a new execution instead.
 */
export class PlanSupersededError extends ScimSyncError {
  override readonly name = 'PlanSupersededError' as const;
  readonly retryable = false;
}

/**
 * Some operations of a batch failed for a retryable reason (throttling, 5xx) after the SDK's own
 * retries. Every other operation of the batch was attempted; re-running (or re-driving) the batch
 * re-applies only what is still missing, because every operation is idempotent.
 */
export class BatchIncompleteError extends ScimSyncError {
  override readonly name = 'BatchIncompleteError' as const;
  readonly retryable = true;
}

/**
 * Operations failed for good (not retryable: validation, access denied, a dependency missing). Everything
 * else was applied; the Report step fails the execution with this error so that it is alerted on.
 */
export class SyncIncompleteError extends ScimSyncError {
  override readonly name = 'SyncIncompleteError' as const;
  readonly retryable = false;
}

/**
 * An AWS service a step uses besides the Identity Store (S3 for the run's files, Secrets Manager,
 * Step Functions) was throttled, answered with a 5xx, or could not be reached, even after the SDK's
 * own retries. It usually passes, so every Task retries it; the cause names the step and the AWS error.
 */
export class TransientServiceError extends ScimSyncError {
  override readonly name = 'TransientServiceError' as const;
  readonly retryable = true;
}

/** Every named error, for docs tests and the ASL's non-retryable list. */
export const NAMED_ERRORS = [
  InputValidationError,
  ConfigError,
  SecretInvalidError,
  SourceAuthError,
  SourceReadError,
  SnapshotInvalidError,
  TargetReadError,
  DeletionGuardError,
  PlanExpiredError,
  ConcurrentRunError,
  LeaseLostError,
  PlanSupersededError,
  BatchIncompleteError,
  SyncIncompleteError,
  TransientServiceError,
] as const;

export type NamedErrorName = InstanceType<(typeof NAMED_ERRORS)[number]>['name'];

/** Formats zod issues as "path: message" lines without echoing input values. */
export function describeIssues(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
): string {
  return issues
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}
