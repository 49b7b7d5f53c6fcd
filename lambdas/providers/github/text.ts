/**
 * Text helpers of the GitHub provider with no I/O: the token-expiry header, and redaction of
 * secret values (and anything shaped like a GitHub token, JWT or private key) from messages.
 */

/** Parses `2026-12-01 10:00:00 UTC` (or with a numeric offset) to ISO 8601; undefined if unreadable. */
export function parseTokenExpiration(header: string): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})\s*(UTC|Z|[+-]\d{2}:?\d{2})?$/.exec(header.trim());
  if (!m) return undefined;
  const zone = !m[3] || m[3] === 'UTC' || m[3] === 'Z' ? 'Z' : m[3].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  const d = new Date(`${m[1]}T${m[2]}${zone}`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

const SECRETISH = [
  /\b(gh[pousr]_[A-Za-z0-9_]{6,}|github_pat_[A-Za-z0-9_]{6,})/g,
  /\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g,
  /-----BEGIN[^-]*PRIVATE KEY-----[\s\S]*?(-----END[^-]*PRIVATE KEY-----|$)/g,
];

/** Removes the secret's values and anything shaped like a GitHub token, JWT or private key. */
export function redact(text: string, secretValues: string[]): string {
  let out = text;
  for (const v of secretValues) if (v.length >= 4) out = out.split(v).join('[REDACTED]');
  for (const re of SECRETISH) out = out.replace(re, '[REDACTED]');
  return out;
}
