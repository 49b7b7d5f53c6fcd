/**
 * The command line (cli/program.ts), in process: every command's --help, --version, usage errors
 * (exit 2, with a suggestion), file errors that name the file; and `sync --local` runs that the
 * deletion guard stops (a real run) or would stop (a dry run: exit 3, every deletion listed), read
 * back with `scim-sync report --local` as a table, JSON and HTML.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'node-html-parser';
import type { Io } from '../../cli/aws/client';
import { runCli, VERSION } from '../../cli/program';
import type { RunReport } from '../../lambdas/core/report';

function capture(): Io & { stdout: () => string; stderr: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out: (s) => out.push(s),
    err: (s) => err.push(s),
    isTTY: false,
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

async function cli(argv: string[]) {
  const io = capture();
  const code = await runCli(argv, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'scim-sync-program-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const COMMANDS = [
  'sync',
  'doctor',
  'demo',
  'emulate',
  'start',
  'plan',
  'status',
  'redrive',
  'report',
  'local-aws',
];

describe('scim-sync, the command line', () => {
  it.each(COMMANDS)('%s --help exits 0 with its options and examples', async (command) => {
    const r = await cli([command, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: scim-sync ${command} `));
    expect(r.stdout).toContain('Options:');
    expect(r.stdout).toContain('Examples:');
    expect(r.stderr).toBe('');
  });

  it('--help and help list every command; --version prints the package version', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const c of COMMANDS) expect(help.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect((await cli(['help', 'report'])).stdout).toMatch(/^Usage: scim-sync report/);
    const version = await cli(['--version']);
    expect(version).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    expect(VERSION).toBe(
      JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')).version,
    );
  });

  it.each([
    [['strat', 'github'], "error: unknown command 'strat'\n(Did you mean start?)"],
    [
      ['sync', 'github', '--local', '--dryrun'],
      "error: unknown option '--dryrun'\n(Did you mean --dry-run?)",
    ],
    [['start', 'github', '--wiat'], "error: unknown option '--wiat'\n(Did you mean --wait?)"],
    [['status', '--limt', '3'], "error: unknown option '--limt'\n(Did you mean --limit?)"],
    [
      ['sync', 'gihub', '--local'],
      "error: command-argument value 'gihub' is invalid for argument 'provider'",
    ],
    [
      ['status', '--limit', '0'],
      "error: option '--limit <n>' argument '0' is invalid. expected a whole number",
    ],
    [
      ['sync', 'github', '--local', '--rps', 'fast'],
      "argument 'fast' is invalid. expected a positive number",
    ],
    [['start', 'github', '--output', 'yaml'], "argument 'yaml' is invalid. Allowed choices are text, json"],
    [['plan'], "error: missing required argument 'provider'"],
    [['sync', 'github'], 'error: say where: --local (stand-ins on this machine) or --live'],
    [['sync', 'github', '--local', '--live'], 'error: --local or --live, not both'],
    [
      ['sync', 'github', '--live', '--fixture', 'org.json', '--rps', '5'],
      'error: --fixture, --rps are for --local runs: a live run reads the real source and Identity Store',
    ],
    [['sync', 'entra', '--local', '--apply'], 'error: --apply is for --live runs'],
    [['sync', 'github', '--live', '--apply', '--dry-run'], 'error: --apply or --dry-run, not both'],
    [
      ['sync', 'github', '--live', '--secret-file', 'nope.json'],
      'error: --secret-file nope.json: no such file',
    ],
    [['doctor'], "error: missing required argument 'provider'"],
    [['doctor', 'gihub'], "error: command-argument value 'gihub' is invalid for argument 'provider'"],
    [['doctor', 'github', '--live', '--local'], 'error: --live or --local, not both'],
    [
      ['doctor', 'entra', '--local', '--profile', 'p'],
      'error: --region, --profile and --secret-file are for --live checks',
    ],
    [
      ['doctor', 'github', '--write-prob'],
      "error: unknown option '--write-prob'\n(Did you mean --write-probe?)",
    ],
    [[], 'Usage: scim-sync [options] [command]'],
  ])('%j is a usage error: exit 2, says what is wrong', async (argv, message) => {
    const r = await cli(argv);
    expect(r.stderr).toContain(message);
    expect(r.code).toBe(2);
  });

  it('file errors name the option, the file and the problem in one line', async () => {
    const truncated = join(dir, 'truncated.json');
    writeFileSync(truncated, '{"organisation": "example-org", "teams": [');
    const entra = join(__dirname, '..', '..', 'local', 'fixtures', 'entra-demo.json');
    const github = join(__dirname, '..', '..', 'local', 'fixtures', 'github-demo.json');
    const badTeam = join(dir, 'bad-team.json');
    writeFileSync(
      badTeam,
      JSON.stringify({ organisation: 'o', teams: [{ slug: 'a b', name: 'x', members: [] }] }),
    );
    const cases: [string[], RegExp][] = [
      [['--fixture', join(dir, 'nope.json')], /^error: --fixture \S+nope\.json: no such file\n$/],
      [['--fixture', truncated], /^error: --fixture \S+truncated\.json: is not valid JSON \(.+\)\n$/],
      [
        ['--fixture', entra],
        /^error: --fixture \S+entra-demo\.json is an Entra ID fixture, but `sync github` needs a GitHub organisation fixture/,
      ],
      [
        ['--fixture', badTeam],
        /^error: --fixture invalid \S+bad-team\.json: teams\.0\.slug: must be a team slug\n$/,
      ],
      [['--seed', join(dir, 'none.json')], /^error: --seed \S+none\.json: no such file\n$/],
      [
        ['--seed', github],
        /^error: --seed \S+github-demo\.json looks like a GitHub fixture: pass it as --fixture\n$/,
      ],
      [['--config', dir], /^error: --config \S+: is a folder, not a file\n$/],
      [['--input', '{"dryRun": tru'], /^error: --input value: is not valid JSON/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(['sync', 'github', '--local', ...args]);
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({
        args,
        code: 2,
        stderr: expect.stringMatching(message),
      });
      expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    }
    const wrongWay = await cli(['sync', 'entra', '--local', '--fixture', github]);
    expect(wrongWay.stderr).toMatch(/is a GitHub fixture, but `sync entra` needs an Entra ID tenant fixture/);
  });
});

describe('the deletion guard, locally', () => {
  // The store holds 10 GitHub users in team web; the organisation now has one of them.
  const users = Array.from({ length: 10 }, (_, i) => {
    const u = `user${i}@example.com`;
    return {
      UserName: u,
      DisplayName: u,
      Name: { GivenName: u, FamilyName: u },
      Emails: [{ Value: u, Type: 'work', Primary: true }],
    };
  });
  const args = () => {
    const seed = join(dir, 'seed.json');
    const fixture = join(dir, 'one.json');
    writeFileSync(
      seed,
      JSON.stringify({
        users,
        groups: [
          { DisplayName: 'web', Description: 'Managed by scim-sync from GitHub organisation example-org' },
        ],
        memberships: users.map((u) => ({ group: 'web', user: u.UserName })),
      }),
    );
    writeFileSync(
      fixture,
      JSON.stringify({
        organisation: 'example-org',
        teams: [{ slug: 'web', name: 'Web', members: ['user0'] }],
      }),
    );
    return ['--seed', seed, '--fixture', fixture, '--blob-dir', join(dir, 'blobs')];
  };

  it('a dry run lists every deletion, says a real run would stop, and exits 3', async () => {
    const r = await cli(['sync', 'github', '--local', '--dry-run', ...args()]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /^dry run: a real run would be stopped by the deletion guard \(the plan deletes 9 of 10 owned users/,
    );
    expect(r.stdout).toContain(
      'DELETION GUARD: a real run would be stopped: the plan deletes 9 of 10 owned users',
    );
    for (let i = 1; i < 10; i++)
      expect(r.stdout).toMatch(
        new RegExp(
          `user${i}@example\\.com +everything \\(user deleted\\): web +in no synced team any more: loses web +planned`,
        ),
      );

    const json = await cli(['report', 'github', '--local', '--json', '--blob-dir', join(dir, 'blobs')]);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as RunReport;
    expect(report).toMatchObject({ outcome: 'dry-run', dryRun: true, guard: { verdict: 'would-stop' } });
    expect(report.changes.filter((c) => c.op === 'deleteUser').map((c) => c.user)).toEqual(
      users.slice(1).map((u) => u.UserName),
    );
  });

  it('a real run stops with DeletionGuardError naming the leavers; its report has every deletion, as HTML too', async () => {
    const r = await cli(['sync', 'github', '--local', ...args()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^DeletionGuardError: deletion guard tripped for github: the plan deletes 9 of 10 owned users/,
    );
    expect(r.stderr).toContain('It would take access from 9 people: user1@example.com, user2@example.com');
    const table = await cli(['report', 'github', '--local', '--blob-dir', join(dir, 'blobs')]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^github run \S+: STOPPED by the deletion guard: nothing was changed\n/);
    expect(table.stdout).toContain('who loses access: 9 people, 9 removals');
    const html = join(dir, 'report.html');
    const written = await cli([
      'report',
      'github',
      '--local',
      '--html',
      html,
      '--blob-dir',
      join(dir, 'blobs'),
    ]);
    expect(written.code).toBe(0);
    const root = parse(readFileSync(html, 'utf8'));
    expect(root.querySelectorAll('#removals tbody tr.removal')).toHaveLength(9);
    expect(root.querySelector('#guard')?.text).toContain('Stopped by the deletion guard.');
  });

  it('report --local says when there is nothing to read', async () => {
    const r = await cli(['report', 'entra', '--local', '--blob-dir', join(dir, 'empty')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: no local run report of entra under \S+empty: run `scim-sync sync <provider> --local` first\n$/,
    );
  });
});
