/**
 * `scim-sync emulate [--port P] [--seed FILE] [--rps N] [--latency-ms N] [--identity-store-id ID]`:
 * starts the emulator, prints one JSON line {"endpoint","identityStoreId"} when ready, and runs until
 * SIGINT/SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { untilSignalled } from '../http';
import { type IdentityStoreEmulator, type SeedFile, startIdentityStoreEmulator } from './index';

const FLAGS = ['--port', '--seed', '--rps', '--latency-ms', '--identity-store-id', '--host'] as const;
type Flag = (typeof FLAGS)[number];

function parseArgs(argv: string[]): Partial<Record<Flag, string>> {
  const out: Partial<Record<Flag, string>> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [name, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg];
    if (!(FLAGS as readonly string[]).includes(name ?? '')) throw new Error(`unknown option: ${arg}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`missing value for ${name}`);
    out[name as Flag] = value;
  }
  return out;
}

function numberFlag(args: Partial<Record<Flag, string>>, flag: Flag): number | undefined {
  const v = args[flag];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${flag} expects a non-negative number, got ${v}`);
  return n;
}

export async function emulateCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const seedFile = args['--seed'];
  const seed = seedFile ? (JSON.parse(readFileSync(seedFile, 'utf8')) as SeedFile) : undefined;
  const emulator: IdentityStoreEmulator = await startIdentityStoreEmulator({
    port: numberFlag(args, '--port') ?? 0,
    host: args['--host'],
    identityStoreId: args['--identity-store-id'],
    seed,
    rps: numberFlag(args, '--rps') || undefined,
    latencyMs: numberFlag(args, '--latency-ms'),
  });
  process.stdout.write(
    `${JSON.stringify({ endpoint: emulator.endpoint, identityStoreId: emulator.identityStoreId })}\n`,
  );
  await untilSignalled();
  await emulator.close();
  return 0;
}
