/**
 * Reads the configuration from CDK context: the `scimSync` object of cdk.json, replaced by
 * `--context scimSync='{...}'` (a JSON string) and refined by dotted overrides such as
 * `--context scimSync.providers.github.schedule='rate(1 hour)'` (values are parsed as JSON when
 * they are JSON, else taken as strings). The result is validated with the one ConfigSchema.
 */
import type { Node } from 'constructs';
import { type Config, parseConfig } from '../lambdas/core/config';
import { ConfigError } from '../lambdas/core/errors';
import { DEFAULT_LOG_LEVEL, LOG_LEVELS, type LogLevel } from './functions';

export const CONTEXT_KEY = 'scimSync';

function parseValue(raw: unknown, key: string): unknown {
  if (typeof raw !== 'string') return raw;
  const s = raw.trim();
  if (!/^[[{"\d-]|^(true|false|null)$/.test(s)) return raw;
  try {
    return JSON.parse(s);
  } catch {
    if (s.startsWith('{') || s.startsWith('[')) throw new ConfigError(`context ${key} is not valid JSON`);
    return raw;
  }
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown, key: string) {
  let o = target;
  for (const p of path.slice(0, -1)) {
    const next = o[p];
    if (next === undefined) o[p] = {};
    else if (typeof next !== 'object' || next === null || Array.isArray(next)) {
      throw new ConfigError(`context ${key}: ${p} is not an object`);
    }
    o = o[p] as Record<string, unknown>;
  }
  o[path[path.length - 1]!] = value;
}

/** The raw (unvalidated) configuration object from context, with dotted overrides applied. */
export function rawConfigFromContext(context: Record<string, unknown>): unknown {
  const base = parseValue(context[CONTEXT_KEY], CONTEXT_KEY);
  if (base === undefined) {
    throw new ConfigError(
      `no configuration: set the "${CONTEXT_KEY}" context key in cdk.json (docs/configuration.md)`,
    );
  }
  if (typeof base !== 'object' || base === null || Array.isArray(base)) {
    throw new ConfigError(`context ${CONTEXT_KEY} must be an object (docs/configuration.md)`);
  }
  const config = structuredClone(base) as Record<string, unknown>;
  const prefix = `${CONTEXT_KEY}.`;
  for (const key of Object.keys(context).sort()) {
    if (!key.startsWith(prefix)) continue;
    const path = key.slice(prefix.length).split('.');
    if (path.some((p) => p === '')) throw new ConfigError(`context ${key}: empty path segment`);
    setPath(config, path, parseValue(context[key], key), key);
  }
  return config;
}

/** The validated configuration; a ConfigError names every bad key. */
export function configFromContext(node: Node): Config {
  return parseConfig(rawConfigFromContext(node.getAllContext()), `cdk context "${CONTEXT_KEY}"`);
}

/** The context key of the functions' log level (POWERTOOLS_LOG_LEVEL): `-c logLevel=DEBUG`. */
export const LOG_LEVEL_CONTEXT_KEY = 'logLevel';

/** The functions' log level from context (default INFO); anything else is a ConfigError. */
export function logLevelFromContext(node: Node): LogLevel {
  const raw = node.tryGetContext(LOG_LEVEL_CONTEXT_KEY);
  if (raw === undefined) return DEFAULT_LOG_LEVEL;
  const level = String(raw).toUpperCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError(
      `context ${LOG_LEVEL_CONTEXT_KEY}: must be one of ${LOG_LEVELS.join(', ')}, not ${String(raw)}`,
    );
  }
  return level as LogLevel;
}
