/**
 * The webhook starter: the SQS event source hands it a batch of queued GitHub events (batching
 * window, at most two batches at once); it starts at most one GitHub execution for the whole
 * batch, with trigger `{"kind": "webhook", event, delivery}` (the batch's first event), or none:
 *
 * - covered: the newest run of GitHub that took the lease to apply did so after the batch's newest
 *   event reached the queue (lambdas/core/webhook.ts#decideWebhookStart): its read sees them;
 * - else the follow-up of that run: an execution whose name is derived from it, so every batch
 *   that needs a run after it asks Step Functions for the same name. StartExecution starts it, or
 *   answers ExecutionAlreadyExists when another batch did: if that one is still running (waiting
 *   for the lease or about to take it), it covers this batch too. A follow-up that closed without
 *   taking the lease is passed over for the next name.
 *
 * The follow-up finds the lease held (its provider's run is still going) and waits its turn:
 * a webhook start never fails because another run was going (lambdas/core/lease.ts#decideStart).
 * So a burst gives at most one running execution and one waiting follow-up. When it returns, the
 * event source deletes the batch; when it throws, the batch comes back after the visibility timeout.
 */
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { WebhookStartError } from '../core/errors';
import { decideWebhookStart, type QueuedEvent } from '../core/webhook';
import { type StarterDeps, starterDepsFromEnv } from '../runtime/webhooks';

/** An SQS event as the event source mapping delivers it, as far as it is read here. */
export interface SqsEvent {
  Records: { messageId: string; body: string; attributes?: { SentTimestamp?: string } }[];
}

export type StarterResult =
  | { outcome: 'covered'; events: number; by: string }
  | { outcome: 'started' | 'coalesced'; events: number; execution: string };

const isAlreadyExists = (err: unknown) => (err as { name?: string }).name === 'ExecutionAlreadyExists';

/** The execution ARN of `name` on the state machine `stateMachineArn`. */
const executionArn = (stateMachineArn: string, name: string) =>
  `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;

export const makeWebhookStarter =
  (deps: StarterDeps) =>
  async (event: SqsEvent): Promise<StarterResult> => {
    const events: QueuedEvent[] = [];
    let newest = 0;
    for (const r of event.Records ?? []) {
      newest = Math.max(newest, Number(r.attributes?.SentTimestamp ?? Date.now()));
      try {
        const e = JSON.parse(r.body) as QueuedEvent;
        if (typeof e.event === 'string' && typeof e.delivery === 'string') events.push(e);
        else throw new Error('not {event, delivery}');
      } catch {
        // Not ours (only the receiver may send): still counts as an event, so the batch gets a run.
        deps.log.warn('queue message is not an event the receiver sent', { messageId: r.messageId });
      }
    }
    const count = event.Records?.length ?? 0;
    const first = events[0] ?? { event: 'unknown', delivery: 'unknown' };
    const lease = await deps.lease.read();
    const decision = decideWebhookStart(lease.acquired?.github, newest, deps.coverMarginMs);
    if (decision.kind === 'covered') {
      deps.log.info('webhook events covered by a run that read after them', {
        events: count,
        by: decision.by.runId,
      });
      return { outcome: 'covered', events: count, by: decision.by.runId };
    }
    const input = JSON.stringify({
      trigger: { kind: 'webhook', event: first.event, delivery: first.delivery },
    });
    for (const name of decision.names) {
      try {
        await deps.sfn.send(
          new StartExecutionCommand({ stateMachineArn: deps.stateMachineArn, name, input }),
        );
        deps.log.info('webhook run started', { events: count, execution: name, ...first });
        return { outcome: 'started', events: count, execution: name };
      } catch (err) {
        if (!isAlreadyExists(err)) {
          throw new WebhookStartError(
            `StartExecution of ${name} failed (${(err as Error).name}: ${(err as Error).message}); the batch of ${count} events goes back to the queue`,
            { cause: err },
          );
        }
      }
      const x = await deps.sfn.send(
        new DescribeExecutionCommand({ executionArn: executionArn(deps.stateMachineArn, name) }),
      );
      if (x.status === 'RUNNING') {
        deps.log.info('webhook events join the run already started after the last one', {
          events: count,
          execution: name,
        });
        return { outcome: 'coalesced', events: count, execution: name };
      }
      deps.log.info('follow-up closed without taking the lease; trying the next name', {
        execution: name,
        status: x.status,
      });
    }
    throw new WebhookStartError(
      `every follow-up name after the last run (${decision.names[0]} ... ${decision.names.at(-1)}) is taken by an execution that has closed; the batch of ${count} events goes back to the queue (docs/runbook.md#webhookstarterror)`,
    );
  };

let starter: ((e: SqsEvent) => Promise<StarterResult>) | undefined;
export const handler = (event: SqsEvent): Promise<StarterResult> => {
  starter ??= makeWebhookStarter(starterDepsFromEnv());
  return starter(event);
};
