import { runCli } from '../../cli/program';
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
