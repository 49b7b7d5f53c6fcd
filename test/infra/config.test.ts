/**
 * The app's configuration: read from the `scimSync` context key (cdk.json), overridable with
 * --context, validated with the one ConfigSchema; a bad configuration names the key and the CLI
 * exits non-zero. No synthesis here.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { configFromContext, logLevelFromContext, rawConfigFromContext } from '../../infra/config';
import { ConfigSchema, EntraConfigSchema, GithubConfigSchema } from '../../lambdas/core/config';
import { ConfigError } from '../../lambdas/core/errors';
import { TEST_CONFIG } from './support';

const ROOT = join(__dirname, '..', '..');
const withContext = (context: Record<string, unknown>) => configFromContext(new App({ context }).node);
const configError = (context: Record<string, unknown>): string => {
  try {
    withContext(context);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('cdk.json', () => {
  const cdkJson = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8'));

  test('runs the app with tsx, offline (no notices, no telemetry, no version reporting)', () => {
    expect(cdkJson.app).toBe('npx tsx infra/app.ts');
    expect(cdkJson.notices).toBe(false);
    expect(cdkJson.versionReporting).toBe(false);
    expect(cdkJson.context['cli-telemetry']).toBe(false);
  });

  test('holds a valid example configuration with both providers and the design defaults', () => {
    const config = withContext(cdkJson.context);
    expect(config).toMatchObject({
      identityStoreId: 'd-1234567890',
      region: 'eu-west-2',
      alarmEmails: [],
      schedulesEnabled: true,
      maxDeletionPercent: 10,
      planMaxAgeHours: 24,
      providers: {
        github: {
          organisation: 'example-org',
          secretName: 'aws_saml',
          schedule: 'cron(0 */6 * * ? *)',
          userNameSuffix: '@example.com',
          teamMembership: 'all',
        },
        entra: {
          secretName: 'entra_id_aws_connectivity_details',
          schedule: 'rate(2 hours)',
          groupPrefix: 'azure-aws-sso-',
          holdingGroup: 'azure-aws-sso-all-members',
          includeOwners: true,
          nestedGroups: true,
        },
      },
    });
  });
});

describe('configuration errors name the key', () => {
  test('a bad identityStoreId', () => {
    const message = configError({ scimSync: { ...TEST_CONFIG, identityStoreId: 'store-1' } });
    expect(message).toMatch(/identityStoreId: must be an Identity Store id/);
  });

  test('an unknown key, at the top and inside a provider', () => {
    const message = configError({
      scimSync: {
        ...TEST_CONFIG,
        alarmEmail: 'x@example.com',
        providers: { github: { ...TEST_CONFIG.providers.github, colour: 'blue' } },
      },
    });
    expect(message).toContain('Unrecognized key: "alarmEmail"');
    expect(message).toContain('providers.github: Unrecognized key: "colour"');
  });

  test('a bad schedule expression', () => {
    const message = configError({
      scimSync: { ...TEST_CONFIG, providers: { entra: { secretName: 's', schedule: 'every 2 hours' } } },
    });
    expect(message).toMatch(/providers\.entra\.schedule: must be an EventBridge Scheduler expression/);
  });

  test('no provider, and no configuration at all', () => {
    expect(configError({ scimSync: { ...TEST_CONFIG, providers: {} } })).toMatch(
      /providers: configure at least one/,
    );
    expect(configError({})).toMatch(/set the "scimSync" context key/);
  });

  test('the CLI prints the key and exits non-zero (before bundling anything)', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'scim-sync-cdk-'));
    const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), ['infra/app.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: {
        ...process.env,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({ scimSync: { ...TEST_CONFIG, identityStoreId: 'nope' } }),
      },
    });
    rmSync(outdir, { recursive: true, force: true });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'scim-sync: invalid cdk context "scimSync": identityStoreId: must be an Identity Store id',
    );
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
  });
});

describe('--context overrides', () => {
  test('the whole object as a JSON string (cdk synth -c scimSync=...)', () => {
    const config = withContext({ scimSync: JSON.stringify({ ...TEST_CONFIG, region: 'us-east-1' }) });
    expect(config.region).toBe('us-east-1');
  });

  test('dotted keys refine cdk.json (strings, numbers, booleans, arrays)', () => {
    const config = withContext({
      scimSync: TEST_CONFIG,
      'scimSync.providers.github.schedule': 'rate(1 hour)',
      'scimSync.applyConcurrency': '8',
      'scimSync.providers.entra.nestedGroups': 'false',
      'scimSync.alarmEmails': '["a@example.com"]',
    });
    expect(config.providers.github?.schedule).toBe('rate(1 hour)');
    expect(config.applyConcurrency).toBe(8);
    expect(config.providers.entra?.nestedGroups).toBe(false);
    expect(config.alarmEmails).toEqual(['a@example.com']);
    expect(TEST_CONFIG.providers.github).not.toHaveProperty('schedule'); // the base object is not mutated
  });

  test('an override is validated like the rest', () => {
    expect(configError({ scimSync: TEST_CONFIG, 'scimSync.maxDeletionPercent': '150' })).toMatch(
      /maxDeletionPercent/,
    );
    expect(configError({ scimSync: TEST_CONFIG, 'scimSync.identityStoreId.x': '1' })).toMatch(
      /scimSync\.identityStoreId\.x: identityStoreId is not an object/,
    );
  });

  test('a dotted key can add a provider', () => {
    const raw = rawConfigFromContext({
      scimSync: { ...TEST_CONFIG, providers: { github: TEST_CONFIG.providers.github } },
      'scimSync.providers.entra.secretName': 'entra',
    }) as { providers: Record<string, unknown> };
    expect(raw.providers.entra).toEqual({ secretName: 'entra' });
  });
});

describe('schedulesEnabled and the log level', () => {
  test('schedulesEnabled defaults to true, takes a boolean (-c scimSync.schedulesEnabled=false), nothing else', () => {
    expect(withContext({ scimSync: TEST_CONFIG }).schedulesEnabled).toBe(true);
    expect(
      withContext({ scimSync: TEST_CONFIG, 'scimSync.schedulesEnabled': 'false' }).schedulesEnabled,
    ).toBe(false);
    expect(configError({ scimSync: { ...TEST_CONFIG, schedulesEnabled: 'no' } })).toMatch(/schedulesEnabled/);
  });

  test('logLevel (-c logLevel=DEBUG) sets POWERTOOLS_LOG_LEVEL of every function; INFO by default; anything else is a ConfigError', () => {
    const level = (context: Record<string, unknown>) => logLevelFromContext(new App({ context }).node);
    expect(level({})).toBe('INFO');
    expect(level({ logLevel: 'debug' })).toBe('DEBUG');
    expect(() => level({ logLevel: 'LOUD' })).toThrow(/logLevel: must be one of DEBUG, INFO, WARN, ERROR/);
  });
});

describe('docs/configuration.md', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8');
  /** The table rows of one section: `| \`key\` | ...`. */
  const keysIn = (heading: string) => {
    const start = doc.indexOf(`\n## ${heading}\n`);
    const end = doc.indexOf('\n## ', start + 1);
    const section = doc.slice(start, end === -1 ? undefined : end);
    return [...section.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]).sort();
  };

  test.each([
    ['Top level', ConfigSchema.shape],
    ['`providers.github`', GithubConfigSchema.shape],
    ['`providers.entra`', EntraConfigSchema.shape],
  ])('documents every key of %s, and no other', (heading, shape) => {
    expect(keysIn(heading)).toEqual(Object.keys(shape).sort());
  });

  test('documents both secret formats and the permissions they need', () => {
    for (const key of [
      'github_token',
      'github_app_id',
      'github_app_private_key',
      'github_app_installation_id',
    ]) {
      expect(doc).toContain(`"${key}"`);
    }
    for (const key of ['tenant_id', 'client_id', 'client_secret', 'client_secret_expires_at']) {
      expect(doc).toContain(`"${key}"`);
    }
    for (const permission of [
      'read:org',
      'admin:org',
      'Members (read)',
      'GroupMember.Read.All',
      'User.Read.All',
    ]) {
      expect(doc).toContain(permission);
    }
  });
});
