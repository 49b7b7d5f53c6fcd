import { Readable } from 'node:stream';
import { runCli } from '../../cli/program';
import { webhooksCommand } from '../../cli/webhooks';
import { capture } from '../support/io';

it('--leaver removes the member through the webhook and says how long it took', async () => {
  const io = capture();
  const code = await runCli(['webhooks', '--local', '--leaver', 'hvanderberg', '--window-ms', '100'], io);
  expect({ code, stderr: io.stderr() }).toEqual({ code: 0, stderr: '' });
  expect(io.stdout()).toMatch(
    /^Webhook receiver \(the function URL's stand-in\): http:\/\/127\.0\.0\.1:\d+$/m,
  );
  expect(io.stdout()).toMatch(
    /^hvanderberg removed from the organisation: gone from the Identity Store \d+\.\d s after the event$/m,
  );
  // What the run it started changed, and why, in the report's words.
  expect(io.stdout()).toMatch(
    /^ {2}run webhook-\S+ SUCCEEDED: delete user hvanderberg@example\.com \(in no synced team any more: loses all-staff\)$/m,
  );
});

it('on stdin: team changes start runs that say what they changed; a change that changes nothing is not sent', async () => {
  const io = capture();
  const input = Readable.from(
    [
      'remove hvanderberg from platform',
      'add hvanderberg to platform',
      'add hvanderberg to platform',
      'remove hvanderberg from platform',
      'quit',
    ].map((l) => `${l}\n`),
  );
  expect(await webhooksCommand({ leavers: [], windowMs: 100 }, io, input)).toBe(0);
  const lines = io.stdout().split('\n');
  const after = lines.slice(lines.findIndex((l) => l.startsWith('Commands:')) + 1).filter(Boolean);
  expect(
    after.map((l) => l.replace(/webhook-\S+/, 'webhook-*').replace(/"delivery":"[^"]+"/, '"delivery":"*"')),
  ).toEqual([
    'hvanderberg is not a member of platform itself (member of: all-staff)',
    'membership.added delivered: 202 {"queued":"membership.added","delivery":"*"}',
    // teamMembership "all": a member of platform is a member of its parent engineering too.
    '  run webhook-* SUCCEEDED: add hvanderberg@example.com to engineering; add hvanderberg@example.com to platform',
    'hvanderberg is already a member of platform itself (member of: all-staff, platform)',
    'membership.removed delivered: 202 {"queued":"membership.removed","delivery":"*"}',
    '  run webhook-* SUCCEEDED: remove hvanderberg@example.com from engineering; remove hvanderberg@example.com from platform',
  ]);
  expect(io.stderr()).toBe('');
});

it('refuses a login that is not in the store, and runs only --local', async () => {
  const io = capture();
  await expect(
    runCli(['webhooks', '--local', '--leaver', 'nobody-here', '--window-ms', '100'], io),
  ).resolves.toBe(1);
  expect(io.stderr()).toMatch(/nobody-here@example\.com is not in the Identity Store/);
  const bare = capture();
  expect(await runCli(['webhooks'], bare)).toBe(2);
  expect(bare.stderr()).toMatch(/required option '--local' not specified/);
});
