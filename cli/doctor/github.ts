/**
 * The doctor's GitHub checks, with the provider's own client library (@octokit/rest, @octokit/auth-app)
 * against the configured apiUrl:
 * - the credential authenticates: GET /user for a token (GitHub's `X-OAuth-Scopes` header lists a
 *   classic token's scopes; a fine-grained token has none), an installation token for an App (its
 *   answer lists the installation's permissions);
 * - it has what the reads need: read:org (admin:org for SAML identities) for a classic token,
 *   organisation Members read for a fine-grained token or an App;
 * - it reaches the organisation (GET /orgs/{org}) and is not refused by SAML single sign-on (GitHub
 *   answers 403 "Resource protected by organization SAML enforcement" with an `X-GitHub-SSO` header
 *   naming where to authorise the token, and GraphQL errors with `saml_failure`);
 * - the teams and members read the sync makes works (GraphQL, as lambdas/providers/github reads);
 * - the SAML identity provider is there when `useSamlIdentity` needs it.
 */
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import type { GithubConfig } from '../../lambdas/core/config';
import { teamFilter } from '../../lambdas/providers/github/mapping';
import type { GithubSecret } from '../../lambdas/providers/github/secret';
import { parseTokenExpiration, redact } from '../../lambdas/providers/github/text';
import { expiryCheck } from './aws';
import { type Check, fail, ok, skip, warn } from './report';

const ORG_READ = ['read:org', 'write:org', 'admin:org'];
const TOKENS_PAGE = 'https://github.com/settings/tokens';

interface HttpError {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
  errors?: { type?: string; message?: string; extensions?: { saml_failure?: boolean } }[];
}

/** Octokit reports a request that got no answer (DNS, refused, timeout) as a 500 without a response. */
const answered = (e: HttpError) => e.status !== undefined && e.response !== undefined;

const samlRefused = (e: HttpError) =>
  /SAML enforcement/i.test(e.message ?? '') || (e.errors ?? []).some((x) => x.extensions?.saml_failure);

export async function githubChecks(
  config: GithubConfig,
  secret: GithubSecret,
  secretName: string,
  now: Date,
): Promise<Check[]> {
  const secrets = secret.kind === 'token' ? [secret.token] : [secret.privateKey];
  const clean = (s: string) => redact(s, secrets);
  const org = config.organisation;
  const octokit = new Octokit({
    baseUrl: config.apiUrl.replace(/\/+$/, ''),
    userAgent: 'scim-sync-doctor',
    ...(secret.kind === 'token'
      ? { auth: secret.token }
      : {
          authStrategy: createAppAuth,
          auth: { appId: secret.appId, privateKey: secret.privateKey, installationId: secret.installationId },
        }),
    request: {
      fetch: (u: string, init: RequestInit) => fetch(u, { ...init, signal: AbortSignal.timeout(30_000) }),
    },
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
  const checks: Check[] = [];
  const unreachable = (what: string, e: HttpError) =>
    fail(
      what,
      `no answer from ${config.apiUrl} (${clean(e.message ?? String(e))})`,
      'check providers.github.apiUrl and the network or proxy',
    );

  // 1. The credential authenticates; what it may do.
  let scopes: string[] | undefined;
  if (secret.kind === 'token') {
    try {
      const r = await octokit.request('GET /user');
      const header = r.headers['x-oauth-scopes'];
      scopes =
        header === undefined
          ? undefined
          : String(header)
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean);
      const kind = scopes
        ? 'a classic personal access token'
        : 'a personal access token without scopes (fine-grained)';
      checks.push(ok('GitHub credential', `${kind} of ${(r.data as { login?: string }).login ?? 'a user'}`));
      const exp = r.headers['github-authentication-token-expiration'];
      const at = exp ? parseTokenExpiration(String(exp)) : undefined;
      checks.push(
        expiryCheck('GitHub token expiry', at, now, 'GitHub reports no expiry date for this token'),
      );
    } catch (err) {
      const e = err as HttpError;
      if (e.status === 401)
        checks.push(
          fail(
            'GitHub credential',
            'GitHub rejected the token (401 Bad credentials): it has expired, was revoked, or is not the whole token',
            `create a new token (classic: read:org${config.useSamlIdentity ? ' and admin:org' : ''}; fine-grained: organisation Members read) and store it as github_token in secret ${secretName}`,
          ),
        );
      else
        checks.push(
          answered(e)
            ? fail(
                'GitHub credential',
                `GitHub answered ${e.status}: ${clean(e.message ?? '')}`,
                'check the token',
              )
            : unreachable('GitHub credential', e),
        );
      return [...checks, skip('GitHub checks', 'the rest need a credential that authenticates')];
    }
    if (scopes) {
      const needs = config.useSamlIdentity ? ['admin:org'] : ['read:org'];
      const has = config.useSamlIdentity
        ? scopes.includes('admin:org')
        : scopes.some((s) => ORG_READ.includes(s));
      checks.push(
        has
          ? ok('GitHub token scopes', `${scopes.join(', ')} (the reads need ${needs.join(', ')})`)
          : fail(
              'GitHub token scopes',
              `${scopes.length ? scopes.join(', ') : 'none'}; the reads need ${needs[0]}${config.useSamlIdentity ? ' (SAML identities are shown to organisation admins only)' : ''}`,
              `add ${needs[0]} to the token at ${TOKENS_PAGE} (or create a new one) and store it in secret ${secretName}`,
            ),
      );
    } else
      checks.push(
        skip(
          'GitHub token scopes',
          'a fine-grained token lists none: the teams read below shows whether it has organisation Members read',
        ),
      );
  } else {
    try {
      const auth = (await octokit.auth({ type: 'installation' })) as { permissions?: Record<string, string> };
      checks.push(
        ok(
          'GitHub credential',
          `GitHub App ${secret.appId}: installation ${secret.installationId} issued a token`,
        ),
      );
      const members = auth.permissions?.members;
      checks.push(
        members === 'read' || members === 'write'
          ? ok('GitHub App permissions', `organisation Members: ${members}`)
          : fail(
              'GitHub App permissions',
              `the installation has no organisation Members permission (it has ${
                Object.entries(auth.permissions ?? {})
                  .map(([k, v]) => `${k}: ${v}`)
                  .join(', ') || 'none'
              })`,
              `in the App's settings, Permissions > Organization permissions > Members: Read-only, then accept the new permissions on ${org}'s installation`,
            ),
      );
    } catch (err) {
      const e = err as HttpError;
      const why =
        e.status === 401
          ? 'GitHub rejected the App credentials (401): the private key does not belong to the App, or github_app_id is wrong'
          : e.status === 404
            ? `GitHub has no installation ${secret.installationId} of App ${secret.appId} (404)`
            : undefined;
      checks.push(
        why
          ? fail(
              'GitHub credential',
              why,
              `check github_app_id, github_app_private_key and github_app_installation_id in secret ${secretName}, and that the App is installed on ${org}`,
            )
          : unreachable('GitHub credential', e),
      );
      return [...checks, skip('GitHub checks', 'the rest need a credential that authenticates')];
    }
  }

  // 2. The organisation, and SAML single sign-on.
  let sso: string | undefined;
  let samlBlocked = false;
  try {
    await octokit.request('GET /orgs/{org}', { org });
    checks.push(ok('GitHub organisation', `${org} found`));
  } catch (err) {
    const e = err as HttpError;
    if (e.status === 403 && samlRefused(e)) {
      samlBlocked = true;
      sso = /url=(\S+)/.exec(e.response?.headers?.['x-github-sso'] ?? '')?.[1];
      checks.push(ok('GitHub organisation', `${org} found`));
    } else if (e.status === 404) {
      checks.push(
        fail(
          'GitHub organisation',
          `no organisation ${org} visible to this credential (404)`,
          "check providers.github.organisation: the organisation's login, as in https://github.com/<login>",
        ),
      );
      return checks;
    } else {
      checks.push(
        answered(e)
          ? fail(
              'GitHub organisation',
              `GitHub answered ${e.status} for ${org}: ${clean(e.message ?? '')}`,
              'check the credential and the organisation',
            )
          : unreachable('GitHub organisation', e),
      );
      return checks;
    }
  }

  // 3. The read the sync makes: teams and their members (and SAML identities when used).
  const samlPart = config.useSamlIdentity
    ? 'samlIdentityProvider { externalIdentities(first: 1) { totalCount } }'
    : '';
  const query = `query scimSyncDoctor($org: String!) {
  organization(login: $org) {
    teams(first: 100) { totalCount nodes { slug members(first: 1) { totalCount } } }
    ${samlPart}
  }
}`;
  type Answer = {
    organization: {
      teams: { totalCount: number; nodes: { slug: string }[] };
      samlIdentityProvider?: { externalIdentities: { totalCount: number } } | null;
    } | null;
  };
  let data: Answer | undefined;
  let readError: HttpError | undefined;
  try {
    data = await octokit.graphql<Answer>(query, { org });
  } catch (err) {
    readError = err as HttpError;
    if (samlRefused(readError)) samlBlocked = true;
  }
  checks.push(
    secret.kind === 'app'
      ? ok('SAML single sign-on', 'a GitHub App needs no SAML authorisation')
      : samlBlocked
        ? fail(
            'SAML single sign-on',
            `${org} enforces SAML single sign-on and this token is not authorised for it`,
            `authorise the token for ${org}: ${sso ?? `${TOKENS_PAGE}, Configure SSO, Authorize next to ${org}`}`,
          )
        : ok('SAML single sign-on', 'the token is not refused by SAML single sign-on'),
  );
  if (samlBlocked) return checks;
  if (readError) {
    const list = (readError.errors ?? []).map((x) => `${x.type ?? 'ERROR'}: ${x.message ?? ''}`).join('; ');
    const scopes = (readError.errors ?? []).some((x) => x.type === 'INSUFFICIENT_SCOPES');
    checks.push(
      list
        ? fail(
            'GitHub teams read',
            clean(list),
            scopes
              ? `add ${config.useSamlIdentity ? 'admin:org' : 'read:org'} to the token at ${TOKENS_PAGE} and store it in secret ${secretName}`
              : secret.kind === 'app'
                ? 'give the App the organisation permission Members: Read-only and accept it on the installation'
                : 'give the fine-grained token the organisation permission Members: Read-only (or use a classic token with read:org)',
          )
        : unreachable('GitHub teams read', readError),
    );
    return checks;
  }
  const o = data?.organization;
  if (!o) {
    checks.push(
      fail(
        'GitHub teams read',
        `GitHub returned no organisation ${org}`,
        'check providers.github.organisation',
      ),
    );
    return checks;
  }
  const keep = teamFilter(config);
  const synced = o.teams.nodes.filter((t) => keep(t.slug) === 'kept').length;
  const first = o.teams.totalCount > o.teams.nodes.length ? ` of the first ${o.teams.nodes.length}` : '';
  checks.push(
    o.teams.totalCount === 0
      ? warn(
          'GitHub teams read',
          `${org} has no teams visible to this credential`,
          'a sync would find no groups (the deletion guard stops a run whose source is empty); check the credential can see the teams',
        )
      : ok(
          'GitHub teams read',
          `${o.teams.totalCount} teams, ${synced}${first} synced (ignoreTeams, includeTeams); members readable`,
        ),
  );
  if (config.useSamlIdentity) {
    const idp = o.samlIdentityProvider;
    checks.push(
      idp
        ? ok(
            'SAML identity provider',
            `${idp.externalIdentities.totalCount} SAML identities (useSamlIdentity)`,
          )
        : fail(
            'SAML identity provider',
            `useSamlIdentity is on but ${org} shows this credential no SAML identity provider`,
            'configure SAML single sign-on on the organisation, use a token of an organisation owner with admin:org, or set useSamlIdentity to false',
          ),
    );
  }
  return checks;
}
