/**
 * The Identity Store lease in DynamoDB (decisions in lambdas/core/lease.ts): one item per Identity
 * Store, changed only with conditional writes, read with strongly consistent reads, so two
 * executions can never both believe they hold it (unlike ListExecutions, which is eventually
 * consistent).
 *
 * Item `id = identitystore#<identityStoreId>`:
 *   holder, holderRunId, holderProvider, holderStartedAt, expiresAt (epoch ms)   while held
 *   applied_<provider>_order | _arn | _runId | _at                                 newest apply per provider
 *   acquiredAt, renewedAt, renewedBy, releasedAt, releasedBy                        for people reading it
 */
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { LeaseLostError, PlanSupersededError, ScimSyncError } from '../core/errors';
import {
  describeHolder,
  describeSuperseding,
  heldByOther,
  LEASE_TIMINGS,
  type LeaseRun,
  type LeaseState,
  type LeaseTimings,
  runOrder,
  supersededBy,
} from '../core/lease';
import { PROVIDERS, type Provider } from '../core/model';
import { RunSchema } from '../handlers/contracts';
import type { Deps } from './deps';

export const LEASE_TABLE_ENV = 'SCIM_SYNC_LEASE_TABLE';
export { LEASE_TABLE_NAME } from '../core/lease';
export const LEASE_KEY_ATTRIBUTE = 'id';
export const leaseKey = (identityStoreId: string) => `identitystore#${identityStoreId}`;

type Item = Record<string, AttributeValue>;

const FREE_OR_MINE = 'attribute_not_exists(holder) OR holder = :me OR expiresAt < :now';
const NOT_SUPERSEDED = '(attribute_not_exists(#order) OR #order <= :order)';

const isConditionFailed = (err: unknown) =>
  (err as { name?: string }).name === 'ConditionalCheckFailedException';

const s = (item: Item, key: string) => item[key]?.S;

export function leaseStateOf(item: Item | undefined): LeaseState {
  const state: LeaseState = { applied: {} };
  if (!item) return state;
  const holder = s(item, 'holder');
  const provider = s(item, 'holderProvider') as Provider | undefined;
  if (holder && provider) {
    state.holder = {
      executionArn: holder,
      runId: s(item, 'holderRunId') ?? holder,
      provider,
      startedAt: s(item, 'holderStartedAt') ?? '',
      expiresAt: Number(item.expiresAt?.N ?? 0),
    };
  }
  for (const p of PROVIDERS) {
    const order = s(item, `applied_${p}_order`);
    if (order) {
      state.applied[p] = {
        order,
        executionArn: s(item, `applied_${p}_arn`) ?? '',
        runId: s(item, `applied_${p}_runId`) ?? '',
        at: s(item, `applied_${p}_at`) ?? '',
      };
    }
  }
  return state;
}

export class LeaseStore {
  constructor(
    private readonly client: DynamoDBClient,
    readonly table: string,
    readonly identityStoreId: string,
    private readonly now: () => Date,
    readonly timings: LeaseTimings = LEASE_TIMINGS,
  ) {}

  private get key(): Item {
    return { [LEASE_KEY_ATTRIBUTE]: { S: leaseKey(this.identityStoreId) } };
  }

  async read(): Promise<LeaseState> {
    const r = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: this.key, ConsistentRead: true }),
    );
    return leaseStateOf(r.Item);
  }

  /** SET the holder (and optionally this run's apply mark) if `condition` holds; false if not. */
  private async hold(
    run: LeaseRun,
    step: string,
    opts: { condition: string; markApplied?: boolean; acquired?: boolean },
  ): Promise<boolean> {
    const now = this.now();
    const sets = [
      'holder = :me',
      'holderRunId = :runId',
      'holderProvider = :provider',
      'holderStartedAt = :startedAt',
      'expiresAt = :expires',
      'renewedAt = :nowIso',
      'renewedBy = :step',
    ];
    const values: Item = {
      ':me': { S: run.executionArn },
      ':runId': { S: run.runId },
      ':provider': { S: run.provider },
      ':startedAt': { S: run.startedAt },
      ':expires': { N: String(now.getTime() + this.timings.ttlSeconds * 1000) },
      ':now': { N: String(now.getTime()) },
      ':nowIso': { S: now.toISOString() },
      ':step': { S: step },
    };
    if (opts.acquired) sets.push('acquiredAt = :nowIso');
    const names: Record<string, string> = {};
    if (opts.markApplied || opts.condition.includes('#order')) {
      names['#order'] = `applied_${run.provider}_order`;
      values[':order'] = { S: runOrder(run) };
    }
    if (opts.markApplied) {
      sets.push(
        '#order = :order',
        `applied_${run.provider}_arn = :me`,
        `applied_${run.provider}_runId = :runId`,
        `applied_${run.provider}_at = :nowIso`,
      );
    }
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key,
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: opts.condition,
          ExpressionAttributeValues: values,
          ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  /**
   * CheckConcurrency: takes the lease if it is free, expired or this run's, and (for a run that
   * applies) no newer execution of its provider applied since it started. False when another
   * condition held at the moment of the write: read again and decide again.
   */
  take(run: LeaseRun): Promise<boolean> {
    return this.hold(run, 'CheckConcurrency', {
      condition: run.dryRun ? FREE_OR_MINE : `(${FREE_OR_MINE}) AND ${NOT_SUPERSEDED}`,
      acquired: true,
    });
  }

  /** Every Task while the run holds the lease: renew it, or re-take it if it lapsed and is free. */
  async renew(run: LeaseRun, step: string): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await this.hold(run, step, { condition: FREE_OR_MINE })) return;
      const other = heldByOther(await this.read(), run, this.now().getTime());
      if (other) throw this.lost(run, step, describeHolder(other));
    }
    throw this.lost(run, step, 'the lease changed hands three times while this step tried to take it');
  }

  /**
   * ApplyBatch, before any write: renew the lease and record that this run applies, unless a newer
   * execution of its provider applied since it started (PlanSupersededError) or another execution
   * holds the lease (LeaseLostError).
   */
  async claimApply(run: LeaseRun, step: string): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (
        await this.hold(run, step, {
          condition: `(${FREE_OR_MINE}) AND ${NOT_SUPERSEDED}`,
          markApplied: true,
        })
      )
        return;
      const state = await this.read();
      const newer = supersededBy(state, run);
      if (newer) {
        throw new PlanSupersededError(
          `${describeSuperseding(newer, run.provider)}, after this run (${run.runId}, started ${run.startedAt}) planned: ` +
            'its plan was made from older data and is not applied (it could undo the newer run, e.g. re-create a leaver). ' +
            'Nothing was changed by this batch. Start a new execution instead of re-driving this one (docs/runbook.md#plansupersedederror).',
        );
      }
      const other = heldByOther(state, run, this.now().getTime());
      if (other) throw this.lost(run, step, describeHolder(other));
    }
    throw this.lost(run, step, 'the lease changed hands three times while this step tried to take it');
  }

  /** Report: record a sync that completed (not a dry run) and release the lease if this run holds it. */
  async finish(run: LeaseRun, completed: boolean): Promise<void> {
    const now = this.now();
    if (completed && !run.dryRun) {
      try {
        await this.client.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: this.key,
            UpdateExpression: `SET #order = :order, #arn = :me, #runId = :runId, #at = :nowIso`,
            ConditionExpression: NOT_SUPERSEDED,
            ExpressionAttributeNames: {
              '#order': `applied_${run.provider}_order`,
              '#arn': `applied_${run.provider}_arn`,
              '#runId': `applied_${run.provider}_runId`,
              '#at': `applied_${run.provider}_at`,
            },
            ExpressionAttributeValues: {
              ':order': { S: runOrder(run) },
              ':me': { S: run.executionArn },
              ':runId': { S: run.runId },
              ':nowIso': { S: now.toISOString() },
            },
          }),
        );
      } catch (err) {
        // A newer execution applied since: its mark stays.
        if (!isConditionFailed(err)) throw err;
      }
    }
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: this.key,
          UpdateExpression:
            'REMOVE holder, holderRunId, holderProvider, holderStartedAt, expiresAt SET releasedAt = :nowIso, releasedBy = :me',
          ConditionExpression: 'holder = :me',
          ExpressionAttributeValues: { ':me': { S: run.executionArn }, ':nowIso': { S: now.toISOString() } },
        }),
      );
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
  }

  private lost(run: LeaseRun, step: string, why: string): LeaseLostError {
    return new LeaseLostError(
      `${step} of ${run.runId} cannot hold the Identity Store's lease: ${why}. This step stopped before reading or ` +
        'writing anything. Re-drive this execution after that run has ended (docs/runbook.md#leaselosterror).',
    );
  }
}

/** The steps whose Task renews the lease before its handler runs (CheckConcurrency takes it, ApplyBatch claims it itself). */
export const RENEWING_STEPS: ReadonlySet<string> = new Set([
  'ResolveSecret',
  'FetchSource',
  'FetchTarget',
  'ComputePlan',
]);

/**
 * A step's handler with the lease looked after: the renewing steps renew (or re-take) it before
 * they read or write, and release it when they fail with a named error that is not retried (the
 * execution ends there, before applying anything); Report releases it when it ends, recording a
 * completed sync. Any other failure keeps the lease until it lapses (the step may be retried, or
 * re-driven, and apply batches of a failed Map may still be writing). An event
 * without a valid `run` goes straight to the handler, which names what is wrong with it.
 */
export function withLease<E, R>(
  step: string,
  deps: Pick<Deps, 'lease' | 'log'>,
  fn: (event: E) => Promise<R>,
): (event: E) => Promise<R> {
  if (!RENEWING_STEPS.has(step) && step !== 'Report') return fn;
  return async (event) => {
    const parsed = RunSchema.safeParse((event as { run?: unknown } | undefined)?.run);
    if (!parsed.success) return fn(event);
    const run = parsed.data;
    // Failing to release leaves the lease to lapse; the step's own error is the one that counts.
    const release = () =>
      deps.lease.finish(run, false).catch((e: unknown) => {
        deps.log.warn('could not release the lease; it lapses at its expiry', { error: String(e) });
      });
    if (step !== 'Report') {
      await deps.lease.renew(run, step);
      try {
        return await fn(event);
      } catch (err) {
        // A named error the state machine does not retry ends the execution here, before it
        // applied anything: let the next run have the store now rather than at the lease's expiry.
        if (err instanceof ScimSyncError && !err.retryable) await release();
        throw err;
      }
    }
    let out: R;
    try {
      out = await fn(event);
    } catch (err) {
      // The run failed at Report (e.g. SyncIncompleteError): release the lease all the same.
      await release();
      throw err;
    }
    await deps.lease.finish(run, true);
    return out;
  };
}
