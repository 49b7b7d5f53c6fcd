/**
 * The `scim-sync` command line, on commander: every command with its options, help and examples;
 * `--version`; "did you mean" for unknown commands and options; exit codes:
 *   0  the command (or run) succeeded
 *   1  the run or the command failed (the reason on stderr)
 *   2  the command line is wrong: unknown command or option, a bad value, a file that cannot be used
 *   3  a dry run whose plan a real run's deletion guard would stop (plan, start --dry-run --wait,
 *      sync --local --dry-run); every deletion is listed
 * Each command's behaviour lives in its own module; this file only parses and dispatches.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { CliError, type Io, type Parsed, processIo } from './aws/client';
import { UsageError } from './files';
import { examples, numberArg, PROVIDERS, provider } from './options';
import { addRunCommands } from './program-run';

export const VERSION = (
  JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }
).version;

function awsOptions(cmd: Command): Command {
  return cmd
    .option('--region <region>', "the stack's region (default: AWS_REGION, or your profile's)")
    .option('--profile <name>', 'AWS profile (default: AWS_PROFILE, or the usual credential chain)')
    .option('--endpoint-url <url>', 'Step Functions endpoint, e.g. the one `scim-sync local-aws` prints')
    .addOption(new Option('--endpoint <url>', 'same as --endpoint-url').hideHelp())
    .option('--state-machine-arn <arn>', 'use this state machine instead of finding scim-sync-<provider>')
    .addOption(new Option('--poll-ms <ms>', 'milliseconds between polls while following a run').hideHelp())
    .option('--json', 'machine-readable output only (same as --output json)')
    .addOption(new Option('--output <format>', 'output format').choices(['text', 'json']).default('text'));
}

/** commander's option values (camelCase) as the commands' Parsed values (kebab-case, as typed). */
function parsed(opts: Record<string, unknown>, positionals: (string | undefined)[]): Parsed {
  const values: Parsed['values'] = {};
  for (const [k, v] of Object.entries(opts)) {
    if (v === undefined || typeof v === 'object') continue;
    values[k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)] =
      typeof v === 'number' ? String(v) : (v as string | boolean);
  }
  if (opts.endpointUrl !== undefined) values.endpoint = String(opts.endpointUrl);
  values.json = Boolean(opts.json) || opts.output === 'json';
  return { values, positionals: positionals.filter((p): p is string => p !== undefined) };
}

export interface CliHooks {
  /** Long-running local commands (emulate, local-aws) run until this settles (tests). */
  until?: Promise<void>;
}

export function buildProgram(io: Io, hooks: CliHooks, setCode: (code: number) => void): Command {
  const run = (fn: () => Promise<number>) => async () => setCode(await fn());
  const program = new Command('scim-sync')
    .description(
      'Keeps IAM Identity Center (the Identity Store) in step with GitHub teams and Entra ID groups.\n' +
        'Local commands run the real state machine on this machine; AWS commands drive the deployed one.',
    )
    .version(VERSION, '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride()
    .showSuggestionAfterError(true)
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `\nExit codes: 0 done, 1 failed, 2 usage error, 3 dry run that a real run's deletion guard would stop.\nDocs: docs/runbook.md (operating), README.md (local runs).\n`,
    );

  addRunCommands(program, io, setCode);

  program
    .command('demo')
    .summary('what `npm start` runs: both providers synced locally, twice')
    .option('--quiet', 'no progress lines')
    .addHelpText('after', examples(['npm start', 'scim-sync demo --quiet']))
    .action(async (o: { quiet?: boolean }) => {
      const { demoCommand } = require('./demo') as typeof import('./demo');
      setCode(await demoCommand({ quiet: Boolean(o.quiet) }));
    });

  program
    .command('emulate')
    .summary('start the local Identity Store emulator')
    .description(
      'Starts the Identity Store emulator; prints {"endpoint","identityStoreId"} when ready and runs until interrupted.',
    )
    .option(
      '--port <port>',
      'port (default: a free one)',
      numberArg('a port number', (n) => Number.isInteger(n) && n >= 0 && n < 65536),
    )
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .option('--seed <file>', 'what the store holds at the start')
    .option(
      '--rps <n>',
      'request limit (throttles beyond it)',
      numberArg('a positive number', (n) => n > 0),
    )
    .option('--latency-ms <ms>', 'added latency of every call', numberArg('a number of milliseconds'))
    .option('--identity-store-id <id>', 'the store id (default: a random d-...)')
    .addHelpText(
      'after',
      examples([
        'scim-sync emulate --port 4566',
        'AWS_ENDPOINT_URL_IDENTITYSTORE=http://127.0.0.1:4566 aws identitystore list-users --identity-store-id <id>',
      ]),
    )
    .action(async (o: Record<string, unknown>) => {
      const { emulateCommand } =
        require('../local/identitystore/emulate-command') as typeof import('../local/identitystore/emulate-command');
      const { loadSeed } = require('./files') as typeof import('./files');
      setCode(
        await emulateCommand(
          {
            ...(o.port !== undefined ? { port: o.port as number } : {}),
            ...(o.host ? { host: String(o.host) } : {}),
            ...(o.identityStoreId ? { identityStoreId: String(o.identityStoreId) } : {}),
            ...(o.seed ? { seed: loadSeed(String(o.seed)) } : {}),
            ...(o.rps !== undefined ? { rps: o.rps as number } : {}),
            ...(o.latencyMs !== undefined ? { latencyMs: o.latencyMs as number } : {}),
          },
          io.out,
          ...(hooks.until ? [hooks.until] : []),
        ),
      );
    });

  awsOptions(
    program
      .command('start')
      .summary('start a run of the deployed state machine')
      .addArgument(provider(true))
      .option('--dry-run', 'plan and report, change nothing')
      .option('--allow-mass-deletion', 'go ahead even if the deletion guard trips')
      .option('--wait', 'follow the run to its end: progress, then the summary'),
  )
    .addHelpText(
      'after',
      examples([
        'scim-sync start github --wait',
        'scim-sync start entra --dry-run --wait',
        'scim-sync start github --allow-mass-deletion --wait --profile sso-admin --region eu-west-2',
      ]),
    )
    .action(async (p: string, o: Record<string, unknown>) => {
      const { startCommand } = require('./aws/start') as typeof import('./aws/start');
      await run(() => startCommand(parsed(o, [p]), io))();
    });

  awsOptions(
    program
      .command('plan')
      .summary('a dry run, then every change it would make as a table')
      .addArgument(provider(true)),
  )
    .addHelpText('after', examples(['scim-sync plan github', 'scim-sync plan entra --json > plan.json']))
    .action(async (p: string, o: Record<string, unknown>) => {
      const { planCommand } = require('./aws/start') as typeof import('./aws/start');
      await run(() => planCommand(parsed(o, [p]), io))();
    });

  awsOptions(
    program
      .command('status')
      .summary('the last runs: outcome, duration, counts, where and why failed runs failed')
      .addArgument(provider(false))
      .option(
        '--limit <n>',
        'runs per state machine (1 to 100)',
        numberArg('a whole number from 1 to 100', (n) => Number.isInteger(n) && n >= 1 && n <= 100),
        5,
      ),
  )
    .addHelpText('after', examples(['scim-sync status', 'scim-sync status github --limit 20 --json']))
    .action(async (p: string | undefined, o: Record<string, unknown>) => {
      const { statusCommand } = require('./aws/status') as typeof import('./aws/status');
      await run(() => statusCommand(parsed(o, [p]), io))();
    });

  awsOptions(
    program
      .command('redrive')
      .summary('re-drive a failed run from the state that failed (or say why not)')
      .argument('[execution]', 'an execution name (as status prints it), an ARN, or latest', 'latest')
      .addOption(new Option('--provider <provider>', 'the provider, for a name or latest').choices(PROVIDERS))
      .option('--wait', 'follow the re-driven run to its end')
      .option('--force', 'skip the plan-age and repeat-error checks'),
  )
    .addHelpText(
      'after',
      examples([
        'scim-sync redrive latest --provider github --wait',
        'scim-sync redrive manual-ann-20260301T101500Z-1a2b --provider github',
        'scim-sync redrive arn:aws:states:eu-west-2:111122223333:execution:scim-sync-github:manual-...',
      ]),
    )
    .action(async (x: string, o: Record<string, unknown>) => {
      const { redriveCommand } = require('./aws/redrive') as typeof import('./aws/redrive');
      await run(() => redriveCommand(parsed(o, [x]), io))();
    });

  awsOptions(
    program
      .command('report')
      .summary("a run's report: who loses and gains access, and why")
      .addArgument(provider(false))
      .option('--run <run>', 'an execution name, an ARN, or latest', 'latest')
      .option('--html <file>', 'write the HTML report to this file')
      .option('--local', 'a local run under .scim-sync/blobs (or --blob-dir) instead of AWS')
      .option('--blob-dir <dir>', 'with --local: where the local runs are'),
  )
    .addHelpText(
      'after',
      examples([
        'scim-sync report github',
        'scim-sync report github --run manual-ann-20260301T101500Z-1a2b --html report.html',
        'scim-sync report entra --json | jq \'.changes[] | select(.effect == "loses")\'',
        'scim-sync report --local',
      ]),
    )
    .action(async (p: string | undefined, o: Record<string, unknown>) => {
      const { reportCommand } = require('./report') as typeof import('./report');
      await run(() => reportCommand(parsed(o, [p]), io))();
    });

  program
    .command('local-aws')
    .summary('local mode for the AWS commands: the real state machine behind a local Step Functions')
    .description(
      'Serves a local Step Functions (and Secrets Manager) that runs the real state machine over the stand-ins; prints {"endpoint","region",...} when ready. Pass the endpoint to the AWS commands with --endpoint-url.',
    )
    .option(
      '--port <port>',
      'port (default: a free one)',
      numberArg('a port number', (n) => Number.isInteger(n) && n >= 0 && n < 65536),
    )
    .option('--config <file>', 'configuration (default: cdk.json)')
    .option('--seed <file>', 'what the Identity Store holds (default: the demo seed)')
    .option('--blob-dir <dir>', 'where plans, results and reports go (default .scim-sync/blobs/local-aws)')
    .addHelpText(
      'after',
      examples([
        'scim-sync local-aws --port 4599',
        'scim-sync start github --endpoint-url http://127.0.0.1:4599 --wait',
      ]),
    )
    .action(async (o: Record<string, unknown>) => {
      const { localAwsCommand } = require('./aws/local-aws') as typeof import('./aws/local-aws');
      const files = require('./files') as typeof import('./files');
      if (o.config) files.loadConfigFile(String(o.config));
      if (o.seed) files.loadSeed(String(o.seed));
      setCode(
        await localAwsCommand(
          {
            ...(o.port !== undefined ? { port: o.port as number } : {}),
            ...(o.config ? { config: String(o.config) } : {}),
            ...(o.seed ? { seed: String(o.seed) } : {}),
            ...(o.blobDir ? { blobDir: String(o.blobDir) } : {}),
          },
          io,
          ...(hooks.until ? [hooks.until] : []),
        ),
      );
    });
  return program;
}

/** Runs the command line `argv` (without the node and script paths); resolves to the exit code. */
export async function runCli(argv: string[], io: Io = processIo(), hooks: CliHooks = {}): Promise<number> {
  let code = 0;
  const program = buildProgram(io, hooks, (c) => {
    code = c;
  });
  if (argv.length === 0) {
    io.err(program.helpInformation());
    return 2;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
      if (err.code === 'commander.help') return err.exitCode === 0 ? 0 : 2;
      return 2;
    }
    if (err instanceof UsageError) {
      io.err(`error: ${err.message}\n`);
      return 2;
    }
    if (err instanceof CliError) {
      io.err(`error: ${err.message}\n`);
      return 1;
    }
    const e = err as Error;
    io.err(`${e?.name ?? 'Error'}: ${e?.message ?? String(err)}\n`);
    return 1;
  }
}
