/**
 * Alerts, all to the shared topic:
 * - an EventBridge rule on failed, timed-out or aborted executions of any sync machine, whose
 *   target is the alert function (lambdas/handlers/alert.ts: the event has the error and cause but
 *   not the failed state, which it reads from the history) with a retry policy and a dead-letter
 *   queue; the function's own failures go to the same queue;
 * - CloudWatch alarms: the rule's FailedInvocations and the queue's depth (an alert that did not
 *   arrive), and per provider failed executions, undeliverable schedule starts, the metrics the
 *   Report and FetchSource steps publish (namespace ScimSync, dimensions service + provider), and
 *   syncs having stopped.
 */
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Provider } from '../lambdas/core/model';
import { ALERT_TOPIC_ENV } from '../lambdas/handlers/alert';
import { METRICS_NAMESPACE, SERVICE } from '../lambdas/runtime/powertools';
import { type LogLevel, ScimSyncFunction } from './functions';
import { type ProviderSync, syncName } from './provider-sync';
import { scheduleIntervalSeconds } from './schedule-interval';

/** Days before a credential's expiry from which the alarm fires. */
export const CREDENTIAL_EXPIRY_ALARM_DAYS = 14;
export const FAILURE_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'];
export const FAILURE_RULE_NAME = 'scim-sync-execution-failed';
export const ALERT_FUNCTION_NAME = 'scim-sync-alert';
export const ALERT_DLQ_NAME = 'scim-sync-alerts-dlq';
/** EventBridge retries delivering a failure event to the alert function for up to a day. */
export const ALERT_RETRY_ATTEMPTS = 185;
export const ALERT_MAX_EVENT_AGE = Duration.hours(24);
/** Shared alarms: an alert that could not be delivered. */
export const ALERT_ALARMS = {
  undelivered: 'scim-sync-alerts-undelivered',
  deadLetters: 'scim-sync-alerts-dead-letters',
} as const;
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
  logLevel: LogLevel;
}

export class Alerting extends Construct {
  readonly failureRule: events.Rule;
  readonly alertFunction: ScimSyncFunction;
  /** Failure events that could not be delivered to, or handled by, the alert function. */
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: AlertingProps) {
    super(scope, id);
    const { topic, topicKey, syncs } = props;
    const stack = Stack.of(this);
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
    this.deadLetterQueue = new sqs.Queue(this, 'AlertDeadLetterQueue', {
      queueName: ALERT_DLQ_NAME,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.alertFunction = new ScimSyncFunction(this, 'AlertFunction', {
      functionName: ALERT_FUNCTION_NAME,
      description: 'Sends the alert for a failed scim-sync execution: state, error, cause, console link',
      entry: 'alert',
      memoryMb: 256,
      timeoutSeconds: 60,
      environment: { [ALERT_TOPIC_ENV]: topic.topicArn },
      logLevel: props.logLevel,
    });
    const role = this.alertFunction.role;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadFailedHistory',
        actions: ['states:GetExecutionHistory'],
        resources: syncs.map((s) =>
          stack.formatArn({
            service: 'states',
            resource: 'execution',
            resourceName: `${syncName(s.provider)}:*`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ),
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'PublishAlert', actions: ['sns:Publish'], resources: [topic.topicArn] }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptAlert',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [topicKey.keyArn],
      }),
    );
    // The function's own failures (after Lambda's two retries) go to the queue too.
    this.alertFunction.fn.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
    });
    // The Lambda target adds a permission for this rule only, and a queue policy statement that
    // lets only this rule (aws:SourceArn, which SQS supports) send to the dead-letter queue.
    this.failureRule.addTarget(
      new eventTargets.LambdaFunction(this.alertFunction.fn, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: ALERT_RETRY_ATTEMPTS,
        maxEventAge: ALERT_MAX_EVENT_AGE,
      }),
    );
    const action = new actions.SnsAction(topic);
    for (const alarm of this.deliveryAlarms()) alarm.addAlarmAction(action);
    for (const sync of syncs) {
      for (const alarm of this.providerAlarms(sync)) alarm.addAlarmAction(action);
    }
  }

  /** An alert that did not arrive: the rule could not invoke the function, or events were dead-lettered. */
  private deliveryAlarms(): cloudwatch.Alarm[] {
    const fiveMinutes = Duration.minutes(5);
    return [
      new cloudwatch.Alarm(this, 'AlertsUndelivered', {
        alarmName: ALERT_ALARMS.undelivered,
        alarmDescription: `The rule ${FAILURE_RULE_NAME} could not deliver a failure event to ${ALERT_FUNCTION_NAME} (FailedInvocations): a failed run may not have been alerted.`,
        metric: new cloudwatch.Metric({
          namespace: 'AWS/Events',
          metricName: 'FailedInvocations',
          dimensionsMap: { RuleName: FAILURE_RULE_NAME },
          statistic: 'Sum',
          period: fiveMinutes,
        }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      new cloudwatch.Alarm(this, 'AlertsDeadLettered', {
        alarmName: ALERT_ALARMS.deadLetters,
        alarmDescription: `Failure events in ${ALERT_DLQ_NAME}: their alert was not sent. Read them (they name the executions), then fix ${ALERT_FUNCTION_NAME}.`,
        metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: fiveMinutes,
          statistic: 'Maximum',
        }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    ];
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
