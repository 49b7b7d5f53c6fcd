/**
 * statemachines/sync.asl.json with its definition substitutions applied, as CloudFormation's
 * DefinitionSubstitutions would (every `${Name}` replaced by its value).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Provider } from '../lambdas/core/model';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './aws';

export const ASL_PATH = join(__dirname, '..', 'statemachines', 'sync.asl.json');

/** The Task-backed steps: substitution `<Name>FunctionArn` and the handler behind it. */
export const FUNCTIONS = [
  'CheckConcurrency',
  'ResolveSecret',
  'FetchSource',
  'FetchTarget',
  'ComputePlan',
  'ApplyBatch',
  'Report',
] as const;
export type FunctionName = (typeof FUNCTIONS)[number];

export function readDefinitionTemplate(): string {
  return readFileSync(ASL_PATH, 'utf8');
}

/** The placeholders the definition uses. */
export function placeholders(template = readDefinitionTemplate()): string[] {
  return [...new Set([...template.matchAll(/\$\{([A-Za-z0-9]+)\}/g)].map((m) => m[1]!))].sort();
}

export function substitute(template: string, values: Record<string, string>): string {
  return template.replace(/\$\{([A-Za-z0-9]+)\}/g, (whole, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`no value for definition substitution ${whole}`);
    return v;
  });
}

export function localFunctionArn(provider: Provider, fn: FunctionName): string {
  return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:scim-sync-${provider}-${fn}`;
}

export function localSubstitutions(provider: Provider, applyConcurrency: number): Record<string, string> {
  const values: Record<string, string> = { Provider: provider, ApplyConcurrency: String(applyConcurrency) };
  for (const fn of FUNCTIONS) values[`${fn}FunctionArn`] = localFunctionArn(provider, fn);
  return values;
}

export function localDefinition(provider: Provider, applyConcurrency: number): Record<string, unknown> {
  return JSON.parse(substitute(readDefinitionTemplate(), localSubstitutions(provider, applyConcurrency)));
}

export const stateMachineName = (provider: Provider) => `scim-sync-${provider}`;
