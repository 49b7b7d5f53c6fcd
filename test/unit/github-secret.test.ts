/** The GitHub secret: PAT or App, malformed secrets name keys and never values; expiry header parsing. */
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { SecretInvalidError } from '../../lambdas/core/errors';
import { splitName } from '../../lambdas/providers/github/mapping';
import { parseGithubSecret } from '../../lambdas/providers/github/secret';
import { parseTokenExpiration, redact } from '../../lambdas/providers/github/text';

const SENTINEL = 'ghp_SENTINEL_secret_value_0123456789';
const PEM = generateKeyPairSync('rsa', { modulusLength: 1024 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

function invalid(raw: string): string {
  try {
    parseGithubSecret(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(SecretInvalidError);
    const msg = (e as Error).message;
    expect(msg).not.toContain(SENTINEL);
    expect(msg).not.toContain('SENTINEL');
    return msg;
  }
  throw new Error('parsed');
}

describe('parseGithubSecret', () => {
  it('accepts a personal access token', () => {
    expect(parseGithubSecret(JSON.stringify({ github_token: ` ${SENTINEL} ` }))).toEqual({
      kind: 'token',
      token: SENTINEL,
    });
  });

  it('accepts a GitHub App, ids as numbers or digit strings, key with escaped newlines', () => {
    const s = parseGithubSecret(
      JSON.stringify({
        github_app_id: 123,
        github_app_private_key: PEM.replace(/\n/g, '\\n'),
        github_app_installation_id: '456',
        note: 'x',
      }),
    );
    expect(s).toEqual({ kind: 'app', appId: '123', installationId: '456', privateKey: PEM.trim() });
  });

  it('bad JSON does not echo the input', () => {
    expect(invalid(`${SENTINEL}`)).toMatch(/not valid JSON.*github_token.*github_app_id/);
    expect(invalid(`{"github_token": "${SENTINEL}"`)).toMatch(/not valid JSON/);
    expect(invalid(JSON.stringify([SENTINEL]))).toMatch(/must be a JSON object/);
    expect(invalid(JSON.stringify(SENTINEL))).toMatch(/must be a JSON object/);
  });

  it('names missing keys', () => {
    expect(invalid('{}')).toMatch(/missing keys: expected github_token, or all of github_app_id/);
    expect(invalid(JSON.stringify({ token: SENTINEL }))).toMatch(/missing keys/);
    expect(invalid(JSON.stringify({ github_app_id: 1, github_app_private_key: SENTINEL }))).toMatch(
      /incomplete GitHub App secret: missing keys github_app_installation_id$/,
    );
  });

  it('refuses both kinds of keys', () => {
    expect(invalid(JSON.stringify({ github_token: SENTINEL, github_app_id: 1 }))).toMatch(
      /ambiguous.*github_token.*github_app_id/,
    );
  });

  it('names bad values without echoing them', () => {
    expect(invalid(JSON.stringify({ github_token: '' }))).toMatch(
      /^invalid GitHub secret: github_token: must not be empty/,
    );
    expect(invalid(JSON.stringify({ github_token: 42 }))).toMatch(/github_token: must be a string/);
    const app = { github_app_id: SENTINEL, github_app_private_key: SENTINEL, github_app_installation_id: -1 };
    const msg = invalid(JSON.stringify(app));
    expect(msg).toMatch(/github_app_id: must be a positive integer/);
    expect(msg).toMatch(/github_app_private_key: must be a PEM-encoded RSA private key/);
    expect(msg).toMatch(/github_app_installation_id: must be a positive integer/);
  });

  it('never echoes any string value, whatever it is (property)', () => {
    fc.assert(
      fc.property(
        fc
          .string({ minLength: 12 })
          .filter((s) => /[A-Za-z]{4}/.test(s) && !/github|must|missing|expected|JSON|secret/i.test(s)),
        fc.constantFrom(
          'github_token',
          'github_app_id',
          'github_app_private_key',
          'github_app_installation_id',
        ),
        (value, key) => {
          const variants = [
            JSON.stringify({ [key]: value, github_app_id: [value] }),
            JSON.stringify({ [key]: [value] }),
            value,
          ];
          for (const raw of variants) {
            try {
              parseGithubSecret(raw);
            } catch (e) {
              if ((e as Error).message.includes(value)) return false;
            }
          }
          return true;
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('helpers', () => {
  it('parses the token expiration header', () => {
    expect(parseTokenExpiration('2026-12-01 10:00:00 UTC')).toBe('2026-12-01T10:00:00.000Z');
    expect(parseTokenExpiration('2026-12-01 10:00:00 +0100')).toBe('2026-12-01T09:00:00.000Z');
    expect(parseTokenExpiration('next tuesday')).toBeUndefined();
  });

  it('splits names: first word / rest; one word fills both', () => {
    expect(splitName('Mary Ann  de la Cruz')).toEqual({ givenName: 'Mary', familyName: 'Ann de la Cruz' });
    expect(splitName(' Cher ')).toEqual({ givenName: 'Cher', familyName: 'Cher' });
  });

  it('redacts secret values and token-, JWT- and key-shaped text', () => {
    const text = `a ${SENTINEL} b eyJhbGciOi.eyJpc3MiOjF9.c2ln c ghs_abcdefghijklmnop d ${PEM}`;
    const out = redact(text, ['secret_value']);
    expect(out).not.toMatch(/SENTINEL|secret_value|eyJ|ghs_|PRIVATE KEY/);
  });
});
