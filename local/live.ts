/**
 * Live runs: the local runner with the handlers' clients built the usual way, for the real
 * GitHub or Microsoft Graph (the configuration's apiUrl / graphUrl / authorityHost), the real
 * Identity Store and Secrets Manager: credentials from the SDK's provider chain (or `--profile`),
 * the region given or the configuration's (where the deployed functions run), endpoints from the
 * usual AWS_ENDPOINT_URL_IDENTITYSTORE / AWS_ENDPOINT_URL_SECRETS_MANAGER / AWS_ENDPOINT_URL_S3
 * variables. Nothing here knows about the stand-ins: tests point the same code at them by endpoint
 * and environment, as a person points it at real endpoints.
 *
 * The Identity Store lease is the deployed one (the DynamoDB table `scim-sync-lease` in the region,
 * or AWS_ENDPOINT_URL_DYNAMODB), so a live run and a deployed run never overlap. Two things stay on
 * this machine: the runner's own Step Functions (the execution registry: the runner is the state
 * machine here) and, with `--secret-file`, the provider secret, both served to the real SDK clients
 * in process (local/in-process.ts).
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { IdentitystoreClient } from '@aws-sdk/client-identitystore';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { Config } from '../lambdas/core/config';
import type { Provider } from '../lambdas/core/model';
import { makeIdentityStoreClient } from '../lambdas/identitystore/client';
import { type BlobStore, S3BlobStore } from '../lambdas/runtime/blobs';
import { LEASE_KEY_ATTRIBUTE, LEASE_TABLE_NAME, leaseKey } from '../lambdas/runtime/lease';
import { LOCAL_REGION, LocalAws } from './aws';
import { inProcessHandler } from './in-process';
import { type HandlerServices, LOCAL_CREDENTIALS, type RunnerEnvironment } from './services';

export interface LiveOptions {
  config: Config;
  /** The providers to run (their state machines are registered with the runner). */
  providers: Provider[];
  /** Default: the configuration's `region` (the Identity Store's, where the stack runs). */
  region?: string;
  /** A named AWS profile; default: the SDK's provider chain (AWS_PROFILE, environment, SSO...). */
  profile?: string;
  /** The provider secret read from a file (`--secret-file`) instead of Secrets Manager. */
  secretFile?: { text: string };
  /** The lease table (default: the deployed one, scim-sync-lease). */
  leaseTable?: string;
  /** A lease on this machine instead (a dry run before anything is deployed): its DynamoDB endpoint. */
  localLease?: { endpoint: string; table: string };
}

/** Where a live run's AWS calls go, in words (for the CLI's first lines). */
export interface LiveWhere {
  region: string;
  credentials: string;
  identityStore: string;
  secrets: string;
}

export interface LiveEnvironment extends RunnerEnvironment {
  where: LiveWhere;
  /** A blob store in S3 (`--bucket`), with the run's region and credentials. */
  bucket(name: string): BlobStore;
  close(): Promise<void>;
}

/** Where the SDK will send a service's calls, in words: the endpoint variable if set, else the region. */
export function endpointInWords(
  variable: string,
  region: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const set = env[variable] ?? env.AWS_ENDPOINT_URL;
  if (set) return `at ${set} (${env[variable] ? variable : 'AWS_ENDPOINT_URL'})`;
  return `in ${region}`;
}

/** The AWS side of a live run or check: region, profile and the clients built from them. */
export class LiveAws {
  readonly region: string;
  readonly profile?: string;
  constructor(o: { config: Config; region?: string; profile?: string }) {
    this.region = o.region ?? o.config.region;
    if (o.profile) this.profile = o.profile;
  }

  private get common() {
    return { region: this.region, ...(this.profile ? { profile: this.profile } : {}) };
  }

  identityStore(rps?: number): IdentitystoreClient {
    return makeIdentityStoreClient({ ...this.common, ...(rps !== undefined ? { rps } : {}) });
  }

  /**
   * The Secrets Manager client: the real one, or, for a secret from a file, one answered in process
   * by a store holding only that secret under its configured name (the handlers read it by name,
   * then by ARN and version id, as from Secrets Manager).
   */
  secrets(secretFile?: { name: string; text: string }): SecretsManagerClient {
    if (!secretFile) return new SecretsManagerClient(this.common);
    const store = new LocalAws();
    store.putSecret(secretFile.name, secretFile.text);
    return new SecretsManagerClient({
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      requestHandler: inProcessHandler(store) as never,
    });
  }

  s3(): S3Client {
    return new S3Client(this.common);
  }

  dynamo(): DynamoDBClient {
    return new DynamoDBClient(this.common);
  }

  /**
   * Whether the deployed lease table is there: 'missing' when DynamoDB says it does not exist (the
   * stack is not deployed in this region yet); any other failure (access, network) is thrown.
   */
  async leaseTable(table: string, identityStoreId: string): Promise<'present' | 'missing'> {
    const client = this.dynamo();
    try {
      await client.send(
        new GetItemCommand({
          TableName: table,
          Key: { [LEASE_KEY_ATTRIBUTE]: { S: leaseKey(identityStoreId) } },
        }),
      );
      return 'present';
    } catch (err) {
      if ((err as { name?: string }).name === 'ResourceNotFoundException') return 'missing';
      throw err;
    } finally {
      client.destroy();
    }
  }

  /**
   * Resolves the credentials once, so that a missing or expired login is one clear error before
   * anything runs; returns how they were found, in words.
   */
  async credentials(): Promise<string> {
    const probe = new IdentitystoreClient(this.common);
    try {
      await probe.config.credentials();
    } finally {
      probe.destroy();
    }
    if (this.profile) return `AWS profile ${this.profile}`;
    if (process.env.AWS_PROFILE) return `AWS profile ${process.env.AWS_PROFILE} (AWS_PROFILE)`;
    if (process.env.AWS_ACCESS_KEY_ID) return 'AWS_ACCESS_KEY_ID from the environment';
    return 'the AWS credential chain';
  }

  where(credentials: string, secret: string): LiveWhere {
    return {
      region: this.region,
      credentials,
      identityStore: endpointInWords('AWS_ENDPOINT_URL_IDENTITYSTORE', this.region),
      secrets: secret,
    };
  }
}

/** The runner environment of a live run. Call `LiveAws.credentials()` first for a clear login error. */
export function liveEnvironment(o: LiveOptions, credentials: string): LiveEnvironment {
  const aws = new LiveAws(o);
  const registry = new LocalAws();
  const secretName = (p: Provider) => o.config.providers[p]!.secretName;
  // One provider per live run when the secret is a file: the file is that provider's secret.
  const file =
    o.secretFile && o.providers[0]
      ? { name: secretName(o.providers[0]), text: o.secretFile.text }
      : undefined;
  const secrets = aws.secrets(file);
  const sfn = new SFNClient({
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    requestHandler: inProcessHandler(registry) as never,
  });
  const dynamo = o.localLease
    ? new DynamoDBClient({
        endpoint: o.localLease.endpoint,
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
      })
    : aws.dynamo();
  const clients: { destroy(): void }[] = [secrets, sfn, dynamo];
  const services: HandlerServices = {
    secrets,
    sfn,
    dynamo,
    leaseTable: o.localLease?.table ?? o.leaseTable ?? LEASE_TABLE_NAME,
    identityStore: (rps) => aws.identityStore(rps),
    close: () => {
      for (const c of clients) c.destroy();
    },
  };
  const secretWords = file
    ? `${file.name}, read from a file (served in this process; never printed)`
    : `${o.providers.map(secretName).join(', ')} in Secrets Manager ${endpointInWords('AWS_ENDPOINT_URL_SECRETS_MANAGER', aws.region)}`;
  return {
    config: o.config,
    providers: o.providers,
    aws: registry,
    services,
    where: aws.where(credentials, secretWords),
    bucket: (name) => {
      const s3 = aws.s3();
      clients.push(s3);
      return new S3BlobStore(s3, name, aws.region);
    },
    close: async () => {},
  };
}
