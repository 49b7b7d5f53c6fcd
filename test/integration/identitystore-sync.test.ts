/**
 * The target adapter with the real @aws-sdk/client-identitystore against the local emulator:
 * read, plan, apply, read again; under throttling; interrupted half-way; conflicts at apply time.
 */
import { CreateUserCommand, type IdentitystoreClient } from '@aws-sdk/client-identitystore';
import { toBatches } from '../../lambdas/core/batches';
import { type SourceSnapshot, SourceSnapshotSchema } from '../../lambdas/core/model';
import { GITHUB_GROUP_MARKER } from '../../lambdas/core/ownership';
import { RULES } from '../support/rules';
import { computePlan } from '../../lambdas/core/plan';
import { applyOperations } from '../../lambdas/identitystore/apply';
import { makeIdentityStoreClient } from '../../lambdas/identitystore/client';
import { readTargetSnapshot } from '../../lambdas/identitystore/read';
import { recheckCalls } from '../../lambdas/core/batches';
import { directSync } from '../../local/direct-sync';
import {
  type IdentityStoreEmulator,
  type SeedFile,
  startIdentityStoreEmulator,
  WRITE_OPERATIONS,
} from '../../local/identitystore';

const rules = RULES.github;

/** Users and groups the GitHub provider must never touch. */
const foreignSeed: SeedFile = {
  users: [
    {
      UserName: 'alice@example.com',
      DisplayName: 'Alice (Entra)',
      Name: { GivenName: 'Alice', FamilyName: 'Entra' },
      Emails: [{ Value: 'alice@example.com', Type: 'EntraId', Primary: true }],
    },
    {
      UserName: 'breakglass@corp.internal',
      DisplayName: 'Break Glass',
      Name: { GivenName: 'Break', FamilyName: 'Glass' },
    },
  ],
  groups: [
    { DisplayName: 'azure-aws-sso-admins' },
    { DisplayName: 'hand-made', Description: 'made by hand' },
  ],
  memberships: [
    { group: 'azure-aws-sso-admins', user: 'alice@example.com' },
    { group: 'hand-made', user: 'breakglass@corp.internal' },
  ],
};

function org(teams: Record<string, string[]>): SourceSnapshot {
  const logins = [...new Set(Object.values(teams).flat())].sort();
  return SourceSnapshotSchema.parse({
    provider: 'github',
    fetchedAt: new Date().toISOString(),
    users: logins.map((l) => ({
      id: l,
      userName: `${l}@example.com`,
      displayName: l,
      name: { givenName: l, familyName: l },
      email: { value: `${l}@example.com`, type: 'work', primary: true },
    })),
    groups: Object.entries(teams).map(([slug, members]) => ({ id: slug, displayName: slug, members })),
  });
}

const bigOrg = () => {
  const teams: Record<string, string[]> = {};
  for (let t = 0; t < 6; t++)
    teams[`team-${t}`] = Array.from({ length: 25 }, (_, i) => `dev${(t * 7 + i) % 60}`);
  return org(teams);
};

/** The provider's part of a dump, as { group: sorted members }. */
function ownedView(dump: Required<SeedFile>) {
  const groups = dump.groups
    .filter((g) => g.Description?.startsWith(GITHUB_GROUP_MARKER))
    .map((g) => g.DisplayName);
  const view: Record<string, string[]> = {};
  for (const g of groups) view[g] = dump.memberships.filter((m) => m.group === g).map((m) => m.user);
  return view;
}
function expectedView(source: SourceSnapshot) {
  return Object.fromEntries(
    source.groups.map((g) => [g.displayName, g.members.map((m) => `${m}@example.com`).sort()]),
  );
}
const foreignPart = (dump: Required<SeedFile>) => ({
  users: dump.users.filter((u) => !u.UserName.endsWith('@example.com') || u.UserName.startsWith('alice')),
  groups: dump.groups.filter((g) => !g.Description?.startsWith(GITHUB_GROUP_MARKER)),
  memberships: dump.memberships.filter((m) => m.group === 'azure-aws-sso-admins' || m.group === 'hand-made'),
});

let emu: IdentityStoreEmulator;
let client: IdentitystoreClient;
const writes = () => WRITE_OPERATIONS.reduce((n, op) => n + emu.counts()[op].succeeded, 0);

const makeClient = (maxAttempts?: number) =>
  makeIdentityStoreClient({
    endpoint: emu.endpoint,
    region: 'eu-west-2',
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
    backoff: { baseMs: 5, maxMs: 50 },
  });

/**
 * For the injected-fault tests. Faults are independent per attempt, and which call meets which
 * fault depends on arrival order, so the seed does not fix the outcome. With the default 8
 * attempts a call fails for good with p = 0.3^8 = 6.6e-5, about 2% per run of these tests'
 * ~300 calls (in production the state machine then retries the batch). With 16 attempts it is
 * 4e-9 per call, so a failure here means the client or apply is wrong, not bad luck.
 */
function usePatientClient() {
  client.destroy();
  client = makeClient(16);
}

beforeEach(async () => {
  emu = await startIdentityStoreEmulator({ seed: foreignSeed, randomSeed: 7 });
  client = makeClient();
});
afterEach(async () => {
  client.destroy();
  await emu.close();
});

const sync = (source: SourceSnapshot, batchSize = 50) =>
  directSync({ client, identityStoreId: emu.identityStoreId, source, rules, batchSize });

describe('read, plan, apply against the emulator', () => {
  it('converges to the source, leaves foreign and hand-made entries alone, and a second run changes nothing', async () => {
    const before = foreignPart(emu.dump());
    const source = bigOrg();
    const first = await sync(source);
    expect(first.results.filter((r) => r.status !== 'done')).toEqual([]);
    expect(ownedView(emu.dump())).toEqual(expectedView(source));
    expect(foreignPart(emu.dump())).toEqual(before);

    emu.resetCounts();
    const second = await sync(source);
    expect(second.plan.ops).toEqual([]);
    expect(writes()).toBe(0);
    // The read only listed memberships of groups the provider owns or may adopt (6 teams), not Entra's or hand-made.
    expect(emu.counts().ListGroupMemberships.received).toBe(6);
  });

  it('applies churn: leavers removed from teams, users deleted when in no team, the store drops their memberships', async () => {
    await sync(org({ web: ['ann', 'bob', 'cy'], api: ['bob', 'cy'] }));
    emu.resetCounts();
    const churn = org({ web: ['ann', 'dee'], api: ['bob'] });
    const r = await sync(churn);
    expect(r.plan.ops.map((o) => o.op).sort()).toEqual(
      ['addMember', 'createUser', 'deleteUser', 'removeMember'].sort(),
    );
    expect(ownedView(emu.dump())).toEqual(expectedView(churn));
    expect(emu.counts().DeleteGroupMembership.succeeded).toBe(1); // bob leaves web; cy's go with cy
    // Before removing, apply describes: cy (deleted), and bob and web (the removal): the lower bound's re-checks.
    expect(emu.counts().DescribeUser.received).toBe(2);
    expect(emu.counts().DescribeGroup.received).toBe(1);
    expect(recheckCalls(r.batches)).toBe(3);
  });

  it('converges under 30% injected throttling with no duplicates', async () => {
    emu.setFaults({ rate: 0.3, error: 'ThrottlingException', seed: 11 });
    usePatientClient();
    const source = bigOrg();
    const r = await sync(source);
    expect(r.results.filter((x) => x.status === 'failed')).toEqual([]);
    emu.setFaults(undefined);
    const counts = emu.counts();
    expect(counts.CreateUser.faulted).toBeGreaterThan(10);
    expect(counts.CreateUser.succeeded).toBe(source.users.length);
    expect(counts.CreateGroup.succeeded).toBe(source.groups.length);
    expect(counts.CreateGroupMembership.succeeded).toBe(
      source.groups.reduce((n, g) => n + g.members.length, 0),
    );
    expect(ownedView(emu.dump())).toEqual(expectedView(source));
    expect((await sync(source)).plan.ops).toEqual([]);
  });

  it('converges when writes are applied but their responses are lost (faults after the write)', async () => {
    emu.setFaults({
      rate: 0.3,
      error: 'InternalServerException',
      mode: 'after',
      seed: 5,
      operations: [...WRITE_OPERATIONS],
    });
    usePatientClient();
    const source = bigOrg();
    const r = await sync(source);
    expect(r.results.filter((x) => x.status === 'failed' || x.status === 'conflict')).toEqual([]);
    expect(r.results.filter((x) => x.status === 'already-done').length).toBeGreaterThan(0);
    emu.setFaults(undefined);
    expect(ownedView(emu.dump())).toEqual(expectedView(source));
  });

  it('a batch interrupted half-way and run again converges with no duplicates and no errors', async () => {
    const source = bigOrg();
    const target = await readTargetSnapshot({ client, identityStoreId: emu.identityStoreId, rules });
    const plan = computePlan(source, target, rules);
    const { batches } = toBatches(plan.ops, { batchSize: 1000 });
    const apply = (ops: typeof plan.ops) =>
      applyOperations(ops, { client, identityStoreId: emu.identityStoreId, rules });
    for (const batch of [batches.creates[0]!, batches.memberships[0]!]) {
      // The Lambda dies after half the batch; the redrive runs the whole batch again in a new process (no known ids).
      await apply(batch.slice(0, Math.floor(batch.length / 2)));
      const again = await apply(batch);
      expect(again.filter((x) => x.status === 'failed' || x.status === 'conflict')).toEqual([]);
      expect(again.filter((x) => x.status === 'already-done')).toHaveLength(Math.floor(batch.length / 2));
    }
    expect(emu.counts().CreateUser.succeeded).toBe(source.users.length);
    expect(ownedView(emu.dump())).toEqual(expectedView(source));
  });

  it('a create that meets an unowned user of the same name is reported, not overwritten, and gets no memberships', async () => {
    const source = org({ web: ['ann', 'bob'] });
    const target = await readTargetSnapshot({ client, identityStoreId: emu.identityStoreId, rules });
    const plan = computePlan(source, target, rules);
    // Between plan and apply, someone makes bob in Entra's name.
    await client.send(
      new CreateUserCommand({
        IdentityStoreId: emu.identityStoreId,
        UserName: 'BOB@example.com',
        DisplayName: 'Bob (Entra)',
        Name: { GivenName: 'Bob', FamilyName: 'Entra' },
        Emails: [{ Value: 'bob@example.com', Type: 'EntraId', Primary: true }],
      }),
    );
    const results = await applyOperations(plan.ops, { client, identityStoreId: emu.identityStoreId, rules });
    const byOp = plan.ops.map((op, i) => [
      op.op,
      'user' in op ? op.user : 'userName' in op ? op.userName : '',
      results[i]!.status,
    ]);
    expect(byOp).toEqual([
      ['createGroup', '', 'done'],
      ['createUser', 'ann@example.com', 'done'],
      ['createUser', 'bob@example.com', 'conflict'],
      ['addMember', 'ann@example.com', 'done'],
      ['addMember', 'bob@example.com', 'conflict'],
    ]);
    const bob = emu.dump().users.find((u) => u.UserName === 'BOB@example.com')!;
    expect(bob.DisplayName).toBe('Bob (Entra)');
    expect(emu.dump().memberships.filter((m) => m.group === 'web')).toEqual([
      { group: 'web', user: 'ann@example.com' },
    ]);
  });
});
