/**
 * The fake Entra ID token endpoint (`POST /{tenant}/oauth2/v2.0/token`, client credentials) and
 * OpenID configuration. Answers like Entra ID does: `{ error, error_description: "AADSTS<n>: ...",
 * error_codes: [n], trace_id, correlation_id, timestamp }` on failure.
 *
 * Access tokens are JWT-shaped like Entra's app-only tokens (aud, iss, tid, appid, idtyp "app"),
 * with the application permissions that have admin consent in the `roles` claim, and no `roles`
 * claim when none has (the signature is random: only this fake checks its tokens).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sendJson } from '../http';

export type TokenFault = 'invalid_client' | 'expired_secret' | 'unauthorized_client';

export interface TokenEndpointState {
  /** Server base URL, e.g. http://127.0.0.1:1234; the accepted scope is `${base}/.default`. */
  base: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  fault: TokenFault | null;
  /** The application permissions with admin consent: the `roles` claim of tokens issued from now on. */
  roles: string[];
  /** Tokens issued and their roles, for the Graph side's bearer and permission checks. */
  tokens: Map<string, string[]>;
}

/** What a correctly set-up app registration has (lambdas/providers/entra/graph.ts GRAPH_PERMISSIONS). */
export const DEFAULT_ROLES = ['GroupMember.Read.All', 'User.Read.All'];

const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

function accessToken(s: TokenEndpointState): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    aud: s.base,
    iss: `https://sts.windows.net/${s.tenantId}/`,
    iat: now,
    nbf: now,
    exp: now + 3599,
    appid: s.clientId,
    appidacr: '1',
    idtyp: 'app',
    oid: randomUUID(),
    sub: randomUUID(),
    tid: s.tenantId,
    uti: randomUUID(),
    ver: '1.0',
    ...(s.roles.length ? { roles: [...s.roles] } : {}),
  };
  return `${b64url({ typ: 'JWT', alg: 'RS256', kid: 'fake-graph' })}.${b64url(payload)}.${randomBytes(32).toString('base64url')}`;
}

function tokenError(res: ServerResponse, status: number, error: string, code: number, description: string) {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = `${new Date().toISOString().replace('T', ' ').slice(0, 19)}Z`;
  sendJson(res, status, {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  });
}

export function handleTokenRequest(
  res: ServerResponse,
  s: TokenEndpointState,
  pathTenant: string,
  body: Buffer,
) {
  const form = new URLSearchParams(body.toString('utf8'));
  const clientId = form.get('client_id') ?? '';
  if (pathTenant !== s.tenantId) {
    return tokenError(res, 400, 'invalid_request', 90002, `Tenant '${pathTenant}' not found.`);
  }
  if (form.get('grant_type') !== 'client_credentials') {
    return tokenError(
      res,
      400,
      'unsupported_grant_type',
      70003,
      'The app requested an unsupported grant type.',
    );
  }
  if (s.fault === 'unauthorized_client' || clientId !== s.clientId) {
    const msg = `Application with identifier '${clientId}' was not found in the directory '${pathTenant}'.`;
    return tokenError(res, 400, 'unauthorized_client', 700016, msg);
  }
  if (s.fault === 'expired_secret') {
    const msg = `The provided client secret keys for app '${clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret.`;
    return tokenError(res, 401, 'invalid_client', 7000222, msg);
  }
  if (s.fault === 'invalid_client' || form.get('client_secret') !== s.clientSecret) {
    const msg = `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`;
    return tokenError(res, 401, 'invalid_client', 7000215, msg);
  }
  const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
  if (!scopes.includes(`${s.base}/.default`)) {
    return tokenError(res, 400, 'invalid_scope', 1002012, 'The provided value for scope is not valid.');
  }
  const token = accessToken(s);
  s.tokens.set(token, [...s.roles]);
  sendJson(res, 200, {
    token_type: 'Bearer',
    expires_in: 3599,
    ext_expires_in: 3599,
    access_token: token,
  });
}

/** The tenant's OpenID configuration: https issuer and authority (as msal requires), local http token endpoint. */
export function openidConfiguration(base: string, tenantId: string) {
  const https = `https://${new URL(base).host}/${tenantId}`;
  return {
    token_endpoint: `${base}/${tenantId}/oauth2/v2.0/token`,
    issuer: `${https}/v2.0`,
    authorization_endpoint: `${https}/oauth2/v2.0/authorize`,
    end_session_endpoint: `${https}/oauth2/v2.0/logout`,
    jwks_uri: `${https}/discovery/v2.0/keys`,
    response_types_supported: ['code', 'id_token', 'token'],
  };
}
