/**
 * One Lambda per Task state: bundled locally with esbuild (no Docker), everything included (the
 * AWS SDK too, so the code that runs is the code that was tested), minified with names kept (error
 * class names are what Step Functions matches on), with source maps. Each function has its own
 * role (policies in permissions.ts) and its own log group.
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
import { REPO_ROOT, type Step } from './asl';

export interface StepSpec {
  /** lambdas/handlers/<entry>.ts */
  entry: string;
  memoryMb: number;
  /** At most the TimeoutSeconds of the Task states that call it (checked against the ASL). */
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

/** `scim-sync-<provider>-<entry>`, e.g. scim-sync-github-fetch-source. */
export const functionName = (provider: Provider, step: Step) =>
  `scim-sync-${provider}-${STEP_SPECS[step].entry}`;

export interface StepFunctionProps {
  provider: Provider;
  step: Step;
  environment: Record<string, string>;
}

/** A step's function with its own role (log writes only; callers add the step's statements). */
export class StepFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: StepFunctionProps) {
    super(scope, id);
    const spec = STEP_SPECS[props.step];
    const name = functionName(props.provider, props.step);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${name}`,
      retention: LOG_RETENTION,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${name}: ${props.step} of the ${props.provider} sync`,
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
      description: spec.description.replace('{source}', SOURCES[props.provider]),
      entry: join(REPO_ROOT, 'lambdas', 'handlers', `${spec.entry}.ts`),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      // Stack traces point into lambdas/ (the bundle ships its source map).
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
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
