/**
 * The two providers behind one shape, so the handlers stay provider-agnostic: parse the secret
 * (for ResolveSecret's checks) and read the source snapshot (for FetchSource).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Config } from '../core/config';
import type { Provider, SourceSnapshot } from '../core/model';
import { parseEntraSecret, readEntraSource } from './entra';
import { parseGithubSecret, readGithubSource } from './github';

export interface SecretInfo {
  /** What kind of credential it is (token, app, client-secret): never the value. */
  kind: string;
  /** When the credential expires, if the secret says so. */
  expiresAt?: string;
}

export interface SourceRead {
  snapshot: SourceSnapshot;
  credentialExpiresAt?: string;
  requests: number;
}

export interface ProviderAdapter {
  inspectSecret(raw: string): SecretInfo;
  read(opts: {
    config: Config;
    secretRaw: string;
    log: Logger;
    now: () => Date;
    options?: Record<string, unknown>;
  }): Promise<SourceRead>;
}

export const PROVIDER_ADAPTERS: Record<Provider, ProviderAdapter> = {
  github: {
    inspectSecret(raw) {
      return { kind: parseGithubSecret(raw).kind };
    },
    async read({ config, secretRaw, log, now, options }) {
      const r = await readGithubSource({
        config: config.providers.github!,
        secret: parseGithubSecret(secretRaw),
        userAttributes: config.providers.github!.userAttributes,
        logger: log,
        now,
        ...(options ?? {}),
      });
      return r;
    },
  },
  entra: {
    inspectSecret(raw) {
      const s = parseEntraSecret(raw);
      return {
        kind: 'client-secret',
        ...(s.clientSecretExpiresAt ? { expiresAt: s.clientSecretExpiresAt } : {}),
      };
    },
    async read({ config, secretRaw, log, now, options }) {
      const r = await readEntraSource({
        config: config.providers.entra!,
        secret: parseEntraSecret(secretRaw),
        logger: log,
        now,
        // ResolveSecret already warns about the client secret's recorded expiry (one warning, not two).
        expiryWarningDays: Number.NEGATIVE_INFINITY,
        ...(options ?? {}),
      });
      return r;
    },
  },
};
