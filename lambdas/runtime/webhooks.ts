/**
 * What the webhook receiver and starter need from AWS, with the clients injected: the webhook
 * secret (Secrets Manager, cached), the delivery ids already received (DynamoDB, conditional puts
 * with a TTL), the queue between them (SQS), and their dependencies built from the environment.
 *
 * Receiver environment (set by infra/webhooks.ts):
 *   SCIM_SYNC_WEBHOOK_SECRET_ARN      the webhook secret: {"webhook_secret": "...", "previous_webhook_secret"?: "..."}
 *   SCIM_SYNC_WEBHOOK_DELIVERIES      the deliveries table
 *   SCIM_SYNC_WEBHOOK_QUEUE_URL       the queue the starter reads
 *   SCIM_SYNC_GITHUB_ORGANISATION     events of other organisations are ignored
 * Starter environment:
 *   SCIM_SYNC_LEASE_TABLE, SCIM_SYNC_IDENTITY_STORE_ID   the lease it reads (never writes)
 *   SCIM_SYNC_STATE_MACHINE_ARN                          the GitHub state machine it starts
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { ConfigError, describeIssues, SecretInvalidError } from '../core/errors';
import { DELIVERY_TTL_SECONDS, type QueuedEvent } from '../core/webhook';
import { LEASE_TABLE_ENV, LeaseStore } from './lease';
import { makeLogger } from './powertools';

export const WEBHOOK_ENV = {
  secretArn: 'SCIM_SYNC_WEBHOOK_SECRET_ARN',
  deliveries: 'SCIM_SYNC_WEBHOOK_DELIVERIES',
  queueUrl: 'SCIM_SYNC_WEBHOOK_QUEUE_URL',
  organisation: 'SCIM_SYNC_GITHUB_ORGANISATION',
  identityStoreId: 'SCIM_SYNC_IDENTITY_STORE_ID',
  stateMachineArn: 'SCIM_SYNC_STATE_MACHINE_ARN',
} as const;

/** The deliveries table's key (infra/webhooks.ts) and its TTL attribute (epoch seconds). */
export const DELIVERY_KEY_ATTRIBUTE = 'delivery';
export const DELIVERY_TTL_ATTRIBUTE = 'expiresAt';

/** How long the receiver keeps the secret before reading it again (a rotation takes effect within it). */
export const SECRET_CACHE_MS = 5 * 60_000;

const WebhookSecretSchema = z
  .object({
    webhook_secret: z.string().min(16),
    /** During a rotation: deliveries signed with the old secret still pass (docs/runbook.md). */
    previous_webhook_secret: z.string().min(16).optional(),
  })
  .strict();
export type WebhookSecrets = { current: string; previous?: string };

/** The webhook secret from Secrets Manager, read at most every SECRET_CACHE_MS; never logged. */
export class WebhookSecretSource {
  private cached?: { value: WebhookSecrets; at: number };
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
    private readonly now: () => number = Date.now,
    private readonly cacheMs = SECRET_CACHE_MS,
  ) {}

  async get(): Promise<WebhookSecrets> {
    const c = this.cached;
    if (c && this.now() - c.at < this.cacheMs) return c.value;
    const r = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }));
    let raw: unknown;
    try {
      raw = JSON.parse(r.SecretString ?? '');
    } catch {
      throw new SecretInvalidError(`the webhook secret ${this.secretId} is not JSON`);
    }
    const parsed = WebhookSecretSchema.safeParse(raw);
    if (!parsed.success)
      throw new SecretInvalidError(
        `the webhook secret ${this.secretId} is not {"webhook_secret": "<at least 16 characters>"}: ${describeIssues(parsed.error.issues)}`,
      );
    const value: WebhookSecrets = {
      current: parsed.data.webhook_secret,
      ...(parsed.data.previous_webhook_secret ? { previous: parsed.data.previous_webhook_secret } : {}),
    };
    this.cached = { value, at: this.now() };
    return value;
  }
}

/** Delivery ids already received (X-GitHub-Delivery), each remembered for DELIVERY_TTL_SECONDS. */
export class DeliveryStore {
  constructor(
    private readonly client: DynamoDBClient,
    readonly table: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Records the delivery; false when it was recorded before (a replay). */
  async claim(delivery: string, event: string): Promise<boolean> {
    const now = this.now();
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            [DELIVERY_KEY_ATTRIBUTE]: { S: delivery },
            event: { S: event },
            receivedAt: { S: now.toISOString() },
            [DELIVERY_TTL_ATTRIBUTE]: { N: String(Math.floor(now.getTime() / 1000) + DELIVERY_TTL_SECONDS) },
          },
          ConditionExpression: `attribute_not_exists(${DELIVERY_KEY_ATTRIBUTE})`,
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      if ((err as { name?: string }).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }

  /** Forgets a delivery that could not be queued, so that GitHub's redelivery of it is accepted. */
  async release(delivery: string): Promise<void> {
    await this.client.send(
      new DeleteItemCommand({ TableName: this.table, Key: { [DELIVERY_KEY_ATTRIBUTE]: { S: delivery } } }),
    );
  }
}

/** The queue between receiver and starter: one message per accepted delivery. */
export class EventQueue {
  constructor(
    private readonly client: SQSClient,
    readonly url: string,
  ) {}

  async send(e: QueuedEvent): Promise<void> {
    await this.client.send(new SendMessageCommand({ QueueUrl: this.url, MessageBody: JSON.stringify(e) }));
  }
}

export interface ReceiverDeps {
  organisation: string;
  secrets: { get(): Promise<WebhookSecrets> };
  deliveries: DeliveryStore;
  queue: EventQueue;
  log: Logger;
}

export interface StarterDeps {
  lease: Pick<LeaseStore, 'read'>;
  sfn: SFNClient;
  stateMachineArn: string;
  log: Logger;
  /** How much later than the newest event a run must have taken the lease to cover it (tests shorten it). */
  coverMarginMs?: number;
}

function required(env: NodeJS.ProcessEnv, names: string[]): Record<string, string> {
  const missing = names.filter((n) => !env[n]);
  if (missing.length)
    throw new ConfigError(`Lambda environment is incomplete: ${missing.join(', ')} not set`);
  return Object.fromEntries(names.map((n) => [n, env[n]!]));
}

export function receiverDepsFromEnv(env: NodeJS.ProcessEnv = process.env): ReceiverDeps {
  const e = required(env, [
    WEBHOOK_ENV.secretArn,
    WEBHOOK_ENV.deliveries,
    WEBHOOK_ENV.queueUrl,
    WEBHOOK_ENV.organisation,
  ]);
  return {
    organisation: e[WEBHOOK_ENV.organisation]!,
    secrets: new WebhookSecretSource(new SecretsManagerClient({}), e[WEBHOOK_ENV.secretArn]!),
    deliveries: new DeliveryStore(new DynamoDBClient({}), e[WEBHOOK_ENV.deliveries]!),
    queue: new EventQueue(new SQSClient({}), e[WEBHOOK_ENV.queueUrl]!),
    log: makeLogger('github'),
  };
}

export function starterDepsFromEnv(env: NodeJS.ProcessEnv = process.env): StarterDeps {
  const e = required(env, [LEASE_TABLE_ENV, WEBHOOK_ENV.identityStoreId, WEBHOOK_ENV.stateMachineArn]);
  return {
    lease: new LeaseStore(
      new DynamoDBClient({}),
      e[LEASE_TABLE_ENV]!,
      e[WEBHOOK_ENV.identityStoreId]!,
      () => new Date(),
    ),
    sfn: new SFNClient({}),
    stateMachineArn: e[WEBHOOK_ENV.stateMachineArn]!,
    log: makeLogger('github'),
  };
}
