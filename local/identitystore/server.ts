/**
 * The HTTP front: AWS JSON 1.1 (`POST /`, `X-Amz-Target: AWSIdentityStore.<Operation>`), the switches
 * applied around each call, and the admin endpoints under `/_emulator/` for out-of-process use.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type LocalServer, listen } from '../http';
import { newIdentityStoreId, prng } from './entities';
import { internalError, notFound, ServiceError, throttled } from './errors';
import { isOperationName, type OperationName, TARGET_PREFIX, validateInput } from './model';
import { HANDLERS } from './operations';
import { dumpStore, type SeedFile, storeFromSeed } from './seed';
import type { Store } from './store';
import {
  type Counts,
  emptyCounts,
  type Fault,
  FaultInjector,
  type FaultOptions,
  Latency,
  RateLimiter,
} from './switches';

export interface EmulatorOptions {
  /** 0 (default) = a free port. */
  port?: number;
  host?: string;
  /** `d-` + 10 lowercase hex; generated when absent. */
  identityStoreId?: string;
  seed?: SeedFile;
  latencyMs?: number;
  jitterMs?: number;
  /** Requests per second shared by all operations (burst = rps); unlimited when absent. */
  rps?: number;
  faults?: FaultOptions;
  /** Seeds the fault PRNG, the latency jitter and id generation (ids are random when absent). */
  randomSeed?: number;
}

const JSON_11 = 'application/x-amz-json-1.1';

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  requestId: string,
  errorType?: string,
): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    'content-type': JSON_11,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
  };
  if (errorType) headers['x-amzn-errortype'] = errorType;
  res.writeHead(status, headers);
  res.end(text);
}

function sendError(res: ServerResponse, err: ServiceError, requestId: string): void {
  send(res, err.statusCode, err.body(requestId), requestId, err.name);
}

function faultError(f: Fault, op: OperationName): ServiceError {
  switch (f.error) {
    case 'ThrottlingException':
      return throttled(`Rate exceeded (injected fault on ${op})`, 1);
    case 'AccessDeniedException':
      return new ServiceError(
        'AccessDeniedException',
        `User is not authorized to perform: identitystore:${op} (injected fault)`,
      );
    case 'ConcurrentModification':
      return new ServiceError('ConflictException', `Concurrent modification (injected fault on ${op})`, {
        Reason: 'CONCURRENT_MODIFICATION',
      });
    default:
      return internalError(`Internal server error (injected fault on ${op}, mode ${f.mode})`);
  }
}

function parseBody(body: Buffer): unknown {
  const text = body.toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ServiceError('SerializationException', 'The request body is not valid JSON.');
  }
}

export class Emulator {
  readonly identityStoreId: string;
  store: Store;
  private counters: Counts = emptyCounts();
  /** When each request arrived (performance.now(), ms) since the last resetCounts(). */
  private arrived: number[] = [];
  private limiter: RateLimiter | undefined;
  private faults: FaultInjector | undefined;
  private readonly latency: Latency;
  private readonly randomSeed: number;
  private readonly idRandom: (() => number) | undefined;
  private server: LocalServer | undefined;

  constructor(opts: EmulatorOptions = {}) {
    this.randomSeed = opts.randomSeed ?? 1;
    this.idRandom = opts.randomSeed === undefined ? undefined : prng(opts.randomSeed);
    this.identityStoreId = opts.identityStoreId ?? newIdentityStoreId(this.idRandom);
    if (!/^d-[0-9a-f]{10}$/.test(this.identityStoreId) && !/^[0-9a-f-]{36}$/.test(this.identityStoreId)) {
      throw new Error(
        `invalid identityStoreId ${this.identityStoreId}: expected d- and 10 lowercase hex digits`,
      );
    }
    this.store = storeFromSeed(opts.seed ?? {}, this.identityStoreId, this.idRandom);
    this.latency = new Latency(opts.latencyMs ?? 0, opts.jitterMs ?? 0, this.randomSeed);
    this.setRps(opts.rps);
    this.setFaults(opts.faults);
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<LocalServer> {
    this.server = await listen((req, res, body) => this.handle(req, res, body), { port, host });
    return this.server;
  }

  counts(): Counts {
    return structuredClone(this.counters);
  }

  resetCounts(): void {
    this.counters = emptyCounts();
    this.arrived = [];
  }

  arrivals(): number[] {
    return [...this.arrived];
  }

  dump(): Required<SeedFile> {
    return dumpStore(this.store);
  }

  load(seed: SeedFile): void {
    this.store = storeFromSeed(seed, this.identityStoreId, this.idRandom);
  }

  setFaults(f: FaultOptions | undefined | null): void {
    this.faults = f ? new FaultInjector(f, this.randomSeed) : undefined;
  }

  setRps(rps: number | undefined | null): void {
    this.limiter = rps === undefined || rps === null ? undefined : new RateLimiter(rps);
  }

  setLatency(ms: number, jitterMs = this.latency.jitterMs): void {
    this.latency.ms = ms;
    this.latency.jitterMs = jitterMs;
  }

  private async handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path.startsWith('/_emulator/')) return this.admin(req.method ?? 'GET', path, body, res);
    const requestId = randomUUID();
    const target = String(req.headers['x-amz-target'] ?? '');
    const opName = target.startsWith(`${TARGET_PREFIX}.`) ? target.slice(TARGET_PREFIX.length + 1) : '';
    if (req.method !== 'POST' || !isOperationName(opName)) {
      const err = new ServiceError('UnknownOperationException', `Unknown operation: ${target || '(none)'}`);
      return sendError(res, err, requestId);
    }
    const result = await this.call(opName, body);
    if (result instanceof ServiceError) sendError(res, result, requestId);
    else send(res, 200, result, requestId);
  }

  /** One API call through the switches: rate limit, latency, faults, then the operation. */
  private async call(op: OperationName, body: Buffer): Promise<Record<string, unknown> | ServiceError> {
    const c = this.counters[op];
    c.received++;
    this.arrived.push(performance.now());
    const wait = this.limiter?.take() ?? 0;
    await this.latency.wait();
    if (wait > 0) {
      c.throttled++;
      return throttled('Rate exceeded', wait);
    }
    const fault = this.faults?.next(op);
    if (fault?.mode === 'before') {
      c.faulted++;
      return faultError(fault, op);
    }
    let output: Record<string, unknown>;
    try {
      const input = parseBody(body);
      validateInput(op, input);
      const id = (input as { IdentityStoreId: string }).IdentityStoreId;
      if (id !== this.identityStoreId) throw notFound('IDENTITY_STORE', id, 'identity store');
      output = HANDLERS[op](this.store, input as Record<string, unknown>);
    } catch (e) {
      c.failed++;
      return e instanceof ServiceError ? e : internalError(`Internal failure: ${(e as Error)?.message ?? e}`);
    }
    if (fault) {
      c.faulted++;
      return faultError(fault, op);
    }
    c.succeeded++;
    return output;
  }

  private admin(method: string, path: string, body: Buffer, res: ServerResponse): void {
    const requestId = randomUUID();
    const route = `${method} ${path.replace(/\/$/, '')}`;
    try {
      const text = body.toString('utf8').trim();
      const arg = text === '' ? null : (JSON.parse(text) as unknown);
      const data = this.adminRoute(route, arg);
      if (data === undefined) send(res, 404, { error: `no admin route ${route}` }, requestId);
      else send(res, 200, data, requestId);
    } catch (e) {
      send(res, 400, { error: (e as Error)?.message ?? String(e) }, requestId);
    }
  }

  /** The admin endpoint's response body, or undefined for an unknown route. */
  private adminRoute(route: string, arg: unknown): unknown {
    switch (route) {
      case 'GET /_emulator/state':
        return this.dump();
      case 'POST /_emulator/state':
        this.load((arg ?? {}) as SeedFile);
        return { ok: true };
      case 'GET /_emulator/counts':
        return this.counts();
      case 'POST /_emulator/counts/reset':
        this.resetCounts();
        return { ok: true };
      case 'POST /_emulator/faults':
        this.setFaults(arg as FaultOptions | null);
        return { ok: true };
      case 'POST /_emulator/rps':
        this.setRps(
          typeof arg === 'object' && arg !== null ? (arg as { rps?: number }).rps : (arg as number | null),
        );
        return { ok: true };
      case 'POST /_emulator/latency': {
        const v = (arg ?? {}) as { latencyMs?: number; jitterMs?: number };
        this.setLatency(v.latencyMs ?? 0, v.jitterMs ?? 0);
        return { ok: true };
      }
      case 'GET /_emulator/info':
        return { identityStoreId: this.identityStoreId };
      default:
        return undefined;
    }
  }

  async close(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
  }
}
