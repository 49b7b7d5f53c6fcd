/**
 * Files named on the command line (fixtures, seeds, configurations, --input): read and checked
 * here, so that every problem is one line that names the option, the file and what is wrong
 * (missing, not JSON, the other provider's fixture, invalid) instead of a raw ENOENT or a
 * SyntaxError without a file name. These are usage errors (exit 2).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { ConfigInput } from '../lambdas/core/config';
import type { Provider } from '../lambdas/core/model';
import type { GithubFixture } from '../local/github';
import { parseGithubFixture } from '../local/github/fixture';
import type { EntraFixture } from '../local/graph';
import { parseEntraFixture } from '../local/graph/fixture';
import type { SeedFile } from '../local/identitystore';

/** The command line is wrong: an unknown value, a file that cannot be used. Exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const short = (s: string, max = 300) => (s.length > max ? `${s.slice(0, max)}...` : s);

function ioProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a folder, not a file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return (err as Error).message;
}

/** A file's text; `option` is how the command line named it (e.g. "--fixture"). */
export function readText(option: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${option} ${file}: ${ioProblem(err)}`);
  }
}

/** JSON text, or a one-line error naming where it came from and where the JSON breaks. */
export function parseJsonText(option: string, where: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const empty = text.trim() === '';
    throw new UsageError(
      `${option} ${where}: ${empty ? 'is empty' : `is not valid JSON (${short((err as Error).message, 120)})`}`,
    );
  }
}

export function readJson(option: string, file: string): unknown {
  return parseJsonText(option, file, readText(option, file));
}

export function writeText(option: string, file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (err) {
    throw new UsageError(`${option} ${file}: cannot write it: ${ioProblem(err)}`);
  }
}

/** Which provider a fixture is for, from its shape. */
export function fixtureKind(raw: unknown): Provider | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const o = raw as Record<string, unknown>;
  if ('organisation' in o || ('teams' in o && !('groups' in o))) return 'github';
  if (
    'groups' in o &&
    Array.isArray(o.users) &&
    o.users.some((u) => u && typeof u === 'object' && 'userPrincipalName' in u)
  )
    return 'entra';
  if ('groups' in o && !('teams' in o)) return 'entra';
  return undefined;
}

const FIXTURE_SHAPES: Record<Provider, string> = {
  github: 'a GitHub organisation fixture: {"organisation", "teams": [{"slug", "name", "members"}], "users"?}',
  entra:
    'an Entra ID tenant fixture: {"groups": [{"id", "displayName", "members"}], "users": [{"id", "userPrincipalName", ...}]}',
};

/** A provider's fixture file, checked: the other provider's fixture, or an invalid one, says so in a line. */
export function loadFixture(provider: Provider, file: string): GithubFixture | EntraFixture {
  const raw = readJson('--fixture', file);
  const kind = fixtureKind(raw);
  if (kind && kind !== provider)
    throw new UsageError(
      `--fixture ${file} is ${kind === 'github' ? 'a GitHub' : 'an Entra ID'} fixture, but \`sync ${provider}\` needs ${FIXTURE_SHAPES[provider]}`,
    );
  if (!kind) throw new UsageError(`--fixture ${file}: not ${FIXTURE_SHAPES[provider]}`);
  try {
    return provider === 'github' ? parseGithubFixture(raw, file) : parseEntraFixture(raw, file);
  } catch (err) {
    throw new UsageError(`--fixture ${short((err as Error).message)}`);
  }
}

/** An Identity Store seed file ({"users", "groups", "memberships"}). */
export function loadSeed(file: string): SeedFile {
  const raw = readJson('--seed', file);
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new UsageError(`--seed ${file}: not an Identity Store seed ({"users", "groups", "memberships"})`);
  const o = raw as Record<string, unknown>;
  for (const k of ['users', 'groups', 'memberships'])
    if (o[k] !== undefined && !Array.isArray(o[k]))
      throw new UsageError(`--seed ${file}: "${k}" must be a list`);
  if (fixtureKind(raw) === 'github' || 'teams' in o)
    throw new UsageError(`--seed ${file} looks like a GitHub fixture: pass it as --fixture`);
  return raw as SeedFile;
}

/** A configuration file: the `scimSync` object (or a cdk.json holding one). */
export function loadConfigFile(file: string): ConfigInput {
  const raw = readJson('--config', file) as { context?: { scimSync?: unknown } } | null;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new UsageError(`--config ${file}: not a configuration object (docs/configuration.md)`);
  return (raw.context?.scimSync ?? raw) as ConfigInput;
}
