/**
 * The `scim-sync` command (cli/bin.cjs runs it through tsx; `npm start` runs `demo`). The command
 * line is cli/program.ts; each command lives in its own module.
 */
import { runCli } from './program';

// Local tooling runs on Node 20; the Lambdas run on nodejs22.x.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const main = (argv: string[]): Promise<number> => runCli(argv);

// `scim-sync ... | head`: a closed pipe ends the command quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

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
