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
