/**
 * The GitHub client of the provider: @octokit/rest with the throttling and retry plugins, PAT or
 * GitHub App authentication, built from injected config. It counts HTTP requests, records the
 * token's expiry header, waits out rate limits (logging it) and turns every failure into a named
 * error whose message never holds a secret.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { createAppAuth } from '@octokit/auth-app';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import Bottleneck from 'bottleneck';
import type { GithubConfig } from '../../core/config';
import { ScimSyncError, SourceAuthError, SourceReadError } from '../../core/errors';
import type { GithubSecret } from './secret';
import { parseTokenExpiration, redact } from './text';

export { parseTokenExpiration, redact };

/** Retry and pacing tunables; the defaults suit GitHub, tests shrink them. */
export interface GithubRetryOptions {
  /** Retries of a failed request (5xx, network) by @octokit/plugin-retry. Default 3. */
  retries?: number;
  /** Retry backoff unit: the n-th retry waits n² × this. Default 1000 ms. */
  retryBaseMs?: number;
  /** Rate-limit waits allowed per request before giving up. Default 3. */
  rateLimitRetries?: number;
  /** Milliseconds per second of a rate limit's retry-after / reset. Default 1000 (tests shrink it). */
  rateLimitUnitMs?: number;
  /** A rate limit asking to wait longer than this fails the read instead. Default 600 s. */
  maxRateLimitWaitSeconds?: number;
  /** Minimum gap between GraphQL requests. Default: the throttling plugin's (1 s, GitHub's advice). */
  graphqlMinIntervalMs?: number;
  /** Timeout of one HTTP request. Default 30 s. */
  requestTimeoutMs?: number;
}

export interface GithubClientStats {
  /** HTTP requests sent (every attempt, including retries and installation-token requests). */
  requests: number;
  graphqlRequests: number;
  rateLimitWaits: number;
  /** From the `github-authentication-token-expiration` header, as ISO 8601. */
  credentialExpiresAt?: string;
}

export interface GithubClient {
  /** Runs one GraphQL query; `what` names the page in errors and logs. */
  graphql<T>(query: string, variables: Record<string, unknown>, what: string): Promise<T>;
  stats: GithubClientStats;
}

interface RequestErrorLike {
  status: number;
  message: string;
  request?: { url?: string };
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
}
interface GraphqlErrorLike {
  name: 'GraphqlResponseError';
  errors: { type?: string; message?: string }[];
}
const isRequestError = (e: unknown): e is RequestErrorLike =>
  typeof e === 'object' && e !== null && typeof (e as { status?: unknown }).status === 'number';
const isGraphqlError = (e: unknown): e is GraphqlErrorLike =>
  typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'GraphqlResponseError';

interface ErrorContext {
  config: GithubConfig;
  secret: GithubSecret;
  retries: number;
}

function describeSecretFix(ctx: ErrorContext): string {
  return ctx.secret.kind === 'token'
    ? `Create a new token with the read:org scope and store it as github_token in secret "${ctx.config.secretName}" (rotate the secret), then re-run.`
    : `Check github_app_id, github_app_private_key and github_app_installation_id in secret "${ctx.config.secretName}" and that the App is installed on ${ctx.config.organisation} with the Members (read) organization permission, then re-run.`;
}

/** Maps any failure of one GitHub request to a named error. */
export function toSourceError(err: unknown, what: string, ctx: ErrorContext): ScimSyncError {
  if (err instanceof ScimSyncError) return err;
  const secrets = ctx.secret.kind === 'token' ? [ctx.secret.token] : [ctx.secret.privateKey];
  const clean = (s: string) => redact(s, secrets);
  const org = ctx.config.organisation;
  if (isGraphqlError(err)) {
    const list = err.errors.map((e) => `${e.type ?? 'ERROR'}: ${e.message ?? ''}`).join('; ');
    if (err.errors.some((e) => e.type === 'INSUFFICIENT_SCOPES' || e.type === 'FORBIDDEN')) {
      return new SourceAuthError(
        clean(
          `GitHub refused ${what} of ${org} (${list}). The credential lacks access: it needs the read:org scope (admin:org for SAML identities) or, for an App, the Members (read) organization permission. ${describeSecretFix(ctx)}`,
        ),
      );
    }
    const limited = err.errors.some((e) => e.type === 'RATE_LIMITED');
    return new SourceReadError(
      clean(
        `GitHub GraphQL ${limited ? 'rate limit outlasted our waits' : 'errors'} reading ${what} of ${org}: ${list}. Nothing was synced; re-run later.`,
      ),
    );
  }
  if (isRequestError(err)) {
    const headers = err.response?.headers ?? {};
    const url = err.request?.url ?? '';
    const detail = clean(err.message);
    const tokenExchange = /\/app\/installations\/[^/]+\/access_tokens/.test(url);
    if (err.status === 401) {
      return new SourceAuthError(
        tokenExchange
          ? `GitHub rejected the GitHub App credentials (401: ${detail}) while creating an installation token for ${org}: the private key does not belong to the App, or the App id is wrong. ${describeSecretFix(ctx)}`
          : ctx.secret.kind === 'token'
            ? `GitHub rejected the token (401 Bad credentials) reading ${what} of ${org}: it has expired or been revoked. ${describeSecretFix(ctx)}`
            : `GitHub rejected the App's installation token (401) reading ${what} of ${org}: the App may have been uninstalled or suspended. ${describeSecretFix(ctx)}`,
      );
    }
    if (tokenExchange && err.status === 404) {
      return new SourceAuthError(
        `GitHub has no installation ${ctx.secret.kind === 'app' ? ctx.secret.installationId : ''} of the App (404) for ${org}. ${describeSecretFix(ctx)}`,
      );
    }
    const rateLimited =
      (err.status === 403 || err.status === 429) &&
      (headers['x-ratelimit-remaining'] === '0' ||
        headers['retry-after'] !== undefined ||
        /rate limit/i.test(err.message));
    if (rateLimited) {
      return new SourceReadError(
        `GitHub rate limit (${err.status}) outlasted our waits reading ${what} of ${org}: ${detail}. Nothing was synced; the next run will pick up.`,
      );
    }
    if (err.status === 403) {
      return new SourceAuthError(
        `GitHub refused (403: ${detail}) reading ${what} of ${org}: the credential lacks the read:org scope (a GitHub App needs the Members (read) organization permission), or it is not authorised for the organisation's SAML single sign-on. ${describeSecretFix(ctx)}`,
      );
    }
    return new SourceReadError(
      `GitHub answered ${err.status} (${detail}) reading ${what} of ${org}, after ${ctx.retries} retries. Nothing was synced: a partial organisation is never used; re-run later.`,
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return new SourceReadError(
    clean(`GitHub request for ${what} of ${org} failed: ${message}. Nothing was synced; re-run later.`),
  );
}

const ThrottledOctokit = Octokit.plugin(throttling, retry);

export function createGithubClient(opts: {
  config: GithubConfig;
  secret: GithubSecret;
  logger: Logger;
  retry?: GithubRetryOptions;
}): GithubClient {
  const { config, secret, logger } = opts;
  const r = opts.retry ?? {};
  const retries = r.retries ?? 3;
  const rateLimitRetries = r.rateLimitRetries ?? 3;
  const maxWait = r.maxRateLimitWaitSeconds ?? 600;
  const timeoutMs = r.requestTimeoutMs ?? 30_000;
  const stats: GithubClientStats = { requests: 0, graphqlRequests: 0, rateLimitWaits: 0 };
  const ctx: ErrorContext = { config, secret, retries };

  const countingFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    stats.requests++;
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (/\/graphql$/.test(new URL(url).pathname)) stats.graphqlRequests++;
    const res = await fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(timeoutMs) });
    const exp = res.headers.get('github-authentication-token-expiration');
    if (exp) {
      const iso = parseTokenExpiration(exp);
      if (iso) stats.credentialExpiresAt = iso;
      else
        logger.warn('Unreadable github-authentication-token-expiration header', { value: exp.slice(0, 40) });
    }
    return res;
  };

  const onLimit =
    (kind: string) =>
    (retryAfter: number, options: { method?: string; url?: string }, _o: unknown, retryCount: number) => {
      const route = `${options.method ?? 'POST'} ${options.url ?? ''}`;
      if (retryCount >= rateLimitRetries || retryAfter > maxWait) {
        logger.error(`GitHub ${kind} rate limit: giving up`, {
          route,
          retryAfterSeconds: retryAfter,
          retryCount,
          maxWaitSeconds: maxWait,
        });
        return false;
      }
      stats.rateLimitWaits++;
      logger.warn(`GitHub ${kind} rate limit: waiting ${retryAfter} s before retrying`, {
        route,
        retryAfterSeconds: retryAfter,
        retryCount,
      });
      return true;
    };

  const silent = () => undefined;
  const octokit = new ThrottledOctokit({
    baseUrl: config.apiUrl.replace(/\/+$/, ''),
    userAgent: 'scim-sync',
    ...(secret.kind === 'token'
      ? { auth: secret.token }
      : {
          authStrategy: createAppAuth,
          auth: { appId: secret.appId, privateKey: secret.privateKey, installationId: secret.installationId },
        }),
    request: { fetch: countingFetch },
    log: {
      debug: silent,
      info: silent,
      warn: (m: string) => logger.warn(redact(String(m), [])),
      error: (m: string) => logger.error(redact(String(m), [])),
    },
    retry: {
      retries,
      retryAfterBaseValue: r.retryBaseMs ?? 1000,
      doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
    },
    throttle: {
      id: 'scim-sync-github',
      retryAfterBaseValue: r.rateLimitUnitMs ?? 1000,
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
      ...(r.graphqlMinIntervalMs === undefined
        ? {}
        : { write: new Bottleneck.Group({ maxConcurrent: 1, minTime: r.graphqlMinIntervalMs }) }),
    },
  });

  return {
    stats,
    async graphql<T>(query: string, variables: Record<string, unknown>, what: string): Promise<T> {
      try {
        return await octokit.graphql<T>(query, variables);
      } catch (err) {
        throw toSourceError(err, what, ctx);
      }
    },
  };
}
