/**
 * What the local runner takes from its environment: the handlers' AWS clients and the provider-read
 * tunables (HandlerServices), the configuration and the local Step Functions. standInServices points
 * the clients at a LocalEnvironment's stand-ins; local/live.ts builds them for the real services.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { IdentitystoreClient } from '@aws-sdk/client-identitystore';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { Config } from '../lambdas/core/config';
import type { LeaseTimings } from '../lambdas/core/lease';
import type { Provider } from '../lambdas/core/model';
import { makeIdentityStoreClient } from '../lambdas/identitystore/client';
import { LOCAL_REGION, type LocalAws } from './aws';
import type { LocalEnvironment } from './environment';
import type { RunOptions } from './runner';

export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * The AWS clients the handlers get (their Deps) and the provider-read tunables: all that differs
 * between a run against the stand-ins and a live run.
 */
export interface HandlerServices {
  secrets: SecretsManagerClient;
  /** The DynamoDB of the Identity Store lease, and its table (the deployed one in live runs). */
  dynamo: DynamoDBClient;
  leaseTable: string;
  /** The runner's own Step Functions (CheckConcurrency lists this machine's executions there). */
  sfn: SFNClient;
  /** One Identity Store client per invocation, paced to `rps` (as one Lambda's). */
  identityStore(rps: number): IdentitystoreClient;
  /** Provider-read tunables (Deps.sourceOptions); undefined: the providers' production defaults. */
  sourceOptions?(provider: Provider): Record<string, unknown> | undefined;
  close(): void;
}

/** What a runner needs from its environment: the configuration, the local Step Functions and the clients. */
export interface RunnerEnvironment {
  config: Config;
  providers: Provider[];
  aws: LocalAws;
  services: HandlerServices;
}

export interface RunnerDefaults
  extends Pick<RunOptions, 'retryPauseMs' | 'onProgress' | 'now' | 'progressMs'> {
  /** The Identity Store client's retries against the stand-ins (tests shorten them). */
  identityStoreRetry?: { maxAttempts: number; baseMs: number; maxMs: number };
  /** FetchTarget's time for starting membership reads per invocation (tests force hand-overs). */
  targetReadBudgetMs?: number;
  /** The lease's timings (lambdas/core/lease.ts); tests shorten them. */
  lease?: Partial<LeaseTimings>;
  /** How long the Wait states pause locally (default LOCAL_WAIT_MS); null: the definition's (live runs). */
  waitMs?: number | null;
}

/** The handlers' clients pointed at a LocalEnvironment's stand-ins, with local runs' short waits. */
export function standInServices(env: LocalEnvironment, defaults: RunnerDefaults = {}): HandlerServices {
  const endpoint = env.aws.endpoint;
  const credentials = LOCAL_CREDENTIALS;
  const secrets = new SecretsManagerClient({ endpoint, region: LOCAL_REGION, credentials });
  const sfn = new SFNClient({ endpoint, region: LOCAL_REGION, credentials });
  const dynamo = new DynamoDBClient({ endpoint: env.dynamo.endpoint, region: LOCAL_REGION, credentials });
  return {
    secrets,
    sfn,
    dynamo,
    leaseTable: env.dynamo.table,
    identityStore: (rps) =>
      makeIdentityStoreClient({
        endpoint: env.emulator.endpoint,
        region: LOCAL_REGION,
        credentials,
        rps: env.unpaced ? 1000 : rps,
        maxAttempts: defaults.identityStoreRetry?.maxAttempts ?? 8,
        backoff: defaults.identityStoreRetry ?? { baseMs: 50, maxMs: 2000 },
      }),
    sourceOptions: (provider) =>
      provider === 'github'
        ? { retry: { retryBaseMs: 50, rateLimitUnitMs: 50, graphqlMinIntervalMs: 0 } }
        : { retry: { baseDelayMs: 50, retryAfterUnitMs: 50 } },
    close: () => {
      secrets.destroy();
      sfn.destroy();
      dynamo.destroy();
    },
  };
}
