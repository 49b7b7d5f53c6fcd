/**
 * `scim-sync local-aws [--port P] [--config FILE] [--seed FILE] [--blob-dir DIR]`: local mode for
 * the AWS commands (local/serve.ts). Prints one JSON line {"endpoint","region",...} when ready and
 * runs until SIGINT/SIGTERM; then `scim-sync start github --endpoint <endpoint> --wait` works.
 */
import { parseArgs } from 'node:util';
import { untilSignalled } from '../../local/http';
import { serveLocalAws } from '../../local/serve';
import { type Io, processIo } from './client';

export const LOCAL_AWS_USAGE =
  'usage: scim-sync local-aws [--port P] [--config FILE] [--seed FILE] [--blob-dir DIR]';

export async function localAwsCommand(
  argv: string[],
  io: Io = processIo(),
  until: Promise<void> = untilSignalled(),
): Promise<number> {
  let values: { port?: string; config?: string; seed?: string; 'blob-dir'?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        config: { type: 'string' },
        seed: { type: 'string' },
        'blob-dir': { type: 'string' },
      },
    }));
  } catch (err) {
    io.err(`${(err as Error).message}\n${LOCAL_AWS_USAGE}\n`);
    return 2;
  }
  const port = values.port !== undefined ? Number(values.port) : undefined;
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) {
    io.err(`--port expects a port number, got ${values.port}\n`);
    return 2;
  }
  const local = await serveLocalAws({
    ...(port !== undefined ? { port } : {}),
    ...(values.config ? { configFile: values.config } : {}),
    ...(values.seed ? { seedFile: values.seed } : {}),
    ...(values['blob-dir'] ? { blobDir: values['blob-dir'] } : {}),
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') throw new Error(`port ${values.port} is in use: pick another --port`);
    throw err;
  });
  io.out(
    `${JSON.stringify({
      endpoint: local.endpoint,
      region: local.region,
      identityStoreEndpoint: local.env.emulator.endpoint,
      identityStoreId: local.env.emulator.identityStoreId,
      stateMachines: Object.keys(local.env.config.providers).map((p) => `scim-sync-${p}`),
    })}\n`,
  );
  await until;
  await local.close();
  return 0;
}
