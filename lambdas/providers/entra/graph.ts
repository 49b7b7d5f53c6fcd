/**
 * A small Microsoft Graph v1.0 reader: GET a collection and follow `@odata.nextLink` to the end,
 * with the run's bearer token and bounded retries (429/503 per Retry-After). Any page that still
 * fails makes the whole collection fail: the caller never sees a partial list.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { z } from 'zod';
import { ConfigError, SourceAuthError, SourceReadError } from '../../core/errors';
import { describeNetworkError, fetchWithRetry, type ResolvedRetry } from './http';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The application permissions the provider needs (admin-consented). */
export const GRAPH_PERMISSIONS = 'GroupMember.Read.All and User.Read.All';

const PageSchema = z.object({
  value: z.array(z.unknown()),
  '@odata.nextLink': z.string().optional(),
});

const GraphErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string().optional() }) });

export interface GraphClientOptions {
  /** e.g. https://graph.microsoft.com (no version). */
  graphUrl: string;
  token: () => Promise<string>;
  retry: ResolvedRetry;
  logger?: Logger;
  signal?: AbortSignal;
}

export class GraphClient {
  /** HTTP requests sent to Graph (retries included). */
  requests = 0;
  /** Answers that were waited out (429, 503...). */
  retries = 0;
  private readonly base: string;
  private readonly origin: string;

  constructor(private readonly o: GraphClientOptions) {
    this.base = `${o.graphUrl.replace(/\/+$/, '')}/v1.0`;
    const url = new URL(this.base);
    this.origin = url.origin;
    // The bearer token never travels in clear text, except to a local stand-in.
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
      throw new ConfigError(
        'entra.graphUrl must be an https URL (http only for a local stand-in on 127.0.0.1)',
      );
    }
  }

  /** Every item of a collection, all pages. `what` names it in errors and logs (e.g. "members of group X"). */
  async list(pathAndQuery: string, what: string): Promise<unknown[]> {
    const items: unknown[] = [];
    let url: string | undefined = `${this.base}${pathAndQuery}`;
    let page = 0;
    while (url) {
      page++;
      const body = await this.get(url, `${what} (page ${page})`);
      const parsed = PageSchema.safeParse(body);
      if (!parsed.success) {
        throw new SourceReadError(
          `Microsoft Graph returned an unexpected page reading ${what} (page ${page})`,
        );
      }
      for (const v of parsed.data.value) items.push(v);
      const next: string | undefined = parsed.data['@odata.nextLink'];
      if (next !== undefined) {
        // The bearer token only ever goes to the configured Graph.
        if (safeOrigin(next) !== this.origin) {
          throw new SourceReadError(
            `Microsoft Graph sent a next page link outside ${this.origin} reading ${what}`,
          );
        }
        if (next === url) throw new SourceReadError(`Microsoft Graph repeated a page link reading ${what}`);
      }
      url = next;
    }
    return items;
  }

  private async get(url: string, what: string): Promise<unknown> {
    const token = await this.o.token();
    const outcome = await fetchWithRetry(
      (signal) => {
        this.requests++;
        return fetch(url, {
          headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
          signal,
        });
      },
      this.o.retry,
      (e) => {
        this.retries++;
        this.o.logger?.warn('Microsoft Graph asked us to wait', { what, ...e });
      },
      this.o.signal,
    );
    const res = outcome.response;
    if (!res) {
      throw new SourceReadError(
        `could not read ${what} from Microsoft Graph after ${outcome.attempts} attempts: ${describeNetworkError(outcome.error)}`,
      );
    }
    const text = await res.text();
    if (res.ok) {
      try {
        return JSON.parse(text);
      } catch {
        throw new SourceReadError(`Microsoft Graph returned invalid JSON reading ${what}`);
      }
    }
    const err = graphError(text);
    const detail = err ? ` ${err.code}${err.message ? `: ${err.message.replace(/\.$/, '')}` : ''}` : '';
    if (res.status === 401 || res.status === 403) {
      const hint =
        res.status === 401
          ? `check that entra.graphUrl is the Microsoft Graph the token is for, and that the app has the Microsoft Graph application permissions ${GRAPH_PERMISSIONS} (admin consent granted)`
          : `grant the app registration the Microsoft Graph application permissions ${GRAPH_PERMISSIONS} and grant admin consent`;
      throw new SourceAuthError(
        `Microsoft Graph refused to read ${what} (HTTP ${res.status}${detail}). What to do: ${hint}.`,
      );
    }
    const tries = outcome.attempts > 1 ? ` after ${outcome.attempts} attempts` : '';
    throw new SourceReadError(
      `could not read ${what} from Microsoft Graph: HTTP ${res.status}${detail}${tries}`,
    );
  }
}

function graphError(text: string): { code: string; message?: string } | undefined {
  try {
    const r = GraphErrorSchema.safeParse(JSON.parse(text));
    return r.success ? r.data.error : undefined;
  } catch {
    return undefined;
  }
}

function safeOrigin(u: string): string | undefined {
  try {
    return new URL(u).origin;
  } catch {
    return undefined;
  }
}

/** An OData string literal: single quotes doubled. */
export function odataString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** Builds `?a=b&c=d` with every value percent-encoded (spaces as %20, as Graph expects). */
export function query(params: Record<string, string | number>): string {
  return `?${Object.entries(params)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join('&')}`;
}
