/**
 * What the provider syncs share: the bucket for run data (snapshots, plans, batches, results under
 * `<provider>/<runId>/`), the lease table (one run at a time per Identity Store: lambdas/core/lease.ts)
 * and the alert topic (encrypted with a key that CloudWatch, publishing alarms, may use; the alert
 * function publishes with its role).
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { LEASE_KEY_ATTRIBUTE } from '../lambdas/runtime/lease';

/**
 * Step Functions can redrive an execution for 14 days after it stopped, and a redrive needs the
 * run's plan and batches: objects live one day longer than that.
 */
export const RUN_DATA_EXPIRY_DAYS = 15;
export const ALERT_TOPIC_NAME = 'scim-sync-alerts';
import { LEASE_TABLE_NAME } from '../lambdas/core/lease';

export { LEASE_TABLE_NAME };

export interface SharedResourcesProps {
  alarmEmails: string[];
}

export class SharedResources extends Construct {
  readonly bucket: s3.Bucket;
  readonly leaseTable: dynamodb.Table;
  readonly alertKey: kms.Key;
  readonly alertTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: SharedResourcesProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'RunData', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: false,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'expire-run-data-after-redrive-window',
          enabled: true,
          expiration: Duration.days(RUN_DATA_EXPIRY_DAYS),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });

    // One small item per Identity Store, changed only by conditional writes. Point-in-time recovery
    // keeps the record of which execution applied last; the item is re-created by the next run.
    this.leaseTable = new dynamodb.Table(this, 'LeaseTable', {
      tableName: LEASE_TABLE_NAME,
      partitionKey: { name: LEASE_KEY_ATTRIBUTE, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.alertKey = new kms.Key(this, 'AlertKey', {
      alias: 'alias/scim-sync-alerts',
      description: 'scim-sync: encrypts the alert topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.alertTopic = new sns.Topic(this, 'AlertTopic', {
      topicName: ALERT_TOPIC_NAME,
      displayName: 'scim-sync alerts',
      masterKey: this.alertKey,
      enforceSSL: true,
    });
    // CloudWatch alarms publish as the CloudWatch service: it needs the topic and the key.
    const account = Stack.of(this).account;
    const cloudwatch = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    this.alertTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [cloudwatch],
        actions: ['sns:Publish'],
        resources: [this.alertTopic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );
    this.alertKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsUseKey',
        principals: [cloudwatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );
    for (const email of props.alarmEmails) {
      this.alertTopic.addSubscription(new subscriptions.EmailSubscription(email));
    }
  }
}
