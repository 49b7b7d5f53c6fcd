#!/usr/bin/env node
/**
 * The CDK app (cdk.json: "npx tsx infra/app.ts"). Configuration comes from the `scimSync` context
 * key (docs/configuration.md); an invalid configuration names the bad keys and exits non-zero.
 */
import { App } from 'aws-cdk-lib';
import { ConfigError } from '../lambdas/core/errors';
import { buildApp } from './build';

try {
  const app = new App();
  buildApp(app, { account: process.env.CDK_DEFAULT_ACCOUNT });
  app.synth();
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`\nscim-sync: ${err.message}\nSee docs/configuration.md.\n\n`);
    process.exit(1);
  }
  throw err;
}
