/**
 * GitHub organisation webhooks, end to end on this machine: the fake GitHub changes the
 * organisation and POSTs the signed event to the receiver (the Lambda's handler behind a local
 * function URL), which queues it in the local SQS; the starter (the Lambda's handler, fed as the
 * SQS event source feeds it) starts the real state machine in the LocalRunner. Signatures, events
 * ignored and accepted, replays, a burst of 100 events, and an event during a run.
 */
import { generateGithubFixture } from '../../local/github';
import type { LocalRunResult } from '../../local/runner';
import { type LocalWebhooks, startLocalWebhooks, WEBHOOK_QUEUE } from '../../local/webhooks';
import { allFiles, type Local, startLocal, testConfig } from '../support/local';

const fixture = generateGithubFixture({
  organisation: 'example-org',
  teams: 4,
  users: 40,
  membersPerTeam: 15,
});

let local: Local | undefined;
let hooks: LocalWebhooks | undefined;
afterEach(async () => {
  await hooks?.close();
  await local?.close();
  hooks = undefined;
  local = undefined;
});

async function start(
  opts: { windowMs?: number; visibilityTimeoutSeconds?: number; maxDeletionPercent?: number } = {},
) {
  local = await startLocal({
    config: testConfig(
      ['github'],
      opts.maxDeletionPercent ? { maxDeletionPercent: opts.maxDeletionPercent } : {},
    ),
    fixtures: { github: fixture },
  });
  hooks = await startLocalWebhooks(local.env, local.runner, {
    windowMs: opts.windowMs ?? 100,
    coverMarginMs: 50,
    visibilityTimeoutSeconds: opts.visibilityTimeoutSeconds ?? 2,
  });
  // The organisation is in the store before the events (the first sync, as deployed).
  expect((await local.runner.run('github', { name: 'initial' })).execution.status).toBe('SUCCEEDED');
  return { local, hooks };
}

/** `team/login` memberships of the Identity Store's GitHub groups. */
const members = (l: Local) => new Set(l.env.emulator.dump().memberships.map((m) => `${m.group}/${m.user}`));
const executions = (l: Local) =>
  [...l.env.aws.executions.values()].filter((x) => x.name !== 'initial' && !x.name.startsWith('check-'));
const expectConverged = async (l: Local) => {
  const r = await l.runner.run('github', { name: `check-${Date.now()}`, input: { dryRun: true } });
  expect(r.output).toMatchObject({ plan: { total: 0 } });
};

describe('the receiver', () => {
  it('a member_removed with a valid signature is queued (202) and starts a run that removes the leaver', async () => {
    const { local, hooks } = await start();
    const leaver = fixture.teams[0]!.members[0]!;
    expect([...members(local)].some((m) => m.endsWith(`/${leaver}@example.com`))).toBe(true);
    const d = await hooks.github.removeFromOrg(leaver);
    expect(d.status).toBe(202);
    expect(JSON.parse(d.body)).toEqual({ queued: 'organization.member_removed', delivery: d.delivery });
    await hooks.settled();
    const runs = executions(local);
    expect(runs.map((x) => [x.status, JSON.parse(x.input)])).toEqual([
      [
        'SUCCEEDED',
        { trigger: { kind: 'webhook', event: 'organization.member_removed', delivery: d.delivery } },
      ],
    ]);
    expect([...members(local)].some((m) => m.endsWith(`/${leaver}@example.com`))).toBe(false);
    expect(local.env.emulator.dump().users.some((u) => u.UserName === `${leaver}@example.com`)).toBe(false);
  });

  it('refuses a missing, bad or SHA-1-only signature (401) and a replayed delivery (409); nothing is queued for them', async () => {
    const { local, hooks } = await start();
    const marker = 'body-marker-4f1c';
    const payload = {
      action: 'member_removed',
      membership: { user: { login: marker } },
      organization: { login: 'example-org' },
    };
    const missing = await hooks.github.deliver('organization', payload, { secret: null });
    expect([missing.status, JSON.parse(missing.body).error]).toEqual([401, 'missing X-Hub-Signature-256']);
    const bad = await hooks.github.deliver('organization', payload, { secret: 'not-the-webhook-secret' });
    expect([bad.status, JSON.parse(bad.body).error]).toEqual([401, 'bad signature']);
    const sha1 = await hooks.github.deliver('organization', payload, { sha1Only: true });
    expect(sha1.status).toBe(401);
    expect(JSON.parse(sha1.body).error).toMatch(/^wrong algorithm: only X-Hub-Signature-256/);
    // A signature of another body (the payload changed in transit) is as bad as a wrong secret.
    const tampered = await fetch(hooks.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'organization',
        'x-github-delivery': 'tampered-1',
        'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
      },
      body: JSON.stringify(payload),
    });
    expect(tampered.status).toBe(401);
    expect(hooks.sqs.calls.SendMessage ?? 0).toBe(0);

    const first = await hooks.github.deliver('organization', payload, { delivery: 'guid-1' });
    expect(first.status).toBe(202);
    const replay = await hooks.github.deliver('organization', payload, { delivery: 'guid-1' });
    expect([replay.status, JSON.parse(replay.body).error]).toEqual([
      409,
      'delivery guid-1 was received before',
    ]);
    expect(hooks.sqs.calls.SendMessage).toBe(1);
    await hooks.settled();
    expect(executions(local)).toHaveLength(1);
    // Neither a body nor the secret is in any log line of the receiver, the starter or the runs.
    const secret = local.env.secretValues.at(-1)!;
    for (const line of [...hooks.logs, ...local.runner.logs]) {
      expect(line).not.toContain(secret);
      expect(line).not.toContain(marker);
    }
    for (const f of allFiles(local.blobDir)) expect(f.text).not.toContain(secret);
  });

  it('ignores, with 200, events and actions that do not change access, other organisations, pings; refuses an oversized body unread (413)', async () => {
    const { local, hooks } = await start();
    const org = { login: 'example-org' };
    const cases: [string, unknown, string][] = [
      ['push', { ref: 'refs/heads/main', organization: org }, 'event push does not change access'],
      [
        'organization',
        { action: 'member_invited', organization: org },
        'organization.member_invited does not change access',
      ],
      [
        'team',
        { action: 'added_to_repository', organization: org },
        'team.added_to_repository does not change access',
      ],
      [
        'membership',
        { action: 'removed', organization: { login: 'other-org' } },
        'membership.removed is about organisation other-org, not example-org',
      ],
      ['ping', { zen: 'Keep it logically awesome.', hook_id: 1 }, 'ping: the webhook is set up'],
    ];
    for (const [event, payload, reason] of cases) {
      const r = await hooks.github.deliver(event, payload);
      expect([event, r.status, JSON.parse(r.body)]).toEqual([event, 200, { ignored: reason }]);
    }
    const huge = await hooks.github.deliver('organization', {
      action: 'member_removed',
      organization: org,
      padding: 'x'.repeat(300 * 1024),
    });
    expect(huge.status).toBe(413);
    const form = await hooks.github.deliver(
      'organization',
      { action: 'member_removed', organization: org },
      {
        contentType: 'application/x-www-form-urlencoded',
      },
    );
    expect(form.status).toBe(415);
    // Every kind of access change is accepted.
    for (const [event, action] of [
      ['organization', 'member_added'],
      ['membership', 'added'],
      ['membership', 'removed'],
      ['team', 'created'],
      ['team', 'deleted'],
      ['team', 'edited'],
    ] as const) {
      const r = await hooks.github.deliver(event, { action, organization: org });
      expect([event, action, r.status]).toEqual([event, action, 202]);
    }
    expect(hooks.sqs.calls.SendMessage).toBe(6);
    await hooks.settled();
    expect(executions(local).length).toBeGreaterThanOrEqual(1);
    expect(executions(local).every((x) => x.status === 'SUCCEEDED')).toBe(true);
  });
});

describe('coalescing', () => {
  it('a burst of 100 events: at most 2 executions (one running, one waiting), none failed, and the store converges', async () => {
    // A re-org this size in an organisation of 40 is a mass deletion: the guard is not what is tested here.
    const { local, hooks } = await start({ windowMs: 200, maxDeletionPercent: 60 });
    // As deployed, a run (about a minute) outlasts a re-org's burst of events (seconds).
    local.env.github!.latencyMs = 150;
    let running = 0;
    const watch = setInterval(() => {
      const now = executions(local).filter((x) => x.status === 'RUNNING').length;
      running = Math.max(running, now);
    }, 5);
    // 100 changes, all at once: 10 leavers of the organisation, 90 moves between teams.
    const logins = fixture.users!.map((u) => u.login);
    const sent = Array.from({ length: 100 }, (_, i) => {
      const login = logins[i % logins.length]!;
      if (i < 10) return hooks.github.removeFromOrg(login);
      const team = fixture.teams[i % fixture.teams.length]!.slug;
      return hooks.github.changeTeam(team, login, i % 2 ? 'added' : 'removed');
    });
    expect((await Promise.all(sent)).map((d) => d.status)).toEqual(Array(100).fill(202));
    await hooks.settled();
    clearInterval(watch);
    const runs = executions(local);
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect(runs.length).toBeLessThanOrEqual(2);
    expect(running).toBeLessThanOrEqual(2);
    expect(runs.map((x) => x.status)).toEqual(runs.map(() => 'SUCCEEDED'));
    expect(hooks.sqs.depth(WEBHOOK_QUEUE)).toEqual({ visible: 0, inFlight: 0 });
    expect(hooks.starts.filter((s) => 'error' in s)).toEqual([]);
    // Every one of the 100 events was handed to the starter (none lost), in a few batches.
    expect(hooks.starts.reduce((n, s) => n + ('events' in s ? s.events : 0), 0)).toBe(100);
    local.env.github!.latencyMs = 0;
    await expectConverged(local);
  });

  it('an event that arrives while a run has read the organisation leads to a follow-up run after it, which waits its turn and applies it', async () => {
    const { local, hooks } = await start();
    // Runs the starter starts are held after FetchSource (their read is done) until released.
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let readDone!: () => void;
    const read = new Promise<void>((r) => {
      readDone = r;
    });
    const runs: Promise<LocalRunResult>[] = [];
    local.env.aws.onStart = async (_arn, name, input) => {
      const started = local.runner.start('github', {
        name,
        input: JSON.parse(input),
        wrapTask: (state, real) => async (ev) => {
          const out = await real(ev);
          if (state === 'FetchSource' && runs.length === 1) {
            readDone();
            await held;
          }
          return out;
        },
      });
      runs.push(started.done);
      return started.execution;
    };
    const [first, second] = [fixture.teams[1]!.members[0]!, fixture.teams[2]!.members[1]!];
    expect((await hooks.github.changeTeam(fixture.teams[1]!.slug, first, 'removed')).status).toBe(202);
    await read;
    // The first run has read the organisation: this change is not in its snapshot.
    expect((await hooks.github.changeTeam(fixture.teams[2]!.slug, second, 'removed')).status).toBe(202);
    while (!hooks.starts.some((s) => 'outcome' in s && s.outcome === 'started' && runs.length === 2))
      await new Promise((r) => setTimeout(r, 10));
    release();
    const a = await runs[0]!;
    expect(a.execution.status).toBe('SUCCEEDED');
    expect(members(local).has(`${fixture.teams[1]!.slug}/${first}@example.com`)).toBe(false);
    await hooks.settled();
    const b = await runs[1]!;
    expect(b.execution.status).toBe('SUCCEEDED');
    expect(b.execution.name).toMatch(/^webhook-after-/);
    // It waited for the first run's lease, then read and applied the second change.
    const states = b.events
      .filter((e) => e.type === 'StateEntered')
      .map((e) => (e.state as { name: string }).name);
    expect(states).toContain('WaitForLease');
    expect(b.execution.startDate.getTime()).toBeLessThan(a.execution.stopDate!.getTime());
    expect(members(local).has(`${fixture.teams[2]!.slug}/${second}@example.com`)).toBe(false);
    expect(executions(local)).toHaveLength(2);
    await expectConverged(local);
  });

  it('when Step Functions refuses the start, the batch comes back after the visibility timeout and is not lost', async () => {
    const { local, hooks } = await start({ visibilityTimeoutSeconds: 1 });
    // As many failures as the SDK's attempts: the starter's first invocation fails, the next one starts.
    local.env.aws.failNext('AWSStepFunctions.StartExecution', 3, 'ServiceUnavailable');
    const leaver = fixture.teams[3]!.members[2]!;
    expect((await hooks.github.removeFromOrg(leaver)).status).toBe(202);
    await hooks.settled();
    expect(hooks.starts[0]).toEqual({
      error: expect.stringMatching(/^WebhookStartError: StartExecution of webhook-after-/),
    });
    // Then it started the run (a later receive of the same message, if any, finds it covered).
    expect(hooks.starts.slice(1).filter((x) => 'outcome' in x && x.outcome === 'started')).toHaveLength(1);
    expect(hooks.starts.slice(1).filter((x) => 'error' in x)).toEqual([]);
    expect(executions(local).map((x) => x.status)).toEqual(['SUCCEEDED']);
    expect(local.env.emulator.dump().users.some((u) => u.UserName === `${leaver}@example.com`)).toBe(false);
  });
});
