/**
 * Where snapshots, plans, batches and results live between steps (state data only carries keys):
 * S3 in AWS, a local folder in local mode. Objects are JSON.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

export interface BlobStore {
  putJson(key: string, value: unknown): Promise<void>;
  /** A text object (the HTML report), with its content type. */
  putText(key: string, text: string, contentType: string): Promise<void>;
  /** undefined when the object does not exist. */
  getJson<T = unknown>(key: string): Promise<T | undefined>;
  /** Keys under a prefix. */
  list(prefix: string): Promise<string[]>;
  /** Human-readable location, for messages. */
  describe(key: string): string;
  /** Where a person opens the object: the S3 console page (in AWS). */
  consoleUrl?(key: string): string | undefined;
}

export class DirBlobStore implements BlobStore {
  constructor(private readonly root: string) {}
  private path(key: string) {
    if (key.split('/').some((p) => p === '..' || p === '')) throw new Error(`bad blob key ${key}`);
    return join(this.root, key);
  }
  async putJson(key: string, value: unknown): Promise<void> {
    const p = this.path(key);
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, JSON.stringify(value));
  }
  async putText(key: string, text: string): Promise<void> {
    const p = this.path(key);
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, text);
  }
  async getJson<T>(key: string): Promise<T | undefined> {
    try {
      return JSON.parse(await readFile(this.path(key), 'utf8')) as T;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }
  async list(prefix: string): Promise<string[]> {
    const base = this.path(prefix.replace(/\/$/, ''));
    try {
      const entries = await readdir(base, { recursive: true, withFileTypes: true });
      return entries
        .filter((e) => e.isFile())
        .map((e) => join(e.parentPath, e.name).slice(this.root.length + 1))
        .sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }
  describe(key: string): string {
    return this.path(key);
  }
}

export class S3BlobStore implements BlobStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly region?: string,
  ) {}
  async putJson(key: string, value: unknown): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: JSON.stringify(value),
        ContentType: 'application/json',
      }),
    );
  }
  async putText(key: string, text: string, contentType: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: text, ContentType: contentType }),
    );
  }
  async getJson<T>(key: string): Promise<T | undefined> {
    try {
      const r = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return JSON.parse(await r.Body!.transformToString()) as T;
    } catch (err) {
      if ((err as { name?: string }).name === 'NoSuchKey') return undefined;
      throw err;
    }
  }
  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const r = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken }),
      );
      for (const o of r.Contents ?? []) if (o.Key) keys.push(o.Key);
      ContinuationToken = r.NextContinuationToken;
    } while (ContinuationToken);
    return keys.sort();
  }
  describe(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }
  consoleUrl(key: string): string | undefined {
    if (!this.region) return undefined;
    return `https://${this.region}.console.aws.amazon.com/s3/object/${this.bucket}?region=${this.region}&prefix=${encodeURIComponent(key)}`;
  }
}
