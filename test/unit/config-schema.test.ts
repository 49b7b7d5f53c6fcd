/**
 * The configuration schema (lambdas/core/config.ts) key by key: each default, each bound on both
 * sides, each message. The module is loaded before each test (test/support/fresh.ts), so the schema
 * itself, built when the module is imported, is what these tests check.
 */
import type * as ConfigModule from '../../lambdas/core/config';
import { freshEach } from '../support/fresh';

const core = freshEach(() => require('../../lambdas/core/config') as typeof ConfigModule);

const github = { organisation: 'acme', secretName: 'gh', userNameSuffix: '@example.com' };
const entra = { secretName: 'en' };
const base = { identityStoreId: 'd-1234567890', region: 'eu-west-2', providers: { github, entra } };
type Raw = Record<string, unknown>;
const parse = (raw: Raw) => core().parseConfig(raw);
const withTop = (top: Raw) => ({ ...base, ...top });
const withGithub = (gh: Raw) => ({ ...base, providers: { github: { ...github, ...gh }, entra } });
const withEntra = (en: Raw) => ({ ...base, providers: { github, entra: { ...entra, ...en } } });
/** The whole error message, or 'accepted'. */
const error = (raw: Raw, where?: string) => {
  try {
    core().parseConfig(raw, where);
    return 'accepted';
  } catch (err) {
    // The freshly loaded module has its own error classes: the name is what callers and the runbook see.
    expect((err as Error).name).toBe('ConfigError');
    return (err as Error).message;
  }
};

describe('defaults', () => {
  it('fills every key the example leaves out', () => {
    expect(parse(base)).toEqual({
      identityStoreId: 'd-1234567890',
      region: 'eu-west-2',
      alarmEmails: [],
      maxDeletionPercent: 10,
      deletionGuardFloor: 3,
      planMaxAgeHours: 24,
      batchSize: 500,
      applyConcurrency: 4,
      identityStoreRps: 18,
      schedulesEnabled: true,
      providers: {
        github: {
          organisation: 'acme',
          secretName: 'gh',
          schedule: 'cron(0 */6 * * ? *)',
          userNameSuffix: '@example.com',
          groupPrefix: '',
          ignoreTeams: [],
          teamMembership: 'all',
          userAttributes: 'userName',
          useSamlIdentity: false,
          apiUrl: 'https://api.github.com',
          webhooks: true,
        },
        entra: {
          secretName: 'en',
          schedule: 'rate(2 hours)',
          groupPrefix: 'azure-aws-sso-',
          holdingGroup: 'azure-aws-sso-all-members',
          includeOwners: true,
          nestedGroups: true,
          graphUrl: 'https://graph.microsoft.com',
          authorityHost: 'https://login.microsoftonline.com',
        },
      },
    });
  });

  it('keeps what is set', () => {
    const c = parse({
      ...withTop({ alarmEmails: ['ops@example.com'] }),
      providers: {
        github: {
          ...github,
          groupPrefix: 'gh-',
          ignoreTeams: ['x'],
          includeTeams: '^team-',
          teamMembership: 'immediate',
          userAttributes: 'profile',
          useSamlIdentity: true,
          webhooks: false,
        },
        entra: { ...entra, includeOwners: false, nestedGroups: false, schedule: 'rate(1 hour)' },
      },
    });
    expect(c.alarmEmails).toEqual(['ops@example.com']);
    expect(c.providers.github).toMatchObject({
      groupPrefix: 'gh-',
      ignoreTeams: ['x'],
      includeTeams: '^team-',
      teamMembership: 'immediate',
      userAttributes: 'profile',
      useSamlIdentity: true,
      webhooks: false,
    });
    expect(c.providers.entra).toMatchObject({
      includeOwners: false,
      nestedGroups: false,
      schedule: 'rate(1 hour)',
    });
  });
});

describe('bounds', () => {
  it.each<[string, unknown[], unknown[]]>([
    ['maxDeletionPercent', [0, 100, 12.5], [-1, 100.5]],
    ['deletionGuardFloor', [0, 1000], [-1, 1.5]],
    ['planMaxAgeHours', [0.5, 336], [0, -1, 337]],
    ['batchSize', [1, 5000], [0, 5001, 2.5]],
    ['applyConcurrency', [1, 40], [0, 41, 1.5]],
    ['identityStoreRps', [0.5, 20], [0, -2]],
  ])('%s accepts %j and refuses %j, naming the key', (key, good, bad) => {
    for (const v of good) expect(parse(withTop({ [key]: v }))[key as 'batchSize']).toBe(v);
    for (const v of bad)
      expect(error(withTop({ [key]: v }))).toMatch(new RegExp(`^invalid configuration: ${key}: `));
  });

  it('schedulesEnabled: a boolean, false kept, anything else refused naming the key', () => {
    expect(parse(withTop({ schedulesEnabled: false })).schedulesEnabled).toBe(false);
    for (const bad of ['no', 0, null])
      expect(error(withTop({ schedulesEnabled: bad }))).toMatch(/^invalid configuration: schedulesEnabled: /);
  });

  it('providers.github.webhooks: a boolean, anything else refused naming the key', () => {
    for (const bad of ['yes', 1])
      expect(error(withGithub({ webhooks: bad }))).toMatch(
        /^invalid configuration: providers\.github\.webhooks: /,
      );
  });

  it('identityStoreRps above 20 says why', () => {
    expect(error(withTop({ identityStoreRps: 20.5 }))).toBe(
      'invalid configuration: identityStoreRps: must be at most 20: the Identity Store allows about 20 requests/s per account',
    );
  });

  it('identityStoreId: d- and 10 lower-case hex digits, or a UUID', () => {
    for (const ok of ['d-1234567890', 'd-abcdef0123', '12345678-abcd-1234-abcd-123456789abc'])
      expect(parse(withTop({ identityStoreId: ok })).identityStoreId).toBe(ok);
    for (const bad of [
      'd-123456789',
      'd-12345678901',
      'd-ABCDEF0123',
      'x-1234567890',
      'store-1',
      '12345678-abcd-1234-abcd-123456789ab',
      'xd-1234567890',
      'd-1234567890x',
      'x12345678-abcd-1234-abcd-123456789abc',
      '12345678-abcd-1234-abcd-123456789abcx',
    ])
      expect(error(withTop({ identityStoreId: bad }))).toBe(
        'invalid configuration: identityStoreId: must be an Identity Store id such as d-1234567890',
      );
  });

  it('region: an AWS region name', () => {
    for (const ok of ['eu-west-2', 'us-gov-west-1', 'ap-southeast-7'])
      expect(parse(withTop({ region: ok })).region).toBe(ok);
    for (const bad of ['eu-west', 'EU-west-2', 'eu-west-2x', 'euwest-2', 'e-west-2', ' eu-west-2'])
      expect(error(withTop({ region: bad }))).toBe(
        'invalid configuration: region: must be an AWS region such as eu-west-2',
      );
  });

  it('alarmEmails are email addresses', () => {
    expect(error(withTop({ alarmEmails: ['not an email'] }))).toMatch(
      /^invalid configuration: alarmEmails\.0: /,
    );
  });

  it('names each key of a section that must not be empty', () => {
    expect(error(withGithub({ organisation: '' }))).toMatch(
      /^invalid configuration: providers\.github\.organisation: /,
    );
    expect(error(withGithub({ secretName: '' }))).toMatch(
      /^invalid configuration: providers\.github\.secretName: /,
    );
    expect(error(withEntra({ secretName: '' }))).toMatch(
      /^invalid configuration: providers\.entra\.secretName: /,
    );
    expect(error(withEntra({ groupPrefix: '', holdingGroup: 'x' }))).toMatch(
      /^invalid configuration: providers\.entra\.groupPrefix: /,
    );
    expect(error(withEntra({ holdingGroup: '' }))).toMatch(/providers\.entra\.holdingGroup: /);
    // Longer values are fine.
    expect(
      parse(withGithub({ organisation: 'a-much-longer-organisation', secretName: 'gh/secret' })).providers
        .github,
    ).toMatchObject({ organisation: 'a-much-longer-organisation' });
    expect(
      parse(withEntra({ groupPrefix: 'sso-', holdingGroup: 'sso-everyone' })).providers.entra,
    ).toMatchObject({
      groupPrefix: 'sso-',
    });
  });

  it('refuses unknown keys everywhere and values outside the enums', () => {
    expect(error(withTop({ colour: 'blue' }))).toMatch(/^invalid configuration: \(root\): /);
    expect(error(withGithub({ colour: 'blue' }))).toMatch(/^invalid configuration: providers\.github: /);
    expect(error(withEntra({ colour: 'blue' }))).toMatch(/^invalid configuration: providers\.entra: /);
    expect(error({ ...base, providers: { github, entra, okta: {} } })).toMatch(
      /^invalid configuration: providers: /,
    );
    expect(error(withGithub({ teamMembership: 'some' }))).toMatch(/providers\.github\.teamMembership: /);
    expect(error(withGithub({ userAttributes: 'email' }))).toMatch(/providers\.github\.userAttributes: /);
  });
});

describe('providers', () => {
  it('at least one', () => {
    expect(error({ ...base, providers: {} })).toBe(
      'invalid configuration: providers: configure at least one provider (github or entra)',
    );
    expect(parse({ ...base, providers: { github } }).providers).not.toHaveProperty('entra');
    expect(parse({ ...base, providers: { entra } }).providers).not.toHaveProperty('github');
  });

  it('GitHub’s userNameSuffix is @ and a domain', () => {
    for (const ok of ['@example.com', '@a.b', '@corp-1.example.co.uk', '@bücher.example', '@x1.y2'])
      expect(parse(withGithub({ userNameSuffix: ok })).providers.github!.userNameSuffix).toBe(ok);
    for (const bad of [
      'example.com',
      '@',
      '@localhost',
      '@-a.example',
      '@a-.example',
      '@a..example',
      '@a.example.',
      '@a b.example',
      '@example.co_m',
      ' @a.example',
      `@${'a'.repeat(250)}.example`,
    ])
      expect(error(withGithub({ userNameSuffix: bad }))).toBe(
        'invalid configuration: providers.github.userNameSuffix: must be @ followed by a domain, e.g. "@example.com" (without the @ it would also claim users such as breakglass@example.com)',
      );
  });

  it('GitHub’s apiUrl: https, or http only to a loopback address', () => {
    for (const ok of [
      'https://github.example.com/api/v3',
      'http://127.0.0.1:8080',
      'http://127.1.2.3',
      'http://127.0.0.100:3000',
      'http://localhost:3000',
      'http://[::1]:9000',
    ])
      expect(parse(withGithub({ apiUrl: ok })).providers.github!.apiUrl).toBe(ok);
    for (const bad of [
      'http://github.example.com',
      'http://localhost.example.com',
      'http://128.0.0.1',
      'ftp://127.0.0.1',
      'http://127.0.0.1.example',
      'http://xlocalhost:8080',
      'http://my-localhost:8080',
    ])
      expect(error(withGithub({ apiUrl: bad }))).toBe(
        'invalid configuration: providers.github.apiUrl: must be an https:// URL (plain http only to a loopback address such as 127.0.0.1)',
      );
    // Not a URL at all: a ConfigError naming the key too (it used to be a TypeError from new URL()).
    expect(error(withGithub({ apiUrl: 'not a url' }))).toBe(
      'invalid configuration: providers.github.apiUrl: Invalid URL',
    );
  });

  it('GitHub’s includeTeams must be a regular expression', () => {
    expect(error(withGithub({ includeTeams: '(' }))).toBe(
      'invalid configuration: providers.github.includeTeams: must be a valid regular expression',
    );
  });

  it('schedules are checked where they are written', () => {
    expect(error(withGithub({ schedule: 'rate(1 hours)' }))).toBe(
      'invalid configuration: providers.github.schedule: write rate(1 hour): the unit is singular for 1 and plural otherwise',
    );
    expect(error(withEntra({ schedule: 'every 2 hours' }))).toMatch(
      /^invalid configuration: providers\.entra\.schedule: /,
    );
    expect(parse(withEntra({ schedule: 'cron(0 8 ? * MON *)' })).providers.entra!.schedule).toBe(
      'cron(0 8 ? * MON *)',
    );
  });

  it('Entra’s holding group starts with its prefix, ignoring case', () => {
    expect(error(withEntra({ holdingGroup: 'everyone' }))).toBe(
      'invalid configuration: providers.entra.holdingGroup: holdingGroup must start with groupPrefix (so that Entra owns it)',
    );
    expect(
      parse(withEntra({ groupPrefix: 'SSO-', holdingGroup: 'sso-all' })).providers.entra!.holdingGroup,
    ).toBe('sso-all');
    expect(
      parse(withEntra({ groupPrefix: 'sso-', holdingGroup: 'SSO-ALL' })).providers.entra!.holdingGroup,
    ).toBe('SSO-ALL');
  });

  it('GitHub’s group names stay out of Entra’s namespace, ignoring case, with or without an Entra section', () => {
    const message = (gh: string, en: string) =>
      `invalid configuration: providers.github.groupPrefix: GitHub group names (groupPrefix "${gh}" + team slug) would fall in Entra's namespace (entra.groupPrefix "${en}"), where Entra's claim wins: choose prefixes that do not overlap`;
    expect(error(withGithub({ groupPrefix: 'azure-aws-sso-gh-' }))).toBe(
      message('azure-aws-sso-gh-', 'azure-aws-sso-'),
    );
    expect(error({ ...base, providers: { github: { ...github, groupPrefix: 'AZURE-aws-sso-' } } })).toBe(
      message('AZURE-aws-sso-', 'azure-aws-sso-'),
    );
    const custom = { secretName: 'e', groupPrefix: 'SSO-', holdingGroup: 'sso-all' };
    expect(
      error({ ...base, providers: { github: { ...github, groupPrefix: 'sso-x-' }, entra: custom } }),
    ).toBe(message('sso-x-', 'SSO-'));
    // A prefix whose temporary names would fall there: "scim-sync-moving-..." under Entra prefix "scim-".
    const scim = { secretName: 'e', groupPrefix: 'scim-', holdingGroup: 'scim-all' };
    expect(error({ ...base, providers: { github, entra: scim } })).toBe(message('', 'scim-'));
    // A custom Entra prefix moves the namespace; prefixes that only share a start are fine.
    expect(
      parse({
        ...base,
        providers: { github: { ...github, groupPrefix: 'azure-aws-sso-gh-' }, entra: custom },
      }).providers.github!.groupPrefix,
    ).toBe('azure-aws-sso-gh-');
    expect(parse(withGithub({ groupPrefix: 'azure-' })).providers.github!.groupPrefix).toBe('azure-');
    expect(parse({ ...base, providers: { entra: custom } }).providers.entra!.groupPrefix).toBe('SSO-');
  });

  it('says which configuration was invalid', () => {
    expect(error(withTop({ region: 'x' }), 'cdk.json scimSync')).toMatch(
      /^invalid cdk\.json scimSync: region: /,
    );
  });
});
