/** Configuration errors name their key and say what to write instead. */
import { type ConfigInput, parseConfig } from '../../lambdas/core/config';
import { ConfigError } from '../../lambdas/core/errors';
import { invalidSchedule } from '../../lambdas/core/schedule';

const base: ConfigInput = {
  identityStoreId: 'd-1234567890',
  region: 'eu-west-2',
  providers: {
    github: { organisation: 'acme', secretName: 'gh', userNameSuffix: '@example.com' },
    entra: { secretName: 'entra' },
  },
};
const withGithub = (gh: Record<string, unknown>): ConfigInput => ({
  ...base,
  providers: { ...base.providers, github: { ...base.providers.github!, ...gh } as never },
});
const message = (c: unknown) => {
  try {
    parseConfig(c);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('the configuration was accepted');
};

describe('configuration', () => {
  it('accepts the example configuration', () => {
    expect(parseConfig(base).identityStoreRps).toBe(18);
  });

  it('names the bad key', () => {
    expect(message({ identityStoreId: 'nope', region: 'eu-west-2', providers: {} })).toMatch(
      /identityStoreId: must be an Identity Store id/,
    );
    expect(message({ ...base, providers: { entra: { secretName: 's', holdingGroup: 'everyone' } } })).toMatch(
      /providers\.entra\.holdingGroup: holdingGroup must start with groupPrefix/,
    );
  });

  it.each([
    ['example.com', 'no @: it would claim breakglass@example.com'],
    [' @acme.example', 'a space'],
    ['@acme example', 'a space inside'],
    ['@', 'no domain'],
    ['@localhost', 'no dot'],
    ['@-acme.example', 'a label starting with -'],
  ])('refuses userNameSuffix %j (%s)', (suffix) => {
    expect(message(withGithub({ userNameSuffix: suffix }))).toMatch(
      /^invalid configuration: providers\.github\.userNameSuffix: must be @ followed by a domain/,
    );
  });

  it.each(['@example.com', '@corp.example.co.uk', '@xn--bcher-kva.example', '@bücher.example'])(
    'accepts userNameSuffix %j',
    (suffix) => {
      expect(parseConfig(withGithub({ userNameSuffix: suffix })).providers.github!.userNameSuffix).toBe(
        suffix,
      );
    },
  );

  it('keeps identityStoreRps within the Identity Store limit, (0, 20]', () => {
    expect(message({ ...base, identityStoreRps: 0 })).toMatch(/^invalid configuration: identityStoreRps: /);
    expect(message({ ...base, identityStoreRps: 25 })).toMatch(/identityStoreRps: must be at most 20/);
    expect(parseConfig({ ...base, identityStoreRps: 20 }).identityStoreRps).toBe(20);
  });

  it('refuses a plain-http GitHub apiUrl unless it is a loopback address', () => {
    expect(message(withGithub({ apiUrl: 'http://github.example.com/api/v3' }))).toMatch(
      /providers\.github\.apiUrl: must be an https:\/\/ URL/,
    );
    for (const ok of [
      'https://github.example.com/api/v3',
      'http://127.0.0.1:8080',
      'http://localhost:3000',
    ]) {
      expect(parseConfig(withGithub({ apiUrl: ok })).providers.github!.apiUrl).toBe(ok);
    }
  });

  it('refuses a GitHub groupPrefix inside Entra namespace, with or without an entra section', () => {
    expect(message(withGithub({ groupPrefix: 'azure-aws-sso-gh-' }))).toMatch(
      /providers\.github\.groupPrefix: GitHub group names .* would fall in Entra's namespace \(entra\.groupPrefix "azure-aws-sso-"\)/,
    );
    const githubOnly = {
      ...base,
      providers: { github: { ...base.providers.github!, groupPrefix: 'AZURE-aws-sso-' } },
    };
    expect(message(githubOnly)).toMatch(/providers\.github\.groupPrefix/);
    // A custom Entra prefix moves the namespace.
    const custom = {
      ...base,
      providers: {
        github: { ...base.providers.github!, groupPrefix: 'azure-aws-sso-gh-' },
        entra: { secretName: 'e', groupPrefix: 'sso-', holdingGroup: 'sso-all' },
      },
    };
    expect(parseConfig(custom).providers.github!.groupPrefix).toBe('azure-aws-sso-gh-');
  });

  it('names each bad key of several', () => {
    const m = message({
      ...base,
      identityStoreRps: 50,
      providers: { github: { ...base.providers.github!, userNameSuffix: 'x', schedule: 'rate(1 hours)' } },
    });
    expect(m).toMatch(/identityStoreRps: must be at most 20/);
    expect(m).toMatch(/providers\.github\.userNameSuffix: /);
    expect(m).toMatch(/providers\.github\.schedule: write rate\(1 hour\)/);
  });
});

describe('schedule expressions', () => {
  it.each([
    'rate(1 minute)',
    'rate(5 minutes)',
    'rate(1 hour)',
    'rate(2 hours)',
    'rate(1 day)',
    'cron(0 */6 * * ? *)',
    'cron(0 9-17 ? * MON-FRI *)',
    'cron(0 0 1 * ? 2027)',
    'at(2027-01-01T00:00:00)',
  ])('accepts %s', (s) => expect(invalidSchedule(s)).toBeUndefined());

  it.each([
    ['rate(0 minutes)', /at least 1/],
    ['rate(1 hours)', /write rate\(1 hour\)/],
    ['rate(2 hour)', /write rate\(2 hours\)/],
    ['rate(30 seconds)', /rate\(N minute\[s\] \| hour\[s\] \| day\[s\]\)/],
    ['rate(2hours)', /rate\(N minute/],
    ['cron(0 */6 * * *)', /needs 6 fields .* not 5/],
    ['cron(0 */6 * * * *)', /needs \? in day-of-month or day-of-week/],
    ['cron(0 25 * * ? *)', /outside 0-23/],
    ['cron(0 0 * * ? 99)', /year field/],
    ['every 6 hours', /must be an EventBridge Scheduler expression/],
  ])('refuses %s', (s, why) => expect(invalidSchedule(s)).toMatch(why));

  it('names the schedule key in the configuration error', () => {
    const c = {
      ...base,
      providers: { ...base.providers, entra: { secretName: 'e', schedule: 'rate(2 hour)' } },
    };
    expect(message(c)).toMatch(/providers\.entra\.schedule: write rate\(2 hours\)/);
  });
});
