/**
 * Synthesizes the app (infra/build.ts, exactly what infra/app.ts runs) with a test configuration.
 * Bundling is skipped unless asked for (esbuild-bundling 14 functions takes a while): only the
 * bundling test pays for it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { buildApp } from '../../infra/build';
import type { ScimSyncStack } from '../../infra/stack';

export const TEST_CONFIG = {
  identityStoreId: 'd-1234567890',
  region: 'eu-west-2',
  alarmEmails: ['identity-team@example.com', 'oncall@example.com'],
  providers: {
    github: {
      organisation: 'example-org',
      secretName: 'aws_saml',
      userNameSuffix: '@example.com',
      // The sync's own tests count its resources; test/infra/webhooks.test.ts, the cdk-nag and the
      // bundling tests synthesize the default (WEBHOOKS_CONFIG).
      webhooks: false,
    },
    entra: {
      secretName: 'entra_id_aws_connectivity_details',
    },
  },
};

/** TEST_CONFIG as deployed by default: with the GitHub webhook receiver and starter. */
export const WEBHOOKS_CONFIG = {
  ...TEST_CONFIG,
  providers: { ...TEST_CONFIG.providers, github: { ...TEST_CONFIG.providers.github, webhooks: true } },
};

/** Cloud assemblies of this test file, removed when it is done. */
const outdirs: string[] = [];
afterAll(() => {
  for (const d of outdirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

export interface Synth {
  app: App;
  stack: ScimSyncStack;
  assembly: CloudAssembly;
  template: Template;
  /** The template as plain JSON. */
  json: {
    Resources: Record<
      string,
      { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }
    >;
  };
}

export interface SynthOptions {
  /** Bundle the functions with esbuild (slow); otherwise bundling is skipped. */
  bundle?: boolean;
  /**
   * Run CDK's built-in CloudFormation template validation (on in `cdk synth`; it takes several
   * seconds, so only the cdk-nag test file turns it on).
   */
  cfnValidation?: boolean;
  context?: Record<string, unknown>;
}

export function synth(config: unknown = TEST_CONFIG, opts: SynthOptions = {}): Synth {
  const outdir = mkdtempSync(join(tmpdir(), 'scim-sync-cdk-'));
  outdirs.push(outdir);
  const app = new App({
    outdir,
    builtinCloudFormationValidation: opts.cfnValidation ?? false,
    context: {
      scimSync: config,
      // As the CLI does: resources carry their construct path and asset location.
      'aws:cdk:enable-path-metadata': true,
      'aws:cdk:enable-asset-metadata': true,
      ...(opts.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...opts.context,
    },
  });
  const stack = buildApp(app);
  const assembly = app.synth();
  const json = assembly.getStackArtifact(stack.artifactId).template;
  return { app, stack, assembly, template: Template.fromJSON(json), json };
}

/** The validation report the synth wrote into the cloud assembly (cdk-nag findings are in it). */
export function validationReport(assembly: CloudAssembly): {
  pluginReports: {
    pluginName: string;
    conclusion: string;
    violations: { ruleName: string; severity: string }[];
  }[];
} {
  return JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8'));
}
