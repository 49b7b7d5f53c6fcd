/**
 * A local AWS Identity Store emulator: an HTTP server speaking AWS JSON 1.1 like the real service, so
 * `@aws-sdk/client-identitystore` can be pointed at it (`endpoint`), with switches for latency, a
 * requests/s limit, injected faults, counters, and seed/dump of its state.
 */
import { type EmulatorOptions, Emulator } from './server';
import type { SeedFile } from './seed';
import type { Counts, FaultOptions } from './switches';

export { OPERATIONS, type OperationName, WRITE_OPERATIONS } from './model';
export type { SeedFile, SeedGroup, SeedMembership, SeedName, SeedUser } from './seed';
export { SeedError } from './seed';
export type {
  Counts,
  Fault,
  FaultError,
  FaultMode,
  FaultOptions,
  FaultRule,
  OperationCounts,
} from './switches';
export { totalCounts } from './switches';

/** The most requests in any `windowMs` window of arrival times, per second. */
export function peakRate(arrivals: readonly number[], windowMs = 1000): number {
  const t = [...arrivals].sort((a, b) => a - b);
  let peak = 0;
  for (let i = 0, j = 0; j < t.length; j++) {
    while (t[j]! - t[i]! >= windowMs) i++;
    peak = Math.max(peak, j - i + 1);
  }
  return (peak * 1000) / windowMs;
}
export type { EmulatorOptions } from './server';

export interface IdentityStoreEmulator {
  /** `http://127.0.0.1:<port>`: pass as the SDK client's `endpoint`. */
  endpoint: string;
  identityStoreId: string;
  port: number;
  /** Per-operation counters (all 19 operations present). */
  counts(): Counts;
  /** When each request arrived (performance.now(), ms) since the last resetCounts(): for rates. */
  arrivals(): number[];
  resetCounts(): void;
  /** State in the seed format: with ids, without timestamps, sorted. */
  dump(): Required<SeedFile>;
  /** Replaces the state (validated first: on error the old state stays). */
  load(seed: SeedFile): void;
  setFaults(f: FaultOptions | undefined): void;
  setRps(rps: number | undefined): void;
  setLatency(ms: number, jitterMs?: number): void;
  close(): Promise<void>;
}

export async function startIdentityStoreEmulator(opts: EmulatorOptions = {}): Promise<IdentityStoreEmulator> {
  const emulator = new Emulator(opts);
  const server = await emulator.listen(opts.port ?? 0, opts.host ?? '127.0.0.1');
  return {
    endpoint: server.url,
    identityStoreId: emulator.identityStoreId,
    port: server.port,
    counts: () => emulator.counts(),
    arrivals: () => emulator.arrivals(),
    resetCounts: () => emulator.resetCounts(),
    dump: () => emulator.dump(),
    load: (seed) => emulator.load(seed),
    setFaults: (f) => emulator.setFaults(f),
    setRps: (rps) => emulator.setRps(rps),
    setLatency: (ms, jitterMs) => emulator.setLatency(ms, jitterMs),
    close: () => emulator.close(),
  };
}
