/**
 * What each step's function may do, beyond writing its own logs. Least privilege: only the API
 * calls the handler makes (see lambdas/identitystore/{read,apply}.ts, lambdas/runtime/blobs.ts,
 * lambdas/handlers/*), only on this deployment's resources, no wildcard actions.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { Provider } from '../lambdas/core/model';
import { leaseKey } from '../lambdas/runtime/lease';
import type { Step } from './asl';

/** Identity Store calls of FetchTarget (lambdas/identitystore/read.ts). */
export const IDENTITY_STORE_READ_ACTIONS = [
  'identitystore:ListGroupMemberships',
  'identitystore:ListGroups',
  'identitystore:ListUsers',
];

/** Identity Store calls of ApplyBatch (lambdas/identitystore/apply.ts). */
export const IDENTITY_STORE_APPLY_ACTIONS = [
  'identitystore:CreateGroup',
  'identitystore:CreateGroupMembership',
  'identitystore:CreateUser',
  'identitystore:DeleteGroup',
  'identitystore:DeleteGroupMembership',
  'identitystore:DeleteUser',
  'identitystore:DescribeGroup',
  'identitystore:DescribeUser',
  'identitystore:GetGroupId',
  'identitystore:GetUserId',
  'identitystore:UpdateGroup',
  'identitystore:UpdateUser',
];

/** Which blob-store calls each step makes on its provider's prefix. */
export const S3_ACCESS: Partial<Record<Step, { read: boolean; write: boolean }>> = {
  FetchSource: { read: false, write: true },
  FetchTarget: { read: true, write: true },
  ComputePlan: { read: true, write: true },
  ApplyBatch: { read: true, write: true },
  Report: { read: true, write: true },
};

/**
 * DynamoDB calls of each step on the lease item (lambdas/runtime/lease.ts): CheckConcurrency reads
 * and takes it, the other steps renew it (reading it when that fails), Report releases it.
 */
export const LEASE_ACCESS: Record<Step, string[]> = {
  CheckConcurrency: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  ResolveSecret: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  FetchSource: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  FetchTarget: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  ComputePlan: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  ApplyBatch: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  Report: ['dynamodb:UpdateItem'],
};

/** The steps that read the provider's secret. */
export const SECRET_READERS: readonly Step[] = ['ResolveSecret', 'FetchSource'];

export interface PermissionContext {
  provider: Provider;
  identityStoreId: string;
  secretName: string;
  stateMachineName: string;
  bucket: s3.IBucket;
  leaseTable: dynamodb.ITable;
}

/** The store itself, and the (account- and region-less) user, group and membership ARNs. */
export function identityStoreArns(scope: Construct, identityStoreId: string): string[] {
  const stack = Stack.of(scope);
  const p = stack.partition;
  return [
    `arn:${p}:identitystore::${stack.account}:identitystore/${identityStoreId}`,
    `arn:${p}:identitystore:::user/*`,
    `arn:${p}:identitystore:::group/*`,
    `arn:${p}:identitystore:::membership/*`,
  ];
}

/** The secret by name; Secrets Manager appends `-` and six random characters to the ARN. */
export function secretArnPattern(scope: Construct, secretName: string): string {
  return Stack.of(scope).formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: `${secretName}-??????`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** Built from the fixed name (not the resource) so that the machine can depend on the functions. */
export function stateMachineArn(scope: Construct, name: string): string {
  return Stack.of(scope).formatArn({
    service: 'states',
    resource: 'stateMachine',
    resourceName: name,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** The statements of a step's role (besides log writes), in a fixed order. */
export function stepStatements(scope: Construct, step: Step, ctx: PermissionContext): iam.PolicyStatement[] {
  const out: iam.PolicyStatement[] = [];
  // Only the lease item of this Identity Store (the table's partition key is `id`).
  out.push(
    new iam.PolicyStatement({
      sid: 'HoldLease',
      actions: LEASE_ACCESS[step],
      resources: [ctx.leaseTable.tableArn],
      conditions: {
        'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [leaseKey(ctx.identityStoreId)] },
      },
    }),
  );
  if (SECRET_READERS.includes(step)) {
    out.push(
      new iam.PolicyStatement({
        sid: 'ReadProviderSecret',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [secretArnPattern(scope, ctx.secretName)],
      }),
    );
  }
  if (step === 'FetchTarget' || step === 'ApplyBatch') {
    out.push(
      new iam.PolicyStatement({
        sid: step === 'FetchTarget' ? 'ReadIdentityStore' : 'ApplyToIdentityStore',
        actions: step === 'FetchTarget' ? IDENTITY_STORE_READ_ACTIONS : IDENTITY_STORE_APPLY_ACTIONS,
        resources: identityStoreArns(scope, ctx.identityStoreId),
      }),
    );
  }
  const s3Access = S3_ACCESS[step];
  if (s3Access) {
    const prefix = `${ctx.provider}/*`;
    const actions = [...(s3Access.read ? ['s3:GetObject'] : []), ...(s3Access.write ? ['s3:PutObject'] : [])];
    out.push(
      new iam.PolicyStatement({
        sid: 'RunBlobs',
        actions,
        resources: [ctx.bucket.arnForObjects(prefix)],
      }),
    );
    if (s3Access.read) {
      // Without ListBucket, S3 answers a GET of a missing key with 403 instead of 404 (NoSuchKey),
      // and the blob store treats "missing" as an answer (e.g. ApplyBatch's first attempt finds no
      // earlier result). S3 checks it with the requested key as s3:prefix, so the prefix holds.
      out.push(
        new iam.PolicyStatement({
          sid: 'MissingBlobIsNotFound',
          actions: ['s3:ListBucket'],
          resources: [ctx.bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [prefix] } },
        }),
      );
    }
  }
  return out;
}
