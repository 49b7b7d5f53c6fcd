/**
 * The client's pace when the account's request budget is partly used by others: the emulator
 * allows 10 requests/s while the client is configured for 18. The pace must slow down on
 * throttling (spending few calls on being throttled), and every call must still go through.
 */
import { CreateUserCommand, type IdentitystoreClient } from '@aws-sdk/client-identitystore';
import {
  MAX_RETRY_AFTER_SECONDS,
  makeIdentityStoreClient,
  Pace,
  paceOf,
} from '../../lambdas/identitystore/client';
import { type IdentityStoreEmulator, startIdentityStoreEmulator } from '../../local/identitystore';

describe('Pace', () => {
  it('slows down by 30% per throttle down to a quarter, and recovers by 1% of the target per success', () => {
    const p = new Pace(20);
    p.throttled();
    expect(p.currentRps).toBeCloseTo(14);
    for (let i = 0; i < 20; i++) p.throttled();
    expect(p.currentRps).toBe(5);
    for (let i = 0; i < 10; i++) p.succeeded();
    expect(p.currentRps).toBeCloseTo(7);
    for (let i = 0; i < 1000; i++) p.succeeded();
    expect(p.currentRps).toBe(20);
  });

  it("holds every caller for the service's RetryAfterSeconds, capped at MAX_RETRY_AFTER_SECONDS", async () => {
    const p = new Pace(1000);
    await p.take();
    p.throttled(1);
    const t0 = performance.now();
    await Promise.all([p.take(), p.take()]);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(999);
    const q = new Pace(1000);
    q.throttled(Number.NaN);
    q.throttled(-5);
    q.throttled(undefined);
    expect(q.waitMs).toBe(0);
    q.throttled(3600);
    expect(q.waitMs).toBeGreaterThan((MAX_RETRY_AFTER_SECONDS - 1) * 1000);
    expect(q.waitMs).toBeLessThanOrEqual(MAX_RETRY_AFTER_SECONDS * 1000);
  });
});

/** An emulator limited to `limit` requests/s and a client paced at `rps`; closed after `body`. */
async function withPacedClient(
  limit: number,
  rps: number,
  backoff: { baseMs: number; maxMs: number },
  body: (
    client: IdentitystoreClient,
    createUser: (i: number) => Promise<unknown>,
    emu: IdentityStoreEmulator,
  ) => Promise<void>,
) {
  const emu = await startIdentityStoreEmulator({ rps: limit });
  const client = makeIdentityStoreClient({ endpoint: emu.endpoint, region: 'eu-west-2', rps, backoff });
  const createUser = (i: number) =>
    client.send(
      new CreateUserCommand({
        IdentityStoreId: emu.identityStoreId,
        UserName: `u${i}`,
        DisplayName: `u${i}`,
        Name: { GivenName: 'u', FamilyName: String(i) },
      }),
    );
  try {
    await body(client, createUser, emu);
  } finally {
    client.destroy();
    await emu.close();
  }
}

describe('a paced client told to wait by the Identity Store', () => {
  it('sends its retry only after RetryAfterSeconds, so it is throttled once per call, not once per backoff step', async () => {
    // 1 request/s, burst 1: back-to-back calls are throttled with RetryAfterSeconds 1. A backoff
    // this short (5-50 ms) would spend all 8 attempts within the second without the hint.
    await withPacedClient(1, 100, { baseMs: 5, maxMs: 50 }, async (_client, createUser, emu) => {
      const t0 = performance.now();
      for (let i = 0; i < 3; i++) await createUser(i);
      const c = emu.counts().CreateUser;
      expect(c.succeeded).toBe(3);
      expect(c.throttled).toBe(2);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(2000);
    });
  });
});

describe('a paced client against a busier Identity Store', () => {
  it('adapts to the budget that is left and completes every call', async () => {
    await withPacedClient(10, 18, { baseMs: 50, maxMs: 1000 }, async (client, createUser, emu) => {
      let next = 0;
      const N = 100;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (next < N) await createUser(next++);
        }),
      );
      const c = emu.counts().CreateUser;
      expect(c.succeeded).toBe(N);
      // At a fixed 18 req/s against 10 req/s, about 45% of attempts would be throttled.
      expect(c.throttled).toBeLessThan(N * 0.25);
      expect(paceOf(client)!.currentRps).toBeLessThan(18);
    });
  });
});
