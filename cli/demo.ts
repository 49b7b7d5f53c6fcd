/**
 * `npm start`: both providers' real state machine runs, locally, into one emulated Identity Store
 * that starts with a few hand-made entries and leftovers of the replaced jobs. Shows what each run
 * changed, then runs both again and shows that nothing changed the second time. Then a GitHub
 * leaver: the fake GitHub sends the signed organization.member_removed webhook, and the demo shows
 * how soon the leaver is gone from the store.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Provider } from '../lambdas/core/model';
import { DirBlobStore } from '../lambdas/runtime/blobs';
import { DEMO_SEED, loadConfigInput, startLocalEnvironment } from '../local/environment';
import { type SeedFile, WRITE_OPERATIONS } from '../local/identitystore';
import { LocalRunner } from '../local/runner';
import { removeLeaver, startLocalWebhooks } from '../local/webhooks';
import { blobRoot, describeRun, progressPrinter } from './sync';

export async function demoCommand(values: { quiet?: boolean } = {}): Promise<number> {
  const write = (s: string) => process.stdout.write(s);
  const seed = JSON.parse(readFileSync(DEMO_SEED, 'utf8')) as SeedFile;
  const env = await startLocalEnvironment({ config: loadConfigInput(), seed });
  const blobDir = join(blobRoot(), 'demo');
  const blobs = new DirBlobStore(blobDir);
  const runner = new LocalRunner(
    env,
    blobDir,
    values.quiet ? {} : { onProgress: progressPrinter(write, Boolean(process.stdout.isTTY)) },
  );
  const providers = Object.keys(env.config.providers) as Provider[];
  const writes = () => WRITE_OPERATIONS.reduce((n, op) => n + env.emulator.counts()[op].succeeded, 0);
  let failed = false;
  try {
    write(
      'scim-sync demo: the real state machine (statemachines/sync.asl.json), handlers and SDK clients, run locally\n',
    );
    write(
      `against the Identity Store emulator (${env.emulator.endpoint}, store ${env.emulator.identityStoreId}),\n`,
    );
    write(
      'a fake GitHub organisation (local/fixtures/github-demo.json) and a fake Entra ID tenant (local/fixtures/entra-demo.json).\n',
    );
    write(
      `The store starts with ${seed.users?.length} users and ${seed.groups?.length} groups (local/fixtures/identitystore-demo-seed.json).\n`,
    );
    for (const round of [1, 2]) {
      write(
        `\n=== Round ${round}: ${round === 1 ? 'first sync' : 'the same again: nothing should change'} ===\n`,
      );
      for (const p of providers) {
        const before = writes();
        write(`\n${p}:\n`);
        const r = await runner.run(p);
        write(`${(await describeRun(r, blobs, p)).join('\n')}\n`);
        write(`  Identity Store writes: ${writes() - before}\n`);
        if (r.execution.status !== 'SUCCEEDED') failed = true;
      }
    }
    if (providers.includes('github') && env.github) {
      write('\n=== Round 3: a GitHub leaver, by webhook ===\n');
      const hooks = await startLocalWebhooks(env, runner, { windowMs: 200 });
      try {
        const leaver = 'hvanderberg';
        write(
          `The fake GitHub removes ${leaver} from the organisation and sends the signed organization.member_removed\n`,
        );
        write(`to the webhook receiver (${hooks.url}); the starter starts a run.\n`);
        const r = await removeLeaver(env, hooks, leaver);
        await hooks.settled();
        if (r.status !== 202) {
          write(`  the receiver answered ${r.status}\n`);
          failed = true;
        } else
          write(
            `  ${leaver} removed ${r.seconds.toFixed(1)} s after the event (deployed: up to 5 s in the starter's batching window, then a whole run; 15 s median at 1,000 users in npm run bench -- --only webhooks).\n`,
          );
      } finally {
        await hooks.close();
      }
    }
    const dump = env.emulator.dump();
    write(
      `\nIdentity Store now: ${dump.users.length} users, ${dump.groups.length} groups, ${dump.memberships.length} memberships.\n`,
    );
    write(`Plans and results of every run: ${blobDir}\n`);
    write(
      'Next: `npx scim-sync sync github --local --dry-run`, `npx scim-sync webhooks --local`, `npm test`, docs/runbook.md.\n',
    );
    return failed ? 1 : 0;
  } finally {
    runner.close();
    await env.close();
  }
}
