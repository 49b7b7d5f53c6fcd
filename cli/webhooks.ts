/**
 * `scim-sync webhooks --local [--leaver LOGIN]... [--port P] [--window-ms MS] [--config FILE]`:
 * GitHub webhooks on this machine (local/webhooks.ts): the stand-ins with the demo organisation
 * and store, a first sync, then the webhook receiver on 127.0.0.1 (the Lambda's handler behind a
 * local function URL), the queue and the starter in process. Each `--leaver` is removed from the
 * fake GitHub organisation, which delivers the signed organization.member_removed; the command
 * prints how long it took until the user was gone from the Identity Store, and exits. Without
 * `--leaver` it reads commands from stdin until EOF or `quit`:
 *
 *   remove <login>                 the organisation removes a member (organization.member_removed)
 *   remove <login> from <team>     a team loses a member (membership.removed)
 *   add <login> to <team>          a team gains one (membership.added)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DEMO_SEED, loadConfigInput, startLocalEnvironment } from '../local/environment';
import type { SeedFile } from '../local/identitystore';
import { LocalRunner } from '../local/runner';
import { removeLeaver, startLocalWebhooks, WEBHOOK_SECRET_NAME } from '../local/webhooks';
import type { Io } from './aws/client';
import { UsageError } from './files';
import { blobRoot } from './sync';

export interface WebhooksOptions {
  leavers: string[];
  port?: number;
  windowMs?: number;
  config?: string;
}

export async function webhooksCommand(
  o: WebhooksOptions,
  io: Io,
  input: NodeJS.ReadableStream = process.stdin,
): Promise<number> {
  const config = loadConfigInput(o.config);
  if (!config.providers.github) throw new UsageError('webhooks need providers.github in the configuration');
  const seed = JSON.parse(readFileSync(DEMO_SEED, 'utf8')) as SeedFile;
  const env = await startLocalEnvironment({ config, providers: ['github'], seed });
  const runner = new LocalRunner(env, join(blobRoot(), 'webhooks'));
  let hooks: Awaited<ReturnType<typeof startLocalWebhooks>> | undefined;
  try {
    const first = await runner.run('github', { name: `initial-${Date.now()}` });
    if (first.execution.status !== 'SUCCEEDED')
      throw new Error(`the first sync failed: ${first.execution.error}: ${first.execution.cause}`);
    const windowMs = o.windowMs ?? 1000;
    hooks = await startLocalWebhooks(env, runner, {
      windowMs,
      ...(o.port !== undefined ? { port: o.port } : {}),
    }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') throw new UsageError(`port ${o.port} is in use: pick another --port`);
      throw err;
    });
    io.out(
      [
        `GitHub organisation ${env.config.providers.github!.organisation} synced into the Identity Store emulator (${env.emulator.endpoint}).`,
        `Webhook receiver (the function URL's stand-in): ${hooks.url}`,
        `  the secret is in the local Secrets Manager as ${WEBHOOK_SECRET_NAME}; the fake GitHub signs its deliveries with it`,
        `  queue, batching window ${windowMs} ms, starter and state machine run in this process`,
        '',
      ].join('\n'),
    );
    // What the runs the events started did: their names and changes, from the local Step Functions.
    const seen = new Set(env.aws.executions.keys());
    const runsSince = () => {
      const lines: string[] = [];
      for (const [arn, x] of env.aws.executions) {
        if (seen.has(arn)) continue;
        seen.add(arn);
        let out: { skipped?: { reason?: string }; changes?: string[]; changesNotListed?: number } = {};
        try {
          out = JSON.parse(x.output ?? '{}');
        } catch {}
        const what = out.skipped
          ? `skipped (${out.skipped.reason})`
          : out.changes?.length
            ? out.changes.join('; ') + (out.changesNotListed ? ` and ${out.changesNotListed} more` : '')
            : x.status === 'SUCCEEDED'
              ? 'nothing to change'
              : (x.error ?? '');
        lines.push(`  run ${x.name} ${x.status}: ${what}\n`);
      }
      return lines.join('') || '  no run started\n';
    };
    const leaver = async (login: string) => {
      const r = await removeLeaver(env, hooks!, login);
      await hooks!.settled();
      if (r.status !== 202) {
        io.out(`${login}: the receiver answered ${r.status}\n`);
        return false;
      }
      io.out(
        `${login} removed from the organisation: gone from the Identity Store ${r.seconds.toFixed(1)} s after the event\n`,
      );
      io.out(runsSince());
      return true;
    };
    if (o.leavers.length) {
      let ok = true;
      for (const l of o.leavers) ok = (await leaver(l)) && ok;
      return ok ? 0 : 1;
    }
    io.out('Commands: remove <login> | remove <login> from <team> | add <login> to <team> | quit\n');
    for await (const line of createInterface({ input })) {
      const words = line.trim().split(/\s+/).filter(Boolean);
      if (!words.length) continue;
      if (words[0] === 'quit' || words[0] === 'exit') break;
      try {
        if (words[0] === 'remove' && words.length === 2) await leaver(words[1]!);
        else if (
          (words[0] === 'remove' && words[2] === 'from') ||
          (words[0] === 'add' && words[2] === 'to')
        ) {
          const action = words[0] === 'add' ? 'added' : 'removed';
          const [login, slug] = [words[1]!, words[3] ?? ''];
          const teams = env.github!.fixture().teams;
          const direct = teams.filter((t) => t.members.includes(login)).map((t) => t.slug);
          if (teams.some((t) => t.slug === slug) && direct.includes(slug) === (action === 'added')) {
            // GitHub sends no event for a change that changes nothing: say so rather than deliver one.
            io.out(
              `${login} is ${action === 'added' ? 'already' : 'not'} a member of ${slug} itself (member of: ${direct.join(', ') || 'no team'})\n`,
            );
            continue;
          }
          const d = await hooks.github.changeTeam(slug, login, action);
          io.out(`membership.${action} delivered: ${d.status} ${d.body}\n`);
          await hooks.settled();
          io.out(runsSince());
        } else
          io.out('Commands: remove <login> | remove <login> from <team> | add <login> to <team> | quit\n');
      } catch (err) {
        io.err(`${(err as Error).message}\n`);
      }
    }
    return 0;
  } finally {
    await hooks?.close();
    runner.close();
    await env.close();
  }
}
