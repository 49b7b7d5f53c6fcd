/**
 * The fake GitHub's organisation webhook: changes the organisation (a leaver, a team change) and
 * POSTs the event GitHub would send to a URL, signed with the webhook secret as GitHub signs it
 * (`X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body>` by @octokit/webhooks-methods, plus the
 * legacy SHA-1 `X-Hub-Signature`), with `X-GitHub-Event`, `X-GitHub-Delivery` (a GUID) and the
 * payload's `action`, `organization` and `sender` as GitHub's docs show them.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { signPayload } from '../../lambdas/runtime/signature';
import { derivedDatabaseId, type GithubFixture } from './fixture';
import type { FakeGithub } from './server';

export interface Delivered {
  status: number;
  body: string;
  delivery: string;
  /** When the delivery was sent (epoch ms). */
  sentAt: number;
}

export interface DeliverOptions {
  delivery?: string;
  /** Sign with this secret instead (a wrong one), or send no signature at all (null). */
  secret?: string | null;
  /** Send only the legacy SHA-1 signature. */
  sha1Only?: boolean;
  contentType?: string;
}

const account = (login: string) => ({
  login,
  id: derivedDatabaseId('user', login),
  type: 'User',
  site_admin: false,
});

export class GithubWebhooks {
  constructor(
    readonly github: FakeGithub,
    private readonly secret: string,
    /** Where deliveries go (the receiver's URL); set when the receiver is listening. */
    public url?: string,
    readonly sender = 'org-admin',
  ) {}

  private org(f: GithubFixture) {
    return { login: f.organisation, id: derivedDatabaseId('team', `org:${f.organisation}`) };
  }

  /** POSTs one event, signed as GitHub signs it. */
  async deliver(event: string, payload: unknown, opts: DeliverOptions = {}): Promise<Delivered> {
    if (!this.url) throw new Error('no webhook URL to deliver to');
    const body = JSON.stringify(payload);
    const delivery = opts.delivery ?? randomUUID();
    const headers: Record<string, string> = {
      'content-type': opts.contentType ?? 'application/json',
      'user-agent': 'GitHub-Hookshot/local',
      'x-github-event': event,
      'x-github-delivery': delivery,
      'x-github-hook-id': '1',
      'x-github-hook-installation-target-type': 'organization',
    };
    const secret = opts.secret === undefined ? this.secret : opts.secret;
    if (secret !== null) {
      headers['x-hub-signature'] = `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`;
      if (!opts.sha1Only) headers['x-hub-signature-256'] = await signPayload(secret, body);
    }
    const sentAt = Date.now();
    const r = await fetch(this.url, { method: 'POST', headers, body });
    return { status: r.status, body: await r.text(), delivery, sentAt };
  }

  /** Removes `login` from the organisation (every team), then sends organization.member_removed. */
  async removeFromOrg(login: string, opts: DeliverOptions = {}): Promise<Delivered> {
    const f = this.github.fixture();
    for (const t of f.teams) t.members = t.members.filter((m) => m !== login);
    this.github.setFixture(f);
    return this.deliver(
      'organization',
      {
        action: 'member_removed',
        membership: { user: account(login), role: 'member', state: 'active' },
        organization: this.org(f),
        sender: account(this.sender),
      },
      opts,
    );
  }

  /** Adds (or removes) `login` to team `slug`, then sends membership.added (or .removed). */
  async changeTeam(
    slug: string,
    login: string,
    action: 'added' | 'removed',
    opts: DeliverOptions = {},
  ): Promise<Delivered> {
    const f = this.github.fixture();
    const team = f.teams.find((t) => t.slug === slug);
    if (!team) throw new Error(`no team ${slug} in the fake organisation`);
    team.members =
      action === 'added' ? [...new Set([...team.members, login])] : team.members.filter((m) => m !== login);
    this.github.setFixture(f);
    return this.deliver(
      'membership',
      {
        action,
        scope: 'team',
        member: account(login),
        team: { id: team.id ?? derivedDatabaseId('team', slug), name: team.name, slug },
        organization: this.org(f),
        sender: account(this.sender),
      },
      opts,
    );
  }
}
