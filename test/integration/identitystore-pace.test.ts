/**
 * The client's pace when the account's request budget is partly used by others: the emulator
 * allows 10 requests/s while the client is configured for 18. The pace must slow down on
 * throttling (spending few calls on being throttled), and every call must still go through.
 */
import { CreateUserCommand } from '@aws-sdk/client-identitystore';
import { makeIdentityStoreClient, Pace, paceOf } from '../../lambdas/identitystore/client';
import { startIdentityStoreEmulator } from '../../local/identitystore';

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
});

describe('a paced client against a busier Identity Store', () => {
  it('adapts to the budget that is left and completes every call', async () => {
    const emu = await startIdentityStoreEmulator({ rps: 10 });
    const client = makeIdentityStoreClient({
      endpoint: emu.endpoint,
      region: 'eu-west-2',
      rps: 18,
      backoff: { baseMs: 50, maxMs: 1000 },
    });
    try {
      let next = 0;
      const N = 100;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (next < N) {
            const i = next++;
            await client.send(
              new CreateUserCommand({
                IdentityStoreId: emu.identityStoreId,
                UserName: `u${i}`,
                DisplayName: `u${i}`,
                Name: { GivenName: 'u', FamilyName: String(i) },
              }),
            );
          }
        }),
      );
      const c = emu.counts().CreateUser;
      expect(c.succeeded).toBe(N);
      // At a fixed 18 req/s against 10 req/s, about 45% of attempts would be throttled.
      expect(c.throttled).toBeLessThan(N * 0.25);
      expect(paceOf(client)!.currentRps).toBeLessThan(18);
    } finally {
      client.destroy();
      await emu.close();
    }
  });
});
