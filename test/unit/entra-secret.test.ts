import { SecretInvalidError } from '../../lambdas/core/errors';
import { SourceUserSchema } from '../../lambdas/core/model';
import { parseEntraSecret, personName, toSourceUser } from '../../lambdas/providers/entra';

const SENTINEL = 'SENTINEL-secret-value-7d1c';
const TENANT = '11111111-2222-4333-8444-555555555555';
const CLIENT = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';

function secretError(raw: string): SecretInvalidError {
  try {
    parseEntraSecret(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(SecretInvalidError);
    return err as SecretInvalidError;
  }
  throw new Error('expected SecretInvalidError');
}

describe('parseEntraSecret', () => {
  it('accepts the documented shape, with an optional expiry date', () => {
    const s = parseEntraSecret(
      JSON.stringify({
        tenant_id: TENANT,
        client_id: CLIENT,
        client_secret: SENTINEL,
        client_secret_expires_at: '2027-03-31',
      }),
    );
    expect(s).toEqual({
      tenantId: TENANT,
      clientId: CLIENT,
      clientSecret: SENTINEL,
      clientSecretExpiresAt: '2027-03-31T00:00:00.000Z',
    });
    const t = parseEntraSecret(
      JSON.stringify({
        tenant_id: 'contoso.onmicrosoft.com',
        client_id: CLIENT,
        client_secret: 'x',
        other: 1,
      }),
    );
    expect(t.tenantId).toBe('contoso.onmicrosoft.com');
    expect(t.clientSecretExpiresAt).toBeUndefined();
  });

  it('names every missing key', () => {
    const e = secretError(JSON.stringify({ client_secret: SENTINEL }));
    expect(e.message).toMatch(/tenant_id is missing/);
    expect(e.message).toMatch(/client_id is missing/);
    expect(e.message).not.toMatch(/client_secret is missing/);
    expect(e.message).not.toContain(SENTINEL);
  });

  it.each([
    ['not JSON', `{"client_secret": "${SENTINEL}", "tenant_id": `],
    ['an array', `["${SENTINEL}"]`],
    ['a string', JSON.stringify(SENTINEL)],
    ['bad types', JSON.stringify({ tenant_id: 42, client_id: SENTINEL, client_secret: SENTINEL })],
    [
      'a secret id pasted as client id',
      JSON.stringify({ tenant_id: TENANT, client_id: SENTINEL, client_secret: '' }),
    ],
    [
      'a bad expiry',
      JSON.stringify({
        tenant_id: TENANT,
        client_id: CLIENT,
        client_secret: SENTINEL,
        client_secret_expires_at: SENTINEL,
      }),
    ],
    [
      'a bad tenant',
      JSON.stringify({ tenant_id: `${SENTINEL} x`, client_id: CLIENT, client_secret: SENTINEL }),
    ],
  ])('rejects %s naming keys, never values', (_what, raw) => {
    const e = secretError(raw);
    expect(e.message).toMatch(/tenant_id|client_id|client_secret/);
    expect(e.message).not.toContain(SENTINEL);
    expect(e.message).not.toContain('SENTINEL');
    expect(String(e.stack)).not.toContain(SENTINEL);
  });

  it('says which key is bad', () => {
    expect(
      secretError(JSON.stringify({ tenant_id: TENANT, client_id: 'nope', client_secret: 's' })).message,
    ).toMatch(/client_id must be the application \(client\) id/);
    expect(
      secretError(JSON.stringify({ tenant_id: TENANT, client_id: CLIENT, client_secret: '' })).message,
    ).toMatch(/client_secret must not be empty/);
  });
});

describe('Entra user mapping', () => {
  const base = { id: 'u1', userPrincipalName: 'jane.doe@example.com', accountEnabled: true };

  it('maps UPN, names, display name and the EntraId email', () => {
    const u = toSourceUser({ ...base, givenName: 'Jane', surname: 'Doe', displayName: 'Jane Doe (Ops)' });
    expect(u).toEqual({
      id: 'u1',
      userName: 'jane.doe@example.com',
      displayName: 'Jane Doe (Ops)',
      name: { givenName: 'Jane', familyName: 'Doe' },
      email: { value: 'jane.doe@example.com', type: 'EntraId', primary: true },
    });
  });

  it.each([
    [{ givenName: null, surname: null, displayName: 'Erin Partner (Guest)' }, 'Erin', 'Partner (Guest)'],
    [{ givenName: 'Jane', surname: null, displayName: 'Jane Q Doe' }, 'Jane', 'Doe'],
    [{ givenName: '  ', surname: 'Doe', displayName: 'J Doe' }, 'J', 'Doe'],
    [{ givenName: null, surname: null, displayName: 'Deploy' }, 'Deploy', 'jane.doe'],
    [{ givenName: null, surname: null, displayName: null }, 'jane.doe', 'jane.doe'],
    [{ givenName: 'A\u0000b', surname: 'C\td', displayName: '' }, 'A b', 'C d'],
  ])('falls back when names are missing: %j', (names, given, family) => {
    expect(personName({ ...base, ...names })).toEqual({ givenName: given, familyName: family });
    const u = toSourceUser({ ...base, ...names });
    expect(SourceUserSchema.safeParse(u).success).toBe(true);
  });

  it('strips the #EXT# tail of a guest UPN for the fallback', () => {
    const n = personName({
      userPrincipalName: 'erin_partner.example#EXT#@contoso.onmicrosoft.com',
      givenName: null,
      surname: null,
      displayName: null,
    });
    expect(n).toEqual({ givenName: 'erin_partner.example', familyName: 'erin_partner.example' });
  });
});
