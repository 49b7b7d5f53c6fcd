/**
 * A sync in one process without Step Functions: read the target, plan, apply phase by phase.
 * For engine tests and benchmarks; the deployed and local runs go through the state machine.
 */
import type { IdentitystoreClient } from '@aws-sdk/client-identitystore';
import { type Batches, toBatches } from '../lambdas/core/batches';
import { PHASES, type SourceSnapshot } from '../lambdas/core/model';
import type { OwnershipRules } from '../lambdas/core/ownership';
import { computePlan, type Plan } from '../lambdas/core/plan';
import { type AppliedOp, applyOperations, type KnownIds } from '../lambdas/identitystore/apply';
import { readTargetSnapshot } from '../lambdas/identitystore/read';

export interface DirectSyncResult {
  plan: Plan;
  batches: Batches;
  results: AppliedOp[];
}

export async function directSync(opts: {
  client: IdentitystoreClient;
  identityStoreId: string;
  source: SourceSnapshot;
  rules: OwnershipRules;
  batchSize?: number;
  concurrency?: number;
}): Promise<DirectSyncResult> {
  const target = await readTargetSnapshot({
    client: opts.client,
    identityStoreId: opts.identityStoreId,
    rules: opts.rules,
  });
  const plan = computePlan(opts.source, target, opts.rules);
  const { batches } = toBatches(plan.ops, { batchSize: opts.batchSize ?? 500 });
  const ids: KnownIds = { users: new Map(), groups: new Map() };
  const results: AppliedOp[] = [];
  for (const phase of PHASES) {
    for (const batch of batches[phase]) {
      results.push(
        ...(await applyOperations(batch, {
          client: opts.client,
          identityStoreId: opts.identityStoreId,
          rules: opts.rules,
          ids,
          concurrency: opts.concurrency ?? 4,
        })),
      );
    }
  }
  return { plan, batches, results };
}
