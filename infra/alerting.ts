/**
 * Alerts, all to the shared topic: an EventBridge rule on failed, timed-out or aborted executions
 * of any sync machine (with the error and a console link), and CloudWatch alarms per provider on
 * failed executions, undeliverable schedule starts, the metrics the Report and FetchSource steps
 * publish (namespace ScimSync, dimensions service + provider), and on syncs having stopped.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { Provider } from '../lambdas/core/model';
import { METRICS_NAMESPACE, SERVICE } from '../lambdas/runtime/powertools';
import type { ProviderSync } from './provider-sync';
import { scheduleIntervalSeconds } from './schedule-interval';

/** Days before a credential's expiry from which the alarm fires. */
export const CREDENTIAL_EXPIRY_ALARM_DAYS = 14;
export const FAILURE_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'];
export const FAILURE_RULE_NAME = 'scim-sync-execution-failed';
const DAY = 86_400;

/**
 * The alarm window for "within two schedule intervals": one period when it fits in a day, else
 * whole days (at most 7, CloudWatch's longest evaluation range). A one-time at(...) schedule has
 * no interval: its metric alarms look at one day.
 */
export function alarmWindow(scheduleExpression: string): {
  periodSeconds: number;
  evaluationPeriods: number;
} {
  const interval = scheduleIntervalSeconds(scheduleExpression);
  if (interval === undefined) return { periodSeconds: DAY, evaluationPeriods: 1 };
  const window = Math.ceil((2 * interval) / 60) * 60;
  if (window <= DAY) return { periodSeconds: window, evaluationPeriods: 1 };
  return { periodSeconds: DAY, evaluationPeriods: Math.min(7, Math.ceil(window / DAY)) };
}

export interface AlertingProps {
  topic: sns.ITopic;
  /** The topic's key: EventBridge needs it to publish. */
  topicKey: kms.IKey;
  syncs: ProviderSync[];
}

export class Alerting extends Construct {
  readonly failureRule: events.Rule;

  constructor(scope: Construct, id: string, props: AlertingProps) {
    super(scope, id);
    const { topic, topicKey, syncs } = props;
    const field = (path: string) => events.EventField.fromPath(path);
    const executionArn = field('$.detail.executionArn');
    const region = field('$.region');
    this.failureRule = new events.Rule(this, 'ExecutionFailed', {
      ruleName: FAILURE_RULE_NAME,
      description: 'A scim-sync execution failed, timed out or was aborted',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          status: FAILURE_STATUSES,
          stateMachineArn: syncs.map((s) => s.stateMachine.stateMachineArn),
        },
      },
    });
    const message = events.RuleTargetInput.fromText(
      [
        `scim-sync: execution ${field('$.detail.status')}`,
        `State machine: ${field('$.detail.stateMachineArn')}`,
        `Execution: ${executionArn}`,
        `Error: ${field('$.detail.error')}`,
        `Cause: ${field('$.detail.cause')}`,
        `Console: https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`,
        `Who loses access, and why (the run report): npx scim-sync report --run ${executionArn}`,
        'What to do: docs/runbook.md (a failed apply batch can be re-driven from the console).',
      ].join('\n'),
    );
    // Not aws-events-targets' SnsTopic: it lets every EventBridge rule (or, with a role, a wildcard
    // kms:GenerateDataKey* action) publish. Here only this rule may, with the two KMS actions it needs.
    this.failureRule.addTarget({ bind: () => ({ arn: topic.topicArn, input: message }) });
    const events_ = new iam.ServicePrincipal('events.amazonaws.com');
    // The rule's ARN from its fixed name: a reference would make key -> rule -> topic -> key a cycle.
    const ruleArn = Stack.of(this).formatArn({
      service: 'events',
      resource: 'rule',
      resourceName: FAILURE_RULE_NAME,
    });
    const fromThisRule = { ArnEquals: { 'aws:SourceArn': ruleArn } };
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'FailureRulePublishes',
        principals: [events_],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: fromThisRule,
      }),
    );
    topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'FailureRuleUsesKey',
        principals: [events_],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: fromThisRule,
      }),
    );
    const action = new actions.SnsAction(topic);
    for (const sync of syncs) {
      for (const alarm of this.providerAlarms(sync)) alarm.addAlarmAction(action);
    }
  }

  private providerAlarms(sync: ProviderSync): cloudwatch.Alarm[] {
    const p: Provider = sync.provider;
    const scope = new Construct(this, p);
    const { periodSeconds, evaluationPeriods } = alarmWindow(sync.scheduleExpression);
    const window = Duration.seconds(periodSeconds);
    const metric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: SERVICE, provider: p },
        statistic,
        period: window,
      });
    const sm = sync.stateMachine;
    const fiveMinutes = Duration.minutes(5);
    const alarms = [
      new cloudwatch.Alarm(scope, 'ExecutionsFailed', {
        alarmName: `scim-sync-${p}-executions-failed`,
        alarmDescription: `A ${p} sync execution failed, timed out or was aborted (see the alert email or the state machine's executions).`,
        metric: new cloudwatch.MathExpression({
          expression: 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)',
          usingMetrics: {
            failed: sm.metricFailed({ period: fiveMinutes, statistic: 'Sum' }),
            timedOut: sm.metricTimedOut({ period: fiveMinutes, statistic: 'Sum' }),
            aborted: sm.metricAborted({ period: fiveMinutes, statistic: 'Sum' }),
          },
          period: fiveMinutes,
          label: 'failed + timed out + aborted executions',
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(scope, 'ScheduleUndelivered', {
        alarmName: `scim-sync-${p}-schedule-undelivered`,
        alarmDescription: `The ${p} schedule could not start an execution; the failed attempts are in the dead-letter queue ${sync.deadLetterQueue.queueName}.`,
        metric: sync.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: fiveMinutes,
          statistic: 'Maximum',
        }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(scope, 'CredentialExpiring', {
        alarmName: `scim-sync-${p}-credential-expiring`,
        alarmDescription: `The ${p} credential expires in less than ${CREDENTIAL_EXPIRY_ALARM_DAYS} days: rotate it (docs/runbook.md#rotating-secrets).`,
        metric: metric('CredentialDaysToExpiry', 'Minimum'),
        threshold: CREDENTIAL_EXPIRY_ALARM_DAYS,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(scope, 'Conflicts', {
        alarmName: `scim-sync-${p}-conflicts`,
        alarmDescription: `The ${p} sync reported conflicts (users or groups it may not change); see the run summary.`,
        metric: metric('ConflictsReported', 'Sum'),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(scope, 'FailedOperations', {
        alarmName: `scim-sync-${p}-failed-operations`,
        alarmDescription: `Identity Store operations of the ${p} sync failed for good; see the run summary.`,
        metric: metric('FailedOperations', 'Sum'),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    ];
    if (scheduleIntervalSeconds(sync.scheduleExpression) !== undefined) {
      // A sync that silently stopped leaves leavers with access: no data counts as breaching.
      alarms.push(
        new cloudwatch.Alarm(scope, 'NotSyncing', {
          alarmName: `scim-sync-${p}-not-syncing`,
          alarmDescription: `No ${p} sync completed within two schedule intervals (${sync.scheduleExpression}): leavers may keep access.`,
          metric: metric('SyncCompleted', 'Sum'),
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
          evaluationPeriods,
          datapointsToAlarm: evaluationPeriods,
          treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        }),
      );
    }
    return alarms;
  }
}
