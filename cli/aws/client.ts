/**
 * What the AWS commands share: their output streams, the common options (region, profile,
 * endpoint, state machine), the Step Functions client, finding `scim-sync-<provider>` by name, and
 * turning SDK errors into sentences an operator can act on.
 */
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { DescribeExecutionCommand, paginateListStateMachines, SFNClient } from '@aws-sdk/client-sfn';
import { type Provider, ProviderSchema } from '../../lambdas/core/model';
import { UsageError } from '../files';

/** Where a command writes; tests capture both streams. */
export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /** stdout is a terminal: progress is drawn as a bar. */
  isTTY: boolean;
}

export const processIo = (): Io => ({
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  isTTY: Boolean(process.stdout.isTTY),
});

/** An error the command explains in full: printed as is, exit code 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/** The region the local stand-in (`scim-sync local-aws`) reports. */
export const LOCAL_STAND_IN_REGION = 'eu-west-2';

/** The options every AWS command takes (cli/program.ts declares them). */
export interface CommonOptions {
  region?: string | undefined;
  profile?: string | undefined;
  endpoint?: string | undefined;
  'state-machine-arn'?: string | undefined;
  'poll-ms'?: string | undefined;
  json?: boolean | undefined;
}

/** A command's parsed command line: option values by their long name, and the positional arguments. */
export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export interface Aws {
  client: SFNClient;
  region: string;
  endpoint?: string;
  /** Milliseconds between polls while following an execution. */
  pollMs: number;
  stateMachineArn?: string;
}

function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === 'localhost' || host === '::1' || host === '[::1]' || host.startsWith('127.');
  } catch {
    throw new UsageError(`--endpoint-url ${url} is not a URL (e.g. http://127.0.0.1:4566)`);
  }
}

/**
 * The Step Functions client. Region and credentials come from the usual AWS environment (AWS_REGION,
 * AWS_PROFILE, SSO, ...) unless --region / --profile say otherwise. A loopback --endpoint (the local
 * stand-in) gets its region and, when none are configured, dummy credentials: it ignores signatures.
 */
export async function connect(o: CommonOptions, env: NodeJS.ProcessEnv = process.env): Promise<Aws> {
  const local = o.endpoint !== undefined && isLoopback(o.endpoint);
  const hasCredentials = Boolean(o.profile || env.AWS_PROFILE || env.AWS_ACCESS_KEY_ID);
  const region =
    o.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? (local ? LOCAL_STAND_IN_REGION : undefined);
  const client = new SFNClient({
    ...(region ? { region } : {}),
    ...(o.profile ? { profile: o.profile } : {}),
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(local && !hasCredentials ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    maxAttempts: 5,
  });
  let resolved: string;
  try {
    resolved = await client.config.region();
  } catch {
    client.destroy();
    throw new CliError(
      'no AWS region: set AWS_REGION (or a region in your AWS profile), or pass --region, the region scim-sync is deployed in',
    );
  }
  const pollMs = o['poll-ms'] ? Number(o['poll-ms']) : local ? 250 : 2000;
  if (!Number.isFinite(pollMs) || pollMs <= 0) throw new UsageError(`--poll-ms must be a positive number`);
  return {
    client,
    region: resolved,
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    pollMs,
    ...(o['state-machine-arn'] ? { stateMachineArn: o['state-machine-arn'] } : {}),
  };
}

export function parseProvider(value: string | undefined): Provider {
  const r = ProviderSchema.safeParse(value);
  if (!r.success)
    throw new UsageError(
      value ? `unknown provider ${value}: github or entra` : 'name a provider: github or entra',
    );
  return r.data;
}

export const machineName = (provider: Provider) => `scim-sync-${provider}`;
const MACHINE_PREFIX = 'scim-sync-';

export interface Machine {
  name: string;
  arn: string;
}

/** The scim-sync state machines of this account and region, by name. */
export async function listMachines(aws: Aws): Promise<Machine[]> {
  const out: Machine[] = [];
  for await (const page of paginateListStateMachines({ client: aws.client }, {})) {
    for (const m of page.stateMachines ?? []) {
      if (m.name?.startsWith(MACHINE_PREFIX) && m.stateMachineArn)
        out.push({ name: m.name, arn: m.stateMachineArn });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** `scim-sync-<provider>` (or --state-machine-arn), with a clear error when it is not there. */
export async function findMachine(aws: Aws, provider: Provider): Promise<Machine> {
  if (aws.stateMachineArn)
    return { name: aws.stateMachineArn.split(':').at(-1) ?? '', arn: aws.stateMachineArn };
  const name = machineName(provider);
  const all = await listMachines(aws);
  const found = all.find((m) => m.name === name);
  if (found) return found;
  const others = all.length ? ` (${aws.region} has ${all.map((m) => m.name).join(', ')})` : '';
  throw new CliError(
    `no state machine ${name} in ${aws.region}${others}: deployed in another region? Pass --region or set AWS_REGION; see docs/deploy.md`,
  );
}

/**
 * An execution's ARN from its ARN or its name (as `scim-sync status` prints it): a name is looked
 * up in the provider's machine, or in every scim-sync machine of the region.
 */
export async function resolveExecution(aws: Aws, target: string, provider?: string): Promise<string> {
  if (target.startsWith('arn:')) return target;
  if (!/^[\w-]{1,80}$/.test(target))
    throw new UsageError(
      `${target} is neither an execution ARN nor an execution name (as scim-sync status prints them)`,
    );
  const machines = provider
    ? [await findMachine(aws, parseProvider(provider))]
    : aws.stateMachineArn
      ? [{ name: aws.stateMachineArn.split(':').at(-1) ?? '', arn: aws.stateMachineArn }]
      : await listMachines(aws);
  const found: string[] = [];
  for (const m of machines) {
    const arn = `${m.arn.replace(':stateMachine:', ':execution:')}:${target}`;
    try {
      await aws.client.send(new DescribeExecutionCommand({ executionArn: arn }));
      found.push(arn);
    } catch (err) {
      if ((err as { name?: string }).name !== 'ExecutionDoesNotExist') throw err;
    }
  }
  if (found.length > 1)
    throw new UsageError(
      `${target} is an execution of ${machines.map((m) => m.name).join(' and ')}: pass --provider`,
    );
  if (!found[0])
    throw new CliError(
      `no execution named ${target} in ${machines.map((m) => m.name).join(' or ') || 'any scim-sync state machine'} (${aws.region}); scim-sync status lists the recent runs`,
    );
  return found[0];
}

/** The provider a scim-sync state machine runs, from its name or ARN. */
export function providerOfMachine(nameOrArn: string): string {
  const name = nameOrArn.split(':').at(-1) ?? nameOrArn;
  return name.startsWith(MACHINE_PREFIX) ? name.slice(MACHINE_PREFIX.length) : name;
}

/** arn:aws:states:R:A:execution:MACHINE:NAME → the machine's ARN. */
export function machineArnOfExecution(executionArn: string): string | undefined {
  const parts = executionArn.split(':');
  if (parts.length < 8 || parts[2] !== 'states' || parts[5] !== 'execution') return undefined;
  return [...parts.slice(0, 5), 'stateMachine', parts[6]].join(':');
}

export function consoleLink(region: string, executionArn: string): string {
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

/** `<prefix>-<user>-<UTC time>-<4 hex>`: readable in the console, unique, a valid execution name. */
export function executionName(prefix: string, now = new Date()): string {
  let user = 'operator';
  try {
    user = userInfo().username || user;
  } catch {
    user = process.env.USER ?? process.env.USERNAME ?? user;
  }
  const safe = user.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 24) || 'operator';
  const time = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${prefix}-${safe}-${time}-${randomBytes(2).toString('hex')}`;
}

/** An SDK or network error as a sentence with what to do; `what` names what was being looked for. */
export function explainAwsError(
  err: unknown,
  aws?: Pick<Aws, 'region' | 'endpoint'> & { profile?: string },
  what?: string,
): string {
  const e = err as { name?: string; message?: string; code?: string; cause?: { code?: string } };
  const name = e?.name ?? 'Error';
  const message = e?.message ?? String(err);
  const where = aws?.region ? ` in ${aws.region}` : '';
  switch (name) {
    case 'CliError':
      return message;
    case 'CredentialsProviderError':
      if (aws?.profile && /profile/i.test(message))
        return `AWS profile "${aws.profile}" was not found or has no credentials: check ~/.aws/config (\`aws configure list-profiles\`), or log in with \`aws sso login --profile ${aws.profile}\` (${message})`;
      return `no AWS credentials: set AWS_PROFILE (run \`aws sso login --profile <name>\` for an SSO profile) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or pass --profile (${message})`;
    case 'ExpiredTokenException':
    case 'ExpiredToken':
    case 'TokenRefreshRequired':
      return `your AWS session has expired: log in again (e.g. \`aws sso login\`) and retry (${message})`;
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
    case 'InvalidClientTokenId':
      return `AWS did not accept these credentials${where}: check AWS_PROFILE / --profile and the account (${message})`;
    case 'AccessDeniedException':
      return `not allowed${where}: ${message}. Operating scim-sync needs states:ListStateMachines, DescribeStateMachine, ListExecutions, DescribeExecution, GetExecutionHistory, StartExecution and RedriveExecution on the scim-sync-* state machines`;
    case 'ExecutionDoesNotExist':
      return `no such execution${where}${what ? `: ${what}` : ''} (check the ARN, and the region: an execution ARN names its region)`;
    case 'StateMachineDoesNotExist':
      return `no such state machine${where}${what ? `: ${what}` : ''}; see docs/deploy.md`;
    case 'InvalidArn':
      return `not a valid ARN${what ? `: ${what}` : ''} (${message})`;
    case 'ExecutionAlreadyExists':
      return `an execution with that name already exists: retry in a second (${message})`;
    case 'ExecutionLimitExceeded':
      return `too many executions are running in this account${where}: wait for some to end (${message})`;
    case 'ThrottlingException':
      return `Step Functions throttled the requests${where}: retry in a minute (${message})`;
    default:
      break;
  }
  if (/Region is missing/i.test(message)) return 'no AWS region: set AWS_REGION or pass --region';
  const code = e?.code ?? e?.cause?.code;
  if (
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'ETIMEDOUT' ||
    /ECONNREFUSED/.test(message)
  ) {
    return aws?.endpoint
      ? `cannot reach ${aws.endpoint}: is \`scim-sync local-aws\` (or your endpoint) running? (${message})`
      : `cannot reach Step Functions${where}: check your network or proxy (${message})`;
  }
  return `${name}: ${message}`;
}

/** Runs a command body with the client, turning every error into a sentence: exit 2 for usage errors, else 1. */
export async function withAws(
  parsed: Parsed,
  io: Io,
  body: (
    aws: Aws,
    values: Record<string, string | boolean | undefined>,
    positionals: string[],
  ) => Promise<number>,
): Promise<number> {
  let aws: Aws | undefined;
  const profile = parsed.values.profile as string | undefined;
  try {
    aws = await connect(parsed.values);
    return await body(aws, parsed.values, parsed.positionals);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`error: ${err.message}\n`);
      return 2;
    }
    const where = aws
      ? { ...aws, ...(profile ? { profile } : {}) }
      : profile
        ? { region: '', profile }
        : undefined;
    io.err(`error: ${explainAwsError(err, where)}\n`);
    return 1;
  } finally {
    aws?.client.destroy();
  }
}
