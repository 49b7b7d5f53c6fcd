/**
 * The webhook receiver with its real clients: the secret from the local Secrets Manager (rotation
 * with the previous secret accepted, its cache, a malformed secret), delivery ids in dynalite and
 * the queue in the local SQS (a queue that refuses: 503, and the delivery id forgotten so that
 * GitHub's redelivery is accepted), and the content type checked after the signature.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type FunctionUrlEvent, makeWebhookReceiver } from '../../lambdas/handlers/webhook-receiver';
import { CapturingLogger, SERVICE } from '../../lambdas/runtime/powertools';
import { signPayload } from '../../lambdas/runtime/signature';
import {
  DELIVERY_KEY_ATTRIBUTE,
  DeliveryStore,
  EventQueue,
  SECRET_CACHE_MS,
  WebhookSecretSource,
} from '../../lambdas/runtime/webhooks';
import { LOCAL_REGION, LocalAws } from '../../local/aws';
import { type LocalDynamo, startLocalDynamo } from '../../local/dynamodb';
import { LOCAL_CREDENTIALS } from '../../local/services';
import { LocalSqs } from '../../local/sqs';

const SECRET_NAME = 'scim-sync-github-webhook';
const TABLE = 'scim-sync-webhook-deliveries';
const A = 'a'.repeat(20);
const B = 'b'.repeat(20);
const clients = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };

let aws: LocalAws;
let dynamo: LocalDynamo;
let sqs: LocalSqs;
let dynamoClient: DynamoDBClient;
beforeAll(async () => {
  aws = await new LocalAws().start();
  dynamo = await startLocalDynamo(LOCAL_REGION);
  sqs = await new LocalSqs().start([{ name: 'events' }]);
  dynamoClient = new DynamoDBClient({ ...clients, endpoint: dynamo.endpoint });
  await dynamoClient.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: DELIVERY_KEY_ATTRIBUTE, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: DELIVERY_KEY_ATTRIBUTE, KeyType: 'HASH' }],
    }),
  );
});
afterAll(async () => {
  await sqs?.close();
  await dynamo?.close();
  await aws?.close();
});

let clock = 0;
function receiver(opts: { queueUrl?: string } = {}) {
  const logs: string[] = [];
  const handle = makeWebhookReceiver({
    organisation: 'example-org',
    secrets: new WebhookSecretSource(
      new SecretsManagerClient({ ...clients, endpoint: aws.endpoint }),
      SECRET_NAME,
      () => clock,
    ),
    deliveries: new DeliveryStore(dynamoClient, TABLE),
    queue: new EventQueue(
      new SQSClient({ ...clients, endpoint: sqs.endpoint }),
      opts.queueUrl ?? sqs.queueUrl('events'),
    ),
    log: new CapturingLogger((l) => logs.push(l), { serviceName: SERVICE }),
  });
  return { handle, logs };
}

let n = 0;
const body = JSON.stringify({ action: 'member_removed', organization: { login: 'example-org' } });
async function delivery(
  secret: string,
  opts: { delivery?: string; contentType?: string } = {},
): Promise<FunctionUrlEvent> {
  return {
    headers: {
      'content-type': opts.contentType ?? 'application/json',
      'x-github-event': 'organization',
      'x-github-delivery': opts.delivery ?? `d-${++n}-${Date.now()}`,
      'x-hub-signature-256': await signPayload(secret, body),
    },
    body,
    isBase64Encoded: false,
    requestContext: { http: { method: 'POST' } },
  };
}

describe('rotating the webhook secret', () => {
  it('accepts the previous secret while it is set, the new one at once, and the old one no more once dropped (after the cache)', async () => {
    clock = 0;
    aws.putSecret(SECRET_NAME, JSON.stringify({ webhook_secret: A }));
    const { handle } = receiver();
    const status = async (s: string) => (await handle(await delivery(s))).statusCode;
    expect([await status(A), await status(B)]).toEqual([202, 401]);

    // Step 1: the new secret, with the old one as previous. Within the cache the receiver still has A only.
    aws.putSecret(SECRET_NAME, JSON.stringify({ webhook_secret: B, previous_webhook_secret: A }));
    clock += SECRET_CACHE_MS - 1;
    expect(await status(B)).toBe(401);
    clock += 1;
    expect([await status(A), await status(B)]).toEqual([202, 202]);

    // Step 4: the old one dropped: passes until the cache expires, then refused.
    aws.putSecret(SECRET_NAME, JSON.stringify({ webhook_secret: B }));
    expect(await status(A)).toBe(202);
    clock += SECRET_CACHE_MS;
    expect([await status(A), await status(B)]).toEqual([401, 202]);
  });

  it('a malformed secret answers 500 (redeliver later), logs SecretInvalidError without the value, and queues nothing', async () => {
    clock = 10 * SECRET_CACHE_MS;
    const before = sqs.calls.SendMessage ?? 0;
    for (const [value, words] of [
      [JSON.stringify({ webhook_secret: 'short-1' }), /at least 16 characters/],
      [JSON.stringify({ webhook_secret: A, extra: 'x-secret-extra' }), /webhook_secret/],
      ['not json at all', /is not JSON/],
    ] as const) {
      aws.putSecret(SECRET_NAME, value);
      clock += SECRET_CACHE_MS;
      const { handle, logs } = receiver();
      const r = await handle(await delivery(A));
      expect([r.statusCode, JSON.parse(r.body)]).toEqual([
        500,
        { error: 'the receiver cannot verify deliveries now; redeliver later' },
      ]);
      const line = JSON.parse(logs.find((l) => l.includes('webhook secret unavailable'))!);
      expect(line.error).toBe('SecretInvalidError');
      expect(line.reason).toMatch(words);
      for (const l of logs) {
        expect(l).not.toContain('short-1');
        expect(l).not.toContain('x-secret-extra');
        expect(l).not.toContain(A);
      }
    }
    expect(sqs.calls.SendMessage ?? 0).toBe(before);
  });
});

describe('after the signature', () => {
  beforeAll(() => {
    aws.putSecret(SECRET_NAME, JSON.stringify({ webhook_secret: A }));
    clock = 100 * SECRET_CACHE_MS;
  });

  it('a form-encoded delivery with a valid signature is refused with 415, naming the setting', async () => {
    const before = sqs.calls.SendMessage ?? 0;
    const r = await receiver().handle(
      await delivery(A, { contentType: 'application/x-www-form-urlencoded' }),
    );
    expect([r.statusCode, JSON.parse(r.body)]).toEqual([
      415,
      { error: "set the webhook's content type to application/json" },
    ]);
    expect(sqs.calls.SendMessage ?? 0).toBe(before);
  });

  it('a queue that refuses answers 503 and forgets the delivery id, so the redelivery is queued (202) and a replay of that refused (409)', async () => {
    const d = `guid-503-${Date.now()}`;
    const broken = receiver({ queueUrl: `${sqs.endpoint}/000000000000/no-such-queue` });
    const first = await broken.handle(await delivery(A, { delivery: d }));
    expect([first.statusCode, JSON.parse(first.body)]).toEqual([
      503,
      { error: "not queued; redeliver it from the webhook's Recent deliveries" },
    ]);
    expect(broken.logs.some((l) => l.includes('webhook not queued'))).toBe(true);
    const before = sqs.calls.SendMessage ?? 0;
    const { handle } = receiver();
    const again = await handle(await delivery(A, { delivery: d }));
    expect([again.statusCode, JSON.parse(again.body)]).toEqual([
      202,
      { queued: 'organization.member_removed', delivery: d },
    ]);
    expect((sqs.calls.SendMessage ?? 0) - before).toBe(1);
    const replay = await handle(await delivery(A, { delivery: d }));
    expect(replay.statusCode).toBe(409);
  });
});
