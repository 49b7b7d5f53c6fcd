/**
 * Powertools logger and metrics, one of each per Lambda container. Local runs use the same classes
 * with their output captured (so the local runner can keep stdout for itself and tests can search
 * every log line for secrets).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export const SERVICE = 'scim-sync';
export const METRICS_NAMESPACE = 'ScimSync';

/** The Lambda context the logger takes (request id, cold start, function name...). */
export type LambdaContext = Parameters<Logger['addContext']>[0];

/**
 * The keys of the execution a step's event belongs to, on every log line of the invocation: the
 * execution name, the run id (the same name: it names the run's folder in the blob store), the
 * step, and for apply batches the batch.
 */
export function logKeys(step: string, event: unknown): Record<string, string> {
  const e = (event ?? {}) as {
    run?: { runId?: unknown };
    execution?: { name?: unknown };
    phase?: unknown;
    index?: unknown;
  };
  const name = e.run?.runId ?? e.execution?.name;
  const keys: Record<string, string> = { step };
  if (typeof name === 'string') {
    keys.execution = name;
    keys.runId = name;
  }
  if (typeof e.phase === 'string' && typeof e.index === 'number') keys.batch = `${e.phase}/${e.index}`;
  return keys;
}

export function makeLogger(provider: string): Logger {
  return new Logger({ serviceName: SERVICE, persistentKeys: { provider } });
}

export function makeMetrics(provider: string): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE, defaultDimensions: { provider } });
}

/** A powertools Logger whose lines go to `sink` (as the JSON strings Lambda would print). */
export class CapturingLogger extends Logger {
  constructor(
    private readonly sink: (line: string) => void,
    options: ConstructorParameters<typeof Logger>[0],
  ) {
    super(options);
  }
  protected override printLog(_level: number, log: Parameters<Logger['printLog']>[1]): void {
    this.sink(JSON.stringify(log.getAttributes(), this.getJsonReplacer()));
  }
  protected override createLogger(options?: ConstructorParameters<typeof Logger>[0]): Logger {
    return new CapturingLogger(this.sink, options);
  }
  /** Marks this logger's "container" as warm: its lines say cold_start false (local runs). */
  warm(): this {
    this.getColdStart();
    return this;
  }
}

/** Powertools Metrics whose EMF documents go to `sink` instead of stdout. */
export class CapturingMetrics extends Metrics {
  constructor(
    private readonly sink: (emf: unknown) => void,
    options: ConstructorParameters<typeof Metrics>[0],
  ) {
    super(options);
  }
  override publishStoredMetrics(): this {
    if (this.hasStoredMetrics()) this.sink(this.serializeMetrics());
    this.clearMetrics();
    return this;
  }
}
