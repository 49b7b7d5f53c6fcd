/**
 * The commands that run the state machine or check the set-up on this machine: `sync` (--local
 * against the stand-ins, --live against the real services) and `doctor`. cli/program.ts adds them.
 */
import { type Command, Option } from 'commander';
import type { Provider } from '../lambdas/core/model';
import type { Io } from './aws/client';
import { examples, numberArg, provider } from './options';

export function addRunCommands(program: Command, io: Io, setCode: (code: number) => void): void {
  program
    .command('sync')
    .summary('run the real state machine on this machine: against local stand-ins, or live')
    .description(
      'One run of statemachines/sync.asl.json on this machine, with the real handlers and SDK clients.\n\n' +
        '--local: against an Identity Store emulator and a fake GitHub or Entra ID (demo fixtures unless given); it applies unless --dry-run.\n\n' +
        '--live: against the real GitHub organisation or Entra ID tenant and the real Identity Store, as the configuration names them, with the usual AWS credentials and the secret from Secrets Manager (or --secret-file); a dry run unless --apply. Run data and the report go under .scim-sync/ unless --bucket.',
    )
    .addArgument(provider(true))
    .option('--local', 'against local stand-ins')
    .option('--live', 'against the real services, without deploying (a dry run unless --apply)')
    .option('--config <file>', 'configuration (the scimSync object, or a cdk.json); default: cdk.json')
    .option(
      '--fixture <file>',
      "--local: the provider's data, a GitHub organisation or Entra ID tenant fixture",
    )
    .option('--seed <file>', '--local: what the Identity Store holds before the run')
    .option('--dry-run', 'plan and report, change nothing (what --live does unless --apply)')
    .option('--apply', '--live: apply the plan to the real Identity Store')
    .option('--allow-mass-deletion', 'go ahead even if the deletion guard trips')
    .option('--input <json>', '--local: the execution input as JSON, e.g. {"dryRun": true}')
    .option('--region <region>', "--live: the Identity Store's region (default: the configuration's region)")
    .option('--profile <name>', '--live: AWS profile (default: AWS_PROFILE, or the usual credential chain)')
    .option(
      '--secret-file <file>',
      '--live: the provider secret (its JSON) from this file instead of Secrets Manager; never printed',
    )
    .option(
      '--bucket <name>',
      '--live: keep run data and the report in this S3 bucket instead of .scim-sync/',
    )
    .option(
      '--lease-table <name>',
      "--live: the DynamoDB table of the Identity Store's run lease (default: the deployed scim-sync-lease)",
    )
    .option('--json', 'print only the run report, as JSON (same as --output json)')
    .addOption(new Option('--output <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--state-out <file>', '--local: write the Identity Store after the run to this file')
    .option(
      '--rps <n>',
      "--local: the emulator's request limit; the sync paces as deployed (identityStoreRps, at most this)",
      numberArg('a positive number', (n) => n > 0),
    )
    .option(
      '--latency-ms <ms>',
      '--local: added latency of every emulator call',
      numberArg('a number of milliseconds'),
    )
    .option(
      '--fault-rate <x>',
      '--local: share of emulator calls that are throttled (0 to 1)',
      numberArg('a number from 0 to 1', (n) => n >= 0 && n <= 1),
    )
    .option('--blob-dir <dir>', 'where plans, results and reports go (default .scim-sync/blobs)')
    .addHelpText(
      'after',
      examples([
        'scim-sync sync github --local --dry-run',
        'scim-sync sync entra --local --json > report.json',
        'scim-sync sync github --local --seed store.json --fixture org.json --state-out after.json',
        'scim-sync sync entra --local --rps 20 --latency-ms 30 --fault-rate 0.2',
        'scim-sync sync github --live --profile sso-admin                 # what it would change, for real',
        'scim-sync sync entra --live --secret-file entra-secret.json      # the secret from a file, not AWS',
        'scim-sync sync github --live --apply                             # apply it, guarded and paced as deployed',
      ]),
    )
    .action(async (p: Provider, o: Record<string, unknown>) => {
      const { syncCommand } = require('./sync') as typeof import('./sync');
      const str = (k: string) => (o[k] !== undefined ? { [k]: String(o[k]) } : {});
      setCode(
        await syncCommand(
          p,
          {
            local: Boolean(o.local),
            live: Boolean(o.live),
            ...str('config'),
            ...str('fixture'),
            ...str('seed'),
            dryRun: Boolean(o.dryRun),
            apply: Boolean(o.apply),
            allowMassDeletion: Boolean(o.allowMassDeletion),
            ...str('input'),
            json: Boolean(o.json) || o.output === 'json',
            ...str('stateOut'),
            ...(o.rps !== undefined ? { rps: o.rps as number } : {}),
            ...(o.latencyMs !== undefined ? { latencyMs: o.latencyMs as number } : {}),
            ...(o.faultRate !== undefined ? { faultRate: o.faultRate as number } : {}),
            ...str('blobDir'),
            ...str('region'),
            ...str('profile'),
            ...str('secretFile'),
            ...str('bucket'),
            ...str('leaseTable'),
          },
          io,
        ),
      );
    });

  program
    .command('doctor')
    .summary(
      'check the set-up: configuration, secret, GitHub or Entra ID, Identity Store (✓ or ✗ with the fix)',
    )
    .description(
      'A checklist of what a run needs, each ✓ or ✗ with what to fix.\n\n' +
        'The configuration parses; the secret exists, has the right shape (no value is printed) and when it expires; GitHub: the token or App authenticates, has the scopes or permissions the reads need, reaches the organisation, is SAML-authorised, and the SAML identity provider is there when useSamlIdentity needs it; Entra ID: a token is issued, the Graph application permissions have admin consent, the prefixed groups are found; Identity Store: the id resolves and the reads are allowed (writes only with --write-probe).\n\n' +
        '--live (the default): the real services, reached as `sync --live` reaches them. --local: the stand-ins of a local run. Exits 1 when a check fails.',
    )
    .addArgument(provider(true))
    .option('--live', 'check the real services (the default)')
    .option('--local', 'check the local stand-ins instead')
    .option('--config <file>', 'configuration (the scimSync object, or a cdk.json); default: cdk.json')
    .option('--region <region>', "the Identity Store's region (default: the configuration's region)")
    .option('--profile <name>', 'AWS profile (default: AWS_PROFILE, or the usual credential chain)')
    .option('--secret-file <file>', 'check the provider secret in this file instead of Secrets Manager')
    .option(
      '--write-probe',
      'also check Identity Store writes: creates and deletes one group named scim-sync-doctor-probe-<time>',
    )
    .option('--json', 'the checks as JSON (same as --output json)')
    .addOption(new Option('--output <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText(
      'after',
      examples([
        'scim-sync doctor github',
        'scim-sync doctor entra --profile sso-admin --write-probe',
        'scim-sync doctor github --secret-file github-secret.json   # a token you hold, before storing it',
        'scim-sync doctor entra --local',
      ]),
    )
    .action(async (p: Provider, o: Record<string, unknown>) => {
      const { doctorCommand } = require('./doctor') as typeof import('./doctor');
      const str = (k: string) => (o[k] !== undefined ? { [k]: String(o[k]) } : {});
      setCode(
        await doctorCommand(
          p,
          {
            live: Boolean(o.live),
            local: Boolean(o.local),
            ...str('config'),
            ...str('region'),
            ...str('profile'),
            ...str('secretFile'),
            writeProbe: Boolean(o.writeProbe),
            json: Boolean(o.json) || o.output === 'json',
          },
          io,
        ),
      );
    });
}
