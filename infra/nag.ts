/**
 * The cdk-nag AwsSolutions findings this app accepts, each acknowledged on the construct it is
 * about (never stack-wide), with the reason. Anything else fails the synth.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { STEPS } from './asl';
import { S3_ACCESS } from './permissions';
import type { Alerting } from './alerting';
import type { ScimSyncFunction } from './functions';
import { type ProviderSync, syncName } from './provider-sync';
import type { SharedResources } from './shared';

export const REASONS = {
  S1:
    'The bucket holds transient run data only (snapshots, plans, batch results) that expires after 15 days; ' +
    'only the sync Lambdas, each limited by IAM to its provider prefix, use it. Object-level access can be ' +
    'audited with CloudTrail S3 data events if required; a second bucket for access logs is not worth it.',
  L1:
    'Pinned to nodejs22.x on purpose: the handlers are bundled (esbuild target node22) and tested for Node 22, ' +
    'an LTS release supported by Lambda. Moving to a newer runtime is a deliberate change after testing.',
  S3Prefix:
    'Run data keys are <provider>/<runId>/...; the run id is the execution name, known only at run time. ' +
    'The grant is limited to this provider prefix of the sync bucket (object ARN pattern).',
  IdentityStore:
    'Identity Store user, group and membership ARNs carry neither account nor store ' +
    '(arn:aws:identitystore:::user/<id>) and their ids are minted at run time; the same statement pins the ' +
    'store resource to the configured Identity Store ARN, so the grant only reaches that store.',
  StepFunctionsDelivery:
    'Resource * is required by the actions Step Functions needs for execution logging (logs:CreateLogDelivery, ' +
    'GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, ' +
    'DescribeResourcePolicies, DescribeLogGroups) and X-Ray tracing (xray:PutTraceSegments, PutTelemetryRecords, ' +
    'GetSamplingRules, GetSamplingTargets): none of them supports resource-level permissions.',
  SQS3:
    'This queue is itself the dead-letter queue of the EventBridge Scheduler schedule (cdk-nag only recognises ' +
    'DLQs named in an SQS redrive policy); a message in it raises the schedule-undelivered alarm.',
  AlertSQS3:
    'This queue is itself the dead-letter queue of the failure rule target and of the alert function (cdk-nag ' +
    'only recognises DLQs named in an SQS redrive policy); a message in it raises the alerts-dead-letters alarm.',
  XRay:
    'Every function is traced (Tracing.ACTIVE): CDK grants xray:PutTraceSegments and xray:PutTelemetryRecords, ' +
    'which do not support resource-level permissions, so their resource is *. No other action has it.',
  ExecutionHistory:
    'The alert function reads the history of the failed execution, whose name is known only at run time; the grant ' +
    'is limited to the executions of the scim-sync state machines (execution:<machine>:*).',
};

/** Acknowledges on the CloudFormation resource itself, so that nothing else inherits it. */
const ack = (scope: IConstruct, id: string, reason: string) =>
  Validations.of(scope.node.defaultChild ?? scope).acknowledge({ id, reason });

/** The AWS::IAM::Policy that CDK made for a role's statements. */
const policyOf = (role: iam.IRole): IConstruct => role.node.findChild('DefaultPolicy');

/** The IAM5 finding id cdk-nag reports for `<bucket ARN>/<provider>/*`. */
export function bucketPrefixFinding(bucket: s3.IBucket, provider: string): string {
  const logicalId = Stack.of(bucket).getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
  return `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/${provider}/*]`;
}

/** The findings every ScimSyncFunction has: its runtime pin, and the X-Ray actions of Tracing.ACTIVE. */
function acknowledgeFunction(f: ScimSyncFunction): void {
  ack(f.fn, 'AwsSolutions-L1', REASONS.L1);
  ack(policyOf(f.role), 'AwsSolutions-IAM5[Resource::*]', REASONS.XRay);
}

export function acknowledgeFindings(
  shared: SharedResources,
  syncs: ProviderSync[],
  alerting: Alerting,
): void {
  ack(shared.bucket, 'AwsSolutions-S1', REASONS.S1);
  for (const sync of syncs) {
    for (const step of STEPS) {
      const f = sync.functions[step];
      acknowledgeFunction(f);
      const policy = policyOf(f.role);
      if (S3_ACCESS[step]) ack(policy, bucketPrefixFinding(shared.bucket, sync.provider), REASONS.S3Prefix);
      if (step === 'FetchTarget' || step === 'ApplyBatch') {
        for (const kind of ['user', 'group', 'membership']) {
          const finding = `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:identitystore:::${kind}/*]`;
          ack(policy, finding, REASONS.IdentityStore);
        }
      }
    }
    ack(policyOf(sync.stateMachine.role), 'AwsSolutions-IAM5[Resource::*]', REASONS.StepFunctionsDelivery);
    ack(sync.deadLetterQueue, 'AwsSolutions-SQS3', REASONS.SQS3);
    ack(
      policyOf(alerting.alertFunction.role),
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${Stack.of(sync).region}:<AWS::AccountId>:execution:${syncName(sync.provider)}:*]`,
      REASONS.ExecutionHistory,
    );
  }
  acknowledgeFunction(alerting.alertFunction);
  ack(alerting.deadLetterQueue, 'AwsSolutions-SQS3', REASONS.AlertSQS3);
}
