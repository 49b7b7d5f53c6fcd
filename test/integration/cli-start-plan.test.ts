/**
 * `scim-sync start`, `plan` and `local-aws` with the real @aws-sdk/client-sfn against the local Step
 * Functions stand-in (--endpoint), which runs the real state machine over the local stand-ins.
 */
import type { SeedFile } from '../../local/identitystore';
import { connect, executionName, explainAwsError } from '../../cli/aws/client';
import { parseChangeLine, planLines } from '../../cli/aws/render';
import { applyProgress, follow } from '../../cli/aws/follow';
import { runCli } from '../../cli/program';
import type { RunStatus } from '../../cli/aws/status';
import type { RunSummary } from '../../lambdas/handlers/report';
import { type Local, startLocal, testConfig } from '../support/local';
import { capture } from '../support/io';

/** Two teams; cat is an Entra user already in the store (a conflict); former@ left (a deletion). */
const org = {
  organisation: 'example-org',
  teams: [
    { slug: 'web', name: 'web', members: ['ann', 'bob', 'cat'] },
    { slug: 'ops', name: 'ops', members: ['bob'] },
  ],
  users: [{ login: 'ann', name: 'Ann Archer' }, { login: 'bob', name: 'Bob Baker' }, { login: 'cat' }],
};
const seed: SeedFile = {
  users: [
    { UserName: 'former@example.com', DisplayName: 'Former', Name: { GivenName: 'F', FamilyName: 'Ormer' } },
    {
      UserName: 'cat@example.com',
      DisplayName: 'Cat',
      Name: { GivenName: 'Cat', FamilyName: 'Entra' },
      Emails: [{ Value: 'cat@example.com', Type: 'EntraId', Primary: true }],
    },
  ],
  groups: [{ DisplayName: 'ops' }],
  memberships: [{ group: 'ops', user: 'former@example.com' }],
} as SeedFile;

/** Resolves when the local execution is no longer running. */
async function ended(executionArn: string): Promise<void> {
  while (local.env.aws.executions.get(executionArn)?.status === 'RUNNING') await sleep(20);
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let local: Local;
let endpoint: string[];
beforeAll(async () => {
  local = await startLocal({ config: testConfig(['github']), fixtures: { github: org }, seed });
  endpoint = ['--endpoint', local.env.aws.endpoint, '--poll-ms', '20'];
});
afterAll(() => local.close());

describe('scim-sync plan', () => {
  it('shows the dry run of a known fixture as exact rows, with counts and conflicts, changing nothing', async () => {
    const io = capture();
    expect(await runCli(['plan', 'github', ...endpoint], io)).toBe(0);
    const text = io.stdout();
    const table = text.slice(text.indexOf('ACTION')).split('\n');
    // Every change with its reason, removals first; then conflicts.
    expect(table.slice(0, 10)).toEqual([
      'ACTION        USER                GROUP  DETAIL',
      'delete user   former@example.com  -      in no synced team any more: loses ops',
      'add member    ann@example.com     web    joined team web',
      'add member    bob@example.com     ops    joined team ops',
      'add member    bob@example.com     web    joined team web',
      'create group  -                   web    new team in GitHub',
      "adopt group   -                   ops    adopted: a group without a description had the team's name (gets scim-sync's marker and the team's id)",
      'create user   ann@example.com     -      new in GitHub: member of team web',
      'create user   bob@example.com     -      new in GitHub: member of team ops, web',
      expect.stringMatching(
        /^conflict {6}cat@example\.com {5}- {6}user cat@example\.com belongs to the other provider/,
      ),
    ]);
    expect(text).toContain('github plan: 8 changes (users +2 ~0 -1, groups +1 ~1 -0, members +3 -0)');
    expect(text).toContain('1 conflicts: left alone');
    expect(text).toMatch(/dry run plan-[\w-]+ of scim-sync-github: nothing will be changed/);
    expect(local.writes()).toBe(0);
  });

  it('--json prints the rows only', async () => {
    const io = capture();
    expect(await runCli(['plan', 'github', '--json', ...endpoint], io)).toBe(0);
    const rows = JSON.parse(io.stdout()) as {
      action: string;
      user: string;
      group: string;
      detail?: string;
    }[];
    expect(rows.slice(0, 8).map(({ action, user, group }) => ({ action, user, group }))).toEqual([
      { action: 'delete user', user: 'former@example.com', group: '' },
      { action: 'add member', user: 'ann@example.com', group: 'web' },
      { action: 'add member', user: 'bob@example.com', group: 'ops' },
      { action: 'add member', user: 'bob@example.com', group: 'web' },
      { action: 'create group', user: '', group: 'web' },
      { action: 'adopt group', user: '', group: 'ops' },
      { action: 'create user', user: 'ann@example.com', group: '' },
      { action: 'create user', user: 'bob@example.com', group: '' },
    ]);
    expect(rows[0]?.detail).toBe('in no synced team any more: loses ops');
    expect(rows[8]).toMatchObject({ action: 'conflict', user: 'cat@example.com', group: '' });
    expect(rows).toHaveLength(9);
  });

  it('says how many changes are not listed and where the full plan is', () => {
    const summary = {
      provider: 'entra',
      runId: 'plan-x',
      outcome: 'dry-run',
      source: { users: 900, groups: 3, requests: 12 },
      target: { users: 0, groups: 0, memberships: 0 },
      plan: { createUsers: 900, createGroups: 3, addMembers: 900, total: 1803 },
      changes: ['create group azure-aws-sso-admins', 'create user ann@example.com'],
      changesNotListed: 1603,
      conflicts: [],
      failures: [],
      warnings: ['the entra credential expires on 2026-06-30 (in 12 days): rotate it'],
      planKey: 'entra/plan-x/plan.json',
    } as RunSummary;
    expect(planLines(summary)).toEqual([
      'entra plan: 1803 changes (users +900 ~0 -0, groups +3 ~0 -0, members +900 -0)',
      '  source: 900 users in 3 groups; Identity Store: 0 users, 0 groups, 0 memberships',
      '',
      'ACTION        USER             GROUP                 DETAIL',
      'create group  -                azure-aws-sso-admins',
      'create user   ann@example.com  -',
      '',
      '  1603 more changes are not listed (the summary lists 2); the full plan is entra/plan-x/plan.json in the run-data bucket',
      '  warning: the entra credential expires on 2026-06-30 (in 12 days): rotate it',
    ]);
  });

  it('reads back every kind of change line', () => {
    expect(parseChangeLine('remove ann@example.com from Access to prod')).toEqual({
      action: 'remove member',
      user: 'ann@example.com',
      group: 'Access to prod',
    });
    expect(parseChangeLine('delete group old team (no longer in the source)')).toEqual({
      action: 'delete group',
      user: '',
      group: 'old team',
    });
    expect(parseChangeLine('update user ann@example.com (displayName, emails)')).toMatchObject({
      action: 'update user',
      detail: 'displayName, emails',
    });
  });
});

describe('scim-sync start', () => {
  it('--wait follows the run (progress bar on a terminal) to the end and prints the summary', async () => {
    const io = capture(true);
    expect(await runCli(['start', 'github', '--wait', ...endpoint], io)).toBe(0);
    const text = io.stdout();
    expect(text).toMatch(
      /started scim-sync-github execution manual-[\w-]+-\d{8}T\d{6}Z-[0-9a-f]{4} with input \{\}/,
    );
    const arn = /execution: (arn:aws:states:\S+)/.exec(text)?.[1];
    expect(text).toContain(
      `console:   https://eu-west-2.console.aws.amazon.com/states/home?region=eu-west-2#/v2/executions/details/${arn}`,
    );
    expect(text).toContain('\r\x1b[2K  '); // the redrawn progress line
    expect(text).toContain('changed: users +2 ~0 -1, groups +1 ~1 -0, memberships +3 -0');
    expect(text).toContain('users created: ann@example.com, bob@example.com');
    expect(text).toContain('web: added ann@example.com, bob@example.com');
    expect(text).toContain('users deleted (in no synced group any more): former@example.com');
    expect(text).toMatch(/conflict \(left alone\): user cat@example\.com/);
    expect(text).toMatch(/SUCCEEDED in \d+s/);
    expect(io.stderr()).toBe('');
    expect(local.env.emulator.dump().memberships).toHaveLength(3);
    expect(text).toMatch(/report \(every change and why\): \S+\/report\.html/);
    // The batches' outputs in the history carry the operations and calls progress is made of.
    const aws = await connect({ endpoint: local.env.aws.endpoint, 'poll-ms': '20' });
    const r = await follow(aws, arn ?? '', capture(), { quiet: true });
    aws.client.destroy();
    const applied = [...r.progress.applied.values()];
    expect(applied.reduce((n, a) => n + a.operations, 0)).toBe(8);
    expect(applied.reduce((n, a) => n + a.calls, 0)).toBeGreaterThanOrEqual(8);
    expect(r.progress.applied.get('ApplyCreates')?.startedAt).toBeInstanceOf(Date);
    const mid = applyProgress({ ...r.progress, state: 'ApplyMemberships' });
    expect(mid).toMatchObject({ state: 'ApplyMemberships', done: 3, total: 3, allDone: 8, allTotal: 8 });
    expect(mid?.etaSeconds).toBeGreaterThanOrEqual(0);
  });

  it('without --wait returns at once with the execution; --json prints the run summary', async () => {
    const io = capture();
    expect(await runCli(['start', 'github', '--json', ...endpoint], io)).toBe(0);
    const started = JSON.parse(io.stdout()) as { executionArn: string; name: string; console: string };
    expect(started.executionArn).toContain(':execution:scim-sync-github:manual-');
    await ended(started.executionArn); // a second run would stop with ConcurrentRunError
    const json = capture();
    expect(await runCli(['start', 'github', '--dry-run', '--wait', '--json', ...endpoint], json)).toBe(0);
    const summary = JSON.parse(json.stdout()) as RunSummary;
    expect(summary.outcome).toBe('dry-run');
    expect(summary.plan.total).toBe(0);
  });

  it('names the execution readably and validly', () => {
    const name = executionName('manual', new Date('2026-03-04T05:06:07.890Z'));
    expect(name).toMatch(/^manual-[A-Za-z0-9_-]+-20260304T050607Z-[0-9a-f]{4}$/);
    expect(name.length).toBeLessThanOrEqual(80);
  });
});

describe('helpful errors', () => {
  it('a machine that is not deployed in the region', async () => {
    const config = testConfig(['entra']);
    const other = await startLocal({ config });
    try {
      const io = capture();
      expect(await runCli(['start', 'github', '--endpoint', other.env.aws.endpoint], io)).toBe(1);
      expect(io.stderr()).toBe(
        'error: no state machine scim-sync-github in eu-west-2 (eu-west-2 has scim-sync-entra): deployed in another region? Pass --region or set AWS_REGION; see docs/deploy.md\n',
      );
      const plan = capture();
      expect(
        await runCli(['plan', 'github', '--region', 'us-east-1', '--endpoint', other.env.aws.endpoint], plan),
      ).toBe(1);
      expect(plan.stderr()).toMatch(/^error: no state machine scim-sync-github in us-east-1/);
    } finally {
      await other.close();
    }
  });

  it('an unknown provider, and no credentials', async () => {
    const io = capture();
    expect(await runCli(['start', 'gitlab', ...endpoint], io)).toBe(2);
    expect(io.stderr()).toMatch(
      /^error: command-argument value 'gitlab' is invalid for argument 'provider'\. Allowed choices are github, entra\./,
    );
    const keep = { ...process.env };
    process.env.AWS_CONFIG_FILE = '/nonexistent/config';
    process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/credentials';
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    try {
      const noCreds = capture();
      expect(
        await runCli(['start', 'github', '--profile', 'nobody', '--endpoint', 'http://127.0.0.1:9'], noCreds),
      ).toBe(1);
      expect(noCreds.stderr()).toMatch(/^error: no AWS credentials: set AWS_PROFILE/);
    } finally {
      process.env = keep;
    }
    expect(explainAwsError(Object.assign(new Error('x'), { name: 'CredentialsProviderError' }))).toMatch(
      /^no AWS credentials/,
    );
  });

  it('nothing listening at the endpoint', async () => {
    const aws = await connect({ endpoint: 'http://127.0.0.1:9' });
    expect(aws.region).toBe('eu-west-2');
    aws.client.destroy();
    const io = capture();
    expect(await runCli(['start', 'github', '--endpoint', 'http://127.0.0.1:9'], io)).toBe(1);
    expect(io.stderr()).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9: is `scim-sync local-aws`/);
  });
});

describe('scim-sync local-aws', () => {
  it('serves both providers on the demo fixtures; start --wait runs against it', async () => {
    const serve = capture();
    let stop!: () => void;
    const stopped = new Promise<void>((r) => {
      stop = r;
    });
    const running = runCli(['local-aws', '--blob-dir', `${local.blobDir}/serve`], serve, { until: stopped });
    for (let i = 0; i < 200 && !serve.stdout().includes('\n'); i++)
      await new Promise((r) => setTimeout(r, 25));
    const ready = JSON.parse(serve.stdout()) as { endpoint: string; region: string; stateMachines: string[] };
    expect(ready).toMatchObject({
      region: 'eu-west-2',
      stateMachines: ['scim-sync-github', 'scim-sync-entra'],
    });
    expect(ready.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const io = capture();
    expect(await runCli(['start', 'github', '--endpoint', ready.endpoint, '--poll-ms', '50'], io)).toBe(0);
    // StartExecution answered while the run goes on in the background: status sees it running
    const running1 = capture();
    expect(await runCli(['status', 'github', '--json', '--endpoint', ready.endpoint], running1)).toBe(0);
    const [first] = JSON.parse(running1.stdout()) as RunStatus[];
    expect(first?.status).toBe('RUNNING');
    for (let i = 0; i < 400; i++) {
      const s = capture();
      await runCli(['status', 'github', '--json', '--endpoint', ready.endpoint], s);
      if ((JSON.parse(s.stdout()) as RunStatus[])[0]?.status !== 'RUNNING') break;
      await sleep(50);
    }
    const waited = capture();
    expect(
      await runCli(['start', 'github', '--wait', '--endpoint', ready.endpoint, '--poll-ms', '50'], waited),
    ).toBe(0);
    expect(waited.stdout()).toContain('(nothing to do: already in step)');
    stop();
    expect(await running).toBe(0);
  });
});
