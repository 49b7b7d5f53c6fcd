/**
 * Turns aws-local-stepfunctions' event log into Step Functions execution history events (the
 * GetExecutionHistory shapes the CLI reads), including the Lambda scheduling events a Task state
 * produces in AWS, so that event counts are comparable with the 25,000-event history limit.
 */
import type { LocalExecution } from './aws';

type Event = Record<string, unknown> & { type: string; timestamp: number };
type StateData = { name: string; type: string; input?: unknown; output?: unknown };

export function toHistory(
  events: Event[],
  execution: Pick<LocalExecution, 'stateMachineArn'>,
): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  // As in AWS, a state's events point back along that state's own chain (its Lambda's scheduling,
  // start, failures and retries lead back to its StateEntered), so that concurrent branches and
  // iterations can be told apart; every other event points to the one before it.
  const lastOf = new Map<string, number>();
  let key: string | undefined;
  let entering = false;
  const push = (type: string, timestamp: number, details: Record<string, unknown> = {}) => {
    const id = out.length + 1;
    const previous = key && !entering ? (lastOf.get(key) ?? out.length) : out.length;
    out.push({
      id,
      ...(previous ? { previousEventId: previous } : {}),
      timestamp: timestamp / 1000,
      type,
      ...details,
    });
    if (key) lastOf.set(key, id);
  };
  const json = (v: unknown) => JSON.stringify(v ?? null);
  let starts = 0;
  for (const e of events) {
    const st = e.state as StateData | undefined;
    key =
      st && (e.type !== 'StateFailed' || st.type === 'Task')
        ? `${st.name}#${String(e.index ?? '')}`
        : undefined;
    entering = e.type === 'StateEntered';
    switch (e.type) {
      case 'ExecutionStarted':
        // The runner appends a redrive's events to the execution's: in AWS its start is ExecutionRedriven.
        if (starts++ > 0) {
          push('ExecutionRedriven', e.timestamp, {
            executionRedrivenEventDetails: { redriveCount: starts - 1 },
          });
          break;
        }
        push('ExecutionStarted', e.timestamp, {
          executionStartedEventDetails: {
            input: json(e.input),
            roleArn: `${execution.stateMachineArn.replace(':states:', ':iam:')}-role`,
          },
        });
        break;
      case 'ExecutionSucceeded':
        push('ExecutionSucceeded', e.timestamp, {
          executionSucceededEventDetails: { output: json(e.output) },
        });
        break;
      case 'ExecutionFailed':
        push('ExecutionFailed', e.timestamp, {
          executionFailedEventDetails: { error: e.Error, cause: String(e.Cause ?? '') },
        });
        break;
      case 'StateEntered':
        push(`${st!.type}StateEntered`, e.timestamp, {
          stateEnteredEventDetails: { name: st!.name, input: json(st!.input) },
        });
        if (st!.type === 'Task') {
          push('LambdaFunctionScheduled', e.timestamp, {
            lambdaFunctionScheduledEventDetails: { resource: st!.name, input: json(st!.input) },
          });
          push('LambdaFunctionStarted', e.timestamp);
        }
        break;
      case 'StateExited':
        if (st!.type === 'Task')
          push('LambdaFunctionSucceeded', e.timestamp, {
            lambdaFunctionSucceededEventDetails: { output: json(st!.output) },
          });
        push(`${st!.type}StateExited`, e.timestamp, {
          stateExitedEventDetails: { name: st!.name, output: json(st!.output) },
        });
        break;
      case 'StateRetried':
        // In AWS a retried Lambda task shows as a failure followed by a new schedule.
        push('LambdaFunctionScheduled', e.timestamp, {
          lambdaFunctionScheduledEventDetails: { resource: st!.name, input: json(st!.input) },
        });
        push('LambdaFunctionStarted', e.timestamp);
        break;
      case 'StateFailed':
        if (st!.type === 'Task') {
          push('LambdaFunctionFailed', e.timestamp, {
            lambdaFunctionFailedEventDetails: { error: e.Error, cause: String(e.Cause ?? '') },
          });
        } else {
          push(`${st!.type}StateFailed`, e.timestamp, {
            name: st!.name,
            error: e.Error,
            cause: String(e.Cause ?? ''),
          });
        }
        break;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed': {
        const key = `${e.type[0]!.toLowerCase()}${e.type.slice(1)}EventDetails`;
        push(e.type, e.timestamp, { [key]: { name: (e.parentState as StateData).name, index: e.index } });
        break;
      }
      default:
        break;
    }
  }
  return out;
}

/** State transitions (states entered) and the largest input or output any state saw, in bytes. */
export function payloadStats(events: Event[]): { stateTransitions: number; largestPayloadBytes: number } {
  let stateTransitions = 0;
  let largestPayloadBytes = 0;
  const size = (v: unknown) => (v === undefined ? 0 : Buffer.byteLength(JSON.stringify(v)));
  for (const e of events) {
    if (e.type === 'StateEntered') stateTransitions++;
    const st = e.state as { input?: unknown; output?: unknown } | undefined;
    if (st) largestPayloadBytes = Math.max(largestPayloadBytes, size(st.input), size(st.output));
    if (e.type === 'ExecutionStarted') largestPayloadBytes = Math.max(largestPayloadBytes, size(e.input));
    if (e.type === 'ExecutionSucceeded') largestPayloadBytes = Math.max(largestPayloadBytes, size(e.output));
  }
  return { stateTransitions, largestPayloadBytes };
}
