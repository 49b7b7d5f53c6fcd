/**
 * Alert: the target of the failure rule (infra/alerting.ts). The "Step Functions Execution Status
 * Change" event names the execution and carries its status, error and cause (as DescribeExecution
 * does), but not the state that failed; this reads the end of the execution's history for it, then
 * publishes one message to the alert topic: execution, failed state (and batches), error, cause,
 * console link, and the runbook section for the error.
 *
 * When the history cannot be read, the message is sent without the state; when publishing fails,
 * the invocation fails (Lambda retries it, then sends the event to the alerts dead-letter queue,
 * whose alarm pages through CloudWatch).
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetExecutionHistoryCommand, type HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import type { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import definition from '../../statemachines/sync.asl.json';
import { ConfigError, describeIssues, InputValidationError, NAMED_ERRORS } from '../core/errors';
import { type LambdaContext, makeLogger } from '../runtime/powertools';

export const ALERT_TOPIC_ENV = 'SCIM_SYNC_ALERT_TOPIC';
/** Newest history events read to find the failure (the failed attempt is near the end). */
export const HISTORY_EVENTS_READ = 1000;

const StatusChangeSchema = z.object({
  region: z.string(),
  detail: z.object({
    executionArn: z.string(),
    stateMachineArn: z.string(),
    name: z.string(),
    status: z.string(),
    startDate: z.number().nullish(),
    stopDate: z.number().nullish(),
    error: z.string().nullish(),
    cause: z.string().nullish(),
    redriveCount: z.number().nullish(),
  }),
});
export type StatusChangeEvent = z.input<typeof StatusChangeSchema>;

export interface AlertDeps {
  sfn: SFNClient;
  sns: SNSClient;
  topicArn: string;
  log: Pick<Logger, 'info' | 'warn'>;
}

interface AslStates {
  States?: Record<string, { Branches?: { States?: AslStates['States'] }[]; ItemProcessor?: AslStates }>;
}

/** Each nested state of the definition, to the top-level state it is in (a redrive restarts there). */
function parents(def: AslStates): Map<string, string> {
  const out = new Map<string, string>();
  const nested = (top: string, states: AslStates['States']) => {
    for (const [name, s] of Object.entries(states ?? {})) {
      out.set(name, top);
      for (const b of s.Branches ?? []) nested(top, b.States);
      nested(top, s.ItemProcessor?.States);
    }
  };
  for (const [name, s] of Object.entries(def.States ?? {})) {
    for (const b of s.Branches ?? []) nested(name, b.States);
    nested(name, s.ItemProcessor?.States);
  }
  return out;
}
const PARENT = parents(definition as unknown as AslStates);

export interface FailedState {
  /** The top-level state: a redrive restarts there. */
  state: string;
  /** The state inside it whose attempt failed (a Map's batch Task, a Parallel branch's Task). */
  inner?: string;
  batches: number[];
}

const failureDetails = (e: HistoryEvent) =>
  e.lambdaFunctionFailedEventDetails ??
  e.lambdaFunctionTimedOutEventDetails ??
  e.lambdaFunctionStartFailedEventDetails ??
  e.lambdaFunctionScheduleFailedEventDetails ??
  e.taskFailedEventDetails ??
  e.taskTimedOutEventDetails ??
  e.taskStartFailedEventDetails ??
  e.taskSubmitFailedEventDetails;

const enteredName = (e: HistoryEvent) =>
  e.type?.endsWith('StateEntered') ? e.stateEnteredEventDetails?.name : undefined;

/** The state that failed, from the newest events of a history (oldest first). */
export function failedStateOf(events: HistoryEvent[]): FailedState | undefined {
  const byId = new Map(events.map((e) => [e.id, e]));
  const stateOf = (e: HistoryEvent) => {
    let cur: HistoryEvent | undefined = e;
    for (let hops = 0; cur && hops < events.length + 1; hops++) {
      const name = enteredName(cur);
      if (name) return name;
      cur = byId.get(cur.previousEventId ?? -1);
    }
    return undefined;
  };
  const attempt = [...events].reverse().find((e) => failureDetails(e));
  let leaf = attempt ? stateOf(attempt) : undefined;
  // No failed attempt (the state machine's own error, e.g. States.Runtime): the last state entered.
  leaf ??= [...events].reverse().map(enteredName).find(Boolean);
  if (!leaf) return undefined;
  const top = PARENT.get(leaf);
  const state = top ?? leaf;
  const batches = events
    .filter((e) => e.type === 'MapIterationFailed' && e.mapIterationFailedEventDetails?.name === state)
    .map((e) => e.mapIterationFailedEventDetails?.index ?? -1)
    .filter((i) => i >= 0);
  return { state, ...(top ? { inner: leaf } : {}), batches: [...new Set(batches)].sort((a, b) => a - b) };
}

const OUR_ERRORS = new Set<string>(NAMED_ERRORS.map((E) => new E('x').name));

export function consoleLink(region: string, executionArn: string): string {
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

/** The message for one failed (timed-out, aborted) execution. */
export function alertMessage(
  e: z.output<typeof StatusChangeSchema>,
  failed: FailedState | undefined,
  historyProblem?: string,
): { subject: string; message: string } {
  const d = e.detail;
  const machine = d.stateMachineArn.split(':').at(-1) ?? d.stateMachineArn;
  const error = d.error ?? (d.status === 'FAILED' ? 'unknown' : d.status);
  const where = failed
    ? `${failed.state}${failed.inner ? ` (${failed.inner}${failed.batches.length ? `, batches ${failed.batches.join(', ')}` : ''})` : ''}`
    : `unknown${historyProblem ? ` (the history could not be read: ${historyProblem})` : ''}`;
  const anchor = OUR_ERRORS.has(error) ? error.toLowerCase() : 'troubleshooting-by-error-name';
  const iso = (ms: number | null | undefined) => (ms ? new Date(ms).toISOString() : '?');
  const subject = `scim-sync: ${machine} ${d.status}${failed ? ` in ${failed.state}` : ''}: ${error}`.slice(
    0,
    99,
  );
  const message = [
    `scim-sync: execution ${d.status}`,
    `State machine: ${machine}`,
    `Execution: ${d.name} (${d.executionArn})`,
    `Failed state: ${where}`,
    `Error: ${error}`,
    `Cause: ${d.cause ?? '(none)'}`,
    `Started: ${iso(d.startDate)}; stopped: ${iso(d.stopDate)}${d.redriveCount ? `; re-driven ${d.redriveCount} times` : ''}`,
    `Console: ${consoleLink(e.region, d.executionArn)}`,
    `Who loses access, and why (the run report): npx scim-sync report --run ${d.executionArn}`,
    `What to do: docs/runbook.md#${anchor}; re-drive: npx scim-sync redrive ${d.executionArn} --wait`,
  ].join('\n');
  return { subject, message };
}

export const makeAlert =
  (deps: AlertDeps) =>
  async (event: unknown): Promise<{ messageId?: string }> => {
    const parsed = StatusChangeSchema.safeParse(event);
    if (!parsed.success)
      throw new InputValidationError(
        `Alert received an unexpected event: ${describeIssues(parsed.error.issues)}`,
      );
    const e = parsed.data;
    let failed: FailedState | undefined;
    let problem: string | undefined;
    try {
      const page = await deps.sfn.send(
        new GetExecutionHistoryCommand({
          executionArn: e.detail.executionArn,
          reverseOrder: true,
          maxResults: HISTORY_EVENTS_READ,
        }),
      );
      failed = failedStateOf([...(page.events ?? [])].reverse());
    } catch (err) {
      problem = `${(err as Error).name}: ${(err as Error).message}`;
      deps.log.warn('could not read the execution history', { error: problem });
    }
    const { subject, message } = alertMessage(e, failed, problem);
    const r = await deps.sns.send(
      new PublishCommand({ TopicArn: deps.topicArn, Subject: subject, Message: message }),
    );
    deps.log.info('alert sent', { executionArn: e.detail.executionArn, subject, messageId: r.MessageId });
    return { ...(r.MessageId ? { messageId: r.MessageId } : {}) };
  };

let alert: ((event: unknown) => Promise<{ messageId?: string }>) | undefined;
let log: Logger | undefined;

export const handler = async (event: unknown, context?: LambdaContext) => {
  if (!alert) {
    const topicArn = process.env[ALERT_TOPIC_ENV];
    if (!topicArn) throw new ConfigError(`${ALERT_TOPIC_ENV} is not set`);
    log = makeLogger('all');
    alert = makeAlert({ sfn: new SFNClient({}), sns: new SNSClient({}), topicArn, log });
  }
  if (context) log?.addContext(context);
  return alert(event);
};
