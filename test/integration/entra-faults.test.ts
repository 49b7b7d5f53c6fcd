/**
 * The Entra provider when things go wrong, against the fake Microsoft Graph over real HTTP with the
 * real msal-node: throttling waited out, failed pages failing the whole read, bad credentials, Graph
 * permission errors, and the client secret never reaching a log line or an error message.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { SourceAuthError, SourceReadError } from '../../lambdas/core/errors';
import { type EntraSecret, readEntraSource } from '../../lambdas/providers/entra';
import type { RetryOptions } from '../../lambdas/providers/entra/http';
import {
  type EntraConfigInput,
  type EntraFixture,
  type FakeGraph,
  generateEntraFixture,
  localEntraConfig,
  startFakeGraph,
} from '../../local/graph';

const TENANT = '0f0e0d0c-1111-4222-8333-444455556666';
const CLIENT = 'c11e0000-aaaa-4bbb-8ccc-dddddddddddd';
const SENTINEL = 'SENTINEL~cl13nt~s3cr3t~value~4b9f';
const SECRET: EntraSecret = { tenantId: TENANT, clientId: CLIENT, clientSecret: SENTINEL };
const fast: RetryOptions = { baseDelayMs: 5, retryAfterUnitMs: 10, maxAttempts: 3 };

// 7 groups of ~9 members in pages of 4: several pages of groups and of members.
const FIXTURE: EntraFixture = generateEntraFixture({
  groups: 7,
  users: 30,
  ownersPerGroup: 1,
  otherGroups: 1,
});
const GROUP3 = FIXTURE.groups[3] as { id: string; displayName: string };

let f: FakeGraph;
beforeAll(async () => {
  f = await startFakeGraph({
    fixture: FIXTURE,
    tenantId: TENANT,
    clientId: CLIENT,
    clientSecret: SENTINEL,
    pageSize: 4,
  });
});
afterAll(() => f.close());
beforeEach(() => {
  f.clearFaults();
  f.resetCounters();
});

/** Captures what the powertools logger writes (it writes to process.stdout / stderr through its own Console). */
function captureLogs(): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }),
  );
  return {
    lines,
    restore: () => {
      for (const s of spies) s.mockRestore();
    },
  };
}

const logger = () => new Logger({ serviceName: 'entra-test', logLevel: 'DEBUG' });

function read(
  opts: { retry?: RetryOptions; secret?: EntraSecret; config?: Partial<EntraConfigInput>; log?: Logger } = {},
) {
  return readEntraSource({
    config: localEntraConfig(f, opts.config),
    secret: opts.secret ?? SECRET,
    retry: opts.retry ?? fast,
    ...(opts.log ? { logger: opts.log } : {}),
  });
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the read to fail');
}

describe('throttling and transient failures', () => {
  it('waits out 429 per Retry-After and logs the waits', async () => {
    const baseline = await read();
    f.resetCounters();
    f.throttleNext(3, 2);
    const logs = captureLogs();
    const t0 = Date.now();
    let r: Awaited<ReturnType<typeof read>>;
    try {
      r = await read({ retry: { ...fast, maxAttempts: 5 }, log: logger() });
    } finally {
      logs.restore();
    }
    expect(Date.now() - t0).toBeGreaterThanOrEqual(3 * 2 * 10);
    expect(f.counters.throttled).toBe(3);
    expect(r.requests).toBe(baseline.requests + 3);
    expect(r.snapshot).toEqual({ ...baseline.snapshot, fetchedAt: r.snapshot.fetchedAt });
    const waits = logs.lines.filter((l) => l.includes('Microsoft Graph asked us to wait'));
    expect(waits).toHaveLength(3);
    expect(waits[0]).toContain('"retryAfter":"2"');
  });

  it('obeys Retry-After in real seconds by default', async () => {
    f.throttleNext(1, 1);
    const t0 = Date.now();
    await read({ retry: { baseDelayMs: 5, maxAttempts: 3 } });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(f.counters.throttled).toBe(1);
  });

  it('retries a transient 503', async () => {
    f.failRequest(4, { status: 503, times: 2 });
    const r = await read();
    expect(f.counters.failed).toBe(2);
    expect(r.snapshot.groups.length).toBe(8);
  });
});

describe('a page that keeps failing fails the whole read', () => {
  it('a members page: SourceReadError naming the group and page, no snapshot', async () => {
    f.failPage({ route: 'transitiveMembers', groupId: GROUP3.id, page: 2, status: 503 });
    const err = await failure(read());
    expect(err).toBeInstanceOf(SourceReadError);
    expect(err.message).toContain(`members of group ${GROUP3.displayName} (page 2)`);
    expect(err.message).toContain('HTTP 503');
    expect(err.message).toContain('after 3 attempts');
    expect(f.counters.failed).toBe(3);
  });

  it('a groups page', async () => {
    f.failPage({ route: 'groups', page: 2, status: 503 });
    const err = await failure(read());
    expect(err).toBeInstanceOf(SourceReadError);
    expect(err.message).toContain('groups starting with azure-aws-sso- (page 2)');
  });

  it('an unreachable Graph', async () => {
    const gone = await startFakeGraph({
      fixture: FIXTURE,
      tenantId: TENANT,
      clientId: CLIENT,
      clientSecret: SENTINEL,
    });
    await gone.close();
    const err = await failure(
      readEntraSource({ config: localEntraConfig(gone), secret: SECRET, retry: { ...fast, maxAttempts: 2 } }),
    );
    expect(err).toBeInstanceOf(SourceReadError);
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it('groups that share a name are both read, never merged (the planner reports them)', async () => {
    const dup = await startFakeGraph({
      fixture: {
        users: FIXTURE.users,
        groups: [
          { id: 'g1', displayName: 'azure-aws-sso-admins', members: [] },
          { id: 'g2', displayName: 'Azure-AWS-SSO-Admins', members: [] },
        ],
      },
      tenantId: TENANT,
      clientId: CLIENT,
      clientSecret: SENTINEL,
    });
    try {
      const { snapshot } = await readEntraSource({
        config: localEntraConfig(dup),
        secret: SECRET,
        retry: fast,
      });
      expect(snapshot.groups.map((g) => [g.id, g.displayName])).toEqual([
        ['g2', 'Azure-AWS-SSO-Admins'],
        ['g1', 'azure-aws-sso-admins'],
        ['holding-group', 'azure-aws-sso-all-members'],
      ]);
    } finally {
      await dup.close();
    }
  });
});

describe('credentials and permissions', () => {
  it.each([
    ['invalid_client' as const, 'AADSTS7000215', /Value.*not its "Secret ID"/],
    ['expired_secret' as const, 'AADSTS7000222', /client secret has expired/],
    ['unauthorized_client' as const, 'AADSTS700016', /check client_id and tenant_id/],
  ])('token endpoint %s is SourceAuthError with %s and what to do', async (fault, code, advice) => {
    f.setTokenFault(fault);
    const err = await failure(read());
    expect(err).toBeInstanceOf(SourceAuthError);
    expect(err.message).toContain(code);
    expect(err.message).toMatch(advice);
    expect(f.counters.token).toBe(1);
    expect(f.counters.graph).toBe(0);
  });

  it('a wrong client secret is AADSTS7000215 invalid_client', async () => {
    const err = await failure(read({ secret: { ...SECRET, clientSecret: 'not-the-secret' } }));
    expect(err).toBeInstanceOf(SourceAuthError);
    expect(err.message).toContain('AADSTS7000215 invalid_client');
  });

  it.each([401, 403] as const)(
    'Graph answering %i is SourceAuthError naming the permissions',
    async (status) => {
      f.setGraphAuthFault(status);
      const err = await failure(read());
      expect(err).toBeInstanceOf(SourceAuthError);
      expect(err.message).toContain(`HTTP ${status}`);
      expect(err.message).toContain('GroupMember.Read.All and User.Read.All');
      expect(f.counters.graph).toBe(1);
    },
  );

  it('warns in the snapshot when the client secret expires soon', async () => {
    const r = await readEntraSource({
      config: localEntraConfig(f),
      secret: { ...SECRET, clientSecretExpiresAt: '2030-01-10T00:00:00.000Z' },
      retry: fast,
      now: () => new Date('2030-01-01T00:00:00Z'),
    });
    expect(r.credentialExpiresAt).toBe('2030-01-10T00:00:00.000Z');
    expect(r.snapshot.fetchedAt).toBe('2030-01-01T00:00:00.000Z');
    expect(r.snapshot.warnings).toEqual([
      expect.stringMatching(/client secret expires on 2030-01-10 \(in 9 days\)/),
    ]);
  });
});

describe('the client secret stays secret', () => {
  it('appears in no log line and no error message, whatever happens', async () => {
    const logs = captureLogs();
    const errors: Error[] = [];
    try {
      await read({ log: logger() }); // success
      f.throttleNext(2, 1);
      await read({ log: logger() }); // throttled
      f.failPage({ route: 'owners', groupId: GROUP3.id, page: 1 });
      errors.push(await failure(read({ log: logger() }))); // failed page
      f.clearFaults();
      for (const fault of ['invalid_client', 'expired_secret', 'unauthorized_client'] as const) {
        f.setTokenFault(fault);
        errors.push(await failure(read({ log: logger() })));
      }
      f.setTokenFault(null);
      f.setGraphAuthFault(403);
      errors.push(await failure(read({ log: logger() })));
    } finally {
      logs.restore();
    }
    expect(errors.map((e) => e.name)).toEqual([
      'SourceReadError',
      'SourceAuthError',
      'SourceAuthError',
      'SourceAuthError',
      'SourceAuthError',
    ]);
    // The capture did see the provider's logs, so the checks below are not vacuous.
    expect(logs.lines.some((l) => l.includes('Entra ID source read'))).toBe(true);
    expect(logs.lines.some((l) => l.includes('Entra ID source read failed'))).toBe(true);
    for (const line of logs.lines) {
      expect(line).not.toContain(SENTINEL);
      expect(line).not.toMatch(/fake-graph-[0-9a-f-]{36}/); // nor an access token
    }
    for (const e of errors) {
      for (const text of [
        e.message,
        String(e.stack),
        JSON.stringify(e),
        String((e as { cause?: unknown }).cause),
      ]) {
        expect(text).not.toContain(SENTINEL);
      }
    }
  });
});
