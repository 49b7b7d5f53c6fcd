/** Which GitHub events change access, and when the webhook starter starts a run (lambdas/core/webhook.ts). */
import type * as Webhook from '../../lambdas/core/webhook';
import { freshEach } from '../support/fresh';

// Fresh for each test: the module's tables and constants are then code these tests run (fresh.ts).
const core = freshEach(() => require('../../lambdas/core/webhook') as typeof Webhook);

const org = { login: 'Example-Org' };

describe('classifyEvent', () => {
  it.each([
    ['organization', 'member_added'],
    ['organization', 'member_removed'],
    ['membership', 'added'],
    ['membership', 'removed'],
    ['team', 'created'],
    ['team', 'deleted'],
    ['team', 'edited'],
  ])('accepts %s.%s of the configured organisation (any case)', (event, action) => {
    expect(core().classifyEvent(event, { action, organization: org }, 'example-org')).toEqual({
      accept: true,
      event: `${event}.${action}`,
    });
  });

  it('ignores other events and actions, other organisations, payloads without either, and pings', () => {
    const ignored = (event: string, payload: unknown) => core().classifyEvent(event, payload, 'example-org');
    expect(ignored('push', { organization: org })).toEqual({
      accept: false,
      reason: 'event push does not change access',
    });
    expect(ignored('organization', { action: 'renamed', organization: org })).toMatchObject({
      accept: false,
    });
    expect(ignored('team', { action: 'added_to_repository', organization: org })).toMatchObject({
      accept: false,
    });
    expect(ignored('membership', { organization: org })).toEqual({
      accept: false,
      reason: 'membership.(no action) does not change access',
    });
    expect(ignored('team', { action: 'deleted', organization: { login: 'other' } })).toEqual({
      accept: false,
      reason: 'team.deleted is about organisation other, not example-org',
    });
    expect(ignored('team', { action: 'deleted' })).toEqual({
      accept: false,
      reason: 'team.deleted is about organisation (none), not example-org',
    });
    expect(ignored('team', null)).toMatchObject({ accept: false });
    expect(ignored('ping', {})).toEqual({ accept: false, ping: true, reason: 'ping: the webhook is set up' });
  });

  it("accepts bodies far smaller than GitHub's 25 MB cap, far larger than the events it accepts", () => {
    expect(core().MAX_WEBHOOK_BODY_BYTES).toBe(262_144);
  });

  it('asks for the three events it acts on, and remembers deliveries longer than GitHub redelivers (3 days)', () => {
    // deploy.md tells the operator to subscribe the org webhook to exactly these.
    expect(core().WEBHOOK_EVENTS).toEqual(['organization', 'membership', 'team']);
    expect(core().DELIVERY_TTL_SECONDS).toBe(604_800);
  });
});

describe('decideWebhookStart', () => {
  const at = '2026-06-01T10:15:00.000Z';
  const last = { executionArn: 'arn:aws:states:eu-west-2:1:execution:scim-sync-github:a', runId: 'a', at };
  const t = Date.parse(at);

  it('covered only when the last run took the lease at least the margin after the newest event', () => {
    expect(core().decideWebhookStart(last, t - core().COVER_MARGIN_MS)).toEqual({
      kind: 'covered',
      by: last,
    });
    expect(core().decideWebhookStart(last, t - core().COVER_MARGIN_MS + 1)).toMatchObject({ kind: 'start' });
    expect(core().decideWebhookStart(last, t + 60_000)).toMatchObject({ kind: 'start' });
    expect(core().decideWebhookStart(undefined, t)).toMatchObject({
      kind: 'start',
      names: core().followUpNames(undefined),
    });
  });

  it('names the follow-up after the last run: the same for every batch, distinct per run, valid Step Functions names', () => {
    const names = core().followUpNames(last);
    expect(names).toHaveLength(core().MAX_FOLLOW_UP_ATTEMPTS);
    expect(names[0]).toMatch(/^webhook-after-20260601T101500000Z-[0-9a-f]{8}$/);
    expect(names[1]).toBe(`${names[0]}-2`);
    expect(core().followUpNames({ ...last })).toEqual(names);
    expect(core().followUpNames({ ...last, executionArn: `${last.executionArn}b` })[0]).not.toBe(names[0]);
    for (const n of [...names, ...core().followUpNames(undefined)])
      expect(n).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    expect(core().followUpNames(undefined)[0]).toBe('webhook-first');
  });

  it('tags the run by the FNV-1a hash of its ARN, 8 hex digits with leading zeros', () => {
    // FNV-1a 32-bit of "a" is e40c292c; of this ARN 0c28c980 (a leading zero).
    expect(core().followUpNames({ ...last, executionArn: 'a' })[0]).toBe(
      'webhook-after-20260601T101500000Z-e40c292c',
    );
    const arn = 'arn:aws:states:eu-west-2:111122223333:execution:scim-sync-github:run-84';
    expect(core().followUpNames({ ...last, executionArn: arn })[0]).toBe(
      'webhook-after-20260601T101500000Z-0c28c980',
    );
  });
});
