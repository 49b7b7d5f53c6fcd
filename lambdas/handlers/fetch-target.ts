/**
 * FetchTarget: reads the Identity Store (users, groups, memberships of the provider's groups) into
 * the blob store.
 *
 * Reading memberships costs one call per group at least, and the service allows ~20 calls/s: a
 * store with tens of thousands of the provider's groups takes longer than a Lambda may run. So one
 * invocation starts new membership reads for TARGET_READ_BUDGET_SECONDS only, saves what it has
 * read, and returns `{complete: false, progress}`; the state machine calls FetchTarget again with
 * that, and the next invocation carries on where it stopped. A failed invocation is retried from
 * the last saved progress, so no group is read twice by a successful invocation.
 */
import { InputValidationError } from '../core/errors';
import { type TargetSnapshot, TargetSnapshotSchema } from '../core/model';
import { addCalls, type CallCounts } from '../core/report';
import { callsOf } from '../identitystore/client';
import { logRead, readMemberships, readUsersAndGroups } from '../identitystore/read';
import { type Deps, lambdaHandler } from '../runtime/deps';
import {
  FetchTargetEventSchema,
  keys,
  parseEvent,
  type TargetProgressRef,
  type TargetRef,
} from './contracts';

/**
 * Seconds an invocation starts new membership reads (the function may run 840 s: this leaves
 * time for the reads in flight, a few long chains at a shared rate, and writing the snapshot).
 */
export const TARGET_READ_BUDGET_SECONDS = 540;

export type FetchTargetResult = (TargetRef & { complete: true }) | TargetProgressRef;

export const makeFetchTarget =
  (deps: Deps) =>
  async (event: unknown): Promise<FetchTargetResult> => {
    const started = performance.now();
    const budgetMs = deps.targetReadBudgetMs ?? TARGET_READ_BUDGET_SECONDS * 1000;
    const { run, previous } = parseEvent(FetchTargetEventSchema, event, 'FetchTarget');
    const client = deps.identityStore(deps.config.identityStoreRps);
    const before = callsOf(client)?.snapshot();
    const opts = {
      client,
      identityStoreId: deps.config.identityStoreId,
      rules: deps.rules,
      log: deps.log,
      now: deps.now,
    };
    let snapshot: TargetSnapshot;
    if (previous.progress) {
      const saved = await deps.blobs.getJson(previous.progress);
      if (saved === undefined)
        throw new InputValidationError(
          `FetchTarget was asked to carry on from ${previous.progress}, which does not exist: start a new run`,
        );
      snapshot = TargetSnapshotSchema.parse(saved);
    } else {
      snapshot = await readUsersAndGroups(opts);
    }
    const { left } = await readMemberships(snapshot, {
      ...opts,
      stop: () => performance.now() - started >= budgetMs,
    });
    // The calls of every invocation that got this far, for the run report.
    const callsKey = keys.calls(run, 'FetchTarget');
    const earlier = previous.progress ? await deps.blobs.getJson<CallCounts>(callsKey) : undefined;
    await deps.blobs.putJson(callsKey, addCalls(addCalls({}, earlier), callsOf(client)?.since(before)));
    if (left > 0) {
      const progress = keys.targetProgress(run);
      await deps.blobs.putJson(progress, snapshot);
      const groupsRead = snapshot.membershipsReadFor.length;
      deps.log.info('read part of the Identity Store; the next invocation carries on', {
        groupsRead,
        groupsLeft: left,
      });
      return { complete: false, progress, groupsRead, groupsLeft: left };
    }
    logRead(deps.log, snapshot);
    const key = keys.target(run);
    await deps.blobs.putJson(key, snapshot);
    return {
      complete: true,
      key,
      users: snapshot.users.length,
      groups: snapshot.groups.length,
      memberships: snapshot.memberships.length,
      groupsRead: snapshot.membershipsReadFor.length,
    };
  };

export const handler = lambdaHandler('FetchTarget', makeFetchTarget);
