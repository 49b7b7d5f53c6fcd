/** The Entra provider configuration that points at a running fake Graph (local runs, tests, benchmarks). */
import type { z } from 'zod';
import { type EntraConfig, EntraConfigSchema } from '../../lambdas/core/config';
import type { FakeGraph } from './server';

export type EntraConfigInput = z.input<typeof EntraConfigSchema>;

export function localEntraConfig(
  fake: Pick<FakeGraph, 'url'>,
  overrides: Partial<EntraConfigInput> = {},
): EntraConfig {
  return EntraConfigSchema.parse({
    secretName: 'entra_id_aws_connectivity_details',
    ...overrides,
    graphUrl: fake.url,
    authorityHost: fake.url,
  });
}
