/**
 * Runs statemachines/sync.asl.json on this machine with aws-local-stepfunctions, each Task state
 * mapped to the real handler with real SDK clients, and records every execution in the local Step
 * Functions stand-in (status, output, history) so that the CLI and redrives see it as they would
 * in AWS.
 *
 * Where the clients point is the environment's business, not the runner's: a LocalEnvironment
 * (local/environment.ts) points them at the stand-ins; a LiveEnvironment (local/live.ts) builds
 * them the usual way (credential chain, region, AWS_ENDPOINT_URL_* variables), so live runs read
 * and write the real services through the same code.
 *
 * Redrive is emulated as Step Functions does it: the execution restarts at the state that failed,
 * with the input that state received, and a Map re-runs only the iterations that did not succeed.
 */
import { randomBytes } from 'node:crypto';
import type { IdentitystoreClient } from '@aws-sdk/client-identitystore';
import { StateMachine } from 'aws-local-stepfunctions';
import { LEASE_TIMINGS } from '../lambdas/core/lease';
import type { Provider } from '../lambdas/core/model';
import { ownershipRules } from '../lambdas/core/ownership';
import { type BlobStore, DirBlobStore } from '../lambdas/runtime/blobs';
import { type Deps, wrapStep } from '../lambdas/runtime/deps';
import { LeaseStore } from '../lambdas/runtime/lease';
import { CapturingLogger, CapturingMetrics, METRICS_NAMESPACE, SERVICE } from '../lambdas/runtime/powertools';
import { LOCAL_ACCOUNT, LOCAL_REGION, type LocalExecution } from './aws';
import { localDefinition, startingAt, stateMachineName } from './definition';
import type { LocalEnvironment } from './environment';
import { payloadStats, toHistory } from './history';
import { type ApplyProgress, ApplyTracker } from './progress';
import {
  type HandlerServices,
  type RunnerDefaults,
  type RunnerEnvironment,
  standInServices,
} from './services';
import { LOCAL_WAIT_MS, lambdaContext, TASK_STATES, WAIT_STATES } from './tasks';

export type { HandlerServices, RunnerDefaults, RunnerEnvironment } from './services';
export { LOCAL_CREDENTIALS, standInServices } from './services';

// aws-local-stepfunctions uses Promise.withResolvers (Node 22+).
const P = Promise as unknown as { withResolvers?: unknown };
P.withResolvers ??= <T>() => {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((a, b) => {
    resolve = a;
    reject = b;
  });
  return { promise, resolve, reject };
};

// Local tooling runs on Node 20; the Lambdas run on nodejs22.x.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// As Lambda sets it for on-demand functions: the loggers then report cold starts (see `warm`).
process.env.AWS_LAMBDA_INITIALIZATION_TYPE ??= 'on-demand';

type Event = Record<string, unknown> & { type: string; timestamp: number };
type TaskFn = (input: unknown) => Promise<unknown>;

export interface ProgressEvent {
  kind: 'state' | 'batch' | 'retry' | 'failed' | 'apply';
  state: string;
  /** For batches: done and total in this Map state. */
  done?: number;
  total?: number;
  error?: string;
  /** For 'apply' (every progressMs while batches apply): operations, rate, throttles, retries, ETA. */
  apply?: ApplyProgress;
}

export interface LocalRunResult {
  execution: LocalExecution;
  output?: unknown;
  events: Event[];
  /** Every log line the handlers wrote (powertools JSON). */
  logs: string[];
  /** Every EMF document the handlers published. */
  metrics: unknown[];
  stats: { stateTransitions: number; largestPayloadBytes: number; wallMs: number };
}

export interface RunOptions {
  input?: unknown;
  name?: string;
  /**
   * Pause of every ASL Retry (default 200 ms: the definition's own intervals are seconds to
   * minutes); null keeps the definition's intervals, as deployed (live runs).
   */
  retryPauseMs?: number | null;
  onProgress?: (e: ProgressEvent) => void;
  /** How often 'apply' progress is reported while batches apply (default 2,000 ms). */
  progressMs?: number;
  /** Wrap a Task's handler (tests count invocations or simulate a Lambda that dies). Receives the real one. */
  wrapTask?: (state: string, real: TaskFn) => TaskFn;
  /** The handlers' clock (tests move it forward to expire a plan). */
  now?: () => Date;
  /** The Step Functions start time of the execution (tests start one "earlier"); default: now. */
  startDate?: Date;
}

interface Record_ {
  provider: Provider;
  definition: Record<string, unknown>;
  events: Event[];
  context: Record<string, unknown>;
}

export class LocalRunner {
  readonly env: RunnerEnvironment;
  private readonly services: HandlerServices;
  private readonly blobs: BlobStore;
  /** Per provider and step: whether its local "Lambda container" has been invoked (cold starts). */
  private readonly warm = new Set<string>();
  private readonly records = new Map<string, Record_>();
  readonly logs: string[] = [];
  readonly metrics: unknown[] = [];

  /**
   * `env`: a LocalEnvironment (its stand-ins; the runner makes and closes the clients) or any
   * RunnerEnvironment with its own services (a live run's). `blobs`: a folder, or a blob store.
   */
  constructor(
    env: LocalEnvironment | RunnerEnvironment,
    readonly blobDir: string | BlobStore,
    private readonly defaults: RunnerDefaults = {},
  ) {
    const services = 'services' in env ? env.services : standInServices(env, defaults);
    this.env = { config: env.config, providers: env.providers, aws: env.aws, services };
    this.services = services;
    this.blobs = typeof blobDir === 'string' ? new DirBlobStore(blobDir) : blobDir;
    for (const p of env.providers) {
      env.aws.registerStateMachine(
        stateMachineName(p),
        JSON.stringify(localDefinition(p, env.config.applyConcurrency)),
      );
    }
    env.aws.onStart = async (arn, name, input) => {
      const provider = this.providerOf(arn);
      const started = this.start(provider, { input: JSON.parse(input), name });
      return started.execution;
    };
    env.aws.onRedrive = async (x) => {
      this.redrive(x.executionArn).catch(() => {});
      await new Promise((r) => setImmediate(r));
    };
  }

  stateMachineArn(provider: Provider): string {
    return `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${stateMachineName(provider)}`;
  }

  private providerOf(stateMachineArn: string): Provider {
    for (const p of this.env.providers) if (this.stateMachineArn(p) === stateMachineArn) return p;
    throw new Error(`no local state machine ${stateMachineArn}`);
  }

  private deps(
    provider: Provider,
    logs: string[],
    metrics: unknown[],
    now: () => Date,
    created: (client: IdentitystoreClient) => void,
  ): Deps {
    const { config } = this.env;
    const sinkLog = (line: string) => {
      logs.push(line);
      this.logs.push(line);
    };
    const sinkMetric = (m: unknown) => {
      metrics.push(m);
      this.metrics.push(m);
    };
    const sourceOptions = this.services.sourceOptions?.(provider);
    return {
      provider,
      config,
      rules: ownershipRules(provider, config),
      log: new CapturingLogger(sinkLog, { serviceName: SERVICE, persistentKeys: { provider } }),
      metrics: new CapturingMetrics(sinkMetric, {
        namespace: METRICS_NAMESPACE,
        serviceName: SERVICE,
        defaultDimensions: { provider },
      }),
      blobs: this.blobs,
      // One client per invocation: in AWS each concurrent Lambda has its own client and so its
      // own share of the request budget (the pace); here all run in one process.
      identityStore: (rps) => {
        const c = this.services.identityStore(rps);
        created(c);
        return c;
      },
      secrets: this.services.secrets,
      sfn: this.services.sfn,
      lease: new LeaseStore(this.services.dynamo, this.services.leaseTable, config.identityStoreId, now, {
        ...LEASE_TIMINGS,
        ...this.defaults.lease,
      }),
      now,
      ...(this.defaults.targetReadBudgetMs === undefined
        ? {}
        : { targetReadBudgetMs: this.defaults.targetReadBudgetMs }),
      ...(sourceOptions ? { sourceOptions } : {}),
    };
  }

  /** Starts an execution and returns at once; `done` settles when it ends. */
  start(
    provider: Provider,
    opts: RunOptions = {},
  ): { execution: LocalExecution; done: Promise<LocalRunResult> } {
    const name =
      opts.name ??
      `local-${new Date().toISOString().replace(/[-:.TZ]/g, '')}-${randomBytes(3).toString('hex')}`;
    const stateMachineArn = this.stateMachineArn(provider);
    const executionArn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:execution:${stateMachineName(provider)}:${name}`;
    const input = opts.input ?? {};
    const execution: LocalExecution = {
      executionArn,
      stateMachineArn,
      name,
      status: 'RUNNING',
      startDate: opts.startDate ?? new Date(),
      input: JSON.stringify(input),
      redriveCount: 0,
      history: [],
    };
    this.env.aws.executions.set(executionArn, execution);
    const record: Record_ = {
      provider,
      definition: localDefinition(provider, this.env.config.applyConcurrency),
      events: [],
      context: {
        Execution: {
          Id: executionArn,
          Name: name,
          StartTime: execution.startDate.toISOString(),
          Input: input,
        },
        StateMachine: { Id: stateMachineArn, Name: stateMachineName(provider) },
      },
    };
    this.records.set(executionArn, record);
    const done = this.execute(record, execution, record.definition, input, opts, new Set());
    return { execution, done };
  }

  /** Runs an execution to its end. */
  run(provider: Provider, opts: RunOptions = {}): Promise<LocalRunResult> {
    return this.start(provider, opts).done;
  }

  /** Re-drives a failed execution: from the failed state, re-running only unsuccessful Map iterations. */
  async redrive(executionArn: string, opts: RunOptions = {}): Promise<LocalRunResult> {
    const record = this.records.get(executionArn);
    const execution = this.env.aws.executions.get(executionArn);
    if (!record || !execution) throw new Error(`unknown local execution ${executionArn}`);
    if (execution.status !== 'FAILED')
      throw new Error(`execution ${execution.name} is ${execution.status} and cannot be redriven`);
    const failed = [...record.events]
      .reverse()
      .find((e) => e.type === 'StateFailed' && e.index === undefined);
    const state = failed?.state as { name: string; input: unknown } | undefined;
    if (!state) throw new Error('no failed state to redrive from');
    const succeeded = new Set(
      record.events
        .filter(
          (e) =>
            e.type === 'MapIterationSucceeded' && (e.parentState as { name: string }).name === state.name,
        )
        .map((e) => e.index as number),
    );
    const definition = startingAt(record.definition, state.name);
    execution.status = 'RUNNING';
    execution.redriveCount += 1;
    execution.redriveDate = new Date();
    delete execution.stopDate;
    delete execution.error;
    delete execution.cause;
    return this.execute(record, execution, definition, state.input, opts, succeeded);
  }

  private async execute(
    record: Record_,
    execution: LocalExecution,
    definition: Record<string, unknown>,
    input: unknown,
    opts: RunOptions,
    skipIterations: Set<number>,
  ): Promise<LocalRunResult> {
    const t0 = performance.now();
    const logs: string[] = [];
    const metrics: unknown[] = [];
    const created: IdentitystoreClient[] = [];
    const tracker = new ApplyTracker();
    const deps = this.deps(
      record.provider,
      logs,
      metrics,
      opts.now ?? this.defaults.now ?? (() => new Date()),
      (c) => {
        created.push(c);
        tracker.track(c);
      },
    );
    const onProgress = opts.onProgress ?? this.defaults.onProgress;
    const reportApply = () => {
      const p = tracker.progress();
      if (p) onProgress?.({ kind: 'apply', state: p.state, apply: p });
    };
    const ticker = onProgress
      ? setInterval(reportApply, opts.progressMs ?? this.defaults.progressMs ?? 2000)
      : undefined;
    const handlers: Record<string, TaskFn> = {};
    let stopped = false;
    for (const [state, { step, factory }] of Object.entries(TASK_STATES)) {
      // As in Lambda: one invocation at a time per logger, so each gets a child with its own
      // context (the Map's batches run at once here, in one process).
      const real: TaskFn = async (ev) => {
        const log = deps.log.createChild() as CapturingLogger;
        const container = `${record.provider}/${step}`;
        if (this.warm.has(container)) log.warm();
        this.warm.add(container);
        const d: Deps = { ...deps, log };
        return wrapStep(
          step,
          d,
          (factory as (d: Deps) => TaskFn)(d),
        )(ev, lambdaContext(record.provider, step));
      };
      const fn = opts.wrapTask ? opts.wrapTask(state, real) : real;
      // A redriven Map does not invoke the iterations that succeeded before.
      const skip = (ev: unknown) =>
        state.startsWith('Apply') && skipIterations.has((ev as { index?: number }).index ?? -1);
      handlers[state] = async (ev) => {
        if (skip(ev)) return { skipped: true };
        // As in AWS, a failed execution invokes nothing more: aws-local-stepfunctions goes on
        // starting a failed Map's queued iterations (its concurrency limiter keeps them). The
        // failure settles in microtasks, so by the next macrotask `stopped` says so.
        await new Promise((r) => setImmediate(r));
        if (stopped) throw new Error(`${execution.name} has stopped: ${state} is not invoked`);
        return fn(ev);
      };
    }
    const retryPause =
      opts.retryPauseMs !== undefined ? opts.retryPauseMs : (this.defaults.retryPauseMs ?? 200);
    const retryIntervalOverrides =
      retryPause === null
        ? undefined
        : Object.fromEntries(Object.keys(TASK_STATES).map((s) => [s, retryPause]));
    const waitMs = this.defaults.waitMs === undefined ? LOCAL_WAIT_MS : this.defaults.waitMs;
    const waitTimeOverrides =
      waitMs === null ? undefined : Object.fromEntries(WAIT_STATES.map((s) => [s, waitMs]));
    const sm = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
    const run = sm.run(input as never, {
      overrides: {
        taskResourceLocalHandlers: handlers as never,
        ...(retryIntervalOverrides ? { retryIntervalOverrides } : {}),
        ...(waitTimeOverrides ? { waitTimeOverrides } : {}),
      },
      context: record.context as never,
    });
    const events: Event[] = [];
    // GetExecutionHistory answers from this while the execution runs (the CLI follows progress with it).
    execution.liveHistory = () => toHistory([...record.events, ...events], execution);
    let aborted = false;
    execution.abort = () => {
      aborted = true;
      run.abort();
    };
    const totals = new Map<string, { done: number; total: number }>();
    const consume = (async () => {
      for await (const e of run.eventLogs as AsyncGenerator<Event>) {
        events.push(e);
        const st = e.state as { name: string; input?: unknown } | undefined;
        if (e.type === 'StateEntered' && st && e.index === undefined) {
          const items = (st.input as { plan?: { batches?: Record<string, number[]> } })?.plan?.batches;
          const phase = {
            ApplyRenames: 'renames',
            ApplyCreates: 'creates',
            ApplyMemberships: 'memberships',
            ApplyDeletes: 'deletes',
          }[st.name];
          if (phase && items)
            totals.set(st.name, { done: skipIterations.size, total: items[phase]?.length ?? 0 });
          tracker.enter(st.name, (st.input as { plan?: { counts?: Record<string, number> } })?.plan?.counts);
          onProgress?.({ kind: 'state', state: st.name });
        } else if (e.type === 'MapIterationSucceeded') {
          const name = (e.parentState as { name: string }).name;
          const t = totals.get(name);
          if (t && !skipIterations.has(e.index as number)) {
            t.done++;
            onProgress?.({ kind: 'batch', state: name, done: t.done, total: t.total });
            reportApply();
          }
        } else if (e.type === 'StateRetried' && st) {
          if (st.name.startsWith('Apply')) tracker.batchRetries++;
          onProgress?.({ kind: 'retry', state: st.name });
        } else if (e.type === 'StateFailed' && st && e.index === undefined) {
          onProgress?.({ kind: 'failed', state: st.name, error: String(e.Error) });
        }
      }
    })();
    let output: unknown;
    try {
      output = await run.result;
      execution.status = 'SUCCEEDED';
      execution.output = JSON.stringify(output);
    } catch (err) {
      const cause = (err as { cause?: { name?: string; message?: string } }).cause;
      execution.status = aborted ? 'ABORTED' : 'FAILED';
      execution.error = cause?.name ?? (err as Error).name;
      execution.cause = cause?.message ?? (err as Error).message;
      stopped = true;
    }
    await consume;
    if (ticker) clearInterval(ticker);
    for (const c of created) c.destroy();
    execution.stopDate = new Date();
    record.events.push(...events);
    execution.history = toHistory(record.events, execution);
    delete execution.liveHistory;
    delete execution.abort;
    return {
      execution,
      ...(output !== undefined ? { output } : {}),
      events,
      logs,
      metrics,
      stats: { ...payloadStats(events), wallMs: performance.now() - t0 },
    };
  }

  /** Closes the SDK clients (the environment is closed by its owner). */
  close(): void {
    this.services.close();
  }
}
