/**
 * What the fake GitHub lets a credential see, answered the way GitHub answers:
 * - a classic personal token's scopes go back in `X-OAuth-Scopes`; a query on an organisation's
 *   teams without read:org (or write:org, admin:org), or on its SAML identities without admin:org,
 *   gets GraphQL errors of type INSUFFICIENT_SCOPES naming the scope;
 * - a fine-grained token or an App installation without the organisation's Members permission gets
 *   FORBIDDEN "Resource not accessible by personal access token" / "by integration";
 * - an organisation that enforces SAML single sign-on refuses a personal token that is not
 *   authorised for it: REST 403 with GitHub's message and `X-GitHub-SSO: required; url=...`,
 *   GraphQL FORBIDDEN with `extensions.saml_failure` (App installations are exempt, as on GitHub).
 */
import { randomBytes } from 'node:crypto';

export type Permission = 'read' | 'write' | 'admin';

export interface AccessSwitches {
  /** A classic token: its scopes (sent as X-OAuth-Scopes and enforced). Unset: no header, not enforced. */
  scopes?: string[];
  /** Permissions of a fine-grained token (when `scopes` is unset) and of the App installation. */
  permissions?: Record<string, Permission>;
  /** The organisation enforces SAML SSO and the personal token is not authorised for it. */
  samlEnforced?: boolean;
}

export const SAML_MESSAGE =
  'Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization.';
export const SAML_DOCS =
  'https://docs.github.com/articles/authenticating-to-a-github-organization-with-saml-single-sign-on/';

const ORG_READ_SCOPES = ['read:org', 'write:org', 'admin:org'];

/** The `X-GitHub-SSO` header of a refused REST request: where to authorise the token. */
export function ssoHeader(org: string): string {
  return `required; url=https://github.com/orgs/${org}/sso?authorization_request=${randomBytes(16).toString('base64url')}`;
}

export interface GraphqlRefusal {
  errors: { type: string; path?: string[]; message: string; extensions?: Record<string, unknown> }[];
  headers: Record<string, string>;
}

const insufficient = (field: string, needs: string[], has: string[]) => ({
  type: 'INSUFFICIENT_SCOPES',
  message: `Your token has not been granted the required scopes to execute this query. The '${field}' field requires one of the following scopes: [${needs.map((s) => `'${s}'`).join(', ')}], but your token has only been granted the: [${has.map((s) => `'${s}'`).join(', ')}] scopes. Please modify your token's scopes at: https://github.com/settings/tokens.`,
});

/** The errors GitHub answers this query with for this credential, or undefined when it may run. */
export function graphqlRefusal(
  query: string,
  kind: 'pat' | 'installation',
  s: AccessSwitches,
): GraphqlRefusal | undefined {
  const onOrg = /\borganization\s*\(/.test(query);
  if (!onOrg) return undefined;
  if (kind === 'pat' && s.samlEnforced) {
    return {
      errors: [
        {
          type: 'FORBIDDEN',
          path: ['organization'],
          extensions: { saml_failure: true },
          message: SAML_MESSAGE,
        },
      ],
      headers: { 'x-github-sso': 'partial-results; organizations=1' },
    };
  }
  const wantsTeams = /\bteams?\s*\(/.test(query);
  const wantsSaml = /\bsamlIdentityProvider\b/.test(query);
  if (kind === 'pat' && s.scopes) {
    const errors = [];
    if (wantsTeams && !s.scopes.some((x) => ORG_READ_SCOPES.includes(x)))
      errors.push(insufficient('teams', ['read:org'], s.scopes));
    if (wantsSaml && !s.scopes.includes('admin:org'))
      errors.push(insufficient('samlIdentityProvider', ['admin:org'], s.scopes));
    return errors.length ? { errors, headers: {} } : undefined;
  }
  if (s.permissions && wantsTeams && !s.permissions.members) {
    const by = kind === 'pat' ? 'personal access token' : 'integration';
    return {
      errors: [
        { type: 'FORBIDDEN', path: ['organization', 'teams'], message: `Resource not accessible by ${by}` },
      ],
      headers: { 'x-accepted-github-permissions': 'members=read' },
    };
  }
  return undefined;
}
