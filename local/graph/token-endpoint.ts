/**
 * The fake Entra ID token endpoint (`POST /{tenant}/oauth2/v2.0/token`, client credentials) and
 * OpenID configuration. Answers like Entra ID does: `{ error, error_description: "AADSTS<n>: ...",
 * error_codes: [n], trace_id, correlation_id, timestamp }` on failure.
 */
import { randomUUID } from 'node:crypto';
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
  /** Tokens issued, for the Graph side's bearer check. */
  tokens: Set<string>;
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
  const accessToken = `fake-graph-${randomUUID()}`;
  s.tokens.add(accessToken);
  sendJson(res, 200, {
    token_type: 'Bearer',
    expires_in: 3599,
    ext_expires_in: 3599,
    access_token: accessToken,
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
