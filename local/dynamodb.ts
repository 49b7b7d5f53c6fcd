/**
 * A real DynamoDB-compatible server for local runs and tests: dynalite (in memory) on 127.0.0.1,
 * with the lease table created as the CDK app creates it (key `id`, string). The handlers talk to
 * it with the real DynamoDB client, pointed at it by endpoint.
 *
 * Clients reach dynalite through a small front on its own port that passes every request on, or,
 * when told (`failNext`), answers it with a DynamoDB service error instead, as LocalAws does for
 * Secrets Manager and Step Functions.
 */
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { LEASE_TABLE_NAME } from '../lambdas/core/lease';
import { LEASE_KEY_ATTRIBUTE } from '../lambdas/runtime/lease';
import { listen, sendJson } from './http';

/** The same name as the deployed table. */
export const LOCAL_LEASE_TABLE = LEASE_TABLE_NAME;
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface LocalDynamo {
  endpoint: string;
  table: string;
  /** Calls received by operation (`GetItem`, `UpdateItem`...). */
  calls: Record<string, number>;
  /**
   * The next `count` calls (Infinity: every call) of `operation` (or of any, with '*') fail with
   * `type`: ThrottlingException answers 400, anything else (InternalServerError...) 500.
   */
  failNext(operation: string, count: number, type?: string): void;
  close(): Promise<void>;
}

export async function startLocalDynamo(region: string, table = LOCAL_LEASE_TABLE): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const backend = (server.address() as AddressInfo).port;
  const calls: Record<string, number> = {};
  const faults = new Map<string, { left: number; type: string }>();
  const front = await listen((req, res, body) => {
    const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    calls[op] = (calls[op] ?? 0) + 1;
    const fault = faults.get(op) ?? faults.get('*');
    if (fault && fault.left > 0) {
      fault.left--;
      const status = fault.type === 'ThrottlingException' ? 400 : 500;
      sendJson(
        res,
        status,
        {
          __type: `com.amazonaws.dynamodb.v20120810#${fault.type}`,
          message: `${fault.type} (injected fault on ${op})`,
        },
        { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': fault.type },
      );
      return;
    }
    return new Promise<void>((resolve, reject) => {
      const out = request(
        { host: '127.0.0.1', port: backend, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(res);
          answer.on('end', () => resolve());
        },
      );
      out.on('error', reject);
      out.end(body);
    });
  });
  const close = async () => {
    await front.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const client = new DynamoDBClient({ endpoint: front.url, region, credentials: LOCAL_CREDENTIALS });
  try {
    await client.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: LEASE_KEY_ATTRIBUTE, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: LEASE_KEY_ATTRIBUTE, KeyType: 'HASH' }],
      }),
    );
  } catch (err) {
    await close();
    throw err;
  } finally {
    client.destroy();
  }
  return {
    endpoint: front.url,
    table,
    calls,
    failNext(operation, count, type = 'InternalServerError') {
      if (count > 0) faults.set(operation, { left: count, type });
      else faults.delete(operation);
    },
    close,
  };
}
