/**
 * The names and texts the Identity Store can hold (lambdas/core/identity.ts, from its API model):
 * UserName 1-128 letters, marks, symbols, numbers and punctuation; group names 1-1024, spaces
 * allowed; other text up to 1024, the ideographic space too; two reserved names. The module is
 * loaded before each test (test/support/fresh.ts), so its patterns are what these tests check.
 */
import { parseConfig } from '../../lambdas/core/config';
import type * as Identity from '../../lambdas/core/identity';
import type { SourceSnapshot, SourceUser } from '../../lambdas/core/model';
import { ownershipRules } from '../../lambdas/core/ownership';
import { freshEach } from '../support/fresh';

const core = freshEach(() => require('../../lambdas/core/identity') as typeof Identity);
const bad = (code: string) => `contains a character the Identity Store does not accept (U+${code})`;

describe('UserName', () => {
  const why = (n: string) => core().invalidUserName(n);

  it('letters, marks, symbols, numbers and punctuation of any script', () => {
    for (const ok of [
      'ann@example.com',
      'rené',
      'e\u0301',
      '€$+^`|~',
      '١٢٣',
      "o'neil-_.!#%&*/=?{}",
      'x',
      '😀',
      'Ω',
    ])
      expect(why(ok)).toBeUndefined();
    expect(why('x'.repeat(128))).toBeUndefined();
  });

  it.each([
    ['', 'the UserName is empty'],
    ['x'.repeat(129), 'the UserName is 129 characters long (the Identity Store holds at most 128)'],
    ['ann lee', `the UserName ${bad('0020')}`],
    ['\tann', `the UserName ${bad('0009')}`],
    ['ann\n', `the UserName ${bad('000A')}`],
    ['a\u00a0b', `the UserName ${bad('00A0')}`],
    ['a\u0000 b', `the UserName ${bad('0000')}`],
    ['a\u200bb', `the UserName ${bad('200B')}`],
    ['a\ud800', `the UserName ${bad('D800')}`],
    ['Administrator', 'UserName Administrator is reserved by IAM Identity Center'],
    ['AWSADMINISTRATORS', 'UserName AWSADMINISTRATORS is reserved by IAM Identity Center'],
  ])('%j: %s', (n, message) => expect(why(n)).toBe(message));

  it('reserved names only as the whole name', () => {
    expect(why('administrator2')).toBeUndefined();
    expect(why('the-awsadministrators')).toBeUndefined();
  });
});

describe('group name', () => {
  const why = (n: string) => core().invalidGroupName(n);

  it('may hold spaces, tabs, line breaks and no-break spaces', () => {
    for (const ok of ['web team', 'a\tb', 'a\nb\r', 'a\u00a0b', 'Ω-team 1', 'x'.repeat(1024)])
      expect(why(ok)).toBeUndefined();
  });

  it.each([
    ['', 'the group name is empty'],
    ['x'.repeat(1025), 'the group name is 1025 characters long (the Identity Store holds at most 1024)'],
    ['a\u3000b', `the group name ${bad('3000')}`],
    ['web\u0000', `the group name ${bad('0000')}`],
    ['\u0007web', `the group name ${bad('0007')}`],
    ['administrator', 'group name administrator is reserved by IAM Identity Center'],
    ['AWSAdministrators', 'group name AWSAdministrators is reserved by IAM Identity Center'],
  ])('%j: %s', (n, message) => expect(why(n)).toBe(message));
});

describe('other text', () => {
  it('DisplayName, names and email: spaces of every kind the store accepts, up to 1,024', () => {
    const why = (v: string) => core().invalidText('the DisplayName', v);
    for (const ok of ['Ann Lee', 'a\u3000b', 'a\u00a0b', 'x'.repeat(1024), 'Administrator'])
      expect(why(ok)).toBeUndefined();
    expect(why('')).toBe('the DisplayName is empty');
    expect(why('x'.repeat(1025))).toBe(
      'the DisplayName is 1025 characters long (the Identity Store holds at most 1024)',
    );
    expect(why('a\u0001')).toBe(`the DisplayName ${bad('0001')}`);
    expect(why('\u2028a')).toBe(`the DisplayName ${bad('2028')}`);
  });

  it('the limits are the API model’s', () => {
    expect([core().MAX_USER_NAME, core().MAX_TEXT, core().RESERVED_NAMES]).toEqual([
      128,
      1024,
      ['administrator', 'awsadministrators'],
    ]);
  });
});

describe('screening the source', () => {
  const rules = (provider: 'github' | 'entra') =>
    ownershipRules(
      provider,
      parseConfig({
        identityStoreId: 'd-1234567890',
        region: 'eu-west-2',
        providers: {
          github: { organisation: 'acme', secretName: 'gh', userNameSuffix: '@example.com' },
          entra: { secretName: 'en' },
        },
      }),
    );
  const user = (over: Partial<SourceUser> = {}): SourceUser => ({
    id: '1',
    userName: 'ann@example.com',
    displayName: 'Ann',
    name: { givenName: 'Ann', familyName: 'Lee' },
    email: { value: 'ann@example.com', type: 'work', primary: true },
    ...over,
  });
  const snapshot = (users: SourceUser[], groups: SourceSnapshot['groups'] = []): SourceSnapshot => ({
    provider: 'github',
    fetchedAt: '2026-11-28T00:00:00Z',
    users,
    groups,
    warnings: [],
  });
  const screen = (s: SourceSnapshot, p: 'github' | 'entra' = 'github') => core().screenSource(s, rules(p));

  it.each<[string, Partial<SourceUser>, string]>([
    ['DisplayName', { displayName: 'a\u0001' }, `the DisplayName ${bad('0001')}`],
    ['given name', { name: { givenName: 'a\u0001', familyName: 'Lee' } }, `the given name ${bad('0001')}`],
    [
      'family name',
      { name: { givenName: 'Ann', familyName: 'x'.repeat(1025) } },
      'the family name is 1025 characters long (the Identity Store holds at most 1024)',
    ],
    [
      'formatted name',
      { name: { givenName: 'Ann', familyName: 'Lee', formatted: 'a\u0001' } },
      `the formatted name ${bad('0001')}`,
    ],
    [
      'email',
      { email: { value: 'a\u0001@example.com', type: 'work', primary: true } },
      `the email ${bad('0001')}`,
    ],
    [
      'email type',
      { email: { value: 'ann@example.com', type: 'w\u0001', primary: true } },
      `the email type ${bad('0001')}`,
    ],
  ])('a user whose %s the store cannot hold is a conflict that names it', (_what, over, message) => {
    const r = screen(snapshot([user(over)]));
    expect(r.users).toEqual([]);
    expect(r.blockedUsers).toEqual(new Map([['1', 'ann@example.com']]));
    expect(r.conflicts).toEqual([
      {
        kind: 'user',
        name: 'ann@example.com',
        sourceId: '1',
        reason: 'invalid-name',
        message: `${message}; not synced, and the user is left as it is in the Identity Store`,
      },
    ]);
  });

  it('names and texts are written normalized: NFC without surrounding whitespace', () => {
    const r = screen(
      snapshot(
        [
          user({
            userName: ' rene\u0301@example.com ',
            displayName: ' Rene\u0301 ',
            name: { givenName: ' A ', familyName: ' L ', formatted: ' A L ' },
            email: { value: ' ann@example.com ', type: 'work', primary: true },
          }),
        ],
        [{ id: 'g', displayName: ' we\u0301b ', members: ['1'] }],
      ),
    );
    expect(r.conflicts).toEqual([]);
    expect(r.users).toEqual([
      {
        id: '1',
        userName: 'rené@example.com',
        displayName: 'René',
        name: { givenName: 'A', familyName: 'L', formatted: 'A L' },
        email: { value: 'ann@example.com', type: 'work', primary: true },
      },
    ]);
    expect(r.groups).toEqual([{ id: 'g', displayName: 'wéb', members: ['1'] }]);
  });

  it('a user or group that would be another provider’s, or nobody’s, once written is claimed', () => {
    const r = screen(
      snapshot(
        [
          user({ email: { value: 'ann@example.com', type: 'entraid', primary: true } }),
          user({ id: '2', userName: 'bob@other.example' }),
        ],
        [{ id: 'g', displayName: 'Azure-AWS-SSO-admins', members: [] }],
      ),
    );
    expect(r.conflicts.map((c) => [c.kind, c.sourceId, c.reason, c.message])).toEqual([
      [
        'user',
        '1',
        'claimed',
        "user ann@example.com would not be GitHub's once written (it falls under Entra ID's claim); not synced",
      ],
      [
        'user',
        '2',
        'claimed',
        "user bob@other.example would not be GitHub's once written (it falls under no provider's claim); not synced",
      ],
      [
        'group',
        'g',
        'claimed',
        "group Azure-AWS-SSO-admins is in Entra ID's namespace (its group prefix): GitHub never creates or manages it; rename the team or leave it out of the sync",
      ],
    ]);
    const e = screen(
      { ...snapshot([], [{ id: 'g', displayName: 'web', members: [] }]), provider: 'entra' },
      'entra',
    );
    expect(e.conflicts.map((c) => c.message)).toEqual([
      "group web is in no provider's namespace: Entra ID never creates or manages it; rename the group or leave it out of the sync",
    ]);
    expect(e.blockedGroups).toEqual(new Map([['g', 'web']]));
  });

  it('duplicates name every id, sorted, and come before other problems', () => {
    const r = screen(
      snapshot(
        [user({ id: 'b', userName: 'x'.repeat(130) }), user({ id: 'a', userName: 'X'.repeat(130) })],
        [
          { id: 'g2', displayName: 'Web', members: [] },
          { id: 'g1', displayName: 'web', members: [] },
        ],
      ),
    );
    expect(r.conflicts.map((c) => [c.sourceId, c.reason, c.message])).toEqual([
      [
        'b',
        'duplicate-name',
        `2 GitHub users are named ${'x'.repeat(130)} ignoring case and Unicode form (ids a, b), which the Identity Store would make one; none is synced until all but one are renamed`,
      ],
      [
        'a',
        'duplicate-name',
        `2 GitHub users are named ${'X'.repeat(130)} ignoring case and Unicode form (ids a, b), which the Identity Store would make one; none is synced until all but one are renamed`,
      ],
      [
        'g2',
        'duplicate-name',
        "2 GitHub groups are named Web ignoring case and Unicode form (ids g1, g2), which the Identity Store would make one; none is synced until all but one are renamed (merging them would let whoever controls one grant the other's access)",
      ],
      [
        'g1',
        'duplicate-name',
        "2 GitHub groups are named web ignoring case and Unicode form (ids g1, g2), which the Identity Store would make one; none is synced until all but one are renamed (merging them would let whoever controls one grant the other's access)",
      ],
    ]);
    const g = screen(snapshot([], [{ id: 'g', displayName: 'a\u0000', members: [] }]));
    expect(g.conflicts.map((c) => c.message)).toEqual([
      `the group name ${bad('0000')}; not synced, and the group is left as it is in the Identity Store`,
    ]);
  });
});
