/**
 * The IAM actions the CDK app grants are exactly the API calls the Lambda code makes: a call
 * added without its permission would fail only in AWS, a permission no call needs is too broad.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  IDENTITY_STORE_APPLY_ACTIONS,
  IDENTITY_STORE_READ_ACTIONS,
  LEASE_ACCESS,
} from '../../infra/permissions';

const ROOT = join(__dirname, '..', '..');
/** Identity Store operations a source file calls (`new XCommand(` and `paginateX(`). */
function identityStoreCalls(...files: string[]): string[] {
  const ops = new Set<string>();
  for (const f of files) {
    const text = readFileSync(join(ROOT, f), 'utf8');
    for (const m of text.matchAll(/new (\w+)Command\(/g)) ops.add(`identitystore:${m[1]}`);
    for (const m of text.matchAll(/\bpaginate(\w+)\(/g)) ops.add(`identitystore:${m[1]}`);
  }
  return [...ops].sort();
}

describe('Identity Store permissions match the calls', () => {
  it('FetchTarget may call exactly what lambdas/identitystore/read.ts calls', () => {
    expect([...IDENTITY_STORE_READ_ACTIONS].sort()).toEqual(
      identityStoreCalls('lambdas/identitystore/read.ts'),
    );
  });

  it('ApplyBatch may call exactly what lambdas/identitystore/apply.ts calls', () => {
    expect([...IDENTITY_STORE_APPLY_ACTIONS].sort()).toEqual(
      identityStoreCalls('lambdas/identitystore/apply.ts'),
    );
  });
});

describe('lease permissions match the calls', () => {
  it('the steps together may call exactly the DynamoDB operations lambdas/runtime/lease.ts makes', () => {
    const text = readFileSync(join(ROOT, 'lambdas/runtime/lease.ts'), 'utf8');
    const calls = [
      ...new Set([...text.matchAll(/new (\w+)Command\(/g)].map((m) => `dynamodb:${m[1]}`)),
    ].sort();
    expect(calls).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    expect([...new Set(Object.values(LEASE_ACCESS).flat())].sort()).toEqual(calls);
    // Report only releases (an update); every other step may also read who holds the lease.
    expect(LEASE_ACCESS.Report).toEqual(['dynamodb:UpdateItem']);
  });
});
