/**
 * A local Amazon SQS (standard queues, the AWS JSON 1.0 protocol: `AmazonSQS.<Op>`) on 127.0.0.1
 * for the real SQS client: SendMessage, ReceiveMessage (long polling that answers as soon as a
 * message is there, visibility timeouts, SentTimestamp and ApproximateReceiveCount), DeleteMessage
 * (only with the latest receipt handle, as SQS), DeleteMessageBatch, ChangeMessageVisibility,
 * GetQueueUrl, GetQueueAttributes, and a redrive policy (after `maxReceiveCount` receives a message
 * moves to the dead-letter queue).
 *
 * Why not an npm SQS emulator: `local-aws-sqs` (the one that speaks the JSON protocol on Node 20)
 * held every long poll for its full WaitTimeSeconds even when a message arrived, and returned one
 * message twice in one ReceiveMessage answer when we tried it; `fauxqs` needs Node 22.5; elasticmq
 * needs Java. The semantics the webhook starter relies on are few and are all here.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LOCAL_ACCOUNT } from './aws';
import { listen, type LocalServer, sendJson } from './http';

export interface LocalQueueOptions {
  name: string;
  visibilityTimeoutSeconds?: number;
  /** With `deadLetterQueue`: receives after which a message moves there. */
  maxReceiveCount?: number;
  deadLetterQueue?: string;
}

interface Message {
  id: string;
  body: string;
  md5: string;
  sentAt: number;
  visibleAt: number;
  receives: number;
  firstReceivedAt?: number;
  receipt?: string;
}

interface Queue {
  opts: LocalQueueOptions;
  url: string;
  messages: Message[];
  waiters: Set<() => void>;
}

class SqsError extends Error {
  constructor(
    readonly type: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class LocalSqs {
  private readonly queues = new Map<string, Queue>();
  private server?: LocalServer;
  private closing = false;
  readonly calls: Record<string, number> = {};

  get endpoint(): string {
    if (!this.server) throw new Error('LocalSqs is not started');
    return this.server.url;
  }

  async start(queues: LocalQueueOptions[]): Promise<this> {
    this.server = await listen((req, res, body) => this.handle(req, res, body));
    for (const q of queues)
      this.queues.set(q.name, {
        opts: q,
        url: `${this.server.url}/${LOCAL_ACCOUNT}/${q.name}`,
        messages: [],
        waiters: new Set(),
      });
    return this;
  }

  close(): Promise<void> {
    this.closing = true;
    for (const q of this.queues.values()) for (const w of q.waiters) w();
    return this.server?.close() ?? Promise.resolve();
  }

  queueUrl(name: string): string {
    const q = this.queues.get(name);
    if (!q) throw new Error(`no local queue ${name}`);
    return q.url;
  }

  /** Messages in the queue: visible (waiting) and in flight (received, not yet deleted). */
  depth(name: string, now = Date.now()): { visible: number; inFlight: number } {
    const q = this.queues.get(name);
    if (!q) throw new Error(`no local queue ${name}`);
    const visible = q.messages.filter((m) => m.visibleAt <= now).length;
    return { visible, inFlight: q.messages.length - visible };
  }

  /** Bodies of the messages in a queue (tests read the dead-letter queue). */
  bodies(name: string): string[] {
    return this.queues.get(name)?.messages.map((m) => m.body) ?? [];
  }

  private queueOf(input: Record<string, unknown>): Queue {
    const url = String(input.QueueUrl ?? '');
    const name = url.split('/').at(-1) ?? '';
    const q = this.queues.get(name);
    if (!q)
      throw new SqsError(
        'com.amazonaws.sqs#QueueDoesNotExist',
        'AWS.SimpleQueueService.NonExistentQueue',
        'The specified queue does not exist.',
      );
    return q;
  }

  private async handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    this.calls[op] = (this.calls[op] ?? 0) + 1;
    const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() };
    try {
      const input = (body.length ? JSON.parse(body.toString('utf8')) : {}) as Record<string, unknown>;
      sendJson(res, 200, await this.operation(op, input), headers);
    } catch (err) {
      const e =
        err instanceof SqsError
          ? err
          : new SqsError(
              'com.amazon.coral.service#InternalFailure',
              'InternalFailure',
              (err as Error).message,
            );
      sendJson(
        res,
        e.code === 'InternalFailure' ? 500 : 400,
        { __type: e.type, message: e.message },
        { ...headers, 'x-amzn-query-error': `${e.code};Sender` },
      );
    }
  }

  private async operation(op: string, input: Record<string, unknown>): Promise<unknown> {
    switch (op) {
      case 'GetQueueUrl': {
        const q = this.queues.get(String(input.QueueName ?? ''));
        if (!q)
          throw new SqsError(
            'com.amazonaws.sqs#QueueDoesNotExist',
            'AWS.SimpleQueueService.NonExistentQueue',
            'The specified queue does not exist.',
          );
        return { QueueUrl: q.url };
      }
      case 'SendMessage': {
        const q = this.queueOf(input);
        const body = String(input.MessageBody ?? '');
        if (!body)
          throw new SqsError('com.amazonaws.sqs#MissingParameter', 'MissingParameter', 'MessageBody');
        const m: Message = {
          id: randomUUID(),
          body,
          md5: createHash('md5').update(body).digest('hex'),
          sentAt: Date.now(),
          visibleAt: Date.now() + Number(input.DelaySeconds ?? 0) * 1000,
          receives: 0,
        };
        q.messages.push(m);
        for (const w of q.waiters) w();
        return { MessageId: m.id, MD5OfMessageBody: m.md5 };
      }
      case 'ReceiveMessage':
        return this.receive(this.queueOf(input), input);
      case 'DeleteMessage': {
        const q = this.queueOf(input);
        this.remove(q, String(input.ReceiptHandle ?? ''));
        return {};
      }
      case 'DeleteMessageBatch': {
        const q = this.queueOf(input);
        const entries = (input.Entries ?? []) as { Id: string; ReceiptHandle: string }[];
        for (const e of entries) this.remove(q, e.ReceiptHandle);
        return { Successful: entries.map((e) => ({ Id: e.Id })), Failed: [] };
      }
      case 'ChangeMessageVisibility': {
        const q = this.queueOf(input);
        const m = q.messages.find((x) => x.receipt === input.ReceiptHandle);
        if (!m)
          throw new SqsError(
            'com.amazonaws.sqs#ReceiptHandleIsInvalid',
            'ReceiptHandleIsInvalid',
            'The input receipt handle is invalid.',
          );
        m.visibleAt = Date.now() + Number(input.VisibilityTimeout ?? 0) * 1000;
        if (m.visibleAt <= Date.now()) for (const w of q.waiters) w();
        return {};
      }
      case 'GetQueueAttributes': {
        const q = this.queueOf(input);
        const d = this.depth(q.opts.name);
        return {
          Attributes: {
            ApproximateNumberOfMessages: String(d.visible),
            ApproximateNumberOfMessagesNotVisible: String(d.inFlight),
            VisibilityTimeout: String(q.opts.visibilityTimeoutSeconds ?? 30),
          },
        };
      }
      default:
        throw new SqsError(
          'com.amazonaws.sqs#UnsupportedOperation',
          'AWS.SimpleQueueService.UnsupportedOperation',
          `AmazonSQS.${op} is not implemented locally`,
        );
    }
  }

  private remove(q: Queue, receipt: string): void {
    // As SQS: a stale receipt handle (the message was received again since) deletes nothing.
    const i = q.messages.findIndex((m) => m.receipt === receipt);
    if (i >= 0) q.messages.splice(i, 1);
  }

  private take(q: Queue, max: number, visibilityMs: number): Message[] {
    const now = Date.now();
    const out: Message[] = [];
    for (const m of [...q.messages]) {
      if (out.length >= max) break;
      if (m.visibleAt > now) continue;
      const dlq = q.opts.deadLetterQueue ? this.queues.get(q.opts.deadLetterQueue) : undefined;
      if (dlq && q.opts.maxReceiveCount !== undefined && m.receives >= q.opts.maxReceiveCount) {
        q.messages.splice(q.messages.indexOf(m), 1);
        dlq.messages.push({ ...m, visibleAt: now, receives: 0 });
        continue;
      }
      m.receives++;
      m.firstReceivedAt ??= now;
      m.receipt = randomUUID();
      m.visibleAt = now + visibilityMs;
      out.push(m);
    }
    return out;
  }

  private async receive(q: Queue, input: Record<string, unknown>): Promise<unknown> {
    const max = Math.min(10, Math.max(1, Number(input.MaxNumberOfMessages ?? 1)));
    const visibilityMs = Number(input.VisibilityTimeout ?? q.opts.visibilityTimeoutSeconds ?? 30) * 1000;
    const deadline = Date.now() + Math.min(20, Number(input.WaitTimeSeconds ?? 0)) * 1000;
    let got = this.take(q, max, visibilityMs);
    while (!got.length && Date.now() < deadline && !this.closing) {
      // Wake on a send, or when the earliest invisible message becomes visible, or at the deadline.
      const nextVisible = Math.min(...q.messages.map((m) => m.visibleAt), deadline);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          q.waiters.delete(done);
          resolve();
        };
        const t = setTimeout(done, Math.max(1, nextVisible - Date.now()));
        q.waiters.add(done);
      });
      got = this.take(q, max, visibilityMs);
    }
    if (!got.length) return {};
    return {
      Messages: got.map((m) => ({
        MessageId: m.id,
        ReceiptHandle: m.receipt,
        MD5OfBody: m.md5,
        Body: m.body,
        Attributes: {
          SentTimestamp: String(m.sentAt),
          ApproximateReceiveCount: String(m.receives),
          ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt),
        },
      })),
    };
  }
}
