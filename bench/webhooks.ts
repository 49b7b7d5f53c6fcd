/**
 * Leavers by webhook, in local mode: 10 members removed from the fake GitHub organisation one after
 * the other, each delivering the signed organization.member_removed to the local receiver; the time
 * from the delivery to the user gone from the Identity Store (with every membership), through the
 * queue, the starter's batching window and a whole run of the state machine against the emulator
 * limited to 20 requests/s (the sync paced at 18, as deployed).
 */
import { removeLeaver, startLocalWebhooks } from '../local/webhooks';
import { githubBenchSetup } from './e2e';
import { printTable, type Row } from './report';

export async function benchWebhooks(
  opts: { users?: number; teams?: number; events?: number; windowMs?: number } = {},
): Promise<void> {
  const users = opts.users ?? 1000;
  const teams = opts.teams ?? 100;
  const events = opts.events ?? 10;
  const windowMs = opts.windowMs ?? 5000;
  const { fixture, env, runner, close } = await githubBenchSetup(users, teams);
  const rows: Row[] = [];
  try {
    await runner.run('github', { name: 'initial' });
    const hooks = await startLocalWebhooks(env, runner, { windowMs });
    try {
      const seconds: number[] = [];
      for (let i = 0; i < events; i++) {
        const login = fixture.users![i * 7]!.login;
        const r = await removeLeaver(env, hooks, login);
        if (r.status !== 202) throw new Error(`the receiver answered ${r.status}`);
        seconds.push(r.seconds);
        await hooks.settled(300_000);
        process.stderr.write(`[bench] webhooks: ${login} gone after ${r.seconds.toFixed(1)} s\n`);
      }
      const sorted = [...seconds].sort((a, b) => a - b);
      const mid = sorted.length / 2;
      const median = sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
      rows.push({
        store: `${users} users, ${teams} teams`,
        'batching window s': windowMs / 1000,
        events,
        'runs started': [...env.aws.executions.values()].filter((x) => x.name !== 'initial').length,
        'median s': median,
        'max s': sorted.at(-1)!,
        'min s': sorted[0]!,
      });
    } finally {
      await hooks.close();
    }
  } finally {
    await close();
  }
  printTable(
    'Leavers by webhook (local): member_removed event to the user gone from the Identity Store',
    rows,
  );
}
