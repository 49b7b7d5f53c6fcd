/**
 * `npx scim-sync sync <provider> --local`, as a user runs it (the bin, in a child process):
 * stdout under --json is only the execution output; --state-out is written on success and on
 * failure; the exit code and the error name on stderr say what happened.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
