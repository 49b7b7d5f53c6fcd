/**
 * cdk-nag's AwsSolutions pack (a policy validation plugin in cdk-nag 3): the synth reports nothing
 * unacknowledged, every acknowledgement is a known, specific one with its reason, and the check
 * does fail on a new finding.
 */
import { App } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from '../../infra/build';
import { REASONS } from '../../infra/nag';
import { type Synth, synth, TEST_CONFIG, validationReport } from './support';

let s: Synth;
beforeAll(() => {
  s = synth(undefined, { cfnValidation: true }); // throws if cdk-nag reports an unacknowledged error
});

/** resource path -> acknowledged rule ids, from the cdk_nag metadata written into the template. */
function acknowledged(): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const r of Object.values(s.json.Resources)) {
    const meta = r.Metadata as {
      'aws:cdk:path': string;
      cdk_nag?: { rules_to_suppress: { id: string; reason: string }[] };
    };
    if (!meta?.cdk_nag) continue;
    out.set(meta['aws:cdk:path'], new Map(meta.cdk_nag.rules_to_suppress.map((x) => [x.id, x.reason])));
  }
  return out;
}

test('the synth wrote a validation report without any violation (cdk-nag, CloudFormation validation; any severity)', () => {
  const report = validationReport(s.assembly);
  expect(
    report.pluginReports.flatMap((p) =>
      p.violations.map((v) => `${p.pluginName}: ${v.ruleName} (${v.severity})`),
    ),
  ).toEqual([]);
});

test('AwsSolutions run on the synthesized app: no unacknowledged error or warning', () => {
  const result = new AwsSolutionsChecks().validateScope(s.app);
  expect(result.violations.map((v) => `${v.ruleName} (${v.severity})`)).toEqual([]);
  expect(result.success).toBe(true);
});

test('every acknowledgement is one of the known findings, on the resources it is about, with its reason', () => {
  const acks = acknowledged();
  const ids = new Set([...acks.values()].flatMap((m) => [...m.keys()]));
  const bucketArn = `<${s.stack.getLogicalId(s.stack.shared.bucket.node.defaultChild as never)}.Arn>`;
  expect([...ids].sort()).toEqual(
    [
      'AwsSolutions-S1',
      'AwsSolutions-L1',
      'AwsSolutions-SQS3',
      'AwsSolutions-IAM5[Resource::*]',
      `AwsSolutions-IAM5[Resource::${bucketArn}/github/*]`,
      `AwsSolutions-IAM5[Resource::${bucketArn}/entra/*]`,
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:identitystore:::user/*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:identitystore:::group/*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:identitystore:::membership/*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:eu-west-2:<AWS::AccountId>:execution:scim-sync-github:*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:eu-west-2:<AWS::AccountId>:execution:scim-sync-entra:*]',
    ].sort(),
  );
  const where = (id: string) =>
    [...acks]
      .filter(([, m]) => m.has(id))
      .map(([path]) => path)
      .sort();
  expect(where('AwsSolutions-S1')).toEqual(['ScimSync/Shared/RunData/Resource']);
  expect(where('AwsSolutions-L1')).toHaveLength(15);
  expect(where('AwsSolutions-L1').every((p) => p.endsWith('/Function/Resource'))).toBe(true);
  expect(where('AwsSolutions-SQS3')).toEqual([
    'ScimSync/Alerting/AlertDeadLetterQueue/Resource',
    'ScimSync/EntraSync/ScheduleDeadLetterQueue/Resource',
    'ScimSync/GitHubSync/ScheduleDeadLetterQueue/Resource',
  ]);
  // The state machines' log delivery and tracing, and every function's tracing (X-Ray).
  const functionRoles = (sync: string) =>
    [
      'ApplyBatch',
      'CheckConcurrency',
      'ComputePlan',
      'FetchSource',
      'FetchTarget',
      'Report',
      'ResolveSecret',
    ].map((step) => `ScimSync/${sync}/${step}/Role/DefaultPolicy/Resource`);
  expect(where('AwsSolutions-IAM5[Resource::*]').filter((p) => p.endsWith('DefaultPolicy/Resource'))).toEqual(
    [
      'ScimSync/Alerting/AlertFunction/Role/DefaultPolicy/Resource',
      ...functionRoles('EntraSync'),
      'ScimSync/EntraSync/StateMachineRole/DefaultPolicy/Resource',
      ...functionRoles('GitHubSync'),
      'ScimSync/GitHubSync/StateMachineRole/DefaultPolicy/Resource',
    ].sort(),
  );
  expect(
    where(
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:eu-west-2:<AWS::AccountId>:execution:scim-sync-github:*]',
    ),
  ).toEqual(['ScimSync/Alerting/AlertFunction/Role/DefaultPolicy/Resource']);
  expect(where('AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:identitystore:::user/*]')).toEqual([
    'ScimSync/EntraSync/ApplyBatch/Role/DefaultPolicy/Resource',
    'ScimSync/EntraSync/FetchTarget/Role/DefaultPolicy/Resource',
    'ScimSync/GitHubSync/ApplyBatch/Role/DefaultPolicy/Resource',
    'ScimSync/GitHubSync/FetchTarget/Role/DefaultPolicy/Resource',
  ]);
  expect(
    where(`AwsSolutions-IAM5[Resource::${bucketArn}/github/*]`).filter((p) =>
      p.endsWith('DefaultPolicy/Resource'),
    ),
  ).toEqual(
    ['ApplyBatch', 'ComputePlan', 'FetchSource', 'FetchTarget', 'Report'].map(
      (step) => `ScimSync/GitHubSync/${step}/Role/DefaultPolicy/Resource`,
    ),
  );
  const reasons = new Set([...acks.values()].flatMap((m) => [...m.values()]));
  expect([...reasons].sort()).toEqual(Object.values(REASONS).sort());
  for (const reason of reasons) expect(reason.length).toBeGreaterThan(100);
});

test('a new wildcard grant is reported (the check can fail)', () => {
  const app = new App({ context: { scimSync: TEST_CONFIG, 'aws:cdk:bundling-stacks': [] } });
  const stack = buildApp(app);
  stack.syncs[0]!.functions.Report.role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['s3:*'], resources: [stack.shared.bucket.bucketArn] }),
  );
  const result = new AwsSolutionsChecks().validateScope(app);
  expect(result.success).toBe(false);
  expect(result.violations.map((v) => v.ruleName)).toEqual(['AwsSolutions-IAM5[Action::s3:*]']);
});
