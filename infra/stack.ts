/**
 * The one stack: shared resources, one ProviderSync per configured provider (an absent provider
 * is not deployed), and the alerting that watches them.
 */
import { Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { Config } from '../lambdas/core/config';
import { PROVIDERS, type Provider } from '../lambdas/core/model';
import { Alerting } from './alerting';
import { DEFAULT_LOG_LEVEL, type LogLevel } from './functions';
import { acknowledgeFindings } from './nag';
import { ProviderSync } from './provider-sync';
import { SharedResources } from './shared';

export const STACK_NAME = 'ScimSync';

/** Construct ids of the provider syncs (they appear in logical ids and the console). */
export const PROVIDER_IDS: Record<Provider, string> = { github: 'GitHubSync', entra: 'EntraSync' };

export interface ScimSyncStackProps extends StackProps {
  config: Config;
  /** POWERTOOLS_LOG_LEVEL of every function (the `logLevel` context key). */
  logLevel?: LogLevel;
}

export class ScimSyncStack extends Stack {
  readonly shared: SharedResources;
  readonly syncs: ProviderSync[];
  readonly alerting: Alerting;

  constructor(scope: Construct, id: string, props: ScimSyncStackProps) {
    super(scope, id, {
      description:
        'scim-sync: keeps the IAM Identity Center Identity Store in step with GitHub teams and Entra ID groups',
      ...props,
    });
    const { config } = props;
    const logLevel = props.logLevel ?? DEFAULT_LOG_LEVEL;
    this.shared = new SharedResources(this, 'Shared', { alarmEmails: config.alarmEmails });
    this.syncs = PROVIDERS.filter((p) => config.providers[p]).map(
      (provider) =>
        new ProviderSync(this, PROVIDER_IDS[provider], {
          provider,
          config,
          bucket: this.shared.bucket,
          leaseTable: this.shared.leaseTable,
          logLevel,
        }),
    );
    this.alerting = new Alerting(this, 'Alerting', {
      topic: this.shared.alertTopic,
      topicKey: this.shared.alertKey,
      syncs: this.syncs,
      logLevel,
    });
    Tags.of(this).add('project', 'scim-sync');
    acknowledgeFindings(this.shared, this.syncs, this.alerting);
  }
}
