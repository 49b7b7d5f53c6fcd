/**
 * `scim-sync redrive <execution-arn | latest>`: RedriveExecution of a failed run, which restarts it
 * at the state that failed (a Map re-runs only its failed batches). When Step Functions will not
 * re-drive it, or a redrive cannot help, says why and what to do instead.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  ListExecutionsCommand,
  RedriveExecutionCommand,
} from '@aws-sdk/client-sfn';
import {
  type Aws,
  CliError,
  consoleLink,
  explainAwsError,
  findMachine,
  type Io,
  listMachines,
  type Machine,
  machineArnOfExecution,
  type Parsed,
  parseProvider,
  processIo,
  providerOfMachine,
  resolveExecution,
  withAws,
} from './client';
import { follow, outcomeLines } from './follow';
import { failureOf, HistoryReader, machineTopology, progressOf } from './history';
import { failedAt } from './render';
import { historyRoom, newerCandidates, supersededBy } from './superseded';

/** Step Functions re-drives an execution for 14 days after it stopped. */
export const REDRIVE_WINDOW_DAYS = 14;
const DAY_MS = 86_400_000;

/** Errors that a redrive repeats exactly (same input, same decision): start a new run instead. */
const REPEATS: Record<string, string> = {
  PlanExpiredError: 'its plan is older than planMaxAgeHours, so every re-driven batch refuses it again',
  DeletionGuardError:
    'a redrive re-runs ComputePlan with the same input and stops again; if the deletions are right, start a new run with --allow-mass-deletion',
  InputValidationError: 'a redrive keeps the same input, which is rejected again',
};

/** planMaxAgeHours of this checkout's cdk.json (the deployed value, if nobody changed it since). */
function planMaxAgeHours(): number {
  try {
    const cdk = JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as {
      context?: { scimSync?: { planMaxAgeHours?: number } };
    };
    return cdk.context?.scimSync?.planMaxAgeHours ?? 24;
  } catch {
    return 24;
  }
}

async function latest(aws: Aws, provider: string | undefined): Promise<string> {
  let machine: Machine;
  if (provider) machine = await findMachine(aws, parseProvider(provider));
  else if (aws.stateMachineArn) machine = { name: '', arn: aws.stateMachineArn };
  else {
    const all = await listMachines(aws);
    if (all.length !== 1)
      throw new CliError(
        all.length
          ? `which run is "latest"? name the provider: --provider ${all.map((m) => providerOfMachine(m.name)).join(' or --provider ')}`
          : `no scim-sync state machines in ${aws.region}: deployed in another region? see docs/deploy.md`,
      );
    machine = all[0]!;
  }
  const r = await aws.client.send(new ListExecutionsCommand({ stateMachineArn: machine.arn, maxResults: 1 }));
  const x = r.executions?.[0];
  if (!x?.executionArn) throw new CliError(`${machine.name} has no executions yet: nothing to re-drive`);
  return x.executionArn;
}

/** Why this execution should not be re-driven, in words, or undefined when it can be. */
export function refusal(
  x: DescribeExecutionCommandOutput,
  provider: string,
  context: {
    failure?: string;
    error?: string;
    planAgeHours?: number;
    maxAgeHours: number;
    /** A newer execution of the provider that applied since (cli/aws/superseded.ts). */
    supersededBy?: string;
    /** Why the history cannot hold the redrive (cli/aws/superseded.ts). */
    historyRoom?: string;
  },
  now = new Date(),
): string | undefined {
  const name = x.name ?? x.executionArn;
  const newRun = `Start a new run instead: scim-sync start ${provider}`;
  if (x.status === 'SUCCEEDED')
    return `${name} succeeded (${x.stopDate?.toISOString() ?? ''}): there is nothing to re-drive. To sync again, start a new run: scim-sync start ${provider}`;
  if (x.status === 'RUNNING' || x.status === 'PENDING_REDRIVE')
    return `${name} is still running: it cannot be re-driven until it ends. Follow it with scim-sync status ${provider}; if it is stuck, stop it in the console, then start a new run.`;
  if (x.stopDate && now.getTime() - x.stopDate.getTime() > REDRIVE_WINDOW_DAYS * DAY_MS)
    return `${name} stopped on ${x.stopDate.toISOString()}, more than ${REDRIVE_WINDOW_DAYS} days ago: Step Functions only re-drives an execution for ${REDRIVE_WINDOW_DAYS} days after it stops (and its plan has long expired). ${newRun}`;
  if (x.redriveStatus === 'NOT_REDRIVABLE') {
    const reason = x.redriveStatusReason ?? 'no reason given';
    if (/event/i.test(reason))
      return `${name} cannot be re-driven: its history has reached Step Functions' limit of 25,000 events (${reason}). ${newRun}`;
    return `Step Functions will not re-drive ${name}: ${reason}. ${newRun}`;
  }
  const repeat = context.error ? REPEATS[context.error] : undefined;
  if (repeat) return `${name} failed with ${context.error} in ${context.failure}: ${repeat}. ${newRun}`;
  if (context.supersededBy)
    return `${name}'s plan is superseded: ${context.supersededBy}. Its plan was made from older data (it could undo that run's work, e.g. re-create a leaver), so the re-driven batches would stop with PlanSupersededError and change nothing. ${newRun}`;
  if (context.historyRoom) return `${name} cannot be re-driven safely: ${context.historyRoom}. ${newRun}`;
  if (context.planAgeHours !== undefined && context.planAgeHours > context.maxAgeHours)
    return `${name}'s plan was made ${Math.floor(context.planAgeHours)} hours ago, more than planMaxAgeHours (${context.maxAgeHours}): the re-driven batches would stop with PlanExpiredError and change nothing. ${newRun}`;
  return undefined;
}

export function redriveCommand(parsed: Parsed, io: Io = processIo()): Promise<number> {
  return withAws(parsed, io, async (aws, values, positionals) => {
    const target = positionals[0] ?? 'latest';
    const arn =
      target === 'latest'
        ? await latest(aws, values.provider as string | undefined)
        : await resolveExecution(aws, target, values.provider as string | undefined);
    const machineArn = machineArnOfExecution(arn);
    if (!machineArn)
      throw new CliError(
        `not an execution ARN: ${arn} (expected arn:aws:states:<region>:<account>:execution:<machine>:<name>, or latest)`,
      );
    const provider = providerOfMachine(machineArn);
    let x: DescribeExecutionCommandOutput;
    try {
      x = await aws.client.send(new DescribeExecutionCommand({ executionArn: arn }));
    } catch (err) {
      throw new CliError(explainAwsError(err, aws, arn));
    }
    const topo = await machineTopology(aws.client, machineArn);
    const reader = new HistoryReader(aws.client, arn);
    if (x.status === 'FAILED') await reader.refresh();
    const failure = failureOf(reader.events, topo);
    const plan = progressOf(reader.events, topo).plan;
    const planAgeHours = plan?.createdAt ? (Date.now() - Date.parse(plan.createdAt)) / 3_600_000 : undefined;
    const redrivable = x.status === 'FAILED' || x.status === 'TIMED_OUT' || x.status === 'ABORTED';
    const newer = redrivable
      ? supersededBy(x as { startDate: Date }, await newerCandidates(aws.client, machineArn, x))
      : undefined;
    const room = redrivable ? historyRoom(reader.events.length, failure.failedBatches.length) : undefined;
    const reason = refusal(x, provider, {
      failure: failedAt(failure),
      ...(x.error ? { error: x.error } : {}),
      ...(planAgeHours !== undefined ? { planAgeHours } : {}),
      maxAgeHours: planMaxAgeHours(),
      ...(newer ? { supersededBy: newer } : {}),
      ...(room ? { historyRoom: room } : {}),
    });
    const force = Boolean(values.force) && x.status !== 'SUCCEEDED' && x.status !== 'RUNNING';
    if (reason && !force) {
      io.err(`refused: ${reason}\n`);
      return 1;
    }
    try {
      await aws.client.send(new RedriveExecutionCommand({ executionArn: arn }));
    } catch (err) {
      if ((err as { name?: string }).name === 'ExecutionNotRedrivable') {
        io.err(
          `refused: Step Functions will not re-drive ${x.name}: ${(err as Error).message}. Start a new run instead: scim-sync start ${provider}\n`,
        );
        return 1;
      }
      throw err;
    }
    const json = Boolean(values.json);
    if (!json) {
      io.out(`re-driving ${x.name} from ${failedAt(failure)} (${x.error ?? x.status})\n`);
      io.out(
        '  only the failed state runs again (a Map re-runs only its failed batches), then the rest of the run\n',
      );
      io.out(`  console: ${consoleLink(aws.region, arn)}\n`);
    }
    if (!values.wait) {
      if (json)
        io.out(`${JSON.stringify({ executionArn: arn, redriven: true, from: failure.state }, null, 2)}\n`);
      return 0;
    }
    const r = await follow(aws, arn, io, { redriveCount: (x.redriveCount ?? 0) + 1, quiet: json });
    if (json) {
      if (r.summary) io.out(`${JSON.stringify(r.summary, null, 2)}\n`);
    } else io.out(`\n${outcomeLines(r, provider).join('\n')}\n`);
    if (r.execution.status !== 'SUCCEEDED') {
      io.err(`${r.execution.error ?? r.execution.status}: ${r.execution.cause ?? ''}\n`);
      return 1;
    }
    return 0;
  });
}
