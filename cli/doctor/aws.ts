/**
 * The doctor's checks on the AWS side: the provider secret (exists, may be read, has the right
 * shape, when it expires) and the Identity Store (the id resolves in the region, the reads are
 * allowed, and with --write-probe one marked group can be created and deleted). Every check says
 * what it found and, when it fails, what to change. No secret value is ever part of a check.
 */
import {
  CreateGroupCommand,
  DeleteGroupCommand,
  type IdentitystoreClient,
  ListGroupMembershipsCommand,
  ListGroupsCommand,
  ListUsersCommand,
} from '@aws-sdk/client-identitystore';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Config } from '../../lambdas/core/config';
import type { Provider } from '../../lambdas/core/model';
import { SECRET_EXPIRY_WARNING_DAYS } from '../../lambdas/handlers/resolve-secret';
import { awsErrorName } from '../../lambdas/identitystore/util';
import { PROVIDER_ADAPTERS, type SecretInfo } from '../../lambdas/providers/registry';
import { type Check, fail, ok, skip, warn } from './report';

/** The marker of the doctor's write-probe group: never a name or description either provider claims. */
export const PROBE_PREFIX = 'scim-sync-doctor-probe-';
export const PROBE_DESCRIPTION =
  'Made by scim-sync doctor --write-probe to check write access, deleted straight away. If it is still here, delete it.';

const short = (err: unknown) => `${awsErrorName(err)}: ${(err as Error).message}`;

/** Reads the secret by name, as ResolveSecret does. Returns its value for the next checks (never printed). */
export async function secretChecks(
  provider: Provider,
  config: Config,
  secrets: SecretsManagerClient,
  source: string,
  now: Date,
): Promise<{ checks: Check[]; value?: string; info?: SecretInfo }> {
  const name = config.providers[provider]!.secretName;
  const what = `secret ${name}`;
  let value: string | undefined;
  try {
    const r = await secrets.send(new GetSecretValueCommand({ SecretId: name }));
    value = r.SecretString;
    if (value === undefined)
      return {
        checks: [
          fail(
            what,
            `${source} holds a binary secret`,
            'store the JSON as the secret string (docs/configuration.md#secrets)',
          ),
        ],
      };
  } catch (err) {
    const e = awsErrorName(err);
    const fix =
      e === 'ResourceNotFoundException'
        ? `create it in this account and region (docs/deploy.md, step 3), or fix ${provider}.secretName in the configuration`
        : e === 'AccessDeniedException'
          ? `allow secretsmanager:GetSecretValue on it to the identity you run as (and kms:Decrypt on its key if it is a customer managed key), or pass --secret-file`
          : 'check the region, your network and credentials';
    return { checks: [fail(what, `cannot be read from ${source} (${short(err)})`, fix)] };
  }
  const checks = [ok(what, `found in ${source}`)];
  let info: SecretInfo;
  try {
    info = PROVIDER_ADAPTERS[provider].inspectSecret(value);
  } catch (err) {
    checks.push(
      fail(
        `${what} shape`,
        (err as Error).message,
        'fix its JSON keys as docs/configuration.md#secrets shows',
      ),
    );
    return { checks };
  }
  const kinds: Record<string, string> = {
    token: 'a GitHub token (github_token)',
    app: 'a GitHub App (github_app_id, github_app_private_key, github_app_installation_id)',
    'client-secret': 'an Entra ID app registration (tenant_id, client_id, client_secret)',
  };
  checks.push(ok(`${what} shape`, kinds[info.kind] ?? info.kind));
  if (provider === 'entra')
    checks.push(
      expiryCheck(
        `${what} expiry`,
        info.expiresAt,
        now,
        'no expiry date recorded (add client_secret_expires_at to be warned before the client secret expires)',
      ),
    );
  return { checks, value, info };
}

/** When a credential expires: ✓ far away, ! within the warning window, ✗ already expired. */
export function expiryCheck(
  name: string,
  expiresAt: string | undefined,
  now: Date,
  /** What to say when there is no expiry date. */
  none: string,
): Check {
  if (!expiresAt) return ok(name, none);
  const days = Math.floor((Date.parse(expiresAt) - now.getTime()) / 86_400_000);
  const when = expiresAt.slice(0, 10);
  if (days < 0) return fail(name, `expired on ${when}`, 'rotate it (docs/runbook.md#rotating-secrets)');
  if (days <= SECRET_EXPIRY_WARNING_DAYS)
    return warn(
      name,
      `expires on ${when}, in ${days} days`,
      'rotate it soon (docs/runbook.md#rotating-secrets)',
    );
  return ok(name, `expires on ${when}, in ${days} days`);
}

function identityStoreFailure(
  name: string,
  err: unknown,
  action: string,
  config: Config,
  region: string,
): Check {
  const e = awsErrorName(err);
  const store = config.identityStoreId;
  if (e === 'ResourceNotFoundException' || e === 'ValidationException')
    return fail(
      name,
      `there is no Identity Store ${store} in ${region} for these credentials (${short(err)})`,
      'check identityStoreId and region in the configuration against IAM Identity Center > Settings (or `aws sso-admin list-instances`), and that you use the account that holds it',
    );
  if (e === 'AccessDeniedException')
    return fail(
      name,
      `not allowed: identitystore:${action} on ${store} (${short(err)})`,
      `allow identitystore:${action} to the identity you run as (the deployed functions get it from infra/permissions.ts)`,
    );
  return fail(
    name,
    `identitystore:${action} failed (${short(err)})`,
    'check the region, your network and credentials',
  );
}

/** The Identity Store: the id resolves, the sync's reads are allowed, and optionally a write probe. */
export async function identityStoreChecks(
  config: Config,
  client: IdentitystoreClient,
  region: string,
  opts: { writeProbe: boolean; now: Date },
): Promise<Check[]> {
  const id = config.identityStoreId;
  const checks: Check[] = [];
  let firstGroup: string | undefined;
  try {
    const r = await client.send(new ListGroupsCommand({ IdentityStoreId: id, MaxResults: 1 }));
    firstGroup = r.Groups?.[0]?.GroupId;
    checks.push(ok('Identity Store', `${id} in ${region} answers`));
    checks.push(ok('Identity Store reads: ListGroups', 'allowed'));
  } catch (err) {
    checks.push(identityStoreFailure('Identity Store', err, 'ListGroups', config, region));
    return checks;
  }
  try {
    await client.send(new ListUsersCommand({ IdentityStoreId: id, MaxResults: 1 }));
    checks.push(ok('Identity Store reads: ListUsers', 'allowed'));
  } catch (err) {
    checks.push(identityStoreFailure('Identity Store reads: ListUsers', err, 'ListUsers', config, region));
  }
  if (firstGroup) {
    try {
      await client.send(
        new ListGroupMembershipsCommand({ IdentityStoreId: id, GroupId: firstGroup, MaxResults: 1 }),
      );
      checks.push(ok('Identity Store reads: ListGroupMemberships', 'allowed'));
    } catch (err) {
      checks.push(
        identityStoreFailure(
          'Identity Store reads: ListGroupMemberships',
          err,
          'ListGroupMemberships',
          config,
          region,
        ),
      );
    }
  } else checks.push(skip('Identity Store reads: ListGroupMemberships', 'the store has no group to list'));
  checks.push(
    opts.writeProbe
      ? await writeProbe(config, client, region, opts.now)
      : skip('Identity Store writes', 'not probed (--write-probe creates and deletes one marked group)'),
  );
  return checks;
}

async function writeProbe(
  config: Config,
  client: IdentitystoreClient,
  region: string,
  now: Date,
): Promise<Check> {
  const name = 'Identity Store writes';
  const id = config.identityStoreId;
  const displayName = `${PROBE_PREFIX}${now
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14)}`;
  let groupId: string;
  try {
    const r = await client.send(
      new CreateGroupCommand({
        IdentityStoreId: id,
        DisplayName: displayName,
        Description: PROBE_DESCRIPTION,
      }),
    );
    groupId = r.GroupId!;
  } catch (err) {
    return identityStoreFailure(name, err, 'CreateGroup', config, region);
  }
  try {
    await client.send(new DeleteGroupCommand({ IdentityStoreId: id, GroupId: groupId }));
  } catch (err) {
    const f = identityStoreFailure(name, err, 'DeleteGroup', config, region);
    return {
      ...f,
      detail: `created group ${displayName} (${groupId}) but could not delete it: ${f.detail}; delete it by hand`,
    };
  }
  return ok(name, `created and deleted group ${displayName} (CreateGroup, DeleteGroup allowed)`);
}
