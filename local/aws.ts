/**
 * Local stand-ins for the AWS calls the handlers and the CLI make besides the Identity Store:
 * Secrets Manager (AWS JSON 1.1, `secretsmanager.<Op>`), Step Functions (AWS JSON 1.0,
 * `AWSStepFunctions.<Op>`) and SNS Publish (the AWS query protocol: a form post answered in XML,
 * for the alert function), on one HTTP server, for the real SDK clients to talk to.
 *
 * Step Functions executions are not run here: the local runner runs them and records them in this
 * registry (status, input, output, error, history); the API answers from the registry and hands
 * Start/Redrive requests to the runner through `onStart` / `onRedrive`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen, type LocalServer, sendJson } from './http';

export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'eu-west-2';

interface SecretVersion {
  versionId: string;
  value: string;
  created: Date;
}
interface Secret {
  name: string;
  arn: string;
  versions: SecretVersion[];
}

export type ExecutionStatus =
  | 'RUNNING'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'TIMED_OUT'
  | 'ABORTED'
  | 'PENDING_REDRIVE';

export interface LocalExecution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: Date;
  stopDate?: Date;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  redriveCount: number;
  redriveDate?: Date;
  /** Step Functions history events (GetExecutionHistory shapes). */
  history: Record<string, unknown>[];
  /** While the execution runs: its history so far (the runner sets it; `history` is set at the end). */
  liveHistory?: () => Record<string, unknown>[];
  /** While the execution runs: stops it (the runner sets it). */
  abort?: () => void;
}

/** Step Functions redrives an execution for 14 days after it stopped, with at most 25,000 history events. */
export const REDRIVE_WINDOW_DAYS = 14;
export const MAX_HISTORY_EVENTS = 25_000;

/** Client errors are 400s; the rest are the service's own failures. */
const faultStatus = (type: string) =>
  type === 'ThrottlingException' || type === 'AccessDeniedException' ? 400 : 500;

class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export interface LocalAwsOptions {
  port?: number;
  onStart?: (stateMachineArn: string, name: string, input: string) => Promise<LocalExecution>;
  onRedrive?: (execution: LocalExecution) => Promise<void>;
}

export class LocalAws {
  readonly secrets = new Map<string, Secret>();
  readonly executions = new Map<string, LocalExecution>();
  readonly stateMachines = new Map<
    string,
    { name: string; arn: string; definition: string; creationDate: Date }
  >();
  readonly calls: Record<string, number> = {};
  /** Every SNS message published (`sns.Publish`), oldest first. */
  readonly published: { topicArn: string; subject?: string; message: string }[] = [];
  private readonly faults = new Map<string, { left: number; type: string }>();
  private server?: LocalServer;
  constructor(private readonly opts: LocalAwsOptions = {}) {}

  get endpoint(): string {
    if (!this.server) throw new Error('LocalAws is not started');
    return this.server.url;
  }

  /** Listens on `port` (default: the constructor's, else a free one); after close(), may listen again. */
  async start(port = this.opts.port ?? 0): Promise<this> {
    this.server = await listen((req, res, body) => this.handle(req, res, body), { port });
    return this;
  }

  close(): Promise<void> {
    return this.server?.close() ?? Promise.resolve();
  }

  set onStart(fn: LocalAwsOptions['onStart']) {
    this.opts.onStart = fn;
  }
  set onRedrive(fn: LocalAwsOptions['onRedrive']) {
    this.opts.onRedrive = fn;
  }

  /**
   * The next `count` calls of `target` (such as `secretsmanager.GetSecretValue` or
   * `AWSStepFunctions.ListExecutions`; Infinity: every call) fail with `type`: ThrottlingException
   * and AccessDeniedException (an IAM policy that does not allow the call) answer 400, anything else
   * (InternalServiceError, ServiceUnavailable...) 500.
   */
  failNext(target: string, count: number, type = 'ThrottlingException'): void {
    if (count > 0) this.faults.set(target, { left: count, type });
    else this.faults.delete(target);
  }

  /** Stores a new version of a secret (creating it), returns its ARN. */
  putSecret(name: string, value: string): string {
    let s = this.secrets.get(name);
    if (!s) {
      const suffix = randomBytes(3).toString('hex');
      s = {
        name,
        arn: `arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT}:secret:${name}-${suffix}`,
        versions: [],
      };
      this.secrets.set(name, s);
    }
    s.versions.push({ versionId: randomUUID(), value, created: new Date() });
    return s.arn;
  }

  registerStateMachine(name: string, definition: string): string {
    const arn = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${name}`;
    this.stateMachines.set(arn, { name, arn, definition, creationDate: new Date() });
    return arn;
  }

  /** SNS's query protocol: `Action=Publish&TopicArn=...&Message=...`, answered in XML. */
  private sns(res: ServerResponse, form: URLSearchParams): void {
    const action = form.get('Action') ?? '';
    const target = `sns.${action}`;
    this.calls[target] = (this.calls[target] ?? 0) + 1;
    const xml = (status: number, text: string) => {
      res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() });
      res.end(text);
    };
    const fault = this.faults.get(target);
    if (fault && fault.left > 0) {
      fault.left--;
      const status = fault.type === 'Throttling' || fault.type === 'ThrottlingException' ? 400 : 500;
      xml(
        status,
        `<ErrorResponse><Error><Type>${status === 400 ? 'Sender' : 'Receiver'}</Type><Code>${fault.type}</Code><Message>${fault.type} (injected fault on ${target})</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
      );
      return;
    }
    if (action !== 'Publish' || !form.get('TopicArn') || !form.get('Message')) {
      xml(
        400,
        `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameter</Code><Message>only Publish with TopicArn and Message is implemented locally</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
      );
      return;
    }
    const subject = form.get('Subject');
    this.published.push({
      topicArn: form.get('TopicArn')!,
      ...(subject ? { subject } : {}),
      message: form.get('Message')!,
    });
    xml(
      200,
      `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${randomUUID()}</MessageId></PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    if (String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      this.sns(res, new URLSearchParams(body.toString('utf8')));
      return;
    }
    const r = await this.respond(String(req.headers['x-amz-target'] ?? ''), body);
    sendJson(res, r.status, r.body, r.headers);
  }

  /**
   * One AWS JSON request (`X-Amz-Target`, body) to its answer. The HTTP server calls it, and so does
   * an SDK client given `inProcessHandler(this)` (local/in-process.ts), which never opens a socket.
   */
  async respond(
    target: string,
    body: Buffer | string,
  ): Promise<{ status: number; headers: Record<string, string>; body: unknown }> {
    const [service, op = ''] = target.split('.');
    this.calls[target] = (this.calls[target] ?? 0) + 1;
    const contentType =
      service === 'secretsmanager' ? 'application/x-amz-json-1.1' : 'application/x-amz-json-1.0';
    try {
      const fault = this.faults.get(target);
      if (fault && fault.left > 0) {
        fault.left--;
        throw new AwsError(
          fault.type,
          `${fault.type} (injected fault on ${target})`,
          faultStatus(fault.type),
        );
      }
      const text = typeof body === 'string' ? body : body.toString('utf8');
      const input = text.length ? (JSON.parse(text) as Record<string, unknown>) : {};
      let out: unknown;
      if (service === 'secretsmanager') out = this.secretsManager(op, input);
      else if (service === 'AWSStepFunctions') out = await this.stepFunctions(op, input);
      else throw new AwsError('UnknownOperationException', `unknown target ${target}`);
      return {
        status: 200,
        headers: { 'content-type': contentType, 'x-amzn-requestid': randomUUID() },
        body: out,
      };
    } catch (err) {
      const e =
        err instanceof AwsError ? err : new AwsError('InternalServerError', (err as Error).message, 500);
      return {
        status: e.status,
        headers: { 'content-type': contentType, 'x-amzn-errortype': e.type },
        body: { __type: e.type, message: e.message },
      };
    }
  }

  private findSecret(id: string): Secret {
    for (const s of this.secrets.values()) if (s.name === id || s.arn === id) return s;
    throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
  }

  private secretsManager(op: string, input: Record<string, unknown>): unknown {
    if (op === 'GetSecretValue') {
      const s = this.findSecret(String(input.SecretId ?? ''));
      const v = input.VersionId ? s.versions.find((x) => x.versionId === input.VersionId) : s.versions.at(-1);
      if (!v)
        throw new AwsError(
          'ResourceNotFoundException',
          "Secrets Manager can't find the specified secret value for VersionId.",
        );
      return {
        ARN: s.arn,
        Name: s.name,
        VersionId: v.versionId,
        SecretString: v.value,
        VersionStages: v === s.versions.at(-1) ? ['AWSCURRENT'] : [],
        CreatedDate: v.created.getTime() / 1000,
      };
    }
    if (op === 'DescribeSecret') {
      const s = this.findSecret(String(input.SecretId ?? ''));
      return { ARN: s.arn, Name: s.name, LastChangedDate: s.versions.at(-1)!.created.getTime() / 1000 };
    }
    throw new AwsError('UnknownOperationException', `secretsmanager.${op} is not implemented locally`);
  }

  private execution(arn: unknown): LocalExecution {
    const x = this.executions.get(String(arn));
    if (!x) throw new AwsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${String(arn)}'`);
    return x;
  }

  /** Whether Step Functions would redrive this execution, and if not, why (its redriveStatusReason). */
  redriveStatus(x: LocalExecution, now = new Date()): { redrivable: boolean; reason?: string } {
    if (x.status !== 'FAILED')
      return { redrivable: false, reason: `Execution is ${x.status} and cannot be redriven` };
    if (x.stopDate && now.getTime() - x.stopDate.getTime() > REDRIVE_WINDOW_DAYS * 86_400_000)
      return {
        redrivable: false,
        reason: `Execution can no longer be redriven: the ${REDRIVE_WINDOW_DAYS}-day redrive period has passed`,
      };
    if (x.history.length >= MAX_HISTORY_EVENTS)
      return {
        redrivable: false,
        reason: `Execution history has reached the limit of ${MAX_HISTORY_EVENTS} events and cannot be redriven`,
      };
    return { redrivable: true };
  }

  private async stepFunctions(op: string, input: Record<string, unknown>): Promise<unknown> {
    const epoch = (d?: Date) => (d ? d.getTime() / 1000 : undefined);
    const listItem = (x: LocalExecution) => ({
      executionArn: x.executionArn,
      stateMachineArn: x.stateMachineArn,
      name: x.name,
      status: x.status,
      startDate: epoch(x.startDate),
      stopDate: epoch(x.stopDate),
      redriveCount: x.redriveCount,
      redriveDate: epoch(x.redriveDate),
    });
    switch (op) {
      case 'ListStateMachines':
        return {
          stateMachines: [...this.stateMachines.values()].map((m) => ({
            stateMachineArn: m.arn,
            name: m.name,
            type: 'STANDARD',
            creationDate: epoch(m.creationDate),
          })),
        };
      case 'DescribeStateMachine': {
        const m = this.stateMachines.get(String(input.stateMachineArn));
        if (!m)
          throw new AwsError(
            'StateMachineDoesNotExist',
            `State Machine Does Not Exist: '${String(input.stateMachineArn)}'`,
          );
        return {
          stateMachineArn: m.arn,
          name: m.name,
          definition: m.definition,
          type: 'STANDARD',
          status: 'ACTIVE',
          creationDate: epoch(m.creationDate),
          roleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/local`,
        };
      }
      case 'ListExecutions': {
        const arn = String(input.stateMachineArn ?? '');
        if (!this.stateMachines.has(arn))
          throw new AwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
        const all = [...this.executions.values()]
          .filter(
            (x) => x.stateMachineArn === arn && (!input.statusFilter || x.status === input.statusFilter),
          )
          .sort((a, b) => b.startDate.getTime() - a.startDate.getTime());
        const start = input.nextToken ? Number(input.nextToken) : 0;
        const size = Number(input.maxResults ?? 100) || 100;
        const page = all.slice(start, start + size);
        return {
          executions: page.map(listItem),
          ...(start + size < all.length ? { nextToken: String(start + size) } : {}),
        };
      }
      case 'DescribeExecution': {
        const x = this.execution(input.executionArn);
        const redrive = this.redriveStatus(x);
        return {
          ...listItem(x),
          input: x.input,
          ...(x.output !== undefined ? { output: x.output } : {}),
          ...(x.error ? { error: x.error, cause: x.cause } : {}),
          redriveStatus: redrive.redrivable ? 'REDRIVABLE' : 'NOT_REDRIVABLE',
          ...(redrive.reason ? { redriveStatusReason: redrive.reason } : {}),
        };
      }
      case 'GetExecutionHistory': {
        const x = this.execution(input.executionArn);
        const history = x.liveHistory?.() ?? x.history;
        const events = input.reverseOrder ? [...history].reverse() : history;
        const start = input.nextToken ? Number(input.nextToken) : 0;
        const size = Number(input.maxResults ?? 1000) || 1000;
        return {
          events: events.slice(start, start + size),
          ...(start + size < events.length ? { nextToken: String(start + size) } : {}),
        };
      }
      case 'StartExecution': {
        if (!this.opts.onStart)
          throw new AwsError(
            'UnknownOperationException',
            'StartExecution is not available in this local session',
          );
        const arn = String(input.stateMachineArn ?? '');
        if (!this.stateMachines.has(arn))
          throw new AwsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
        const name = String(input.name ?? randomUUID());
        if ([...this.executions.values()].some((x) => x.stateMachineArn === arn && x.name === name)) {
          throw new AwsError('ExecutionAlreadyExists', `Execution Already Exists: '${name}'`);
        }
        const x = await this.opts.onStart(arn, name, String(input.input ?? '{}'));
        return { executionArn: x.executionArn, startDate: epoch(x.startDate) };
      }
      case 'RedriveExecution': {
        const x = this.execution(input.executionArn);
        // Locally only FAILED executions are redriven (the runner neither times out nor aborts runs).
        const redrive = this.redriveStatus(x);
        if (!redrive.redrivable)
          throw new AwsError('ExecutionNotRedrivable', redrive.reason ?? 'not redrivable');
        if (!this.opts.onRedrive)
          throw new AwsError(
            'UnknownOperationException',
            'RedriveExecution is not available in this local session',
          );
        await this.opts.onRedrive(x);
        return { redriveDate: epoch(x.redriveDate) };
      }
      case 'StopExecution': {
        const x = this.execution(input.executionArn);
        if (x.status === 'RUNNING') {
          x.abort?.();
          x.status = 'ABORTED';
          x.stopDate = new Date();
        }
        return { stopDate: epoch(x.stopDate) };
      }
      default:
        throw new AwsError('UnknownOperationException', `AWSStepFunctions.${op} is not implemented locally`);
    }
  }
}
