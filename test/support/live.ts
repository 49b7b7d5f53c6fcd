/**
 * Stand-ins for live mode and doctor, pointed at the way a person points them at real services: a
 * configuration file whose apiUrl / graphUrl / authorityHost / identityStoreId name the fakes, and
 * AWS_ENDPOINT_URL_IDENTITYSTORE / AWS_ENDPOINT_URL_SECRETS_MANAGER / AWS_ENDPOINT_URL_DYNAMODB naming
 * the emulator, the local Secrets Manager and dynalite (the lease table) (credentials: test/setup-env.ts's dummy keys, through the SDK's provider chain).
 * The CLI runs in process, with its output captured.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Io } from '../../cli/aws/client';
import { runCli } from '../../cli/program';
import type { Config } from '../../lambdas/core/config';
import {
  type LocalEnvironment,
  type LocalEnvironmentOptions,
  startLocalEnvironment,
} from '../../local/environment';
import { WRITE_OPERATIONS } from '../../local/identitystore';

export interface LiveStandIns {
  env: LocalEnvironment;
  dir: string;
  /** The configuration file (the stand-ins' endpoints and store id). */
  configFile: string;
  /** Writes the configuration with a change (a wrong store id, another prefix) to a new file. */
  configWith(patch: (c: Config) => void): string;
  /** Successful Identity Store writes since the emulator's last resetCounts(). */
  writes(): number;
  close(): Promise<void>;
}

const VARS = [
  'AWS_ENDPOINT_URL_IDENTITYSTORE',
  'AWS_ENDPOINT_URL_SECRETS_MANAGER',
  'AWS_ENDPOINT_URL_DYNAMODB',
] as const;

export async function startLiveStandIns(
  opts: LocalEnvironmentOptions & { provider: 'github' | 'entra' },
): Promise<LiveStandIns> {
  const { provider, ...rest } = opts;
  const env = await startLocalEnvironment({ ...rest, providers: [provider] });
  const dir = mkdtempSync(join(tmpdir(), 'scim-sync-live-'));
  let n = 0;
  const write = (c: Config) => {
    const file = join(dir, `config-${n++}.json`);
    writeFileSync(file, JSON.stringify(c));
    return file;
  };
  const saved = Object.fromEntries(VARS.map((v) => [v, process.env[v]]));
  process.env.AWS_ENDPOINT_URL_IDENTITYSTORE = env.emulator.endpoint;
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = env.aws.endpoint;
  // The run lease: the stand-ins' DynamoDB, whose table is named as the deployed one.
  process.env.AWS_ENDPOINT_URL_DYNAMODB = env.dynamo.endpoint;
  return {
    env,
    dir,
    configFile: write(env.config),
    configWith: (patch) => {
      const c = structuredClone(env.config);
      patch(c);
      return write(c);
    },
    writes: () => WRITE_OPERATIONS.reduce((sum, op) => sum + env.emulator.counts()[op].succeeded, 0),
    close: async () => {
      for (const v of VARS) {
        if (saved[v] === undefined) delete process.env[v];
        else process.env[v] = saved[v];
      }
      await env.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs the command line in process; returns the exit code and both streams. */
export async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (s) => out.push(s), err: (s) => err.push(s), isTTY: false };
  const code = await runCli(argv, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}
