/**
 * CheckConcurrency: validates the execution input, and stops this run (ConcurrentRunError, before
 * anything is read or changed) when an older execution of the same state machine is still running.
 */
import { paginateListExecutions } from '@aws-sdk/client-sfn';
import { ConcurrentRunError, ConfigError } from '../core/errors';
import { type Deps, lambdaHandler } from '../runtime/deps';
import { CheckConcurrencyEventSchema, parseEvent, parseExecutionInput, type Run } from './contracts';

/** arn:aws:states:R:A:execution:MACHINE:NAME → arn:aws:states:R:A:stateMachine:MACHINE */
export function stateMachineArnOf(executionArn: string): string {
  const parts = executionArn.split(':');
  if (parts.length < 8 || parts[5] !== 'execution')
    throw new ConfigError(`not an execution ARN: ${executionArn}`);
  return [...parts.slice(0, 5), 'stateMachine', parts[6]].join(':');
}

export const makeCheckConcurrency = (deps: Deps) => async (event: unknown) => {
  const e = parseEvent(CheckConcurrencyEventSchema, event, 'CheckConcurrency');
  const input = parseExecutionInput(e.input);
  if (e.settings.provider !== deps.provider) {
    throw new ConfigError(
      `this state machine is for ${e.settings.provider} but its Lambda is configured for ${deps.provider}`,
    );
  }
  const stateMachineArn = e.execution.stateMachineId ?? stateMachineArnOf(e.execution.id);
  const ours = Date.parse(e.execution.startTime);
  for await (const page of paginateListExecutions(
    { client: deps.sfn },
    { stateMachineArn, statusFilter: 'RUNNING' },
  )) {
    for (const x of page.executions ?? []) {
      if (x.executionArn === e.execution.id) continue;
      const theirs = x.startDate?.getTime() ?? 0;
      if (theirs < ours || (theirs === ours && (x.executionArn ?? '') < e.execution.id)) {
        throw new ConcurrentRunError(
          `execution ${x.name} of this state machine is still running (started ${x.startDate?.toISOString()}); ` +
            'this run stopped before reading or changing anything. Let the running one finish; if it is stuck, stop it and start a new run.',
        );
      }
    }
  }
  const run: Run = {
    provider: deps.provider,
    runId: e.execution.name,
    executionArn: e.execution.id,
    startedAt: e.execution.startTime,
    dryRun: input.dryRun,
    allowMassDeletion: input.allowMassDeletion,
    applyConcurrency: e.settings.applyConcurrency,
  };
  deps.log.info('run started', { run });
  return { run };
};

export const handler = lambdaHandler('CheckConcurrency', makeCheckConcurrency);
