/**
 * `scim-sync sync <provider> --live`, pointed at the stand-ins the way a person points it at the real
 * services (a configuration naming the fakes and the emulator's store id, AWS_ENDPOINT_URL_* naming the
 * emulator and a local Secrets Manager, credentials from the SDK's chain): the real code path of a live
 * run. It plans what `--local` plans on the same data; without --apply it writes nothing; with --apply
 * it converges (a second run has nothing to do) to the state a local run reaches; a --secret-file
 * secret is used without Secrets Manager; no secret value reaches the output, the reports or the logs.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RunReport } from '../../lambdas/core/report';
import { LeaseStore } from '../../lambdas/runtime/lease';
import type { SeedFile } from '../../local/identitystore';
import { cli, type LiveStandIns, startLiveStandIns } from '../support/live';
import { allFiles } from '../support/local';

const org = {
  organisation: 'example-org',
  teams: [
    { slug: 'web', name: 'Web', members: ['ann', 'bob'] },
    { slug: 'api', name: 'API', members: ['bob', 'cy'] },
    { slug: 'platform', name: 'Platform', members: ['cy'] },
  ],
};
const tenant = {
  groups: [
    { id: 'g1', displayName: 'azure-aws-sso-admins', members: ['u1'] },
    { id: 'g2', displayName: 'azure-aws-sso-developers', members: ['u1', 'u2', 'g3'] },
    { id: 'g3', displayName: 'team-platform', members: ['u3'] },
  ],
  users: [
    { id: 'u1', userPrincipalName: 'ann@example.com', givenName: 'Ann', surname: 'A', displayName: 'Ann A' },
    { id: 'u2', userPrincipalName: 'bob@example.com', givenName: 'Bob', surname: 'B', displayName: 'Bob B' },
    { id: 'u3', userPrincipalName: 'cy@example.com', givenName: 'Cy', surname: 'C', displayName: 'Cy C' },
  ],
};
/** A store with a hand-made user and group, a group to adopt, and a leaver of each provider. */
const seed: SeedFile = {
  users: [
    { UserName: 'hand@other.example', DisplayName: 'Hand', Name: { GivenName: 'H', FamilyName: 'M' } },
    {
      UserName: 'gone@example.com',
      DisplayName: 'gone@example.com',
      Name: { GivenName: 'gone@example.com', FamilyName: 'gone@example.com' },
    },
    {
      UserName: 'left@example.com',
      DisplayName: 'Left L',
      Name: { GivenName: 'Left', FamilyName: 'L' },
      Emails: [{ Value: 'left@example.com', Type: 'EntraId', Primary: true }],
    },
  ],
  groups: [{ DisplayName: 'made-by-hand', Description: 'not synced' }, { DisplayName: 'platform' }],
  memberships: [{ group: 'made-by-hand', user: 'hand@other.example' }],
};

/** What a change is, without ids and times. */
const changes = (r: RunReport) =>
  r.changes.map(({ op, user, group, effect, reason }) => ({ op, user, group, effect, reason }));
/** The store without ids. */
const state = (dump: Required<SeedFile>) => ({
  users: dump.users.map(({ UserId: _, ...u }) => u),
  groups: dump.groups.map(({ GroupId: _, ...g }) => g),
  memberships: dump.memberships,
});

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'scim-sync-live-e2e-'));
  writeFileSync(join(dir, 'github.json'), JSON.stringify(org));
  writeFileSync(join(dir, 'entra.json'), JSON.stringify(tenant));
  writeFileSync(join(dir, 'seed.json'), JSON.stringify(seed));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each([
  ['github', org],
  ['entra', tenant],
] as const)('sync %s --live against the stand-ins', (provider, fixture) => {
  let s: LiveStandIns;
  beforeAll(async () => {
    s = await startLiveStandIns({ provider, fixtures: { [provider]: fixture }, seed });
  });
  afterAll(() => s.close());
  const live = (...args: string[]) =>
    cli([
      'sync',
      provider,
      '--live',
      '--config',
      s.configFile,
      '--blob-dir',
      join(dir, `${provider}-live`),
      ...args,
    ]);
  const noSecrets = (...texts: string[]) => {
    for (const v of s.env.secretValues) for (const t of texts) expect(t).not.toContain(v);
  };

  it('plans what --local plans on the same data, and writes nothing without --apply', async () => {
    const local = await cli([
      'sync',
      provider,
      '--local',
      '--dry-run',
      '--json',
      '--fixture',
      join(dir, `${provider}.json`),
      '--seed',
      join(dir, 'seed.json'),
      '--blob-dir',
      join(dir, `${provider}-local`),
    ]);
    expect(local.code).toBe(0);
    const expected = JSON.parse(local.stdout) as RunReport;
    s.env.emulator.resetCounts();
    const r = await live('--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as RunReport;
    expect(report.outcome).toBe('dry-run');
    expect(report.runId).toMatch(/^live-/);
    expect(report.plan).toEqual(expected.plan);
    expect(changes(report)).toEqual(changes(expected));
    expect(changes(report).length).toBeGreaterThan(5);
    expect(report.guard.verdict).toBe(expected.guard.verdict);
    expect(s.writes()).toBe(0);
    // The source was read from the fake through the configured URL, the store through the endpoint variable.
    expect(s.env.emulator.counts().ListUsers.succeeded).toBeGreaterThan(0);
    noSecrets(r.stdout, r.stderr, ...allFiles(join(dir, `${provider}-live`)).map((f) => f.text));
  });

  it('--apply converges to what a local run makes; the next dry run has nothing to do', async () => {
    const after = join(dir, `${provider}-after.json`);
    const local = await cli([
      'sync',
      provider,
      '--local',
      '--fixture',
      join(dir, `${provider}.json`),
      '--seed',
      join(dir, 'seed.json'),
      '--state-out',
      after,
      '--blob-dir',
      join(dir, `${provider}-local`),
    ]);
    expect(local.code).toBe(0);
    const applied = await live('--apply');
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/a live run: changes are APPLIED to the Identity Store/);
    expect(applied.stdout).toMatch(/paced to 18 requests\/s as deployed/);
    expect(applied.stdout).toMatch(/SUCCEEDED in/);
    expect(state(s.env.emulator.dump())).toEqual(state(JSON.parse(readFileSync(after, 'utf8'))));
    s.env.emulator.resetCounts();
    const again = await live('--json');
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout) as RunReport).plan.total).toBe(0);
    expect(s.writes()).toBe(0);
    noSecrets(applied.stdout, again.stdout, ...allFiles(join(dir, `${provider}-live`)).map((f) => f.text));
  });

  it('--secret-file: the secret comes from the file, Secrets Manager is not asked, the value is never printed', async () => {
    const name = s.env.config.providers[provider]!.secretName;
    const value = s.env.aws.secrets.get(name)!.versions.at(-1)!.value;
    const file = join(dir, `${provider}-secret.json`);
    writeFileSync(file, value);
    const config = s.configWith((c) => {
      c.providers[provider]!.secretName = 'not-in-secrets-manager';
    });
    const before = s.env.aws.calls['secretsmanager.GetSecretValue'] ?? 0;
    const blobs = join(dir, `${provider}-file`);
    const r = await cli([
      'sync',
      provider,
      '--live',
      '--config',
      config,
      '--secret-file',
      file,
      '--blob-dir',
      blobs,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/secret {10}not-in-secrets-manager, read from a file/);
    expect(s.env.aws.calls['secretsmanager.GetSecretValue'] ?? 0).toBe(before);
    noSecrets(r.stdout, ...allFiles(blobs).map((f) => f.text));
  });
});

describe('sync --live: what it needs before it starts', () => {
  it('an AWS profile that does not exist: exit 1, says so, nothing runs', async () => {
    const keep = { ...process.env };
    process.env.AWS_CONFIG_FILE = '/nonexistent/config';
    process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/credentials';
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    try {
      const r = await cli([
        'sync',
        'github',
        '--live',
        '--profile',
        'no-such-profile',
        '--blob-dir',
        join(dir, 'none'),
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: no AWS credentials: set AWS_PROFILE/);
      expect(r.stdout).toBe('');
    } finally {
      process.env = keep;
    }
  });
});

describe('sync --live takes the deployed run lease', () => {
  let s: LiveStandIns;
  beforeAll(async () => {
    s = await startLiveStandIns({ provider: 'github', fixtures: { github: org }, seed });
  });
  afterAll(() => s.close());
  const live = (...args: string[]) =>
    cli([
      'sync',
      'github',
      '--live',
      '--config',
      s.configFile,
      '--blob-dir',
      join(dir, 'lease-live'),
      ...args,
    ]);

  it('an --apply while a deployed run holds the Identity Store stops with ConcurrentRunError and writes nothing', async () => {
    const client = new DynamoDBClient({
      endpoint: s.env.dynamo.endpoint,
      region: 'eu-west-2',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const store = new LeaseStore(client, s.env.dynamo.table, s.env.config.identityStoreId, () => new Date());
    const deployed = {
      provider: 'github' as const,
      runId: 'nightly-1',
      executionArn: 'arn:aws:states:eu-west-2:111122223333:execution:scim-sync-github:nightly-1',
      startedAt: new Date().toISOString(),
      dryRun: false,
      trigger: 'schedule' as const,
    };
    try {
      expect(await store.take(deployed)).toBe(true);
      s.env.emulator.resetCounts();
      const r = await live('--apply');
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/run lease +DynamoDB table scim-sync-lease, shared with the deployed runs/);
      expect(r.stderr).toMatch(/^ConcurrentRunError: .*nightly-1/);
      expect(s.writes()).toBe(0);
      // Once the deployed run is done, the live run takes the lease and releases it after Report.
      await store.finish(deployed, true);
      expect((await live()).code).toBe(0);
      expect((await store.read()).holder).toBeUndefined();
    } finally {
      client.destroy();
    }
  });

  it('before a deploy (no lease table): a dry run holds a lease on this machine only, an --apply refuses', async () => {
    const dry = await live('--lease-table', 'not-deployed');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/run lease +on this machine only \(no table not-deployed in eu-west-2/);
    s.env.emulator.resetCounts();
    const apply = await live('--apply', '--lease-table', 'not-deployed');
    expect(apply.code).toBe(1);
    expect(apply.stderr).toMatch(
      /the run lease table not-deployed does not exist in eu-west-2: a live --apply takes the same lease as deployed runs/,
    );
    expect(s.writes()).toBe(0);
  });
});
