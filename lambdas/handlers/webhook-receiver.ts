/**
 * The GitHub webhook receiver, behind a Lambda function URL (auth NONE: the signature is the only
 * gate, docs/architecture.md#webhooks). In this order, and nothing of the body is read before
 * its signature is verified:
 *
 *  1. POST only (405); a body over MAX_WEBHOOK_BODY_BYTES is refused unread (413);
 *  2. `X-Hub-Signature-256` must be there (401; the SHA-1 `X-Hub-Signature` alone is the wrong
 *     algorithm, 401) and verify against the webhook secret (401), with @octokit/webhooks-methods
 *     (HMAC-SHA256, compared in constant time; during a rotation the previous secret passes too);
 *  3. the delivery must name its event and delivery id (400), be JSON (415/400) and change access:
 *     other events, actions and organisations are answered 200 `{"ignored": ...}` (a ping too);
 *  4. a delivery id already received is a replay (409); else it is recorded (with a TTL) and
 *     `{event, delivery}` is queued for the starter: 202. If queueing fails the record is removed
 *     again and GitHub gets a 503, so that a redelivery from "Recent deliveries" is accepted.
 *
 * It never logs a body, a header value other than the event and delivery id, or the secret.
 */
import { classifyEvent, MAX_WEBHOOK_BODY_BYTES } from '../core/webhook';
import { verifySignature } from '../runtime/signature';
import { type ReceiverDeps, receiverDepsFromEnv } from '../runtime/webhooks';

/** What a Lambda function URL hands the function (payload format 2.0), as far as it is read here. */
export interface FunctionUrlEvent {
  headers?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
  requestContext?: { http?: { method?: string }; requestId?: string };
}

export interface FunctionUrlResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const answer = (statusCode: number, body: Record<string, unknown>): FunctionUrlResult => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** A delivery id or event name as GitHub sends them (a GUID, a word); anything else is refused. */
const TOKEN = /^[A-Za-z0-9_-]{1,100}$/;

export const makeWebhookReceiver =
  (deps: ReceiverDeps) =>
  async (event: FunctionUrlEvent): Promise<FunctionUrlResult> => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(event.headers ?? {}))
      if (v !== undefined) headers[k.toLowerCase()] = v;
    const requestId = event.requestContext?.requestId;
    const refuse = (status: number, error: string) => {
      deps.log.warn('webhook refused', { status, error, ...(requestId ? { requestId } : {}) });
      return answer(status, { error });
    };
    const method = event.requestContext?.http?.method ?? 'POST';
    if (method !== 'POST') return refuse(405, 'only POST is accepted');
    const raw = event.body ?? '';
    const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
    if (bytes.length > MAX_WEBHOOK_BODY_BYTES)
      return refuse(413, `body of ${bytes.length} bytes is over the ${MAX_WEBHOOK_BODY_BYTES} accepted`);

    const signature = headers['x-hub-signature-256'];
    if (!signature)
      return refuse(
        401,
        headers['x-hub-signature']
          ? 'wrong algorithm: only X-Hub-Signature-256 (HMAC-SHA256) is accepted, not X-Hub-Signature (SHA-1)'
          : 'missing X-Hub-Signature-256',
      );
    if (!signature.startsWith('sha256='))
      return refuse(401, 'wrong algorithm: X-Hub-Signature-256 must be sha256=<hex>');
    if (bytes.length === 0) return refuse(401, 'bad signature');
    const payload = bytes.toString('utf8');
    let secrets: Awaited<ReturnType<ReceiverDeps['secrets']['get']>>;
    try {
      secrets = await deps.secrets.get();
    } catch (err) {
      // `reason`, not `message`: powertools' own `message` key (the line's text) would hide it.
      deps.log.error('webhook secret unavailable', {
        error: (err as Error).name,
        reason: (err as Error).message,
      });
      return answer(500, { error: 'the receiver cannot verify deliveries now; redeliver later' });
    }
    const valid = await verifySignature(
      secrets.current,
      payload,
      signature,
      secrets.previous ? [secrets.previous] : [],
    );
    if (!valid) return refuse(401, 'bad signature');

    // Verified: from here on the delivery is GitHub's.
    const name = headers['x-github-event'] ?? '';
    const delivery = headers['x-github-delivery'] ?? '';
    if (!TOKEN.test(name) || !TOKEN.test(delivery))
      return refuse(400, 'missing or malformed X-GitHub-Event or X-GitHub-Delivery');
    const keys = { event: name, delivery };
    const type = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') return refuse(415, "set the webhook's content type to application/json");
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      return refuse(400, 'body is not JSON');
    }
    const verdict = classifyEvent(name, parsed, deps.organisation);
    if (!verdict.accept) {
      deps.log.info('webhook ignored', { ...keys, reason: verdict.reason });
      return answer(200, { ignored: verdict.reason });
    }
    if (!(await deps.deliveries.claim(delivery, verdict.event))) {
      deps.log.warn('webhook replay refused', keys);
      return answer(409, { error: `delivery ${delivery} was received before` });
    }
    try {
      await deps.queue.send({ event: verdict.event, delivery });
    } catch (err) {
      deps.log.error('webhook not queued', { ...keys, error: (err as Error).name });
      await deps.deliveries.release(delivery).catch((e: unknown) => {
        deps.log.error('could not forget the delivery: a redelivery of it will be refused', {
          ...keys,
          error: (e as Error).name,
        });
      });
      return answer(503, { error: "not queued; redeliver it from the webhook's Recent deliveries" });
    }
    deps.log.info('webhook queued', { ...keys, event: verdict.event });
    return answer(202, { queued: verdict.event, delivery });
  };

let receiver: ((e: FunctionUrlEvent) => Promise<FunctionUrlResult>) | undefined;
export const handler = (event: FunctionUrlEvent): Promise<FunctionUrlResult> => {
  receiver ??= makeWebhookReceiver(receiverDepsFromEnv());
  return receiver(event);
};
