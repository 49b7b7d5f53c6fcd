/**
 * The local Identity Store emulator, driven by the real @aws-sdk/client-identitystore: switches (latency, rate limit, faults, counters), seed and dump, the emulate command.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  CreateGroupCommand,
  DescribeUserCommand,
  IdentitystoreClient,
  ListGroupsCommand,
  ListUsersCommand,
} from '@aws-sdk/client-identitystore';
import { type SeedFile, totalCounts, WRITE_OPERATIONS } from '../../local/identitystore';
import { emulatorHarness, failure } from '../support/emulator';

const h = emulatorHarness();

describe('switches', () => {
  test('rps limit: ThrottlingException (retryable as throttling) with maxAttempts 1, a burst completes with default retry', async () => {
    const uid = await h.createUser('throttled');
    h.emu.setRps(2); // burst 2, one more token every 500 ms
    h.emu.resetCounts();
    const describe = (c: IdentitystoreClient) =>
      c.send(new DescribeUserCommand({ IdentityStoreId: h.storeId, UserId: uid })).then(
        (r) => ({ ok: true as const, attempts: r.$metadata.attempts ?? 1 }),
        (e: Record<string, unknown> & Error) => ({ ok: false as const, e }),
      );
    const single = await Promise.all(Array.from({ length: 10 }, () => describe(h.sdk)));
    const errors = single.flatMap((r) => (r.ok ? [] : [r.e]));
    const passed = single.length - errors.length;
    expect(passed).toBeGreaterThanOrEqual(2);
    expect(passed).toBeLessThanOrEqual(3);
    for (const e of errors) {
      expect(e.name).toBe('ThrottlingException');
      expect(e.RetryAfterSeconds).toBeGreaterThanOrEqual(1);
      expect(e.$retryable).toEqual({ throttling: true });
    }
    expect(h.emu.counts().DescribeUser).toMatchObject({
      received: 10,
      throttled: errors.length,
      succeeded: passed,
    });

    h.emu.setRps(25);
    h.emu.resetCounts();
    const retrying = h.client();
    const burst = await Promise.all(Array.from({ length: 35 }, () => describe(retrying)));
    expect(burst.every((r) => r.ok)).toBe(true);
    expect(Math.max(...burst.map((r) => (r.ok ? r.attempts : 0)))).toBeGreaterThan(1);
    const c = h.emu.counts().DescribeUser;
    expect(c.succeeded).toBe(35);
    expect(c.throttled).toBeGreaterThan(0);
    expect(c.received).toBe(35 + c.throttled);
  });

  test('fault rate with a fixed seed is deterministic and restricted to the listed operations', async () => {
    const uid = await h.createUser('flaky');
    const run = async () => {
      h.emu.setFaults({ rate: 0.3, seed: 42, operations: ['DescribeUser'] });
      const outcome: string[] = [];
      for (let i = 0; i < 40; i++) {
        const r = await h.sdk.send(new DescribeUserCommand({ IdentityStoreId: h.storeId, UserId: uid })).then(
          () => 'ok',
          (e: Error) => e.name,
        );
        outcome.push(r);
      }
      await h.sdk.send(new ListUsersCommand({ IdentityStoreId: h.storeId })); // never faulted
      return outcome;
    };
    h.emu.resetCounts();
    const first = await run();
    const second = await run();
    expect(second).toEqual(first);
    const failures = first.filter((o) => o !== 'ok');
    expect(failures.length).toBeGreaterThan(4);
    expect(failures.length).toBeLessThan(24);
    expect(new Set(failures)).toEqual(new Set(['InternalServerException']));
    const counts = h.emu.counts();
    expect(counts.DescribeUser.faulted).toBe(failures.length * 2);
    expect(counts.ListUsers).toMatchObject({ received: 2, succeeded: 2, faulted: 0 });
  });

  test('Nth call faults: before applies nothing, after applies the write but the client gets the error', async () => {
    h.emu.setFaults({
      rules: [
        { operation: 'CreateUser', nth: 2, error: 'ThrottlingException', mode: 'before' },
        { operation: 'CreateUser', nth: 3, error: 'InternalServerException', mode: 'after' },
      ],
    });
    await h.createUser('first');
    const before = await failure(h.createUser('second'));
    expect(before.name).toBe('ThrottlingException');
    const after = await failure(h.createUser('third'));
    expect(after.name).toBe('InternalServerException');
    expect(after.$metadata).toMatchObject({ httpStatusCode: 500 });
    expect(h.emu.dump().users.map((u) => u.UserName)).toEqual(['first', 'third']);
    // a retry of the lost-response write meets the applied write
    const retry = await failure(h.createUser('third'));
    expect(retry.name).toBe('ConflictException');
    expect(h.emu.counts().CreateUser).toMatchObject({ received: 4, faulted: 2, succeeded: 1, failed: 1 });

    // with the SDK's default retry, a `before` InternalServerException is retried transparently
    h.emu.setFaults({ rules: [{ operation: 'CreateGroup', nth: 1 }] });
    const r = await h
      .client()
      .send(new CreateGroupCommand({ IdentityStoreId: h.storeId, DisplayName: 'retried' }));
    expect(r.$metadata.attempts).toBe(2);
  });

  test('AccessDeniedException and CONCURRENT_MODIFICATION faults arrive as the SDK exceptions the service documents', async () => {
    h.emu.setFaults({
      rules: [
        { operation: 'CreateUser', nth: 1, error: 'AccessDeniedException' },
        { operation: 'CreateUser', nth: 2, error: 'ConcurrentModification' },
      ],
    });
    const denied = await failure(h.createUser('denied'));
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toMatch(/identitystore:CreateUser/);
    const conflict = await failure(h.createUser('busy'));
    expect(conflict.name).toBe('ConflictException');
    expect(conflict.Reason).toBe('CONCURRENT_MODIFICATION');
    expect(h.emu.dump().users.map((u) => u.UserName)).toEqual([]);
    expect(() => h.emu.setFaults({ rate: 1, error: 'Boom' as never })).toThrow(/unknown fault error: Boom/);
    expect(() =>
      h.emu.setFaults({ rules: [{ operation: 'CreateUser', nth: 1, error: 'Nope' as never }] }),
    ).toThrow(/unknown fault error in rule: Nope/);
  });

  test('latency delays each call', async () => {
    h.emu.setLatency(60);
    const t0 = performance.now();
    await h.sdk.send(new ListUsersCommand({ IdentityStoreId: h.storeId }));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(55);
  });

  test('counters per operation, totals, write operations, reset', async () => {
    expect([...WRITE_OPERATIONS].sort()).toEqual(
      [
        'CreateGroup',
        'CreateGroupMembership',
        'CreateUser',
        'DeleteGroup',
        'DeleteGroupMembership',
        'DeleteUser',
        'UpdateGroup',
        'UpdateUser',
      ].sort(),
    );
    const u = await h.createUser('counted');
    await h.createGroup('counted');
    await failure(h.createGroup('COUNTED'));
    await h.sdk.send(new DescribeUserCommand({ IdentityStoreId: h.storeId, UserId: u }));
    const c = h.emu.counts();
    expect(c.CreateUser).toEqual({ received: 1, throttled: 0, faulted: 0, failed: 0, succeeded: 1 });
    expect(c.CreateGroup).toEqual({ received: 2, throttled: 0, faulted: 0, failed: 1, succeeded: 1 });
    expect(c.DescribeUser.succeeded).toBe(1);
    expect(totalCounts(c, WRITE_OPERATIONS).received).toBe(3);
    expect(totalCounts(c).received).toBe(4);
    h.emu.resetCounts();
    expect(totalCounts(h.emu.counts()).received).toBe(0);
  });
});

describe('seed and dump', () => {
  const seed: SeedFile = {
    users: [
      { UserName: 'zoe', DisplayName: 'Zoe', Name: { GivenName: 'Zoe', FamilyName: 'Z' }, Title: 'Dev' },
      {
        UserId: '1234567890-11111111-1111-4111-8111-111111111111',
        UserName: 'Adam',
        DisplayName: 'Adam A',
        Name: { GivenName: 'Adam', FamilyName: 'A' },
        Emails: [{ Value: 'adam@example.com', Primary: true }],
      },
    ],
    groups: [
      { DisplayName: 'beta' },
      {
        GroupId: '1234567890-22222222-2222-4222-8222-222222222222',
        DisplayName: 'Alpha',
        Description: 'first',
      },
    ],
    memberships: [
      { group: 'BETA', user: 'zoe' },
      { group: 'alpha', user: 'zoe' },
      { group: 'Alpha', user: 'adam' },
    ],
  };

  test('round trip: sorted, with ids, without timestamps; reload gives an equal dump', async () => {
    h.emu.load(seed);
    const dump = h.emu.dump();
    expect(dump.users.map((u) => u.UserName)).toEqual(['Adam', 'zoe']);
    expect(dump.users[0]).toEqual({ ...seed.users?.[1] });
    expect(dump.users[1]).toEqual({ ...seed.users?.[0], UserId: expect.stringMatching(/^1234567890-/) });
    expect(dump.groups.map((g) => [g.DisplayName, g.Description])).toEqual([
      ['Alpha', 'first'],
      ['beta', undefined],
    ]);
    expect(dump.groups[0]?.GroupId).toBe('1234567890-22222222-2222-4222-8222-222222222222');
    expect(dump.memberships).toEqual([
      { group: 'Alpha', user: 'Adam' },
      { group: 'Alpha', user: 'zoe' },
      { group: 'beta', user: 'zoe' },
    ]);
    const u = await h.sdk.send(
      new DescribeUserCommand({
        IdentityStoreId: h.storeId,
        UserId: '1234567890-11111111-1111-4111-8111-111111111111',
      }),
    );
    expect(u.UserName).toBe('Adam');
    h.emu.load(JSON.parse(JSON.stringify(dump)));
    expect(h.emu.dump()).toEqual(dump);
  });

  test('an invalid seed is refused and the state stays as it was', () => {
    h.emu.load(seed);
    const before = h.emu.dump();
    expect(() => h.emu.load({ ...seed, memberships: [{ group: 'alpha', user: 'ghost' }] })).toThrow(
      /unknown user/,
    );
    expect(() =>
      h.emu.load({ users: [{ UserName: 'x', DisplayName: 'x', Name: { GivenName: 'x' } }] }),
    ).toThrow(/Name\.FamilyName/);
    expect(() =>
      h.emu.load({
        users: [
          { UserName: 'dup', DisplayName: 'a', Name: { GivenName: 'a', FamilyName: 'a' } },
          { UserName: 'DUP', DisplayName: 'b', Name: { GivenName: 'b', FamilyName: 'b' } },
        ],
      }),
    ).toThrow(/Duplicate UserName/);
    expect(h.emu.dump()).toEqual(before);
  });

  test('admin endpoints: state, counts, faults, rps', async () => {
    const res = await fetch(`${h.emu.endpoint}/_emulator/state`, {
      method: 'POST',
      body: JSON.stringify(seed),
    });
    expect(res.status).toBe(200);
    const state = (await (await fetch(`${h.emu.endpoint}/_emulator/state`)).json()) as SeedFile;
    expect(state).toEqual(h.emu.dump());
    await fetch(`${h.emu.endpoint}/_emulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ rules: [{ operation: 'ListGroups', nth: 1, error: 'ThrottlingException' }] }),
    });
    expect((await failure(h.sdk.send(new ListGroupsCommand({ IdentityStoreId: h.storeId })))).name).toBe(
      'ThrottlingException',
    );
    await fetch(`${h.emu.endpoint}/_emulator/faults`, { method: 'POST', body: 'null' });
    await fetch(`${h.emu.endpoint}/_emulator/rps`, { method: 'POST', body: JSON.stringify({ rps: 1 }) });
    await h.sdk.send(new ListGroupsCommand({ IdentityStoreId: h.storeId }));
    expect((await failure(h.sdk.send(new ListGroupsCommand({ IdentityStoreId: h.storeId })))).name).toBe(
      'ThrottlingException',
    );
    await fetch(`${h.emu.endpoint}/_emulator/rps`, { method: 'POST', body: 'null' });
    const counts = (await (await fetch(`${h.emu.endpoint}/_emulator/counts`)).json()) as Record<
      string,
      { received: number }
    >;
    expect(counts.ListGroups?.received).toBe(3);
    await fetch(`${h.emu.endpoint}/_emulator/counts/reset`, { method: 'POST' });
    expect(h.emu.counts().ListGroups.received).toBe(0);
    const bad = await fetch(`${h.emu.endpoint}/_emulator/state`, {
      method: 'POST',
      body: '{"memberships":[{"group":"x","user":"y"}]}',
    });
    expect(bad.status).toBe(400);
  });
});

describe('emulate command', () => {
  const root = join(__dirname, '..', '..');

  /** Spawns `node <nodeArgs> emulate ...`, reads its JSON line, lists users through it, stops it with SIGTERM. */
  async function emulateRoundTrip(nodeArgs: string[]): Promise<void> {
    const child: ChildProcess = spawn(
      process.execPath,
      [...nodeArgs, 'emulate', '--port', '0', '--identity-store-id', 'd-abcdef0123'],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let timer: NodeJS.Timeout | undefined;
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        let err = '';
        child.stdout?.on('data', (d: Buffer) => {
          out += d.toString();
          const nl = out.indexOf('\n');
          if (nl >= 0) resolve(out.slice(0, nl));
        });
        child.stderr?.on('data', (d: Buffer) => {
          err += d.toString();
        });
        child.on('exit', (code) => reject(new Error(`emulate exited with ${code}: ${err}`)));
        timer = setTimeout(() => reject(new Error(`no output from emulate: ${err}`)), 15_000);
      });
      const info = JSON.parse(line) as { endpoint: string; identityStoreId: string };
      expect(info.identityStoreId).toBe('d-abcdef0123');
      expect(info.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const c = new IdentitystoreClient({
        endpoint: info.endpoint,
        region: 'eu-west-2',
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      });
      const r = await c.send(new ListUsersCommand({ IdentityStoreId: info.identityStoreId }));
      expect(r.Users).toEqual([]);
      c.destroy();
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }

  test('`node cli/bin.cjs emulate --port 0` (what `npx scim-sync emulate` runs)', async () => {
    await emulateRoundTrip([join(root, 'cli', 'bin.cjs')]);
  });

  test('`tsx cli/main.ts emulate --port 0`', async () => {
    await emulateRoundTrip(['--import', 'tsx', join(root, 'cli', 'main.ts')]);
  });
});
