/**
 * statemachines/sync.asl.json with its definition substitutions applied, as CloudFormation's
 * DefinitionSubstitutions would (every `${Name}` replaced by its value).
 */
import type { Provider } from '../lambdas/core/model';
import { arnPlaceholder, readAsl, STEPS, type Step, substitute } from '../statemachines/definition';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './aws';

export { placeholders } from '../statemachines/definition';

export function localFunctionArn(provider: Provider, fn: Step): string {
  return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:scim-sync-${provider}-${fn}`;
}

export function localSubstitutions(provider: Provider, applyConcurrency: number): Record<string, string> {
  const values: Record<string, string> = { Provider: provider, ApplyConcurrency: String(applyConcurrency) };
  for (const fn of STEPS) values[arnPlaceholder(fn)] = localFunctionArn(provider, fn);
  return values;
}

export function localDefinition(provider: Provider, applyConcurrency: number): Record<string, unknown> {
  return JSON.parse(substitute(readAsl(), localSubstitutions(provider, applyConcurrency)));
}

export const stateMachineName = (provider: Provider) => `scim-sync-${provider}`;

/** The definition restarted at `start`, without the states no longer reachable (the validator rejects them). */
export function startingAt(definition: Record<string, unknown>, start: string): Record<string, unknown> {
  const states = definition.States as Record<
    string,
    { Next?: string; Default?: string; Choices?: { Next: string }[] }
  >;
  const keep = new Set<string>();
  const visit = (name: string | undefined) => {
    if (!name || keep.has(name) || !states[name]) return;
    keep.add(name);
    const s = states[name]!;
    visit(s.Next);
    visit(s.Default);
    for (const c of s.Choices ?? []) visit(c.Next);
  };
  visit(start);
  return {
    ...definition,
    StartAt: start,
    States: Object.fromEntries(Object.entries(states).filter(([n]) => keep.has(n))),
  };
}
