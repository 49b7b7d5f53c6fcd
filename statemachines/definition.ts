/**
 * statemachines/sync.asl.json as code sees it (the CDK app and the local runner alike): its path
 * and raw text, the Task steps and the placeholders it expects, substitution, and the
 * TimeoutSeconds of the Task states that call each function.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ASL_PATH = join(__dirname, 'sync.asl.json');

/** The Task steps, each backed by one Lambda (lambdas/handlers/<entry>.ts). */
export const STEPS = [
  'CheckConcurrency',
  'ResolveSecret',
  'FetchSource',
  'FetchTarget',
  'ComputePlan',
  'ApplyBatch',
  'Report',
] as const;
export type Step = (typeof STEPS)[number];

/** `${<Step>FunctionArn}`: the substitution that names a step's function in the ASL. */
export const arnPlaceholder = (step: Step) => `${step}FunctionArn`;

export function readAsl(path = ASL_PATH): string {
  return readFileSync(path, 'utf8');
}

/** Every `${Name}` placeholder of the definition, sorted. */
export function placeholders(text: string = readAsl()): string[] {
  return [...new Set([...text.matchAll(/\$\{([A-Za-z0-9]+)\}/g)].map((m) => m[1]!))].sort();
}

/** The definition with every `${Name}` replaced, as CloudFormation's DefinitionSubstitutions do. */
export function substitute(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z0-9]+)\}/g, (whole, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`no value for definition substitution ${whole}`);
    return v;
  });
}

interface AslState {
  Type?: string;
  Resource?: string;
  TimeoutSeconds?: number;
  Branches?: { States?: Record<string, AslState> }[];
  ItemProcessor?: { States?: Record<string, AslState> };
  Iterator?: { States?: Record<string, AslState> };
}

function* tasks(states: Record<string, AslState> | undefined): Generator<AslState> {
  for (const s of Object.values(states ?? {})) {
    if (s.Type === 'Task') yield s;
    for (const b of s.Branches ?? []) yield* tasks(b.States);
    yield* tasks(s.ItemProcessor?.States);
    yield* tasks(s.Iterator?.States);
  }
}

/**
 * The smallest TimeoutSeconds of the Task states whose Resource is the step's function; a Lambda's
 * own timeout must not exceed it (the Task would time out first and hide the Lambda's error).
 */
export function taskTimeouts(text: string): Record<Step, number> {
  const def = JSON.parse(text) as { States?: Record<string, AslState> };
  const out: Partial<Record<Step, number>> = {};
  for (const t of tasks(def.States)) {
    const step = STEPS.find((s) => t.Resource === `\${${arnPlaceholder(s)}}`);
    if (!step) continue;
    if (t.TimeoutSeconds === undefined)
      throw new Error(`a ${step} Task in ${ASL_PATH} has no TimeoutSeconds`);
    out[step] = Math.min(out[step] ?? Number.POSITIVE_INFINITY, t.TimeoutSeconds);
  }
  for (const s of STEPS) {
    if (out[s] === undefined) throw new Error(`${ASL_PATH} has no Task calling \${${arnPlaceholder(s)}}`);
  }
  return out as Record<Step, number>;
}
