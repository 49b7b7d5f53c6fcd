/**
 * The embedded default's stand-ins, started together on 127.0.0.1: the Identity Store emulator,
 * the fake GitHub, the fake Microsoft Graph (+ token endpoint), the local Secrets Manager and
 * Step Functions, and dynalite (a DynamoDB-compatible server) holding the lease table. Credentials are generated per environment and stored only in the local Secrets
 * Manager and the fakes; they are never printed.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Config, type ConfigInput, ConfigSchema, parseConfig } from '../lambdas/core/config';
import type { Provider } from '../lambdas/core/model';
import { LOCAL_REGION, LocalAws } from './aws';
import { type LocalDynamo, startLocalDynamo } from './dynamodb';
import { type FakeGithub, type GithubFixture, loadGithubFixture, startFakeGithub } from './github';
import { type EntraFixture, type FakeGraph, loadEntraFixture, startFakeGraph } from './graph';
import {
  type FaultOptions,
  type IdentityStoreEmulator,
  type SeedFile,
  startIdentityStoreEmulator,
} from './identitystore';

export const FIXTURES_DIR = join(__dirname, 'fixtures');
export const DEMO_FIXTURES: Record<Provider, string> = {
  github: join(FIXTURES_DIR, 'github-demo.json'),
  entra: join(FIXTURES_DIR, 'entra-demo.json'),
};
export const DEMO_SEED = join(FIXTURES_DIR, 'identitystore-demo-seed.json');

/** Used when cdk.json has no `scimSync` context and no --config is given. */
const FALLBACK_CONFIG: ConfigInput = {
  identityStoreId: 'd-1234567890',
  region: 'eu-west-2',
  providers: {
    github: { organisation: 'example-org', secretName: 'aws_saml', userNameSuffix: '@example.com' },
    entra: { secretName: 'entra_id_aws_connectivity_details' },
  },
};

/** The configuration object local runs use: --config FILE, else cdk.json's `scimSync` context. */
export function loadConfigInput(file?: string): ConfigInput {
  if (file) return JSON.parse(readFileSync(file, 'utf8')) as ConfigInput;
  const cdkJson = join(__dirname, '..', 'cdk.json');
  if (existsSync(cdkJson)) {
    const ctx = (JSON.parse(readFileSync(cdkJson, 'utf8')) as { context?: { scimSync?: ConfigInput } })
      .context;
    if (ctx?.scimSync) return ctx.scimSync;
  }
  return FALLBACK_CONFIG;
}

export interface LocalEnvironmentOptions {
  /**
   * The whole configuration: every provider's section stays in it (each provider's ownership rules
   * are derived from all of them, exactly as in the deployed Lambdas).
   */
  config?: ConfigInput;
  /** The providers to start stand-ins for (default: every configured one). */
  providers?: Provider[];
  fixtures?: Partial<Record<Provider, string | GithubFixture | EntraFixture>>;
  seed?: SeedFile;
  rps?: number;
  /** The sync's own pace (identityStoreRps) instead of the configured one; at most `rps`. */
  identityStoreRps?: number;
  latencyMs?: number;
  faults?: FaultOptions;
  randomSeed?: number;
}

export interface LocalEnvironment {
  /** The configuration with the endpoints of the started providers pointing at stand-ins. */
  config: Config;
  /** The providers whose stand-ins run (their state machines exist locally). */
  providers: Provider[];
  /** No Identity Store limit was asked for: local clients do not pace themselves. */
  unpaced: boolean;
  emulator: IdentityStoreEmulator;
  aws: LocalAws;
  /** dynalite with the lease table. */
  dynamo: LocalDynamo;
  github?: FakeGithub;
  graph?: FakeGraph;
  /** Every secret value of this environment (for tests that check nothing leaks). */
  secretValues: string[];
  close(): Promise<void>;
}

export async function startLocalEnvironment(opts: LocalEnvironmentOptions = {}): Promise<LocalEnvironment> {
  const input = structuredClone(opts.config ?? loadConfigInput());
  const emulator = await startIdentityStoreEmulator({
    ...(opts.seed ? { seed: opts.seed } : {}),
    ...(opts.rps !== undefined ? { rps: opts.rps } : {}),
    ...(opts.latencyMs !== undefined ? { latencyMs: opts.latencyMs } : {}),
    ...(opts.faults ? { faults: opts.faults } : {}),
    ...(opts.randomSeed !== undefined ? { randomSeed: opts.randomSeed } : {}),
  });
  const aws = await new LocalAws().start();
  const closers: (() => Promise<void>)[] = [() => emulator.close(), () => aws.close()];
  let dynamo: LocalDynamo;
  try {
    dynamo = await startLocalDynamo(LOCAL_REGION);
  } catch (err) {
    await Promise.all(closers.map((c) => c()));
    throw err;
  }
  closers.push(() => dynamo.close());
  const secretValues: string[] = [];
  let github: FakeGithub | undefined;
  let graph: FakeGraph | undefined;
  try {
    input.identityStoreId = emulator.identityStoreId;
    // With an emulator limit the sync paces as deployed: the configured identityStoreRps (or the one
    // given), at most the limit (so a local run shows the production headroom); without one it runs
    // unpaced (the runner's clients ignore the pace, `unpaced`).
    if (opts.identityStoreRps !== undefined) input.identityStoreRps = opts.identityStoreRps;
    if (opts.rps !== undefined)
      input.identityStoreRps = Math.min(
        input.identityStoreRps ?? ConfigSchema.shape.identityStoreRps.parse(undefined),
        opts.rps,
      );
    const started = (opts.providers ?? (Object.keys(input.providers) as Provider[])).filter(
      (p) => input.providers[p],
    );
    if (input.providers.github && started.includes('github')) {
      const f = opts.fixtures?.github ?? DEMO_FIXTURES.github;
      const fixture = typeof f === 'string' ? loadGithubFixture(f) : (f as GithubFixture);
      const token = `ghp_local${randomBytes(18).toString('hex')}`;
      github = await startFakeGithub({ fixture, token });
      // A classic token with the scope the configuration needs (tests and doctor flip it).
      github.access.scopes = input.providers.github.useSamlIdentity ? ['admin:org'] : ['read:org'];
      closers.push(() => github!.close());
      input.providers.github = {
        ...input.providers.github,
        apiUrl: github.url,
        organisation: fixture.organisation,
      };
      aws.putSecret(input.providers.github.secretName, JSON.stringify({ github_token: token }));
      secretValues.push(token);
    }
    if (input.providers.entra && started.includes('entra')) {
      const f = opts.fixtures?.entra ?? DEMO_FIXTURES.entra;
      const fixture = typeof f === 'string' ? loadEntraFixture(f) : (f as EntraFixture);
      const creds = {
        tenantId: randomUUID(),
        clientId: randomUUID(),
        clientSecret: `local~${randomBytes(18).toString('base64url')}`,
      };
      graph = await startFakeGraph({ fixture, ...creds });
      closers.push(() => graph!.close());
      input.providers.entra = { ...input.providers.entra, graphUrl: graph.url, authorityHost: graph.url };
      aws.putSecret(
        input.providers.entra.secretName,
        JSON.stringify({
          tenant_id: creds.tenantId,
          client_id: creds.clientId,
          client_secret: creds.clientSecret,
        }),
      );
      secretValues.push(creds.clientSecret);
    }
    const config = parseConfig(input, 'local configuration');
    return {
      config,
      providers: started,
      unpaced: opts.rps === undefined,
      emulator,
      aws,
      dynamo,
      ...(github ? { github } : {}),
      ...(graph ? { graph } : {}),
      secretValues,
      close: async () => {
        await Promise.all(closers.map((c) => c()));
      },
    };
  } catch (err) {
    await Promise.all(closers.map((c) => c()));
    throw err;
  }
}
