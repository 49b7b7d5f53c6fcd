/** Builds the app from its context: validated configuration, the stack, cdk-nag's AwsSolutions checks. */
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { configFromContext, logLevelFromContext } from './config';
import { STACK_NAME, ScimSyncStack } from './stack';

export interface BuildOptions {
  /** The account to pin (the CLI passes CDK_DEFAULT_ACCOUNT); env-agnostic when undefined. */
  account?: string;
}

export function buildApp(app: App, options: BuildOptions = {}): ScimSyncStack {
  const config = configFromContext(app.node);
  const stack = new ScimSyncStack(app, STACK_NAME, {
    config,
    logLevel: logLevelFromContext(app.node),
    env: { region: config.region, ...(options.account ? { account: options.account } : {}) },
  });
  // cdk-nag 3 is a policy validation plugin: an unacknowledged error fails the synth, and every
  // finding is in the cloud assembly's validation report.
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true }),
  );
  return stack;
}
