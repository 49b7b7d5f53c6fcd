/**
 * The blob store the deployed Lambdas use (S3BlobStore), with the real S3 client against s3rver, a
 * local S3 implementation: JSON in and out, a missing key is `undefined` (not an error), listing by
 * prefix, text objects keep their content type; and a live run with `--bucket` keeps its run data
 * and report there. (s3rver 3.7 answers ListObjectsV2 with MaxKeys or a continuation token with an
 * internal error, so paging past 1,000 keys is not exercised here.)
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
// s3rver has no types of its own.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (
  o: Record<string, unknown>,
) => {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
};
import { blobRoot } from '../../cli/sync';
import { S3BlobStore } from '../../lambdas/runtime/blobs';
import { cli, type LiveStandIns, startLiveStandIns } from '../support/live';

const BUCKET = 'scim-sync-run-data';
let dir: string;
let server: InstanceType<typeof S3rver>;
let endpoint: string;
let s3: S3Client;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'scim-sync-s3-'));
  server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir });
  const { port } = await server.run();
  endpoint = `http://127.0.0.1:${port}`;
  s3 = new S3Client({
    endpoint,
    region: 'eu-west-2',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(async () => {
  s3.destroy();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('S3BlobStore against s3rver', () => {
  it('writes and reads JSON, answers undefined for a missing key, lists every key under a prefix', async () => {
    const blobs = new S3BlobStore(s3, BUCKET, 'eu-west-2');
    await blobs.putJson('github/run-1/plan.json', { total: 3, names: ['ann', 'bob'] });
    expect(await blobs.getJson('github/run-1/plan.json')).toEqual({ total: 3, names: ['ann', 'bob'] });
    expect(await blobs.getJson('github/run-1/none.json')).toBeUndefined();
    // Keys under the prefix, and one outside it.
    for (let i = 0; i < 12; i++) await blobs.putJson(`github/run-1/results/creates/${i}.json`, { i });
    await blobs.putJson('github/run-2/plan.json', {});
    const keys = await blobs.list('github/run-1/results/');
    expect(keys).toEqual(
      Array.from({ length: 12 }, (_, i) => `github/run-1/results/creates/${i}.json`).sort(),
    );
    expect(blobs.describe('github/run-1/plan.json')).toBe(`s3://${BUCKET}/github/run-1/plan.json`);
    expect(blobs.consoleUrl('a/b.html')).toBe(
      `https://eu-west-2.console.aws.amazon.com/s3/object/${BUCKET}?region=eu-west-2&prefix=a%2Fb.html`,
    );
  });

  it('keeps a text object with its content type (the HTML report)', async () => {
    const blobs = new S3BlobStore(s3, BUCKET);
    await blobs.putText('github/run-1/report.html', '<html></html>', 'text/html; charset=utf-8');
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'github/run-1/report.html' }));
    expect(head.ContentType).toBe('text/html; charset=utf-8');
  });
});

describe('sync --live --bucket', () => {
  let s: LiveStandIns;
  const saved = {
    endpoint: process.env.AWS_ENDPOINT_URL_S3,
    key: process.env.AWS_ACCESS_KEY_ID,
    secret: process.env.AWS_SECRET_ACCESS_KEY,
  };
  beforeAll(async () => {
    // s3rver knows one key pair; the other stand-ins take any.
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    s = await startLiveStandIns({
      provider: 'github',
      fixtures: {
        github: { organisation: 'example-org', teams: [{ slug: 'web', name: 'Web', members: ['ann'] }] },
      },
    });
    process.env.AWS_ENDPOINT_URL_S3 = endpoint;
  });
  afterAll(async () => {
    for (const [k, v] of [
      ['AWS_ENDPOINT_URL_S3', saved.endpoint],
      ['AWS_ACCESS_KEY_ID', saved.key],
      ['AWS_SECRET_ACCESS_KEY', saved.secret],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await s.close();
  });

  it('keeps the run data and the report in the bucket, not under .scim-sync/', async () => {
    const r = await cli(['sync', 'github', '--live', '--config', s.configFile, '--bucket', BUCKET, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { runId: string; location: { json?: string } };
    const blobs = new S3BlobStore(s3, BUCKET);
    const keys = await blobs.list(`github/${report.runId}/`);
    expect(keys).toEqual(
      expect.arrayContaining([
        `github/${report.runId}/plan.json`,
        `github/${report.runId}/report.json`,
        `github/${report.runId}/report.html`,
        `github/${report.runId}/source.json`,
        `github/${report.runId}/target.json`,
      ]),
    );
    expect(await blobs.getJson(`github/${report.runId}/report.json`)).toMatchObject({ runId: report.runId });
    expect(existsSync(join(blobRoot(), 'github', report.runId))).toBe(false);
  });
});
