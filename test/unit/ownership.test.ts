/**
 * Ownership rules (lambdas/core/ownership.ts) one by one: claims ignore case, the order of
 * precedence, what each configuration shape means (custom Entra prefix, one provider only), the
 * records of source ids and the temporary names. Expected owners are written out by hand here, never
 * asked of the code under test.
 */
import { type ConfigInput, parseConfig } from '../../lambdas/core/config';
import type { Provider, TargetGroup, TargetUser } from '../../lambdas/core/model';
import type * as Ownership from '../../lambdas/core/ownership';
import { freshEach } from '../support/fresh';

// Loaded before each test, markers and patterns included (test/support/fresh.ts).
const core = freshEach(() => require('../../lambdas/core/ownership') as typeof Ownership);

const github = { organisation: 'acme', secretName: 'gh', userNameSuffix: '@example.com' };
const config = (providers: ConfigInput['providers']) =>
  parseConfig({ identityStoreId: 'd-1234567890', region: 'eu-west-2', providers });
const both = config({ github, entra: { secretName: 'en' } });
const custom = config({ github, entra: { secretName: 'en', groupPrefix: 'SSO-', holdingGroup: 'sso-all' } });
const githubOnly = config({ github });
const entraOnly = config({ entra: { secretName: 'en' } });

const user = (userName: string, emails?: TargetUser['emails'], profileUrl?: string): TargetUser => ({
  userId: 'u1',
  userName,
  ...(emails ? { emails } : {}),
  ...(profileUrl ? { profileUrl } : {}),
});
const rulesOf = (provider: Provider, c: Parameters<typeof Ownership.ownershipRules>[1]) =>
  core().ownershipRules(provider, c);
const email = (type?: string) => ({ value: 'x@example.com', ...(type ? { type } : {}), primary: true });
const group = (displayName: string, description?: string): TargetGroup => ({
  groupId: 'g1',
  displayName,
  ...(description !== undefined ? { description } : {}),
});

describe('user claims', () => {
  const gh = () => rulesOf('github', both);
  const en = () => rulesOf('entra', both);

  it('an EntraId email makes a user Entra’s, in any case, before GitHub’s suffix', () => {
    for (const type of ['EntraId', 'entraid', 'ENTRAID', 'eNTRAiD']) {
      const u = user('ann@example.com', [email(type)]);
      expect([core().userClaimant(gh(), u), core().userOwner(gh(), u), core().userOwner(en(), u)]).toEqual([
        'entra',
        'foreign',
        'owned',
      ]);
    }
  });

  it('one EntraId email among several is enough; other types or none are not Entra’s', () => {
    const mixed = user('x@corp.example', [email('work'), email('EntraId')]);
    expect(core().userOwner(en(), mixed)).toBe('owned');
    expect(core().userOwner(en(), user('x@corp.example', [email('work'), email('EntraIdx')]))).toBe(
      'unowned',
    );
    expect(core().userOwner(en(), user('x@corp.example', [email(undefined)]))).toBe('unowned');
    // A hand-made user without any email is nobody's (and so never deleted by either provider).
    const bare = user('breakglass@corp.example');
    expect([
      core().userClaimant(en(), bare),
      core().userOwner(en(), bare),
      core().userOwner(gh(), bare),
    ]).toEqual([undefined, 'unowned', 'unowned']);
    expect(core().userOwner(en(), user('breakglass@corp.example', []))).toBe('unowned');
  });

  it('GitHub’s suffix claims a user in any case, at the end of the UserName only', () => {
    for (const name of ['ann@example.com', 'Ann@EXAMPLE.COM', 'ann@Example.Com']) {
      expect(core().userOwner(gh(), user(name, [email('work')]))).toBe('owned');
      expect(core().userOwner(gh(), user(name))).toBe('owned'); // a GitHub user that lost its emails stays GitHub's
      expect(core().userOwner(en(), user(name))).toBe('foreign');
    }
    expect(core().userOwner(gh(), user('@example.com.evil'))).toBe('unowned');
    expect(core().userOwner(gh(), user('ann@other.example'))).toBe('unowned');
  });

  it('without a GitHub section no user is GitHub’s; without an Entra section Entra still claims EntraId emails', () => {
    const en1 = core().ownershipRules('entra', entraOnly);
    expect(core().userOwner(en1, user('ann@example.com'))).toBe('unowned');
    expect(core().userOwner(en1, user('ann@example.com', [email('EntraId')]))).toBe('owned');
    const gh1 = core().ownershipRules('github', githubOnly);
    expect(core().userOwner(gh1, user('ann@example.com', [email('entraid')]))).toBe('foreign');
    expect(core().userOwner(gh1, user('ann@example.com'))).toBe('owned');
  });

  it('a claim with no field matches nothing', () => {
    const rules = { ...gh(), userClaims: [{ provider: 'github' as const }] };
    expect(core().userClaimant(rules, user('ann@example.com', [email('work')]))).toBeUndefined();
    const groups = { ...gh(), groupClaims: [{ provider: 'github' as const }] };
    expect(core().groupClaimant(groups, group('web', 'anything'))).toBeUndefined();
  });
});

describe('group claims', () => {
  const gh = () => rulesOf('github', both);
  const en = () => rulesOf('entra', both);
  const marker = 'Managed by scim-sync from GitHub organisation acme';

  it('Entra’s prefix claims a group in any case, whatever its Description says, before GitHub’s marker', () => {
    for (const name of ['azure-aws-sso-admins', 'AZURE-AWS-SSO-admins', 'Azure-Aws-Sso-x']) {
      expect(core().groupOwner(en(), group(name))).toBe('owned');
      expect(core().groupOwner(en(), group(name, marker))).toBe('owned');
      expect(core().groupOwner(gh(), group(name, marker))).toBe('foreign');
      expect(core().groupClaimant(gh(), group(name, marker))).toBe('entra');
    }
    expect(core().groupOwner(en(), group('admins-azure-aws-sso-'))).toBe('unowned');
  });

  it('GitHub’s marker claims a group in any case, at the start of the Description only', () => {
    for (const d of [
      marker,
      marker.toUpperCase(),
      marker.toLowerCase(),
      'managed by SCIM-SYNC from github',
    ]) {
      expect(core().groupOwner(gh(), group('web', d))).toBe('owned');
      expect(core().groupOwner(en(), group('web', d))).toBe('foreign');
    }
    expect(core().groupOwner(gh(), group('web', `Note: ${marker}`))).toBe('unowned');
    expect(core().groupOwner(gh(), group('web', 'Managed by scim-sync from Entra ID'))).toBe('unowned');
  });

  it('a custom Entra prefix replaces the default one (also in temporary names)', () => {
    const en1 = core().ownershipRules('entra', custom);
    const gh1 = core().ownershipRules('github', custom);
    expect(core().groupOwner(en1, group('sso-admins'))).toBe('owned');
    expect(core().groupOwner(en1, group('SSO-admins'))).toBe('owned');
    expect(core().groupOwner(en1, group('azure-aws-sso-admins'))).toBe('unowned');
    expect(core().groupOwner(gh1, group('azure-aws-sso-admins', marker))).toBe('owned');
    expect(core().groupOwner(gh1, group('sso-admins', marker))).toBe('foreign');
    expect(core().temporaryGroupName(en1, 'g9')).toBe('SSO-scim-sync-moving-g9');
  });

  it('without an Entra section Entra’s default prefix is still Entra’s', () => {
    const gh1 = core().ownershipRules('github', githubOnly);
    expect(core().groupOwner(gh1, group('azure-aws-sso-admins', marker))).toBe('foreign');
    expect(core().groupOwner(gh1, group('web', marker))).toBe('owned');
  });

  it('GitHub adopts an unclaimed group with no Description; Entra never adopts', () => {
    expect(core().groupOwner(gh(), group('web'))).toBe('adoptable');
    expect(core().groupOwner(gh(), group('web', ''))).toBe('adoptable');
    expect(core().groupOwner(gh(), group('web', 'made by hand'))).toBe('unowned');
    expect(core().groupOwner(en(), group('web'))).toBe('unowned');
  });

  it('FetchTarget reads memberships of the groups that are or may become the provider’s, only', () => {
    expect(core().mayManageGroup(gh(), group('web', marker))).toBe(true);
    expect(core().mayManageGroup(gh(), group('web'))).toBe(true);
    expect(core().mayManageGroup(gh(), group('web', 'made by hand'))).toBe(false);
    expect(core().mayManageGroup(gh(), group('azure-aws-sso-x', marker))).toBe(false);
    expect(core().mayManageGroup(en(), group('azure-aws-sso-x'))).toBe(true);
    expect(core().mayManageGroup(en(), group('web'))).toBe(false);
    expect(core().mayManageGroup(en(), group('web', marker))).toBe(false);
  });
});

describe('the rules of each provider', () => {
  it('GitHub: its organisation, suffix and group prefix; Entra: its prefix, no suffix', () => {
    const gh = core().ownershipRules('github', config({ github: { ...github, groupPrefix: 'gh-' } }));
    expect(gh).toMatchObject({
      provider: 'github',
      adoptUnmarkedGroups: true,
      organisation: 'acme',
      temporaryUserSuffix: '@example.com',
      temporaryGroupPrefix: 'gh-',
    });
    expect(core().ownershipRules('github', both).temporaryGroupPrefix).toBe('');
    const en = core().ownershipRules('entra', both);
    expect(en).toMatchObject({
      provider: 'entra',
      adoptUnmarkedGroups: false,
      temporaryUserSuffix: '',
      temporaryGroupPrefix: 'azure-aws-sso-',
    });
    expect(en).not.toHaveProperty('organisation');
  });

  it('GitHub rules need a GitHub section', () => {
    expect(() => core().ownershipRules('github', entraOnly)).toThrow('github is not configured');
  });
});

describe('records of source ids', () => {
  const gh = () => rulesOf('github', both);
  const en = () => rulesOf('entra', both);

  it('are written in each provider’s words', () => {
    expect(core().groupRecord(gh(), '1234')).toBe(
      'Managed by scim-sync from GitHub organisation acme, team id 1234',
    );
    expect(core().groupRecord(en(), 'abc-1')).toBe('Managed by scim-sync from Entra ID, group id abc-1');
    expect(core().userRecord(gh(), '42')).toBe('urn:scim-sync:github:user:42');
    expect(core().userRecord(en(), 'abc')).toBe('urn:scim-sync:entra:user:abc');
    expect(core().groupRecord({ ...gh(), organisation: undefined }, '7')).toBe(
      'Managed by scim-sync from GitHub organisation , team id 7',
    );
  });

  it('are read back only behind the provider’s own marker, ignoring the marker’s case', () => {
    expect(core().recordedGroupId(gh(), { description: core().groupRecord(gh(), '1234') })).toBe('1234');
    expect(
      core().recordedGroupId(gh(), {
        description: 'MANAGED BY SCIM-SYNC FROM GITHUB organisation acme, TEAM ID 77',
      }),
    ).toBe('77');
    expect(
      core().recordedGroupId(gh(), { description: 'Managed by scim-sync from GitHub organisation acme' }),
    ).toBeUndefined();
    expect(core().recordedGroupId(gh(), { description: 'made by hand, team id 5' })).toBeUndefined();
    expect(core().recordedGroupId(gh(), { description: core().groupRecord(en(), '5') })).toBeUndefined();
    expect(core().recordedGroupId(gh(), {})).toBeUndefined();
    expect(core().recordedGroupId(en(), { description: core().groupRecord(en(), 'x-1') })).toBe('x-1');
    expect(core().recordedGroupId(en(), { description: core().groupRecord(gh(), '5') })).toBeUndefined();
    // The id is the last word, at the very end.
    expect(
      core().recordedGroupId(gh(), { description: `${core().groupRecord(gh(), '5')} (note)` }),
    ).toBeUndefined();
    expect(
      core().recordedGroupId(en(), { description: `${core().groupRecord(en(), 'x-1')} (note)` }),
    ).toBeUndefined();
  });

  it("the holding group's source id is part of what is stored: it never changes", () => {
    expect(core().HOLDING_GROUP_ID).toBe('holding-group');
    expect(core().groupRecord(en(), core().HOLDING_GROUP_ID)).toBe(
      'Managed by scim-sync from Entra ID, group id holding-group',
    );
  });

  it('user records: the provider’s URN in any case, with an id', () => {
    expect(core().recordedUserId(gh(), { profileUrl: 'urn:scim-sync:github:user:42' })).toBe('42');
    expect(core().recordedUserId(gh(), { profileUrl: 'URN:SCIM-SYNC:GITHUB:USER:42' })).toBe('42');
    expect(core().recordedUserId(gh(), { profileUrl: 'urn:scim-sync:github:user:' })).toBeUndefined();
    expect(core().recordedUserId(gh(), { profileUrl: 'urn:scim-sync:entra:user:42' })).toBeUndefined();
    expect(core().recordedUserId(gh(), { profileUrl: 'https://example.com/ann' })).toBeUndefined();
    expect(core().recordedUserId(gh(), {})).toBeUndefined();
    expect(core().recordedUserId(en(), { profileUrl: 'urn:scim-sync:entra:user:ab-1' })).toBe('ab-1');
  });
});

describe('temporary names', () => {
  it('keep the markers that live in names, and derive from the store id', () => {
    const gh = core().ownershipRules('github', both);
    const en = core().ownershipRules('entra', both);
    expect(core().temporaryUserName(gh, 'u1')).toBe('scim-sync-moving-u1@example.com');
    expect(core().temporaryGroupName(gh, 'g1')).toBe('scim-sync-moving-g1');
    expect(core().temporaryUserName(en, 'u1')).toBe('scim-sync-moving-u1');
    expect(core().temporaryGroupName(en, 'g1')).toBe('azure-aws-sso-scim-sync-moving-g1');
    // They stay the provider's.
    expect(core().userOwner(gh, { userId: 'u1', userName: core().temporaryUserName(gh, 'u1') })).toBe(
      'owned',
    );
    expect(core().groupOwner(en, group(core().temporaryGroupName(en, 'g1')))).toBe('owned');
  });
});
