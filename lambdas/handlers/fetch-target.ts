/** FetchTarget: reads the Identity Store (users, groups, memberships of the provider's groups) into the blob store. */
import { readTargetSnapshot } from '../identitystore/read';
import { type Deps, lambdaHandler } from '../runtime/deps';
import { keys, parseEvent, RunEventSchema, type TargetRef } from './contracts';

export const makeFetchTarget =
  (deps: Deps) =>
  async (event: unknown): Promise<TargetRef> => {
    const { run } = parseEvent(RunEventSchema, event, 'FetchTarget');
    const snapshot = await readTargetSnapshot({
      client: deps.identityStore(deps.config.identityStoreRps),
      identityStoreId: deps.config.identityStoreId,
      rules: deps.rules,
      log: deps.log,
      now: deps.now,
    });
    const key = keys.target(run);
    await deps.blobs.putJson(key, snapshot);
    return {
      key,
      users: snapshot.users.length,
      groups: snapshot.groups.length,
      memberships: snapshot.memberships.length,
      groupsRead: snapshot.membershipsReadFor.length,
    };
  };

export const handler = lambdaHandler('FetchTarget', makeFetchTarget);
