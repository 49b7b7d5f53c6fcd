/**
 * `scim-sync emulate [--port P] [--host H] [--seed FILE] [--rps N] [--latency-ms N] [--identity-store-id ID]`:
 * starts the emulator, prints one JSON line {"endpoint","identityStoreId"} when ready, and runs until
 * SIGINT/SIGTERM (or `until` settles). The command line is parsed by cli/program.ts.
 */
import { untilSignalled } from '../http';
import { type IdentityStoreEmulator, type SeedFile, startIdentityStoreEmulator } from './index';

export interface EmulateOptions {
  port?: number;
  host?: string;
  identityStoreId?: string;
  seed?: SeedFile;
  rps?: number;
  latencyMs?: number;
}

export async function emulateCommand(
  o: EmulateOptions,
  write: (s: string) => void = (s) => process.stdout.write(s),
  until: Promise<void> = untilSignalled(),
): Promise<number> {
  const emulator: IdentityStoreEmulator = await startIdentityStoreEmulator({
    port: o.port ?? 0,
    host: o.host,
    identityStoreId: o.identityStoreId,
    seed: o.seed,
    rps: o.rps || undefined,
    latencyMs: o.latencyMs,
  });
  write(`${JSON.stringify({ endpoint: emulator.endpoint, identityStoreId: emulator.identityStoreId })}\n`);
  await until;
  await emulator.close();
  return 0;
}
