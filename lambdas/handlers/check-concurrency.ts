/**
 * CheckConcurrency: validates the execution input and takes the Identity Store's lease (one run at
 * a time per store, both providers together: lambdas/core/lease.ts) before anything is read.
 *
 * It answers the state machine with the lease's status: `acquired` (the run goes on), `waiting`
 * (the other provider holds it: the Wait state comes back here after `waitSeconds`) or `skipped`
 * (a scheduled start while its own provider runs, or one a newer run already did: the execution
 * succeeds with `{"skipped": ...}` and pages no one). A manual start that cannot have the lease
 * fails with ConcurrentRunError, saying who holds it.
 */
import { ConcurrentRunError, ConfigError } from '../core/errors';
import { decideStart, type Holder, type SkipReason } from '../core/lease';
import { type Deps, lambdaHandler } from '../runtime/deps';
import { CheckConcurrencyEventSchema, parseEvent, parseExecutionInput, type Run } from './contracts';

export interface Skipped {
  reason: SkipReason;
  message: string;
  heldBy?: string;
}

export type CheckConcurrencyResult =
  | { run: Run; lease: { status: 'acquired' } }
  | { lease: { status: 'waiting'; waitSeconds: number; heldBy: string; heldByProvider: string } }
  | { lease: { status: 'skipped' }; output: { skipped: Skipped } };

const holderName = (h: Holder) => `${h.provider}/${h.runId}`;

export const makeCheckConcurrency =
  (deps: Deps) =>
  async (event: unknown): Promise<CheckConcurrencyResult> => {
    const e = parseEvent(CheckConcurrencyEventSchema, event, 'CheckConcurrency');
    const input = parseExecutionInput(e.input);
    if (e.settings.provider !== deps.provider) {
      throw new ConfigError(
        `this state machine is for ${e.settings.provider} but its Lambda is configured for ${deps.provider}`,
      );
    }
    const run: Run = {
      provider: deps.provider,
      runId: e.execution.name,
      executionArn: e.execution.id,
      startedAt: e.execution.startTime,
      dryRun: input.dryRun,
      allowMassDeletion: input.allowMassDeletion,
      applyConcurrency: e.settings.applyConcurrency,
      trigger: input.trigger.kind,
    };
    // A conditional write that loses a race is decided again on what won it.
    for (let attempt = 0; attempt < 3; attempt++) {
      const decision = decideStart(await deps.lease.read(), run, deps.now().getTime(), deps.lease.timings);
      if (decision.kind === 'take') {
        if (!(await deps.lease.take(run))) continue;
        deps.log.info('run started', { run });
        return { run, lease: { status: 'acquired' } };
      }
      if (decision.kind === 'wait') {
        deps.log.info('waiting for the Identity Store lease', {
          heldBy: holderName(decision.holder),
          waitSeconds: decision.seconds,
        });
        return {
          lease: {
            status: 'waiting',
            waitSeconds: decision.seconds,
            heldBy: decision.holder.runId,
            heldByProvider: decision.holder.provider,
          },
        };
      }
      if (decision.kind === 'skip') {
        deps.log.info('run skipped', { reason: decision.reason, message: decision.message });
        return {
          lease: { status: 'skipped' },
          output: {
            skipped: {
              reason: decision.reason,
              message: decision.message,
              ...(decision.holder ? { heldBy: holderName(decision.holder) } : {}),
            },
          },
        };
      }
      throw new ConcurrentRunError(decision.message);
    }
    throw new ConcurrentRunError(
      'the Identity Store lease changed hands three times while this run tried to take it; nothing was read or changed. Start it again.',
    );
  };

export const handler = lambdaHandler('CheckConcurrency', makeCheckConcurrency);
