/**
 * Reading an execution's history (GetExecutionHistory, newest first, only what is new since the
 * last read) and what an operator wants from it: the state it is in, batches done of total, the
 * plan's counts, and for a failed run the state that failed, the batches that failed and the error.
 */
import {
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';

/** Reads an execution's history incrementally: each refresh fetches only events it has not seen. */
export class HistoryReader {
  readonly events: HistoryEvent[] = [];
  constructor(
    private readonly client: SFNClient,
    private readonly executionArn: string,
    /** Keep at most this many of the newest events (a status line needs only the end). */
    private readonly limit = Number.POSITIVE_INFINITY,
  ) {}

  async refresh(): Promise<HistoryEvent[]> {
    const last = this.events.at(-1)?.id ?? 0;
    const fresh: HistoryEvent[] = [];
    let nextToken: string | undefined;
    read: do {
      const page = await this.client.send(
        new GetExecutionHistoryCommand({
          executionArn: this.executionArn,
          reverseOrder: true,
          maxResults: Math.min(1000, this.limit),
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      for (const e of page.events ?? []) {
        if ((e.id ?? 0) <= last || fresh.length >= this.limit) break read;
        fresh.push(e);
      }
      nextToken = page.nextToken;
    } while (nextToken);
    fresh.reverse();
    this.events.push(...fresh);
    return fresh;
  }
}

/** The definition's shape: top-level states, the top-level state of each nested one, Map items. */
export interface Topology {
  top: Set<string>;
  parentOf: Map<string, string>;
  itemsPath: Map<string, string>;
}

interface AslState {
  Type?: string;
  ItemsPath?: string;
  Branches?: { States?: Record<string, AslState> }[];
  ItemProcessor?: { States?: Record<string, AslState> };
  Iterator?: { States?: Record<string, AslState> };
}

export function topology(definition: string | undefined): Topology {
  const t: Topology = { top: new Set(), parentOf: new Map(), itemsPath: new Map() };
  let states: Record<string, AslState> = {};
  try {
    states = (JSON.parse(definition ?? '{}') as { States?: Record<string, AslState> }).States ?? {};
  } catch {
    return t;
  }
  const nested = (top: string, inner: Record<string, AslState> | undefined) => {
    for (const [name, s] of Object.entries(inner ?? {})) {
      t.parentOf.set(name, top);
      walk(top, s);
    }
  };
  const walk = (top: string, s: AslState) => {
    for (const b of s.Branches ?? []) nested(top, b.States);
    nested(top, s.ItemProcessor?.States ?? s.Iterator?.States);
  };
  for (const [name, s] of Object.entries(states)) {
    t.top.add(name);
    if (s.Type === 'Map') t.itemsPath.set(name, s.ItemsPath ?? '$');
    walk(name, s);
  }
  return t;
}

/** The topology of a state machine (an empty one when its definition cannot be read). */
export async function machineTopology(client: SFNClient, stateMachineArn: string): Promise<Topology> {
  try {
    const m = await client.send(new DescribeStateMachineCommand({ stateMachineArn }));
    return topology(m.definition);
  } catch {
    return topology(undefined);
  }
}

const entered = (e: HistoryEvent) =>
  e.type?.endsWith('StateEntered') ? e.stateEnteredEventDetails?.name : undefined;
const exited = (e: HistoryEvent) =>
  e.type?.endsWith('StateExited') ? e.stateExitedEventDetails?.name : undefined;

function parse(json: string | undefined): unknown {
  try {
    return json === undefined ? undefined : JSON.parse(json);
  } catch {
    return undefined;
  }
}

/** `$.a.b.c` on a value (the simple paths the definition's ItemsPath uses). */
function atPath(value: unknown, path: string): unknown {
  let v = value;
  for (const part of path
    .replace(/^\$\.?/, '')
    .split('.')
    .filter(Boolean)) {
    v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  }
  return v;
}

export interface PlanInfo {
  counts: Record<string, number>;
  createdAt?: string;
  key?: string;
  /** The run report (report.json), where the plan step wrote it. */
  report?: string;
}

export interface Progress {
  /** The top-level state the execution is in (or was in last). */
  state?: string;
  /** Per Map state: distinct batches that succeeded (a redrive keeps earlier ones) of its total. */
  batches: Map<string, { done: number; total?: number }>;
  plan?: PlanInfo;
  /** Lambda failures so far (each is retried by the state machine, or fails the run). */
  taskFailures: { state: string; error: string }[];
  /** Per apply Map state: what its finished batches did (from their outputs) and when it began. */
  applied: Map<string, AppliedSoFar>;
}

export interface AppliedSoFar {
  operations: number;
  calls: number;
  retries: number;
  throttled: number;
  startedAt?: Date;
}

const PHASE_STATE: Record<string, string> = {
  renames: 'ApplyRenames',
  creates: 'ApplyCreates',
  memberships: 'ApplyMemberships',
  deletes: 'ApplyDeletes',
};

interface BatchOutput {
  phase?: string;
  done?: number;
  alreadyDone?: number;
  conflicts?: number;
  failed?: number;
  calls?: { total?: number; retries?: number; throttled?: number };
}

/** Where the run is, from its history so far. */
export function progressOf(events: HistoryEvent[], topo: Topology): Progress {
  const p: Progress = { batches: new Map(), taskFailures: [], applied: new Map() };
  const appliedOf = (state: string) => {
    const a = p.applied.get(state) ?? { operations: 0, calls: 0, retries: 0, throttled: 0 };
    p.applied.set(state, a);
    return a;
  };
  const succeeded = new Map<string, Set<number>>();
  const byId = new Map(events.map((e) => [e.id, e]));
  for (const e of events) {
    const name = entered(e);
    if (name && (topo.top.size === 0 || topo.top.has(name))) {
      p.state = name;
      if (Object.values(PHASE_STATE).includes(name) && e.timestamp) appliedOf(name).startedAt ??= e.timestamp;
      const items = topo.itemsPath.get(name);
      if (items !== undefined) {
        const list = atPath(parse(e.stateEnteredEventDetails?.input), items);
        const b = p.batches.get(name) ?? { done: succeeded.get(name)?.size ?? 0 };
        if (Array.isArray(list)) b.total = list.length;
        p.batches.set(name, b);
      }
    }
    if (e.type === 'MapStateStarted' && p.state) {
      const b = p.batches.get(p.state) ?? { done: 0 };
      b.total = e.mapStateStartedEventDetails?.length ?? b.total;
      p.batches.set(p.state, b);
    }
    if (e.type === 'MapIterationSucceeded') {
      const d = e.mapIterationSucceededEventDetails;
      if (d?.name !== undefined && d.index !== undefined) {
        const set = succeeded.get(d.name) ?? new Set<number>();
        set.add(d.index);
        succeeded.set(d.name, set);
        const b = p.batches.get(d.name) ?? { done: 0 };
        b.done = set.size;
        p.batches.set(d.name, b);
      }
    }
    if (exited(e) === 'ComputePlan') {
      const out = parse(e.stateExitedEventDetails?.output) as
        | {
            plan?: {
              counts?: Record<string, number>;
              ref?: { key?: string; createdAt?: string };
              report?: { json?: string };
            };
          }
        | undefined;
      if (out?.plan?.counts) {
        p.plan = {
          counts: out.plan.counts,
          ...(out.plan.ref?.createdAt ? { createdAt: out.plan.ref.createdAt } : {}),
          ...(out.plan.ref?.key ? { key: out.plan.ref.key } : {}),
          ...(out.plan.report?.json ? { report: out.plan.report.json } : {}),
        };
      }
    }
    const out = e.lambdaFunctionSucceededEventDetails?.output ?? e.taskSucceededEventDetails?.output;
    if (out?.includes('"phase"')) {
      const b = parse(out) as BatchOutput | undefined;
      const state = b?.phase ? PHASE_STATE[b.phase] : undefined;
      if (b && state) {
        const a = appliedOf(state);
        a.operations += (b.done ?? 0) + (b.alreadyDone ?? 0) + (b.conflicts ?? 0) + (b.failed ?? 0);
        a.calls += b.calls?.total ?? 0;
        a.retries += b.calls?.retries ?? 0;
        a.throttled += b.calls?.throttled ?? 0;
      }
    }
    const failure = lowLevelFailure(e);
    if (failure) p.taskFailures.push({ state: stateOf(e, byId) ?? '?', error: failure.error });
  }
  return p;
}

/** A Lambda or Task failure event: the error a state's attempt ended with. */
function lowLevelFailure(e: HistoryEvent): { error: string; cause?: string } | undefined {
  const d =
    e.lambdaFunctionFailedEventDetails ??
    e.lambdaFunctionTimedOutEventDetails ??
    e.lambdaFunctionStartFailedEventDetails ??
    e.lambdaFunctionScheduleFailedEventDetails ??
    e.taskFailedEventDetails ??
    e.taskTimedOutEventDetails ??
    e.taskStartFailedEventDetails ??
    e.taskSubmitFailedEventDetails ??
    e.activityFailedEventDetails ??
    e.activityTimedOutEventDetails;
  if (!d) return undefined;
  return { error: d.error ?? e.type ?? 'Failed', ...(d.cause ? { cause: d.cause } : {}) };
}

/** The state an event belongs to: follow previousEventId back to its StateEntered event. */
function stateOf(e: HistoryEvent, byId: Map<number | undefined, HistoryEvent>): string | undefined {
  let cur: HistoryEvent | undefined = e;
  for (let hops = 0; cur && hops < 10_000; hops++) {
    const name = entered(cur);
    if (name) return name;
    cur = byId.get(cur.previousEventId ?? (cur.id ?? 1) - 1);
  }
  return undefined;
}

export interface Failure {
  /** The top-level state that failed: a redrive restarts there. */
  state?: string;
  /** The state inside it whose attempt failed (a Map's batch Task, a Parallel branch's Task). */
  inner?: string;
  /** The Map iterations (batch indices) that failed. */
  failedBatches: number[];
  error?: string;
  cause?: string;
}

/** Why a run failed, from the end of its history (the last failed attempt and ExecutionFailed). */
export function failureOf(events: HistoryEvent[], topo: Topology): Failure {
  const f: Failure = { failedBatches: [] };
  const byId = new Map(events.map((e) => [e.id, e]));
  const end = [...events]
    .reverse()
    .find(
      (e) =>
        e.executionFailedEventDetails || e.executionTimedOutEventDetails || e.executionAbortedEventDetails,
    );
  const d =
    end?.executionFailedEventDetails ??
    end?.executionTimedOutEventDetails ??
    end?.executionAbortedEventDetails;
  if (d?.error) f.error = d.error;
  if (d?.cause) f.cause = d.cause;
  const attempt = [...events].reverse().find((e) => lowLevelFailure(e));
  const leaf = attempt ? stateOf(attempt, byId) : undefined;
  if (leaf) {
    const top = topo.parentOf.get(leaf);
    f.state = top ?? leaf;
    if (top) f.inner = leaf;
  } else {
    // No failed attempt (an error of the state machine itself): the last top-level state entered.
    const open = [...events]
      .reverse()
      .map(entered)
      .find((n) => n && (topo.top.size === 0 || topo.top.has(n)));
    if (open) f.state = open;
  }
  if (f.state && topo.itemsPath.has(f.state)) {
    const lastEntry = events.map(entered).lastIndexOf(f.state);
    f.failedBatches = events
      .slice(Math.max(0, lastEntry))
      .filter((e) => e.type === 'MapIterationFailed' && e.mapIterationFailedEventDetails?.name === f.state)
      .map((e) => e.mapIterationFailedEventDetails?.index ?? -1)
      .filter((i) => i >= 0);
  }
  return f;
}
