/**
 * `npx scim-sync sync <provider> --local`, as a user runs it (the bin, in a child process):
 * stdout under --json is only the execution output; --state-out is written on success and on
 * failure; the exit code and the error name on stderr say what happened.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SourceSnapshotSchema, TargetSnapshotSchema } from '../../lambdas/core/model';
import { ownershipRules } from '../../lambdas/core/ownership';
import { computePlan, countOps } from '../../lambdas/core/plan';
import { configFromEnv } from '../../lambdas/runtime/deps';

const ROOT = join(__dirname, '..', '..');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'scim-sync-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'cli', 'bin.cjs'), ...args], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const org = {
  organisation: 'example-org',
  teams: [
    { slug: 'web', name: 'Web', members: ['ann', 'bob'] },
    { slug: 'api', name: 'API', members: ['bob'] },
  ],
};

describe('scim-sync sync --local', () => {
  it('--json prints only the execution output, and --state-out holds the final Identity Store', () => {
    const fixture = join(dir, 'org.json');
    const state = join(dir, 'state.json');
    writeFileSync(fixture, JSON.stringify(org));
    const r = cli([
      'sync',
      'github',
      '--local',
      '--json',
      '--fixture',
      fixture,
      '--state-out',
      state,
      '--blob-dir',
      join(dir, 'blobs'),
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      provider: 'github',
      outcome: 'applied',
      plan: { createUsers: 2, createGroups: 2, addMembers: 3 },
    });
    const dump = JSON.parse(readFileSync(state, 'utf8'));
    expect(dump.memberships).toEqual([
      { group: 'api', user: 'bob@example.com' },
      { group: 'web', user: 'ann@example.com' },
      { group: 'web', user: 'bob@example.com' },
    ]);
  });

  it('a failed run exits non-zero with the error name on stderr, writes --state-out, and changes nothing', () => {
    // The store holds 10 GitHub users; the organisation now has one: the deletion guard trips.
    const users = Array.from({ length: 10 }, (_, i) => {
      const u = `user${i}@example.com`;
      return {
        UserName: u,
        DisplayName: u,
        Name: { GivenName: u, FamilyName: u },
        Emails: [{ Value: u, Type: 'work', Primary: true }],
      };
    });
    const seed = join(dir, 'seed.json');
    const fixture = join(dir, 'one.json');
    const state = join(dir, 'after.json');
    writeFileSync(seed, JSON.stringify({ users }));
    writeFileSync(
      fixture,
      JSON.stringify({
        organisation: 'example-org',
        teams: [{ slug: 'web', name: 'Web', members: ['user0'] }],
      }),
    );
    const r = cli([
      'sync',
      'github',
      '--local',
      '--seed',
      seed,
      '--fixture',
      fixture,
      '--state-out',
      state,
      '--blob-dir',
      join(dir, 'blobs'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^DeletionGuardError: deletion guard tripped for github: the plan deletes 9 of 10 owned users/,
    );
    expect(r.stdout).toMatch(/FAILED/);
    expect(r.stdout).toMatch(/nothing was changed/);
    // The guard's error names the first leavers and where every deletion is listed.
    expect(r.stderr).toMatch(
      /It would take access from 9 people: user1@example\.com, .*user9@example\.com\. /,
    );
    expect(r.stderr).toMatch(
      /Every deletion and why: \S+\/github\/\S+\/report\.html \(or `npx scim-sync report github --run \S+`\)/,
    );
    const after = JSON.parse(readFileSync(state, 'utf8'));
    expect(after.users.map((u: { UserName: string }) => u.UserName)).toEqual(users.map((u) => u.UserName));
  });

  it('usage errors exit 2 and say what is wrong; --help and --version exit 0', () => {
    const r = cli(['sync', '--local']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: missing required argument 'provider'/);
    const typo = cli(['sync', 'github', '--local', '--dryrun']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("error: unknown option '--dryrun'\n(Did you mean --dry-run?)");
    const help = cli(['sync', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: scim-sync sync \[options\] <provider>/);
    const version = cli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout).toBe(`${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}\n`);
  });
});

describe('one set of ownership rules everywhere', () => {
  it('the CLI keeps every provider section: a custom Entra prefix gives the same plan as the Lambdas environment', () => {
    // Entra's namespace is corp-sso- here: a GitHub team named corp-sso-admins is Entra's, not GitHub's.
    const config = {
      identityStoreId: 'd-1234567890',
      region: 'eu-west-2',
      providers: {
        github: { organisation: 'example-org', secretName: 'gh', userNameSuffix: '@example.com' },
        entra: { secretName: 'en', groupPrefix: 'corp-sso-', holdingGroup: 'corp-sso-all' },
      },
    };
    const configFile = join(dir, 'custom-prefix.json');
    const fixture = join(dir, 'org-prefix.json');
    const blobs = join(dir, 'blobs-prefix');
    writeFileSync(configFile, JSON.stringify(config));
    writeFileSync(
      fixture,
      JSON.stringify({
        ...org,
        teams: [...org.teams, { slug: 'corp-sso-admins', name: 'x', members: ['ann'] }],
      }),
    );
    const r = cli([
      'sync',
      'github',
      '--local',
      '--dry-run',
      '--json',
      '--config',
      configFile,
      '--fixture',
      fixture,
      '--blob-dir',
      blobs,
    ]);
    expect(r.code).toBe(0);
    const runDir = join(blobs, 'github', readdirSync(join(blobs, 'github'))[0]!);
    const cliPlan = JSON.parse(readFileSync(join(runDir, 'plan.json'), 'utf8'));
    expect(cliPlan.conflicts.map((c: { name: string; reason: string }) => [c.name, c.reason])).toEqual([
      ['corp-sso-admins', 'claimed'],
    ]);
    // The handlers' environment (as the CDK app sets it) plans the same snapshots the same way.
    const env = configFromEnv({
      SCIM_SYNC_PROVIDER: 'github',
      SCIM_SYNC_CONFIG: JSON.stringify(config),
      SCIM_SYNC_BLOB_DIR: blobs,
      SCIM_SYNC_LEASE_TABLE: 'scim-sync-lease',
    });
    const source = SourceSnapshotSchema.parse(JSON.parse(readFileSync(join(runDir, 'source.json'), 'utf8')));
    const target = TargetSnapshotSchema.parse(JSON.parse(readFileSync(join(runDir, 'target.json'), 'utf8')));
    const plan = computePlan(source, target, ownershipRules('github', env.config));
    expect(plan.conflicts).toEqual(cliPlan.conflicts);
    expect(countOps(plan)).toEqual(cliPlan.counts);
    // Without the entra section both use Entra's default prefix: the team would then be GitHub's.
    const githubOnly = { ...config, providers: { github: config.providers.github } };
    const envDefault = configFromEnv({
      SCIM_SYNC_PROVIDER: 'github',
      SCIM_SYNC_CONFIG: JSON.stringify(githubOnly),
      SCIM_SYNC_BLOB_DIR: blobs,
      SCIM_SYNC_LEASE_TABLE: 'scim-sync-lease',
    });
    expect(computePlan(source, target, ownershipRules('github', envDefault.config)).conflicts).toEqual([]);
  });
});
