/**
 * ResolveSecret: reads and checks the provider's secret, and passes on only which version to use
 * (ARN, version id), its kind and expiry warnings. The value never enters state data or logs.
 */
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { SecretInvalidError } from '../core/errors';
import { PROVIDER_ADAPTERS } from '../providers/registry';
import { type Deps, lambdaHandler } from '../runtime/deps';
import { parseEvent, RunEventSchema, type SecretRef } from './contracts';

/** Days before expiry from which every run warns. */
export const SECRET_EXPIRY_WARNING_DAYS = 30;

export function expiryWarnings(what: string, expiresAt: string | undefined, now: Date): string[] {
  if (!expiresAt) return [];
  const days = (Date.parse(expiresAt) - now.getTime()) / 86_400_000;
  if (days < 0) return [`${what} expired on ${expiresAt}: rotate it now (docs/runbook.md#rotating-secrets)`];
  if (days <= SECRET_EXPIRY_WARNING_DAYS) {
    return [
      `${what} expires on ${expiresAt} (in ${Math.floor(days)} days): rotate it (docs/runbook.md#rotating-secrets)`,
    ];
  }
  return [];
}

export async function readSecret(deps: Deps, secretId: string, versionId?: string) {
  try {
    const r = await deps.secrets.send(
      new GetSecretValueCommand({ SecretId: secretId, ...(versionId ? { VersionId: versionId } : {}) }),
    );
    if (r.SecretString === undefined)
      throw new SecretInvalidError(
        `secret ${secretId} has no string value (binary secrets are not supported)`,
      );
    return { arn: r.ARN!, versionId: r.VersionId!, value: r.SecretString };
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === 'ResourceNotFoundException') {
      throw new SecretInvalidError(
        `secret ${secretId} does not exist (or has no such version) in this account and region: create it (docs/runbook.md#secrets)`,
      );
    }
    if (name === 'AccessDeniedException') {
      throw new SecretInvalidError(
        `this Lambda may not read secret ${secretId}: check its name in the configuration and the function's IAM policy`,
      );
    }
    throw err;
  }
}

export const makeResolveSecret =
  (deps: Deps) =>
  async (event: unknown): Promise<SecretRef> => {
    const { run } = parseEvent(RunEventSchema, event, 'ResolveSecret');
    const secretName = deps.config.providers[run.provider]!.secretName;
    const s = await readSecret(deps, secretName);
    const info = PROVIDER_ADAPTERS[run.provider].inspectSecret(s.value);
    const warnings = expiryWarnings(
      `the ${run.provider} credential in secret ${secretName}`,
      info.expiresAt,
      deps.now(),
    );
    for (const w of warnings) deps.log.warn(w);
    deps.log.info('secret resolved', {
      secretArn: s.arn,
      versionId: s.versionId,
      kind: info.kind,
      expiresAt: info.expiresAt,
    });
    return {
      arn: s.arn,
      versionId: s.versionId,
      kind: info.kind,
      ...(info.expiresAt ? { expiresAt: info.expiresAt } : {}),
      warnings,
    };
  };

export const handler = lambdaHandler('ResolveSecret', makeResolveSecret);
