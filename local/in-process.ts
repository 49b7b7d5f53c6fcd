/**
 * An SDK request handler that answers from a LocalAws in this process instead of over HTTP: the
 * client is the real one (serialisation, signing, retries, error parsing, the handlers' calls),
 * only the transport differs, and no port is opened.
 *
 * Live runs use it for the runner's own Step Functions (the execution registry CheckConcurrency
 * lists) and, with `--secret-file`, for the secret read from a file: the handlers read it by name
 * and by ARN and version id as from Secrets Manager, while its value never crosses a socket that
 * another process on the machine could connect to.
 */
import { Readable } from 'node:stream';
import type { LocalAws } from './aws';

interface SdkRequest {
  headers: Record<string, string>;
  body?: unknown;
}

/** A Smithy HttpHandler (the `requestHandler` client option) backed by `aws.respond`. */
export function inProcessHandler(aws: LocalAws) {
  return {
    metadata: { handlerProtocol: 'in-process' },
    async handle(request: SdkRequest): Promise<{ response: unknown }> {
      const target = Object.entries(request.headers).find(([k]) => k.toLowerCase() === 'x-amz-target')?.[1];
      const body =
        typeof request.body === 'string'
          ? request.body
          : request.body instanceof Uint8Array
            ? new TextDecoder().decode(request.body)
            : '';
      const r = await aws.respond(target ?? '', body);
      const text = JSON.stringify(r.body);
      return {
        response: {
          statusCode: r.status,
          reason: undefined,
          headers: { ...r.headers, 'content-length': String(Buffer.byteLength(text)) },
          body: Readable.from([Buffer.from(text)]),
        },
      };
    },
    updateHttpClientConfig(): void {},
    httpHandlerConfigs(): Record<string, never> {
      return {};
    },
    destroy(): void {},
  };
}
