/**
 * GitHub webhooks locally: the receiver handler (lambdas/handlers/webhook-receiver.ts, the Lambda's
 * code, no local branch) behind an HTTP server on 127.0.0.1 that hands it requests as a function
 * URL does; the queue in a local SQS (local/sqs.ts) reached by the real SQS client; and the starter
 * (lambdas/handlers/webhook-starter.ts) fed by a poller that does what Lambda's SQS event source
 * mapping does: collect a batch for up to a batching window, at most `concurrency` batches at a
 * time, delete the batch when the function returns, leave it to come back after the visibility
 * timeout when it throws. The starter starts executions through the real Step Functions client on
 * the local Step Functions, which the LocalRunner runs; the webhook secret lives in the local
 * Secrets Manager, the delivery ids in dynalite, beside the lease.
 */
import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { LeaseStore } from '../lambdas/runtime/lease';
import { CapturingLogger, SERVICE } from '../lambdas/runtime/powertools';
import {
  DELIVERY_KEY_ATTRIBUTE,
  DeliveryStore,
  EventQueue,
  WebhookSecretSource,
} from '../lambdas/runtime/webhooks';
import { type FunctionUrlEvent, makeWebhookReceiver } from '../lambdas/handlers/webhook-receiver';
import { makeWebhookStarter, type SqsEvent, type StarterResult } from '../lambdas/handlers/webhook-starter';
import { LOCAL_REGION } from './aws';
import type { LocalEnvironment } from './environment';
import { GithubWebhooks } from './github/webhooks';
import { listen, type LocalServer, sleep } from './http';
import type { LocalRunner } from './runner';
import { LOCAL_CREDENTIALS } from './services';
import { LocalSqs } from './sqs';

export const WEBHOOK_QUEUE = 'scim-sync-github-webhooks';
export const WEBHOOK_DLQ = 'scim-sync-github-webhooks-dlq';
export const WEBHOOK_SECRET_NAME = 'scim-sync-github-webhook';
export const DELIVERIES_TABLE = 'scim-sync-webhook-deliveries';
/** Lambda's function URLs refuse request bodies over 6 MB before the function runs. */
const FUNCTION_URL_MAX_BYTES = 6 * 1024 * 1024;

export interface LocalWebhookOptions {
  /** The event source's batching window (deployed: 5 s). */
  windowMs?: number;
  batchSize?: number;
  /** Batches handled at once (deployed: the event source's maximum concurrency, 2). */
  concurrency?: number;
  visibilityTimeoutSeconds?: number;
  /** The starter's cover margin (lambdas/core/webhook.ts). */
  coverMarginMs?: number;
  port?: number;
}

export interface LocalWebhooks {
  /** The receiver's URL (the function URL's stand-in). */
  url: string;
  /** The fake GitHub's webhook, pointed at `url`: change the organisation and deliver the event. */
  github: GithubWebhooks;
  sqs: LocalSqs;
  /** Every starter invocation: its outcome, or the error it threw. */
  starts: (StarterResult | { error: string })[];
  logs: string[];
  /** Resolves when the queue is empty, no batch is being handled and no execution runs. */
  settled(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** A Node request as the function URL's event (payload 2.0): lower-case headers, text or base64 body. */
function toFunctionUrlEvent(
  method: string,
  headers: Record<string, unknown>,
  body: Buffer,
): FunctionUrlEvent {
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers))
    if (v !== undefined) h[k] = Array.isArray(v) ? v.join(',') : String(v);
  const text = /^(application\/json|text\/|application\/x-www-form-urlencoded)/.test(h['content-type'] ?? '');
  return {
    headers: h,
    body: text ? body.toString('utf8') : body.toString('base64'),
    isBase64Encoded: !text,
    requestContext: { http: { method }, requestId: randomBytes(8).toString('hex') },
  };
}

export async function startLocalWebhooks(
  env: LocalEnvironment,
  runner: LocalRunner,
  opts: LocalWebhookOptions = {},
): Promise<LocalWebhooks> {
  if (!env.github) throw new Error('local webhooks need the fake GitHub (providers.github)');
  const organisation = env.config.providers.github!.organisation;
  const clients = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  const secret = randomBytes(24).toString('hex');
  env.aws.putSecret(WEBHOOK_SECRET_NAME, JSON.stringify({ webhook_secret: secret }));
  env.secretValues.push(secret);
  const dynamo = new DynamoDBClient({ ...clients, endpoint: env.dynamo.endpoint });
  await dynamo.send(
    new CreateTableCommand({
      TableName: DELIVERIES_TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: DELIVERY_KEY_ATTRIBUTE, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: DELIVERY_KEY_ATTRIBUTE, KeyType: 'HASH' }],
    }),
  );
  const sqs = await new LocalSqs().start([
    {
      name: WEBHOOK_QUEUE,
      visibilityTimeoutSeconds: opts.visibilityTimeoutSeconds ?? 30,
      maxReceiveCount: 5,
      deadLetterQueue: WEBHOOK_DLQ,
    },
    { name: WEBHOOK_DLQ },
  ]);
  const sqsClient = new SQSClient({ ...clients, endpoint: sqs.endpoint });
  const secrets = new SecretsManagerClient({ ...clients, endpoint: env.aws.endpoint });
  const sfn = new SFNClient({ ...clients, endpoint: env.aws.endpoint });
  const logs: string[] = [];
  const log = (fn: string) =>
    new CapturingLogger((l) => logs.push(l), {
      serviceName: SERVICE,
      persistentKeys: { provider: 'github', function: fn },
    });
  const queueUrl = sqs.queueUrl(WEBHOOK_QUEUE);
  const receive = makeWebhookReceiver({
    organisation,
    secrets: new WebhookSecretSource(secrets, WEBHOOK_SECRET_NAME),
    deliveries: new DeliveryStore(dynamo, DELIVERIES_TABLE),
    queue: new EventQueue(sqsClient, queueUrl),
    log: log('webhook-receiver'),
  });
  const start = makeWebhookStarter({
    lease: new LeaseStore(dynamo, env.dynamo.table, env.config.identityStoreId, () => new Date()),
    sfn,
    stateMachineArn: runner.stateMachineArn('github'),
    log: log('webhook-starter'),
    ...(opts.coverMarginMs !== undefined ? { coverMarginMs: opts.coverMarginMs } : {}),
  });
  const server: LocalServer = await listen(
    async (req, res, body) => {
      if (body.length > FUNCTION_URL_MAX_BYTES) {
        res.writeHead(413, { 'content-type': 'application/json' });
        res.end('{"Message":"Request must be smaller than 6291456 bytes for the InvokeFunction operation"}');
        return;
      }
      const r = await receive(toFunctionUrlEvent(req.method ?? 'GET', req.headers, body));
      res.writeHead(r.statusCode, r.headers);
      res.end(r.body);
    },
    { ...(opts.port !== undefined ? { port: opts.port } : {}) },
  );

  // The event source mapping.
  const starts: LocalWebhooks['starts'] = [];
  let stopped = false;
  let busy = 0;
  const windowMs = opts.windowMs ?? 5000;
  const batchSize = opts.batchSize ?? 100;
  const poll = async () => {
    while (!stopped) {
      try {
        await pollOnce();
      } catch {
        // The local SQS went away (closing): the loop ends with `stopped`.
      }
    }
  };
  const pollOnce = async () => {
    {
      const first = await sqsClient
        .send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['SentTimestamp'],
          }),
        )
        .catch(() => ({ Messages: undefined }));
      if (!first.Messages?.length) return;
      busy++;
      const batch = [...first.Messages];
      const deadline = Date.now() + windowMs;
      while (!stopped && batch.length < batchSize && Date.now() < deadline) {
        const more = await sqsClient.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Math.min(10, batchSize - batch.length),
            MessageSystemAttributeNames: ['SentTimestamp'],
          }),
        );
        if (more.Messages?.length) batch.push(...more.Messages);
        else await sleep(Math.min(20, Math.max(1, deadline - Date.now())));
      }
      const event: SqsEvent = {
        Records: batch.map((m) => ({
          messageId: m.MessageId!,
          body: m.Body!,
          attributes: { SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()) },
        })),
      };
      try {
        starts.push(await start(event));
        for (let i = 0; i < batch.length; i += 10) {
          await sqsClient.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: batch
                .slice(i, i + 10)
                .map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle! })),
            }),
          );
        }
      } catch (err) {
        starts.push({ error: `${(err as Error).name}: ${(err as Error).message}` });
      } finally {
        busy--;
      }
    }
  };
  const pollers = Array.from({ length: opts.concurrency ?? 2 }, () => poll());
  const github = new GithubWebhooks(env.github, secret, server.url);

  return {
    url: server.url,
    github,
    sqs,
    starts,
    logs,
    settled: async (timeoutMs = 60_000) => {
      const until = Date.now() + timeoutMs;
      const running = () => [...env.aws.executions.values()].some((x) => x.status === 'RUNNING');
      let quiet = 0;
      // Quiet twice in a row, so that a batch between a receive and its start is not missed.
      while (quiet < 2) {
        if (Date.now() > until) throw new Error('local webhooks did not settle in time');
        const d = sqs.depth(WEBHOOK_QUEUE);
        quiet = d.visible + d.inFlight === 0 && busy === 0 && !running() ? quiet + 1 : 0;
        await sleep(25);
      }
    },
    close: async () => {
      stopped = true;
      await server.close();
      await sqs.close();
      await Promise.all(pollers);
      for (const c of [sqsClient, secrets, sfn, dynamo]) c.destroy();
    },
  };
}

export interface LeaverResult {
  login: string;
  /** The receiver's answer to the delivery. */
  status: number;
  /** From the delivery to the user gone from the Identity Store (with all their memberships). */
  seconds: number;
}

/**
 * Removes `login` from the fake GitHub organisation, which delivers the signed
 * organization.member_removed, and waits until the Identity Store has no such user any more.
 */
export async function removeLeaver(
  env: LocalEnvironment,
  hooks: LocalWebhooks,
  login: string,
  timeoutMs = 120_000,
): Promise<LeaverResult> {
  const userName = `${login.toLowerCase()}${env.config.providers.github!.userNameSuffix}`;
  const present = () => env.emulator.dump().users.some((u) => u.UserName.toLowerCase() === userName);
  if (!present())
    throw new Error(`${userName} is not in the Identity Store: pick a member of the organisation`);
  const d = await hooks.github.removeFromOrg(login);
  if (d.status !== 202) return { login, status: d.status, seconds: Number.NaN };
  const until = Date.now() + timeoutMs;
  while (present()) {
    if (Date.now() > until)
      throw new Error(`${userName} was still in the Identity Store ${timeoutMs / 1000} s after the event`);
    await sleep(10);
  }
  return { login, status: d.status, seconds: (Date.now() - d.sentAt) / 1000 };
}
