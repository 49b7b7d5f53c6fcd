/**
 * The GitHub provider's secret (JSON in Secrets Manager): either a personal access token
 * `{"github_token": "..."}` or a GitHub App `{"github_app_id", "github_app_private_key",
 * "github_app_installation_id"}`. Other keys are ignored (a secret may carry notes or dates).
 *
 * Errors name the missing or bad keys and never echo a value: JSON.parse's own message quotes the
 * input, and zod's defaults are replaced by fixed messages.
 */
import { createPrivateKey } from 'node:crypto';
import { z } from 'zod';
import { describeIssues, SecretInvalidError } from '../../core/errors';

export const TOKEN_KEY = 'github_token';
export const APP_KEYS = ['github_app_id', 'github_app_private_key', 'github_app_installation_id'] as const;

export type GithubSecret =
  | { kind: 'token'; token: string }
  | { kind: 'app'; appId: string; privateKey: string; installationId: string };

const nonEmptyString = (what: string) =>
  z
    .string({ error: `must be a string (${what})` })
    .trim()
    .min(1, { error: `must not be empty (${what})` });

/** An id GitHub shows as a number; a numeric string is accepted too. */
const numericId = (what: string) =>
  z
    .custom<string | number>(
      (v) =>
        (typeof v === 'number' && Number.isInteger(v) && v > 0) ||
        (typeof v === 'string' && /^\s*\d+\s*$/.test(v)),
      { error: `must be a positive integer or a string of digits (${what})` },
    )
    .transform((v) => String(v).trim());

function isUsablePrivateKey(pem: string): boolean {
  try {
    return createPrivateKey(pem).asymmetricKeyType === 'rsa';
  } catch {
    return false;
  }
}

/** Secrets pasted through a console often hold `\n` as two characters; PEM needs real newlines. */
function normalisePem(s: string): string {
  const t = s.trim();
  return t.includes('\\n') && !t.includes('\n') ? t.replace(/\\n/g, '\n').trim() : t;
}

const TokenSecretSchema = z.object({ [TOKEN_KEY]: nonEmptyString('a GitHub token with the read:org scope') });

const AppSecretSchema = z.object({
  github_app_id: numericId('the GitHub App id'),
  github_app_private_key: nonEmptyString('the App private key in PEM format')
    .transform(normalisePem)
    .refine(isUsablePrivateKey, { error: 'must be a PEM-encoded RSA private key (PKCS#1 or PKCS#8)' }),
  github_app_installation_id: numericId('the installation id of the App on the organisation'),
});

const RootSchema = z.record(z.string(), z.unknown(), { error: 'must be a JSON object' });

function fail(message: string): never {
  throw new SecretInvalidError(`invalid GitHub secret: ${message}`);
}

/** Parses and validates the secret string. Throws SecretInvalidError naming keys, never values. */
export function parseGithubSecret(raw: string): GithubSecret {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    fail(`not valid JSON; expected {"${TOKEN_KEY}": ...} or {${APP_KEYS.map((k) => `"${k}"`).join(', ')}}`);
  }
  const root = RootSchema.safeParse(json);
  if (!root.success) fail(describeIssues(root.error.issues));
  const obj = root.data;
  const hasToken = TOKEN_KEY in obj;
  const appKeysPresent = APP_KEYS.filter((k) => k in obj);
  if (hasToken && appKeysPresent.length > 0) {
    fail(
      `ambiguous: it has both ${TOKEN_KEY} and GitHub App keys (${appKeysPresent.join(', ')}); keep only one kind`,
    );
  }
  if (hasToken) {
    const r = TokenSecretSchema.safeParse(obj);
    if (!r.success) fail(describeIssues(r.error.issues));
    return { kind: 'token', token: r.data[TOKEN_KEY] };
  }
  if (appKeysPresent.length === 0) {
    fail(`missing keys: expected ${TOKEN_KEY}, or all of ${APP_KEYS.join(', ')}`);
  }
  const missing = APP_KEYS.filter((k) => !(k in obj));
  if (missing.length > 0) fail(`incomplete GitHub App secret: missing keys ${missing.join(', ')}`);
  const r = AppSecretSchema.safeParse(obj);
  if (!r.success) fail(describeIssues(r.error.issues));
  return {
    kind: 'app',
    appId: r.data.github_app_id,
    privateKey: r.data.github_app_private_key,
    installationId: r.data.github_app_installation_id,
  };
}

/** The values that must never appear in a log line or an error message. */
export function secretValues(secret: GithubSecret): string[] {
  return secret.kind === 'token' ? [secret.token] : [secret.privateKey];
}
