/**
 * The Task states of statemachines/sync.asl.json as the local runner runs them: the step (the
 * Lambda) and handler factory behind each, the Wait states and how long they pause locally, and
 * the context Lambda would hand a handler (request id, function name).
 */
import { randomUUID } from 'node:crypto';
import type { Provider } from '../lambdas/core/model';
import { makeApplyBatch } from '../lambdas/handlers/apply-batch';
import { makeCheckConcurrency } from '../lambdas/handlers/check-concurrency';
import { makeComputePlan } from '../lambdas/handlers/compute-plan';
import { makeFetchSource } from '../lambdas/handlers/fetch-source';
import { makeFetchTarget } from '../lambdas/handlers/fetch-target';
import { makeReport } from '../lambdas/handlers/report';
import { makeResolveSecret } from '../lambdas/handlers/resolve-secret';
import type { Deps } from '../lambdas/runtime/deps';
import type { LambdaContext } from '../lambdas/runtime/powertools';
import type { Step } from '../statemachines/definition';
import { localFunctionArn } from './definition';

export type TaskFn = (input: unknown) => Promise<unknown>;
type Factory = (deps: Deps) => TaskFn;

/** Task state -> the step (the Lambda) behind it and its handler factory. */
export const TASK_STATES: Record<string, { step: Step; factory: Factory }> = {
  CheckConcurrency: { step: 'CheckConcurrency', factory: makeCheckConcurrency as Factory },
  ResolveSecret: { step: 'ResolveSecret', factory: makeResolveSecret as Factory },
  FetchSource: { step: 'FetchSource', factory: makeFetchSource as Factory },
  FetchTarget: { step: 'FetchTarget', factory: makeFetchTarget as Factory },
  ComputePlan: { step: 'ComputePlan', factory: makeComputePlan as Factory },
  ApplyRenamesBatch: { step: 'ApplyBatch', factory: makeApplyBatch as Factory },
  ApplyCreatesBatch: { step: 'ApplyBatch', factory: makeApplyBatch as Factory },
  ApplyMembershipsBatch: { step: 'ApplyBatch', factory: makeApplyBatch as Factory },
  ApplyDeletesBatch: { step: 'ApplyBatch', factory: makeApplyBatch as Factory },
  Report: { step: 'Report', factory: makeReport as Factory },
};

/** The Wait states, and how long they pause in local runs unless told (the definition's are a minute). */
export const WAIT_STATES = ['WaitForLease'] as const;
export const LOCAL_WAIT_MS = 200;

/** What Lambda hands a handler, as far as the logger reads it. */
export function lambdaContext(provider: Provider, step: Step): LambdaContext {
  const arn = localFunctionArn(provider, step);
  return {
    awsRequestId: randomUUID(),
    functionName: arn.split(':').at(-1)!,
    functionVersion: '$LATEST',
    invokedFunctionArn: arn,
    memoryLimitInMB: '512',
  } as LambdaContext;
}
