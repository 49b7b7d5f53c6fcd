/**
 * The `scim-sync` command. Each sub-command lives in its own module and returns an exit code.
 */
const USAGE = `usage: scim-sync <command> [options]

commands:
  emulate [--port P] [--seed FILE] [--rps N] [--latency-ms N]
      start the local Identity Store emulator; prints {"endpoint","identityStoreId"} when ready
  sync <github|entra> --local [--config FILE] [--fixture FILE] [--seed FILE] [--dry-run] [--json]
       [--state-out FILE] [--rps N] [--fault-rate X] [--allow-mass-deletion] [--input JSON]
      run the real state machine on this machine against the local stand-ins
  demo
      what \`npm start\` runs: both providers synced locally twice into one emulated Identity Store

on AWS (the deployed scim-sync-<provider> state machines; region and credentials from the usual AWS
environment, or --region / --profile; --endpoint URL for a local stand-in, --json for machines):
  start <github|entra> [--dry-run] [--allow-mass-deletion] [--wait]
      start a run; prints the console link; --wait follows it and ends with the summary
  plan <github|entra>
      a dry run, then its changes as a table
  status [github|entra] [--limit N]
      the last runs: outcome, duration, counts, and where and why failed runs failed
  redrive <execution-arn | latest> [--provider P] [--wait] [--force]
      re-drive a failed run from the state that failed (or say why it cannot be)
  local-aws [--port P] [--config FILE] [--seed FILE]
      local mode for the commands above: prints {"endpoint","region"} for --endpoint when ready
`;

// Local tooling runs on Node 20; the Lambdas run on nodejs22.x.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'emulate': {
      // require (not import()): under tsx's require hooks (cli/bin.cjs) a dynamic import() is resolved by Node itself.
      const { emulateCommand } =
        require('../local/identitystore/emulate-command') as typeof import('../local/identitystore/emulate-command');
      return emulateCommand(rest);
    }
    case 'sync': {
      const { syncCommand } = require('./sync') as typeof import('./sync');
      return syncCommand(rest);
    }
    case 'start': {
      const { startCommand } = require('./aws/start') as typeof import('./aws/start');
      return startCommand(rest);
    }
    case 'plan': {
      const { planCommand } = require('./aws/start') as typeof import('./aws/start');
      return planCommand(rest);
    }
    case 'status': {
      const { statusCommand } = require('./aws/status') as typeof import('./aws/status');
      return statusCommand(rest);
    }
    case 'redrive': {
      const { redriveCommand } = require('./aws/redrive') as typeof import('./aws/redrive');
      return redriveCommand(rest);
    }
    case 'local-aws': {
      const { localAwsCommand } = require('./aws/local-aws') as typeof import('./aws/local-aws');
      return localAwsCommand(rest);
    }
    case 'demo': {
      const { demoCommand } = require('./demo') as typeof import('./demo');
      return demoCommand(rest);
    }
    case undefined:
    case '-h':
    case '--help':
      process.stdout.write(USAGE);
      return command === undefined ? 1 : 0;
    default:
      process.stderr.write(`unknown command: ${command}\n\n${USAGE}`);
      return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      const e = err as Error;
      process.stderr.write(`${e?.name ?? 'Error'}: ${e?.message ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
