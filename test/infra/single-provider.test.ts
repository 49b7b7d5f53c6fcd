/** A provider absent from `providers` is not deployed (and the rest still passes cdk-nag). */
import { type Synth, synth, TEST_CONFIG, validationReport } from './support';

describe.each([
  ['github', 'entra'],
  ['entra', 'github'],
])('only %s configured', (present, absent) => {
  let s: Synth;
  beforeAll(() => {
    const providers = TEST_CONFIG.providers as Record<string, unknown>;
    s = synth({ ...TEST_CONFIG, providers: { [present]: providers[present] } });
  });

  const ofType = (type: string) => Object.values(s.json.Resources).filter((r) => r.Type === type);

  test(`deploys the ${present} sync only`, () => {
    expect(ofType('AWS::StepFunctions::StateMachine').map((r) => r.Properties?.StateMachineName)).toEqual([
      `scim-sync-${present}`,
    ]);
    const functions = ofType('AWS::Lambda::Function').map((r) => r.Properties?.FunctionName as string);
    expect(functions).toHaveLength(8);
    expect(
      functions.filter((n) => n !== 'scim-sync-alert').every((n) => n.startsWith(`scim-sync-${present}-`)),
    ).toBe(true);
    expect(ofType('AWS::Scheduler::Schedule').map((r) => r.Properties?.Name)).toEqual([
      `scim-sync-${present}`,
    ]);
    expect(ofType('AWS::SQS::Queue').map((r) => r.Properties?.QueueName)).toEqual([
      `scim-sync-${present}-schedule-dlq`,
      'scim-sync-alerts-dlq',
    ]);
    expect(ofType('AWS::CloudWatch::Alarm')).toHaveLength(6 + 2);
    expect(ofType('AWS::IAM::Role')).toHaveLength(10);
  });

  test(`nothing of ${absent} is in the template`, () => {
    const text = JSON.stringify(s.json.Resources).toLowerCase();
    expect(text.includes(absent)).toBe(false); // (a boolean: the failure message would print the template)
  });

  test('the shared parts and the failure rule are there, watching the one machine', () => {
    expect(ofType('AWS::S3::Bucket')).toHaveLength(1);
    expect(ofType('AWS::SNS::Topic')).toHaveLength(1);
    expect(ofType('AWS::DynamoDB::Table')).toHaveLength(1);
    const rule = ofType('AWS::Events::Rule')[0]!;
    const machineId = Object.entries(s.json.Resources).find(
      ([, r]) => r.Type === 'AWS::StepFunctions::StateMachine',
    )![0];
    expect((rule.Properties!.EventPattern as { detail: unknown }).detail).toEqual({
      status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
      stateMachineArn: [{ Ref: machineId }],
    });
  });

  test('cdk-nag reports nothing', () => {
    expect(validationReport(s.assembly).pluginReports.flatMap((p) => p.violations)).toEqual([]);
  });
});
