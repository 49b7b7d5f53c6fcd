/**
 * End to end, the operator's situations: a batch failing for good and its redrive, a stale plan,
 * two runs at once, secrets kept out of everything, both providers in one store, and the
 * definition itself.
 */
import { SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import aslValidator from 'asl-validator';
import { LEASE_TIMINGS } from '../../lambdas/core/lease';
import { ENTRA_EMAIL_TYPE, GITHUB_GROUP_MARKER } from '../../lambdas/core/ownership';
import type { RunSummary } from '../../lambdas/handlers/report';
import { localDefinition } from '../../local/definition';
import { placeholders, readAsl } from '../../statemachines/definition';
import { generateGithubFixture } from '../../local/github';
import { generateEntraFixture } from '../../local/graph';
import type { SeedFile } from '../../local/identitystore';
import { allFiles, countingTasks, type Local, startLocal, testConfig } from '../support/local';

const small = generateGithubFixture({ organisation: 'example-org', teams: 4, users: 30, membersPerTeam: 20 });
const tenant = generateEntraFixture({ groups: 5, users: 60, groupsPerUser: 2 });
const memberships = new Set(small.teams.flatMap((t) => t.members.map((m) => `${t.slug}/${m}`))).size;

let local: Local | undefined;
afterEach(async () => {
  await local?.close();
  local = undefined;
});

describe('failures an operator deals with', () => {
  it('a batch that fails for good fails the Map; the redrive re-runs only the failed batch and nothing is applied twice', async () => {
    // One Map iteration at a time, batches of 20: the memberships phase has 4 batches; every
    // CreateGroupMembership after the 60th fails, so the 4th batch fails through all its retries.
    local = await startLocal({
      config: testConfig(['github'], { batchSize: 20, applyConcurrency: 1 }),
      fixtures: { github: small },
      faults: {
        rules: [{ operation: 'CreateGroupMembership', nth: Array.from({ length: 5000 }, (_, i) => i + 61) }],
      },
    });
    const calls = new Map<string, number>();
    const r = await local.runner.run('github', { wrapTask: countingTasks(calls, { byBatch: true }) });
    expect(r.execution.status).toBe('FAILED');
    expect(r.execution.error).toBe('BatchIncompleteError');
    const failedState = [...r.events]
      .reverse()
      .find((e) => e.type === 'StateFailed' && e.index === undefined)!;
    expect((failedState.state as { name: string }).name).toBe('ApplyMemberships');
    expect(calls.get('ApplyMembershipsBatch/3')).toBe(5); // first attempt + 4 retries
    expect(local.env.emulator.counts().CreateGroupMembership.succeeded).toBe(60);

    local.env.emulator.setFaults(undefined);
    calls.clear();
    const redriven = await local.runner.redrive(r.execution.executionArn, {
      wrapTask: countingTasks(calls, { byBatch: true }),
    });
    expect(redriven.execution.status).toBe('SUCCEEDED');
    expect(redriven.execution.redriveCount).toBe(1);
    expect([...calls.keys()].filter((k) => k.startsWith('ApplyMemberships'))).toEqual([
      'ApplyMembershipsBatch/3',
    ]);
    expect([...calls.keys()].some((k) => k.startsWith('ApplyCreates'))).toBe(false);
    const c = local.env.emulator.counts();
    expect(c.CreateUser.succeeded).toBe(30);
    expect(c.CreateGroupMembership.succeeded).toBe(memberships);
    expect((redriven.output as RunSummary).applied).toMatchObject({ failed: 0 });
  });

  it('operations refused for good (AccessDenied) are not retried; the rest is applied and Report fails with SyncIncompleteError naming them', async () => {
    local = await startLocal({
      config: testConfig(['github'], { batchSize: 20, applyConcurrency: 1 }),
      fixtures: { github: small },
      faults: { rate: 1, operations: ['CreateGroupMembership'], error: 'AccessDeniedException' },
    });
    const calls = new Map<string, number>();
    const r = await local.runner.run('github', { wrapTask: countingTasks(calls, { byBatch: true }) });
    expect(r.execution.status).toBe('FAILED');
    expect(r.execution.error).toBe('SyncIncompleteError');
    expect(r.execution.cause).toMatch(
      new RegExp(`^${memberships} operations failed for good \\(everything else was applied\\)`),
    );
    expect(r.execution.cause).toMatch(
      /AccessDeniedException: User is not authorized to perform: identitystore:CreateGroupMembership/,
    );
    expect(r.execution.cause).toMatch(/docs\/runbook\.md#syncincompleteerror/);
    // Each membership batch ran once: a refusal is not retryable, so no BatchIncompleteError retries.
    const membershipRuns = [...calls].filter(([k]) => k.startsWith('ApplyMembershipsBatch'));
    expect(membershipRuns.length).toBe(Math.ceil(memberships / 20));
    expect(membershipRuns.every(([, n]) => n === 1)).toBe(true);
    const c = local.env.emulator.counts();
    expect(c.CreateUser.succeeded).toBe(30);
    expect(c.CreateGroup.succeeded).toBe(4);
    expect(c.CreateGroupMembership).toMatchObject({ received: memberships, succeeded: 0 });
  });

  it('a redrive after planMaxAgeHours is refused with PlanExpiredError and changes nothing', async () => {
    local = await startLocal({
      config: testConfig(['github'], { planMaxAgeHours: 24 }),
      fixtures: {
        github: generateGithubFixture({ organisation: 'example-org', teams: 1, users: 4, membersPerTeam: 4 }),
      },
      faults: { rate: 1, operations: ['CreateGroupMembership'] },
    });
    const r = await local.runner.run('github');
    expect(r.execution.error).toBe('BatchIncompleteError');
    local.env.emulator.setFaults(undefined);
    local.env.emulator.resetCounts();
    const later = new Date(Date.now() + 25 * 3600_000);
    const redriven = await local.runner.redrive(r.execution.executionArn, { now: () => later });
    expect(redriven.execution.status).toBe('FAILED');
    expect(redriven.execution.error).toBe('PlanExpiredError');
    expect(redriven.execution.cause).toMatch(/Start a new execution/);
    expect(local.writes()).toBe(0);
  });

  it('a second run while one is running stops with ConcurrentRunError before reading anything', async () => {
    local = await startLocal({ config: testConfig(['github']), fixtures: { github: small }, latencyMs: 5 });
    const first = local.runner.start('github', { name: 'first' });
    // Once it reads, it holds the Identity Store's lease.
    while (!local.env.emulator.counts().ListUsers.received) await new Promise((res) => setTimeout(res, 5));
    const second = await local.runner.run('github', { name: 'second' });
    expect(second.execution.status).toBe('FAILED');
    expect(second.execution.error).toBe('ConcurrentRunError');
    expect(second.execution.cause).toMatch(/execution first/);
    expect((await first.done).execution.status).toBe('SUCCEEDED');
    // The refused run never reached a step that reads the source or the Identity Store.
    const entered = second.events
      .filter((e) => e.type === 'StateEntered')
      .map((e) => (e.state as { name: string }).name);
    expect(entered).toEqual(['CheckConcurrency']);
  });
  it('an execution stopped through the Step Functions API ends ABORTED; its lease lapses at expiry, and then new runs go ahead', async () => {
    local = await startLocal({ config: testConfig(['github']), fixtures: { github: small }, latencyMs: 20 });
    const running = local.runner.start('github', { name: 'to-stop' });
    while (!local.env.emulator.counts().ListUsers.received) await new Promise((res) => setTimeout(res, 5));
    const sfn = new SFNClient({ endpoint: local.env.aws.endpoint, region: 'eu-west-2' });
    try {
      await sfn.send(new StopExecutionCommand({ executionArn: running.execution.executionArn }));
      expect((await running.done).execution.status).toBe('ABORTED');
      // Its Lambdas may still be running (StopExecution does not stop them): the lease holds.
      const refused = await local.runner.run('github', { name: 'too-soon' });
      expect(refused.execution.error).toBe('ConcurrentRunError');
      expect(refused.execution.cause).toMatch(
        /execution to-stop of github .* holds the Identity Store's lease/,
      );
      const afterExpiry = new Date(Date.now() + LEASE_TIMINGS.ttlSeconds * 1000 + 1000);
      const next = await local.runner.run('github', { now: () => afterExpiry });
      expect(next.execution.status).toBe('SUCCEEDED');
    } finally {
      sfn.destroy();
    }
  });
});

describe('secrets', () => {
  it('no secret value appears in the event log, outputs, history, blobs or logs', async () => {
    local = await startLocal({
      config: testConfig(['github', 'entra']),
      fixtures: { github: small, entra: tenant },
    });
    const runs = [
      await local.runner.run('github'),
      await local.runner.run('entra'),
      await local.runner.run('github', { input: { dryRun: true } }),
    ];
    for (const r of runs) expect(r.execution.status).toBe('SUCCEEDED');
    const secrets = local.env.secretValues;
    expect(secrets).toHaveLength(2);
    const haystacks = [
      ...runs.flatMap((r) => [
        JSON.stringify(r.events),
        JSON.stringify(r.output),
        JSON.stringify(r.execution.history),
      ]),
      ...local.runner.logs,
      JSON.stringify(local.runner.metrics),
      ...allFiles(local.blobDir).map((f) => f.text),
    ];
    expect(local.runner.logs.length).toBeGreaterThan(20);
    for (const s of secrets) for (const h of haystacks) expect(h.includes(s)).toBe(false);
  });
});

describe('credential expiry', () => {
  const inDays = (d: number) => new Date(Date.now() + d * 86_400_000);
  const metric = (metrics: unknown[], name: string) =>
    metrics.map((m) => (m as Record<string, unknown>)[name]).find((v) => v !== undefined);

  it('a GitHub token expiring soon is one warning in the output and a CredentialDaysToExpiry metric', async () => {
    local = await startLocal({ config: testConfig(['github']), fixtures: { github: small } });
    const expires = inDays(5);
    local.env.github!.tokenExpiration = `${expires.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
    const r = await local.runner.run('github', { input: { dryRun: true } });
    const s = r.output as RunSummary;
    expect(s.warnings.filter((w) => /expire/i.test(w))).toHaveLength(1);
    expect(s.warnings[0]).toMatch(/GitHub token expires .* rotate secret/);
    expect(s.credentialExpiresAt).toBeDefined();
    expect(metric(r.metrics, 'CredentialDaysToExpiry')).toBe(4);
  });

  it('an Entra client secret whose recorded expiry is near is one warning, from ResolveSecret', async () => {
    local = await startLocal({ config: testConfig(['entra']), fixtures: { entra: tenant } });
    const name = local.env.config.providers.entra!.secretName;
    const current = JSON.parse(local.env.aws.secrets.get(name)!.versions.at(-1)!.value);
    local.env.aws.putSecret(
      name,
      JSON.stringify({ ...current, client_secret_expires_at: inDays(10).toISOString() }),
    );
    const r = await local.runner.run('entra', { input: { dryRun: true } });
    const s = r.output as RunSummary;
    expect(s.warnings.filter((w) => /expire/i.test(w))).toHaveLength(1);
    expect(s.warnings[0]).toMatch(/expires on .* \(in 9 days\): rotate it/);
    expect(metric(r.metrics, 'CredentialDaysToExpiry')).toBe(9);
  });
});

describe('two providers, one Identity Store', () => {
  it('never touch each other’s entries, nor hand-made ones', async () => {
    const handMade: SeedFile = {
      users: [
        {
          UserName: 'breakglass',
          DisplayName: 'Break Glass',
          Name: { GivenName: 'Break', FamilyName: 'Glass' },
        },
      ],
      groups: [{ DisplayName: 'admins-by-hand', Description: 'hand-made' }],
      memberships: [{ group: 'admins-by-hand', user: 'breakglass' }],
    };
    local = await startLocal({
      config: testConfig(['github', 'entra']),
      seed: handMade,
      fixtures: { github: small, entra: tenant },
    });
    const part = (d: Required<SeedFile>, who: 'github' | 'entra' | 'hand') => {
      const isEntraUser = (u: SeedFile['users'] extends (infer U)[] | undefined ? U : never) =>
        (u.Emails ?? []).some((e) => e.Type === ENTRA_EMAIL_TYPE);
      const users = d.users.filter((u) =>
        who === 'entra'
          ? isEntraUser(u)
          : who === 'github'
            ? !isEntraUser(u) && u.UserName.endsWith('@example.com')
            : u.UserName === 'breakglass',
      );
      const groups = d.groups.filter((g) =>
        who === 'entra'
          ? g.DisplayName.toLowerCase().startsWith('azure-aws-sso-')
          : who === 'github'
            ? g.Description?.startsWith(GITHUB_GROUP_MARKER)
            : g.Description === 'hand-made',
      );
      const names = new Set(groups.map((g) => g.DisplayName));
      return { users, groups, memberships: d.memberships.filter((m) => names.has(m.group)) };
    };
    expect((await local.runner.run('github')).execution.status).toBe('SUCCEEDED');
    const afterGithub = local.env.emulator.dump();
    expect((await local.runner.run('entra')).execution.status).toBe('SUCCEEDED');
    const afterEntra = local.env.emulator.dump();
    expect(part(afterEntra, 'github')).toEqual(part(afterGithub, 'github'));
    expect(part(afterEntra, 'hand')).toEqual(part(afterGithub, 'hand'));
    expect(part(afterEntra, 'entra').groups.length).toBeGreaterThan(3);
    expect((await local.runner.run('github')).output).toMatchObject({ plan: { total: 0 } });
    expect(local.env.emulator.dump()).toEqual(afterEntra);
    expect(part(afterEntra, 'hand')).toEqual({
      users: [expect.objectContaining({ UserName: 'breakglass' })],
      groups: [expect.objectContaining({ DisplayName: 'admins-by-hand' })],
      memberships: handMade.memberships,
    });
  });
});

describe('the definition', () => {
  it('is valid ASL once substituted, and uses exactly the substitutions the runner and the CDK app provide', () => {
    const { isValid, errorsText } = aslValidator(structuredClone(localDefinition('github', 4)) as never);
    expect(errorsText()).toBe('');
    expect(isValid).toBe(true);
    expect(placeholders(readAsl())).toEqual([
      'ApplyBatchFunctionArn',
      'ApplyConcurrency',
      'CheckConcurrencyFunctionArn',
      'ComputePlanFunctionArn',
      'FetchSourceFunctionArn',
      'FetchTargetFunctionArn',
      'Provider',
      'ReportFunctionArn',
      'ResolveSecretFunctionArn',
    ]);
  });

  it('retries Lambda service errors everywhere, never retries named domain errors, and has no Catch', () => {
    const def = JSON.parse(readAsl()) as { States: Record<string, unknown> };
    const tasks: Record<string, { Retry?: { ErrorEquals: string[] }[]; Catch?: unknown }> = {};
    const walk = (states: Record<string, unknown>) => {
      for (const [name, s] of Object.entries(states) as [string, Record<string, unknown>][]) {
        if (s.Catch) tasks[name] = s as never;
        if (s.Type === 'Task') tasks[name] = s as never;
        for (const b of (s.Branches as { States: Record<string, unknown> }[] | undefined) ?? [])
          walk(b.States);
        if (s.ItemProcessor) walk((s.ItemProcessor as { States: Record<string, unknown> }).States);
      }
    };
    walk(def.States);
    expect(Object.keys(tasks).sort()).toEqual([
      'ApplyCreatesBatch',
      'ApplyDeletesBatch',
      'ApplyMembershipsBatch',
      'ApplyRenamesBatch',
      'CheckConcurrency',
      'ComputePlan',
      'FetchSource',
      'FetchTarget',
      'Report',
      'ResolveSecret',
    ]);
    const neverRetried = [
      'InputValidationError',
      'ConfigError',
      'SecretInvalidError',
      'SourceAuthError',
      'SnapshotInvalidError',
      'DeletionGuardError',
      'PlanExpiredError',
      'ConcurrentRunError',
      'SyncIncompleteError',
      'States.ALL',
      'States.TaskFailed',
    ];
    for (const [name, t] of Object.entries(tasks)) {
      expect(t.Catch).toBeUndefined();
      const retried = (t.Retry ?? []).flatMap((r) => r.ErrorEquals);
      expect(retried).toEqual(
        expect.arrayContaining(['Lambda.ServiceException', 'Lambda.TooManyRequestsException']),
      );
      for (const e of neverRetried)
        expect({ name, retried: retried.includes(e) }).toEqual({ name, retried: false });
    }
    expect(tasks.ApplyMembershipsBatch!.Retry!.flatMap((r) => r.ErrorEquals)).toContain(
      'BatchIncompleteError',
    );
    expect(tasks.FetchSource!.Retry!.flatMap((r) => r.ErrorEquals)).toContain('SourceReadError');
  });
});
