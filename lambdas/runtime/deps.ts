/**
 * What the handlers need from the outside world, built once per Lambda container from the
 * environment (or handed in by the local runner and tests).
 *
 * Environment (set by the CDK app; validated here):
 *   SCIM_SYNC_PROVIDER   github | entra
 *   SCIM_SYNC_CONFIG     the configuration object (docs/configuration.md) as JSON; holds no secrets
 *   SCIM_SYNC_BUCKET     S3 bucket for snapshots, plans and results   (or, in local mode,
 *   SCIM_SYNC_BLOB_DIR   a folder instead)
 *   SCIM_SYNC_LEASE_TABLE  the DynamoDB table of the Identity Store lease (lambdas/runtime/lease.ts)
 *   POWERTOOLS_LOG_LEVEL   the log level (INFO unless set)
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { IdentitystoreClient } from '@aws-sdk/client-identitystore';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { type Config, parseConfig } from '../core/config';
import { ConfigError, describeIssues, ScimSyncError, TransientServiceError } from '../core/errors';
import { type Provider, ProviderSchema } from '../core/model';
import { type OwnershipRules, ownershipRules } from '../core/ownership';
import { makeIdentityStoreClient } from '../identitystore/client';
import { awsErrorName, isRetryable } from '../identitystore/util';
import { type BlobStore, DirBlobStore, S3BlobStore } from './blobs';
import { LEASE_TABLE_ENV, LeaseStore, withLease } from './lease';
import { type LambdaContext, logKeys, makeLogger, makeMetrics } from './powertools';

export interface Deps {
  provider: Provider;
  config: Config;
  rules: OwnershipRules;
  log: Logger;
  metrics: Metrics;
  blobs: BlobStore;
  /** The Identity Store client, paced to `rps` requests/s for this Lambda. */
  identityStore(rps: number): IdentitystoreClient;
  secrets: SecretsManagerClient;
  sfn: SFNClient;
  /** The Identity Store lease (one run at a time per store, both providers together). */
  lease: LeaseStore;
  now: () => Date;
  /**
   * How long one FetchTarget invocation starts new membership reads before handing over to the
   * next (default TARGET_READ_BUDGET_SECONDS); tests shorten it to exercise the hand-over.
   */
  targetReadBudgetMs?: number;
  /** Provider-read tunables (local runs and tests shorten waits). */
  sourceOptions?: Record<string, unknown>;
}

const EnvSchema = z
  .object({
    SCIM_SYNC_PROVIDER: ProviderSchema,
    SCIM_SYNC_CONFIG: z.string().min(2),
    SCIM_SYNC_BUCKET: z.string().min(3).optional(),
    SCIM_SYNC_BLOB_DIR: z.string().min(1).optional(),
    [LEASE_TABLE_ENV]: z.string().min(3),
  })
  .refine((e) => e.SCIM_SYNC_BUCKET || e.SCIM_SYNC_BLOB_DIR, {
    message: 'set SCIM_SYNC_BUCKET (or SCIM_SYNC_BLOB_DIR in local mode)',
    path: ['SCIM_SYNC_BUCKET'],
  });

export function configFromEnv(env: NodeJS.ProcessEnv): {
  provider: Provider;
  config: Config;
  bucket?: string;
  blobDir?: string;
  leaseTable: string;
} {
  const r = EnvSchema.safeParse(env);
  if (!r.success)
    throw new ConfigError(`Lambda environment is incomplete: ${describeIssues(r.error.issues)}`);
  let raw: unknown;
  try {
    raw = JSON.parse(r.data.SCIM_SYNC_CONFIG);
  } catch {
    throw new ConfigError('SCIM_SYNC_CONFIG is not valid JSON');
  }
  const config = parseConfig(raw, 'SCIM_SYNC_CONFIG');
  const provider = r.data.SCIM_SYNC_PROVIDER;
  if (!config.providers[provider])
    throw new ConfigError(`SCIM_SYNC_CONFIG has no providers.${provider} section`);
  return {
    provider,
    config,
    leaseTable: r.data[LEASE_TABLE_ENV],
    ...(r.data.SCIM_SYNC_BUCKET ? { bucket: r.data.SCIM_SYNC_BUCKET } : {}),
    ...(r.data.SCIM_SYNC_BLOB_DIR ? { blobDir: r.data.SCIM_SYNC_BLOB_DIR } : {}),
  };
}

/** Deps for a Lambda container (clients are created once and reused across invocations). */
export function depsFromEnv(env: NodeJS.ProcessEnv = process.env): Deps {
  const { provider, config, bucket, blobDir, leaseTable } = configFromEnv(env);
  const clients = new Map<number, IdentitystoreClient>();
  const now = () => new Date();
  return {
    provider,
    config,
    rules: ownershipRules(provider, config),
    log: makeLogger(provider),
    metrics: makeMetrics(provider),
    blobs: bucket ? new S3BlobStore(new S3Client({}), bucket, env.AWS_REGION) : new DirBlobStore(blobDir!),
    identityStore: (rps) => {
      const c = clients.get(rps) ?? makeIdentityStoreClient({ rps });
      clients.set(rps, c);
      return c;
    },
    secrets: new SecretsManagerClient({}),
    sfn: new SFNClient({}),
    lease: new LeaseStore(new DynamoDBClient({}), leaseTable, config.identityStoreId, now),
    now,
  };
}

/**
 * A step's handler whose transient AWS failures (throttling, 5xx, a dropped connection: anything
 * `isRetryable` that the handler did not already name) become TransientServiceError, which every
 * Task retries; every other error passes through as it is.
 */
export function withTransientErrors<E, R>(
  step: string,
  fn: (event: E) => Promise<R>,
): (event: E) => Promise<R> {
  return async (event) => {
    try {
      return await fn(event);
    } catch (err) {
      if (err instanceof ScimSyncError || !isRetryable(err)) throw err;
      const e = err as Error & { $metadata?: { httpStatusCode?: number; attempts?: number } };
      const meta = e.$metadata;
      const how = [
        meta?.httpStatusCode ? `HTTP ${meta.httpStatusCode}` : undefined,
        meta?.attempts ? `${meta.attempts} attempts` : undefined,
      ].filter(Boolean);
      throw new TransientServiceError(
        `${step}: ${awsErrorName(err)}${how.length ? ` (${how.join(', ')})` : ''}: ${e.message}. ` +
          'An AWS service call failed in a way that usually passes; the state machine retries the step ' +
          '(docs/runbook.md#transientserviceerror).',
        { cause: err },
      );
    }
  };
}

/**
 * A step's handler as the state machine calls it: every log line carries the Lambda context
 * (request id, cold start) and the execution (name, run id, step); the lease is renewed before it
 * reads or writes (and released by Report: lambdas/runtime/lease.ts#withLease); transient AWS
 * failures are named TransientServiceError.
 */
export function wrapStep<E, R>(
  step: string,
  deps: Deps,
  fn: (event: E) => Promise<R>,
): (event: E, context?: LambdaContext) => Promise<R> {
  const inner = withTransientErrors(step, withLease(step, deps, fn));
  return async (event, context) => {
    if (context) deps.log.addContext(context);
    deps.log.appendKeys(logKeys(step, event));
    try {
      return await inner(event);
    } finally {
      deps.log.resetKeys();
    }
  };
}

/**
 * Wraps a handler factory into a Lambda handler whose deps are built on first use, so importing the
 * module has no side effects (tests and the local runner call the factory with their own deps).
 */
export function lambdaHandler<E, R>(
  step: string,
  factory: (deps: Deps) => (event: E) => Promise<R>,
): (event: E, context?: LambdaContext) => Promise<R> {
  let fn: ((event: E, context?: LambdaContext) => Promise<R>) | undefined;
  return (event, context) => {
    if (!fn) {
      const deps = depsFromEnv();
      fn = wrapStep(step, deps, factory(deps));
    }
    return fn(event, context);
  };
}
