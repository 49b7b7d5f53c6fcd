/**
 * The doctor's Entra ID checks, with the provider's own token source (msal-node) and Graph reader:
 * - a token is issued for the configured Graph (client credentials at authorityHost);
 * - the Graph application permissions have admin consent: an app-only token's `roles` claim lists
 *   exactly the application permissions granted admin consent (no `roles` claim: none), so the
 *   token is decoded here (its payload only, never printed);
 * - the prefixed groups are found, and the first one's members can be read with their properties;
 * - the holding group (defined by the configuration) is named.
 */
import type { EntraConfig } from '../../lambdas/core/config';
import { GRAPH_PERMISSIONS, GraphClient, odataString, query } from '../../lambdas/providers/entra/graph';
import { resolveRetry } from '../../lambdas/providers/entra/http';
import type { EntraSecret } from '../../lambdas/providers/entra/secret';
import { EntraTokenSource } from '../../lambdas/providers/entra/token';
import { type Check, fail, ok, warn } from './report';

/** Application permissions that cover each read the provider makes (Microsoft Graph permissions reference). */
const COVERS: { need: string; any: string[] }[] = [
  {
    need: 'GroupMember.Read.All',
    any: [
      'GroupMember.Read.All',
      'GroupMember.ReadWrite.All',
      'Group.Read.All',
      'Group.ReadWrite.All',
      'Directory.Read.All',
      'Directory.ReadWrite.All',
    ],
  },
  {
    need: 'User.Read.All',
    any: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  },
];

/** The `roles` claim of a JWT access token; undefined when it is not a JWT. */
export function tokenRoles(token: string): string[] | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { roles?: unknown };
    return Array.isArray(claims.roles) ? claims.roles.map(String) : [];
  } catch {
    return undefined;
  }
}

const CONSENT_FIX = (missing: string[]) =>
  `in the Entra admin center, App registrations > the app > API permissions: add the Microsoft Graph application permission${missing.length > 1 ? 's' : ''} ${missing.join(' and ')}, then Grant admin consent`;

export async function entraChecks(config: EntraConfig, secret: EntraSecret): Promise<Check[]> {
  const retry = resolveRetry({ maxAttempts: 3, baseDelayMs: 500 });
  const checks: Check[] = [];
  let tokens: EntraTokenSource;
  let graph: GraphClient;
  let token: string;
  try {
    tokens = new EntraTokenSource({
      secret,
      graphUrl: config.graphUrl,
      authorityHost: config.authorityHost,
      retry,
    });
    graph = new GraphClient({ graphUrl: config.graphUrl, token: () => tokens.token(), retry });
    token = await tokens.token();
    checks.push(
      ok(
        'Entra ID token',
        `issued for ${config.graphUrl} (tenant ${secret.tenantId}, app ${secret.clientId})`,
      ),
    );
  } catch (err) {
    checks.push(
      fail(
        'Entra ID token',
        (err as Error).message,
        'fix the app registration or the Entra secret as the message says',
      ),
    );
    return checks;
  }
  const roles = tokenRoles(token);
  if (roles === undefined) {
    checks.push(
      warn(
        'Graph admin consent',
        'the access token is not a JWT: its permissions cannot be read',
        'check entra.graphUrl and authorityHost',
      ),
    );
  } else {
    const missing = COVERS.filter((c) => !c.any.some((r) => roles.includes(r))).map((c) => c.need);
    checks.push(
      missing.length === 0
        ? ok('Graph admin consent', `application permissions ${roles.join(', ')}`)
        : fail(
            'Graph admin consent',
            roles.length
              ? `the token's application permissions (${roles.join(', ')}) lack ${missing.join(' and ')}`
              : `the token carries no application permissions: none has admin consent (the sync needs ${GRAPH_PERMISSIONS})`,
            CONSENT_FIX(missing),
          ),
    );
  }
  let groups: { id: string; displayName: string }[];
  try {
    const q = query({
      $filter: `startswith(displayName,${odataString(config.groupPrefix)})`,
      $select: 'id,displayName',
      $top: 999,
    });
    groups = (await graph.list(`/groups${q}`, `groups starting with ${config.groupPrefix}`)) as typeof groups;
  } catch (err) {
    const consented = checks.every((c) => c.name !== 'Graph admin consent' || c.verdict !== 'fail');
    checks.push(
      fail(
        'Entra ID groups',
        (err as Error).message,
        consented ? CONSENT_FIX(['GroupMember.Read.All']) : 'grant the admin consent above first',
      ),
    );
    return checks;
  }
  const names = groups.map((g) => g.displayName).sort();
  const holdingInEntra = names.some((n) => n.toLowerCase() === config.holdingGroup.toLowerCase());
  if (groups.length === 0) {
    checks.push(
      fail(
        'Entra ID groups',
        `no group's name starts with ${config.groupPrefix}`,
        'create the groups to sync with that prefix in Entra ID, or set entra.groupPrefix',
      ),
    );
  } else {
    const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? `, and ${names.length - 5} more` : '');
    checks.push(ok('Entra ID groups', `${groups.length} start with ${config.groupPrefix}: ${shown}`));
  }
  checks.push(
    ok(
      'holding group',
      `${config.holdingGroup}: made by the sync and holds every synced user${holdingInEntra ? ' (an Entra group of that name exists: its members are synced into it too)' : ''}`,
    ),
  );
  const first =
    groups.find((g) => g.displayName.toLowerCase() !== config.holdingGroup.toLowerCase()) ?? groups[0];
  if (!first) return checks;
  // One page only (GraphClient.list would follow every page of a large group).
  const nav = config.nestedGroups ? 'transitiveMembers' : 'members';
  const url = `${config.graphUrl.replace(/\/+$/, '')}/v1.0/groups/${encodeURIComponent(first.id)}/${nav}${query({ $select: 'id,userPrincipalName,accountEnabled', $top: 5 })}`;
  try {
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${await tokens.token()}`, accept: 'application/json' },
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await res.json().catch(() => ({}))) as {
      value?: { '@odata.type'?: string; userPrincipalName?: string }[];
      error?: { code?: string; message?: string };
    };
    if (!res.ok) {
      checks.push(
        fail(
          'Entra ID members',
          `Graph refused to list the members of ${first.displayName} (HTTP ${res.status}${body.error?.code ? ` ${body.error.code}: ${body.error.message ?? ''}` : ''})`,
          CONSENT_FIX(['GroupMember.Read.All']),
        ),
      );
      return checks;
    }
    const users = (body.value ?? []).filter((m) => m['@odata.type'] === '#microsoft.graph.user');
    const bare = users.filter((u) => u.userPrincipalName === undefined).length;
    checks.push(
      bare
        ? fail(
            'Entra ID members',
            `Graph listed the members of ${first.displayName} without their userPrincipalName: the app may not read users`,
            CONSENT_FIX(['User.Read.All']),
          )
        : ok('Entra ID members', `members of ${first.displayName} readable with their properties`),
    );
  } catch (err) {
    checks.push(
      fail(
        'Entra ID members',
        `no answer from ${config.graphUrl} (${(err as Error).message})`,
        'check entra.graphUrl and the network',
      ),
    );
  }
  return checks;
}
