/**
 * FetchSource: reads the whole source (GitHub organisation or Entra tenant) with the secret version
 * ResolveSecret chose, and writes the snapshot to the blob store. A partial read is an error.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SourceSnapshotSchema } from '../core/model';
import { PROVIDER_ADAPTERS } from '../providers/registry';
import { type Deps, lambdaHandler } from '../runtime/deps';
import { FetchSourceEventSchema, keys, parseEvent, type SourceRef } from './contracts';
import { readSecret } from './resolve-secret';

export const makeFetchSource =
  (deps: Deps) =>
  async (event: unknown): Promise<SourceRef> => {
    const { run, secret } = parseEvent(FetchSourceEventSchema, event, 'FetchSource');
    const s = await readSecret(deps, secret.arn, secret.versionId);
    const read = await PROVIDER_ADAPTERS[run.provider].read({
      config: deps.config,
      secretRaw: s.value,
      log: deps.log,
      now: deps.now,
      ...(deps.sourceOptions ? { options: deps.sourceOptions } : {}),
    });
    const snapshot = SourceSnapshotSchema.parse(read.snapshot);
    const key = keys.source(run);
    await deps.blobs.putJson(key, snapshot);
    // Expiry warnings: the provider's (GitHub's token expiry header) are in the snapshot; a
    // secret that records its own expiry (Entra) was warned about by ResolveSecret.
    const warnings = snapshot.warnings;
    const expiresAt = read.credentialExpiresAt ?? secret.expiresAt;
    if (expiresAt) {
      deps.metrics.addMetric(
        'CredentialDaysToExpiry',
        MetricUnit.Count,
        Math.floor((Date.parse(expiresAt) - deps.now().getTime()) / 86_400_000),
      );
    }
    deps.metrics.addMetric('SourceRequests', MetricUnit.Count, read.requests);
    deps.metrics.publishStoredMetrics();
    deps.log.info('source read', {
      users: snapshot.users.length,
      groups: snapshot.groups.length,
      requests: read.requests,
      key,
    });
    return {
      key,
      users: snapshot.users.length,
      groups: snapshot.groups.length,
      requests: read.requests,
      ...(expiresAt ? { credentialExpiresAt: expiresAt } : {}),
      warnings: [...new Set(warnings)],
    };
  };

export const handler = lambdaHandler('FetchSource', makeFetchSource);
