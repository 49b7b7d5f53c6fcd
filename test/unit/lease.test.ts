/** What a start does with the Identity Store's lease (lambdas/core/lease.ts), and what waiting costs. */
import type { LeaseRun, LeaseState } from '../../lambdas/core/lease';
import type * as Lease from '../../lambdas/core/lease';
import { freshEach } from '../support/fresh';

// Fresh for each test: the module's tables and constants are then code these tests run (fresh.ts).
const core = freshEach(() => require('../../lambdas/core/lease') as typeof Lease);

const T0 = Date.parse('2026-01-01T00:00:00Z');
const arn = (p: string, n: string) => `arn:aws:states:eu-west-2:000000000000:execution:scim-sync-${p}:${n}`;
const run = (over: Partial<LeaseRun> = {}): LeaseRun => ({
  provider: 'github',
  runId: 'me',
  executionArn: arn('github', 'me'),
  startedAt: new Date(T0).toISOString(),
  dryRun: false,
  trigger: 'manual',
  ...over,
});
const heldBy = (provider: 'github' | 'entra', name: string, expiresAt = T0 + 600_000): LeaseState => ({
  holder: {
    executionArn: arn(provider, name),
    runId: name,
    provider,
    startedAt: new Date(T0 - 1000).toISOString(),
    expiresAt,
  },
  applied: {},
});

describe('decideStart', () => {
  it('takes a free, expired or own lease', () => {
    expect(core().decideStart({ applied: {} }, run(), T0)).toEqual({ kind: 'take' });
    expect(core().decideStart(heldBy('entra', 'old', T0 - 1), run(), T0)).toEqual({ kind: 'take' });
    const own = {
      ...heldBy('github', 'me'),
      holder: { ...heldBy('github', 'me').holder!, executionArn: arn('github', 'me') },
    };
    expect(core().decideStart(own, run(), T0)).toEqual({ kind: 'take' });
  });

  it('own provider running: a scheduled start skips, a manual one refuses naming the holder', () => {
    const state = heldBy('github', 'busy');
    expect(core().decideStart(state, run({ trigger: 'schedule' }), T0)).toMatchObject({
      kind: 'skip',
      reason: 'running',
    });
    const refused = core().decideStart(state, run(), T0);
    expect(refused).toMatchObject({ kind: 'refuse' });
    expect((refused as { message: string }).message).toMatch(
      /^execution busy of github \(started .*\) holds the Identity Store's lease/,
    );
  });

  it('the other provider running: wait its turn, up to maxWaitSeconds since the start; then skip (scheduled) or refuse (manual)', () => {
    const state = heldBy('entra', 'other');
    expect(core().decideStart(state, run(), T0 + 1000)).toMatchObject({
      kind: 'wait',
      seconds: core().LEASE_TIMINGS.pollSeconds,
    });
    const late = T0 + (core().LEASE_TIMINGS.maxWaitSeconds - core().LEASE_TIMINGS.pollSeconds + 1) * 1000;
    const lateState = heldBy('entra', 'other', late + 600_000);
    expect(core().decideStart(lateState, run({ trigger: 'schedule' }), late)).toMatchObject({
      kind: 'skip',
      reason: 'waited',
    });
    expect(core().decideStart(lateState, run(), late)).toMatchObject({ kind: 'refuse' });
  });

  it('a webhook start waits its turn while its own provider or the other one runs, then skips: it never refuses', () => {
    for (const provider of ['github', 'entra'] as const) {
      const state = heldBy(provider, 'busy');
      expect(core().decideStart(state, run({ trigger: 'webhook' }), T0 + 1000)).toMatchObject({
        kind: 'wait',
        seconds: core().LEASE_TIMINGS.pollSeconds,
        holder: { runId: 'busy', provider },
      });
      const late = T0 + (core().LEASE_TIMINGS.maxWaitSeconds - core().LEASE_TIMINGS.pollSeconds + 1) * 1000;
      const lateState = heldBy(provider, 'busy', late + 600_000);
      expect(core().decideStart(lateState, run({ trigger: 'webhook' }), late)).toMatchObject({
        kind: 'skip',
        reason: 'waited',
      });
    }
    // Free: it takes the lease like any start.
    expect(core().decideStart({ applied: {} }, run({ trigger: 'webhook' }), T0)).toEqual({ kind: 'take' });
  });

  it('a newer execution of the provider applied since this one started: skip before reading (a dry run goes ahead)', () => {
    const state: LeaseState = {
      applied: {
        github: {
          order: core().runOrder({
            startedAt: new Date(T0 + 1).toISOString(),
            executionArn: arn('github', 'newer'),
          }),
          executionArn: arn('github', 'newer'),
          runId: 'newer',
          at: '2026-01-01T00:05:00.000Z',
        },
      },
    };
    expect(core().decideStart(state, run(), T0 + 5000)).toEqual({
      kind: 'skip',
      reason: 'superseded',
      message:
        "execution newer of github, started after this one, applied its plan at 2026-01-01T00:05:00.000Z: it has done this run's work, so this one stopped before reading anything",
    });
    expect(core().decideStart(state, run({ dryRun: true }), T0 + 5000)).toEqual({ kind: 'take' });
    expect(
      core().decideStart(state, run({ provider: 'entra', executionArn: arn('entra', 'me') }), T0 + 5000),
    ).toEqual({ kind: 'take' });
  });
});

describe('supersededBy and runOrder', () => {
  it('orders by start time, then ARN; an execution never supersedes itself', () => {
    const me = run();
    const mark = (startedAt: string, name: string) => ({
      applied: {
        github: {
          order: core().runOrder({ startedAt, executionArn: arn('github', name) }),
          executionArn: arn('github', name),
          runId: name,
          at: 'x',
        },
      },
    });
    expect(core().supersededBy(mark(new Date(T0 - 1).toISOString(), 'older'), me)).toBeUndefined();
    expect(core().supersededBy(mark(new Date(T0 + 1).toISOString(), 'newer'), me)?.runId).toBe('newer');
    expect(core().supersededBy(mark(me.startedAt, 'zz-same-time'), me)?.runId).toBe('zz-same-time');
    expect(core().supersededBy(mark(me.startedAt, 'me'), me)).toBeUndefined();
  });

  it('says which newer execution applied, and when; the table is the one deployed stacks create', () => {
    const m = {
      order: 'o',
      executionArn: arn('github', 'later'),
      runId: 'later',
      at: '2026-01-01T00:05:00Z',
    };
    expect(core().describeSuperseding(m, 'github')).toBe(
      'execution later of github, started after this one, applied its plan at 2026-01-01T00:05:00Z',
    );
    // Renaming it would make live runs look for leases in a table no deployed run writes.
    expect(core().LEASE_TABLE_NAME).toBe('scim-sync-lease');
  });
});

describe('the cost of waiting in history events', () => {
  it('is bounded: at most maxWaitSeconds / pollSeconds waits of 9 events (1,080 at the defaults)', () => {
    expect(core().EVENTS_PER_LEASE_WAIT).toBe(9);
    expect(core().maxLeaseWaitEvents()).toBe(1080);
  });
});

describe('the edges and the words of each decision', () => {
  const holder = heldBy('entra', 'other').holder!;

  it('a lease is held up to and including its expiry instant, free after it', () => {
    expect(core().decideStart(heldBy('entra', 'other', T0), run(), T0)).toMatchObject({ kind: 'wait' });
    expect(core().decideStart(heldBy('entra', 'other', T0), run(), T0 + 1)).toEqual({ kind: 'take' });
  });

  it('waits while one more poll still ends within maxWaitSeconds, exactly at the bound included', () => {
    const at = T0 + (core().LEASE_TIMINGS.maxWaitSeconds - core().LEASE_TIMINGS.pollSeconds) * 1000;
    const state = heldBy('entra', 'other', at + 600_000);
    expect(core().decideStart(state, run(), at)).toMatchObject({ kind: 'wait' });
    expect(core().decideStart(state, run(), at + 1)).toMatchObject({ kind: 'refuse' });
  });

  it('says who holds it and what happens, in full', () => {
    const own = heldBy('github', 'busy');
    const ownHeld = `execution busy of github (started ${own.holder!.startedAt}) holds the Identity Store's lease (until ${new Date(own.holder!.expiresAt).toISOString()} unless it renews it)`;
    expect(core().decideStart(own, run({ trigger: 'schedule' }), T0)).toEqual({
      kind: 'skip',
      reason: 'running',
      holder: own.holder,
      message: `${ownHeld}; this run stopped before reading or changing anything: the running one does the work`,
    });
    expect(core().decideStart(own, run(), T0)).toEqual({
      kind: 'refuse',
      holder: own.holder,
      message: `${ownHeld}; this run stopped before reading or changing anything. Let it finish (scim-sync status github); if it failed, re-drive it (a redrive re-takes its own lease) or wait until its lease lapses; if it is stuck, stop it, then start a new run after the lease lapses.`,
    });
    const late = T0 + 7200_000;
    const lateState = heldBy('entra', 'other');
    lateState.holder!.expiresAt = late + 1;
    const lateHeld = `execution other of entra (started ${holder.startedAt}) holds the Identity Store's lease (until ${new Date(late + 1).toISOString()} unless it renews it)`;
    expect(core().decideStart(lateState, run({ trigger: 'schedule' }), late)).toEqual({
      kind: 'skip',
      reason: 'waited',
      holder: lateState.holder,
      message: `waited 7200 s for the Identity Store's lease, at most ${core().LEASE_TIMINGS.maxWaitSeconds} s: ${lateHeld}; the next scheduled run tries again`,
    });
    expect(core().decideStart(lateState, run(), late)).toEqual({
      kind: 'refuse',
      holder: lateState.holder,
      message: `waited 7200 s for the Identity Store's lease, at most ${core().LEASE_TIMINGS.maxWaitSeconds} s: ${lateHeld}. Nothing was read or changed; start it again when that run has ended (scim-sync status).`,
    });
  });
});
