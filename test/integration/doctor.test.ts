/**
 * `scim-sync doctor`: pointed at the stand-ins by configuration and AWS_ENDPOINT_URL_* variables, as
 * a person points it at the real services. A passing run, then every failing check: each flips the
 * switch in the fake that makes the real service answer that way, and sees ✗ with the right advice
 * and exit code 1. No secret value appears in any output.
 */
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeGithub } from '../../local/github';
import { cli, type LiveStandIns, startLiveStandIns } from '../support/live';

/** One check as "✓ detail" (its mark and what it found), and the fix line under it. */
function check(stdout: string, name: string): string {
  const lines = stdout.split('\n');
  const i = lines.findIndex((l) => l.slice(4).startsWith(`${name}: `));
  if (i < 0) throw new Error(`no check "${name}" in:\n${stdout}`);
  const fix = lines[i + 1]?.startsWith('      fix: ') ? `\n${lines[i + 1]}` : '';
  return `${lines[i]!.slice(2, 4)}${lines[i]!.slice(4 + name.length + 2)}${fix}`;
}

const seed = {
  users: [{ UserName: 'hand@example.com', DisplayName: 'Hand', Name: { GivenName: 'H', FamilyName: 'M' } }],
  groups: [{ DisplayName: 'made-by-hand', Description: 'not synced' }],
  memberships: [{ group: 'made-by-hand', user: 'hand@example.com' }],
};

describe('scim-sync doctor github', () => {
  let s: LiveStandIns;
  beforeAll(async () => {
    s = await startLiveStandIns({ provider: 'github', seed });
  });
  afterAll(() => s.close());
  afterEach(() => {
    const gh = s.env.github!;
    gh.failWith401 = false;
    gh.access = { scopes: ['read:org'] };
    s.env.emulator.setFaults(undefined);
    s.env.aws.failNext('secretsmanager.GetSecretValue', 0);
  });
  const doctor = (...args: string[]) => cli(['doctor', 'github', '--config', s.configFile, ...args]);
  const noSecrets = (r: { stdout: string; stderr: string }) => {
    for (const v of s.env.secretValues) expect(`${r.stdout}${r.stderr}`).not.toContain(v);
  };

  it('passes when everything is set up: every check ✓, exit 0', async () => {
    const r = await doctor();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('✗');
    expect(check(r.stdout, 'GitHub credential')).toMatch(
      /✓ .*a classic personal access token of scim-sync-bot/,
    );
    expect(check(r.stdout, 'GitHub token scopes')).toMatch(/✓ read:org/);
    expect(check(r.stdout, 'SAML single sign-on')).toMatch(/✓ /);
    expect(check(r.stdout, 'GitHub teams read')).toMatch(/✓ 15 teams, 15 synced/);
    expect(check(r.stdout, 'Identity Store reads: ListGroupMemberships')).toMatch(/✓ allowed/);
    expect(r.stdout).toMatch(/all \d+ checks passed/);
    noSecrets(r);
  });

  it('a token GitHub rejects (401): ✗ with "create a new token"', async () => {
    s.env.github!.failWith401 = true;
    const r = await doctor();
    expect(r.code).toBe(1);
    expect(check(r.stdout, 'GitHub credential')).toMatch(
      /✗ GitHub rejected the token \(401 Bad credentials\)[^\n]*\n {6}fix: create a new token .* store it as github_token in secret aws_saml/,
    );
    noSecrets(r);
  });

  it('a classic token without read:org: ✗ scopes, and GitHub refuses the teams read', async () => {
    s.env.github!.access = { scopes: ['repo'] };
    const r = await doctor();
    expect(r.code).toBe(1);
    expect(check(r.stdout, 'GitHub token scopes')).toMatch(
      /✗ repo; the reads need read:org\n {6}fix: add read:org/,
    );
    expect(check(r.stdout, 'GitHub teams read')).toMatch(
      /✗ INSUFFICIENT_SCOPES: .*'teams' field requires one of the following scopes: \['read:org'\]/,
    );
  });

  it('a fine-grained token without organisation Members read: ✗ teams read with the permission to add', async () => {
    s.env.github!.access = { permissions: { metadata: 'read' } };
    const r = await doctor();
    expect(r.code).toBe(1);
    expect(check(r.stdout, 'GitHub token scopes')).toMatch(/– .*fine-grained token lists none/);
    expect(check(r.stdout, 'GitHub teams read')).toMatch(
      /✗ FORBIDDEN: Resource not accessible by personal access token\n {6}fix: give the fine-grained token the organisation permission Members: Read-only/,
    );
  });

  it('an organisation that enforces SAML SSO and a token not authorised for it: ✗ with where to authorise it', async () => {
    s.env.github!.access = { scopes: ['read:org'], samlEnforced: true };
    const r = await doctor();
    expect(r.code).toBe(1);
    expect(check(r.stdout, 'SAML single sign-on')).toMatch(
      /✗ example-org enforces SAML single sign-on and this token is not authorised for it\n {6}fix: authorise the token for example-org: https:\/\/github\.com\/orgs\/example-org\/sso\?authorization_request=\S+/,
    );
  });

  it('useSamlIdentity: needs admin:org, and the organisation must have a SAML identity provider', async () => {
    const config = s.configWith((c) => {
      c.providers.github!.useSamlIdentity = true;
    });
    const run = () => cli(['doctor', 'github', '--config', config]);
    const readOrg = await run();
    expect(readOrg.code).toBe(1);
    expect(check(readOrg.stdout, 'GitHub token scopes')).toMatch(/✗ .*the reads need admin:org/);
    s.env.github!.access = { scopes: ['admin:org'] };
    const r = await run();
    expect(r.code).toBe(0);
    expect(check(r.stdout, 'GitHub token scopes')).toMatch(/✓ admin:org/);
    expect(check(r.stdout, 'SAML identity provider')).toMatch(/✓ 29 SAML identities/);
    // An organisation without a SAML identity provider.
    const bare = await startFakeGithub({
      fixture: { organisation: 'example-org', teams: [{ slug: 'web', name: 'Web', members: ['ann'] }] },
      token: 'ghp_nosamlorg000',
    });
    try {
      bare.access = { scopes: ['admin:org'] };
      s.env.aws.putSecret('github-no-saml', JSON.stringify({ github_token: 'ghp_nosamlorg000' }));
      const none = await cli([
        'doctor',
        'github',
        '--config',
        s.configWith((c) => {
          c.providers.github!.useSamlIdentity = true;
          c.providers.github!.apiUrl = bare.url;
          c.providers.github!.secretName = 'github-no-saml';
        }),
      ]);
      expect(none.code).toBe(1);
      expect(check(none.stdout, 'SAML identity provider')).toMatch(
        /✗ useSamlIdentity is on but example-org shows this credential no SAML identity provider\n {6}fix: .*set useSamlIdentity to false/,
      );
    } finally {
      await bare.close();
    }
  });

  it('an organisation the credential cannot see: ✗ naming the key to check', async () => {
    const r = await cli([
      'doctor',
      'github',
      '--config',
      s.configWith((c) => {
        c.providers.github!.organisation = 'nope-org';
      }),
    ]);
    expect(r.code).toBe(1);
    expect(check(r.stdout, 'GitHub organisation')).toMatch(
      /✗ .*no organisation nope-org visible to this credential \(404\)\n {6}fix: check providers\.github\.organisation/,
    );
  });

  it('a missing secret, a secret the identity may not read, a secret of the wrong shape (never printed)', async () => {
    const missing = await cli([
      'doctor',
      'github',
      '--config',
      s.configWith((c) => {
        c.providers.github!.secretName = 'no-such-secret';
      }),
    ]);
    expect(missing.code).toBe(1);
    expect(check(missing.stdout, 'secret no-such-secret')).toMatch(
      /✗ .*ResourceNotFoundException.*\n {6}fix: create it in this account and region/,
    );
    expect(check(missing.stdout, 'GitHub checks')).toMatch(/– they need the secret/);

    s.env.aws.failNext('secretsmanager.GetSecretValue', Number.POSITIVE_INFINITY, 'AccessDeniedException');
    const denied = await doctor();
    expect(denied.code).toBe(1);
    expect(check(denied.stdout, 'secret aws_saml')).toMatch(
      /✗ .*AccessDeniedException.*\n {6}fix: allow secretsmanager:GetSecretValue on it/,
    );
    s.env.aws.failNext('secretsmanager.GetSecretValue', 0);

    const file = join(s.dir, 'wrong-shape.json');
    writeFileSync(file, JSON.stringify({ token: 'ghp_wrongkeyvalue123' }));
    const calls = s.env.aws.calls['secretsmanager.GetSecretValue'] ?? 0;
    const shape = await doctor('--secret-file', file);
    expect(shape.code).toBe(1);
    expect(check(shape.stdout, 'secret aws_saml')).toMatch(/✓ found in the file /);
    expect(check(shape.stdout, 'secret aws_saml shape')).toMatch(
      /✗ .*invalid GitHub secret: missing keys: expected github_token/,
    );
    expect(`${shape.stdout}${shape.stderr}`).not.toContain('ghp_wrongkeyvalue123');
    // The file is the secret: Secrets Manager was not asked.
    expect(s.env.aws.calls['secretsmanager.GetSecretValue'] ?? 0).toBe(calls);
  });

  it('AccessDenied on ListUsers: ✗ naming identitystore:ListUsers', async () => {
    s.env.emulator.setFaults({ rate: 1, operations: ['ListUsers'], error: 'AccessDeniedException' });
    const r = await doctor();
    expect(r.code).toBe(1);
    expect(check(r.stdout, 'Identity Store reads: ListUsers')).toMatch(
      /✗ .*not allowed: identitystore:ListUsers on d-[0-9a-f]{10}.*\n {6}fix: allow identitystore:ListUsers to the identity you run as/,
    );
    expect(check(r.stdout, 'Identity Store reads: ListGroups')).toMatch(/✓ allowed/);
  });

  it('an unknown Identity Store id: ✗ with where to find the right one', async () => {
    const r = await cli([
      'doctor',
      'github',
      '--config',
      s.configWith((c) => {
        c.identityStoreId = 'd-0000000000';
      }),
    ]);
    expect(r.code).toBe(1);
    expect(check(r.stdout, 'Identity Store')).toMatch(
      /✗ there is no Identity Store d-0000000000 in eu-west-2 .*ResourceNotFoundException.*\n {6}fix: check identityStoreId and region .*IAM Identity Center > Settings/,
    );
  });

  it('--write-probe creates and deletes one marked group; a denied CreateGroup is ✗', async () => {
    const before = s.env.emulator.dump();
    s.env.emulator.resetCounts();
    const r = await doctor('--write-probe');
    expect(r.code).toBe(0);
    expect(check(r.stdout, 'Identity Store writes')).toMatch(
      /✓ created and deleted group scim-sync-doctor-probe-\d{14} /,
    );
    const counts = s.env.emulator.counts();
    expect([counts.CreateGroup.succeeded, counts.DeleteGroup.succeeded]).toEqual([1, 1]);
    expect(s.env.emulator.dump()).toEqual(before);
    expect(check((await doctor()).stdout, 'Identity Store writes')).toMatch(/– .*not probed/);
    s.env.emulator.setFaults({
      rules: [{ operation: 'CreateGroup', nth: 1, error: 'AccessDeniedException' }],
    });
    const denied = await doctor('--write-probe');
    expect(denied.code).toBe(1);
    expect(check(denied.stdout, 'Identity Store writes')).toMatch(
      /✗ .*not allowed: identitystore:CreateGroup/,
    );
  });

  it('a configuration that does not parse: ✗ naming the key, the rest skipped', async () => {
    const r = await cli([
      'doctor',
      'github',
      '--config',
      s.configWith((c) => {
        c.identityStoreId = 'store-1';
      }),
    ]);
    expect(r.code).toBe(1);
    expect(check(r.stdout, 'configuration')).toMatch(/✗ .*identityStoreId/);
    expect(check(r.stdout, 'the other checks')).toMatch(/– .*they need the configuration/);
  });

  it('an AWS profile that does not exist: ✗ AWS credentials, the AWS checks skipped', async () => {
    const keep = { ...process.env };
    process.env.AWS_CONFIG_FILE = '/nonexistent/config';
    process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/credentials';
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    const r = await doctor('--profile', 'no-such-profile').finally(() => {
      process.env = keep;
    });
    expect(r.code).toBe(1);
    expect(check(r.stdout, 'AWS credentials')).toMatch(/✗ no AWS credentials: set AWS_PROFILE/);
    expect(check(r.stdout, 'the other checks')).toMatch(/– they need AWS credentials/);
  });

  it('a GitHub App: its installation token and Members permission; without it ✗', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const app = await startFakeGithub({
      fixture: { organisation: 'example-org', teams: [{ slug: 'web', name: 'Web', members: ['ann'] }] },
      app: {
        appId: 42,
        installationId: 7,
        publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      },
    });
    try {
      s.env.aws.putSecret(
        'github-app',
        JSON.stringify({
          github_app_id: 42,
          github_app_installation_id: 7,
          github_app_private_key: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
        }),
      );
      const config = s.configWith((c) => {
        c.providers.github!.apiUrl = app.url;
        c.providers.github!.secretName = 'github-app';
      });
      const r = await cli(['doctor', 'github', '--config', config]);
      expect(r.code).toBe(0);
      expect(check(r.stdout, 'GitHub credential')).toMatch(/✓ GitHub App 42: installation 7 issued a token/);
      expect(check(r.stdout, 'GitHub App permissions')).toMatch(/✓ organisation Members: read/);
      app.access = { permissions: { metadata: 'read' } };
      const no = await cli(['doctor', 'github', '--config', config]);
      expect(no.code).toBe(1);
      expect(check(no.stdout, 'GitHub App permissions')).toMatch(
        /✗ .*no organisation Members permission \(it has metadata: read\)/,
      );
      expect(check(no.stdout, 'GitHub teams read')).toMatch(/✗ .*Resource not accessible by integration/);
      expect(no.stdout).not.toContain('PRIVATE KEY');
    } finally {
      await app.close();
    }
  });

  it('--local checks the stand-ins of a local run', async () => {
    const r = await cli(['doctor', 'github', '--local']);
    expect(r.code).toBe(0);
    expect(check(r.stdout, 'local stand-ins')).toMatch(/✓ an Identity Store emulator/);
  });
});

describe('scim-sync doctor entra', () => {
  let s: LiveStandIns;
  beforeAll(async () => {
    s = await startLiveStandIns({ provider: 'entra', seed });
  });
  afterAll(() => s.close());
  afterEach(() => {
    s.env.graph!.clearFaults();
    s.env.graph!.setConsentedPermissions(['GroupMember.Read.All', 'User.Read.All']);
  });
  const doctor = (...args: string[]) => cli(['doctor', 'entra', '--config', s.configFile, ...args]);
  const secretJson = () =>
    JSON.parse(s.env.aws.secrets.get('entra_id_aws_connectivity_details')!.versions.at(-1)!.value) as Record<
      string,
      string
    >;

  it('passes when everything is set up', async () => {
    const r = await doctor();
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('✗');
    expect(check(r.stdout, 'Graph admin consent')).toMatch(
      /✓ application permissions GroupMember\.Read\.All, User\.Read\.All/,
    );
    expect(check(r.stdout, 'Entra ID groups')).toMatch(/✓ 6 start with azure-aws-sso-/);
    expect(check(r.stdout, 'Entra ID members')).toMatch(/✓ /);
    for (const v of s.env.secretValues) expect(r.stdout).not.toContain(v);
  });

  it('client credentials Entra rejects: ✗ with the AADSTS code and what to do', async () => {
    s.env.graph!.setTokenFault('invalid_client');
    const r = await doctor();
    expect(r.code).toBe(1);
    expect(check(r.stdout, 'Entra ID token')).toMatch(
      /✗ Entra ID rejected the client credentials \(AADSTS7000215 invalid_client.*"Value" \(not its "Secret ID"\)/,
    );
  });

  it('no admin consent: the token has no roles; ✗ naming both permissions and "Grant admin consent"', async () => {
    s.env.graph!.setConsentedPermissions([]);
    const r = await doctor();
    expect(r.code).toBe(1);
    expect(check(r.stdout, 'Graph admin consent')).toMatch(
      /✗ the token carries no application permissions: none has admin consent .*\n {6}fix: .*application permissions GroupMember\.Read\.All and User\.Read\.All, then Grant admin consent/,
    );
    expect(check(r.stdout, 'Entra ID groups')).toMatch(
      /✗ .*HTTP 401 InvalidAuthenticationToken: Either scp or roles claim/,
    );
  });

  it('GroupMember.Read.All without User.Read.All: ✗ consent and ✗ members without their properties', async () => {
    s.env.graph!.setConsentedPermissions(['GroupMember.Read.All']);
    const r = await doctor();
    expect(r.code).toBe(1);
    expect(check(r.stdout, 'Graph admin consent')).toMatch(
      /✗ .*\(GroupMember\.Read\.All\) lack User\.Read\.All/,
    );
    expect(check(r.stdout, 'Entra ID members')).toMatch(
      /✗ .*without their userPrincipalName.*\n {6}fix: .*User\.Read\.All, then Grant admin consent/,
    );
  });

  it('no group with the prefix: ✗ naming entra.groupPrefix', async () => {
    const config = s.configWith((c) => {
      c.providers.entra!.groupPrefix = 'zzz-';
      c.providers.entra!.holdingGroup = 'zzz-all-members';
    });
    const r = await cli(['doctor', 'entra', '--config', config]);
    expect(r.code).toBe(1);
    expect(check(r.stdout, 'Entra ID groups')).toMatch(
      /✗ no group's name starts with zzz-\n {6}fix: .*entra\.groupPrefix/,
    );
  });

  it('the client secret expiry: ! within 30 days (exit 0), ✗ once expired', async () => {
    const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);
    const file = join(s.dir, 'entra-secret.json');
    writeFileSync(file, JSON.stringify({ ...secretJson(), client_secret_expires_at: inDays(10) }));
    const soon = await doctor('--secret-file', file);
    expect(soon.code).toBe(0);
    expect(check(soon.stdout, 'secret entra_id_aws_connectivity_details expiry')).toMatch(
      /! .*expires on \S+, in (9|10) days\n {6}fix: rotate it soon/,
    );
    writeFileSync(file, JSON.stringify({ ...secretJson(), client_secret_expires_at: inDays(-2) }));
    const expired = await doctor('--secret-file', file);
    expect(expired.code).toBe(1);
    expect(check(expired.stdout, 'secret entra_id_aws_connectivity_details expiry')).toMatch(
      /✗ .*expired on /,
    );
    for (const v of s.env.secretValues) expect(`${soon.stdout}${expired.stdout}`).not.toContain(v);
  });
});
