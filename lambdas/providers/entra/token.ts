/**
 * The Graph access token: @azure/msal-node ConfidentialClientApplication, client credentials,
 * scope `<graphUrl>/.default`, one token per run (msal's in-memory cache; we also keep it).
 *
 * msal only accepts an https authority. In production the authority is
 * `${authorityHost}/${tenantId}` with msal's normal discovery. For a local stand-in (authorityHost
 * on http://127.0.0.1 or localhost) the authority is the same host under https, with
 * `knownAuthorities` (no cloud discovery) and `authorityMetadata` whose token endpoint is the
 * stand-in's http URL; callers may also pass that override explicitly.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  type Configuration,
  ConfidentialClientApplication,
  type INetworkModule,
  LogLevel,
  type NetworkRequestOptions,
  type NetworkResponse,
  ServerError,
} from '@azure/msal-node';
import { ConfigError, SourceAuthError, SourceReadError } from '../../core/errors';
import { describeNetworkError, fetchWithRetry, type ResolvedRetry } from './http';
import { type EntraSecret, redact } from './secret';

/** msal authority settings that replace discovery (local stand-ins, tests, air-gapped clouds). */
export interface EntraAuthorityOverride {
  /** An https authority, e.g. `https://127.0.0.1:4567/<tenant>`; default `${authorityHost}/${tenantId}` under https. */
  authority?: string;
  /** OpenID configuration JSON (token_endpoint, issuer, authorization_endpoint...). */
  authorityMetadata: string;
  knownAuthorities?: string[];
  cloudDiscoveryMetadata?: string;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The msal auth settings for a tenant: production discovery, or a derived/explicit override. */
export function msalAuthority(
  authorityHost: string,
  tenantId: string,
  override?: EntraAuthorityOverride,
): Pick<
  Configuration['auth'],
  'authority' | 'authorityMetadata' | 'knownAuthorities' | 'cloudDiscoveryMetadata'
> {
  const host = new URL(authorityHost);
  const base = authorityHost.replace(/\/+$/, '');
  if (override) {
    return {
      authority: override.authority ?? `https://${host.host}/${tenantId}`,
      authorityMetadata: override.authorityMetadata,
      knownAuthorities: override.knownAuthorities ?? [host.host],
      ...(override.cloudDiscoveryMetadata ? { cloudDiscoveryMetadata: override.cloudDiscoveryMetadata } : {}),
    };
  }
  if (host.protocol === 'https:') return { authority: `${base}/${tenantId}` };
  if (host.protocol === 'http:' && LOOPBACK.has(host.hostname)) {
    const https = `https://${host.host}/${tenantId}`;
    return {
      authority: https,
      knownAuthorities: [host.host],
      authorityMetadata: JSON.stringify({
        token_endpoint: `${base}/${tenantId}/oauth2/v2.0/token`,
        issuer: `${https}/v2.0`,
        authorization_endpoint: `${https}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${https}/oauth2/v2.0/logout`,
        jwks_uri: `${https}/discovery/v2.0/keys`,
      }),
    };
  }
  throw new ConfigError(
    'entra.authorityHost must be an https URL (http only for a local stand-in on 127.0.0.1)',
  );
}

/** What to do about each credential error Entra reports, by AADSTS number or OAuth error code. */
const ADVICE: Record<string, string> = {
  '7000222':
    'the client secret has expired: create a new client secret for the app registration (Certificates & secrets) and store it as client_secret (and client_secret_expires_at) in the Entra secret',
  '7000215':
    'the client secret is wrong: store the secret\'s "Value" (not its "Secret ID") as client_secret in the Entra secret',
  '700016':
    'no application with this client_id exists in the tenant: check client_id and tenant_id in the Entra secret, and that the app registration was not deleted',
  '90002':
    'the tenant was not found: check tenant_id in the Entra secret (and authorityHost for sovereign clouds)',
  '700024': 'the client assertion is not valid: check the app registration credentials',
  invalid_scope:
    "the Graph scope was refused: check entra.graphUrl (it must be the Microsoft Graph of the tenant's cloud)",
  unauthorized_client:
    'the app is not authorised in this tenant: check client_id and tenant_id, and that it has a service principal',
  invalid_client: 'check client_id and client_secret in the Entra secret',
};

export interface TokenSourceOptions {
  secret: EntraSecret;
  graphUrl: string;
  authorityHost: string;
  authorityOverride?: EntraAuthorityOverride;
  retry: ResolvedRetry;
  logger?: Logger;
  signal?: AbortSignal;
}

/** Acquires and keeps the run's Graph token; counts requests to the token endpoint. */
export class EntraTokenSource {
  /** POSTs to the token endpoint (attempts included). */
  tokenRequests = 0;
  /** Status of the last answer from the authority (to tell an outage from a refusal). */
  private lastStatus?: number;
  /** Why the last request to the authority got no answer (msal hides it behind "network_error"). */
  private lastNetworkError?: string;
  private readonly app: ConfidentialClientApplication;
  private readonly scope: string;
  private current?: { token: string; expiresAt: number };
  private pending?: Promise<string>;

  constructor(private readonly o: TokenSourceOptions) {
    this.scope = `${o.graphUrl.replace(/\/+$/, '')}/.default`;
    const log = o.logger;
    this.app = new ConfidentialClientApplication({
      auth: {
        clientId: o.secret.clientId,
        clientSecret: o.secret.clientSecret,
        ...msalAuthority(o.authorityHost, o.secret.tenantId, o.authorityOverride),
      },
      system: {
        networkClient: this.networkClient(),
        loggerOptions: {
          piiLoggingEnabled: false,
          logLevel: LogLevel.Warning,
          loggerCallback: (level, message, containsPii) => {
            if (containsPii || !log) return;
            const text = redact(message, o.secret);
            // msal's warnings are routine for client credentials ("No client info in response").
            if (level <= LogLevel.Error) log.warn('msal', { msal: text });
            else log.debug('msal', { msal: text });
          },
        },
      },
    });
  }

  /** The access token (acquired once; renewed only if it is about to expire mid-run). */
  async token(): Promise<string> {
    if (this.current && this.current.expiresAt - Date.now() > 5 * 60_000) return this.current.token;
    this.pending ??= this.acquire().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async acquire(): Promise<string> {
    let result: Awaited<ReturnType<ConfidentialClientApplication['acquireTokenByClientCredential']>>;
    try {
      result = await this.app.acquireTokenByClientCredential({ scopes: [this.scope] });
    } catch (err) {
      throw this.translate(err);
    }
    if (!result?.accessToken)
      throw new SourceAuthError('Entra ID returned no access token for Microsoft Graph');
    const expiresAt = result.expiresOn ? result.expiresOn.getTime() : Date.now() + 60 * 60_000;
    this.current = { token: result.accessToken, expiresAt };
    this.o.logger?.info('Entra ID access token acquired', {
      fromCache: result.fromCache,
      expiresOn: new Date(expiresAt).toISOString(),
      tokenRequests: this.tokenRequests,
    });
    return result.accessToken;
  }

  /** Maps msal's errors to named errors; messages carry Entra's codes and what to do, never secrets. */
  private translate(err: unknown): Error {
    const secret = this.o.secret;
    if (err instanceof ServerError) {
      const code = err.errorCode || 'unknown_error';
      const no = err.errorNo ? String(err.errorNo) : /AADSTS(\d+)/.exec(err.errorMessage)?.[1];
      const aadsts = no ? `AADSTS${no} ` : '';
      const description = /AADSTS\d+: (.*?)(?: Trace ID:|$)/s.exec(err.errorMessage)?.[1]?.trim();
      const detail = description ? `: ${redact(description.replace(/\.$/, ''), secret)}` : '';
      const status = err.status ?? this.lastStatus;
      if (status !== undefined && (status === 429 || status >= 500)) {
        return new SourceReadError(
          `the Entra ID token endpoint failed (HTTP ${status}, ${aadsts}${code}); try again later`,
        );
      }
      const advice = (no && ADVICE[no]) ?? ADVICE[code] ?? 'check the app registration and the Entra secret';
      return new SourceAuthError(
        `Entra ID rejected the client credentials (${aadsts}${code}${detail}). What to do: ${advice}.`,
      );
    }
    if (this.lastNetworkError) {
      return new SourceReadError(`could not reach the Entra ID token endpoint: ${this.lastNetworkError}`);
    }
    const message = redact(err instanceof Error ? `${err.name}: ${err.message}` : String(err), secret);
    return new SourceReadError(`could not get an Entra ID access token: ${message}`);
  }

  /** msal's HTTP client: fetch with our retry policy, counting token-endpoint requests. */
  private networkClient(): INetworkModule {
    const send = async <T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions) => {
      const outcome = await fetchWithRetry(
        (signal) => {
          if (method === 'POST') this.tokenRequests++;
          return fetch(url, { method, headers: options?.headers, body: options?.body, signal });
        },
        this.o.retry,
        (e) => this.o.logger?.warn('Entra ID token endpoint busy, waiting', { ...e }),
        this.o.signal,
      );
      if (!outcome.response) {
        this.lastNetworkError = `${describeNetworkError(outcome.error)} (after ${outcome.attempts} attempts)`;
        throw new Error(`request to the Entra ID authority failed: ${this.lastNetworkError}`);
      }
      const res = outcome.response;
      this.lastStatus = res.status;
      const headers: Record<string, string> = {};
      res.headers.forEach((v, k) => {
        headers[k] = v;
      });
      const text = await res.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = {
          error: `http_${res.status}`,
          error_description: 'the authority answered with a non-JSON body',
        };
      }
      return { headers, body: body as T, status: res.status } satisfies NetworkResponse<T>;
    };
    return {
      sendGetRequestAsync: (url, options) => send('GET', url, options),
      sendPostRequestAsync: (url, options) => send('POST', url, options),
    };
  }
}
