/**
 * Powertools logger and metrics, one of each per Lambda container. Local runs use the same classes
 * with their output captured (so the local runner can keep stdout for itself and tests can search
 * every log line for secrets).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export const SERVICE = 'scim-sync';
export const METRICS_NAMESPACE = 'ScimSync';

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
