/**
 * Local mode for the AWS commands: the stand-ins (Identity Store emulator, fake GitHub, fake Graph,
 * Secrets Manager and Step Functions) and a LocalRunner for every configured provider, so that
 * `scim-sync start|plan|status|redrive --endpoint <endpoint>` run the real state machine locally.
 *
 * StartExecution and RedriveExecution answer at once; the execution runs in the background and the
 * CLI follows it with DescribeExecution and GetExecutionHistory, as on AWS.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigInput } from '../lambdas/core/config';
import { LOCAL_REGION } from './aws';
import {
  DEMO_SEED,
  type LocalEnvironment,
  type LocalEnvironmentOptions,
  loadConfigInput,
  startLocalEnvironment,
} from './environment';
import type { SeedFile } from './identitystore';
import { LocalRunner } from './runner';

export interface ServeOptions {
  /** The Step Functions (and Secrets Manager) stand-in's port; a free one when absent. */
  port?: number;
  /** A configuration file (the `scimSync` object); cdk.json's when absent. */
  configFile?: string;
  config?: ConfigInput;
  /** Identity Store seed file; the demo seed when absent. */
  seedFile?: string;
  /** Where plans and results go; .scim-sync/blobs/local-aws when absent. */
  blobDir?: string;
  /** Passed to the environment (fixtures, faults...). */
  environment?: Omit<LocalEnvironmentOptions, 'config' | 'seed'>;
}

export interface LocalStepFunctions {
  env: LocalEnvironment;
  runner: LocalRunner;
  /** The Step Functions endpoint for `--endpoint`. */
  endpoint: string;
  region: string;
  blobDir: string;
  close(): Promise<void>;
}

export async function serveLocalAws(opts: ServeOptions = {}): Promise<LocalStepFunctions> {
  const config = opts.config ?? loadConfigInput(opts.configFile);
  const seed = JSON.parse(readFileSync(opts.seedFile ?? DEMO_SEED, 'utf8')) as SeedFile;
  const env = await startLocalEnvironment({ ...opts.environment, config, seed });
  try {
    if (opts.port !== undefined) {
      // The environment listens on a free port; move the AWS stand-in to the one asked for.
      await env.aws.close();
      await env.aws.start(opts.port);
    }
    const blobDir = opts.blobDir ?? join(process.cwd(), '.scim-sync', 'blobs', 'local-aws');
    const runner = new LocalRunner(env, blobDir);
    return {
      env,
      runner,
      endpoint: env.aws.endpoint,
      region: LOCAL_REGION,
      blobDir,
      close: async () => {
        runner.close();
        await env.close();
      },
    };
  } catch (err) {
    await env.close();
    throw err;
  }
}
