/**
 * Verifies a GitHub App JWT as GitHub does before issuing an installation token: RS256 signed by
 * the App's private key, `iss` = the App id, `exp` in the future and at most 10 minutes after
 * `iat`. Returns null when valid, else GitHub's error message.
 */
import { createPublicKey, verify } from 'node:crypto';

const UNDECODABLE = 'A JSON web token could not be decoded';

function decodePart(part: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function verifyAppJwt(
  jwt: string,
  publicKeyPem: string,
  appId: string,
  nowMs = Date.now(),
): string | null {
  const parts = jwt.split('.');
  if (parts.length !== 3) return UNDECODABLE;
  const [h, p, s] = parts as [string, string, string];
  const header = decodePart(h);
  const payload = decodePart(p);
  if (!header || !payload || header.alg !== 'RS256') return UNDECODABLE;
  let ok = false;
  try {
    ok = verify(
      'RSA-SHA256',
      Buffer.from(`${h}.${p}`),
      createPublicKey(publicKeyPem),
      Buffer.from(s, 'base64url'),
    );
  } catch {
    ok = false;
  }
  if (!ok) return UNDECODABLE;
  if (String(payload.iss) !== appId) return UNDECODABLE;
  const now = Math.floor(nowMs / 1000);
  const { iat, exp } = payload;
  if (typeof iat !== 'number' || !Number.isInteger(iat) || iat > now + 60) {
    return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued";
  }
  if (typeof exp !== 'number' || exp <= now) {
    return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
  }
  if (exp - iat > 600 + 60) return "'Expiration time' claim ('exp') is too far in the future";
  return null;
}
