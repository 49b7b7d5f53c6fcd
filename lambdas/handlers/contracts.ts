/**
 * What the state machine carries between steps (kept small: keys and counts, never snapshots, plans
 * or secret values) and what each Task receives. Every handler parses its event with these.
 */
import { z } from 'zod';
import { describeIssues, InputValidationError } from '../core/errors';
import { PhaseSchema, ProviderSchema } from '../core/model';

/**
 * What started an execution. `schedule`: the EventBridge Scheduler schedule (its input is
 * `{"trigger":{"kind":"schedule"}}`); `manual`: a person, the CLI or the console (no `trigger`).
 * A scheduled start that finds its own provider running skips quietly; a manual one says why it
 * refused. New kinds (e.g. a webhook) are added to this list.
 */
export const TRIGGER_KINDS = ['schedule', 'manual'] as const;
export const TriggerKindSchema = z.enum(TRIGGER_KINDS);
export type TriggerKind = z.infer<typeof TriggerKindSchema>;

/** The execution input. `{}` works; anything unknown is rejected. */
export const ExecutionInputSchema = z
  .object({
    dryRun: z.boolean().default(false),
    allowMassDeletion: z.boolean().default(false),
    trigger: z.object({ kind: TriggerKindSchema }).strict().default({ kind: 'manual' }),
  })
  .strict();
export type ExecutionInput = z.infer<typeof ExecutionInputSchema>;

export function parseExecutionInput(raw: unknown): ExecutionInput {
  const r = ExecutionInputSchema.safeParse(raw ?? {});
  if (!r.success) {
    throw new InputValidationError(
      `execution input rejected: ${describeIssues(r.error.issues)}. Known fields: dryRun (boolean), allowMassDeletion (boolean), trigger ({"kind": "${TRIGGER_KINDS.join('" | "')}"}); {} runs a normal sync.`,
    );
  }
  return r.data;
}

export const RunSchema = z.object({
  provider: ProviderSchema,
  /** The execution name: blobs of this run live under <provider>/<runId>/. */
  runId: z.string().min(1),
  executionArn: z.string().min(1),
  startedAt: z.string(),
  dryRun: z.boolean(),
  allowMassDeletion: z.boolean(),
  applyConcurrency: z.number().int().positive(),
  /** Optional so that executions started before it existed can still be re-driven. */
  trigger: TriggerKindSchema.default('manual'),
});
export type Run = z.infer<typeof RunSchema>;

export const CheckConcurrencyEventSchema = z.object({
  input: z.unknown(),
  execution: z.object({
    id: z.string(),
    name: z.string(),
    startTime: z.string(),
    stateMachineId: z.string().optional(),
  }),
  settings: z.object({ provider: z.string(), applyConcurrency: z.number().int().positive() }),
});

/** Which secret version this run uses, and what the run should warn about. Never the value. */
export const SecretRefSchema = z.object({
  arn: z.string(),
  versionId: z.string(),
  kind: z.string(),
  expiresAt: z.string().optional(),
  warnings: z.array(z.string()),
});
export type SecretRef = z.infer<typeof SecretRefSchema>;

export const SourceRefSchema = z.object({
  key: z.string(),
  users: z.number(),
  groups: z.number(),
  requests: z.number(),
  credentialExpiresAt: z.string().optional(),
  warnings: z.array(z.string()),
});
export type SourceRef = z.infer<typeof SourceRefSchema>;

export const TargetRefSchema = z.object({
  key: z.string(),
  users: z.number(),
  groups: z.number(),
  memberships: z.number(),
  groupsRead: z.number(),
});
export type TargetRef = z.infer<typeof TargetRefSchema>;

/** FetchTarget handing over to its next invocation: the read so far is in the blob `progress`. */
export interface TargetProgressRef {
  complete: false;
  progress: string;
  groupsRead: number;
  groupsLeft: number;
}

export const SnapshotsSchema = z.object({ source: SourceRefSchema, target: TargetRefSchema });

export const PlanCountsSchema = z.object({
  renames: z.number(),
  createUsers: z.number(),
  updateUsers: z.number(),
  deleteUsers: z.number(),
  createGroups: z.number(),
  updateGroups: z.number(),
  deleteGroups: z.number(),
  addMembers: z.number(),
  removeMembers: z.number(),
  conflicts: z.number(),
  total: z.number(),
});

export const PlanRefSchema = z.object({
  /** What an apply batch needs to find and check the plan. */
  ref: z.object({ key: z.string(), createdAt: z.string() }),
  counts: PlanCountsSchema,
  batchSize: z.number(),
  /** Batch indices per phase: the Map states iterate over these. */
  batches: z.object({
    renames: z.array(z.number()),
    creates: z.array(z.number()),
    memberships: z.array(z.number()),
    deletes: z.array(z.number()),
  }),
  guard: z.object({
    reasons: z.array(z.string()),
    overridden: z.boolean(),
    /** A dry run whose plan a real run's deletion guard would stop (absent in older runs). */
    wouldStop: z.boolean().optional(),
  }),
  /** Where the run report is (written by ComputePlan, completed by Report; absent in older runs). */
  report: z.object({ json: z.string(), html: z.string(), console: z.string().optional() }).optional(),
});
export type PlanRef = z.infer<typeof PlanRefSchema>;

export const RunEventSchema = z.object({ run: RunSchema });
/** `previous`: `{complete: false}` on the first call, then the last call's TargetProgressRef. */
export const FetchTargetEventSchema = z.object({
  run: RunSchema,
  previous: z.object({ complete: z.literal(false), progress: z.string().optional() }),
});
export const FetchSourceEventSchema = z.object({ run: RunSchema, secret: SecretRefSchema });
export const ComputePlanEventSchema = z.object({ run: RunSchema, snapshots: SnapshotsSchema });
export const ApplyBatchEventSchema = z.object({
  run: RunSchema,
  plan: PlanRefSchema.shape.ref,
  phase: PhaseSchema,
  index: z.number().int().min(0),
});
export const ReportEventSchema = z.object({
  run: RunSchema,
  secret: SecretRefSchema,
  snapshots: SnapshotsSchema,
  plan: PlanRefSchema,
});

/** Parses a Task's event; a mismatch is a bug in the definition or a hand-made input, named as such. */
export function parseEvent<T>(schema: z.ZodType<T>, event: unknown, step: string): T {
  const r = schema.safeParse(event);
  if (!r.success)
    throw new InputValidationError(`${step} received an unexpected event: ${describeIssues(r.error.issues)}`);
  return r.data;
}

/** Blob keys of a run. */
export const keys = {
  source: (run: Run) => `${run.provider}/${run.runId}/source.json`,
  target: (run: Run) => `${run.provider}/${run.runId}/target.json`,
  targetProgress: (run: Run) => `${run.provider}/${run.runId}/target-progress.json`,
  plan: (run: Run) => `${run.provider}/${run.runId}/plan.json`,
  batch: (run: Run, phase: string, index: number) =>
    `${run.provider}/${run.runId}/batches/${phase}/${index}.json`,
  result: (run: Run, phase: string, index: number) =>
    `${run.provider}/${run.runId}/results/${phase}/${index}.json`,
  results: (run: Run) => `${run.provider}/${run.runId}/results/`,
  /** Identity Store calls a step recorded (FetchTarget; apply batches keep theirs in their results). */
  calls: (run: Run, step: string) => `${run.provider}/${run.runId}/calls/${step}.json`,
};
