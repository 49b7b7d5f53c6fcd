/**
 * The lease (lambdas/runtime/lease.ts) with the real DynamoDB client against dynalite, a real
 * DynamoDB-compatible server started here: conditional writes decide every race, a lapsed lease is
 * free, another execution's lease is never renewed, superseded plans are refused, and Report's
 * release touches only its own lease.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { decideStart, LEASE_TIMINGS, type LeaseRun } from '../../lambdas/core/lease';
import { LeaseStore } from '../../lambdas/runtime/lease';
import { type LocalDynamo, startLocalDynamo } from '../../local/dynamodb';

let dynamo: LocalDynamo;
let client: DynamoDBClient;
let clock = Date.parse('2026-01-01T00:00:00Z');
const now = () => new Date(clock);
const store = (id = 'd-1234567890') => new LeaseStore(client, dynamo.table, id, now);

beforeAll(async () => {
  dynamo = await startLocalDynamo('eu-west-2');
  client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'eu-west-2',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});
afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

let n = 0;
/** A run of `provider` started at `startedAt` (distinct ARNs per test). */
function run(
  provider: 'github' | 'entra',
  name: string,
  startedAt: string,
  extra: Partial<LeaseRun> = {},
): LeaseRun {
  return {
    provider,
    runId: name,
    executionArn: `arn:aws:states:eu-west-2:000000000000:execution:scim-sync-${provider}:${name}-${n}`,
    startedAt,
    dryRun: false,
    trigger: 'manual',
    ...extra,
  };
}
beforeEach(() => {
  n++;
});

describe('the lease in DynamoDB', () => {
  it('of many executions taking it at once, exactly one holds it; the others see who', async () => {
    const s = store(`d-${String(n).padStart(10, '0')}`);
    const runs = Array.from({ length: 8 }, (_, i) =>
      run(i % 2 ? 'entra' : 'github', `r${i}`, '2026-01-01T00:00:00.000Z'),
    );
    const won = await Promise.all(runs.map((r) => s.take(r)));
    expect(won.filter(Boolean)).toHaveLength(1);
    const holder = runs[won.indexOf(true)]!;
    const state = await s.read();
    expect(state.holder).toMatchObject({ executionArn: holder.executionArn, provider: holder.provider });
    expect(state.holder!.expiresAt).toBe(clock + LEASE_TIMINGS.ttlSeconds * 1000);
    // The holder may take it again (a retried CheckConcurrency); a loser may not.
    expect(await s.take(holder)).toBe(true);
    expect(await s.take(runs.find((r) => r !== holder)!)).toBe(false);
  });

  it('renewing: the holder extends it; another execution gets LeaseLostError; after expiry it is free', async () => {
    const s = store(`d-${String(n).padStart(10, '0')}`);
    const a = run('github', 'a', '2026-01-01T00:00:00.000Z');
    const b = run('entra', 'b', '2026-01-01T00:01:00.000Z');
    expect(await s.take(a)).toBe(true);
    clock += 60_000;
    await s.renew(a, 'FetchTarget');
    expect((await s.read()).holder!.expiresAt).toBe(clock + LEASE_TIMINGS.ttlSeconds * 1000);
    await expect(s.renew(b, 'FetchTarget')).rejects.toMatchObject({
      name: 'LeaseLostError',
      message: expect.stringMatching(
        /^FetchTarget of b cannot hold the Identity Store's lease: execution a of github/,
      ),
    });
    clock += LEASE_TIMINGS.ttlSeconds * 1000 + 1;
    await s.renew(b, 'FetchTarget');
    expect((await s.read()).holder!.executionArn).toBe(b.executionArn);
  });

  it('applying: a run that started before the newest applied one of its provider gets PlanSupersededError', async () => {
    const s = store(`d-${String(n).padStart(10, '0')}`);
    const older = run('github', 'older', '2026-01-01T00:00:00.000Z');
    const newer = run('github', 'newer', '2026-01-01T06:00:00.000Z');
    const other = run('entra', 'other', '2026-01-01T07:00:00.000Z');
    expect(await s.take(older)).toBe(true);
    await s.claimApply(older, 'ApplyBatch creates/0');
    clock += LEASE_TIMINGS.ttlSeconds * 1000 + 1; // older failed; its lease lapsed
    expect(await s.take(newer)).toBe(true);
    await s.claimApply(newer, 'ApplyBatch creates/0');
    await s.finish(newer, true);
    expect((await s.read()).holder).toBeUndefined();
    await expect(s.claimApply(older, 'ApplyBatch memberships/3')).rejects.toMatchObject({
      name: 'PlanSupersededError',
      message: expect.stringMatching(/execution newer of github, started after this one, applied its plan/),
    });
    // ...and it did not take the lease on the way.
    expect((await s.read()).holder).toBeUndefined();
    // The other provider's order is its own.
    expect(await s.take(other)).toBe(true);
    await s.claimApply(other, 'ApplyBatch creates/0');
    // A fresh start of the older run would skip instead of planning (decided on the same record).
    expect(decideStart(await s.read(), older, clock + LEASE_TIMINGS.ttlSeconds * 2000)).toMatchObject({
      kind: 'skip',
      reason: 'superseded',
    });
  });

  it('Report releases only its own lease, and records a completed sync only when it is the newest', async () => {
    const s = store(`d-${String(n).padStart(10, '0')}`);
    const a = run('github', 'a', '2026-01-01T00:00:00.000Z');
    const b = run('github', 'b', '2026-01-01T01:00:00.000Z');
    expect(await s.take(b)).toBe(true);
    await s.finish(a, true); // not the holder: nothing released (its completed sync is recorded)
    expect((await s.read()).holder?.executionArn).toBe(b.executionArn);
    expect((await s.read()).applied.github?.runId).toBe('a');
    await s.finish(b, true);
    const state = await s.read();
    expect(state.holder).toBeUndefined();
    expect(state.applied.github).toMatchObject({ runId: 'b', executionArn: b.executionArn });
    await s.finish(a, true); // older: the newer mark stays
    expect((await s.read()).applied.github?.runId).toBe('b');
    // A dry run never marks.
    const dry = run('github', 'dry', '2026-01-01T02:00:00.000Z', { dryRun: true });
    await s.finish(dry, true);
    expect((await s.read()).applied.github?.runId).toBe('b');
  });

  it('DynamoDB failing is an error the caller sees (the handler wrapper names it TransientServiceError)', async () => {
    const s = store(`d-${String(n).padStart(10, '0')}`);
    dynamo.failNext('UpdateItem', 10, 'InternalServerError');
    try {
      await expect(s.take(run('github', 'x', '2026-01-01T00:00:00.000Z'))).rejects.toMatchObject({
        name: 'InternalServerError',
      });
    } finally {
      dynamo.failNext('UpdateItem', 0);
    }
  });
});
