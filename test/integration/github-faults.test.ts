/**
 * Faults and authentication, with real Octokit against the fake GitHub: rate limits are waited
 * out, failed pages and GraphQL errors fail the whole read with named errors, 401/403 are
 * SourceAuthError, GitHub App auth (JWT checked by the fake), and no secret in logs or errors.
 */
import { generateKeyPairSync } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { type GithubConfig, GithubConfigSchema } from '../../lambdas/core/config';
import { SourceAuthError, SourceReadError } from '../../lambdas/core/errors';
import { type GithubSecret, parseGithubSecret, readGithubSource } from '../../lambdas/providers/github';
import {
  type FakeGithub,
  type FakeGithubOptions,
  generateGithubFixture,
  startFakeGithub,
} from '../../local/github';

const SENTINEL = 'ghp_SENTINEL_0123456789abcdefABCDEF0123456789';
const FAST = { retries: 2, retryBaseMs: 5, rateLimitUnitMs: 20, graphqlMinIntervalMs: 0 };
// 250 teams of 3 (3 teams pages) and one team of 250 (2 extra member pages): 5 requests.
const FIXTURE = generateGithubFixture({ teams: 250, users: 600, membersPerTeam: 3, largeTeams: [250] });
const MINIMUM = 3 + 2;

/** A DEBUG logger whose every output line is captured (stdout and stderr). */
function capturingLogger(): { logger: Logger; lines: string[]; stop(): void } {
  const lines: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }),
  );
  const logger = new Logger({ serviceName: 'test', logLevel: 'DEBUG' });
  return {
    logger,
    lines,
    stop: () => {
      for (const s of spies) s.mockRestore();
    },
  };
}

let fake: FakeGithub;
let log: ReturnType<typeof capturingLogger>;
const errors: string[] = [];

async function start(opts: Partial<FakeGithubOptions> = {}) {
  fake = await startFakeGithub({ fixture: FIXTURE, token: SENTINEL, ...opts });
}
beforeEach(() => {
  log = capturingLogger();
});
afterEach(async () => {
  log.stop();
  // No secret value (nor anything token-, JWT- or key-shaped) in any log line or error message.
  for (const text of [...log.lines, ...errors]) {
    expect(text).not.toContain(SENTINEL);
    expect(text).not.toMatch(/eyJ[\w-]+\.[\w-]+\.|PRIVATE KEY|ghs_\w{10}/);
    for (const t of fake.issuedTokens) expect(text).not.toContain(t);
  }
  errors.length = 0;
  await fake.close();
});

function config(extra: Partial<GithubConfig> = {}): GithubConfig {
  return GithubConfigSchema.parse({
    organisation: 'example-org',
    secretName: 'github-secret',
    userNameSuffix: '@example.com',
    apiUrl: fake.url,
    ...extra,
  });
}

const read = (secret: GithubSecret = { kind: 'token', token: SENTINEL }, retry: object = FAST) =>
  readGithubSource({ config: config(), secret, logger: log.logger, retry });

async function readError(secret?: GithubSecret, retry?: object): Promise<Error> {
  try {
    await read(secret, retry);
  } catch (e) {
    errors.push(String((e as Error).message), JSON.stringify(e), String((e as Error).stack));
    return e as Error;
  }
  throw new Error('the read succeeded');
}

describe('rate limits are waited out', () => {
  it.each([
    ['secondary 403 with retry-after', { kind: 'secondary', status: 403, count: 2, retryAfterSeconds: 1 }],
    ['secondary 429 with retry-after', { kind: 'secondary', status: 429, count: 1, retryAfterSeconds: 2 }],
    ['primary 403 with x-ratelimit-reset', { kind: 'primary', status: 403, count: 1, resetInSeconds: 1 }],
    ['primary 429 with x-ratelimit-reset', { kind: 'primary', status: 429, count: 2, resetInSeconds: 1 }],
    ['GraphQL RATE_LIMITED', { kind: 'graphql', count: 1, resetInSeconds: 1 }],
  ] as const)('%s', async (_name, rateLimit) => {
    await start();
    fake.rateLimit = { ...rateLimit };
    const { snapshot, requests } = await read();
    expect(snapshot.groups).toHaveLength(251);
    expect(requests).toBe(MINIMUM + rateLimit.count);
    const waits = log.lines.filter((l) => /rate limit: waiting \d+ s before retrying/.test(l));
    expect(waits).toHaveLength(rateLimit.count);
    expect(log.lines.join('')).toMatch(new RegExp(`"requests":${MINIMUM + rateLimit.count}`));
  });

  it('a rate limit that outlasts the allowed waits fails the read with SourceReadError', async () => {
    await start();
    fake.rateLimit = { kind: 'secondary', status: 403, count: 10, retryAfterSeconds: 1 };
    const err = await readError(undefined, { ...FAST, rateLimitRetries: 2 });
    expect(err).toBeInstanceOf(SourceReadError);
    expect(err.message).toMatch(/rate limit.*teams page 1 of example-org/);
  });
});

describe('a failed page fails the whole read', () => {
  it('a 502 on a middle teams page, after retries, is SourceReadError naming the page', async () => {
    await start();
    fake.failPage = { teamsPage: 2 };
    const err = await readError();
    expect(err).toBeInstanceOf(SourceReadError);
    expect(err.message).toMatch(/502.*teams page 2 of example-org.*after 2 retries/);
    expect(fake.graphqlRequests()).toBe(1 + 3); // page 1, then page 2 and its 2 retries
  });

  it("a 502 on a team's member page is SourceReadError naming the team", async () => {
    await start();
    fake.failPage = { team: 'large-0', page: 3 };
    const err = await readError();
    expect(err).toBeInstanceOf(SourceReadError);
    expect(err.message).toMatch(/member page 3 of team large-0/);
  });

  it('a single 502 is retried and the read completes', async () => {
    await start();
    fake.failPage = { graphqlRequest: 2, count: 1 };
    const { snapshot, requests } = await read();
    expect(snapshot.groups).toHaveLength(251);
    expect(requests).toBe(MINIMUM + 1);
  });

  it('a GraphQL errors array is SourceReadError naming the error', async () => {
    await start();
    fake.failPage = undefined;
    fake.graphqlErrors = { errors: [{ type: 'SERVICE_UNAVAILABLE', message: 'Something is down' }] };
    const err = await readError();
    expect(err).toBeInstanceOf(SourceReadError);
    expect(err.message).toMatch(/teams page 1 of example-org: SERVICE_UNAVAILABLE: Something is down/);
  });
});

describe('credentials', () => {
  it('a wrong or revoked token (401) is SourceAuthError saying to rotate the secret', async () => {
    await start();
    const err = await readError({ kind: 'token', token: 'ghp_revoked000000000000000000000000000000' });
    expect(err).toBeInstanceOf(SourceAuthError);
    expect(err.message).toMatch(/401.*expired or been revoked.*github-secret.*rotate the secret/);
    fake.failWith401 = true;
    expect(await readError()).toBeInstanceOf(SourceAuthError);
  });

  it('a 403 that is not a rate limit is SourceAuthError naming the read:org scope', async () => {
    await start();
    fake.failWith403 = 'Resource not accessible by personal access token';
    const err = await readError();
    expect(err).toBeInstanceOf(SourceAuthError);
    expect(err.message).toMatch(/403.*read:org/);
    fake.failWith403 = undefined;
    fake.graphqlErrors = {
      errors: [
        {
          type: 'INSUFFICIENT_SCOPES',
          message:
            "Your token has not been granted the required scopes to execute this query. The 'slug' field requires one of the following scopes: ['read:org']",
        },
      ],
    };
    const scopes = await readError();
    expect(scopes).toBeInstanceOf(SourceAuthError);
    expect(scopes.message).toMatch(/INSUFFICIENT_SCOPES.*read:org/);
  });

  describe('GitHub App', () => {
    const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
    const app = rsa();
    const appSecret = (key = app.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()) =>
      parseGithubSecret(
        JSON.stringify({
          github_app_id: 4242,
          github_app_private_key: key.replace(/\n/g, '\\n'),
          github_app_installation_id: '777',
        }),
      );
    const appOpts = () => ({
      token: undefined,
      app: {
        appId: 4242,
        installationId: 777,
        publicKeyPem: app.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      },
    });

    it('exchanges a verified JWT for an installation token and reads with it', async () => {
      await start(appOpts());
      fake.tokenExpiration = '2030-01-01 00:00:00 UTC'; // only sent for personal tokens
      const { snapshot, requests, credentialExpiresAt } = await read(appSecret());
      expect(snapshot.groups).toHaveLength(251);
      expect(fake.counts['POST /app/installations/:id/access_tokens']).toBe(1);
      expect(fake.issuedTokens).toHaveLength(1);
      expect(requests).toBe(MINIMUM + 1);
      expect(credentialExpiresAt).toBeUndefined();
      // The PKCS#8 form of the key works too.
      const pkcs8 = app.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      await expect(read(appSecret(pkcs8))).resolves.toMatchObject({ requests: MINIMUM + 1 });
    });

    it("a key that is not the App's is SourceAuthError", async () => {
      await start(appOpts());
      const other = rsa().privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const err = await readError(appSecret(other));
      expect(err).toBeInstanceOf(SourceAuthError);
      expect(err.message).toMatch(/GitHub App credentials.*github_app_private_key/);
      expect(fake.issuedTokens).toHaveLength(0);
      expect(fake.graphqlRequests()).toBe(0);
    });

    it('an installation id the App does not have is SourceAuthError', async () => {
      await start({ ...appOpts(), app: { ...appOpts().app, installationId: 778 } });
      const err = await readError(appSecret());
      expect(err).toBeInstanceOf(SourceAuthError);
      expect(err.message).toMatch(/installation 777/);
    });
  });
});

describe('secrets stay out of logs and errors', () => {
  it('a successful read with DEBUG logging mentions no token', async () => {
    await start();
    fake.tokenExpiration = '2026-12-01 10:00:00 UTC';
    const result = await read();
    expect(result.credentialExpiresAt).toBe('2026-12-01T10:00:00.000Z');
    const summary = log.lines.find((l) => l.includes('Read GitHub organisation'));
    expect(summary && JSON.parse(summary)).toMatchObject({ teams: 251, users: 600, requests: MINIMUM });
    // afterEach asserts the sentinel appears nowhere.
  });

  it('failures with a sentinel token name no secret', async () => {
    await start();
    fake.failWith401 = true;
    await readError();
    fake.failWith401 = false;
    fake.graphqlErrors = { errors: [{ type: 'INTERNAL', message: `echo ${SENTINEL}` }] };
    const err = await readError();
    expect(err.message).toContain('[REDACTED]');
  });
});
