/**
 * `scim-sync local-aws [--port P] [--config FILE] [--seed FILE] [--blob-dir DIR]`: local mode for
 * the AWS commands (local/serve.ts). Prints one JSON line {"endpoint","region",...} when ready and
 * runs until SIGINT/SIGTERM; then `scim-sync start github --endpoint <endpoint> --wait` works.
 */
import { untilSignalled } from '../../local/http';
import { serveLocalAws } from '../../local/serve';
import { UsageError } from '../files';
import { type Io, processIo } from './client';

export interface LocalAwsOptions {
  port?: number;
  config?: string;
  seed?: string;
  blobDir?: string;
}

export async function localAwsCommand(
  values: LocalAwsOptions,
  io: Io = processIo(),
  until: Promise<void> = untilSignalled(),
): Promise<number> {
  const local = await serveLocalAws({
    ...(values.port !== undefined ? { port: values.port } : {}),
    ...(values.config ? { configFile: values.config } : {}),
    ...(values.seed ? { seedFile: values.seed } : {}),
    ...(values.blobDir ? { blobDir: values.blobDir } : {}),
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') throw new UsageError(`port ${values.port} is in use: pick another --port`);
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
