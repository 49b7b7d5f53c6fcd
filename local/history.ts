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
  const push = (type: string, timestamp: number, details: Record<string, unknown> = {}) => {
    out.push({
      id: out.length + 1,
      ...(out.length ? { previousEventId: out.length } : {}),
      timestamp: timestamp / 1000,
      type,
      ...details,
    });
  };
  const json = (v: unknown) => JSON.stringify(v ?? null);
  for (const e of events) {
    const st = e.state as StateData | undefined;
    switch (e.type) {
      case 'ExecutionStarted':
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
