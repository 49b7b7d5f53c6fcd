/**
 * GitHub organisation webhooks, as decisions (no I/O): which events change access, how big a body
 * the receiver accepts, what the queue message carries, and when the starter starts a run.
 *
 * The receiver (lambdas/handlers/webhook-receiver.ts) verifies the signature, drops what does not
 * change access and queues `{event, delivery}` (never the body: the sync reads the organisation
 * itself, so the payload's details do not matter). The starter (lambdas/handlers/webhook-starter.ts)
 * gets batches of those messages and, per batch, starts at most one execution, or none when a run
 * that began reading after the batch's newest event already covers it (`decideWebhookStart`).
 */
import type { AcquiredMark } from './lease';

/** The events and actions that change who has access (GitHub's organisation webhook events). */
export const ACCESS_EVENTS: Readonly<Record<string, readonly string[]>> = {
  organization: ['member_added', 'member_removed'],
  membership: ['added', 'removed'],
  team: ['created', 'deleted', 'edited'],
};

/** The events the org webhook should send (deploy.md): exactly those above. */
export const WEBHOOK_EVENTS = Object.keys(ACCESS_EVENTS);

/**
 * The largest body the receiver accepts. GitHub caps payloads at 25 MB, but the events above carry
 * one organisation, one sender, one user or team and at most a `changes` object: a few KB (the
 * largest in GitHub's examples is under 10 KB). 256 KiB is 25 times that and a hundredth of
 * GitHub's cap: nothing we accept comes near it, and a larger body is not worth hashing.
 */
export const MAX_WEBHOOK_BODY_BYTES = 256 * 1024;

/** How long a delivery id is remembered (replays refused): GitHub redelivers up to 3 days back. */
export const DELIVERY_TTL_SECONDS = 7 * 86_400;

export type EventVerdict =
  | { accept: true; event: string }
  | { accept: false; reason: string; ping?: boolean };

/**
 * Whether a verified delivery changes access: `event` is the X-GitHub-Event header, `payload` the
 * parsed body; events of another organisation than the configured one are ignored.
 */
export function classifyEvent(event: string, payload: unknown, organisation: string): EventVerdict {
  if (event === 'ping') return { accept: false, ping: true, reason: 'ping: the webhook is set up' };
  const p = (payload ?? {}) as { action?: unknown; organization?: { login?: unknown } };
  const actions = ACCESS_EVENTS[event];
  if (!actions) return { accept: false, reason: `event ${event} does not change access` };
  const action = typeof p.action === 'string' ? p.action : '';
  if (!actions.includes(action))
    return { accept: false, reason: `${event}.${action || '(no action)'} does not change access` };
  const org = typeof p.organization?.login === 'string' ? p.organization.login : undefined;
  if (!org || org.toLowerCase() !== organisation.toLowerCase())
    return {
      accept: false,
      reason: `${event}.${action} is about organisation ${org ?? '(none)'}, not ${organisation}`,
    };
  return { accept: true, event: `${event}.${action}` };
}

/** What the receiver queues for each accepted delivery: names and ids, never the body. */
export interface QueuedEvent {
  event: string;
  delivery: string;
}

/**
 * How much later than an event a run must have taken the lease for its read to count as after the
 * event: the lease's clock (a Lambda's) and the queue's (SQS's SentTimestamp) are different
 * machines. Erring late only costs an extra run.
 */
export const COVER_MARGIN_MS = 5_000;

/** How many follow-ups of one run the starter tries before it gives up (each closed one is skipped). */
export const MAX_FOLLOW_UP_ATTEMPTS = 10;

export type WebhookStartDecision = { kind: 'covered'; by: AcquiredMark } | { kind: 'start'; names: string[] };

/**
 * The execution names of the follow-up of the run that last took the lease (or of none): every
 * batch that needs a run after that one asks for the same name, so Step Functions' name uniqueness
 * coalesces them into one execution. A name whose execution has closed without taking the lease
 * (it failed or skipped) is passed over for the next one.
 */
export function followUpNames(last: AcquiredMark | undefined): string[] {
  const base = last
    ? `webhook-after-${last.at.replace(/[-:.]/g, '')}-${fnv1a(last.executionArn)}`
    : 'webhook-first';
  return Array.from({ length: MAX_FOLLOW_UP_ATTEMPTS }, (_, i) => (i === 0 ? base : `${base}-${i + 1}`));
}

/**
 * One batch of queued events: covered when the newest run that took the lease to apply did so at
 * least `marginMs` after the batch's newest event reached the queue (its read of the source comes
 * later still); else a run must start after that one: its follow-up.
 */
export function decideWebhookStart(
  last: AcquiredMark | undefined,
  newestEventMs: number,
  marginMs = COVER_MARGIN_MS,
): WebhookStartDecision {
  if (last && Date.parse(last.at) >= newestEventMs + marginMs) return { kind: 'covered', by: last };
  return { kind: 'start', names: followUpNames(last) };
}

/** 8 hex digits of FNV-1a (32 bit): a short, stable tag for an ARN in a name. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
