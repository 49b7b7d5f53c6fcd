/**
 * `scim-sync doctor <github|entra> [--live | --local]`: a checklist of what a run needs, each ✓ or
 * ✗ with what to fix: the configuration parses; AWS credentials resolve (live); the secret exists,
 * has the right shape and when it expires; the provider (./github, ./entra); the Identity Store
 * (./aws). --live (the default) checks the real services, resolved as a live run resolves them
 * (local/live.ts); --local checks the stand-ins of a local run. Exit 1 when any check fails.
 */
import type { IdentitystoreClient } from '@aws-sdk/client-identitystore';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type Config, type ConfigInput, parseConfig } from '../../lambdas/core/config';
import type { Provider } from '../../lambdas/core/model';
import { makeIdentityStoreClient } from '../../lambdas/identitystore/client';
import { parseEntraSecret } from '../../lambdas/providers/entra/secret';
import { parseGithubSecret } from '../../lambdas/providers/github/secret';
import { LOCAL_REGION } from '../../local/aws';
import { type LocalEnvironment, loadConfigInput, startLocalEnvironment } from '../../local/environment';
import { endpointInWords, LiveAws } from '../../local/live';
import { LOCAL_CREDENTIALS } from '../../local/runner';
import { explainAwsError, type Io, processIo } from '../aws/client';
import { loadConfigFile, UsageError } from '../files';
import { readSecretFile } from '../live';
import { identityStoreChecks, secretChecks } from './aws';
import { entraChecks } from './entra';
import { githubChecks } from './github';
import { type Check, checklistLines, fail, ok, skip } from './report';

export interface DoctorOptions {
  live?: boolean;
  local?: boolean;
  config?: string;
  region?: string;
  profile?: string;
  secretFile?: string;
  writeProbe?: boolean;
  json?: boolean;
}

interface Target {
  config: Config;
  region: string;
  secrets: SecretsManagerClient;
  secretSource: string;
  identityStore: IdentitystoreClient;
  close(): Promise<void>;
}

function configCheck(p: Provider, input: ConfigInput, where: string): { check: Check; config?: Config } {
  let config: Config;
  try {
    config = parseConfig(input, where);
  } catch (err) {
    return {
      check: fail('configuration', (err as Error).message, 'fix the key it names (docs/configuration.md)'),
    };
  }
  const section = config.providers[p];
  if (!section)
    return {
      check: fail(
        'configuration',
        `${where} has no providers.${p} section`,
        `add providers.${p} (docs/configuration.md)`,
      ),
    };
  const what =
    p === 'github'
      ? `organisation ${config.providers.github!.organisation}`
      : `groups starting with ${config.providers.entra!.groupPrefix}`;
  return {
    check: ok(
      'configuration',
      `${where}: Identity Store ${config.identityStoreId} in ${config.region}, ${what}`,
    ),
    config,
  };
}

async function localTarget(p: Provider, input: ConfigInput, checks: Check[]): Promise<Target> {
  const env: LocalEnvironment = await startLocalEnvironment({ config: input, providers: [p] });
  checks.push(
    ok(
      'local stand-ins',
      `an Identity Store emulator (${env.emulator.identityStoreId}), a fake ${p === 'github' ? 'GitHub' : 'Entra ID'} and Secrets Manager on 127.0.0.1 replace the services`,
    ),
  );
  const secrets = new SecretsManagerClient({
    endpoint: env.aws.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const identityStore = makeIdentityStoreClient({
    endpoint: env.emulator.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  return {
    config: env.config,
    region: LOCAL_REGION,
    secrets,
    secretSource: `the local Secrets Manager (${env.aws.endpoint})`,
    identityStore,
    close: async () => {
      secrets.destroy();
      identityStore.destroy();
      await env.close();
    },
  };
}

export async function doctorCommand(p: Provider, o: DoctorOptions, io: Io = processIo()): Promise<number> {
  if (o.live && o.local) throw new UsageError('--live or --local, not both');
  const local = Boolean(o.local);
  if (local && (o.region || o.profile || o.secretFile))
    throw new UsageError('--region, --profile and --secret-file are for --live checks');
  const secretText = o.secretFile ? readSecretFile(o.secretFile) : undefined;
  const input = o.config ? loadConfigFile(o.config) : loadConfigInput();
  const where = o.config ? `--config ${o.config}` : 'cdk.json "scimSync"';
  const checks: Check[] = [];
  const now = new Date();
  const first = configCheck(p, input, where);
  checks.push(first.check);
  let target: Target | undefined;
  if (first.config && local) target = await localTarget(p, input, checks);
  else if (first.config) {
    const aws = new LiveAws({
      config: first.config,
      ...(o.region ? { region: o.region } : {}),
      ...(o.profile ? { profile: o.profile } : {}),
    });
    let credentials: string | undefined;
    try {
      credentials = await aws.credentials();
      checks.push(ok('AWS credentials', `${credentials}, region ${aws.region}`));
    } catch (err) {
      checks.push(
        fail(
          'AWS credentials',
          explainAwsError(err, { region: aws.region, ...(o.profile ? { profile: o.profile } : {}) }),
          secretText === undefined
            ? 'log in, or pass --profile; with --secret-file FILE the provider checks run without AWS'
            : 'log in, or pass --profile',
        ),
      );
    }
    const name = first.config.providers[p]!.secretName;
    const secrets = aws.secrets(secretText !== undefined ? { name, text: secretText } : undefined);
    const identityStore = aws.identityStore();
    target = {
      config: first.config,
      region: aws.region,
      secrets,
      secretSource:
        secretText !== undefined
          ? `the file ${o.secretFile}`
          : `Secrets Manager ${endpointInWords('AWS_ENDPOINT_URL_SECRETS_MANAGER', aws.region)}`,
      identityStore,
      close: async () => {
        secrets.destroy();
        identityStore.destroy();
      },
    };
    if (!credentials && secretText === undefined) {
      checks.push(
        skip('the other checks', 'they need AWS credentials (or --secret-file for the provider checks)'),
      );
      await target.close();
      target = undefined;
    }
  }
  try {
    if (target) {
      const hasAws = checks.every((c) => c.name !== 'AWS credentials' || c.verdict === 'ok');
      const { config } = target;
      const secret = await secretChecks(p, config, target.secrets, target.secretSource, now);
      checks.push(...secret.checks);
      if (secret.value !== undefined && secret.info) {
        const section = config.providers[p]!;
        if (p === 'github')
          checks.push(
            ...(await githubChecks(
              config.providers.github!,
              parseGithubSecret(secret.value),
              section.secretName,
              now,
            )),
          );
        else checks.push(...(await entraChecks(config.providers.entra!, parseEntraSecret(secret.value))));
      } else checks.push(skip(p === 'github' ? 'GitHub checks' : 'Entra ID checks', 'they need the secret'));
      if (hasAws)
        checks.push(
          ...(await identityStoreChecks(config, target.identityStore, target.region, {
            writeProbe: Boolean(o.writeProbe),
            now,
          })),
        );
      else checks.push(skip('Identity Store checks', 'they need AWS credentials'));
    } else if (!first.config) checks.push(skip('the other checks', 'they need the configuration'));
  } finally {
    await target?.close();
  }
  const failed = checks.some((c) => c.verdict === 'fail');
  if (o.json)
    io.out(
      `${JSON.stringify({ provider: p, mode: local ? 'local' : 'live', ok: !failed, checks }, null, 2)}\n`,
    );
  else {
    io.out(
      `scim-sync doctor ${p} (${local ? 'local: the stand-ins of a local run' : 'live: the services the configuration names'})\n`,
    );
    io.out(`${checklistLines(checks).join('\n')}\n`);
  }
  return failed ? 1 : 0;
}
