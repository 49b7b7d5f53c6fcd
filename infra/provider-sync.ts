/**
 * Everything one provider's sync needs: its seven step functions, the state machine made from
 * statemachines/sync.asl.json (the same file for every provider; provider values come in as
 * definition substitutions), and the EventBridge Scheduler schedule that starts it (input
 * `{"trigger":{"kind":"schedule"}}`, DISABLED when `schedulesEnabled` is false).
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { Config } from '../lambdas/core/config';
import type { Provider } from '../lambdas/core/model';
import { arnPlaceholder, placeholders, readAsl, STEPS, type Step, taskTimeouts } from './asl';
import { LEASE_TABLE_ENV } from '../lambdas/runtime/lease';
import {
  LOG_RETENTION,
  type LogLevel,
  STEP_SPECS,
  StepFunction,
  TASK_TIMEOUT_SLACK_SECONDS,
} from './functions';
import { stepStatements } from './permissions';

/** Scheduler retries a failed StartExecution this often, for at most SCHEDULE_MAX_EVENT_AGE. */
export const SCHEDULE_RETRY_ATTEMPTS = 5;
export const SCHEDULE_MAX_EVENT_AGE = Duration.hours(1);
/** What the schedule starts the machine with: a scheduled start skips quietly while its provider runs. */
export const SCHEDULE_INPUT = { trigger: { kind: 'schedule' } } as const;

/** scim-sync-<provider>: the state machine's and the schedule's name. */
export const syncName = (provider: Provider) => `scim-sync-${provider}`;

export interface ProviderSyncProps {
  provider: Provider;
  config: Config;
  bucket: s3.IBucket;
  leaseTable: dynamodb.ITable;
  logLevel: LogLevel;
}

export class ProviderSync extends Construct {
  readonly provider: Provider;
  readonly scheduleExpression: string;
  readonly functions: Record<Step, StepFunction>;
  readonly stateMachine: sfn.StateMachine;
  readonly schedule: scheduler.Schedule;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: ProviderSyncProps) {
    super(scope, id);
    const { provider, config, bucket, leaseTable, logLevel } = props;
    const providerConfig = config.providers[provider];
    if (!providerConfig) throw new Error(`providers.${provider} is not configured`);
    this.provider = provider;
    this.scheduleExpression = providerConfig.schedule;
    const name = syncName(provider);

    const asl = readAsl();
    const timeouts = taskTimeouts(asl);
    const environment = {
      SCIM_SYNC_PROVIDER: provider,
      SCIM_SYNC_CONFIG: JSON.stringify(config),
      SCIM_SYNC_BUCKET: bucket.bucketName,
      [LEASE_TABLE_ENV]: leaseTable.tableName,
    };
    const ctx = {
      provider,
      identityStoreId: config.identityStoreId,
      secretName: providerConfig.secretName,
      stateMachineName: name,
      bucket,
      leaseTable,
    };
    const functions = {} as Record<Step, StepFunction>;
    for (const step of STEPS) {
      if (STEP_SPECS[step].timeoutSeconds + TASK_TIMEOUT_SLACK_SECONDS > timeouts[step]) {
        throw new Error(
          `${step}: the Lambda timeout (${STEP_SPECS[step].timeoutSeconds} s) is not ${TASK_TIMEOUT_SLACK_SECONDS} s under the Task's TimeoutSeconds (${timeouts[step]} s)`,
        );
      }
      const f = new StepFunction(this, step, { provider, step, environment, logLevel });
      for (const s of stepStatements(this, step, ctx)) f.role.addToPrincipalPolicy(s);
      functions[step] = f;
    }
    this.functions = functions;

    const substitutions: Record<string, string> = {
      Provider: provider,
      ApplyConcurrency: String(config.applyConcurrency),
      ...Object.fromEntries(STEPS.map((s) => [arnPlaceholder(s), functions[s].fn.functionArn])),
    };
    const expected = placeholders(asl);
    const given = Object.keys(substitutions).sort();
    if (expected.join() !== given.join()) {
      throw new Error(
        `the ASL expects substitutions ${expected.join(', ')} but the app provides ${given.join(', ')}`,
      );
    }

    const role = new iam.Role(this, 'StateMachineRole', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: `${name}: runs the ${provider} sync's steps`,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'InvokeOwnSteps',
        actions: ['lambda:InvokeFunction'],
        resources: STEPS.map((s) => functions[s].fn.functionArn),
      }),
    );
    const executionLogs = new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName: `/aws/vendedlogs/states/${name}`,
      retention: LOG_RETENTION,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Inline (not DefinitionBody.fromFile, which uploads an S3 asset): the template then holds the
    // definition, and `cdk diff` shows a change to it.
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: name,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(asl),
      definitionSubstitutions: substitutions,
      role,
      logs: { destination: executionLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });

    this.deadLetterQueue = new sqs.Queue(this, 'ScheduleDeadLetterQueue', {
      queueName: `${name}-schedule-dlq`,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const stack = Stack.of(this);
    const schedulerRole = new iam.Role(this, 'SchedulerRole', {
      description: `${name} schedule: starts the ${provider} sync`,
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': stack.account,
            // Scheduler presents the schedule group (not the schedule) as the source.
            'aws:SourceArn': stack.formatArn({
              service: 'scheduler',
              resource: 'schedule-group',
              resourceName: 'default',
            }),
          },
        },
      }),
    });
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      scheduleName: name,
      description: `Starts the ${provider} sync (${providerConfig.schedule}, UTC)`,
      schedule: scheduler.ScheduleExpression.expression(providerConfig.schedule),
      enabled: config.schedulesEnabled,
      target: new targets.StepFunctionsStartExecution(this.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject(SCHEDULE_INPUT),
        role: schedulerRole,
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: SCHEDULE_RETRY_ATTEMPTS,
        maxEventAge: SCHEDULE_MAX_EVENT_AGE,
      }),
    });
  }
}
