/**
 * The real synth, with esbuild bundling of all 15 functions (locally, no Docker): each bundle is
 * self-contained, keeps class names (Step Functions matches errors by name) and ships a source map.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { type Synth, synth } from './support';

type Fn = { id: string; name: string; dir: string; env: Record<string, string> };

let s: Synth;
let functions: Fn[];
let seconds: number;
beforeAll(() => {
  const t0 = Date.now();
  s = synth(undefined, { bundle: true });
  seconds = (Date.now() - t0) / 1000;
  functions = Object.entries(s.json.Resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
    .map(([id, r]) => ({
      id,
      name: r.Properties?.FunctionName as string,
      dir: join(s.assembly.directory, (r.Metadata as Record<string, string>)['aws:asset:path']!),
      env: (r.Properties!.Environment as { Variables: Record<string, string> }).Variables,
    }));
}, 120_000);

test('bundles all 15 functions (7 steps per provider and the alert function), one asset per handler (both providers share it)', () => {
  expect(functions).toHaveLength(15);
  for (const f of functions) {
    expect(existsSync(join(f.dir, 'index.js'))).toBe(true);
    expect(existsSync(join(f.dir, 'index.js.map'))).toBe(true);
  }
  expect(new Set(functions.map((f) => f.dir)).size).toBe(8);
  process.stdout.write(`synth with bundling: ${seconds.toFixed(1)} s\n`);
});

test('every bundle is self-contained: it requires Node built-ins only (the AWS SDK is inside)', () => {
  const builtins = new Set(builtinModules);
  for (const dir of new Set(functions.map((f) => f.dir))) {
    const code = readFileSync(join(dir, 'index.js'), 'utf8');
    const required = [...code.matchAll(/\brequire\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1]!);
    // @aws-sdk/signature-v4-crt is the SDK's optional SigV4a signer, required in a try/catch and
    // only for multi-region access points: not installed, not needed.
    const optional = new Set(['@aws-sdk/signature-v4-crt']);
    const external = required.filter(
      (m) => !m.startsWith('node:') && !builtins.has(m.split('/')[0]!) && !optional.has(m),
    );
    expect({ dir, external }).toEqual({ dir, external: [] });
    const alert = functions.find((f) => f.dir === dir)!.name === 'scim-sync-alert';
    expect(code).toContain(alert ? 'SNSClient' : 'IdentitystoreClient');
  }
});

test('a bundle runs: error class names survive minification and stacks map to the sources', () => {
  const f = functions.find((x) => x.name === 'scim-sync-github-check-concurrency')!;
  const script = `
    const { handler } = require(${JSON.stringify(join(f.dir, 'index.js'))});
    handler({ unexpected: true }).then(
      () => console.log(JSON.stringify({ resolved: true })),
      (e) => console.log(JSON.stringify({ constructor: e.constructor.name, name: e.name, stack: e.stack })),
    );`;
  const r = spawnSync(process.execPath, ['--enable-source-maps', '-e', script], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      AWS_REGION: 'eu-west-2',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      SCIM_SYNC_PROVIDER: f.env.SCIM_SYNC_PROVIDER,
      SCIM_SYNC_CONFIG: f.env.SCIM_SYNC_CONFIG,
      SCIM_SYNC_BUCKET: 'scim-sync-test-bucket',
      SCIM_SYNC_LEASE_TABLE: 'scim-sync-lease',
    },
  });
  // (On Node 20 the SDK warns that it wants Node 22, the Lambda runtime: nothing else may be on stderr.)
  expect(r.stderr.replace(/^.*NodeVersionSupportWarning.*$/gm, '').trim()).not.toMatch(/error/i);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  expect(out.constructor).toBe('InputValidationError');
  expect(out.name).toBe('InputValidationError');
  expect(out.stack).toMatch(/lambdas\/handlers\/contracts\.ts:\d+/);
});
