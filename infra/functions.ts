/**
 * The Lambda functions: one per Task state, and the alert function. Every one is a ScimSyncFunction,
 * the one place for their defaults: bundled locally with esbuild (no Docker), everything included
 * (the AWS SDK too, so the code that runs is the code that was tested), minified with names kept
 * (error class names are what Step Functions matches on), with source maps; Node.js 22 on arm64;
 * X-Ray tracing (Tracing.ACTIVE); Powertools JSON logs at POWERTOOLS_LOG_LEVEL (the `logLevel`
 * context key, INFO by default) into its own log group (90 days); its own role (policies in
 * permissions.ts).
 */
import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { APPLY_TIMEOUT_SECONDS } from '../lambdas/core/batches';
import type { Provider } from '../lambdas/core/model';
import { SERVICE } from '../lambdas/runtime/powertools';
import { REPO_ROOT, type Step } from './asl';

export interface StepSpec {
  /** lambdas/handlers/<entry>.ts */
  entry: string;
  memoryMb: number;
  /** At least TASK_TIMEOUT_SLACK_SECONDS under the TimeoutSeconds of the Task states that call it (checked against the ASL). */
  timeoutSeconds: number;
  /** `{source}` stands for what the provider reads. */
  description: string;
}

const SOURCES: Record<Provider, string> = { github: 'GitHub organisation', entra: 'Entra ID tenant' };

/**
 * Sizes: the fetch steps hold a whole snapshot and wait on paged APIs. At the Identity Store's
 * maximum (100k users, 100k groups, 1M memberships) the target snapshot is ~184 MB of JSON and
 * parsing it takes ~1.3 GB (measured): FetchTarget re-reads it when it hands over, ComputePlan
 * holds it with the source and the plan (3,008 MB, two vCPUs). ApplyBatch is paced I/O and gets
 * the full 900 s that the planner's batch size budget assumes (lambdas/core/batches.ts).
 */
export const STEP_SPECS: Record<Step, StepSpec> = {
  CheckConcurrency: {
    entry: 'check-concurrency',
    memoryMb: 256,
    timeoutSeconds: 30,
    description: 'Validates the input; stops the run if an older execution is still running',
  },
  ResolveSecret: {
    entry: 'resolve-secret',
    memoryMb: 256,
    timeoutSeconds: 30,
    description: 'Checks the provider secret; passes on its ARN and version id only',
  },
  FetchSource: {
    entry: 'fetch-source',
    memoryMb: 1024,
    timeoutSeconds: 840,
    description: 'Reads the whole {source} into a snapshot',
  },
  FetchTarget: {
    entry: 'fetch-target',
    memoryMb: 2048,
    timeoutSeconds: 840,
    description: 'Reads the Identity Store users, groups and memberships into a snapshot',
  },
  ComputePlan: {
    entry: 'compute-plan',
    memoryMb: 3008,
    timeoutSeconds: 240,
    description: 'Diffs the snapshots, applies the deletion guard, writes the plan in batches',
  },
  ApplyBatch: {
    entry: 'apply-batch',
    memoryMb: 512,
    timeoutSeconds: APPLY_TIMEOUT_SECONDS,
    description: 'Applies one batch of the plan to the Identity Store, idempotently',
  },
  Report: {
    entry: 'report',
    memoryMb: 512,
    timeoutSeconds: 240,
    description: 'Summarises the run, publishes metrics, fails it if operations failed for good',
  },
};

export const LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;

/**
 * A Task's TimeoutSeconds exceeds its function's timeout by this much at least: the function's own
 * timeout (Lambda.Unknown) comes first, so States.Timeout never fires (and is retried) while the
 * function is still running.
 */
export const TASK_TIMEOUT_SLACK_SECONDS = 30;

/** `scim-sync-<provider>-<entry>`, e.g. scim-sync-github-fetch-source. */
export const functionName = (provider: Provider, step: Step) =>
  `scim-sync-${provider}-${STEP_SPECS[step].entry}`;

/** Log levels POWERTOOLS_LOG_LEVEL accepts (the `logLevel` CDK context key). */
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const DEFAULT_LOG_LEVEL: LogLevel = 'INFO';

export interface ScimSyncFunctionProps {
  functionName: string;
  description: string;
  /** lambdas/handlers/<entry>.ts */
  entry: string;
  memoryMb: number;
  timeoutSeconds: number;
  environment: Record<string, string>;
  logLevel: LogLevel;
}

/** A function with this app's defaults (see the top of this file); callers add its statements. */
export class ScimSyncFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ScimSyncFunctionProps) {
    super(scope, id);
    const name = props.functionName;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${name}`,
      retention: LOG_RETENTION,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${name}: ${props.description}`.slice(0, 1000),
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.fn = new NodejsFunction(this, 'Function', {
      functionName: name,
      description: props.description,
      entry: join(REPO_ROOT, 'lambdas', 'handlers', `${props.entry}.ts`),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memoryMb,
      timeout: Duration.seconds(props.timeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: SERVICE,
        POWERTOOLS_LOG_LEVEL: props.logLevel,
        // Stack traces point into lambdas/ (the bundle ships its source map).
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        forceDockerBundling: false,
        externalModules: [],
        minify: true,
        keepNames: true,
        sourceMap: true,
        sourcesContent: false,
        target: 'node22',
        format: OutputFormat.CJS,
      },
    });
  }
}

export interface StepFunctionProps {
  provider: Provider;
  step: Step;
  environment: Record<string, string>;
  logLevel: LogLevel;
}

/** A step's function: `scim-sync-<provider>-<entry>`, sized by STEP_SPECS. */
export class StepFunction extends ScimSyncFunction {
  constructor(scope: Construct, id: string, props: StepFunctionProps) {
    const spec = STEP_SPECS[props.step];
    super(scope, id, {
      functionName: functionName(props.provider, props.step),
      description: spec.description.replace('{source}', SOURCES[props.provider]),
      entry: spec.entry,
      memoryMb: spec.memoryMb,
      timeoutSeconds: spec.timeoutSeconds,
      environment: props.environment,
      logLevel: props.logLevel,
    });
  }
}
