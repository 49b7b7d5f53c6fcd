/**
 * The Entra secret (JSON in Secrets Manager):
 *   { "tenant_id": "...", "client_id": "...", "client_secret": "...", "client_secret_expires_at"?: "2026-06-30" }
 * Errors name the missing or bad keys, never a value (not even a JSON parse position: V8's
 * JSON.parse messages quote the input).
 */
import { z } from 'zod';
import { SecretInvalidError } from '../../core/errors';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A tenant is named by its id (GUID) or by one of its domains (contoso.onmicrosoft.com). */
const DOMAIN = /^(?=.{3,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

const isDate = (s: string) =>
  /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(s) &&
  !Number.isNaN(Date.parse(s));

// Every message is written here, so no zod default message can echo the input.
const required = (what: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is missing' : `must be ${what}`),
});

export const EntraSecretSchema = z
  .object({
    tenant_id: z
      .string(required('a string'))
      .trim()
      .regex(new RegExp(`${GUID.source}|${DOMAIN.source}`, 'i'), {
        message: 'must be the directory (tenant) id, a GUID, or a tenant domain name',
      }),
    client_id: z
      .string(required('a string'))
      .trim()
      .regex(GUID, { message: 'must be the application (client) id, a GUID' }),
    client_secret: z.string(required('a string')).min(1, { message: 'must not be empty' }),
    client_secret_expires_at: z
      .string({ error: 'must be an ISO 8601 date such as 2026-06-30 or 2026-06-30T00:00:00Z' })
      .refine(isDate, { message: 'must be an ISO 8601 date such as 2026-06-30 or 2026-06-30T00:00:00Z' })
      .optional(),
  })
  .transform((s) => ({
    tenantId: s.tenant_id,
    clientId: s.client_id,
    clientSecret: s.client_secret,
    ...(s.client_secret_expires_at === undefined
      ? {}
      : { clientSecretExpiresAt: new Date(s.client_secret_expires_at).toISOString() }),
  }));

export interface EntraSecret {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** When the client secret expires (ISO 8601), if the secret says so: used for early warnings. */
  clientSecretExpiresAt?: string;
}

const KEYS = 'tenant_id, client_id, client_secret (and optionally client_secret_expires_at)';

/** Parses the secret's JSON text. Throws SecretInvalidError naming keys, never values. */
export function parseEntraSecret(raw: string): EntraSecret {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new SecretInvalidError(`the Entra secret is not valid JSON: it must be an object with ${KEYS}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new SecretInvalidError(`the Entra secret must be a JSON object with ${KEYS}`);
  }
  const r = EntraSecretSchema.safeParse(json);
  if (!r.success) {
    const bad = r.error.issues
      .map((i) => `${i.path.map(String).join('.') || '(root)'} ${i.message}`)
      .join('; ');
    throw new SecretInvalidError(`the Entra secret is invalid: ${bad}. It must hold ${KEYS}`);
  }
  return r.data;
}

/** Replaces every occurrence of the secret's value in a text (defence in depth for messages we pass on). */
export function redact(text: string, secret: Pick<EntraSecret, 'clientSecret'>): string {
  const v = secret.clientSecret;
  return v.length >= 4 ? text.split(v).join('[redacted]') : text;
}
